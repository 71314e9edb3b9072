//! Core tasks of protocol revision 2025-11-25 ("legacy" tasks), and the shapes of the
//! `initialize`, `tools/list` and `tools/call` exchanges they ride on.
//!
//! Every shape implements [`WireShape`]: `from_map` / `from_value` / `from_params` read what a
//! peer sent and `to_map` writes it back. Parsing is lenient where real peers are (unknown
//! fields, absent `ttl`, any timestamp precision) but never panics; what cannot be read
//! becomes a [`WireError`] naming the message. Fields this crate does not model (other
//! capabilities, schemas, content blocks) are kept as JSON so a received message is
//! re-emitted exactly.

mod capabilities;
mod lifecycle;
mod methods;
mod task;
mod tools;

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
    CallToolParams, CallToolResponse, CallToolResult, ListToolsResult, TaskSupport, Tool,
    ToolExecution,
};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::protocol::WireError;
use crate::time::Timestamp;

/// A JSON object as it travels: params, results, `_meta`.
pub type Object = Map<String, Value>;

/// A message body (request params, result or notification params) of this revision.
pub trait WireShape: Sized + Serialize + DeserializeOwned {
    /// What the shape is called in errors, e.g. `"tasks/get result"`.
    const WHAT: &'static str;

    /// Checks serde alone would report vaguely: absent required fields and bad timestamps,
    /// so that they surface as [`WireError::MissingField`] and [`WireError::Timestamp`].
    fn check(map: &Object) -> Result<(), WireError>;

    /// Reads the shape from a JSON object.
    fn from_map(map: Object) -> Result<Self, WireError> {
        Self::check(&map)?;
        serde_json::from_value(Value::Object(map)).map_err(|source| malformed(Self::WHAT, source))
    }

    /// Reads the shape from any JSON value; anything but an object is malformed.
    fn from_value(value: Value) -> Result<Self, WireError> {
        match value {
            Value::Object(map) => Self::from_map(map),
            other => Err(malformed(Self::WHAT, not_an_object(&other))),
        }
    }

    /// Reads request or notification params, where an absent `params` reads as `{}`.
    fn from_params(params: Option<Object>) -> Result<Self, WireError> {
        Self::from_map(params.unwrap_or_default())
    }

    /// Writes the shape as a JSON object.
    fn to_map(&self) -> Object {
        // Every shape here serialises to an object with string keys, so neither the error
        // nor the non-object arm can occur; an empty object is the harmless fallback.
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Object::new(),
        }
    }

    /// Writes the shape as a JSON value.
    fn to_value(&self) -> Value {
        Value::Object(self.to_map())
    }
}

fn malformed(what: &'static str, source: serde_json::Error) -> WireError {
    WireError::Malformed { what, source }
}

fn not_an_object(value: &Value) -> serde_json::Error {
    use serde::de::{Error, Unexpected};
    let unexpected = match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("a number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    };
    serde_json::Error::invalid_type(unexpected, &"a JSON object")
}

/// Fails with [`WireError::MissingField`] for the first of `fields` absent from `map`.
fn require(what: &'static str, map: &Object, fields: &[&'static str]) -> Result<(), WireError> {
    match fields.iter().find(|f| !map.contains_key(**f)) {
        Some(field) => Err(WireError::MissingField { what, field }),
        None => Ok(()),
    }
}

/// Parses each named field that holds a string as a timestamp. Non-strings are left for
/// serde to report as malformed.
fn check_timestamps(map: &Object, fields: &[&str]) -> Result<(), WireError> {
    for field in fields {
        if let Some(Value::String(text)) = map.get(*field) {
            Timestamp::parse(text)?;
        }
    }
    Ok(())
}

/// Runs `check` on `value` when it is an object; other types are left for serde.
fn check_nested(
    value: Option<&Value>,
    check: impl Fn(&Object) -> Result<(), WireError>,
) -> Result<(), WireError> {
    match value {
        Some(Value::Object(map)) => check(map),
        _ => Ok(()),
    }
}

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
