//! The store behind a server (in memory, or a Durable Object's SQLite) and the session ids
//! that name their object.

use crate::id::{EntropyError, IdSource, RandomIds, TaskId};
use crate::store::{Backend, BackendError, MemoryBackend, StoredTask, Version, Versioned, Write};

use super::sql::SqlBackend;

/// Where the tasks are: in memory (a plain Worker), or in a Durable Object's SQLite.
#[derive(Debug)]
pub(crate) enum Store {
    Memory(MemoryBackend),
    Sql(SqlBackend),
}

macro_rules! each {
    ($self:ident, $b:ident => $e:expr) => {
        match $self {
            Store::Memory($b) => $e,
            Store::Sql($b) => $e,
        }
    };
}

impl Backend for Store {
    fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        each!(self, b => b.get(id))
    }
    fn create(&mut self, task: StoredTask) -> Result<Write, BackendError> {
        each!(self, b => b.create(task))
    }
    fn put_if_version(&mut self, task: StoredTask, v: Version) -> Result<Write, BackendError> {
        each!(self, b => b.put_if_version(task, v))
    }
    fn remove_if_version(&mut self, id: &TaskId, v: Version) -> Result<Write, BackendError> {
        each!(self, b => b.remove_if_version(id, v))
    }
    fn index_insert(&mut self, key: String) -> Result<(), BackendError> {
        each!(self, b => b.index_insert(key))
    }
    fn index_remove(&mut self, key: &str) -> Result<(), BackendError> {
        each!(self, b => b.index_remove(key))
    }
    fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        each!(self, b => b.index_scan(prefix, after, limit))
    }
    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError> {
        each!(self, b => b.counter_add(name, delta))
    }
    fn counters(&self) -> Result<usize, BackendError> {
        each!(self, b => b.counters())
    }
}

/// Session ids that name the object holding the session: `<object id>.<random>`, so the
/// Worker routes a session's requests without a lookup.
pub(super) struct ObjectSessionIds(pub(super) String);

impl IdSource for ObjectSessionIds {
    fn next_id(&mut self) -> Result<String, EntropyError> {
        let random = RandomIds.next_id()?;
        Ok(if self.0.is_empty() { random } else { format!("{}.{random}", self.0) })
    }
}
