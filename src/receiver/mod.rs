//! JSON-RPC `tasks/*` handling over a [`TaskStore`], for both generations.
//!
//! The receiver turns a request (method + params + who is calling) into a reply, and the
//! work's reports into status changes. It does no IO: an HTTP server feeds it requests,
//! sends its replies, and drains [`Receiver::poll_event`] for what to push (status
//! notifications, 2025-11-25 input requests) and whom to wake (held `tasks/result` calls,
//! work asked to stop).
//!
//! Tool execution belongs to the embedder. [`Receiver::accept_tool_call`] decides whether
//! a `tools/call` becomes a task; the embedder runs the tool and reports through
//! [`Receiver::work`].

mod cancel;
mod extension;
pub mod http;
mod legacy;
mod listen;
mod tool_call;
mod work;

use std::collections::VecDeque;

use serde_json::{Map, Value};

use crate::id::{IdSource, RandomIds, TaskId};
use crate::protocol::extension::MissingClientCapability;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::store::{Backend, MemoryBackend, Owner, Removed, StoreError, StoredTask, TaskStore};
use crate::task::{Generation, InputAnswer, InputAnswers, InputRequest, TaskStatus, TaskView};
use crate::time::UnixMillis;

pub use extension::detailed_task;
pub use listen::{MAX_LISTEN_TASKS, Subscription, task_notification};
pub use tool_call::{TaskSupport, ToolCallPlan};
pub use work::Work;

/// Who sent a request, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The authorization context, or the session when there is none.
    pub owner: Owner,
    /// The wire generation of the request.
    pub generation: Generation,
    /// Whether this request's `_meta` client capabilities list the tasks extension.
    /// Ignored for 2025-11-25 requests, where the extension enables nothing.
    pub declares_extension: bool,
}

impl Caller {
    /// A 2025-11-25 caller.
    pub fn legacy(owner: Owner) -> Self {
        Self { owner, generation: Generation::Legacy, declares_extension: false }
    }

    /// A 2026-07-28 caller, declaring the tasks extension on this request or not.
    pub fn extension(owner: Owner, declares_extension: bool) -> Self {
        Self { owner, generation: Generation::Extension, declares_extension }
    }
}

/// The answer to a request.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// A JSON-RPC result.
    Result(Map<String, Value>),
    /// A JSON-RPC error.
    Error(ErrorObject),
    /// 2025-11-25 `tasks/result` on a live task: hold the response and ask again when
    /// [`Event::Terminal`] names this task.
    AwaitTerminal(TaskId),
}

/// Something the IO layer must act on.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A task's status or message changed: push `notifications/tasks/status` (2025-11-25)
    /// or `notifications/tasks` (extension) to those listening.
    Status {
        /// The task with its payload.
        view: TaskView,
        /// The generation that created it.
        generation: Generation,
        /// Whose task it is.
        owner: Owner,
    },
    /// A 2025-11-25 task asks its requestor something: send it as a server→client request
    /// with related-task `_meta`, and pass the answer to [`Receiver::deliver_answer`].
    InputRequested {
        /// The task.
        task_id: TaskId,
        /// The request's key, to hand back with the answer.
        key: String,
        /// The request.
        request: InputRequest,
        /// Whose task it is.
        owner: Owner,
    },
    /// The requestor asked to cancel: tell the work to stop.
    CancelRequested {
        /// The task.
        task_id: TaskId,
    },
    /// The task became terminal: answer the `tasks/result` calls held for it.
    Terminal {
        /// The task.
        task_id: TaskId,
        /// Whose task it is.
        owner: Owner,
    },
    /// The store deleted the task on its own (its TTL ran out, or its owner was removed):
    /// answer what waits on it (it is "not found" now) and stop its work.
    Removed(Removed),
}

/// The receiver: a task store and the rules for answering `tasks/*`.
#[derive(Debug)]
pub struct Receiver<B = MemoryBackend, I = RandomIds> {
    store: TaskStore<B, I>,
    events: VecDeque<Event>,
}

impl Receiver {
    /// A receiver over an in-memory store with random ids and default limits.
    pub fn in_memory() -> Self {
        Self::new(TaskStore::in_memory())
    }
}

impl<B: Backend, I: IdSource> Receiver<B, I> {
    /// A receiver over `store`.
    pub fn new(mut store: TaskStore<B, I>) -> Self {
        store.log_removals();
        Self { store, events: VecDeque::new() }
    }

    /// The store, for reads and maintenance such as [`TaskStore::sweep`]. What it deletes
    /// on its own comes back as [`Event::Removed`].
    pub fn store(&mut self) -> &mut TaskStore<B, I> {
        &mut self.store
    }

    /// The next thing the IO layer must act on.
    pub fn poll_event(&mut self) -> Option<Event> {
        // Removals happen inside store calls (a sweep, an expired read), so they are
        // picked up here, after whatever caused them.
        self.events.extend(self.store.take_removals().into_iter().map(Event::Removed));
        self.events.pop_front()
    }

    /// Deletes every task of an owner that can never call again (an ended session);
    /// each comes back as [`Event::Removed`]. Returns how many went.
    pub fn remove_owner(&mut self, owner: &Owner) -> Result<usize, StoreError> {
        self.store.remove_owner(owner)
    }

    /// Answers a `tasks/*` request, or returns `None` when `method` is not one.
    pub fn handle(
        &mut self,
        caller: &Caller,
        method: &str,
        params: Option<&Map<String, Value>>,
        now: UnixMillis,
    ) -> Option<Reply> {
        if !method.starts_with("tasks/") {
            return None;
        }
        let policy = caller.generation.policy();
        if !policy.serves(method) {
            return Some(Reply::Error(method_not_found(method)));
        }
        if policy.requires_declaration() && !caller.declares_extension {
            return Some(Reply::Error(MissingClientCapability::tasks_extension().to_error()));
        }
        let empty = Map::new();
        let params = params.unwrap_or(&empty);
        // Only picks the codec: the wire types that read the params and shape the reply.
        Some(match caller.generation {
            Generation::Legacy => legacy::handle(self, caller, method, params, now),
            Generation::Extension => extension::handle(self, caller, method, params, now),
        })
    }

    /// The work's handle on task `id`.
    pub fn work(&mut self, id: &TaskId) -> Work<'_, B, I> {
        Work::new(self, id.clone())
    }

    /// Passes a 2025-11-25 requestor's answer to input request `key` of task `id` on to
    /// the work: the result it sent, or the JSON-RPC error it answered with instead (an
    /// [`InputAnswer::Error`] the work sees as such). Unknown or repeated keys are
    /// ignored, as the spec asks; the return says whether this one was taken.
    ///
    /// An answer too large for the storage budgets reaches the work as an error answer
    /// naming the limit: the requestor answered a request of ours and cannot be told, and
    /// the work must not wait for an answer that was dropped.
    pub fn deliver_answer(
        &mut self,
        caller: &Caller,
        id: &TaskId,
        key: String,
        answer: impl Into<InputAnswer>,
        now: UnixMillis,
    ) -> Result<bool, StoreError> {
        let mut answers = InputAnswers::new();
        answers.insert(key.clone(), answer.into());
        let taken = match self.answer(caller, id, answers, now) {
            Err(refused @ StoreError::LimitExceeded { .. }) => {
                let mut answers = InputAnswers::new();
                answers.insert(key, InputAnswer::Error(refused.to_error_object()));
                self.answer(caller, id, answers, now)
            }
            other => other,
        };
        taken.map(|accepted| accepted > 0)
    }

    fn answer(
        &mut self,
        caller: &Caller,
        id: &TaskId,
        answers: InputAnswers,
        now: UnixMillis,
    ) -> Result<usize, StoreError> {
        let answered = self.store.answer_input(&caller.owner, id, answers, now)?;
        if answered.resumed {
            self.push_status(id, now);
        }
        Ok(answered.accepted.len())
    }

    /// Queues a status event for `id` as it is now stored.
    fn push_status(&mut self, id: &TaskId, now: UnixMillis) {
        if let Ok(record) = self.store.peek(id, now) {
            self.push_status_of(&record);
        }
    }

    /// Queues the events of a change made elsewhere (another server sharing the store)
    /// and found by reading `record`: its status for those listening, the questions of a
    /// 2025-11-25 task waiting for input (for its requestor to be asked here too; the
    /// answer may come to either server), and the answer to the `tasks/result` calls held
    /// for it once it is terminal.
    pub fn announce(&mut self, record: &StoredTask) {
        self.push_status_of(record);
        if record.generation() == Generation::Legacy
            && record.task().status() == TaskStatus::InputRequired
        {
            for (key, request) in record.input_requests() {
                self.events.push_back(Event::InputRequested {
                    task_id: record.task().task_id.clone(),
                    key: key.clone(),
                    request: request.clone(),
                    owner: record.owner().clone(),
                });
            }
        }
    }

    /// Queues a status event for a record just read, and the wake-up when it is terminal.
    fn push_status_of(&mut self, record: &StoredTask) {
        let view = record.view();
        let task_id = view.task.task_id.clone();
        let terminal = view.task.status().is_terminal();
        let (owner, generation) = (record.owner().clone(), record.generation());
        self.events.push_back(Event::Status { view, generation, owner: owner.clone() });
        if terminal {
            self.events.push_back(Event::Terminal { task_id, owner });
        }
    }
}

/// -32601 for a method the caller's generation does not have.
fn method_not_found(method: &str) -> ErrorObject {
    ErrorObject::new(ErrorCode::METHOD_NOT_FOUND, format!("Method not found: {method}"))
}

/// The JSON-RPC error for params that could not be read.
fn invalid_params(err: &crate::protocol::WireError) -> ErrorObject {
    ErrorObject::new(ErrorCode::INVALID_PARAMS, err.to_string())
}
