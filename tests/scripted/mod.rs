//! An engine driven by hand against a scripted peer: what it sent, what it reported, and
//! helpers to answer its requests. Shared by the engine's peer tests.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use mcp_tasks::client::{CallOutcome, Config, Engine, Event, Output, Protocol, ToolCall};
use mcp_tasks::protocol::http::{ExchangeId, Headers, HttpRequest, ResponseHead};
use mcp_tasks::time::UnixMillis;
use serde_json::{Value, json};

/// An engine and what it asked for, driven by hand.
pub struct Harness {
    pub engine: Engine,
    pub now: UnixMillis,
    pub sent: Vec<HttpRequest>,
    pub events: Vec<Event>,
    pub aborted: Vec<ExchangeId>,
    pub wake: Option<UnixMillis>,
}

pub fn body(req: &HttpRequest) -> Value {
    req.body.as_deref().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null)
}

pub fn head(status: u16, content_type: Option<&str>, extra: &[(&str, &str)]) -> ResponseHead {
    let mut headers = Headers::new();
    if let Some(t) = content_type {
        headers.push("Content-Type", t);
    }
    for (k, v) in extra {
        headers.push(*k, *v);
    }
    ResponseHead { status, headers }
}

pub const T0: u64 = 1_763_000_000_000;

pub fn task_json(id: &str, status: &str, extension: bool) -> Value {
    let ts = "2025-11-13T02:13:20.000Z";
    if extension {
        json!({"taskId": id, "status": status, "createdAt": ts, "lastUpdatedAt": ts, "ttlMs": 60000, "pollIntervalMs": 1000})
    } else {
        json!({"taskId": id, "status": status, "createdAt": ts, "lastUpdatedAt": ts, "ttl": 60000, "pollInterval": 1000})
    }
}

impl Harness {
    pub fn new(protocol: Protocol) -> Self {
        Self::with(Engine::new(Self::config(protocol)))
    }

    /// The config every harness starts from: no streams, elicitation answered.
    pub fn config(protocol: Protocol) -> Config {
        let mut config = Config::new("http://peer/mcp");
        config.protocol = protocol;
        config.standalone_stream = false;
        config.listen = false;
        config.inputs.elicitation = true;
        config
    }

    /// A harness around an engine made some other way.
    pub fn with(engine: Engine) -> Self {
        Self {
            engine,
            now: UnixMillis(T0),
            sent: Vec::new(),
            events: Vec::new(),
            aborted: Vec::new(),
            wake: None,
        }
    }

    pub fn drain(&mut self) {
        let mut wake = None;
        while let Some(o) = self.engine.poll_output() {
            match o {
                Output::Transmit(r) => self.sent.push(r),
                Output::Abort(x) => self.aborted.push(x),
                Output::Event(e) => self.events.push(e),
                Output::Wake(t) => wake = Some(t),
            }
        }
        self.wake = wake;
    }

    /// The last request sent for `method`.
    pub fn last(&self, method: &str) -> HttpRequest {
        self.sent.iter().rev().find(|r| body(r)["method"] == method).cloned().unwrap_or_else(|| {
            panic!("no {method} sent: {:?}", self.sent.iter().map(body).collect::<Vec<_>>())
        })
    }

    pub fn count(&self, method: &str) -> usize {
        self.sent.iter().filter(|r| body(r)["method"] == method).count()
    }

    pub fn reply_raw(&mut self, id: ExchangeId, head: ResponseHead, chunks: &[&[u8]], end: bool) {
        self.engine.handle_response_head(self.now, id, head);
        self.drain();
        for c in chunks {
            self.engine.handle_body_chunk(self.now, id, c);
            self.drain();
        }
        if end {
            self.engine.handle_body_end(self.now, id);
            self.drain();
        }
    }

    /// Answers the last `method` request with a JSON result.
    pub fn result(&mut self, method: &str, result: Value, extra: &[(&str, &str)]) {
        let req = self.last(method);
        let msg = json!({"jsonrpc": "2.0", "id": body(&req)["id"], "result": result});
        let bytes = serde_json::to_vec(&msg).unwrap();
        self.reply_raw(req.id, head(200, Some("application/json"), extra), &[&bytes], true);
    }

    pub fn error(&mut self, method: &str, status: u16, code: i32) {
        let req = self.last(method);
        let msg = json!({"jsonrpc": "2.0", "id": body(&req)["id"], "error": {"code": code, "message": "no"}});
        let bytes = serde_json::to_vec(&msg).unwrap();
        self.reply_raw(req.id, head(status, Some("application/json"), &[]), &[&bytes], true);
    }

    pub fn accepted(&mut self, method: &str) {
        let req = self.last(method);
        self.reply_raw(req.id, head(202, None, &[]), &[], true);
    }

    /// Lets virtual time pass until the next wake-up (or `ms`, whichever is first).
    pub fn advance(&mut self, ms: u64) {
        let until = UnixMillis(self.now.0 + ms);
        self.now = match self.wake {
            Some(w) if w <= until => w.max(self.now),
            _ => until,
        };
        self.engine.handle_timeout(self.now);
        self.drain();
    }

    pub fn connect_legacy(&mut self) {
        self.engine.connect(self.now);
        self.drain();
        let caps = json!({"protocolVersion":"2025-11-25","capabilities":{"tasks":{"list":{},"cancel":{},"requests":{"tools":{"call":{}}}},"tools":{}},"serverInfo":{"name":"p","version":"1"}});
        self.result("initialize", caps, &[("Mcp-Session-Id", "S")]);
        self.accepted("notifications/initialized");
    }

    pub fn connect_extension(&mut self) {
        self.engine.connect(self.now);
        self.drain();
        let d = json!({"supportedVersions":["2026-07-28"],"capabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}});
        self.result("server/discover", d, &[]);
    }

    pub fn tools(&mut self) {
        let t = json!({"tools":[
            {"name":"job","inputSchema":{},"execution":{"taskSupport":"optional"}},
            {"name":"plain","inputSchema":{},"execution":{"taskSupport":"forbidden"}},
            {"name":"must","inputSchema":{},"execution":{"taskSupport":"required"}}]});
        self.result("tools/list", t, &[]);
    }

    pub fn outcome(&self) -> Option<&CallOutcome> {
        self.events.iter().find_map(|e| match e {
            Event::Outcome { outcome, .. } => Some(outcome),
            _ => None,
        })
    }

    pub fn violations(&self) -> Vec<&'static str> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::ProtocolViolation { error, .. } => Some(error.code()),
                _ => None,
            })
            .collect()
    }
}

pub fn legacy_ready() -> Harness {
    let mut h = Harness::new(Protocol::Legacy);
    h.connect_legacy();
    h
}

/// A legacy harness with one call that became task `t1`.
pub fn legacy_task(tool: &str) -> Harness {
    let mut h = legacy_ready();
    h.engine.call_tool(h.now, ToolCall::new(tool, None)).unwrap();
    h.drain();
    h.tools();
    h.result("tools/call", json!({"task": task_json("t1", "working", false)}), &[]);
    h
}

pub fn extension_task() -> Harness {
    let mut h = Harness::new(Protocol::Extension);
    h.connect_extension();
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.tools();
    let mut created = task_json("t1", "working", true);
    created["resultType"] = json!("task");
    h.result("tools/call", created, &[]);
    h
}

pub fn sse(events: &[Value]) -> Vec<u8> {
    let mut out = String::from("id: s-0\nretry: 100\ndata:\n\n");
    for (i, e) in events.iter().enumerate() {
        out.push_str(&format!("event: message\nid: s-{}\ndata: {}\n\n", i + 1, e));
    }
    out.into_bytes()
}
