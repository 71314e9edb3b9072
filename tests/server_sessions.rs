//! Who may reach a task on the reference server: session expiry on a hand-moved clock,
//! and owner binding in both generations (2025-11-25 sessions, 2026-07-28
//! `Authorization` credentials).
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use hyper::StatusCode;
use mcp_tasks::server::Config;
use serde_json::{Value, json};
use support::{Legacy, ManualClock, ext_as, send, start, start_with};

const HOUR: Duration = Duration::from_secs(60 * 60);

#[tokio::test]
async fn an_idle_session_ends_and_its_tasks_with_it() {
    let time = ManualClock::new();
    // The watched stream must outlive the test's two hours: past its age it would end
    // for its client to resume, and a client that does not would let its session go.
    let config = Config {
        clock: time.clock(),
        session_idle: HOUR,
        stream_max_age: 3 * HOUR,
        ..Config::default()
    };
    let server = start_with(config).await;
    let addr = server.local_addr();
    let idle = Legacy::connect(addr).await;
    let watched = Legacy::connect(addr).await;
    // A day of TTL: what ends the task below is its session, not its TTL.
    let call = json!({"name": "slow_compute", "arguments": {"seconds": 600, "steps": 1},
        "task": {"ttl": 86_400_000}});
    let created = idle.call("tools/call", call).await;
    let task = created["result"]["task"]["taskId"].as_str().unwrap().to_owned();
    let _get = watched.open_get_stream().await;

    time.advance(HOUR - Duration::from_secs(1));
    let got = idle.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "working", "used within the hour: alive");
    time.advance(HOUR + Duration::from_secs(1));

    for res in [
        idle.post(&json!({"jsonrpc": "2.0", "id": 1, "method": "tasks/get",
            "params": {"taskId": task}}))
            .await,
        send(
            addr,
            "GET",
            &[("mcp-session-id", &idle.session), ("accept", "text/event-stream")],
            b"",
        )
        .await,
        send(addr, "DELETE", &[("mcp-session-id", &idle.session)], b"").await,
    ] {
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(res.json().await["error"]["code"], -32001);
    }
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    assert_eq!(watched.post(&ping).await.status, StatusCode::OK, "an open stream keeps a session");

    let fresh = Legacy::connect(addr).await;
    let got = fresh.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["error"]["code"], -32602);
    let listed = fresh.call("tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"], json!([]));
    server.shutdown().await;
}

#[tokio::test]
async fn a_deleted_session_takes_its_running_work_down() {
    let server = start().await;
    let addr = server.local_addr();
    let c = Legacy::connect(addr).await;
    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    let mut held = c.result_stream(&task).await;
    held.next().await.unwrap();
    let h = [("mcp-session-id", c.session.as_str())];
    assert_eq!(send(addr, "DELETE", &h, b"").await.status, StatusCode::OK);
    assert_eq!(held.next().await, None, "its held stream closes");
    server.shutdown().await;
}

#[tokio::test]
async fn a_task_of_one_session_is_not_found_from_another() {
    let server = start().await;
    let addr = server.local_addr();
    let alice = Legacy::connect(addr).await;
    let mallory = Legacy::connect(addr).await;
    let task = alice.start_task("slow_compute", json!({"seconds": 600, "steps": 1})).await;
    for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
        let res = mallory.call(method, json!({"taskId": task})).await;
        assert_eq!(res["error"]["code"], -32602, "{method}: {res}");
        let message = res["error"]["message"].as_str().unwrap();
        assert!(!message.contains("owner"), "no hint that it exists: {message}");
    }
    let listed = mallory.call("tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"], json!([]));
    let got = alice.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "working", "untouched by the attempts");
    let listed = alice.call("tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"][0]["taskId"], task.as_str());
    server.shutdown().await;
}

async fn ext_task(addr: std::net::SocketAddr, auth: Option<&str>) -> String {
    let call = json!({"name": "confirm_delete", "arguments": {"item": "x"}});
    let created = ext_as(addr, auth, "tools/call", Some("confirm_delete"), call, true).await;
    let body = created.json().await;
    assert_eq!(body["result"]["resultType"], "task", "{body}");
    body["result"]["taskId"].as_str().unwrap().to_owned()
}

async fn ext_code(
    addr: std::net::SocketAddr,
    auth: Option<&str>,
    method: &str,
    task: &str,
) -> Value {
    let params = match method {
        "tasks/update" => json!({"taskId": task, "inputResponses": {}}),
        _ => json!({"taskId": task}),
    };
    let body = ext_as(addr, auth, method, Some(task), params, true).await.json().await;
    body["error"]["code"].clone()
}

#[tokio::test]
async fn extension_tasks_belong_to_the_authorization_credentials() {
    let server = start().await;
    let addr = server.local_addr();
    let alice = Some("Bearer alice-token");
    let task = ext_task(addr, alice).await;
    for other in [Some("Bearer mallory-token"), None, Some("Basic alice-token")] {
        for method in ["tasks/get", "tasks/update", "tasks/cancel"] {
            assert_eq!(ext_code(addr, other, method, &task).await, -32602, "{other:?} {method}");
        }
    }
    let got = ext_as(
        addr,
        Some("bearer  alice-token "),
        "tasks/get",
        Some(&task),
        json!({"taskId": task}),
        true,
    )
    .await
    .json()
    .await;
    assert_eq!(got["result"]["taskId"], task.as_str(), "the scheme is case-insensitive");

    // Without credentials every caller is the one anonymous owner: the random task id
    // is the handle.
    let anonymous = ext_task(addr, None).await;
    assert_eq!(ext_code(addr, alice, "tasks/get", &anonymous).await, -32602);
    assert_eq!(ext_code(addr, None, "tasks/cancel", &anonymous).await, Value::Null);
    server.shutdown().await;
}

#[tokio::test]
async fn an_expired_task_releases_what_waits_on_it() {
    let time = ManualClock::new();
    let server = start_with(Config { clock: time.clock(), ..Config::default() }).await;
    let addr = server.local_addr();
    let c = Legacy::connect(addr).await;
    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    let mut held = c.result_stream(&task).await;
    assert_eq!(held.next().await.unwrap()["method"], "elicitation/create");

    let call = json!({"name": "confirm_delete", "arguments": {"item": "y"}});
    let created = ext_as(addr, None, "tools/call", Some("confirm_delete"), call, true).await;
    let ext_task = created.json().await["result"]["taskId"].as_str().unwrap().to_owned();
    let params = json!({"notifications": {"taskIds": [ext_task]}});
    let mut listen = ext_as(addr, None, "subscriptions/listen", None, params, true).await.sse();
    assert_eq!(listen.next().await.unwrap()["params"]["notifications"]["taskIds"][0], ext_task);
    listen.next().await.unwrap();

    // Past the 60 s TTL of the 2025-11-25 task: the first read finds it expired, and the
    // held tasks/result gets the same "not found" instead of waiting forever.
    time.advance(Duration::from_secs(61));
    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["error"]["code"], -32602);
    let (done, _) = support::response_of(&mut held).await;
    assert_eq!(done["error"]["code"], -32602, "{done}");
    assert_eq!(held.next().await, None);

    // Past the default hour of the extension task: its listen stream ends gracefully.
    time.advance(HOUR);
    let got = ext_as(addr, None, "tasks/get", Some(&ext_task), json!({"taskId": ext_task}), true)
        .await
        .json()
        .await;
    assert_eq!(got["error"]["code"], -32602);
    let mut last = json!(null);
    while let Some(msg) = listen.next().await {
        last = msg;
    }
    assert_eq!(last["result"]["resultType"], "complete", "{last}");
    server.shutdown().await;
}
