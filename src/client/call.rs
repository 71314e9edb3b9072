//! One call's state: what was asked, the task it became, and what to do next.

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::http::ExchangeId;
use crate::protocol::jsonrpc::RequestId;
use crate::task::{Generation, InputResponses, TaskStatus};
use crate::time::UnixMillis;

use super::InputId;
use super::config::TaskMode;
use super::schedule::follow_until;

/// The next request a call makes when its timer fires.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// `tools/call` (again, for a retry or a multi-round answer).
    Send,
    /// Resume a broken SSE stream with `GET` + `Last-Event-ID` (2025-11-25).
    Resume {
        /// The request whose stream it was.
        kind: super::RequestKind,
        /// The request whose response the stream owes.
        rpc: RequestId,
        /// Where to resume.
        last_event_id: String,
    },
    /// `tasks/get`.
    Poll,
    /// `tasks/result` of a terminal task (2025-11-25).
    Result,
    /// `tasks/result` held open to receive input requests (2025-11-25).
    OpenInput,
}

/// Where a call is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    /// `tools/call` not answered yet.
    Calling,
    /// A multi-round `tools/call` waits for the host's answers (extension).
    AwaitingInput,
    /// The call is a task being followed.
    Following,
}

/// Where a cancel request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cancel {
    /// Not asked for.
    None,
    /// Asked for while the call was in flight; sent once the task exists.
    Wanted,
    /// `tasks/cancel` in flight (or waiting for a retry).
    Sent,
    /// The extension acknowledged; the call ends cancelled at `until` if the task has not
    /// ended by then.
    Acked {
        /// When to stop waiting.
        until: UnixMillis,
    },
}

/// What the engine knows of a followed task.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Followed {
    pub task_id: TaskId,
    pub generation: Generation,
    pub status: TaskStatus,
    pub status_message: Option<String>,
    /// `createdAt + ttl`, when the task has a TTL.
    pub expires_at: Option<UnixMillis>,
    pub poll_interval_ms: Option<u64>,
    /// The newest `lastUpdatedAt` seen: older reports are stale, not news.
    pub last_updated_at: Option<UnixMillis>,
}

/// How a reported status relates to the one kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatusChange {
    /// The same status (the message may still have changed).
    Same,
    /// A move the state machine allows.
    Moved,
    /// A move out of a terminal status: the peer broke the protocol. The kept status stays.
    Regression,
}

/// The requestor's half of the state machine: which status to keep when a peer reports
/// `reported` while `kept` is known. Terminal statuses are sticky: the first terminal status
/// seen stays, whatever a peer says later.
pub(crate) fn status_change(kept: TaskStatus, reported: TaskStatus) -> StatusChange {
    if kept == reported {
        StatusChange::Same
    } else if kept.is_terminal() {
        StatusChange::Regression
    } else {
        StatusChange::Moved
    }
}

/// What an observation changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Observation {
    /// Nothing the host needs to hear.
    Unchanged,
    /// The status or its message changed.
    Changed,
    /// A terminal status was contradicted; the first one stays.
    Regression { kept: TaskStatus, reported: TaskStatus },
}

/// What a peer reported about a task.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Report<'a> {
    pub message: Option<&'a str>,
    pub poll_interval_ms: Option<u64>,
    pub expires_at: Option<UnixMillis>,
    pub last_updated_at: Option<UnixMillis>,
}

impl Followed {
    /// Records what a peer reported, keeping the first terminal status. A report older
    /// than one already seen (a poll answer overtaken by a notification) changes nothing:
    /// it is stale, not a contradiction.
    pub(super) fn observe(&mut self, reported: TaskStatus, report: Report<'_>) -> Observation {
        let Report { message, poll_interval_ms, expires_at, last_updated_at } = report;
        let (newer, stale) = match (last_updated_at, self.last_updated_at) {
            (Some(new), Some(seen)) => (new > seen, new < seen),
            _ => (true, false),
        };
        if stale {
            return Observation::Unchanged;
        }
        match status_change(self.status, reported) {
            StatusChange::Regression if newer => {
                Observation::Regression { kept: self.status, reported }
            }
            StatusChange::Regression => Observation::Unchanged,
            // A terminal task's record is frozen, its message included.
            StatusChange::Same if self.status.is_terminal() => Observation::Unchanged,
            change => {
                if poll_interval_ms.is_some() {
                    self.poll_interval_ms = poll_interval_ms;
                }
                if expires_at.is_some() {
                    self.expires_at = expires_at;
                }
                if last_updated_at.is_some() {
                    self.last_updated_at = last_updated_at;
                }
                let message_changed = self.status_message.as_deref() != message;
                self.status = reported;
                self.status_message = message.map(str::to_owned);
                if change == StatusChange::Moved || message_changed {
                    Observation::Changed
                } else {
                    Observation::Unchanged
                }
            }
        }
    }
}

/// A multi-round `tools/call` (extension): the questions of the current round.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Rounds {
    /// `requestState`, echoed on the next round.
    pub request_state: Option<Value>,
    /// The keys asked in this round, with their input ids (a handful: a vector costs the
    /// package less code than another map type).
    pub asked: Vec<(String, InputId)>,
    /// The answers so far.
    pub answers: InputResponses,
}

/// One call.
#[derive(Debug)]
pub(super) struct Call {
    pub tool: String,
    pub arguments: Option<Map<String, Value>>,
    pub mode: TaskMode,
    pub ttl_ms: Option<u64>,
    pub deadline: Option<UnixMillis>,
    pub token: String,
    pub stage: Stage,
    pub task: Option<Followed>,
    /// Whether the last `tools/call` asked for a task (2025-11-25).
    pub augmented: bool,
    /// A plain call refused as needing a task was retried as one.
    pub retried_as_task: bool,
    pub cancel: Cancel,
    pub cancel_failures: u32,
    /// When to (re)send `tasks/cancel`.
    pub cancel_at: Option<UnixMillis>,
    /// When to retry a failed `tasks/update`.
    pub update_at: Option<UnixMillis>,
    /// The `tools/call`, `tasks/get` or `tasks/result` in flight.
    pub primary: Option<ExchangeId>,
    /// `tasks/cancel` and `tasks/update` in flight (a few at most, in the order sent: a
    /// vector costs the package less code than another set type).
    pub side: Vec<ExchangeId>,
    /// Consecutive transient failures of the primary request.
    pub failures: u32,
    /// Consecutive malformed answers to the primary request.
    pub peer_errors: u32,
    /// What to do, and from when.
    pub next: Option<(Step, UnixMillis)>,
    pub rounds: Option<Rounds>,
    /// Extension input keys already handed to the host, with their input ids.
    pub surfaced: Vec<(String, InputId)>,
    /// Answers waiting for a `tasks/update`.
    pub outbox: InputResponses,
    /// Answers in the `tasks/update` in flight.
    pub sending: InputResponses,
    pub update_failures: u32,
    /// A -32602 from `tasks/result`, kept until a `tasks/get` says whether it was the
    /// task's stored error or "no such task".
    pub stored_error: Option<crate::protocol::jsonrpc::ErrorObject>,
}

impl Call {
    pub(super) fn new(
        tool: String,
        arguments: Option<Map<String, Value>>,
        mode: TaskMode,
        token: String,
    ) -> Self {
        Self {
            tool,
            arguments,
            mode,
            ttl_ms: None,
            deadline: None,
            token,
            stage: Stage::Calling,
            task: None,
            augmented: false,
            retried_as_task: false,
            cancel: Cancel::None,
            cancel_failures: 0,
            cancel_at: None,
            update_at: None,
            primary: None,
            side: Vec::new(),
            failures: 0,
            peer_errors: 0,
            next: None,
            rounds: None,
            surfaced: Vec::new(),
            outbox: InputResponses::new(),
            sending: InputResponses::new(),
            update_failures: 0,
            stored_error: None,
        }
    }

    /// When the engine stops following the call, and why.
    pub(super) fn ends_at(&self, grace_ms: u64) -> Option<(UnixMillis, super::ExpiryReason)> {
        let ttl_end = self.task.as_ref().and_then(|t| t.expires_at);
        let end = follow_until(self.deadline, ttl_end, ttl_end.map(|_| 0), grace_ms)?;
        let reason = if self.deadline == Some(end) {
            super::ExpiryReason::Deadline
        } else {
            super::ExpiryReason::Ttl
        };
        Some((end, reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskStatus::*;

    fn followed(status: TaskStatus) -> Followed {
        Followed {
            task_id: "t".into(),
            generation: Generation::Legacy,
            status,
            status_message: None,
            expires_at: None,
            poll_interval_ms: None,
            last_updated_at: None,
        }
    }

    fn at(ms: u64, message: Option<&str>) -> Report<'_> {
        Report { message, last_updated_at: Some(UnixMillis(ms)), ..Report::default() }
    }

    #[test]
    fn terminal_statuses_are_sticky() {
        for kept in TaskStatus::ALL {
            for reported in TaskStatus::ALL {
                let change = status_change(kept, reported);
                let want = if kept == reported {
                    StatusChange::Same
                } else if kept.is_terminal() {
                    StatusChange::Regression
                } else {
                    StatusChange::Moved
                };
                assert_eq!(change, want, "{kept} -> {reported}");
            }
        }
    }

    #[test]
    fn observe_keeps_the_first_terminal_and_freezes_its_message() {
        let mut f = followed(Working);
        let interval = Report { message: Some("1/3"), poll_interval_ms: Some(500), ..at(1, None) };
        assert_eq!(f.observe(Working, interval), Observation::Changed);
        assert_eq!(f.observe(Working, at(2, Some("1/3"))), Observation::Unchanged);
        assert_eq!(f.poll_interval_ms, Some(500));
        assert_eq!(f.observe(Failed, at(3, Some("boom"))), Observation::Changed);
        assert_eq!(
            f.observe(Working, at(4, Some("again"))),
            Observation::Regression { kept: Failed, reported: Working }
        );
        assert_eq!(
            f.observe(Completed, at(5, None)),
            Observation::Regression { kept: Failed, reported: Completed }
        );
        assert_eq!(f.observe(Failed, at(6, Some("other"))), Observation::Unchanged);
        assert_eq!((f.status, f.status_message.as_deref()), (Failed, Some("boom")));
    }

    #[test]
    fn stale_reports_are_not_contradictions() {
        let mut f = followed(Working);
        assert_eq!(f.observe(Completed, at(10, None)), Observation::Changed);
        // A poll answered before the task ended, delivered after the notification.
        assert_eq!(f.observe(Working, at(9, None)), Observation::Unchanged);
        assert_eq!(f.observe(Working, at(10, None)), Observation::Unchanged);
        assert_eq!(f.status, Completed);
        let mut g = followed(Working);
        assert_eq!(g.observe(InputRequired, at(5, None)), Observation::Changed);
        assert_eq!(g.observe(Working, at(4, None)), Observation::Unchanged);
        assert_eq!(g.status, InputRequired);
        // Without timestamps every report counts.
        assert_eq!(g.observe(Working, Report::default()), Observation::Changed);
    }

    #[test]
    fn the_earlier_of_deadline_and_ttl_ends_a_call() {
        let mut call = Call::new("x".into(), None, TaskMode::Auto, "p".into());
        assert_eq!(call.ends_at(100), None);
        call.deadline = Some(UnixMillis(5000));
        assert_eq!(
            call.ends_at(100),
            Some((UnixMillis(5000), super::super::ExpiryReason::Deadline))
        );
        let mut f = followed(Working);
        f.expires_at = Some(UnixMillis(1000));
        call.task = Some(f);
        assert_eq!(call.ends_at(100), Some((UnixMillis(1100), super::super::ExpiryReason::Ttl)));
    }
}
