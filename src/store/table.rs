//! The task table logic, written once over any [`Backend`].

use crate::id::{IdSource, RandomIds, TaskId};
use crate::store::keys;
use crate::store::{
    Backend, MemoryBackend, Owner, RemovalReason, Removed, StoreConfig, StoreError, StoredTask,
};
use crate::task::{
    Generation, InputAnswers, InputRequest, InputRequests, MessageUpdate, Outcome, Task,
    TaskStatus, Transition, transition,
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
/// id it was handed at creation.
#[derive(Debug)]
pub struct TaskStore<B = MemoryBackend, I = RandomIds> {
    backend: B,
    ids: I,
    config: StoreConfig,
    /// Tasks deleted without being asked for by id, when someone drains them.
    removals: Option<Vec<Removed>>,
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
        Self { backend, ids, config, removals: None }
    }

    /// Starts logging the tasks the store deletes on its own (expired, or removed with
    /// their owner) for [`take_removals`](Self::take_removals). Off by default so that a
    /// store nobody drains does not grow a log.
    pub fn log_removals(&mut self) {
        self.removals.get_or_insert_with(Vec::new);
    }

    /// The tasks deleted since the last call, oldest first (empty unless
    /// [`log_removals`](Self::log_removals) was called).
    pub fn take_removals(&mut self) -> Vec<Removed> {
        self.removals.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The limits in force.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// The backend, for inspection.
    pub fn backend(&self) -> &B {
        &self.backend
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
        let live = keys::live_counter(owner);
        let limit = self.config.max_live_per_owner;
        if self.backend.counter_add(&live, 0)? >= i64::from(limit) {
            return Err(StoreError::OwnerLimit { limit });
        }
        let task_id = TaskId::from(self.ids.next_id()?);
        if self.backend.get(&task_id)?.is_some() {
            // An id source that repeats itself must not overwrite someone's task.
            return Err(StoreError::Entropy(crate::id::EntropyError(
                "id source returned an id already in use".into(),
            )));
        }
        let ttl = self.config.grant_ttl(requested_ttl_ms);
        let task = Task::new(task_id.clone(), now, ttl, self.config.poll_interval_ms);
        let seq = u64::try_from(self.backend.counter_add(keys::SEQ_COUNTER, 1)?).unwrap_or(0);
        let record = StoredTask {
            task: task.clone(),
            owner: owner.clone(),
            generation,
            seq,
            outcome: None,
            input_requests: InputRequests::new(),
            input_answers: InputAnswers::new(),
            next_input_key: 1,
            cancel_requested: false,
        };
        // The record goes in first: a reader that finds an index key always finds it.
        self.backend.put(record)?;
        self.backend.index_insert(keys::owner_key(owner, seq, &task_id))?;
        if let Some(at) = task.expires_at() {
            self.backend.index_insert(keys::expiry_key(at, &task_id))?;
        }
        self.backend.counter_add(&live, 1)?;
        Ok(task)
    }

    /// The task `id` as `owner` may see it.
    pub fn get(
        &mut self,
        owner: &Owner,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<StoredTask, StoreError> {
        let record = self.live_record(id, now)?;
        if &record.owner != owner {
            return Err(StoreError::NotFound { task_id: id.clone() });
        }
        Ok(record)
    }

    /// The task `id` whoever owns it: for the work and the receiver's own bookkeeping,
    /// never for answering a requestor.
    pub fn peek(&mut self, id: &TaskId, now: UnixMillis) -> Result<StoredTask, StoreError> {
        self.live_record(id, now)
    }

    /// One page of `owner`'s tasks, oldest first, resuming after `cursor`.
    pub fn list(
        &mut self,
        owner: &Owner,
        cursor: Option<&str>,
        now: UnixMillis,
    ) -> Result<Page, StoreError> {
        let prefix = keys::owner_prefix(owner);
        let mut after = match cursor {
            Some(c) => Some(keys::scan_after(&prefix, c).ok_or(StoreError::InvalidCursor)?),
            None => None,
        };
        let want = self.config.page_size.max(1);
        let mut tasks = Vec::with_capacity(want);
        let mut last_seq = None;
        // Expired tasks not yet swept are skipped, so a page may need several scans.
        loop {
            let batch = self.backend.index_scan(&prefix, after.as_deref(), want + 1)?;
            let exhausted = batch.len() <= want;
            for key in &batch {
                if tasks.len() == want {
                    let next_cursor = last_seq.map(keys::cursor_for);
                    return Ok(Page { tasks, next_cursor });
                }
                after = Some(key.clone());
                let Some((seq, id)) = keys::parse_owner_key(&prefix, key) else {
                    continue;
                };
                if let Some(record) = self.backend.get(&id)?
                    && !record.task.is_expired(now)
                {
                    tasks.push(record.task);
                    last_seq = Some(seq);
                }
            }
            if exhausted {
                return Ok(Page { tasks, next_cursor: None });
            }
        }
    }

    /// Moves a live task to `working` or `input_required`, or updates its message.
    pub fn set_status(
        &mut self,
        id: &TaskId,
        to: TaskStatus,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Transition, StoreError> {
        if to.is_terminal() {
            return Err(StoreError::WrongStatusKind { status: to });
        }
        let mut record = self.work_record(id, now)?;
        let step = transition(&mut record.task, to, message, now)?;
        self.backend.put(record)?;
        Ok(step)
    }

    /// Changes a live task's `statusMessage` (and `lastUpdatedAt`), keeping its status.
    pub fn set_message(
        &mut self,
        id: &TaskId,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Transition, StoreError> {
        let mut record = self.work_record(id, now)?;
        let status = record.task.status();
        let step = transition(&mut record.task, status, message, now)?;
        self.backend.put(record)?;
        Ok(step)
    }

    /// Ends the task, storing its outcome in the same write as the terminal transition.
    pub fn finish(
        &mut self,
        id: &TaskId,
        finish: Finish,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        let mut record = self.work_record(id, now)?;
        let (status, outcome) = match finish {
            Finish::ToolResult(result) => {
                let status = record.generation.policy().status_for_tool_result(&result);
                (status, Some(Outcome::Result(result)))
            }
            Finish::Completed(result) => (TaskStatus::Completed, Some(Outcome::Result(result))),
            Finish::Failed(outcome) => (TaskStatus::Failed, Some(outcome)),
            Finish::Cancelled => (TaskStatus::Cancelled, None),
        };
        self.end(&mut record, status, outcome, message, now)?;
        Ok(record.task)
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
        let mut record = self.get(owner, id, now)?;
        self.end(&mut record, TaskStatus::Cancelled, None, message, now)?;
        Ok(record.task)
    }

    /// The requestor's `tasks/cancel`, cooperative form: flags the task so the work can
    /// stop and end it. Terminal tasks are left as they are.
    pub fn request_cancel(
        &mut self,
        owner: &Owner,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<CancelRequest, StoreError> {
        let mut record = self.get(owner, id, now)?;
        let newly_requested = !record.task.status().is_terminal() && !record.cancel_requested;
        if newly_requested {
            record.cancel_requested = true;
            self.backend.put(record.clone())?;
        }
        Ok(CancelRequest { task: record.task, newly_requested })
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
        let mut record = self.work_record(id, now)?;
        transition(&mut record.task, TaskStatus::InputRequired, message, now)?;
        let key = format!("input-{}", record.next_input_key);
        record.next_input_key += 1;
        record.input_requests.insert(key.clone(), request);
        self.backend.put(record)?;
        Ok(key)
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
        let mut record = self.get(owner, id, now)?;
        let mut answered = Answered::default();
        for (key, answer) in answers {
            if record.task.status() == TaskStatus::InputRequired
                && record.input_requests.remove(&key).is_some()
            {
                record.input_answers.insert(key.clone(), answer);
                answered.accepted.push(key);
            } else {
                answered.ignored.push(key);
            }
        }
        if answered.accepted.is_empty() {
            return Ok(answered);
        }
        if record.input_requests.is_empty() {
            transition(&mut record.task, TaskStatus::Working, MessageUpdate::Keep, now)?;
            answered.resumed = true;
        }
        self.backend.put(record)?;
        Ok(answered)
    }

    /// Hands the work every answer received so far, removing them from the record.
    pub fn take_input_answers(
        &mut self,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<InputAnswers, StoreError> {
        let mut record = self.work_record(id, now)?;
        let taken = std::mem::take(&mut record.input_answers);
        if !taken.is_empty() {
            self.backend.put(record)?;
        }
        Ok(taken)
    }

    /// Deletes every task whose TTL ran out by `now`, at most `max` of them, and returns
    /// how many went. The cost follows the number expired, not the table size.
    pub fn sweep(&mut self, now: UnixMillis, max: usize) -> Result<usize, StoreError> {
        let mut removed = 0;
        while removed < max {
            let batch =
                self.backend.index_scan(keys::EXPIRY_PREFIX, None, (max - removed).min(256))?;
            let mut progressed = false;
            for key in &batch {
                let Some((at, id)) = keys::parse_expiry_key(key) else {
                    self.backend.index_remove(key)?;
                    continue;
                };
                if at > now {
                    return Ok(removed);
                }
                if let Some(record) = self.backend.get(&id)? {
                    self.purge(&record, RemovalReason::Expired)?;
                } else {
                    self.backend.index_remove(key)?;
                }
                removed += 1;
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
        Ok(removed)
    }

    fn end(
        &mut self,
        record: &mut StoredTask,
        status: TaskStatus,
        outcome: Option<Outcome>,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        let from = record.task.status();
        if from.is_terminal() {
            return Err(StoreError::AlreadyTerminal {
                task_id: record.task.task_id.clone(),
                status: from,
            });
        }
        transition(&mut record.task, status, message, now)?;
        record.outcome = outcome;
        record.input_requests.clear();
        record.cancel_requested = false;
        self.backend.put(record.clone())?;
        self.backend.counter_add(&keys::live_counter(&record.owner), -1)?;
        Ok(())
    }

    /// The record, unless absent or expired (an expired one is purged on the way).
    fn live_record(&mut self, id: &TaskId, now: UnixMillis) -> Result<StoredTask, StoreError> {
        let Some(record) = self.backend.get(id)? else {
            return Err(StoreError::NotFound { task_id: id.clone() });
        };
        if record.task.is_expired(now) {
            self.purge(&record, RemovalReason::Expired)?;
            return Err(StoreError::NotFound { task_id: id.clone() });
        }
        Ok(record)
    }

    /// The record for the work's own reports: it must exist and still be live.
    fn work_record(&mut self, id: &TaskId, now: UnixMillis) -> Result<StoredTask, StoreError> {
        let record = self.live_record(id, now)?;
        let status = record.task.status();
        if status.is_terminal() {
            return Err(StoreError::AlreadyTerminal { task_id: id.clone(), status });
        }
        Ok(record)
    }

    /// Deletes every task of `owner`, whatever its status, and returns how many went: for
    /// an owner that can never call again (an ended session). The cost follows the
    /// owner's tasks, not the table.
    pub fn remove_owner(&mut self, owner: &Owner) -> Result<usize, StoreError> {
        let prefix = keys::owner_prefix(owner);
        let mut removed = 0;
        let mut after: Option<String> = None;
        loop {
            let batch = self.backend.index_scan(&prefix, after.as_deref(), 256)?;
            let Some(last) = batch.last().cloned() else {
                return Ok(removed);
            };
            for key in &batch {
                let record = match keys::parse_owner_key(&prefix, key) {
                    Some((_, id)) => self.backend.get(&id)?,
                    None => None,
                };
                match record {
                    Some(record) => {
                        self.purge(&record, RemovalReason::OwnerRemoved)?;
                        removed += 1;
                    }
                    // A stale index key: nothing to report, but do not keep it.
                    None => self.backend.index_remove(key)?,
                }
            }
            after = Some(last);
        }
    }

    fn purge(&mut self, record: &StoredTask, reason: RemovalReason) -> Result<(), StoreError> {
        let id = &record.task.task_id;
        self.backend.remove(id)?;
        self.backend.index_remove(&keys::owner_key(&record.owner, record.seq, id))?;
        if let Some(at) = record.task.expires_at() {
            self.backend.index_remove(&keys::expiry_key(at, id))?;
        }
        if !record.task.status().is_terminal() {
            self.backend.counter_add(&keys::live_counter(&record.owner), -1)?;
        }
        if let Some(log) = self.removals.as_mut() {
            log.push(Removed {
                task_id: id.clone(),
                owner: record.owner.clone(),
                generation: record.generation,
                status: record.task.status(),
                reason,
            });
        }
        Ok(())
    }
}
