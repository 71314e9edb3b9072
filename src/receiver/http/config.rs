//! How an endpoint behaves, and the tools it serves.

use std::fmt;
use std::sync::Arc;

use crate::protocol::legacy::{CallToolResult, TaskSupport, Tool};
use crate::task::Task;

/// How a plain call that started a task in task-tools mode ([`Config::plain_calls_as_tasks`])
/// is answered, given the task and the tool's name. The embedder owns its words: they are
/// what a task-unaware model reads to follow the task.
#[derive(Clone)]
pub struct TaskHandleAnswer(Arc<AnswerFn>);

type AnswerFn = dyn Fn(&Task, &str) -> CallToolResult + Send + Sync;

impl TaskHandleAnswer {
    /// Answers with `f(task, tool_name)`.
    pub fn new(f: impl Fn(&Task, &str) -> CallToolResult + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// The answer for a call of tool `name` that started `task`.
    pub fn answer(&self, task: &Task, name: &str) -> CallToolResult {
        (self.0)(task, name)
    }
}

impl fmt::Debug for TaskHandleAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TaskHandleAnswer(..)")
    }
}

/// Two are equal when they are the same answerer (clones of one another): functions
/// cannot be compared by what they do.
impl PartialEq for TaskHandleAnswer {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Which wire generations an endpoint serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Generations {
    /// Both, chosen per request.
    #[default]
    Both,
    /// 2025-11-25 sessions only: a request without a session is refused as the SDK servers
    /// refuse it.
    Legacy,
    /// The stateless 2026-07-28 form only.
    Extension,
}

/// A tool as the endpoint lists and routes it; running it is the embedder's.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDescriptor {
    /// Its `tools/list` entry. `execution.taskSupport` says whether calls may (or must)
    /// run as tasks; it is left out of 2026-07-28 listings, where the server decides.
    pub definition: Tool,
    /// Whether the tool decides, from a 2026-07-28 call's arguments and the
    /// `inputResponses` it brought, if it must ask something before its task starts: such a
    /// call waits for the driver's answer to [`Output::BeforeTask`].
    ///
    /// [`Output::BeforeTask`]: super::Output::BeforeTask
    pub decides_before_task: bool,
}

impl ToolDescriptor {
    /// A tool with this definition that asks nothing up front.
    pub fn new(definition: Tool) -> Self {
        Self { definition, decides_before_task: false }
    }

    /// The same tool, deciding before its task starts
    /// ([`decides_before_task`](Self::decides_before_task)).
    pub fn deciding_before_task(mut self) -> Self {
        self.decides_before_task = true;
        self
    }

    /// How its calls may run as tasks.
    pub fn task_support(&self) -> TaskSupport {
        self.definition.task_support()
    }
}

/// How an endpoint behaves. Durations are milliseconds of the `now` the driver passes.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The path of the endpoint (`/mcp`; a trailing slash is also accepted).
    pub path: String,
    /// The generations served.
    pub generations: Generations,
    /// Browser origins allowed besides loopback ones (`http://localhost:*`,
    /// `http://127.0.0.1:*`, `http://[::1]:*`), exactly as sent in `Origin`.
    pub allowed_origins: Vec<String>,
    /// The largest request body accepted; larger ones get 413. A driver should stop
    /// reading there too.
    pub max_body_bytes: usize,
    /// A session unused for this long, with no stream open, ends (and its tasks with it).
    /// An open stream keeps it only until the stream's age limit
    /// ([`stream_max_age_ms`](Self::stream_max_age_ms)).
    pub session_idle_ms: u64,
    /// The most 2025-11-25 sessions held at once. An `initialize` beyond it first ends the
    /// sessions already idle; if none is, it is refused with 503 and a `Retry-After` of
    /// when the least recently used session could go idle, and JSON-RPC error -32000
    /// ("Too many sessions", `data.limit` = `"max_sessions"`). 503, not 429: the table
    /// is full for everyone, not this client sending too fast.
    pub max_sessions: usize,
    /// The longest `Authorization` header accepted, in bytes (all its fields together);
    /// longer ones get 431 and JSON-RPC error -32000 (`data.limit` =
    /// `"max_authorization_bytes"`). The credential is hashed into the caller's owner, so
    /// this bounds the work and memory one request can make it cost.
    pub max_authorization_bytes: usize,
    /// How many bytes an SSE stream may have written that the driver has not yet reported
    /// sent ([`Endpoint::handle_sent`](super::Endpoint::handle_sent)). A stream further
    /// behind than this when more comes is cut off: its response ends there, and a
    /// 2025-11-25 client resumes it with `Last-Event-ID` from the session's event log. One
    /// event larger than this still goes out when the stream is not behind. Read when the
    /// endpoint is made.
    pub max_stream_backlog_bytes: usize,
    /// How long a 2025-11-25 session stream stays open before the endpoint ends it (after
    /// an SSE `retry:`), so that the client resumes it with `Last-Event-ID`. An open stream
    /// keeps its session from going idle; the resumption is a request, so a client that
    /// still reads keeps its session and a stalled or vanished one lets it go idle. Read
    /// when the endpoint is made.
    pub stream_max_age_ms: u64,
    /// How often expired tasks and idle sessions are swept.
    pub sweep_interval_ms: u64,
    /// How often an SSE stream with nothing to say gets a keep-alive comment (0: never).
    pub keepalive_ms: u64,
    /// The `retry:` a 2025-11-25 stream announces before a client resumes it.
    pub sse_retry_ms: u64,
    /// Whether the session GET stream and `subscriptions/listen` are offered (405 and
    /// -32601 otherwise, as servers without them answer).
    pub notification_streams: bool,
    /// Whether request answers go out as SSE streams (resumable within a 2025-11-25
    /// session) instead of JSON bodies; a held `tasks/result` always streams.
    pub stream_answers: bool,
    /// `serverInfo.name` and `.version`.
    pub server_name: String,
    /// See [`Config::server_name`].
    pub server_version: String,
    /// The `instructions` for the model, if any.
    pub instructions: Option<String>,
    /// The tools served, in listing order.
    pub tools: Vec<ToolDescriptor>,
    /// Task-tools mode, for hosts that know nothing of tasks: a plain `tools/call` (no
    /// 2025-11-25 `params.task`; a 2026-07-28 caller that does not declare the tasks
    /// extension) of a tool whose `taskSupport` allows tasks starts a task anyway and is
    /// answered at once with the `CallToolResult` this gives for the new task and the
    /// tool's name, which tells the model how to follow it. Off (`None`): such calls run
    /// plainly, or are refused as the generation refuses them.
    pub plain_calls_as_tasks: Option<TaskHandleAnswer>,
    /// Whether a session's client is sent only the input requests its `initialize`
    /// capabilities say it answers (`elicitation`, `sampling`, `roots`); the others wait
    /// in the store for an embedder that answers them another way.
    pub input_by_capability: bool,
    /// Whether 2025-11-25 sessions are shared with other servers over one task store
    /// (see [`SharedSession`](super::SharedSession)), or with this server's own later runs
    /// (a Worker's Durable Object after a restart): the embedder publishes the sessions
    /// opened and ended here and adopts those opened elsewhere. A session idle here is
    /// then only forgotten here, its tasks kept (they end by their TTL): the client may
    /// be using it through another server.
    pub shared_sessions: bool,
    /// The TTL asked for when a question goes to a 2025-11-25 client as a task of its
    /// own: a client that declared `tasks.requests.elicitation.create` (or
    /// `.sampling.createMessage`) is sent such questions with `params.task`, answers with a
    /// `CreateTaskResult`, and the endpoint polls that task at the client's `pollInterval`
    /// and hands its answer to the tool as if it came at once (see
    /// [`ClientTaskError`](super::ClientTaskError) for when it does not). `None`: every
    /// question is asked plainly. Not with [`shared_sessions`](Self::shared_sessions).
    pub client_task_ttl_ms: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            path: "/mcp".into(),
            generations: Generations::Both,
            allowed_origins: Vec::new(),
            max_body_bytes: 1024 * 1024,
            session_idle_ms: 60 * 60 * 1000,
            max_sessions: 1_000,
            max_authorization_bytes: 8 * 1024,
            max_stream_backlog_bytes: 1024 * 1024,
            stream_max_age_ms: 10 * 60 * 1000,
            sweep_interval_ms: 10_000,
            keepalive_ms: 15_000,
            sse_retry_ms: 1_000,
            notification_streams: true,
            stream_answers: false,
            server_name: "mcp-tasks".into(),
            server_version: env!("CARGO_PKG_VERSION").into(),
            instructions: None,
            tools: Vec::new(),
            plain_calls_as_tasks: None,
            input_by_capability: false,
            shared_sessions: false,
            client_task_ttl_ms: Some(30 * 60 * 1000),
        }
    }
}
