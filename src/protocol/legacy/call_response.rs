//! What a `tools/call` got back: a tool result, or (when a task was asked for) a task.

use serde_json::Value;

use super::methods::CreateTaskResult;
use super::tools::CallToolResult;
use super::{Fields, Object, WireShape};
use crate::protocol::WireError;
use crate::protocol::json::tape::Node;

/// What a `tools/call` got back. A server that ignores `task` answers plainly, so a client
/// must accept either after asking for a task.
#[derive(Clone, Debug, PartialEq)]
pub enum CallToolResponse {
    /// The call became a task.
    Task(CreateTaskResult),
    /// The call ran to completion.
    Result(CallToolResult),
}

impl CallToolResponse {
    /// Reads a `tools/call` result: a `task` member and no `content` mark a task.
    pub fn from_map(map: Object) -> Result<Self, WireError> {
        if map.contains_key("task") && !map.contains_key("content") {
            CreateTaskResult::from_map(map).map(Self::Task)
        } else {
            CallToolResult::from_map(map).map(Self::Result)
        }
    }

    /// The same, read in place from an object on a tape.
    pub fn from_node(node: Node<'_>) -> Result<Self, WireError> {
        if is_task(node) {
            CreateTaskResult::from_node(node).map(Self::Task)
        } else {
            CallToolResult::from_node(node).map(Self::Result)
        }
    }

    /// Checks a `tools/call` result on a tape in place, as [`from_node`](Self::from_node)
    /// reads it, without copying a tool result's content out.
    pub fn check_node(node: Node<'_>) -> Result<(), WireError> {
        match Fields::from_node(node, CallToolResult::WHAT) {
            Some(f) if !is_task(node) => CallToolResult::check(&f),
            _ => Self::from_node(node).map(drop),
        }
    }

    /// Reads a `tools/call` result from any JSON value.
    pub fn from_value(value: Value) -> Result<Self, WireError> {
        match value {
            Value::Object(map) => Self::from_map(map),
            other => CallToolResult::from_value(other).map(Self::Result),
        }
    }

    /// Writes the result as a JSON object.
    pub fn to_map(&self) -> Object {
        match self {
            Self::Task(r) => r.to_map(),
            Self::Result(r) => r.to_map(),
        }
    }
}

/// Whether an object on a tape is a task (`task` and no `content`), as `from_map` decides.
fn is_task(node: Node<'_>) -> bool {
    node.get("task").is_some() && node.get("content").is_none()
}
