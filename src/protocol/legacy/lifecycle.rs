//! The `initialize` exchange, where 2025-11-25 task support is negotiated once.

use super::{
    ClientCapabilities, Fields, Object, ServerCapabilities, WireShape, nested_required, put,
    put_extra, serde_via_shape,
};
use crate::protocol::WireError;

/// `clientInfo` / `serverInfo`: who the peer is.
#[derive(Clone, Debug, PartialEq)]
pub struct Implementation {
    /// The programmatic name.
    pub name: String,
    /// The version.
    pub version: String,
    /// `title`, `icons`, `websiteUrl` and the rest, kept as sent.
    pub extra: Object,
}

impl Implementation {
    /// A name and version with nothing else.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self { name: name.into(), version: version.into(), extra: Object::new() }
    }
}

/// The params of `initialize`.
#[derive(Clone, Debug, PartialEq)]
pub struct InitializeParams {
    /// The newest revision the client speaks.
    pub protocol_version: String,
    /// What the client offers.
    pub capabilities: ClientCapabilities,
    /// Who the client is.
    pub client_info: Implementation,
    /// `_meta`, kept as sent.
    pub meta: Option<Object>,
}

impl WireShape for Implementation {
    const WHAT: &'static str = "implementation";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self {
            name: f.required("name")?,
            version: f.required("version")?,
            extra: f.rest(&["name", "version"]),
        })
    }

    fn write(&self, map: &mut Object) {
        put_extra(map, &self.extra);
        map.insert("name".into(), self.name.as_str().into());
        map.insert("version".into(), self.version.as_str().into());
    }
}

/// Fails with [`WireError::MissingField`] for the first of `fields` `f` lacks, so that a
/// message missing several is reported the same way whatever the other fields hold.
fn require(f: &Fields<'_>, fields: &[&'static str]) -> Result<(), WireError> {
    match fields.iter().find(|k| !f.has(k)) {
        Some(field) => Err(WireError::MissingField { what: f.what(), field }),
        None => Ok(()),
    }
}

impl WireShape for InitializeParams {
    const WHAT: &'static str = "initialize params";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        require(f, &["protocolVersion", "capabilities", "clientInfo"])?;
        Ok(Self {
            protocol_version: f.required("protocolVersion")?,
            capabilities: nested_required(f, "capabilities")?,
            client_info: nested_required(f, "clientInfo")?,
            meta: f.object_field("_meta")?,
        })
    }

    fn write(&self, map: &mut Object) {
        map.insert("protocolVersion".into(), self.protocol_version.as_str().into());
        map.insert("capabilities".into(), self.capabilities.to_value());
        map.insert("clientInfo".into(), self.client_info.to_value());
        put(map, "_meta", self.meta.as_ref());
    }
}

/// The result of `initialize`.
#[derive(Clone, Debug, PartialEq)]
pub struct InitializeResult {
    /// The revision the server chose.
    pub protocol_version: String,
    /// What the server offers.
    pub capabilities: ServerCapabilities,
    /// Who the server is.
    pub server_info: Implementation,
    /// Hints for the model about using this server.
    pub instructions: Option<String>,
    /// `_meta`, kept as sent.
    pub meta: Option<Object>,
}

impl WireShape for InitializeResult {
    const WHAT: &'static str = "initialize result";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        require(f, &["protocolVersion", "capabilities", "serverInfo"])?;
        Ok(Self {
            protocol_version: f.required("protocolVersion")?,
            capabilities: nested_required(f, "capabilities")?,
            server_info: nested_required(f, "serverInfo")?,
            instructions: f.optional("instructions")?,
            meta: f.object_field("_meta")?,
        })
    }

    fn write(&self, map: &mut Object) {
        map.insert("protocolVersion".into(), self.protocol_version.as_str().into());
        map.insert("capabilities".into(), self.capabilities.to_value());
        map.insert("serverInfo".into(), self.server_info.to_value());
        put(map, "instructions", self.instructions.as_ref());
        put(map, "_meta", self.meta.as_ref());
    }
}

serde_via_shape!(Implementation, InitializeParams, InitializeResult);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn initialize_round_trips_and_reports_missing_fields() {
        let v = json!({"protocolVersion":"2025-11-25",
            "capabilities":{"tasks":{"list":{},"cancel":{}},"roots":{"listChanged":true}},
            "clientInfo":{"name":"edge","version":"0","title":"Edge"}});
        let p = InitializeParams::from_value(v.clone()).unwrap();
        assert!(p.capabilities.tasks.as_ref().unwrap().supports_cancel());
        assert_eq!(p.client_info.extra.get("title"), Some(&json!("Edge")));
        assert_eq!(p.to_value(), v);
        assert!(matches!(
            InitializeParams::from_value(json!({"protocolVersion":"x","capabilities":{}})),
            Err(WireError::MissingField { what: "initialize params", field: "clientInfo" })
        ));
        let r = InitializeResult::from_value(json!({"protocolVersion":"2025-11-25",
            "capabilities":{},"serverInfo":{"name":"s","version":"1"},"instructions":"hi"}))
        .unwrap();
        assert_eq!(r.instructions.as_deref(), Some("hi"));
        assert!(!r.capabilities.supports_task_tool_call());
        assert!(matches!(
            InitializeResult::from_value(json!({"protocolVersion":"x","capabilities":{},
                "serverInfo":{"name":"s"}})),
            Err(WireError::Malformed { .. })
        ));
    }
}
