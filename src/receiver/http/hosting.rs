//! The endpoint's side of questions a 2025-11-25 client answers as tasks of its own (see
//! [`hosted`](super::hosted)): asking with `params.task`, following the task the client
//! creates with `tasks/get` at its poll interval, fetching its answer with `tasks/result`
//! for the tool that asked, and cancelling it with `tasks/cancel` when the tool's task ends
//! first. The tool sees none of this: it gets the answer, or an error, as for a plain
//! question.

use serde_json::{Value, json};

use super::Endpoint;
use super::hosted::{ClientTaskError, DEFAULT_POLL_MS, Follow, POLL_BOUNDS_MS, Phase, Question};
use super::pending::Pending;
use super::route::request_key;
use crate::id::{IdSource, TaskId};
use crate::protocol::jsonrpc::RequestId;
use crate::protocol::legacy::{CreateTaskResult, GetTaskResult, WireShape, WireTask};
use crate::protocol::meta::RELATED_TASK;
use crate::receiver::Caller;
use crate::store::{Backend, Owner};
use crate::task::{InputAnswer, TaskStatus};
use crate::time::UnixMillis;

/// How many times a question is asked again after the client lost the task it made for
/// it, before the tool is told ([`ClientTaskError::Lost`]).
const ASK_AGAIN: u8 = 2;

impl<B: Backend, I: IdSource> Endpoint<B, I> {
    /// The TTL to ask for when a question of `method` goes to session `session`'s client
    /// as a task it hosts; `None` asks plainly. Sessions shared with other servers are
    /// asked plainly: a reply could reach a server that does not follow the task.
    pub(super) fn hosted_ttl(&self, session: &str, method: &str) -> Option<u64> {
        let ttl = self.config.client_task_ttl_ms.filter(|_| !self.config.shared_sessions)?;
        self.sessions.get(session).filter(|s| s.hosting().hosts(method)).map(|_| ttl)
    }

    /// The client's answer to question `asked`, sent with `params.task`: a
    /// `CreateTaskResult` starts following the client's task; a plain result (the client
    /// may ignore `task`) or an error is the answer.
    pub(super) fn hosted_answer(
        &mut self,
        now: UnixMillis,
        session: &str,
        asked: Pending,
        answer: InputAnswer,
    ) {
        let question = (asked.task, asked.key);
        let created = match answer {
            InputAnswer::Response(result) if result.contains_key("task") => {
                CreateTaskResult::from_map(result)
            }
            other => return self.deliver(now, session, question, other),
        };
        match created {
            Ok(created) => {
                let task = created.task;
                let poll = poll_ms(task.poll_interval);
                let client_task = task.task_id.clone();
                let mut follow = Follow::new(session.to_owned(), client_task, poll, asked.msg);
                follow.asked_again = asked.asked_again;
                self.follows.insert(question.clone(), follow);
                self.client_task_status(now, &question, &task);
            }
            Err(source) => {
                let error = ClientTaskError::Malformed { what: "CreateTaskResult", source };
                let answer = InputAnswer::Error(error.to_error_object());
                self.deliver(now, session, question, answer);
            }
        }
    }

    /// Takes a client's reply to a `tasks/*` request sent for a followed task; `answer`
    /// back when `id` names no such request.
    pub(super) fn followed_reply(
        &mut self,
        now: UnixMillis,
        session: &str,
        id: &RequestId,
        answer: InputAnswer,
    ) -> Option<InputAnswer> {
        let Some(question) = self.follows.take_reply(session, &request_key(id)) else {
            return Some(answer);
        };
        let f = self.follows.get(&question)?;
        let (client_task, asked_again) = (f.client_task.clone(), f.asked_again);
        match (f.phase, answer) {
            (Phase::Polling, InputAnswer::Response(result)) => {
                match GetTaskResult::from_map(result) {
                    Ok(got) => self.client_task_status(now, &question, &got.task),
                    Err(source) => {
                        let error = ClientTaskError::Malformed { what: "tasks/get result", source };
                        self.finish(now, &question, InputAnswer::Error(error.to_error_object()));
                    }
                }
            }
            // The client lost its task (a reloaded page, a restarted host): the question
            // is asked again, a few times at most.
            (Phase::Polling, InputAnswer::Error(_)) if asked_again < ASK_AGAIN => {
                self.ask_again(now, &question);
            }
            (Phase::Polling, InputAnswer::Error(error)) => {
                let error = ClientTaskError::Lost { task: client_task, error };
                self.finish(now, &question, InputAnswer::Error(error.to_error_object()));
            }
            // What the question would have been answered: the result, or the error the
            // client's work failed with.
            (Phase::Fetching, InputAnswer::Response(mut result)) => {
                if let Some(Value::Object(meta)) = result.get_mut("_meta") {
                    meta.remove(RELATED_TASK);
                    if meta.is_empty() {
                        result.remove("_meta");
                    }
                }
                self.finish(now, &question, InputAnswer::Response(result));
            }
            (Phase::Fetching, error @ InputAnswer::Error(_)) => self.finish(now, &question, error),
        }
        None
    }

    /// Time passed: the followed tasks due are polled (or their answer fetched) again,
    /// unless the request out still waits on a stream the client reads.
    pub(super) fn poll_client_tasks(&mut self, now: UnixMillis) {
        for question in self.follows.take_due(now) {
            let Some(f) = self.follows.get(&question) else {
                continue;
            };
            let waiting = match f.out {
                Some((_, Some(reader))) => {
                    self.sessions.get(&f.session).is_some_and(|s| s.still_reads(reader))
                }
                _ => false,
            };
            if waiting {
                let at = now.saturating_add(f.poll_ms);
                self.follows.wake_at(&question, at);
            } else {
                self.send_follow(now, &question);
            }
        }
    }

    /// Server task `task` was cancelled or ended: the client's tasks for its questions are
    /// no longer followed, and those still running are cancelled when the client serves
    /// `tasks/cancel` (a terminal one would refuse it).
    pub(super) fn cancel_client_tasks(&mut self, now: UnixMillis, task: &TaskId) {
        for question in self.follows.of_task(task) {
            let Some(f) = self.follows.remove(&question) else {
                continue;
            };
            if f.phase == Phase::Polling {
                self.cancel_client_task(now, &f.session, task, &f.client_task);
            }
        }
    }

    /// A client answered a question with a task of its own after the server task that
    /// asked it ended: nobody wants that answer, so the task is cancelled.
    pub(super) fn abandoned_answer(&mut self, now: UnixMillis, session: &str, answer: InputAnswer) {
        let InputAnswer::Response(result) = answer else {
            return;
        };
        if let Ok(created) = CreateTaskResult::from_map(result) {
            let client_task = created.task.task_id;
            self.cancel_client_task(now, session, &TaskId::from(""), &client_task);
        }
    }

    /// Sends session `session`'s client `tasks/cancel` for its task `client_task`, when it
    /// serves it: on the standalone stream, else where it reads about server task `task`
    /// (kept for the next stream to reach it when none does now). Not on a held
    /// `tasks/result` stream first: a client that cancelled `task` itself stops reading
    /// those once its own `tasks/cancel` is answered, and the request would be lost. Its
    /// reply is not awaited: the answer is unwanted either way.
    fn cancel_client_task(
        &mut self,
        now: UnixMillis,
        session: &str,
        task: &TaskId,
        client_task: &TaskId,
    ) {
        if !self.sessions.get(session).is_some_and(|s| s.hosting().cancels()) {
            return;
        }
        self.next_request += 1;
        let id = RequestId::String(format!("srv-{}", self.next_request));
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": "tasks/cancel",
            "params": {"taskId": client_task}});
        if self.route_standalone(now, session, task, &msg).is_none() {
            self.follows.queue(session, msg);
        }
    }

    /// Sends the requests kept for session `session`'s client, on the stream held for
    /// `task` when given, else its standalone stream.
    pub(super) fn send_queued(&mut self, now: UnixMillis, session: &str, task: Option<&TaskId>) {
        let task = task.cloned().unwrap_or_else(|| TaskId::from(""));
        for msg in self.follows.take_queued(session) {
            if self.route_notice(now, session, &task, &msg).is_none() {
                self.follows.queue(session, msg);
            }
        }
    }

    /// Acts on the status of a followed client task: poll again later, fetch the answer,
    /// or tell the tool it was cancelled.
    fn client_task_status(&mut self, now: UnixMillis, question: &Question, task: &WireTask) {
        let Some(f) = self.follows.get_mut(question) else {
            return;
        };
        if task.poll_interval.is_some() {
            f.poll_ms = poll_ms(task.poll_interval);
        }
        let (poll, client_task) = (f.poll_ms, f.client_task.clone());
        match task.status {
            TaskStatus::Working | TaskStatus::InputRequired => {
                self.follows.wake_at(question, now.saturating_add(poll));
            }
            TaskStatus::Completed | TaskStatus::Failed => {
                f.phase = Phase::Fetching;
                self.send_follow(now, question);
            }
            TaskStatus::Cancelled => {
                let status_message = task.status_message.clone();
                let error = ClientTaskError::Cancelled { task: client_task, status_message };
                self.finish(now, question, InputAnswer::Error(error.to_error_object()));
            }
        }
    }

    /// Sends the followed task's next request (`tasks/get` or `tasks/result`) where the
    /// client reads about the question's server task, and wakes a poll interval later to
    /// send it again if no reply came.
    fn send_follow(&mut self, now: UnixMillis, question: &Question) {
        let Some(f) = self.follows.get(question) else {
            return;
        };
        self.next_request += 1;
        let id = RequestId::String(format!("srv-{}", self.next_request));
        let msg = json!({"jsonrpc": "2.0", "id": id, "method": f.phase.method(),
            "params": {"taskId": f.client_task}});
        let (session, poll) = (f.session.clone(), f.poll_ms);
        let reader = self.route_notice(now, &session, &question.0, &msg);
        self.follows.sent(question, request_key(&id), reader);
        self.follows.wake_at(question, now.saturating_add(poll));
    }

    /// Stops following `question`'s client task and asks the question again, as a new
    /// request where the client reads about its server task.
    fn ask_again(&mut self, now: UnixMillis, question: &Question) {
        let Some(f) = self.follows.remove(question) else {
            return;
        };
        self.next_request += 1;
        let seq = self.next_request;
        let id = RequestId::String(format!("srv-{seq}"));
        let mut msg = f.question;
        msg["id"] = json!(id);
        let delivered_on = self.route(now, &f.session, &question.0, &msg);
        let (task, key) = question.clone();
        let asked_again = f.asked_again.saturating_add(1);
        let pending = Pending { task, key, seq, msg, augmented: true, asked_again, delivered_on };
        self.pending.insert((f.session, request_key(&id)), pending);
    }

    /// Stops following `question` and hands the tool `answer`.
    fn finish(&mut self, now: UnixMillis, question: &Question, answer: InputAnswer) {
        if let Some(f) = self.follows.remove(question) {
            self.deliver(now, &f.session, question.clone(), answer);
        }
    }

    /// Hands the tool that asked `question` its answer.
    fn deliver(
        &mut self,
        now: UnixMillis,
        session: &str,
        (task, key): Question,
        answer: InputAnswer,
    ) {
        let caller = Caller::legacy(Owner::new(session));
        if let Ok(true) = self.receiver.deliver_answer(&caller, &task, key, answer, now) {
            self.answers_arrived(&task);
        }
    }
}

/// A client task's poll interval, kept within [`POLL_BOUNDS_MS`].
fn poll_ms(asked: Option<u64>) -> u64 {
    // Not `clamp`: a second caller in the crate keeps it out of line (and its panic
    // formatting) in the client package too, whose one call is inlined otherwise.
    asked.unwrap_or(DEFAULT_POLL_MS).max(POLL_BOUNDS_MS.0).min(POLL_BOUNDS_MS.1)
}
