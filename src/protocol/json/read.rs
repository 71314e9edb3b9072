//! Typed reads out of a peer's JSON object, with errors that name the message and the
//! field, and without serde: each field type says once how it is read from a [`Value`].

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::tape::{Kind, Node};
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

    /// The same from a value on a tape; by default through a [`Value`] built from it, and
    /// straight from the tape for the scalar types messages are mostly made of.
    fn from_node(node: &Node<'_>) -> Option<Self> {
        Self::from_json(&node.to_value())
    }
}

impl FromJson for String {
    const EXPECTED: &'static str = "a string";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_str().map(str::to_owned)
    }
    fn from_node(node: &Node<'_>) -> Option<Self> {
        node.as_str().map(Cow::into_owned)
    }
}

impl FromJson for bool {
    const EXPECTED: &'static str = "a boolean";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_bool()
    }
    fn from_node(node: &Node<'_>) -> Option<Self> {
        node.as_bool()
    }
}

impl FromJson for u64 {
    const EXPECTED: &'static str = "a non-negative integer";
    fn from_json(value: &Value) -> Option<Self> {
        value.as_u64()
    }
    fn from_node(node: &Node<'_>) -> Option<Self> {
        node.as_u64()
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
    fn from_node(node: &Node<'_>) -> Option<Self> {
        node.as_str().map(|s| TaskId::from(s.as_ref()))
    }
}

impl FromJson for TaskStatus {
    const EXPECTED: &'static str = "a task status";
    fn from_json(value: &Value) -> Option<Self> {
        TaskStatus::parse(value.as_str()?)
    }
    fn from_node(node: &Node<'_>) -> Option<Self> {
        TaskStatus::parse(&node.as_str()?)
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

/// What a value on a tape is, for errors, as [`kind_of`] says it of a [`Value`].
pub fn kind_of_node(node: &Node<'_>) -> &'static str {
    match node.kind() {
        Kind::Null => "null",
        Kind::Bool => "a boolean",
        Kind::Number => "a number",
        Kind::String => "a string",
        Kind::Array => "an array",
        Kind::Object => "an object",
    }
}

/// One field's value: in a [`Value`] tree, or on a tape.
#[derive(Clone, Copy)]
pub enum Field<'a> {
    /// A value in a tree.
    Value(&'a Value),
    /// A value on a tape.
    Node(Node<'a>),
}

impl<'a> Field<'a> {
    /// What the value is, for errors ("a string", "an object", ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Value(v) => kind_of(v),
            Self::Node(n) => kind_of_node(n),
        }
    }

    /// Whether the value is an array.
    pub fn is_array(&self) -> bool {
        match self {
            Self::Value(v) => v.is_array(),
            Self::Node(n) => n.kind() == Kind::Array,
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Self::Value(v) => v.is_null(),
            Self::Node(n) => n.is_null(),
        }
    }

    /// The value read as `T`.
    pub fn decode<T: FromJson>(&self) -> Option<T> {
        match self {
            Self::Value(v) => T::from_json(v),
            Self::Node(n) => T::from_node(n),
        }
    }

    /// The object this value is, to be read as `what`, or `None` for another kind.
    pub fn fields(&self, what: &'static str) -> Option<Fields<'a>> {
        let source = match self {
            Self::Value(v) => Source::Map(v.as_object()?),
            Self::Node(n) if n.kind() == Kind::Object => Source::Node(*n),
            Self::Node(_) => return None,
        };
        Some(Fields { source, what })
    }

    /// The items of the array this value is, or `None` for another kind.
    pub fn items(&self) -> Option<Vec<Field<'a>>> {
        match self {
            Self::Value(v) => Some(v.as_array()?.iter().map(Field::Value).collect()),
            Self::Node(n) if n.kind() == Kind::Array => Some(n.items().map(Field::Node).collect()),
            Self::Node(_) => None,
        }
    }

    /// The value as a [`Value`] tree (a copy).
    pub fn to_value(&self) -> Value {
        match self {
            Self::Value(v) => (*v).clone(),
            Self::Node(n) => n.to_value(),
        }
    }
}

#[derive(Clone, Copy)]
enum Source<'a> {
    Map(&'a Map<String, Value>),
    Node(Node<'a>),
}

/// A view of one JSON object being read as `what` (e.g. "tasks/get result"): an object
/// of a [`Value`] tree, or one on a tape, read alike.
#[derive(Clone, Copy)]
pub struct Fields<'a> {
    source: Source<'a>,
    what: &'static str,
}

impl<'a> Fields<'a> {
    /// Reads `map` as `what`.
    pub const fn new(map: &'a Map<String, Value>, what: &'static str) -> Self {
        Self { source: Source::Map(map), what }
    }

    /// Reads the object on a tape `node` is as `what`, or `None` when it is no object.
    pub fn from_node(node: Node<'a>, what: &'static str) -> Option<Self> {
        Field::Node(node).fields(what)
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

    /// The value under `key`; `null` counts as absent, as peers emit `null` for unset options.
    pub fn get(&self, key: &str) -> Option<Field<'a>> {
        let field = match self.source {
            Source::Map(map) => Field::Value(map.get(key)?),
            Source::Node(node) => Field::Node(node.get(key)?),
        };
        (!field.is_null()).then_some(field)
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
        Ok(Timestamp::parse_owned(text)?)
    }

    /// An optional object-valued field, such as `_meta`.
    pub fn object_field(&self, key: &str) -> Result<Option<Map<String, Value>>, WireError> {
        self.optional(key)
    }

    /// The fields not named in `known`, kept so a message is re-emitted whole.
    pub fn rest(&self, known: &[&str]) -> Map<String, Value> {
        match self.source {
            Source::Map(map) => super::object_from(
                map.iter()
                    .filter(|(k, _)| !known.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone())),
            ),
            Source::Node(node) => super::object_from(
                node.entries()
                    .filter(|(k, _)| !known.contains(&k.as_ref()))
                    .map(|(k, v)| (k.into_owned(), v.to_value())),
            ),
        }
    }

    fn decode<T: FromJson>(&self, key: &str, v: Field<'_>) -> Result<T, WireError> {
        v.decode()
            .ok_or_else(|| WireError::mismatch_kind(self.what, Some(key), T::EXPECTED, v.kind()))
    }
}

/// Inserts `value` under `key` when it is `Some`.
pub(crate) fn put_opt(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.into());
    }
}
