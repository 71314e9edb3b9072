//! The engine against a scripted peer: exact exchanges of the handshake, task calls,
//! cancellation and input requests in both generations.

use mcp_tasks::client::{CallOutcome, ClientError, Event, Protocol, TaskMode, ToolCall};
use mcp_tasks::task::TaskStatus;
use serde_json::json;

mod scripted;

use scripted::*;

#[test]
fn legacy_handshake_headers_and_session() {
    let mut h = Harness::new(Protocol::Legacy);
    h.engine.connect(h.now);
    h.drain();
    let init = h.last("initialize");
    assert_eq!(init.headers.get("mcp-session-id"), None);
    assert_eq!(init.headers.get("accept"), Some("application/json, text/event-stream"));
    h.connect_legacy_rest();
    let note = h.last("notifications/initialized");
    assert_eq!(note.headers.get("mcp-session-id"), Some("S"));
    assert_eq!(note.headers.get("mcp-protocol-version"), Some("2025-11-25"));
    assert!(
        matches!(&h.events[0], Event::Connected(info) if info.session_id.as_deref() == Some("S"))
    );
    assert_eq!(h.engine.session_id(), Some("S"));
}

impl Harness {
    fn connect_legacy_rest(&mut self) {
        let caps = json!({"protocolVersion":"2025-11-25","capabilities":{"tasks":{"list":{},"cancel":{},"requests":{"tools":{"call":{}}}},"tools":{}},"serverInfo":{"name":"p","version":"1"}});
        self.result("initialize", caps, &[("Mcp-Session-Id", "S")]);
        self.accepted("notifications/initialized");
    }
}

#[test]
fn task_support_decides_augmentation() {
    let mut h = legacy_ready();
    let forbidden = h.engine.call_tool(h.now, ToolCall::new("plain", None)).unwrap();
    h.drain();
    h.tools();
    assert!(body(&h.last("tools/call"))["params"].get("task").is_none(), "forbidden: never a task");
    h.result("tools/call", json!({"content":[{"type":"text","text":"hi"}]}), &[]);
    assert!(matches!(h.outcome(), Some(CallOutcome::Completed(_))));

    h.engine.call_tool(h.now, ToolCall::new("must", None).mode(TaskMode::Plain)).unwrap();
    h.drain();
    assert!(body(&h.last("tools/call"))["params"]["task"].is_object(), "required: always a task");
    h.engine.call_tool(h.now, ToolCall::new("job", None).mode(TaskMode::Plain)).unwrap();
    h.drain();
    assert!(
        body(&h.last("tools/call"))["params"].get("task").is_none(),
        "optional: plain on request"
    );
    h.engine.call_tool(h.now, ToolCall::new("job", None).ttl_ms(5000)).unwrap();
    h.drain();
    assert_eq!(body(&h.last("tools/call"))["params"]["task"], json!({"ttl": 5000}));

    let refused =
        h.engine.call_tool(h.now, ToolCall::new("plain", None).mode(TaskMode::Required)).unwrap();
    h.drain();
    let outcome = h.events.iter().find_map(|e| match e {
        Event::Outcome { call, outcome } if *call == refused => Some(outcome),
        _ => None,
    });
    assert!(
        matches!(outcome, Some(CallOutcome::Error(ClientError::TaskNotAllowed { .. }))),
        "{outcome:?}"
    );
    let _ = forbidden;
}

#[test]
fn a_plain_answer_to_a_task_request_is_accepted() {
    let mut h = legacy_ready();
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.tools();
    h.result(
        "tools/call",
        json!({"content":[{"type":"text","text":"did it now"}],"isError":true}),
        &[],
    );
    assert!(
        matches!(h.outcome(), Some(CallOutcome::Failed(mcp_tasks::client::Failure::Tool(r))) if r.is_error())
    );
}

#[test]
fn a_plain_call_refused_as_needing_a_task_is_retried_as_one() {
    let mut h = legacy_ready();
    h.engine.call_tool(h.now, ToolCall::new("unlisted", None)).unwrap();
    h.drain();
    h.tools();
    assert!(body(&h.last("tools/call"))["params"].get("task").is_none());
    h.error("tools/call", 200, -32601);
    assert!(body(&h.last("tools/call"))["params"]["task"].is_object());
    h.error("tools/call", 200, -32601);
    assert!(
        matches!(h.outcome(), Some(CallOutcome::Failed(mcp_tasks::client::Failure::Rpc(e))) if e.code.0 == -32601)
    );
    assert_eq!(h.count("tools/call"), 2);
}

#[test]
fn legacy_task_is_polled_then_collected_with_tasks_result() {
    let mut h = legacy_task("job");
    assert!(h.events.iter().any(|e| matches!(e, Event::TaskCreated { .. })));
    h.advance(10_000);
    let get = h.last("tasks/get");
    assert_eq!(h.now.0 - T0, 1000, "pollInterval honoured");
    assert_eq!(body(&get)["params"], json!({"taskId": "t1"}));
    h.result("tasks/get", task_json("t1", "failed", false), &[]);
    h.error("tasks/result", 200, -32603);
    assert!(
        matches!(h.outcome(), Some(CallOutcome::Failed(mcp_tasks::client::Failure::Rpc(e))) if e.code.0 == -32603)
    );
}

/// The Python SDK answers `tasks/result` of a task its work failed with only `_meta`:
/// the failure `tasks/get` reported (and its message) is the outcome, not a protocol error.
#[test]
fn a_failed_task_without_a_usable_result_still_ends_failed_with_its_message() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    let mut failed = task_json("t1", "failed", false);
    failed["statusMessage"] = json!("boom: the work raised");
    h.result("tasks/get", failed, &[]);
    let meta = json!({"_meta": {"io.modelcontextprotocol/related-task": {"taskId": "t1"}}});
    h.result("tasks/result", meta, &[]);
    assert!(
        matches!(h.outcome(), Some(CallOutcome::Failed(mcp_tasks::client::Failure::Rpc(e)))
            if e.code.0 == -32603 && e.message == "boom: the work raised"),
        "{:?}",
        h.outcome()
    );
    assert_eq!(h.violations(), ["client_malformed_result"], "the payload problem is still told");
}

/// The same under 2026-07-28: `failed` with an `error` the engine cannot read is still the
/// task's failure, with the message the peer gave.
#[test]
fn an_extension_failure_with_a_malformed_error_still_ends_failed() {
    let mut h = extension_task();
    h.advance(10_000);
    let mut failed = task_json("t1", "failed", true);
    failed["resultType"] = json!("complete");
    failed["error"] = json!({"message": "the work broke", "code": "not a number"});
    h.result("tasks/get", failed, &[]);
    assert!(
        matches!(h.outcome(), Some(CallOutcome::Failed(mcp_tasks::client::Failure::Rpc(e)))
            if e.message == "the work broke"),
        "{:?}",
        h.outcome()
    );
    assert_eq!(h.violations(), ["client_malformed_result"]);
    assert!(h.events.iter().any(|e| matches!(e, Event::StatusChanged { status, .. }
        if *status == mcp_tasks::task::TaskStatus::Failed)));
}

#[test]
fn a_minus_32602_from_tasks_result_is_checked_with_tasks_get() {
    // The task failed with a -32602 of its own: that is its outcome.
    let mut h = legacy_task("job");
    h.advance(10_000);
    h.result("tasks/get", task_json("t1", "failed", false), &[]);
    h.error("tasks/result", 200, -32602);
    assert!(h.outcome().is_none());
    h.result("tasks/get", task_json("t1", "failed", false), &[]);
    assert!(
        matches!(h.outcome(), Some(CallOutcome::Failed(mcp_tasks::client::Failure::Rpc(e))) if e.code.0 == -32602)
    );
    // The task is gone: lost.
    let mut h = legacy_task("job");
    h.advance(10_000);
    h.result("tasks/get", task_json("t1", "failed", false), &[]);
    h.error("tasks/result", 200, -32602);
    h.error("tasks/get", 200, -32602);
    assert!(matches!(h.outcome(), Some(CallOutcome::Error(ClientError::TaskLost { .. }))));
}

#[test]
fn the_model_immediate_response_hint_reaches_the_host() {
    let mut h = legacy_ready();
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.tools();
    let created = json!({"task": task_json("t1", "working", false),
        "_meta": {"io.modelcontextprotocol/model-immediate-response": "started the export"}});
    h.result("tools/call", created, &[]);
    let reference = h.events.iter().find_map(|e| match e {
        Event::TaskCreated { reference, .. } => Some(reference.clone()),
        _ => None,
    });
    let reference = reference.expect("created");
    assert_eq!(
        (reference.task_id.as_str(), reference.session_id.as_deref(), reference.tool.as_str()),
        ("t1", Some("S"), "job")
    );
    assert!(h.events.iter().any(
        |e| matches!(e, Event::ModelImmediateResponse { text, .. } if text == "started the export")
    ));
    assert_eq!(h.engine.reference(mcp_tasks::client::CallId(1)).unwrap(), reference);
}

#[test]
fn legacy_cancelled_task_is_never_collected() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    let mut t = task_json("t1", "cancelled", false);
    t["statusMessage"] = json!("stopped by admin");
    h.result("tasks/get", t, &[]);
    assert_eq!(h.count("tasks/result"), 0);
    assert!(
        matches!(h.outcome(), Some(CallOutcome::Cancelled { status_message: Some(m) }) if m == "stopped by admin")
    );
}

#[test]
fn legacy_cancel_of_a_finished_task_counts_as_success() {
    let mut h = legacy_task("job");
    let call = mcp_tasks::client::CallId(1);
    h.engine.cancel(h.now, call).unwrap();
    h.drain();
    h.error("tasks/cancel", 200, -32602);
    assert!(h.events.iter().all(|e| !matches!(e, Event::CancelFailed { .. })));
    // A fresh tasks/get tells how the task ended.
    h.result("tasks/get", task_json("t1", "completed", false), &[]);
    h.result("tasks/result", json!({"content":[{"type":"text","text":"ok"}]}), &[]);
    assert!(matches!(h.outcome(), Some(CallOutcome::Completed(_))));
}

#[test]
fn legacy_cancel_returns_the_cancelled_task() {
    let mut h = legacy_task("job");
    h.engine.cancel(h.now, mcp_tasks::client::CallId(1)).unwrap();
    h.drain();
    h.result("tasks/cancel", task_json("t1", "cancelled", false), &[]);
    assert!(matches!(h.outcome(), Some(CallOutcome::Cancelled { .. })));
    assert_eq!(h.count("tasks/result"), 0);
}

#[test]
fn extension_cancel_is_an_ack_then_the_real_end() {
    let mut h = extension_task();
    h.engine.cancel(h.now, mcp_tasks::client::CallId(1)).unwrap();
    h.drain();
    let cancel = h.last("tasks/cancel");
    assert_eq!(cancel.headers.get("mcp-name"), Some("t1"));
    h.result("tasks/cancel", json!({"resultType":"complete"}), &[]);
    // The task ended before the cancel took effect: its real outcome wins.
    let mut done = task_json("t1", "completed", true);
    done["result"] = json!({"content":[{"type":"text","text":"raced"}]});
    h.result("tasks/get", done, &[]);
    assert!(matches!(h.outcome(), Some(CallOutcome::Completed(_))));
}

#[test]
fn extension_cancel_waits_then_reports_cancelled() {
    let mut h = extension_task();
    h.engine.cancel(h.now, mcp_tasks::client::CallId(1)).unwrap();
    h.drain();
    h.result("tasks/cancel", json!({}), &[]);
    for _ in 0..30 {
        if h.outcome().is_some() {
            break;
        }
        if let Some(get) = h.sent.iter().rev().find(|r| body(r)["method"] == "tasks/get").cloned() {
            if !h.aborted.contains(&get.id) {
                h.result("tasks/get", task_json("t1", "working", true), &[]);
            }
        }
        h.advance(2_000);
    }
    assert!(matches!(h.outcome(), Some(CallOutcome::Cancelled { .. })), "{:?}", h.events);
}

#[test]
fn extension_terminal_at_creation_reads_its_payload() {
    let mut h = Harness::new(Protocol::Extension);
    h.connect_extension();
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.tools();
    let mut created = task_json("t1", "failed", true);
    created["resultType"] = json!("task");
    h.result("tools/call", created, &[]);
    let mut failed = task_json("t1", "failed", true);
    failed["error"] = json!({"code": -32000, "message": "nope"});
    h.result("tasks/get", failed, &[]);
    assert!(
        matches!(h.outcome(), Some(CallOutcome::Failed(mcp_tasks::client::Failure::Rpc(e))) if e.code.0 == -32000)
    );
}

#[test]
fn extension_calls_mirror_marked_arguments_into_headers() {
    let mut h = Harness::new(Protocol::Extension);
    h.connect_extension();
    let args = json!({"region": "eu-west1", "query": "q"}).as_object().cloned();
    h.engine.call_tool(h.now, ToolCall::new("sql", args)).unwrap();
    h.drain();
    assert_eq!(h.count("tools/call"), 0, "the schemas come first");
    let tools = json!({"tools":[{"name":"sql","inputSchema":{"type":"object","properties":{
        "region":{"type":"string","x-mcp-header":"Region"},"query":{"type":"string"}}}}]});
    h.result("tools/list", tools, &[]);
    let call = h.last("tools/call");
    assert_eq!(call.headers.get("mcp-param-region"), Some("eu-west1"));
    assert_eq!(call.headers.get("mcp-name"), Some("sql"));
    assert_eq!(call.headers.get("mcp-method"), Some("tools/call"));
    // Listed once per engine.
    h.engine.call_tool(h.now, ToolCall::new("sql", None)).unwrap();
    h.drain();
    assert_eq!(h.count("tools/list"), 1);
    assert_eq!(h.count("tools/call"), 2);
}

#[test]
fn extension_input_requests_are_asked_once_and_answered_with_update() {
    let mut h = extension_task();
    let mut asking = task_json("t1", "input_required", true);
    asking["inputRequests"] =
        json!({"k1": {"method": "elicitation/create", "params": {"message": "go?"}}});
    for _ in 0..2 {
        h.advance(10_000);
        h.result("tasks/get", asking.clone(), &[]);
    }
    let inputs: Vec<_> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::InputRequested { input, method, .. } => Some((*input, method.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(inputs.len(), 1, "the same key is asked once");
    let (input, method) = inputs[0].clone();
    assert_eq!(method, "elicitation/create");
    let answer = json!({"action":"accept","content":{"ok":true}}).as_object().unwrap().clone();
    h.engine.answer_input(h.now, input, answer.clone()).unwrap();
    h.drain();
    assert!(matches!(
        h.engine.answer_input(h.now, input, answer),
        Err(ClientError::InputAnswered { .. })
    ));
    let update = h.last("tasks/update");
    assert_eq!(
        body(&update)["params"]["inputResponses"],
        json!({"k1": {"action":"accept","content":{"ok":true}}})
    );
    assert_eq!(update.headers.get("mcp-name"), Some("t1"));
    h.result("tasks/update", json!({"resultType":"complete"}), &[]);
}

#[test]
fn legacy_input_arrives_on_tasks_result_and_is_answered_with_related_task() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    h.result("tasks/get", task_json("t1", "input_required", false), &[]);
    let stream = h.last("tasks/result");
    let ask = json!({"jsonrpc":"2.0","id":"srv-1","method":"elicitation/create","params":{"message":"go?","requestedSchema":{"type":"object"},"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t1"}}}});
    h.reply_raw(stream.id, head(200, Some("text/event-stream"), &[]), &[&sse(&[ask])], false);
    let input = h.events.iter().find_map(|e| match e {
        Event::InputRequested { input, call, task_id, .. } => {
            Some((*input, *call, task_id.clone()))
        }
        _ => None,
    });
    let (input, call, task) = input.expect("asked");
    assert_eq!(
        (call, task.as_ref().map(|t| t.as_str())),
        (Some(mcp_tasks::client::CallId(1)), Some("t1"))
    );
    let answer = json!({"action":"accept","content":{}}).as_object().unwrap().clone();
    h.engine.answer_input(h.now, input, answer).unwrap();
    h.drain();
    let response = h.sent.last().unwrap().clone();
    assert_eq!(
        body(&response),
        json!({"jsonrpc":"2.0","id":"srv-1","result":{"action":"accept","content":{},"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t1"}}}})
    );
    h.reply_raw(response.id, head(202, None, &[]), &[], true);
    // The result comes on the same stream when the task ends.
    let done = json!({"jsonrpc":"2.0","id": body(&stream)["id"],"result":{"content":[{"type":"text","text":"ok"}],"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t1"}}}});
    let frame = format!("event: message\nid: s-9\ndata: {done}\n\n");
    h.engine.handle_body_chunk(h.now, stream.id, frame.as_bytes());
    h.drain();
    assert!(matches!(h.outcome(), Some(CallOutcome::Completed(_))));
    assert!(h.aborted.contains(&stream.id), "the rest of the stream is dropped");
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, Event::StatusChanged { status: TaskStatus::Completed, .. }))
    );
}

#[test]
fn legacy_input_stream_drop_falls_back_to_polling() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    h.result("tasks/get", task_json("t1", "input_required", false), &[]);
    let stream = h.last("tasks/result");
    h.reply_raw(
        stream.id,
        head(200, Some("text/event-stream"), &[]),
        &[b"data: {\"jsonrpc\":\"2.0\",\"method\":\"x\"}\n\n"],
        false,
    );
    h.engine.handle_transport_failure(
        h.now,
        stream.id,
        mcp_tasks::protocol::http::TransportFailure::BodyInterrupted("cut".into()),
    );
    h.drain();
    let gets = h.count("tasks/get");
    h.advance(10_000);
    assert_eq!(h.count("tasks/get"), gets + 1, "polls again");
}
