//! What the server remembers about each task besides the store's record: the tool it runs
//! and the latest progress that tool reported. The control tools read it, so a host that
//! knows nothing of tasks (and so holds no progress token) still sees how far a task got.
//! Entries go when the store deletes their task.

use std::collections::HashMap;

use crate::id::TaskId;

/// A progress report: `progress` so far, out of `total` when the tool knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Progress {
    pub progress: u64,
    pub total: Option<u64>,
}

impl Progress {
    /// The share done, in whole percent, when the total is known (never above 100, since
    /// a tool may overshoot its own estimate).
    pub fn percent(&self) -> Option<u64> {
        let total = self.total.filter(|t| *t > 0)?;
        let share = u128::from(self.progress) * 100 / u128::from(total);
        Some(u64::try_from(share.min(100)).unwrap_or(100))
    }

    /// How the progress reads in a sentence: "2 of 5 (40%)", or "7" without a total.
    pub fn words(&self) -> String {
        match (self.total, self.percent()) {
            (Some(total), Some(percent)) => format!("{} of {total} ({percent}%)", self.progress),
            _ => self.progress.to_string(),
        }
    }
}

/// One task's notes.
#[derive(Clone, Debug, Default)]
pub(crate) struct Note {
    /// The tool the task runs.
    pub tool: String,
    /// The latest progress report, if any came.
    pub progress: Option<Progress>,
}

/// The notes of every task the store still holds.
#[derive(Debug, Default)]
pub(crate) struct Notes(HashMap<TaskId, Note>);

impl Notes {
    /// Records that task `id` runs `tool`.
    pub fn started(&mut self, id: &TaskId, tool: &str) {
        self.0.insert(id.clone(), Note { tool: tool.to_owned(), progress: None });
    }

    /// Records the task's latest progress; ignored for a task never started here.
    pub fn progress(&mut self, id: &TaskId, progress: Progress) {
        if let Some(note) = self.0.get_mut(id) {
            note.progress = Some(progress);
        }
    }

    /// The notes of task `id`.
    pub fn get(&self, id: &TaskId) -> Option<&Note> {
        self.0.get(id)
    }

    /// Forgets a task the store deleted.
    pub fn removed(&mut self, id: &TaskId) {
        self.0.remove(id);
    }

    /// How many tasks have notes.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_needs_a_total_and_stays_within_bounds() {
        let p = |progress, total| Progress { progress, total };
        assert_eq!(p(2, Some(5)).percent(), Some(40));
        assert_eq!(p(2, Some(3)).percent(), Some(66));
        assert_eq!(p(9, Some(3)).percent(), Some(100));
        assert_eq!(p(u64::MAX, Some(u64::MAX)).percent(), Some(100));
        assert_eq!(p(2, Some(0)).percent(), None);
        assert_eq!(p(2, None).percent(), None);
        assert_eq!(p(2, Some(5)).words(), "2 of 5 (40%)");
        assert_eq!(p(7, None).words(), "7");
    }

    #[test]
    fn notes_follow_the_task_and_go_with_it() {
        let mut notes = Notes::default();
        let id = TaskId::from("t1");
        notes.progress(&id, Progress { progress: 1, total: None });
        assert!(notes.get(&id).is_none(), "progress alone makes no note");
        notes.started(&id, "slow_compute");
        notes.progress(&id, Progress { progress: 1, total: Some(3) });
        notes.progress(&id, Progress { progress: 2, total: Some(3) });
        let note = notes.get(&id).unwrap();
        assert_eq!(note.tool, "slow_compute");
        assert_eq!(note.progress, Some(Progress { progress: 2, total: Some(3) }));
        notes.removed(&id);
        assert_eq!(notes.len(), 0);
    }
}
