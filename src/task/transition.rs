//! The transition function: the only place a receiver-side status changes.

use crate::task::{Task, TaskStatus};
use crate::time::{Timestamp, UnixMillis};

/// What to do with `statusMessage` during a transition.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum MessageUpdate {
    /// Leave it as it is.
    #[default]
    Keep,
    /// Replace it.
    Set(String),
    /// Remove it.
    Clear,
}

/// A move the state machine refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("illegal task transition: {from} -> {to} (terminal statuses are final)")]
pub struct TransitionError {
    /// The status the task has, and keeps.
    pub from: TaskStatus,
    /// The status that was asked for.
    pub to: TaskStatus,
}

impl TransitionError {
    /// The stable error code.
    pub const fn code(&self) -> &'static str {
        "illegal_transition"
    }
}

/// What a successful transition did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    /// The status before.
    pub from: TaskStatus,
    /// The status after.
    pub to: TaskStatus,
}

impl Transition {
    /// Whether the status changed (rather than only the message and time).
    pub fn changed(&self) -> bool {
        self.from != self.to
    }

    /// Whether this transition made the task terminal.
    pub fn became_terminal(&self) -> bool {
        self.to.is_terminal() && !self.from.is_terminal()
    }
}

/// Moves `task` to `to` at `now`, or refuses without touching it.
///
/// Allowed: working ⇄ input_required, either → completed | failed | cancelled, and a
/// same-status update of a live task (message and `lastUpdatedAt` only). Refused: anything
/// out of a terminal status, including a same-status update (a finished task's record is
/// frozen). `lastUpdatedAt` never moves backwards, even if `now` does.
pub fn transition(
    task: &mut Task,
    to: TaskStatus,
    message: MessageUpdate,
    now: UnixMillis,
) -> Result<Transition, TransitionError> {
    let from = task.status();
    if !from.can_become(to) {
        return Err(TransitionError { from, to });
    }
    task.set_status(to);
    match message {
        MessageUpdate::Keep => {}
        MessageUpdate::Set(text) => task.status_message = Some(text),
        MessageUpdate::Clear => task.status_message = None,
    }
    if now > task.last_updated_at.millis() {
        task.last_updated_at = Timestamp::from_millis(now);
    }
    Ok(Transition { from, to })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::TaskId;
    use TaskStatus::*;

    fn task() -> Task {
        Task::new(TaskId::from("t"), UnixMillis(1_000), Some(60_000), None)
    }

    #[test]
    fn starts_working_and_follows_the_diagram() {
        let mut t = task();
        assert_eq!(t.status(), Working);
        let step =
            transition(&mut t, InputRequired, MessageUpdate::Set("need".into()), UnixMillis(2_000));
        assert_eq!(step, Ok(Transition { from: Working, to: InputRequired }));
        transition(&mut t, Working, MessageUpdate::Keep, UnixMillis(3_000)).unwrap();
        assert_eq!(t.status_message.as_deref(), Some("need"));
        let done = transition(&mut t, Completed, MessageUpdate::Clear, UnixMillis(4_000)).unwrap();
        assert!(done.became_terminal());
        assert_eq!(t.status_message, None);
        assert_eq!(t.last_updated_at.millis(), UnixMillis(4_000));
    }

    #[test]
    fn terminal_statuses_absorb() {
        for end in [Completed, Failed, Cancelled] {
            let mut t = task();
            transition(&mut t, end, MessageUpdate::Keep, UnixMillis(2_000)).unwrap();
            let before = t.clone();
            for to in TaskStatus::ALL {
                let err =
                    transition(&mut t, to, MessageUpdate::Set("late".into()), UnixMillis(9_000));
                assert_eq!(err, Err(TransitionError { from: end, to }));
                assert_eq!(t, before);
            }
        }
    }

    #[test]
    fn same_status_update_touches_message_and_time_only() {
        let mut t = task();
        let step =
            transition(&mut t, Working, MessageUpdate::Set("step 1/3".into()), UnixMillis(1_500))
                .unwrap();
        assert!(!step.changed());
        assert_eq!(t.status(), Working);
        assert_eq!(t.status_message.as_deref(), Some("step 1/3"));
        assert_eq!(t.created_at.millis(), UnixMillis(1_000));
        assert_eq!(t.last_updated_at.millis(), UnixMillis(1_500));
    }

    #[test]
    fn last_updated_never_goes_back() {
        let mut t = task();
        transition(&mut t, Working, MessageUpdate::Keep, UnixMillis(500)).unwrap();
        assert_eq!(t.last_updated_at.millis(), UnixMillis(1_000));
    }
}
