//! Every kind of result `mcp-tasks serve` sends under 2026-07-28, held to the published
//! schemas (`tests/schema/`). The other server tests check each 2026-07-28 response they
//! read the same way (`support::schema`); this file makes sure each kind is seen at least
//! once, payloads included.
#![cfg(feature = "server")]

mod support;

use hyper::StatusCode;
use serde_json::{Value, json};
use support::schema::{self, assert_valid, core, problems, tasks, unknown_keywords};
use support::{ext, poll_until, start};

async fn create(addr: std::net::SocketAddr, tool: &str, args: Value) -> String {
    let call = json!({"name": tool, "arguments": args});
    let body = ext(addr, "tools/call", Some(tool), call, true).await.json().await;
    assert_eq!(body["result"]["resultType"], "task", "{body}");
    body["result"]["taskId"].as_str().unwrap().to_owned()
}

#[test]
fn the_validator_knows_every_keyword_of_both_schemas() {
    assert_eq!(unknown_keywords(core()), Vec::<String>::new());
    assert_eq!(unknown_keywords(tasks()), Vec::<String>::new());
}

#[test]
fn the_validator_tells_good_from_bad() {
    let good = json!({"resultType": "complete", "content": [{"type": "text", "text": "hi"}]});
    assert_valid(core(), "CallToolResult", &good);
    let untyped = json!({"content": [{"type": "text", "text": "hi"}]});
    assert!(problems(core(), "CallToolResult", &untyped).iter().any(|p| p.contains("resultType")));
    let bad_block = json!({"resultType": "complete", "content": [{"type": "text"}]});
    assert!(!problems(core(), "CallToolResult", &bad_block).is_empty());
    assert!(!problems(tasks(), "CancelTaskResult", &json!({"resultType": "task"})).is_empty());
    let working = json!({"resultType": "complete", "taskId": "t", "status": "working",
        "createdAt": "2026-01-01T00:00:00Z", "lastUpdatedAt": "2026-01-01T00:00:00Z",
        "ttlMs": null});
    assert_valid(tasks(), "GetTaskResult", &working);
    let mut no_ttl = working.clone();
    no_ttl.as_object_mut().unwrap().remove("ttlMs");
    assert!(!problems(tasks(), "GetTaskResult", &no_ttl).is_empty());
}

/// A completed task's inline result is a `CallToolResult`, `resultType` included, both in
/// `tasks/get` and in `notifications/tasks` (the official ext-tasks requester rejects it
/// otherwise).
#[tokio::test]
async fn a_completed_tasks_inline_result_is_a_whole_call_tool_result() {
    let server = start().await;
    let addr = server.local_addr();
    let task = create(addr, "slow_compute", json!({"seconds": 0, "steps": 1})).await;
    let done = poll_until(addr, &task, |r| r["status"] == "completed").await;
    assert_eq!(done["result"]["resultType"], "complete", "{done}");
    assert_valid(core(), "CallToolResult", &done["result"]);

    let failing = create(addr, "failing_job", json!({})).await;
    let done = poll_until(addr, &failing, |r| r["status"] == "completed").await;
    assert_eq!(done["result"]["isError"], true);
    assert_eq!(done["result"]["resultType"], "complete", "{done}");

    let params = json!({"notifications": {"taskIds": [task]}});
    let mut stream = ext(addr, "subscriptions/listen", None, params, true).await.sse();
    let _ack = stream.next().await.unwrap();
    let now = stream.next().await.unwrap();
    assert_eq!(now["params"]["result"]["resultType"], "complete", "{now}");
    server.shutdown().await;
}

/// Each 2026-07-28 request kind once, every answer checked by `support` as it is read.
#[tokio::test]
async fn every_2026_07_28_answer_matches_the_published_schema() {
    let server = start().await;
    let addr = server.local_addr();
    let discover = ext(addr, "server/discover", None, json!({}), true).await.json().await;
    assert!(discover["result"]["supportedVersions"].is_array());
    let list = ext(addr, "tools/list", None, json!({}), true).await.json().await;
    assert!(list["result"]["tools"].is_array());
    let greet = json!({"name": "greet", "arguments": {"name": "schema"}});
    let plain = ext(addr, "tools/call", Some("greet"), greet, true).await.json().await;
    assert_eq!(plain["result"]["resultType"], "complete");

    // input_required, answered; then completed.
    let confirm = create(addr, "confirm_delete", json!({"item": "x"})).await;
    let asking = poll_until(addr, &confirm, |r| r["status"] == "input_required").await;
    let key = asking["inputRequests"].as_object().unwrap().keys().next().unwrap().clone();
    let update = json!({"taskId": confirm, "inputResponses":
        {key: {"action": "accept", "content": {"confirm": true}}}});
    let ack = ext(addr, "tasks/update", Some(&confirm), update, true).await.json().await;
    assert_eq!(ack["result"]["resultType"], "complete");
    poll_until(addr, &confirm, |r| r["status"] == "completed").await;

    // failed with an inline error.
    let broken = create(addr, "protocol_error_job", json!({})).await;
    let failed = poll_until(addr, &broken, |r| r["status"] == "failed").await;
    assert!(failed["error"]["code"].is_i64());

    // cancelled.
    let slow = create(addr, "slow_compute", json!({"seconds": 30})).await;
    let ack = ext(addr, "tasks/cancel", Some(&slow), json!({"taskId": slow}), true).await;
    assert_eq!(ack.json().await["result"]["resultType"], "complete");
    poll_until(addr, &slow, |r| r["status"] == "cancelled").await;

    // Errors: an unknown task, a removed method, a missing capability.
    let unknown = ext(addr, "tasks/get", Some("nope"), json!({"taskId": "nope"}), true).await;
    assert_eq!(unknown.json().await["error"]["code"], -32602);
    let removed = ext(addr, "tasks/result", None, json!({"taskId": "nope"}), true).await;
    assert_eq!(removed.status, StatusCode::NOT_FOUND);
    assert_eq!(removed.json().await["error"]["code"], -32601);
    let undeclared = ext(addr, "tasks/get", Some(&slow), json!({"taskId": slow}), false).await;
    assert_eq!(undeclared.json().await["error"]["code"], -32021);

    // A listen stream: acknowledgement, the task as it is, and the closing result.
    let params = json!({"notifications": {"taskIds": [confirm]}});
    let mut stream = ext(addr, "subscriptions/listen", None, params, true).await.sse();
    let mut last = Value::Null;
    while let Some(msg) = stream.next().await {
        last = msg;
    }
    assert_eq!(last["result"]["resultType"], "complete");
    schema::check_listen_message(&last);
    server.shutdown().await;
}
