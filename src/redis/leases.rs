//! Leases on running work, so that a task whose server died is failed by another server
//! instead of staying `working` forever.
//!
//! One sorted set, `P:leases`: a member per running task, scored with the time (Unix ms)
//! its lease ends. The server running the work renews it; any server claims the lapsed
//! ones with one script, which removes them as it returns them, so exactly one server
//! acts on each.

use ::redis::{AsyncCommands, Script};

use super::{BlockingRedis, RedisBackend, failed};
use crate::id::TaskId;
use crate::store::BackendError;
use crate::time::UnixMillis;

/// Returns and removes up to `ARGV[2]` members scored at or below `ARGV[1]`.
const CLAIM: &str = r"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, id in ipairs(ids) do redis.call('ZREM', KEYS[1], id) end
return ids";

impl RedisBackend {
    /// Extends the leases of `tasks` to `until`.
    pub async fn renew_leases(
        &self,
        tasks: &[TaskId],
        until: UnixMillis,
    ) -> Result<(), BackendError> {
        if tasks.is_empty() {
            return Ok(());
        }
        let members: Vec<(u64, &str)> = tasks.iter().map(|t| (until.0, t.as_str())).collect();
        let mut conn = self.connection();
        let _: u64 = conn.zadd_multiple(self.key("leases"), &members).await.map_err(failed)?;
        Ok(())
    }

    /// Drops the lease of `task` (its work ended).
    pub async fn release_lease(&self, task: &TaskId) -> Result<(), BackendError> {
        let mut conn = self.connection();
        let _: u64 = conn.zrem(self.key("leases"), task.as_str()).await.map_err(failed)?;
        Ok(())
    }

    /// Up to `limit` tasks whose lease ended by `now`, taken out of the lease set: the
    /// caller is the only one to get each.
    pub async fn claim_lapsed(
        &self,
        now: UnixMillis,
        limit: usize,
    ) -> Result<Vec<TaskId>, BackendError> {
        let mut conn = self.connection();
        let ids: Vec<String> = Script::new(CLAIM)
            .key(self.key("leases"))
            .arg(now.0)
            .arg(limit)
            .invoke_async(&mut conn)
            .await
            .map_err(failed)?;
        Ok(ids.into_iter().map(TaskId).collect())
    }
}

impl BlockingRedis {
    /// [`RedisBackend::renew_leases`].
    pub fn renew_leases(&self, tasks: &[TaskId], until: UnixMillis) -> Result<(), BackendError> {
        let tasks = tasks.to_vec();
        self.run(|b| async move { b.renew_leases(&tasks, until).await })
    }

    /// [`RedisBackend::release_lease`].
    pub fn release_lease(&self, task: &TaskId) -> Result<(), BackendError> {
        let task = task.clone();
        self.run(|b| async move { b.release_lease(&task).await })
    }

    /// [`RedisBackend::claim_lapsed`].
    pub fn claim_lapsed(&self, now: UnixMillis, limit: usize) -> Result<Vec<TaskId>, BackendError> {
        self.run(|b| async move { b.claim_lapsed(now, limit).await })
    }
}
