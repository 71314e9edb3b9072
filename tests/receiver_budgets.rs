//! The storage budgets as a receiver's requestors and tools meet them, on a virtual clock:
//! a refused `tools/call` names the limit, a result too large to store ends the task
//! `failed` saying so, and an answer too large is refused without losing the question.

use mcp_tasks::id::{CounterIds, TaskId};
use mcp_tasks::protocol::jsonrpc::{ErrorCode, ErrorObject};
use mcp_tasks::receiver::{Caller, Receiver, Reply, TaskSupport, ToolCallPlan};
use mcp_tasks::store::{Limit, MemoryBackend, Owner, StoreConfig, StoreError, TaskStore};
use mcp_tasks::task::{InputAnswer, InputRequest, TaskStatus};
use mcp_tasks::time::UnixMillis;
use serde_json::{Map, Value, json};

const T0: UnixMillis = UnixMillis(1_763_700_000_000);

type Rx = Receiver<MemoryBackend, CounterIds>;

fn receiver(config: StoreConfig) -> Rx {
    Receiver::new(TaskStore::new(MemoryBackend::new(), CounterIds::new("task"), config))
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn caller(owner: &str) -> Caller {
    Caller::extension(Owner::from(owner), true)
}

fn call(rx: &mut Rx, caller: &Caller) -> ToolCallPlan {
    let params = obj(json!({"name": "export", "arguments": {}}));
    rx.accept_tool_call(caller, TaskSupport::Optional, &params, T0)
}

fn start(rx: &mut Rx, caller: &Caller) -> TaskId {
    match call(rx, caller) {
        ToolCallPlan::Task { task_id, .. } => task_id,
        other => panic!("expected a task, got {other:?}"),
    }
}

fn get(rx: &mut Rx, caller: &Caller, id: &TaskId) -> Map<String, Value> {
    let params = obj(json!({"taskId": id}));
    match rx.handle(caller, "tasks/get", Some(&params), T0) {
        Some(Reply::Result(r)) => r,
        other => panic!("expected a task, got {other:?}"),
    }
}

fn text_of(bytes: usize) -> Map<String, Value> {
    obj(json!({"content": [{"type": "text", "text": "r".repeat(bytes)}]}))
}

#[test]
fn a_tools_call_over_a_budget_is_refused_naming_it() {
    let mut rx = receiver(StoreConfig { max_tasks_total: 2, ..StoreConfig::default() });
    start(&mut rx, &caller("a"));
    start(&mut rx, &caller("b"));
    let ToolCallPlan::Reject(error) = call(&mut rx, &caller("c")) else {
        panic!("a third owner got a task past max_tasks_total")
    };
    assert_eq!(error.code, ErrorCode::INVALID_REQUEST);
    assert!(error.message.contains("max_tasks_total"), "{}", error.message);
    assert_eq!(error.data, Some(json!({"limit": "max_tasks_total", "max": 2})));
}

#[test]
fn a_result_too_large_to_store_fails_the_task_saying_so() {
    let mut rx = receiver(StoreConfig { max_bytes_per_owner: 16 * 1024, ..StoreConfig::default() });
    let me = caller("alice");
    let id = start(&mut rx, &me);
    let task = rx.work(&id).complete(text_of(32 * 1024), T0).expect("the task ends anyway");
    assert_eq!(task.status(), TaskStatus::Failed, "not left working with the result lost");
    let got = get(&mut rx, &me, &id);
    assert_eq!(got["status"], "failed");
    let error: ErrorObject = serde_json::from_value(got["error"].clone()).expect("an error");
    assert_eq!(error.code, ErrorCode::INVALID_REQUEST);
    assert!(error.message.contains("too large") && error.message.contains("max_bytes_per_owner"));
    let status = got["statusMessage"].as_str().unwrap_or_default();
    assert!(status.contains("max_bytes_per_owner"), "{status}");

    let fits = start(&mut rx, &me);
    let task = rx.work(&fits).complete(text_of(8 * 1024), T0).expect("complete");
    assert_eq!(task.status(), TaskStatus::Completed, "a result within the budget is kept");
    assert_eq!(
        get(&mut rx, &me, &fits)["result"]["content"][0]["text"].as_str().map(str::len),
        Some(8 * 1024)
    );
}

#[test]
fn an_error_too_large_to_store_fails_the_task_with_a_short_one() {
    let mut rx = receiver(StoreConfig { max_bytes_per_owner: 16 * 1024, ..StoreConfig::default() });
    let me = caller("alice");
    let id = start(&mut rx, &me);
    let huge = ErrorObject::new(ErrorCode::INTERNAL_ERROR, "e".repeat(64 * 1024));
    let task = rx.work(&id).fail(huge, T0).expect("the task ends anyway");
    assert_eq!(task.status(), TaskStatus::Failed);
    let got = get(&mut rx, &me, &id);
    let size = Value::Object(got).to_string().len();
    assert!(size < 2 * 1024, "the stored error is short: {size} bytes");
}

#[test]
fn questions_and_answers_too_large_are_refused() {
    let config = StoreConfig { max_input_request_bytes: 1024, ..StoreConfig::default() };
    let mut rx = receiver(StoreConfig { max_bytes_per_owner: 16 * 1024, ..config });
    let me = caller("alice");
    let id = start(&mut rx, &me);
    let ask = |text: usize| InputRequest {
        method: "elicitation/create".into(),
        params: obj(json!({"mode": "form", "message": "q".repeat(text), "requestedSchema": {}})),
    };
    let refused = rx.work(&id).ask(ask(4 * 1024), T0);
    assert_eq!(
        refused,
        Err(StoreError::LimitExceeded { limit: Limit::InputRequestBytes, max: 1024 })
    );
    assert_eq!(get(&mut rx, &me, &id)["status"], "working", "the refused question changed nothing");
    let key = rx.work(&id).ask(ask(100), T0).expect("a short question");
    let big = obj(json!({"action": "accept", "content": {"v": "a".repeat(32 * 1024)}}));
    let responses = Map::from_iter([(key.clone(), Value::Object(big))]);
    let params = obj(json!({"taskId": id, "inputResponses": responses}));
    let reply = rx.handle(&me, "tasks/update", Some(&params), T0);
    let Some(Reply::Error(error)) = reply else { panic!("a 32 KB answer was taken: {reply:?}") };
    assert_eq!(error.code, ErrorCode::INVALID_REQUEST);
    assert!(error.message.contains("max_bytes_per_owner"), "{}", error.message);
    assert_eq!(get(&mut rx, &me, &id)["status"], "input_required", "the question still waits");
    let small = InputAnswer::from(obj(json!({"action": "accept", "content": {"v": "ok"}})));
    let answered = rx.deliver_answer(&me, &id, key, small, T0).expect("a short answer");
    assert!(answered);
}

#[test]
fn a_legacy_answer_too_large_reaches_the_work_as_an_error() {
    let config = StoreConfig { max_bytes_per_owner: 16 * 1024, ..StoreConfig::default() };
    let mut rx = receiver(config);
    let me = Caller::legacy(Owner::from("session-1"));
    let params = obj(json!({"name": "export", "arguments": {}, "task": {"ttl": 60_000}}));
    let ToolCallPlan::Task { task_id: id, .. } =
        rx.accept_tool_call(&me, TaskSupport::Optional, &params, T0)
    else {
        panic!("no task")
    };
    let ask = InputRequest { method: "roots/list".into(), params: Map::new() };
    let key = rx.work(&id).ask(ask, T0).expect("ask");
    let big = obj(json!({"roots": [{"uri": format!("file:///{}", "d".repeat(32 * 1024))}]}));
    let taken = rx.deliver_answer(&me, &id, key.clone(), InputAnswer::from(big), T0);
    assert_eq!(taken, Ok(true), "the question is settled, not left waiting");
    let answers = rx.work(&id).answers(T0).expect("answers");
    let Some(InputAnswer::Error(error)) = answers.get(&key) else {
        panic!("expected the refusal as the answer: {answers:?}")
    };
    assert_eq!(error.code, ErrorCode::INVALID_REQUEST);
    assert!(error.message.contains("max_bytes_per_owner"), "{}", error.message);
}
