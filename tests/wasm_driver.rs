//! The fetch driver as `fetch` sees it (`wasm-pack test --node`, a fake in-process `fetch`):
//! which requests get an abort signal of their own, that a caller's abort reaches the one
//! request a server may hold open, and that headers `fetch` would refuse are refused before
//! it is called.
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

use js_sys::{Array, Function, Promise, Reflect};
use mcp_tasks::wasm::McpTaskClient;
use serde_json::json;
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// `fetch(url, init)` answering like a 2025-11-25 server, recording every request's method
/// and `init.signal` in `fetch.seen`. Its `hold` tool never answers: the response waits
/// until the request's signal aborts, then rejects as fetch does.
const FAKE_SERVER: &str = r#"
const seen = [];
const json = (id, result, headers = {}) => new Response(JSON.stringify({ jsonrpc: "2.0", id, result }),
  { status: 200, headers: { "content-type": "application/json", ...headers } });
const task = { taskId: "t-1", status: "working", ttl: 60000, pollInterval: 1000,
  createdAt: "2026-12-01T00:00:00Z", lastUpdatedAt: "2026-12-01T00:00:00Z" };
const fetch = async (url, init) => {
  const msg = init.body ? JSON.parse(init.body) : {};
  seen.push({ method: msg.method ?? init.method, signal: init.signal });
  await new Promise((r) => setTimeout(r, 0));
  if (init.method === "GET") return new Response(null, { status: 405 });
  if (init.method === "DELETE") return new Response(null, { status: 200 });
  switch (msg.method) {
    case "initialize":
      return json(msg.id, { protocolVersion: "2025-11-25", serverInfo: { name: "fake", version: "1" },
        capabilities: { tools: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } },
        { "mcp-session-id": "session-1" });
    case "notifications/initialized": return new Response(null, { status: 202 });
    case "tools/list": return json(msg.id, { tools: [{ name: "hold", inputSchema: { type: "object" } }] });
    case "tasks/get": return json(msg.id, task);
    case "tasks/list": return json(msg.id, { tasks: [task] });
    case "tools/call":
      return new Promise((_, reject) => init.signal.addEventListener("abort",
        () => reject(new DOMException("aborted", "AbortError"))));
    default: return new Response(null, { status: 202 });
  }
};
fetch.seen = seen;
return fetch;
"#;

fn fake_fetch() -> Function {
    Function::new_no_args(FAKE_SERVER).call0(&JsValue::UNDEFINED).unwrap().unchecked_into()
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap()
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(target, &JsValue::from_str(key), value).unwrap();
}

fn js(value: serde_json::Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

/// The signals `fetch` was given for requests of `method`, in order.
fn signals(fetch: &Function, method: &str) -> Vec<JsValue> {
    let seen: Array = get(fetch, "seen").unchecked_into();
    seen.iter()
        .filter(|r| get(r, "method").as_string().as_deref() == Some(method))
        .map(|r| get(&r, "signal"))
        .collect()
}

async fn connect(fetch: &Function, headers: serde_json::Value) -> Result<McpTaskClient, JsValue> {
    let options = js(json!({ "protocol": "2025-11-25", "headers": headers }));
    set(&options, "fetch", fetch);
    let client = JsFuture::from(McpTaskClient::connect("http://fake/mcp".into(), options)).await?;
    Ok(McpTaskClient::try_from_js_value(client).unwrap())
}

async fn settled(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}

#[wasm_bindgen_test]
async fn short_requests_share_a_signal_and_a_held_call_has_its_own() {
    let fetch = fake_fetch();
    let client = connect(&fetch, json!({})).await.unwrap();
    for _ in 0..2 {
        settled(client.get_task("t-1".into())).await.unwrap();
        settled(client.list_tasks(None)).await.unwrap();
    }
    let short: Vec<JsValue> =
        signals(&fetch, "tasks/get").into_iter().chain(signals(&fetch, "tasks/list")).collect();
    assert_eq!(short.len(), 4);
    assert!(short.iter().all(|s| js_sys::Object::is(s, &short[0])), "one shared signal");

    // A plain call a server may hold: a signal of its own, aborted with the caller's.
    let controller = js_sys::eval("new AbortController()").unwrap();
    let options = js_sys::Object::new();
    set(&options, "signal", &get(&controller, "signal"));
    let call = client.call_tool("hold".into(), js(json!({})), options.into());
    // Let the request reach fetch before aborting.
    settled(client.get_task("t-1".into())).await.unwrap();
    let held = signals(&fetch, "tools/call");
    assert_eq!(held.len(), 1);
    assert!(!js_sys::Object::is(&held[0], &short[0]), "its own signal");
    assert!(!get(&held[0], "aborted").is_truthy());
    let abort: Function = get(&controller, "abort").unchecked_into();
    abort.call0(&controller).unwrap();
    let error = settled(call).await.expect_err("an aborted call rejects");
    let message = get(&error, "message").as_string();
    assert_eq!(get(&error, "name").as_string().as_deref(), Some("AbortError"), "{message:?}");
    assert!(get(&held[0], "aborted").is_truthy(), "the call's request was aborted");
    assert!(!get(&short[0], "aborted").is_truthy(), "the shared signal was not");
}

#[wasm_bindgen_test]
async fn a_header_with_a_line_break_is_refused_before_fetch() {
    let fetch = fake_fetch();
    let refused = connect(&fetch, json!({ "x-note": "one\ntwo" })).await;
    let error = refused.err().expect("connect rejects");
    assert!(get(&error, "code").as_string().is_some(), "a typed error");
    let seen: Array = get(&fetch, "seen").unchecked_into();
    assert_eq!(seen.length(), 0, "fetch was never called");
}
