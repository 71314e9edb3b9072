//! The engine against a scripted peer: exact exchanges, peer mistakes, and properties of
//! reading responses (arbitrary bytes never panic; SSE split anywhere reads the same).

use mcp_tasks::client::{
    BackoffPolicy, CallOutcome, ClientError, Config, Engine, Event, Protocol, TaskMode, ToolCall,
};
use mcp_tasks::protocol::http::{Method, ResponseHead};
use mcp_tasks::task::TaskStatus;
use mcp_tasks::time::UnixMillis;
use proptest::prelude::*;
use serde_json::{Value, json};

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

#[test]
fn rate_limits_hold_every_request_until_retry_after() {
    let mut h = legacy_task("job");
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.result("tools/call", json!({"task": task_json("t2", "working", false)}), &[]);
    h.advance(10_000);
    let gets = h.count("tasks/get");
    assert_eq!(gets, 2);
    let first = h.sent.iter().find(|r| body(r)["method"] == "tasks/get").unwrap().clone();
    let at = h.now;
    h.reply_raw(first.id, head(429, None, &[("Retry-After", "3")]), &[], true);
    h.result("tasks/get", task_json("t2", "working", false), &[]);
    h.advance(10_000);
    assert!(h.now.0 >= at.0 + 1000);
    // Both tasks wait for the server's Retry-After.
    while h.count("tasks/get") < 4 {
        h.advance(10_000);
    }
    let next_times = h.now.0 - at.0;
    assert!(next_times >= 3000, "a request went out {next_times} ms after the 429");
}

#[test]
fn retry_after_is_honoured_only_up_to_its_cap() {
    // A server asking for a day (or a date far ahead) would otherwise hold every request
    // of this client back for that long.
    for asked in ["86400", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let mut h = legacy_task("job");
        h.advance(10_000);
        let gets = h.count("tasks/get");
        let poll = h.last("tasks/get");
        let at = h.now;
        h.reply_raw(poll.id, head(429, None, &[("Retry-After", asked)]), &[], true);
        while h.count("tasks/get") == gets && h.now.0 - at.0 <= 3_600_000 {
            h.advance(10_000);
        }
        let waited = h.now.0 - at.0;
        assert_eq!(waited, BackoffPolicy::default().retry_after_cap_ms, "{asked}");
    }
}

#[test]
fn server_errors_back_off_with_jitter_then_give_up() {
    let mut h = legacy_ready();
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.tools();
    let mut unlimited = task_json("t1", "working", false);
    unlimited["ttl"] = Value::Null;
    h.result("tools/call", json!({"task": unlimited}), &[]);
    let mut last = h.now;
    let mut gaps = Vec::new();
    for _ in 0..13 {
        h.advance(120_000);
        let get = h.last("tasks/get");
        gaps.push(h.now.0 - last.0);
        last = h.now;
        h.reply_raw(get.id, head(503, Some("text/plain"), &[]), &[b"busy"], true);
        if h.outcome().is_some() {
            break;
        }
    }
    // The first is the poll interval; then 250·2^k ms each, jittered into [d/2, d].
    for (k, gap) in gaps.iter().skip(1).enumerate() {
        let d = (250u64 << k).min(30_000);
        assert!(*gap >= d / 2 && *gap <= d, "retry {k}: {gap} ms not in [{}, {d}]", d / 2);
    }
    assert!(
        matches!(
            h.outcome(),
            Some(CallOutcome::Error(ClientError::ServerUnavailable { status: 503, .. }))
        ),
        "{:?}",
        h.outcome()
    );
}

#[test]
fn peer_garbage_is_typed_reported_and_bounded() {
    let cases: Vec<(&str, ResponseHead, Vec<u8>, &str)> = vec![
        ("not json", head(200, Some("application/json"), &[]), b"{nope".to_vec(), "client_malformed_message"),
        ("wrong types", head(200, Some("application/json"), &[]), br#"{"jsonrpc":"2.0","id":IDV,"result":{"taskId":"t1","status":5,"createdAt":"x","lastUpdatedAt":"y"}}"#.to_vec(), "client_malformed_result"),
        ("missing fields", head(200, Some("application/json"), &[]), br#"{"jsonrpc":"2.0","id":IDV,"result":{"status":"working"}}"#.to_vec(), "client_malformed_result"),
        ("html", head(200, Some("text/html"), &[]), b"<html>".to_vec(), "client_unexpected_content_type"),
        ("other task", head(200, Some("application/json"), &[]), br#"{"jsonrpc":"2.0","id":IDV,"result":{"taskId":"zz","status":"working","createdAt":"2025-11-13T02:13:20Z","lastUpdatedAt":"2025-11-13T02:13:20Z","ttl":null}}"#.to_vec(), "client_wrong_task"),
        ("unknown id", head(200, Some("application/json"), &[]), br#"{"jsonrpc":"2.0","id":99999,"result":{}}"#.to_vec(), "client_unknown_response"),
        ("oversize event", head(200, Some("text/event-stream"), &[]), [b"data: ".as_slice(), &vec![b'x'; 70_000]].concat(), "client_oversize_event"),
    ];
    for (name, hd, bytes, code) in cases {
        let mut h = Harness::new(Protocol::Legacy);
        h.engine = {
            let mut c = Config::new("http://peer/mcp");
            c.protocol = Protocol::Legacy;
            c.standalone_stream = false;
            c.max_event_bytes = 64 * 1024;
            Engine::new(c)
        };
        h.connect_legacy();
        h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
        h.drain();
        h.tools();
        h.result("tools/call", json!({"task": task_json("t1", "working", false)}), &[]);
        for _ in 0..6 {
            h.advance(60_000);
            let get = h.last("tasks/get");
            let id = body(&get)["id"].to_string();
            let bytes = String::from_utf8_lossy(&bytes).replace("IDV", &id).into_bytes();
            h.reply_raw(get.id, hd.clone(), &[&bytes], true);
            if h.outcome().is_some() {
                break;
            }
        }
        assert!(h.violations().contains(&code), "{name}: {:?}", h.violations());
        match h.outcome() {
            Some(CallOutcome::Error(e)) => {
                assert!(e.code() == code || code == "client_unknown_response", "{name}: {e:?}")
            }
            other => panic!("{name}: gives up after repeated garbage, got {other:?}"),
        }
    }
}

#[test]
fn a_terminal_status_is_kept_when_a_peer_contradicts_it() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    let mut done = task_json("t1", "completed", false);
    done["lastUpdatedAt"] = json!("2025-11-13T02:13:21.000Z");
    h.result("tasks/get", done, &[]);
    // A later notification says working again.
    let mut back = task_json("t1", "working", false);
    back["lastUpdatedAt"] = json!("2025-11-13T02:13:22.000Z");
    let note = json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params": back});
    let result = h.last("tasks/result");
    h.reply_raw(result.id, head(200, Some("text/event-stream"), &[]), &[&sse(&[note])], false);
    assert_eq!(h.violations(), vec!["client_terminal_regression"]);
    let reply = json!({"jsonrpc":"2.0","id": body(&result)["id"],"result":{"content":[]}});
    h.engine.handle_body_chunk(h.now, result.id, format!("data: {reply}\n\n").as_bytes());
    h.drain();
    assert!(matches!(h.outcome(), Some(CallOutcome::Completed(_))));
    let statuses: Vec<_> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::StatusChanged { status, .. } => Some(*status),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec![TaskStatus::Completed]);
}

#[test]
fn session_loss_starts_over_without_the_old_session() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    let get = h.last("tasks/get");
    h.reply_raw(
        get.id,
        head(404, Some("application/json"), &[]),
        &[br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}"#],
        true,
    );
    let init = h.last("initialize");
    assert_eq!(init.headers.get("mcp-session-id"), None);
    let caps = json!({"protocolVersion":"2025-11-25","capabilities":{"tasks":{"cancel":{},"requests":{"tools":{"call":{}}}}},"serverInfo":{"name":"p","version":"1"}});
    h.result("initialize", caps, &[("Mcp-Session-Id", "S2")]);
    h.accepted("notifications/initialized");
    let again = h.last("tasks/get");
    assert_eq!(again.headers.get("mcp-session-id"), Some("S2"));
    h.error("tasks/get", 200, -32602);
    assert!(matches!(h.outcome(), Some(CallOutcome::Error(ClientError::TaskLost { .. }))));
}

#[test]
fn auto_falls_back_by_the_dual_era_rules() {
    let legacy_answers: Vec<(u16, Option<&str>, &[u8])> = vec![
        (400, Some("application/json"), br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad Request: Mcp-Session-Id header is required"}}"#),
        (404, Some("text/html"), b"<h1>not found</h1>"),
        (405, None, b""),
        (400, None, b""),
    ];
    for (status, ct, bytes) in legacy_answers {
        let mut h = Harness::new(Protocol::Auto);
        h.engine.connect(h.now);
        h.drain();
        let discover = h.last("server/discover");
        h.reply_raw(discover.id, head(status, ct, &[]), &[bytes], true);
        assert_eq!(h.count("initialize"), 1, "{status}: falls back");
    }
    let mut h = Harness::new(Protocol::Auto);
    h.engine.connect(h.now);
    h.drain();
    let discover = h.last("server/discover");
    h.reply_raw(
        discover.id,
        head(400, Some("application/json"), &[]),
        &[br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32020,"message":"Header mismatch"}}"#],
        true,
    );
    assert_eq!(h.count("initialize"), 0, "a modern error means a modern server");
    assert!(h.events.iter().any(|e| matches!(e, Event::Disconnected { .. })));
}

#[test]
fn a_remembered_legacy_endpoint_that_moved_on_is_probed_again() {
    let mut config = Config::new("http://peer/mcp");
    config.memory.remember("http://peer/mcp", mcp_tasks::task::Generation::Legacy);
    config.standalone_stream = false;
    config.listen = false;
    let mut h = Harness::new(Protocol::Auto);
    h.engine = Engine::new(config);
    h.engine.connect(h.now);
    h.drain();
    assert_eq!(h.count("server/discover"), 0, "remembered: no probe");
    h.error("initialize", 400, -32600);
    h.connect_extension_rest();
    assert_eq!(h.engine.generation(), Some(mcp_tasks::task::Generation::Extension));
    assert_eq!(
        h.engine.endpoint_memory().get("http://peer/mcp"),
        Some(mcp_tasks::task::Generation::Extension)
    );
}

impl Harness {
    fn connect_extension_rest(&mut self) {
        let d = json!({"supportedVersions":["2026-07-28"],"capabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}});
        self.result("server/discover", d, &[]);
    }
}

#[test]
fn connect_failures_are_typed_and_end_waiting_calls() {
    let mut h = Harness::new(Protocol::Legacy);
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    let old = json!({"protocolVersion":"1999-01-01","capabilities":{},"serverInfo":{"name":"p","version":"1"}});
    h.result("initialize", old, &[]);
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Disconnected { error: ClientError::UnsupportedProtocol { .. } }
    )));
    assert!(matches!(
        h.outcome(),
        Some(CallOutcome::Error(ClientError::UnsupportedProtocol { .. }))
    ));

    let mut h = Harness::new(Protocol::Extension);
    h.engine.connect(h.now);
    h.drain();
    let discover = h.last("server/discover");
    h.reply_raw(discover.id, head(401, None, &[("WWW-Authenticate", "Bearer")]), &[], true);
    assert!(h.events.iter().any(|e| matches!(e, Event::Disconnected { error } if error.code() == "client_unauthorized" && error.fault() == mcp_tasks::client::Fault::Caller)));

    // Connect failures are retried with backoff before the engine gives up.
    let mut h = Harness::new(Protocol::Extension);
    h.engine.connect(h.now);
    h.drain();
    for _ in 0..30 {
        let discover = h.last("server/discover");
        h.engine.handle_transport_failure(
            h.now,
            discover.id,
            mcp_tasks::protocol::http::TransportFailure::Connect("refused".into()),
        );
        h.drain();
        if h.events.iter().any(|e| matches!(e, Event::Disconnected { .. })) {
            break;
        }
        h.advance(60_000);
    }
    assert_eq!(h.count("server/discover"), 12);
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, Event::Disconnected { error: ClientError::Transport { .. } }))
    );
}

#[test]
fn a_silent_server_times_out_and_is_retried() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    let first = h.last("tasks/get");
    h.advance(60_000);
    assert!(h.aborted.contains(&first.id), "the silent request is dropped");
    h.advance(60_000);
    let second = h.last("tasks/get");
    assert_ne!(first.id, second.id, "and sent again");
}

#[test]
fn close_ends_calls_and_the_session() {
    let mut h = legacy_task("job");
    h.engine.close(h.now);
    h.drain();
    assert!(matches!(h.outcome(), Some(CallOutcome::Error(ClientError::Closed))));
    let delete = h.sent.last().unwrap().clone();
    assert_eq!(delete.method, Method::Delete);
    assert_eq!(delete.headers.get("mcp-session-id"), Some("S"));
    h.reply_raw(delete.id, head(200, None, &[]), &[], true);
    assert!(matches!(h.events.last(), Some(Event::Closed)));
    assert!(matches!(
        h.engine.call_tool(h.now, ToolCall::new("job", None)),
        Err(ClientError::Closed)
    ));
}

#[test]
fn detach_ends_calls_but_leaves_the_session_for_a_later_resume() {
    let mut h = legacy_task("job");
    let reference = h.engine.reference(mcp_tasks::client::CallId(1)).unwrap();
    let sent = h.sent.len();
    h.engine.detach(h.now);
    h.drain();
    assert!(matches!(h.outcome(), Some(CallOutcome::Error(ClientError::Closed))));
    assert_eq!(h.sent.len(), sent, "no DELETE, nothing else sent");
    assert!(matches!(h.events.last(), Some(Event::Closed)));
    assert!(matches!(
        h.engine.call_tool(h.now, ToolCall::new("job", None)),
        Err(ClientError::Closed)
    ));
    // A second engine joins the session the first one left open.
    let mut later = Harness::new(Protocol::Legacy);
    later.engine.resume(later.now, reference, None).unwrap();
    later.drain();
    let get = later.last("tasks/get");
    assert_eq!(get.headers.get("mcp-session-id"), Some("S"));
}

#[test]
fn ops_list_tools_tasks_and_get_a_task() {
    let mut h = legacy_ready();
    let op = h.engine.list_tasks(h.now, None).unwrap();
    h.drain();
    h.result(
        "tasks/list",
        json!({"tasks":[task_json("t1","working",false)],"nextCursor":"c2"}),
        &[],
    );
    assert!(h.events.iter().any(|e| matches!(e, Event::TasksListed { op: o, tasks, next_cursor: Some(c), .. } if *o == op && tasks.len() == 1 && c == "c2")));
    let op = h.engine.get_task(h.now, "t1".into()).unwrap();
    h.drain();
    h.result("tasks/get", task_json("t1", "working", false), &[]);
    assert!(h.events.iter().any(|e| matches!(e, Event::TaskFetched { op: o, .. } if *o == op)));
    let op = h.engine.list_tools(h.now).unwrap();
    h.drain();
    h.result("tools/list", json!({"tools":[{"name":"a","inputSchema":{}}],"nextCursor":"p2"}), &[]);
    assert_eq!(body(&h.last("tools/list"))["params"]["cursor"], "p2");
    h.result("tools/list", json!({"tools":[{"name":"b","inputSchema":{}}]}), &[]);
    assert!(
        h.events.iter().any(
            |e| matches!(e, Event::ToolsListed { op: o, tools } if *o == op && tools.len() == 2)
        )
    );

    let mut x = Harness::new(Protocol::Extension);
    x.connect_extension();
    assert!(matches!(x.engine.list_tasks(x.now, None), Err(ClientError::NotSupported { .. })));
}

#[test]
fn a_caller_deadline_expires_the_call() {
    let mut h = legacy_ready();
    let deadline = UnixMillis(h.now.0 + 2500);
    h.engine.call_tool(h.now, ToolCall::new("job", None).deadline(deadline)).unwrap();
    h.drain();
    h.tools();
    h.result("tools/call", json!({"task": task_json("t1", "working", false)}), &[]);
    for _ in 0..10 {
        h.advance(10_000);
        if h.outcome().is_some() {
            break;
        }
        let get = h.last("tasks/get");
        if !h.aborted.contains(&get.id) {
            h.result("tasks/get", task_json("t1", "working", false), &[]);
        }
    }
    assert!(matches!(
        h.outcome(),
        Some(CallOutcome::Expired(mcp_tasks::client::ExpiryReason::Deadline))
    ));
    assert_eq!(h.now, deadline);
}

#[test]
fn progress_with_the_call_token_reaches_the_host() {
    let mut h = legacy_task("job");
    let token = body(&h.last("tools/call"))["params"]["_meta"]["progressToken"].clone();
    h.advance(10_000);
    h.result("tasks/get", task_json("t1", "input_required", false), &[]);
    let stream = h.last("tasks/result");
    let p = json!({"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken": token, "progress": 2, "total": 4, "message": "half"}});
    h.reply_raw(stream.id, head(200, Some("text/event-stream"), &[]), &[&sse(&[p])], false);
    assert!(h.events.iter().any(|e| matches!(e, Event::Progress { progress, total: Some(t), message: Some(m), .. } if *progress == 2.0 && *t == 4.0 && m == "half")));
}

#[test]
fn a_truncated_tool_call_stream_is_resumed_then_sent_again() {
    let mut h = legacy_ready();
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.tools();
    let call = h.last("tools/call");
    h.reply_raw(
        call.id,
        head(200, Some("text/event-stream"), &[]),
        &[b"id: 12-0\nretry: 700\ndata:\n\n"],
        true,
    );
    let before = h.now;
    h.advance(5_000);
    let resume = h.sent.last().unwrap().clone();
    assert_eq!(resume.method, Method::Get);
    assert_eq!(resume.headers.get("last-event-id"), Some("12-0"));
    assert!(h.now.0 - before.0 >= 700, "waits for the server's retry");
    h.reply_raw(resume.id, head(405, None, &[]), &[], true);
    h.advance(5_000);

    assert_eq!(h.count("tools/call"), 2, "a resumption refused: sent again");
}

#[test]
fn an_sse_retry_field_is_honoured_only_up_to_the_cap() {
    let mut h = legacy_ready();
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.tools();
    let call = h.last("tools/call");
    // A retry of about 11 days.
    h.reply_raw(
        call.id,
        head(200, Some("text/event-stream"), &[]),
        &[b"id: 12-0\nretry: 999999999\ndata:\n\n"],
        true,
    );
    let before = h.now;
    let sent = h.sent.len();
    while h.sent.len() == sent && h.now.0 - before.0 <= 3_600_000 {
        h.advance(10_000);
    }
    assert_eq!(h.sent.last().unwrap().headers.get("last-event-id"), Some("12-0"));
    assert_eq!(h.now.0 - before.0, BackoffPolicy::default().retry_after_cap_ms);
}

#[test]
fn the_standalone_stream_reopens_within_the_cap_whatever_its_retry() {
    let mut h = Harness::new(Protocol::Legacy);
    let mut config = Config::new("http://peer/mcp");
    config.protocol = Protocol::Legacy;
    config.listen = false;
    h.engine = Engine::new(config);
    h.connect_legacy();
    let gets = || h.sent.iter().filter(|r| r.method == Method::Get).count();
    assert_eq!(gets(), 1, "the GET stream is opened");
    let stream = h.sent.iter().rev().find(|r| r.method == Method::Get).unwrap().clone();
    h.reply_raw(
        stream.id,
        head(200, Some("text/event-stream"), &[]),
        &[b"retry: 999999999\n\n"],
        true,
    );
    let before = h.now;
    while h.sent.iter().filter(|r| r.method == Method::Get).count() == 1
        && h.now.0 - before.0 <= 3_600_000
    {
        h.advance(10_000);
    }
    assert_eq!(h.now.0 - before.0, BackoffPolicy::default().retry_after_cap_ms);
}

#[test]
fn poll_interval_hints_are_kept_within_floor_and_cap() {
    let policy = mcp_tasks::client::PollPolicy::default();
    for (hint, gap) in [(u64::MAX / 2, policy.cap_ms), (0, policy.floor_ms)] {
        let mut h = legacy_ready();
        h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
        h.drain();
        h.tools();
        let mut task = task_json("t1", "working", false);
        task["pollInterval"] = json!(hint);
        h.result("tools/call", json!({ "task": task }), &[]);
        let before = h.now;
        while h.count("tasks/get") == 0 && h.now.0 - before.0 <= 3_600_000 {
            h.advance(10_000);
        }
        assert_eq!(h.now.0 - before.0, gap, "pollInterval {hint}");
    }
}

fn split_points(len: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..=len, 0..12).prop_map(|mut v| {
        v.sort_unstable();
        v
    })
}

/// Feeds `bytes` split at `points` and returns the events, in a fresh legacy harness with
/// one task waiting on an input stream.
fn through_input_stream(bytes: &[u8], points: &[usize]) -> Vec<String> {
    let mut h = legacy_task("job");
    h.advance(10_000);
    h.result("tasks/get", task_json("t1", "input_required", false), &[]);
    let stream = h.last("tasks/result");
    h.engine.handle_response_head(h.now, stream.id, head(200, Some("text/event-stream"), &[]));
    let mut start = 0;
    for &p in points.iter().chain([bytes.len()].iter()) {
        let p = p.min(bytes.len()).max(start);
        h.engine.handle_body_chunk(h.now, stream.id, &bytes[start..p]);
        h.drain();
        start = p;
    }
    h.engine.handle_body_end(h.now, stream.id);
    h.drain();
    h.events.iter().map(|e| format!("{e:?}")).filter(|e| !e.contains("input: InputId")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any bytes as a tasks/get body: no panic, a typed answer, and the call still ends.
    #[test]
    fn arbitrary_bodies_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), json_type in any::<bool>(), status in prop::sample::select(vec![200u16, 400, 404, 500, 503])) {
        let mut h = legacy_task("job");
        for _ in 0..5 {
            h.advance(60_000);
            if h.outcome().is_some() {
                break;
            }
            let get = h.last("tasks/get");
            let ct = if json_type { "application/json" } else { "text/event-stream" };
            h.reply_raw(get.id, head(status, Some(ct), &[]), &[&bytes], true);
        }
        // Whatever the peer sent, the engine still has a plan: a timer or an outcome.
        prop_assert!(h.outcome().is_some() || h.wake.is_some());
    }

    /// Arbitrary JSON values as the result of every call request: typed outcomes only.
    #[test]
    fn arbitrary_results_never_panic(v in arb_json(), which in 0usize..3) {
        let mut h = legacy_ready();
        h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
        h.drain();
        h.tools();
        let method = ["tools/call", "tools/call", "tools/call"][which];
        h.result(method, v.clone(), &[]);
        if h.outcome().is_none() && h.count("tasks/get") + usize::from(h.wake.is_some()) > 0 {
            h.advance(60_000);
            if h.count("tasks/get") > 0 {
                h.result("tasks/get", v.clone(), &[]);
            }
        }
        prop_assert!(h.outcome().is_some() || h.wake.is_some());
    }

    /// An SSE body split anywhere reads the same as in one piece.
    #[test]
    fn sse_split_anywhere_reads_the_same(points in split_points(600)) {
        let ask = json!({"jsonrpc":"2.0","id":"srv-1","method":"elicitation/create","params":{"message":"go?","_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t1"}}}});
        let note = json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params": task_json("t1", "input_required", false)});
        let mut bytes = b": keep-alive\r\n".to_vec();
        bytes.extend(sse(&[note, ask]));
        let whole = through_input_stream(&bytes, &[]);
        let split = through_input_stream(&bytes, &points);
        prop_assert_eq!(whole, split);
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "t1",
            "working",
            "completed",
            "failed",
            "input_required",
            "cancelled",
            "task",
            "2025-11-13T02:13:20Z",
            ""
        ])
        .prop_map(Value::from),
    ];
    let keys = prop::sample::select(vec![
        "task",
        "taskId",
        "status",
        "createdAt",
        "lastUpdatedAt",
        "ttl",
        "content",
        "isError",
        "resultType",
        "result",
        "error",
        "inputRequests",
        "_meta",
    ]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..7).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

#[test]
fn only_requests_a_server_may_hold_open_are_marked_long_lived() {
    let mut h = legacy_task("job");
    // The task was created by a tools/call, which a server may hold (a plain answer).
    assert!(h.last("tools/call").long_lived);
    assert!(!h.last("initialize").long_lived);
    h.engine.list_tasks(h.now, None).unwrap();
    h.drain();
    assert!(!h.last("tasks/list").long_lived);
    // The call's poll is short; a terminal status makes the engine ask tasks/result,
    // which the server holds until it has the result.
    h.advance(10_000);
    assert!(!h.last("tasks/get").long_lived);
    h.result("tasks/get", task_json("t1", "completed", false), &[]);
    assert!(h.last("tasks/result").long_lived);
}

#[test]
fn a_request_the_environment_refuses_ends_the_call_without_retries() {
    use mcp_tasks::protocol::http::TransportFailure;
    let mut h = legacy_ready();
    let call = h.engine.call_tool(h.now, ToolCall::new("job", None).mode(TaskMode::Plain)).unwrap();
    h.drain();
    h.tools();
    let sent = h.last("tools/call");
    let refused = TransportFailure::Refused("a header value holds a line break".into());
    h.engine.handle_transport_failure(h.now, sent.id, refused);
    h.drain();
    let outcome = h.events.iter().find_map(|e| match e {
        Event::Outcome { call: c, outcome } if *c == call => Some(outcome),
        _ => None,
    });
    assert!(
        matches!(
            outcome,
            Some(CallOutcome::Error(ClientError::Transport {
                failure: TransportFailure::Refused(_),
                ..
            }))
        ),
        "{outcome:?}"
    );
    h.advance(60_000);
    assert_eq!(h.count("tools/call"), 1, "not sent again");
}
