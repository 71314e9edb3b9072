//! Two `mcp-tasks serve` processes on one Redis serve the same tasks: created through one,
//! followed, answered, cancelled and read through the other.
#![cfg(feature = "cli")]

mod redis_support;
mod support;

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tasks");

use hyper::StatusCode;
use redis_support::{RedisServer, Serve};
use serde_json::json;
use support::{Legacy, ext, ext_task, poll_until, response_of};

/// Two servers on `redis`, polling the store every 50 ms.
fn pair(redis: &RedisServer) -> (Serve, Serve) {
    let url = redis.url();
    let args = ["--store", url.as_str(), "--store-poll", "50"];
    (Serve::start(BIN, &args), Serve::start(BIN, &args))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_created_on_one_server_is_answered_and_read_on_the_other() {
    let Some(redis) = RedisServer::start(false) else { return };
    let (a, b) = pair(&redis);
    let task = ext_task(a.addr, "confirm_delete", json!({"item": "report.pdf"})).await;

    let waiting = poll_until(b.addr, &task, |t| t["status"] == "input_required").await;
    let (key, ask) = waiting["inputRequests"].as_object().unwrap().iter().next().unwrap();
    assert_eq!(ask["method"], "elicitation/create");
    let update = json!({"taskId": task, "inputResponses": {key.as_str():
        {"action": "accept", "content": {"confirm": true}}}});
    let ack = ext(b.addr, "tasks/update", Some(&task), update, true).await;
    assert_eq!(ack.status, StatusCode::OK);

    // The work runs on A; it finds B's answer in the store.
    let on_b = poll_until(b.addr, &task, |t| t["status"] == "completed").await;
    let on_a = poll_until(a.addr, &task, |t| t["status"] == "completed").await;
    assert_eq!(on_b["result"], on_a["result"], "one result, whoever reads it");
    assert_eq!(on_b["result"]["content"][0]["text"], "deleted", "{on_b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_through_one_server_stops_the_work_on_the_other() {
    let Some(redis) = RedisServer::start(false) else { return };
    let (a, b) = pair(&redis);
    let task = ext_task(a.addr, "slow_compute", json!({"seconds": 60, "steps": 60})).await;
    poll_until(b.addr, &task, |t| t["status"] == "working").await;
    let ack = ext(b.addr, "tasks/cancel", Some(&task), json!({"taskId": task}), true).await;
    assert_eq!(ack.status, StatusCode::OK);
    let on_a = poll_until(a.addr, &task, |t| t["status"] == "cancelled").await;
    assert_eq!(on_a["taskId"], task);
    let on_b = poll_until(b.addr, &task, |t| t["status"] == "cancelled").await;
    assert_eq!(on_b["status"], "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2025_session_runs_its_tasks_through_redis() {
    let Some(redis) = RedisServer::start(false) else { return };
    let (a, b) = pair(&redis);
    let c = Legacy::connect(a.addr).await;
    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    let mut held = c.result_stream(&task).await;
    let ask = held.next().await.unwrap();
    assert_eq!(ask["method"], "elicitation/create");
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"confirm": true}}});
    assert_eq!(c.post(&answer).await.status, StatusCode::ACCEPTED);
    let (done, _) = response_of(&mut held).await;
    assert_eq!(done["result"]["content"][0]["text"], "deleted");
    let listed = c.call("tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"][0]["taskId"], task.as_str());
    assert_eq!(listed["result"]["tasks"][0]["status"], "completed");

    // The record is in Redis: a second server reads the same table (an extension caller
    // there is another owner, so it is not found, not leaked).
    let other = ext(b.addr, "tasks/get", Some(&task), json!({"taskId": task}), true).await;
    assert_eq!(other.json().await["error"]["code"], -32602);
    let cancelled = c.call("tasks/cancel", json!({"taskId": task})).await;
    assert_eq!(cancelled["error"]["code"], -32602, "terminal: {cancelled}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listen_stream_on_one_server_hears_of_changes_made_on_the_other() {
    let Some(redis) = RedisServer::start(false) else { return };
    let (a, b) = pair(&redis);
    let task = ext_task(a.addr, "confirm_delete", json!({"item": "x"})).await;
    poll_until(a.addr, &task, |t| t["status"] == "input_required").await;
    let params = json!({"notifications": {"taskIds": [task]}});
    let res = ext(b.addr, "subscriptions/listen", None, params, true).await;
    assert_eq!(res.status, StatusCode::OK);
    let mut stream = res.sse();
    let ack = stream.next().await.unwrap();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");

    // Answered through A, where the work runs: B reads the change from the store.
    let asked = poll_until(a.addr, &task, |t| t["status"] == "input_required").await;
    let key = asked["inputRequests"].as_object().unwrap().keys().next().unwrap().clone();
    let update = json!({"taskId": task, "inputResponses": {key.as_str():
        {"action": "accept", "content": {"confirm": false}}}});
    assert_eq!(ext(a.addr, "tasks/update", Some(&task), update, true).await.status, StatusCode::OK);
    let mut statuses = Vec::new();
    let end = loop {
        let msg = stream.next().await.expect("the stream ends with the listen result");
        if msg.get("id").is_some() {
            break msg;
        }
        assert_eq!(msg["method"], "notifications/tasks");
        statuses.push(msg["params"]["status"].as_str().unwrap().to_owned());
        if msg["params"]["status"] == "completed" {
            assert_eq!(msg["params"]["result"]["content"][0]["text"], "kept");
        }
    };
    assert_eq!(statuses.last().map(String::as_str), Some("completed"), "{statuses:?}");
    assert_eq!(end["result"]["resultType"], "complete");
}
