//! `decodeResponse`: one response body read exactly as the client reads it, for
//! benchmarks and tools that want the decoder without a connection.
//!
//! The steps are the engine's own: the bytes are copied out of JS as the fetch driver copies
//! a chunk, parsed by `Message::from_slice`, checked by the result's wire shape, turned into
//! the engine's models and handed to JS by the same conversions the promises use. A
//! separate entry point instead of a hook in the driver, so the client's hot path carries
//! nothing for it.

use crate::protocol::json::jv;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::client::{ClientError, RequestKind};
use crate::protocol::jsonrpc::Message;
use crate::protocol::legacy::{
    CallToolResponse, GetTaskResult, ListTasksResult, Object, WireShape,
};
use crate::task::Task;

use super::convert;
use super::error::Failure;

/// Decodes the JSON-RPC response `body` (UTF-8 JSON bytes) to a 2025-11-25 `method`
/// request — `"tasks/get"`, `"tools/call"` or `"tasks/list"` — into the value the client's
/// promise resolves with (a `Task`, a `CallToolResult`, a `ListTasksResult`). Throws the
/// client's error for a body that is not such a response.
#[wasm_bindgen(js_name = decodeResponse, unchecked_return_type = "Task | CallToolResult | ListTasksResult")]
pub fn decode_response(method: &str, body: &[u8]) -> Result<JsValue, JsValue> {
    decode(method, body).map_err(|f| f.to_js())
}

fn decode(method: &str, body: &[u8]) -> Result<JsValue, Failure> {
    let kind = match method {
        "tasks/get" => RequestKind::GetTask,
        "tools/call" => RequestKind::CallTool,
        "tasks/list" => RequestKind::ListTasks,
        other => return Err(Failure::InvalidArgument(format!("cannot decode {other} responses"))),
    };
    let result: Object = match Message::from_slice(body) {
        Ok(Message::Result(response)) => response.result,
        Ok(Message::Error(e)) => {
            return Err(Failure::Client(ClientError::Rpc { request: kind, error: e.error }));
        }
        Ok(_) => return Err(Failure::Client(ClientError::MissingResponse { request: kind })),
        Err(e) => return Err(Failure::Client(ClientError::malformed_message(kind, e))),
    };
    let malformed = |e| Failure::Client(ClientError::malformed_result(kind, e));
    let value = match kind {
        RequestKind::GetTask => {
            let got = GetTaskResult::from_map(result).map_err(malformed)?;
            let mut text = String::new();
            convert::write_task(&Task::from(got.task), &mut text);
            convert::text_to_js(&text)
        }
        RequestKind::ListTasks => {
            let page = ListTasksResult::from_map(result).map_err(malformed)?;
            let tasks: Vec<Task> = page.tasks.into_iter().map(Task::from).collect();
            convert::text_to_js(&convert::task_page(&tasks, page.next_cursor.as_deref()))
        }
        _ => match CallToolResponse::from_map(result).map_err(malformed)? {
            CallToolResponse::Result(r) => convert::object_to_js(&r.to_map()),
            CallToolResponse::Task(created) => {
                convert::to_js(&jv!({ "task": convert::task(&Task::from(created.task)) }))
            }
        },
    };
    Ok(value)
}
