//! The storage interface under the store logic, and its in-memory implementation.
//!
//! A backend is deliberately dumb: versioned records by task id, an ordered set of index
//! keys, and counters. Everything that keeps the table consistent (ids, owners, TTL,
//! cursors, limits, the state machine) lives once in [`TaskStore`](super::TaskStore), so a
//! Durable Object, Redis or SQLite adapter is a page of code and runs the same
//! [`conformance`](super::conformance) suite.
//!
//! Several processes may share one backend. Every record carries a [`Version`] and every
//! record write is conditional on it, so a read-modify-write that raced another writer
//! fails with [`Write::Conflict`] instead of overwriting: the store then reads again and
//! re-applies its change. Each method is meant to be **one atomic command** on a remote
//! store: a `WATCH`/`MULTI` or Lua script comparing a version field in Redis, one SQL
//! statement (`UPDATE … WHERE id = ? AND version = ?`, `INSERT … ON CONFLICT DO NOTHING`)
//! in SQLite. Index keys and counters are unconditional single-key commands (`ZADD`,
//! `ZREM`, `INCRBY`).
//!
//! An operation of the store that spans several calls (a create reserves a live slot,
//! writes the record, then its index keys) orders them so that a process dying in
//! between leaves at worst an index key without a record (skipped and cleaned up later)
//! or a live slot held until the owner's tasks are removed.
//!
//! No `Send`/`Sync` bounds: a backend may hold JavaScript handles.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::rc::Rc;

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

/// The version of a stored record, changed by every write.
///
/// A backend must never hand out the same version twice for one id, not even after the
/// record was removed and an equal id written again; a store-wide counter is the simplest
/// way (Redis `INCR`, an SQLite `INTEGER` column bumped in the `UPDATE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version(pub u64);

/// A record and the version it was read at.
#[derive(Clone, Debug, PartialEq)]
pub struct Versioned {
    /// The record.
    pub task: StoredTask,
    /// Its version, to pass to the next conditional write.
    pub version: Version,
}

/// What a conditional write did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub enum Write {
    /// The write happened; the record now has this version (for a removal, the version
    /// that was removed).
    Done(Version),
    /// Someone else wrote first (or the record is absent, or for a create, present):
    /// nothing was changed.
    Conflict,
}

/// Key-value storage for tasks.
///
/// Each method is one atomic operation; the store never needs more than single-key
/// atomicity because a task's status, message and result live in one record.
pub trait Backend {
    /// The record of `id` and its version, if stored.
    fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError>;
    /// Stores `task` under `task.task().task_id` only if no record has that id.
    fn create(&mut self, task: StoredTask) -> Result<Write, BackendError>;
    /// Replaces the record of `task.task().task_id` only if it is stored at `expected`.
    fn put_if_version(
        &mut self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError>;
    /// Removes the record of `id` only if it is stored at `expected`.
    fn remove_if_version(&mut self, id: &TaskId, expected: Version) -> Result<Write, BackendError>;
    /// Adds `key` to the ordered index.
    fn index_insert(&mut self, key: String) -> Result<(), BackendError>;
    /// Removes `key` from the ordered index; removing an absent key is not an error.
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
    /// new value. A counter that comes back to 0 is deleted in the same atomic step (a
    /// Lua script in Redis, `DELETE … WHERE value = 0` in the same SQL transaction):
    /// owners come and go, and their counters must not pile up.
    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError>;
    /// How many counters are stored (none at 0, see [`counter_add`](Self::counter_add)).
    /// For the [`conformance`](super::conformance) suite and for monitoring; it may be
    /// slow.
    fn counters(&self) -> Result<usize, BackendError>;
}

/// A shared handle: several stores over one backend, as several processes over one
/// Redis. Each call borrows the backend for that call only.
impl<B: Backend> Backend for Rc<RefCell<B>> {
    fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        self.borrow().get(id)
    }
    fn create(&mut self, task: StoredTask) -> Result<Write, BackendError> {
        self.borrow_mut().create(task)
    }
    fn put_if_version(
        &mut self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError> {
        self.borrow_mut().put_if_version(task, expected)
    }
    fn remove_if_version(&mut self, id: &TaskId, expected: Version) -> Result<Write, BackendError> {
        self.borrow_mut().remove_if_version(id, expected)
    }
    fn index_insert(&mut self, key: String) -> Result<(), BackendError> {
        self.borrow_mut().index_insert(key)
    }
    fn index_remove(&mut self, key: &str) -> Result<(), BackendError> {
        self.borrow_mut().index_remove(key)
    }
    fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        self.borrow().index_scan(prefix, after, limit)
    }
    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError> {
        self.borrow_mut().counter_add(name, delta)
    }
    fn counters(&self) -> Result<usize, BackendError> {
        self.borrow().counters()
    }
}

/// A boxed backend, so a server can pick its store at run time (`Box<dyn Backend + Send>`).
impl<B: Backend + ?Sized> Backend for Box<B> {
    fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        (**self).get(id)
    }
    fn create(&mut self, task: StoredTask) -> Result<Write, BackendError> {
        (**self).create(task)
    }
    fn put_if_version(
        &mut self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError> {
        (**self).put_if_version(task, expected)
    }
    fn remove_if_version(&mut self, id: &TaskId, expected: Version) -> Result<Write, BackendError> {
        (**self).remove_if_version(id, expected)
    }
    fn index_insert(&mut self, key: String) -> Result<(), BackendError> {
        (**self).index_insert(key)
    }
    fn index_remove(&mut self, key: &str) -> Result<(), BackendError> {
        (**self).index_remove(key)
    }
    fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        (**self).index_scan(prefix, after, limit)
    }
    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError> {
        (**self).counter_add(name, delta)
    }
    fn counters(&self) -> Result<usize, BackendError> {
        (**self).counters()
    }
}

/// The embedded default: everything in process memory.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    tasks: HashMap<TaskId, Versioned>,
    index: BTreeSet<String>,
    counters: HashMap<String, i64>,
    /// The last version handed out; store-wide so a version never repeats for an id.
    version: u64,
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

    fn next_version(&mut self) -> Version {
        self.version += 1;
        Version(self.version)
    }
}

impl Backend for MemoryBackend {
    fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        Ok(self.tasks.get(id).cloned())
    }

    fn create(&mut self, task: StoredTask) -> Result<Write, BackendError> {
        let id = task.task().task_id.clone();
        if self.tasks.contains_key(&id) {
            return Ok(Write::Conflict);
        }
        let version = self.next_version();
        self.tasks.insert(id, Versioned { task, version });
        Ok(Write::Done(version))
    }

    fn put_if_version(
        &mut self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError> {
        let version = self.next_version();
        match self.tasks.get_mut(&task.task().task_id) {
            Some(stored) if stored.version == expected => {
                *stored = Versioned { task, version };
                Ok(Write::Done(version))
            }
            _ => Ok(Write::Conflict),
        }
    }

    fn remove_if_version(&mut self, id: &TaskId, expected: Version) -> Result<Write, BackendError> {
        match self.tasks.get(id) {
            Some(stored) if stored.version == expected => {
                self.tasks.remove(id);
                Ok(Write::Done(expected))
            }
            _ => Ok(Write::Conflict),
        }
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
        let value = self.counters.get(name).copied().unwrap_or(0).saturating_add(delta);
        if value == 0 {
            self.counters.remove(name);
        } else {
            self.counters.insert(name.to_owned(), value);
        }
        Ok(value)
    }

    fn counters(&self) -> Result<usize, BackendError> {
        Ok(self.counters.len())
    }
}
