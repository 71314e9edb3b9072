//! Core tasks of protocol revision 2025-11-25 ("legacy" tasks), and the shapes of the
//! `initialize`, `tools/list` and `tools/call` exchanges they ride on.
//!
//! Every shape implements [`WireShape`]: `from_map` / `from_value` / `from_params` read what a
//! peer sent and `to_map` writes it back. Parsing is lenient where real peers are (unknown
//! fields, absent `ttl`, any timestamp precision) but never panics; what cannot be read
//! becomes a [`WireError`] naming the message. Fields this crate does not model (other
//! capabilities, schemas, content blocks) are kept as JSON so a received message is
//! re-emitted exactly.

mod call_response;
mod capabilities;
mod lifecycle;
mod methods;
mod task;
mod tools;

pub use call_response::CallToolResponse;
pub use capabilities::{
    ClientCapabilities, ClientTaskRequests, ClientTasksCapability, ElicitationTaskRequests, Flag,
    SamplingTaskRequests, ServerCapabilities, ServerTaskRequests, ServerTasksCapability,
    ToolsTaskRequests,
};
pub use lifecycle::{Implementation, InitializeParams, InitializeResult};
pub use methods::{
    CancelTaskResult, CreateTaskResult, GetTaskResult, ListTasksParams, ListTasksResult,
    TaskIdParams, TaskPayloadResult, TaskStatusNotificationParams,
};
pub use task::{
    RelatedTaskMetadata, TaskMetadata, WireTask, model_immediate_response, related_task,
    set_model_immediate_response, set_related_task,
};
pub use tools::{
    CallToolParams, CallToolResult, ListToolsResult, TaskSupport, Tool, ToolExecution,
};

use serde_json::{Map, Value};

pub(crate) use crate::protocol::json::Fields;
use crate::protocol::json::tape::Node;
use crate::protocol::json::{Field, kind_of_node};
use crate::protocol::{Mismatch, WireError};

/// A JSON object as it travels: params, results, `_meta`.
pub type Object = Map<String, Value>;

/// A message body (request params, result or notification params) of this revision.
///
/// Each shape reads itself from a [`Fields`] view and writes itself as an object, by hand
/// rather than through serde: the client's path carries no serde code, which kept the npm
/// package large and slow. `Serialize`/`Deserialize` are still implemented, through these.
pub trait WireShape: Sized {
    /// What the shape is called in errors, e.g. `"tasks/get result"`.
    const WHAT: &'static str;

    /// Reads the shape from the object `f` views.
    fn read(f: &Fields<'_>) -> Result<Self, WireError>;

    /// Writes the shape's fields into `map`.
    fn write(&self, map: &mut Object);

    /// Reads the shape from a JSON object.
    fn from_map(map: Object) -> Result<Self, WireError> {
        Self::read(&Fields::new(&map, Self::WHAT))
    }

    /// Reads the shape from a value on a tape, in place; anything but an object is
    /// malformed.
    fn from_node(node: Node<'_>) -> Result<Self, WireError> {
        match Fields::from_node(node, Self::WHAT) {
            Some(f) => Self::read(&f),
            None => Err(WireError::mismatch_kind(
                Self::WHAT,
                None,
                "a JSON object",
                kind_of_node(&node),
            )),
        }
    }

    /// Reads the shape from any JSON value; anything but an object is malformed.
    fn from_value(value: Value) -> Result<Self, WireError> {
        match value {
            Value::Object(map) => Self::from_map(map),
            other => Err(WireError::mismatch(Self::WHAT, None, "a JSON object", &other)),
        }
    }

    /// Reads request or notification params, where an absent `params` reads as `{}`.
    fn from_params(params: Option<Object>) -> Result<Self, WireError> {
        Self::from_map(params.unwrap_or_default())
    }

    /// Writes the shape as a JSON object.
    fn to_map(&self) -> Object {
        let mut map = Object::new();
        self.write(&mut map);
        map
    }

    /// Writes the shape as a JSON value.
    fn to_value(&self) -> Value {
        Value::Object(self.to_map())
    }
}

/// Reads the object under `key` of `f` as a `T`, reporting problems as `f`'s; `null` or
/// absent is `None`.
fn nested<T: WireShape>(f: &Fields<'_>, key: &str) -> Result<Option<T>, WireError> {
    let Some(value) = f.get(key) else { return Ok(None) };
    let inner = value.fields(f.what()).ok_or_else(|| {
        WireError::mismatch_kind(f.what(), Some(key), "a JSON object", value.kind())
    })?;
    T::read(&inner).map(Some).map_err(|e| match e {
        // A nested object missing a field has the wrong shape: the outer message is the
        // one being read, and it has all its own fields.
        WireError::MissingField { field, .. } => {
            let path = Some(format!("{key}.{field}"));
            WireError::Malformed {
                what: f.what(),
                source: Mismatch::new(path, "a value", "nothing"),
            }
        }
        other => other.nested(f.what(), key),
    })
}

/// The task object under `key` of `f`; its missing fields are reported as `f`'s own, as
/// a task is the heart of every message that carries one.
fn nested_task(f: &Fields<'_>, key: &'static str) -> Result<WireTask, WireError> {
    let value = f.get(key).ok_or(WireError::MissingField { what: f.what(), field: key })?;
    let inner = object_in(f.what(), value).map_err(|e| e.nested(f.what(), key))?;
    WireTask::read_in(&inner).map_err(|e| e.nested(f.what(), key))
}

/// `value` as an object read as part of `what`, or a mismatch naming what it is instead.
fn object_in<'a>(what: &'static str, value: Field<'a>) -> Result<Fields<'a>, WireError> {
    value
        .fields(what)
        .ok_or_else(|| WireError::mismatch_kind(what, None, "a JSON object", value.kind()))
}

/// Like [`nested`], for a field that must be there.
fn nested_required<T: WireShape>(f: &Fields<'_>, key: &'static str) -> Result<T, WireError> {
    nested(f, key)?.ok_or(WireError::MissingField { what: f.what(), field: key })
}

/// The array of objects under `key` of `f`, each read by `read` as part of `f`'s message
/// (its missing fields are `f`'s), borrowed rather than copied out first.
fn nested_list<T>(
    f: &Fields<'_>,
    key: &'static str,
    read: impl Fn(&Fields<'_>) -> Result<T, WireError>,
) -> Result<Vec<T>, WireError> {
    let what = f.what();
    let list = f.get(key).ok_or(WireError::MissingField { what, field: key })?;
    let items = list
        .items()
        .ok_or_else(|| WireError::mismatch_kind(what, Some(key), "an array", list.kind()))?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let inner = object_in(what, item).map_err(|e| e.nested(what, key))?;
        out.push(read(&inner).map_err(|e| e.nested(what, key))?);
    }
    Ok(out)
}

/// Inserts a nested shape under `key` when it is `Some`.
fn put_shape<T: WireShape>(map: &mut Object, key: &str, value: Option<&T>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.to_value());
    }
}

/// Inserts `value` under `key` when it is `Some`.
fn put<V: Into<Value> + Clone>(map: &mut Object, key: &str, value: Option<&V>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.clone().into());
    }
}

/// Adds the fields `extra` kept as sent.
fn put_extra(map: &mut Object, extra: &Object) {
    for (k, v) in extra {
        map.insert(k.clone(), v.clone());
    }
}

/// Implements `Serialize` and `Deserialize` through [`WireShape`], for code that embeds a
/// shape in serde-built JSON.
macro_rules! serde_via_shape {
    ($($ty:ty),* $(,)?) => {$(
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.to_map().serialize(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let map = Object::deserialize(d)?;
                <$ty as WireShape>::from_map(map).map_err(serde::de::Error::custom)
            }
        }
    )*};
}
use serde_via_shape;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// JSON biased towards the names and values these shapes look at, so that generated
    /// objects get past the first check often enough to exercise the nested ones.
    fn arb_json() -> impl Strategy<Value = Value> {
        let words = prop::sample::select(vec![
            "working",
            "cancelled",
            "unknown",
            "optional",
            "2025-11-25T10:30:00Z",
            "2026-11-21T19:35:29.683913Z",
            "2025-02-30T00:00:00Z",
            "",
            "t1",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            words.prop_map(Value::from),
        ];
        let keys = prop::sample::select(vec![
            "taskId",
            "status",
            "statusMessage",
            "createdAt",
            "lastUpdatedAt",
            "ttl",
            "pollInterval",
            "task",
            "tasks",
            "nextCursor",
            "cursor",
            "_meta",
            "io.modelcontextprotocol/related-task",
            "content",
            "isError",
            "tools",
            "name",
            "inputSchema",
            "execution",
            "taskSupport",
            "protocolVersion",
            "capabilities",
            "clientInfo",
            "serverInfo",
            "version",
            "list",
            "cancel",
            "requests",
            "call",
            "other",
        ]);
        leaf.prop_recursive(5, 64, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((keys.clone(), inner), 0..8).prop_map(|entries| {
                    Value::Object(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
                }),
            ]
        })
    }

    /// Parsing never panics, and whatever parses re-emits to something that parses back
    /// to the same value.
    fn stable<T: WireShape + PartialEq + std::fmt::Debug>(value: &Value) {
        if let Ok(parsed) = T::from_value(value.clone()) {
            let again = T::from_value(parsed.to_value());
            assert_eq!(again.ok().as_ref(), Some(&parsed), "{}", T::WHAT);
        }
    }

    fn task_field() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "taskId",
            "status",
            "statusMessage",
            "createdAt",
            "lastUpdatedAt",
            "ttl",
            "pollInterval",
            "_meta",
            "other",
        ])
    }

    proptest! {
        /// A valid task with one field removed or replaced, in every place a task goes.
        #[test]
        fn damaged_tasks_fail_cleanly(
            field in task_field(),
            replacement in prop::option::of(arb_json()),
        ) {
            let mut task = Object::new();
            for (k, v) in [
                ("taskId", json!("t1")),
                ("status", json!("input_required")),
                ("statusMessage", json!("waiting")),
                ("createdAt", json!("2026-11-21T19:35:29.683913Z")),
                ("lastUpdatedAt", json!("2026-11-21T19:35:30Z")),
                ("ttl", json!(60000)),
                ("pollInterval", json!(500)),
            ] {
                task.insert(k.to_owned(), v);
            }
            let removed = replacement.is_none();
            match replacement {
                None => { task.remove(field); }
                Some(v) => { task.insert(field.to_owned(), v); }
            }
            let flat = Value::Object(task.clone());
            let created = json!({ "task": flat });
            let listed = json!({ "tasks": [flat] });
            stable::<GetTaskResult>(&flat);
            stable::<TaskStatusNotificationParams>(&flat);
            stable::<CreateTaskResult>(&created);
            stable::<ListTasksResult>(&listed);
            if removed && WireTask::REQUIRED.contains(&field) {
                for err in [
                    GetTaskResult::from_value(flat.clone()).err(),
                    CreateTaskResult::from_value(created.clone()).err(),
                    ListTasksResult::from_value(listed.clone()).err(),
                ] {
                    let missing = matches!(
                        err,
                        Some(WireError::MissingField { field: f, .. }) if f == field
                    );
                    prop_assert!(missing, "{:?}", err);
                }
            }
            if !removed && field != "other" && field != "_meta" {
                let parsed = GetTaskResult::from_value(flat.clone());
                if let Ok(r) = parsed {
                    prop_assert_eq!(WireTask::from_map(task.clone()).ok(), Some(r.task));
                }
            }
        }

        #[test]
        fn arbitrary_json_never_panics_and_re_emission_is_stable(value in arb_json()) {
            stable::<WireTask>(&value);
            stable::<TaskMetadata>(&value);
            stable::<RelatedTaskMetadata>(&value);
            stable::<CreateTaskResult>(&value);
            stable::<GetTaskResult>(&value);
            stable::<CancelTaskResult>(&value);
            stable::<TaskStatusNotificationParams>(&value);
            stable::<ListTasksResult>(&value);
            stable::<TaskIdParams>(&value);
            stable::<ListTasksParams>(&value);
            stable::<TaskPayloadResult>(&value);
            stable::<ServerCapabilities>(&value);
            stable::<ClientCapabilities>(&value);
            stable::<InitializeParams>(&value);
            stable::<InitializeResult>(&value);
            stable::<Tool>(&value);
            stable::<ToolExecution>(&value);
            stable::<ListToolsResult>(&value);
            stable::<CallToolParams>(&value);
            stable::<CallToolResult>(&value);
            if let Value::Object(map) = &value {
                let _ = related_task(Some(map));
                let _ = model_immediate_response(Some(map));
                if let Ok(r) = CallToolResponse::from_map(map.clone()) {
                    prop_assert_eq!(CallToolResponse::from_map(r.to_map()).ok(), Some(r));
                }
            }
        }
    }

    #[test]
    fn non_objects_are_malformed_not_panics() {
        for v in [json!(null), json!(3), json!("x"), json!([1]), json!(true)] {
            let err = GetTaskResult::from_value(v).unwrap_err();
            assert_eq!(err.code(), "wire_malformed");
            assert!(err.to_string().contains("tasks/get result"), "{err}");
        }
    }

    #[test]
    fn absent_params_read_as_empty_object() {
        let p = ListTasksParams::from_params(None).unwrap();
        assert_eq!(p.cursor, None);
        let err = TaskIdParams::from_params(None).unwrap_err();
        assert!(matches!(err, WireError::MissingField { field: "taskId", .. }));
    }
}
