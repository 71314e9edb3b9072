//! The handle through which a tool's work reports on its task.

use serde_json::{Map, Value};

use crate::id::{IdSource, TaskId};
use crate::protocol::jsonrpc::ErrorObject;
use crate::receiver::{Event, Receiver};
use crate::store::{Backend, Finish, Limit, StoreError};
use crate::task::{InputAnswers, InputDelivery, InputRequest, MessageUpdate, Outcome, Task};
use crate::time::UnixMillis;

/// What the work of one task can do: say how it is going, ask the requestor for input,
/// see whether it was asked to stop, and end with a result or an error.
///
/// Every report queues the [`Event`]s the IO layer needs. Reports after the task ended
/// (for example after a cancel won the race) fail with
/// [`StoreError::AlreadyTerminal`] and change nothing: the first terminal status stays.
#[derive(Debug)]
pub struct Work<'r, B, I> {
    receiver: &'r mut Receiver<B, I>,
    id: TaskId,
}

impl<'r, B: Backend, I: IdSource> Work<'r, B, I> {
    pub(super) fn new(receiver: &'r mut Receiver<B, I>, id: TaskId) -> Self {
        Self { receiver, id }
    }

    /// The task's id.
    pub fn id(&self) -> &TaskId {
        &self.id
    }

    /// Sets the `statusMessage`, keeping the status (`input_required` goes back to
    /// `working` only when its input is answered).
    pub fn status_message(
        &mut self,
        text: impl Into<String>,
        now: UnixMillis,
    ) -> Result<(), StoreError> {
        self.receiver.store.set_message(&self.id, MessageUpdate::Set(text.into()), now)?;
        self.receiver.push_status(&self.id, now);
        Ok(())
    }

    /// Asks the requestor for input (`elicitation/create`, `sampling/createMessage`,
    /// `roots/list`). The task is `input_required` until every question is answered.
    /// Where the task's generation sends input requests as requests of their own, an
    /// [`Event::InputRequested`] says so; otherwise they travel with the task.
    /// Returns the request's key; the answer arrives in [`answers`](Self::answers).
    pub fn ask(&mut self, request: InputRequest, now: UnixMillis) -> Result<String, StoreError> {
        let key = self.receiver.store.request_input(
            &self.id,
            request.clone(),
            MessageUpdate::Keep,
            now,
        )?;
        let record = self.receiver.store.peek(&self.id, now)?;
        // Inline input requests reach the requestor with the task itself.
        if record.generation().policy().input_delivery == InputDelivery::SideChannel {
            self.receiver.events.push_back(Event::InputRequested {
                task_id: self.id.clone(),
                key: key.clone(),
                request,
                owner: record.owner().clone(),
            });
        }
        self.receiver.push_status_of(&record);
        Ok(key)
    }

    /// Takes the answers received so far, by key: each a result, or the JSON-RPC error
    /// a 2025-11-25 requestor answered with instead.
    pub fn answers(&mut self, now: UnixMillis) -> Result<InputAnswers, StoreError> {
        self.receiver.store.take_input_answers(&self.id, now)
    }

    /// Whether the requestor asked (cooperatively) to cancel, or the task already ended
    /// or is gone. A storage failure is not a reason to stop: a shared store that is
    /// briefly away (a Redis restart) would otherwise end work it could still finish.
    pub fn should_stop(&mut self, now: UnixMillis) -> bool {
        match self.receiver.store.peek(&self.id, now) {
            Ok(record) => record.cancel_requested() || record.task().status().is_terminal(),
            Err(StoreError::Backend(_)) => false,
            Err(_) => true,
        }
    }

    /// Ends the task with the tool's result. `isError: true` makes it `failed` under
    /// 2025-11-25 and `completed` under the extension, as each generation's policy says.
    /// A result the storage budgets cannot hold ends the task `failed` instead, with an
    /// error that names the limit.
    pub fn complete(
        &mut self,
        result: Map<String, Value>,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        self.finish(Finish::ToolResult(result), MessageUpdate::Keep, now)
    }

    /// Ends the task `failed` with a JSON-RPC error; its message becomes the
    /// `statusMessage`, as the spec suggests for diagnostics.
    pub fn fail(&mut self, error: ErrorObject, now: UnixMillis) -> Result<Task, StoreError> {
        let message = MessageUpdate::Set(error.message.clone());
        self.finish(Finish::Failed(Outcome::Error(error)), message, now)
    }

    /// Ends the task `cancelled`: the work stopped after a cooperative cancel.
    pub fn cancelled(&mut self, now: UnixMillis) -> Result<Task, StoreError> {
        self.finish(Finish::Cancelled, MessageUpdate::Keep, now)
    }

    fn finish(
        &mut self,
        finish: Finish,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        let task = match self.receiver.store.finish(&self.id, finish, message, now) {
            // An outcome the budgets cannot hold must not leave the task working until its
            // TTL with the result lost: it ends `failed`, saying why. Every record is
            // charged at least room for this short error, so this write fits.
            Err(StoreError::LimitExceeded { limit, max }) => {
                let error = too_large(limit, max);
                let message = MessageUpdate::Set(error.message.clone());
                let failed = Finish::Failed(Outcome::Error(error));
                self.receiver.store.finish(&self.id, failed, message, now)?
            }
            other => other?,
        };
        self.receiver.push_status(&self.id, now);
        Ok(task)
    }
}

/// The error a task ends with when its result is too large to store.
fn too_large(limit: Limit, max: u64) -> ErrorObject {
    let refused = StoreError::LimitExceeded { limit, max }.to_error_object();
    let message = format!("Result too large to store: {limit} is {max} {}", limit.unit());
    ErrorObject { message, ..refused }
}
