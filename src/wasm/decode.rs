//! `decodeResponse`: one response body read exactly as the client reads it, for
//! benchmarks and tools that want the decoder without a connection.
//!
//! The steps are the engine's own: the bytes are copied out of JS as the fetch driver copies
//! a chunk, scanned onto a tape, the envelope read as `Message::from_slice` reads it, the
//! result's wire shape checked in place, and the result handed to JS built from the tape as
//! the promises get it. A separate entry point instead of a hook in the driver, so the
//! client's hot path carries nothing for it.

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::client::{ClientError, RequestKind};
use crate::protocol::json::tape::Tape;
use crate::protocol::jsonrpc::{EnvelopeError, Message, Reply};
use crate::protocol::legacy::{CallToolResponse, GetTaskResult, ListTasksResult, WireShape};

use super::error::Failure;
use super::materialize;

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
    let not_json =
        |e| Failure::Client(ClientError::malformed_message(kind, EnvelopeError::from(e)));
    let mut tape = Tape::default();
    let root = tape.scan(body).map_err(not_json)?.root();
    let result = match Reply::read(root) {
        Ok(Reply::Result { result, .. }) => result,
        Ok(Reply::Other(Message::Error(e))) => {
            return Err(Failure::Client(ClientError::Rpc { request: kind, error: e.error }));
        }
        Ok(Reply::Other(_)) => {
            return Err(Failure::Client(ClientError::MissingResponse { request: kind }));
        }
        Err(e) => return Err(Failure::Client(ClientError::malformed_message(kind, e))),
    };
    let malformed = |e| Failure::Client(ClientError::malformed_result(kind, e));
    // The shape is checked in place; the value handed over is the result as sent.
    match kind {
        RequestKind::GetTask => GetTaskResult::from_node(result).map(drop),
        RequestKind::ListTasks => ListTasksResult::from_node(result).map(drop),
        _ => CallToolResponse::check_node(result),
    }
    .map_err(malformed)?;
    Ok(materialize::to_js(result))
}
