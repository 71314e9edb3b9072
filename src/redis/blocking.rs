//! [`RedisBackend`] as a synchronous [`Backend`].
//!
//! The reference server calls its store synchronously, from inside the lock over its
//! state, and tool contexts do the same from their tasks; the store logic is async only
//! over [`AsyncBackend`](crate::store::AsyncBackend). So each call here is handed to a
//! small runtime of the backend's own (one worker thread, which owns the Redis
//! connection) and the caller waits for the reply on a channel. Waiting on a tokio
//! multi-thread worker goes through [`tokio::task::block_in_place`], so the worker's other
//! tasks move elsewhere meanwhile; on any other thread (a test, a current-thread runtime)
//! it simply blocks. Because the connection is driven by threads that never take the
//! caller's locks, a caller holding a lock cannot starve the connection it waits on, which
//! `Handle::block_on` on the caller's own runtime could (and which panics on a
//! current-thread runtime). Every wait is bounded by the backend's command timeout.

use std::future::Future;
use std::sync::Arc;
use std::sync::mpsc;

use tokio::runtime::{Handle, Runtime, RuntimeFlavor};

use super::{NAME, RedisBackend, failed};
use crate::id::TaskId;
use crate::store::{AsyncBackend, Backend, BackendError, StoredTask, Version, Versioned, Write};

/// A runtime shut down without waiting, so dropping the last handle is allowed anywhere
/// (dropping a [`Runtime`] inside async code panics).
struct OwnRuntime(Option<Runtime>);

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// [`RedisBackend`] behind the synchronous [`Backend`] trait; clones share the connection.
#[derive(Clone)]
pub struct BlockingRedis {
    backend: RedisBackend,
    handle: Handle,
    _runtime: Arc<OwnRuntime>,
}

impl std::fmt::Debug for BlockingRedis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockingRedis").field("prefix", &self.backend.prefix).finish()
    }
}

fn wait<T>(rx: mpsc::Receiver<Result<T, BackendError>>) -> Result<T, BackendError> {
    let recv = move || {
        rx.recv().unwrap_or_else(|_| {
            Err(BackendError { backend: NAME, reason: "the redis runtime stopped".into() })
        })
    };
    match Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(recv),
        _ => recv(),
    }
}

impl BlockingRedis {
    /// Connects as [`RedisBackend::connect`] does, on a runtime of its own; callable from
    /// synchronous code and from inside any tokio runtime.
    pub fn connect(url: &str, prefix: &str) -> Result<Self, BackendError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("mcp-tasks-redis")
            .enable_all()
            .build()
            .map_err(failed)?;
        let handle = runtime.handle().clone();
        let runtime = Arc::new(OwnRuntime(Some(runtime)));
        let (tx, rx) = mpsc::sync_channel(1);
        let (url, prefix) = (url.to_owned(), prefix.to_owned());
        handle.spawn(async move {
            let _ = tx.send(RedisBackend::connect(&url, &prefix).await);
        });
        let backend = wait(rx)?;
        Ok(Self { backend, handle, _runtime: runtime })
    }

    /// The same connection with every key under `prefix` instead.
    pub fn with_prefix(&self, prefix: &str) -> Self {
        Self { backend: self.backend.with_prefix(prefix), ..self.clone() }
    }

    /// The async backend underneath, sharing this connection.
    pub fn backend(&self) -> &RedisBackend {
        &self.backend
    }

    /// Runs `f` against the backend on its runtime and waits for the result.
    pub fn run<T, F>(&self, f: impl FnOnce(RedisBackend) -> F) -> Result<T, BackendError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, BackendError>> + Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        let future = f(self.backend.clone());
        self.handle.spawn(async move {
            let _ = tx.send(future.await);
        });
        wait(rx)
    }

    /// Deletes every key under the prefix ([`RedisBackend::clear`]).
    pub fn clear(&self) -> Result<usize, BackendError> {
        self.run(|b| async move { b.clear().await })
    }
}

impl Backend for BlockingRedis {
    fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        let id = id.clone();
        self.run(|b| async move { b.get(&id).await })
    }

    fn create(&mut self, task: StoredTask) -> Result<Write, BackendError> {
        self.run(|b| async move { b.create(task).await })
    }

    fn put_if_version(
        &mut self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError> {
        self.run(|b| async move { b.put_if_version(task, expected).await })
    }

    fn remove_if_version(&mut self, id: &TaskId, expected: Version) -> Result<Write, BackendError> {
        let id = id.clone();
        self.run(|b| async move { b.remove_if_version(&id, expected).await })
    }

    fn index_insert(&mut self, key: String) -> Result<(), BackendError> {
        self.run(|b| async move { b.index_insert(key).await })
    }

    fn index_remove(&mut self, key: &str) -> Result<(), BackendError> {
        let key = key.to_owned();
        self.run(|b| async move { b.index_remove(&key).await })
    }

    fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        let (prefix, after) = (prefix.to_owned(), after.map(str::to_owned));
        self.run(|b| async move { b.index_scan(&prefix, after.as_deref(), limit).await })
    }

    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError> {
        let name = name.to_owned();
        self.run(|b| async move { b.counter_add(&name, delta).await })
    }

    fn counters(&self) -> Result<usize, BackendError> {
        self.run(|b| async move { b.counters().await })
    }
}
