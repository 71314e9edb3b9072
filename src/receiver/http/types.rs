//! The values that cross the endpoint's boundary: requests in, outputs out, tool work.

use std::fmt;
use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::http::{Headers, ResponseHead};
use crate::protocol::jsonrpc::ErrorObject;
use crate::receiver::Caller;
use crate::store::StoreError;
use crate::task::{InputRequest, InputRequests};

/// Names one HTTP request and its response; minted by the endpoint, unique per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResponseId(pub u64);

impl fmt::Display for ResponseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "response {}", self.0)
    }
}

/// An HTTP request method as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpMethod {
    /// `GET`: a session's standalone stream, or a resumption.
    Get,
    /// `POST`: one JSON-RPC message.
    Post,
    /// `DELETE`: ends a session.
    Delete,
    /// `OPTIONS`: a CORS preflight.
    Options,
    /// Anything else (answered 405).
    Other(String),
}

impl HttpMethod {
    /// Reads a method name (case-sensitive, as HTTP defines it).
    pub fn parse(name: &str) -> Self {
        match name {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "DELETE" => Self::Delete,
            "OPTIONS" => Self::Options,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// A whole HTTP request as the driver read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: HttpMethod,
    /// The path, without the query.
    pub path: String,
    /// Every header field.
    pub headers: Headers,
    /// The body (empty when there is none).
    pub body: Vec<u8>,
    /// The caller's address as the driver knows it (the TCP peer), if it does: 2026-07-28
    /// callers without `Authorization` are told apart by it, so that one of them cannot
    /// use up the task budget of all. `None`: they are all one anonymous owner.
    pub peer: Option<IpAddr>,
}

/// Which run of a tool a command or a report is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkId {
    /// The work of a task.
    Task(TaskId),
    /// A plain `tools/call`, answered when the tool ends.
    Call(u64),
}

/// The command to run a tool.
#[derive(Debug, Clone, PartialEq)]
pub struct StartTool {
    /// What reports about this run name.
    pub work: WorkId,
    /// The tool's name.
    pub tool: String,
    /// The call's `arguments`.
    pub arguments: Map<String, Value>,
    /// The call's `_meta.progressToken`, if any.
    pub progress_token: Option<Value>,
    /// The answers a multi-round 2026-07-28 call brought (`inputResponses`), for a tool that
    /// decides before its task exists ([`ToolDescriptor::decides_before_task`]).
    ///
    /// [`ToolDescriptor::decides_before_task`]: super::ToolDescriptor::decides_before_task
    pub input_responses: Option<Map<String, Value>>,
    /// Who called, in which generation: tool code that acts on the caller's own tasks
    /// needs its owner.
    pub caller: Caller,
}

/// How a tool that decides before its task starts answers [`Output::BeforeTask`].
#[derive(Debug, Clone, PartialEq)]
pub enum BeforeTaskAnswer {
    /// Go on: start the call (a task, or a plain run) with these arguments.
    Ready(Map<String, Value>),
    /// Ask these questions first, by key: the call is answered `input_required`, and the
    /// caller calls again with the answers in `inputResponses`.
    Ask(InputRequests),
    /// The tool could not decide (it failed): the call is answered with this error and
    /// nothing starts.
    Fail(ErrorObject),
}

/// What tool work reports.
#[derive(Debug, Clone, PartialEq)]
pub enum ToolReport {
    /// A new `statusMessage` (tasks only; a plain call has no status).
    Status(String),
    /// Progress, sent as `notifications/progress` when the call has a progress token and a
    /// stream reaches its caller.
    Progress {
        /// How far along.
        progress: f64,
        /// Out of how much, when known.
        total: Option<f64>,
        /// A human-readable note.
        message: Option<String>,
    },
    /// A question for the requestor (tasks only); when answers arrive,
    /// [`Output::InputAnswered`] says so.
    Ask(InputRequest),
    /// The tool's `CallToolResult`: the end of the work.
    Result(Map<String, Value>),
    /// A JSON-RPC error: the end of the work.
    Error(ErrorObject),
    /// The work stopped after [`Output::CancelTool`].
    Cancelled,
}

/// Something the driver must act on, drained with
/// [`Endpoint::poll_output`](super::Endpoint::poll_output).
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// The status and headers of a response; comes first, once.
    Head {
        /// The response.
        response: ResponseId,
        /// Status and headers.
        head: ResponseHead,
    },
    /// Body bytes: a whole JSON body, or SSE frames.
    Body {
        /// The response.
        response: ResponseId,
        /// The bytes to write.
        bytes: Vec<u8>,
    },
    /// The response is complete; close it.
    End {
        /// The response.
        response: ResponseId,
    },
    /// Run a tool.
    StartTool(StartTool),
    /// Stop running work: its requestor asked, or nobody can receive its outcome anymore.
    CancelTool {
        /// The work.
        work: WorkId,
    },
    /// Answers to the work's questions arrived; take them with
    /// [`Endpoint::take_answers`](super::Endpoint::take_answers).
    InputAnswered {
        /// The work.
        work: WorkId,
    },
    /// The store deleted a task (its TTL ran out, or its session ended): forget what is
    /// kept about it.
    TaskRemoved {
        /// The task.
        task: TaskId,
    },
    /// A multi-round 2026-07-28 call of a tool that decides before its task starts
    /// ([`ToolDescriptor::decides_before_task`]): the tool looks at the arguments and the
    /// answers brought so far, and the driver passes its decision to
    /// [`Endpoint::handle_before_task`](super::Endpoint::handle_before_task).
    ///
    /// [`ToolDescriptor::decides_before_task`]: super::ToolDescriptor::decides_before_task
    BeforeTask {
        /// The call, named by the response that waits for it.
        call: ResponseId,
        /// The tool's name.
        tool: String,
        /// The call's `arguments`.
        arguments: Map<String, Value>,
        /// The call's `inputResponses`, if it brought any.
        input_responses: Option<Map<String, Value>>,
    },
}

/// Why a tool report was not taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The endpoint knows no such work: it ended, was cancelled or its task went away.
    #[error("no running work {0:?}")]
    UnknownWork(WorkId),
    /// The report does not fit this kind of work (a question from a plain call).
    #[error("{0:?} cannot report this")]
    NotForThisWork(WorkId),
    /// The task store refused the change (the task already ended, ...).
    #[error("the task store refused the report: {0}")]
    Store(#[from] StoreError),
}

impl ReportError {
    /// A stable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::UnknownWork(_) => "endpoint.unknown_work",
            ReportError::NotForThisWork(_) => "endpoint.not_for_this_work",
            ReportError::Store(_) => "endpoint.store",
        }
    }
}
