//! The server's side of a tool run: [`Host`] over the shared state, so that tool contexts
//! reach the state without the tool modules depending on it. What a tool says goes to the
//! endpoint as a report; only the cancel check reads the task directly.

use std::any::Any;

use super::ctx::Host;
use super::notes::Progress;
use super::state::Shared;
use super::state::StoreBackend;
use crate::id::{RandomIds, TaskId};
use crate::receiver::Work;
use crate::receiver::http::{ReportError, ToolReport, WorkId};
use crate::task::InputAnswers;
use crate::time::UnixMillis;

impl Host for Shared {
    fn with_work(
        &self,
        id: &TaskId,
        f: &mut dyn FnMut(&mut Work<'_, StoreBackend, RandomIds>, UnixMillis),
    ) {
        let mut st = self.lock();
        let now = st.now();
        f(&mut st.receiver().work(id), now);
        st.drain_events();
    }

    fn report(&self, work: &WorkId, report: ToolReport) -> Result<Option<String>, ReportError> {
        let mut st = self.lock();
        let now = st.now();
        let reported = st.endpoint().handle_tool_report(now, work, report);
        st.flush();
        reported
    }

    fn take_answers(&self, work: &WorkId) -> Result<InputAnswers, ReportError> {
        let mut st = self.lock();
        let now = st.now();
        let answers = st.endpoint().take_answers(now, work);
        st.drain_events();
        answers
    }

    fn progress(&self, id: &TaskId, note: Progress, report: ToolReport) {
        let mut st = self.lock();
        st.notes.progress(id, note);
        let now = st.now();
        // Refused once the task ended: late progress has nobody to tell.
        let _ = st.endpoint().handle_tool_report(now, &WorkId::Task(id.clone()), report);
        st.flush();
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}
