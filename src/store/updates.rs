//! The read-modify-write operations of the task table: each one an edit of a single
//! record, re-applied to the fresh record when another writer got there first.

use crate::id::{IdSource, TaskId};
use crate::store::engine::{Access, Edit};
use crate::store::table::{Answered, CancelRequest, Finish};
use crate::store::{AsyncBackend, AsyncTaskStore, Limit, Owner, StoreError, StoredTask, budget};
use crate::task::{
    InputAnswers, InputRequest, MessageUpdate, Outcome, Task, TaskStatus, Transition, transition,
};
use crate::time::UnixMillis;

impl<B: AsyncBackend, I: IdSource> AsyncTaskStore<B, I> {
    /// Moves a live task to `working` or `input_required`, or updates its message.
    pub async fn set_status(
        &self,
        id: &TaskId,
        to: TaskStatus,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Transition, StoreError> {
        if to.is_terminal() {
            return Err(StoreError::WrongStatusKind { status: to });
        }
        let edit = |r: &mut StoredTask| {
            Ok(Edit::Write(transition(&mut r.task, to, message.clone(), now)?))
        };
        Ok(self.modify(id, Access::Work, now, edit).await?.1)
    }

    /// Changes a live task's `statusMessage` (and `lastUpdatedAt`), keeping its status.
    pub async fn set_message(
        &self,
        id: &TaskId,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Transition, StoreError> {
        let edit = |r: &mut StoredTask| {
            let status = r.task.status();
            Ok(Edit::Write(transition(&mut r.task, status, message.clone(), now)?))
        };
        Ok(self.modify(id, Access::Work, now, edit).await?.1)
    }

    /// Ends the task, storing its outcome in the same write as the terminal transition.
    /// Of several racing terminal transitions exactly one wins; the others get
    /// [`StoreError::AlreadyTerminal`].
    pub async fn finish(
        &self,
        id: &TaskId,
        finish: Finish,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        let edit = |r: &mut StoredTask| {
            let (status, outcome) = match &finish {
                Finish::ToolResult(result) => {
                    let status = r.generation.policy().status_for_tool_result(result);
                    (status, Some(Outcome::Result(result.clone())))
                }
                Finish::Completed(result) => {
                    (TaskStatus::Completed, Some(Outcome::Result(result.clone())))
                }
                Finish::Failed(outcome) => (TaskStatus::Failed, Some(outcome.clone())),
                Finish::Cancelled => (TaskStatus::Cancelled, None),
            };
            end(r, status, outcome, message.clone(), now)
        };
        self.end_with(id, Access::Work, now, edit).await
    }

    /// The requestor's `tasks/cancel`, synchronous form: the task is `cancelled` when
    /// this returns. A terminal task gives [`StoreError::AlreadyTerminal`].
    pub async fn cancel(
        &self,
        owner: &Owner,
        id: &TaskId,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<Task, StoreError> {
        let edit = |r: &mut StoredTask| end(r, TaskStatus::Cancelled, None, message.clone(), now);
        self.end_with(id, Access::Owner(owner), now, edit).await
    }

    async fn end_with(
        &self,
        id: &TaskId,
        access: Access<'_>,
        now: UnixMillis,
        edit: impl FnMut(&mut StoredTask) -> Result<Edit<Owner>, StoreError>,
    ) -> Result<Task, StoreError> {
        let (task, owner) = self.modify(id, access, now, edit).await?;
        // Only the writer whose terminal transition won gets here, so the slot goes once.
        self.release_slot(&owner).await?;
        Ok(task)
    }

    /// The requestor's `tasks/cancel`, cooperative form: flags the task so the work can
    /// stop and end it. Terminal tasks are left as they are.
    pub async fn request_cancel(
        &self,
        owner: &Owner,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<CancelRequest, StoreError> {
        let edit = |r: &mut StoredTask| {
            if r.task.status().is_terminal() || r.cancel_requested {
                return Ok(Edit::Keep(false));
            }
            r.cancel_requested = true;
            Ok(Edit::Write(true))
        };
        let (task, newly_requested) = self.modify(id, Access::Owner(owner), now, edit).await?;
        Ok(CancelRequest { task, newly_requested })
    }

    /// Queues an input request for the requestor and moves the task to
    /// `input_required`. Returns the request's key, unique over the task's life. A request
    /// larger than [`StoreConfig::max_input_request_bytes`](super::StoreConfig) is refused.
    pub async fn request_input(
        &self,
        id: &TaskId,
        request: InputRequest,
        message: MessageUpdate,
        now: UnixMillis,
    ) -> Result<String, StoreError> {
        let max = self.config().max_input_request_bytes;
        if budget::json_len(&request) > u64::try_from(max).unwrap_or(u64::MAX) {
            let max = u64::try_from(max).unwrap_or(u64::MAX);
            return Err(StoreError::LimitExceeded { limit: Limit::InputRequestBytes, max });
        }
        let edit = |r: &mut StoredTask| {
            transition(&mut r.task, TaskStatus::InputRequired, message.clone(), now)?;
            let key = format!("input-{}", r.next_input_key);
            r.next_input_key += 1;
            r.input_requests.insert(key.clone(), request.clone());
            Ok(Edit::Write(key))
        };
        Ok(self.modify(id, Access::Work, now, edit).await?.1)
    }

    /// Records the requestor's answers. Unknown or already answered keys are ignored, as
    /// the spec asks; when nothing is outstanding any more the task goes back to `working`.
    pub async fn answer_input(
        &self,
        owner: &Owner,
        id: &TaskId,
        answers: InputAnswers,
        now: UnixMillis,
    ) -> Result<Answered, StoreError> {
        let edit = |r: &mut StoredTask| {
            let mut answered = Answered::default();
            for (key, answer) in &answers {
                if r.task.status() == TaskStatus::InputRequired
                    && r.input_requests.remove(key).is_some()
                {
                    r.input_answers.insert(key.clone(), answer.clone());
                    answered.accepted.push(key.clone());
                } else {
                    answered.ignored.push(key.clone());
                }
            }
            if answered.accepted.is_empty() {
                return Ok(Edit::Keep(answered));
            }
            if r.input_requests.is_empty() {
                transition(&mut r.task, TaskStatus::Working, MessageUpdate::Keep, now)?;
                answered.resumed = true;
            }
            Ok(Edit::Write(answered))
        };
        Ok(self.modify(id, Access::Owner(owner), now, edit).await?.1)
    }

    /// Hands the work every answer received so far, removing them from the record.
    pub async fn take_input_answers(
        &self,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<InputAnswers, StoreError> {
        let edit = |r: &mut StoredTask| {
            let taken = std::mem::take(&mut r.input_answers);
            Ok(if taken.is_empty() { Edit::Keep(taken) } else { Edit::Write(taken) })
        };
        Ok(self.modify(id, Access::Work, now, edit).await?.1)
    }
}

/// The terminal transition with its outcome, as one edit that names whose slot it frees.
fn end(
    record: &mut StoredTask,
    status: TaskStatus,
    outcome: Option<Outcome>,
    message: MessageUpdate,
    now: UnixMillis,
) -> Result<Edit<Owner>, StoreError> {
    let from = record.task.status();
    if from.is_terminal() {
        let task_id = record.task.task_id.clone();
        return Err(StoreError::AlreadyTerminal { task_id, status: from });
    }
    transition(&mut record.task, status, message, now)?;
    record.outcome = outcome;
    record.input_requests.clear();
    record.cancel_requested = false;
    Ok(Edit::Write(record.owner.clone()))
}
