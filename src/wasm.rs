//! JavaScript bindings. Compiled for `wasm32-unknown-unknown` only.

use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::{JsError, wasm_bindgen};

use crate::receiver::{Caller, Receiver, Reply, TaskSupport, ToolCallPlan};
use crate::store::Owner;
use crate::time::UnixMillis;

/// The crate version, so a page or Worker can check which build it loaded.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Runs one task through the receiver in each wire generation (random task ids, the
/// in-memory store, both codecs) and returns the final `tasks/get` replies as JSON text.
/// It proves that the core works in this JavaScript host, and keeps the core linked into
/// the artifact that the build checks for stray imports.
#[wasm_bindgen(js_name = selfCheck)]
pub fn self_check(now_ms: f64) -> Result<String, JsError> {
    let now = UnixMillis(now_ms.max(0.0) as u64);
    let mut receiver = Receiver::in_memory();
    let mut replies = Vec::new();
    for caller in [Caller::legacy(Owner::new("js")), Caller::extension(Owner::new("js"), true)] {
        let params = object(json!({"name": "check", "task": {}}));
        let ToolCallPlan::Task { task_id, .. } =
            receiver.accept_tool_call(&caller, TaskSupport::Optional, &params, now)
        else {
            return Err(JsError::new("the receiver did not create a task"));
        };
        let result = object(json!({"content": [{"type": "text", "text": "ok"}]}));
        receiver.work(&task_id).complete(result, now).map_err(|e| JsError::new(&e.to_string()))?;
        let get = object(json!({"taskId": task_id}));
        match receiver.handle(&caller, "tasks/get", Some(&get), now) {
            Some(Reply::Result(r)) if r.get("status") == Some(&json!("completed")) => {
                replies.push(Value::Object(r));
            }
            other => return Err(JsError::new(&format!("unexpected tasks/get reply: {other:?}"))),
        }
    }
    Ok(Value::Array(replies).to_string())
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}
