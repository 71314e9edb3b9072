//! The Streamable HTTP endpoint, sans-IO: both generations at one path, over a
//! [`Receiver`].
//!
//! The driving contract is the requestor engine's. Inputs carry the time:
//! [`Endpoint::handle_request`] (a whole request), [`Endpoint::handle_tool_report`] (what
//! tool work says), [`Endpoint::handle_before_task`] (what a tool needs before its task),
//! [`Endpoint::stream_closed`] (a client went away), [`Endpoint::handle_sent`] (bytes of a
//! streaming response reached the connection) and [`Endpoint::handle_timeout`]. After
//! every input, drain [`Endpoint::poll_output`] — response heads, body bytes (JSON or SSE
//! frames), response ends, and commands to start or stop tool work — and sleep until
//! [`Endpoint::poll_timeout`]. A driver moves bytes and time only; it never looks inside
//! them. Every `tools/call` is decided here; the driver only runs the tool code it is
//! told to.
//!
//! The endpoint owns 2025-11-25 sessions (ids, idle expiry, resumable streams with event
//! ids and `Last-Event-ID` replay, held `tasks/result`, the GET stream, server→client input
//! requests), 2026-07-28 stateless requests (header and `_meta` checks,
//! `subscriptions/listen`), `Origin` and CORS decisions, and the limits a peer can run into
//! (body size, session count, `Authorization` size, stream backlog and age; see
//! [`Config`]). The driver passes the caller's address with each [`Request`], which tells
//! anonymous 2026-07-28 callers apart.

mod calls;
mod config;
mod extension;
mod hosted;
mod hosting;
mod legacy;
mod limits;
mod listen;
mod owner;
mod pending;
mod post;
mod route;
mod session;
mod sessions;
mod shared;
#[cfg(test)]
mod tests;
mod tools;
mod types;
mod wire;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

pub use config::{Config, Generations, TaskHandleAnswer, ToolDescriptor};
pub use hosted::ClientTaskError;
pub use owner::{ANONYMOUS_OWNER, is_anonymous};
pub use shared::SharedSession;
pub use types::{
    BeforeTaskAnswer, HttpMethod, Output, ReportError, Request, ResponseId, StartTool, ToolReport,
    WorkId,
};

use crate::id::{IdSource, RandomIds, TaskId};
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::meta::EXTENSION_PROTOCOL_VERSION;
use crate::receiver::Receiver;
use crate::store::{Backend, MemoryBackend};
use crate::time::UnixMillis;
use hosted::Follows;
use listen::Listeners;
use pending::Pendings;
use route::Held;
use sessions::Sessions;
use tools::Running;
use wire::Out;

/// What an open streaming response carries, so that a client going away is noticed where
/// it matters.
#[derive(Debug, Clone, PartialEq)]
enum Reading {
    /// A stream of a 2025-11-25 session.
    Session(String),
    /// A `subscriptions/listen` stream.
    Listen(u64),
    /// A plain call's answer that cannot be resumed.
    Call(u64),
}

/// The Streamable HTTP endpoint. See the [module docs](self).
pub struct Endpoint<B = MemoryBackend, I = RandomIds> {
    config: Config,
    receiver: Receiver<B, I>,
    session_ids: Box<dyn IdSource + Send>,
    out: Out,
    next_response: u64,
    next_call: u64,
    next_request: u64,
    next_sweep: Option<UnixMillis>,
    sessions: Sessions,
    readers: BTreeMap<ResponseId, Reading>,
    held: BTreeMap<TaskId, Vec<Held>>,
    pending: Pendings,
    /// The tasks clients host for questions asked here, followed until they end.
    follows: Follows,
    listeners: Listeners,
    running: BTreeMap<WorkId, Running>,
    /// Calls waiting for their tool's decision before a task ([`Output::BeforeTask`]).
    deciding: BTreeMap<ResponseId, calls::Call>,
    /// With [`Config::shared_sessions`], the sessions opened and ended here since the
    /// embedder last published them.
    shared: shared::Changes,
}

impl<B, I> fmt::Debug for Endpoint<B, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("sessions", &self.sessions.len())
            .field("open_streams", &self.readers.len())
            .field("running", &self.running.len())
            .finish_non_exhaustive()
    }
}

impl<B: Backend, I: IdSource> Endpoint<B, I> {
    /// An endpoint serving `config`'s tools over `receiver`, with random session ids.
    pub fn new(config: Config, receiver: Receiver<B, I>) -> Self {
        let out = Out::new(config.max_stream_backlog_bytes, config.stream_max_age_ms);
        Self {
            config,
            receiver,
            session_ids: Box::new(RandomIds),
            out,
            next_response: 0,
            next_call: 0,
            next_request: 0,
            next_sweep: None,
            sessions: Sessions::default(),
            readers: BTreeMap::new(),
            held: BTreeMap::new(),
            pending: Pendings::default(),
            follows: Follows::default(),
            listeners: Listeners::default(),
            running: BTreeMap::new(),
            deciding: BTreeMap::new(),
            shared: shared::Changes::default(),
        }
    }

    /// Mints session ids from `ids` instead (predictable ones for tests).
    pub fn with_session_ids(mut self, ids: impl IdSource + Send + 'static) -> Self {
        self.session_ids = Box::new(ids);
        self
    }

    /// The tasks a client here waits to hear about: those of open listen streams, of held
    /// `tasks/result` calls, and those a 2025-11-25 session with its GET stream here has
    /// named. With a store other servers share, a change they make is seen only by
    /// reading it: pass it on with [`Receiver::announce`].
    pub fn followed_tasks(&self) -> Vec<TaskId> {
        let mut tasks: std::collections::BTreeSet<TaskId> =
            self.listeners.followed().cloned().collect();
        tasks.extend(self.held.keys().cloned());
        for id in self.sessions.keys() {
            if let Some(s) = self.sessions.get(id).filter(|s| s.has_get_stream()) {
                tasks.extend(s.named_tasks().cloned());
            }
        }
        tasks.into_iter().collect()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The configuration, for switches that may change while serving
    /// ([`Config::notification_streams`], [`Config::stream_answers`]).
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// The receiver, for reads.
    pub fn receiver(&self) -> &Receiver<B, I> {
        &self.receiver
    }

    /// The receiver, for maintenance and for work the embedder reports on directly; call
    /// [`drain_events`](Self::drain_events) after changing it.
    pub fn receiver_mut(&mut self) -> &mut Receiver<B, I> {
        &mut self.receiver
    }

    /// Acts on what the receiver queued (status changes, questions, ends) after the
    /// embedder changed it through [`receiver_mut`](Self::receiver_mut).
    pub fn drain_events(&mut self, now: UnixMillis) {
        self.route_events(now);
    }

    /// The answers task work's questions received so far, by key (taken: each comes
    /// once).
    pub fn take_answers(
        &mut self,
        now: UnixMillis,
        work: &WorkId,
    ) -> Result<crate::task::InputAnswers, ReportError> {
        let WorkId::Task(task) = work else {
            return Err(ReportError::NotForThisWork(work.clone()));
        };
        Ok(self.receiver.work(task).answers(now)?)
    }

    /// Takes a tool's decision on a call handed out as [`Output::BeforeTask`]: the call
    /// goes on as any other (a task, or a plain run), or is answered `input_required`.
    /// False when the call no longer waits (its client went away, or it was decided).
    pub fn handle_before_task(
        &mut self,
        now: UnixMillis,
        call: ResponseId,
        answer: BeforeTaskAnswer,
    ) -> bool {
        let Some(waiting) = self.deciding.remove(&call) else {
            return false;
        };
        self.decided(now, waiting, answer);
        self.route_events(now);
        true
    }

    /// Sends a message about task `task` (a progress notification, say) where session
    /// `session`'s client reads about it: the task's held `tasks/result` stream, else the
    /// GET stream. Dropped when no client reads there.
    pub fn send_task_message(
        &mut self,
        now: UnixMillis,
        session: &str,
        task: &TaskId,
        msg: &Value,
    ) {
        let _ = self.route_notice(now, session, task, msg);
    }

    /// Forgets the server→client request that carried question `key` of task `task`, once
    /// the embedder got its answer another way: a stream opened later does not ask again,
    /// and a late client response is not taken for it.
    pub fn forget_input(&mut self, task: &TaskId, key: &str) {
        self.pending.remove_question(task, key);
        self.follows.remove(&(task.clone(), key.to_owned()));
    }

    /// Takes one HTTP request. Its response (and whatever else it causes) comes out of
    /// [`poll_output`](Self::poll_output) under the returned id.
    pub fn handle_request(&mut self, now: UnixMillis, request: Request) -> ResponseId {
        self.next_response += 1;
        let response = ResponseId(self.next_response);
        self.start_sweeps(now);
        let origin = request.headers.get("origin").map(str::to_owned);
        let path = request.path.strip_suffix('/').unwrap_or(&request.path);
        if path != self.config.path.strip_suffix('/').unwrap_or(&self.config.path) {
            self.out.begin(response, None);
            self.out.text(response, 404, "not found", Headers::new());
            return response;
        }
        if !wire::origin_allowed(origin.as_deref(), &self.config.allowed_origins) {
            self.out.begin(response, None);
            self.out.fail(response, 403, ErrorCode::SERVER_ERROR, "Forbidden: origin not allowed");
            return response;
        }
        self.out.begin(response, origin);
        if let Err(refusal) = limits::check_authorization(&request.headers, &self.config) {
            let id = limits::request_id(&request.body, &self.config);
            refusal.send(&mut self.out, response, id);
            return response;
        }
        match request.method {
            HttpMethod::Options => {
                self.out.whole(response, 204, wire::preflight_headers(), Vec::new());
            }
            HttpMethod::Post => self.post(now, response, &request),
            HttpMethod::Get | HttpMethod::Delete if self.is_extension_header(&request.headers) => {
                self.method_not_allowed(response)
            }
            HttpMethod::Get => self.get(now, response, &request.headers),
            HttpMethod::Delete => self.delete(now, response, &request.headers),
            HttpMethod::Other(_) => self.method_not_allowed(response),
        }
        self.route_events(now);
        response
    }

    /// The client went away from `response` (or the driver gave up on it): nothing more
    /// is written there. A 2025-11-25 stream stays resumable; a plain call whose answer
    /// can no longer be delivered is cancelled.
    pub fn stream_closed(&mut self, now: UnixMillis, response: ResponseId) {
        self.out.closed(response);
        self.deciding.remove(&response);
        match self.readers.remove(&response) {
            Some(Reading::Session(id)) => {
                if let Some(s) = self.sessions.get_mut(&id) {
                    s.detach(response);
                }
                self.sessions.touch(&id, now);
            }
            Some(Reading::Listen(key)) => self.listeners.drop_listener(key),
            Some(Reading::Call(n)) => self.cancel_call(n),
            None => {
                // Plain calls only: tasks (which sort first) never answer on a response.
                let mut calls = self.running.range(WorkId::Call(0)..);
                let waiting = calls.find_map(|(work, r)| match work {
                    WorkId::Call(n) if r.answers_on(response) => Some(*n),
                    _ => None,
                });
                if let Some(n) = waiting {
                    self.cancel_call(n);
                }
            }
        }
        self.route_events(now);
    }

    /// Takes a report from tool work. For [`ToolReport::Ask`] it returns the question's
    /// key, which [`take_answers`](Self::take_answers) later gives its answer under.
    pub fn handle_tool_report(
        &mut self,
        now: UnixMillis,
        work: &WorkId,
        report: ToolReport,
    ) -> Result<Option<String>, ReportError> {
        self.start_sweeps(now);
        let result = self.report(now, work, report);
        self.route_events(now);
        result
    }

    /// The driver sent `bytes` more of `response`'s body on to its client: a stream is
    /// that much less behind ([`Config::max_stream_backlog_bytes`]). A driver reports the
    /// bytes of every [`Output::Body`] of a streaming response as its connection takes
    /// them; one that writes synchronously reports each at once.
    pub fn handle_sent(&mut self, response: ResponseId, bytes: usize) {
        self.out.sent(response, bytes);
    }

    /// Time passed: expired tasks and idle sessions go, session streams open for
    /// [`Config::stream_max_age_ms`] are ended for their clients to resume, quiet streams
    /// get keep-alives, and the tasks clients host for questions are polled when due.
    pub fn handle_timeout(&mut self, now: UnixMillis) {
        self.start_sweeps(now);
        if self.next_sweep.is_some_and(|t| t <= now) {
            let _ = self.receiver.store().sweep(now, 1000);
            self.recycle_streams(now);
            self.expire_sessions(now);
            self.next_sweep = Some(now.saturating_add(self.config.sweep_interval_ms.max(1)));
        }
        self.out.keepalives(now, self.config.keepalive_ms);
        self.poll_client_tasks(now);
        self.route_events(now);
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due.
    pub fn poll_timeout(&self) -> Option<UnixMillis> {
        let keepalive = self.out.next_keepalive(self.config.keepalive_ms);
        [self.next_sweep, keepalive, self.follows.next_due()].into_iter().flatten().min()
    }

    /// Takes over the work of task `task` that outlived the endpoint that started it (a
    /// durable store, a restarted process): its reports are taken here from now on. False
    /// when the store has no such live task.
    pub fn adopt_task(&mut self, now: UnixMillis, task: &TaskId) -> bool {
        let live = self
            .receiver
            .store()
            .peek(task, now)
            .is_ok_and(|record| !record.task().status().is_terminal());
        if live {
            self.running.insert(WorkId::Task(task.clone()), Running::adopted());
        }
        self.route_events(now);
        live
    }

    /// The ids of the open 2025-11-25 sessions.
    pub fn session_ids(&self) -> impl Iterator<Item = &str> {
        self.sessions.keys().map(String::as_str)
    }

    /// Ends a session as if it had gone idle: its streams end, its tasks are deleted and
    /// their work cancelled. False when there is no such session.
    pub fn close_session(&mut self, now: UnixMillis, id: &str) -> bool {
        let closed = self.end_session(id);
        self.route_events(now);
        closed
    }

    /// The open notification streams (session GET streams and listen streams).
    pub fn notification_streams(&self) -> Vec<ResponseId> {
        let mut all: Vec<ResponseId> = self
            .readers
            .iter()
            .filter(|(r, reading)| match reading {
                Reading::Listen(_) => true,
                Reading::Session(s) => self.sessions.get(s).is_some_and(|s| s.reads_get(**r)),
                Reading::Call(_) => false,
            })
            .map(|(r, _)| *r)
            .collect();
        all.sort();
        all
    }

    /// Ends every open response (the server stops): held `tasks/result` and running plain
    /// calls are answered with a -32603 error first, listen streams end gracefully.
    pub fn close_all(&mut self, now: UnixMillis) {
        let stopping = ErrorObject::new(ErrorCode::INTERNAL_ERROR, "server shutting down");
        self.refuse_held(now, &stopping);
        self.refuse_calls(now, &stopping);
        for s in self.sessions.values_mut() {
            let _ = s.close_streams(&mut self.out);
        }
        self.listeners.close_all(&mut self.out);
        let open: Vec<ResponseId> = self.readers.keys().copied().collect();
        for r in open {
            self.out.end(r);
        }
        self.readers.clear();
        self.route_events(now);
    }

    /// Ends the session streams whose time is up; the session stays (see
    /// [`Config::stream_max_age_ms`]).
    fn recycle_streams(&mut self, now: UnixMillis) {
        for response in self.out.aged(now) {
            if let Some(Reading::Session(id)) = self.readers.get(&response) {
                if let Some(s) = self.sessions.get_mut(id) {
                    s.recycle(&mut self.out, response);
                }
            }
        }
    }

    fn start_sweeps(&mut self, now: UnixMillis) {
        if self.next_sweep.is_none() {
            self.next_sweep = Some(now.saturating_add(self.config.sweep_interval_ms.max(1)));
        }
    }

    fn method_not_allowed(&mut self, response: ResponseId) {
        let mut h = Headers::new();
        h.push("Allow", "GET, POST, DELETE, OPTIONS");
        self.out.text(response, 405, "method not allowed", h);
    }

    /// A GET or DELETE in the 2026-07-28 style: no session, the new version header.
    fn is_extension_header(&self, headers: &Headers) -> bool {
        self.config.generations == Generations::Extension
            || (headers.get("mcp-session-id").is_none()
                && headers.get("mcp-protocol-version") == Some(EXTENSION_PROTOCOL_VERSION))
    }
}
