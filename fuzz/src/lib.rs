//! Helpers shared by the fuzz targets: JSON values built from fuzzer bytes, biased towards
//! the member names and values the protocol readers look at, so that the codecs get past
//! their first "missing field" check instead of rejecting almost every input.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Number, Value};

/// Member names the task codecs of both generations read.
pub const KEYS: &[&str] = &[
    "jsonrpc",
    "id",
    "method",
    "params",
    "result",
    "error",
    "code",
    "message",
    "data",
    "taskId",
    "status",
    "statusMessage",
    "createdAt",
    "lastUpdatedAt",
    "ttl",
    "pollInterval",
    "task",
    "tasks",
    "nextCursor",
    "cursor",
    "_meta",
    "content",
    "structuredContent",
    "isError",
    "resultType",
    "inputRequests",
    "inputResponses",
    "requestState",
    "name",
    "arguments",
    "tools",
    "execution",
    "taskSupport",
    "inputSchema",
    "outputSchema",
    "capabilities",
    "protocolVersion",
    "serverInfo",
    "clientInfo",
    "version",
    "list",
    "cancel",
    "requests",
    "call",
    "elicitation",
    "sampling",
    "create",
    "createMessage",
    "notifications",
    "taskIds",
    "io.modelcontextprotocol/tasks",
    "io.modelcontextprotocol/related-task",
    "io.modelcontextprotocol/model-immediate-response",
    "modelcontextprotocol.io/clientCapabilities",
    "extensions",
    "supportedVersions",
    "progressToken",
    "type",
    "text",
    "immediate",
    "title",
    "description",
    "annotations",
];

/// String values worth trying: task states, result types, versions, methods.
pub const WORDS: &[&str] = &[
    "working",
    "input_required",
    "completed",
    "failed",
    "cancelled",
    "complete",
    "task",
    "incomplete",
    "2025-11-25",
    "2026-07-28",
    "2.0",
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
    "tasks/update",
    "tools/call",
    "initialize",
    "notifications/tasks/status",
    "required",
    "optional",
    "forbidden",
    "text",
    "2025-01-01T00:00:00Z",
    "",
    "t-1",
];

/// A JSON object of at most `depth` levels.
pub fn object(u: &mut Unstructured<'_>, depth: u32) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    let n = u.int_in_range(0..=8)?;
    for _ in 0..n {
        let key = if u.ratio(7, 8)? { (*u.choose(KEYS)?).to_owned() } else { u.arbitrary()? };
        map.insert(key, value(u, depth)?);
    }
    Ok(map)
}

/// A JSON value of at most `depth` levels.
pub fn value(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let top = if depth == 0 { 5 } else { 7 };
    Ok(match u.int_in_range(0..=top)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(Number::from(u.arbitrary::<i64>()?)),
        3 => Value::Number(Number::from(u.int_in_range(0u64..=100_000)?)),
        4 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        5 => {
            if u.ratio(3, 4)? {
                Value::String((*u.choose(WORDS)?).to_owned())
            } else {
                Value::String(u.arbitrary()?)
            }
        }
        6 => {
            let n = u.int_in_range(0..=4)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(value(u, depth - 1)?);
            }
            Value::Array(items)
        }
        _ => Value::Object(object(u, depth - 1)?),
    })
}
