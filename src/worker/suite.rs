//! The store conformance suite against [`SqlBackend`], for a test Worker to run inside
//! workerd (feature `worker-suite`): the same checks every backend passes; and the store
//! benchmark's operations, over the object's SQLite and in memory.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::sql::{SqlBackend, SqlStore};
use crate::id::{RandomIds, TaskId};
use crate::store::conformance::{self, Conflicts, concurrent};
use crate::store::{MemoryBackend, Owner, StoreConfig, TaskStore};
use crate::task::{Generation, MessageUpdate, TaskStatus};
use crate::time::UnixMillis;

thread_local! {
    static PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs the store suite over the SQLite tables in `storage` (emptied before each check)
/// and returns the names of the suites that passed. A failed check traps the instance;
/// [`last_panic`] then says which rule broke.
#[wasm_bindgen(js_name = runStoreConformance)]
pub fn run_store_conformance(
    #[wasm_bindgen(unchecked_param_type = "DurableObjectStateLike[\"storage\"]")] storage: JsValue,
) -> Result<Vec<String>, JsError> {
    std::panic::set_hook(Box::new(|info| PANIC.with(|p| *p.borrow_mut() = info.to_string())));
    let sql = SqlStore::new(&storage).map_err(|e| JsError::new(&format!("{e:?}")))?;
    let fresh = || {
        sql.clear();
        SqlBackend::new(sql.clone())
    };
    conformance::writes_are_conditional(fresh());
    conformance::run_all(fresh);
    conformance::run_all(|| Conflicts::every(fresh(), 2));
    concurrent::run_all(fresh, 6);
    Ok(vec![
        "writes_are_conditional".into(),
        "run_all".into(),
        "run_all with conflicts every 2nd write".into(),
        "concurrent::run_all (6 bits)".into(),
    ])
}

/// The message of the last panic (a failed check), or an empty string.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> String {
    PANIC.with(|p| p.borrow().clone())
}

/// A store under measurement, kept between the requests of the benchmark.
struct Bench {
    store: TaskStore<BenchBackend, RandomIds>,
    ids: Vec<TaskId>,
    owners: Vec<Owner>,
    next: usize,
}

type BenchBackend = super::backends::Store;

thread_local! {
    static BENCHES: RefCell<Vec<(String, Bench)>> = const { RefCell::new(Vec::new()) };
}

const BENCH_OWNERS: usize = 1000;
const BENCH_TTL: u64 = 24 * 60 * 60 * 1000;

/// One batch of the store benchmark (scripts/bench/store-do.mjs times the requests that
/// run it from outside, since a Worker's clock stands still while it computes): `op` is
/// `fill` (creates `count` tasks over 1000 owners), `get`, `set_status`, `list` (first
/// page of one owner) or `create`, run `count` times on the store named `name`: over
/// `storage` (a Durable Object's SQLite) or, when it is undefined, in memory. Returns how
/// many operations ran.
#[wasm_bindgen(js_name = storeBench)]
pub fn store_bench(
    name: &str,
    #[wasm_bindgen(unchecked_param_type = "DurableObjectStateLike[\"storage\"] | undefined")]
    storage: JsValue,
    op: &str,
    count: u32,
) -> Result<u32, JsError> {
    let fail = |e: &dyn std::fmt::Display| JsError::new(&e.to_string());
    BENCHES.with(|benches| {
        let mut benches = benches.borrow_mut();
        if !benches.iter().any(|(n, _)| n == name) {
            let backend = if storage.is_object() {
                let sql = SqlStore::new(&storage).map_err(|e| JsError::new(&format!("{e:?}")))?;
                sql.clear();
                super::backends::Store::Sql(SqlBackend::new(sql))
            } else {
                super::backends::Store::Memory(MemoryBackend::new())
            };
            let config =
                StoreConfig { max_ttl_ms: None, ..StoreConfig::default() }.without_budgets();
            let store = TaskStore::new(backend, RandomIds, config);
            let owners = (0..BENCH_OWNERS).map(|i| Owner::new(format!("session-{i:04}"))).collect();
            benches.push((name.to_owned(), Bench { store, ids: Vec::new(), owners, next: 0 }));
        }
        let Some((_, b)) = benches.iter_mut().find(|(n, _)| n == name) else {
            return Err(JsError::new("no such bench store"));
        };
        let t0 = UnixMillis(1_800_000_000_000);
        if b.ids.is_empty() && matches!(op, "get" | "set_status") && count > 0 {
            return Err(JsError::new("fill the store before reading it"));
        }
        for _ in 0..count {
            let i = b.next;
            b.next = b.next.wrapping_add(1);
            let Some(owner) = b.owners.get(i % BENCH_OWNERS) else { continue };
            // A spread of reads over the whole table (Knuth's multiplicative hash).
            let pick = |n: usize| (i.wrapping_mul(2_654_435_761)) % n.max(1);
            match op {
                "fill" | "create" => {
                    let task = b
                        .store
                        .create(owner, Generation::Legacy, Some(BENCH_TTL), t0)
                        .map_err(|e| fail(&e))?;
                    if op == "fill" {
                        b.ids.push(task.task_id);
                    }
                }
                "get" => {
                    let k = pick(b.ids.len());
                    let (Some(id), Some(owner)) = (b.ids.get(k), b.owners.get(k % BENCH_OWNERS))
                    else {
                        continue;
                    };
                    b.store.get(owner, id, t0).map_err(|e| fail(&e))?;
                }
                "set_status" => {
                    let Some(id) = b.ids.get(pick(b.ids.len())) else { continue };
                    let to =
                        if i % 2 == 0 { TaskStatus::InputRequired } else { TaskStatus::Working };
                    let _ = b.store.set_status(id, to, MessageUpdate::Set("step".into()), t0);
                }
                "list" => {
                    b.store.list(owner, None, t0).map_err(|e| fail(&e))?;
                }
                _ => return Err(JsError::new("op is fill, get, set_status, list or create")),
            }
        }
        Ok(count)
    })
}
