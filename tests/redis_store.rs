//! The store conformance suite against a real `redis-server`, through the synchronous
//! adapter the server uses and through the async backend directly.
#![cfg(feature = "redis")]

mod redis_support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use mcp_tasks::id::CounterIds;
use mcp_tasks::redis::{BlockingRedis, RedisBackend};
use mcp_tasks::store::conformance::{self, Conflicts, concurrent};
use mcp_tasks::store::{AsyncTaskStore, Backend, Owner, StoreConfig, TaskStore};
use mcp_tasks::task::{Generation, MessageUpdate, TaskStatus};
use mcp_tasks::time::UnixMillis;
use redis_support::RedisServer;

const T0: UnixMillis = UnixMillis(1_763_000_000_000);

/// A backend factory whose every backend has keys of its own on one connection.
fn fresh(base: &BlockingRedis) -> impl FnMut() -> BlockingRedis + '_ {
    static N: AtomicU32 = AtomicU32::new(0);
    move || base.with_prefix(&format!("t{}", N.fetch_add(1, Ordering::Relaxed)))
}

#[test]
fn redis_backend_passes_the_suite() {
    let Some(server) = RedisServer::start(false) else { return };
    let base = BlockingRedis::connect(&server.url(), "suite").unwrap();
    let mut make = fresh(&base);
    conformance::writes_are_conditional(make());
    conformance::run_all(&mut make);
    conformance::run_all(|| Conflicts::every(make(), 2));
}

#[test]
fn racing_stores_over_redis_converge_in_every_schedule() {
    let Some(server) = RedisServer::start(false) else { return };
    let base = BlockingRedis::connect(&server.url(), "race").unwrap();
    concurrent::run_all(fresh(&base), 6);
    concurrent::run_all(|| Conflicts::every(fresh(&base)(), 3), 4);
}

#[test]
fn two_connections_share_one_table() {
    let Some(server) = RedisServer::start(false) else { return };
    let a = BlockingRedis::connect(&server.url(), "shared").unwrap();
    let b = BlockingRedis::connect(&server.url(), "shared").unwrap();
    let config = StoreConfig::default();
    let mut one = TaskStore::new(a, CounterIds::new("one"), config.clone());
    let mut two = TaskStore::new(b, CounterIds::new("two"), config);
    let me = Owner::from("me");
    let id = one.create(&me, Generation::Legacy, None, T0).unwrap().task_id;
    two.set_status(&id, TaskStatus::InputRequired, MessageUpdate::Keep, T0).unwrap();
    assert_eq!(one.get(&me, &id, T0).unwrap().task().status(), TaskStatus::InputRequired);
    assert_eq!(two.list(&me, None, T0).unwrap().tasks.len(), 1);
    let other = BlockingRedis::connect(&server.url(), "other").unwrap();
    let mut three = TaskStore::new(other, CounterIds::new("three"), StoreConfig::default());
    assert!(three.list(&me, None, T0).unwrap().tasks.is_empty(), "prefixes isolate");
}

#[test]
fn the_async_backend_serves_an_async_store() {
    let Some(server) = RedisServer::start(false) else { return };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let backend = RedisBackend::connect(&server.url(), "async").await.unwrap();
        let store = AsyncTaskStore::new(backend, CounterIds::new("a"), StoreConfig::default());
        let me = Owner::from("me");
        let task = store.create(&me, Generation::Extension, None, T0).await.unwrap();
        store
            .set_status(&task.task_id, TaskStatus::Working, MessageUpdate::Set("half".into()), T0)
            .await
            .unwrap();
        let got = store.get(&me, &task.task_id, T0).await.unwrap();
        assert_eq!(got.task().status_message.as_deref(), Some("half"));
    });
}

#[test]
fn versions_as_large_as_lua_numbers_allow_still_compare() {
    // Lua holds numbers as doubles: versions up to 2^53 must survive INCR, HSET and the
    // comparison with the caller's decimal text.
    let Some(server) = RedisServer::start(false) else { return };
    let backend = BlockingRedis::connect(&server.url(), "big").unwrap();
    let big: u64 = 1_000_000_000_000_000;
    backend
        .run(move |b| async move {
            let mut conn = b.connection();
            redis::cmd("SET")
                .arg(b.key("version"))
                .arg(big)
                .query_async::<()>(&mut conn)
                .await
                .map_err(|e| mcp_tasks::store::BackendError {
                    backend: "test",
                    reason: e.to_string(),
                })
        })
        .unwrap();
    let mut store = TaskStore::new(backend, CounterIds::new("b"), StoreConfig::default());
    let me = Owner::from("me");
    let id = store.create(&me, Generation::Legacy, None, T0).unwrap().task_id;
    store.set_status(&id, TaskStatus::InputRequired, MessageUpdate::Keep, T0).unwrap();
    store.set_status(&id, TaskStatus::Working, MessageUpdate::Keep, T0).unwrap();
    assert_eq!(store.get(&me, &id, T0).unwrap().task().status(), TaskStatus::Working);
}

#[test]
fn redis_down_is_a_typed_backend_failure_not_a_hang() {
    let Some(mut server) = RedisServer::start(false) else { return };
    let backend = BlockingRedis::connect(&server.url(), "down").unwrap();
    let mut store = TaskStore::new(backend, CounterIds::new("d"), StoreConfig::default());
    let me = Owner::from("me");
    let id = store.create(&me, Generation::Legacy, None, T0).unwrap().task_id;
    server.stop();
    let started = Instant::now();
    let err = store.get(&me, &id, T0).unwrap_err();
    assert_eq!(err.code(), "backend_failed", "{err}");
    assert!(err.to_string().contains("redis"), "{err}");
    let bound = mcp_tasks::redis::DEFAULT_TIMEOUT * 4 + Duration::from_secs(2);
    assert!(started.elapsed() < bound, "failed in {:?}", started.elapsed());
    assert!(BlockingRedis::connect(&server.url(), "down").is_err(), "no server, no backend");
}

#[test]
fn a_backend_can_be_used_from_inside_a_server_runtime() {
    let Some(server) = RedisServer::start(false) else { return };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let url = server.url();
    let counters = runtime.block_on(async move {
        // As the server does: connect and call from inside its async code.
        let handle = tokio::spawn(async move {
            let mut b = BlockingRedis::connect(&url, "inside").unwrap();
            b.counter_add("x", 2).unwrap();
            b.counters().unwrap()
        });
        handle.await.unwrap()
    });
    assert_eq!(counters, 1);
    let current = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let url = server.url();
    let n = current.block_on(async move {
        let mut b = BlockingRedis::connect(&url, "current").unwrap();
        b.counter_add("y", 1).unwrap()
    });
    assert_eq!(n, 1, "a current-thread runtime blocks instead of panicking");
}
