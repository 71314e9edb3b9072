//! The receiver behaves as each generation's policy says, and the policy says what the
//! spec says: every table here lists the spec's answer next to the policy's, so a wrong
//! dialect and a receiver that ignores its dialect both fail.

use mcp_tasks::id::{CounterIds, TaskId};
use mcp_tasks::protocol::jsonrpc::{ErrorCode, RequestId};
use mcp_tasks::receiver::{Caller, Event, Receiver, Reply, TaskSupport, ToolCallPlan};
use mcp_tasks::store::{MemoryBackend, Owner, StoreConfig, TaskStore};
use mcp_tasks::task::{
    CancelMode, Generation, InputDelivery, InputRequest, StatusPush, TaskStatus, TerminalCancel,
};
use mcp_tasks::time::UnixMillis;
use serde_json::{Map, Value, json};

const T0: UnixMillis = UnixMillis(1_763_700_000_000);

type Rx = Receiver<MemoryBackend, CounterIds>;

fn receiver() -> Rx {
    Receiver::new(TaskStore::new(
        MemoryBackend::new(),
        CounterIds::new("t"),
        StoreConfig::default(),
    ))
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn at(ms: u64) -> UnixMillis {
    T0.saturating_add(ms)
}

/// A caller of `generation` that opted in to tasks the way it must.
fn caller(generation: Generation) -> Caller {
    match generation {
        Generation::Legacy => Caller::legacy(Owner::from("alice")),
        Generation::Extension => Caller::extension(Owner::from("alice"), true),
    }
}

/// A task-augmented `tools/call` as `generation` asks for one.
fn start(rx: &mut Rx, c: &Caller) -> TaskId {
    let params = obj(json!({"name": "t", "task": {"ttl": 60_000}}));
    match rx.accept_tool_call(c, TaskSupport::Optional, &params, T0) {
        ToolCallPlan::Task { task_id, .. } => task_id,
        other => panic!("expected a task, got {other:?}"),
    }
}

/// A receiver with one live task of a caller of `generation`.
fn fresh(generation: Generation) -> (Rx, Caller, TaskId) {
    let mut rx = receiver();
    let c = caller(generation);
    let id = start(&mut rx, &c);
    (rx, c, id)
}

fn call(rx: &mut Rx, c: &Caller, method: &str, id: &TaskId, now: UnixMillis) -> Reply {
    let params = obj(json!({"taskId": id, "inputResponses": {}}));
    rx.handle(c, method, Some(&params), now).expect("a tasks/* method")
}

fn status(rx: &mut Rx, c: &Caller, id: &TaskId, now: UnixMillis) -> Value {
    match call(rx, c, "tasks/get", id, now) {
        Reply::Result(r) => r["status"].clone(),
        other => panic!("tasks/get failed: {other:?}"),
    }
}

fn events(rx: &mut Rx) -> Vec<Event> {
    std::iter::from_fn(|| rx.poll_event()).collect()
}

/// The policy's method table is pinned to the spec by its unit tests; here the receiver
/// is pinned to the policy.
#[test]
fn methods_are_served_where_the_policy_says() {
    let methods = ["tasks/get", "tasks/cancel", "tasks/result", "tasks/list", "tasks/update"];
    for generation in Generation::ALL {
        let (mut rx, c, id) = fresh(generation);
        rx.work(&id).complete(obj(json!({"content": []})), at(1)).unwrap();
        for method in methods.into_iter().chain(["tasks/subscribe"]) {
            let missing = matches!(
                call(&mut rx, &c, method, &id, at(2)),
                Reply::Error(e) if e.code == ErrorCode::METHOD_NOT_FOUND
            );
            assert_eq!(!missing, generation.policy().serves(method), "{generation:?} {method}");
        }
        // Each generation has methods the other lacks.
        assert!(methods.iter().any(|m| !generation.policy().serves(m)), "{generation:?}");
    }
}

#[test]
fn a_caller_that_must_declare_and_did_not_is_refused_everywhere() {
    let mut rx = receiver();
    let declared = caller(Generation::Extension);
    let id = start(&mut rx, &declared);
    let silent = Caller::extension(Owner::from("alice"), false);
    assert!(Generation::Extension.policy().requires_declaration());
    for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
        let Reply::Error(e) = call(&mut rx, &silent, method, &id, at(1)) else {
            panic!("{method} answered an undeclared caller");
        };
        assert_eq!(e.code, ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY, "{method}");
    }
    // 2025-11-25 has no such declaration: its callers never see -32021.
    assert!(!Generation::Legacy.policy().requires_declaration());
    let legacy = caller(Generation::Legacy);
    let old = start(&mut rx, &legacy);
    assert!(matches!(call(&mut rx, &legacy, "tasks/get", &old, at(1)), Reply::Result(_)));
}

#[test]
fn cancel_takes_effect_as_the_policy_says() {
    // (generation, spec: cancelled at once, spec: a terminal task's cancel is refused)
    let table = [(Generation::Legacy, true, true), (Generation::Extension, false, false)];
    for (generation, at_once, refuses_terminal) in table {
        let policy = generation.policy();
        assert_eq!(policy.cancel_mode == CancelMode::Synchronous, at_once, "{generation:?}");
        assert_eq!(
            policy.terminal_cancel == TerminalCancel::Reject,
            refuses_terminal,
            "{generation:?}"
        );
        let (mut rx, c, id) = fresh(generation);
        events(&mut rx);
        assert!(matches!(call(&mut rx, &c, "tasks/cancel", &id, at(1)), Reply::Result(_)));
        assert!(events(&mut rx).contains(&Event::CancelRequested { task_id: id.clone() }));
        let now = if at_once { "cancelled" } else { "working" };
        assert_eq!(status(&mut rx, &c, &id, at(2)), now, "{generation:?}");
        assert!(rx.work(&id).should_stop(at(2)));

        let done = start(&mut rx, &c);
        rx.work(&done).complete(obj(json!({"content": []})), at(3)).unwrap();
        let reply = call(&mut rx, &c, "tasks/cancel", &done, at(4));
        let refused = matches!(&reply, Reply::Error(e) if e.code == ErrorCode::INVALID_PARAMS);
        assert_eq!(refused, refuses_terminal, "{generation:?}: {reply:?}");
        assert_eq!(status(&mut rx, &c, &done, at(5)), "completed");
    }
}

#[test]
fn input_requests_are_events_only_where_they_travel_as_requests() {
    // (generation, spec: sent as a server→client request)
    let table = [(Generation::Legacy, true), (Generation::Extension, false)];
    for (generation, as_request) in table {
        let side = generation.policy().input_delivery == InputDelivery::SideChannel;
        assert_eq!(side, as_request, "{generation:?}");
        let (mut rx, c, id) = fresh(generation);
        events(&mut rx);
        let ask = InputRequest {
            method: "elicitation/create".into(),
            params: obj(json!({"message": "Go on?"})),
        };
        rx.work(&id).ask(ask, at(1)).unwrap();
        let raised = events(&mut rx).iter().any(|e| matches!(e, Event::InputRequested { .. }));
        assert_eq!(raised, as_request, "{generation:?}");
        assert_eq!(status(&mut rx, &c, &id, at(2)), "input_required");
    }
}

#[test]
fn listen_is_served_where_pushes_go_by_subscription() {
    let table = [(Generation::Legacy, false), (Generation::Extension, true)];
    for (generation, listens) in table {
        assert_eq!(generation.policy().status_push == StatusPush::Listen, listens);
        let (mut rx, c, id) = fresh(generation);
        let params = obj(json!({"notifications": {"taskIds": [id]}}));
        let got = rx.listen(&c, &RequestId::Number(1), &params, at(1));
        match got {
            Ok(s) => {
                assert!(listens, "{generation:?} served subscriptions/listen");
                assert_eq!(s.task_ids, vec![id]);
            }
            Err(e) => {
                assert!(!listens, "{generation:?}: {e:?}");
                assert_eq!(e.code, ErrorCode::METHOD_NOT_FOUND);
            }
        }
    }
}

#[test]
fn a_tool_error_ends_the_task_as_the_spec_says() {
    let table =
        [(Generation::Legacy, TaskStatus::Failed), (Generation::Extension, TaskStatus::Completed)];
    for (generation, spec) in table {
        assert_eq!(generation.policy().tool_error_status, spec, "{generation:?}");
        let (mut rx, _, id) = fresh(generation);
        let result = obj(json!({"content": [], "isError": true}));
        let task = rx.work(&id).complete(result, at(1)).unwrap();
        assert_eq!(task.status(), spec, "{generation:?}");
    }
}
