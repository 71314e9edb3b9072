//! What the bindings remember between engine events: per call, its task and updates; per
//! one-off request, its answer; and the futures that wait on them.
//!
//! The engine's events land here synchronously from the driver's drain. Nothing here calls
//! into JS: callbacks (input requests, progress) are queued with `spawn_local`, so they run
//! after the drain, with no borrow held.

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::poll_fn;
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};

use js_sys::{Function, Promise};
use serde_json::{Map, Value, json};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::client::{
    CallId, CallOutcome, ClientError, ConnectionInfo, Event, InputId, OpId, TaskReference,
};
use crate::id::TaskId;
use crate::protocol::legacy::WireShape;
use crate::task::{Generation, Task, TaskStatus};

use super::convert;
use super::driver::{self, Driver};
use super::error::Failure;

/// Something a call went through, kept in order for `updates()` and `callToolStream()`.
#[derive(Clone, Debug)]
pub(crate) enum CallEvent {
    /// The task was created (the task as created).
    Created(Value),
    /// Its status or message changed (`{status, statusMessage, task?}`; the whole task
    /// when this client created it).
    Status(Value),
    /// `notifications/progress` (`{progress, total?, message?}`).
    Progress(Value),
}

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
    pub(crate) events: Vec<CallEvent>,
    pub(crate) outcome: Option<CallOutcome>,
    /// The caller's signal fired: promises reject with `AbortError`.
    pub(crate) aborted: bool,
    /// A cancel could not be delivered.
    pub(crate) cancel_failed: Option<ClientError>,
    pub(crate) on_progress: Option<Function>,
}

impl CallState {
    /// Whether nothing more will happen to the call.
    pub(crate) fn finished(&self) -> bool {
        self.outcome.is_some() || self.aborted
    }
}

/// Everything the bindings track for one client.
#[derive(Default)]
pub(crate) struct Router {
    pub(crate) calls: HashMap<CallId, CallState>,
    pub(crate) ops: HashMap<OpId, Option<Result<Value, Failure>>>,
    /// The first connection result; later reconnections only update `info`.
    pub(crate) connected: Option<Result<(), ClientError>>,
    pub(crate) info: Option<ConnectionInfo>,
    pub(crate) closed: bool,
    pub(crate) on_input: Option<Function>,
    pub(crate) driver: Weak<RefCell<Driver>>,
    wakers: Vec<Waker>,
}

/// A router as the bindings share it.
pub(crate) type Routes = Rc<RefCell<Router>>;

impl Router {
    /// The call whose task is `task_id`, if this client follows it.
    pub(crate) fn call_of(&self, task_id: &str) -> Option<CallId> {
        self.calls.iter().find_map(|(id, c)| {
            c.task_id.as_ref().is_some_and(|t| t.as_str() == task_id).then_some(*id)
        })
    }

    /// Wakes every waiting future; each checks again whether what it waits for happened.
    pub(crate) fn changed(&mut self) {
        for waker in self.wakers.drain(..) {
            waker.wake();
        }
    }

    fn generation(&self) -> Option<Generation> {
        self.info.as_ref().map(|i| i.generation)
    }
}

/// Waits until `check` finds what it looks for in the router.
pub(crate) async fn wait<T>(routes: &Routes, mut check: impl FnMut(&mut Router) -> Option<T>) -> T {
    poll_fn(|cx| {
        let mut router = routes.borrow_mut();
        match check(&mut router) {
            Some(found) => Poll::Ready(found),
            None => {
                router.wakers.push(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await
}

/// Records one engine event. Called by the driver's drain with no borrow of the driver held.
pub(crate) fn on_event(routes: &Routes, event: Event) {
    let mut router = routes.borrow_mut();
    match event {
        Event::Connected(info) => {
            router.connected.get_or_insert(Ok(()));
            router.info = Some(info);
        }
        Event::Disconnected { error } => {
            router.connected.get_or_insert(Err(error));
        }
        Event::ToolsListed { op, tools } => {
            let tools = tools.iter().map(WireShape::to_value).collect();
            router.ops.insert(op, Some(Ok(Value::Array(tools))));
        }
        Event::TasksListed { op, tasks, next_cursor } => {
            let tasks: Vec<Value> = tasks.iter().map(convert::task).collect();
            let mut page = json!({ "tasks": tasks });
            if let Some(cursor) = next_cursor {
                page["nextCursor"] = json!(cursor);
            }
            router.ops.insert(op, Some(Ok(page)));
        }
        Event::TaskFetched { op, view } => {
            router.ops.insert(op, Some(Ok(convert::task(&view.task))));
        }
        Event::OpFailed { op, error } => {
            router.ops.insert(op, Some(Err(Failure::Client(error))));
        }
        Event::TaskCreated { call, task, reference } => {
            if let Some(state) = router.calls.get_mut(&call) {
                state.reference = Some(reference);
                state.events.push(CallEvent::Created(convert::task(&task)));
                state.task_id = Some(task.task_id.clone());
                state.status = Some(task.status());
                state.status_message = task.status_message.clone();
                state.task = Some(task);
            }
        }
        Event::StatusChanged { call, status, status_message } => {
            if let Some(state) = router.calls.get_mut(&call) {
                let mut update =
                    json!({"status": status.as_str(), "statusMessage": status_message});
                if let Some(task) = state.task.as_mut() {
                    task.set_status(status);
                    task.status_message.clone_from(&status_message);
                    update["task"] = convert::task(task);
                }
                state.status = Some(status);
                state.status_message = status_message;
                state.events.push(CallEvent::Status(update));
            }
        }
        Event::Progress { call, progress, total, message } => {
            if let Some(state) = router.calls.get_mut(&call) {
                let mut update = json!({ "progress": progress });
                if let Some(total) = total {
                    update["total"] = json!(total);
                }
                if let Some(message) = message {
                    update["message"] = json!(message);
                }
                if let Some(callback) = state.on_progress.clone() {
                    let value = convert::to_js(&update);
                    wasm_bindgen_futures::spawn_local(async move {
                        // A throwing progress callback is the caller's business, not the call's.
                        let _ = callback.call1(&JsValue::UNDEFINED, &value);
                    });
                }
                state.events.push(CallEvent::Progress(update));
            }
        }
        Event::InputRequested { input, task_id, method, params, .. } => {
            let request = json!({
                "method": method,
                "params": params,
                "taskId": task_id.as_ref().map(TaskId::as_str),
                "generation": router.generation().map(convert::generation),
            });
            let handler = router.on_input.clone();
            let driver = router.driver.clone();
            wasm_bindgen_futures::spawn_local(answer_input(
                driver, handler, input, method, request,
            ));
        }
        Event::CancelFailed { call, error } => {
            if let Some(state) = router.calls.get_mut(&call) {
                state.cancel_failed = Some(error);
            }
        }
        Event::Outcome { call, outcome } => {
            if let Some(state) = router.calls.get_mut(&call) {
                state.outcome = Some(outcome);
            }
        }
        Event::Closed => router.closed = true,
        // Input delivery failures, protocol violations the engine recovered from, and
        // interim text for models have no place in this API yet.
        Event::InputFailed { .. }
        | Event::ProtocolViolation { .. }
        | Event::ModelImmediateResponse { .. } => {}
    }
    router.changed();
}

/// Asks the host's `onInputRequest` and delivers its answer. Without a handler, or when
/// it fails, an elicitation is answered `cancel` so that the task does not wait forever;
/// other requests have no such answer and stay open.
async fn answer_input(
    driver: Weak<RefCell<Driver>>,
    handler: Option<Function>,
    input: InputId,
    method: String,
    request: Value,
) {
    let answer = match handler {
        Some(handler) => match handler.call1(&JsValue::UNDEFINED, &convert::to_js(&request)) {
            Ok(returned) => JsFuture::from(Promise::resolve(&returned)).await.ok(),
            Err(_) => None,
        },
        None => None,
    };
    let answer = answer
        .and_then(|a| convert::object(a, "the input answer").ok().flatten())
        .or_else(|| (method == "elicitation/create").then(cancel_elicitation));
    let (Some(answer), Some(shared)) = (answer, driver.upgrade()) else { return };
    // An answer for a request the engine no longer holds (its task ended) is dropped.
    let _ = shared.borrow_mut().engine.answer_input(driver::now(), input, answer);
    driver::pump(&shared);
}

fn cancel_elicitation() -> Map<String, Value> {
    let mut answer = Map::new();
    answer.insert("action".into(), json!("cancel"));
    answer
}
