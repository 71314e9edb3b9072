//! The 2025-11-25 `Task` object, `params.task`, and the task-related `_meta` entries.

use serde_json::Value;

use super::{Fields, Object, WireShape, put, serde_via_shape};
use crate::id::TaskId;
use crate::protocol::WireError;
use crate::protocol::meta::{MODEL_IMMEDIATE_RESPONSE, RELATED_TASK};
use crate::task::{Task, TaskStatus};
use crate::time::Timestamp;

/// A task as 2025-11-25 puts it on the wire.
///
/// `ttl` is required and nullable: it is always written, as `null` when retention is
/// unlimited. A peer that leaves it out (the Python SDK does, for `task: {}`) is read as
/// unlimited.
#[derive(Clone, Debug, PartialEq)]
pub struct WireTask {
    /// The receiver-minted id.
    pub task_id: TaskId,
    /// The current status.
    pub status: TaskStatus,
    /// Human-readable text about the status.
    pub status_message: Option<String>,
    /// When the task was created.
    pub created_at: Timestamp,
    /// When the task last changed.
    pub last_updated_at: Timestamp,
    /// Retention from creation in milliseconds; `None` (`null`) is unlimited.
    pub ttl: Option<u64>,
    /// Suggested gap between `tasks/get` polls, in milliseconds.
    pub poll_interval: Option<u64>,
}

impl WireTask {
    /// The fields a task object must have.
    pub(super) const REQUIRED: &'static [&'static str] =
        &["taskId", "status", "createdAt", "lastUpdatedAt"];

    /// The task as the crate's model sees it. The status is the peer's word.
    pub fn to_task(&self) -> Task {
        let mut task = Task::observed(
            self.task_id.clone(),
            self.status,
            self.created_at.clone(),
            self.last_updated_at.clone(),
            self.ttl,
        );
        task.status_message.clone_from(&self.status_message);
        task.poll_interval_ms = self.poll_interval;
        task
    }

    /// Reads a task object's fields, whatever message they sit in.
    pub(super) fn read_in(f: &Fields<'_>) -> Result<Self, WireError> {
        let read = || {
            Ok(Self {
                task_id: f.required("taskId")?,
                status: f.required("status")?,
                status_message: f.optional("statusMessage")?,
                created_at: f.timestamp("createdAt")?,
                last_updated_at: f.timestamp("lastUpdatedAt")?,
                ttl: f.optional("ttl")?,
                poll_interval: f.optional("pollInterval")?,
            })
        };
        // A task missing several fields is reported by the first of them in the order of
        // REQUIRED, whatever their types; presence is looked at only once a read failed, as
        // every task a server sends is read here.
        read().map_err(|e| match Self::REQUIRED.iter().find(|k| !f.has(k)) {
            Some(field) => WireError::MissingField { what: f.what(), field },
            None => e,
        })
    }

    /// Writes the task's fields into `map` (`ttl` always, as `null` when unlimited).
    pub(super) fn write_in(&self, map: &mut Object) {
        map.insert("taskId".into(), self.task_id.as_str().into());
        map.insert("status".into(), self.status.as_str().into());
        put(map, "statusMessage", self.status_message.as_ref());
        map.insert("createdAt".into(), self.created_at.as_str().into());
        map.insert("lastUpdatedAt".into(), self.last_updated_at.as_str().into());
        map.insert("ttl".into(), self.ttl.map_or(Value::Null, Value::from));
        put(map, "pollInterval", self.poll_interval.as_ref());
    }
}

impl From<&Task> for WireTask {
    fn from(task: &Task) -> Self {
        Self {
            task_id: task.task_id.clone(),
            status: task.status(),
            status_message: task.status_message.clone(),
            created_at: task.created_at.clone(),
            last_updated_at: task.last_updated_at.clone(),
            ttl: task.ttl_ms,
            poll_interval: task.poll_interval_ms,
        }
    }
}

impl From<WireTask> for Task {
    fn from(wire: WireTask) -> Self {
        let mut task = Task::observed(
            wire.task_id,
            wire.status,
            wire.created_at,
            wire.last_updated_at,
            wire.ttl,
        );
        task.status_message = wire.status_message;
        task.poll_interval_ms = wire.poll_interval;
        task
    }
}

impl WireShape for WireTask {
    const WHAT: &'static str = "task";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Self::read_in(f)
    }

    fn write(&self, map: &mut Object) {
        self.write_in(map);
    }
}

/// `params.task` of a task-augmented request: asks the receiver to run it as a task.
///
/// `{}` is valid and asks for the receiver's default retention.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskMetadata {
    /// Requested retention from creation, in milliseconds. The receiver may override it.
    pub ttl: Option<u64>,
}

impl WireShape for TaskMetadata {
    const WHAT: &'static str = "params.task";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self { ttl: f.optional("ttl")? })
    }

    fn write(&self, map: &mut Object) {
        put(map, "ttl", self.ttl.as_ref());
    }
}

/// The value of `_meta["io.modelcontextprotocol/related-task"]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelatedTaskMetadata {
    /// The task the message belongs to.
    pub task_id: TaskId,
}

impl WireShape for RelatedTaskMetadata {
    const WHAT: &'static str = "related-task _meta";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self { task_id: f.required("taskId")? })
    }

    fn write(&self, map: &mut Object) {
        map.insert("taskId".into(), self.task_id.as_str().into());
    }
}

serde_via_shape!(WireTask, TaskMetadata, RelatedTaskMetadata);

/// The related task named in a `_meta` object, if any. A present but malformed entry is an
/// error: the peer tied the message to a task and got it wrong.
pub fn related_task(meta: Option<&Object>) -> Result<Option<RelatedTaskMetadata>, WireError> {
    match meta.and_then(|m| m.get(RELATED_TASK)) {
        None => Ok(None),
        Some(value) => RelatedTaskMetadata::from_value(value.clone()).map(Some),
    }
}

/// Ties a `_meta` object to `task_id`, replacing any previous related task.
pub fn set_related_task(meta: &mut Object, task_id: &TaskId) {
    let related = RelatedTaskMetadata { task_id: task_id.clone() };
    meta.insert(RELATED_TASK.to_owned(), related.to_value());
}

/// The interim text for the model in a `CreateTaskResult`'s `_meta`. The hint is
/// non-binding, so a value that is not a string is ignored rather than rejected.
pub fn model_immediate_response(meta: Option<&Object>) -> Option<&str> {
    meta?.get(MODEL_IMMEDIATE_RESPONSE)?.as_str()
}

/// Sets the interim text for the model in a `_meta` object.
pub fn set_model_immediate_response(meta: &mut Object, text: impl Into<String>) {
    meta.insert(MODEL_IMMEDIATE_RESPONSE.to_owned(), Value::String(text.into()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::UnixMillis;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        match v {
            Value::Object(m) => m,
            _ => panic!("test value is not an object"),
        }
    }

    fn base() -> Value {
        json!({"taskId":"t1","status":"working","createdAt":"2025-11-25T10:30:00Z",
               "lastUpdatedAt":"2025-11-25T10:30:00Z"})
    }

    #[test]
    fn unlimited_ttl_is_written_as_null() {
        let task = Task::new(TaskId::from("t1"), UnixMillis(0), None, None);
        let map = WireTask::from(&task).to_map();
        assert_eq!(map.get("ttl"), Some(&Value::Null));
        assert!(!map.contains_key("pollInterval"));
        assert!(!map.contains_key("statusMessage"));
    }

    #[test]
    fn absent_ttl_is_read_as_unlimited_and_written_back_as_null() {
        let wire = WireTask::from_value(base()).unwrap();
        assert_eq!(wire.ttl, None);
        assert_eq!(wire.to_map().get("ttl"), Some(&Value::Null));
        let mut with_null = obj(base());
        with_null.insert("ttl".into(), Value::Null);
        assert_eq!(WireTask::from_map(with_null).unwrap().ttl, None);
    }

    #[test]
    fn microsecond_timestamps_survive_a_round_trip() {
        let mut map = obj(base());
        map.insert("createdAt".into(), json!("2026-11-21T19:35:55.713185Z"));
        map.insert("ttl".into(), json!(60000));
        map.insert("pollInterval".into(), json!(500));
        map.insert("statusMessage".into(), json!("step 1/3"));
        let wire = WireTask::from_map(map.clone()).unwrap();
        assert_eq!(wire.created_at.as_str(), "2026-11-21T19:35:55.713185Z");
        assert_eq!(wire.to_map(), map);
        let task = wire.to_task();
        assert_eq!(task.ttl_ms, Some(60000));
        assert_eq!(task.poll_interval_ms, Some(500));
        assert_eq!(task.status_message.as_deref(), Some("step 1/3"));
        assert_eq!(WireTask::from(&task), wire);
        assert_eq!(Task::from(wire.clone()), task);
    }

    #[test]
    fn malformed_tasks_give_typed_errors() {
        let mut no_id = obj(base());
        no_id.remove("taskId");
        assert!(matches!(
            WireTask::from_map(no_id),
            Err(WireError::MissingField { what: "task", field: "taskId" })
        ));
        let mut bad_time = obj(base());
        bad_time.insert("lastUpdatedAt".into(), json!("yesterday"));
        let err = WireTask::from_map(bad_time).unwrap_err();
        assert!(matches!(err, WireError::Timestamp(_)), "{err:?}");
        assert_eq!(err.code(), "wire_bad_timestamp");
        for (field, value) in [
            ("status", json!("unknown")),
            ("status", json!(3)),
            ("taskId", json!(7)),
            ("ttl", json!(-1)),
            ("ttl", json!("60000")),
            ("pollInterval", json!(1.5)),
            ("createdAt", json!(0)),
            ("statusMessage", json!(["x"])),
        ] {
            let mut map = obj(base());
            map.insert(field.into(), value);
            let err = WireTask::from_map(map).unwrap_err();
            assert!(matches!(err, WireError::Malformed { what: "task", .. }), "{field}: {err:?}");
        }
    }

    #[test]
    fn task_metadata_keeps_empty_object_empty() {
        let empty = TaskMetadata::from_value(json!({})).unwrap();
        assert_eq!(empty.ttl, None);
        assert_eq!(empty.to_value(), json!({}));
        let ttl = TaskMetadata::from_value(json!({"ttl": 60000})).unwrap();
        assert_eq!(ttl.to_value(), json!({"ttl": 60000}));
        assert!(TaskMetadata::from_value(json!({"ttl": "long"})).is_err());
    }

    #[test]
    fn related_task_meta_reads_and_writes() {
        let mut meta = Object::new();
        assert_eq!(related_task(Some(&meta)).unwrap(), None);
        assert_eq!(related_task(None).unwrap(), None);
        set_related_task(&mut meta, &TaskId::from("786512e2"));
        assert_eq!(
            Value::Object(meta.clone()),
            json!({"io.modelcontextprotocol/related-task": {"taskId": "786512e2"}})
        );
        let related = related_task(Some(&meta)).unwrap().unwrap();
        assert_eq!(related.task_id.as_str(), "786512e2");
        meta.insert(RELATED_TASK.into(), json!({"id": "x"}));
        assert!(matches!(
            related_task(Some(&meta)),
            Err(WireError::MissingField { field: "taskId", .. })
        ));
        meta.insert(RELATED_TASK.into(), json!("x"));
        assert!(matches!(related_task(Some(&meta)), Err(WireError::Malformed { .. })));
    }

    #[test]
    fn model_immediate_response_is_a_lenient_hint() {
        let mut meta = Object::new();
        assert_eq!(model_immediate_response(Some(&meta)), None);
        set_model_immediate_response(&mut meta, "working on it");
        assert_eq!(model_immediate_response(Some(&meta)), Some("working on it"));
        meta.insert(MODEL_IMMEDIATE_RESPONSE.into(), json!(5));
        assert_eq!(model_immediate_response(Some(&meta)), None);
    }
}
