//! `tools/list` and `tools/call` as far as tasks touch them: a tool's `execution`, the
//! `task` field of a call, and the two answers a call can get.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CreateTaskResult, Object, TaskMetadata, WireShape, check_nested, require};
use crate::id::TaskId;
use crate::protocol::WireError;
use crate::protocol::meta::PROGRESS_TOKEN;

/// Whether a tool may, must or must not be called as a task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskSupport {
    /// Never as a task; the default when nothing is said.
    #[default]
    Forbidden,
    /// As a task or plainly, at the client's choice.
    Optional,
    /// Only as a task.
    Required,
}

/// `Tool.execution`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolExecution {
    /// What the tool declared, if anything. Absent is kept absent on re-emission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_support: Option<TaskSupport>,
    /// Members this revision does not define, kept as sent.
    #[serde(flatten)]
    pub extra: Object,
}

impl WireShape for ToolExecution {
    const WHAT: &'static str = "tool execution";

    fn check(_: &Object) -> Result<(), WireError> {
        Ok(())
    }
}

impl ToolExecution {
    /// `execution` declaring `task_support`.
    pub fn new(task_support: TaskSupport) -> Self {
        Self { task_support: Some(task_support), extra: Object::new() }
    }

    /// The declared task support, with absent read as `forbidden`.
    pub fn effective_task_support(&self) -> TaskSupport {
        self.task_support.unwrap_or_default()
    }
}

/// One entry of a `tools/list` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    /// The name `tools/call` uses.
    pub name: String,
    /// A display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the tool does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The JSON Schema of `arguments`, kept as sent.
    pub input_schema: Value,
    /// The JSON Schema of `structuredContent`, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Behaviour hints, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Value>,
    /// How the tool may be run. The TypeScript SDK always sends it; Python omits it for
    /// plain tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<ToolExecution>,
    /// `_meta`, kept as sent.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Object>,
    /// `icons` and anything else, kept as sent.
    #[serde(flatten)]
    pub extra: Object,
}

impl Tool {
    /// Whether the tool may be called as a task, with absent `execution` read as
    /// `forbidden`. The server must also declare `tasks.requests.tools.call`.
    pub fn task_support(&self) -> TaskSupport {
        self.execution
            .as_ref()
            .map_or(TaskSupport::Forbidden, ToolExecution::effective_task_support)
    }

    fn check_in(what: &'static str, map: &Object) -> Result<(), WireError> {
        require(what, map, &["name", "inputSchema"])
    }
}

impl WireShape for Tool {
    const WHAT: &'static str = "tool";

    fn check(map: &Object) -> Result<(), WireError> {
        Self::check_in(Self::WHAT, map)
    }
}

/// The result of `tools/list`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListToolsResult {
    /// One page of tools.
    pub tools: Vec<Tool>,
    /// An opaque cursor for the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// `_meta`, kept as sent.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Object>,
}

impl WireShape for ListToolsResult {
    const WHAT: &'static str = "tools/list result";

    fn check(map: &Object) -> Result<(), WireError> {
        require(Self::WHAT, map, &["tools"])?;
        if let Some(Value::Array(tools)) = map.get("tools") {
            for tool in tools {
                check_nested(Some(tool), |t| Tool::check_in(Self::WHAT, t))?;
            }
        }
        Ok(())
    }
}

/// The params of `tools/call`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CallToolParams {
    /// The tool.
    pub name: String,
    /// Its arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<Object>,
    /// Present when the call asks to run as a task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskMetadata>,
    /// `_meta`, where `progressToken` lives for the task's whole life.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Object>,
}

impl CallToolParams {
    /// A plain call of `name`.
    pub fn new(name: impl Into<String>, arguments: Option<Object>) -> Self {
        Self { name: name.into(), arguments, task: None, meta: None }
    }

    /// The same call, asked to run as a task.
    pub fn as_task(mut self, task: TaskMetadata) -> Self {
        self.task = Some(task);
        self
    }

    /// `_meta.progressToken` (a string or a number), if given.
    pub fn progress_token(&self) -> Option<&Value> {
        self.meta.as_ref()?.get(PROGRESS_TOKEN)
    }
}

impl WireShape for CallToolParams {
    const WHAT: &'static str = "tools/call params";

    fn check(map: &Object) -> Result<(), WireError> {
        require(Self::WHAT, map, &["name"])
    }
}

/// A tool's result: from a plain `tools/call`, or from `tasks/result` of a tool task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallToolResult {
    /// Content blocks, kept as sent.
    pub content: Vec<Value>,
    /// Structured output, kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured_content: Option<Value>,
    /// `true` when the tool failed; absent and `false` are kept apart on re-emission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    /// `_meta`; from `tasks/result` it names the related task.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Object>,
    /// Members this shape does not define, kept as sent.
    #[serde(flatten)]
    pub extra: Object,
}

impl CallToolResult {
    /// Whether the tool reported failure (`isError: true`).
    pub fn is_error(&self) -> bool {
        self.is_error == Some(true)
    }

    /// The task this result belongs to, per `_meta`.
    pub fn related_task(&self) -> Result<Option<TaskId>, WireError> {
        Ok(super::related_task(self.meta.as_ref())?.map(|r| r.task_id))
    }
}

impl WireShape for CallToolResult {
    const WHAT: &'static str = "CallToolResult";

    fn check(map: &Object) -> Result<(), WireError> {
        require(Self::WHAT, map, &["content"])
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn absent_task_support_means_forbidden() {
        let plain = json!({"name":"echo","inputSchema":{"type":"object"}});
        let tool = ListToolsResult::from_value(json!({"tools":[plain.clone()]})).unwrap();
        let tool = tool.tools.first().unwrap();
        assert_eq!(tool.execution, None);
        assert_eq!(tool.task_support(), TaskSupport::Forbidden);
        assert_eq!(serde_json::to_value(tool).unwrap(), plain);

        let empty = ToolExecution::default();
        assert_eq!(empty.effective_task_support(), TaskSupport::Forbidden);
        assert_eq!(serde_json::to_value(&empty).unwrap(), json!({}));

        for (text, want) in [
            ("forbidden", TaskSupport::Forbidden),
            ("optional", TaskSupport::Optional),
            ("required", TaskSupport::Required),
        ] {
            let v =
                json!({"tools":[{"name":"t","inputSchema":{},"execution":{"taskSupport":text}}]});
            let r = ListToolsResult::from_value(v.clone()).unwrap();
            assert_eq!(r.tools.first().unwrap().task_support(), want);
            assert_eq!(r.to_value(), v);
        }
        let bad =
            json!({"tools":[{"name":"t","inputSchema":{},"execution":{"taskSupport":"always"}}]});
        assert!(matches!(
            ListToolsResult::from_value(bad),
            Err(WireError::Malformed { what: "tools/list result", .. })
        ));
        assert!(matches!(
            ListToolsResult::from_value(json!({"tools":[{"name":"t"}]})),
            Err(WireError::MissingField { field: "inputSchema", .. })
        ));
    }

    #[test]
    fn call_params_carry_task_and_progress_token() {
        let v = json!({"name":"slow","arguments":{"n":1},"task":{"ttl":60000},
            "_meta":{"progressToken":7}});
        let p = CallToolParams::from_value(v.clone()).unwrap();
        assert_eq!(p.task, Some(TaskMetadata { ttl: Some(60000) }));
        assert_eq!(p.progress_token(), Some(&json!(7)));
        assert_eq!(p.to_value(), v);
        let built = CallToolParams::new("slow", None).as_task(TaskMetadata::default());
        assert_eq!(built.to_value(), json!({"name":"slow","task":{}}));
        assert!(matches!(
            CallToolParams::from_value(json!({"arguments":{}})),
            Err(WireError::MissingField { field: "name", .. })
        ));
        assert!(CallToolParams::from_value(json!({"name":"x","task":5})).is_err());
    }

    #[test]
    fn call_response_tells_a_task_from_a_result() {
        let task = json!({"task":{"taskId":"t","status":"working","ttl":null,
            "createdAt":"2025-11-25T10:30:00Z","lastUpdatedAt":"2025-11-25T10:30:00Z"}});
        let Ok(CallToolResponse::Task(created)) = CallToolResponse::from_value(task.clone()) else {
            panic!("not read as a task")
        };
        assert_eq!(created.task.task_id.as_str(), "t");
        let plain = json!({"content":[{"type":"text","text":"boom"}],"isError":true});
        let Ok(CallToolResponse::Result(result)) = CallToolResponse::from_value(plain.clone())
        else {
            panic!("not read as a result")
        };
        assert!(result.is_error());
        assert_eq!(CallToolResponse::Result(result).to_map().len(), 2);
        assert!(matches!(
            CallToolResponse::from_value(json!({"isError":false})),
            Err(WireError::MissingField { field: "content", .. })
        ));
        assert!(CallToolResponse::from_value(json!("x")).is_err());
    }
}
