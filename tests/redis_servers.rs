//! Two `mcp-tasks serve` processes on one Redis serve the same tasks: created through one,
//! followed, answered, cancelled and read through the other.
#![cfg(feature = "cli")]

mod redis_support;
mod support;

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tasks");

use hyper::StatusCode;
use mcp_tasks::id::TaskId;
use mcp_tasks::redis::BlockingRedis;
use mcp_tasks::store::Backend;
use redis_support::{RedisServer, Serve};
use serde_json::json;
use support::{Legacy, confirm_next, ext, ext_task, poll_until, response_of};

/// Two servers on `redis`, polling the store every 50 ms.
fn pair(redis: &RedisServer) -> (Serve, Serve) {
    let url = redis.url();
    let args = ["--store", url.as_str(), "--store-poll", "50"];
    (Serve::start(BIN, &args), Serve::start(BIN, &args))
}

/// A 2025-11-25 session opened on `a`, as its client sees it on `a` and on `b`.
async fn one_session(a: &Serve, b: &Serve) -> (Legacy, Legacy) {
    let on_a = Legacy::connect(a.addr).await;
    let on_b = Legacy { addr: b.addr, session: on_a.session.clone() };
    (on_a, on_b)
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
    assert_eq!(confirm_next(&mut held, &c, true).await, "deleted");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2025_session_opened_on_one_server_is_served_by_the_other() {
    let Some(redis) = RedisServer::start(false) else { return };
    let (a, b) = pair(&redis);
    let (on_a, on_b) = one_session(&a, &b).await;
    let task = on_a.start_task("slow_compute", json!({"seconds": 1, "steps": 2})).await;

    let got = on_b.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["taskId"], task.as_str(), "{got}");
    let listed = on_b.call("tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"][0]["taskId"], task.as_str(), "{listed}");
    // Held on B while the work runs on A: answered when A's result lands in the store.
    let mut held = on_b.result_stream(&task).await;
    let (done, _) = response_of(&mut held).await;
    assert_eq!(done["result"]["content"][0]["text"], "computed 2 steps in 1s", "{done}");

    let long = on_a.start_task("slow_compute", json!({"seconds": 60, "steps": 60})).await;
    let cancelled = on_b.call("tasks/cancel", json!({"taskId": long})).await;
    assert_eq!(cancelled["result"]["status"], "cancelled", "{cancelled}");
    let seen_on_a = on_a.call("tasks/get", json!({"taskId": long})).await;
    assert_eq!(seen_on_a["result"]["status"], "cancelled");

    let stranger = Legacy { addr: b.addr, session: "no-such-session".into() };
    let res = stranger.post(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "only sessions some server opened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2025_question_from_work_on_one_server_is_answered_through_the_other() {
    let Some(redis) = RedisServer::start(false) else { return };
    let (a, b) = pair(&redis);
    let (on_a, on_b) = one_session(&a, &b).await;
    let task = on_a.start_task("confirm_delete", json!({"item": "x"})).await;
    let mut waiting = None;
    for _ in 0..200 {
        let got = on_b.call("tasks/get", json!({"taskId": task})).await;
        if got["result"]["status"] == "input_required" {
            waiting = Some(got);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(waiting.is_some(), "the work on A asked");
    let mut held = on_b.result_stream(&task).await;
    assert_eq!(confirm_next(&mut held, &on_b, true).await, "deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2025_status_notification_reaches_the_get_stream_on_the_other_server() {
    let Some(redis) = RedisServer::start(false) else { return };
    let (a, b) = pair(&redis);
    let (on_a, on_b) = one_session(&a, &b).await;
    let mut get = on_b.open_get_stream().await;
    let task = on_a.start_task("slow_compute", json!({"seconds": 0.5, "steps": 1})).await;
    // The client follows the task through B (it names it there).
    let got = on_b.call("tasks/get", json!({"taskId": task})).await;
    assert!(got.get("result").is_some(), "{got}");
    let seen = get.until_status(&task, "completed").await;
    assert!(seen.iter().all(|m| m["method"] == "notifications/tasks/status"), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2025_session_deleted_through_one_server_is_gone_from_both() {
    let Some(redis) = RedisServer::start(false) else { return };
    let (a, b) = pair(&redis);
    let (on_a, on_b) = one_session(&a, &b).await;
    let task = on_a.start_task("slow_compute", json!({"seconds": 60, "steps": 60})).await;
    assert!(on_b.call("tasks/get", json!({"taskId": task})).await.get("result").is_some());
    let h = [("mcp-session-id", on_b.session.as_str())];
    assert_eq!(support::send(b.addr, "DELETE", &h, b"").await.status, StatusCode::OK);
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    assert_eq!(on_a.post(&ping).await.status, StatusCode::NOT_FOUND, "ended on A too");
    assert_eq!(on_b.post(&ping).await.status, StatusCode::NOT_FOUND);
    let store = BlockingRedis::connect(&redis.url(), "mcp-tasks").unwrap();
    assert_eq!(store.get(&TaskId(task)).unwrap(), None, "its tasks went with it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2025_question_sent_by_one_server_is_answered_through_the_other() {
    let Some(redis) = RedisServer::start(false) else { return };
    let (a, b) = pair(&redis);
    let (on_a, on_b) = one_session(&a, &b).await;
    let task = on_a.start_task("confirm_delete", json!({"item": "x"})).await;
    let mut held = on_a.result_stream(&task).await;
    // The answer goes to the other server, which never sent that request.
    assert_eq!(confirm_next(&mut held, &on_b, false).await, "kept");
}
