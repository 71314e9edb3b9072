//! The JSON-RPC 2.0 envelope MCP rides on, and the error codes the tasks flow uses.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Mismatch;
use super::json::tape::{Kind, Node, Tape};
use super::json::{self, FromJson, JsonError, kind_of};
pub use super::reply::Reply;

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
    /// The bytes were not JSON.
    #[error("malformed JSON-RPC message: {0}")]
    NotJson(#[from] JsonError),
    /// The JSON had the wrong types for the envelope.
    #[error("malformed JSON-RPC message: {0}")]
    Malformed(Mismatch),
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
            Self::NotJson(_) => "envelope_not_json",
            Self::Malformed(_) => "envelope_malformed",
            Self::UnknownKind => "envelope_unknown_kind",
            Self::Batch => "envelope_batch",
        }
    }

    /// The JSON-RPC error a receiver answers with: -32700 for text that is not JSON,
    /// -32600 for JSON that is not a single valid message.
    pub fn to_error_object(&self) -> ErrorObject {
        let code = match self {
            Self::NotJson(_) => ErrorCode::PARSE_ERROR,
            _ => ErrorCode::INVALID_REQUEST,
        };
        ErrorObject::new(code, self.to_string())
    }
}

impl FromJson for RequestId {
    const EXPECTED: &'static str = "a string or an integer";
    fn from_json(value: &Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(Self::String(s.clone())),
            Value::Number(n) => n.as_i64().map(Self::Number),
            _ => None,
        }
    }
    fn from_node(node: &Node<'_>) -> Option<Self> {
        match node.kind() {
            Kind::String => node.as_str().map(|s| Self::String(s.into_owned())),
            Kind::Number => node.as_number()?.as_i64().map(Self::Number),
            _ => None,
        }
    }
}

impl From<&RequestId> for Value {
    fn from(id: &RequestId) -> Self {
        match id {
            RequestId::Number(n) => Self::from(*n),
            RequestId::String(s) => Self::String(s.clone()),
        }
    }
}

impl From<&ErrorObject> for Value {
    fn from(error: &ErrorObject) -> Self {
        let mut map = Map::new();
        map.insert("code".into(), error.code.0.into());
        map.insert("message".into(), error.message.as_str().into());
        if let Some(data) = &error.data {
            map.insert("data".into(), data.clone());
        }
        Self::Object(map)
    }
}

/// Reads an envelope field, naming it when it is wrong.
fn field<T: FromJson>(obj: &Map<String, Value>, key: &str) -> Result<Option<T>, EnvelopeError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => T::from_json(v).map(Some).ok_or_else(|| {
            EnvelopeError::Malformed(Mismatch::new(Some(key.to_owned()), T::EXPECTED, kind_of(v)))
        }),
    }
}

fn required<T: FromJson>(obj: &Map<String, Value>, key: &str) -> Result<T, EnvelopeError> {
    field(obj, key)?.ok_or_else(|| {
        EnvelopeError::Malformed(Mismatch::new(Some(key.to_owned()), T::EXPECTED, "nothing"))
    })
}

impl Message {
    /// Parses one message from JSON text.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let mut tape = Tape::default();
        Ok(match Reply::read(tape.scan(bytes)?.root())? {
            Reply::Result { id, result } => {
                Self::Result(ResultResponse { jsonrpc: V2, id, result: result.to_map() })
            }
            Reply::Other(message) => message,
        })
    }

    /// Classifies and parses one message from a JSON value.
    pub fn from_value(value: Value) -> Result<Self, EnvelopeError> {
        let obj = match value {
            Value::Object(obj) => obj,
            Value::Array(_) => return Err(EnvelopeError::Batch),
            _ => return Err(EnvelopeError::UnknownKind),
        };
        let kind = if obj.contains_key("method") {
            0
        } else if obj.contains_key("error") {
            1
        } else if obj.contains_key("result") {
            2
        } else {
            return Err(EnvelopeError::UnknownKind);
        };
        match obj.get("jsonrpc") {
            Some(Value::String(v)) if v == "2.0" => {}
            other => {
                let found = other.map_or("nothing", kind_of);
                let expected = "the string \"2.0\"";
                let e = Mismatch::new(Some("jsonrpc".to_owned()), expected, found);
                return Err(EnvelopeError::Malformed(e));
            }
        }
        let mut obj = obj;
        Ok(match kind {
            0 => {
                let method = required(&obj, "method")?;
                let params = field(&obj, "params")?;
                match field(&obj, "id")? {
                    Some(id) => Self::Request(Request { jsonrpc: V2, id, method, params }),
                    None => Self::Notification(Notification { jsonrpc: V2, method, params }),
                }
            }
            1 => Self::Error(ErrorResponse {
                jsonrpc: V2,
                id: field(&obj, "id")?,
                error: required(&obj, "error")?,
            }),
            _ => {
                let id = required(&obj, "id")?;
                let result = match obj.remove("result") {
                    Some(Value::Object(result)) => result,
                    other => {
                        let found = other.as_ref().map_or("nothing", kind_of);
                        let e = Mismatch::new(Some("result".to_owned()), "a JSON object", found);
                        return Err(EnvelopeError::Malformed(e));
                    }
                };
                Self::Result(ResultResponse { jsonrpc: V2, id, result })
            }
        })
    }

    /// The message as a JSON value.
    pub fn to_value(&self) -> Value {
        let mut map = Map::new();
        map.insert("jsonrpc".into(), "2.0".into());
        match self {
            Self::Request(m) => {
                map.insert("id".into(), (&m.id).into());
                map.insert("method".into(), m.method.as_str().into());
                if let Some(params) = &m.params {
                    map.insert("params".into(), Value::Object(params.clone()));
                }
            }
            Self::Notification(m) => {
                map.insert("method".into(), m.method.as_str().into());
                if let Some(params) = &m.params {
                    map.insert("params".into(), Value::Object(params.clone()));
                }
            }
            Self::Result(m) => {
                map.insert("id".into(), (&m.id).into());
                map.insert("result".into(), Value::Object(m.result.clone()));
            }
            Self::Error(m) => {
                map.insert("id".into(), m.id.as_ref().map_or(Value::Null, Value::from));
                map.insert("error".into(), (&m.error).into());
            }
        }
        Value::Object(map)
    }

    /// The message as compact JSON text, written straight from the message (no copy of
    /// its params or result as an intermediate value).
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"jsonrpc\":\"2.0\"");
        let id = |id: &RequestId, out: &mut String| {
            out.push_str(",\"id\":");
            json::write_value(&Value::from(id), out);
        };
        let object = |key: &str, map: &Map<String, Value>, out: &mut String| {
            out.push_str(key);
            json::write_object(map, out);
        };
        match self {
            Self::Request(m) => {
                id(&m.id, &mut out);
                out.push_str(",\"method\":");
                json::write_str(&m.method, &mut out);
                if let Some(params) = &m.params {
                    object(",\"params\":", params, &mut out);
                }
            }
            Self::Notification(m) => {
                out.push_str(",\"method\":");
                json::write_str(&m.method, &mut out);
                if let Some(params) = &m.params {
                    object(",\"params\":", params, &mut out);
                }
            }
            Self::Result(m) => {
                id(&m.id, &mut out);
                object(",\"result\":", &m.result, &mut out);
            }
            Self::Error(m) => {
                match &m.id {
                    Some(i) => id(i, &mut out),
                    None => out.push_str(",\"id\":null"),
                }
                out.push_str(",\"error\":");
                json::write_value(&Value::from(&m.error), &mut out);
            }
        }
        out.push('}');
        out
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
        assert!(matches!(Message::from_slice(b"{"), Err(EnvelopeError::NotJson(_))));
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
