//! Serving from a store other servers share ([`Config::store_url`]): the task table is the
//! only state that crosses servers, so what another server changed is seen by reading it.
//!
//! - Running work looks at the store every [`Config::store_poll`] (its wake-up is poked),
//!   so answers and cancel requests that came through another server reach it.
//! - At the same pace, the tasks that clients here follow (listen streams, held
//!   `tasks/result` calls) and whose work runs elsewhere are read again; a change is
//!   announced as a local one would be (a status notification, the held result). A
//!   change made here may so be announced twice: the same status again, never a lost one.
//! - The server renews a lease on each task whose work it runs, every third of
//!   [`Config::store_lease`], and drops it when the work ends. Every server claims
//!   lapsed leases (each one exactly once) and fails those tasks: their server stopped
//!   without finishing them, and no work will ever end them otherwise.
//!
//! SharedStore compare wall-clock times of different machines: keep the servers' clocks in
//! step to well under the lease.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::config::Config;
use super::state::{Shared, State, StoreBackend};
use crate::id::TaskId;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::receiver::http::SharedSession;
use crate::store::BackendError;
use crate::task::Task;
use crate::time::UnixMillis;

/// How many lapsed leases one pass claims.
const CLAIM_BATCH: usize = 64;

/// What a shared store holds besides tasks: leases on running work, and 2025-11-25
/// session records.
pub(crate) trait SharedStore: Send + Sync {
    /// Extends the leases of `tasks` to `until`.
    fn renew(&self, tasks: &[TaskId], until: UnixMillis) -> Result<(), BackendError>;
    /// Drops the lease of `task`.
    fn release(&self, task: &TaskId) -> Result<(), BackendError>;
    /// Takes up to `limit` leases that ended by `now`; each is handed to one caller only.
    fn claim_lapsed(&self, now: UnixMillis, limit: usize) -> Result<Vec<TaskId>, BackendError>;
    /// Stores session `id`'s record, expiring after `idle_ms` unless touched.
    fn put_session(&self, id: &str, record: &str, idle_ms: u64) -> Result<(), BackendError>;
    /// Session `id`'s record, if stored.
    fn get_session(&self, id: &str) -> Result<Option<String>, BackendError>;
    /// Restarts session `id`'s idle time; false when it is not stored.
    fn touch_session(&self, id: &str, idle_ms: u64) -> Result<bool, BackendError>;
    /// Deletes session `id`'s record.
    fn delete_session(&self, id: &str) -> Result<(), BackendError>;
}

#[cfg(feature = "redis")]
impl SharedStore for crate::redis::BlockingRedis {
    fn renew(&self, tasks: &[TaskId], until: UnixMillis) -> Result<(), BackendError> {
        self.renew_leases(tasks, until)
    }
    fn release(&self, task: &TaskId) -> Result<(), BackendError> {
        self.release_lease(task)
    }
    fn claim_lapsed(&self, now: UnixMillis, limit: usize) -> Result<Vec<TaskId>, BackendError> {
        crate::redis::BlockingRedis::claim_lapsed(self, now, limit)
    }
    fn put_session(&self, id: &str, record: &str, idle_ms: u64) -> Result<(), BackendError> {
        crate::redis::BlockingRedis::put_session(self, id, record, idle_ms)
    }
    fn get_session(&self, id: &str) -> Result<Option<String>, BackendError> {
        crate::redis::BlockingRedis::get_session(self, id)
    }
    fn touch_session(&self, id: &str, idle_ms: u64) -> Result<bool, BackendError> {
        crate::redis::BlockingRedis::touch_session(self, id, idle_ms)
    }
    fn delete_session(&self, id: &str) -> Result<(), BackendError> {
        crate::redis::BlockingRedis::delete_session(self, id)
    }
}

/// Before a request: a session it names that is not open here but is in the store was
/// opened by another server, and is adopted; one open here has its idle time restarted
/// in the store, since the client may turn to another server next, or, when its record
/// is gone (another server ended it), is forgotten here too.
pub(crate) fn before_request(shared: &Shared, store: &dyn SharedStore, session: &str) {
    let idle = ms(shared.config.session_idle);
    if shared.lock().endpoint().knows_session(session) {
        if let Ok(false) = store.touch_session(session, idle) {
            let mut st = shared.lock();
            st.endpoint().forget_session(session);
            st.flush();
        }
        return;
    }
    let Ok(Some(text)) = store.get_session(session) else { return };
    let Some(record) = SharedSession::decode(&text) else { return };
    let mut st = shared.lock();
    let now = st.now();
    if st.endpoint().adopt_session(session, &record, now) {
        let _ = store.touch_session(session, idle);
    }
}

/// After the endpoint acted: the sessions opened here go to the store, those ended here
/// leave it.
pub(crate) fn publish_sessions(st: &mut State, store: &dyn SharedStore, idle: Duration) {
    for (id, record) in st.endpoint().take_opened_sessions() {
        let _ = store.put_session(&id, &record.encode(), ms(idle));
    }
    for id in st.endpoint().take_ended_sessions() {
        let _ = store.delete_session(&id);
    }
}

/// The backend [`Config::store_url`] names, and its leases when it is shared.
pub(crate) fn open(
    config: &Config,
) -> std::io::Result<(StoreBackend, Option<Arc<dyn SharedStore>>)> {
    let Some(url) = config.store_url.as_deref() else {
        return Ok((Box::new(crate::store::MemoryBackend::new()), None));
    };
    let redis = ["redis://", "rediss://", "redis+unix://"].iter().any(|s| url.starts_with(s));
    if !redis {
        let message = format!("unknown store {url}: memory (the default) or redis://HOST:PORT");
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, message));
    }
    #[cfg(feature = "redis")]
    {
        let redis = crate::redis::BlockingRedis::connect(url, &config.store_prefix)
            .map_err(std::io::Error::other)?;
        Ok((Box::new(redis.clone()), Some(Arc::new(redis))))
    }
    #[cfg(not(feature = "redis"))]
    {
        let message = format!("store {url} needs the `redis` feature, which this build lacks");
        Err(std::io::Error::new(std::io::ErrorKind::Unsupported, message))
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Reads `tasks` again and announces those that changed since the last look (or that
/// were not looked at before); `seen` keeps what was read, for the followed tasks only.
fn announce_changes(shared: &Shared, tasks: Vec<TaskId>, seen: &mut HashMap<TaskId, Task>) {
    seen.retain(|id, _| tasks.contains(id));
    for id in tasks {
        let mut st = shared.lock();
        let now = st.now();
        // A task gone or unreadable now is looked at again next time.
        let Ok(record) = st.receiver().store().peek(&id, now) else { continue };
        if seen.get(&id) == Some(record.task()) {
            continue;
        }
        seen.insert(id, record.task().clone());
        st.receiver().announce(&record);
        st.drain_events();
    }
}

/// Pokes running work, renews its leases and fails the tasks of servers that stopped,
/// until the server stops (the caller aborts it).
pub(crate) async fn follow(shared: Arc<Shared>, leases: Arc<dyn SharedStore>) {
    let poll = shared.config.store_poll.max(Duration::from_millis(10));
    let lease = ms(shared.config.store_lease).max(1);
    let beat = (lease / 3).max(1);
    let mut last_beat: Option<UnixMillis> = None;
    let mut seen: HashMap<TaskId, Task> = HashMap::new();
    loop {
        tokio::time::sleep(poll).await;
        let (running, followed) = {
            let mut st = shared.lock();
            st.poke_all();
            (st.running_tasks(), st.endpoint().followed_tasks())
        };
        let remote = followed.into_iter().filter(|t| !running.contains(t)).collect();
        announce_changes(&shared, remote, &mut seen);
        let now = shared.now();
        if last_beat.is_none_or(|t| now.saturating_since(t) >= beat) {
            // A failed renewal is tried again at the next poll.
            if leases.renew(&running, now.saturating_add(lease)).is_ok() {
                last_beat = Some(now);
            }
        }
        let Ok(lapsed) = leases.claim_lapsed(now, CLAIM_BATCH) else { continue };
        for id in lapsed {
            if running.contains(&id) {
                // Ours, renewed late (a stalled process): still running here.
                let _ = leases.renew(std::slice::from_ref(&id), now.saturating_add(lease));
                continue;
            }
            let mut st = shared.lock();
            let now = st.now();
            let error = ErrorObject::new(
                ErrorCode::INTERNAL_ERROR,
                "The server running this task stopped before it finished",
            );
            // Refused when the task already ended or is gone: nothing to do then.
            let _ = st.receiver().work(&id).fail(error, now);
            st.drain_events();
        }
    }
}
