//! What the wasm tests against real servers share (tests/wasm_client.rs,
//! tests/wasm_arguments.rs, tests/wasm_events.rs): the servers' URLs, JS values built and
//! read from Rust, a client connected with the option objects JS uses, and the `against!`
//! macro that runs one case against one server and protocol.
//!
//! The servers' URLs are baked in at compile time: `MCP_TASKS_TEST_URL` (mcp-tasks serve)
//! and `MCP_TASKS_TEST_TS_URL` (tests/peers/ts-server.mjs, which allows CORS).
//! scripts/wasm.sh starts both and sets them.
// Each test binary uses a different part of this module.
#![allow(dead_code, unused_macros)]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Promise, Reflect};
use mcp_tasks::wasm::{McpTask, McpTaskClient};
use serde_json::{Value, json};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub const LEGACY: &str = "2025-11-25";
pub const EXTENSION: &str = "2026-07-28";

// Read at compile time, but only required when a test runs, so that the files still build
// (clippy, cargo check) without them.
pub fn ours() -> String {
    match option_env!("MCP_TASKS_TEST_URL") {
        Some(url) => url.to_owned(),
        None => panic!("build the wasm tests with MCP_TASKS_TEST_URL set (scripts/wasm.sh does)"),
    }
}

pub fn ts_sdk() -> String {
    match option_env!("MCP_TASKS_TEST_TS_URL") {
        Some(url) => url.to_owned(),
        None => {
            panic!("build the wasm tests with MCP_TASKS_TEST_TS_URL set (scripts/wasm.sh does)")
        }
    }
}

/// One `#[wasm_bindgen_test]` per `name => case`, each running `case(&url, protocol)`.
macro_rules! against {
    ($url:expr, $protocol:expr, $($name:ident => $case:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test]
            async fn $name() {
                $case(&$url, $protocol).await;
            }
        )*
    };
}

/// A fresh `AbortController`, from the global (the package binds one of its own).
pub fn abort_controller() -> JsValue {
    let class = get(&js_sys::global(), "AbortController").unchecked_into::<js_sys::Function>();
    Reflect::construct(&class, &js_sys::Array::new()).unwrap()
}

pub fn abort(controller: &JsValue) {
    get(controller, "abort").unchecked_into::<js_sys::Function>().call0(controller).unwrap();
}

/// A plain JS object, as a JS caller writes it.
pub fn js(value: Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

pub fn json_of(value: &JsValue) -> Value {
    serde_wasm_bindgen::from_value(value.clone()).unwrap()
}

pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(target, &JsValue::from_str(key), value).unwrap();
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap()
}

pub async fn ok(promise: Promise) -> JsValue {
    match JsFuture::from(promise).await {
        Ok(v) => v,
        Err(e) => panic!(
            "rejected: {} {:?}",
            get(&e, "message").as_string().unwrap_or_default(),
            json_of(&get(&e, "data"))
        ),
    }
}

/// The error a promise rejects with, as (name, code).
pub async fn err(promise: Promise) -> (String, String) {
    let e = JsFuture::from(promise).await.expect_err("expected a rejection");
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    (get(&e, "name").as_string().unwrap(), get(&e, "code").as_string().unwrap())
}

/// Input requests seen, and the answer each gets: the `confirm` elicitation accepted.
#[derive(Default)]
pub struct Inputs(pub RefCell<Vec<Value>>);

pub fn options(protocol: &str, inputs: &Rc<Inputs>) -> JsValue {
    options_answering(protocol, inputs, json!({"action": "accept", "content": {"confirm": true}}))
}

/// Connect options whose `onInputRequest` records each request and answers it with
/// `answer`.
pub fn options_answering(protocol: &str, inputs: &Rc<Inputs>, answer: Value) -> JsValue {
    let options =
        js(json!({ "protocol": protocol, "clientInfo": {"name": "wasm-test", "version": "1"} }));
    let seen = inputs.clone();
    let handler = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |request: JsValue| {
        seen.0.borrow_mut().push(json_of(&request));
        // Answer asynchronously, as a page that asks its user would.
        Promise::resolve(&js(answer.clone())).into()
    });
    set(&options, "onInputRequest", &handler.into_js_value());
    options
}

pub async fn connect(url: &str, protocol: &str) -> (McpTaskClient, Rc<Inputs>) {
    let inputs = Rc::new(Inputs::default());
    let client = ok(McpTaskClient::connect(url.to_owned(), options(protocol, &inputs))).await;
    (McpTaskClient::try_from_js_value(client).unwrap(), inputs)
}

pub async fn connect_with(url: &str, options: JsValue) -> McpTaskClient {
    McpTaskClient::try_from_js_value(ok(McpTaskClient::connect(url.to_owned(), options)).await)
        .unwrap()
}

pub async fn as_task(client: &McpTaskClient, tool: &str, args: Value, options: JsValue) -> McpTask {
    let task = ok(client.call_tool_as_task(tool.to_owned(), js(args), options)).await;
    McpTask::try_from_js_value(task).unwrap()
}

pub fn text(result: &JsValue) -> String {
    json_of(result)["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

/// Every update until the task ends.
pub async fn updates(task: &McpTask) -> Vec<Value> {
    let iterator = task.updates();
    let mut seen = Vec::new();
    loop {
        let step = ok(iterator.next()).await;
        if get(&step, "done").is_truthy() {
            return seen;
        }
        seen.push(json_of(&get(&step, "value")));
    }
}

/// Resolves after `ms` milliseconds (the global `setTimeout`).
pub async fn sleep(ms: u32) {
    let wait = js_sys::Function::new_with_args("ms", "return new Promise(r => setTimeout(r, ms))");
    ok(wait.call1(&JsValue::NULL, &JsValue::from(ms)).unwrap().unchecked_into()).await;
}

/// A `fetch` for the `fetch` option that records every request body, and as `mode` says
/// breaks one exchange: `"poll"` answers the first `tasks/get` with malformed JSON;
/// `"answer"` refuses every delivery of an input answer (a 2025-11-25 response POST or
/// a `tasks/update`) as a network error; `"reconnect"` lets the first `initialize`
/// through and refuses every later one as a network error (a server gone for good).
pub fn test_fetch(mode: &str) -> (JsValue, js_sys::Array) {
    let make = js_sys::Function::new_with_args(
        "mode, seen",
        r#"let broken = false, initialized = false;
        return async (url, init) => {
          const body = init.body === undefined ? '' : typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body);
          seen.push(body);
          if (mode === 'poll' && !broken && body.includes('"tasks/get"')) {
            broken = true;
            return new Response('{not json', { status: 200, headers: { 'content-type': 'application/json' } });
          }
          if (mode === 'reconnect' && body.includes('"initialize"')) {
            if (initialized) throw new TypeError('unreachable in the test');
            initialized = true;
          }
          const answer = body.includes('"tasks/update"') || (body.includes('"result"') && !body.includes('"method"'));
          if (mode === 'answer' && answer) throw new TypeError('refused by the test');
          return fetch(url, init);
        };"#,
    );
    let seen = js_sys::Array::new();
    (make.call2(&JsValue::NULL, &JsValue::from_str(mode), &seen).unwrap(), seen)
}

/// Events `onEvent` reported, as plain JSON.
pub type Events = Rc<RefCell<Vec<Value>>>;

/// Connect options whose `onEvent` records every event as plain JSON: its type, task id,
/// text and connection, and for an error its code and `instanceof McpTasksError`.
pub fn recording(protocol: &str, events: &Events) -> JsValue {
    let options = js(json!({ "protocol": protocol }));
    set(&options, "onEvent", &recorder(events));
    options
}

/// An `onEvent` handler recording into `events` (see [`recording`]).
pub fn recorder(events: &Events) -> JsValue {
    let sink = events.clone();
    let on_event = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let error = get(&event, "error");
        let connection = get(&event, "connection");
        let mut seen = json!({
            "type": get(&event, "type").as_string(),
            "taskId": get(&event, "taskId").as_string(),
            "text": get(&event, "text").as_string(),
        });
        if !error.is_undefined() {
            seen["code"] = json!(get(&error, "code").as_string());
            seen["class"] = json!(mcp_tasks::wasm::McpTasksError::has_instance(&error));
        }
        if !connection.is_undefined() {
            seen["connection"] = json_of(&connection);
        }
        sink.borrow_mut().push(seen);
    });
    on_event.into_js_value()
}

/// Waits until `events` holds one of `kind` (the test's own timeout ends a wait in vain).
pub async fn event_of(events: &Events, kind: &str) -> Value {
    for _ in 0..500 {
        if let Some(e) = events.borrow().iter().find(|e| e["type"] == kind) {
            return e.clone();
        }
        sleep(20).await;
    }
    panic!("no {kind} event in 10 s: {:?}", events.borrow());
}

/// Ends a 2025-11-25 session from outside the client, as the server's operator (or the
/// server itself) may: a `DELETE` of the session, which both servers honour. Returns the
/// response's status.
pub async fn delete_session(url: &str, connection: &JsValue) -> u16 {
    let session = get(connection, "sessionId").as_string().expect("a 2025-11-25 session");
    let version = get(connection, "protocolVersion").as_string().unwrap();
    let init = js(json!({"method": "DELETE",
        "headers": {"mcp-session-id": session, "mcp-protocol-version": version}}));
    let fetch = get(&js_sys::global(), "fetch").unchecked_into::<js_sys::Function>();
    let response = fetch.call2(&JsValue::NULL, &JsValue::from_str(url), &init).unwrap();
    let response = ok(response.unchecked_into()).await;
    get(&response, "status").as_f64().unwrap() as u16
}
