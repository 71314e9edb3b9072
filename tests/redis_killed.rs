//! Failures around a shared Redis store: a server killed mid-task, and Redis itself
//! restarted mid-task.
#![cfg(feature = "cli")]

mod redis_support;
mod support;

const BIN: &str = env!("CARGO_BIN_EXE_mcp-tasks");

use std::net::SocketAddr;
use std::time::Duration;

use hyper::StatusCode;
use redis_support::{RedisServer, Serve};
use serde_json::{Value, json};
use support::{Legacy, ext, ext_task, poll_until};
use tokio::time::timeout;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_whose_server_was_killed_is_failed_by_another_after_its_lease() {
    let Some(redis) = RedisServer::start(false) else { return };
    let url = redis.url();
    // A short lease, so the test waits seconds for it to lapse, yet renewals (every
    // 500 ms) have room on a loaded machine.
    let args = ["--store", url.as_str(), "--store-poll", "50", "--store-lease", "1500"];
    let (mut a, b) = (Serve::start(BIN, &args), Serve::start(BIN, &args));
    let task = ext_task(a.addr, "slow_compute", json!({"seconds": 60, "steps": 60})).await;
    poll_until(b.addr, &task, |t| t["status"] == "working").await;
    a.kill();
    let failed = poll_until(b.addr, &task, |t| t["status"] != "working").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let message = failed["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("server running this task stopped"), "{failed}");

    // A task whose server lives on is not touched by the other's lease checks.
    let c = Serve::start(BIN, &args);
    let task = ext_task(c.addr, "slow_compute", json!({"seconds": 4, "steps": 4})).await;
    let done = poll_until(b.addr, &task, |t| t["status"] != "working").await;
    assert_eq!(done["status"], "completed", "renewed leases keep it alive past 1500 ms");
}

/// `tasks/get` until `done` holds, through answers that fail while Redis is away.
async fn poll_through_outage(addr: SocketAddr, task: &str, done: impl Fn(&Value) -> bool) -> Value {
    timeout(Duration::from_secs(20), async {
        loop {
            let res = ext(addr, "tasks/get", Some(task), json!({"taskId": task}), true).await;
            if res.status == StatusCode::OK {
                let body = res.json().await;
                if done(&body["result"]) {
                    return body["result"].clone();
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the task came back after Redis restarted")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_survive_a_redis_restart_with_appendonly() {
    let Some(mut redis) = RedisServer::start(true) else { return };
    let url = redis.url();
    let server = Serve::start(BIN, &["--store", url.as_str(), "--store-poll", "50"]);
    let waiting = ext_task(server.addr, "confirm_delete", json!({"item": "x"})).await;
    let asked = poll_until(server.addr, &waiting, |t| t["status"] == "input_required").await;
    let key = asked["inputRequests"].as_object().unwrap().keys().next().unwrap().clone();
    let done = ext_task(server.addr, "slow_compute", json!({"seconds": 0, "steps": 1})).await;
    let finished = poll_until(server.addr, &done, |t| t["status"] == "completed").await;

    // Down until the server's reads have failed three times in a row (past the first
    // failure, its connection stops waiting for a reconnect), while the waiting work
    // keeps looking at the store: an unreachable store must not end it.
    redis.stop();
    timeout(Duration::from_secs(30), async {
        let mut failed = 0;
        while failed < 3 {
            let get = json!({"taskId": waiting});
            let res = ext(server.addr, "tasks/get", Some(&waiting), get, true).await;
            let error = res.status != StatusCode::OK || res.json().await.get("error").is_some();
            failed = if error { failed + 1 } else { 0 };
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the server reports the outage");
    redis.resume();

    let after = poll_through_outage(server.addr, &done, |t| t["status"] == "completed").await;
    assert_eq!(after["result"], finished["result"], "the stored result came back");
    let still = poll_through_outage(server.addr, &waiting, |t| t["status"] == "input_required");
    assert_eq!(still.await["inputRequests"][&key]["method"], "elicitation/create");
    let update = json!({"taskId": waiting, "inputResponses": {key.as_str():
        {"action": "accept", "content": {"confirm": false}}}});
    let ack = ext(server.addr, "tasks/update", Some(&waiting), update, true).await;
    assert_eq!(ack.status, StatusCode::OK);
    let kept = poll_until(server.addr, &waiting, |t| t["status"] == "completed").await;
    assert_eq!(kept["result"]["content"][0]["text"], "kept");
}

/// `tasks/get` through `client` until the task's status is not `from`.
async fn legacy_until_not(client: &Legacy, task: &str, from: &str) -> Value {
    timeout(Duration::from_secs(20), async {
        loop {
            let got = client.call("tasks/get", json!({"taskId": task})).await;
            if got["result"]["status"] != from {
                return got["result"].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the task left its status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2025_task_whose_server_was_killed_is_failed_and_its_session_lives_on() {
    let Some(redis) = RedisServer::start(false) else { return };
    let url = redis.url();
    let args = ["--store", url.as_str(), "--store-poll", "50", "--store-lease", "1500"];
    let (mut a, b) = (Serve::start(BIN, &args), Serve::start(BIN, &args));
    let on_a = Legacy::connect(a.addr).await;
    let task = on_a.start_task("slow_compute", json!({"seconds": 60, "steps": 60})).await;
    a.kill();
    // The client turns to B with the same session, and learns what became of its task.
    let on_b = Legacy { addr: b.addr, session: on_a.session.clone() };
    let failed = legacy_until_not(&on_b, &task, "working").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    let done = on_b.call("tasks/result", json!({"taskId": task})).await;
    let message = done["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("server running this task stopped"), "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2025_session_and_its_task_survive_a_redis_restart() {
    let Some(mut redis) = RedisServer::start(true) else { return };
    let url = redis.url();
    let args = ["--store", url.as_str(), "--store-poll", "50"];
    let a = Serve::start(BIN, &args);
    let on_a = Legacy::connect(a.addr).await;
    let task = on_a.start_task("confirm_delete", json!({"item": "x"})).await;
    legacy_until_not(&on_a, &task, "working").await;
    redis.stop();
    redis.resume();
    // A server that never saw the session serves it from what Redis kept.
    let b = Serve::start(BIN, &args);
    let on_b = Legacy { addr: b.addr, session: on_a.session.clone() };
    let got = legacy_until_not(&on_b, &task, "working").await;
    assert_eq!(got["status"], "input_required", "{got}");
    let mut held = on_b.result_stream(&task).await;
    assert_eq!(support::confirm_next(&mut held, &on_b, true).await, "deleted");
}
