//! Tasks the client hosts for the server (2025-11-25; the extension has none).
//!
//! A server may send `elicitation/create` or `sampling/createMessage` with `params.task`
//! when the client declared it can host them: a person may take minutes to answer, and the
//! server should not hold a request open that long. The engine answers at once with
//! `CreateTaskResult`, hands the question to the host as an ordinary input request, and
//! serves the server's `tasks/get`, `tasks/result`, `tasks/list` and `tasks/cancel` from
//! the receiver core over an in-memory store: the same state machine, TTL clamping and
//! errors a server uses for its own tasks, no second one.
//!
//! Hosted tasks belong to the session they were asked in: closing the client or losing
//! the session withdraws their questions and deletes them, and a resumed client does not
//! own the hosted tasks of the one it replaces.

use std::fmt;

use serde_json::{Map, Value};

use crate::id::{RandomIds, TaskId};
use crate::protocol::http::ExchangeId;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject, Message, Notification, Request, RequestId};
use crate::protocol::legacy::{CreateTaskResult, TaskStatusNotificationParams, WireShape};
use crate::receiver::{Caller, Event as Hosting, Receiver, Reply};
use crate::store::{MemoryBackend, Owner, RemovalReason, StoreConfig, TaskStore};
use crate::task::{Generation, Task};
use crate::time::UnixMillis;

use super::event::{Event, WithdrawReason};
use super::exchange::Purpose;
use super::input::Route;
use super::{Engine, InputId, RequestKind, TimerKey};

/// The one requestor of hosted tasks: the server at the other end of this engine.
const SERVER: &str = "server";

/// Where hosted tasks are kept and their `tasks/*` answered: the receiver core over an
/// in-memory store. Behind a trait object so that an engine made without hosting (the
/// npm package's) does not carry the receiver's code.
pub(super) trait HostStore: fmt::Debug {
    /// Creates a `working` task with the requested TTL clamped.
    fn create(&mut self, ttl: Option<u64>, now: UnixMillis) -> Result<Task, ErrorObject>;
    /// The task as it is now.
    fn task(&mut self, id: &TaskId, now: UnixMillis) -> Result<Task, ErrorObject>;
    /// Answers a `tasks/*` request of the server.
    fn handle(
        &mut self,
        method: &str,
        params: Option<&Map<String, Value>>,
        now: UnixMillis,
    ) -> Option<Reply>;
    /// Ends the task with the host's answer; `false` when it can no longer take one.
    fn finish(
        &mut self,
        id: &TaskId,
        answer: Result<Map<String, Value>, ErrorObject>,
        now: UnixMillis,
    ) -> bool;
    /// Deletes every task.
    fn remove_all(&mut self);
    /// Deletes tasks whose TTL ran out.
    fn sweep(&mut self, now: UnixMillis);
    /// What the receiver reported since the last call.
    fn poll_event(&mut self) -> Option<Hosting>;
}

impl HostStore for Receiver<MemoryBackend, RandomIds> {
    fn create(&mut self, ttl: Option<u64>, now: UnixMillis) -> Result<Task, ErrorObject> {
        let created = self.store().create(&Owner::new(SERVER), Generation::Legacy, ttl, now);
        created.map_err(|e| e.to_error_object())
    }

    fn task(&mut self, id: &TaskId, now: UnixMillis) -> Result<Task, ErrorObject> {
        let record = self.store().get(&Owner::new(SERVER), id, now);
        record.map(|r| r.task().clone()).map_err(|e| e.to_error_object())
    }

    fn handle(
        &mut self,
        method: &str,
        params: Option<&Map<String, Value>>,
        now: UnixMillis,
    ) -> Option<Reply> {
        Receiver::handle(self, &Caller::legacy(Owner::new(SERVER)), method, params, now)
    }

    fn finish(
        &mut self,
        id: &TaskId,
        answer: Result<Map<String, Value>, ErrorObject>,
        now: UnixMillis,
    ) -> bool {
        let mut work = self.work(id);
        match answer {
            Ok(result) => work.complete(result, now).is_ok(),
            Err(error) => work.fail(error, now).is_ok(),
        }
    }

    fn remove_all(&mut self) {
        let _ = self.remove_owner(&Owner::new(SERVER));
    }

    fn sweep(&mut self, now: UnixMillis) {
        let _ = self.store().sweep(now, usize::MAX);
    }

    fn poll_event(&mut self) -> Option<Hosting> {
        Receiver::poll_event(self)
    }
}

/// The hosted tasks and what waits on them.
#[derive(Debug)]
pub(super) struct Hosted {
    store: Box<dyn HostStore>,
    /// The task behind each input request the host has not answered yet, with the
    /// request that asked it (a replay of that request gets the same task back).
    asked: Vec<Asked>,
    /// The server's `tasks/result` requests held until their task ends.
    held: Vec<(TaskId, RequestId)>,
    /// When each hosted task expires, for the sweep timer.
    expiries: Vec<(TaskId, UnixMillis)>,
}

#[derive(Debug)]
struct Asked {
    task_id: TaskId,
    input: InputId,
    rpc: RequestId,
    session: Option<String>,
}

impl Hosted {
    /// Hosting with the receiver core over an in-memory store with these limits.
    pub(super) fn new(limits: StoreConfig) -> Self {
        let store = TaskStore::new(MemoryBackend::new(), RandomIds, limits);
        Self {
            store: Box::new(Receiver::new(store)),
            asked: Vec::new(),
            held: Vec::new(),
            expiries: Vec::new(),
        }
    }
}

fn invalid(message: &str) -> ErrorObject {
    ErrorObject::new(ErrorCode::INVALID_PARAMS, message)
}

/// The TTL asked for in `params.task`: absent or `null` for none; anything but a
/// non-negative number is refused.
fn requested_ttl(task: &Value) -> Result<Option<u64>, ErrorObject> {
    let Value::Object(task) = task else {
        return Err(invalid("params.task must be an object"));
    };
    match task.get("ttl") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match (n.as_u64(), n.as_f64()) {
            (Some(ms), _) => Ok(Some(ms)),
            // A fractional TTL is rounded down rather than refused.
            (None, Some(ms)) if ms >= 0.0 => Ok(Some(ms as u64)),
            _ => Err(invalid("params.task.ttl must not be negative")),
        },
        Some(_) => Err(invalid("params.task.ttl must be a number of milliseconds")),
    }
}

impl Engine {
    /// An engine that hosts tasks for the server (2025-11-25): it declares
    /// `tasks.requests` for the input kinds in [`Config::inputs`](super::Config::inputs)
    /// that can be tasks (`elicitation/create`, `sampling/createMessage`) and
    /// `tasks.list`/`tasks.cancel`, answers such a request sent with `params.task` at once
    /// with a task ([`Event::TaskHosted`], then the question as [`Event::InputRequested`]),
    /// and serves the server's `tasks/*` for those tasks with the receiver core, within
    /// `limits` (TTL clamp, `pollInterval`, how many). A plain [`Engine::new`] hosts none
    /// and ignores `params.task`, as the spec asks of a client that did not declare it.
    ///
    /// Built for wasm without the crate feature `host` (the npm package's default entry),
    /// the engine hosts nothing either: that build leaves the hosting code out.
    pub fn with_hosted_tasks(config: super::Config, limits: StoreConfig) -> Self {
        let mut engine = Self::new(config);
        engine.hosted = Some(Box::new(Hosted::new(limits)));
        engine
    }

    /// Whether a server request is one the engine hosts as a task: a task-augmented
    /// request of a kind the host answers, with hosting on.
    pub(super) fn hosts(&self, req: &Request) -> bool {
        self.hosting()
            && matches!(req.method.as_str(), "elicitation/create" | "sampling/createMessage")
            && req.params.as_ref().is_some_and(|p| p.contains_key("task"))
    }

    /// A task-augmented input request: create the task, answer with it, ask the host.
    pub(super) fn host_request(
        &mut self,
        now: UnixMillis,
        call: Option<super::CallId>,
        related: Option<TaskId>,
        req: Request,
    ) {
        let session = self.conn.session.clone();
        let mut params = req.params.unwrap_or_default();
        let ttl = match params.remove("task").as_ref().map(requested_ttl) {
            Some(Err(error)) => return self.answer_server(now, req.id, Err(error)),
            Some(Ok(ttl)) => ttl,
            None => None,
        };
        let Some(hosted) = self.hosted.as_mut() else { return };
        let replayed = hosted.asked.iter().find(|a| a.rpc == req.id && a.session == session);
        if let Some(task_id) = replayed.map(|a| a.task_id.clone()) {
            // Sent again after a resumption: the same task, as it is now.
            let answer = hosted.store.task(&task_id, now);
            let answer = answer.map(|task| CreateTaskResult::new(&task).to_map());
            return self.answer_server(now, req.id, answer);
        }
        let task = match hosted.store.create(ttl, now) {
            Ok(task) => task,
            Err(error) => return self.answer_server(now, req.id, Err(error)),
        };
        if let Some(at) = task.expires_at() {
            hosted.expiries.push((task.task_id.clone(), at));
        }
        let route = Route::Hosted { task_id: task.task_id.clone() };
        let input = self.new_input(call, related.clone(), route);
        if let Some(hosted) = self.hosted.as_mut() {
            let task_id = task.task_id.clone();
            hosted.asked.push(Asked { task_id, input, rpc: req.id.clone(), session });
        }
        self.answer_server(now, req.id, Ok(CreateTaskResult::new(&task).to_map()));
        self.arm_sweep();
        params.entry("_meta").or_insert_with(|| Value::Object(Map::new()));
        self.emit(Event::TaskHosted { input, task });
        self.emit(Event::InputRequested {
            input,
            call,
            task_id: related,
            method: req.method,
            params,
        });
    }

    /// Whether this engine hosts tasks (see [`crate::HOSTING`]).
    pub(super) fn hosting(&self) -> bool {
        crate::HOSTING && self.hosted.is_some()
    }

    /// The hosted tasks, when this engine hosts any.
    fn hosted_mut(&mut self) -> Option<&mut Hosted> {
        if crate::HOSTING { self.hosted.as_deref_mut() } else { None }
    }

    /// The server's `tasks/*` request about a task this client hosts.
    pub(super) fn serve_hosted(&mut self, now: UnixMillis, req: Request) {
        let Some(hosted) = self.hosted_mut() else { return };
        match hosted.store.handle(&req.method, req.params.as_ref(), now) {
            Some(Reply::Result(result)) => self.answer_server(now, req.id, Ok(result)),
            Some(Reply::Error(error)) => self.answer_server(now, req.id, Err(error)),
            Some(Reply::AwaitTerminal(task_id)) => hosted.held.push((task_id, req.id)),
            None => {}
        }
        self.drain_hosted(now);
    }

    /// The host answered the question of a hosted task: the task ends with it. `false`
    /// when the task can no longer take an answer.
    pub(super) fn finish_hosted(
        &mut self,
        now: UnixMillis,
        input: InputId,
        task_id: &TaskId,
        answer: Result<Map<String, Value>, ErrorObject>,
    ) -> bool {
        let Some(hosted) = self.hosted_mut() else { return false };
        hosted.asked.retain(|a| a.input != input);
        let done = hosted.store.finish(task_id, answer, now);
        self.inputs.remove(&input);
        self.drain_hosted(now);
        done
    }

    /// Deletes every hosted task (the client closes, or the session they belong to is
    /// gone); their questions are withdrawn.
    pub(super) fn drop_hosted(&mut self, now: UnixMillis) {
        if let Some(hosted) = self.hosted_mut() {
            // Nobody can collect them any more: the held requests go unanswered.
            hosted.held.clear();
            hosted.store.remove_all();
            self.drain_hosted(now);
        }
        self.timers.clear(TimerKey::HostedSweep);
    }

    /// Deletes hosted tasks whose TTL ran out.
    pub(super) fn sweep_hosted(&mut self, now: UnixMillis) {
        let Some(hosted) = self.hosted_mut() else { return };
        hosted.store.sweep(now);
        hosted.expiries.retain(|(_, at)| *at > now);
        self.drain_hosted(now);
        self.arm_sweep();
    }

    fn arm_sweep(&mut self) {
        let next = self.hosted.as_ref().and_then(|h| h.expiries.iter().map(|(_, at)| *at).min());
        match next {
            Some(at) => self.timers.set(TimerKey::HostedSweep, at),
            None => self.timers.clear(TimerKey::HostedSweep),
        }
    }

    /// Acts on what the hosted tasks' receiver reported.
    fn drain_hosted(&mut self, now: UnixMillis) {
        while let Some(event) = self.hosted.as_mut().and_then(|h| h.store.poll_event()) {
            match event {
                Hosting::Status { view, .. } => self.notify_status(now, &view.task),
                Hosting::Terminal { task_id, .. } => self.release_held(now, &task_id),
                // A 2025-11-25 cancel is final at once (the task is `cancelled` already):
                // the host is told to stop asking.
                Hosting::CancelRequested { task_id } => {
                    self.withdraw(&task_id, WithdrawReason::Cancelled);
                }
                Hosting::Removed(removed) => {
                    let reason = match removed.reason {
                        RemovalReason::Expired => WithdrawReason::Expired,
                        RemovalReason::OwnerRemoved => WithdrawReason::Closed,
                    };
                    self.withdraw(&removed.task_id, reason);
                    // What waited on it learns it is gone.
                    self.release_held(now, &removed.task_id);
                    if let Some(hosted) = self.hosted.as_mut() {
                        hosted.expiries.retain(|(id, _)| *id != removed.task_id);
                    }
                }
                Hosting::InputRequested { .. } => {}
            }
        }
    }

    /// Answers the server's held `tasks/result` requests for `task_id`.
    fn release_held(&mut self, now: UnixMillis, task_id: &TaskId) {
        let Some(hosted) = self.hosted.as_mut() else { return };
        let (waiting, rest): (Vec<_>, Vec<_>) =
            std::mem::take(&mut hosted.held).into_iter().partition(|(id, _)| id == task_id);
        hosted.held = rest;
        let mut params = Map::new();
        params.insert("taskId".into(), Value::String(task_id.as_str().to_owned()));
        for (_, rpc) in waiting {
            let Some(hosted) = self.hosted.as_mut() else { return };
            match hosted.store.handle("tasks/result", Some(&params), now) {
                Some(Reply::Result(result)) => self.answer_server(now, rpc, Ok(result)),
                Some(Reply::Error(error)) => self.answer_server(now, rpc, Err(error)),
                // Not terminal after all: keep holding.
                Some(Reply::AwaitTerminal(id)) => hosted.held.push((id, rpc)),
                None => {}
            }
        }
    }

    /// The host's question for `task_id` can no longer be answered.
    fn withdraw(&mut self, task_id: &TaskId, reason: WithdrawReason) {
        let Some(hosted) = self.hosted.as_mut() else { return };
        let Some(at) = hosted.asked.iter().position(|a| a.task_id == *task_id) else { return };
        let input = hosted.asked.swap_remove(at).input;
        self.inputs.remove(&input);
        self.emit(Event::InputWithdrawn { input, reason });
    }

    /// `notifications/tasks/status` to the server, when the session is up.
    fn notify_status(&mut self, now: UnixMillis, task: &Task) {
        if !self.conn.is_ready() || self.closed {
            return;
        }
        let params = TaskStatusNotificationParams::new(task).to_map();
        let message =
            Message::Notification(Notification::new("notifications/tasks/status", Some(params)));
        let _: ExchangeId = self.send_legacy_message(
            now,
            RequestKind::StatusNotification,
            Purpose::Notify,
            &message,
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::requested_ttl;

    #[test]
    fn a_ttl_is_a_non_negative_number_or_absent() {
        assert_eq!(requested_ttl(&json!({})), Ok(None));
        assert_eq!(requested_ttl(&json!({"ttl": null})), Ok(None));
        assert_eq!(requested_ttl(&json!({"ttl": 60000})), Ok(Some(60_000)));
        assert_eq!(requested_ttl(&json!({"ttl": 1500.7})), Ok(Some(1500)));
        for bad in [json!({"ttl": "60000"}), json!({"ttl": -1}), json!({"ttl": true}), json!(5)] {
            let error = requested_ttl(&bad).err().map(|e| e.code.0);
            assert_eq!(error, Some(-32602), "{bad}");
        }
    }
}
