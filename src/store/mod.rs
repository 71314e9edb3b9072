//! The receiver-side task store.
//!
//! [`TaskStore`] holds the rules once: unguessable ids from an [`IdSource`](crate::id::IdSource),
//! every task bound to an [`Owner`], TTL counted from creation and clamped by
//! [`StoreConfig`], results stored in the same write as the terminal transition, opaque
//! list cursors that survive inserts and deletes, an expiry sweep whose cost follows what
//! expired, and a per-owner limit on live tasks. Storage is a small [`Backend`] trait;
//! [`MemoryBackend`] is the embedded default and [`conformance`] is the suite any backend
//! must pass.

mod backend;
mod config;
pub mod conformance;
mod error;
mod keys;
mod record;
mod removal;
mod table;

pub use backend::{Backend, BackendError, MemoryBackend};
pub use config::{MIN_TTL_MS, StoreConfig};
pub use error::StoreError;
pub use record::{Owner, StoredTask};
pub use removal::{RemovalReason, Removed};
pub use table::{Answered, CancelRequest, Finish, Page, TaskStore};
