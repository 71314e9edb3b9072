//! How an endpoint behaves, and the tools it serves.

use serde_json::{Map, Value};

use crate::protocol::legacy::{TaskSupport, Tool};

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
    /// Input requests a 2026-07-28 call must answer (`inputResponses`) before its task is
    /// created, by key: a call without all of them gets `resultType: "input_required"`.
    pub ask_before_task: Option<Map<String, Value>>,
}

impl ToolDescriptor {
    /// A tool with this definition that asks nothing up front.
    pub fn new(definition: Tool) -> Self {
        Self { definition, ask_before_task: None }
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
    pub session_idle_ms: u64,
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
    /// Whether `tools/call` is handed to the embedder whole ([`Output::ToolCall`]) instead
    /// of being decided here and run through [`Output::StartTool`].
    ///
    /// [`Output::ToolCall`]: super::Output::ToolCall
    /// [`Output::StartTool`]: super::Output::StartTool
    pub delegate_tool_calls: bool,
    /// Whether a session's client is sent only the input requests its `initialize`
    /// capabilities say it answers (`elicitation`, `sampling`, `roots`); the others wait
    /// in the store for an embedder that answers them another way.
    pub input_by_capability: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            path: "/mcp".into(),
            generations: Generations::Both,
            allowed_origins: Vec::new(),
            max_body_bytes: 1024 * 1024,
            session_idle_ms: 60 * 60 * 1000,
            sweep_interval_ms: 10_000,
            keepalive_ms: 15_000,
            sse_retry_ms: 1_000,
            notification_streams: true,
            stream_answers: false,
            server_name: "mcp-tasks".into(),
            server_version: env!("CARGO_PKG_VERSION").into(),
            instructions: None,
            tools: Vec::new(),
            delegate_tool_calls: false,
            input_by_capability: false,
        }
    }
}
