//! Questions a 2025-11-25 client answers as tasks of its own: what the client said it
//! hosts, the client tasks followed for a question until they end, when each is next
//! polled, and the server→client `tasks/*` requests waiting for a reply.
//!
//! A person may take minutes over an elicitation; a client that declared
//! `tasks.requests.elicitation.create` answers a question sent with `params.task` at once
//! with a `CreateTaskResult`, and the server polls that task (`tasks/get`) and fetches its
//! answer (`tasks/result`) instead of holding the question open.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::{Value, json};

use super::session::Reader;
use crate::id::TaskId;
use crate::protocol::WireError;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::ClientCapabilities;
use crate::time::UnixMillis;

/// The poll interval used when the client's task names none (the TypeScript SDK's).
pub(super) const DEFAULT_POLL_MS: u64 = 1_000;
/// The bounds put on a client's `pollInterval`: a client cannot make the server poll in a
/// busy loop, nor so rarely that an answer waits minutes to be noticed.
pub(super) const POLL_BOUNDS_MS: (u64, u64) = (50, 60_000);
/// How many questions sent with `params.task` are remembered after their server task
/// ended, so that a client task created for one later is cancelled.
const ABANDONED: usize = 256;
/// How many `tasks/cancel` requests wait per session for a stream to reach its client.
const QUEUED: usize = 16;

/// What a session's client hosts as tasks, from its `initialize` capabilities.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientHosting {
    elicitation: bool,
    sampling: bool,
    cancel: bool,
}

impl ClientHosting {
    /// What `capabilities` declare; nothing before 2025-11-25, which has no tasks.
    #[inline]
    pub fn declared(protocol_version: &str, capabilities: &ClientCapabilities) -> Self {
        match capabilities.tasks.as_ref().filter(|_| protocol_version >= "2025-11-25") {
            Some(tasks) => Self {
                elicitation: tasks.supports_elicitation_create(),
                sampling: tasks.supports_sampling_create_message(),
                cancel: tasks.supports_cancel(),
            },
            None => Self::default(),
        }
    }

    /// Whether questions of `method` may go task-augmented.
    #[inline]
    pub fn hosts(self, method: &str) -> bool {
        match method {
            "elicitation/create" => self.elicitation,
            "sampling/createMessage" => self.sampling,
            _ => false,
        }
    }

    /// Whether the client serves `tasks/cancel`.
    #[inline]
    pub fn cancels(self) -> bool {
        self.cancel
    }
}

/// Why a question the client took as a task of its own got no answer from it. The tool
/// that asked receives it as a JSON-RPC error ([`to_error_object`](Self::to_error_object))
/// in place of the answer.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ClientTaskError {
    /// The client's reply did not have the shape its method gives (a `CreateTaskResult`
    /// without a task, a `tasks/get` result with an unknown status, ...).
    #[error("the client's {what} was malformed: {source}")]
    Malformed {
        /// What was being read.
        what: &'static str,
        /// How it was wrong.
        #[source]
        source: WireError,
    },
    /// The client's task ended `cancelled`: no answer comes.
    #[error("the client cancelled its task {task}{}", detail(.status_message))]
    Cancelled {
        /// The client's task.
        task: TaskId,
        /// Its `statusMessage`, if it gave one.
        status_message: Option<String>,
    },
    /// The client answered `tasks/get` for its task with an error (it expired, or the
    /// client forgot it).
    #[error("the client lost its task {task}: {} ({})", .error.message, .error.code.0)]
    Lost {
        /// The client's task.
        task: TaskId,
        /// The client's error.
        error: ErrorObject,
    },
}

#[inline]
fn detail(message: &Option<String>) -> String {
    message.as_ref().map(|m| format!(": {m}")).unwrap_or_default()
}

impl ClientTaskError {
    /// A stable code for this error.
    #[inline]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "client_task.malformed",
            Self::Cancelled { .. } => "client_task.cancelled",
            Self::Lost { .. } => "client_task.lost",
        }
    }

    /// The error the asking tool receives: -32603, the message, and `data.reason` =
    /// [`code`](Self::code) (with the client's task id when known).
    #[inline]
    pub fn to_error_object(&self) -> ErrorObject {
        let mut data = json!({"reason": self.code()});
        match self {
            Self::Cancelled { task, .. } | Self::Lost { task, .. } => {
                data["clientTaskId"] = json!(task);
            }
            Self::Malformed { .. } => {}
        }
        if let Self::Lost { error, .. } = self {
            data["clientError"] = json!({"code": error.code.0, "message": error.message});
        }
        ErrorObject::new(ErrorCode::INTERNAL_ERROR, self.to_string()).with_data(data)
    }
}

/// A question: the server task that asked it and its key.
pub(super) type Question = (TaskId, String);

/// What a followed client task waits for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Not terminal yet: `tasks/get` at the poll interval.
    Polling,
    /// Terminal: `tasks/result` fetches its answer.
    Fetching,
}

impl Phase {
    #[inline]
    pub fn method(self) -> &'static str {
        match self {
            Phase::Polling => "tasks/get",
            Phase::Fetching => "tasks/result",
        }
    }
}

/// A client task followed for a question.
#[derive(Debug)]
pub(super) struct Follow {
    pub session: String,
    pub client_task: TaskId,
    pub poll_ms: u64,
    pub phase: Phase,
    /// The request out now (its id as a key) and the stream it went out on, if any.
    pub out: Option<(String, Option<Reader>)>,
    /// The question as sent, to ask again if the client loses its task.
    pub question: Value,
    /// How many times the question was asked again already.
    pub asked_again: u8,
    due: Option<UnixMillis>,
}

impl Follow {
    /// Follows `client_task`, made by session `session`'s client for `question`.
    #[inline]
    pub fn new(session: String, client_task: TaskId, poll_ms: u64, question: Value) -> Self {
        Self {
            session,
            client_task,
            poll_ms,
            phase: Phase::Polling,
            out: None,
            question,
            asked_again: 0,
            due: None,
        }
    }
}

/// The followed client tasks, by question, with their timers and the replies they wait
/// for.
#[derive(Debug, Default)]
pub(super) struct Follows {
    by_question: BTreeMap<Question, Follow>,
    due: BTreeSet<(UnixMillis, Question)>,
    /// Requests out, by session and request id key.
    replies: BTreeMap<(String, String), Question>,
    /// Questions sent with `params.task` whose server task ended before the client
    /// answered, by session and request id key, oldest first.
    abandoned: VecDeque<(String, String)>,
    /// Requests (`tasks/cancel`) no stream reached yet, by session.
    queued: BTreeMap<String, Vec<Value>>,
}

impl Follows {
    #[inline]
    pub fn insert(&mut self, question: Question, follow: Follow) {
        self.remove(&question);
        self.by_question.insert(question, follow);
    }

    #[inline]
    pub fn get(&self, question: &Question) -> Option<&Follow> {
        self.by_question.get(question)
    }

    #[inline]
    pub fn get_mut(&mut self, question: &Question) -> Option<&mut Follow> {
        self.by_question.get_mut(question)
    }

    /// Whether `question` is followed.
    #[inline]
    pub fn follows(&self, question: &Question) -> bool {
        self.by_question.contains_key(question)
    }

    /// Wakes `question` at `at` (instead of any earlier time set).
    #[inline]
    pub fn wake_at(&mut self, question: &Question, at: UnixMillis) {
        let Some(f) = self.by_question.get_mut(question) else {
            return;
        };
        if let Some(old) = f.due.replace(at) {
            self.due.remove(&(old, question.clone()));
        }
        self.due.insert((at, question.clone()));
    }

    /// The earliest wake-up.
    #[inline]
    pub fn next_due(&self) -> Option<UnixMillis> {
        self.due.first().map(|(at, _)| *at)
    }

    /// The questions due at `now`, their timers cleared.
    #[inline]
    pub fn take_due(&mut self, now: UnixMillis) -> Vec<Question> {
        let mut woken = Vec::new();
        while let Some((at, _)) = self.due.first() {
            if *at > now {
                break;
            }
            let Some((_, question)) = self.due.pop_first() else {
                break;
            };
            if let Some(f) = self.by_question.get_mut(&question) {
                f.due = None;
            }
            woken.push(question);
        }
        woken
    }

    /// Notes request `id` sent for `question` (on `reader`, if it reached one): it
    /// replaces the one before, whose reply is no longer awaited.
    #[inline]
    pub fn sent(&mut self, question: &Question, id: String, reader: Option<Reader>) {
        let Some(f) = self.by_question.get_mut(question) else {
            return;
        };
        if let Some((old, _)) = f.out.replace((id.clone(), reader)) {
            self.replies.remove(&(f.session.clone(), old));
        }
        self.replies.insert((f.session.clone(), id), question.clone());
    }

    /// The question a client's reply to request `id` of `session` is about, if it is
    /// awaited.
    #[inline]
    pub fn take_reply(&mut self, session: &str, id: &str) -> Option<Question> {
        let question = self.replies.remove(&(session.to_owned(), id.to_owned()))?;
        if let Some(f) = self.by_question.get_mut(&question) {
            f.out = None;
        }
        Some(question)
    }

    /// Stops following `question`.
    #[inline]
    pub fn remove(&mut self, question: &Question) -> Option<Follow> {
        let f = self.by_question.remove(question)?;
        if let Some(at) = f.due {
            self.due.remove(&(at, question.clone()));
        }
        if let Some((id, _)) = &f.out {
            self.replies.remove(&(f.session.clone(), id.clone()));
        }
        Some(f)
    }

    /// The followed questions of server task `task`.
    #[inline]
    pub fn of_task(&self, task: &TaskId) -> Vec<Question> {
        self.by_question
            .range((task.clone(), String::new())..)
            .take_while(|((t, _), _)| t == task)
            .map(|(q, _)| q.clone())
            .collect()
    }

    /// Remembers that question request `id` of `session` went out with `params.task` for
    /// a server task that has ended.
    #[inline]
    pub fn abandon(&mut self, session: String, id: String) {
        if self.abandoned.len() >= ABANDONED {
            self.abandoned.pop_front();
        }
        self.abandoned.push_back((session, id));
    }

    /// Whether request `id` of `session` was such a question (forgotten once asked).
    #[inline]
    pub fn take_abandoned(&mut self, session: &str, id: &str) -> bool {
        let found = self.abandoned.iter().position(|(s, i)| s == session && i == id);
        found.and_then(|at| self.abandoned.remove(at)).is_some()
    }

    /// Keeps `msg` for the next stream that reaches session `session`'s client.
    #[inline]
    pub fn queue(&mut self, session: &str, msg: Value) {
        let queue = self.queued.entry(session.to_owned()).or_default();
        if queue.len() < QUEUED {
            queue.push(msg);
        }
    }

    /// The messages kept for session `session`.
    #[inline]
    pub fn take_queued(&mut self, session: &str) -> Vec<Value> {
        self.queued.remove(session).unwrap_or_default()
    }

    /// Stops following the questions of session `session`.
    #[inline]
    pub fn remove_session(&mut self, session: &str) {
        self.queued.remove(session);
        self.abandoned.retain(|(s, _)| s != session);
        let questions: Vec<Question> = self
            .by_question
            .iter()
            .filter(|(_, f)| f.session == session)
            .map(|(q, _)| q.clone())
            .collect();
        for q in questions {
            self.remove(&q);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(task: &str, key: &str) -> Question {
        (task.into(), key.into())
    }

    #[test]
    fn timers_replies_and_removal_stay_consistent() {
        let mut f = Follows::default();
        f.insert(q("t1", "a"), Follow::new("s".into(), "c1".into(), 500, Value::Null));
        f.insert(q("t10", "b"), Follow::new("s".into(), "c2".into(), 500, Value::Null));
        f.wake_at(&q("t1", "a"), UnixMillis(900));
        f.wake_at(&q("t1", "a"), UnixMillis(500));
        f.wake_at(&q("t10", "b"), UnixMillis(700));
        assert_eq!(f.next_due(), Some(UnixMillis(500)));
        assert_eq!(f.take_due(UnixMillis(600)), [q("t1", "a")], "the earlier timer replaced");
        assert_eq!(f.next_due(), Some(UnixMillis(700)));
        f.sent(&q("t1", "a"), "1".into(), None);
        f.sent(&q("t1", "a"), "2".into(), None);
        assert_eq!(f.take_reply("s", "1"), None, "a replaced request's reply is not awaited");
        assert_eq!(f.of_task(&"t1".into()), [q("t1", "a")]);
        assert_eq!(f.take_reply("s", "2"), Some(q("t1", "a")));
        f.sent(&q("t10", "b"), "3".into(), None);
        f.remove_session("s");
        assert!(f.by_question.is_empty() && f.due.is_empty() && f.replies.is_empty());
    }

    #[test]
    fn only_a_2025_11_25_client_that_declared_hosting_is_asked_with_tasks() {
        use crate::protocol::legacy::ClientTasksCapability;
        let tasks = ClientTasksCapability::default().with_cancel().with_elicitation_create();
        let full = ClientCapabilities { tasks: Some(tasks), extra: serde_json::Map::new() };
        let hosting = ClientHosting::declared("2025-11-25", &full);
        assert!(hosting.hosts("elicitation/create") && hosting.cancels());
        assert!(!hosting.hosts("sampling/createMessage") && !hosting.hosts("roots/list"));
        assert_eq!(ClientHosting::declared("2025-06-18", &full), ClientHosting::default());
        let plain = ClientCapabilities::default();
        assert!(!ClientHosting::declared("2025-11-25", &plain).hosts("elicitation/create"));
    }
}
