//! What the npm package's client reports to `onEvent` (`ClientEvent` in
//! src/wasm/types.d.ts), in a real JS host as tests/wasm_client.rs, provoked by real
//! servers (`mcp-tasks serve` and the TypeScript SDK server), or by a test `fetch` that
//! breaks one exchange.
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

#[macro_use]
mod wasm_common;

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::json;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
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
/// goes on to its result.
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

/// A 2025-11-25 session the server lost is replaced, and `onEvent` hears of it with the
/// new connection.
async fn lost_session_is_replaced(url: &str, protocol: &str) {
    let events = Rc::new(RefCell::new(Vec::new()));
    let options = recording(protocol, &events);
    let connections = Rc::new(RefCell::new(Vec::new()));
    let sink = connections.clone();
    let recorder = get(&options, "onEvent").unchecked_into::<js_sys::Function>();
    let on_event = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let connection = get(&event, "connection");
        if !connection.is_undefined() {
            sink.borrow_mut().push(json_of(&connection));
        }
        recorder.call1(&JsValue::NULL, &event).unwrap();
    });
    set(&options, "onEvent", &on_event.into_js_value());
    let (fetch, _) = test_fetch("session");
    set(&options, "fetch", &fetch);
    set(&options, "listen", &JsValue::FALSE);
    set(&options, "pollDefaultMs", &JsValue::from(100));
    let client = connect_with(url, options).await;
    let first = json_of(&client.connection())["sessionId"].clone();
    let task =
        as_task(&client, "slow_compute", json!({"seconds": 1, "steps": 1}), JsValue::UNDEFINED)
            .await;
    event_of(&events, "sessionReplaced").await;
    let replaced = connections.borrow()[0].clone();
    assert!(replaced["sessionId"].is_string() && replaced["sessionId"] != first, "{replaced}");
    assert_eq!(json_of(&client.connection())["sessionId"], replaced["sessionId"]);
    // The task is read again under the new session: its result, or lost with the old one.
    let _ = JsFuture::from(task.result()).await;
    ok(client.close()).await;
}

/// An answer that cannot be delivered (`maxAttempts: 0`: no retry) is reported to
/// `onEvent` as `inputFailed`.
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

against!(ours(), LEGACY,
    legacy_protocol_violation => protocol_violation_is_reported,
    legacy_input_failed => failed_input_delivery_is_reported,
    legacy_session_replaced => lost_session_is_replaced,
);

against!(ours(), EXTENSION,
    extension_protocol_violation => protocol_violation_is_reported,
    extension_input_failed => failed_input_delivery_is_reported,
);

against!(ts_sdk(), "auto",
    ts_sdk_model_hint => model_hint_reaches_js,
    ts_sdk_session_replaced => lost_session_is_replaced,
);
