//! What the bindings remember between engine events: per call, its task and updates; per
//! one-off request, its answer; and the futures that wait on them.
//!
//! The engine's events land here synchronously from the driver's drain. Nothing here calls
//! into JS: callbacks (input requests, progress) are queued with `spawn_local`, so they run
//! after the drain, with no borrow held.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use js_sys::Function;
use serde_json::Value;
use wasm_bindgen::JsValue;

use crate::client::{
    CallId, CallOutcome, ClientError, ConnectionInfo, Event, OpId, RawResult, TaskReference,
};
use crate::id::TaskId;
use crate::id_map::IdMap;
use crate::protocol::json::jv;
use crate::protocol::legacy::WireShape;
use crate::task::{Generation, Task, TaskStatus};

use super::convert;
use super::driver::Driver;
use super::error::Failure;
pub(crate) use super::history::CallEvent;
use super::history::History;
use super::input::{Asked, Hosting};
use super::materialize;
use super::settle::Settle;
use super::signal::Watch;

mod waits;

pub(crate) use waits::{Hold, Wakers, wait, wait_call};

/// One call's state.
#[derive(Default)]
pub(crate) struct CallState {
    /// The task's id, once created (or from the reference of a resumed task).
    pub(crate) task_id: Option<TaskId>,
    /// The status and message as last reported.
    pub(crate) status: Option<TaskStatus>,
    pub(crate) status_message: Option<String>,
    /// The whole task as last reported, when this client created it.
    pub(crate) task: Option<Task>,
    /// What another client needs to follow the task (kept: the engine forgets finished calls).
    pub(crate) reference: Option<TaskReference>,
    pub(crate) events: History,
    pub(crate) outcome: Option<CallOutcome>,
    /// The tool result as it came, when the engine kept it with the outcome.
    pub(crate) raw_result: Option<RawResult>,
    /// The server's interim text for the model, when it sent one.
    pub(crate) model_response: Option<String>,
    /// The caller's signal fired: promises reject with `AbortError`.
    pub(crate) aborted: bool,
    /// A cancel could not be delivered.
    pub(crate) cancel_failed: Option<ClientError>,
    pub(crate) on_progress: Option<Function>,
    /// The call's own `onInputRequest`, before the client's.
    pub(crate) on_input: Option<Function>,
    /// The promise of a plain `callTool`, settled with the outcome.
    pub(crate) waiting: Option<Waiting>,
    /// Handles, iterators and promises that may still read this state (see [`Hold`]).
    holders: u32,
    wakers: Wakers,
}

impl CallState {
    /// A call just started (with its task's id and reference when resumed).
    pub(crate) fn new(
        task_id: Option<TaskId>,
        status: Option<TaskStatus>,
        reference: Option<TaskReference>,
        on_progress: Option<Function>,
    ) -> Self {
        Self { task_id, status, reference, on_progress, ..Self::default() }
    }

    /// Whether nothing more will happen to the call.
    pub(crate) fn finished(&self) -> bool {
        self.outcome.is_some() || self.aborted
    }
}

/// A plain call's promise, with the claim and the signal watch that last as long as it.
pub(crate) struct Waiting {
    pub(crate) settle: Settle,
    pub(crate) hold: Hold,
    pub(crate) watch: Option<Watch>,
}

/// Settles the promise waiting on `call` once the call has finished, then lets go of its
/// claim and watch. Call it after every change to the call, with no borrow held.
pub(crate) fn settle_if_finished(routes: &Routes, call: CallId) {
    let (waiting, result) = {
        let mut router = routes.borrow_mut();
        let Some(state) = router.calls.get_mut(&call) else { return };
        let result = match (&state.outcome, state.aborted) {
            _ if state.waiting.is_none() => return,
            (_, true) => Err(Failure::Aborted),
            (Some(outcome), false) => Ok((outcome.clone(), state.raw_result.clone())),
            (None, false) => return,
        };
        (state.waiting.take(), result)
    };
    if let Some(Waiting { settle, hold, watch }) = waiting {
        settle.settle(result.and_then(|(outcome, raw)| convert::settle(&outcome, raw.as_ref())));
        drop((hold, watch));
    }
}

/// A one-off request's answer, kept compact until it settles the caller's promise.
pub(crate) enum Answer {
    /// A value of our own making.
    Tree(Value),
    /// The peer's result as it came, on its tape.
    Raw(RawResult),
}

impl Answer {
    /// The answer as the JS value the promise resolves with.
    pub(crate) fn to_js(&self) -> JsValue {
        match self {
            Self::Tree(value) => convert::to_js(value),
            Self::Raw(raw) => materialize::to_js(raw.node()),
        }
    }
}

/// Everything the bindings track for one client.
///
/// Every engine event touches one entry, found by id: the work per event does not grow
/// with the number of calls.
#[derive(Default)]
pub(crate) struct Router {
    pub(crate) calls: IdMap<CallId, CallState>,
    /// Calls by task id, for the methods that take a task id.
    by_task: HashMap<TaskId, CallId>,
    /// One-off requests, with what settles their promise.
    ops: IdMap<OpId, Settle>,
    /// The first connection result; later reconnections only update `info`.
    pub(crate) connected: Option<Result<(), ClientError>>,
    pub(crate) info: Option<ConnectionInfo>,
    pub(crate) closed: bool,
    pub(crate) on_input: Option<Function>,
    /// The tasks this client hosts for the server (`hostTasks`), while their questions wait.
    hosting: Hosting,
    /// The caller's `onEvent`: what the engine reports beyond calls' own promises.
    pub(crate) on_event: Option<Function>,
    pub(crate) driver: Weak<RefCell<Driver>>,
    /// Futures waiting on the client as a whole (connecting, closing).
    client_wakers: Wakers,
}

/// A router as the bindings share it.
pub(crate) type Routes = Rc<RefCell<Router>>;

impl Router {
    /// The call whose task is `task_id`, if this client follows it.
    pub(crate) fn call_of(&self, task_id: &TaskId) -> Option<CallId> {
        self.by_task.get(task_id).copied()
    }

    /// Starts tracking `call`, held once by the returned [`Hold`]'s owner.
    pub(crate) fn insert_call(&mut self, call: CallId, mut state: CallState) {
        if let Some(task_id) = &state.task_id {
            self.by_task.insert(task_id.clone(), call);
        }
        state.holders = 1;
        self.calls.insert(call, state);
    }

    /// Starts tracking one-off request `op`, whose answer settles a promise.
    pub(crate) fn insert_op(&mut self, op: OpId, settle: Settle) {
        self.ops.insert(op, settle);
    }

    /// Wakes what waits on the client as a whole.
    pub(crate) fn client_changed(&mut self) {
        self.client_wakers.wake();
    }

    /// Wakes what waits on `call`, and forgets it when it is over and nothing holds it.
    pub(crate) fn call_changed(&mut self, call: CallId) {
        let Some(state) = self.calls.get_mut(&call) else { return };
        state.wakers.wake();
        if state.holders == 0 && state.finished() {
            self.forget(call);
        }
    }

    fn release(&mut self, call: CallId) {
        let Some(state) = self.calls.get_mut(&call) else { return };
        state.holders = state.holders.saturating_sub(1);
        if state.holders == 0 && state.finished() {
            self.forget(call);
        }
    }

    fn forget(&mut self, call: CallId) {
        let Some(state) = self.calls.remove(&call) else { return };
        if let Some(task_id) = &state.task_id {
            if self.by_task.get(task_id) == Some(&call) {
                self.by_task.remove(task_id);
            }
        }
    }

    /// How many entries the router holds, for `debugState()`.
    pub(crate) fn sizes(&self) -> [(&'static str, usize); 3] {
        [("calls", self.calls.len()), ("tasks", self.by_task.len()), ("ops", self.ops.len())]
    }

    fn generation(&self) -> Option<Generation> {
        self.info.as_ref().map(|i| i.generation)
    }

    /// Hands `{type: kind, [key]: value, taskId?}` to the caller's `onEvent`, after the
    /// drain.
    fn notify(&self, kind: &str, key: &str, value: JsValue, call: Option<CallId>) {
        let Some(callback) = self.on_event.clone() else { return };
        let task_id = call.and_then(|c| self.calls.get(&c)?.task_id.as_ref());
        let task_id = task_id.map_or(JsValue::UNDEFINED, |t| JsValue::from_str(t.as_str()));
        let event = convert::js_object(&[
            ("type", JsValue::from_str(kind)),
            (key, value),
            ("taskId", task_id),
        ]);
        super::settle::spawn(Box::pin(async move {
            // A throwing handler is the caller's business, not the client's.
            let _ = callback.call1(&JsValue::UNDEFINED, &event);
        }));
    }
}

/// The connection as JS sees it (`ConnectionInfo`).
pub(crate) fn connection_js(info: &ConnectionInfo) -> JsValue {
    convert::to_js(&convert::compact(jv!({
        "generation": convert::generation(info.generation),
        "protocolVersion": info.protocol_version,
        "sessionId": info.session_id,
        "serverInfo": info.server_info,
        "capabilities": info.capabilities,
        "instructions": info.instructions,
    })))
}

/// Settles `op`'s promise with `answer` and stops tracking it, once the router is released
/// (making the value calls into JS). An op nobody tracks leaves nothing behind.
fn op_answered(mut router: RefMut<'_, Router>, op: OpId, answer: Result<Answer, Failure>) {
    let settle = router.ops.remove(&op);
    drop(router);
    if let Some(settle) = settle {
        settle.settle(answer.map(|a| a.to_js()));
    }
}

/// Records one engine event. Called by the driver's drain with no borrow of the driver held.
pub(crate) fn on_event(routes: &Routes, event: Event) {
    let mut router = routes.borrow_mut();
    let call = match event {
        Event::Connected(info) => {
            if router.connected.is_some() {
                // A lost session was replaced; the tasks are read again under the new one.
                router.notify("sessionReplaced", "connection", connection_js(&info), None);
            }
            router.connected.get_or_insert(Ok(()));
            router.info = Some(info);
            None
        }
        Event::Disconnected { error } => {
            if router.connected.is_some() {
                router.notify(
                    "disconnected",
                    "error",
                    Failure::Client(error.clone()).to_js(),
                    None,
                );
            }
            router.connected.get_or_insert(Err(error));
            None
        }
        Event::ToolsListed { op, tools } => {
            let tools = tools.iter().map(WireShape::to_value).collect();
            return op_answered(router, op, Ok(Answer::Tree(Value::Array(tools))));
        }
        Event::TasksListed { op, tasks, next_cursor, raw } => {
            let answer = match raw {
                Some(raw) => Answer::Raw(raw),
                None => Answer::Tree(convert::task_page(&tasks, next_cursor.as_deref())),
            };
            return op_answered(router, op, Ok(answer));
        }
        Event::TaskFetched { op, view, raw } => {
            let answer = match raw {
                Some(raw) => Answer::Raw(raw),
                None => Answer::Tree(convert::task_view(&view)),
            };
            return op_answered(router, op, Ok(answer));
        }
        Event::OpFailed { op, error } => {
            return op_answered(router, op, Err(Failure::Client(error)));
        }
        Event::TaskCreated { call, task, reference } => {
            let task_id = task.task_id.clone();
            if let Some(state) = router.calls.get_mut(&call) {
                state.reference = Some(reference);
                state.events.push(CallEvent::Created(convert::task(&task)));
                state.task_id = Some(task.task_id.clone());
                state.status = Some(task.status());
                state.status_message = task.status_message.clone();
                state.task = Some(task);
                router.by_task.insert(task_id, call);
            }
            Some(call)
        }
        Event::StatusChanged { call, status, status_message } => {
            if let Some(state) = router.calls.get_mut(&call) {
                let mut update = convert::compact(
                    jv!({"status": status.as_str(), "statusMessage": status_message}),
                );
                if let Some(task) = state.task.as_mut() {
                    task.set_status(status);
                    task.status_message.clone_from(&status_message);
                    update["task"] = convert::task(task);
                }
                state.status = Some(status);
                state.status_message = status_message;
                state.events.push(CallEvent::Status(update));
            }
            Some(call)
        }
        Event::Progress { call, progress, total, message } => {
            if let Some(state) = router.calls.get_mut(&call) {
                let mut update = jv!({ "progress": progress });
                if let Some(total) = total {
                    update["total"] = jv!(total);
                }
                if let Some(message) = message {
                    update["message"] = jv!(message);
                }
                if let Some(callback) = state.on_progress.clone() {
                    let value = convert::to_js(&update);
                    super::settle::spawn(Box::pin(async move {
                        // A throwing progress callback is the caller's business, not the call's.
                        let _ = callback.call1(&JsValue::UNDEFINED, &value);
                    }));
                }
                state.events.push(CallEvent::Progress(update));
            }
            Some(call)
        }
        Event::InputRequested { input, call, task_id, method, params } => {
            let request = convert::compact(jv!({
                "method": method,
                "params": params,
                "taskId": task_id.as_ref().map(TaskId::as_str),
                "generation": router.generation().map(convert::generation),
            }));
            let own = call.and_then(|c| router.calls.get(&c)?.on_input.clone());
            let handler = own.or_else(|| router.on_input.clone());
            let extension = router.generation() == Some(Generation::Extension);
            let driver = router.driver.clone();
            let asked = Asked { input, method, extension, hosted: router.hosting.question(input) };
            super::settle::spawn(Box::pin(super::input::answer(driver, handler, asked, request)));
            return;
        }
        Event::CancelFailed { call, error } => {
            if let Some(state) = router.calls.get_mut(&call) {
                state.cancel_failed = Some(error);
            }
            Some(call)
        }
        Event::RawResult { call, raw } => {
            if let Some(state) = router.calls.get_mut(&call) {
                state.raw_result = Some(raw);
            }
            return;
        }
        Event::Outcome { call, outcome } => {
            if let Some(state) = router.calls.get_mut(&call) {
                state.outcome = Some(outcome);
            }
            Some(call)
        }
        Event::Closed => {
            router.closed = true;
            None
        }
        Event::ModelImmediateResponse { call, text } => {
            router.notify("modelImmediateResponse", "text", JsValue::from_str(&text), Some(call));
            if let Some(state) = router.calls.get_mut(&call) {
                state.events.push(CallEvent::Model(jv!({ "text": text })));
                state.model_response = Some(text);
            }
            Some(call)
        }
        Event::ProtocolViolation { call, error } => {
            router.notify("protocolViolation", "error", Failure::Client(error).to_js(), call);
            return;
        }
        Event::InputFailed { error, .. } => {
            router.notify("inputFailed", "error", Failure::Client(error).to_js(), None);
            return;
        }
        Event::TaskHosted { input, task } => return router.hosting.hosted(input, &task),
        Event::InputWithdrawn { input, reason } => return router.hosting.withdrawn(input, reason),
    };
    match call {
        Some(call) => {
            router.call_changed(call);
            drop(router);
            settle_if_finished(routes, call);
        }
        None => router.client_changed(),
    }
}
