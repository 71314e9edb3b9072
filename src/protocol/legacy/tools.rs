//! `tools/list` and `tools/call` as far as tasks touch them: a tool's `execution`, the
//! `task` field of a call, and the two answers a call can get.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Fields, Object, TaskMetadata, WireShape, nested, nested_list, put, put_extra, put_shape,
    serde_via_shape,
};
use crate::id::TaskId;
use crate::protocol::WireError;
use crate::protocol::json::FromJson;
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

impl TaskSupport {
    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Forbidden => "forbidden",
            Self::Optional => "optional",
            Self::Required => "required",
        }
    }
}

impl FromJson for TaskSupport {
    const EXPECTED: &'static str = "\"forbidden\", \"optional\" or \"required\"";
    fn from_json(value: &Value) -> Option<Self> {
        [Self::Forbidden, Self::Optional, Self::Required]
            .into_iter()
            .find(|s| value.as_str() == Some(s.as_str()))
    }
}

/// `Tool.execution`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ToolExecution {
    /// What the tool declared, if anything. Absent is kept absent on re-emission.
    pub task_support: Option<TaskSupport>,
    /// Members this revision does not define, kept as sent.
    pub extra: Object,
}

impl WireShape for ToolExecution {
    const WHAT: &'static str = "tool execution";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self { task_support: f.optional("taskSupport")?, extra: f.rest(&["taskSupport"]) })
    }

    fn write(&self, map: &mut Object) {
        put_extra(map, &self.extra);
        if let Some(support) = self.task_support {
            map.insert("taskSupport".into(), support.as_str().into());
        }
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
#[derive(Clone, Debug, PartialEq)]
pub struct Tool {
    /// The name `tools/call` uses.
    pub name: String,
    /// A display name.
    pub title: Option<String>,
    /// What the tool does.
    pub description: Option<String>,
    /// The JSON Schema of `arguments`, kept as sent.
    pub input_schema: Value,
    /// The JSON Schema of `structuredContent`, kept as sent.
    pub output_schema: Option<Value>,
    /// Behaviour hints, kept as sent.
    pub annotations: Option<Value>,
    /// How the tool may be run. The TypeScript SDK always sends it; Python omits it for
    /// plain tools.
    pub execution: Option<ToolExecution>,
    /// `_meta`, kept as sent.
    pub meta: Option<Object>,
    /// `icons` and anything else, kept as sent.
    pub extra: Object,
}

impl Tool {
    /// A tool taking any object as arguments, with the given task support and nothing
    /// else set.
    pub fn new(name: impl Into<String>, task_support: TaskSupport) -> Self {
        Self {
            name: name.into(),
            title: None,
            description: None,
            input_schema: serde_json::json!({"type": "object"}),
            output_schema: None,
            annotations: None,
            execution: Some(ToolExecution::new(task_support)),
            meta: None,
            extra: Object::new(),
        }
    }

    /// Whether the tool may be called as a task, with absent `execution` read as
    /// `forbidden`. The server must also declare `tasks.requests.tools.call`.
    pub fn task_support(&self) -> TaskSupport {
        self.execution
            .as_ref()
            .map_or(TaskSupport::Forbidden, ToolExecution::effective_task_support)
    }
}

impl WireShape for Tool {
    const WHAT: &'static str = "tool";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self {
            name: f.required("name")?,
            title: f.optional("title")?,
            description: f.optional("description")?,
            input_schema: f.required("inputSchema")?,
            output_schema: f.optional("outputSchema")?,
            annotations: f.optional("annotations")?,
            execution: nested(f, "execution")?,
            meta: f.object_field("_meta")?,
            extra: f.rest(&TOOL_FIELDS),
        })
    }

    fn write(&self, map: &mut Object) {
        put_extra(map, &self.extra);
        map.insert("name".into(), self.name.as_str().into());
        put(map, "title", self.title.as_ref());
        put(map, "description", self.description.as_ref());
        map.insert("inputSchema".into(), self.input_schema.clone());
        put(map, "outputSchema", self.output_schema.as_ref());
        put(map, "annotations", self.annotations.as_ref());
        put_shape(map, "execution", self.execution.as_ref());
        put(map, "_meta", self.meta.as_ref());
    }
}

/// The fields [`Tool`] names; the rest go to `extra`.
const TOOL_FIELDS: [&str; 8] = [
    "name",
    "title",
    "description",
    "inputSchema",
    "outputSchema",
    "annotations",
    "execution",
    "_meta",
];

/// The result of `tools/list`.
#[derive(Clone, Debug, PartialEq)]
pub struct ListToolsResult {
    /// One page of tools.
    pub tools: Vec<Tool>,
    /// An opaque cursor for the next page.
    pub next_cursor: Option<String>,
    /// `_meta`, kept as sent.
    pub meta: Option<Object>,
}

impl WireShape for ListToolsResult {
    const WHAT: &'static str = "tools/list result";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        let tools = nested_list(f, "tools", Tool::read)?;
        Ok(Self { tools, next_cursor: f.optional("nextCursor")?, meta: f.object_field("_meta")? })
    }

    fn write(&self, map: &mut Object) {
        let tools = self.tools.iter().map(WireShape::to_value).collect();
        map.insert("tools".into(), Value::Array(tools));
        put(map, "nextCursor", self.next_cursor.as_ref());
        put(map, "_meta", self.meta.as_ref());
    }
}

/// The params of `tools/call`.
#[derive(Clone, Debug, PartialEq)]
pub struct CallToolParams {
    /// The tool.
    pub name: String,
    /// Its arguments.
    pub arguments: Option<Object>,
    /// Present when the call asks to run as a task.
    pub task: Option<TaskMetadata>,
    /// `_meta`, where `progressToken` lives for the task's whole life.
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

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self {
            name: f.required("name")?,
            arguments: f.object_field("arguments")?,
            task: nested(f, "task")?,
            meta: f.object_field("_meta")?,
        })
    }

    fn write(&self, map: &mut Object) {
        map.insert("name".into(), self.name.as_str().into());
        put(map, "arguments", self.arguments.as_ref());
        put_shape(map, "task", self.task.as_ref());
        put(map, "_meta", self.meta.as_ref());
    }
}

/// A tool's result: from a plain `tools/call`, or from `tasks/result` of a tool task.
#[derive(Clone, Debug, PartialEq)]
pub struct CallToolResult {
    /// Content blocks, kept as sent.
    pub content: Vec<Value>,
    /// Structured output, kept as sent.
    pub structured_content: Option<Value>,
    /// `true` when the tool failed; absent and `false` are kept apart on re-emission.
    pub is_error: Option<bool>,
    /// `_meta`; from `tasks/result` it names the related task.
    pub meta: Option<Object>,
    /// Members this shape does not define, kept as sent.
    pub extra: Object,
}

impl CallToolResult {
    /// A result with one text content item.
    pub fn text(text: impl Into<String>) -> Self {
        let item = serde_json::json!({"type": "text", "text": text.into()});
        Self {
            content: vec![item],
            structured_content: None,
            is_error: None,
            meta: None,
            extra: Object::new(),
        }
    }

    /// A tool error (`isError: true`) with one text content item: the tool ran and says
    /// what went wrong, in words a model can act on (unlike a JSON-RPC error).
    pub fn error_text(text: impl Into<String>) -> Self {
        Self { is_error: Some(true), ..Self::text(text) }
    }

    /// The same result with `structuredContent`.
    pub fn with_structured(mut self, structured: Value) -> Self {
        self.structured_content = Some(structured);
        self
    }

    /// Whether the tool reported failure (`isError: true`).
    pub fn is_error(&self) -> bool {
        self.is_error == Some(true)
    }

    /// The task this result belongs to, per `_meta`.
    pub fn related_task(&self) -> Result<Option<TaskId>, WireError> {
        Ok(super::related_task(self.meta.as_ref())?.map(|r| r.task_id))
    }

    /// What [`read`](WireShape::read) checks, without copying the content out: for a
    /// result that is handed on whole rather than kept.
    pub fn check(f: &Fields<'_>) -> Result<(), WireError> {
        let content =
            f.get("content").ok_or(WireError::MissingField { what: f.what(), field: "content" })?;
        if !content.is_array() {
            let found = content.kind();
            return Err(WireError::mismatch_kind(f.what(), Some("content"), "an array", found));
        }
        f.optional::<bool>("isError")?;
        f.object_field("_meta")?;
        Ok(())
    }
}

impl WireShape for CallToolResult {
    const WHAT: &'static str = "CallToolResult";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self {
            content: f.required("content")?,
            structured_content: f.optional("structuredContent")?,
            is_error: f.optional("isError")?,
            meta: f.object_field("_meta")?,
            extra: f.rest(&["content", "structuredContent", "isError", "_meta"]),
        })
    }

    /// As [`read`](Self::read), checking in place and then moving the fields out of the
    /// owned object: the content is the bulk of a result and is not copied.
    fn from_map(mut map: Object) -> Result<Self, WireError> {
        let f = Fields::new(&map, Self::WHAT);
        match map.get("content") {
            None | Some(Value::Null) => {
                return Err(WireError::MissingField { what: Self::WHAT, field: "content" });
            }
            Some(v) if !v.is_array() => {
                return Err(WireError::mismatch(Self::WHAT, Some("content"), "an array", v));
            }
            Some(_) => {}
        }
        let is_error = f.optional("isError")?;
        let meta = f.object_field("_meta")?;
        let content = match map.remove("content") {
            Some(Value::Array(content)) => content,
            _ => Vec::new(),
        };
        let structured_content = map.remove("structuredContent").filter(|v| !v.is_null());
        map.remove("isError");
        map.remove("_meta");
        Ok(Self { content, structured_content, is_error, meta, extra: map })
    }

    fn write(&self, map: &mut Object) {
        put_extra(map, &self.extra);
        map.insert("content".into(), Value::Array(self.content.clone()));
        put(map, "structuredContent", self.structured_content.as_ref());
        put(map, "isError", self.is_error.as_ref());
        put(map, "_meta", self.meta.as_ref());
    }
}

serde_via_shape!(ToolExecution, Tool, ListToolsResult, CallToolParams, CallToolResult);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::legacy::CallToolResponse;
    use serde_json::json;

    #[test]
    fn text_results_are_what_a_tool_sends() {
        let ok = CallToolResult::text("5 words").with_structured(json!({"words": 5}));
        assert_eq!(
            Value::Object(ok.to_map()),
            json!({"content": [{"type": "text", "text": "5 words"}],
                "structuredContent": {"words": 5}})
        );
        let failed = CallToolResult::error_text("no text");
        assert!(failed.is_error());
        assert_eq!(failed.to_map()["isError"], json!(true));
    }

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
