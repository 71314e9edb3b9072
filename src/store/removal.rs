//! What the store deleted on its own, reported to whoever has to act on it.
//!
//! A task can vanish without anyone asking for it by id: its TTL runs out (the sweep finds
//! it, or a read finds it expired), or its owner is removed as a whole. Work may still be
//! running for it and requestors may be waiting on it; the log tells the layer above.

use crate::id::TaskId;
use crate::store::Owner;
use crate::task::{Generation, TaskStatus};

/// Why the store deleted a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemovalReason {
    /// Its TTL ran out.
    Expired,
    /// Its owner was removed ([`TaskStore::remove_owner`](super::TaskStore::remove_owner)).
    OwnerRemoved,
}

/// A task the store deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Removed {
    /// The task.
    pub task_id: TaskId,
    /// Whose it was.
    pub owner: Owner,
    /// The generation that created it.
    pub generation: Generation,
    /// Its status when it went; a non-terminal one means work may still be running.
    pub status: TaskStatus,
    /// Why it went.
    pub reason: RemovalReason,
}
