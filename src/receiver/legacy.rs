//! `tasks/*` as protocol revision 2025-11-25 defines them.

use serde_json::{Map, Value};

use crate::id::IdSource;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::{
    CancelTaskResult, GetTaskResult, ListTasksParams, ListTasksResult, TaskIdParams,
    TaskPayloadResult, WireShape, WireTask,
};
use crate::receiver::cancel::Cancelled;
use crate::receiver::{Caller, Receiver, Reply, invalid_params, method_not_found};
use crate::store::Backend;
use crate::task::{Outcome, TaskStatus};
use crate::time::UnixMillis;

pub(super) fn handle<B: Backend, I: IdSource>(
    r: &mut Receiver<B, I>,
    caller: &Caller,
    method: &str,
    params: &Map<String, Value>,
    now: UnixMillis,
) -> Reply {
    match method {
        "tasks/get" | "tasks/result" | "tasks/cancel" => {
            // The taskId param is the source of truth; any related-task `_meta` is ignored.
            let id = match TaskIdParams::from_map(params.clone()) {
                Ok(p) => p.task_id,
                Err(e) => return Reply::Error(invalid_params(&e)),
            };
            match method {
                "tasks/get" => match r.store.get(&caller.owner, &id, now) {
                    Ok(record) => Reply::Result(GetTaskResult::new(record.task()).to_map()),
                    Err(e) => Reply::Error(e.to_error_object()),
                },
                "tasks/result" => result(r, caller, &id, now),
                _ => match r.cancel(caller, &id, now) {
                    Ok(Cancelled::Now(task)) => {
                        Reply::Result(CancelTaskResult::new(&task).to_map())
                    }
                    // The reply shows the task as it is after the request.
                    Ok(Cancelled::Asked) => match r.store.get(&caller.owner, &id, now) {
                        Ok(record) => Reply::Result(CancelTaskResult::new(record.task()).to_map()),
                        Err(e) => Reply::Error(e.to_error_object()),
                    },
                    Err(e) => Reply::Error(e.to_error_object()),
                },
            }
        }
        "tasks/list" => {
            let cursor = match ListTasksParams::from_map(params.clone()) {
                Ok(p) => p.cursor,
                Err(e) => return Reply::Error(invalid_params(&e)),
            };
            match r.store.list(&caller.owner, cursor.as_deref(), now) {
                Ok(page) => Reply::Result(
                    ListTasksResult {
                        tasks: page.tasks.iter().map(WireTask::from).collect(),
                        next_cursor: page.next_cursor,
                        meta: None,
                    }
                    .to_map(),
                ),
                Err(e) => Reply::Error(e.to_error_object()),
            }
        }
        _ => Reply::Error(method_not_found(method)),
    }
}

/// `tasks/result`: exactly what the original request answered, once the task is terminal.
fn result<B: Backend, I: IdSource>(
    r: &mut Receiver<B, I>,
    caller: &Caller,
    id: &crate::id::TaskId,
    now: UnixMillis,
) -> Reply {
    let record = match r.store.get(&caller.owner, id, now) {
        Ok(record) => record,
        Err(e) => return Reply::Error(e.to_error_object()),
    };
    match (record.task().status(), record.outcome()) {
        (status, _) if !status.is_terminal() => Reply::AwaitTerminal(id.clone()),
        (_, Some(Outcome::Result(result))) => {
            Reply::Result(TaskPayloadResult::new(id, result.clone()).to_map())
        }
        (_, Some(Outcome::Error(error))) => Reply::Error(error.clone()),
        // A cancelled task has no result; the spec defines none, so say so plainly.
        (TaskStatus::Cancelled, None) => Reply::Error(ErrorObject::new(
            ErrorCode::INVALID_PARAMS,
            format!("Task {id} was cancelled and has no result"),
        )),
        (status, None) => Reply::Error(ErrorObject::new(
            ErrorCode::INTERNAL_ERROR,
            format!("Task {id} is {status} but has no stored result"),
        )),
    }
}
