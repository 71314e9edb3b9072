//! The receiver-side task store.
//!
//! [`TaskStore`] holds the rules once: unguessable ids from an [`IdSource`](crate::id::IdSource),
//! every task bound to an [`Owner`], TTL counted from creation and clamped by
//! [`StoreConfig`], results stored in the same write as the terminal transition, opaque
//! list cursors that survive inserts and deletes, an expiry sweep whose cost follows what
//! expired, a per-owner limit on live tasks, and budgets of stored tasks and bytes per
//! owner and for the whole store (see [`StoreConfig`]). Storage is a small [`Backend`] trait of
//! versioned records with conditional writes, so several stores (processes) may share one
//! backend: every read-modify-write is retried on a [`Write::Conflict`] up to
//! [`WRITE_ATTEMPTS`] times and then fails with [`StoreError::Contended`]. [`MemoryBackend`]
//! is the embedded default and [`conformance`] is the suite any backend must pass,
//! concurrent writers included.
//!
//! The logic is written once, as async code: [`AsyncTaskStore`] over an [`AsyncBackend`]
//! for stores reached through async IO, and [`TaskStore`], the same logic over a
//! synchronous [`Backend`] (wrapped in [`Blocking`]), whose futures are ready at once and
//! need no executor. The futures are not `Send`, so a backend may await JavaScript
//! promises; no runtime is named:
//!
//! ```
//! use std::future::Future;
//! use std::pin::pin;
//! use std::task::{Context, Poll, Waker};
//!
//! use mcp_tasks::id::CounterIds;
//! use mcp_tasks::store::{
//!     AsyncBackend, AsyncTaskStore, Blocking, MemoryBackend, Owner, StoreConfig, StoreError,
//! };
//! use mcp_tasks::task::{Generation, MessageUpdate, TaskStatus};
//! use mcp_tasks::time::UnixMillis;
//!
//! // Any async handler, on any executor (or none: a Durable Object's `fetch`).
//! async fn start<B: AsyncBackend>(
//!     store: &AsyncTaskStore<B, CounterIds>,
//!     now: UnixMillis,
//! ) -> Result<TaskStatus, StoreError> {
//!     let me = Owner::new("alice");
//!     let task = store.create(&me, Generation::Extension, None, now).await?;
//!     store.set_status(&task.task_id, TaskStatus::InputRequired, MessageUpdate::Keep, now).await?;
//!     Ok(store.get(&me, &task.task_id, now).await?.task().status())
//! }
//!
//! // A store on a Redis or SQLite client implements `AsyncBackend` itself; here, the
//! // in-memory backend stands in for one, and its futures are ready at the first poll.
//! let store = AsyncTaskStore::new(
//!     Blocking::new(MemoryBackend::new()),
//!     CounterIds::new("t"),
//!     StoreConfig::default(),
//! );
//! let mut cx = Context::from_waker(Waker::noop());
//! let status = pin!(start(&store, UnixMillis(1_763_000_000_000))).poll(&mut cx);
//! assert_eq!(status, Poll::Ready(Ok(TaskStatus::InputRequired)));
//! ```

mod asynchronous;
mod backend;
mod budget;
mod codec;
mod config;
pub mod conformance;
mod engine;
mod error;
mod keys;
mod record;
mod removal;
mod table;
mod updates;

pub use asynchronous::{AsyncBackend, Blocking};
pub use backend::{Backend, BackendError, MemoryBackend, Version, Versioned, Write};
pub use budget::{Limit, RECORD_FLOOR, RECORD_OVERHEAD, record_bytes};
pub use config::{MIN_TTL_MS, StoreConfig};
pub use engine::{AsyncTaskStore, WRITE_ATTEMPTS};
pub use error::StoreError;
pub use record::{Owner, StoredTask};
pub use removal::{RemovalReason, Removed};
pub use table::{Answered, CancelRequest, Finish, Page, TaskStore};
