//! Questions a 2025-11-25 client answers as tasks of its own: asked with `params.task`
//! when it declared so, its task polled at its `pollInterval`, the answer fetched for the
//! tool, cancelled with the tool's task, and malformed replies turned into typed errors.

use serde_json::{Map, Value, json};

use super::{Harness, ResponseId, ToolReport, UnixMillis, WorkId};
use crate::id::TaskId;
use crate::task::{InputAnswer, InputRequest};

/// The capabilities of a client that hosts elicitations as tasks and cancels them.
fn hosting() -> Value {
    json!({"elicitation": {}, "tasks": {"cancel": {},
        "requests": {"elicitation": {"create": {}}}}})
}

fn initialize(h: &mut Harness, capabilities: Value) -> String {
    let r = h.post(
        0,
        &[],
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": capabilities,
            "clientInfo": {"name": "t", "version": "0"}}}),
    );
    h.seen[&r].headers.get("mcp-session-id").expect("a session id").to_owned()
}

/// A session whose tool task asked for approval, with its `tasks/result` held: the
/// session, the task, the question's key and the held response.
fn asked(h: &mut Harness, capabilities: Value) -> (String, TaskId, String, ResponseId) {
    let session = initialize(h, capabilities);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let task = h.task_of(r);
    let params = json!({"mode": "form", "message": "Approve?", "requestedSchema": {}});
    let question = InputRequest {
        method: "elicitation/create".into(),
        params: params.as_object().cloned().unwrap_or_default(),
    };
    let key = h.report(20, &WorkId::Task(task.clone()), ToolReport::Ask(question));
    let held = h.legacy(30, &session, 2, "tasks/result", json!({"taskId": task}));
    (session, task, key.expect("a key"), held)
}

/// The requests of `method` the server sent on `response`.
fn sent(h: &Harness, response: ResponseId, method: &str) -> Vec<Value> {
    h.seen[&response].messages().into_iter().filter(|m| m["method"] == method).collect()
}

/// The client's reply to server request `id`.
fn reply(h: &mut Harness, now: u64, session: &str, id: &Value, result: Value) {
    let r = h.post(
        now,
        &[("Mcp-Session-Id", session)],
        json!({"jsonrpc": "2.0", "id": id, "result": result}),
    );
    assert_eq!(h.seen[&r].status, Some(202));
}

/// A client task as `tasks/get` and `CreateTaskResult` carry it.
fn client_task(status: &str, poll: u64) -> Value {
    json!({"taskId": "c1", "status": status, "createdAt": "2025-11-25T10:30:00Z",
        "lastUpdatedAt": "2025-11-25T10:30:00Z", "ttl": 60000, "pollInterval": poll})
}

/// Passes time up to `to`, firing every timer due on the way.
fn advance(h: &mut Harness, to: u64) {
    while let Some(due) = h.ep.poll_timeout().filter(|t| t.0 <= to) {
        h.ep.handle_timeout(due);
        h.drain();
    }
}

/// The answers the work got, by key.
fn answer(h: &Harness, key: &str) -> Option<InputAnswer> {
    h.answers.iter().find_map(|(_, answers)| answers.get(key).cloned())
}

fn error_reason(answer: Option<InputAnswer>) -> (String, Value) {
    match answer {
        Some(InputAnswer::Error(e)) => (e.message, e.data.unwrap_or_default()["reason"].clone()),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn a_declaring_client_is_asked_with_a_task_and_polled_at_its_interval_until_it_answers() {
    let mut h = Harness::new();
    let (session, task, key, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    assert_eq!(question["params"]["task"], json!({"ttl": 1_800_000}));
    let related = &question["params"]["_meta"]["io.modelcontextprotocol/related-task"];
    assert_eq!(related["taskId"], json!(task));
    reply(&mut h, 40, &session, &question["id"], json!({"task": client_task("working", 2000)}));
    assert!(h.answers.is_empty(), "a created task is no answer");
    assert_eq!(h.ep.poll_timeout(), Some(UnixMillis(1_000)), "the sweep comes first");
    advance(&mut h, 2_039);
    assert!(sent(&h, held, "tasks/get").is_empty(), "polled before the client's interval");
    advance(&mut h, 2_040);
    let polls = sent(&h, held, "tasks/get");
    assert_eq!(polls.len(), 1);
    assert_eq!(polls[0]["params"], json!({"taskId": "c1"}));
    // The client's new interval counts from its reply.
    reply(&mut h, 2_050, &session, &polls[0]["id"], client_task("input_required", 3000));
    advance(&mut h, 5_049);
    assert_eq!(sent(&h, held, "tasks/get").len(), 1);
    advance(&mut h, 5_050);
    let polls = sent(&h, held, "tasks/get");
    assert_eq!(polls.len(), 2);
    reply(&mut h, 5_060, &session, &polls[1]["id"], client_task("completed", 3000));
    let fetch = sent(&h, held, "tasks/result");
    assert_eq!(fetch.len(), 1, "the answer is fetched at once");
    assert_eq!(fetch[0]["params"], json!({"taskId": "c1"}));
    assert!(h.answers.is_empty());
    let result = json!({"action": "accept", "content": {"approve": true},
        "_meta": {"io.modelcontextprotocol/related-task": {"taskId": "c1"}}});
    reply(&mut h, 5_070, &session, &fetch[0]["id"], result);
    let direct = json!({"action": "accept", "content": {"approve": true}});
    let direct: Map<String, Value> = direct.as_object().cloned().unwrap_or_default();
    assert_eq!(answer(&h, &key), Some(InputAnswer::Response(direct)), "as if answered at once");
    let polled = h.legacy(5_080, &session, 3, "tasks/get", json!({"taskId": task}));
    assert_eq!(h.seen[&polled].messages()[0]["result"]["status"], "working");
    advance(&mut h, 60_000);
    assert_eq!(sent(&h, held, "tasks/get").len(), 2, "no polls after the answer");
    assert_eq!(sent(&h, held, "tasks/result").len(), 1);
}

#[test]
fn a_client_that_did_not_declare_hosting_is_asked_plainly() {
    let mut h = Harness::new();
    let (session, _, key, held) = asked(&mut h, json!({"elicitation": {}}));
    let question = sent(&h, held, "elicitation/create").remove(0);
    assert!(question["params"].get("task").is_none(), "{question}");
    reply(&mut h, 40, &session, &question["id"], json!({"action": "decline"}));
    let declined = json!({"action": "decline"}).as_object().cloned().unwrap_or_default();
    assert_eq!(answer(&h, &key), Some(InputAnswer::Response(declined)));
    assert!(h.ep.poll_timeout().is_some_and(|t| t.0 >= 1_000), "no poll timer");
}

#[test]
fn a_declaring_client_that_answers_at_once_is_taken_at_its_word() {
    let mut h = Harness::new();
    let (session, _, key, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    reply(&mut h, 40, &session, &question["id"], json!({"action": "cancel"}));
    let cancel = json!({"action": "cancel"}).as_object().cloned().unwrap_or_default();
    assert_eq!(answer(&h, &key), Some(InputAnswer::Response(cancel)));
}

#[test]
fn cancelling_the_server_task_cancels_the_client_task() {
    let mut h = Harness::new();
    let (session, task, _, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    reply(&mut h, 40, &session, &question["id"], json!({"task": client_task("working", 500)}));
    let cancel = h.legacy(100, &session, 3, "tasks/cancel", json!({"taskId": task}));
    assert_eq!(h.seen[&cancel].messages()[0]["result"]["status"], "cancelled");
    assert_eq!(h.cancelled, [WorkId::Task(task.clone())]);
    let cancels = sent(&h, held, "tasks/cancel");
    assert_eq!(cancels.len(), 1, "sent on the held stream before it ends");
    assert_eq!(cancels[0]["params"], json!({"taskId": "c1"}));
    assert!(h.seen[&held].ended);
    advance(&mut h, 60_000);
    assert!(sent(&h, held, "tasks/get").is_empty(), "no polls after the cancel");
    // The client's late reply to the cancel is taken and dropped.
    reply(&mut h, 60_010, &session, &cancels[0]["id"], client_task("cancelled", 500));
}

#[test]
fn a_client_that_does_not_serve_cancel_is_not_sent_one() {
    let mut h = Harness::new();
    let capabilities = json!({"elicitation": {},
        "tasks": {"requests": {"elicitation": {"create": {}}}}});
    let (session, task, _, held) = asked(&mut h, capabilities);
    let question = sent(&h, held, "elicitation/create").remove(0);
    reply(&mut h, 40, &session, &question["id"], json!({"task": client_task("working", 500)}));
    h.legacy(100, &session, 3, "tasks/cancel", json!({"taskId": task}));
    assert!(sent(&h, held, "tasks/cancel").is_empty());
    advance(&mut h, 60_000);
    assert!(sent(&h, held, "tasks/get").is_empty());
}

#[test]
fn the_cancel_goes_on_the_standalone_stream_when_the_client_reads_one() {
    let mut h = Harness::new();
    let (session, task, _, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    reply(&mut h, 40, &session, &question["id"], json!({"task": client_task("working", 500)}));
    let get = h.get(50, &session, None);
    h.legacy(100, &session, 3, "tasks/cancel", json!({"taskId": task}));
    // A client whose own tasks/cancel was answered may drop the held stream unread.
    assert!(sent(&h, held, "tasks/cancel").is_empty(), "not on the held stream");
    let cancels = sent(&h, get, "tasks/cancel");
    assert_eq!(cancels.len(), 1, "on the standalone stream");
    assert_eq!(cancels[0]["params"], json!({"taskId": "c1"}));
}

#[test]
fn malformed_replies_reach_the_tool_as_typed_errors() {
    let mut h = Harness::new();
    let (session, _, key, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    reply(&mut h, 40, &session, &question["id"], json!({"task": {"taskId": 7}}));
    let (message, reason) = error_reason(answer(&h, &key));
    assert_eq!(reason, "client_task.malformed");
    assert!(message.contains("CreateTaskResult"), "{message}");
    assert_eq!(h.ep.poll_timeout(), Some(UnixMillis(1_000)), "nothing followed");

    let mut h = Harness::new();
    let (session, _, key, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    reply(&mut h, 40, &session, &question["id"], json!({"task": client_task("working", 100)}));
    advance(&mut h, 140);
    let poll = sent(&h, held, "tasks/get").remove(0);
    reply(&mut h, 150, &session, &poll["id"], client_task("thinking", 100));
    let (message, reason) = error_reason(answer(&h, &key));
    assert_eq!(reason, "client_task.malformed");
    assert!(message.contains("tasks/get result"), "{message}");
    advance(&mut h, 10_000);
    assert_eq!(sent(&h, held, "tasks/get").len(), 1, "no polls after the error");
}

#[test]
fn a_cancelled_or_failed_client_task_gives_the_tool_its_outcome() {
    // Cancelled by the client: a typed error naming its task and reason.
    let mut h = Harness::new();
    let (session, _, key, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    let mut cancelled = client_task("cancelled", 100);
    cancelled["statusMessage"] = json!("the person closed the dialog");
    reply(&mut h, 40, &session, &question["id"], json!({"task": cancelled}));
    let (message, reason) = error_reason(answer(&h, &key));
    assert_eq!(reason, "client_task.cancelled");
    assert!(message.contains("c1") && message.contains("closed the dialog"), "{message}");

    // Failed: `tasks/result` gives the error the question would have had, passed on.
    let mut h = Harness::new();
    let (session, _, key, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    reply(&mut h, 40, &session, &question["id"], json!({"task": client_task("failed", 100)}));
    let fetch = sent(&h, held, "tasks/result").remove(0);
    let error = json!({"code": -32600, "message": "no form renderer"});
    let headers = [("Mcp-Session-Id", session.as_str())];
    h.post(50, &headers, json!({"jsonrpc": "2.0", "id": fetch["id"], "error": error}));
    let Some(InputAnswer::Error(e)) = answer(&h, &key) else { panic!("no error") };
    assert_eq!((e.code.0, e.message.as_str()), (-32600, "no form renderer"));
}

#[test]
fn a_question_whose_client_task_was_lost_is_asked_again_twice_then_fails() {
    let mut h = Harness::new();
    let (session, _, key, held) = asked(&mut h, hosting());
    let headers = [("Mcp-Session-Id", session.as_str())];
    let mut now = 40;
    for round in 1..=3 {
        let question = sent(&h, held, "elicitation/create").remove(round - 1);
        assert_eq!(question["params"]["task"], json!({"ttl": 1_800_000}), "round {round}");
        assert_eq!(question["params"]["message"], "Approve?");
        reply(&mut h, now, &session, &question["id"], json!({"task": client_task("working", 100)}));
        advance(&mut h, now + 100);
        let poll = sent(&h, held, "tasks/get").remove(round - 1);
        // A reloaded client does not know the task its predecessor made.
        let error = json!({"code": -32602, "message": "Task not found"});
        h.post(now + 110, &headers, json!({"jsonrpc": "2.0", "id": poll["id"], "error": error}));
        now += 200;
        if round < 3 {
            assert!(h.answers.is_empty(), "asked again, round {round}");
            assert_eq!(sent(&h, held, "elicitation/create").len(), round + 1);
        }
    }
    let (message, reason) = error_reason(answer(&h, &key));
    assert_eq!(reason, "client_task.lost");
    assert!(message.contains("Task not found"), "{message}");
    assert_eq!(sent(&h, held, "elicitation/create").len(), 3);
}

#[test]
fn a_poll_that_reached_no_client_is_sent_again_when_one_reads() {
    let mut h = Harness::new();
    let (session, task, _, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    reply(&mut h, 40, &session, &question["id"], json!({"task": client_task("working", 500)}));
    h.ep.stream_closed(UnixMillis(50), held);
    h.drain();
    advance(&mut h, 540);
    assert!(sent(&h, held, "tasks/get").is_empty(), "the stream was gone");
    let again = h.legacy(600, &session, 3, "tasks/result", json!({"taskId": task}));
    advance(&mut h, 1_040);
    let polls = sent(&h, again, "tasks/get");
    assert_eq!(polls.len(), 1, "sent again on the new stream");
    assert_eq!(polls[0]["params"], json!({"taskId": "c1"}));
}

#[test]
fn a_client_task_created_after_the_server_task_ended_is_cancelled_on_its_next_stream() {
    let mut h = Harness::new();
    let (session, task, _, held) = asked(&mut h, hosting());
    let question = sent(&h, held, "elicitation/create").remove(0);
    // The cancel overtakes the client's answer to the question.
    h.legacy(35, &session, 3, "tasks/cancel", json!({"taskId": task}));
    assert!(h.seen[&held].ended);
    reply(&mut h, 40, &session, &question["id"], json!({"task": client_task("working", 500)}));
    assert!(sent(&h, held, "tasks/cancel").is_empty(), "no stream reaches the client");
    advance(&mut h, 10_000);
    assert!(sent(&h, held, "tasks/get").is_empty(), "an unwanted task is not polled");
    let get = h.get(10_010, &session, None);
    let cancels = sent(&h, get, "tasks/cancel");
    assert_eq!(cancels.len(), 1, "sent on the next stream the client opens");
    assert_eq!(cancels[0]["params"], json!({"taskId": "c1"}));
    let again = h.get(10_020, &session, None);
    assert!(sent(&h, again, "tasks/cancel").is_empty(), "sent once");
}
