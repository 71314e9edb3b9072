//! The simulated world: a virtual clock, a seeded network with latency, drops, truncated
//! streams and reordering across exchanges, the host's reactions, and the bookkeeping the
//! assertions read.

use std::collections::{BTreeMap, BTreeSet};

use mcp_tasks::client::{CallId, CallOutcome, Engine, Event, InputId, Output, ToolCall};
use mcp_tasks::id::TaskId;
use mcp_tasks::protocol::http::{ExchangeId, HttpRequest, ResponseHead, TransportFailure};
use mcp_tasks::task::TaskStatus;
use mcp_tasks::time::UnixMillis;
use serde_json::{Map, Value, json};

use super::SimRng;
use super::endpoint::Server;

mod network;

/// How the network misbehaves.
#[derive(Clone, Debug)]
pub struct NetConfig {
    pub latency: (u64, u64),
    /// The request never arrives; the driver reports a connect failure.
    pub drop_request: f64,
    /// The request vanishes silently; only the engine's timeout notices.
    pub black_hole: f64,
    /// The server acts, but the response is lost before its head.
    pub drop_response: f64,
    /// An event stream is cut after a few chunks.
    pub truncate: f64,
    /// Chunks are split into pieces of at most this many bytes.
    pub chunk_max: usize,
}

impl NetConfig {
    pub fn clean() -> Self {
        Self {
            latency: (10, 30),
            drop_request: 0.0,
            black_hole: 0.0,
            drop_response: 0.0,
            truncate: 0.0,
            chunk_max: 1 << 20,
        }
    }

    pub fn faulty() -> Self {
        Self {
            latency: (5, 120),
            drop_request: 0.03,
            black_hole: 0.005,
            drop_response: 0.03,
            truncate: 0.1,
            chunk_max: 48,
        }
    }
}

/// How the host behaves.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// How long the host takes to answer an input request.
    pub think: (u64, u64),
    /// Chance that the host cancels a call at a random time.
    pub cancel: f64,
}

impl Default for HostConfig {
    fn default() -> Self {
        Self { think: (50, 800), cancel: 0.0 }
    }
}

enum In {
    Head(ResponseHead),
    Chunk(Vec<u8>),
    End,
    Fail(TransportFailure),
}

enum Ev {
    ToServer(HttpRequest),
    ToClient(ExchangeId, In),
    Answer(InputId),
    Cancel(CallId),
    Call(ToolCall, u64),
    Restart,
    DropSession,
    /// Cut the notification streams: a clean end, or a failure; `for_good`, the server
    /// offers none afterwards.
    CutStreams {
        fail: bool,
        for_good: bool,
    },
}

/// One request the engine sent, as the assertions read it.
#[derive(Clone, Debug)]
pub struct Sent {
    pub at: UnixMillis,
    pub exchange: ExchangeId,
    /// The JSON-RPC method, or `GET` / `DELETE`.
    pub method: String,
    /// The task id (`tasks/*`) or progress token (`tools/call`) it names.
    pub about: Option<String>,
}

/// One call's record.
#[derive(Debug, Default)]
pub struct CallRecord {
    pub started: UnixMillis,
    pub outcomes: Vec<(UnixMillis, CallOutcome)>,
    pub task: Option<TaskId>,
    pub token: Option<String>,
    pub cancelled_by_host: bool,
    /// The caller's label for the call.
    pub label: u64,
}

pub struct World {
    pub now: UnixMillis,
    pub engine: Engine,
    pub server: Server,
    pub net: NetConfig,
    pub host: HostConfig,
    rng: SimRng,
    queue: BTreeMap<(UnixMillis, u64), Ev>,
    seq: u64,
    wake: Option<UnixMillis>,
    last_at: BTreeMap<ExchangeId, UnixMillis>,
    /// Exchanges the client dropped or the network cut: nothing more is delivered.
    dead: BTreeSet<ExchangeId>,
    /// Chunks left before a stream is cut.
    cut_after: BTreeMap<ExchangeId, u32>,
    /// Exchanges whose end (or cut) has been shipped: later server frames are dropped.
    shipped_end: BTreeSet<ExchangeId>,
    pending_calls: u64,
    /// Calls made that have no outcome yet.
    open: usize,
    pub calls: BTreeMap<CallId, CallRecord>,
    pub violations: Vec<(UnixMillis, String)>,
    pub disconnects: u64,
    pub connected: u64,
    pub inputs_answered: u64,
    pub progress_events: u64,
    pub status_events: u64,
    /// Requests by the progress token (`tools/call`) or task id (`tasks/*`) they name.
    pub by_token: BTreeMap<String, u64>,
    pub by_task: BTreeMap<String, u64>,
    pub requests: u64,
    /// Every request sent, in order.
    pub sent: Vec<Sent>,
    /// Streams cut on purpose, and when the engine heard of each cut.
    cut: BTreeSet<ExchangeId>,
    pub cuts: Vec<UnixMillis>,
    /// Exchanges the engine dropped, and when.
    pub aborted: BTreeMap<ExchangeId, UnixMillis>,
    /// Every status the host was told of, in order, with how many requests had been sent.
    pub statuses: Vec<(UnixMillis, CallId, TaskStatus, usize)>,
    /// Exchanges sent and neither ended, failed nor dropped, and the most at once.
    live: BTreeSet<ExchangeId>,
    pub max_live: usize,
    pub log: bool,
}

impl World {
    pub fn new(
        engine: Engine,
        server: Server,
        net: NetConfig,
        host: HostConfig,
        seed: u64,
    ) -> Self {
        Self {
            now: UnixMillis(1_763_000_000_000),
            engine,
            server,
            net,
            host,
            rng: SimRng::new(seed),
            queue: BTreeMap::new(),
            seq: 0,
            wake: None,
            last_at: BTreeMap::new(),
            dead: BTreeSet::new(),
            cut_after: BTreeMap::new(),
            shipped_end: BTreeSet::new(),
            pending_calls: 0,
            open: 0,
            calls: BTreeMap::new(),
            violations: Vec::new(),
            disconnects: 0,
            connected: 0,
            inputs_answered: 0,
            progress_events: 0,
            status_events: 0,
            by_token: BTreeMap::new(),
            by_task: BTreeMap::new(),
            requests: 0,
            sent: Vec::new(),
            aborted: BTreeMap::new(),
            cut: BTreeSet::new(),
            cuts: Vec::new(),
            statuses: Vec::new(),
            live: BTreeSet::new(),
            max_live: 0,
            log: std::env::var("SIM_LOG").is_ok(),
        }
    }

    fn at(&mut self, t: UnixMillis, ev: Ev) {
        self.seq += 1;
        self.queue.insert((t, self.seq), ev);
    }

    /// Schedules a call `after` ms from now.
    pub fn call_at(&mut self, after: u64, call: ToolCall) {
        self.labelled_call_at(after, call, 0);
    }

    /// Schedules a call `after` ms from now, labelled for the assertions.
    pub fn labelled_call_at(&mut self, after: u64, call: ToolCall, label: u64) {
        self.pending_calls += 1;
        let t = self.now.saturating_add(after);
        self.at(t, Ev::Call(call, label));
    }

    pub fn restart_at(&mut self, after: u64) {
        let t = self.now.saturating_add(after);
        self.at(t, Ev::Restart);
    }

    /// Cuts the GET and listen streams `after` ms from now, with an end or a failure;
    /// `for_good`, the server offers none afterwards.
    pub fn cut_streams_at(&mut self, after: u64, fail: bool, for_good: bool) {
        let t = self.now.saturating_add(after);
        self.at(t, Ev::CutStreams { fail, for_good });
    }

    pub fn drop_session_at(&mut self, after: u64) {
        let t = self.now.saturating_add(after);
        self.at(t, Ev::DropSession);
    }

    /// Starts a call now.
    pub fn call_now(&mut self, call: ToolCall) -> CallId {
        let deadline_cancel = self.rng.chance(self.host.cancel);
        let ms = call
            .arguments
            .as_ref()
            .and_then(|a| a.get("ms"))
            .and_then(Value::as_u64)
            .unwrap_or(1000);
        let id = self.engine.call_tool(self.now, call).expect("call_tool");
        self.track(id);
        if deadline_cancel {
            let t = self.now.saturating_add(self.rng.range(0, ms));
            self.at(t, Ev::Cancel(id));
        }
        self.pump();
        id
    }

    /// Replaces the engine as if its process died: its connections close, and nothing
    /// in flight reaches the new one.
    pub fn replace_engine(&mut self, engine: Engine) {
        self.engine = engine;
        self.queue.retain(|_, ev| {
            !matches!(ev, Ev::ToClient(..) | Ev::ToServer(_) | Ev::Answer(_) | Ev::Cancel(_))
        });
        self.server.detach_all(self.now);
        self.dead.clear();
        self.last_at.clear();
        self.cut_after.clear();
        self.shipped_end.clear();
        self.wake = None;
    }

    /// Forgets every call recorded so far.
    pub fn forget_calls(&mut self) {
        self.calls.clear();
        self.open = 0;
    }

    /// Starts recording call `id` (made directly on the engine).
    pub fn track(&mut self, id: CallId) {
        self.calls.insert(id, CallRecord { started: self.now, ..CallRecord::default() });
        self.open += 1;
    }

    /// Whether every call made (and scheduled) has its outcome.
    pub fn settled(&self) -> bool {
        self.pending_calls == 0 && self.open == 0
    }

    /// Runs until every call has its outcome or `limit_ms` of virtual time has passed.
    pub fn run(&mut self, limit_ms: u64) -> bool {
        let until = self.now.saturating_add(limit_ms);
        self.pump();
        loop {
            if self.settled() {
                return true;
            }
            let q = self.queue.keys().next().map(|(t, _)| *t);
            let s = self.server.next_tick();
            let next = [q, s, self.wake].into_iter().flatten().min();
            let Some(t) = next.filter(|t| *t <= until) else {
                self.now = self.now.max(until);
                return false;
            };
            self.now = self.now.max(t);
            if s.is_some_and(|s| s <= self.now) && q.is_none_or(|q| q > self.now) {
                self.server.tick(self.now);
                self.ship();
            } else if q.is_some_and(|q| q <= self.now) {
                let Some((_, ev)) = self.queue.pop_first() else { continue };
                self.handle(ev);
            } else {
                self.wake = None;
                self.engine.handle_timeout(self.now);
                self.pump();
            }
        }
    }

    fn handle(&mut self, ev: Ev) {
        let now = self.now;
        match ev {
            Ev::ToServer(req) => {
                if !self.dead.contains(&req.id) {
                    self.server.handle(now, &req);
                    self.ship();
                }
            }
            Ev::ToClient(x, input) => {
                if self.dead.contains(&x) {
                    return;
                }
                if self.log {
                    let what = match &input {
                        In::Head(h) => format!("head {}", h.status),
                        In::Chunk(b) => format!(
                            "chunk {}",
                            String::from_utf8_lossy(b).chars().take(160).collect::<String>()
                        ),
                        In::End => "end".into(),
                        In::Fail(f) => format!("fail {f}"),
                    };
                    eprintln!("{} <- {x} {what}", now.0 % 1_000_000);
                }
                if self.cut.contains(&x) && matches!(input, In::End | In::Fail(_)) {
                    self.cuts.push(now);
                }
                match input {
                    In::Head(h) => self.engine.handle_response_head(now, x, h),
                    In::Chunk(b) => self.engine.handle_body_chunk(now, x, &b),
                    In::End => {
                        self.live.remove(&x);
                        self.dead.insert(x);
                        self.engine.handle_body_end(now, x)
                    }
                    In::Fail(f) => {
                        self.live.remove(&x);
                        self.dead.insert(x);
                        self.engine.handle_transport_failure(now, x, f)
                    }
                }
                self.pump();
            }
            Ev::Answer(input) => {
                let answer = json!({"action":"accept","content":{"confirm":true,"name":"sim"}});
                let Value::Object(answer) = answer else { return };
                if self.engine.answer_input(now, input, answer).is_ok() {
                    self.inputs_answered += 1;
                }
                self.pump();
            }
            Ev::Cancel(call) => {
                if let Some(rec) = self.calls.get_mut(&call) {
                    if rec.outcomes.is_empty() {
                        rec.cancelled_by_host = true;
                    }
                }
                let _ = self.engine.cancel(now, call);
                self.pump();
            }
            Ev::Call(call, label) => {
                self.pending_calls -= 1;
                let id = self.call_now(call);
                if let Some(rec) = self.calls.get_mut(&id) {
                    rec.label = label;
                }
            }
            Ev::Restart => {
                self.server.restart(now);
                self.ship();
            }
            Ev::DropSession => {
                self.server.drop_session(now);
                self.ship();
            }
            Ev::CutStreams { fail, for_good } => {
                if for_good {
                    self.server.stop_streams();
                }
                for x in self.server.cut_notification_streams(now) {
                    if self.shipped_end.contains(&x) || self.dead.contains(&x) {
                        continue;
                    }
                    self.cut.insert(x);
                    let ending = if fail {
                        In::Fail(TransportFailure::BodyInterrupted("cut".into()))
                    } else {
                        In::End
                    };
                    self.deliver(x, ending);
                    self.shipped_end.insert(x);
                }
            }
        }
    }

    /// Drains the engine: sends requests, drops aborted exchanges, records events.
    pub fn pump(&mut self) {
        let mut wake = None;
        while let Some(out) = self.engine.poll_output() {
            match out {
                Output::Transmit(req) => self.transmit(req),
                Output::Abort(x) => {
                    self.aborted.entry(x).or_insert(self.now);
                    self.live.remove(&x);
                    self.dead.insert(x);
                    self.server.detach(self.now, x);
                }
                Output::Event(e) => self.event(e),
                Output::Wake(t) => wake = Some(t),
            }
        }
        self.wake = wake;
    }

    fn event(&mut self, e: Event) {
        let now = self.now;
        if self.log {
            eprintln!("{} event {:?}", now.0 % 1_000_000, e);
        }
        match e {
            Event::Outcome { call, outcome } => {
                let rec = self.calls.entry(call).or_default();
                if rec.outcomes.is_empty() {
                    self.open = self.open.saturating_sub(1);
                }
                rec.outcomes.push((now, outcome));
            }
            Event::TaskCreated { call, reference, .. } => {
                let rec = self.calls.entry(call).or_default();
                rec.task = Some(reference.task_id.clone());
                rec.token = reference.progress_token.clone();
            }
            Event::InputRequested { input, .. } => {
                let t = now.saturating_add(self.rng.range(self.host.think.0, self.host.think.1));
                self.at(t, Ev::Answer(input));
            }
            Event::ProtocolViolation { error, .. } => {
                self.violations.push((now, error.code().to_owned()))
            }
            Event::Disconnected { .. } => self.disconnects += 1,
            Event::Connected(_) => self.connected += 1,
            Event::Progress { .. } => self.progress_events += 1,
            Event::StatusChanged { call, status, .. } => {
                self.status_events += 1;
                self.statuses.push((now, call, status, self.sent.len()));
            }
            _ => {}
        }
    }

    /// Requests a call made: its `tools/call`s and its task's `tasks/get` / `tasks/result`.
    pub fn requests_of(&self, rec: &CallRecord) -> u64 {
        let calls = rec.token.as_ref().and_then(|t| self.by_token.get(t)).copied().unwrap_or(0);
        let tasks =
            rec.task.as_ref().and_then(|t| self.by_task.get(t.as_str())).copied().unwrap_or(0);
        calls + tasks
    }
}

/// `{"ms": ms, ...}` arguments.
pub fn args(v: Value) -> Option<Map<String, Value>> {
    match v {
        Value::Object(m) => Some(m),
        _ => None,
    }
}
