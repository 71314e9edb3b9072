//! The receiver answering `tasks/*` and `tools/call` in both generations, on a virtual clock.

use mcp_tasks::id::{CounterIds, TaskId};
use mcp_tasks::protocol::jsonrpc::{ErrorCode, ErrorObject, RequestId};
use mcp_tasks::receiver::{Caller, Event, Receiver, Reply, TaskSupport, ToolCallPlan};
use mcp_tasks::store::{MemoryBackend, Owner, RemovalReason, StoreConfig, StoreError, TaskStore};
use mcp_tasks::task::{Generation, InputAnswer, InputRequest, TaskStatus};
use mcp_tasks::time::UnixMillis;
use serde_json::{Map, Value, json};

const T0: UnixMillis = UnixMillis(1_763_700_000_000);

type Rx = Receiver<MemoryBackend, CounterIds>;

fn receiver() -> Rx {
    let config = StoreConfig { page_size: 2, ..StoreConfig::default() };
    Receiver::new(TaskStore::new(MemoryBackend::new(), CounterIds::new("task"), config))
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

fn at(ms: u64) -> UnixMillis {
    T0.saturating_add(ms)
}

fn legacy() -> Caller {
    Caller::legacy(Owner::from("alice"))
}

fn modern(declares: bool) -> Caller {
    Caller::extension(Owner::from("alice"), declares)
}

fn call(rx: &mut Rx, caller: &Caller, method: &str, params: Value, now: UnixMillis) -> Reply {
    rx.handle(caller, method, Some(&obj(params)), now).expect("a tasks/* method")
}

fn ok(reply: Reply) -> Map<String, Value> {
    match reply {
        Reply::Result(r) => r,
        other => panic!("expected a result, got {other:?}"),
    }
}

fn err(reply: Reply) -> ErrorObject {
    match reply {
        Reply::Error(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn start(rx: &mut Rx, caller: &Caller, support: TaskSupport, params: Value) -> TaskId {
    match rx.accept_tool_call(caller, support, &obj(params), T0) {
        ToolCallPlan::Task { task_id, .. } => task_id,
        other => panic!("expected a task, got {other:?}"),
    }
}

fn events(rx: &mut Rx) -> Vec<Event> {
    std::iter::from_fn(|| rx.poll_event()).collect()
}

#[test]
fn legacy_task_lifecycle_from_call_to_result() {
    let mut rx = receiver();
    let c = legacy();
    let params = json!({"name": "slow", "arguments": {}, "task": {"ttl": 60_000}, "_meta": {"progressToken": 7}});
    let plan = rx.accept_tool_call(&c, TaskSupport::Optional, &obj(params), T0);
    let ToolCallPlan::Task { task_id, reply, progress_token } = plan else { panic!("{plan:?}") };
    assert_eq!(progress_token, Some(json!(7)));
    assert_eq!(reply["task"]["status"], "working");
    assert_eq!(reply["task"]["ttl"], 60_000);
    assert_eq!(reply["task"]["taskId"], task_id.as_str());

    let got = ok(call(&mut rx, &c, "tasks/get", json!({"taskId": task_id}), at(10)));
    assert_eq!(got["status"], "working", "flat task");
    assert!(got.get("task").is_none());
    let held = call(&mut rx, &c, "tasks/result", json!({"taskId": task_id}), at(10));
    assert_eq!(held, Reply::AwaitTerminal(task_id.clone()), "tasks/result waits for the end");

    rx.work(&task_id).status_message("step 1/2", at(20)).unwrap();
    let result = obj(json!({"content": [{"type": "text", "text": "42"}]}));
    rx.work(&task_id).complete(result, at(30)).unwrap();
    let evs = events(&mut rx);
    assert!(
        matches!(&evs[0], Event::Status { view, .. } if view.task.status_message.as_deref() == Some("step 1/2"))
    );
    assert!(
        matches!(&evs[1], Event::Status { view, .. } if view.task.status() == TaskStatus::Completed)
    );
    assert_eq!(evs[2], Event::Terminal { task_id: task_id.clone(), owner: Owner::from("alice") });

    let r = ok(call(&mut rx, &c, "tasks/result", json!({"taskId": task_id}), at(40)));
    assert_eq!(r["content"][0]["text"], "42");
    assert_eq!(r["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], task_id.as_str());
}

#[test]
fn legacy_acceptance_rules() {
    let mut rx = receiver();
    let c = legacy();
    let with_task = json!({"name": "t", "task": {}});
    let without = json!({"name": "t"});
    let e = rx.accept_tool_call(&c, TaskSupport::Forbidden, &obj(with_task.clone()), T0);
    assert!(matches!(
        e,
        ToolCallPlan::Reject(ErrorObject { code: ErrorCode::METHOD_NOT_FOUND, .. })
    ));
    let e = rx.accept_tool_call(&c, TaskSupport::Required, &obj(without.clone()), T0);
    assert!(matches!(
        e,
        ToolCallPlan::Reject(ErrorObject { code: ErrorCode::METHOD_NOT_FOUND, .. })
    ));
    assert_eq!(
        rx.accept_tool_call(&c, TaskSupport::Optional, &obj(without.clone()), T0),
        ToolCallPlan::Plain
    );
    assert_eq!(
        rx.accept_tool_call(&c, TaskSupport::Forbidden, &obj(without), T0),
        ToolCallPlan::Plain
    );
    let bad = json!({"name": "t", "task": {"ttl": "soon"}});
    let e = rx.accept_tool_call(&c, TaskSupport::Optional, &obj(bad), T0);
    assert!(matches!(e, ToolCallPlan::Reject(ErrorObject { code: ErrorCode::INVALID_PARAMS, .. })));
    let id = start(&mut rx, &c, TaskSupport::Required, with_task);
    let got = ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), T0));
    assert_eq!(
        got["ttl"],
        json!(StoreConfig::default().default_ttl_ms),
        "task: {{}} gets the default TTL"
    );
}

#[test]
fn is_error_results_map_per_generation() {
    let mut rx = receiver();
    let failing = obj(json!({"content": [{"type": "text", "text": "no"}], "isError": true}));

    let old = start(&mut rx, &legacy(), TaskSupport::Optional, json!({"name": "t", "task": {}}));
    assert_eq!(
        rx.work(&old).complete(failing.clone(), at(1)).unwrap().status(),
        TaskStatus::Failed
    );
    let r = ok(call(&mut rx, &legacy(), "tasks/result", json!({"taskId": old}), at(2)));
    assert_eq!(r["isError"], true, "the stored isError result is returned, not dropped");

    let new = start(&mut rx, &modern(true), TaskSupport::Optional, json!({"name": "t"}));
    assert_eq!(rx.work(&new).complete(failing, at(1)).unwrap().status(), TaskStatus::Completed);
    let got = ok(call(&mut rx, &modern(true), "tasks/get", json!({"taskId": new}), at(2)));
    assert_eq!(got["status"], "completed");
    assert_eq!(got["result"]["isError"], true);
    assert_eq!(got["resultType"], "complete");

    // A legacy task read through the extension: `failed` must carry an error there.
    let got = ok(call(&mut rx, &modern(true), "tasks/get", json!({"taskId": old}), at(3)));
    assert_eq!(got["status"], "failed");
    assert_eq!(got["error"]["data"]["isError"], true);
}

#[test]
fn legacy_failed_with_error_and_cancelled_results() {
    let mut rx = receiver();
    let c = legacy();
    let id = start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t", "task": {}}));
    rx.work(&id).fail(ErrorObject::new(ErrorCode::INTERNAL_ERROR, "disk on fire"), at(1)).unwrap();
    let got = ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(2)));
    assert_eq!(
        (got["status"].clone(), got["statusMessage"].clone()),
        (json!("failed"), json!("disk on fire"))
    );
    let e = err(call(&mut rx, &c, "tasks/result", json!({"taskId": id}), at(2)));
    assert_eq!(
        (e.code, e.message.as_str()),
        (ErrorCode::INTERNAL_ERROR, "disk on fire"),
        "the same JSON-RPC error"
    );

    let id = start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t", "task": {}}));
    events(&mut rx);
    let cancelled = ok(call(&mut rx, &c, "tasks/cancel", json!({"taskId": id}), at(5)));
    assert_eq!(cancelled["status"], "cancelled", "cancelled before the reply");
    assert!(events(&mut rx).contains(&Event::CancelRequested { task_id: id.clone() }));
    let again = err(call(&mut rx, &c, "tasks/cancel", json!({"taskId": id}), at(6)));
    assert_eq!(again.code, ErrorCode::INVALID_PARAMS);
    assert!(again.message.contains("terminal status 'cancelled'"), "{}", again.message);
    let late = rx.work(&id).complete(Map::new(), at(7));
    assert!(matches!(late, Err(StoreError::AlreadyTerminal { status: TaskStatus::Cancelled, .. })));
    assert_eq!(
        ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(8)))["status"],
        "cancelled"
    );
    let e = err(call(&mut rx, &c, "tasks/result", json!({"taskId": id}), at(8)));
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "a cancelled task has no result");
}

#[test]
fn legacy_input_requests_travel_as_events_and_answers_resume() {
    let mut rx = receiver();
    let c = legacy();
    let id = start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t", "task": {}}));
    let ask = InputRequest {
        method: "elicitation/create".into(),
        params: obj(json!({"message": "Delete?"})),
    };
    let key = rx.work(&id).ask(ask.clone(), at(1)).unwrap();
    let evs = events(&mut rx);
    let owner = Owner::from("alice");
    assert_eq!(
        evs[0],
        Event::InputRequested { task_id: id.clone(), key: key.clone(), request: ask, owner }
    );
    assert_eq!(
        ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(2)))["status"],
        "input_required"
    );
    let stranger = Caller::legacy(Owner::from("mallory"));
    let answer = obj(json!({"action": "accept", "content": {"confirm": true}}));
    assert!(rx.deliver_answer(&stranger, &id, key.clone(), answer.clone(), at(3)).is_err());
    assert!(rx.deliver_answer(&c, &id, key.clone(), answer.clone(), at(3)).unwrap());
    assert!(
        !rx.deliver_answer(&c, &id, key.clone(), answer.clone(), at(4)).unwrap(),
        "answered once"
    );
    assert_eq!(
        ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(5)))["status"],
        "working"
    );
    assert_eq!(rx.work(&id).answers(at(5)).unwrap().get(&key), Some(&InputAnswer::from(answer)));
}

#[test]
fn legacy_list_is_per_owner_and_paged() {
    let mut rx = receiver();
    let c = legacy();
    let ids: Vec<_> = (0..3)
        .map(|_| start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t", "task": {}})))
        .collect();
    start(
        &mut rx,
        &Caller::legacy(Owner::from("bob")),
        TaskSupport::Optional,
        json!({"name": "t", "task": {}}),
    );
    let page = ok(call(&mut rx, &c, "tasks/list", json!({}), at(1)));
    assert_eq!(page["tasks"].as_array().map(Vec::len), Some(2));
    let cursor = page["nextCursor"].clone();
    let page2 = ok(call(&mut rx, &c, "tasks/list", json!({"cursor": cursor}), at(1)));
    assert_eq!(page2["tasks"][0]["taskId"], ids[2].as_str());
    assert!(page2.get("nextCursor").is_none());
    let e = err(call(&mut rx, &c, "tasks/list", json!({"cursor": "bogus"}), at(1)));
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
    let none = rx.handle(&c, "tasks/list", None, at(1)).expect("handled");
    assert_eq!(ok(none)["tasks"].as_array().map(Vec::len), Some(2), "params may be absent");
}

#[test]
fn unknown_foreign_and_malformed_requests_get_typed_errors() {
    let mut rx = receiver();
    let c = legacy();
    let id = start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t", "task": {}}));
    let mallory = Caller::legacy(Owner::from("mallory"));
    for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
        let e = err(call(&mut rx, &mallory, method, json!({"taskId": id}), at(1)));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{method}: foreign reads as not found");
        let e = err(call(&mut rx, &c, method, json!({"taskId": "nope"}), at(1)));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{method}: unknown");
        let e = err(call(&mut rx, &c, method, json!({"taskId": 5}), at(1)));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{method}: wrong type");
        let e = err(call(&mut rx, &c, method, json!({}), at(1)));
        assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "{method}: missing");
    }
    assert_eq!(
        err(call(&mut rx, &c, "tasks/frobnicate", json!({}), at(1))).code,
        ErrorCode::METHOD_NOT_FOUND
    );
    assert!(rx.handle(&c, "tools/list", None, at(1)).is_none(), "not a tasks/* method");
    let expired = at(StoreConfig::default().default_ttl_ms.unwrap());
    let e = err(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), expired));
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "expired reads as not found");
}

#[test]
fn extension_acceptance_is_the_servers_choice() {
    let mut rx = receiver();
    let plan = rx.accept_tool_call(
        &modern(true),
        TaskSupport::Optional,
        &obj(json!({"name": "t", "task": {"ttl": 5}})),
        T0,
    );
    let ToolCallPlan::Task { reply, .. } = plan else { panic!("{plan:?}") };
    assert_eq!(reply["resultType"], "task");
    assert_eq!(reply["status"], "working");
    assert_eq!(
        reply["ttlMs"],
        json!(StoreConfig::default().default_ttl_ms),
        "legacy task param ignored"
    );
    assert!(reply.get("ttl").is_none() && reply.get("task").is_none());

    let e =
        rx.accept_tool_call(&modern(false), TaskSupport::Required, &obj(json!({"name": "t"})), T0);
    let ToolCallPlan::Reject(e) = e else { panic!("{e:?}") };
    assert_eq!(e.code, ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY);
    assert_eq!(
        e.data,
        Some(
            json!({"requiredCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}}})
        )
    );
    let plain =
        rx.accept_tool_call(&modern(false), TaskSupport::Optional, &obj(json!({"name": "t"})), T0);
    assert_eq!(plain, ToolCallPlan::Plain);
    let plain =
        rx.accept_tool_call(&modern(true), TaskSupport::Forbidden, &obj(json!({"name": "t"})), T0);
    assert_eq!(plain, ToolCallPlan::Plain);
}

#[test]
fn extension_tasks_methods() {
    let mut rx = receiver();
    let c = modern(true);
    let id = start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t"}));
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let e = err(call(
            &mut rx,
            &modern(false),
            method,
            json!({"taskId": id, "inputResponses": {}}),
            at(1),
        ));
        assert_eq!(
            e.code,
            ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
            "{method} needs the extension"
        );
    }
    for method in ["tasks/result", "tasks/list"] {
        assert_eq!(
            err(call(&mut rx, &c, method, json!({"taskId": id}), at(1))).code,
            ErrorCode::METHOD_NOT_FOUND
        );
    }
    let ask = InputRequest {
        method: "sampling/createMessage".into(),
        params: obj(json!({"messages": [], "maxTokens": 5})),
    };
    let key = rx.work(&id).ask(ask, at(2)).unwrap();
    let got = ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(3)));
    assert_eq!(got["status"], "input_required");
    assert_eq!(got["inputRequests"][key.as_str()]["method"], "sampling/createMessage");
    let answer =
        json!({"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m"});
    let ack = ok(call(
        &mut rx,
        &c,
        "tasks/update",
        json!({"taskId": id, "inputResponses": {"junk": {}, key.as_str(): answer}}),
        at(4),
    ));
    assert_eq!(Value::Object(ack), json!({"resultType": "complete"}));
    assert_eq!(
        ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(5)))["status"],
        "working"
    );
    assert_eq!(rx.work(&id).answers(at(5)).unwrap()[&key], InputAnswer::Response(obj(answer)));
    let e = err(call(
        &mut rx,
        &c,
        "tasks/update",
        json!({"taskId": "nope", "inputResponses": {}}),
        at(5),
    ));
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS);

    rx.work(&id).fail(ErrorObject::new(ErrorCode::INTERNAL_ERROR, "bad"), at(6)).unwrap();
    let got = ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(7)));
    assert_eq!(
        (got["status"].clone(), got["error"]["message"].clone()),
        (json!("failed"), json!("bad"))
    );
}

#[test]
fn extension_cancel_is_a_cooperative_ack() {
    let mut rx = receiver();
    let c = modern(true);
    let id = start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t"}));
    events(&mut rx);
    let ack = ok(call(&mut rx, &c, "tasks/cancel", json!({"taskId": id}), at(1)));
    assert_eq!(Value::Object(ack.clone()), json!({"resultType": "complete"}));
    assert_eq!(events(&mut rx), vec![Event::CancelRequested { task_id: id.clone() }]);
    assert_eq!(
        ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(2)))["status"],
        "working"
    );
    assert!(rx.work(&id).should_stop(at(2)));
    assert_eq!(ok(call(&mut rx, &c, "tasks/cancel", json!({"taskId": id}), at(2))), ack);
    assert!(events(&mut rx).is_empty(), "a repeated cancel asks once");
    rx.work(&id).cancelled(at(3)).unwrap();
    assert_eq!(
        ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(4)))["status"],
        "cancelled"
    );
    assert_eq!(
        ok(call(&mut rx, &c, "tasks/cancel", json!({"taskId": id}), at(5))),
        ack,
        "terminal: ack"
    );
    let e = err(call(&mut rx, &c, "tasks/cancel", json!({"taskId": "nope"}), at(5)));
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
}

#[test]
fn legacy_error_answers_reach_the_work_as_errors() {
    let mut rx = receiver();
    let c = legacy();
    let id = start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t", "task": {}}));
    let ask = InputRequest { method: "elicitation/create".into(), params: Map::new() };
    let key = rx.work(&id).ask(ask, at(1)).unwrap();
    let refusal = ErrorObject::new(ErrorCode::METHOD_NOT_FOUND, "no elicitation here");
    assert!(rx.deliver_answer(&c, &id, key.clone(), refusal.clone(), at(2)).unwrap());
    let got = ok(call(&mut rx, &c, "tasks/get", json!({"taskId": id}), at(3)));
    assert_eq!(got["status"], "working", "an error answers the request as well");
    assert_eq!(rx.work(&id).answers(at(3)).unwrap()[&key], InputAnswer::Error(refusal));
}

#[test]
fn expired_and_removed_tasks_come_back_as_events() {
    let mut rx = receiver();
    let c = legacy();
    let swept =
        start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t", "task": {"ttl": 1000}}));
    let read =
        start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t", "task": {"ttl": 2000}}));
    let kept = start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t", "task": {}}));
    events(&mut rx);
    rx.store().sweep(at(1000), usize::MAX).unwrap();
    let evs = events(&mut rx);
    assert!(
        matches!(&evs[..], [Event::Removed(r)] if r.task_id == swept
            && r.reason == RemovalReason::Expired && r.status == TaskStatus::Working
            && r.owner == Owner::from("alice") && r.generation == Generation::Legacy),
        "{evs:?}"
    );
    // The work noticing its task is gone is a read that purges it: reported too.
    assert!(rx.work(&read).should_stop(at(2000)));
    assert!(matches!(&events(&mut rx)[..], [Event::Removed(r)] if r.task_id == read));

    assert_eq!(rx.remove_owner(&Owner::from("alice")).unwrap(), 1);
    assert!(matches!(&events(&mut rx)[..],
        [Event::Removed(r)] if r.task_id == kept && r.reason == RemovalReason::OwnerRemoved));
    let e = err(call(&mut rx, &c, "tasks/get", json!({"taskId": kept}), at(3)));
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
}

#[test]
fn listen_agrees_only_to_the_callers_tasks_and_shows_them_now() {
    let mut rx = receiver();
    let c = modern(true);
    let mine = start(&mut rx, &c, TaskSupport::Optional, json!({"name": "t"}));
    let other = Caller::extension(Owner::from("mallory"), true);
    let theirs = start(&mut rx, &other, TaskSupport::Optional, json!({"name": "t"}));
    let sub = RequestId::Number(12);
    let params = obj(json!({"notifications": {"taskIds": [mine, theirs, "nope", mine],
        "toolsListChanged": true}}));
    let s = rx.listen(&c, &sub, &params, at(1)).unwrap();
    assert_eq!(s.task_ids, vec![mine.clone()]);
    assert_eq!(
        Value::Object(s.acknowledged.to_map()),
        json!({"notifications": {"taskIds": [mine]},
            "_meta": {"io.modelcontextprotocol/subscriptionId": 12}})
    );
    assert_eq!(s.current.len(), 1);
    let now = s.current[0].to_map();
    assert_eq!((now["taskId"].clone(), now["status"].clone()), (json!(mine), json!("working")));
    assert_eq!(now["_meta"]["io.modelcontextprotocol/subscriptionId"], 12);

    let e = rx.listen(&modern(false), &sub, &params, at(1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY);
    let plain = obj(json!({"notifications": {"toolsListChanged": true}}));
    let s = rx.listen(&modern(false), &sub, &plain, at(1)).unwrap();
    assert!(s.task_ids.is_empty());
    assert_eq!(s.acknowledged.to_map()["notifications"], json!({}));
    let e = rx.listen(&c, &sub, &Map::new(), at(1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS, "notifications is required");
    let e = rx.listen(&legacy(), &sub, &plain, at(1)).unwrap_err();
    assert_eq!(e.code, ErrorCode::METHOD_NOT_FOUND);
}
