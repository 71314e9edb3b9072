//! The reference server (feature `server`): the [`Receiver`]
//! behind Streamable HTTP for both generations at `/mcp`, the tools you register
//! ([`Tool`], [`Server::tool`]) or the reference server's fixture and demo tools, and
//! static files (`www/` at `/`, `pkg/` at `/pkg/`).
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! let server = mcp_tasks::server::serve(listener, mcp_tasks::server::Config::default())?;
//! println!("listening on {}", server.local_addr());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod builder;
mod call;
mod clock;
mod control;
mod ctx;
mod demo_tools;
mod extension;
mod fixture_tools;
mod host;
mod http;
mod notes;
mod state;
mod statics;
mod tool;
mod tools;

/// What a tool answers: content, `structuredContent`, `isError` (the same in both
/// generations).
pub use crate::protocol::legacy::CallToolResult;
/// Whether a tool may, must or must not run as a task (its `taskSupport`).
pub use crate::protocol::legacy::TaskSupport;
/// A question for the requestor (`elicitation/create`, `sampling/createMessage`, ...), for
/// [`ToolContext::ask`].
pub use crate::task::InputRequest;
pub use builder::Server;
pub use clock::Clock;
pub use ctx::{Elicitation, ToolContext, ToolError};
pub use tool::{BeforeTask, FnTool, Tool, ToolResult, ToolSpec, tool_fn};
pub use tools::RegisterError;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::id::RandomIds;
use crate::protocol::http::Headers;
use crate::receiver::Receiver;
use crate::receiver::http::{self as endpoint, Endpoint, HttpMethod, ToolDescriptor};
use crate::store::{MemoryBackend, StoreConfig, TaskStore};
use http::{Body, Open};
use state::Shared;

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
    pub session_idle: Duration,
    /// How often expired tasks and idle sessions are swept.
    pub sweep_interval: Duration,
    /// How often an SSE stream with nothing to say sends a keep-alive comment (zero: never).
    pub keepalive: Duration,
    /// The `retry:` a 2025-11-25 SSE stream announces: how long a client waits before it
    /// reconnects with `Last-Event-ID`.
    pub sse_retry: Duration,
    /// Where task timestamps, TTLs and session idleness read the time.
    pub clock: Clock,
    /// The task store's limits and the `pollInterval` it suggests.
    pub store: StoreConfig,
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
            clock: Clock::system(),
            store: StoreConfig::default(),
        }
    }
}

/// A running server.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes open streams, and waits (at most 5 s) for connections to end.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Serves the reference server's tools ([`Server::reference`]) on `listener` until
/// [`ServerHandle::shutdown`]. Call inside a tokio runtime.
pub fn serve(listener: TcpListener, config: Config) -> std::io::Result<ServerHandle> {
    Server::reference(config).serve(listener)
}

/// Serves `tools` on `listener`.
fn start(
    listener: TcpListener,
    config: Config,
    tools: tools::Tools,
) -> std::io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    let store = TaskStore::new(MemoryBackend::new(), RandomIds, config.store.clone());
    let endpoint = Endpoint::new(endpoint_config(&config, &tools), Receiver::new(store));
    let shared = Shared::new(config, endpoint, tools);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, shared, stopped));
    Ok(ServerHandle { addr, stop, task })
}

/// The endpoint's configuration: the server's limits and timers, and the registered
/// tools, whose calls come back here whole (the tool code decides plain, task or
/// task-tools mode).
///
/// Calls are delegated rather than started by the endpoint (`Output::StartTool`) for two
/// things the endpoint cannot decide: a [`Tool::before_task`] that depends on the call's
/// arguments (the endpoint only knows a fixed `ask_before_task` map, so none is given
/// here), and task-tools mode, where a plain call of a long tool starts a task.
fn endpoint_config(config: &Config, tools: &tools::Tools) -> endpoint::Config {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    endpoint::Config {
        allowed_origins: config.allowed_origins.clone(),
        max_body_bytes: config.max_body_bytes,
        session_idle_ms: ms(config.session_idle),
        sweep_interval_ms: ms(config.sweep_interval),
        keepalive_ms: ms(config.keepalive),
        sse_retry_ms: ms(config.sse_retry),
        instructions: tools::instructions(config.task_tools),
        tools: tools.list(true, config.task_tools).into_iter().map(ToolDescriptor::new).collect(),
        delegate_tool_calls: true,
        input_by_capability: config.task_tools,
        ..endpoint::Config::default()
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let timers = tokio::spawn(timers(shared.clone()));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                let service = service_fn(move |req| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(route(&shared, req).await) }
                });
                let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = stopped.changed() => break,
        }
    }
    drop(listener);
    timers.abort();
    {
        let mut st = shared.lock();
        let now = st.now();
        st.endpoint().close_all(now);
        st.flush();
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

/// Passes time to the endpoint when it asks, and at least every sweep interval: the
/// configured clock may be one a test moves by hand, so its deadlines are checked again
/// rather than slept out.
async fn timers(shared: Arc<Shared>) {
    let most = shared.config.sweep_interval.max(Duration::from_millis(1));
    loop {
        let wait = {
            let mut st = shared.lock();
            let now = st.now();
            let due = st.endpoint().poll_timeout().map(|t| t.saturating_since(now));
            due.map_or(most, |ms| Duration::from_millis(ms.max(1)).min(most))
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {
                let mut st = shared.lock();
                let now = st.now();
                st.endpoint().handle_timeout(now);
                st.flush();
            }
            () = shared.timer.notified() => {}
        }
    }
}

async fn route(shared: &Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_owned();
    if path != "/mcp" && path != "/mcp/" {
        return statics::serve(&shared.config, req.method(), &path).await;
    }
    let (parts, body) = req.into_parts();
    // One byte past the cap is enough for the endpoint to refuse the body.
    let body = match Limited::new(body, shared.config.max_body_bytes + 1).collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            vec![b' '; shared.config.max_body_bytes + 1]
        }
        Err(_) => return http::text(StatusCode::BAD_REQUEST, "could not read the body"),
    };
    let headers: Headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let method = HttpMethod::parse(parts.method.as_str());
    let request = endpoint::Request { method, path, headers, body };
    let (response, (head, rx), call) = {
        let mut st = shared.lock();
        let now = st.now();
        let response = st.endpoint().handle_request(now, request);
        let reading = st.open(response);
        st.flush();
        (response, reading, st.take_call(response))
    };
    // Dropped with this future (the client left) or with the body it becomes.
    let open = Open { shared: Arc::downgrade(shared), response };
    if let Some(call) = call {
        let outcome = call::tools_call(shared, &call.caller, call.params, call.session).await;
        let mut st = shared.lock();
        let now = st.now();
        st.endpoint().answer_tool_call(now, response, outcome);
        st.flush();
    }
    match head.await {
        Ok(head) => http::response(head, rx, open),
        Err(_) => http::text(StatusCode::INTERNAL_SERVER_ERROR, "the response was lost"),
    }
}
