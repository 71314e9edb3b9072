//! What the npm package's client reports to `onEvent` (`ClientEvent` in
//! src/wasm/types.d.ts), in a real JS host as tests/wasm_client.rs, provoked by real
//! servers wherever one can be made to: `mcp-tasks serve` and the TypeScript SDK server
//! (tests/peers/ts-server.mjs, whose `failed_without_result` and `revoke_access` tools
//! exist for these tests). Where only a broken network can cause an event, a test `fetch`
//! plays it, and the test says why.
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

#[macro_use]
mod wasm_common;

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_common::*;

/// The model-immediate-response hint of a 2025-11-25 task reaches the task, its updates
/// and `onEvent`.
async fn model_hint_reaches_js(url: &str, protocol: &str) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let client = connect_with(url, recording(protocol, &events)).await;
    let task =
        as_task(&client, "hinted_compute", json!({"seconds": 0.2}), JsValue::UNDEFINED).await;
    let hint = "Working on it; the result follows.";
    assert_eq!(task.model_immediate_response().as_deref(), Some(hint));
    let seen = updates(&task).await;
    assert!(
        seen.iter().any(|u| u["type"] == "modelImmediateResponse" && u["text"] == hint),
        "{seen:?}"
    );
    let event = event_of(&events, "modelImmediateResponse").await;
    assert_eq!(
        (event["text"].as_str(), event["taskId"].as_str()),
        (Some(hint), task.id().as_deref())
    );
    assert_eq!(text(&ok(task.result()).await), "hinted");
    ok(client.close()).await;
}

/// A malformed poll answer is reported to `onEvent` as a protocol violation, and the task
/// goes on to its result. mcp-tasks serve never sends one (its answers are held to the
/// schemas by its own tests) and the extension generation has no other server here, so the
/// test fetch breaks one poll; the TypeScript SDK server's violation is real
/// (`failed_task_without_result_is_reported`).
async fn protocol_violation_is_reported(url: &str, protocol: &str) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let options = recording(protocol, &events);
    let (fetch, _) = test_fetch("poll");
    set(&options, "fetch", &fetch);
    set(&options, "pollDefaultMs", &JsValue::from(100));
    // No notification stream: the task is polled at the plain interval.
    set(&options, "listen", &JsValue::FALSE);
    let client = connect_with(url, options).await;
    let task =
        as_task(&client, "slow_compute", json!({"seconds": 1, "steps": 1}), JsValue::UNDEFINED)
            .await;
    let event = event_of(&events, "protocolViolation").await;
    let result = ok(task.result()).await;
    assert!(text(&result).contains("computed"), "{:?}", json_of(&result));
    assert_eq!(event["code"], "client_malformed_message", "{event}");
    assert_eq!(
        (event["class"].as_bool(), event["taskId"].as_str()),
        (Some(true), task.id().as_deref())
    );
    ok(client.close()).await;
}

/// An answer that cannot be delivered (`maxAttempts: 0`: no retry) is reported to
/// `onEvent` as `inputFailed`. A network that fails the delivery is the test fetch's
/// doing: no server makes one; a server's refusal is `oversize_answer_is_refused`.
async fn failed_input_delivery_is_reported(url: &str, protocol: &str) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let inputs = Rc::new(Inputs::default());
    let options = options(protocol, &inputs);
    set(&options, "onEvent", &recorder(&events));
    let (fetch, _) = test_fetch("answer");
    set(&options, "fetch", &fetch);
    set(&options, "maxAttempts", &JsValue::from(0));
    let client = connect_with(url, options).await;
    let task =
        as_task(&client, "confirm_delete", json!({"filename": "a.txt"}), JsValue::UNDEFINED).await;
    let event = event_of(&events, "inputFailed").await;
    assert_eq!(event["code"], "client_transport", "{event}");
    assert_eq!(inputs.0.borrow().len(), 1);
    ok(task.cancel()).await;
    ok(client.close()).await;
}

/// The TypeScript SDK server's `failed_without_result` task ends failed with nothing but
/// `_meta` in its `tasks/result`, as the Python SDK 1.30 server answers for a task whose
/// work raised: `onEvent` hears of the malformed result with the task's id, and the task
/// still ends failed.
async fn failed_task_without_result_is_reported(url: &str, protocol: &str) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let client = connect_with(url, recording(protocol, &events)).await;
    let task = as_task(&client, "failed_without_result", json!({}), JsValue::UNDEFINED).await;
    let settled = err(task.result()).await;
    let event = event_of(&events, "protocolViolation").await;
    assert_eq!(event["code"], "client_malformed_result", "{event}");
    assert_eq!(
        (event["class"].as_bool(), event["taskId"].as_str()),
        (Some(true), task.id().as_deref())
    );
    assert_eq!(settled, ("McpTasksError".into(), "call_rpc_error".into()));
    assert_eq!(task.status().as_string().as_deref(), Some("failed"));
    ok(client.close()).await;
}

/// An answer larger than the server takes (request bodies over 1 MiB for `mcp-tasks
/// serve`, over 4 MiB for the TypeScript SDK's transport, both refused with 413) is
/// reported to `onEvent` as `inputFailed`: under 2025-11-25 the response POST is refused
/// by its status, under 2026-07-28 the `tasks/update` by the JSON-RPC error that comes with
/// it. The task goes on waiting for an answer.
async fn oversize_answer_is_refused(url: &str, protocol: &str) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let inputs = Rc::new(Inputs::default());
    let answer = json!({"action": "accept",
        "content": {"confirm": true, "note": "x".repeat(4_500_000)}});
    let options = options_answering(protocol, &inputs, answer);
    set(&options, "onEvent", &recorder(&events));
    let client = connect_with(url, options).await;
    let task =
        as_task(&client, "confirm_delete", json!({"filename": "a.txt"}), JsValue::UNDEFINED).await;
    let event = event_of(&events, "inputFailed").await;
    let generation = client.generation().as_string().unwrap();
    let code = if generation == LEGACY { "client_unexpected_status" } else { "client_rpc_error" };
    assert_eq!((event["code"].as_str(), event["class"].as_bool()), (Some(code), Some(true)));
    assert!(event["taskId"].is_null(), "{event}");
    assert_eq!(inputs.0.borrow().len(), 1);
    let stored = json_of(&ok(client.get_task(task.id().unwrap())).await);
    assert_eq!(stored["status"], "input_required", "{stored}");
    ok(task.cancel()).await;
    ok(client.close()).await;
}

/// A 2025-11-25 session the server ended (a `DELETE` from outside the client, which both
/// servers honour) is replaced: `onEvent` hears of it with the new connection, and the
/// call that found the session gone is made again under the new one.
async fn lost_session_is_replaced(url: &str, protocol: &str) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let client = connect_with(url, recording(protocol, &events)).await;
    let first = json_of(&client.connection())["sessionId"].clone();
    let status = delete_session(url, &client.connection()).await;
    assert!((200..300).contains(&status), "DELETE answered {status}");
    let hello =
        ok(client.call_tool("greet".into(), js(json!({"name": "again"})), JsValue::UNDEFINED));
    assert_eq!(text(&hello.await), "Hello, again!");
    let event = event_of(&events, "sessionReplaced").await;
    let replaced = event["connection"]["sessionId"].clone();
    assert!(replaced.is_string() && replaced != first, "{event}");
    assert_eq!(event["connection"]["generation"], LEGACY, "{event}");
    assert_eq!(json_of(&client.connection())["sessionId"], replaced);
    ok(client.close()).await;
}

/// The TypeScript SDK server's `revoke_access` revokes the caller's credentials, as a
/// server does with a withdrawn token: the session ends (404) and a new one is refused
/// (403). The client cannot reconnect: `onEvent` hears `disconnected`, and the call that
/// waited for the connection fails with the same error.
async fn revoked_access_disconnects(url: &str, protocol: &str) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let options = recording(protocol, &events);
    let token = format!("Bearer wasm-test-{}", js_sys::Math::random());
    set(&options, "headers", &js(json!({ "authorization": token })));
    let client = connect_with(url, options).await;
    let revoked = ok(client.call_tool("revoke_access".into(), js(json!({})), JsValue::UNDEFINED));
    assert_eq!(text(&revoked.await), "revoked");
    let greet = client.call_tool("greet".into(), js(json!({"name": "x"})), JsValue::UNDEFINED);
    assert_eq!(err(greet).await, ("McpTasksError".into(), "client_unauthorized".into()));
    let event = event_of(&events, "disconnected").await;
    assert_eq!(
        (event["code"].as_str(), event["class"].as_bool()),
        (Some("client_unauthorized"), Some(true)),
        "{event}"
    );
    assert!(!events.borrow().iter().any(|e| e["type"] == "sessionReplaced"), "{events:?}");
    let _ = JsFuture::from(client.close()).await;
}

/// A 2025-11-25 session `mcp-tasks serve` ended (a real `DELETE`) and a server that cannot
/// be reached again: `onEvent` hears `disconnected`, and the call that waited for the
/// connection fails with the same error. mcp-tasks serve always opens a new session, so
/// the unreachable server is the test fetch's doing (`"reconnect"`); the TypeScript SDK
/// server refuses one for real (`revoked_access_disconnects`).
async fn unreachable_server_disconnects(url: &str, protocol: &str) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let options = recording(protocol, &events);
    let (fetch, _) = test_fetch("reconnect");
    set(&options, "fetch", &fetch);
    // One failed attempt is enough to give up; no stream that could find the loss first.
    set(&options, "maxAttempts", &JsValue::from(1));
    set(&options, "listen", &JsValue::FALSE);
    let client = connect_with(url, options).await;
    let status = delete_session(url, &client.connection()).await;
    assert!((200..300).contains(&status), "DELETE answered {status}");
    let greet = client.call_tool("greet".into(), js(json!({"name": "x"})), JsValue::UNDEFINED);
    assert_eq!(err(greet).await, ("McpTasksError".into(), "client_transport".into()));
    let event = event_of(&events, "disconnected").await;
    assert_eq!(
        (event["code"].as_str(), event["class"].as_bool()),
        (Some("client_transport"), Some(true)),
        "{event}"
    );
    let _ = JsFuture::from(client.close()).await;
}

against!(ours(), LEGACY,
    legacy_protocol_violation => protocol_violation_is_reported,
    legacy_input_failed => failed_input_delivery_is_reported,
    legacy_input_refused_by_server => oversize_answer_is_refused,
    legacy_session_replaced => lost_session_is_replaced,
    legacy_disconnected => unreachable_server_disconnects,
);

against!(ours(), EXTENSION,
    extension_protocol_violation => protocol_violation_is_reported,
    extension_input_failed => failed_input_delivery_is_reported,
    extension_input_refused_by_server => oversize_answer_is_refused,
);

against!(ts_sdk(), "auto",
    ts_sdk_model_hint => model_hint_reaches_js,
    ts_sdk_protocol_violation => failed_task_without_result_is_reported,
    ts_sdk_input_refused_by_server => oversize_answer_is_refused,
    ts_sdk_session_replaced => lost_session_is_replaced,
    ts_sdk_disconnected => revoked_access_disconnects,
);
