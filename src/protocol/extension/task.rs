//! The extension `Task` and `CreateTaskResult`.

use serde_json::{Map, Value};

use super::fields::{Fields, put_opt, serde_via_map};
use super::result_type::{self, RESULT_TYPE, ResultType};
use crate::id::TaskId;
use crate::protocol::WireError;
use crate::task::{self, TaskStatus};
use crate::time::Timestamp;

/// Everything an extension task carries besides its status (and its payload).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskFields {
    /// `taskId`: the server-minted id.
    pub task_id: TaskId,
    /// `statusMessage`: text about the current status, fit for a user or a model.
    pub status_message: Option<String>,
    /// `createdAt`.
    pub created_at: Timestamp,
    /// `lastUpdatedAt`.
    pub last_updated_at: Timestamp,
    /// `ttlMs`: retention from creation; `None` is unlimited (`null` on the wire).
    pub ttl_ms: Option<u64>,
    /// `pollIntervalMs`: the suggested gap between polls.
    pub poll_interval_ms: Option<u64>,
}

impl TaskFields {
    /// Reads the common fields; `ttlMs` may be absent (read as unlimited).
    pub(super) fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self {
            task_id: f.required("taskId")?,
            status_message: f.optional("statusMessage")?,
            created_at: f.timestamp("createdAt")?,
            last_updated_at: f.timestamp("lastUpdatedAt")?,
            ttl_ms: f.optional("ttlMs")?,
            poll_interval_ms: f.optional("pollIntervalMs")?,
        })
    }

    /// Writes the common fields. `ttlMs` is always present; the 2025-11-25 keys `ttl` and
    /// `pollInterval` never are.
    pub(super) fn write(&self, status: TaskStatus, map: &mut Map<String, Value>) {
        map.insert("taskId".into(), Value::String(self.task_id.0.clone()));
        map.insert("status".into(), Value::String(status.as_str().into()));
        put_opt(map, "statusMessage", self.status_message.clone());
        map.insert("createdAt".into(), self.created_at.as_str().into());
        map.insert("lastUpdatedAt".into(), self.last_updated_at.as_str().into());
        map.insert("ttlMs".into(), self.ttl_ms.map_or(Value::Null, Value::from));
        put_opt(map, "pollIntervalMs", self.poll_interval_ms);
    }

    /// The core model's task with these fields and `status`.
    pub fn to_model(&self, status: TaskStatus) -> task::Task {
        let mut t = task::Task::observed(
            self.task_id.clone(),
            status,
            self.created_at.clone(),
            self.last_updated_at.clone(),
            self.ttl_ms,
        );
        t.status_message = self.status_message.clone();
        t.poll_interval_ms = self.poll_interval_ms;
        t
    }

    /// The fields of a core model task.
    pub fn from_model(t: &task::Task) -> Self {
        Self {
            task_id: t.task_id.clone(),
            status_message: t.status_message.clone(),
            created_at: t.created_at.clone(),
            last_updated_at: t.last_updated_at.clone(),
            ttl_ms: t.ttl_ms,
            poll_interval_ms: t.poll_interval_ms,
        }
    }
}

/// The extension `Task`: status and metadata, no payload.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// `status`.
    pub status: TaskStatus,
    /// The other fields.
    pub fields: TaskFields,
}

impl Task {
    /// Parses a task object; unknown fields (including any payload) are ignored.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        Self::read(&Fields::new(map, "task"))
    }

    pub(super) fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        let fields = TaskFields::read(f)?;
        Ok(Self { status: f.required("status")?, fields })
    }

    /// The task as a JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        self.fields.write(self.status, &mut map);
        map
    }
}

impl From<&task::Task> for Task {
    fn from(t: &task::Task) -> Self {
        Self { status: t.status(), fields: TaskFields::from_model(t) }
    }
}

impl From<&Task> for task::Task {
    fn from(t: &Task) -> Self {
        t.fields.to_model(t.status)
    }
}

serde_via_map!(Task);

/// `CreateTaskResult`: a `tools/call` answered with a task, `{resultType: "task", ...Task}`.
///
/// The task may already be in any status, even terminal, but the result never carries a
/// payload: the schema is `Result & Task`, so `result`, `error` or `inputRequests` sent
/// here are ignored and the requestor reads them with `tasks/get`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTaskResult {
    /// The task as created.
    pub task: Task,
    /// `_meta`, when present.
    pub meta: Option<Map<String, Value>>,
}

impl CreateTaskResult {
    const WHAT: &'static str = "CreateTaskResult";

    /// A result announcing `task`.
    pub fn new(task: Task) -> Self {
        Self { task, meta: None }
    }

    /// Parses a result whose `resultType` must be `"task"`.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        result_type::expect(ResultType::read(map, Self::WHAT)?.as_ref(), ResultType::Task)?;
        let f = Fields::new(map, Self::WHAT);
        Ok(Self { task: Task::read(&f)?, meta: f.object_field("_meta")? })
    }

    /// Parses a JSON value (which must be an object).
    pub fn from_value(value: &Value) -> Result<Self, WireError> {
        Self::from_map(Fields::object(value, Self::WHAT)?)
    }

    /// The result object, with `resultType: "task"`.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = self.task.to_map();
        map.insert(RESULT_TYPE.into(), ResultType::Task.into());
        put_opt(&mut map, "_meta", self.meta.clone());
        map
    }
}

serde_via_map!(CreateTaskResult);
