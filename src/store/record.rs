//! What the store keeps per task, and who owns it.

use std::fmt;

use crate::task::{
    Generation, InputAnswers, InputRequests, Outcome, Payload, Task, TaskStatus, TaskView,
};

/// Who a task belongs to: the caller's authorization context (e.g. the token's subject),
/// or the session when there is no authorization. Another owner's task is "not found".
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Owner(String);

impl Owner {
    /// An owner with the given identity.
    pub fn new(identity: impl Into<String>) -> Self {
        Self(identity.into())
    }

    /// The identity.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Owner {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One task as stored: its metadata, owner, outcome and input bookkeeping.
///
/// Only [`TaskStore`](super::TaskStore) changes it; backends store and return it whole.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTask {
    pub(super) task: Task,
    pub(super) owner: Owner,
    pub(super) generation: Generation,
    pub(super) seq: u64,
    pub(super) outcome: Option<Outcome>,
    pub(super) input_requests: InputRequests,
    pub(super) input_answers: InputAnswers,
    pub(super) next_input_key: u64,
    pub(super) cancel_requested: bool,
    /// The bytes this version is charged against the budgets; what its removal frees.
    pub(super) charged: u64,
}

impl StoredTask {
    /// The task's metadata.
    pub fn task(&self) -> &Task {
        &self.task
    }

    /// Whom the task belongs to.
    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    /// The wire generation of the request that created the task; its policy decides how
    /// the work's outcome maps to a status.
    pub fn generation(&self) -> Generation {
        self.generation
    }

    /// The creation order number within this store.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// How the task ended: stored together with the terminal transition.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// The input requests still waiting for an answer.
    pub fn input_requests(&self) -> &InputRequests {
        &self.input_requests
    }

    /// Answers received and not yet taken by the work.
    pub fn input_answers(&self) -> &InputAnswers {
        &self.input_answers
    }

    /// Whether a cooperative cancel was asked for and the work has not ended yet.
    pub fn cancel_requested(&self) -> bool {
        self.cancel_requested
    }

    /// The bytes this record is charged against the storage budgets (see
    /// [`StoreConfig::max_bytes_per_owner`](super::StoreConfig::max_bytes_per_owner)).
    pub fn stored_bytes(&self) -> u64 {
        self.charged
    }

    /// The task with the payload its status carries (extension `DetailedTask` shape).
    pub fn view(&self) -> TaskView {
        let payload = match (self.task.status(), &self.outcome) {
            (TaskStatus::InputRequired, _) => Payload::InputRequests(self.input_requests.clone()),
            (TaskStatus::Completed | TaskStatus::Failed, Some(outcome)) => {
                Payload::Outcome(outcome.clone())
            }
            _ => Payload::None,
        };
        TaskView { task: self.task.clone(), payload }
    }
}
