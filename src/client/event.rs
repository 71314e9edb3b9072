//! What the engine reports to its host.

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::jsonrpc::ErrorObject;
use crate::protocol::legacy::{CallToolResult, Tool};
use crate::task::{Generation, Task, TaskStatus, TaskView};

use super::error::ClientError;
use super::reference::TaskReference;
use super::reply::RawResult;
use super::{CallId, InputId, OpId};

/// Something the host should know about.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event {
    /// The engine reached the server and knows which generation it speaks. Sent again
    /// after a lost session was replaced.
    Connected(ConnectionInfo),
    /// The engine could not reach a usable server; every call waiting for the connection
    /// ends with this error too.
    Disconnected {
        /// Why.
        error: ClientError,
    },
    /// The tools the server offers (every page, in order).
    ToolsListed {
        /// The request.
        op: OpId,
        /// The tools.
        tools: Vec<Tool>,
    },
    /// One page of `tasks/list` (2025-11-25).
    TasksListed {
        /// The request.
        op: OpId,
        /// The tasks on this page.
        tasks: Vec<Task>,
        /// The cursor for the next page, when there is one.
        next_cursor: Option<String>,
        /// The page as it came.
        raw: Option<RawResult>,
    },
    /// A task as `tasks/get` reported it, for [`Engine::get_task`](super::Engine::get_task).
    TaskFetched {
        /// The request.
        op: OpId,
        /// The task, with its payload where the generation carries one inline.
        view: TaskView,
        /// The 2025-11-25 result as it came (a task and its `_meta`); none in 2026-07-28,
        /// where the result is a detailed task.
        raw: Option<RawResult>,
    },
    /// A one-off request (tools list, task list, task fetch) failed.
    OpFailed {
        /// The request.
        op: OpId,
        /// Why.
        error: ClientError,
    },
    /// A call became a task. Persist the reference to resume after a restart.
    TaskCreated {
        /// The call.
        call: CallId,
        /// What a new engine needs to follow the task.
        reference: TaskReference,
        /// The task as created.
        task: Task,
    },
    /// The server's interim text for the model while the task runs (2025-11-25 hint).
    ModelImmediateResponse {
        /// The call.
        call: CallId,
        /// The text.
        text: String,
    },
    /// A task's status or status message changed.
    StatusChanged {
        /// The call.
        call: CallId,
        /// The status (never a step back from a terminal one).
        status: TaskStatus,
        /// The status message, if any.
        status_message: Option<String>,
    },
    /// `notifications/progress` for a call's progress token.
    Progress {
        /// The call.
        call: CallId,
        /// Progress so far.
        progress: f64,
        /// The total, when known.
        total: Option<f64>,
        /// A message, when given.
        message: Option<String>,
    },
    /// The server needs an answer: `elicitation/create`, `sampling/createMessage`,
    /// `roots/list`. Answer with [`Engine::answer_input`](super::Engine::answer_input), once.
    InputRequested {
        /// The id to answer with.
        input: InputId,
        /// The call it belongs to, when the server tied it to one.
        call: Option<CallId>,
        /// The task it belongs to, when there is one.
        task_id: Option<TaskId>,
        /// The request's method.
        method: String,
        /// The request's params.
        params: Map<String, Value>,
    },
    /// The server sent an input request as a task this client hosts (2025-11-25, an
    /// engine made with [`Engine::with_hosted_tasks`](super::Engine::with_hosted_tasks)):
    /// the engine answered it with this task at once, and the [`Event::InputRequested`]
    /// that follows carries the question. Answer whenever ready, before the task's TTL runs
    /// out; the server collects the answer with `tasks/result`.
    TaskHosted {
        /// The input request that follows.
        input: InputId,
        /// The task as created.
        task: Task,
    },
    /// An input request can no longer be answered: stop asking the person, drop the
    /// answer.
    InputWithdrawn {
        /// The input request.
        input: InputId,
        /// Why.
        reason: WithdrawReason,
    },
    /// A `tasks/cancel` could not be delivered; the task is still followed.
    CancelFailed {
        /// The call.
        call: CallId,
        /// Why.
        error: ClientError,
    },
    /// An answer to an input request could not be delivered.
    InputFailed {
        /// The input request.
        input: InputId,
        /// Why.
        error: ClientError,
    },
    /// How a call ended. Sent exactly once per call.
    Outcome {
        /// The call.
        call: CallId,
        /// The outcome.
        outcome: CallOutcome,
    },
    /// Sent just before a call's [`Event::Outcome`] when the outcome holds a tool result
    /// read from a plain 2025-11-25 `tools/call` answer: that result as it came, for a host
    /// that hands it on whole rather than rebuilding it from the typed fields.
    RawResult {
        /// The call.
        call: CallId,
        /// The `result` object as sent.
        raw: RawResult,
    },
    /// The server did something the protocol forbids; the engine carried on.
    ProtocolViolation {
        /// The call concerned, if any.
        call: Option<CallId>,
        /// What happened.
        error: ClientError,
    },
    /// [`Engine::close`](super::Engine::close) finished.
    Closed,
}

/// Why an input request was withdrawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WithdrawReason {
    /// The server cancelled the hosted task.
    Cancelled,
    /// The hosted task's TTL ran out before the answer.
    Expired,
    /// The client closed, or the session the question came in ended.
    Closed,
}

/// How a tool call ended.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CallOutcome {
    /// The tool succeeded.
    Completed(CallToolResult),
    /// The tool or the request failed.
    Failed(Failure),
    /// The task was cancelled.
    Cancelled {
        /// The last status message, often the reason.
        status_message: Option<String>,
    },
    /// The engine stopped following the task.
    Expired(ExpiryReason),
    /// The engine could not learn the outcome.
    Error(ClientError),
}

/// Why a call failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Failure {
    /// The tool reported failure with `isError: true`. (The extension calls such a task
    /// `completed`, 2025-11-25 calls it `failed`; either way the tool did not succeed.)
    Tool(CallToolResult),
    /// The request ended with a JSON-RPC error: the stored error of a failed task, or the
    /// answer to a plain call.
    Rpc(ErrorObject),
}

/// Why the engine stopped following a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ExpiryReason {
    /// The caller's deadline passed.
    Deadline,
    /// The task's TTL (from its creation) plus the grace period passed, or the server
    /// forgot the task after its TTL.
    Ttl,
}

/// What the engine learned when it connected.
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectionInfo {
    /// The generation in use.
    pub generation: Generation,
    /// The protocol revision in use.
    pub protocol_version: String,
    /// The 2025-11-25 session, when the server assigned one.
    pub session_id: Option<String>,
    /// `serverInfo`, as sent.
    pub server_info: Option<Map<String, Value>>,
    /// The server's capabilities, as sent.
    pub capabilities: Map<String, Value>,
    /// `instructions` for the model.
    pub instructions: Option<String>,
}
