//! A small Streamable HTTP server around the in-process receiver: sessions and resumable
//! SSE streams for 2025-11-25, stateless routing-checked POSTs for 2026-07-28, simulated
//! tool work on the virtual clock, and injected 5xx / 429 answers.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use mcp_tasks::id::{CounterIds, TaskId};
use mcp_tasks::protocol::extension::{
    DetailedTask, GetTaskResult, TaskStatusNotification, decode_header_value,
};
use mcp_tasks::protocol::http::{Headers, HttpRequest, Method, ResponseHead};
use mcp_tasks::protocol::jsonrpc::{
    ErrorCode, ErrorObject, ErrorResponse, Message, RequestId, ResultResponse,
};
use mcp_tasks::protocol::legacy::{TaskStatusNotificationParams, WireShape, set_related_task};
use mcp_tasks::protocol::sse::encode_event;
use mcp_tasks::receiver::{Caller, Event, Receiver, Reply, TaskSupport, ToolCallPlan};
use mcp_tasks::store::{MemoryBackend, Owner, StoreConfig, TaskStore};
use mcp_tasks::task::{Generation, InputRequest};
use mcp_tasks::time::UnixMillis;
use serde_json::{Map, Value, json};

use super::SimRng;

/// A backend that survives a server restart when the server is "durable": the store's
/// shared handle.
pub type Shared = Rc<RefCell<MemoryBackend>>;

/// Which generations the server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 2025-11-25 only; `server/discover` gets the TypeScript SDK's 400 "no session".
    Legacy,
    /// 2026-07-28 only.
    Extension,
    /// Both, chosen per request.
    Dual,
}

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub mode: Mode,
    pub durable: bool,
    pub poll_interval_ms: u64,
    pub default_ttl_ms: u64,
    /// Chance that a 2025-11-25 answer is an SSE stream rather than JSON.
    pub sse_rate: f64,
    pub fail_5xx: f64,
    pub rate_429: f64,
    pub retry_after_s: u64,
    /// Serve `subscriptions/listen` (extension) and the GET stream (legacy).
    pub streams: bool,
    /// Open a listen stream with each task's current status after the acknowledgement.
    pub listen_snapshot: bool,
}

impl ServerConfig {
    pub fn clean(mode: Mode) -> Self {
        Self {
            mode,
            durable: true,
            poll_interval_ms: 500,
            default_ttl_ms: 3_600_000,
            sse_rate: 0.0,
            fail_5xx: 0.0,
            rate_429: 0.0,
            retry_after_s: 1,
            streams: true,
            listen_snapshot: true,
        }
    }
}

/// What the server sends on an exchange.
#[derive(Clone, Debug)]
pub enum Frame {
    Head(ResponseHead),
    Chunk(Vec<u8>),
    End,
}

/// What a tool call asks the simulated work to do (from its arguments).
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub ms: u64,
    pub steps: u64,
    pub input: bool,
    pub fail: Option<String>,
}

impl Plan {
    fn from_args(args: &Map<String, Value>) -> Self {
        Self {
            ms: args.get("ms").and_then(Value::as_u64).unwrap_or(1000),
            steps: args.get("steps").and_then(Value::as_u64).unwrap_or(0),
            input: args.get("input").and_then(Value::as_bool).unwrap_or(false),
            fail: args.get("fail").and_then(Value::as_str).map(str::to_owned),
        }
    }

    fn result(&self, tag: &str) -> Result<Map<String, Value>, ErrorObject> {
        match self.fail.as_deref() {
            Some("rpc") => Err(ErrorObject::new(ErrorCode::INTERNAL_ERROR, format!("boom {tag}"))),
            Some("tool") => Ok(obj(
                json!({"content":[{"type":"text","text":format!("failed {tag}")}],"isError":true}),
            )),
            _ => Ok(obj(json!({"content":[{"type":"text","text":format!("done {tag}")}]}))),
        }
    }
}

struct Job {
    plan: Plan,
    tag: String,
    session: Option<String>,
    generation: Generation,
    /// Work left after the current wait, in ms.
    remaining: u64,
    next_at: Option<UnixMillis>,
    steps_done: u64,
    asked: bool,
    waiting: bool,
    token: Option<Value>,
}

/// A plain (non-task) call of the slow tool, answered when its work ends.
struct PlainCall {
    at: UnixMillis,
    rpc: RequestId,
    plan: Plan,
    tag: String,
    /// The SSE stream it answers on, or the JSON exchange.
    stream: Option<u64>,
    exchange: mcp_tasks::protocol::http::ExchangeId,
}

#[derive(Debug)]
enum StreamKind {
    Post,
    Get,
    Result { task: TaskId, rpc: RequestId },
    Listen { tasks: BTreeSet<TaskId>, rpc: RequestId },
}

struct Stream {
    session: Option<String>,
    exchange: Option<mcp_tasks::protocol::http::ExchangeId>,
    seq: u64,
    log: Vec<(u64, Vec<u8>)>,
    kind: StreamKind,
    done: bool,
    /// When it ended; ended streams are kept a while for replay.
    done_at: Option<UnixMillis>,
}

/// The server.
pub struct Server {
    pub cfg: ServerConfig,
    rng: SimRng,
    epoch: u32,
    backend: Shared,
    receiver: Receiver<Shared, CounterIds>,
    sessions: BTreeSet<String>,
    session_get: BTreeMap<String, u64>,
    streams: BTreeMap<u64, Stream>,
    by_exchange: BTreeMap<mcp_tasks::protocol::http::ExchangeId, u64>,
    jobs: BTreeMap<TaskId, Job>,
    /// Job wake-ups; entries whose job moved on are skipped.
    due: BTreeSet<(UnixMillis, TaskId)>,
    plain: Vec<PlainCall>,
    /// Input requests sent and not yet answered: (session, request id) → (task, key, message).
    pending: BTreeMap<(String, String), (TaskId, String, Value)>,
    outbox: BTreeMap<TaskId, Vec<Value>>,
    next_stream: u64,
    next_session: u64,
    next_request: u64,
    next_sweep: UnixMillis,
    out: Vec<(mcp_tasks::protocol::http::ExchangeId, Frame)>,
    /// When each task was created and finished, by the tag of its call.
    pub created: BTreeMap<String, UnixMillis>,
    pub finished: BTreeMap<String, UnixMillis>,
    pub tag_of: BTreeMap<TaskId, String>,
    pub requests_seen: u64,
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

const ANON: &str = "ext:anon";

impl Server {
    pub fn new(cfg: ServerConfig, seed: u64) -> Self {
        let backend = Shared::default();
        let receiver = Self::receiver(&cfg, backend.clone(), 0);
        Self {
            cfg,
            rng: SimRng::new(seed ^ 0x5e12_7e12),
            epoch: 0,
            backend,
            receiver,
            sessions: BTreeSet::new(),
            session_get: BTreeMap::new(),
            streams: BTreeMap::new(),
            by_exchange: BTreeMap::new(),
            jobs: BTreeMap::new(),
            due: BTreeSet::new(),
            plain: Vec::new(),
            pending: BTreeMap::new(),
            outbox: BTreeMap::new(),
            next_stream: 0,
            next_session: 0,
            next_request: 0,
            next_sweep: UnixMillis(0),
            out: Vec::new(),
            created: BTreeMap::new(),
            finished: BTreeMap::new(),
            tag_of: BTreeMap::new(),
            requests_seen: 0,
        }
    }

    fn receiver(cfg: &ServerConfig, backend: Shared, epoch: u32) -> Receiver<Shared, CounterIds> {
        let store_cfg = StoreConfig {
            max_ttl_ms: Some(24 * 3_600_000),
            default_ttl_ms: Some(cfg.default_ttl_ms),
            poll_interval_ms: Some(cfg.poll_interval_ms),
            max_live_per_owner: 1_000_000,
            page_size: 50,
        };
        Receiver::new(TaskStore::new(backend, CounterIds::new(format!("r{epoch}-task")), store_cfg))
    }

    /// Takes what the server sent since the last call.
    pub fn take_out(&mut self) -> Vec<(mcp_tasks::protocol::http::ExchangeId, Frame)> {
        std::mem::take(&mut self.out)
    }

    /// When the server next needs [`Server::tick`].
    pub fn next_tick(&mut self) -> Option<UnixMillis> {
        while let Some((t, id)) = self.due.first().cloned() {
            if self.jobs.get(&id).and_then(|j| j.next_at) == Some(t) {
                break;
            }
            self.due.pop_first();
        }
        let jobs = self.due.first().map(|(t, _)| *t);
        let plain = self.plain.iter().map(|p| p.at).min();
        [jobs, plain].into_iter().flatten().min()
    }

    /// Records that job `id` wants to run at its `next_at`.
    fn note(&mut self, id: &TaskId) {
        if let Some(t) = self.jobs.get(id).and_then(|j| j.next_at) {
            self.due.insert((t, id.clone()));
        }
    }

    /// Forgets a 2025-11-25 session (as a server may at any time).
    pub fn drop_session(&mut self) -> bool {
        let Some(s) = self.sessions.iter().next().cloned() else { return false };
        self.sessions.remove(&s);
        self.session_get.remove(&s);
        let ids: Vec<u64> = self
            .streams
            .iter()
            .filter(|(_, st)| st.session.as_deref() == Some(&s))
            .map(|(i, _)| *i)
            .collect();
        for id in ids {
            self.close_stream(id);
        }
        true
    }

    /// Restarts: sessions and streams are gone; tasks and their work survive only when
    /// the store is durable.
    pub fn restart(&mut self) {
        self.epoch += 1;
        self.sessions.clear();
        self.session_get.clear();
        let ids: Vec<u64> = self.streams.keys().copied().collect();
        for id in ids {
            self.close_stream(id);
        }
        self.streams.clear();
        self.by_exchange.clear();
        self.pending.clear();
        self.outbox.clear();
        for p in std::mem::take(&mut self.plain) {
            self.out.push((p.exchange, Frame::End));
        }
        if !self.cfg.durable {
            self.backend = Shared::default();
            self.jobs.clear();
        }
        self.receiver = Self::receiver(&self.cfg, self.backend.clone(), self.epoch);
    }

    /// The client dropped (or the network cut) an exchange.
    pub fn detach(&mut self, exchange: mcp_tasks::protocol::http::ExchangeId) {
        if let Some(id) = self.by_exchange.remove(&exchange) {
            if let Some(st) = self.streams.get_mut(&id) {
                st.exchange = None;
                if matches!(st.kind, StreamKind::Listen { .. } | StreamKind::Result { .. }) {
                    st.done = true;
                }
            }
        }
        // A 2026-07-28 client closing a plain call's response cancels the call.
        self.plain.retain(|p| p.exchange != exchange || p.stream.is_some());
    }

    /// The exchanges of the open notification streams (GET and listen), which the
    /// network is about to cut: the server forgets them as a client that went away.
    pub fn cut_notification_streams(&mut self) -> Vec<mcp_tasks::protocol::http::ExchangeId> {
        let cut: Vec<_> = self
            .streams
            .values()
            .filter(|st| matches!(st.kind, StreamKind::Get | StreamKind::Listen { .. }))
            .filter_map(|st| st.exchange)
            .collect();
        for x in &cut {
            self.detach(*x);
        }
        cut
    }

    /// Every connection closed (the client process went away).
    pub fn detach_all(&mut self) {
        let all: Vec<_> = self.by_exchange.keys().copied().collect();
        for x in all {
            self.detach(x);
        }
        self.plain.clear();
        self.out.clear();
    }

    fn close_stream(&mut self, id: u64) {
        if let Some(st) = self.streams.get_mut(&id) {
            st.done = true;
            if let Some(x) = st.exchange.take() {
                self.by_exchange.remove(&x);
                self.out.push((x, Frame::End));
            }
        }
    }

    fn respond_json(
        &mut self,
        x: mcp_tasks::protocol::http::ExchangeId,
        status: u16,
        body: &Value,
        headers: &[(&str, String)],
    ) {
        let mut h = Headers::new();
        h.push("Content-Type", "application/json");
        for (k, v) in headers {
            h.push(*k, v.clone());
        }
        self.out.push((x, Frame::Head(ResponseHead { status, headers: h })));
        self.out.push((x, Frame::Chunk(serde_json::to_vec(body).unwrap_or_default())));
        self.out.push((x, Frame::End));
    }

    fn respond_empty(&mut self, x: mcp_tasks::protocol::http::ExchangeId, status: u16) {
        self.out.push((x, Frame::Head(ResponseHead { status, headers: Headers::new() })));
        self.out.push((x, Frame::End));
    }

    fn rpc_error(
        &mut self,
        x: mcp_tasks::protocol::http::ExchangeId,
        status: u16,
        id: Option<RequestId>,
        code: ErrorCode,
        msg: &str,
    ) {
        let body = Message::Error(ErrorResponse::new(id, ErrorObject::new(code, msg))).to_value();
        self.respond_json(x, status, &body, &[]);
    }

    /// Opens an SSE stream on exchange `x` with a priming event.
    fn open_stream(
        &mut self,
        x: mcp_tasks::protocol::http::ExchangeId,
        session: Option<String>,
        kind: StreamKind,
        headers: &[(&str, String)],
    ) -> u64 {
        self.next_stream += 1;
        let id = self.next_stream;
        let mut h = Headers::new();
        h.push("Content-Type", "text/event-stream");
        for (k, v) in headers {
            h.push(*k, v.clone());
        }
        self.out.push((x, Frame::Head(ResponseHead { status: 200, headers: h })));
        self.streams.insert(
            id,
            Stream {
                session,
                exchange: Some(x),
                seq: 0,
                log: Vec::new(),
                kind,
                done: false,
                done_at: None,
            },
        );
        self.by_exchange.insert(x, id);
        let prime = format!("id: {id}-0\nretry: 300\ndata:\n\n").into_bytes();
        self.out.push((x, Frame::Chunk(prime)));
        id
    }

    /// Sends `msg` on stream `id` (kept for replay).
    fn push(&mut self, id: u64, msg: &Value) {
        let Some(st) = self.streams.get_mut(&id) else { return };
        st.seq += 1;
        let data = serde_json::to_string(msg).unwrap_or_default();
        let frame = encode_event(Some("message"), Some(&format!("{id}-{}", st.seq)), &data)
            .unwrap_or_default()
            .into_bytes();
        st.log.push((st.seq, frame.clone()));
        if st.log.len() > 64 {
            st.log.remove(0);
        }
        if let Some(x) = st.exchange {
            self.out.push((x, Frame::Chunk(frame)));
        }
    }

    fn end_stream(&mut self, id: u64) {
        if let Some(st) = self.streams.get_mut(&id) {
            st.done = true;
            if let Some(x) = st.exchange.take() {
                self.by_exchange.remove(&x);
                self.out.push((x, Frame::End));
            }
        }
    }

    /// Answers `rpc` on exchange `x`, as JSON or as a one-event stream.
    fn answer(
        &mut self,
        x: mcp_tasks::protocol::http::ExchangeId,
        session: Option<String>,
        rpc: RequestId,
        outcome: Result<Map<String, Value>, ErrorObject>,
        sse: bool,
        headers: &[(&str, String)],
    ) {
        let msg = match outcome {
            Ok(r) => Message::Result(ResultResponse::new(rpc, r)).to_value(),
            Err(e) => Message::Error(ErrorResponse::new(Some(rpc), e)).to_value(),
        };
        if sse {
            let id = self.open_stream(x, session, StreamKind::Post, headers);
            self.push(id, &msg);
            self.end_stream(id);
        } else {
            self.respond_json(x, 200, &msg, headers);
        }
    }

    pub fn handle(&mut self, now: UnixMillis, req: &HttpRequest) {
        self.requests_seen += 1;
        let x = req.id;
        if self.rng.chance(self.cfg.fail_5xx) {
            let mut h = Headers::new();
            h.push("Content-Type", "text/plain");
            self.out.push((x, Frame::Head(ResponseHead { status: 503, headers: h })));
            self.out.push((x, Frame::Chunk(b"overloaded".to_vec())));
            self.out.push((x, Frame::End));
            return;
        }
        if self.rng.chance(self.cfg.rate_429) {
            let mut h = Headers::new();
            h.push("Retry-After", self.cfg.retry_after_s.to_string());
            self.out.push((x, Frame::Head(ResponseHead { status: 429, headers: h })));
            self.out.push((x, Frame::End));
            return;
        }
        match req.method {
            Method::Get => self.get(req),
            Method::Delete => {
                let s = req.headers.get("mcp-session-id").map(str::to_owned);
                match s {
                    Some(s) if self.sessions.remove(&s) => self.respond_empty(x, 200),
                    _ => self.respond_empty(x, 404),
                }
            }
            Method::Post => self.post(now, req),
        }
        self.drain_events(now);
    }

    fn get(&mut self, req: &HttpRequest) {
        let x = req.id;
        let session = req.headers.get("mcp-session-id").map(str::to_owned);
        let Some(session) = session.filter(|s| self.sessions.contains(s)) else {
            if self.cfg.mode == Mode::Extension || req.headers.get("mcp-session-id").is_none() {
                return self.respond_empty(x, 405);
            }
            return self.rpc_error(x, 404, None, ErrorCode::SESSION_NOT_FOUND, "Session not found");
        };
        if let Some(last) = req.headers.get("last-event-id") {
            let parsed = last
                .split_once('-')
                .and_then(|(s, q)| Some((s.parse::<u64>().ok()?, q.parse::<u64>().ok()?)));
            if let Some((sid, seq)) = parsed {
                // A server that stopped offering the GET stream does not resume it either.
                let offered = |st: &&mut Stream| {
                    st.session.as_deref() == Some(&session)
                        && (self.cfg.streams || !matches!(st.kind, StreamKind::Get))
                };
                if let Some(st) = self.streams.get_mut(&sid).filter(offered) {
                    let replay: Vec<Vec<u8>> =
                        st.log.iter().filter(|(q, _)| *q > seq).map(|(_, f)| f.clone()).collect();
                    let done = st.done && !matches!(st.kind, StreamKind::Get);
                    if let Some(old) = st.exchange.replace(x) {
                        self.by_exchange.remove(&old);
                        self.out.push((old, Frame::End));
                    }
                    self.by_exchange.insert(x, sid);
                    let mut h = Headers::new();
                    h.push("Content-Type", "text/event-stream");
                    self.out.push((x, Frame::Head(ResponseHead { status: 200, headers: h })));
                    for f in replay {
                        self.out.push((x, Frame::Chunk(f)));
                    }
                    if done {
                        self.end_stream(sid);
                    }
                    return;
                }
            }
        }
        if !self.cfg.streams {
            return self.respond_empty(x, 405);
        }
        if let Some(old) = self.session_get.remove(&session) {
            self.close_stream(old);
        }
        let id = self.open_stream(x, Some(session.clone()), StreamKind::Get, &[]);
        self.session_get.insert(session, id);
    }

    fn post(&mut self, now: UnixMillis, req: &HttpRequest) {
        let x = req.id;
        let body = req.body.as_deref().unwrap_or("");
        let msg = match Message::from_slice(body.as_bytes()) {
            Ok(m) => m,
            Err(_) => return self.rpc_error(x, 400, None, ErrorCode::PARSE_ERROR, "Parse error"),
        };
        let (method, params) = match &msg {
            Message::Request(r) => (Some(r.method.as_str()), r.params.as_ref()),
            Message::Notification(n) => (Some(n.method.as_str()), n.params.as_ref()),
            _ => (None, None),
        };
        let modern = params
            .and_then(|p| p.get("_meta"))
            .and_then(|m| m.get("io.modelcontextprotocol/protocolVersion"))
            .is_some();
        let legacy_shaped =
            method == Some("initialize") || req.headers.get("mcp-session-id").is_some() || !modern;
        match self.cfg.mode {
            Mode::Extension if legacy_shaped => {
                let id = match &msg {
                    Message::Request(r) => Some(r.id.clone()),
                    _ => None,
                };
                self.rpc_error(
                    x,
                    400,
                    id,
                    ErrorCode::HEADER_MISMATCH,
                    "Header mismatch: MCP-Protocol-Version",
                )
            }
            Mode::Legacy | Mode::Dual if legacy_shaped => self.legacy_post(now, req, msg),
            Mode::Legacy => {
                // The TypeScript SDK's answer to anything but `initialize` without a session.
                self.rpc_error(
                    x,
                    400,
                    None,
                    ErrorCode::SERVER_ERROR,
                    "Bad Request: Mcp-Session-Id header is required",
                )
            }
            _ => self.extension_post(now, req, msg),
        }
    }

    fn legacy_post(&mut self, now: UnixMillis, req: &HttpRequest, msg: Message) {
        let x = req.id;
        let sse = self.rng.chance(self.cfg.sse_rate);
        if let Message::Request(r) = &msg {
            if r.method == "initialize" {
                self.next_session += 1;
                let session = format!("s{}-{}", self.epoch, self.next_session);
                self.sessions.insert(session.clone());
                let result = json!({"protocolVersion":"2025-11-25","capabilities":{
                    "tasks":{"list":{},"cancel":{},"requests":{"tools":{"call":{}}}},"tools":{}},
                    "serverInfo":{"name":"sim","version":"0"}});
                let h = [("Mcp-Session-Id", session.clone())];
                return self.answer(x, Some(session), r.id.clone(), Ok(obj(result)), sse, &h);
            }
        }
        let Some(session) = req.headers.get("mcp-session-id").map(str::to_owned) else {
            return self.rpc_error(
                x,
                400,
                None,
                ErrorCode::SERVER_ERROR,
                "Bad Request: Mcp-Session-Id header is required",
            );
        };
        if !self.sessions.contains(&session) {
            return self.rpc_error(x, 404, None, ErrorCode::SESSION_NOT_FOUND, "Session not found");
        }
        if req.headers.get("mcp-protocol-version") != Some("2025-11-25") {
            return self.rpc_error(
                x,
                400,
                None,
                ErrorCode::SERVER_ERROR,
                "Bad Request: protocol version",
            );
        }
        let caller = Caller::legacy(Owner::new(session.clone()));
        match msg {
            Message::Notification(_) => self.respond_empty(x, 202),
            Message::Result(res) => {
                let key = (session.clone(), serde_json::to_string(&res.id).unwrap_or_default());
                if let Some((task, k, _)) = self.pending.remove(&key) {
                    let _ = self.receiver.deliver_answer(&caller, &task, k, res.result, now);
                    self.wake_job(now, &task);
                }
                self.respond_empty(x, 202)
            }
            Message::Error(_) => self.respond_empty(x, 202),
            Message::Request(r) => {
                let params = r.params.clone().unwrap_or_default();
                match r.method.as_str() {
                    "tools/list" => {
                        let r2 = json!({"tools": tools(true)});
                        self.answer(x, Some(session), r.id, Ok(obj(r2)), sse, &[])
                    }
                    "tools/call" => {
                        self.tools_call(now, x, Some(session), &caller, r.id, params, sse)
                    }
                    m if m.starts_with("tasks/") => {
                        match self.receiver.handle(&caller, m, Some(&params), now) {
                            Some(Reply::Result(res)) => {
                                self.answer(x, Some(session), r.id, Ok(res), false, &[])
                            }
                            Some(Reply::Error(e)) => {
                                self.answer(x, Some(session), r.id, Err(e), false, &[])
                            }
                            Some(Reply::AwaitTerminal(task)) => {
                                let id = self.open_stream(
                                    x,
                                    Some(session.clone()),
                                    StreamKind::Result { task: task.clone(), rpc: r.id },
                                    &[],
                                );
                                // Questions still unanswered are asked again: one sent on a
                                // stream that broke would otherwise be lost.
                                let queued = self.outbox.remove(&task).unwrap_or_default();
                                let again: Vec<Value> = self
                                    .pending
                                    .iter()
                                    .filter(|((s, _), (t, _, _))| *s == session && *t == task)
                                    .map(|(_, (_, _, m))| m.clone())
                                    .filter(|m| !queued.contains(m))
                                    .collect();
                                for msg in queued.into_iter().chain(again) {
                                    self.push(id, &msg);
                                }
                            }
                            None => self.answer(
                                x,
                                Some(session),
                                r.id,
                                Err(ErrorObject::new(ErrorCode::METHOD_NOT_FOUND, "nope")),
                                false,
                                &[],
                            ),
                        }
                    }
                    _ => self.answer(
                        x,
                        Some(session),
                        r.id,
                        Err(ErrorObject::new(ErrorCode::METHOD_NOT_FOUND, "Method not found")),
                        false,
                        &[],
                    ),
                }
            }
        }
    }

    fn extension_post(&mut self, now: UnixMillis, req: &HttpRequest, msg: Message) {
        let x = req.id;
        let Message::Request(r) = msg else {
            return self.respond_empty(x, 202);
        };
        let params = r.params.clone().unwrap_or_default();
        // The routing headers must agree with the body.
        let version_ok = req.headers.get("mcp-protocol-version") == Some("2026-07-28");
        let method_ok = req.headers.get("mcp-method") == Some(r.method.as_str());
        let name_field = match r.method.as_str() {
            "tools/call" => Some("name"),
            "tasks/get" | "tasks/update" | "tasks/cancel" => Some("taskId"),
            _ => None,
        };
        let name_ok = match name_field {
            None => true,
            Some(f) => {
                let want = params.get(f).and_then(Value::as_str);
                let got = req.headers.get("mcp-name").and_then(|v| decode_header_value(v).ok());
                got.as_deref() == want && want.is_some()
            }
        };
        if !(version_ok && method_ok && name_ok) {
            return self.rpc_error(
                x,
                400,
                Some(r.id),
                ErrorCode::HEADER_MISMATCH,
                "Header mismatch",
            );
        }
        let declares = params
            .get("_meta")
            .and_then(|m| m.get("io.modelcontextprotocol/clientCapabilities"))
            .and_then(|c| c.get("extensions"))
            .and_then(|e| e.get("io.modelcontextprotocol/tasks"))
            .is_some_and(Value::is_object);
        let caller = Caller::extension(Owner::new(ANON), declares);
        let sse = self.rng.chance(self.cfg.sse_rate / 4.0);
        let complete = |mut m: Map<String, Value>| {
            m.entry("resultType").or_insert_with(|| json!("complete"));
            m
        };
        match r.method.as_str() {
            "server/discover" => {
                let d = json!({"supportedVersions":["2026-07-28"],"capabilities":{
                    "extensions":{"io.modelcontextprotocol/tasks":{}},"tools":{}},
                    "serverInfo":{"name":"sim","version":"0"},"resultType":"complete"});
                self.answer(x, None, r.id, Ok(obj(d)), sse, &[])
            }
            "tools/list" => self.answer(
                x,
                None,
                r.id,
                Ok(complete(obj(json!({"tools": tools(false)})))),
                sse,
                &[],
            ),
            "tools/call" => self.tools_call(now, x, None, &caller, r.id, params, sse),
            "subscriptions/listen" if self.cfg.streams => {
                let tasks: BTreeSet<TaskId> = params
                    .get("notifications")
                    .and_then(|n| n.get("taskIds"))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(TaskId::from).collect())
                    .unwrap_or_default();
                let id = self.open_stream(
                    x,
                    None,
                    StreamKind::Listen { tasks: tasks.clone(), rpc: r.id.clone() },
                    &[],
                );
                let ids: Vec<&str> = tasks.iter().map(TaskId::as_str).collect();
                let ack = json!({"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged",
                    "params":{"notifications":{"taskIds": ids}}});
                self.push(id, &ack);
                if self.cfg.listen_snapshot {
                    // Each task as it is now, as the reference server opens the stream.
                    for task in &tasks {
                        let get = json!({"taskId": task});
                        let Some(Reply::Result(res)) =
                            self.receiver.handle(&caller, "tasks/get", get.as_object(), now)
                        else {
                            continue;
                        };
                        let Ok(got) = GetTaskResult::from_map(&res) else { continue };
                        let params = TaskStatusNotification::new(got.task, &r.id).to_map();
                        let msg =
                            json!({"jsonrpc":"2.0","method":"notifications/tasks","params":params});
                        self.push(id, &msg);
                    }
                }
            }
            m if m.starts_with("tasks/") => {
                match self.receiver.handle(&caller, m, Some(&params), now) {
                    Some(Reply::Result(res)) => {
                        if m == "tasks/update" {
                            if let Some(t) = params.get("taskId").and_then(Value::as_str) {
                                self.wake_job(now, &TaskId::from(t));
                            }
                        }
                        self.answer(x, None, r.id, Ok(complete(res)), false, &[])
                    }
                    Some(Reply::Error(e)) => {
                        let status = if e.code == ErrorCode::METHOD_NOT_FOUND { 404 } else { 200 };
                        let body = Message::Error(ErrorResponse::new(Some(r.id), e)).to_value();
                        self.respond_json(x, status, &body, &[])
                    }
                    _ => self.rpc_error(
                        x,
                        404,
                        Some(r.id),
                        ErrorCode::METHOD_NOT_FOUND,
                        "Method not found",
                    ),
                }
            }
            _ => {
                self.rpc_error(x, 404, Some(r.id), ErrorCode::METHOD_NOT_FOUND, "Method not found")
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn tools_call(
        &mut self,
        now: UnixMillis,
        x: mcp_tasks::protocol::http::ExchangeId,
        session: Option<String>,
        caller: &Caller,
        rpc: RequestId,
        params: Map<String, Value>,
        sse: bool,
    ) {
        let name = params.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
        let args = params.get("arguments").and_then(Value::as_object).cloned().unwrap_or_default();
        let token = params.get("_meta").and_then(|m| m.get("progressToken")).cloned();
        let tag = token.as_ref().and_then(Value::as_str).unwrap_or("?").to_owned();
        let support = match name.as_str() {
            "echo" => TaskSupport::Forbidden,
            "job" => TaskSupport::Optional,
            "must_task" | "ask_first" => TaskSupport::Required,
            _ => {
                let e =
                    ErrorObject::new(ErrorCode::INVALID_PARAMS, format!("Unknown tool: {name}"));
                return self.answer(x, session, rpc, Err(e), sse, &[]);
            }
        };
        // A multi-round call (extension): ask for a name before the task exists.
        if name == "ask_first" && caller.generation == Generation::Extension {
            let answered = params.get("inputResponses").and_then(|r| r.get("who")).is_some();
            if !answered {
                let reply = json!({"resultType":"input_required","requestState":"round-1",
                    "inputRequests":{"who":{"method":"elicitation/create","params":{"message":"Who?",
                    "requestedSchema":{"type":"object","properties":{"name":{"type":"string"}}}}}}});
                return self.answer(x, session, rpc, Ok(obj(reply)), sse, &[]);
            }
        }
        let plan = Plan::from_args(&args);
        match self.receiver.accept_tool_call(caller, support, &params, now) {
            ToolCallPlan::Plain => {
                if name == "echo" || plan.ms == 0 {
                    let r = json!({"content":[{"type":"text","text":format!("echo {tag}")}]});
                    return self.answer(x, session, rpc, Ok(obj(r)), sse, &[]);
                }
                let stream =
                    sse.then(|| self.open_stream(x, session.clone(), StreamKind::Post, &[]));
                self.plain.push(PlainCall {
                    at: now.saturating_add(plan.ms),
                    rpc,
                    plan,
                    tag,
                    stream,
                    exchange: x,
                });
            }
            ToolCallPlan::Task { task_id, reply, progress_token } => {
                self.created.insert(tag.clone(), now);
                self.tag_of.insert(task_id.clone(), tag.clone());
                let steps = plan.steps;
                let job = Job {
                    remaining: plan.ms,
                    next_at: Some(now.saturating_add(if steps > 0 {
                        plan.ms / (steps + 1)
                    } else if plan.input {
                        plan.ms / 2
                    } else {
                        plan.ms
                    })),
                    plan,
                    tag,
                    session: session.clone(),
                    generation: caller.generation,
                    steps_done: 0,
                    asked: false,
                    waiting: false,
                    token: progress_token.or(token),
                };
                self.jobs.insert(task_id.clone(), job);
                self.note(&task_id);
                let mut reply = reply;
                if caller.generation == Generation::Legacy {
                    let meta = reply.entry("_meta").or_insert_with(|| json!({}));
                    if let Value::Object(m) = meta {
                        m.insert(
                            "io.modelcontextprotocol/model-immediate-response".into(),
                            json!("working on it"),
                        );
                    }
                }
                self.answer(x, session, rpc, Ok(reply), sse, &[])
            }
            ToolCallPlan::Reject(e) => self.answer(x, session, rpc, Err(e), sse, &[]),
        }
    }

    /// The work of a task that was waiting for an answer looks again.
    fn wake_job(&mut self, now: UnixMillis, task: &TaskId) {
        if let Some(job) = self.jobs.get_mut(task) {
            if job.waiting {
                job.next_at = Some(now);
            }
        }
        self.note(task);
    }

    /// Advances the simulated work to `now`.
    pub fn tick(&mut self, now: UnixMillis) {
        if now >= self.next_sweep {
            let _ = self.receiver.store().sweep(now, 10_000);
            self.next_sweep = now.saturating_add(1000);
            // Ended streams are kept a while for replay only.
            for st in self.streams.values_mut() {
                if st.done && st.done_at.is_none() {
                    st.done_at = Some(now);
                }
            }
            self.streams.retain(|_, st| {
                st.done_at.is_none_or(|t| now.saturating_since(t) < 30_000) || st.exchange.is_some()
            });
        }
        let mut due = Vec::new();
        while let Some((t, id)) = self.due.first().cloned() {
            if t > now {
                break;
            }
            self.due.pop_first();
            if self.jobs.get(&id).and_then(|j| j.next_at) == Some(t) {
                due.push(id);
            }
        }
        for id in due {
            self.step_job(now, &id);
            self.note(&id);
        }
        let (ready, later): (Vec<_>, Vec<_>) =
            std::mem::take(&mut self.plain).into_iter().partition(|p| p.at <= now);
        self.plain = later;
        for p in ready {
            let outcome = p.plan.result(&p.tag);
            let msg = match outcome {
                Ok(r) => Message::Result(ResultResponse::new(p.rpc, r)).to_value(),
                Err(e) => Message::Error(ErrorResponse::new(Some(p.rpc), e)).to_value(),
            };
            match p.stream {
                Some(id) => {
                    self.push(id, &msg);
                    self.end_stream(id);
                }
                None => self.respond_json(p.exchange, 200, &msg, &[]),
            }
        }
        self.drain_events(now);
    }

    fn step_job(&mut self, now: UnixMillis, id: &TaskId) {
        let Some(job) = self.jobs.get_mut(id) else { return };
        job.next_at = None;
        if self.receiver.work(id).should_stop(now) {
            if job.generation == Generation::Extension {
                let _ = self.receiver.work(id).cancelled(now);
            }
            self.finished.insert(job.tag.clone(), now);
            self.jobs.remove(id);
            return;
        }
        let plan = job.plan.clone();
        if job.waiting {
            let answers = self.receiver.work(id).answers(now).unwrap_or_default();
            let Some(job) = self.jobs.get_mut(id) else { return };
            if answers.is_empty() {
                return;
            }
            job.waiting = false;
            job.next_at = Some(now.saturating_add(job.remaining));
            return;
        }
        if job.steps_done < plan.steps {
            job.steps_done += 1;
            let i = job.steps_done;
            let (token, session) = (job.token.clone(), job.session.clone());
            job.next_at = Some(now.saturating_add(plan.ms / (plan.steps + 1)));
            let _ = self.receiver.work(id).status_message(format!("step {i}/{}", plan.steps), now);
            if let (Some(token), Some(session)) = (token, session) {
                let note = json!({"jsonrpc":"2.0","method":"notifications/progress",
                    "params":{"progressToken": token, "progress": i, "total": plan.steps}});
                self.route(&session, id, &note, false);
            }
            if i < plan.steps || !plan.input {
                return;
            }
        }
        let Some(job) = self.jobs.get_mut(id) else { return };
        if plan.input && !job.asked {
            job.asked = true;
            job.waiting = true;
            job.remaining = plan.ms / 2;
            let request = InputRequest {
                method: "elicitation/create".into(),
                params: obj(json!({"message":"Proceed?","requestedSchema":{"type":"object",
                    "properties":{"confirm":{"type":"boolean"}}}})),
            };
            let _ = self.receiver.work(id).ask(request, now);
            return;
        }
        let tag = job.tag.clone();
        self.jobs.remove(id);
        self.finished.insert(tag.clone(), now);
        let _ = match plan.result(&tag) {
            Ok(r) => self.receiver.work(id).complete(r, now).map(|_| ()),
            Err(e) => self.receiver.work(id).fail(e, now).map(|_| ()),
        };
    }

    fn drain_events(&mut self, now: UnixMillis) {
        while let Some(event) = self.receiver.poll_event() {
            match event {
                Event::Status { view, generation: Generation::Legacy, owner } => {
                    let params = TaskStatusNotificationParams::new(&view.task).to_map();
                    let msg = json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params":params});
                    if let Some(&get) = self.session_get.get(owner.as_str()) {
                        self.push(get, &msg);
                    }
                }
                Event::Status { view, .. } => {
                    let Ok(detailed) = DetailedTask::try_from(&view) else { continue };
                    let task = view.task.task_id.clone();
                    let listens: Vec<(u64, RequestId)> = self
                        .streams
                        .iter()
                        .filter_map(|(id, st)| match &st.kind {
                            StreamKind::Listen { tasks, rpc }
                                if !st.done && tasks.contains(&task) =>
                            {
                                Some((*id, rpc.clone()))
                            }
                            _ => None,
                        })
                        .collect();
                    for (id, rpc) in listens {
                        let params = TaskStatusNotification::new(detailed.clone(), &rpc).to_map();
                        let msg =
                            json!({"jsonrpc":"2.0","method":"notifications/tasks","params":params});
                        self.push(id, &msg);
                    }
                }
                Event::InputRequested { task_id, key, request, owner } => {
                    self.next_request += 1;
                    let rid = RequestId::String(format!("srv-{}", self.next_request));
                    let mut params = request.params;
                    let mut meta = Map::new();
                    set_related_task(&mut meta, &task_id);
                    params.insert("_meta".into(), Value::Object(meta));
                    let msg =
                        json!({"jsonrpc":"2.0","id":rid,"method":request.method,"params":params});
                    let session = owner.as_str().to_owned();
                    self.pending.insert(
                        (session.clone(), serde_json::to_string(&rid).unwrap_or_default()),
                        (task_id.clone(), key, msg.clone()),
                    );
                    self.route(&session, &task_id, &msg, true);
                }
                Event::CancelRequested { task_id } => {
                    if let Some(job) = self.jobs.get_mut(&task_id) {
                        job.next_at = Some(now);
                    }
                    self.note(&task_id);
                }
                Event::Terminal { task_id, .. }
                | Event::Removed(mcp_tasks::store::Removed { task_id, .. }) => {
                    self.outbox.remove(&task_id);
                    let held: Vec<(u64, RequestId, Option<String>)> = self
                        .streams
                        .iter()
                        .filter_map(|(id, st)| match &st.kind {
                            StreamKind::Result { task, rpc } if *task == task_id && !st.done => {
                                Some((*id, rpc.clone(), st.session.clone()))
                            }
                            _ => None,
                        })
                        .collect();
                    for (id, rpc, session) in held {
                        let Some(session) = session else { continue };
                        let caller = Caller::legacy(Owner::new(session));
                        let params = json!({"taskId": task_id});
                        let msg = match self.receiver.handle(
                            &caller,
                            "tasks/result",
                            params.as_object(),
                            now,
                        ) {
                            Some(Reply::Result(r)) => {
                                Message::Result(ResultResponse::new(rpc, r)).to_value()
                            }
                            Some(Reply::Error(e)) => {
                                Message::Error(ErrorResponse::new(Some(rpc), e)).to_value()
                            }
                            _ => continue,
                        };
                        self.push(id, &msg);
                        self.end_stream(id);
                    }
                }
            }
        }
    }

    /// Sends a task's message on its open `tasks/result` stream, else the session's GET
    /// stream, else (when `queue`) keeps it for the next `tasks/result`.
    fn route(&mut self, session: &str, task: &TaskId, msg: &Value, queue: bool) {
        let held = self
            .streams
            .iter()
            .find(|(_, st)| {
                matches!(&st.kind, StreamKind::Result { task: t, .. } if t == task)
                    && st.exchange.is_some()
                    && !st.done
            })
            .map(|(id, _)| *id);
        let get = self
            .session_get
            .get(session)
            .copied()
            .filter(|id| self.streams.get(id).is_some_and(|st| st.exchange.is_some()));
        match held.or(get) {
            Some(id) => self.push(id, msg),
            None if queue => self.outbox.entry(task.clone()).or_default().push(msg.clone()),
            None => {}
        }
    }
}

fn tools(with_execution: bool) -> Value {
    let tool = |name: &str, support: &str| {
        let mut t = json!({"name": name, "inputSchema": {"type": "object"}});
        if with_execution {
            t["execution"] = json!({"taskSupport": support});
        }
        t
    };
    json!([
        tool("echo", "forbidden"),
        tool("job", "optional"),
        tool("must_task", "required"),
        tool("ask_first", "required")
    ])
}
