//! The npm package's client in a real JS host (`wasm-pack test --node`, and headless Chrome
//! with `WASM_BINDGEN_USE_BROWSER=1`): tools called as tasks against `mcp-tasks serve` in
//! both generations and against the TypeScript SDK server, through the same classes and
//! option objects JS uses.
//!
//! The servers' URLs are baked in at compile time: `MCP_TASKS_TEST_URL` (mcp-tasks serve)
//! and `MCP_TASKS_TEST_TS_URL` (tests/peers/ts-server.mjs, which allows CORS).
//! scripts/wasm.sh starts both and sets them.
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Promise, Reflect};
use mcp_tasks::wasm::{McpTask, McpTaskClient};
use serde_json::{Value, json};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// A fresh `AbortController`, from the global (the package binds one of its own).
fn abort_controller() -> JsValue {
    let class = get(&js_sys::global(), "AbortController").unchecked_into::<js_sys::Function>();
    Reflect::construct(&class, &js_sys::Array::new()).unwrap()
}

fn abort(controller: &JsValue) {
    get(controller, "abort").unchecked_into::<js_sys::Function>().call0(controller).unwrap();
}

const LEGACY: &str = "2025-11-25";
const EXTENSION: &str = "2026-07-28";

// Read at compile time, but only required when a test runs, so that the file still builds
// (clippy, cargo check) without them.
fn ours() -> String {
    match option_env!("MCP_TASKS_TEST_URL") {
        Some(url) => url.to_owned(),
        None => panic!("build the wasm tests with MCP_TASKS_TEST_URL set (scripts/wasm.sh does)"),
    }
}

fn ts_sdk() -> String {
    match option_env!("MCP_TASKS_TEST_TS_URL") {
        Some(url) => url.to_owned(),
        None => {
            panic!("build the wasm tests with MCP_TASKS_TEST_TS_URL set (scripts/wasm.sh does)")
        }
    }
}

/// A plain JS object, as a JS caller writes it.
fn js(value: Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

fn json_of(value: &JsValue) -> Value {
    serde_wasm_bindgen::from_value(value.clone()).unwrap()
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(target, &JsValue::from_str(key), value).unwrap();
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap()
}

async fn ok(promise: Promise) -> JsValue {
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
async fn err(promise: Promise) -> (String, String) {
    let e = JsFuture::from(promise).await.expect_err("expected a rejection");
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error: {e:?}");
    (get(&e, "name").as_string().unwrap(), get(&e, "code").as_string().unwrap())
}

/// Input requests seen, and the answer each gets: the `confirm` elicitation accepted.
#[derive(Default)]
struct Inputs(RefCell<Vec<Value>>);

fn options(protocol: &str, inputs: &Rc<Inputs>) -> JsValue {
    let options =
        js(json!({ "protocol": protocol, "clientInfo": {"name": "wasm-test", "version": "1"} }));
    let seen = inputs.clone();
    let handler = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |request: JsValue| {
        seen.0.borrow_mut().push(json_of(&request));
        // Answer asynchronously, as a page that asks its user would.
        Promise::resolve(&js(json!({"action": "accept", "content": {"confirm": true}}))).into()
    });
    set(&options, "onInputRequest", &handler.into_js_value());
    options
}

async fn connect(url: &str, protocol: &str) -> (McpTaskClient, Rc<Inputs>) {
    let inputs = Rc::new(Inputs::default());
    let client = ok(McpTaskClient::connect(url.to_owned(), options(protocol, &inputs))).await;
    (McpTaskClient::try_from_js_value(client).unwrap(), inputs)
}

async fn as_task(client: &McpTaskClient, tool: &str, args: Value, options: JsValue) -> McpTask {
    let task = ok(client.call_tool_as_task(tool.to_owned(), js(args), options)).await;
    McpTask::try_from_js_value(task).unwrap()
}

fn text(result: &JsValue) -> String {
    json_of(result)["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

/// Every update until the task ends.
async fn updates(task: &McpTask) -> Vec<Value> {
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

async fn task_runs_with_updates_progress_and_result(url: &str, protocol: &str) {
    let (client, _) = connect(url, protocol).await;
    assert_eq!(
        client.generation().as_string().as_deref(),
        Some(if protocol == EXTENSION { EXTENSION } else { LEGACY })
    );
    let tools = json_of(&ok(client.list_tools()).await);
    assert!(tools.as_array().unwrap().iter().any(|t| t["name"] == "slow_compute"), "{tools}");

    let progress = Rc::new(RefCell::new(Vec::new()));
    let sink = progress.clone();
    let on_progress =
        Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| sink.borrow_mut().push(json_of(&p)));
    let opts = js(json!({"ttlMs": 60_000}));
    set(&opts, "onProgress", &on_progress.into_js_value());
    let task = as_task(&client, "slow_compute", json!({"seconds": 0.6, "steps": 2}), opts).await;
    let id = task.id().expect("a task id");
    assert!(!id.is_empty());
    let seen = updates(&task).await;
    let statuses: Vec<_> =
        seen.iter().filter(|u| u["type"] == "status").map(|u| u["status"].clone()).collect();
    assert_eq!(statuses.first(), Some(&json!("working")), "{seen:?}");
    assert_eq!(statuses.last(), Some(&json!("completed")), "{seen:?}");
    let result = ok(task.result()).await;
    assert!(
        text(&result).contains("2 steps") || text(&result).contains("computed"),
        "{:?}",
        json_of(&result)
    );
    assert_eq!(task.status().as_string().as_deref(), Some("completed"));
    let reference = json_of(&task.reference().unwrap());
    assert_eq!(reference["taskId"], json!(id));
    // Our server notifies progress for every step over 2025-11-25 streams; the SDK server
    // sends none, and 2026-07-28 has no stream here to carry it.
    if url == ours() && protocol == LEGACY {
        assert!(!progress.borrow().is_empty(), "no progress callbacks");
    }
    ok(client.close()).await;
}

async fn input_request_is_answered(url: &str, protocol: &str) {
    let (client, inputs) = connect(url, protocol).await;
    let task =
        as_task(&client, "confirm_delete", json!({"filename": "a.txt"}), JsValue::UNDEFINED).await;
    let result = ok(task.result()).await;
    assert!(text(&result).starts_with("deleted"), "{:?}", json_of(&result));
    let seen = inputs.0.borrow().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["method"], "elicitation/create");
    assert!(seen[0]["params"]["requestedSchema"]["properties"]["confirm"].is_object(), "{seen:?}");
    ok(client.close()).await;
}

async fn cancel_ends_the_task(url: &str, protocol: &str) {
    let (client, _) = connect(url, protocol).await;
    let task =
        as_task(&client, "slow_compute", json!({"seconds": 30, "steps": 3}), JsValue::UNDEFINED)
            .await;
    ok(task.cancel()).await;
    assert_eq!(err(task.result()).await, ("McpTasksError".into(), "call_cancelled".into()));
    assert_eq!(task.status().as_string().as_deref(), Some("cancelled"));
    ok(client.close()).await;
}

async fn resume_follows_a_task_from_its_reference(url: &str, protocol: &str) {
    let (client, _) = connect(url, protocol).await;
    let task =
        as_task(&client, "slow_compute", json!({"seconds": 0.5, "steps": 1}), JsValue::UNDEFINED)
            .await;
    let reference = task.reference().unwrap();
    // A second client, as after a page reload: only the reference survives.
    let resumed = ok(McpTaskClient::resume(js(json_of(&reference)), JsValue::UNDEFINED)).await;
    let resumed = McpTask::try_from_js_value(resumed).unwrap();
    assert_eq!(resumed.id(), task.id());
    let result = ok(resumed.result()).await;
    assert!(text(&result).contains("computed"), "{:?}", json_of(&result));
    ok(resumed.client().close()).await;
    ok(client.close()).await;
}

async fn stream_yields_created_status_and_result(url: &str, protocol: &str) {
    let (client, _) = connect(url, protocol).await;
    let stream = client.call_tool_stream(
        "slow_compute".into(),
        js(json!({"seconds": 0.4, "steps": 2})),
        JsValue::UNDEFINED,
    );
    let mut kinds = Vec::new();
    loop {
        let step = ok(stream.next()).await;
        if get(&step, "done").is_truthy() {
            break;
        }
        kinds.push(get(&get(&step, "value"), "type").as_string().unwrap());
    }
    assert_eq!(kinds.first().map(String::as_str), Some("taskCreated"), "{kinds:?}");
    assert_eq!(kinds.last().map(String::as_str), Some("result"), "{kinds:?}");
    ok(client.close()).await;
}

async fn failures_reject_with_codes(url: &str, protocol: &str) {
    let (client, _) = connect(url, protocol).await;
    // A tool that reports failure resolves with isError, as in the TypeScript SDK.
    let task = as_task(&client, "failing_job", json!({}), JsValue::UNDEFINED).await;
    let result = json_of(&ok(task.result()).await);
    assert_eq!(result["isError"], json!(true), "{result}");
    // A caller's AbortSignal rejects with an AbortError and cancels the task.
    let controller = abort_controller();
    let opts = js(json!({}));
    set(&opts, "signal", &get(&controller, "signal"));
    let task = as_task(&client, "slow_compute", json!({"seconds": 30}), opts).await;
    abort(&controller);
    assert_eq!(err(task.result()).await, ("AbortError".into(), "aborted".into()));
    // Bad arguments are the caller's fault, reported before anything is sent.
    let (name, code) = err(client.call_tool(
        "greet".into(),
        JsValue::from_str("not an object"),
        JsValue::UNDEFINED,
    ))
    .await;
    assert_eq!((name.as_str(), code.as_str()), ("McpTasksError", "invalid_argument"));
    ok(client.close()).await;
}

/// The rejection of a call with `arguments`, as (code, message).
async fn refused_arguments(client: &McpTaskClient, arguments: JsValue) -> (String, String) {
    let promise = client.call_tool("greet".into(), arguments, JsValue::UNDEFINED);
    let e = JsFuture::from(promise).await.expect_err("expected a rejection");
    (get(&e, "code").as_string().unwrap(), get(&e, "message").as_string().unwrap())
}

/// Values nested deeper than the JSON parser allows, or containing themselves, are refused
/// as invalid arguments instead of overflowing the stack.
async fn deep_and_cyclic_arguments_are_refused(url: &str, protocol: &str) {
    let (client, _) = connect(url, protocol).await;
    let object = || js_sys::Object::new().into();
    // An object that contains itself, directly or through an array and a Map.
    let cyclic: JsValue = object();
    set(&cyclic, "me", &cyclic);
    let (code, message) = refused_arguments(&client, cyclic).await;
    assert_eq!(code, "invalid_argument");
    assert!(message.contains("cycle"), "{message}");
    let outer: JsValue = object();
    let list = js_sys::Array::new();
    let map = js_sys::Map::new();
    map.set(&JsValue::from_str("back"), &outer);
    list.push(&map);
    set(&outer, "list", &list);
    let (code, message) = refused_arguments(&client, outer).await;
    assert_eq!((code.as_str(), message.contains("cycle")), ("invalid_argument", true), "{message}");
    // Deep but finite: 100,000 levels of arrays under one key.
    let mut deep: JsValue = js_sys::Array::new().into();
    for _ in 0..100_000 {
        deep = js_sys::Array::of1(&deep).into();
    }
    let args: JsValue = object();
    set(&args, "deep", &deep);
    let (code, message) = refused_arguments(&client, args).await;
    assert_eq!(code, "invalid_argument");
    assert!(message.contains("deeper than 128"), "{message}");
    // A value shared without a cycle is plain JSON, and 100 levels are fine.
    let shared = js(json!({"name": "x"}));
    let mut nested = js(json!([]));
    for _ in 0..100 {
        nested = js_sys::Array::of1(&nested).into();
    }
    let args = js(json!({"name": "x"}));
    set(&args, "a", &shared);
    set(&args, "b", &shared);
    set(&args, "nested", &nested);
    let result = json_of(&ok(client.call_tool("greet".into(), args, JsValue::UNDEFINED)).await);
    assert!(result.get("content").is_some(), "{result}");
    ok(client.close()).await;
}

/// Resolves after `ms` milliseconds (the global `setTimeout`).
async fn sleep(ms: u32) {
    let wait = js_sys::Function::new_with_args("ms", "return new Promise(r => setTimeout(r, ms))");
    ok(wait.call1(&JsValue::NULL, &JsValue::from(ms)).unwrap().unchecked_into()).await;
}

/// A `fetch` for the `fetch` option that records every request body, and as `mode` says
/// breaks one exchange: `"poll"` answers the first `tasks/get` with malformed JSON;
/// `"answer"` refuses every delivery of an input answer (a 2025-11-25 response POST or
/// a `tasks/update`) as a network error; `"session"` answers the first `tasks/get` with
/// the 404 of a server that lost the session.
fn test_fetch(mode: &str) -> (JsValue, js_sys::Array) {
    let make = js_sys::Function::new_with_args(
        "mode, seen",
        r#"let broken = false;
        return async (url, init) => {
          const body = init.body === undefined ? '' : typeof init.body === 'string' ? init.body : new TextDecoder().decode(init.body);
          seen.push(body);
          if (mode === 'poll' && !broken && body.includes('"tasks/get"')) {
            broken = true;
            return new Response('{not json', { status: 200, headers: { 'content-type': 'application/json' } });
          }
          if (mode === 'session' && !broken && body.includes('"tasks/get"')) {
            broken = true;
            return new Response('', { status: 404 });
          }
          const answer = body.includes('"tasks/update"') || (body.includes('"result"') && !body.includes('"method"'));
          if (mode === 'answer' && answer) throw new TypeError('refused by the test');
          return fetch(url, init);
        };"#,
    );
    let seen = js_sys::Array::new();
    (make.call2(&JsValue::NULL, &JsValue::from_str(mode), &seen).unwrap(), seen)
}

/// Connect options whose `onEvent` records every event (as plain JSON, with the error's
/// code and `instanceof McpTasksError` for errors).
fn recording(protocol: &str, events: &Rc<RefCell<Vec<Value>>>) -> JsValue {
    let options = js(json!({ "protocol": protocol }));
    let sink = events.clone();
    let on_event = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let error = get(&event, "error");
        let mut seen = json!({
            "type": get(&event, "type").as_string(),
            "taskId": get(&event, "taskId").as_string(),
            "text": get(&event, "text").as_string(),
        });
        if !error.is_undefined() {
            seen["code"] = json!(get(&error, "code").as_string());
            seen["class"] = json!(mcp_tasks::wasm::McpTasksError::has_instance(&error));
        }
        sink.borrow_mut().push(seen);
    });
    set(&options, "onEvent", &on_event.into_js_value());
    options
}

async fn connect_with(url: &str, options: JsValue) -> McpTaskClient {
    McpTaskClient::try_from_js_value(ok(McpTaskClient::connect(url.to_owned(), options)).await)
        .unwrap()
}

/// Waits until `events` holds one of `kind` (the test's own timeout ends a wait in vain).
async fn event_of(events: &Rc<RefCell<Vec<Value>>>, kind: &str) -> Value {
    for _ in 0..500 {
        if let Some(e) = events.borrow().iter().find(|e| e["type"] == kind) {
            return e.clone();
        }
        sleep(20).await;
    }
    panic!("no {kind} event in 10 s: {:?}", events.borrow());
}

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
    let recorder = recording(protocol, &events);
    set(&options, "onEvent", &get(&recorder, "onEvent"));
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

/// A call's own `onInputRequest` comes before the client's; when it throws, the request is
/// refused (a JSON-RPC error for 2025-11-25, `cancel` for the extension) and the tool does
/// not go ahead.
async fn per_call_input_handler_refuses(url: &str, protocol: &str) {
    let (client, client_inputs) = connect(url, protocol).await;
    let asked = Rc::new(RefCell::new(0));
    let count = asked.clone();
    let refuse = Closure::<dyn FnMut(JsValue) -> Result<JsValue, JsValue>>::new(move |_| {
        *count.borrow_mut() += 1;
        let error = js_sys::Error::new("not now");
        set(&error, "code", &JsValue::from(-32001));
        Err(error.into())
    });
    let opts = js(json!({}));
    set(&opts, "onInputRequest", &refuse.into_js_value());
    let task = as_task(&client, "confirm_delete", json!({"filename": "a.txt"}), opts).await;
    let settled = JsFuture::from(task.result()).await;
    assert_eq!(*asked.borrow(), 1);
    assert!(client_inputs.0.borrow().is_empty(), "the client's handler was not asked");
    match settled {
        Ok(result) => {
            let result = json_of(&result);
            assert!(!text(&js(result.clone())).starts_with("deleted"), "{result}");
        }
        Err(e) => assert!(mcp_tasks::wasm::McpTasksError::has_instance(&e)),
    }
    ok(client.close()).await;
}

/// Leaving `callToolStream` early cancels its task, unless it was opened with `detach`.
async fn stream_return_cancels_unless_detached(url: &str, protocol: &str) {
    let (client, _) = connect(url, protocol).await;
    for detach in [false, true] {
        let opts = js(json!({ "detach": detach }));
        let args = js(json!({"seconds": 30, "steps": 3}));
        let stream = client.call_tool_stream("slow_compute".into(), args, opts);
        let first = get(&ok(stream.next()).await, "value");
        assert_eq!(get(&first, "type").as_string().as_deref(), Some("taskCreated"));
        let id = get(&get(&first, "task"), "taskId").as_string().unwrap();
        assert!(get(&ok(stream.return_()).await, "done").is_truthy());
        assert!(get(&ok(stream.next()).await, "done").is_truthy());
        if detach {
            let task = json_of(&ok(client.get_task(id.clone())).await);
            assert_eq!(task["status"], "working", "{task}");
            ok(client.cancel_task(id)).await;
        } else {
            let (_, code) = err(client.get_task_result(id)).await;
            assert_eq!(code, "call_cancelled");
        }
    }
    // `throw` ends an iterator and rejects with what was thrown.
    let task = as_task(&client, "slow_compute", json!({"seconds": 30}), JsValue::UNDEFINED).await;
    let updates = task.updates();
    let thrown = JsValue::from_str("stop");
    let rejected = JsFuture::from(updates.throw_(thrown)).await.expect_err("rejects");
    assert_eq!(rejected.as_string().as_deref(), Some("stop"));
    assert!(get(&ok(updates.next()).await, "done").is_truthy());
    ok(task.cancel()).await;
    ok(client.close()).await;
}

/// Connection info has no `null`s; `getTask` under 2026-07-28 carries the inline result;
/// `endpointMemory` comes out and, passed back, spares `auto` its probe; `listen: false`
/// and the poll options still reach the result.
async fn options_and_shapes(url: &str, protocol: &str) {
    let (fetch, seen) = test_fetch("none");
    let options = js(json!({
        "protocol": protocol, "listen": false, "pollDefaultMs": 100, "pollFloorMs": 50,
        "pollCapMs": 200, "backoffInitialMs": 10, "backoffMaxMs": 100, "maxBodyBytes": 1_000_000,
        "callTimeoutMs": 60_000,
    }));
    set(&options, "fetch", &fetch);
    let client = connect_with(url, options).await;
    let connection = client.connection();
    for key in ["sessionId", "serverInfo", "instructions"] {
        assert!(!get(&connection, key).is_null(), "{key} is null");
    }
    assert!(get(&get(&connection, "serverInfo"), "name").is_string());
    let task =
        as_task(&client, "slow_compute", json!({"seconds": 0.2, "steps": 1}), JsValue::UNDEFINED)
            .await;
    let id = task.id().unwrap();
    ok(task.result()).await;
    let fetched = json_of(&ok(client.get_task(id)).await);
    assert_eq!(fetched["status"], "completed");
    if client.generation().as_string().as_deref() == Some(EXTENSION) {
        assert!(text(&js(fetched["result"].clone())).contains("computed"), "{fetched}");
    }
    let bodies = seen.iter().filter_map(|b| b.as_string()).collect::<Vec<_>>();
    assert!(!bodies.iter().any(|b| b.contains("subscriptions/listen")), "listen: false");
    let memory = json_of(&client.endpoint_memory());
    let generation = client.generation().as_string().unwrap();
    assert_eq!(memory["endpoints"][url], json!(generation), "{memory}");
    ok(client.close()).await;
    // Passed back, the memory spares `auto` the probe of a 2025-11-25 endpoint.
    let (fetch, seen) = test_fetch("none");
    let options = js(json!({ "endpointMemory": memory }));
    set(&options, "fetch", &fetch);
    let again = connect_with(url, options).await;
    let probed = seen.iter().filter_map(|b| b.as_string()).any(|b| b.contains("server/discover"));
    assert_eq!(probed, generation == EXTENSION, "probe with memory of {generation}");
    ok(again.close()).await;
    // Bad option values are typed errors.
    for bad in [
        json!({"pollFloorMs": 10, "pollCapMs": 5}),
        json!({"listen": 1}),
        json!({"endpointMemory": {"endpoints": {"x": "1999-01-01"}}}),
    ] {
        let (_, code) = err(McpTaskClient::connect(url.to_owned(), js(bad))).await;
        assert_eq!(code, "invalid_argument");
    }
}

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

against!(ours(), LEGACY,
    legacy_task_runs => task_runs_with_updates_progress_and_result,
    legacy_input_answered => input_request_is_answered,
    legacy_cancel => cancel_ends_the_task,
    legacy_resume => resume_follows_a_task_from_its_reference,
    legacy_stream => stream_yields_created_status_and_result,
    legacy_failures => failures_reject_with_codes,
    legacy_deep_and_cyclic => deep_and_cyclic_arguments_are_refused,
    legacy_protocol_violation => protocol_violation_is_reported,
    legacy_input_failed => failed_input_delivery_is_reported,
    legacy_input_refused => per_call_input_handler_refuses,
    legacy_stream_return => stream_return_cancels_unless_detached,
    legacy_options => options_and_shapes,
    legacy_session_replaced => lost_session_is_replaced,
);

against!(ours(), EXTENSION,
    extension_task_runs => task_runs_with_updates_progress_and_result,
    extension_input_answered => input_request_is_answered,
    extension_cancel => cancel_ends_the_task,
    extension_resume => resume_follows_a_task_from_its_reference,
    extension_stream => stream_yields_created_status_and_result,
    extension_failures => failures_reject_with_codes,
    extension_protocol_violation => protocol_violation_is_reported,
    extension_input_failed => failed_input_delivery_is_reported,
    extension_input_refused => per_call_input_handler_refuses,
    extension_stream_return => stream_return_cancels_unless_detached,
    extension_options => options_and_shapes,
);

// The TypeScript SDK 1.32 server speaks 2025-11-25 only: "auto" must find that out.
against!(ts_sdk(), "auto",
    ts_sdk_task_runs => task_runs_with_updates_progress_and_result,
    ts_sdk_input_answered => input_request_is_answered,
    ts_sdk_cancel => cancel_ends_the_task,
    ts_sdk_stream => stream_yields_created_status_and_result,
    ts_sdk_model_hint => model_hint_reaches_js,
    ts_sdk_input_refused => per_call_input_handler_refuses,
    ts_sdk_options => options_and_shapes,
    ts_sdk_session_replaced => lost_session_is_replaced,
);

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(mcp_tasks::wasm::version(), env!("CARGO_PKG_VERSION"));
}
