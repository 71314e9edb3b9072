//! `tools/call` for both generations: the receiver decides plain, task or refusal; plain
//! calls run the registered tool inline, tasks run it in the background. In task-tools
//! mode a plain call of a long tool starts a task too.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::control;
use super::ctx::{ToolContext, ToolError};
use super::state::Shared;
use super::tool::{BeforeTask, DynTool, ToolResult};
use crate::id::TaskId;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::{CallToolResult, WireShape};
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
    let Some(entry) = shared.tools.get(&name) else {
        return Err(ErrorObject::new(ErrorCode::INVALID_PARAMS, format!("Unknown tool: {name}")));
    };
    let (support, tool) = (entry.spec.task_support, entry.tool.clone());
    let args = match params.get("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(a)) => a.clone(),
        Some(_) => {
            return Err(ErrorObject::new(ErrorCode::INVALID_PARAMS, "arguments must be an object"));
        }
    };
    let args = if caller.generation.policy().multi_round_calls && caller.declares_extension {
        let responses = params.get("inputResponses").and_then(Value::as_object);
        match tool.before_task_dyn(args, responses) {
            BeforeTask::Ready(args) => args,
            // A multi-round call: ask first; the task is created on the round that brings
            // the answers.
            BeforeTask::Ask(requests) => {
                let mut reply = Map::new();
                reply.insert("resultType".into(), Value::String("input_required".into()));
                reply.insert("inputRequests".into(), json!(requests));
                return Ok(reply);
            }
        }
    } else {
        args
    };
    if shared.config.task_tools
        && support != TaskSupport::Forbidden
        && !asks_for_task(caller, &params)
    {
        // A host that does not speak tasks: start one for it and hand it the task's name.
        return start(shared, caller, &name, tool, args);
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
        ToolCallPlan::Plain => {
            let ctx = ToolContext::plain(shared.clone(), caller.clone());
            match tool.run_boxed(args, ctx).await {
                Ok(result) => Ok(result.to_map()),
                Err(e) => Err(e.into_error_object()),
            }
        }
        ToolCallPlan::Task { task_id, reply, progress_token } => {
            let ctx =
                ToolContext::task(shared.clone(), caller.clone(), task_id, progress_token, session);
            spawn_task(shared.clone(), tool, args, ctx);
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

/// Starts tool `name` as a task for a caller that did not ask for one and answers with
/// the task's handle.
///
/// The task runs without a progress token: the caller sees this call answered, so its
/// token is spent and progress sent later would name a finished request.
fn start(
    shared: &Arc<Shared>,
    caller: &Caller,
    name: &str,
    tool: Arc<dyn DynTool>,
    args: Map<String, Value>,
) -> Result<Map<String, Value>, ErrorObject> {
    let task = {
        let mut st = shared.lock();
        let created =
            st.receiver.store().create(&caller.owner, caller.generation, None, shared.now());
        let task = created.map_err(|e| e.to_error_object())?;
        st.notes.started(&task.task_id, name);
        task
    };
    let ctx = ToolContext::task(shared.clone(), caller.clone(), task.task_id.clone(), None, None);
    spawn_task(shared.clone(), tool, args, ctx);
    Ok(control::started(&task, name).to_map())
}

/// Runs `tool` as the work of the task `ctx` belongs to, in the background, and records
/// how it ended.
fn spawn_task(
    shared: Arc<Shared>,
    tool: Arc<dyn DynTool>,
    args: Map<String, Value>,
    ctx: ToolContext,
) {
    let Some(id) = ctx.task_id().cloned() else {
        return;
    };
    tokio::spawn(async move {
        let outcome = tool.run_boxed(args, ctx).await;
        finish(&shared, &id, outcome);
    });
}

/// Ends task `id` as its tool run ended.
fn finish(shared: &Shared, id: &TaskId, outcome: ToolResult) {
    let mut st = shared.lock();
    let now = st.now();
    // A report after the task ended (a cancel won) is refused by the store; that is
    // expected, and the first terminal status stays.
    let _ = {
        let mut work = st.receiver.work(id);
        match outcome {
            Ok(result) => work.complete(result.to_map(), now),
            Err(ToolError::Cancelled) => work.cancelled(now),
            Err(ToolError::InputRefused(error)) => work.complete(refused(&error).to_map(), now),
            Err(other) => work.fail(other.into_error_object(), now),
        }
    };
    st.unregister_work(id);
    st.drain_events();
}

/// The tool result of a run that needed input the requestor refused with an error: a tool
/// error (`isError`), since the protocol exchange itself went fine.
fn refused(error: &ErrorObject) -> CallToolResult {
    CallToolResult::error_text(format!(
        "The client could not answer the tool's input request: {} ({})",
        error.message, error.code.0
    ))
}
