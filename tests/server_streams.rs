//! 2025-11-25 SSE streams of the reference server: priming events, `retry`, keep-alive
//! comments, resuming a broken `tasks/result` stream with `Last-Event-ID`, and input
//! requests sent again when a new `tasks/result` opens.
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use hyper::StatusCode;
use mcp_tasks::server::Config;
use serde_json::json;
use support::{Legacy, response_of, send, start, start_with};

#[tokio::test]
async fn streams_open_with_a_priming_event_and_stay_alive() {
    let config = Config {
        keepalive: Duration::from_millis(20),
        sse_retry: Duration::from_millis(1500),
        ..Config::default()
    };
    let server = start_with(config).await;
    let c = Legacy::connect(server.local_addr()).await;

    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    let mut held = c.result_stream(&task).await;
    let ask = held.next().await.unwrap();
    assert_eq!(ask["method"], "elicitation/create");
    let first = held.raw.split("\n\n").next().unwrap().to_owned();
    assert!(first.starts_with("id: ") && first.ends_with("data: "), "primed first: {first}");
    assert!(first.contains("\nretry: 1500\n"), "{first}");
    assert!(held.until_raw(": keep-alive\n\n").await, "a held tasks/result stays alive");

    let mut get = c.open_get_stream().await;
    assert!(get.until_raw(": keep-alive\n\n").await, "a quiet stream says it is alive");
    let priming = get.raw.split("\n\n").next().unwrap().to_owned();
    assert!(priming.starts_with("id: 0."), "the standalone stream's priming: {priming}");
    assert!(priming.contains("\nretry: 1500\n") && priming.ends_with("\ndata: "), "{priming}");

    // Event ids are unique across the session's streams.
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"confirm": true}}});
    assert_eq!(c.post(&answer).await.status, StatusCode::ACCEPTED);
    let status = get.next().await.unwrap();
    assert_eq!(status["method"], "notifications/tasks/status");
    let (done, _) = response_of(&mut held).await;
    assert_eq!(done["result"]["content"][0]["text"], "deleted");
    assert_ne!(get.last_id, held.last_id);
    assert!(get.last_id.as_deref().unwrap().starts_with("0."));
    server.shutdown().await;
}

#[tokio::test]
async fn an_input_request_read_on_the_get_stream_is_not_repeated() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let mut get = c.open_get_stream().await;
    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    // Questions about a task come on the GET stream once the client has named it.
    c.call("tasks/get", json!({"taskId": task})).await;
    let ask = loop {
        let msg = get.next().await.unwrap();
        if msg["method"] == "elicitation/create" {
            break msg;
        }
    };
    // The client is still reading the stream that carried it: a tasks/result opened now
    // must not ask a second time.
    let mut held = c.result_stream(&task).await;
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"confirm": true}}});
    assert_eq!(c.post(&answer).await.status, StatusCode::ACCEPTED);
    let (done, before) = response_of(&mut held).await;
    assert_eq!(done["result"]["content"][0]["text"], "deleted");
    assert!(before.iter().all(|m| m["method"] != "elicitation/create"), "{before:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_get_stream_reopened_afresh_gets_the_input_request_again() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let mut first = c.open_get_stream().await;
    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    c.call("tasks/get", json!({"taskId": task})).await;
    let ask = loop {
        let msg = first.next().await.unwrap();
        if msg["method"] == "elicitation/create" {
            break msg;
        }
    };
    // A reload: a new GET without Last-Event-ID takes over, the old one goes. The new
    // connection never saw the question, so it gets it again.
    let mut second = c.open_get_stream().await;
    drop(first);
    let again = loop {
        let msg = second.next().await.unwrap();
        if msg["method"] == "elicitation/create" {
            break msg;
        }
    };
    assert_eq!(again, ask, "the same request, same id, sent again");
    let mut held = c.result_stream(&task).await;
    let answer = json!({"jsonrpc": "2.0", "id": again["id"],
        "result": {"action": "accept", "content": {"confirm": true}}});
    assert_eq!(c.post(&answer).await.status, StatusCode::ACCEPTED);
    let (done, before) = response_of(&mut held).await;
    assert!(
        before.iter().all(|m| m["method"] != "elicitation/create"),
        "asked once more: {before:?}"
    );
    assert_eq!(done["result"]["content"][0]["text"], "deleted");
    server.shutdown().await;
}

#[tokio::test]
async fn older_revisions_get_no_priming_event() {
    let server = start().await;
    let addr = server.local_addr();
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "old", "version": "0"}}});
    let res = support::post(addr, &[], &init).await;
    let session = res.header("mcp-session-id").unwrap().to_owned();
    let c = Legacy { addr, session };
    let mut get = c.open_get_stream().await;
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params":
        {"name": "slow_compute", "arguments": {"seconds": 0, "steps": 1}, "task": {}}});
    let h = [("mcp-session-id", c.session.as_str()), ("mcp-protocol-version", "2025-06-18")];
    assert_eq!(support::post(addr, &h, &call).await.status, StatusCode::OK);
    get.next().await.unwrap();
    assert!(get.raw.starts_with("event: message\nid: 0."), "{}", get.raw);
    server.shutdown().await;
}

#[tokio::test]
async fn a_broken_result_stream_resumes_with_last_event_id() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    let mut held = c.result_stream(&task).await;
    let ask = held.next().await.unwrap();
    let last = held.last_id.clone().unwrap();
    drop(held);

    // The same POST stream continues on a GET: nothing was missed yet, and the response
    // arrives there once the answer lets the task finish.
    let mut resumed = c.resume_get_stream(Some(&last)).await;
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"confirm": true}}});
    assert_eq!(c.post(&answer).await.status, StatusCode::ACCEPTED);
    let (done, before) = response_of(&mut resumed).await;
    assert_eq!(done["result"]["content"][0]["text"], "deleted");
    assert!(before.is_empty(), "{before:?}");
    assert_eq!(resumed.next().await, None, "a resumed POST stream ends with its response");

    // A client that lost the end too gets it replayed, and the stream ends there.
    let mut again = c.resume_get_stream(Some(&last)).await;
    let (replayed, _) = response_of(&mut again).await;
    assert_eq!(replayed, done);
    assert_eq!(again.next().await, None);
    server.shutdown().await;
}

#[tokio::test]
async fn what_a_broken_stream_missed_is_replayed() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let task = c.start_task("multi_input", json!({})).await;
    let mut held = c.result_stream(&task).await;
    let first = held.next().await.unwrap();
    let second = held.next().await.unwrap();
    let after_first = {
        // The id of the first question's event: replay starts after it.
        let events: Vec<&str> = held.raw.split("\n\n").collect();
        let with_first = events.iter().find(|e| e.contains(&*first["id"].to_string())).unwrap();
        with_first.lines().find_map(|l| l.strip_prefix("id: ")).unwrap().to_owned()
    };
    drop(held);
    let mut resumed = c.resume_get_stream(Some(&after_first)).await;
    assert_eq!(resumed.next().await.unwrap(), second, "the missed event comes again");
    for (ask, field) in [(&first, "name"), (&second, "colour")] {
        let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
            "result": {"action": "accept", "content": {field: "x"}}});
        assert_eq!(c.post(&answer).await.status, StatusCode::ACCEPTED);
    }
    let (done, _) = response_of(&mut resumed).await;
    assert_eq!(done["result"]["content"][0]["text"], "x likes x");
    server.shutdown().await;
}

#[tokio::test]
async fn a_new_result_stream_gets_the_pending_input_requests_again() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    let mut held = c.result_stream(&task).await;
    let ask = held.next().await.unwrap();
    drop(held);

    let mut fresh = c.result_stream(&task).await;
    let again = fresh.next().await.unwrap();
    assert_eq!(again, ask, "the same request, same id, sent again");
    let answer = json!({"jsonrpc": "2.0", "id": again["id"],
        "result": {"action": "accept", "content": {"confirm": false}}});
    assert_eq!(c.post(&answer).await.status, StatusCode::ACCEPTED);
    let (done, _) = response_of(&mut fresh).await;
    assert_eq!(done["result"]["content"][0]["text"], "kept");
    server.shutdown().await;
}

#[tokio::test]
async fn input_requests_without_a_reader_wait_for_the_get_stream() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    // Nobody is reading anything while the tool asks.
    let deadline = tokio::time::Instant::now() + support::WAIT;
    loop {
        let got = c.call("tasks/get", json!({"taskId": task})).await;
        if got["result"]["status"] == "input_required" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never asked");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut get = c.open_get_stream().await;
    let ask = loop {
        let msg = get.next().await.unwrap();
        if msg["method"] == "elicitation/create" {
            break msg;
        }
    };
    assert_eq!(ask["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], task);
    server.shutdown().await;
}

#[tokio::test]
async fn posts_need_json_in_and_both_answers_accepted() {
    let server = start().await;
    let addr = server.local_addr();
    let ping = br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    let text = [("content-type", "text/plain"), ("accept", "application/json, text/event-stream")];
    let res = send(addr, "POST", &text, ping).await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(res.json().await["error"]["code"], -32000);
    let json_only = [("content-type", "application/json"), ("accept", "application/json")];
    let res = send(addr, "POST", &json_only, ping).await;
    assert_eq!(res.status, StatusCode::NOT_ACCEPTABLE);
    let charset = [
        ("content-type", "application/json; charset=utf-8"),
        ("accept", "text/event-stream;q=0.9, application/json"),
        ("mcp-session-id", "unknown"),
    ];
    assert_eq!(send(addr, "POST", &charset, ping).await.status, StatusCode::NOT_FOUND);
    let res = send(addr, "GET", &[("accept", "application/json")], b"").await;
    assert_eq!(res.status, StatusCode::NOT_ACCEPTABLE);
    server.shutdown().await;
}
