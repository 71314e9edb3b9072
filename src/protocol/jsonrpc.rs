//! The JSON-RPC 2.0 envelope MCP rides on, and the error codes the tasks flow uses.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A JSON-RPC request id: a string or an integer. (MCP forbids `null` ids on requests.)
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RequestId {
    /// An integer id, as the TypeScript and Python SDKs send.
    Number(i64),
    /// A string id.
    String(String),
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::String(s) => f.write_str(s),
        }
    }
}

/// A JSON-RPC error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ErrorCode(pub i32);

impl ErrorCode {
    /// -32700: the body was not JSON.
    pub const PARSE_ERROR: Self = Self(-32700);
    /// -32600: not a valid request (also the 2025-11-25 "task augmentation required" MAY).
    pub const INVALID_REQUEST: Self = Self(-32600);
    /// -32601: unknown method; also a task-mode mismatch on a tool, and the extension's
    /// answer to `tasks/result` and `tasks/list`.
    pub const METHOD_NOT_FOUND: Self = Self(-32601);
    /// -32602: bad params; unknown, expired or foreign task ids; bad cursors; cancel of a
    /// terminal task (2025-11-25).
    pub const INVALID_PARAMS: Self = Self(-32602);
    /// -32603: the receiver failed internally.
    pub const INTERNAL_ERROR: Self = Self(-32603);
    /// -32000: the TypeScript SDK's "Bad Request: Mcp-Session-Id header is required".
    pub const SERVER_ERROR: Self = Self(-32000);
    /// -32001: session not found, as the TypeScript SDK sends with HTTP 404.
    pub const SESSION_NOT_FOUND: Self = Self(-32001);
    /// -32020: the `Mcp-*` headers disagree with the body (2026-07-28).
    pub const HEADER_MISMATCH: Self = Self(-32020);
    /// -32021: the request needs a client capability it did not declare (2026-07-28).
    pub const MISSING_REQUIRED_CLIENT_CAPABILITY: Self = Self(-32021);
    /// -32022: the protocol version is not supported (2026-07-28).
    pub const UNSUPPORTED_PROTOCOL_VERSION: Self = Self(-32022);
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A JSON-RPC error object (`{code, message, data?}`), also the `error` of a failed
/// extension task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// The code.
    pub code: ErrorCode,
    /// A short human-readable description.
    pub message: String,
    /// Anything else the sender attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error without `data`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), data: None }
    }

    /// The same error with `data` attached.
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// The version marker every JSON-RPC 2.0 message carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct V2;

impl Serialize for V2 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("2.0")
    }
}

impl<'de> Deserialize<'de> for V2 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if v == "2.0" {
            Ok(V2)
        } else {
            Err(serde::de::Error::custom(format!("jsonrpc must be \"2.0\", got {v:?}")))
        }
    }
}

/// A request: a method call that expects a response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Always "2.0".
    pub jsonrpc: V2,
    /// The id the response will echo.
    pub id: RequestId,
    /// The method name.
    pub method: String,
    /// The params object, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Map<String, Value>>,
}

/// A notification: a method call without an id, never answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Always "2.0".
    pub jsonrpc: V2,
    /// The method name.
    pub method: String,
    /// The params object, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Map<String, Value>>,
}

/// A successful response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultResponse {
    /// Always "2.0".
    pub jsonrpc: V2,
    /// The id of the request this answers.
    pub id: RequestId,
    /// The result object.
    pub result: Map<String, Value>,
}

/// An error response. `id` is absent when the request could not be read at all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// Always "2.0".
    pub jsonrpc: V2,
    /// The id of the request this answers, or `None` (`null` on the wire).
    pub id: Option<RequestId>,
    /// What went wrong.
    pub error: ErrorObject,
}

/// Any one JSON-RPC message.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A successful response.
    Result(ResultResponse),
    /// An error response.
    Error(ErrorResponse),
}

/// A message that is not JSON-RPC 2.0.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The bytes were not JSON, or had the wrong types for the envelope.
    #[error("malformed JSON-RPC message: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The JSON was an object of no JSON-RPC kind (no method, result or error).
    #[error("JSON object is neither a request, a notification nor a response")]
    UnknownKind,
    /// A batch (JSON array); MCP forbids them on Streamable HTTP.
    #[error("JSON-RPC batches are not allowed")]
    Batch,
}

impl EnvelopeError {
    /// A stable, machine-readable code for the variant.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "envelope_malformed",
            Self::UnknownKind => "envelope_unknown_kind",
            Self::Batch => "envelope_batch",
        }
    }

    /// The JSON-RPC error a receiver answers with: -32700 for text that is not JSON,
    /// -32600 for JSON that is not a single valid message.
    pub fn to_error_object(&self) -> ErrorObject {
        let code = match self {
            Self::Malformed(e) if e.is_syntax() || e.is_eof() => ErrorCode::PARSE_ERROR,
            _ => ErrorCode::INVALID_REQUEST,
        };
        ErrorObject::new(code, self.to_string())
    }
}

impl Message {
    /// Parses one message from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let value: Value = serde_json::from_slice(bytes)?;
        Self::from_value(value)
    }

    /// Classifies and parses one message from a JSON value.
    pub fn from_value(value: Value) -> Result<Self, EnvelopeError> {
        let Value::Object(obj) = &value else {
            return Err(match value {
                Value::Array(_) => EnvelopeError::Batch,
                _ => EnvelopeError::UnknownKind,
            });
        };
        let message = if obj.contains_key("method") {
            if obj.get("id").is_some_and(|id| !id.is_null()) {
                Self::Request(serde_json::from_value(value)?)
            } else {
                Self::Notification(serde_json::from_value(value)?)
            }
        } else if obj.contains_key("error") {
            Self::Error(serde_json::from_value(value)?)
        } else if obj.contains_key("result") {
            Self::Result(serde_json::from_value(value)?)
        } else {
            return Err(EnvelopeError::UnknownKind);
        };
        Ok(message)
    }

    /// The message as a JSON value.
    pub fn to_value(&self) -> Value {
        // Serialising these plain structs cannot fail: every key is a string.
        let r = match self {
            Self::Request(m) => serde_json::to_value(m),
            Self::Notification(m) => serde_json::to_value(m),
            Self::Result(m) => serde_json::to_value(m),
            Self::Error(m) => serde_json::to_value(m),
        };
        r.unwrap_or(Value::Null)
    }
}

impl Request {
    /// A request with the given id, method and params.
    pub fn new(
        id: RequestId,
        method: impl Into<String>,
        params: Option<Map<String, Value>>,
    ) -> Self {
        Self { jsonrpc: V2, id, method: method.into(), params }
    }
}

impl Notification {
    /// A notification with the given method and params.
    pub fn new(method: impl Into<String>, params: Option<Map<String, Value>>) -> Self {
        Self { jsonrpc: V2, method: method.into(), params }
    }
}

impl ResultResponse {
    /// A response carrying `result`.
    pub fn new(id: RequestId, result: Map<String, Value>) -> Self {
        Self { jsonrpc: V2, id, result }
    }
}

impl ErrorResponse {
    /// A response carrying `error`.
    pub fn new(id: Option<RequestId>, error: ErrorObject) -> Self {
        Self { jsonrpc: V2, id, error }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_each_kind() {
        let req = json!({"jsonrpc":"2.0","id":"a","method":"tasks/get","params":{"taskId":"t"}});
        assert!(matches!(Message::from_value(req.clone()).unwrap(), Message::Request(_)));
        let note = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        assert!(matches!(Message::from_value(note).unwrap(), Message::Notification(_)));
        let ok = json!({"jsonrpc":"2.0","id":3,"result":{}});
        assert!(matches!(Message::from_value(ok).unwrap(), Message::Result(_)));
        let err = json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}});
        let Message::Error(e) = Message::from_value(err.clone()).unwrap() else { panic!() };
        assert_eq!(e.error.code, ErrorCode::PARSE_ERROR);
        assert_eq!(Message::Error(e).to_value(), err);
        assert_eq!(Message::from_value(req.clone()).unwrap().to_value(), req);
    }

    #[test]
    fn rejects_non_messages_with_typed_errors() {
        assert!(matches!(Message::from_slice(b"[1]"), Err(EnvelopeError::Batch)));
        assert!(matches!(Message::from_slice(b"{}"), Err(EnvelopeError::UnknownKind)));
        assert!(matches!(Message::from_slice(b"{"), Err(EnvelopeError::Malformed(_))));
        let wrong = br#"{"jsonrpc":"1.0","id":1,"result":{}}"#;
        assert!(matches!(Message::from_slice(wrong), Err(EnvelopeError::Malformed(_))));
        let id_obj = br#"{"jsonrpc":"2.0","id":{},"method":"x"}"#;
        assert!(matches!(Message::from_slice(id_obj), Err(EnvelopeError::Malformed(_))));
        let codes =
            |b: &[u8]| Message::from_slice(b).map(|_| ()).unwrap_err().to_error_object().code;
        assert_eq!(codes(b"{"), ErrorCode::PARSE_ERROR);
        assert_eq!(codes(b"[1]"), ErrorCode::INVALID_REQUEST);
        assert_eq!(codes(id_obj), ErrorCode::INVALID_REQUEST);
    }
}
