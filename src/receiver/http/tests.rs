//! Endpoint tests in virtual time: plain `u64` millisecond clocks, no runtime.

mod calls;
mod hosted;
mod limits;
mod sessions;
mod streams;

use serde_json::{Value, json};

use super::*;
use crate::id::{CounterIds, TaskId};
use crate::protocol::legacy::{TaskSupport, Tool};
use crate::store::{StoreConfig, TaskStore};

type Ep = Endpoint<MemoryBackend, CounterIds>;

const IDLE: u64 = 60_000;

fn tool(name: &str, support: TaskSupport) -> ToolDescriptor {
    ToolDescriptor::new(Tool {
        description: Some(format!("{name} for tests")),
        ..Tool::new(name, support)
    })
}

fn endpoint() -> Ep {
    let config = Config {
        session_idle_ms: IDLE,
        sweep_interval_ms: 1_000,
        keepalive_ms: 0,
        sse_retry_ms: 300,
        tools: vec![tool("job", TaskSupport::Optional), tool("echo", TaskSupport::Forbidden)],
        ..Config::default()
    };
    let store_config = StoreConfig { default_ttl_ms: Some(600_000), ..StoreConfig::default() };
    let store = TaskStore::new(MemoryBackend::new(), CounterIds::new("task"), store_config);
    Endpoint::new(config, Receiver::new(store)).with_session_ids(CounterIds::new("session"))
}

/// What came out for one response, and the other outputs.
#[derive(Debug, Default)]
struct Seen {
    status: Option<u16>,
    headers: Headers,
    body: String,
    ended: bool,
}

impl Seen {
    /// The JSON-RPC messages in the body (a JSON body, or the data of SSE events).
    fn messages(&self) -> Vec<Value> {
        if self.headers.get("content-type") == Some("application/json") {
            return serde_json::from_str(&self.body).into_iter().collect();
        }
        self.body
            .split("\n\n")
            .filter_map(|event| event.lines().find_map(|l| l.strip_prefix("data: ")))
            .filter_map(|data| serde_json::from_str(data).ok())
            .collect()
    }

    /// The event ids in an SSE body, in order.
    fn event_ids(&self) -> Vec<String> {
        self.body.lines().filter_map(|l| l.strip_prefix("id: ")).map(str::to_owned).collect()
    }
}

struct Harness {
    ep: Ep,
    seen: BTreeMap<ResponseId, Seen>,
    started: Vec<StartTool>,
    cancelled: Vec<WorkId>,
    answers: Vec<(WorkId, crate::task::InputAnswers)>,
    /// Calls waiting for their tool's decision: the call, tool, arguments and answers.
    deciding: Vec<Deciding>,
}

type Deciding =
    (ResponseId, String, serde_json::Map<String, Value>, Option<serde_json::Map<String, Value>>);

impl Harness {
    fn new() -> Self {
        Self::with(endpoint())
    }

    fn with(ep: Ep) -> Self {
        Self {
            ep,
            seen: BTreeMap::new(),
            started: Vec::new(),
            cancelled: Vec::new(),
            answers: Vec::new(),
            deciding: Vec::new(),
        }
    }

    fn drain(&mut self) {
        while let Some(out) = self.ep.poll_output() {
            match out {
                Output::Head { response, head } => {
                    let seen = self.seen.entry(response).or_default();
                    assert!(seen.status.is_none(), "a second head for {response}");
                    seen.status = Some(head.status);
                    seen.headers = head.headers;
                }
                Output::Body { response, bytes } => {
                    let seen = self.seen.entry(response).or_default();
                    assert!(seen.status.is_some() && !seen.ended, "body out of place");
                    seen.body.push_str(&String::from_utf8_lossy(&bytes));
                }
                Output::End { response } => {
                    let seen = self.seen.entry(response).or_default();
                    assert!(!seen.ended, "a second end for {response}");
                    seen.ended = true;
                }
                Output::StartTool(start) => self.started.push(start),
                Output::CancelTool { work } => self.cancelled.push(work),
                Output::InputAnswered { work } => {
                    let answers = self.ep.take_answers(UnixMillis(0), &work).expect("answers");
                    self.answers.push((work, answers));
                }
                Output::BeforeTask { call, tool, arguments, input_responses } => {
                    self.deciding.push((call, tool, arguments, input_responses));
                }
                Output::TaskRemoved { .. } => {}
            }
        }
    }

    fn request(
        &mut self,
        now: u64,
        method: HttpMethod,
        headers: Headers,
        body: &str,
    ) -> ResponseId {
        let request = Request {
            method,
            path: "/mcp".into(),
            headers,
            body: body.as_bytes().to_vec(),
            peer: None,
        };
        let r = self.ep.handle_request(UnixMillis(now), request);
        self.drain();
        r
    }

    fn post(&mut self, now: u64, headers: &[(&str, &str)], body: Value) -> ResponseId {
        let mut h: Headers = headers.iter().map(|(n, v)| (*n, *v)).collect();
        h.push("Content-Type", "application/json");
        h.push("Accept", "application/json, text/event-stream");
        self.request(now, HttpMethod::Post, h, &body.to_string())
    }

    /// Opens a 2025-11-25 session; returns its id.
    fn initialize(&mut self, now: u64) -> String {
        let r = self.post(
            now,
            &[],
            json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"}}}),
        );
        self.seen[&r].headers.get("mcp-session-id").expect("a session id").to_owned()
    }

    fn legacy(
        &mut self,
        now: u64,
        session: &str,
        id: u64,
        method: &str,
        params: Value,
    ) -> ResponseId {
        let headers = [("Mcp-Session-Id", session), ("MCP-Protocol-Version", "2025-11-25")];
        self.post(
            now,
            &headers,
            json!({"jsonrpc": "2.0", "id": id, "method": method,
            "params": params}),
        )
    }

    fn extension(
        &mut self,
        now: u64,
        id: u64,
        method: &str,
        name: Option<&str>,
        mut params: Value,
    ) -> ResponseId {
        params["_meta"] = json!({
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":
                {"extensions": {"io.modelcontextprotocol/tasks": {}}}});
        let mut headers = vec![("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", method)];
        if let Some(name) = name {
            headers.push(("Mcp-Name", name));
        }
        self.post(
            now,
            &headers,
            json!({"jsonrpc": "2.0", "id": id, "method": method,
            "params": params}),
        )
    }

    fn get(&mut self, now: u64, session: &str, last_event_id: Option<&str>) -> ResponseId {
        let mut h: Headers =
            [("Accept", "text/event-stream"), ("Mcp-Session-Id", session)].into_iter().collect();
        if let Some(last) = last_event_id {
            h.push("Last-Event-ID", last);
        }
        self.request(now, HttpMethod::Get, h, "")
    }

    fn report(&mut self, now: u64, work: &WorkId, report: ToolReport) -> Option<String> {
        let key = self.ep.handle_tool_report(UnixMillis(now), work, report).expect("report");
        self.drain();
        key
    }

    fn task_of(&self, r: ResponseId) -> TaskId {
        let msg = &self.seen[&r].messages()[0];
        let id = msg["result"]["task"]["taskId"].as_str().or(msg["result"]["taskId"].as_str());
        TaskId::from(id.expect("a task"))
    }
}

fn done(text: &str) -> ToolReport {
    let result = json!({"content": [{"type": "text", "text": text}]});
    ToolReport::Result(result.as_object().cloned().unwrap_or_default())
}
