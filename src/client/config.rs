//! How an engine behaves: endpoint, generation choice, schedule and limits.

use crate::protocol::http::Headers;
use crate::protocol::legacy::Implementation;
use crate::task::Generation;
use crate::time::UnixMillis;

use super::reference::EndpointMemory;

/// Which wire generation to speak.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Try 2026-07-28 (`server/discover`) and fall back to 2025-11-25 (`initialize`) per
    /// the dual-era rules; remember the answer in [`Config::memory`].
    #[default]
    Auto,
    /// 2025-11-25 only: sessions and core tasks.
    Legacy,
    /// 2026-07-28 only: stateless requests and the tasks extension.
    Extension,
}

impl Protocol {
    /// The generation this choice fixes; `None` for [`Protocol::Auto`].
    pub const fn generation(self) -> Option<Generation> {
        match self {
            Self::Auto => None,
            Self::Legacy => Some(Generation::Legacy),
            Self::Extension => Some(Generation::Extension),
        }
    }
}

/// Which server→client requests the host can answer. Declared as client capabilities.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InputSupport {
    /// `elicitation/create`.
    pub elicitation: bool,
    /// `sampling/createMessage`.
    pub sampling: bool,
    /// `roots/list`.
    pub roots: bool,
}

/// How often to poll a task.
///
/// Polling is the rule; status pushes only let it relax. While a notification stream that
/// has already delivered status for this client (the 2025-11-25 GET stream, or an
/// extension `subscriptions/listen` stream that acknowledged the task) stays open, a
/// task is polled every `push_factor` intervals only, as a safety net for a push that
/// never comes; the moment that stream ends, fails or is replaced, polls return to the
/// plain interval. A task that takes `D` ms at interval `P` then costs about
/// `3 + ⌈D / (push_factor · P)⌉` requests instead of `⌈D / P⌉ + 2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// The interval when the server suggests none, in milliseconds.
    pub default_ms: u64,
    /// The shortest interval, whatever the server suggests.
    pub floor_ms: u64,
    /// The longest interval, whatever the server suggests.
    pub cap_ms: u64,
    /// How many plain intervals apart polls are while pushes prove to arrive (the safety
    /// interval). 1 keeps polling at the plain interval whatever the streams do.
    pub push_factor: u64,
    /// The longest safety interval, in milliseconds (never shorter than the plain one).
    pub push_cap_ms: u64,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            default_ms: 1000,
            floor_ms: 100,
            cap_ms: 30_000,
            push_factor: 10,
            push_cap_ms: 60_000,
        }
    }
}

/// How to retry after transport errors, 5xx and peer garbage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// The first delay, in milliseconds; it doubles per consecutive failure.
    pub initial_ms: u64,
    /// The longest delay.
    pub max_ms: u64,
    /// Consecutive failures of one request after which it is given up.
    pub max_attempts: u32,
    /// Consecutive malformed answers to one request after which it is given up.
    pub max_peer_errors: u32,
    /// The longest wait a server may ask for, in milliseconds: a `Retry-After` (seconds or
    /// a date) and an SSE `retry:` field are honoured up to this and no further, so that a
    /// server cannot hold every request back without end.
    pub retry_after_cap_ms: u64,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        Self {
            initial_ms: 250,
            max_ms: 30_000,
            max_attempts: 12,
            max_peer_errors: 3,
            retry_after_cap_ms: 60_000,
        }
    }
}

/// Everything an [`Engine`](super::Engine) needs to know up front.
///
/// Make one with [`Config::new`] and change fields as needed.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// The MCP endpoint URL.
    pub endpoint: String,
    /// The generation to speak.
    pub protocol: Protocol,
    /// `clientInfo`.
    pub client_info: Implementation,
    /// Extra headers for every request (e.g. `Authorization`).
    pub headers: Headers,
    /// What the host answers when the server asks.
    pub inputs: InputSupport,
    /// Poll intervals.
    pub poll: PollPolicy,
    /// Retries.
    pub backoff: BackoffPolicy,
    /// How long a request may take to answer before it is aborted and retried.
    pub request_timeout_ms: u64,
    /// The same for `tools/call`, whose plain answer may come only when the tool is done.
    pub call_timeout_ms: u64,
    /// How many requests of calls and one-off requests may be in flight at once; more wait
    /// in a queue, first in first out, and their time limits start when they are sent.
    /// Connecting, streams and answers to the server are not counted. 0: no limit.
    pub max_in_flight: usize,
    /// How long a 2025-11-25 `tasks/result` stream for input stays open before the engine
    /// drops it and polls again.
    pub result_stream_ms: u64,
    /// How long a notification stream stays open before it is reopened.
    pub stream_max_ms: u64,
    /// How long past `createdAt + ttl` a task is still followed.
    pub ttl_grace_ms: u64,
    /// How long after an acknowledged extension cancel the engine waits for the terminal
    /// status before it reports the call cancelled.
    pub cancel_wait_ms: u64,
    /// The largest JSON body accepted.
    pub max_body_bytes: usize,
    /// The largest SSE event accepted.
    pub max_event_bytes: usize,
    /// Seed of the backoff jitter. Drivers should pass fresh entropy; tests a constant.
    pub seed: u64,
    /// Open the 2025-11-25 standalone GET stream for notifications and input requests.
    pub standalone_stream: bool,
    /// Open an extension `subscriptions/listen` stream for the live tasks.
    pub listen: bool,
    /// Which generation each endpoint spoke before; read and updated by `Auto`.
    pub memory: EndpointMemory,
}

impl Config {
    /// Defaults for `endpoint`: auto-detected generation, 1 s default poll (100 ms floor,
    /// 30 s cap), server-asked waits (`Retry-After`, SSE `retry:`) honoured up to 60 s,
    /// 30 s request timeout (5 min for `tools/call`), at most 64 requests in
    /// flight, 60 s grace past the TTL.
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            protocol: Protocol::Auto,
            client_info: Implementation::new("mcp-tasks", env!("CARGO_PKG_VERSION")),
            headers: Headers::new(),
            inputs: InputSupport::default(),
            poll: PollPolicy::default(),
            backoff: BackoffPolicy::default(),
            request_timeout_ms: 30_000,
            call_timeout_ms: 300_000,
            max_in_flight: 64,
            result_stream_ms: 60_000,
            stream_max_ms: 300_000,
            ttl_grace_ms: 60_000,
            cancel_wait_ms: 10_000,
            max_body_bytes: 16 * 1024 * 1024,
            max_event_bytes: crate::protocol::sse::DEFAULT_MAX_EVENT_BYTES,
            seed: 0x6d63_702d_7461_736b,
            standalone_stream: true,
            listen: true,
            memory: EndpointMemory::default(),
        }
    }
}

/// Whether a call should run as a task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TaskMode {
    /// As a task whenever the server allows it for the tool.
    #[default]
    Auto,
    /// Plainly, unless the tool requires a task.
    Plain,
    /// Only as a task; fails with [`ClientError::TaskNotAllowed`](super::ClientError) when
    /// the server forbids it (2025-11-25; under the extension the server decides).
    Required,
}

/// One tool call to make.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ToolCall {
    /// The tool's name.
    pub name: String,
    /// Its arguments.
    pub arguments: Option<serde_json::Map<String, serde_json::Value>>,
    /// Task or plain.
    pub mode: TaskMode,
    /// The retention to ask for, in milliseconds (2025-11-25 only; the server may change it).
    pub ttl_ms: Option<u64>,
    /// When to stop following the call, whatever the task does.
    pub deadline: Option<UnixMillis>,
}

impl ToolCall {
    /// A call of `name` with `arguments`, as a task when allowed.
    pub fn new(
        name: impl Into<String>,
        arguments: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Self {
        Self { name: name.into(), arguments, mode: TaskMode::Auto, ttl_ms: None, deadline: None }
    }

    /// The same call with another mode.
    pub fn mode(mut self, mode: TaskMode) -> Self {
        self.mode = mode;
        self
    }

    /// The same call asking for a TTL.
    pub fn ttl_ms(mut self, ttl_ms: u64) -> Self {
        self.ttl_ms = Some(ttl_ms);
        self
    }

    /// The same call with a deadline.
    pub fn deadline(mut self, at: UnixMillis) -> Self {
        self.deadline = Some(at);
        self
    }
}
