//! Tools you register: what a tool declares ([`ToolSpec`]) and what it does ([`Tool`]).
//! The server lists every registered tool, decides from its `taskSupport` whether a call
//! runs plainly or as a task, and runs it with a [`ToolContext`]; the reference server's
//! own tools go through exactly this.

use std::future::Future;
use std::pin::Pin;

use serde_json::{Map, Value, json};

use super::ctx::{ToolContext, ToolError};
use crate::protocol::legacy::{CallToolResult, TaskSupport};
use crate::task::InputRequests;

/// What `tools/list` shows of a tool, and how it may be called.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ToolSpec {
    /// The name `tools/call` uses: 1 to 128 of `A-Z a-z 0-9 _ - .`.
    pub name: String,
    /// A display name.
    pub title: Option<String>,
    /// What the tool does, for the model that picks it.
    pub description: String,
    /// The JSON Schema of `arguments` (an object schema).
    pub input_schema: Value,
    /// The JSON Schema of `structuredContent`, for tools whose results carry one.
    pub output_schema: Option<Value>,
    /// Whether a call may, must or must not run as a task.
    pub task_support: TaskSupport,
}

impl ToolSpec {
    /// A tool that takes any object as arguments and never runs as a task.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            title: None,
            description: description.into(),
            input_schema: json!({"type": "object"}),
            output_schema: None,
            task_support: TaskSupport::Forbidden,
        }
    }

    /// The display name.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// The JSON Schema of the arguments.
    pub fn input_schema(mut self, schema: Value) -> Self {
        self.input_schema = schema;
        self
    }

    /// The JSON Schema of the results' `structuredContent`.
    pub fn output_schema(mut self, schema: Value) -> Self {
        self.output_schema = Some(schema);
        self
    }

    /// Whether calls may (`Optional`), must (`Required`) or must not (`Forbidden`) run as
    /// tasks.
    pub fn task_support(mut self, support: TaskSupport) -> Self {
        self.task_support = support;
        self
    }
}

/// What a tool needs before its task is created (see [`Tool::before_task`]).
#[derive(Clone, Debug, PartialEq)]
pub enum BeforeTask {
    /// Nothing more: create the task and run the tool with these arguments.
    Ready(Map<String, Value>),
    /// Ask these questions first (by key); the caller calls again with the answers in
    /// `inputResponses`.
    Ask(InputRequests),
}

/// The result of a tool run: a `CallToolResult` (`isError` for failures the model should
/// read), or a [`ToolError`].
pub type ToolResult = Result<CallToolResult, ToolError>;

/// A tool the server serves.
///
/// ```
/// use mcp_tasks::server::{CallToolResult, TaskSupport, Tool, ToolContext, ToolResult, ToolSpec};
/// use serde_json::{Map, Value};
///
/// struct Shout;
///
/// impl Tool for Shout {
///     fn spec(&self) -> ToolSpec {
///         ToolSpec::new("shout", "Says `text` loudly.").task_support(TaskSupport::Optional)
///     }
///
///     async fn run(&self, args: Map<String, Value>, ctx: ToolContext) -> ToolResult {
///         ctx.status("shouting");
///         let text = args.get("text").and_then(Value::as_str).unwrap_or("hello");
///         Ok(CallToolResult::text(text.to_uppercase()))
///     }
/// }
/// ```
pub trait Tool: Send + Sync + 'static {
    /// The tool's name, description, schemas and task support. Read once, when the tool
    /// is registered.
    fn spec(&self) -> ToolSpec;

    /// Runs one call with its `arguments` (an empty object when the call had none). As a
    /// task, the run continues after the `tools/call` is answered and its outcome becomes
    /// the task's: a result completes it (`isError` fails it under 2025-11-25), a
    /// JSON-RPC error fails it, [`ToolError::Cancelled`] marks it cancelled.
    fn run(
        &self,
        args: Map<String, Value>,
        ctx: ToolContext,
    ) -> impl Future<Output = ToolResult> + Send;

    /// For a 2026-07-28 caller that declares the tasks extension: questions to put before
    /// the task exists (a multi-round `tools/call`), given the `inputResponses` the call
    /// brought. By default there are none.
    fn before_task(
        &self,
        args: Map<String, Value>,
        responses: Option<&Map<String, Value>>,
    ) -> BeforeTask {
        let _ = responses;
        BeforeTask::Ready(args)
    }
}

/// A [`Tool`] made of a spec and an async function, for tools that need no type of their
/// own: see [`tool_fn`].
pub struct FnTool<F> {
    spec: ToolSpec,
    run: F,
}

impl<F> std::fmt::Debug for FnTool<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnTool").field("spec", &self.spec).finish_non_exhaustive()
    }
}

/// A tool that runs `run(arguments, context)`.
///
/// ```
/// use mcp_tasks::server::{CallToolResult, ToolSpec, tool_fn};
///
/// let echo = tool_fn(ToolSpec::new("echo", "Says its arguments back."), |args, _ctx| async move {
///     Ok(CallToolResult::text(serde_json::Value::Object(args).to_string()))
/// });
/// # let _ = echo;
/// ```
pub fn tool_fn<F, Fut>(spec: ToolSpec, run: F) -> FnTool<F>
where
    F: Fn(Map<String, Value>, ToolContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ToolResult> + Send + 'static,
{
    FnTool { spec, run }
}

impl<F, Fut> Tool for FnTool<F>
where
    F: Fn(Map<String, Value>, ToolContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ToolResult> + Send + 'static,
{
    fn spec(&self) -> ToolSpec {
        self.spec.clone()
    }

    fn run(
        &self,
        args: Map<String, Value>,
        ctx: ToolContext,
    ) -> impl Future<Output = ToolResult> + Send {
        (self.run)(args, ctx)
    }
}

/// A boxed tool future.
pub(crate) type RunFuture<'a> = Pin<Box<dyn Future<Output = ToolResult> + Send + 'a>>;

/// [`Tool`] with its future boxed, so that tools of different types share one registry.
pub(crate) trait DynTool: Send + Sync {
    fn run_boxed(&self, args: Map<String, Value>, ctx: ToolContext) -> RunFuture<'_>;
    fn before_task_dyn(
        &self,
        args: Map<String, Value>,
        responses: Option<&Map<String, Value>>,
    ) -> BeforeTask;
}

impl<T: Tool> DynTool for T {
    fn run_boxed(&self, args: Map<String, Value>, ctx: ToolContext) -> RunFuture<'_> {
        Box::pin(self.run(args, ctx))
    }

    fn before_task_dyn(
        &self,
        args: Map<String, Value>,
        responses: Option<&Map<String, Value>>,
    ) -> BeforeTask {
        self.before_task(args, responses)
    }
}

/// An object schema with `properties` and the `required` ones among them.
pub(crate) fn object_schema(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

/// Whether `name` is a valid tool name: 1 to 128 characters of `A-Z a-z 0-9 _ - .`.
pub(crate) fn valid_name(name: &str) -> bool {
    (1..=128).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_tool_name_rules() {
        for good in ["word_count", "a", "get-task.status", &"x".repeat(128)] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "two words", "naïve", "a/b", &"x".repeat(129)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_spec_starts_forbidden_with_an_object_schema() {
        let spec = ToolSpec::new("t", "does t");
        assert_eq!(spec.task_support, TaskSupport::Forbidden);
        assert_eq!(spec.input_schema, json!({"type": "object"}));
        let spec =
            spec.task_support(TaskSupport::Required).output_schema(json!({"type": "object"}));
        assert_eq!(spec.task_support, TaskSupport::Required);
        assert!(spec.output_schema.is_some());
    }
}
