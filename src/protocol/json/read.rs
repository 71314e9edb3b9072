//! Typed reads out of a peer's JSON object, with errors that name the message and the
//! field, and without serde: each field type says once how it is read from a [`Value`].

use std::collections::BTreeMap;

use super::{Map, Value};
use crate::id::TaskId;
use crate::protocol::WireError;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::task::InputRequest;
use crate::task::TaskStatus;
use crate::time::Timestamp;

/// A type read from one JSON value.
pub trait FromJson: Sized {
    /// What a value of the type is called in errors, e.g. "a string".
    const EXPECTED: &'static str;

    /// The value as this type, or `None` when it has another shape.
    fn from_json(value: &Value) -> Option<Self>;
}

impl FromJson for String {
    const EXPECTED: &'static str = "a string";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }
}

impl FromJson for bool {
    const EXPECTED: &'static str = "a boolean";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_bool()
    }
}

impl FromJson for u64 {
    const EXPECTED: &'static str = "a non-negative integer";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_u64()
    }
}

impl FromJson for i64 {
    const EXPECTED: &'static str = "an integer";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_i64()
    }
}

impl FromJson for f64 {
    const EXPECTED: &'static str = "a number";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_f64()
    }
}

impl FromJson for Value {
    const EXPECTED: &'static str = "a JSON value";
    fn from_json(value: &Value) -> Option<Self> {
        Some(value.clone())
    }
}

impl FromJson for Map<String, Value> {
    const EXPECTED: &'static str = "a JSON object";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_object().cloned()
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    const EXPECTED: &'static str = "an array";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_array()?.iter().map(T::from_json).collect()
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    const EXPECTED: &'static str = "a JSON object";
    fn from_json(value: &Value) -> Option<Self> {
        let mut out = BTreeMap::new();
        for (k, v) in value.as_object()? {
            out.insert(k.clone(), T::from_json(v)?);
        }
        Some(out)
    }
}

impl FromJson for InputRequest {
    const EXPECTED: &'static str = "an input request ({method, params})";
    fn from_json(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        let method = map.get("method")?.as_str()?.to_owned();
        let params = match map.get("params") {
            None | Some(Value::Null) => Map::new(),
            Some(p) => p.as_object()?.clone(),
        };
        Some(Self { method, params })
    }
}

impl FromJson for ErrorObject {
    const EXPECTED: &'static str = "a JSON-RPC error ({code, message, data?})";
    fn from_json(value: &Value) -> Option<Self> {
        let map = value.as_object()?;
        let code = i32::try_from(map.get("code")?.as_i64()?).ok()?;
        let message = map.get("message")?.as_str()?.to_owned();
        let data = map.get("data").filter(|d| !d.is_null()).cloned();
        Some(Self { code: ErrorCode(code), message, data })
    }
}

impl FromJson for TaskId {
    const EXPECTED: &'static str = "a string";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(TaskId::from)
    }
}

impl FromJson for TaskStatus {
    const EXPECTED: &'static str = "a task status";
    fn from_json(value: &Value) -> Option<Self> {
        TaskStatus::parse(value.as_str()?)
    }
}

/// What a JSON value is, for errors: "null", "a string", "an object", ...
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A view of one JSON object being read as `what` (e.g. "tasks/get result").
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
    what: &'static str,
}

impl<'a> Fields<'a> {
    /// Reads `map` as `what`.
    pub const fn new(map: &'a Map<String, Value>, what: &'static str) -> Self {
        Self { map, what }
    }

    /// The object inside `value`, or a malformed error when it is anything else.
    pub fn object(
        value: &'a Value,
        what: &'static str,
    ) -> Result<&'a Map<String, Value>, WireError> {
        value.as_object().ok_or_else(|| WireError::mismatch(what, None, "a JSON object", value))
    }

    /// What the object is being read as.
    pub const fn what(&self) -> &'static str {
        self.what
    }

    /// The object itself.
    pub const fn map(&self) -> &'a Map<String, Value> {
        self.map
    }

    /// The value under `key`; `null` counts as absent, as peers emit `null` for unset options.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// Whether `key` holds something other than `null`.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A field that must be there.
    pub fn required<T: FromJson>(&self, key: &'static str) -> Result<T, WireError> {
        match self.get(key) {
            Some(v) => self.decode(key, v),
            None => Err(WireError::MissingField { what: self.what, field: key }),
        }
    }

    /// A field that may be absent or `null`.
    pub fn optional<T: FromJson>(&self, key: &str) -> Result<Option<T>, WireError> {
        self.get(key).map(|v| self.decode(key, v)).transpose()
    }

    /// A required RFC 3339 timestamp.
    pub fn timestamp(&self, key: &'static str) -> Result<Timestamp, WireError> {
        let text: String = self.required(key)?;
        Ok(Timestamp::parse(&text)?)
    }

    /// An optional object-valued field, such as `_meta`.
    pub fn object_field(&self, key: &str) -> Result<Option<Map<String, Value>>, WireError> {
        self.optional(key)
    }

    /// The fields not named in `known`, kept so a message is re-emitted whole.
    pub fn rest(&self, known: &[&str]) -> Map<String, Value> {
        super::object_from(
            self.map
                .iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone())),
        )
    }

    fn decode<T: FromJson>(&self, key: &str, v: &Value) -> Result<T, WireError> {
        T::from_json(v).ok_or_else(|| WireError::mismatch(self.what, Some(key), T::EXPECTED, v))
    }
}

/// Inserts `value` under `key` when it is `Some`.
pub(crate) fn put_opt(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.into());
    }
}
