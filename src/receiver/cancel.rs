//! `tasks/cancel` as the caller's generation means it: the policy's
//! [`CancelMode`] decides, the codecs only shape the reply.

use crate::id::{IdSource, TaskId};
use crate::receiver::{Caller, Event, Receiver};
use crate::store::{Backend, StoreError};
use crate::task::{CancelMode, MessageUpdate, Task};
use crate::time::UnixMillis;

/// What a cancel did.
#[derive(Debug)]
pub(super) enum Cancelled {
    /// The task is `cancelled` now, as shown.
    Now(Task),
    /// The work was asked to stop (or had been, or the task had ended); the task ends
    /// when the work does.
    Asked,
}

impl<B: Backend, I: IdSource> Receiver<B, I> {
    /// Cancels task `id` for `caller`, queueing the events that tell the work to stop.
    pub(super) fn cancel(
        &mut self,
        caller: &Caller,
        id: &TaskId,
        now: UnixMillis,
    ) -> Result<Cancelled, StoreError> {
        match caller.generation.policy().cancel_mode {
            // A terminal task is refused by the store: the policy's `TerminalCancel::Reject`.
            CancelMode::Synchronous => {
                let task = self.store.cancel(&caller.owner, id, MessageUpdate::Keep, now)?;
                self.events.push_back(Event::CancelRequested { task_id: id.clone() });
                self.push_status(id, now);
                Ok(Cancelled::Now(task))
            }
            // A repeated or late cancel is taken as done: `TerminalCancel::Ack`.
            CancelMode::Cooperative => {
                let request = self.store.request_cancel(&caller.owner, id, now)?;
                if request.newly_requested {
                    self.events.push_back(Event::CancelRequested { task_id: id.clone() });
                }
                Ok(Cancelled::Asked)
            }
        }
    }
}
