//! Server→client input requests waiting for a session client's response, by session and
//! request id, and by task: ending a session or a task finds its own without looking at
//! everyone else's.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::session::Reader;
use crate::id::TaskId;

/// A session id and a request id (as [`request_key`](super::route) writes it).
pub(super) type Key = (String, String);

/// A server→client input request waiting for the client's response.
#[derive(Debug)]
pub(super) struct Pending {
    pub task: TaskId,
    pub key: String,
    /// Order of asking, so that re-sends keep it.
    pub seq: u64,
    pub msg: Value,
    /// Sent with `params.task`: the client may answer with a task of its own.
    pub augmented: bool,
    /// How many times it was asked before, the client having lost the task it made for it.
    pub asked_again: u8,
    /// The stream it last went out on with a client reading, if any.
    pub delivered_on: Option<Reader>,
}

/// The waiting input requests.
#[derive(Debug, Default)]
pub(super) struct Pendings {
    by_key: BTreeMap<Key, Pending>,
    by_task: BTreeMap<TaskId, BTreeSet<Key>>,
}

impl Pendings {
    pub fn insert(&mut self, key: Key, pending: Pending) {
        if let Some(old) = self.by_key.remove(&key) {
            self.unindex(&old.task, &key);
        }
        self.by_task.entry(pending.task.clone()).or_default().insert(key.clone());
        self.by_key.insert(key, pending);
    }

    pub fn get(&self, key: &Key) -> Option<&Pending> {
        self.by_key.get(key)
    }

    pub fn get_mut(&mut self, key: &Key) -> Option<&mut Pending> {
        self.by_key.get_mut(key)
    }

    pub fn remove(&mut self, key: &Key) -> Option<Pending> {
        let pending = self.by_key.remove(key)?;
        self.unindex(&pending.task, key);
        Some(pending)
    }

    /// Drops every request of `task`; the keys of those sent with `params.task`.
    pub fn remove_task(&mut self, task: &TaskId) -> Vec<Key> {
        let mut augmented = Vec::new();
        for key in self.by_task.remove(task).unwrap_or_default() {
            if self.by_key.remove(&key).is_some_and(|p| p.augmented) {
                augmented.push(key);
            }
        }
        augmented
    }

    /// Whether question `question` of `task` is out already.
    pub fn asks(&self, task: &TaskId, question: &str) -> bool {
        self.by_task.get(task).is_some_and(|keys| {
            keys.iter().any(|k| self.by_key.get(k).is_some_and(|p| p.key == question))
        })
    }

    /// Drops question `question` of `task`.
    pub fn remove_question(&mut self, task: &TaskId, question: &str) {
        let keys: Vec<Key> = self.by_task.get(task).into_iter().flatten().cloned().collect();
        for key in keys {
            if self.by_key.get(&key).is_some_and(|p| p.key == question) {
                self.remove(&key);
            }
        }
    }

    /// The keys of session `session`'s requests.
    pub fn of_session(&self, session: &str) -> Vec<Key> {
        self.by_key
            .range((session.to_owned(), String::new())..)
            .take_while(|((s, _), _)| s == session)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// Drops every request of session `session`.
    pub fn remove_session(&mut self, session: &str) {
        for key in self.of_session(session) {
            self.remove(&key);
        }
    }

    fn unindex(&mut self, task: &TaskId, key: &Key) {
        if let Some(keys) = self.by_task.get_mut(task) {
            keys.remove(key);
            if keys.is_empty() {
                self.by_task.remove(task);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(task: &str, key: &str, seq: u64) -> Pending {
        Pending {
            task: task.into(),
            key: key.into(),
            seq,
            msg: Value::Null,
            augmented: false,
            asked_again: 0,
            delivered_on: None,
        }
    }

    fn k(session: &str, id: &str) -> Key {
        (session.into(), id.into())
    }

    #[test]
    fn sessions_and_tasks_find_only_their_own() {
        let mut p = Pendings::default();
        p.insert(k("s1", "1"), ask("t1", "a", 1));
        p.insert(k("s1", "2"), ask("t2", "b", 2));
        p.insert(k("s10", "1"), ask("t3", "c", 3));
        p.insert(k("s2", "1"), ask("t1", "d", 4));
        assert_eq!(p.of_session("s1"), [k("s1", "1"), k("s1", "2")]);
        p.remove_task(&"t1".into());
        assert_eq!(p.of_session("s1"), [k("s1", "2")]);
        assert!(p.of_session("s2").is_empty());
        p.remove_session("s1");
        assert!(p.get(&k("s1", "2")).is_none());
        assert!(p.get(&k("s10", "1")).is_some(), "a session whose id extends another's stays");
        p.remove_question(&"t3".into(), "c");
        assert!(p.by_key.is_empty() && p.by_task.is_empty());
    }
}
