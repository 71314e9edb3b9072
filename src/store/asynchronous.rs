//! The backend interface for stores reached through async IO, and the adapter that lets
//! the same store logic run over a synchronous [`Backend`].
//!
//! The table logic is written once, as `async` code over [`AsyncBackend`]
//! ([`AsyncTaskStore`](super::AsyncTaskStore)). A synchronous backend is an async one whose
//! futures are ready at once ([`Blocking`]), which is how [`TaskStore`](super::TaskStore)
//! runs it without an executor. The futures have no `Send` bound, so a backend may await
//! JavaScript promises (a Durable Object's `storage`), and nothing here names a runtime.

use std::cell::{Ref, RefCell};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use crate::id::TaskId;
use crate::store::{Backend, BackendError, StoredTask, Version, Versioned, Write};

/// [`Backend`] for storage reached through async IO (Redis, SQLite over a network, a
/// Durable Object's storage API).
///
/// Methods take `&self` so that several operations may be in flight at once; each one is
/// still one atomic command, with the same meaning as in [`Backend`].
#[allow(async_fn_in_trait)] // No `Send` on purpose: JS-backed stores cannot provide it.
pub trait AsyncBackend {
    /// The record of `id` and its version, if stored.
    async fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError>;
    /// Stores `task` only if no record has its id.
    async fn create(&self, task: StoredTask) -> Result<Write, BackendError>;
    /// Replaces the record of `task` only if it is stored at `expected`.
    async fn put_if_version(
        &self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError>;
    /// Removes the record of `id` only if it is stored at `expected`.
    async fn remove_if_version(
        &self,
        id: &TaskId,
        expected: Version,
    ) -> Result<Write, BackendError>;
    /// Adds `key` to the ordered index.
    async fn index_insert(&self, key: String) -> Result<(), BackendError>;
    /// Removes `key` from the ordered index.
    async fn index_remove(&self, key: &str) -> Result<(), BackendError>;
    /// Up to `limit` index keys with `prefix`, after `after`, ascending.
    async fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError>;
    /// Adds `delta` to the counter `name` and returns the new value; one that comes back
    /// to 0 is deleted, as in [`Backend::counter_add`].
    async fn counter_add(&self, name: &str, delta: i64) -> Result<i64, BackendError>;
}

/// A synchronous [`Backend`] used as an [`AsyncBackend`]: every future is ready at once.
#[derive(Debug, Default)]
pub struct Blocking<B>(RefCell<B>);

impl<B> Blocking<B> {
    /// Wraps `backend`.
    pub fn new(backend: B) -> Self {
        Self(RefCell::new(backend))
    }

    /// The backend, for inspection.
    pub fn get_ref(&self) -> Ref<'_, B> {
        self.0.borrow()
    }
}

// Each method borrows for its one synchronous call; no borrow lives across an await.
impl<B: Backend> AsyncBackend for Blocking<B> {
    async fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        self.0.borrow().get(id)
    }
    async fn create(&self, task: StoredTask) -> Result<Write, BackendError> {
        self.0.borrow_mut().create(task)
    }
    async fn put_if_version(
        &self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError> {
        self.0.borrow_mut().put_if_version(task, expected)
    }
    async fn remove_if_version(
        &self,
        id: &TaskId,
        expected: Version,
    ) -> Result<Write, BackendError> {
        self.0.borrow_mut().remove_if_version(id, expected)
    }
    async fn index_insert(&self, key: String) -> Result<(), BackendError> {
        self.0.borrow_mut().index_insert(key)
    }
    async fn index_remove(&self, key: &str) -> Result<(), BackendError> {
        self.0.borrow_mut().index_remove(key)
    }
    async fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        self.0.borrow().index_scan(prefix, after, limit)
    }
    async fn counter_add(&self, name: &str, delta: i64) -> Result<i64, BackendError> {
        self.0.borrow_mut().counter_add(name, delta)
    }
}

/// Runs a store future over [`Blocking`] to its end in one poll.
///
/// Such a future never waits, so no executor is needed; should one ever report pending,
/// that is an environment failure, not a panic.
pub(super) fn run_ready<T, E: From<BackendError>>(
    future: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let future = pin!(future);
    match future.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => Err(E::from(BackendError {
            backend: "blocking",
            reason: "a synchronous backend call did not complete".into(),
        })),
    }
}
