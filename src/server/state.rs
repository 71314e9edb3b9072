//! What the server shares between requests and running tools: the receiver, the
//! 2025-11-25 sessions with their streams, held `tasks/result` responses, and the routing
//! of the receiver's events to them. Everything here is synchronous and runs under one
//! lock that is never held across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use hyper::body::Bytes;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::Config;
use super::clock;
use super::http::{SseSender, sse_event};
use crate::id::{IdSource, RandomIds, TaskId};
use crate::protocol::jsonrpc::{ErrorResponse, Message, RequestId, ResultResponse};
use crate::protocol::legacy::{TaskStatusNotificationParams, WireShape, set_related_task};
use crate::receiver::{Caller, Event, Receiver, Reply};
use crate::store::Owner;
use crate::task::Generation;

/// How many GET-stream events a session keeps for `Last-Event-ID` replay.
const REPLAY_BUFFER: usize = 256;

/// The server's shared state and configuration.
pub(crate) struct Shared {
    pub config: Config,
    state: Mutex<State>,
}

impl Shared {
    pub fn new(config: Config, receiver: Receiver) -> Arc<Self> {
        Arc::new(Self {
            config,
            state: Mutex::new(State {
                receiver,
                sessions: HashMap::new(),
                held: HashMap::new(),
                outbox: HashMap::new(),
                pending: HashMap::new(),
                works: HashMap::new(),
                next_request: 0,
            }),
        })
    }

    /// The state. A poisoned lock (a panic elsewhere) is taken over: every method leaves
    /// the state consistent between statements that can fail.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A 2025-11-25 session.
pub(crate) struct Session {
    pub protocol_version: String,
    get_stream: Option<SseSender>,
    next_event: u64,
    replay: VecDeque<(u64, Bytes)>,
    pub last_seen_ms: u64,
    /// The input requests the client can answer, when the server must keep to them; `None`
    /// sends every one.
    input_methods: Option<Vec<&'static str>>,
}

impl Session {
    /// Whether the client gets input requests of `method`.
    fn takes_input(&self, method: &str) -> bool {
        self.input_methods.as_ref().is_none_or(|m| m.contains(&method))
    }
}

/// A `tasks/result` response held open until its task is terminal.
struct Held {
    session: String,
    request_id: RequestId,
    tx: SseSender,
}

/// The mutable state.
pub(crate) struct State {
    pub receiver: Receiver,
    sessions: HashMap<String, Session>,
    held: HashMap<TaskId, Vec<Held>>,
    /// Server→client messages of a task that found no open stream, by task: (session, msgs).
    outbox: HashMap<TaskId, (String, Vec<Value>)>,
    /// Server→client request ids awaiting the client's response: (session, id) → (task, key).
    pending: HashMap<(String, String), (TaskId, String)>,
    /// A running task's wake-up: bumped on answers and cancel requests.
    works: HashMap<TaskId, watch::Sender<u64>>,
    next_request: u64,
}

impl State {
    /// Mints a session id and records the session. With `input_methods`, the session's
    /// tasks send it only input requests of those methods; the others wait in the store.
    pub fn open_session(
        &mut self,
        protocol_version: String,
        input_methods: Option<Vec<&'static str>>,
    ) -> Option<String> {
        let id = RandomIds.next_id().ok()?;
        let session = Session {
            protocol_version,
            get_stream: None,
            next_event: 0,
            replay: VecDeque::new(),
            last_seen_ms: clock::now().0,
            input_methods,
        };
        self.sessions.insert(id.clone(), session);
        Some(id)
    }

    /// The session `id`, marked as seen now.
    pub fn touch_session(&mut self, id: &str) -> Option<&mut Session> {
        let s = self.sessions.get_mut(id)?;
        s.last_seen_ms = clock::now().0;
        Some(s)
    }

    /// Ends a session: its streams close and its pending requests are forgotten.
    pub fn close_session(&mut self, id: &str) -> bool {
        let found = self.sessions.remove(id).is_some();
        for list in self.held.values_mut() {
            list.retain(|h| h.session != id);
        }
        self.held.retain(|_, l| !l.is_empty());
        self.pending.retain(|(s, _), _| s != id);
        self.outbox.retain(|_, (s, _)| s != id);
        found
    }

    /// Wakes the work of tasks that expired and were swept, so that it stops instead of
    /// waiting for answers that can no longer arrive.
    pub fn wake_orphans(&mut self, now: crate::time::UnixMillis) {
        let ids: Vec<TaskId> = self.works.keys().cloned().collect();
        for id in ids {
            if self.receiver.store().peek(&id, now).is_err() {
                self.poke(&id);
            }
        }
    }

    /// Ends sessions idle for longer than `idle_ms` that have no open GET stream.
    pub fn expire_sessions(&mut self, now_ms: u64, idle_ms: u64) {
        let stale: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.get_stream.as_ref().is_none_or(|tx| tx.is_closed()))
            .filter(|(_, s)| now_ms.saturating_sub(s.last_seen_ms) > idle_ms)
            .map(|(id, _)| id.clone())
            .collect();
        for id in stale {
            self.close_session(&id);
        }
    }

    /// Closes every stream, for shutdown.
    pub fn close_all_streams(&mut self) {
        self.held.clear();
        for s in self.sessions.values_mut() {
            s.get_stream = None;
        }
    }

    /// Opens (or replaces) the session's GET stream, replaying buffered events after
    /// `last_event_id`, then sending what waited for a stream.
    pub fn attach_get_stream(&mut self, session: &str, tx: SseSender, last_event_id: Option<u64>) {
        let Some(s) = self.sessions.get_mut(session) else {
            return;
        };
        if let Some(after) = last_event_id {
            for (id, frame) in &s.replay {
                if *id > after {
                    let _ = tx.send(frame.clone());
                }
            }
        }
        s.get_stream = Some(tx);
        let waiting: Vec<TaskId> =
            self.outbox.iter().filter(|(_, (s, _))| s == session).map(|(t, _)| t.clone()).collect();
        for task in waiting {
            if let Some((_, msgs)) = self.outbox.remove(&task) {
                for msg in msgs {
                    self.send_on_get(session, &msg);
                }
            }
        }
    }

    /// Holds a `tasks/result` response for `task` on `tx`, first sending what waited.
    pub fn hold_result(
        &mut self,
        session: &str,
        task: TaskId,
        request_id: RequestId,
        tx: SseSender,
    ) {
        if let Some((_, msgs)) = self.outbox.remove(&task) {
            for msg in msgs {
                let frame = self.frame(session, &msg, false);
                let _ = tx.send(frame);
            }
        }
        self.held.entry(task).or_default().push(Held { session: session.into(), request_id, tx });
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
        let ids: Vec<(String, String)> = self
            .pending
            .iter()
            .filter(|(_, (t, k))| t == task && k == key)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &ids {
            self.pending.remove(id);
        }
        if let Some((_, msgs)) = self.outbox.get_mut(task) {
            msgs.retain(|m| {
                let id = m.get("id").map(|v| serde_json::to_string(v).unwrap_or_default());
                !ids.iter().any(|(_, sent)| id.as_ref() == Some(sent))
            });
        }
    }

    /// The (task, key) a client's response to server request `id` answers, if any.
    pub fn take_pending(&mut self, session: &str, id: &RequestId) -> Option<(TaskId, String)> {
        self.pending.remove(&(session.to_owned(), request_key(id)))
    }

    /// Sends a task-related notification (e.g. progress) where the task's input would
    /// go; dropped when no stream is open.
    pub fn notify_task(&mut self, session: &str, task: &TaskId, msg: &Value) {
        self.route(session, task, msg, false);
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
                self.send_on_get(owner.as_str(), &msg);
            }
            // Extension clients poll `tasks/get`; `subscriptions/listen` is not served yet.
            Event::Status { .. } => {}
            Event::InputRequested { task_id, key, request, owner } => {
                if self
                    .sessions
                    .get(owner.as_str())
                    .is_some_and(|s| !s.takes_input(&request.method))
                {
                    return;
                }
                self.next_request += 1;
                let id = RequestId::String(format!("srv-{}", self.next_request));
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
                self.pending.insert((session.clone(), request_key(&id)), (task_id.clone(), key));
                self.route(&session, &task_id, &msg, true);
            }
            Event::CancelRequested { task_id } => self.poke(&task_id),
            Event::Terminal { task_id } => {
                self.outbox.remove(&task_id);
                self.poke(&task_id);
                for held in self.held.remove(&task_id).unwrap_or_default() {
                    self.release(task_id.clone(), held);
                }
            }
        }
    }

    /// Answers a held `tasks/result` now that its task is terminal.
    fn release(&mut self, task: TaskId, held: Held) {
        let caller = Caller::legacy(Owner::new(held.session.clone()));
        let params = json!({"taskId": task});
        let reply = self.receiver.handle(&caller, "tasks/result", params.as_object(), clock::now());
        let msg = match reply {
            Some(Reply::Result(result)) => {
                Message::Result(ResultResponse::new(held.request_id, result)).to_value()
            }
            Some(Reply::Error(error)) => {
                Message::Error(ErrorResponse::new(Some(held.request_id), error)).to_value()
            }
            // Not terminal after all (cannot happen under the lock): keep holding.
            Some(Reply::AwaitTerminal(_)) | None => {
                self.held.entry(task).or_default().push(held);
                return;
            }
        };
        let frame = self.frame(&held.session, &msg, false);
        let _ = held.tx.send(frame);
    }

    /// Sends `msg` on the task's held `tasks/result` stream, else on the session's GET
    /// stream, else queues it (when `queue`) until one opens.
    fn route(&mut self, session: &str, task: &TaskId, msg: &Value, queue: bool) {
        let frame = self.frame(session, msg, false);
        if let Some(list) = self.held.get_mut(task) {
            list.retain(|h| !h.tx.is_closed());
            if let Some(h) = list.iter().find(|h| h.session == session) {
                if h.tx.send(frame).is_ok() {
                    return;
                }
            }
        }
        if self.send_on_get(session, msg) {
            return;
        }
        if queue {
            let entry = self.outbox.entry(task.clone()).or_insert_with(|| (session.into(), vec![]));
            entry.1.push(msg.clone());
        }
    }

    /// Sends on the session's GET stream (buffering for replay); false when none is open.
    fn send_on_get(&mut self, session: &str, msg: &Value) -> bool {
        let Some(s) = self.sessions.get(session) else {
            return false;
        };
        if s.get_stream.as_ref().is_none_or(|tx| tx.is_closed()) {
            return false;
        }
        let frame = self.frame(session, msg, true);
        let Some(s) = self.sessions.get_mut(session) else {
            return false;
        };
        match &s.get_stream {
            Some(tx) if tx.send(frame).is_ok() => true,
            _ => {
                s.get_stream = None;
                false
            }
        }
    }

    /// Frames `msg` as an SSE event with the session's next event id; GET-stream events are
    /// kept for replay.
    fn frame(&mut self, session: &str, msg: &Value, replayable: bool) -> Bytes {
        let Some(s) = self.sessions.get_mut(session) else {
            return sse_event("0", msg);
        };
        s.next_event += 1;
        let id = s.next_event;
        let frame = sse_event(&id.to_string(), msg);
        if replayable {
            if s.replay.len() == REPLAY_BUFFER {
                s.replay.pop_front();
            }
            s.replay.push_back((id, frame.clone()));
        }
        frame
    }
}

/// A request id as a map key (`1` and `"1"` differ).
fn request_key(id: &RequestId) -> String {
    serde_json::to_string(id).unwrap_or_default()
}
