//! Tasks the client hosts for a 2025-11-25 server: a task-augmented `elicitation/create`
//! answered at once with a task, the question handed to the host, and the server's
//! `tasks/*` served from the receiver core, in virtual time against a scripted peer.

mod scripted;

use mcp_tasks::client::{ClientError, Engine, Event, InputId, Protocol, ToolCall, WithdrawReason};
use mcp_tasks::id::TaskId;
use mcp_tasks::protocol::http::ExchangeId;
use mcp_tasks::store::StoreConfig;
use scripted::*;
use serde_json::{Map, Value, json};

/// A hosting engine with task `t1` of the server waiting on a held `tasks/result`
/// stream, on which the server sends its requests.
struct Hosting {
    h: Harness,
    stream: ExchangeId,
    next_event: u32,
}

fn limits() -> StoreConfig {
    StoreConfig { poll_interval_ms: Some(500), ..StoreConfig::default() }
}

impl Hosting {
    fn new() -> Self {
        Self::with(Engine::with_hosted_tasks(Harness::config(Protocol::Legacy), limits()))
    }

    fn with(engine: Engine) -> Self {
        let mut h = Harness::with(engine);
        h.connect_legacy();
        h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
        h.drain();
        h.tools();
        h.result("tools/call", json!({"task": task_json("t1", "working", false)}), &[]);
        h.advance(10_000);
        h.result("tasks/get", task_json("t1", "input_required", false), &[]);
        let stream = h.last("tasks/result").id;
        h.reply_raw(stream, sse_head(), &[b"id: s-0\ndata:\n\n"], false);
        Self { h, stream, next_event: 1 }
    }

    /// The server sends `message` on the held stream.
    fn push(&mut self, message: Value) {
        let frame = format!("event: message\nid: s-{}\ndata: {message}\n\n", self.next_event);
        self.next_event += 1;
        self.h.engine.handle_body_chunk(self.h.now, self.stream, frame.as_bytes());
        self.h.drain();
    }

    /// The server's request `id` for `method`.
    fn ask(&mut self, id: &str, method: &str, params: Value) {
        self.push(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
    }

    /// An elicitation sent as a task with `ttl`, related to the server's task `t1`.
    fn elicit_as_task(&mut self, id: &str, ttl: Value) {
        let meta = json!({"io.modelcontextprotocol/related-task": {"taskId": "t1"}});
        let params = json!({"message": "approve?", "requestedSchema": {"type": "object"},
            "task": {"ttl": ttl}, "_meta": meta});
        self.ask(id, "elicitation/create", params);
    }

    /// The engine's answer to the server's request `id`, when it sent one.
    fn answer(&self, id: &str) -> Option<Value> {
        let mut answers =
            self.h.sent.iter().map(body).filter(|b| b["id"] == id && b.get("method").is_none());
        answers.next_back()
    }

    fn answers(&self, id: &str) -> usize {
        self.h.sent.iter().map(body).filter(|b| b["id"] == id && b.get("method").is_none()).count()
    }

    /// The input id and task id of the last hosted question.
    fn hosted(&self) -> (InputId, String) {
        self.h
            .events
            .iter()
            .rev()
            .find_map(|e| match e {
                Event::TaskHosted { input, task } => Some((*input, task.task_id.to_string())),
                _ => None,
            })
            .expect("a hosted task")
    }

    fn withdrawn(&self) -> Vec<(InputId, WithdrawReason)> {
        let withdrawn = self.h.events.iter().filter_map(|e| match e {
            Event::InputWithdrawn { input, reason } => Some((*input, *reason)),
            _ => None,
        });
        withdrawn.collect()
    }

    fn status_notes(&self) -> Vec<String> {
        let notes = self.h.sent.iter().map(body);
        notes
            .filter(|b| b["method"] == "notifications/tasks/status")
            .map(|b| {
                format!(
                    "{}:{}",
                    b["params"]["taskId"].as_str().unwrap_or(""),
                    b["params"]["status"].as_str().unwrap_or("")
                )
            })
            .collect()
    }
}

fn sse_head() -> mcp_tasks::protocol::http::ResponseHead {
    head(200, Some("text/event-stream"), &[])
}

fn accept() -> Map<String, Value> {
    json!({"action": "accept", "content": {"ok": true}}).as_object().cloned().unwrap_or_default()
}

#[test]
fn a_hosting_client_declares_what_it_hosts_and_a_plain_one_nothing() {
    let mut config = Harness::config(Protocol::Legacy);
    config.inputs.sampling = true;
    let mut h = Harness::with(Engine::with_hosted_tasks(config, limits()));
    h.engine.connect(h.now);
    h.drain();
    let caps = body(&h.last("initialize"))["params"]["capabilities"].clone();
    assert_eq!(
        caps["tasks"],
        json!({"list": {}, "cancel": {}, "requests": {
            "elicitation": {"create": {}}, "sampling": {"createMessage": {}}}})
    );
    let mut elicit_only =
        Harness::with(Engine::with_hosted_tasks(Harness::config(Protocol::Legacy), limits()));
    elicit_only.engine.connect(elicit_only.now);
    elicit_only.drain();
    let caps = body(&elicit_only.last("initialize"))["params"]["capabilities"].clone();
    assert_eq!(caps["tasks"]["requests"], json!({"elicitation": {"create": {}}}));
    let mut plain = Harness::new(Protocol::Legacy);
    plain.engine.connect(plain.now);
    plain.drain();
    assert_eq!(body(&plain.last("initialize"))["params"]["capabilities"].get("tasks"), None);
}

#[test]
fn a_question_asked_as_a_task_is_answered_minutes_later_and_collected_once() {
    let mut s = Hosting::new();
    s.elicit_as_task("e1", json!(10 * 24 * 3600 * 1000u64));
    // Answered at once with a task: 128 random bits, the TTL clamped to the store's
    // maximum (24 h), the store's poll interval.
    let created = s.answer("e1").expect("CreateTaskResult at once");
    let task = &created["result"]["task"];
    let task_id = task["taskId"].as_str().unwrap_or_default().to_owned();
    assert_eq!(task_id.len(), 32, "{task}");
    assert!(task_id.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        (task["status"].as_str(), task["ttl"].as_u64()),
        (Some("working"), Some(86_400_000))
    );
    assert_eq!(task["pollInterval"], json!(500));
    // The host gets the question as the standalone request, without `task`.
    let (input, hosted_id) = s.hosted();
    assert_eq!(hosted_id, task_id);
    let asked = s.h.events.iter().find_map(|e| match e {
        Event::InputRequested { input: i, task_id, method, params, .. } if *i == input => {
            Some((task_id.clone(), method.clone(), params.clone()))
        }
        _ => None,
    });
    let (related, method, params) = asked.expect("the question");
    assert_eq!(
        (related.map(|t| t.to_string()), method.as_str()),
        (Some("t1".into()), "elicitation/create")
    );
    assert_eq!(params.get("task"), None);
    assert_eq!(params["message"], "approve?");

    // The server polls faster than the interval it was given; each poll is answered.
    for (n, id) in ["g1", "g2", "g3"].iter().enumerate() {
        s.h.advance(100);
        s.ask(id, "tasks/get", json!({"taskId": task_id}));
        let got = s.answer(id).expect("tasks/get answered");
        assert_eq!(got["result"]["status"], "working", "poll {n}");
    }
    // tasks/result is held while the person thinks.
    s.ask("r1", "tasks/result", json!({"taskId": task_id}));
    assert_eq!(s.answer("r1"), None);
    s.h.advance(5_000);
    assert_eq!(s.answer("r1"), None, "still held after more than one poll interval");

    s.h.engine.answer_input(s.h.now, input, accept()).unwrap();
    s.h.drain();
    let result = s.answer("r1").expect("the held tasks/result answered");
    assert_eq!(result["result"]["action"], "accept");
    assert_eq!(result["result"]["content"], json!({"ok": true}));
    assert_eq!(
        result["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        task_id
    );
    assert_eq!(s.status_notes(), vec![format!("{task_id}:completed")]);
    // Later reads see the end; a cancel of a finished task is refused, as the spec says.
    s.ask("g4", "tasks/get", json!({"taskId": task_id}));
    assert_eq!(s.answer("g4").unwrap()["result"]["status"], "completed");
    s.ask("r2", "tasks/result", json!({"taskId": task_id}));
    assert_eq!(s.answer("r2").unwrap()["result"]["action"], "accept");
    s.ask("c1", "tasks/cancel", json!({"taskId": task_id}));
    assert_eq!(s.answer("c1").unwrap()["error"]["code"], -32602);
    s.ask("l1", "tasks/list", json!({}));
    let listed = s.answer("l1").unwrap();
    assert_eq!(listed["result"]["tasks"][0]["taskId"], task_id);
    // Answering twice is refused: the question is gone.
    assert!(s.h.engine.answer_input(s.h.now, input, accept()).is_err());
    assert_eq!(s.answers("r1"), 1);
}

#[test]
fn the_server_cancels_a_hosted_question_and_the_host_is_told() {
    let mut s = Hosting::new();
    s.elicit_as_task("e1", json!(60_000));
    let (first, first_id) = s.hosted();
    // A second question of the same server task, while the first is open.
    s.elicit_as_task("e2", json!(60_000));
    let (second, second_id) = s.hosted();
    assert_ne!(first_id, second_id);
    s.ask("r1", "tasks/result", json!({"taskId": first_id}));
    s.ask("c1", "tasks/cancel", json!({"taskId": first_id}));
    assert_eq!(s.answer("c1").unwrap()["result"]["status"], "cancelled");
    assert_eq!(s.withdrawn(), vec![(first, WithdrawReason::Cancelled)]);
    assert!(s.answer("r1").is_some(), "a held tasks/result ends with the cancel");
    let late = s.h.engine.answer_input(s.h.now, first, accept());
    assert!(matches!(late, Err(ClientError::UnknownInput { .. })), "{late:?}");
    // The other question is still open and completes normally.
    s.h.engine.answer_input(s.h.now, second, accept()).unwrap();
    s.h.drain();
    s.ask("r2", "tasks/result", json!({"taskId": second_id}));
    assert_eq!(s.answer("r2").unwrap()["result"]["action"], "accept");
}

#[test]
fn an_unanswered_question_expires_with_its_task() {
    let mut s = Hosting::new();
    s.elicit_as_task("e1", json!(2_000));
    let (input, task_id) = s.hosted();
    s.ask("r1", "tasks/result", json!({"taskId": task_id}));
    s.h.advance(1_999);
    assert!(s.withdrawn().is_empty());
    s.h.advance(10);
    assert_eq!(s.withdrawn(), vec![(input, WithdrawReason::Expired)]);
    assert_eq!(s.answer("r1").unwrap()["error"]["code"], -32602, "the held request learns");
    s.ask("g1", "tasks/get", json!({"taskId": task_id}));
    assert_eq!(s.answer("g1").unwrap()["error"]["code"], -32602);
    assert!(s.h.engine.answer_input(s.h.now, input, accept()).is_err());
}

#[test]
fn bad_requests_get_the_spec_errors_and_nothing_is_created() {
    let mut s = Hosting::new();
    // A kind the client did not declare (no sampling handler): -32601.
    s.ask("s1", "sampling/createMessage", json!({"messages": [], "maxTokens": 5, "task": {}}));
    assert_eq!(s.answer("s1").unwrap()["error"]["code"], -32601);
    // A TTL that is not a number, a task that is not an object: -32602.
    s.elicit_as_task("e1", json!("soon"));
    assert_eq!(s.answer("e1").unwrap()["error"]["code"], -32602);
    s.ask("e2", "elicitation/create", json!({"message": "x", "task": 7}));
    assert_eq!(s.answer("e2").unwrap()["error"]["code"], -32602);
    // tasks/* about an unknown task, or without a task id: -32602.
    s.ask("g1", "tasks/get", json!({"taskId": "nope"}));
    assert_eq!(s.answer("g1").unwrap()["error"]["code"], -32602);
    s.ask("g2", "tasks/result", json!({}));
    assert_eq!(s.answer("g2").unwrap()["error"]["code"], -32602);
    s.ask("l1", "tasks/list", json!({"cursor": "garbage"}));
    assert_eq!(s.answer("l1").unwrap()["error"]["code"], -32602);
    s.ask("l2", "tasks/list", json!({}));
    assert_eq!(s.answer("l2").unwrap()["result"]["tasks"], json!([]));
    assert!(!s.h.events.iter().any(|e| matches!(e, Event::TaskHosted { .. })));
}

#[test]
fn a_replayed_request_gets_the_same_task_and_asks_once() {
    let mut s = Hosting::new();
    s.elicit_as_task("e1", json!(60_000));
    s.elicit_as_task("e1", json!(60_000));
    let ids: Vec<_> =
        s.h.sent
            .iter()
            .map(body)
            .filter(|b| b["id"] == "e1")
            .map(|b| b["result"]["task"]["taskId"].clone())
            .collect();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1]);
    let asked = s.h.events.iter().filter(|e| matches!(e, Event::InputRequested { .. })).count();
    assert_eq!(asked, 1);
}

#[test]
fn many_hosted_questions_at_once_each_end_once() {
    let mut s = Hosting::new();
    let n = 200;
    for i in 0..n {
        s.elicit_as_task(&format!("e{i}"), json!(600_000));
    }
    let hosted: Vec<(InputId, String)> =
        s.h.events
            .iter()
            .filter_map(|e| match e {
                Event::TaskHosted { input, task } => Some((*input, task.task_id.to_string())),
                _ => None,
            })
            .collect();
    assert_eq!(hosted.len(), n);
    for (i, (_, task_id)) in hosted.iter().enumerate() {
        s.ask(&format!("r{i}"), "tasks/result", json!({"taskId": task_id}));
    }
    // Answered in reverse order, some minutes apart.
    for (input, _) in hosted.iter().rev() {
        s.h.advance(1_000);
        s.h.engine.answer_input(s.h.now, *input, accept()).unwrap();
        s.h.drain();
    }
    for i in 0..n {
        assert_eq!(s.answers(&format!("r{i}")), 1, "r{i}");
    }
    assert!(s.withdrawn().is_empty());
}

#[test]
fn losing_the_session_or_closing_withdraws_the_questions() {
    let mut s = Hosting::new();
    s.elicit_as_task("e1", json!(60_000));
    let (input, _) = s.hosted();
    // The server forgot the session: the client's next request gets a 404.
    s.h.engine.get_task(s.h.now, TaskId::from("t1")).unwrap();
    s.h.drain();
    let poll = s.h.last("tasks/get");
    s.h.reply_raw(poll.id, head(404, Some("application/json"), &[]), &[b"{}"], true);
    assert_eq!(s.withdrawn(), vec![(input, WithdrawReason::Closed)]);

    let mut s = Hosting::new();
    s.elicit_as_task("e1", json!(60_000));
    let (input, _) = s.hosted();
    s.h.engine.close(s.h.now);
    s.h.drain();
    assert_eq!(s.withdrawn(), vec![(input, WithdrawReason::Closed)]);
}

#[test]
fn without_hosting_a_task_request_is_answered_plainly() {
    let mut s = Hosting::with(Engine::new(Harness::config(Protocol::Legacy)));
    s.elicit_as_task("e1", json!(60_000));
    assert_eq!(s.answer("e1"), None, "no CreateTaskResult: the host answers the request");
    let input = s.h.events.iter().find_map(|e| match e {
        Event::InputRequested { input, .. } => Some(*input),
        _ => None,
    });
    s.h.engine.answer_input(s.h.now, input.expect("asked"), accept()).unwrap();
    s.h.drain();
    assert_eq!(s.answer("e1").unwrap()["result"]["action"], "accept");
    s.ask("g1", "tasks/get", json!({"taskId": "x"}));
    assert_eq!(s.answer("g1").unwrap()["error"]["code"], -32601);
}
