//! The storage interface under the store logic, and its in-memory implementation.
//!
//! A backend is deliberately dumb: records by task id, an ordered set of index keys, and
//! counters. Everything that keeps the table consistent (ids, owners, TTL, cursors, limits,
//! the state machine) lives once in [`TaskStore`](super::TaskStore), so a Durable Object,
//! Redis or SQLite adapter is a page of code and runs the same
//! [`conformance`](super::conformance) suite.
//!
//! No `Send`/`Sync` bounds: a backend may hold JavaScript handles.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

use crate::id::TaskId;
use crate::store::StoredTask;

/// A storage failure: the environment is at fault, not the caller or the peer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{backend} backend failed: {reason}")]
pub struct BackendError {
    /// Which backend failed.
    pub backend: &'static str,
    /// What it reported.
    pub reason: String,
}

impl BackendError {
    /// The stable error code.
    pub const fn code(&self) -> &'static str {
        "backend_failed"
    }
}

/// Key-value storage for tasks.
///
/// Each method is one atomic operation; the store never needs more than single-key
/// atomicity because a task's status, message and result live in one record.
pub trait Backend {
    /// The record of `id`, if stored.
    fn get(&self, id: &TaskId) -> Result<Option<StoredTask>, BackendError>;
    /// Inserts or replaces the record with `task.task.task_id`.
    fn put(&mut self, task: StoredTask) -> Result<(), BackendError>;
    /// Removes the record of `id`; removing an absent record is not an error.
    fn remove(&mut self, id: &TaskId) -> Result<(), BackendError>;
    /// Adds `key` to the ordered index.
    fn index_insert(&mut self, key: String) -> Result<(), BackendError>;
    /// Removes `key` from the ordered index.
    fn index_remove(&mut self, key: &str) -> Result<(), BackendError>;
    /// Up to `limit` index keys that start with `prefix` and sort after `after` (or from
    /// the first, when `None`), ascending by byte order.
    fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError>;
    /// Adds `delta` to the counter `name` (absent counters start at 0) and returns the
    /// new value.
    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError>;
}

/// The embedded default: everything in process memory.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    tasks: HashMap<TaskId, StoredTask>,
    index: BTreeSet<String>,
    counters: HashMap<String, i64>,
}

impl MemoryBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many task records are held.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether no task records are held.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }
}

impl Backend for MemoryBackend {
    fn get(&self, id: &TaskId) -> Result<Option<StoredTask>, BackendError> {
        Ok(self.tasks.get(id).cloned())
    }

    fn put(&mut self, task: StoredTask) -> Result<(), BackendError> {
        self.tasks.insert(task.task.task_id.clone(), task);
        Ok(())
    }

    fn remove(&mut self, id: &TaskId) -> Result<(), BackendError> {
        self.tasks.remove(id);
        Ok(())
    }

    fn index_insert(&mut self, key: String) -> Result<(), BackendError> {
        self.index.insert(key);
        Ok(())
    }

    fn index_remove(&mut self, key: &str) -> Result<(), BackendError> {
        self.index.remove(key);
        Ok(())
    }

    fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        let lower = match after {
            Some(after) if after >= prefix => Bound::Excluded(after),
            _ => Bound::Included(prefix),
        };
        Ok(self
            .index
            .range::<str, _>((lower, Bound::Unbounded))
            .take_while(|k| k.starts_with(prefix))
            .take(limit)
            .cloned()
            .collect())
    }

    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError> {
        let value = self.counters.entry(name.to_owned()).or_insert(0);
        *value = value.saturating_add(delta);
        Ok(*value)
    }
}
