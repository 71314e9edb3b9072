//! `cancel_task`: the caller's generation decides, as `tasks/cancel` would. 2025-11-25
//! cancels at once and refuses a task that already ended; the extension asks the work to
//! stop and takes a repeat or a late cancel as done.

use serde_json::{Map, Value, json};

use super::fields::{Outcome, not_found, status_words, task_fields, task_id_arg, with_structured};
use crate::receiver::{Caller, Reply};
use crate::server::state::Shared;
use crate::store::StoreError;
use crate::task::{CancelMode, TerminalCancel};

/// `cancel_task {taskId}`.
pub(super) fn cancel(shared: &Shared, caller: &Caller, args: &Map<String, Value>) -> Outcome {
    let id = task_id_arg(args)?;
    let policy = caller.generation.policy();
    let mut st = shared.lock();
    let now = shared.now();
    let before = match st.receiver().store().get(&caller.owner, &id, now) {
        Ok(record) => record.task().clone(),
        Err(StoreError::NotFound { .. }) => return Err(not_found(&id)),
        Err(e) => return Err(format!("Could not read task {id}: {e}")),
    };
    if before.status().is_terminal() {
        let message = format!(
            "Task {id} already {}; there is nothing to cancel.",
            status_words(before.status())
        );
        return match policy.terminal_cancel {
            TerminalCancel::Reject => Err(message),
            TerminalCancel::Ack => Ok(with_structured(&message, false, task_fields(&before))),
        };
    }
    // Through the receiver, so that the cancel, its events and the wake-up of the work
    // are exactly those of `tasks/cancel`. A caller in the extension generation did not
    // declare the extension (it would use `tasks/cancel` itself); the tool speaks for it.
    let as_tasks_client = Caller::extension(caller.owner.clone(), true);
    let rpc_caller = match policy.cancel_mode {
        CancelMode::Synchronous => caller,
        CancelMode::Cooperative => &as_tasks_client,
    };
    let params = json!({"taskId": id});
    let reply = st.receiver().handle(rpc_caller, "tasks/cancel", params.as_object(), now);
    st.drain_events();
    if let Some(Reply::Error(e)) = reply {
        return Err(format!("Could not cancel task {id}: {}", e.message));
    }
    let after = match st.receiver().store().get(&caller.owner, &id, now) {
        Ok(record) => record.task().clone(),
        Err(_) => return Err(not_found(&id)),
    };
    let message = if after.status().is_terminal() {
        format!("Task {id} is {}.", after.status())
    } else {
        format!(
            "Asked task {id} to stop; it ends at its next checkpoint, usually within a second. \
             get_task_status shows when it is cancelled."
        )
    };
    Ok(with_structured(&message, false, task_fields(&after)))
}
