//! A backend wrapper that loses races on purpose.

use crate::id::TaskId;
use crate::store::{Backend, BackendError, StoredTask, Version, Versioned, Write};

/// Wraps a backend and makes chosen conditional writes fail as if another process had
/// written first: the record is rewritten unchanged (so its version moves on) and the
/// write reports [`Write::Conflict`]. A create reports the id as taken.
///
/// The store must converge anyway, by reading again and re-applying its change.
#[derive(Debug, Default)]
pub struct Conflicts<B> {
    inner: B,
    next: u32,
    every: u32,
    writes: u32,
    injected: u32,
}

impl<B: Backend> Conflicts<B> {
    /// Fails every `k`th conditional write (none when `k` is 0; `k` of 2 or more lets
    /// the retry of a failed write win).
    pub fn every(inner: B, k: u32) -> Self {
        Self { inner, next: 0, every: k, writes: 0, injected: 0 }
    }

    /// Fails the next `n` conditional writes, on top of any periodic ones.
    pub fn fail_next(&mut self, n: u32) {
        self.next = n;
    }

    /// How many conflicts were injected so far.
    pub fn injected(&self) -> u32 {
        self.injected
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    fn inject(&mut self) -> bool {
        self.writes = self.writes.wrapping_add(1);
        let hit = if self.next > 0 {
            self.next -= 1;
            true
        } else {
            self.every > 0 && self.writes % self.every == 0
        };
        self.injected += u32::from(hit);
        hit
    }

    /// The other process's write: the same record again, at a new version.
    fn race(&mut self, id: &TaskId) -> Result<Write, BackendError> {
        if let Some(current) = self.inner.get(id)? {
            let _moved = self.inner.put_if_version(current.task, current.version)?;
        }
        Ok(Write::Conflict)
    }
}

impl<B: Backend> Backend for Conflicts<B> {
    fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        self.inner.get(id)
    }
    fn create(&mut self, task: StoredTask) -> Result<Write, BackendError> {
        if self.inject() {
            return Ok(Write::Conflict);
        }
        self.inner.create(task)
    }
    fn put_if_version(
        &mut self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError> {
        if self.inject() {
            let id = task.task().task_id.clone();
            return self.race(&id);
        }
        self.inner.put_if_version(task, expected)
    }
    fn remove_if_version(&mut self, id: &TaskId, expected: Version) -> Result<Write, BackendError> {
        if self.inject() {
            return self.race(id);
        }
        self.inner.remove_if_version(id, expected)
    }
    fn index_insert(&mut self, key: String) -> Result<(), BackendError> {
        self.inner.index_insert(key)
    }
    fn index_remove(&mut self, key: &str) -> Result<(), BackendError> {
        self.inner.index_remove(key)
    }
    fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        self.inner.index_scan(prefix, after, limit)
    }
    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError> {
        self.inner.counter_add(name, delta)
    }
    fn counters(&self) -> Result<usize, BackendError> {
        self.inner.counters()
    }
}
