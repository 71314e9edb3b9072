//! 2026-07-28 on the reference server: `subscriptions/listen` with `taskIds` delivering
//! `notifications/tasks`, and the revision's request rules (`_meta`, headers, removed
//! methods, server identity).
#![cfg(feature = "server")]

mod support;

use std::time::Duration;

use hyper::StatusCode;
use mcp_tasks::server::Config;
use serde_json::{Value, json};
use support::{Sse, ext, ext_as, ext_meta, poll_until, post, start, start_with};

const SUB: &str = "io.modelcontextprotocol/subscriptionId";

async fn create(addr: std::net::SocketAddr, auth: Option<&str>, tool: &str, args: Value) -> String {
    let call = json!({"name": tool, "arguments": args});
    let body = ext_as(addr, auth, "tools/call", Some(tool), call, true).await.json().await;
    assert_eq!(body["result"]["resultType"], "task", "{body}");
    body["result"]["taskId"].as_str().unwrap().to_owned()
}

async fn listen(addr: std::net::SocketAddr, auth: Option<&str>, task_ids: Value) -> Sse {
    let params = json!({"notifications": {"taskIds": task_ids, "toolsListChanged": true}});
    let res = ext_as(addr, auth, "subscriptions/listen", None, params, true).await;
    assert_eq!(res.status, StatusCode::OK);
    res.sse()
}

#[tokio::test]
async fn listen_reports_every_change_of_the_tasks_then_ends() {
    let server = start().await;
    let addr = server.local_addr();
    let task = create(addr, None, "confirm_delete", json!({"item": "x"})).await;
    let mut stream = listen(addr, None, json!([task, "nope"])).await;

    let ack = stream.next().await.unwrap();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged");
    assert_eq!(ack["params"]["notifications"], json!({"taskIds": [task]}), "nothing else agreed");
    assert_eq!(ack["params"]["_meta"][SUB], 7, "tagged with the listen request's id");

    let mut seen = Vec::new();
    let mut answered = false;
    let end = loop {
        let msg = stream.next().await.expect("the stream ends with the listen result");
        if msg.get("id").is_some() {
            break msg;
        }
        assert_eq!(msg["method"], "notifications/tasks");
        let params = &msg["params"];
        assert_eq!(params["_meta"][SUB], 7);
        assert_eq!(params["taskId"], task.as_str());
        assert!(params.get("ttlMs").is_some() && params.get("ttl").is_none());
        seen.push(params["status"].as_str().unwrap().to_owned());
        if params["status"] == "input_required" && !answered {
            let requests = params["inputRequests"].as_object().unwrap();
            let (key, ask) = requests.iter().next().unwrap();
            assert_eq!(ask["method"], "elicitation/create");
            let update = json!({"taskId": task, "inputResponses":
                {key.as_str(): {"action": "accept", "content": {"confirm": true}}}});
            let ack = ext(addr, "tasks/update", Some(&task), update, true).await;
            assert_eq!(ack.status, StatusCode::OK);
            answered = true;
        }
        if params["status"] == "completed" {
            assert_eq!(params["result"]["content"][0]["text"], "deleted");
        }
    };
    assert_eq!(seen.last().map(String::as_str), Some("completed"), "{seen:?}");
    assert!(seen.contains(&"input_required".to_owned()), "{seen:?}");
    assert!(answered);
    assert_eq!(end["id"], 7);
    assert_eq!(end["result"]["resultType"], "complete");
    assert_eq!(end["result"]["_meta"][SUB], 7);
    assert_eq!(stream.next().await, None);
    server.shutdown().await;
}

#[tokio::test]
async fn listen_shows_a_finished_task_once_and_ends() {
    let server = start().await;
    let addr = server.local_addr();
    let task = create(addr, None, "failing_job", json!({})).await;
    poll_until(addr, &task, |t| t["status"] == "completed").await;
    let mut stream = listen(addr, None, json!([task])).await;
    assert_eq!(stream.next().await.unwrap()["method"], "notifications/subscriptions/acknowledged");
    let now = stream.next().await.unwrap();
    assert_eq!(now["params"]["status"], "completed");
    assert_eq!(now["params"]["result"]["isError"], true);
    assert_eq!(stream.next().await.unwrap()["result"]["resultType"], "complete");
    assert_eq!(stream.next().await, None);
    server.shutdown().await;
}

#[tokio::test]
async fn listen_never_reports_another_owners_task() {
    let server = start().await;
    let addr = server.local_addr();
    let theirs = create(addr, Some("Bearer alice"), "slow_compute", json!({"seconds": 60})).await;
    let mut stream = listen(addr, Some("Bearer mallory"), json!([theirs])).await;
    let ack = stream.next().await.unwrap();
    assert_eq!(ack["params"]["notifications"], json!({"taskIds": []}));
    let end = stream.next().await.unwrap();
    assert_eq!(end["result"]["_meta"][SUB], 7, "nothing to report: ends at once");
    assert_eq!(stream.next().await, None);

    let mut own = listen(addr, Some("Bearer alice"), json!([theirs])).await;
    let ack = own.next().await.unwrap();
    assert_eq!(ack["params"]["notifications"]["taskIds"], json!([theirs]));
    let cancel = ext_as(
        addr,
        Some("Bearer alice"),
        "tasks/cancel",
        Some(&theirs),
        json!({"taskId": theirs}),
        true,
    )
    .await;
    assert_eq!(cancel.status, StatusCode::OK);
    let mut last = Value::Null;
    while let Some(msg) = own.next().await {
        last = msg;
    }
    assert_eq!(last["result"]["resultType"], "complete", "ends after the cancellation: {last}");
    server.shutdown().await;
}

#[tokio::test]
async fn listen_streams_stay_alive_and_task_ids_need_the_extension() {
    let config = Config { keepalive: Duration::from_millis(20), ..Config::default() };
    let server = start_with(config).await;
    let addr = server.local_addr();
    let task = create(addr, None, "slow_compute", json!({"seconds": 60})).await;
    let mut stream = listen(addr, None, json!([task])).await;
    assert!(stream.until_raw(": keep-alive\n\n").await);
    assert!(!stream.raw.contains("id:"), "2026-07-28 streams are not resumable: no event ids");

    let params = json!({"notifications": {"taskIds": [task]}});
    let res = ext(addr, "subscriptions/listen", None, params, false).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let err = res.json().await["error"].clone();
    assert_eq!(err["code"], -32021);
    assert_eq!(
        err["data"]["requiredCapabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );
    server.shutdown().await;
}

#[tokio::test]
async fn requests_follow_the_2026_07_28_rules() {
    let server = start().await;
    let addr = server.local_addr();
    let h = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "tools/list")];
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {}});
    let res = post(addr, &h, &body).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "no _meta: invalid params");
    let e = res.json().await;
    assert_eq!((e["id"].clone(), e["error"]["code"].clone()), (json!(3), json!(-32602)));

    let mut body = json!({"jsonrpc": "2.0", "id": 4, "method": "server/discover",
        "params": {"_meta": ext_meta(false)}});
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("v999");
    let h = [("mcp-protocol-version", "2026-07-28"), ("mcp-method", "server/discover")];
    let res = post(addr, &h, &body).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json().await["error"]["code"], -32020, "header and body disagree first");

    for method in ["ping", "initialize", "logging/setLevel"] {
        let res = ext(addr, method, None, json!({}), true).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{method} was removed");
        assert_eq!(res.json().await["error"]["code"], -32601);
    }

    let d = ext(addr, "server/discover", None, json!({}), false).await.json().await;
    assert_eq!(d["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "mcp-tasks");
    let task = create(addr, None, "slow_compute", json!({"seconds": 60})).await;
    let got = ext(addr, "tasks/get", Some(&task), json!({"taskId": task}), true).await.json().await;
    assert_eq!(got["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"], "mcp-tasks");
    server.shutdown().await;
}
