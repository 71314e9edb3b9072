//! The server side of the simulation: the crate's real Streamable HTTP endpoint, the
//! fixture tools run in virtual time from its commands, and what the world around it can
//! do to a server (5xx and 429 from a front, restarts, forgotten sessions, cut streams).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use mcp_tasks::id::{CounterIds, TaskId};
use mcp_tasks::protocol::http::{ExchangeId, Headers, HttpRequest, Method, ResponseHead};
use mcp_tasks::receiver::Receiver;
use mcp_tasks::receiver::http::{
    Config, Endpoint, Generations, HttpMethod, Output, Request, ResponseId, ToolReport, WorkId,
};
use mcp_tasks::store::{MemoryBackend, StoreConfig, TaskStore};
use mcp_tasks::time::UnixMillis;

use super::SimRng;
use super::fixtures::{self, Fixtures};

/// A backend that survives a restart when the server is durable: the store's shared handle.
pub type Shared = Rc<RefCell<MemoryBackend>>;

/// Which generations the server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 2025-11-25 only.
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
    /// Chance that an answer is an SSE stream rather than JSON (a quarter of it for
    /// 2026-07-28 requests).
    pub sse_rate: f64,
    pub fail_5xx: f64,
    pub rate_429: f64,
    pub retry_after_s: u64,
    /// Serve `subscriptions/listen` (extension) and the GET stream (legacy).
    pub streams: bool,
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

type Ep = Endpoint<Shared, CounterIds>;

/// The server.
pub struct Server {
    pub cfg: ServerConfig,
    rng: SimRng,
    epoch: u32,
    backend: Shared,
    endpoint: Ep,
    tools: Fixtures,
    exchange_of: BTreeMap<ResponseId, ExchangeId>,
    response_of: BTreeMap<ExchangeId, ResponseId>,
    out: Vec<(ExchangeId, Frame)>,
    pub requests_seen: u64,
}

impl Server {
    pub fn new(cfg: ServerConfig, seed: u64) -> Self {
        let backend = Shared::default();
        let endpoint = Self::endpoint(&cfg, backend.clone(), 0);
        Self {
            cfg,
            rng: SimRng::new(seed ^ 0x5e12_7e12),
            epoch: 0,
            backend,
            endpoint,
            tools: Fixtures::default(),
            exchange_of: BTreeMap::new(),
            response_of: BTreeMap::new(),
            out: Vec::new(),
            requests_seen: 0,
        }
    }

    fn endpoint(cfg: &ServerConfig, backend: Shared, epoch: u32) -> Ep {
        let store_cfg = StoreConfig {
            max_ttl_ms: Some(24 * 3_600_000),
            default_ttl_ms: Some(cfg.default_ttl_ms),
            poll_interval_ms: Some(cfg.poll_interval_ms),
            page_size: 50,
            ..StoreConfig::default()
        }
        .without_budgets();
        let ids = CounterIds::new(format!("r{epoch}-task"));
        let receiver = Receiver::new(TaskStore::new(backend, ids, store_cfg));
        let config = Config {
            generations: match cfg.mode {
                Mode::Legacy => Generations::Legacy,
                Mode::Extension => Generations::Extension,
                Mode::Dual => Generations::Both,
            },
            sweep_interval_ms: 1000,
            keepalive_ms: 0,
            sse_retry_ms: 300,
            notification_streams: cfg.streams,
            server_name: "sim".into(),
            tools: super::fixtures::tools(),
            ..Config::default()
        };
        Endpoint::new(config, receiver).with_session_ids(CounterIds::new(format!("s{epoch}")))
    }

    /// When each task was created and finished, by the tag of its call.
    pub fn created(&self) -> &BTreeMap<String, UnixMillis> {
        &self.tools.created
    }

    /// See [`Server::created`].
    pub fn finished(&self) -> &BTreeMap<String, UnixMillis> {
        &self.tools.finished
    }

    /// Takes what the server sent since the last call.
    pub fn take_out(&mut self) -> Vec<(ExchangeId, Frame)> {
        std::mem::take(&mut self.out)
    }

    /// When the server next needs [`Server::tick`].
    pub fn next_tick(&mut self) -> Option<UnixMillis> {
        [self.endpoint.poll_timeout(), self.tools.next_due()].into_iter().flatten().min()
    }

    /// The server stops offering notification streams.
    pub fn stop_streams(&mut self) {
        self.cfg.streams = false;
        self.endpoint.config_mut().notification_streams = false;
    }

    /// Forgets a 2025-11-25 session (as a server may at any time).
    pub fn drop_session(&mut self, now: UnixMillis) -> bool {
        let Some(id) = self.endpoint.session_ids().next().map(str::to_owned) else {
            return false;
        };
        let dropped = self.endpoint.close_session(now, &id);
        self.pump(now);
        dropped
    }

    /// Restarts: sessions and streams are gone; tasks and their work survive only when
    /// the store is durable.
    pub fn restart(&mut self, now: UnixMillis) {
        self.pump(now);
        for (_, x) in std::mem::take(&mut self.exchange_of) {
            self.out.push((x, Frame::End));
        }
        self.response_of.clear();
        self.epoch += 1;
        self.tools.drop_plain();
        if !self.cfg.durable {
            self.backend = Shared::default();
            self.tools.clear();
        }
        self.endpoint = Self::endpoint(&self.cfg, self.backend.clone(), self.epoch);
        let tasks: Vec<TaskId> = self
            .tools
            .tasks()
            .filter_map(|w| match w {
                WorkId::Task(t) => Some(t.clone()),
                WorkId::Call(_) => None,
            })
            .collect();
        for task in tasks {
            self.endpoint.adopt_task(now, &task);
        }
        self.pump(now);
    }

    /// The client dropped (or the network cut) an exchange.
    pub fn detach(&mut self, now: UnixMillis, exchange: ExchangeId) {
        if let Some(r) = self.response_of.remove(&exchange) {
            self.exchange_of.remove(&r);
            self.endpoint.stream_closed(now, r);
            self.pump(now);
        }
    }

    /// The exchanges of the open notification streams (GET and listen), which the
    /// network is about to cut: the server forgets them as a client that went away.
    pub fn cut_notification_streams(&mut self, now: UnixMillis) -> Vec<ExchangeId> {
        let cut: Vec<ExchangeId> = self
            .endpoint
            .notification_streams()
            .into_iter()
            .filter_map(|r| self.exchange_of.get(&r).copied())
            .collect();
        for x in &cut {
            self.detach(now, *x);
        }
        cut
    }

    /// Every connection closed (the client process went away).
    pub fn detach_all(&mut self, now: UnixMillis) {
        let all: Vec<ExchangeId> = self.response_of.keys().copied().collect();
        for x in all {
            self.detach(now, x);
        }
        self.out.clear();
    }

    pub fn handle(&mut self, now: UnixMillis, req: &HttpRequest) {
        self.requests_seen += 1;
        let x = req.id;
        // A front in the server's way: overloaded, or rate limiting.
        if self.rng.chance(self.cfg.fail_5xx) {
            let headers: Headers = [("Content-Type", "text/plain")].into_iter().collect();
            self.out.push((x, Frame::Head(ResponseHead { status: 503, headers })));
            self.out.push((x, Frame::Chunk(b"overloaded".to_vec())));
            self.out.push((x, Frame::End));
            return;
        }
        if self.rng.chance(self.cfg.rate_429) {
            let headers: Headers =
                [("Retry-After", self.cfg.retry_after_s.to_string())].into_iter().collect();
            self.out.push((x, Frame::Head(ResponseHead { status: 429, headers })));
            self.out.push((x, Frame::End));
            return;
        }
        let extension = req.headers.get("mcp-protocol-version") == Some("2026-07-28");
        let rate = if extension { self.cfg.sse_rate / 4.0 } else { self.cfg.sse_rate };
        self.endpoint.config_mut().stream_answers = self.rng.chance(rate);
        let method = match req.method {
            Method::Get => HttpMethod::Get,
            Method::Post => HttpMethod::Post,
            Method::Delete => HttpMethod::Delete,
        };
        let request = Request {
            method,
            path: "/mcp".into(),
            headers: req.headers.clone(),
            body: req.body.clone().unwrap_or_default().into_bytes(),
            peer: None,
        };
        let r = self.endpoint.handle_request(now, request);
        self.exchange_of.insert(r, x);
        self.response_of.insert(x, r);
        self.pump(now);
    }

    /// Advances the endpoint's timers and the tools' work to `now`.
    pub fn tick(&mut self, now: UnixMillis) {
        if self.endpoint.poll_timeout().is_some_and(|t| t <= now) {
            self.endpoint.handle_timeout(now);
        }
        let reports = self.tools.step(now);
        self.report(now, reports);
        self.pump(now);
    }

    fn report(&mut self, now: UnixMillis, reports: Vec<(WorkId, ToolReport)>) {
        for (work, report) in reports {
            // Work that was stopped or whose task went away has nobody to report to.
            let _ = self.endpoint.handle_tool_report(now, &work, report);
        }
    }

    /// Drains the endpoint: frames to the network, commands to the tools.
    fn pump(&mut self, now: UnixMillis) {
        while let Some(output) = self.endpoint.poll_output() {
            match output {
                Output::Head { response, head } => self.frame(response, Frame::Head(head)),
                Output::Body { response, bytes } => self.frame(response, Frame::Chunk(bytes)),
                Output::End { response } => {
                    self.frame(response, Frame::End);
                    if let Some(x) = self.exchange_of.remove(&response) {
                        self.response_of.remove(&x);
                    }
                }
                Output::StartTool(start) => {
                    let reports = self.tools.start(now, start);
                    self.report(now, reports);
                }
                Output::CancelTool { work } => self.tools.cancel(now, &work),
                Output::InputAnswered { work } => self.tools.answered(now, &work),
                Output::BeforeTask { call, arguments, input_responses, .. } => {
                    let answer = fixtures::before_task(arguments, input_responses.as_ref());
                    // False only when the client left meanwhile: nothing to answer then.
                    let _ = self.endpoint.handle_before_task(now, call, answer);
                }
                Output::TaskRemoved { .. } => {}
            }
        }
    }

    fn frame(&mut self, response: ResponseId, frame: Frame) {
        if let Some(x) = self.exchange_of.get(&response) {
            self.out.push((*x, frame));
        }
    }
}
