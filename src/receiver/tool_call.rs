//! When a `tools/call` becomes a task.

use serde_json::{Map, Value};

use crate::id::{IdSource, TaskId};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::WireShape;
use crate::protocol::meta::PROGRESS_TOKEN;
use crate::protocol::{extension as ext, legacy};
use crate::receiver::{Caller, Receiver, invalid_params};
use crate::store::Backend;
use crate::task::{Generation, TaskOptIn};
use crate::time::UnixMillis;

pub use crate::protocol::legacy::TaskSupport;

/// What to do with a `tools/call`.
#[derive(Clone, Debug, PartialEq)]
pub enum ToolCallPlan {
    /// Run the tool and answer with its result as usual.
    Plain,
    /// A task was created: answer the `tools/call` with `reply` now, and run the tool as
    /// the task's work, reporting through [`Receiver::work`].
    Task {
        /// The new task.
        task_id: TaskId,
        /// The `CreateTaskResult` in the caller's generation.
        reply: Map<String, Value>,
        /// The request's `progressToken`, valid for the task's whole life (2025-11-25).
        progress_token: Option<Value>,
    },
    /// Refuse the call with this error.
    Reject(ErrorObject),
}

impl<B: Backend, I: IdSource> Receiver<B, I> {
    /// Decides whether a `tools/call` for a tool with `support` runs as a task.
    ///
    /// 2025-11-25: the caller asks with `params.task`; a forbidden tool refuses it and a
    /// required tool refuses calls without it (-32601). Extension: the server decides; a
    /// declaring caller gets a task for any tool that supports one, and a caller that did
    /// not declare the extension cannot call a tool that requires one (-32021).
    pub fn accept_tool_call(
        &mut self,
        caller: &Caller,
        support: TaskSupport,
        params: &Map<String, Value>,
        now: UnixMillis,
    ) -> ToolCallPlan {
        let name = params.get("name").and_then(Value::as_str).unwrap_or("");
        let progress_token = params.get("_meta").and_then(|m| m.get(PROGRESS_TOKEN)).cloned();
        let ttl = match caller.generation.policy().task_opt_in {
            TaskOptIn::RequestParam => match params.get("task") {
                None => {
                    if support == TaskSupport::Required {
                        return ToolCallPlan::Reject(ErrorObject::new(
                            ErrorCode::METHOD_NOT_FOUND,
                            format!(
                                "Tool '{name}' requires task augmentation (taskSupport: 'required')"
                            ),
                        ));
                    }
                    return ToolCallPlan::Plain;
                }
                Some(meta) => {
                    if support == TaskSupport::Forbidden {
                        return ToolCallPlan::Reject(ErrorObject::new(
                            ErrorCode::METHOD_NOT_FOUND,
                            format!("Tool '{name}' does not support task augmentation"),
                        ));
                    }
                    match legacy::TaskMetadata::from_value(meta.clone()) {
                        Ok(meta) => meta.ttl,
                        Err(e) => return ToolCallPlan::Reject(invalid_params(&e)),
                    }
                }
            },
            TaskOptIn::DeclaredCapability => {
                if support == TaskSupport::Forbidden {
                    return ToolCallPlan::Plain;
                }
                if !caller.declares_extension {
                    if support == TaskSupport::Required {
                        return ToolCallPlan::Reject(
                            ext::MissingClientCapability::tasks_extension().to_error(),
                        );
                    }
                    return ToolCallPlan::Plain;
                }
                // There is no requested TTL: the store's default applies.
                None
            }
        };
        let task = match self.store.create(&caller.owner, caller.generation, ttl, now) {
            Ok(task) => task,
            Err(e) => return ToolCallPlan::Reject(e.to_error_object()),
        };
        // Only picks the wire type of the reply.
        let reply = match caller.generation {
            Generation::Legacy => legacy::CreateTaskResult::new(&task).to_map(),
            Generation::Extension => ext::CreateTaskResult::new(ext::Task::from(&task)).to_map(),
        };
        ToolCallPlan::Task { task_id: task.task_id, reply, progress_token }
    }
}
