//! Storage budgets through the reference server: what an attacker who makes owners for
//! free (a new session per call) can make the server keep, and what a client is told
//! when a budget is full.
#![cfg(feature = "server")]

mod support;

use std::net::SocketAddr;

use hyper::StatusCode;
use mcp_tasks::store::StoreConfig;
use serde_json::{Value, json};
use support::{Legacy, ext_as, quick, send, start_with};

/// The attack's argument: 900 KB, just under the 1 MiB body limit.
fn huge_item() -> String {
    "x".repeat(900 * 1024)
}

/// `confirm_delete` as a 2025-11-25 task in a fresh session (a fresh owner), with `item`.
async fn confirm_delete(server: SocketAddr, item: &str) -> (Legacy, Value) {
    let c = Legacy::connect(server).await;
    let body = c
        .call(
            "tools/call",
            json!({"name": "confirm_delete", "arguments": {"item": item},
                "task": {"ttl": 3_600_000}}),
        )
        .await;
    (c, body)
}

#[tokio::test]
async fn a_huge_confirm_delete_item_is_not_kept_with_its_task() {
    let server = start_with(quick(false)).await;
    let addr = server.local_addr();
    let (c, body) = confirm_delete(addr, &huge_item()).await;
    let task = body["result"]["task"]["taskId"].as_str().expect("a task").to_owned();
    // The question arrives on the held tasks/result stream: no polling.
    let mut held = c.result_stream(&task).await;
    let ask = held.next().await.expect("the tool asks");
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    let question = ask["params"]["message"].as_str().unwrap_or_default();
    assert!(question.len() < 400 && question.ends_with("…?"), "{question}");
    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "input_required", "{got}");
    let status = got["result"]["statusMessage"].as_str().unwrap_or_default();
    assert!(status.starts_with("waiting for confirmation to delete xxx"), "{status}");
    assert!(status.len() < 400 && status.ends_with('…'), "cut, and says so: {status}");
    let size = got.to_string().len();
    assert!(size < 2 * 1024, "the task shows {size} bytes of a 900 KB argument");
    server.shutdown().await;
}

#[tokio::test]
async fn a_full_store_refuses_new_tasks_naming_the_limit_until_owners_go() {
    let mut config = quick(false);
    // Room for a few tasks: owners are free to make, so only the store's budget binds.
    config.store = StoreConfig { max_bytes_total: 6 * 1024, ..StoreConfig::default() };
    let server = start_with(config).await;
    let addr = server.local_addr();
    let item = huge_item();
    let mut kept = Vec::new();
    let refusal = loop {
        assert!(kept.len() < 10, "the budget did not stop the attack");
        let (c, body) = confirm_delete(addr, &item).await;
        if body.get("error").is_some() {
            break body;
        }
        let task = body["result"]["task"]["taskId"].as_str().expect("a task").to_owned();
        // Cancelled at once, as in the attack (the answer does not matter here).
        c.call("tasks/cancel", json!({"taskId": task})).await;
        kept.push(c);
    };
    assert!(kept.len() >= 2, "the budget took {} tasks", kept.len());
    let error = &refusal["error"];
    assert_eq!(error["code"], -32600, "refused like the live-task limit: {refusal}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("max_bytes_total"), "the message names the limit: {message}");
    assert_eq!(error["data"], json!({"limit": "max_bytes_total", "max": 6 * 1024}));

    // A 2026-07-28 caller with credentials of its own (another free owner) is told the same.
    let params = json!({"name": "confirm_delete", "arguments": {"item": "a.txt"}});
    let res =
        ext_as(addr, Some("Bearer fresh"), "tools/call", Some("confirm_delete"), params, true)
            .await;
    assert_eq!(res.status, StatusCode::OK, "a JSON-RPC error, as for the live-task limit");
    let body = res.json().await;
    assert_eq!(body["error"]["code"], -32600, "{body}");
    assert_eq!(body["error"]["data"]["limit"], "max_bytes_total", "{body}");

    // Ending sessions removes their tasks and gives their bytes back.
    for c in &kept {
        let h = [("mcp-session-id", c.session.as_str()), ("mcp-protocol-version", "2025-11-25")];
        assert_eq!(send(addr, "DELETE", &h, b"").await.status, StatusCode::OK);
    }
    let (_, body) = confirm_delete(addr, &item).await;
    assert_eq!(body["result"]["task"]["status"], "working", "room again: {body}");
    server.shutdown().await;
}
