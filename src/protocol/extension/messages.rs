//! Params and results of `tasks/get`, `tasks/update`, `tasks/cancel`, `notifications/tasks`,
//! and the three answers a `tools/call` can get.

use serde_json::{Map, Value};

use super::detailed::DetailedTask;
use super::fields::{Fields, put_opt, serde_via_map};
use super::result_type::{self, RESULT_TYPE, ResultType};
use super::task::CreateTaskResult;
use crate::id::TaskId;
use crate::protocol::WireError;
use crate::protocol::jsonrpc::RequestId;
use crate::protocol::meta::SUBSCRIPTION_ID;
use crate::task::InputResponses;

/// The result of `tasks/get`: the detailed task with `resultType: "complete"`.
#[derive(Clone, Debug, PartialEq)]
pub struct GetTaskResult {
    /// The task and its payload.
    pub task: DetailedTask,
    /// `resultType` as received; `None` when the peer left it out. Results made with
    /// [`GetTaskResult::new`] carry `"complete"`.
    pub result_type: Option<ResultType>,
    /// `_meta`, when present.
    pub meta: Option<Map<String, Value>>,
}

impl GetTaskResult {
    const WHAT: &'static str = "tasks/get result";

    /// The result a receiver sends: `resultType: "complete"`.
    pub fn new(task: DetailedTask) -> Self {
        Self { task, result_type: Some(ResultType::Complete), meta: None }
    }

    /// Parses a `tasks/get` result. Any `resultType` is accepted: some published examples
    /// show `"task"` here, and the body is a detailed task whatever it says.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        let f = Fields::new(map, Self::WHAT);
        Ok(Self {
            result_type: ResultType::read(map, Self::WHAT)?,
            task: DetailedTask::read(&f)?,
            meta: f.object_field("_meta")?,
        })
    }

    /// Parses a JSON value (which must be an object).
    pub fn from_value(value: &Value) -> Result<Self, WireError> {
        Self::from_map(Fields::object(value, Self::WHAT)?)
    }

    /// The result object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = self.task.to_map();
        put_opt(&mut map, RESULT_TYPE, self.result_type.clone());
        put_opt(&mut map, "_meta", self.meta.clone());
        map
    }
}

serde_via_map!(GetTaskResult);

/// The empty acknowledgement `tasks/update` and `tasks/cancel` return.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AckResult {
    /// `resultType` as received (`None` when absent); [`AckResult::new`] sets `"complete"`.
    pub result_type: Option<ResultType>,
    /// `_meta`, when present.
    pub meta: Option<Map<String, Value>>,
}

impl AckResult {
    const WHAT: &'static str = "tasks/update or tasks/cancel result";

    /// The ack a receiver sends: `{"resultType": "complete"}`.
    pub fn new() -> Self {
        Self { result_type: Some(ResultType::Complete), meta: None }
    }

    /// Parses an ack; its effective `resultType` must be `"complete"`.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        let result_type = ResultType::read(map, Self::WHAT)?;
        result_type::expect(result_type.as_ref(), ResultType::Complete)?;
        Ok(Self { result_type, meta: Fields::new(map, Self::WHAT).object_field("_meta")? })
    }

    /// Parses a JSON value (which must be an object).
    pub fn from_value(value: &Value) -> Result<Self, WireError> {
        Self::from_map(Fields::object(value, Self::WHAT)?)
    }

    /// The result object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        put_opt(&mut map, RESULT_TYPE, self.result_type.clone());
        put_opt(&mut map, "_meta", self.meta.clone());
        map
    }
}

serde_via_map!(AckResult);

/// Params of `tasks/get` and `tasks/cancel`: `{taskId, _meta?}`.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskIdParams {
    /// `taskId`.
    pub task_id: TaskId,
    /// `_meta` (per-request protocol version and capabilities; see
    /// [`RequestMeta`](super::RequestMeta)).
    pub meta: Option<Map<String, Value>>,
}

impl TaskIdParams {
    const WHAT: &'static str = "tasks/get or tasks/cancel params";

    /// Params naming `task_id`, without `_meta`.
    pub fn new(task_id: TaskId) -> Self {
        Self { task_id, meta: None }
    }

    /// Parses params; unknown fields are ignored.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        let f = Fields::new(map, Self::WHAT);
        Ok(Self { task_id: f.required("taskId")?, meta: f.object_field("_meta")? })
    }

    /// Parses a JSON value (which must be an object).
    pub fn from_value(value: &Value) -> Result<Self, WireError> {
        Self::from_map(Fields::object(value, Self::WHAT)?)
    }

    /// The params object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("taskId".into(), Value::String(self.task_id.0.clone()));
        put_opt(&mut map, "_meta", self.meta.clone());
        map
    }
}

serde_via_map!(TaskIdParams);

/// Params of `tasks/update`: answers to some or all of a task's input requests.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateTaskParams {
    /// `taskId`.
    pub task_id: TaskId,
    /// `inputResponses`: key to `ElicitResult`, `CreateMessageResult` or `ListRootsResult`.
    pub input_responses: InputResponses,
    /// `_meta`.
    pub meta: Option<Map<String, Value>>,
}

impl UpdateTaskParams {
    const WHAT: &'static str = "tasks/update params";

    /// Parses params; every response must be an object.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        let f = Fields::new(map, Self::WHAT);
        Ok(Self {
            task_id: f.required("taskId")?,
            input_responses: f.required("inputResponses")?,
            meta: f.object_field("_meta")?,
        })
    }

    /// Parses a JSON value (which must be an object).
    pub fn from_value(value: &Value) -> Result<Self, WireError> {
        Self::from_map(Fields::object(value, Self::WHAT)?)
    }

    /// The params object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("taskId".into(), Value::String(self.task_id.0.clone()));
        let responses = crate::protocol::json::object_from(
            self.input_responses.iter().map(|(k, v)| (k.clone(), Value::Object(v.clone()))),
        );
        map.insert("inputResponses".into(), Value::Object(responses));
        put_opt(&mut map, "_meta", self.meta.clone());
        map
    }
}

serde_via_map!(UpdateTaskParams);

/// Params of `notifications/tasks`: the full detailed task, as `tasks/get` would return it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskStatusNotification {
    /// The task and its payload.
    pub task: DetailedTask,
    /// `_meta`; on a `subscriptions/listen` stream it holds the subscription id.
    pub meta: Option<Map<String, Value>>,
}

impl TaskStatusNotification {
    const WHAT: &'static str = "notifications/tasks params";

    /// A notification for the listen request `subscription`.
    pub fn new(task: DetailedTask, subscription: &RequestId) -> Self {
        let mut meta = Map::new();
        let id = match subscription {
            RequestId::Number(n) => Value::from(*n),
            RequestId::String(s) => Value::from(s.as_str()),
        };
        meta.insert(SUBSCRIPTION_ID.into(), id);
        Self { task, meta: Some(meta) }
    }

    /// The id of the `subscriptions/listen` request this notification belongs to, when
    /// `_meta` carries one that is a string or an integer.
    pub fn subscription_id(&self) -> Option<RequestId> {
        let v = self.meta.as_ref()?.get(SUBSCRIPTION_ID)?;
        <RequestId as crate::protocol::json::FromJson>::from_json(v)
    }

    /// Parses params; unknown fields are ignored.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        let f = Fields::new(map, Self::WHAT);
        Ok(Self { task: DetailedTask::read(&f)?, meta: f.object_field("_meta")? })
    }

    /// Parses a JSON value (which must be an object).
    pub fn from_value(value: &Value) -> Result<Self, WireError> {
        Self::from_map(Fields::object(value, Self::WHAT)?)
    }

    /// The params object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = self.task.to_map();
        put_opt(&mut map, "_meta", self.meta.clone());
        map
    }
}

serde_via_map!(TaskStatusNotification);

/// What a `tools/call` returned, told apart by `resultType`.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolCallResult {
    /// `"complete"` (or absent): a `CallToolResult`, kept as sent.
    Complete(Map<String, Value>),
    /// `"input_required"`: the server asks for input before answering, kept as sent.
    InputRequired(Map<String, Value>),
    /// `"task"`: the call became a task.
    Task(CreateTaskResult),
}

impl ToolCallResult {
    /// Classifies a `tools/call` result. An unknown `resultType` is an error: the client
    /// cannot know what the rest of the object means.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        match ResultType::read(map, "tools/call result")? {
            None | Some(ResultType::Complete) => Ok(Self::Complete(map.clone())),
            Some(ResultType::InputRequired) => Ok(Self::InputRequired(map.clone())),
            Some(ResultType::Task) => CreateTaskResult::from_map(map).map(Self::Task),
            Some(ResultType::Other(found)) => Err(WireError::UnexpectedResultType {
                expected: "complete, input_required or task",
                found,
            }),
        }
    }

    /// The result object.
    pub fn to_map(&self) -> Map<String, Value> {
        match self {
            Self::Complete(m) | Self::InputRequired(m) => m.clone(),
            Self::Task(t) => t.to_map(),
        }
    }
}

serde_via_map!(ToolCallResult);
