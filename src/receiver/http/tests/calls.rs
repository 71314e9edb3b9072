//! How a `tools/call` gets under way: a tool that decides before its task, and plain calls
//! turned into tasks in task-tools mode.

use serde_json::{Map, Value, json};

use super::{Harness, IDLE, done, endpoint, tool};
use crate::protocol::legacy::{CallToolResult, TaskSupport};
use crate::receiver::http::{
    BeforeTaskAnswer, Generations, ResponseId, TaskHandleAnswer, ToolReport, UnixMillis, WorkId,
};
use crate::task::{InputRequest, InputRequests, Task};

/// An endpoint whose `gated` tool decides before its task starts.
fn deciding() -> Harness {
    let mut ep = endpoint();
    ep.config_mut().tools.push(tool("gated", TaskSupport::Optional).deciding_before_task());
    Harness::with(ep)
}

fn object(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn confirm() -> InputRequests {
    let request = InputRequest {
        method: "elicitation/create".into(),
        params: object(json!({"mode": "form", "message": "Proceed?"})),
    };
    [("confirm".to_owned(), request)].into_iter().collect()
}

/// Answers the one call waiting for a decision.
fn decide(h: &mut Harness, now: u64, answer: BeforeTaskAnswer) -> ResponseId {
    assert_eq!(h.deciding.len(), 1, "one call waits: {:?}", h.deciding);
    let (call, ..) = h.deciding.remove(0);
    assert!(h.ep.handle_before_task(UnixMillis(now), call, answer));
    h.drain();
    call
}

#[test]
fn a_tool_that_asks_before_its_task_gets_the_answers_on_the_next_round() {
    let mut h = deciding();
    let r = h.extension(
        0,
        1,
        "tools/call",
        Some("gated"),
        json!({"name": "gated",
        "arguments": {"n": 2}}),
    );
    assert!(h.seen.get(&r).is_none_or(|s| s.status.is_none()), "waits for the tool");
    assert_eq!(h.deciding[0].1, "gated");
    assert_eq!(h.deciding[0].2, object(json!({"n": 2})));
    assert_eq!(h.deciding[0].3, None, "no answers yet");
    decide(&mut h, 5, BeforeTaskAnswer::Ask(confirm()));
    let msg = &h.seen[&r].messages()[0];
    assert_eq!(msg["result"]["resultType"], "input_required");
    assert_eq!(msg["result"]["inputRequests"]["confirm"]["method"], "elicitation/create");
    assert!(h.started.is_empty(), "no task and no work yet");

    let answers = json!({"confirm": {"action": "accept", "content": {}}});
    let r = h.extension(
        10,
        2,
        "tools/call",
        Some("gated"),
        json!({"name": "gated",
        "arguments": {"n": 2}, "inputResponses": answers}),
    );
    assert_eq!(h.deciding[0].3, Some(object(answers.clone())));
    let ready = BeforeTaskAnswer::Ready(object(json!({"n": 2, "confirmed": true})));
    decide(&mut h, 15, ready);
    let task = h.task_of(r);
    assert_eq!(h.started.len(), 1);
    let start = &h.started[0];
    assert_eq!(start.work, WorkId::Task(task));
    assert_eq!(start.arguments, object(json!({"n": 2, "confirmed": true})), "as decided");
    assert_eq!(start.input_responses, Some(object(answers)));
}

#[test]
fn a_tool_that_needs_nothing_first_starts_as_it_decided() {
    let mut h = deciding();
    let r = h.extension(0, 1, "tools/call", Some("gated"), json!({"name": "gated"}));
    decide(&mut h, 1, BeforeTaskAnswer::Ready(Map::new()));
    let task = h.task_of(r);
    assert_eq!(h.started[0].work, WorkId::Task(task.clone()));
    h.report(2, &WorkId::Task(task), done("fine"));
}

#[test]
fn only_a_multi_round_call_waits_for_the_decision() {
    let mut h = deciding();
    let session = h.initialize(0);
    let r = h.legacy(1, &session, 1, "tools/call", json!({"name": "gated", "task": {}}));
    assert!(h.deciding.is_empty(), "2025-11-25 has no rounds before a task");
    h.task_of(r);
    assert_eq!(h.started.len(), 1);
}

#[test]
fn a_decision_for_a_call_whose_client_left_is_dropped() {
    let mut h = deciding();
    let r = h.extension(0, 1, "tools/call", Some("gated"), json!({"name": "gated"}));
    h.ep.stream_closed(UnixMillis(1), r);
    h.drain();
    let ready = BeforeTaskAnswer::Ready(Map::new());
    assert!(!h.ep.handle_before_task(UnixMillis(2), r, ready));
    assert!(h.started.is_empty(), "nothing runs for nobody");
}

fn handle(task: &Task, name: &str) -> CallToolResult {
    CallToolResult::text(format!("started {} for {name}", task.task_id.as_str()))
}

/// An endpoint in task-tools mode.
fn task_tools() -> Harness {
    let mut ep = endpoint();
    ep.config_mut().plain_calls_as_tasks = Some(TaskHandleAnswer::new(handle));
    Harness::with(ep)
}

#[test]
fn a_plain_call_in_task_tools_mode_is_answered_at_once_with_the_task_handle() {
    let mut h = task_tools();
    let session = h.initialize(0);
    let r = h.legacy(
        1,
        &session,
        1,
        "tools/call",
        json!({"name": "job", "_meta": {"progressToken": "p"}}),
    );
    let msg = &h.seen[&r].messages()[0];
    let text = msg["result"]["content"][0]["text"].as_str().unwrap_or_default().to_owned();
    let id = text.strip_prefix("started ").and_then(|t| t.strip_suffix(" for job"));
    let id = crate::id::TaskId::from(id.expect("the embedder's words"));
    assert_eq!(h.started.len(), 1);
    assert_eq!(h.started[0].work, WorkId::Task(id.clone()));
    assert_eq!(h.started[0].progress_token, None, "the call is answered: no progress");
    let got = h.legacy(2, &session, 2, "tasks/get", json!({"taskId": id}));
    assert_eq!(h.seen[&got].messages()[0]["result"]["status"], "working");
    h.report(3, &WorkId::Task(id.clone()), done("counted"));
    let got = h.legacy(IDLE / 2, &session, 3, "tasks/result", json!({"taskId": id}));
    assert_eq!(h.seen[&got].messages()[0]["result"]["content"][0]["text"], "counted");
}

#[test]
fn task_tools_mode_leaves_task_calls_and_forbidden_tools_as_they_were() {
    let mut h = task_tools();
    let session = h.initialize(0);
    let r = h.legacy(1, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    h.task_of(r);
    let r = h.legacy(2, &session, 2, "tools/call", json!({"name": "echo"}));
    assert!(h.seen.get(&r).is_none_or(|s| s.status.is_none()), "runs plainly");
    assert!(matches!(h.started[1].work, WorkId::Call(_)));
    let r = h.extension(3, 3, "tools/call", Some("job"), json!({"name": "job"}));
    h.task_of(r);
    assert_eq!(h.ep.config().generations, Generations::Both);
}

#[test]
fn a_task_s_progress_reaches_the_get_stream_before_the_client_names_the_task() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let get = h.get(1, &session, None);
    let call = json!({"name": "job", "task": {}, "_meta": {"progressToken": "p"}});
    let r = h.legacy(2, &session, 1, "tools/call", call);
    let work = WorkId::Task(h.task_of(r));
    let progress = ToolReport::Progress { progress: 1.0, total: Some(4.0), message: None };
    h.report(3, &work, progress);
    let sent = h.seen[&get].messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["method"], "notifications/progress");
    assert_eq!(
        (&sent[0]["params"]["progress"], &sent[0]["params"]["total"]),
        (&json!(1), &json!(4))
    );
}
