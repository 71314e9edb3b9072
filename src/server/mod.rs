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
mod legacy;
mod listen;
mod notes;
mod session;
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

use hyper::body::Incoming;
use hyper::header::{self, HeaderMap};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::id::RandomIds;
use crate::protocol::jsonrpc::{ErrorCode, Message};
use crate::protocol::meta::EXTENSION_PROTOCOL_VERSION;
use crate::receiver::Receiver;
use crate::store::{MemoryBackend, StoreConfig, TaskStore};
use http::{Body, BodyError, header_str, rpc_fail};
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
    let shared = Shared::new(config, Receiver::new(store), tools);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, shared, stopped));
    Ok(ServerHandle { addr, stop, task })
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) {
    let graceful = GracefulShutdown::new();
    let mut sweep = tokio::time::interval(shared.config.sweep_interval);
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
            _ = sweep.tick() => {
                let mut st = shared.lock();
                let now = st.now();
                let _ = st.receiver.store().sweep(now, 1000);
                st.expire();
                st.drain_events();
            }
            _ = stopped.changed() => break,
        }
    }
    drop(listener);
    shared.lock().close_all_streams();
    let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
}

async fn route(shared: &Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    if path != "/mcp" && path != "/mcp/" {
        return statics::serve(&shared.config, req.method(), path).await;
    }
    let origin = header_str(req.headers(), "origin").map(str::to_owned);
    if !http::origin_allowed(origin.as_deref(), &shared.config.allowed_origins) {
        return rpc_fail(
            StatusCode::FORBIDDEN,
            None,
            ErrorCode::SERVER_ERROR,
            "Forbidden: origin not allowed",
        );
    }
    if req.method() == Method::OPTIONS {
        return http::preflight(origin.as_deref());
    }
    let mut res = match *req.method() {
        Method::POST => post(shared, req).await,
        Method::GET | Method::DELETE if is_extension_header(req.headers()) => method_not_allowed(),
        Method::GET => legacy::get(shared, req.headers()),
        Method::DELETE => legacy::delete(shared, req.headers()),
        _ => method_not_allowed(),
    };
    http::add_cors(&mut res, origin.as_deref());
    res
}

fn method_not_allowed() -> Response<Body> {
    let mut res = http::text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    if let Ok(v) = "GET, POST, DELETE, OPTIONS".parse() {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

/// A GET or DELETE in the 2026-07-28 style: no session, the new version header.
fn is_extension_header(headers: &HeaderMap) -> bool {
    header_str(headers, "mcp-session-id").is_none()
        && header_str(headers, "mcp-protocol-version") == Some(EXTENSION_PROTOCOL_VERSION)
}

async fn post(shared: &Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let (parts, body) = req.into_parts();
    if let Err(res) = http::check_post_headers(&parts.headers) {
        return *res;
    }
    let cap = shared.config.max_body_bytes;
    let declared = header_str(&parts.headers, "content-length").and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return too_large();
    }
    let bytes = match http::read_body(body, cap).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return too_large(),
        Err(BodyError::Io) => {
            return http::text(StatusCode::BAD_REQUEST, "could not read the body");
        }
    };
    let value: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(_) => {
            return rpc_fail(StatusCode::BAD_REQUEST, None, ErrorCode::PARSE_ERROR, "Parse error");
        }
    };
    if value.is_array() {
        return rpc_fail(
            StatusCode::BAD_REQUEST,
            None,
            ErrorCode::INVALID_REQUEST,
            "Invalid Request: batches are not supported",
        );
    }
    let msg = match Message::from_value(value) {
        Ok(m) => m,
        Err(e) => {
            return rpc_fail(
                StatusCode::BAD_REQUEST,
                None,
                ErrorCode::INVALID_REQUEST,
                format!("Invalid Request: {e}"),
            );
        }
    };
    if is_extension(&parts.headers, &msg) {
        extension::post(shared, &parts.headers, msg).await
    } else {
        legacy::post(shared, &parts.headers, msg).await
    }
}

fn too_large() -> Response<Body> {
    rpc_fail(
        StatusCode::PAYLOAD_TOO_LARGE,
        None,
        ErrorCode::INVALID_REQUEST,
        "Request body too large",
    )
}

/// Which generation a POST speaks: `initialize`, a session or a 2025 version header mean
/// 2025-11-25; otherwise a `_meta` protocol version or the 2026-07-28 header mean the
/// extension form; anything else is treated as 2025-11-25 (and so needs a session).
fn is_extension(headers: &HeaderMap, msg: &Message) -> bool {
    let params = match msg {
        // A dual-era client falls back to `initialize` without the 2026-07-28 markers;
        // with them it is a 2026-07-28 request for a method that revision removed.
        Message::Request(r) if r.method == "initialize" => {
            return header_str(headers, "mcp-protocol-version") == Some(EXTENSION_PROTOCOL_VERSION)
                || extension::meta_version(r.params.as_ref()) == Some(EXTENSION_PROTOCOL_VERSION);
        }
        Message::Request(r) => r.params.as_ref(),
        Message::Notification(n) => n.params.as_ref(),
        Message::Result(_) | Message::Error(_) => None,
    };
    let header = header_str(headers, "mcp-protocol-version");
    if header_str(headers, "mcp-session-id").is_some()
        || header.is_some_and(|v| legacy::VERSIONS.contains(&v))
    {
        return false;
    }
    extension::meta_version(params).is_some() || header == Some(EXTENSION_PROTOCOL_VERSION)
}
