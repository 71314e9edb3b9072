//! The one task model both wire codecs convert to and from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::jsonrpc::ErrorObject;
use crate::task::TaskStatus;
use crate::time::{Timestamp, UnixMillis};

/// A task's metadata: what `tasks/get` reports in either generation, minus the payload.
///
/// The status is private: on the receiver it changes only through
/// [`transition`](crate::task::transition). A requestor records what a peer reported with
/// [`Task::observed`].
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// The receiver-minted id.
    pub task_id: TaskId,
    status: TaskStatus,
    /// Human-readable text about the current status.
    pub status_message: Option<String>,
    /// When the receiver created the task.
    pub created_at: Timestamp,
    /// When the task last changed.
    pub last_updated_at: Timestamp,
    /// Retention from creation in milliseconds; `None` is unlimited.
    pub ttl_ms: Option<u64>,
    /// Suggested gap between polls, in milliseconds.
    pub poll_interval_ms: Option<u64>,
}

impl Task {
    /// A new task as a receiver creates it: `working`, created and updated `now`.
    pub fn new(
        task_id: TaskId,
        now: UnixMillis,
        ttl_ms: Option<u64>,
        poll_interval_ms: Option<u64>,
    ) -> Self {
        let at = Timestamp::from_millis(now);
        Self {
            task_id,
            status: TaskStatus::Working,
            status_message: None,
            created_at: at.clone(),
            last_updated_at: at,
            ttl_ms,
            poll_interval_ms,
        }
    }

    /// A task as a peer reported it. Used by codecs and by requestors; the status is the
    /// peer's word, not a transition.
    pub fn observed(
        task_id: TaskId,
        status: TaskStatus,
        created_at: Timestamp,
        last_updated_at: Timestamp,
        ttl_ms: Option<u64>,
    ) -> Self {
        Self {
            task_id,
            status,
            status_message: None,
            created_at,
            last_updated_at,
            ttl_ms,
            poll_interval_ms: None,
        }
    }

    /// The current status.
    pub const fn status(&self) -> TaskStatus {
        self.status
    }

    /// When the task may be deleted (`createdAt + ttl`), or `None` if kept forever.
    pub fn expires_at(&self) -> Option<UnixMillis> {
        self.ttl_ms.map(|ttl| self.created_at.millis().saturating_add(ttl))
    }

    /// Whether the TTL has run out at `now`.
    pub fn is_expired(&self, now: UnixMillis) -> bool {
        self.expires_at().is_some_and(|at| now >= at)
    }

    pub(crate) fn set_status(&mut self, status: TaskStatus) {
        self.status = status;
    }
}

/// How a terminal task ended, as the original request would have been answered.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A result object (for tools, a `CallToolResult`, possibly with `isError: true`).
    Result(Map<String, Value>),
    /// A JSON-RPC error.
    Error(ErrorObject),
}

impl Outcome {
    /// Whether this is a tool result with `isError: true`.
    pub fn is_tool_error(&self) -> bool {
        matches!(self, Self::Result(r) if r.get("isError") == Some(&Value::Bool(true)))
    }
}

/// One request a task needs the requestor to answer: `elicitation/create`,
/// `sampling/createMessage` or `roots/list`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InputRequest {
    /// The method the standalone request would have used.
    pub method: String,
    /// Its params.
    #[serde(default)]
    pub params: Map<String, Value>,
}

/// Outstanding input requests by key. Keys are unique over a task's life.
pub type InputRequests = BTreeMap<String, InputRequest>;

/// Answers to input requests by key (`ElicitResult`, `CreateMessageResult`, `ListRootsResult`).
pub type InputResponses = BTreeMap<String, Map<String, Value>>;

/// How the requestor answered one input request.
#[derive(Clone, Debug, PartialEq)]
pub enum InputAnswer {
    /// The result the standalone request would have had (`ElicitResult`, ...).
    Response(Map<String, Value>),
    /// A JSON-RPC error instead of a result. Only 2025-11-25 requestors can send one (they
    /// answer a server→client request with a JSON-RPC response), e.g. when they do not
    /// support the method; the work decides what that means for the task.
    Error(ErrorObject),
}

impl From<Map<String, Value>> for InputAnswer {
    fn from(response: Map<String, Value>) -> Self {
        Self::Response(response)
    }
}

impl From<ErrorObject> for InputAnswer {
    fn from(error: ErrorObject) -> Self {
        Self::Error(error)
    }
}

/// Answers received for a task's input requests, by key.
pub type InputAnswers = BTreeMap<String, InputAnswer>;

/// A task together with what goes with its status. Status and payload cannot disagree:
/// the payload is chosen by the status.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskView {
    /// The metadata.
    pub task: Task,
    /// What the status carries.
    pub payload: Payload,
}

/// The data that belongs to a status.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    /// `working` or `cancelled`, or a legacy task whose payload travels elsewhere.
    None,
    /// `input_required`: every outstanding request.
    InputRequests(InputRequests),
    /// `completed` or `failed`: how it ended.
    Outcome(Outcome),
}
