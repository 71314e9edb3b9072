//! Failures whose payload a peer got wrong: a task the peer reported `failed` stays a
//! failure, with the message it gave, and the payload problem is reported beside it as a
//! protocol violation instead of replacing the outcome.

use serde_json::{Map, Value};

use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::task::TaskStatus;
use crate::time::UnixMillis;

use super::call::Followed;
use super::error::ClientError;
use super::event::{CallOutcome, Event, Failure};
use super::{CallId, Engine};

impl Engine {
    /// A task `tasks/get` already reported `failed` whose `tasks/result` payload is not a
    /// usable result (the Python SDK sends only `_meta` for a task its work failed): the
    /// failure is known, so it stays the outcome, with the status message as its error,
    /// and the payload problem is reported as a violation beside it.
    pub(super) fn failed_without_payload(
        &mut self,
        now: UnixMillis,
        id: CallId,
        task: &Followed,
        error: ClientError,
    ) {
        self.emit(Event::ProtocolViolation { call: Some(id), error });
        let message = task.status_message.clone().unwrap_or_else(|| "Task failed".to_owned());
        let error = ErrorObject::new(ErrorCode::INTERNAL_ERROR, message);
        self.finish(now, id, CallOutcome::Failed(Failure::Rpc(error)));
    }

    /// A 2026-07-28 `failed` for the call's live task with an unreadable `error` is still
    /// its failure: records it (a status change); false when it is not the call's news.
    pub(super) fn accept_failure(&mut self, id: CallId, failure: ReportedFailure) -> bool {
        let Some(task) = self.calls.get_mut(&id).and_then(|c| c.task.as_mut()) else {
            return false;
        };
        if failure.task_id != task.task_id.as_str() || task.status.is_terminal() {
            return false;
        }
        task.status = TaskStatus::Failed;
        if let Some(message) = failure.message {
            task.status_message = Some(message);
        }
        let status_message = task.status_message.clone();
        self.emit(Event::StatusChanged { call: id, status: TaskStatus::Failed, status_message });
        true
    }
}

/// What a 2026-07-28 `tasks/get` says of a failed task whose payload did not decode.
pub(super) struct ReportedFailure {
    task_id: String,
    /// The error's message when it is a string, else the status message.
    message: Option<String>,
}

impl ReportedFailure {
    pub(super) fn read(result: &Map<String, Value>) -> Option<Self> {
        if result.get("status").and_then(Value::as_str) != Some("failed") {
            return None;
        }
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let message = text(result.get("error").and_then(|e| e.get("message")))
            .or_else(|| text(result.get("statusMessage")));
        Some(Self { task_id: text(result.get("taskId"))?, message })
    }
}
