//! The engine against a scripted peer over a client's life: close and detach, plain
//! operations, deadlines, progress, resumed and reopened streams, poll hints, and which
//! requests are long-lived.

use mcp_tasks::client::{
    BackoffPolicy, CallOutcome, ClientError, Config, Engine, Event, Protocol, TaskMode, ToolCall,
};
use mcp_tasks::protocol::http::Method;
use mcp_tasks::time::UnixMillis;
use serde_json::json;

mod scripted;

use scripted::*;

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
