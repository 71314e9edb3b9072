//! A call's events for `updates()` and `callToolStream()`, bounded: the task's creation,
//! the last [`KEPT`] events, and the latest status even when it is older than those.
//!
//! Readers hold an absolute position. One that fell behind the window first gets the
//! creation (when it has not seen it), then the latest status (when that left the window
//! unseen), then the window: it never sees a status older than the current one after a
//! newer one, and a call that reports progress forever stays bounded.

use std::collections::VecDeque;

use serde_json::Value;

/// How many recent events a call keeps.
pub(crate) const KEPT: usize = 64;

/// Something a call went through.
#[derive(Clone, Debug)]
pub(crate) enum CallEvent {
    /// The task was created (the task as created).
    Created(Value),
    /// Its status or message changed (`{status, statusMessage, task?}`; the whole task
    /// when this client created it).
    Status(Value),
    /// `notifications/progress` (`{progress, total?, message?}`).
    Progress(Value),
    /// The server's interim text for the model (`{text}`).
    Model(Value),
}

/// The bounded event log of one call.
#[derive(Debug, Default)]
pub(crate) struct History {
    recent: VecDeque<CallEvent>,
    /// The absolute position of `recent[0]`.
    base: usize,
    /// The creation, once it left the window (it is always event 0).
    created: Option<CallEvent>,
    /// The latest status event and its position, once it left the window.
    latest_status: Option<(usize, CallEvent)>,
    /// The position of the latest status event still in the window.
    status_at: Option<usize>,
}

impl History {
    /// Appends `event`, dropping the oldest one beyond the bound.
    pub(crate) fn push(&mut self, event: CallEvent) {
        let at = self.base + self.recent.len();
        if matches!(event, CallEvent::Status(_) | CallEvent::Created(_)) {
            self.status_at = Some(at);
            self.latest_status = None;
        }
        self.recent.push_back(event);
        if self.recent.len() > KEPT {
            let Some(oldest) = self.recent.pop_front() else { return };
            let position = self.base;
            self.base += 1;
            if position == 0 && matches!(oldest, CallEvent::Created(_)) {
                self.created = Some(oldest.clone());
            }
            if self.status_at == Some(position) {
                self.status_at = None;
                self.latest_status = Some((position, oldest));
            }
        }
    }

    /// The first event at or after `pos` and the position after it, as described in the
    /// module docs.
    pub(crate) fn next(&self, pos: usize) -> Option<(CallEvent, usize)> {
        if pos < self.base {
            if pos == 0 {
                if let Some(created) = &self.created {
                    return Some((created.clone(), 1));
                }
            }
            if let Some((at, status)) = &self.latest_status {
                if *at >= pos && *at != 0 {
                    return Some((status.clone(), self.base));
                }
            }
            return self.next(self.base);
        }
        let event = self.recent.get(pos - self.base)?;
        Some((event.clone(), pos + 1))
    }

    /// How many events are held.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.recent.len()
            + usize::from(self.created.is_some())
            + usize::from(self.latest_status.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn tag(event: &CallEvent) -> String {
        match event {
            CallEvent::Created(_) => "created".into(),
            CallEvent::Status(v) => format!("status {}", v["n"]),
            CallEvent::Progress(v) | CallEvent::Model(v) => format!("progress {}", v["n"]),
        }
    }

    fn read_all(h: &History, mut pos: usize) -> Vec<String> {
        let mut seen = Vec::new();
        while let Some((event, next)) = h.next(pos) {
            seen.push(tag(&event));
            pos = next;
        }
        seen
    }

    #[wasm_bindgen_test]
    fn short_histories_are_kept_whole() {
        let mut h = History::default();
        h.push(CallEvent::Created(json!({})));
        h.push(CallEvent::Status(json!({"n": 1})));
        h.push(CallEvent::Progress(json!({"n": 2})));
        assert_eq!(read_all(&h, 0), ["created", "status 1", "progress 2"]);
        assert_eq!(read_all(&h, 2), ["progress 2"]);
    }

    #[wasm_bindgen_test]
    fn long_histories_keep_creation_latest_status_and_the_window() {
        let mut h = History::default();
        h.push(CallEvent::Created(json!({})));
        h.push(CallEvent::Status(json!({"n": 1})));
        for n in 2..1000 {
            h.push(CallEvent::Progress(json!({ "n": n })));
        }
        assert_eq!(h.held(), KEPT + 2);
        let seen = read_all(&h, 0);
        assert_eq!(seen[..3], ["created", "status 1", &format!("progress {}", 1000 - KEPT)]);
        assert_eq!(seen.len(), KEPT + 2);
        // A reader that saw the status does not see it again.
        let seen = read_all(&h, 2);
        assert_eq!(seen.len(), KEPT);
        // A newer status replaces the kept one.
        h.push(CallEvent::Status(json!({"n": 1000})));
        assert!(read_all(&h, 1).iter().all(|e| e != "status 1"));
        assert_eq!(read_all(&h, 1).last().map(String::as_str), Some("status 1000"));
    }
}
