//! The reference server over real HTTP on loopback, in both generations.
#![cfg(feature = "server")]

mod support;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use mcp_tasks::server::Config;
use serde_json::json;
use support::{Legacy, ext, ext_meta, poll_until, post, response_of, send, start, start_with};
use tokio::net::TcpStream;

#[tokio::test]
async fn legacy_initialize_gives_a_session_and_tools_list_task_support() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    assert_eq!(c.session.len(), 32);
    let tools = c.call("tools/list", json!({})).await;
    let support: Vec<(String, String)> = tools["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let s = t["execution"]["taskSupport"].as_str().unwrap().to_owned();
            (t["name"].as_str().unwrap().to_owned(), s)
        })
        .collect();
    for (name, want) in [
        ("greet", "forbidden"),
        ("slow_compute", "optional"),
        ("confirm_delete", "required"),
        ("failing_job", "required"),
        ("test_tool_with_task", "required"),
        ("protocol_error_job", "optional"),
        ("multi_input", "required"),
    ] {
        assert!(support.contains(&(name.into(), want.into())), "{name}: {support:?}");
    }
    let hello = c.call("tools/call", json!({"name": "greet", "arguments": {"name": "Ada"}})).await;
    assert_eq!(hello["result"]["content"][0]["text"], "Hello, Ada!");
    let refused = c
        .call("tools/call", json!({"name": "greet", "arguments": {}, "task": {"ttl": 1000}}))
        .await;
    assert_eq!(refused["error"]["code"], -32601);
    let refused = c.call("tools/call", json!({"name": "confirm_delete", "arguments": {}})).await;
    assert_eq!(refused["error"]["code"], -32601);
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_task_runs_reports_status_and_returns_its_result() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let mut get_stream = c.open_get_stream().await;
    let body = c
        .call(
            "tools/call",
            json!({"name": "slow_compute", "task": {"ttl": 60000},
            "arguments": {"seconds": 0.2, "steps": 2}, "_meta": {"progressToken": "p1"}}),
        )
        .await;
    let task = body["result"]["task"]["taskId"].as_str().unwrap().to_owned();
    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert!(matches!(got["result"]["status"].as_str(), Some("working" | "completed")));

    let mut held = c.result_stream(&task).await;
    let (done, before) = response_of(&mut held).await;
    assert_eq!(done["result"]["content"][0]["text"], "computed 2 steps in 0.2s");
    assert_eq!(done["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], task);
    for msg in &before {
        assert_eq!(msg["method"], "notifications/progress");
        assert_eq!(msg["params"]["progressToken"], "p1");
    }
    assert_eq!(held.next().await, None, "the stream ends after the response");

    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "completed");
    let listed = c.call("tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"][0]["taskId"], task);

    // Status notifications arrived on the GET stream, ending with the completion.
    let mut statuses = Vec::new();
    while let Some(msg) = get_stream.next().await {
        if msg["method"] == "notifications/tasks/status" {
            statuses.push(msg["params"].clone());
            if msg["params"]["status"] == "completed" {
                break;
            }
        }
    }
    assert!(statuses.iter().any(|s| s["statusMessage"] == "step 1/2"), "{statuses:?}");
    assert!(statuses.iter().all(|s| s["taskId"] == task));
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_get_stream_replays_after_last_event_id() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let mut stream = c.open_get_stream().await;
    c.start_task("slow_compute", json!({"seconds": 0, "steps": 2})).await;
    let first = stream.next().await.unwrap();
    let first_id = stream.last_id.clone().unwrap();
    let mut rest = Vec::new();
    while let Some(msg) = stream.next().await {
        rest.push(msg.clone());
        if msg["params"]["status"] == "completed" {
            break;
        }
    }
    assert_eq!(first["method"], "notifications/tasks/status");
    drop(stream);
    let mut resumed = c.resume_get_stream(Some(&first_id)).await;
    for want in &rest {
        assert_eq!(&resumed.next().await.unwrap(), want);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_input_request_arrives_on_the_held_result_stream() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let task = c.start_task("confirm_delete", json!({"item": "report.pdf"})).await;
    let mut held = c.result_stream(&task).await;
    let ask = held.next().await.unwrap();
    assert_eq!(ask["method"], "elicitation/create");
    assert_eq!(ask["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], task);
    assert_eq!(ask["params"]["requestedSchema"]["properties"]["confirm"]["type"], "boolean");
    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "input_required");

    let answer = json!({"jsonrpc": "2.0", "id": ask["id"], "result": {"action": "accept",
        "content": {"confirm": true},
        "_meta": {"io.modelcontextprotocol/related-task": {"taskId": task}}}});
    assert_eq!(c.post(&answer).await.status, StatusCode::ACCEPTED);
    let (done, _) = response_of(&mut held).await;
    assert_eq!(done["result"]["content"][0]["text"], "deleted");
    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "completed");
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_error_answer_to_an_input_request_is_a_tool_error() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let task = c.start_task("confirm_delete", json!({"item": "x"})).await;
    let mut held = c.result_stream(&task).await;
    let ask = held.next().await.unwrap();
    let refusal = json!({"jsonrpc": "2.0", "id": ask["id"],
        "error": {"code": -32601, "message": "Method not found"}});
    assert_eq!(c.post(&refusal).await.status, StatusCode::ACCEPTED);
    let (done, _) = response_of(&mut held).await;
    assert_eq!(done["result"]["isError"], true, "{done}");
    let text = done["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("Method not found"), "{text}");
    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "failed", "isError is failed under 2025-11-25");
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_multi_input_asks_twice_in_turn() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let task = c.start_task("multi_input", json!({})).await;
    let mut held = c.result_stream(&task).await;
    for (field, value) in [("name", "Ada"), ("colour", "green")] {
        let ask = held.next().await.unwrap();
        assert_eq!(ask["method"], "elicitation/create");
        let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
            "result": {"action": "accept", "content": {field: value}}});
        assert_eq!(c.post(&answer).await.status, StatusCode::ACCEPTED);
    }
    let (done, _) = response_of(&mut held).await;
    assert_eq!(done["result"]["content"][0]["text"], "Ada likes green");
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_failures_and_cancellation() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;

    let failing = c.start_task("failing_job", json!({})).await;
    let (done, _) = response_of(&mut c.result_stream(&failing).await).await;
    assert_eq!(done["result"]["isError"], true);
    let got = c.call("tasks/get", json!({"taskId": failing})).await;
    assert_eq!(got["result"]["status"], "failed");

    let erring = c.start_task("protocol_error_job", json!({})).await;
    let (done, _) = response_of(&mut c.result_stream(&erring).await).await;
    assert_eq!(done["error"]["code"], -32603);

    let slow = c.start_task("slow_compute", json!({"seconds": 30})).await;
    let cancelled = c.call("tasks/cancel", json!({"taskId": slow})).await;
    assert_eq!(cancelled["result"]["status"], "cancelled");
    let again = c.call("tasks/cancel", json!({"taskId": slow})).await;
    assert_eq!(again["error"]["code"], -32602);
    let unknown = c.call("tasks/get", json!({"taskId": "nope"})).await;
    assert_eq!(unknown["error"]["code"], -32602);
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_session_rules() {
    let server = start().await;
    let addr = server.local_addr();
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let res = post(addr, &[], &ping).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json().await["error"]["code"], -32000);
    let res = post(addr, &[("mcp-session-id", "0123")], &ping).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json().await["error"]["code"], -32001);

    let c = Legacy::connect(addr).await;
    let bad_version =
        [("mcp-session-id", c.session.as_str()), ("mcp-protocol-version", "1999-01-01")];
    assert_eq!(post(addr, &bad_version, &ping).await.status, StatusCode::BAD_REQUEST);
    let h = [("mcp-session-id", c.session.as_str())];
    assert_eq!(send(addr, "DELETE", &h, b"").await.status, StatusCode::OK);
    assert_eq!(c.post(&ping).await.status, StatusCode::NOT_FOUND);
    server.shutdown().await;
}

#[tokio::test]
async fn extension_discover_task_inline_result_and_update() {
    let server = start().await;
    let addr = server.local_addr();
    let d = ext(addr, "server/discover", None, json!({}), false).await.json().await;
    assert_eq!(
        d["result"]["capabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );
    assert_eq!(d["result"]["supportedVersions"], json!(["2026-07-28"]));
    let tools = ext(addr, "tools/list", None, json!({}), true).await.json().await;
    assert!(tools["result"]["tools"][0].get("execution").is_none());

    let call = json!({"name": "slow_compute", "arguments": {"seconds": 0.05, "steps": 1}});
    let created = ext(addr, "tools/call", Some("slow_compute"), call, true).await.json().await;
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    let task = created["result"]["taskId"].as_str().unwrap().to_owned();
    let done = poll_until(addr, &task, |t| t["status"] == "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "computed 1 steps in 0.05s");
    assert!(done["result"].get("_meta").is_none());

    let call = json!({"name": "confirm_delete", "arguments": {"item": "x"}});
    let created = ext(addr, "tools/call", Some("confirm_delete"), call, true).await.json().await;
    let task = created["result"]["taskId"].as_str().unwrap().to_owned();
    let waiting = poll_until(addr, &task, |t| t["status"] == "input_required").await;
    let (key, ask) = waiting["inputRequests"].as_object().unwrap().iter().next().unwrap();
    assert_eq!(ask["method"], "elicitation/create");
    let update = json!({"taskId": task, "inputResponses": {key.as_str():
        {"action": "accept", "content": {"confirm": false}}}});
    let ack = ext(addr, "tasks/update", Some(&task), update, true).await;
    assert_eq!(ack.status, StatusCode::OK);
    assert_eq!(ack.json().await["result"]["resultType"], "complete");
    let done = poll_until(addr, &task, |t| t["status"] == "completed").await;
    assert_eq!(done["result"]["content"][0]["text"], "kept");

    // isError: true is `completed` in this generation, with the result inline.
    let created =
        ext(addr, "tools/call", Some("failing_job"), json!({"name": "failing_job"}), true)
            .await
            .json()
            .await;
    let task = created["result"]["taskId"].as_str().unwrap().to_owned();
    let done = poll_until(addr, &task, |t| t["status"] != "working").await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["result"]["isError"], true);
    server.shutdown().await;
}

#[tokio::test]
async fn extension_errors_have_their_http_status() {
    let server = start().await;
    let addr = server.local_addr();
    let call = json!({"name": "slow_compute", "arguments": {"seconds": 0}});
    let res = ext(addr, "tools/call", Some("greet"), call.clone(), true).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json().await["error"]["code"], -32020);
    let res = ext(addr, "tools/call", None, call.clone(), true).await;
    assert_eq!(res.json().await["error"]["code"], -32020);
    let encoded = "=?base64?c2xvd19jb21wdXRl?="; // "slow_compute"
    let res = ext(addr, "tools/call", Some(encoded), call, true).await;
    assert_eq!(res.status, StatusCode::OK);

    let res =
        ext(addr, "tools/call", Some("confirm_delete"), json!({"name": "confirm_delete"}), false)
            .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json().await["error"]["code"], -32021);
    let res = ext(addr, "tasks/result", None, json!({"taskId": "x"}), true).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json().await["error"]["code"], -32601);
    let res = ext(addr, "tasks/get", Some("x"), json!({"taskId": "x"}), false).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json().await["error"]["code"], -32021);

    let mut body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {}});
    body["params"]["_meta"] = ext_meta(false);
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let h = [("mcp-protocol-version", "2099-01-01"), ("mcp-method", "ping")];
    let res = post(addr, &h, &body).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let err = res.json().await["error"].clone();
    assert_eq!(err["code"], -32022);
    assert_eq!(err["data"]["requested"], "2099-01-01");
    let res = send(addr, "GET", &[("mcp-protocol-version", "2026-07-28")], b"").await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    server.shutdown().await;
}

#[tokio::test]
async fn bad_input_origins_cors_and_static_files() {
    let dir = std::env::temp_dir().join(format!("mcp-tasks-www-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("index.html"), "<h1>hi</h1>").unwrap();
    std::fs::write(dir.join("pkg/m.wasm"), b"\0asm").unwrap();
    let config = Config { www: dir.clone(), pkg: Some(dir.join("pkg")), ..Config::default() };
    let server = start_with(config).await;
    let addr = server.local_addr();

    let json_in =
        [("content-type", "application/json"), ("accept", "application/json, text/event-stream")];
    let res = send(addr, "POST", &json_in, b"{nope").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json().await["error"]["code"], -32700);
    let res = send(addr, "POST", &json_in, br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json().await["error"]["code"], -32600);
    let big = vec![b' '; 2 * 1024 * 1024];
    assert_eq!(send(addr, "POST", &json_in, &big).await.status, StatusCode::PAYLOAD_TOO_LARGE);

    let res = send(addr, "POST", &[("origin", "http://evil.example")], b"{}").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = send(addr, "OPTIONS", &[("origin", "http://localhost:5173")], b"").await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(res.header("access-control-allow-origin"), Some("http://localhost:5173"));
    assert!(res.header("access-control-allow-headers").unwrap().contains("mcp-session-id"));
    let res = post(
        addr,
        &[("origin", "http://localhost:5173")],
        &json!({"jsonrpc": "2.0", "id": 0,
        "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"}}}),
    )
    .await;
    assert!(res.header("access-control-expose-headers").unwrap().contains("Mcp-Session-Id"));

    let get = |path: &'static str| async move {
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
        tokio::spawn(conn);
        let req = Request::builder()
            .uri(path)
            .header("host", addr.to_string())
            .body(Full::new(Bytes::new()))
            .unwrap();
        sender.send_request(req).await.unwrap()
    };
    let res = get("/").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let res = get("/pkg/m.wasm").await;
    assert_eq!(res.headers()["content-type"], "application/wasm");
    assert_eq!(get("/../Cargo.toml").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get("/pkg/%2e%2e/index.html").await.status(), StatusCode::NOT_FOUND);
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}
