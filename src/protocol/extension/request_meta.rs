//! The per-request `_meta` of protocol 2026-07-28: version, capabilities, client info.

use serde_json::{Map, Value};

use super::fields::{Fields, put_opt};
use crate::protocol::WireError;
use crate::protocol::meta::{
    CLIENT_CAPABILITIES, CLIENT_INFO, EXTENSION_PROTOCOL_VERSION, PROTOCOL_VERSION, TASKS_EXTENSION,
};

/// What a 2026-07-28 client declares on every request, in `params._meta`.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestMeta {
    /// `io.modelcontextprotocol/protocolVersion`.
    pub protocol_version: String,
    /// `io.modelcontextprotocol/clientCapabilities` (`{}` when the client has none).
    pub client_capabilities: Map<String, Value>,
    /// `io.modelcontextprotocol/clientInfo` (`{name, version, ...}`), kept as sent.
    pub client_info: Option<Map<String, Value>>,
}

impl RequestMeta {
    const WHAT: &'static str = "request _meta";

    /// Protocol 2026-07-28 with no capabilities.
    pub fn new() -> Self {
        Self {
            protocol_version: EXTENSION_PROTOCOL_VERSION.into(),
            client_capabilities: Map::new(),
            client_info: None,
        }
    }

    /// The same, declaring the tasks extension (`extensions["io.modelcontextprotocol/tasks"] = {}`).
    pub fn with_tasks_extension(mut self) -> Self {
        let extensions = self
            .client_capabilities
            .entry("extensions")
            .or_insert_with(|| Value::Object(Map::new()));
        if !extensions.is_object() {
            *extensions = Value::Object(Map::new());
        }
        if let Value::Object(ext) = extensions {
            ext.insert(TASKS_EXTENSION.into(), Value::Object(Map::new()));
        }
        self
    }

    /// Whether the capabilities list the tasks extension. Only an object value counts, as
    /// the extension's capability is `{}`; the 2025-11-25 `tasks` capability does not.
    pub fn declares_tasks_extension(&self) -> bool {
        lists_tasks_extension(&self.client_capabilities)
    }

    /// Reads the keys from a `_meta` object. Both the version and the capabilities are
    /// required; other keys are left to the caller.
    pub fn from_meta(meta: &Map<String, Value>) -> Result<Self, WireError> {
        let f = Fields::new(meta, Self::WHAT);
        Ok(Self {
            protocol_version: f.required(PROTOCOL_VERSION)?,
            client_capabilities: f.required(CLIENT_CAPABILITIES)?,
            client_info: f.object_field(CLIENT_INFO)?,
        })
    }

    /// Reads the keys from a request's `params._meta`; a missing `_meta` reports the
    /// missing protocol version.
    pub fn from_params(params: &Map<String, Value>) -> Result<Self, WireError> {
        match Fields::new(params, Self::WHAT).object_field("_meta")? {
            Some(meta) => Self::from_meta(&meta),
            None => Err(WireError::MissingField { what: Self::WHAT, field: PROTOCOL_VERSION }),
        }
    }

    /// Writes the keys into a `_meta` object, keeping its other keys.
    pub fn write_meta(&self, meta: &mut Map<String, Value>) {
        meta.insert(PROTOCOL_VERSION.into(), Value::from(self.protocol_version.as_str()));
        meta.insert(CLIENT_CAPABILITIES.into(), Value::Object(self.client_capabilities.clone()));
        put_opt(meta, CLIENT_INFO, self.client_info.clone());
    }

    /// The keys as a fresh `_meta` object.
    pub fn to_meta(&self) -> Map<String, Value> {
        let mut meta = Map::new();
        self.write_meta(&mut meta);
        meta
    }

    /// Writes the keys into `params._meta`, creating it (or replacing a non-object).
    pub fn write_params(&self, params: &mut Map<String, Value>) {
        let meta = params.entry("_meta").or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        if let Value::Object(m) = meta {
            self.write_meta(m);
        }
    }
}

/// Whether a capabilities object (a client's or a server's) has an object under
/// `extensions["io.modelcontextprotocol/tasks"]`.
pub fn lists_tasks_extension(capabilities: &Map<String, Value>) -> bool {
    capabilities
        .get("extensions")
        .and_then(|e| e.get(TASKS_EXTENSION))
        .is_some_and(Value::is_object)
}

impl Default for RequestMeta {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_and_reads_back_a_declaring_meta() {
        let meta = RequestMeta::new().with_tasks_extension();
        assert!(meta.declares_tasks_extension());
        let mut params = Map::new();
        params.insert("taskId".into(), json!("t"));
        params.insert("_meta".into(), json!({"progressToken": 7}));
        meta.write_params(&mut params);
        assert_eq!(params["_meta"]["progressToken"], json!(7));
        assert_eq!(RequestMeta::from_params(&params).unwrap(), meta);
    }

    #[test]
    fn legacy_tasks_or_non_object_does_not_declare() {
        for caps in [
            json!({"tasks": {"requests": {"tools": {"call": {}}}}}),
            json!({"extensions": {"io.modelcontextprotocol/tasks": true}}),
            json!({"extensions": ["io.modelcontextprotocol/tasks"]}),
        ] {
            let meta = RequestMeta {
                client_capabilities: caps.as_object().cloned().unwrap_or_default(),
                ..RequestMeta::new()
            };
            assert!(!meta.declares_tasks_extension(), "{caps}");
        }
    }

    #[test]
    fn missing_version_is_typed() {
        let params = Map::new();
        assert!(matches!(
            RequestMeta::from_params(&params),
            Err(WireError::MissingField { field: PROTOCOL_VERSION, .. })
        ));
        let meta = json!({CLIENT_CAPABILITIES: {}});
        assert!(matches!(
            RequestMeta::from_meta(meta.as_object().unwrap()),
            Err(WireError::MissingField { field: PROTOCOL_VERSION, .. })
        ));
    }
}
