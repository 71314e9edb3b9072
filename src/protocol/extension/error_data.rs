//! The `data` of the two 2026-07-28 errors a tasks client must understand: -32021
//! MissingRequiredClientCapability and -32022 UnsupportedProtocolVersion.

use serde_json::{Map, Value};

use super::fields::{Fields, malformed};
use super::request_meta::lists_tasks_extension;
use crate::protocol::WireError;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::meta::TASKS_EXTENSION;

/// -32021: the request needs client capabilities it did not declare.
#[derive(Clone, Debug, PartialEq)]
pub struct MissingClientCapability {
    /// `data.requiredCapabilities`: the capabilities the request needed.
    pub required_capabilities: Map<String, Value>,
}

impl MissingClientCapability {
    const WHAT: &'static str = "-32021 error data";
    /// The canonical message of [`to_error`](Self::to_error).
    pub const MESSAGE: &'static str = "Missing required client capability";

    /// The error for a request that needs the tasks extension:
    /// `requiredCapabilities.extensions["io.modelcontextprotocol/tasks"] = {}`.
    pub fn tasks_extension() -> Self {
        let mut ext = Map::new();
        ext.insert(TASKS_EXTENSION.into(), Value::Object(Map::new()));
        let mut caps = Map::new();
        caps.insert("extensions".into(), Value::Object(ext));
        Self { required_capabilities: caps }
    }

    /// Whether the missing capabilities include the tasks extension.
    pub fn requires_tasks_extension(&self) -> bool {
        lists_tasks_extension(&self.required_capabilities)
    }

    /// The JSON-RPC error object, with the canonical message.
    pub fn to_error(&self) -> ErrorObject {
        let mut data = Map::new();
        data.insert(
            "requiredCapabilities".into(),
            Value::Object(self.required_capabilities.clone()),
        );
        ErrorObject::new(ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY, Self::MESSAGE)
            .with_data(Value::Object(data))
    }

    /// Reads the data of a -32021 error; any other code is malformed.
    pub fn from_error(error: &ErrorObject) -> Result<Self, WireError> {
        let data = data_of(error, ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY, Self::WHAT)?;
        Ok(Self {
            required_capabilities: Fields::new(data, Self::WHAT)
                .required("requiredCapabilities")?,
        })
    }
}

/// -32022: the server does not speak the requested protocol version.
#[derive(Clone, Debug, PartialEq)]
pub struct UnsupportedProtocolVersion {
    /// `data.supported`: the versions to retry with.
    pub supported: Vec<String>,
    /// `data.requested`: the version the request asked for.
    pub requested: String,
}

impl UnsupportedProtocolVersion {
    const WHAT: &'static str = "-32022 error data";
    /// The canonical message of [`to_error`](Self::to_error).
    pub const MESSAGE: &'static str = "Unsupported protocol version";

    /// The JSON-RPC error object, with the canonical message.
    pub fn to_error(&self) -> ErrorObject {
        let mut data = Map::new();
        let supported = self.supported.iter().map(|v| Value::from(v.as_str())).collect();
        data.insert("supported".into(), Value::Array(supported));
        data.insert("requested".into(), Value::from(self.requested.as_str()));
        ErrorObject::new(ErrorCode::UNSUPPORTED_PROTOCOL_VERSION, Self::MESSAGE)
            .with_data(Value::Object(data))
    }

    /// Reads the data of a -32022 error; any other code is malformed.
    pub fn from_error(error: &ErrorObject) -> Result<Self, WireError> {
        let data = data_of(error, ErrorCode::UNSUPPORTED_PROTOCOL_VERSION, Self::WHAT)?;
        let f = Fields::new(data, Self::WHAT);
        Ok(Self { supported: f.required("supported")?, requested: f.required("requested")? })
    }
}

fn data_of<'a>(
    error: &'a ErrorObject,
    code: ErrorCode,
    what: &'static str,
) -> Result<&'a Map<String, Value>, WireError> {
    if error.code != code {
        return Err(malformed(what, format!("error code {code}"), error.code.to_string()));
    }
    match &error.data {
        Some(data) => Fields::object(data, what),
        None => Err(WireError::MissingField { what, field: "data" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_capability_round_trips_and_checks_the_code() {
        let e = MissingClientCapability::tasks_extension().to_error();
        let back = MissingClientCapability::from_error(&e).unwrap();
        assert!(back.requires_tasks_extension());
        let wrong = ErrorObject { code: ErrorCode::INVALID_PARAMS, ..e };
        assert_eq!(
            MissingClientCapability::from_error(&wrong).unwrap_err().code(),
            "wire_malformed"
        );
    }

    #[test]
    fn unsupported_version_needs_data() {
        let bare = ErrorObject::new(ErrorCode::UNSUPPORTED_PROTOCOL_VERSION, "no");
        assert!(matches!(
            UnsupportedProtocolVersion::from_error(&bare),
            Err(WireError::MissingField { field: "data", .. })
        ));
    }
}
