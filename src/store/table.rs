//! The synchronous task table: the async logic run over a synchronous [`Backend`].

use std::cell::Ref;

use crate::id::{IdSource, RandomIds, TaskId};
use crate::store::asynchronous::run_ready;
use crate::store::{
    AsyncTaskStore, Backend, Blocking, MemoryBackend, Owner, Removed, StoreConfig, StoreError,
    StoredTask,
};
use crate::task::{
    Generation, InputAnswers, InputRequest, MessageUpdate, Outcome, Task, TaskStatus, Transition,
};
use crate::time::UnixMillis;

/// One page of `tasks/list`.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// The caller's tasks, oldest first.
    pub tasks: Vec<Task>,
    /// Where the next page starts, when there is one.
    pub next_cursor: Option<String>,
}

/// How a piece of work ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Finish {
    /// `completed`, with the result of the original request.
    Completed(serde_json::Map<String, serde_json::Value>),
    /// `failed`, with a result (2025-11-25 `isError` tool results) or a JSON-RPC error.
    Failed(Outcome),
    /// `cancelled`, without a result.
    Cancelled,
    /// A tool's result: `completed`, or whatever the task's generation makes of
    /// `isError: true` (`failed` under 2025-11-25, `completed` under the extension).
    ToolResult(serde_json::Map<String, serde_json::Value>),
}

/// What a cooperative `request_cancel` did.
#[derive(Clone, Debug, PartialEq)]
pub struct CancelRequest {
    /// The task as it is (a cooperative cancel does not change its status).
    pub task: Task,
    /// Whether this request flagged a live task that was not flagged before, so the work
    /// has to be told; repeats and terminal tasks give `false`.
    pub newly_requested: bool,
}

/// What `answer_input` did with a set of responses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Answered {
    /// Keys that matched an outstanding request and were recorded.
    pub accepted: Vec<String>,
    /// Keys that were unknown, already answered or superseded, and were ignored.
    pub ignored: Vec<String>,
    /// Whether the last outstanding request was answered, moving the task to `working`.
    pub resumed: bool,
}

/// The receiver-side task table: ids, owners, TTL, cursors, limits and the state machine,
/// over a dumb [`Backend`].
///
/// Methods taking an [`Owner`] are the requestor's operations and answer "not found" for
/// anyone else's task. Methods without one are the work's own reports, addressed by the
/// id it was handed at creation. Each call finishes before it returns; the logic is that
/// of [`AsyncTaskStore`], whose every future is ready at once over a synchronous backend.
#[derive(Debug)]
pub struct TaskStore<B = MemoryBackend, I = RandomIds> {
    inner: AsyncTaskStore<Blocking<B>, I>,
}

impl TaskStore {
    /// An in-memory store with random ids and the default limits.
    pub fn in_memory() -> Self {
        Self::new(MemoryBackend::new(), RandomIds, StoreConfig::default())
    }
}

impl<B: Backend, I: IdSource> TaskStore<B, I> {
    /// A store over `backend`, minting ids from `ids`.
    pub fn new(backend: B, ids: I, config: StoreConfig) -> Self {
        Self { inner: AsyncTaskStore::new(Blocking::new(backend), ids, config) }
    }

    /// Starts logging the tasks the store deletes on its own (expired, or removed with
    /// their owner) for [`take_removals`](Self::take_removals). Off by default so that a
    /// store nobody drains does not grow a log.
    pub fn log_removals(&mut self) {
        self.inner.log_removals();
    }

    /// The tasks deleted since the last call, oldest first (empty unless
    /// [`log_removals`](Self::log_removals) was called).
    pub fn take_removals(&mut self) -> Vec<Removed> {
        self.inner.take_removals()
    }

    /// The limits in force.
    pub fn config(&self) -> &StoreConfig {
        self.inner.config()
    }

    /// The backend, for inspection.
    pub fn backend(&self) -> Ref<'_, B> {
        self.inner.backend().get_ref()
    }

    /// Creates a `working` task for `owner` in `generation`'s wire format, with the
    /// requested TTL clamped to the limits.
    pub fn create(
        &mut self,
        owner: &Owner,
        generation: Generation,
        requested_ttl_ms: Option<u64>,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        run_ready(self.inner.create(owner, generation, requested_ttl_ms, now))
    }

    /// The task `id` as `owner` may see it.
    pub fn get(
        &mut self,
        owner: &Owner,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<StoredTask, StoreError> {
        run_ready(self.inner.get(owner, id, now))
    }

    /// The task `id` whoever owns it: for the work and the receiver's own bookkeeping,
    /// never for answering a requestor.
    pub fn peek(&mut self, id: &TaskId, now: UnixMillis) -> Result<StoredTask, StoreError> {
        run_ready(self.inner.peek(id, now))
    }

    /// One page of `owner`'s tasks, oldest first, resuming after `cursor`.
    pub fn list(
        &mut self,
        owner: &Owner,
        cursor: Option<&str>,
        now: UnixMillis,
    ) -> Result<Page, StoreError> {
        run_ready(self.inner.list(owner, cursor, now))
    }

    /// Moves a live task to `working` or `input_required`, or updates its message.
    pub fn set_status(
        &mut self,
        id: &TaskId,
        to: TaskStatus,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Transition, StoreError> {
        run_ready(self.inner.set_status(id, to, message, now))
    }

    /// Changes a live task's `statusMessage` (and `lastUpdatedAt`), keeping its status.
    pub fn set_message(
        &mut self,
        id: &TaskId,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Transition, StoreError> {
        run_ready(self.inner.set_message(id, message, now))
    }

    /// Ends the task, storing its outcome in the same write as the terminal transition.
    pub fn finish(
        &mut self,
        id: &TaskId,
        finish: Finish,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        run_ready(self.inner.finish(id, finish, message, now))
    }

    /// The requestor's `tasks/cancel`, synchronous form: the task is `cancelled` when
    /// this returns. A terminal task gives [`StoreError::AlreadyTerminal`].
    pub fn cancel(
        &mut self,
        owner: &Owner,
        id: &TaskId,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        run_ready(self.inner.cancel(owner, id, message, now))
    }

    /// The requestor's `tasks/cancel`, cooperative form: flags the task so the work can
    /// stop and end it. Terminal tasks are left as they are.
    pub fn request_cancel(
        &mut self,
        owner: &Owner,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<CancelRequest, StoreError> {
        run_ready(self.inner.request_cancel(owner, id, now))
    }

    /// Queues an input request for the requestor and moves the task to
    /// `input_required`. Returns the request's key, unique over the task's life.
    pub fn request_input(
        &mut self,
        id: &TaskId,
        request: InputRequest,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<String, StoreError> {
        run_ready(self.inner.request_input(id, request, message, now))
    }

    /// Records the requestor's answers. Unknown or already answered keys are ignored, as
    /// the spec asks; when nothing is outstanding any more the task goes back to `working`.
    pub fn answer_input(
        &mut self,
        owner: &Owner,
        id: &TaskId,
        answers: InputAnswers,
        now: UnixMillis,
    ) -> Result<Answered, StoreError> {
        run_ready(self.inner.answer_input(owner, id, answers, now))
    }

    /// Hands the work every answer received so far, removing them from the record.
    pub fn take_input_answers(
        &mut self,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<InputAnswers, StoreError> {
        run_ready(self.inner.take_input_answers(id, now))
    }

    /// Deletes every task whose TTL ran out by `now`, looking at most at `max` of them,
    /// and returns how many this store deleted (one that other writers kept changing is
    /// left for the next sweep). The cost follows the number expired, not the table size.
    pub fn sweep(&mut self, now: UnixMillis, max: usize) -> Result<usize, StoreError> {
        run_ready(self.inner.sweep(now, max))
    }

    /// Deletes every task of `owner`, whatever its status, and returns how many went: for
    /// an owner that can never call again (an ended session). The cost follows the
    /// owner's tasks, not the table. After an error some may be gone; call again.
    pub fn remove_owner(&mut self, owner: &Owner) -> Result<usize, StoreError> {
        run_ready(self.inner.remove_owner(owner))
    }
}
