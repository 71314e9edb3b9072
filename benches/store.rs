//! Receiver store throughput: create / get / transition / list with 10^4, 10^5 and 10^6
//! live tasks in the in-memory store, and what an expiry sweep costs by how many expired.
//!
//!   cargo bench --bench store            (BENCH_QUICK=1: 10^4 and 10^5 only)
//!
//! With `MCP_TASKS_BENCH_REDIS=redis://HOST:PORT` and `--features redis`, the get,
//! transition, list and create rows are measured again with 10^4 live tasks in that Redis
//! (through `BlockingRedis`, as `mcp-tasks serve --store` uses it; keys under a fresh
//! prefix, deleted afterwards), beside the in-memory rows. scripts/bench.sh starts a
//! redis-server on loopback for it.
//!
//! Plain `Instant` timing, each figure the median of several batches; the last line is the
//! rows as JSON for scripts/bench/report.mjs.

use std::hint::black_box;
use std::time::Instant;

use mcp_tasks::id::{RandomIds, TaskId};
use mcp_tasks::store::{Backend, MemoryBackend, Owner, StoreConfig, TaskStore};
use mcp_tasks::task::{Generation, MessageUpdate, TaskStatus};
use mcp_tasks::time::UnixMillis;

const OWNERS: usize = 1000;
const T0: UnixMillis = UnixMillis(1_800_000_000_000);
const LONG_TTL: u64 = 24 * 60 * 60 * 1000;

type Store<B = MemoryBackend> = TaskStore<B, RandomIds>;

fn store() -> Store {
    store_over(MemoryBackend::new())
}

fn store_over<B: Backend>(backend: B) -> Store<B> {
    let config = StoreConfig { max_ttl_ms: None, ..StoreConfig::default() }.without_budgets();
    TaskStore::new(backend, RandomIds, config)
}

fn owners() -> Vec<Owner> {
    (0..OWNERS).map(|i| Owner::new(format!("session-{i:04}"))).collect()
}

/// A store holding `n` live tasks spread over the owners, and their ids.
fn filled(n: usize, owners: &[Owner]) -> (Store, Vec<TaskId>) {
    fill(store(), n, owners)
}

fn fill<B: Backend>(mut s: Store<B>, n: usize, owners: &[Owner]) -> (Store<B>, Vec<TaskId>) {
    let ids = (0..n)
        .map(|i| {
            let owner = &owners[i % owners.len()];
            s.create(owner, Generation::Legacy, Some(LONG_TTL), T0).expect("create").task_id
        })
        .collect();
    (s, ids)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Operations per second: `batches` runs of `per_batch` calls of `op(i)`.
fn rate(batches: usize, per_batch: usize, mut op: impl FnMut(usize)) -> Vec<f64> {
    let mut out = Vec::new();
    let mut i = 0;
    for _ in 0..batches {
        let t = Instant::now();
        for _ in 0..per_batch {
            op(i);
            i += 1;
        }
        out.push(per_batch as f64 / t.elapsed().as_secs_f64());
    }
    out
}

struct Row {
    name: String,
    unit: &'static str,
    better: &'static str,
    samples: Vec<f64>,
}

fn main() {
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1" || v == "true");
    let sizes: &[usize] = if quick { &[10_000, 100_000] } else { &[10_000, 100_000, 1_000_000] };
    let batches = if quick { 5 } else { 9 };
    let per = 2000;
    let owners = owners();
    let mut rows = Vec::new();
    let mut push = |name: String, unit, better, samples: Vec<f64>| {
        println!("store {name}: median {:.0} {unit}", median(samples.clone()));
        rows.push(Row { name, unit, better, samples });
    };

    for &n in sizes {
        let t = Instant::now();
        let (mut s, ids) = filled(n, &owners);
        println!("store: filled {n} tasks in {:.2} s", t.elapsed().as_secs_f64());
        operations(&mut s, &ids, &owners, (batches, per), "", &mut push);
    }
    redis_rows(&owners, &mut push);

    // Sweep: 10^5 live tasks that stay, plus E that expire; one sweep removes the E.
    let expiring: &[usize] = if quick { &[100, 10_000] } else { &[100, 1_000, 10_000, 100_000] };
    for &e in expiring {
        let mut samples = Vec::new();
        for _ in 0..if quick { 2 } else { 3 } {
            let (mut s, _) = filled(100_000, &owners);
            for i in 0..e {
                s.create(&owners[i % OWNERS], Generation::Legacy, Some(1000), T0).expect("create");
            }
            let t = Instant::now();
            let removed = s.sweep(UnixMillis(T0.0 + 2000), usize::MAX).expect("sweep");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(removed, e, "the sweep removes exactly the expired tasks");
            samples.push(ms);
        }
        push(
            format!("expiry sweep of {e} expired (of {} total)", 100_000 + e),
            "ms",
            "lower",
            samples,
        );
    }

    let json: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{{\"section\":\"store\",\"name\":{:?},\"unit\":{:?},\"better\":{:?},\"ours\":{:?},\"ts\":null}}",
                r.name, r.unit, r.better, r.samples
            )
        })
        .collect();
    println!("{{\"rows\":[{}],\"notes\":[]}}", json.join(","));
}

type Push<'a> = dyn FnMut(String, &'static str, &'static str, Vec<f64>) + 'a;

/// The get, transition, list and create rows over a store of `ids.len()` live tasks,
/// named with `on` (the backend, when not memory).
fn operations<B: Backend>(
    s: &mut Store<B>,
    ids: &[TaskId],
    owners: &[Owner],
    (batches, per): (usize, usize),
    on: &str,
    push: &mut Push<'_>,
) {
    let n = ids.len();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut pick = || {
        // xorshift: a cheap spread of reads over the whole table.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n as u64) as usize
    };
    let picks: Vec<usize> = (0..batches * per).map(|_| pick()).collect();

    let get = rate(batches, per, |i| {
        let id = &ids[picks[i]];
        black_box(s.get(&owners[picks[i] % OWNERS], id, T0).expect("get"));
    });
    push(format!("get, {n} live{on}"), "ops/s", "higher", get);

    // working → input_required → working on the same tasks, a message each time.
    let transition = rate(batches, per, |i| {
        let to = if (i / (batches * per / 2)) % 2 == 0 {
            TaskStatus::InputRequired
        } else {
            TaskStatus::Working
        };
        let id = &ids[(i * 7919) % n];
        let _ = black_box(s.set_status(id, to, MessageUpdate::Set("step".into()), T0));
    });
    push(format!("transition (set_status), {n} live{on}"), "ops/s", "higher", transition);

    let list = rate(batches, per / 10, |i| {
        black_box(s.list(&owners[i % OWNERS], None, T0).expect("list"));
    });
    push(format!("list (first page of 50), {n} live{on}"), "pages/s", "higher", list);

    let create = rate(batches, per, |i| {
        black_box(
            s.create(&owners[i % OWNERS], Generation::Legacy, Some(LONG_TTL), T0).expect("create"),
        );
    });
    push(format!("create, {n} live{on}"), "ops/s", "higher", create);
}

/// The same rows through Redis, when `MCP_TASKS_BENCH_REDIS` names one.
#[cfg(feature = "redis")]
fn redis_rows(owners: &[Owner], push: &mut Push<'_>) {
    let Ok(url) = std::env::var("MCP_TASKS_BENCH_REDIS") else { return };
    let prefix = format!("mcp-tasks-bench-{}", std::process::id());
    let redis = mcp_tasks::redis::BlockingRedis::connect(&url, &prefix).expect("redis");
    let n = 10_000;
    let t = Instant::now();
    let (mut s, ids) = fill(store_over(redis.clone()), n, owners);
    println!("store: filled {n} tasks in Redis in {:.2} s", t.elapsed().as_secs_f64());
    operations(&mut s, &ids, owners, (5, 400), ", Redis", push);
    redis.clear().expect("the bench's keys deleted");
}

#[cfg(not(feature = "redis"))]
fn redis_rows(_: &[Owner], _: &mut Push<'_>) {
    if std::env::var_os("MCP_TASKS_BENCH_REDIS").is_some() {
        println!("store: MCP_TASKS_BENCH_REDIS is set but this build lacks --features redis");
    }
}
