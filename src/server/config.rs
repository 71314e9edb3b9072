//! How the server runs: its files, limits, timers, clock and store.

use std::path::PathBuf;
use std::time::Duration;

use super::clock::Clock;
use crate::store::StoreConfig;

/// How the server runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Served at `/`.
    pub www: PathBuf,
    /// Served at `/pkg/`, when set.
    pub pkg: Option<PathBuf>,
    /// Browser origins allowed besides loopback ones (`http://localhost:*`,
    /// `http://127.0.0.1:*`, `http://[::1]:*`), exactly as sent in `Origin`.
    pub allowed_origins: Vec<String>,
    /// The largest request body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// How long `failing_job` and `protocol_error_job` work before they fail.
    pub job_delay: Duration,
    /// How long a demo tool (`build_report`, `deploy_release`, `import_contacts`) takes
    /// from start to end, not counting time spent waiting for a person's answer.
    pub demo_duration: Duration,
    /// Task-tools mode, for hosts that know nothing of tasks. A plain `tools/call` (no
    /// 2025-11-25 `params.task`; a 2026-07-28 caller that did not declare the tasks
    /// extension) of a tool that can run as a task starts the task and answers at once
    /// with a `CallToolResult` naming it, and the control tools `get_task_status`,
    /// `get_task_result`, `cancel_task`, `list_my_tasks` and `answer_task_input` are
    /// listed; the server's `instructions` say how to follow a task. Off by default: without it, plain calls of optional tools run inline, as
    /// the conformance suite expects.
    pub task_tools: bool,
    /// A session unused for this long, with no stream open, ends (and its tasks with it).
    /// An open stream keeps it only until the stream's age limit
    /// ([`stream_max_age`](Self::stream_max_age)).
    pub session_idle: Duration,
    /// How often expired tasks and idle sessions are swept.
    pub sweep_interval: Duration,
    /// How often an SSE stream with nothing to say sends a keep-alive comment (zero: never).
    pub keepalive: Duration,
    /// The `retry:` a 2025-11-25 SSE stream announces: how long a client waits before it
    /// reconnects with `Last-Event-ID`.
    pub sse_retry: Duration,
    /// The most 2025-11-25 sessions at once; an `initialize` beyond them gets 503 with
    /// `Retry-After` (see `receiver::http::Config::max_sessions`).
    pub max_sessions: usize,
    /// The longest `Authorization` header accepted, in bytes; longer ones get 431.
    pub max_authorization_bytes: usize,
    /// How far, in bytes, an SSE stream's client may fall behind what the server wrote
    /// before the stream is cut off (it resumes with `Last-Event-ID`).
    pub max_stream_backlog_bytes: usize,
    /// How long a 2025-11-25 session stream stays open before the server ends it for the
    /// client to resume; an open stream keeps its session from going idle only this long.
    pub stream_max_age: Duration,
    /// The most connections open at once. One beyond it is answered 503 with
    /// `Retry-After: 1` and closed at once rather than left waiting: a held connection
    /// would hang a client without telling it why, and cost a place in the kernel's
    /// backlog anyway.
    pub max_connections: usize,
    /// How long a request's head may take, from its first byte. Past it the connection is
    /// closed, after a 408 with JSON-RPC error -32000 (`data.limit` =
    /// `"header_read_timeout"`) when nothing was written on it yet (its first request).
    /// Zero: no limit.
    pub header_read_timeout: Duration,
    /// How long a request's body may take once its head arrived; past it the request is
    /// answered 408 and the connection closed. Zero: no limit.
    pub body_read_timeout: Duration,
    /// How long a connection may wait, with no request in flight, for the first byte of
    /// its next request (keep-alive, or after the accept) before it is closed. Zero: no
    /// limit.
    pub idle_timeout: Duration,
    /// How long one write may wait for the client to take bytes before the connection is
    /// closed: a client that stops reading its stream lets go of it. Zero: no limit.
    pub write_timeout: Duration,
    /// Where task timestamps, TTLs and session idleness read the time.
    pub clock: Clock,
    /// The task store's limits and the `pollInterval` it suggests.
    pub store: StoreConfig,
    /// Where tasks live: `None` in this process's memory; `redis://HOST:PORT[/DB]` in a
    /// Redis that other servers may share (feature `redis`), so that any of them serves any
    /// task.
    pub store_url: Option<String>,
    /// The prefix of every key this server writes in a shared store; servers that share
    /// tasks use the same one.
    pub store_prefix: String,
    /// With a shared store, how often a running task's work looks for answers and cancel
    /// requests that arrived through another server.
    pub store_poll: Duration,
    /// With a shared store, how long a task's work may go without its server's heartbeat
    /// before another server takes the server for dead and fails the task. Heartbeats go
    /// out every third of it.
    pub store_lease: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            www: PathBuf::from("www"),
            pkg: None,
            allowed_origins: Vec::new(),
            max_body_bytes: 1024 * 1024,
            job_delay: Duration::from_millis(500),
            demo_duration: Duration::from_secs(8),
            task_tools: false,
            session_idle: Duration::from_secs(60 * 60),
            sweep_interval: Duration::from_secs(10),
            keepalive: Duration::from_secs(15),
            sse_retry: Duration::from_secs(1),
            max_sessions: 1_000,
            max_authorization_bytes: 8 * 1024,
            max_stream_backlog_bytes: 1024 * 1024,
            stream_max_age: Duration::from_secs(10 * 60),
            max_connections: 1_024,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            clock: Clock::system(),
            store: StoreConfig::default(),
            store_url: None,
            store_prefix: "mcp-tasks".into(),
            store_poll: Duration::from_millis(250),
            store_lease: Duration::from_secs(30),
        }
    }
}
