//! The server's side of a tool run: [`Host`] over the shared state, so that tool contexts
//! reach the state without the tool modules depending on it.

use std::any::Any;

use serde_json::Value;
use tokio::sync::watch;

use super::ctx::Host;
use super::notes::Progress;
use super::state::Shared;
use crate::id::{RandomIds, TaskId};
use crate::receiver::Work;
use crate::store::MemoryBackend;
use crate::time::UnixMillis;

impl Host for Shared {
    fn with_work(
        &self,
        id: &TaskId,
        f: &mut dyn FnMut(&mut Work<'_, MemoryBackend, RandomIds>, UnixMillis),
    ) {
        let mut st = self.lock();
        let now = st.now();
        f(&mut st.receiver.work(id), now);
        st.drain_events();
    }

    fn register_work(&self, id: &TaskId) -> watch::Receiver<u64> {
        self.lock().register_work(id)
    }

    fn progress(&self, id: &TaskId, note: Progress, notification: Option<(&str, &Value)>) {
        let mut st = self.lock();
        st.notes.progress(id, note);
        if let Some((session, msg)) = notification {
            st.notify_task(session, id, msg);
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
