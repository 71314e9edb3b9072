//! The npm package's client in a real JS host, as tests/wasm_client.rs: what it makes of a
//! caller's arguments (values too deep or cyclic for JSON are refused, shared ones are
//! fine) and of its options (every connect option reaches the wire, `endpointMemory` comes
//! out and goes back in, bad values are typed errors, connection info has no `null`s),
//! against `mcp-tasks serve` in both generations and the TypeScript SDK server.
#![cfg(all(target_family = "wasm", target_os = "unknown"))]

#[macro_use]
mod wasm_common;

use mcp_tasks::wasm::McpTaskClient;
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_common::*;

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

against!(ours(), LEGACY,
    legacy_deep_and_cyclic => deep_and_cyclic_arguments_are_refused,
    legacy_options => options_and_shapes,
);

against!(ours(), EXTENSION,
    extension_options => options_and_shapes,
);

against!(ts_sdk(), "auto",
    ts_sdk_options => options_and_shapes,
);
