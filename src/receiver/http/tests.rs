//! Endpoint tests in virtual time: plain `u64` millisecond clocks, no runtime.

mod calls;
mod limits;

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

#[test]
fn an_idle_session_ends_with_its_tasks_and_their_work() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let task = h.task_of(r);
    assert_eq!(h.started.len(), 1);
    // Used again just before the limit: still there.
    let r = h.legacy(IDLE, &session, 2, "tasks/get", json!({"taskId": task}));
    assert_eq!(h.seen[&r].messages()[0]["result"]["status"], "working");
    let mut now = IDLE;
    while h.ep.poll_timeout().is_some_and(|t| t.0 <= 2 * IDLE + 1_000) {
        now = h.ep.poll_timeout().map_or(now, |t| t.0);
        h.ep.handle_timeout(UnixMillis(now));
        h.drain();
    }
    assert!(h.ep.session_ids().next().is_none(), "the idle session ended");
    assert_eq!(h.cancelled, vec![WorkId::Task(task.clone())], "its work was stopped");
    let r = h.legacy(now, &session, 3, "tasks/get", json!({"taskId": task}));
    assert_eq!(h.seen[&r].status, Some(404));
    assert_eq!(h.seen[&r].messages()[0]["error"]["message"], "Session not found");
}

#[test]
fn a_session_with_an_open_stream_does_not_go_idle() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    h.get(5, &session, None);
    // Well past the idle time, within the stream's age (10 min by default; past it, see
    // `tests::limits`).
    h.ep.handle_timeout(UnixMillis(9 * IDLE));
    h.drain();
    assert_eq!(h.ep.session_ids().count(), 1);
}

#[test]
fn a_resumed_get_stream_replays_what_the_cut_lost() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let work = WorkId::Task(h.task_of(r));
    let get = h.get(20, &session, None);
    h.report(30, &work, ToolReport::Status("one".into()));
    let ids = h.seen[&get].event_ids();
    assert_eq!(ids.len(), 2, "priming and one status: {ids:?}");
    h.ep.stream_closed(UnixMillis(40), get);
    h.report(50, &work, ToolReport::Status("two".into()));
    h.report(60, &work, done("ok"));
    let again = h.get(70, &session, Some(&ids[1]));
    let replayed = h.seen[&again].messages();
    let messages: Vec<&Value> = replayed.iter().map(|m| &m["params"]["statusMessage"]).collect();
    assert_eq!(messages, [&json!("two"), &json!("two")], "{replayed:?}");
    assert_eq!(replayed[1]["params"]["status"], "completed");
    assert!(!h.seen[&again].body.contains("\"one\""), "nothing before the last id again");
    assert!(!h.seen[&again].ended, "the standalone stream stays open");
}

#[test]
fn a_stopping_server_answers_held_results_and_running_calls_with_an_error() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let task = h.task_of(r);
    let held = h.legacy(20, &session, 2, "tasks/result", json!({"taskId": task}));
    assert!(h.seen[&held].messages().is_empty() && !h.seen[&held].ended, "held");
    let plain = h.legacy(21, &session, 3, "tools/call", json!({"name": "echo"}));
    let ext = h.extension(22, 4, "tools/call", Some("echo"), json!({"name": "echo"}));
    assert!(!h.seen.contains_key(&plain) && !h.seen.contains_key(&ext), "running");
    h.ep.close_all(UnixMillis(30));
    h.drain();
    let stopping = json!({"code": -32603, "message": "server shutting down"});
    let seen = &h.seen[&held];
    assert!(seen.ended);
    assert_eq!(seen.messages(), [json!({"jsonrpc": "2.0", "id": 2, "error": stopping})]);
    for (response, id) in [(plain, 3), (ext, 4)] {
        let seen = &h.seen[&response];
        assert!(seen.ended);
        let answer: Value = serde_json::from_str(&seen.body).unwrap();
        assert_eq!(answer, json!({"jsonrpc": "2.0", "id": id, "error": stopping}));
    }
    let calls = h.cancelled.iter().filter(|w| matches!(w, WorkId::Call(_))).count();
    assert_eq!(calls, 2, "both runs are told to stop: {:?}", h.cancelled);
}

#[test]
fn a_held_tasks_result_is_released_by_the_terminal_event() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let task = h.task_of(r);
    let held = h.legacy(20, &session, 2, "tasks/result", json!({"taskId": task}));
    assert_eq!(h.seen[&held].status, Some(200));
    assert!(h.seen[&held].headers.get("content-type") == Some("text/event-stream"));
    assert!(h.seen[&held].messages().is_empty() && !h.seen[&held].ended, "held");
    h.report(5_000, &WorkId::Task(task.clone()), done("the answer"));
    let seen = &h.seen[&held];
    assert!(seen.ended);
    let msg = &seen.messages()[0];
    assert_eq!(msg["id"], 2);
    assert_eq!(msg["result"]["content"][0]["text"], "the answer");
    assert_eq!(
        msg["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        json!(task)
    );
}

#[test]
fn a_question_goes_out_on_the_held_stream_and_its_answer_reaches_the_work() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let work = WorkId::Task(h.task_of(r));
    let asked = crate::task::InputRequest {
        method: "elicitation/create".into(),
        params: json!({"message": "Proceed?"}).as_object().cloned().unwrap_or_default(),
    };
    let key = h.report(20, &work, ToolReport::Ask(asked)).expect("a key");
    let WorkId::Task(task) = &work else { unreachable!() };
    let held = h.legacy(30, &session, 2, "tasks/result", json!({"taskId": task}));
    let question = h.seen[&held].messages()[0].clone();
    assert_eq!(question["method"], "elicitation/create");
    let headers = [("Mcp-Session-Id", session.as_str())];
    let r = h.post(
        40,
        &headers,
        json!({"jsonrpc": "2.0", "id": question["id"],
        "result": {"action": "accept"}}),
    );
    assert_eq!(h.seen[&r].status, Some(202));
    assert_eq!(h.answers.len(), 1);
    assert!(h.answers[0].1.contains_key(&key));
}

#[test]
fn a_question_waits_off_the_get_stream_until_the_client_names_its_task() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let get = h.get(5, &session, None);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let work = WorkId::Task(h.task_of(r));
    let asked = crate::task::InputRequest {
        method: "elicitation/create".into(),
        params: json!({"message": "Proceed?"}).as_object().cloned().unwrap_or_default(),
    };
    // The tool asks at once; a client that asked for the task may not have read the answer
    // that names it yet, and could not tell what the question belongs to.
    h.report(11, &work, ToolReport::Ask(asked));
    let asks = |h: &Harness| {
        let messages = h.seen[&get].messages();
        messages.iter().filter(|m| m["method"] == "elicitation/create").count()
    };
    assert_eq!(asks(&h), 0, "asked before the client named the task");
    let WorkId::Task(task) = &work else { unreachable!() };
    let polled = h.legacy(500, &session, 2, "tasks/get", json!({"taskId": task}));
    assert_eq!(h.seen[&polled].messages()[0]["result"]["status"], "input_required");
    assert_eq!(asks(&h), 1, "asked once the client named the task");
}

#[test]
fn listen_ends_when_the_tasks_it_follows_end() {
    let mut h = Harness::new();
    let a = h.extension(0, 1, "tools/call", Some("job"), json!({"name": "job"}));
    let b = h.extension(0, 2, "tools/call", Some("job"), json!({"name": "job"}));
    let (a, b) = (h.task_of(a), h.task_of(b));
    let listen = h.extension(
        10,
        3,
        "subscriptions/listen",
        None,
        json!({"notifications": {"taskIds": [a, b]}}),
    );
    assert_eq!(h.seen[&listen].messages().len(), 3, "ack and each task as it is now");
    h.report(20, &WorkId::Task(a.clone()), done("a"));
    assert!(!h.seen[&listen].ended, "one task still runs");
    h.report(30, &WorkId::Task(b.clone()), done("b"));
    let seen = &h.seen[&listen];
    assert!(seen.ended);
    let messages = seen.messages();
    let last = messages.last().expect("the listen result");
    assert_eq!(last["id"], 3);
    assert_eq!(last["result"]["resultType"], "complete");
    let statuses: Vec<&Value> = messages.iter().map(|m| &m["params"]["status"]).collect();
    assert_eq!(statuses[3..5], [&json!("completed"), &json!("completed")]);
}

#[test]
fn a_plain_call_is_answered_when_its_work_ends_and_cancelled_when_its_client_leaves() {
    let mut h = Harness::new();
    let r = h.extension(0, 1, "tools/call", Some("echo"), json!({"name": "echo"}));
    assert!(h.seen.get(&r).is_none_or(|s| s.status.is_none()), "no answer before the work ends");
    let work = h.started[0].work.clone();
    h.report(10, &work, done("hi"));
    let msg = &h.seen[&r].messages()[0];
    assert_eq!(msg["result"]["content"][0]["text"], "hi");
    assert_eq!(msg["result"]["resultType"], "complete");
    let r = h.extension(20, 2, "tools/call", Some("echo"), json!({"name": "echo"}));
    h.ep.stream_closed(UnixMillis(30), r);
    h.drain();
    assert_eq!(h.cancelled, vec![h.started[1].work.clone()]);
    let late = h.ep.handle_tool_report(UnixMillis(40), &h.started[1].work, done("late"));
    assert!(matches!(late, Err(ReportError::UnknownWork(_))));
}

#[test]
fn a_mismatched_routing_header_is_refused_before_anything_runs() {
    let mut h = Harness::new();
    let r = h.extension(0, 1, "tools/call", Some("echo"), json!({"name": "job"}));
    assert_eq!(h.seen[&r].status, Some(400));
    assert_eq!(h.seen[&r].messages()[0]["error"]["message"], "Header mismatch: Mcp-Name");
    assert!(h.started.is_empty());
}

#[test]
fn origin_body_size_and_preflight_are_decided_before_the_protocol() {
    let mut h = Harness::new();
    let evil = h.post(0, &[("Origin", "http://evil.example")], json!({}));
    assert_eq!(h.seen[&evil].status, Some(403));
    let big = "x".repeat(h.ep.config().max_body_bytes + 1);
    let r = h.post(0, &[], json!({"jsonrpc": "2.0", "id": 1, "method": big}));
    assert_eq!(h.seen[&r].status, Some(413));
    let mut headers: Headers = [("Origin", "http://localhost:5173")].into_iter().collect();
    headers.push("Access-Control-Request-Method", "POST");
    let pre = h.request(0, HttpMethod::Options, headers, "");
    let seen = &h.seen[&pre];
    assert_eq!(seen.status, Some(204));
    assert_eq!(seen.headers.get("access-control-allow-origin"), Some("http://localhost:5173"));
    assert!(
        seen.headers.get("access-control-allow-headers").is_some_and(|v| v.contains("mcp-name"))
    );
}

#[test]
fn a_session_that_speaks_one_revision_refuses_another() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let headers = [("Mcp-Session-Id", session.as_str()), ("MCP-Protocol-Version", "2025-06-18")];
    let r = h.post(1, &headers, json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}));
    assert_eq!(h.seen[&r].status, Some(400));
    let text = h.seen[&r].messages()[0]["error"]["message"].clone();
    assert_eq!(text, "Bad Request: this session speaks 2025-11-25, not 2025-06-18");
}

#[test]
fn clients_older_than_2025_11_25_get_no_priming_event() {
    let mut h = Harness::new();
    let r = h.post(
        0,
        &[],
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "t", "version": "0"}}}),
    );
    let session = h.seen[&r].headers.get("mcp-session-id").expect("a session").to_owned();
    let get = h.get(1, &session, None);
    assert_eq!(h.seen[&get].status, Some(200));
    assert_eq!(h.seen[&get].body, "", "no event the client could choke on");
}

#[test]
fn a_streamed_answer_cut_before_its_end_is_replayed_to_the_end() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    h.ep.config_mut().stream_answers = true;
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "echo"}));
    let primed = h.seen[&r].event_ids();
    assert_eq!(primed.len(), 1, "primed, nothing else yet");
    h.ep.stream_closed(UnixMillis(20), r);
    let work = h.started[0].work.clone();
    h.report(30, &work, done("late but kept"));
    let again = h.get(40, &session, Some(&primed[0]));
    let seen = &h.seen[&again];
    assert_eq!(seen.messages()[0]["result"]["content"][0]["text"], "late but kept");
    assert!(seen.ended, "the answer was the stream's end");
}

#[test]
fn a_second_get_stream_replaces_the_first() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let first = h.get(1, &session, None);
    let second = h.get(2, &session, None);
    assert!(h.seen[&first].ended, "the first one ends");
    assert!(!h.seen[&second].ended);
    assert_eq!(h.ep.notification_streams(), vec![second]);
}
