//! What a running tool sees: sleeping that notices cancellation, status messages,
//! progress, asking the requestor for input. A plain call (no task) gets the same
//! interface with status and progress dropped.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use super::notes::Progress;
use super::state::Shared;
use crate::id::{RandomIds, TaskId};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::set_related_task;
use crate::receiver::Work;
use crate::store::MemoryBackend;
use crate::task::{InputAnswer, InputRequest};
use crate::time::UnixMillis;

/// How a tool run ended other than with a `CallToolResult`.
#[derive(Debug)]
pub(crate) enum ToolError {
    /// A JSON-RPC error.
    Rpc(ErrorObject),
    /// The task was asked to stop (or ended) and the tool gave up.
    Stopped,
    /// The requestor answered an input request with a JSON-RPC error instead of a result.
    Refused(ErrorObject),
}

impl ToolError {
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::Rpc(ErrorObject::new(ErrorCode::INVALID_PARAMS, message))
    }
}

/// A task's side of a tool run.
struct TaskRun {
    id: TaskId,
    wake: watch::Receiver<u64>,
    progress_token: Option<Value>,
    /// The 2025-11-25 session, where progress goes.
    session: Option<String>,
}

/// The context a tool runs in.
pub(crate) struct Ctx {
    shared: Arc<Shared>,
    task: Option<TaskRun>,
}

impl Ctx {
    /// A plain (non-task) call.
    pub fn plain(shared: Arc<Shared>) -> Self {
        Self { shared, task: None }
    }

    /// The work of task `id`; registers its wake-up.
    pub fn task(
        shared: Arc<Shared>,
        id: TaskId,
        progress_token: Option<Value>,
        session: Option<String>,
    ) -> Self {
        let wake = shared.lock().register_work(&id);
        Self { shared, task: Some(TaskRun { id, wake, progress_token, session }) }
    }

    /// Scales a tool's configured delay.
    pub fn job_delay(&self) -> Duration {
        self.shared.config.job_delay
    }

    /// How long a demo tool takes in all.
    pub fn demo_duration(&self) -> Duration {
        self.shared.config.demo_duration
    }

    /// Runs `f` on the task's work handle under the lock, then dispatches the events.
    fn with_work<R>(
        &self,
        f: impl FnOnce(&mut Work<'_, MemoryBackend, RandomIds>, UnixMillis) -> R,
    ) -> Option<R> {
        let task = self.task.as_ref()?;
        let mut st = self.shared.lock();
        let now = st.now();
        let r = f(&mut st.receiver.work(&task.id), now);
        st.drain_events();
        Some(r)
    }

    /// Whether the task was asked to stop or already ended.
    pub fn should_stop(&self) -> bool {
        self.with_work(|w, now| w.should_stop(now)).unwrap_or(false)
    }

    /// Sleeps for `d`, giving up early when the task is asked to stop.
    pub async fn sleep(&mut self, d: Duration) -> Result<(), ToolError> {
        let deadline = Instant::now() + d;
        loop {
            if self.should_stop() {
                return Err(ToolError::Stopped);
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

    /// Sets the task's `statusMessage`.
    pub fn status(&self, text: &str) {
        let _ = self.with_work(|w, now| w.status_message(text, now));
    }

    /// Notes the task's progress for the control tools and sends `notifications/progress`
    /// with the request's token (2025-11-25 tasks only: the extension does not carry
    /// progress for tasks). A `total` of 0 means the tool does not know it.
    pub fn progress(&self, progress: u64, total: u64, message: &str) {
        let Some(task) = self.task.as_ref() else {
            return;
        };
        let note = Progress { progress, total: (total > 0).then_some(total) };
        self.shared.lock().notes.progress(&task.id, note);
        let (Some(token), Some(session)) = (&task.progress_token, &task.session) else {
            return;
        };
        let mut meta = Map::new();
        set_related_task(&mut meta, &task.id);
        let msg = json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {
            "progressToken": token, "progress": progress, "total": total, "message": message,
            "_meta": meta}});
        self.shared.lock().notify_task(session, &task.id, &msg);
    }

    /// Asks the requestor and waits for the answer.
    pub async fn ask(&mut self, request: InputRequest) -> Result<Map<String, Value>, ToolError> {
        let mut answers = self.ask_all(vec![request]).await?;
        answers.pop().ok_or(ToolError::Stopped)
    }

    /// Asks several questions at once (all pending together, as `multi_input` needs) and
    /// waits until every one is answered; the answers come back in the order asked.
    pub async fn ask_all(
        &mut self,
        requests: Vec<InputRequest>,
    ) -> Result<Vec<Map<String, Value>>, ToolError> {
        let mut keys = Vec::with_capacity(requests.len());
        for request in requests {
            match self.with_work(|w, now| w.ask(request, now)) {
                Some(Ok(key)) => keys.push(key),
                Some(Err(_)) => return Err(ToolError::Stopped),
                None => {
                    return Err(ToolError::Rpc(ErrorObject::new(
                        ErrorCode::INTERNAL_ERROR,
                        "this tool needs input and can only run as a task",
                    )));
                }
            }
        }
        // Answers arrive in any order and are taken from the store all at once, so the
        // ones not complete yet are kept here until the set is whole.
        let mut got: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
        loop {
            if let Some(Ok(taken)) = self.with_work(|w, now| w.answers(now)) {
                for (key, answer) in taken {
                    match answer {
                        InputAnswer::Response(response) => {
                            got.insert(key, response);
                        }
                        // The requestor could not answer: the tool cannot go on.
                        InputAnswer::Error(error) => return Err(ToolError::Refused(error)),
                    }
                }
            }
            if keys.iter().all(|k| got.contains_key(k)) {
                return Ok(keys.iter().filter_map(|k| got.remove(k)).collect());
            }
            if self.should_stop() {
                return Err(ToolError::Stopped);
            }
            let Some(task) = self.task.as_mut() else {
                return Err(ToolError::Stopped);
            };
            if task.wake.changed().await.is_err() {
                return Err(ToolError::Stopped);
            }
        }
    }
}

/// Runs tool `name` as the work of task `id` in the background and records how it ended.
pub(crate) fn spawn_task(
    shared: Arc<Shared>,
    id: TaskId,
    name: String,
    args: Map<String, Value>,
    progress_token: Option<Value>,
    session: Option<String>,
) {
    let mut ctx = Ctx::task(shared.clone(), id.clone(), progress_token, session);
    tokio::spawn(async move {
        let outcome = super::tools::run(&name, args, &mut ctx).await;
        let mut st = shared.lock();
        let now = st.now();
        // A report after the task ended (a cancel won) is refused by the store; that
        // is expected, and the first terminal status stays.
        let _ = {
            let mut work = st.receiver.work(&id);
            match outcome {
                Ok(result) => work.complete(result, now),
                Err(ToolError::Rpc(error)) => work.fail(error, now),
                Err(ToolError::Refused(error)) => work.complete(refused(&error), now),
                Err(ToolError::Stopped) => work.cancelled(now),
            }
        };
        st.unregister_work(&id);
        st.drain_events();
    });
}

/// The tool result of a run that needed input the requestor refused with an error: a tool
/// error (`isError`), since the protocol exchange itself went fine.
fn refused(error: &ErrorObject) -> Map<String, Value> {
    let text = format!(
        "The client could not answer the tool's input request: {} ({})",
        error.message, error.code.0
    );
    let mut result = Map::new();
    result.insert("content".into(), json!([{"type": "text", "text": text}]));
    result.insert("isError".into(), Value::Bool(true));
    result
}
