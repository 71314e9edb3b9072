//! Tasks in Redis (feature `redis`), so that several processes serve one task table.
//!
//! [`RedisBackend`] is an [`AsyncBackend`] over redis-rs's [`ConnectionManager`] (one
//! multiplexed connection that reconnects on its own), for an [`AsyncTaskStore`] on a tokio
//! runtime. [`BlockingRedis`] is the same backend as a synchronous [`Backend`], for the
//! [`TaskStore`] the reference server calls from inside its locked state.
//!
//! Layout, under a configurable key prefix `P` (so that tests, tenants or deployments can
//! share one Redis):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `P:task:{id}` | hash | `v` (the record's [`Version`]), `r` (the record, [`StoredTask::encode`]) |
//! | `P:version` | string | the store-wide version counter (`INCR`): a version never repeats |
//! | `P:index` | sorted set | the index keys, all scored 0, scanned with `ZRANGEBYLEX` |
//! | `P:counters` | hash | the counters (`HINCRBY`), a field deleted when it comes back to 0 |
//! | `P:leases` | sorted set | running tasks by when their server's lease on them ends (the reference server's) |
//! | `P:session:{id}` | string | a 2025-11-25 session other servers may adopt, expiring when idle (the reference server's) |
//!
//! Every conditional write is one Lua script (sent by `EVALSHA`, and by `EVAL` when the
//! server has not seen it yet, e.g. after a restart), so it is atomic on the server and
//! needs no `WATCH` round trips. A single Redis (with replicas, or persistence by
//! `appendonly`) is expected, not Redis Cluster: the scripts touch two keys of different
//! slots.
//!
//! [`AsyncTaskStore`]: crate::store::AsyncTaskStore
//! [`TaskStore`]: crate::store::TaskStore
//! [`ConnectionManager`]: ::redis::aio::ConnectionManager

mod blocking;
mod leases;
mod sessions;

pub use blocking::BlockingRedis;

use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{AsyncCommands, Script};

use crate::id::TaskId;
use crate::store::{AsyncBackend, BackendError, StoredTask, Version, Versioned, Write};

const NAME: &str = "redis";

/// Stores `ARGV[1]` under a fresh version unless the task key exists.
const CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local v = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'v', v, 'r', ARGV[1])
return v";

/// Replaces the record with `ARGV[2]` under a fresh version if it is at version `ARGV[1]`.
const PUT: &str = r"
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
local v = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], 'v', v, 'r', ARGV[2])
return v";

/// Deletes the record if it is at version `ARGV[1]`.
const REMOVE: &str = r"
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1";

/// Adds `ARGV[2]` to counter `ARGV[1]`, deleting it at 0.
const COUNTER: &str = r"
local v = redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
if v == 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return v";

/// How long a command or a connection attempt may take before it fails with a
/// [`BackendError`] instead of holding the caller.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// A task table in Redis, for [`AsyncTaskStore`](crate::store::AsyncTaskStore) on tokio.
#[derive(Clone)]
pub struct RedisBackend {
    conn: ConnectionManager,
    prefix: String,
    scripts: Scripts,
}

#[derive(Clone)]
struct Scripts {
    create: Script,
    put: Script,
    remove: Script,
    counter: Script,
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn failed(e: impl std::fmt::Display) -> BackendError {
    BackendError { backend: NAME, reason: e.to_string() }
}

impl RedisBackend {
    /// Connects to `url` (`redis://host:port/db`, `rediss://…`, `redis+unix:///path`) and
    /// keeps every key under `prefix` (e.g. `"mcp-tasks"`). Commands fail after
    /// [`DEFAULT_TIMEOUT`]; the connection is re-established in the background after an
    /// IO error. Call inside a tokio runtime: the connection's driver runs on it.
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, BackendError> {
        let client = ::redis::Client::open(url).map_err(failed)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(DEFAULT_TIMEOUT))
            .set_response_timeout(Some(DEFAULT_TIMEOUT))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client, config).await.map_err(failed)?;
        let scripts = Scripts {
            create: Script::new(CREATE),
            put: Script::new(PUT),
            remove: Script::new(REMOVE),
            counter: Script::new(COUNTER),
        };
        Ok(Self { conn, prefix: prefix.to_owned(), scripts })
    }

    /// The same connection with every key under `prefix` instead.
    pub fn with_prefix(&self, prefix: &str) -> Self {
        Self { prefix: prefix.to_owned(), ..self.clone() }
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A Redis key under the prefix.
    pub fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    fn task_key(&self, id: &TaskId) -> String {
        format!("{}:task:{}", self.prefix, id.as_str())
    }

    /// A connection for commands of the caller's own (sessions, leases): it shares the
    /// multiplexed connection.
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Deletes every key under the prefix (with `SCAN`, so it does not block the server).
    pub async fn clear(&self) -> Result<usize, BackendError> {
        let mut conn = self.conn.clone();
        let pattern = format!("{}:*", self.prefix);
        let mut cursor = 0u64;
        let mut removed = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = ::redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await
                .map_err(failed)?;
            if !keys.is_empty() {
                removed += keys.len();
                let () = conn.del(keys).await.map_err(failed)?;
            }
            if next == 0 {
                return Ok(removed);
            }
            cursor = next;
        }
    }

    /// How many counters are stored (see [`Backend::counters`](crate::store::Backend::counters)).
    pub async fn counters(&self) -> Result<usize, BackendError> {
        let mut conn = self.conn.clone();
        conn.hlen(self.key("counters")).await.map_err(failed)
    }
}

/// A script's reply read as a version: 0 means the condition did not hold.
fn written(v: u64) -> Write {
    if v == 0 { Write::Conflict } else { Write::Done(Version(v)) }
}

impl AsyncBackend for RedisBackend {
    async fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        let mut conn = self.conn.clone();
        let (v, r): (Option<u64>, Option<String>) = ::redis::cmd("HMGET")
            .arg(self.task_key(id))
            .arg("v")
            .arg("r")
            .query_async(&mut conn)
            .await
            .map_err(failed)?;
        match (v, r) {
            (Some(v), Some(r)) => {
                Ok(Some(Versioned { task: StoredTask::decode(&r, NAME)?, version: Version(v) }))
            }
            _ => Ok(None),
        }
    }

    async fn create(&self, task: StoredTask) -> Result<Write, BackendError> {
        let mut conn = self.conn.clone();
        let v: u64 = self
            .scripts
            .create
            .key(self.task_key(&task.task().task_id))
            .key(self.key("version"))
            .arg(task.encode())
            .invoke_async(&mut conn)
            .await
            .map_err(failed)?;
        Ok(written(v))
    }

    async fn put_if_version(
        &self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError> {
        let mut conn = self.conn.clone();
        let v: u64 = self
            .scripts
            .put
            .key(self.task_key(&task.task().task_id))
            .key(self.key("version"))
            .arg(expected.0)
            .arg(task.encode())
            .invoke_async(&mut conn)
            .await
            .map_err(failed)?;
        Ok(written(v))
    }

    async fn remove_if_version(
        &self,
        id: &TaskId,
        expected: Version,
    ) -> Result<Write, BackendError> {
        let mut conn = self.conn.clone();
        let done: u64 = self
            .scripts
            .remove
            .key(self.task_key(id))
            .arg(expected.0)
            .invoke_async(&mut conn)
            .await
            .map_err(failed)?;
        Ok(if done == 1 { Write::Done(expected) } else { Write::Conflict })
    }

    async fn index_insert(&self, key: String) -> Result<(), BackendError> {
        let mut conn = self.conn.clone();
        let _: u64 = conn.zadd(self.key("index"), key, 0).await.map_err(failed)?;
        Ok(())
    }

    async fn index_remove(&self, key: &str) -> Result<(), BackendError> {
        let mut conn = self.conn.clone();
        let _: u64 = conn.zrem(self.key("index"), key).await.map_err(failed)?;
        Ok(())
    }

    async fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut min = Vec::with_capacity(prefix.len() + 1);
        match after {
            Some(after) if after >= prefix => {
                min.push(b'(');
                min.extend_from_slice(after.as_bytes());
            }
            _ => {
                min.push(b'[');
                min.extend_from_slice(prefix.as_bytes());
            }
        }
        // 0xFF never occurs in UTF-8, so it sorts after every key with the prefix.
        let mut max = Vec::with_capacity(prefix.len() + 2);
        max.push(b'[');
        max.extend_from_slice(prefix.as_bytes());
        max.push(0xFF);
        let mut conn = self.conn.clone();
        let keys: Vec<String> = ::redis::cmd("ZRANGEBYLEX")
            .arg(self.key("index"))
            .arg(min)
            .arg(max)
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut conn)
            .await
            .map_err(failed)?;
        Ok(keys.into_iter().filter(|k| k.starts_with(prefix)).collect())
    }

    async fn counter_add(&self, name: &str, delta: i64) -> Result<i64, BackendError> {
        let mut conn = self.conn.clone();
        self.scripts
            .counter
            .key(self.key("counters"))
            .arg(name)
            .arg(delta)
            .invoke_async(&mut conn)
            .await
            .map_err(failed)
    }
}
