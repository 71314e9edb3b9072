//! What status pushes change about polling. A notification stream proves itself by
//! carrying a status for a followed task; while such a stream stays open over a task, that
//! task is polled only every [`relaxed_poll_delay`] as a safety net, and the moment the
//! stream ends, fails or is replaced, its tasks go back to their plain interval counted
//! from then. A pushed terminal status goes straight to the result.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::extension::SubscriptionsAcknowledgedParams;
use crate::protocol::http::ExchangeId;
use crate::task::StatusPush;
use crate::time::UnixMillis;

use super::call::{Followed, Step};
use super::collect::Observed;
use super::exchange::Exchange;
use super::schedule::{poll_delay, relaxed_poll_delay};
use super::{CallId, Engine, TimerKey};

impl Engine {
    /// Whether a push would tell of a change of `task` now: a stream that has carried
    /// status for this client before is open over it, or is being opened for it.
    pub(super) fn push_covers(&self, task: &Followed) -> bool {
        match task.generation.policy().status_push {
            // The GET stream carries every task of the session, once its head is in.
            StatusPush::SessionStreams => {
                self.stream.proven
                    && self
                        .stream
                        .exchange
                        .and_then(|x| self.exchanges.get(&x))
                        .is_some_and(Exchange::is_stream)
            }
            StatusPush::Listen => {
                let listen = &self.listen;
                if !listen.proven || listen.broken || listen.disabled || !self.config.listen {
                    return false;
                }
                // A refresh due soon opens a stream over every followed task, this one too.
                let refresh = self.timers.get(TimerKey::Listen).is_some();
                match (&listen.acked, listen.exchange) {
                    (Some(ids), Some(_)) => refresh || ids.contains(&task.task_id),
                    // Sent, not acknowledged yet: it names every task followed when sent.
                    (None, Some(_)) => true,
                    (_, None) => refresh,
                }
            }
        }
    }

    /// The gap before `task`'s next poll: relaxed while a push would tell of its changes.
    pub(super) fn poll_gap(&self, task: &Followed) -> u64 {
        if self.push_covers(task) {
            relaxed_poll_delay(&self.config.poll, task.poll_interval_ms)
        } else {
            poll_delay(&self.config.poll, task.poll_interval_ms)
        }
    }

    /// A status pushed on exchange `via` for call `id`'s task. A terminal one makes a
    /// `tasks/get` in flight moot: it is dropped so that `tasks/result` goes out now, not a
    /// round trip later. Any other confirms the task as of now, so its next poll may wait.
    pub(super) fn pushed(
        &mut self,
        now: UnixMillis,
        via: ExchangeId,
        id: CallId,
        observed: Observed,
        terminal: bool,
    ) {
        let on_stream = Some(via) == self.stream.exchange || Some(via) == self.listen.exchange;
        if Some(via) == self.stream.exchange {
            self.stream.proven = true;
        }
        if Some(via) == self.listen.exchange {
            self.listen.proven = true;
        }
        let dropped = terminal && self.drop_poll(id);
        self.observe(now, id, observed, false);
        let Some(call) = self.calls.get(&id) else { return };
        if dropped && call.primary.is_none() && call.next.is_none() {
            // The push changed nothing (already known, or stale): the call still needs
            // its next step.
            self.next_after_status(now, id);
        } else if on_stream && call.failures == 0 && call.peer_errors == 0 {
            let gap = call.task.as_ref().filter(|t| self.push_covers(t)).map(|t| self.poll_gap(t));
            if let (Some(gap), Some(call)) = (gap, self.calls.get_mut(&id)) {
                if let Some((Step::Poll, at)) = &mut call.next {
                    *at = (*at).max(now.saturating_add(gap));
                }
            }
        }
        self.arm(now, id);
    }

    /// The listen stream's acknowledgement: which tasks it reports. Tasks whose relaxed
    /// poll lies beyond a plain interval are pulled back to one, for a change between the
    /// old stream's end and this one's start; a server that opens with each task's
    /// current status (as the reference server does) relaxes them again at once.
    pub(super) fn listen_acked(
        &mut self,
        now: UnixMillis,
        via: ExchangeId,
        params: &Map<String, Value>,
    ) {
        if Some(via) != self.listen.exchange {
            return;
        }
        let ids: HashSet<TaskId> = SubscriptionsAcknowledgedParams::from_map(params)
            .ok()
            .and_then(|p| p.notifications.task_ids)
            .unwrap_or_default()
            .into_iter()
            .collect();
        self.listen.broken = false;
        self.poll_plainly(now, StatusPush::Listen, Some(&ids));
        self.listen.acked = Some(ids);
    }

    /// A notification stream of kind `push` ended, failed or was replaced: the polls it
    /// relaxed return to the plain interval, counted from now.
    pub(super) fn push_lost(&mut self, now: UnixMillis, push: StatusPush) {
        self.poll_plainly(now, push, None);
    }

    /// Pulls the relaxed polls of the tasks whose pushes travel by `push` (of those in
    /// `only`, when given) back to at most a plain interval from now. Retries keep their
    /// backoff.
    fn poll_plainly(&mut self, now: UnixMillis, push: StatusPush, only: Option<&HashSet<TaskId>>) {
        let mut ids: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                c.task.as_ref().is_some_and(|t| {
                    t.generation.policy().status_push == push
                        && only.is_none_or(|o| o.contains(&t.task_id))
                })
            })
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        for id in ids {
            let Some(call) = self.calls.get_mut(&id) else { continue };
            let Some(task) = &call.task else { continue };
            let plain = now.saturating_add(poll_delay(&self.config.poll, task.poll_interval_ms));
            let retrying = call.failures > 0 || call.peer_errors > 0;
            match &mut call.next {
                Some((Step::Poll, at)) if *at > plain && !retrying => *at = plain,
                _ => continue,
            }
            self.arm(now, id);
        }
    }
}
