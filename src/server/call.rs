//! `tools/call` for both generations: the receiver decides plain, task or refusal; plain
//! calls run inline, tasks run in the background. In task-tools mode a plain call of a
//! long tool starts a task too, and the control tools answer about tasks.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::control;
use super::ctx::{Ctx, ToolError, spawn_task};
use super::state::Shared;
use super::tools;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::receiver::{Caller, TaskSupport, ToolCallPlan};
use crate::task::TaskOptIn;

/// Answers a `tools/call`: the `CallToolResult` or `CreateTaskResult`, or an error.
/// `session` is the 2025-11-25 session (where progress goes), if any.
pub(crate) async fn tools_call(
    shared: &Arc<Shared>,
    caller: &Caller,
    params: Map<String, Value>,
    session: Option<String>,
) -> Result<Map<String, Value>, ErrorObject> {
    let Some(name) = params.get("name").and_then(Value::as_str).map(str::to_owned) else {
        return Err(ErrorObject::new(ErrorCode::INVALID_PARAMS, "tools/call needs a name"));
    };
    let task_tools = shared.config.task_tools;
    let Some(support) = tools::support_of(&name, task_tools) else {
        return Err(ErrorObject::new(ErrorCode::INVALID_PARAMS, format!("Unknown tool: {name}")));
    };
    let args = match params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(a)) => a.clone(),
        Some(_) => {
            return Err(ErrorObject::new(ErrorCode::INVALID_PARAMS, "arguments must be an object"));
        }
    };
    let args = if caller.generation.policy().multi_round_calls && caller.declares_extension {
        let responses = params.get("inputResponses").and_then(Value::as_object);
        match tools::pre_task_input(&name, responses, args) {
            Ok(args) => args,
            // A multi-round call: ask first; the task is created on the round that brings
            // the answers.
            Err(input_requests) => {
                let mut reply = Map::new();
                reply.insert("resultType".into(), Value::String("input_required".into()));
                reply.insert("inputRequests".into(), Value::Object(input_requests));
                return Ok(reply);
            }
        }
    } else {
        args
    };
    if task_tools && support != TaskSupport::Forbidden && !asks_for_task(caller, &params) {
        // A host that does not speak tasks: start one for it and hand it the task's name.
        return control::start(shared, caller, &name, args);
    }
    let plan = {
        let mut st = shared.lock();
        let plan = st.receiver.accept_tool_call(caller, support, &params, shared.now());
        // Noted under the lock that created the task, so that no removal slips between.
        if let ToolCallPlan::Task { task_id, .. } = &plan {
            st.notes.started(task_id, &name);
        }
        st.drain_events();
        plan
    };
    match plan {
        ToolCallPlan::Plain if task_tools && control::is_control(&name) => {
            Ok(control::call(shared, caller, &name, &args))
        }
        ToolCallPlan::Plain => {
            let mut ctx = Ctx::plain(shared.clone());
            match tools::run(&name, args, &mut ctx).await {
                Ok(result) => Ok(result),
                Err(ToolError::Rpc(e)) => Err(e),
                Err(ToolError::Stopped | ToolError::Refused(_)) => {
                    Err(ErrorObject::new(ErrorCode::INTERNAL_ERROR, "the tool stopped"))
                }
            }
        }
        ToolCallPlan::Task { task_id, reply, progress_token } => {
            spawn_task(shared.clone(), task_id, name, args, progress_token, session);
            Ok(reply)
        }
        ToolCallPlan::Reject(e) => Err(e),
    }
}

/// Whether the call asks for a task in its generation's way: 2025-11-25 `params.task`, or
/// a 2026-07-28 caller that declares the tasks extension.
fn asks_for_task(caller: &Caller, params: &Map<String, Value>) -> bool {
    match caller.generation.policy().task_opt_in {
        TaskOptIn::RequestParam => params.contains_key("task"),
        TaskOptIn::DeclaredCapability => caller.declares_extension,
    }
}
