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
);

against!(ours(), EXTENSION,
    extension_task_runs => task_runs_with_updates_progress_and_result,
    extension_input_answered => input_request_is_answered,
    extension_cancel => cancel_ends_the_task,
    extension_resume => resume_follows_a_task_from_its_reference,
    extension_stream => stream_yields_created_status_and_result,
    extension_failures => failures_reject_with_codes,
);

// The TypeScript SDK 1.32 server speaks 2025-11-25 only: "auto" must find that out.
against!(ts_sdk(), "auto",
    ts_sdk_task_runs => task_runs_with_updates_progress_and_result,
    ts_sdk_input_answered => input_request_is_answered,
    ts_sdk_cancel => cancel_ends_the_task,
    ts_sdk_stream => stream_yields_created_status_and_result,
);

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(mcp_tasks::wasm::version(), env!("CARGO_PKG_VERSION"));
}
