//! The table of 2025-11-25 sessions, indexed by when each was last used: idle expiry and
//! the session cap look only at the least recently used ones, so their work is what they
//! end, not the size of the table.

use std::collections::{BTreeMap, BTreeSet};

use super::session::Session;
use crate::time::UnixMillis;

/// The open sessions by id, and by when they were last seen.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_id: BTreeMap<String, Session>,
    by_seen: BTreeSet<(UnixMillis, String)>,
}

impl Sessions {
    /// How many are open.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn get(&self, id: &str) -> Option<&Session> {
        self.by_id.get(id)
    }

    /// The session, for changes other than when it was last seen ([`touch`](Self::touch)).
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Session> {
        self.by_id.get_mut(id)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.by_id.keys()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Session> {
        self.by_id.values_mut()
    }

    pub fn insert(&mut self, id: String, session: Session) {
        if let Some(old) = self.by_id.get(&id) {
            self.by_seen.remove(&(old.last_seen(), id.clone()));
        }
        self.by_seen.insert((session.last_seen(), id.clone()));
        self.by_id.insert(id, session);
    }

    pub fn remove(&mut self, id: &str) -> Option<Session> {
        let session = self.by_id.remove(id)?;
        self.by_seen.remove(&(session.last_seen(), id.to_owned()));
        Some(session)
    }

    /// The client used session `id` at `now`.
    pub fn touch(&mut self, id: &str, now: UnixMillis) {
        let Some(session) = self.by_id.get_mut(id) else {
            return;
        };
        let before = session.last_seen();
        if before == now {
            return;
        }
        self.by_seen.remove(&(before, id.to_owned()));
        session.set_last_seen(now);
        self.by_seen.insert((now, id.to_owned()));
    }

    /// The sessions last seen before `cutoff`, least recently used first.
    pub fn seen_before(&self, cutoff: UnixMillis) -> Vec<String> {
        self.by_seen.range(..(cutoff, String::new())).map(|(_, id)| id.clone()).collect()
    }

    /// When the least recently used session was last seen.
    pub fn oldest_seen(&self) -> Option<UnixMillis> {
        self.by_seen.first().map(|(at, _)| *at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(at: u64) -> Session {
        Session::new("2025-11-25".into(), UnixMillis(at), 0, None)
    }

    #[test]
    fn the_index_follows_every_change_of_last_seen() {
        let mut t = Sessions::default();
        t.insert("a".into(), session(10));
        t.insert("b".into(), session(20));
        t.insert("c".into(), session(30));
        t.touch("a", UnixMillis(40));
        assert_eq!(t.seen_before(UnixMillis(35)), ["b", "c"]);
        assert_eq!(t.oldest_seen(), Some(UnixMillis(20)));
        assert!(t.remove("b").is_some());
        assert_eq!(t.seen_before(UnixMillis(100)), ["c", "a"]);
        assert_eq!(t.get("a").map(Session::last_seen), Some(UnixMillis(40)));
        assert_eq!(t.len(), 2);
    }
}
