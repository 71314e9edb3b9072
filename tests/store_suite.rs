//! The store conformance suite against every backend in the crate, plus cost checks that
//! need to see inside a backend.

use std::cell::Cell;
use std::rc::Rc;

use mcp_tasks::id::{CounterIds, TaskId};
use mcp_tasks::store::{
    Backend, BackendError, MemoryBackend, Owner, StoreConfig, StoreError, StoredTask, TaskStore,
    conformance,
};
use mcp_tasks::task::Generation;
use mcp_tasks::time::UnixMillis;

const G: Generation = Generation::Legacy;

/// A backend that counts the records it reads, to check what operations cost.
#[derive(Default)]
struct Counting {
    inner: MemoryBackend,
    reads: Rc<Cell<usize>>,
    fail_puts: bool,
}

impl Backend for Counting {
    fn get(&self, id: &TaskId) -> Result<Option<StoredTask>, BackendError> {
        self.reads.set(self.reads.get() + 1);
        self.inner.get(id)
    }
    fn put(&mut self, task: StoredTask) -> Result<(), BackendError> {
        if self.fail_puts {
            return Err(BackendError { backend: "counting", reason: "disk full".into() });
        }
        self.inner.put(task)
    }
    fn remove(&mut self, id: &TaskId) -> Result<(), BackendError> {
        self.inner.remove(id)
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
        self.reads.set(self.reads.get() + 1);
        self.inner.index_scan(prefix, after, limit)
    }
    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError> {
        self.inner.counter_add(name, delta)
    }
}

#[test]
fn memory_backend_passes_the_suite() {
    conformance::run_all(MemoryBackend::new);
}

#[test]
fn a_wrapping_backend_passes_the_suite() {
    conformance::run_all(Counting::default);
}

const T0: UnixMillis = UnixMillis(1_700_000_000_000);

#[test]
fn sweep_cost_follows_what_expired_not_the_table() {
    let reads = Rc::new(Cell::new(0));
    let backend = Counting { reads: reads.clone(), ..Counting::default() };
    let config = StoreConfig { max_live_per_owner: 100_000, ..StoreConfig::default() };
    let mut store = TaskStore::new(backend, CounterIds::new("t"), config);
    let me = Owner::from("me");
    for _ in 0..10 {
        store.create(&me, G, Some(1_000), T0).unwrap();
    }
    for _ in 0..20_000 {
        store.create(&me, G, Some(3_600_000), T0).unwrap();
    }
    reads.set(0);
    assert_eq!(store.sweep(T0.saturating_add(1_000), usize::MAX).unwrap(), 10);
    let cost = reads.get();
    assert!(cost <= 3 * 10 + 5, "sweeping 10 of 20,010 tasks took {cost} reads");
    reads.set(0);
    assert_eq!(store.sweep(T0.saturating_add(2_000), usize::MAX).unwrap(), 0);
    assert!(reads.get() <= 2, "an idle sweep took {} reads", reads.get());
}

#[test]
fn a_failing_backend_surfaces_a_typed_error_and_changes_nothing_visible() {
    let mut store =
        TaskStore::new(Counting::default(), CounterIds::new("t"), StoreConfig::default());
    let me = Owner::from("me");
    let task = store.create(&me, G, None, T0).unwrap();
    let before = store.get(&me, &task.task_id, T0).unwrap();
    let mut failing = TaskStore::new(
        Counting { fail_puts: true, ..Counting::default() },
        CounterIds::new("f"),
        StoreConfig::default(),
    );
    let err = failing.create(&me, G, None, T0).unwrap_err();
    assert_eq!(err.code(), "backend_failed");
    assert!(matches!(err, StoreError::Backend(BackendError { backend: "counting", .. })));
    assert!(failing.list(&me, None, T0).unwrap().tasks.is_empty(), "no half-created task listed");
    assert_eq!(store.get(&me, &task.task_id, T0).unwrap(), before);
}

#[test]
fn default_store_mints_unguessable_ids() {
    let mut store = TaskStore::in_memory();
    let me = Owner::from("me");
    let a = store.create(&me, G, None, T0).unwrap().task_id;
    let b = store.create(&me, G, None, T0).unwrap().task_id;
    assert_ne!(a, b);
    assert_eq!(a.as_str().len(), 32, "128 random bits in hex");
}
