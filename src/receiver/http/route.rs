//! Where the receiver's events go: 2025-11-25 status notifications on the GET stream,
//! server→client input requests on the stream that reaches the client (again when it
//! lost them), held `tasks/result` answers, listen streams, and the work to stop.

use serde_json::{Map, Value, json};

use super::pending::Pending;
use super::session::{GET_STREAM, Reader};
use super::{Endpoint, Output, Reading, ResponseId};
use crate::id::{IdSource, TaskId};
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{ErrorObject, ErrorResponse, Message, RequestId, ResultResponse};
use crate::protocol::legacy::{TaskStatusNotificationParams, WireShape, set_related_task};
use crate::receiver::{Caller, Event, Reply};
use crate::store::{Backend, Owner, Removed};
use crate::task::Generation;
use crate::time::UnixMillis;

/// A `tasks/result` response held open on a session stream until its task is terminal.
#[derive(Debug)]
pub(super) struct Held {
    pub session: String,
    request_id: RequestId,
    stream: u64,
}

impl<B: Backend, I: IdSource> Endpoint<B, I> {
    /// Holds a `tasks/result` response for `task` on a new stream, and sends there the
    /// task's input requests still waiting for an answer that no client is reading now:
    /// the client may have lost the stream that carried them.
    pub(super) fn hold_result(
        &mut self,
        now: UnixMillis,
        response: ResponseId,
        session: &str,
        task: TaskId,
        request_id: RequestId,
    ) {
        let Some(s) = self.sessions.get_mut(session) else {
            return;
        };
        self.out.sse_head(response, Headers::new(), now);
        let stream = s.open_stream(&mut self.out, response);
        self.readers.insert(response, Reading::Session(session.to_owned()));
        s.hold(&task);
        let list = self.held.entry(task.clone()).or_default();
        // A client that keeps asking and hanging up leaves entries whose stream the
        // session has since let go (it keeps a bounded number): those can never be
        // resumed, so they go.
        list.retain(|h| h.session != session || s.knows(h.stream));
        list.push(Held { session: session.into(), request_id, stream });
        self.resend(now, session, Some(&task));
    }

    /// The question a client's response to server request `id` answers, if any.
    pub(super) fn take_pending(&mut self, session: &str, id: &RequestId) -> Option<Pending> {
        self.pending.remove(&(session.to_owned(), request_key(id)))
    }

    /// Acts on every event the receiver queued.
    pub(super) fn route_events(&mut self, now: UnixMillis) {
        while let Some(event) = self.receiver.poll_event() {
            self.dispatch(now, event);
        }
        // Whatever ended a response (an answer, an evicted, replaced, recycled or cut-off
        // stream, a closed session), nothing reads it anymore.
        for ended in self.out.take_ended() {
            match self.readers.remove(&ended) {
                Some(Reading::Session(id)) => {
                    if let Some(s) = self.sessions.get_mut(&id) {
                        s.detach(ended);
                    }
                }
                Some(Reading::Listen(key)) => self.listeners.drop_listener(key),
                // A call's answer stream cut off before its answer: nobody can get it.
                Some(Reading::Call(n)) => self.cancel_call(n),
                None => {}
            }
        }
    }

    fn dispatch(&mut self, now: UnixMillis, event: Event) {
        match event {
            Event::Status { view, generation: Generation::Legacy, owner } => {
                let params = TaskStatusNotificationParams::new(&view.task).to_map();
                let msg = json!({"jsonrpc": "2.0", "method": "notifications/tasks/status",
                    "params": params});
                // Logged on the standalone stream even while no GET is connected, so a
                // client that resumes it catches up.
                if let Some(s) = self.sessions.get_mut(owner.as_str()) {
                    if s.has_get_stream() {
                        s.send(&mut self.out, GET_STREAM, &msg, now);
                    }
                }
            }
            Event::Status { view, owner, .. } => {
                for ended in self.listeners.status(&mut self.out, &view, &owner) {
                    self.readers.remove(&ended);
                }
            }
            Event::InputRequested { task_id, key, request, owner } => {
                // Announced again (a change read from a shared store): asked already.
                if self.pending.asks(&task_id, &key)
                    || self.follows.follows(&(task_id.clone(), key.clone()))
                {
                    return;
                }
                // Only a session's client can be asked; a 2026-07-28 task's questions
                // wait in `tasks/get`.
                let session = self.sessions.get(owner.as_str());
                if !session.is_some_and(|s| s.takes_input(&request.method)) {
                    return;
                }
                self.next_request += 1;
                let seq = self.next_request;
                let id = if self.config.shared_sessions {
                    RequestId::String(super::shared::request_id(seq, &task_id, &key))
                } else {
                    RequestId::String(format!("srv-{seq}"))
                };
                let mut params = request.params;
                let mut meta = match params.remove("_meta") {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                set_related_task(&mut meta, &task_id);
                params.insert("_meta".into(), Value::Object(meta));
                let ttl = self.hosted_ttl(owner.as_str(), &request.method);
                if let Some(ttl) = ttl {
                    params.insert("task".into(), json!({"ttl": ttl}));
                }
                let msg = json!({"jsonrpc": "2.0", "id": id, "method": request.method,
                    "params": params});
                let session = owner.as_str().to_owned();
                let delivered_on = self.route(now, &session, &task_id, &msg);
                let augmented = ttl.is_some();
                let pending = Pending {
                    task: task_id,
                    key,
                    seq,
                    msg,
                    augmented,
                    asked_again: 0,
                    delivered_on,
                };
                self.pending.insert((session, request_key(&id)), pending);
            }
            Event::CancelRequested { task_id } => {
                self.cancel_client_tasks(now, &task_id);
                self.cancel_task_work(&task_id, false, true);
            }
            Event::Terminal { task_id, owner } => {
                // Before the held `tasks/result` streams end: they reach a client without a
                // standalone stream.
                self.cancel_client_tasks(now, &task_id);
                // Ended tasks ask nothing more: the session need not remember them.
                if let Some(s) = self.sessions.get_mut(owner.as_str()) {
                    s.forget_task(&task_id);
                }
                self.cancel_task_work(&task_id, true, false);
                self.settle(now, &task_id);
            }
            Event::Removed(Removed { task_id, owner, .. }) => {
                if let Some(s) = self.sessions.get_mut(owner.as_str()) {
                    s.forget_task(&task_id);
                }
                for ended in self.listeners.removed(&mut self.out, &task_id) {
                    self.readers.remove(&ended);
                }
                self.cancel_client_tasks(now, &task_id);
                self.cancel_task_work(&task_id, true, false);
                self.out.push(Output::TaskRemoved { task: task_id.clone() });
                self.settle(now, &task_id);
            }
        }
    }

    /// A task ended or went away: its held `tasks/result` calls get their answer (for a
    /// removed task, "not found") and its unanswered questions are dropped.
    fn settle(&mut self, now: UnixMillis, task: &TaskId) {
        // A client may still answer one of these with a task of its own, to be cancelled.
        for (session, id) in self.pending.remove_task(task) {
            self.follows.abandon(session, id);
        }
        for held in self.held.remove(task).unwrap_or_default() {
            if let Some(s) = self.sessions.get_mut(&held.session) {
                s.unhold(task);
            }
            self.release(now, task, held);
        }
    }

    /// Answers a held `tasks/result`; the stream then ends (its log stays for a client
    /// that lost the end and resumes).
    fn release(&mut self, now: UnixMillis, task: &TaskId, held: Held) {
        let caller = Caller::legacy(Owner::new(held.session.clone()));
        let params = json!({"taskId": task});
        let reply = self.receiver.handle(&caller, "tasks/result", params.as_object(), now);
        let msg = match reply {
            Some(Reply::Result(result)) => {
                Message::Result(ResultResponse::new(held.request_id, result)).to_value()
            }
            Some(Reply::Error(error)) => {
                Message::Error(ErrorResponse::new(Some(held.request_id), error)).to_value()
            }
            // Not terminal after all: keep holding.
            Some(Reply::AwaitTerminal(_)) | None => {
                if let Some(s) = self.sessions.get_mut(&held.session) {
                    s.hold(task);
                }
                self.held.entry(task.clone()).or_default().push(held);
                return;
            }
        };
        if let Some(s) = self.sessions.get_mut(&held.session) {
            s.send(&mut self.out, held.stream, &msg, now);
            if let Some(ended) = s.finish(&mut self.out, held.stream) {
                self.readers.remove(&ended);
            }
        }
    }

    /// Answers every held `tasks/result` with `error` (the server stops): a client
    /// waiting on a task learns that no answer will come on this stream, rather than
    /// seeing it cut.
    pub(super) fn refuse_held(&mut self, now: UnixMillis, error: &ErrorObject) {
        for held in std::mem::take(&mut self.held).into_values().flatten() {
            let msg =
                Message::Error(ErrorResponse::new(Some(held.request_id), error.clone())).to_value();
            if let Some(s) = self.sessions.get_mut(&held.session) {
                s.send(&mut self.out, held.stream, &msg, now);
                if let Some(ended) = s.finish(&mut self.out, held.stream) {
                    self.readers.remove(&ended);
                }
            }
        }
    }

    /// Sends question `msg` on the newest held `tasks/result` stream of the task that a
    /// client is reading, else on the session's standalone stream if one is and the client
    /// knows the task; returns the connection that got it, or `None` when no client was
    /// there.
    pub(super) fn route(
        &mut self,
        now: UnixMillis,
        session: &str,
        task: &TaskId,
        msg: &Value,
    ) -> Option<Reader> {
        self.route_on(now, session, task, msg, true)
    }

    /// Sends notice `msg` about a task (progress) as [`route`](Self::route) sends a
    /// question, but on the standalone stream whether or not the client named the task:
    /// a notice asks for no answer, and names the request it is about.
    pub(super) fn route_notice(
        &mut self,
        now: UnixMillis,
        session: &str,
        task: &TaskId,
        msg: &Value,
    ) -> Option<Reader> {
        self.route_on(now, session, task, msg, false)
    }

    /// Sends `msg` on the session's standalone stream when a client reads it, else as
    /// [`route_notice`](Self::route_notice) about `task`: for a request that must outlive
    /// `task`'s held `tasks/result` streams, which a client that learnt the task ended
    /// (from its own `tasks/cancel`, say) may stop reading before the rest arrives.
    pub(super) fn route_standalone(
        &mut self,
        now: UnixMillis,
        session: &str,
        task: &TaskId,
        msg: &Value,
    ) -> Option<Reader> {
        if let Some(s) = self.sessions.get_mut(session).filter(|s| s.is_live(GET_STREAM)) {
            let reader = s.reader(GET_STREAM);
            if s.send(&mut self.out, GET_STREAM, msg, now) {
                return reader;
            }
        }
        self.route_notice(now, session, task, msg)
    }

    fn route_on(
        &mut self,
        now: UnixMillis,
        session: &str,
        task: &TaskId,
        msg: &Value,
        question: bool,
    ) -> Option<Reader> {
        let streams: Vec<u64> = self
            .held
            .get(task)
            .map(|l| l.iter().filter(|h| h.session == session).map(|h| h.stream).collect())
            .unwrap_or_default();
        let s = self.sessions.get_mut(session)?;
        // The standalone stream carries a task's questions only once the client has named
        // the task: before, it may not have read the answer that created the task, and could
        // not tell what a question belongs to (ext-tasks answers such a one "cancel"). A
        // stream held for the task is the client waiting on it, so it always may.
        let stream = match streams.into_iter().rev().find(|stream| s.is_live(*stream)) {
            Some(stream) => stream,
            None if s.is_live(GET_STREAM) && (!question || s.knows_task(task)) => GET_STREAM,
            None => return None,
        };
        let reader = s.reader(stream);
        if s.send(&mut self.out, stream, msg, now) { reader } else { None }
    }

    /// Sends again, in the order asked, the session's input requests (of `task`, or all)
    /// that no client is reading: never delivered, or delivered on a stream since lost.
    pub(super) fn resend(&mut self, now: UnixMillis, session: &str, task: Option<&TaskId>) {
        self.send_queued(now, session, task);
        let Some(s) = self.sessions.get(session) else {
            return;
        };
        let mut waiting: Vec<(u64, String)> = self
            .pending
            .of_session(session)
            .into_iter()
            .filter_map(|key| Some((self.pending.get(&key)?, key.1)))
            .filter(|(p, _)| task.is_none_or(|t| &p.task == t))
            .filter(|(p, _)| p.delivered_on.is_none_or(|reader| !s.still_reads(reader)))
            .map(|(p, id)| (p.seq, id))
            .collect();
        waiting.sort();
        for (_, id) in waiting {
            let key = (session.to_owned(), id);
            let Some((task, msg)) = self.pending.get(&key).map(|p| (p.task.clone(), p.msg.clone()))
            else {
                continue;
            };
            let delivered_on = self.route(now, session, &task, &msg);
            if let Some(p) = self.pending.get_mut(&key) {
                p.delivered_on = delivered_on.or(p.delivered_on);
            }
        }
    }
}

/// A request id as a map key (`1` and `"1"` differ).
pub(super) fn request_key(id: &RequestId) -> String {
    serde_json::to_string(id).unwrap_or_default()
}
