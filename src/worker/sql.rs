//! [`SqlBackend`]: the store's [`Backend`] over a Durable Object's SQLite storage, through
//! `store.js`. One object holds the tasks of the owners routed to it (see the module docs
//! of [`super`]), so every operation is a local, synchronous, transactional SQL statement:
//! no cross-object transaction is ever needed.

use wasm_bindgen::prelude::*;

use crate::id::TaskId;
use crate::store::{Backend, BackendError, StoredTask, Version, Versioned, Write};

const NAME: &str = "durable-object-sql";

#[wasm_bindgen(module = "/src/worker/store.js")]
extern "C" {
    /// The tables in one object's storage.
    #[derive(Clone)]
    pub type SqlStore;

    /// The tables in `storage` (a Durable Object's `ctx.storage`), created if absent.
    #[wasm_bindgen(constructor, catch)]
    pub fn new(storage: &JsValue) -> Result<SqlStore, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn get(this: &SqlStore, id: &str) -> Result<Option<Row>, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn create(this: &SqlStore, id: &str, record: &str) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch, js_name = putIfVersion)]
    fn put_if_version(
        this: &SqlStore,
        id: &str,
        record: &str,
        expected: f64,
    ) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch, js_name = removeIfVersion)]
    fn remove_if_version(this: &SqlStore, id: &str, expected: f64) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch, js_name = indexInsert)]
    fn index_insert(this: &SqlStore, key: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = indexRemove)]
    fn index_remove(this: &SqlStore, key: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = indexScan)]
    fn index_scan(
        this: &SqlStore,
        prefix: &str,
        lower: &str,
        inclusive: bool,
        limit: u32,
    ) -> Result<Vec<String>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = counterAdd)]
    fn counter_add(this: &SqlStore, name: &str, delta: f64) -> Result<f64, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn counters(this: &SqlStore) -> Result<f64, JsValue>;
    /// How many task records are stored.
    #[wasm_bindgen(method, catch)]
    pub fn tasks(this: &SqlStore) -> Result<f64, JsValue>;
    /// Notes that the work of task `id` runs in this isolate.
    #[wasm_bindgen(method, js_name = workStarted)]
    pub fn work_started(this: &SqlStore, id: &str);
    /// Notes that the work of task `id` ended.
    #[wasm_bindgen(method, js_name = workEnded)]
    pub fn work_ended(this: &SqlStore, id: &str);
    /// The tasks whose work an earlier isolate ran, taken off the work table.
    #[wasm_bindgen(method, js_name = takeOrphans)]
    pub fn take_orphans(this: &SqlStore) -> Vec<String>;
    /// Stores session `id`'s record, lapsing at `expires` (ms since the epoch).
    #[wasm_bindgen(method, catch, js_name = putSession)]
    pub fn put_session(
        this: &SqlStore,
        id: &str,
        record: &str,
        expires: f64,
    ) -> Result<(), JsValue>;
    /// Session `id`'s record, unless it lapsed by `now`.
    #[wasm_bindgen(method, catch, js_name = getSession)]
    pub fn get_session(this: &SqlStore, id: &str, now: f64) -> Result<Option<String>, JsValue>;
    /// Moves session `id`'s lapse to `expires` when it was before `before`.
    #[wasm_bindgen(method, catch, js_name = touchSession)]
    pub fn touch_session(
        this: &SqlStore,
        id: &str,
        expires: f64,
        before: f64,
    ) -> Result<(), JsValue>;
    /// Deletes session `id`'s record.
    #[wasm_bindgen(method, catch, js_name = deleteSession)]
    pub fn delete_session(this: &SqlStore, id: &str) -> Result<(), JsValue>;
    /// The sessions that lapsed by `now`.
    #[wasm_bindgen(method, catch, js_name = lapsedSessions)]
    pub fn lapsed_sessions(this: &SqlStore, now: f64) -> Result<Vec<String>, JsValue>;
    /// Empties every table.
    #[wasm_bindgen(method)]
    pub fn clear(this: &SqlStore);

    type Row;
    #[wasm_bindgen(method, getter)]
    fn version(this: &Row) -> f64;
    #[wasm_bindgen(method, getter)]
    fn record(this: &Row) -> String;
}

/// The store's [`Backend`] over one Durable Object's SQLite tables.
#[derive(Clone)]
pub struct SqlBackend {
    sql: SqlStore,
}

impl std::fmt::Debug for SqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqlBackend")
    }
}

impl SqlBackend {
    /// A backend over `sql`.
    pub fn new(sql: SqlStore) -> Self {
        Self { sql }
    }

    /// The tables, for the object's own bookkeeping.
    pub fn tables(&self) -> &SqlStore {
        &self.sql
    }
}

fn failed(e: JsValue) -> BackendError {
    let reason = js_sys::Error::from(e).message().into();
    BackendError { backend: NAME, reason }
}

/// A version as SQLite's integer column gives it (exact up to 2^53, which a counter bumped
/// once per write does not reach).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn written(v: f64) -> Write {
    if v > 0.0 { Write::Done(Version(v as u64)) } else { Write::Conflict }
}

#[allow(clippy::cast_precision_loss)]
fn number(v: Version) -> f64 {
    v.0 as f64
}

impl Backend for SqlBackend {
    fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        let Some(row) = self.sql.get(id.as_str()).map_err(failed)? else {
            return Ok(None);
        };
        let Write::Done(version) = written(row.version()) else {
            return Err(BackendError {
                backend: NAME,
                reason: "a record without a version".into(),
            });
        };
        Ok(Some(Versioned { task: StoredTask::decode(&row.record(), NAME)?, version }))
    }

    fn create(&mut self, task: StoredTask) -> Result<Write, BackendError> {
        let id = task.task().task_id.clone();
        self.sql.create(id.as_str(), &task.encode()).map(written).map_err(failed)
    }

    fn put_if_version(
        &mut self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError> {
        let id = task.task().task_id.clone();
        let done = self.sql.put_if_version(id.as_str(), &task.encode(), number(expected));
        done.map(written).map_err(failed)
    }

    fn remove_if_version(&mut self, id: &TaskId, expected: Version) -> Result<Write, BackendError> {
        self.sql.remove_if_version(id.as_str(), number(expected)).map(written).map_err(failed)
    }

    fn index_insert(&mut self, key: String) -> Result<(), BackendError> {
        self.sql.index_insert(&key).map_err(failed)
    }

    fn index_remove(&mut self, key: &str) -> Result<(), BackendError> {
        self.sql.index_remove(key).map_err(failed)
    }

    fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let scan = match after {
            Some(after) if after >= prefix => self.sql.index_scan(prefix, after, false, limit),
            _ => self.sql.index_scan(prefix, prefix, true, limit),
        };
        scan.map_err(failed)
    }

    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError> {
        self.sql.counter_add(name, delta as f64).map(|v| v as i64).map_err(failed)
    }

    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn counters(&self) -> Result<usize, BackendError> {
        self.sql.counters().map(|n| n as usize).map_err(failed)
    }
}
