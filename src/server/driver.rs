//! The hyper glue: accepts connections, hands each `/mcp` request and the passing time to
//! the endpoint, and moves what it outputs to the open responses and the tool runs.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use super::config::Config;
use super::conn::{self, Busy, Deadlines, Guarded, InFlight};
use super::http::{self, Body, Open, Tracked};
use super::state::Shared;
use super::{call, control, shared_store, statics, tools};
use crate::id::RandomIds;
use crate::protocol::http::Headers;
use crate::receiver::Receiver;
use crate::receiver::http::{
    self as endpoint, Endpoint, HttpMethod, TaskHandleAnswer, ToolDescriptor,
};
use crate::store::TaskStore;

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

/// Serves `tools` on `listener`.
pub(super) fn start(
    listener: TcpListener,
    config: Config,
    tools: tools::Tools,
) -> std::io::Result<ServerHandle> {
    let addr = listener.local_addr()?;
    let (backend, leases) = shared_store::open(&config)?;
    let store = TaskStore::new(backend, RandomIds, config.store.clone());
    let endpoint = Endpoint::new(endpoint_config(&config, &tools), Receiver::new(store));
    let shared = Shared::new(config, endpoint, tools, leases);
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, shared, stopped));
    Ok(ServerHandle { addr, stop, task })
}

/// The endpoint's configuration: the server's limits and timers, and the registered
/// tools. Every tool decides before its task starts, since any [`Tool::before_task`] may
/// depend on the call's arguments; in task-tools mode the control tools' words answer a
/// plain call that started a task.
///
/// [`Tool::before_task`]: super::Tool::before_task
fn endpoint_config(config: &Config, tools: &tools::Tools) -> endpoint::Config {
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    endpoint::Config {
        allowed_origins: config.allowed_origins.clone(),
        max_body_bytes: config.max_body_bytes,
        session_idle_ms: ms(config.session_idle),
        sweep_interval_ms: ms(config.sweep_interval),
        keepalive_ms: ms(config.keepalive),
        sse_retry_ms: ms(config.sse_retry),
        max_sessions: config.max_sessions,
        max_authorization_bytes: config.max_authorization_bytes,
        max_stream_backlog_bytes: config.max_stream_backlog_bytes,
        stream_max_age_ms: ms(config.stream_max_age),
        instructions: tools::instructions(config.task_tools),
        tools: tools
            .list(true, config.task_tools)
            .into_iter()
            .map(|t| ToolDescriptor::new(t).deciding_before_task())
            .collect(),
        plain_calls_as_tasks: config.task_tools.then(|| TaskHandleAnswer::new(control::started)),
        input_by_capability: config.task_tools,
        shared_sessions: config.store_url.is_some(),
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
    let follow =
        shared.shared_store.clone().map(|l| tokio::spawn(shared_store::follow(shared.clone(), l)));
    let max = shared.config.max_connections;
    let places = Arc::new(Semaphore::new(max));
    let refusing = Arc::new(Semaphore::new(conn::REFUSING));
    let deadlines = Deadlines {
        header_read: shared.config.header_read_timeout,
        idle: shared.config.idle_timeout,
        write: shared.config.write_timeout,
    };
    // hyper's own head timer runs from when a connection waits for a request, so it bounds
    // the idle wait and the head together: a backstop behind the finer deadlines.
    let backstop = (!deadlines.header_read.is_zero() && !deadlines.idle.is_zero())
        .then(|| deadlines.header_read.saturating_add(deadlines.idle));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let Ok(place) = places.clone().try_acquire_owned() else {
                    if let Ok(refusal) = refusing.clone().try_acquire_owned() {
                        tokio::spawn(conn::refuse(stream, max, refusal));
                    }
                    continue;
                };
                let shared = shared.clone();
                let in_flight = InFlight::default();
                let io = Guarded::new(stream, deadlines, in_flight.clone());
                let service = service_fn(move |req| {
                    let shared = shared.clone();
                    let busy = in_flight.start();
                    async move { Ok::<_, Infallible>(route(&shared, req, peer.ip(), busy).await) }
                });
                let conn = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(backstop)
                    .serve_connection(TokioIo::new(io), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(place);
                });
            }
            _ = stopped.changed() => break,
        }
    }
    drop(listener);
    timers.abort();
    if let Some(follow) = follow {
        follow.abort();
    }
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

/// Answers one request; `busy` counts it as in flight on its connection until its
/// response body is done.
async fn route(
    shared: &Arc<Shared>,
    req: Request<Incoming>,
    peer: IpAddr,
    busy: Busy,
) -> Response<Tracked> {
    answer(shared, req, peer).await.map(|body| Tracked { body, _busy: busy })
}

async fn answer(shared: &Arc<Shared>, req: Request<Incoming>, peer: IpAddr) -> Response<Body> {
    let path = req.uri().path().to_owned();
    if path != "/mcp" && path != "/mcp/" {
        return statics::serve(&shared.config, req.method(), &path).await;
    }
    let (parts, body) = req.into_parts();
    // One byte past the cap is enough for the endpoint to refuse the body.
    let read = Limited::new(body, shared.config.max_body_bytes + 1).collect();
    let limit = shared.config.body_read_timeout;
    let read =
        if limit.is_zero() { Ok(read.await) } else { tokio::time::timeout(limit, read).await };
    let body = match read {
        Ok(Ok(collected)) => collected.to_bytes().to_vec(),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            vec![b' '; shared.config.max_body_bytes + 1]
        }
        Ok(Err(_)) => return http::text(StatusCode::BAD_REQUEST, "could not read the body"),
        Err(_) => {
            let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
            let message =
                format!("Request Timeout: the body did not arrive within the limit of {ms} ms");
            return http::refusal(StatusCode::REQUEST_TIMEOUT, &message, "body_read_timeout", ms);
        }
    };
    let headers: Headers = parts
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let method = HttpMethod::parse(parts.method.as_str());
    // The request's credentials go no further than the endpoint, which keeps a digest of
    // them: not kept here while the answer is awaited (a whole tool run for a plain call).
    drop(parts);
    let request = endpoint::Request { method, path, headers, body, peer: Some(peer) };
    if let (Some(store), Some(session)) =
        (&shared.shared_store, request.headers.get("mcp-session-id"))
    {
        shared_store::before_request(shared, store.as_ref(), session);
    }
    let (response, (head, rx)) = {
        let mut st = shared.lock();
        let now = st.now();
        let response = st.endpoint().handle_request(now, request);
        let reading = st.open(response);
        st.flush();
        if let Some(store) = &shared.shared_store {
            shared_store::publish_sessions(&mut st, store.as_ref(), shared.config.session_idle);
        }
        call::dispatch(shared, st);
        (response, reading)
    };
    // Dropped with this future (the client left) or with the body it becomes.
    let open = Open { shared: Arc::downgrade(shared), response };
    match head.await {
        Ok(head) => http::response(head, rx, open),
        Err(_) => http::text(StatusCode::INTERNAL_SERVER_ERROR, "the response was lost"),
    }
}
