//! Sessions and requests as a whole: idle expiry, revisions, origins and sizes, and
//! what a stopping server answers.

use super::*;

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
fn a_mismatched_routing_header_is_refused_before_anything_runs() {
    let mut h = Harness::new();
    let r = h.extension(0, 1, "tools/call", Some("echo"), json!({"name": "job"}));
    assert_eq!(h.seen[&r].status, Some(400));
    assert_eq!(h.seen[&r].messages()[0]["error"]["message"], "Header mismatch: Mcp-Name");
    assert!(h.started.is_empty());
}
