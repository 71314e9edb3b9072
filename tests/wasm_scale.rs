//! Thousands of tasks through the JS bindings (`wasm-pack test --node`), against a fake
//! in-process `fetch` that plays a 2025-11-25 server: every result arrives, the cap on
//! requests in flight holds, and once the calls have ended and their handles are released
//! the client holds no state for them (`debugState()`).
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

use js_sys::{Array, Function, Promise, Reflect};
use mcp_tasks::wasm::{McpTask, McpTaskClient};
use serde_json::{Value, json};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// `fetch(url, init)` answering like a 2025-11-25 server whose `job` tool requires a task:
/// each task is `working` at its first `tasks/get` and `completed` at the next. It counts
/// requests and the most in flight at once in `fetch.stats`. Responses resolve on a later
/// turn, as a network's would.
const FAKE_SERVER: &str = r#"
const tasks = new Map();
let next = 0, inFlight = 0;
const stats = { requests: 0, maxInFlight: 0, byMethod: {} };
const json = (id, result, headers = {}) => new Response(JSON.stringify({ jsonrpc: "2.0", id, result }),
  { status: 200, headers: { "content-type": "application/json", ...headers } });
const started = Date.now();
const task = (taskId, status, polls) => ({ taskId, status, ttl: 600000,
  createdAt: new Date(started).toISOString(), lastUpdatedAt: new Date(started + polls).toISOString(),
  pollInterval: 0 });
function answer(init) {
  if (init.method === "GET") return new Response(null, { status: 405 });
  if (init.method === "DELETE") return new Response(null, { status: 200 });
  const msg = JSON.parse(init.body);
  stats.byMethod[msg.method] = (stats.byMethod[msg.method] ?? 0) + 1;
  const p = msg.params ?? {};
  switch (msg.method) {
    case "initialize":
      return json(msg.id, { protocolVersion: "2025-11-25", serverInfo: { name: "fake", version: "1" },
        capabilities: { tools: {}, tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } } } },
        { "mcp-session-id": "session-1" });
    case "notifications/initialized": return new Response(null, { status: 202 });
    case "tools/list":
      return json(msg.id, { tools: [{ name: "job", inputSchema: { type: "object" },
        execution: { taskSupport: "required" } }] });
    case "tools/call": {
      const id = `task-${++next}`;
      tasks.set(id, 0);
      return json(msg.id, { task: task(id, "working", 0) });
    }
    case "tasks/get": {
      const polls = (tasks.get(p.taskId) ?? 0) + 1;
      tasks.set(p.taskId, polls);
      return json(msg.id, task(p.taskId, polls > 1 ? "completed" : "working", polls));
    }
    case "tasks/result":
      return json(msg.id, { content: [{ type: "text", text: `done ${p.taskId}` }],
        _meta: { "io.modelcontextprotocol/related-task": { taskId: p.taskId } } });
    default:
      return new Response(JSON.stringify({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "no" } }),
        { status: 200, headers: { "content-type": "application/json" } });
  }
}
const fetch = async (url, init) => {
  stats.requests++;
  inFlight++;
  stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
  try {
    await new Promise((r) => setTimeout(r, 0));
    return answer(init);
  } finally {
    inFlight--;
  }
};
fetch.stats = stats;
return fetch;
"#;

fn fake_fetch() -> Function {
    let make = Function::new_no_args(FAKE_SERVER);
    make.call0(&JsValue::UNDEFINED).unwrap().unchecked_into()
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap()
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    Reflect::set(target, &JsValue::from_str(key), value).unwrap();
}

fn js(value: Value) -> JsValue {
    js_sys::JSON::parse(&value.to_string()).unwrap()
}

fn json_of(value: &JsValue) -> Value {
    serde_wasm_bindgen::from_value(value.clone()).unwrap()
}

async fn ok(promise: Promise) -> JsValue {
    match JsFuture::from(promise).await {
        Ok(v) => v,
        Err(e) => panic!("rejected: {:?}", get(&e, "message").as_string()),
    }
}

/// Awaits every promise, in order.
async fn all(promises: Vec<Promise>) -> Vec<JsValue> {
    let array: Array = promises.into_iter().collect();
    ok(Promise::all(&array)).await.unchecked_into::<Array>().to_vec()
}

/// The client's `debugState()`, without the names whose count is zero.
fn leftovers(client: &McpTaskClient) -> Value {
    let Value::Object(sizes) = json_of(&client.debug_state()) else { panic!("not an object") };
    Value::Object(sizes.into_iter().filter(|(_, n)| n.as_u64() != Some(0)).collect())
}

async fn connect(fetch: &Function, max_in_flight: u32) -> McpTaskClient {
    let options = js(json!({ "protocol": "2025-11-25", "maxInFlight": max_in_flight }));
    set(&options, "fetch", fetch);
    let client = ok(McpTaskClient::connect("http://fake/mcp".into(), options)).await;
    McpTaskClient::try_from_js_value(client).unwrap()
}

#[wasm_bindgen_test]
async fn thousands_of_tasks_leave_no_state_behind() {
    const N: usize = 2000;
    const CAP: u32 = 48;
    let fetch = fake_fetch();
    let client = connect(&fetch, CAP).await;
    let created: Vec<Promise> = (0..N)
        .map(|_| client.call_tool_as_task("job".into(), js(json!({})), JsValue::UNDEFINED))
        .collect();
    let tasks: Vec<McpTask> =
        all(created).await.into_iter().map(|t| McpTask::try_from_js_value(t).unwrap()).collect();
    let results = all(tasks.iter().map(McpTask::result).collect()).await;
    for (task, result) in tasks.iter().zip(&results) {
        let text = json_of(result)["content"][0]["text"].clone();
        assert_eq!(text, json!(format!("done {}", task.id().unwrap())));
        assert_eq!(task.status().as_string().as_deref(), Some("completed"));
    }
    // The handles still hold their calls' state (their status, result, updates)...
    let held = json_of(&client.debug_state());
    assert_eq!((held["calls"].as_u64(), held["tasks"].as_u64()), (Some(N as u64), Some(N as u64)));
    assert_eq!(held["engine.calls"], json!(0), "the engine forgets ended calls");
    // ...until they are released.
    drop(tasks);
    assert_eq!(leftovers(&client), json!({}));
    let stats = get(&fetch, "stats");
    let max = get(&stats, "maxInFlight").as_f64().unwrap() as u32;
    assert!(max <= CAP, "{max} requests in flight at once, over the cap of {CAP}");
    let requests = get(&stats, "requests").as_f64().unwrap() as usize;
    // initialize, initialized, GET, tools/list, then per task: call, 2 polls, result.
    assert!(requests <= 4 + 4 * N, "{requests} requests: {:?}", json_of(&stats));
    ok(client.close()).await;
}

#[wasm_bindgen_test]
async fn plain_calls_streams_and_released_handles_leave_no_state_behind() {
    let fetch = fake_fetch();
    let client = connect(&fetch, 8).await;
    // callTool frees its call when it settles; a stream read to its end frees its call.
    let plain: Vec<Promise> = (0..50)
        .map(|_| client.call_tool("job".into(), js(json!({})), JsValue::UNDEFINED))
        .collect();
    all(plain).await;
    for _ in 0..20 {
        let stream = client.call_tool_stream("job".into(), js(json!({})), JsValue::UNDEFINED);
        let mut last = Value::Null;
        loop {
            let step = ok(stream.next()).await;
            if get(&step, "done").is_truthy() {
                break;
            }
            last = json_of(&get(&step, "value"));
        }
        assert_eq!(last["type"], "result", "{last}");
    }
    assert_eq!(leftovers(&client), json!({}));
    // A handle released before its task ends: the call is freed when the task ends.
    // getTaskResult on another handle's task waits with it, by id.
    let first = McpTask::try_from_js_value(
        ok(client.call_tool_as_task("job".into(), js(json!({})), JsValue::UNDEFINED)).await,
    )
    .unwrap();
    let second = McpTask::try_from_js_value(
        ok(client.call_tool_as_task("job".into(), js(json!({})), JsValue::UNDEFINED)).await,
    )
    .unwrap();
    let by_id = client.get_task_result(second.id().unwrap());
    let updates = first.updates();
    drop(first);
    drop(second);
    let seen = {
        let mut seen = Vec::new();
        loop {
            let step = ok(updates.next()).await;
            if get(&step, "done").is_truthy() {
                break seen;
            }
            seen.push(json_of(&get(&step, "value"))["status"].clone());
        }
    };
    assert_eq!(seen.last(), Some(&json!("completed")), "{seen:?}");
    ok(by_id).await;
    drop(updates);
    assert_eq!(leftovers(&client), json!({}));
    ok(client.close()).await;
}
