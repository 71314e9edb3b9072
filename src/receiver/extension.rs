//! `tasks/*` as the `io.modelcontextprotocol/tasks` extension defines them.

use serde_json::{Map, Value};

use crate::id::IdSource;
use crate::protocol::extension::{
    AckResult, DetailedTask, GetTaskResult, RESULT_TYPE, ResultType, TaskIdParams, UpdateTaskParams,
};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::receiver::{Caller, Receiver, Reply, invalid_params, method_not_found};
use crate::store::Backend;
use crate::task::{InputAnswer, Outcome, Payload, TaskStatus, TaskView};
use crate::time::UnixMillis;

pub(super) fn handle<B: Backend, I: IdSource>(
    r: &mut Receiver<B, I>,
    caller: &Caller,
    method: &str,
    params: &Map<String, Value>,
    now: UnixMillis,
) -> Reply {
    match method {
        "tasks/get" => {
            let id = match TaskIdParams::from_map(params) {
                Ok(p) => p.task_id,
                Err(e) => return Reply::Error(invalid_params(&e)),
            };
            match r.store.get(&caller.owner, &id, now) {
                Ok(record) => match detailed_task(record.view()) {
                    Ok(task) => Reply::Result(GetTaskResult::new(task).to_map()),
                    Err(e) => {
                        Reply::Error(ErrorObject::new(ErrorCode::INTERNAL_ERROR, e.to_string()))
                    }
                },
                Err(e) => Reply::Error(e.to_error_object()),
            }
        }
        "tasks/update" => {
            let p = match UpdateTaskParams::from_map(params) {
                Ok(p) => p,
                Err(e) => return Reply::Error(invalid_params(&e)),
            };
            let answers =
                p.input_responses.into_iter().map(|(k, v)| (k, InputAnswer::Response(v))).collect();
            match r.answer(caller, &p.task_id, answers, now) {
                Ok(_) => Reply::Result(AckResult::new().to_map()),
                Err(e) => Reply::Error(e.to_error_object()),
            }
        }
        "tasks/cancel" => {
            let id = match TaskIdParams::from_map(params) {
                Ok(p) => p.task_id,
                Err(e) => return Reply::Error(invalid_params(&e)),
            };
            match r.cancel(caller, &id, now) {
                Ok(_) => Reply::Result(AckResult::new().to_map()),
                Err(e) => Reply::Error(e.to_error_object()),
            }
        }
        _ => Reply::Error(method_not_found(method)),
    }
}

/// A task as the extension shows it (`tasks/get`, `notifications/tasks`). A task created
/// under 2025-11-25 that failed with an `isError` tool result has no JSON-RPC error to
/// show; the extension's `failed` requires one, so the tool result travels as the error's
/// `data`. A completed task's inline `result` is a `CallToolResult` like any other
/// 2026-07-28 result, so it says `resultType: "complete"` (requesters validate it with the
/// same schema as a plain `tools/call` answer); the stored result stays as the tool made it,
/// for 2025-11-25 `tasks/result`.
pub fn detailed_task(view: TaskView) -> Result<DetailedTask, crate::protocol::WireError> {
    let view = match view {
        TaskView { task, payload: Payload::Outcome(Outcome::Result(mut result)) }
            if task.status() == TaskStatus::Completed =>
        {
            result.entry(RESULT_TYPE).or_insert_with(|| Value::from(ResultType::Complete.as_str()));
            TaskView { task, payload: Payload::Outcome(Outcome::Result(result)) }
        }
        TaskView { task, payload: Payload::Outcome(Outcome::Result(result)) }
            if task.status() == TaskStatus::Failed =>
        {
            let message = task.status_message.clone().unwrap_or_else(|| "Tool call failed".into());
            let error = ErrorObject::new(ErrorCode::INTERNAL_ERROR, message)
                .with_data(Value::Object(result));
            TaskView { task, payload: Payload::Outcome(Outcome::Error(error)) }
        }
        other => other,
    };
    DetailedTask::try_from(&view)
}
