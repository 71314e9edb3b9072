//! What a running tool sees ([`ToolContext`]): status messages, progress, questions for
//! the requestor, cancellation, and sleeping that notices it. A plain call (no task) gets
//! the same interface with status and progress dropped and no way to ask.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use super::notes::Progress;
use super::state::StoreBackend;
use crate::id::{RandomIds, TaskId};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::receiver::http::{ReportError, ToolReport, WorkId};
use crate::receiver::{Caller, Work};
use crate::store::StoreError;
use crate::task::{Generation, InputAnswer, InputAnswers, InputRequest};
use crate::time::UnixMillis;

/// How a tool run ended other than with a `CallToolResult`.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ToolError {
    /// The call fails with this JSON-RPC error (a task ends `failed` with it).
    #[error("JSON-RPC error {}: {}", .0.code.0, .0.message)]
    Rpc(ErrorObject),
    /// The task was cancelled (or ended otherwise) while the tool waited, and the tool
    /// gave up; the task ends `cancelled`.
    #[error("the task was cancelled")]
    Cancelled,
    /// The requestor answered an input request with a JSON-RPC error instead of a result
    /// (2025-11-25 only). Returned from a run, the task completes with an `isError` result
    /// that says so, since the protocol exchange itself went fine.
    #[error("the client could not answer the input request: {} ({})", .0.message, .0.code.0)]
    InputRefused(ErrorObject),
    /// A plain call asked for input: only a task can.
    #[error("this tool needs input and can only run as a task")]
    InputNeedsTask,
}

impl ToolError {
    /// Invalid arguments (-32602).
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::Rpc(ErrorObject::new(ErrorCode::INVALID_PARAMS, message))
    }

    /// An internal error (-32603).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Rpc(ErrorObject::new(ErrorCode::INTERNAL_ERROR, message))
    }

    /// A stable, machine-readable code for the variant.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Rpc(_) => "tool_rpc_error",
            Self::Cancelled => "tool_cancelled",
            Self::InputRefused(_) => "tool_input_refused",
            Self::InputNeedsTask => "tool_input_needs_task",
        }
    }

    /// The JSON-RPC error a plain call answers with.
    pub(crate) fn into_error_object(self) -> ErrorObject {
        match self {
            Self::Rpc(error) => error,
            Self::Cancelled => ErrorObject::new(ErrorCode::INTERNAL_ERROR, "the tool stopped"),
            other => ErrorObject::new(ErrorCode::INTERNAL_ERROR, other.to_string()),
        }
    }
}

/// How the requestor answered an elicitation.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Elicitation {
    /// Accepted, with the form's `content` (empty when none came).
    Accepted(Map<String, Value>),
    /// Explicitly declined.
    Declined,
    /// Dismissed without a choice, or an answer this server cannot read.
    Cancelled,
}

impl Elicitation {
    /// Reads an `ElicitResult`.
    pub fn from_result(result: &Map<String, Value>) -> Self {
        match result.get("action").and_then(Value::as_str) {
            Some("accept") => Self::Accepted(
                result.get("content").and_then(Value::as_object).cloned().unwrap_or_default(),
            ),
            Some("decline") => Self::Declined,
            _ => Self::Cancelled,
        }
    }

    /// The accepted content, if accepted.
    pub fn accepted(&self) -> Option<&Map<String, Value>> {
        match self {
            Self::Accepted(content) => Some(content),
            Self::Declined | Self::Cancelled => None,
        }
    }
}

/// What a tool run needs from the server it runs in. The server's shared state implements
/// it (`host.rs`), so that this module, and every tool, knows nothing of that state.
pub(crate) trait Host: Send + Sync + 'static {
    /// Runs `f` on task `id`'s work handle with the time now, under the server's lock,
    /// then acts on the events it queued.
    fn with_work(
        &self,
        id: &TaskId,
        f: &mut dyn FnMut(&mut Work<'_, StoreBackend, RandomIds>, UnixMillis),
    );

    /// Passes what `work` says to the endpoint; for a question, its key.
    fn report(&self, work: &WorkId, report: ToolReport) -> Result<Option<String>, ReportError>;

    /// The answers `work`'s questions received so far (taken: each comes once).
    fn take_answers(&self, work: &WorkId) -> Result<InputAnswers, ReportError>;

    /// Notes task `id`'s latest progress and reports it (`report` is a
    /// [`ToolReport::Progress`]).
    fn progress(&self, id: &TaskId, note: Progress, report: ToolReport);

    /// The server itself, for the reference server's own tools.
    fn as_any(&self) -> &dyn Any;
}

/// A task's side of a tool run.
struct TaskRun {
    id: TaskId,
    wake: watch::Receiver<u64>,
}

/// What a running tool can do: report status and progress, ask the requestor, see
/// cancellation. Handed to [`Tool::run`](super::Tool::run), once per call.
pub struct ToolContext {
    host: Arc<dyn Host>,
    caller: Caller,
    task: Option<TaskRun>,
}

impl fmt::Debug for ToolContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ToolContext")
            .field("caller", &self.caller)
            .field("task", &self.task_id())
            .finish_non_exhaustive()
    }
}

impl ToolContext {
    /// A plain (non-task) call.
    pub(crate) fn plain(host: Arc<dyn Host>, caller: Caller) -> Self {
        Self { host, caller, task: None }
    }

    /// The work of task `id`, woken through `wake` on answers, cancel requests and
    /// removal.
    pub(crate) fn task(
        host: Arc<dyn Host>,
        caller: Caller,
        id: TaskId,
        wake: watch::Receiver<u64>,
    ) -> Self {
        Self { host, caller, task: Some(TaskRun { id, wake }) }
    }

    /// What the task's reports name.
    fn work(&self) -> Option<WorkId> {
        self.task.as_ref().map(|t| WorkId::Task(t.id.clone()))
    }

    /// The task this run is the work of; `None` for a plain call.
    pub fn task_id(&self) -> Option<&TaskId> {
        self.task.as_ref().map(|t| &t.id)
    }

    /// The wire generation of the call.
    pub fn generation(&self) -> Generation {
        self.caller.generation
    }

    /// Who called, for the reference server's own tools.
    pub(crate) fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The server the tool runs in, for the reference server's own tools.
    pub(crate) fn host(&self) -> &dyn Host {
        &*self.host
    }

    /// Runs `f` on the task's work handle under the server's lock; `None` for a plain call.
    fn with_work<R>(
        &self,
        f: impl FnOnce(&mut Work<'_, StoreBackend, RandomIds>, UnixMillis) -> R,
    ) -> Option<R> {
        let task = self.task.as_ref()?;
        let (mut f, mut out) = (Some(f), None);
        self.host.with_work(&task.id, &mut |work, now| {
            if let Some(f) = f.take() {
                out = Some(f(work, now));
            }
        });
        out
    }

    /// Whether the task was asked to stop or already ended (never, for a plain call).
    pub fn is_cancelled(&self) -> bool {
        self.with_work(|w, now| w.should_stop(now)).unwrap_or(false)
    }

    /// Waits until the task is asked to stop (forever, for a plain call): for
    /// `tokio::select!` against the tool's own work.
    pub async fn cancelled(&mut self) {
        loop {
            if self.is_cancelled() {
                return;
            }
            let Some(task) = self.task.as_mut() else {
                return std::future::pending().await;
            };
            if task.wake.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }

    /// Sleeps for `d`, giving up early with [`ToolError::Cancelled`] when the task is
    /// asked to stop.
    pub async fn sleep(&mut self, d: Duration) -> Result<(), ToolError> {
        let deadline = Instant::now() + d;
        loop {
            if self.is_cancelled() {
                return Err(ToolError::Cancelled);
            }
            let Some(task) = self.task.as_mut() else {
                sleep_until(deadline).await;
                return Ok(());
            };
            tokio::select! {
                () = sleep_until(deadline) => return Ok(()),
                changed = task.wake.changed() => {
                    if changed.is_err() {
                        sleep_until(deadline).await;
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Sets the task's `statusMessage` (dropped for a plain call).
    pub fn status(&self, message: &str) {
        if let Some(work) = self.work() {
            // Refused once the task ended; there is nobody left to tell.
            let _ = self.host.report(&work, ToolReport::Status(message.to_owned()));
        }
    }

    /// Reports how far the task got: `progress` so far, out of `total` when known. The
    /// control tools show it, and a 2025-11-25 task that was called with a progress token
    /// sends `notifications/progress` (the extension carries no progress for tasks: say
    /// it in [`status`](Self::status) too for those callers). Dropped for a plain call.
    pub fn progress(&self, progress: u64, total: Option<u64>, message: Option<&str>) {
        let Some(task) = self.task.as_ref() else {
            return;
        };
        let note = Progress { progress, total: total.filter(|t| *t > 0) };
        // Sent as `notifications/progress` by the endpoint when the call has a progress
        // token and a 2025-11-25 session reads about the task.
        #[allow(clippy::cast_precision_loss)]
        let report = ToolReport::Progress {
            progress: progress as f64,
            total: total.map(|t| t as f64),
            message: message.map(str::to_owned),
        };
        self.host.progress(&task.id, note, report);
    }

    /// Asks the requestor (`elicitation/create`, `sampling/createMessage`, `roots/list`)
    /// and waits for the answer: a server→client request under 2025-11-25, an
    /// `inputRequests` entry under the extension. The task is `input_required` meanwhile.
    pub async fn ask(&mut self, request: InputRequest) -> Result<Map<String, Value>, ToolError> {
        let mut answers = self.ask_all(vec![request]).await?;
        answers.pop().ok_or(ToolError::Cancelled)
    }

    /// Asks a form question (`elicitation/create` in form mode) and waits for the answer.
    pub async fn elicit(
        &mut self,
        message: &str,
        requested_schema: Value,
    ) -> Result<Elicitation, ToolError> {
        let params = json!({"mode": "form", "message": message,
            "requestedSchema": requested_schema});
        let request = InputRequest { method: "elicitation/create".into(), params: as_map(params) };
        Ok(Elicitation::from_result(&self.ask(request).await?))
    }

    /// Asks the requestor's model (`sampling/createMessage` with `params`) and waits for
    /// its `CreateMessageResult`.
    pub async fn create_message(
        &mut self,
        params: Map<String, Value>,
    ) -> Result<Map<String, Value>, ToolError> {
        self.ask(InputRequest { method: "sampling/createMessage".into(), params }).await
    }

    /// Asks several questions at once (all pending together) and waits until every one
    /// is answered; the answers come back in the order asked.
    pub async fn ask_all(
        &mut self,
        requests: Vec<InputRequest>,
    ) -> Result<Vec<Map<String, Value>>, ToolError> {
        let Some(work) = self.work() else {
            return Err(ToolError::InputNeedsTask);
        };
        let mut keys = Vec::with_capacity(requests.len());
        for request in requests {
            match self.host.report(&work, ToolReport::Ask(request)) {
                Ok(Some(key)) => keys.push(key),
                // Too large to store: the run fails saying so rather than as a cancel.
                Err(ReportError::Store(refused @ StoreError::LimitExceeded { .. })) => {
                    return Err(ToolError::Rpc(refused.to_error_object()));
                }
                // The task ended, or the endpoint no longer runs it.
                Ok(None) | Err(_) => return Err(ToolError::Cancelled),
            }
        }
        // Answers arrive in any order and are taken from the store all at once, so the
        // ones not complete yet are kept here until the set is whole.
        let mut got: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
        loop {
            if let Ok(taken) = self.host.take_answers(&work) {
                for (key, answer) in taken {
                    match answer {
                        InputAnswer::Response(response) => {
                            got.insert(key, response);
                        }
                        // The requestor could not answer: the tool cannot go on.
                        InputAnswer::Error(error) => return Err(ToolError::InputRefused(error)),
                    }
                }
            }
            if keys.iter().all(|k| got.contains_key(k)) {
                return Ok(keys.iter().filter_map(|k| got.remove(k)).collect());
            }
            if self.is_cancelled() {
                return Err(ToolError::Cancelled);
            }
            let Some(task) = self.task.as_mut() else {
                return Err(ToolError::Cancelled);
            };
            if task.wake.changed().await.is_err() {
                return Err(ToolError::Cancelled);
            }
        }
    }
}

/// The object inside `v`, or an empty one.
pub(crate) fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elicitation_answers_read_by_action() {
        let read = |v: Value| Elicitation::from_result(&as_map(v));
        let accepted = read(json!({"action": "accept", "content": {"confirm": true}}));
        assert_eq!(accepted.accepted().and_then(|c| c.get("confirm")), Some(&json!(true)));
        assert_eq!(read(json!({"action": "accept"})), Elicitation::Accepted(Map::new()));
        assert_eq!(read(json!({"action": "decline", "content": {"x": 1}})), Elicitation::Declined);
        assert_eq!(read(json!({"action": "cancel"})), Elicitation::Cancelled);
        assert_eq!(read(json!({"action": 7})), Elicitation::Cancelled);
        assert_eq!(read(json!({"action": "decline"})).accepted(), None);
    }

    #[test]
    fn plain_calls_answer_with_the_error_they_always_did() {
        let stopped = ToolError::Cancelled.into_error_object();
        assert_eq!(
            (stopped.code, stopped.message.as_str()),
            (ErrorCode::INTERNAL_ERROR, "the tool stopped")
        );
        let needs = ToolError::InputNeedsTask.into_error_object();
        assert_eq!(needs.message, "this tool needs input and can only run as a task");
        let bad = ToolError::invalid_params("n must be positive").into_error_object();
        assert_eq!(bad.code, ErrorCode::INVALID_PARAMS);
        let codes = [
            ToolError::internal("x").code(),
            ToolError::Cancelled.code(),
            ToolError::InputRefused(ErrorObject::new(ErrorCode::INTERNAL_ERROR, "x")).code(),
            ToolError::InputNeedsTask.code(),
        ];
        let distinct: std::collections::BTreeSet<_> = codes.iter().collect();
        assert_eq!(distinct.len(), codes.len());
    }
}
