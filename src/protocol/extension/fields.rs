//! Reading fields out of a peer's JSON object without panicking, with errors that name the
//! message and the field.

use serde::de::{DeserializeOwned, Error as _};
use serde_json::{Map, Value};

use crate::protocol::WireError;
use crate::time::Timestamp;

/// A view of one JSON object being read as `what` (e.g. "tasks/get result").
pub(super) struct Fields<'a> {
    map: &'a Map<String, Value>,
    what: &'static str,
}

impl<'a> Fields<'a> {
    pub(super) const fn new(map: &'a Map<String, Value>, what: &'static str) -> Self {
        Self { map, what }
    }

    /// The object inside `value`, or a `Malformed` error when it is anything else.
    pub(super) fn object(
        value: &'a Value,
        what: &'static str,
    ) -> Result<&'a Map<String, Value>, WireError> {
        value
            .as_object()
            .ok_or_else(|| malformed(what, format!("expected a JSON object, got {}", kind(value))))
    }

    pub(super) const fn what(&self) -> &'static str {
        self.what
    }

    /// The value under `key`; `null` counts as absent, as peers emit `null` for unset options.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(super) fn required<T: DeserializeOwned>(&self, key: &'static str) -> Result<T, WireError> {
        match self.get(key) {
            Some(v) => self.decode(key, v),
            None => Err(WireError::MissingField { what: self.what, field: key }),
        }
    }

    pub(super) fn optional<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, WireError> {
        self.get(key).map(|v| self.decode(key, v)).transpose()
    }

    pub(super) fn timestamp(&self, key: &'static str) -> Result<Timestamp, WireError> {
        let text: String = self.required(key)?;
        Ok(Timestamp::parse(&text)?)
    }

    /// An optional object-valued field, such as `_meta`.
    pub(super) fn object_field(&self, key: &str) -> Result<Option<Map<String, Value>>, WireError> {
        self.optional(key)
    }

    fn decode<T: DeserializeOwned>(&self, key: &str, v: &Value) -> Result<T, WireError> {
        T::deserialize(v).map_err(|e| malformed(self.what, format!("field `{key}`: {e}")))
    }
}

pub(super) fn malformed(what: &'static str, msg: String) -> WireError {
    WireError::Malformed { what, source: serde_json::Error::custom(msg) }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Inserts `value` under `key` when it is `Some`.
pub(super) fn put_opt(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.into());
    }
}

/// Implements `Serialize` and `Deserialize` for a wire type through its `to_map` and
/// `from_map`, so the type also works with serde-based bindings.
macro_rules! serde_via_map {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.to_map().serialize(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
                Self::from_map(&map).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(super) use serde_via_map;
