//! What the server shares between requests and running tools: the receiver, the
//! 2025-11-25 sessions with their streams, held `tasks/result` responses, input requests
//! waiting for an answer, extension listen streams, and the routing of the receiver's
//! events to them. Everything here is synchronous and runs under one lock that is never
//! held across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::Config;
use super::clock::Clock;
use super::http::SseSender;
use super::listen::Listeners;
use super::notes::Notes;
use super::session::{EventId, GET_STREAM, Reader, Resumed, Session};
use super::tools::Tools;
use crate::id::{IdSource, RandomIds, TaskId};
use crate::protocol::jsonrpc::{ErrorResponse, Message, RequestId, ResultResponse};
use crate::protocol::legacy::{TaskStatusNotificationParams, WireShape, set_related_task};
use crate::receiver::{Caller, Event, Receiver, Reply, Subscription};
use crate::store::{Owner, Removed};
use crate::task::Generation;
use crate::time::UnixMillis;

/// The server's shared state, configuration and tools.
pub(crate) struct Shared {
    pub config: Config,
    /// The tools served; fixed once serving starts.
    pub tools: Tools,
    state: Mutex<State>,
}

impl Shared {
    pub fn new(config: Config, receiver: Receiver, tools: Tools) -> Arc<Self> {
        let state = State {
            receiver,
            clock: config.clock.clone(),
            session_idle_ms: u64::try_from(config.session_idle.as_millis()).unwrap_or(u64::MAX),
            retry: config.sse_retry,
            sessions: HashMap::new(),
            held: HashMap::new(),
            pending: HashMap::new(),
            works: HashMap::new(),
            next_request: 0,
            listeners: Listeners::default(),
            notes: Notes::default(),
        };
        Arc::new(Self { config, tools, state: Mutex::new(state) })
    }

    /// The state. A poisoned lock (a panic elsewhere) is taken over: every method leaves
    /// the state consistent between statements that can fail.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The time now, from the configured clock.
    pub fn now(&self) -> UnixMillis {
        self.config.clock.now()
    }
}

/// A `tasks/result` response held open on a stream until its task is terminal.
struct Held {
    session: String,
    request_id: RequestId,
    stream: u64,
}

/// A server→client input request waiting for the client's response.
struct Pending {
    task: TaskId,
    key: String,
    /// Order of asking, so that re-sends keep it.
    seq: u64,
    msg: Value,
    /// The stream it last went out on with a client reading, if any.
    delivered_on: Option<Reader>,
}

/// The mutable state.
pub(crate) struct State {
    pub receiver: Receiver,
    clock: Clock,
    session_idle_ms: u64,
    retry: std::time::Duration,
    sessions: HashMap<String, Session>,
    held: HashMap<TaskId, Vec<Held>>,
    /// By (session, request id as a key).
    pending: HashMap<(String, String), Pending>,
    /// A running task's wake-up: bumped on answers, cancel requests and removal.
    works: HashMap<TaskId, watch::Sender<u64>>,
    next_request: u64,
    listeners: Listeners,
    /// Each task's tool and latest progress, for the control tools.
    pub notes: Notes,
}

impl State {
    /// The time now, from the configured clock.
    pub fn now(&self) -> UnixMillis {
        self.clock.now()
    }

    /// Mints a session id and records the session. With `input_methods`, the session's
    /// tasks send it only input requests of those methods; the others wait in the store.
    pub fn open_session(
        &mut self,
        protocol_version: String,
        input_methods: Option<Vec<&'static str>>,
    ) -> Option<String> {
        let id = RandomIds.next_id().ok()?;
        let session = Session::new(protocol_version, self.now().0, self.retry, input_methods);
        self.sessions.insert(id.clone(), session);
        Some(id)
    }

    /// The session `id`, marked as seen now; `None` when unknown, or idle for too long
    /// (then it ends here, whether or not the sweep got to it first).
    pub fn touch_session(&mut self, id: &str) -> Option<&mut Session> {
        let now = self.now().0;
        if self.sessions.get(id)?.is_idle(now, self.session_idle_ms) {
            self.close_session(id);
            return None;
        }
        let s = self.sessions.get_mut(id)?;
        s.last_seen_ms = now;
        Some(s)
    }

    /// Ends a session: its streams close, its pending requests are forgotten, and its
    /// tasks are deleted (nobody can ever present their owner again) and their work
    /// stopped.
    pub fn close_session(&mut self, id: &str) -> bool {
        let Some(mut session) = self.sessions.remove(id) else {
            return false;
        };
        session.close_streams();
        for list in self.held.values_mut() {
            list.retain(|h| h.session != id);
        }
        self.held.retain(|_, l| !l.is_empty());
        self.pending.retain(|(s, _), _| s != id);
        let _ = self.receiver.remove_owner(&Owner::new(id));
        self.drain_events();
        true
    }

    /// Ends idle sessions and forgets listen streams whose client left.
    pub fn expire(&mut self) {
        let now = self.now().0;
        let idle: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.is_idle(now, self.session_idle_ms))
            .map(|(id, _)| id.clone())
            .collect();
        for id in idle {
            self.close_session(&id);
        }
        self.listeners.prune();
    }

    /// Closes every stream, for shutdown; listen streams end gracefully.
    pub fn close_all_streams(&mut self) {
        self.held.clear();
        for s in self.sessions.values_mut() {
            s.close_streams();
        }
        self.listeners.close_all();
    }

    /// Opens the session's standalone stream on a GET, or continues the stream
    /// `last_event_id` names (replaying what it missed), then sends the input requests
    /// that found no reader so far.
    pub fn attach_get_stream(&mut self, session: &str, tx: SseSender, last: Option<EventId>) {
        let Some(s) = self.sessions.get_mut(session) else {
            return;
        };
        match last {
            Some(last) if s.knows(last.stream) => {
                if s.resume(last, tx) == Resumed::Ended {
                    return;
                }
            }
            _ => s.open_get(tx),
        }
        self.resend(session, None);
    }

    /// Holds a `tasks/result` response for `task` on a new stream, and sends there the
    /// task's input requests still waiting for an answer that no client is reading now:
    /// the client may have lost the stream that carried them. (One that went out on a
    /// stream still open is not repeated: the client has it.)
    pub fn hold_result(
        &mut self,
        session: &str,
        task: TaskId,
        request_id: RequestId,
        tx: SseSender,
    ) {
        let Some(s) = self.sessions.get_mut(session) else {
            return;
        };
        let stream = s.open_stream(tx);
        let list = self.held.entry(task.clone()).or_default();
        // A client that keeps asking and hanging up leaves entries whose stream the
        // session has since let go (it keeps a bounded number): those can never be
        // resumed, so they go.
        list.retain(|h| h.session != session || s.knows(h.stream));
        list.push(Held { session: session.into(), request_id, stream });
        self.resend(session, Some(&task));
    }

    /// Starts a 2026-07-28 listen stream.
    pub fn open_listener(
        &mut self,
        owner: Owner,
        request_id: RequestId,
        tx: SseSender,
        sub: Subscription,
    ) {
        self.listeners.open(owner, request_id, tx, sub);
    }

    /// Registers the wake-up of a task's work.
    pub fn register_work(&mut self, task: &TaskId) -> watch::Receiver<u64> {
        let (tx, rx) = watch::channel(0);
        self.works.insert(task.clone(), tx);
        rx
    }

    /// Forgets a finished task's work.
    pub fn unregister_work(&mut self, task: &TaskId) {
        self.works.remove(task);
    }

    /// Wakes a task's work so it looks at its answers and cancel flag again.
    pub fn poke(&self, task: &TaskId) {
        if let Some(tx) = self.works.get(task) {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Forgets the server→client request that carried input request `key` of `task` once
    /// it was answered another way (`answer_task_input`), so that a stream opened later
    /// does not ask again and a late client response is not taken for it.
    pub fn forget_input(&mut self, task: &TaskId, key: &str) {
        self.pending.retain(|_, p| !(&p.task == task && p.key == key));
    }

    /// The (task, key) a client's response to server request `id` answers, if any.
    pub fn take_pending(&mut self, session: &str, id: &RequestId) -> Option<(TaskId, String)> {
        let p = self.pending.remove(&(session.to_owned(), request_key(id)))?;
        Some((p.task, p.key))
    }

    /// Sends a task-related notification (e.g. progress) where the task's input would
    /// go; dropped when no client is reading there.
    pub fn notify_task(&mut self, session: &str, task: &TaskId, msg: &Value) {
        let _ = self.route(session, task, msg);
    }

    /// Acts on every event the receiver queued.
    pub fn drain_events(&mut self) {
        while let Some(event) = self.receiver.poll_event() {
            self.dispatch(event);
        }
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Status { view, generation: Generation::Legacy, owner } => {
                let params = TaskStatusNotificationParams::new(&view.task).to_map();
                let msg = json!({"jsonrpc": "2.0", "method": "notifications/tasks/status",
                    "params": params});
                // Logged on the standalone stream even while no GET is connected, so a
                // client that resumes it catches up.
                if let Some(s) = self.sessions.get_mut(owner.as_str()) {
                    if s.has_get_stream() {
                        s.send(GET_STREAM, &msg);
                    }
                }
            }
            Event::Status { view, owner, .. } => self.listeners.status(&view, &owner),
            Event::InputRequested { task_id, key, request, owner } => {
                // A client that cannot answer this kind leaves it in the store, for
                // `answer_task_input`.
                if self
                    .sessions
                    .get(owner.as_str())
                    .is_some_and(|s| !s.takes_input(&request.method))
                {
                    return;
                }
                self.next_request += 1;
                let seq = self.next_request;
                let id = RequestId::String(format!("srv-{seq}"));
                let mut params = request.params;
                let mut meta = match params.remove("_meta") {
                    Some(Value::Object(m)) => m,
                    _ => Map::new(),
                };
                set_related_task(&mut meta, &task_id);
                params.insert("_meta".into(), Value::Object(meta));
                let msg = json!({"jsonrpc": "2.0", "id": id, "method": request.method,
                    "params": params});
                let session = owner.as_str().to_owned();
                let delivered_on = self.route(&session, &task_id, &msg);
                let pending = Pending { task: task_id, key, seq, msg, delivered_on };
                self.pending.insert((session, request_key(&id)), pending);
            }
            Event::CancelRequested { task_id } => self.poke(&task_id),
            Event::Terminal { task_id, .. } => self.settle(&task_id),
            Event::Removed(Removed { task_id, .. }) => {
                self.listeners.removed(&task_id);
                self.notes.removed(&task_id);
                self.settle(&task_id);
            }
        }
    }

    /// A task ended or went away: its held `tasks/result` calls get their answer (for a
    /// removed task, "not found"), its unanswered questions are dropped, its work stops.
    fn settle(&mut self, task: &TaskId) {
        self.pending.retain(|_, p| &p.task != task);
        self.poke(task);
        for held in self.held.remove(task).unwrap_or_default() {
            self.release(task, held);
        }
    }

    /// Answers a held `tasks/result`; the stream then ends (its log stays for a client
    /// that lost the end and resumes).
    fn release(&mut self, task: &TaskId, held: Held) {
        let caller = Caller::legacy(Owner::new(held.session.clone()));
        let params = json!({"taskId": task});
        let now = self.now();
        let reply = self.receiver.handle(&caller, "tasks/result", params.as_object(), now);
        let msg = match reply {
            Some(Reply::Result(result)) => {
                Message::Result(ResultResponse::new(held.request_id, result)).to_value()
            }
            Some(Reply::Error(error)) => {
                Message::Error(ErrorResponse::new(Some(held.request_id), error)).to_value()
            }
            // Not terminal after all (cannot happen under the lock): keep holding.
            Some(Reply::AwaitTerminal(_)) | None => {
                self.held.entry(task.clone()).or_default().push(held);
                return;
            }
        };
        if let Some(s) = self.sessions.get_mut(&held.session) {
            s.send(held.stream, &msg);
            s.finish(held.stream);
        }
    }

    /// Sends `msg` on the newest held `tasks/result` stream of the task that a client is
    /// reading, else on the session's standalone stream if one is; returns the connection
    /// that got it, or `None` when no client was there.
    fn route(&mut self, session: &str, task: &TaskId, msg: &Value) -> Option<Reader> {
        let streams: Vec<u64> = self
            .held
            .get(task)
            .map(|l| l.iter().filter(|h| h.session == session).map(|h| h.stream).collect())
            .unwrap_or_default();
        let s = self.sessions.get_mut(session)?;
        let stream = match streams.into_iter().rev().find(|stream| s.is_live(*stream)) {
            Some(stream) => stream,
            None if s.is_live(GET_STREAM) => GET_STREAM,
            None => return None,
        };
        let reader = s.reader(stream);
        if s.send(stream, msg) { reader } else { None }
    }

    /// Sends again, in the order asked, the session's input requests (of `task`, or all)
    /// that no client is reading: never delivered, or delivered on a stream since lost.
    fn resend(&mut self, session: &str, task: Option<&TaskId>) {
        let Some(s) = self.sessions.get(session) else {
            return;
        };
        let mut waiting: Vec<(u64, String)> = self
            .pending
            .iter()
            .filter(|((owner, _), p)| owner == session && task.is_none_or(|t| &p.task == t))
            .filter(|(_, p)| p.delivered_on.is_none_or(|reader| !s.still_reads(reader)))
            .map(|((_, id), p)| (p.seq, id.clone()))
            .collect();
        waiting.sort();
        for (_, id) in waiting {
            let key = (session.to_owned(), id);
            let Some((task, msg)) = self.pending.get(&key).map(|p| (p.task.clone(), p.msg.clone()))
            else {
                continue;
            };
            let delivered_on = self.route(session, &task, &msg);
            if let Some(p) = self.pending.get_mut(&key) {
                p.delivered_on = delivered_on.or(p.delivered_on);
            }
        }
    }
}

/// A request id as a map key (`1` and `"1"` differ).
fn request_key(id: &RequestId) -> String {
    serde_json::to_string(id).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::TaskStore;

    #[test]
    fn a_removed_task_takes_its_notes_with_it() {
        let receiver = Receiver::new(TaskStore::in_memory());
        let shared = Shared::new(Config::default(), receiver, Tools::default());
        let mut st = shared.lock();
        let owner = Owner::new("session-1");
        let now = st.now();
        let task = st.receiver.store().create(&owner, Generation::Legacy, None, now).unwrap();
        st.notes.started(&task.task_id, "slow_compute");
        st.receiver.remove_owner(&owner).unwrap();
        assert!(st.notes.get(&task.task_id).is_some(), "kept until the removal is acted on");
        st.drain_events();
        assert!(st.notes.get(&task.task_id).is_none());
    }
}
