//! Records of 2025-11-25 sessions, so that any server sharing the store serves a session
//! another one opened: `P:session:{id}`, a string (the endpoint's `SharedSession` text)
//! that expires when the session has been idle for the session idle time, whichever
//! server saw it last.

use ::redis::AsyncCommands;

use super::{BlockingRedis, RedisBackend, failed};
use crate::store::BackendError;

impl RedisBackend {
    fn session_key(&self, id: &str) -> String {
        self.key(&format!("session:{id}"))
    }

    /// Stores session `id`'s record, expiring after `idle_ms` unless touched.
    pub async fn put_session(
        &self,
        id: &str,
        record: &str,
        idle_ms: u64,
    ) -> Result<(), BackendError> {
        let mut conn = self.connection();
        let () =
            conn.pset_ex(self.session_key(id), record, idle_ms.max(1)).await.map_err(failed)?;
        Ok(())
    }

    /// Session `id`'s record, if stored and not expired.
    pub async fn get_session(&self, id: &str) -> Result<Option<String>, BackendError> {
        let mut conn = self.connection();
        conn.get(self.session_key(id)).await.map_err(failed)
    }

    /// Restarts session `id`'s idle time (`idle_ms`); false when it is not stored (it
    /// ended, or expired).
    pub async fn touch_session(&self, id: &str, idle_ms: u64) -> Result<bool, BackendError> {
        let mut conn = self.connection();
        let idle = i64::try_from(idle_ms.max(1)).unwrap_or(i64::MAX);
        conn.pexpire(self.session_key(id), idle).await.map_err(failed)
    }

    /// Deletes session `id`'s record.
    pub async fn delete_session(&self, id: &str) -> Result<(), BackendError> {
        let mut conn = self.connection();
        let _: u64 = conn.del(self.session_key(id)).await.map_err(failed)?;
        Ok(())
    }
}

impl BlockingRedis {
    /// [`RedisBackend::put_session`].
    pub fn put_session(&self, id: &str, record: &str, idle_ms: u64) -> Result<(), BackendError> {
        let (id, record) = (id.to_owned(), record.to_owned());
        self.run(|b| async move { b.put_session(&id, &record, idle_ms).await })
    }

    /// [`RedisBackend::get_session`].
    pub fn get_session(&self, id: &str) -> Result<Option<String>, BackendError> {
        let id = id.to_owned();
        self.run(|b| async move { b.get_session(&id).await })
    }

    /// [`RedisBackend::touch_session`].
    pub fn touch_session(&self, id: &str, idle_ms: u64) -> Result<bool, BackendError> {
        let id = id.to_owned();
        self.run(|b| async move { b.touch_session(&id, idle_ms).await })
    }

    /// [`RedisBackend::delete_session`].
    pub fn delete_session(&self, id: &str) -> Result<(), BackendError> {
        let id = id.to_owned();
        self.run(|b| async move { b.delete_session(&id).await })
    }
}
