//! The registry of the tools a server serves, looked up by name for every call, and
//! `tools/list` over it; in task-tools mode, also what the host's model is told about
//! long tools.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Map;

use super::tool::{DynTool, Tool, ToolSpec, valid_name};
use crate::protocol::legacy::{self, TaskSupport, ToolExecution};

/// Appended to the description of every long tool in task-tools mode.
const BACKGROUND_NOTE: &str = "Called without MCP task support, it starts a \
    background task and answers at once with its taskId: follow it with get_task_status and \
    collect the result with get_task_result.";

/// The server's `instructions` in task-tools mode. A model that knows nothing of tasks reads
/// them before any tool description, so they say how to follow a task to its end: poll
/// gently, relay questions to the person, never make answers up.
const INSTRUCTIONS: &str = "Long tools here run as background tasks. Called \
    plainly, such a tool answers at once with a taskId instead of its result; the work goes \
    on. To follow a task: call get_task_status with {\"taskId\": \"...\"}. While it is \
    working, check again later, waiting longer each time (start at its pollIntervalMs, then \
    double the wait, up to about a minute) and tell the user how far it got; do not call in \
    a tight loop. When the status is input_required, the task waits for the user: put each \
    open question to the user as asked and pass on their answer with answer_task_input. \
    Never invent an answer or answer for the user; if they will not answer, use action \
    \"decline\". When the status is completed or failed, fetch the result with \
    get_task_result. cancel_task stops a task the user no longer wants; list_my_tasks shows \
    your tasks (status \"working\" for the ones still running).";

/// Why a tool could not be registered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// Another tool already has this name.
    #[error("a tool named {name} is already registered")]
    Duplicate {
        /// The name.
        name: String,
    },
    /// The name is empty, too long, or has characters tool names may not have.
    #[error("{name:?} is not a tool name: 1 to 128 of A-Z a-z 0-9 _ - .")]
    InvalidName {
        /// The name.
        name: String,
    },
}

impl RegisterError {
    /// A stable, machine-readable code for the variant.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Duplicate { .. } => "tool_name_taken",
            Self::InvalidName { .. } => "invalid_tool_name",
        }
    }
}

/// A registered tool.
pub(crate) struct Entry {
    /// What it declared, once, at registration.
    pub spec: ToolSpec,
    pub tool: Arc<dyn DynTool>,
}

/// The tools, in the order registered (the order `tools/list` shows).
#[derive(Default)]
pub(crate) struct Tools {
    entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
}

impl Tools {
    /// Registers `tool` under the name its spec gives.
    pub fn add(&mut self, tool: impl Tool) -> Result<(), RegisterError> {
        let spec = tool.spec();
        if !valid_name(&spec.name) {
            return Err(RegisterError::InvalidName { name: spec.name });
        }
        if self.by_name.contains_key(&spec.name) {
            return Err(RegisterError::Duplicate { name: spec.name });
        }
        self.by_name.insert(spec.name.clone(), self.entries.len());
        self.entries.push(Entry { spec, tool: Arc::new(tool) });
        Ok(())
    }

    /// The tool named `name`.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.by_name.get(name).and_then(|i| self.entries.get(*i))
    }

    /// How many tools there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The tools as `tools/list` lists them; `with_execution` adds the 2025-11-25
    /// `execution.taskSupport` (the 2026-07-28 `Tool` has no such field).
    ///
    /// In task-tools mode a plain call of a task-only tool is served (it starts the task),
    /// so such a tool is listed as `optional`: that is what the server then does, and
    /// hosts that refuse to call `required` tools plainly (the TypeScript SDK's
    /// `callTool`) can call it. The descriptions of long tools also say how a plain call
    /// behaves, since the host's model reads them and nothing else tells it.
    pub fn list(&self, with_execution: bool, task_tools: bool) -> Vec<legacy::Tool> {
        self.entries
            .iter()
            .map(|Entry { spec, .. }| {
                let support = match spec.task_support {
                    TaskSupport::Required if task_tools => TaskSupport::Optional,
                    other => other,
                };
                let description = if task_tools && spec.task_support != TaskSupport::Forbidden {
                    format!("{} {}", spec.description, BACKGROUND_NOTE)
                } else {
                    spec.description.clone()
                };
                legacy::Tool {
                    name: spec.name.clone(),
                    title: spec.title.clone(),
                    description: Some(description),
                    input_schema: spec.input_schema.clone(),
                    output_schema: spec.output_schema.clone(),
                    annotations: None,
                    execution: with_execution.then(|| ToolExecution::new(support)),
                    meta: None,
                    extra: Map::new(),
                }
            })
            .collect()
    }
}

/// The server's `instructions` for the model: in task-tools mode, how to follow a task.
pub(crate) fn instructions(task_tools: bool) -> Option<String> {
    task_tools.then(|| INSTRUCTIONS.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::protocol::legacy::CallToolResult;
    use crate::server::{ToolContext, ToolResult};

    struct Named(&'static str, TaskSupport);

    impl Tool for Named {
        fn spec(&self) -> ToolSpec {
            ToolSpec::new(self.0, "a test tool").task_support(self.1)
        }

        async fn run(&self, _: Map<String, Value>, _: ToolContext) -> ToolResult {
            Ok(CallToolResult::text(self.0))
        }
    }

    #[test]
    fn names_are_unique_and_valid() {
        let mut tools = Tools::default();
        assert_eq!(tools.add(Named("a", TaskSupport::Optional)), Ok(()));
        let again = tools.add(Named("a", TaskSupport::Forbidden));
        assert_eq!(again, Err(RegisterError::Duplicate { name: "a".into() }));
        let bad = tools.add(Named("a b", TaskSupport::Forbidden));
        assert_eq!(bad.map_err(|e| e.code()), Err("invalid_tool_name"));
        assert_eq!(tools.len(), 1);
        assert_eq!(tools.get("a").map(|e| e.spec.task_support), Some(TaskSupport::Optional));
        assert!(tools.get("b").is_none());
    }

    #[test]
    fn the_list_keeps_order_and_adapts_to_task_tools_mode() {
        let mut tools = Tools::default();
        for (name, support) in [
            ("z", TaskSupport::Required),
            ("a", TaskSupport::Forbidden),
            ("m", TaskSupport::Optional),
        ] {
            assert_eq!(tools.add(Named(name, support)), Ok(()));
        }
        let names: Vec<String> = tools.list(false, false).into_iter().map(|t| t.name).collect();
        assert_eq!(names, ["z", "a", "m"]);
        assert!(tools.list(false, false).iter().all(|t| t.execution.is_none()));
        let plain = tools.list(true, false);
        assert_eq!(plain[0].task_support(), TaskSupport::Required);
        let mode = tools.list(true, true);
        assert_eq!(mode[0].task_support(), TaskSupport::Optional);
        assert!(mode[0].description.as_deref().unwrap_or("").contains("get_task_status"));
        assert_eq!(mode[1].description.as_deref(), Some("a test tool"));
    }
}
