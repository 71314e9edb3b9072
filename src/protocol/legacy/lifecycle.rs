//! The `initialize` exchange, where 2025-11-25 task support is negotiated once.

use serde::{Deserialize, Serialize};

use super::{ClientCapabilities, Object, ServerCapabilities, WireShape, require};
use crate::protocol::WireError;

/// `clientInfo` / `serverInfo`: who the peer is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Implementation {
    /// The programmatic name.
    pub name: String,
    /// The version.
    pub version: String,
    /// `title`, `icons`, `websiteUrl` and the rest, kept as sent.
    #[serde(flatten)]
    pub extra: Object,
}

impl Implementation {
    /// A name and version with nothing else.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self { name: name.into(), version: version.into(), extra: Object::new() }
    }
}

/// The params of `initialize`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeParams {
    /// The newest revision the client speaks.
    pub protocol_version: String,
    /// What the client offers.
    pub capabilities: ClientCapabilities,
    /// Who the client is.
    pub client_info: Implementation,
    /// `_meta`, kept as sent.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Object>,
}

impl WireShape for InitializeParams {
    const WHAT: &'static str = "initialize params";

    fn check(map: &Object) -> Result<(), WireError> {
        require(Self::WHAT, map, &["protocolVersion", "capabilities", "clientInfo"])
    }
}

/// The result of `initialize`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitializeResult {
    /// The revision the server chose.
    pub protocol_version: String,
    /// What the server offers.
    pub capabilities: ServerCapabilities,
    /// Who the server is.
    pub server_info: Implementation,
    /// Hints for the model about using this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// `_meta`, kept as sent.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Object>,
}

impl WireShape for InitializeResult {
    const WHAT: &'static str = "initialize result";

    fn check(map: &Object) -> Result<(), WireError> {
        require(Self::WHAT, map, &["protocolVersion", "capabilities", "serverInfo"])
    }
}

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
