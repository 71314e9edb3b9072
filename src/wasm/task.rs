//! `McpTask` (a handle on one task), its `updates()` iterator, and the message stream of
//! `callToolStream()`. Both iterators are JS async iterables (`for await` works).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Promise;
use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::client::{CallId, CallOutcome};
use crate::protocol::json::jv;
use crate::task::TaskStatus;

use super::calls;
use super::client::{Inner, McpTaskClient};
use super::convert;
use super::error::Failure;
use super::signal::Watch;
use super::state::{self, CallEvent, CallState, Hold};

/// A tool call running as a task on the server.
///
/// Releasing it (`free()`, `Symbol.dispose` through `using`, or garbage collection) lets
/// the client forget the call once the task has ended; iterators and promises taken from
/// it keep what they need.
#[wasm_bindgen]
pub struct McpTask {
    inner: Rc<Inner>,
    call: CallId,
    hold: Hold,
    _watch: Option<Watch>,
}

impl McpTask {
    pub(crate) fn new(inner: Rc<Inner>, hold: Hold, watch: Option<Watch>) -> Self {
        Self { inner, call: hold.call(), hold, _watch: watch }
    }

    fn read<T>(&self, f: impl FnOnce(&CallState) -> Option<T>) -> Option<T> {
        self.inner.routes.borrow().calls.get(&self.call).and_then(f)
    }
}

/// The status a call is in: the task's, or the one its outcome implies.
fn status_of(state: &CallState) -> Option<TaskStatus> {
    match &state.outcome {
        Some(CallOutcome::Completed(_)) => Some(TaskStatus::Completed),
        Some(CallOutcome::Failed(_)) => Some(TaskStatus::Failed),
        Some(CallOutcome::Cancelled { .. }) => Some(TaskStatus::Cancelled),
        _ => state.status,
    }
}

#[wasm_bindgen]
impl McpTask {
    /// The task's id; `undefined` when the server answered at once without a task (a
    /// 2026-07-28 server may decide so).
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> Option<String> {
        self.read(|s| s.task_id.as_ref().map(|t| t.as_str().to_owned()))
    }

    /// The status as last reported.
    #[wasm_bindgen(getter, unchecked_return_type = "TaskStatus")]
    pub fn status(&self) -> JsValue {
        self.read(status_of).map(|s| JsValue::from_str(s.as_str())).unwrap_or(JsValue::UNDEFINED)
    }

    /// The status message as last reported.
    #[wasm_bindgen(getter, js_name = statusMessage)]
    pub fn status_message(&self) -> Option<String> {
        self.read(|s| s.status_message.clone())
    }

    /// The whole task as last reported; `undefined` for a resumed task (its reference does
    /// not carry the task's metadata).
    #[wasm_bindgen(getter, unchecked_return_type = "Task | undefined")]
    pub fn task(&self) -> JsValue {
        self.read(|s| s.task.as_ref().map(|t| convert::to_js(&convert::task(t))))
            .unwrap_or(JsValue::UNDEFINED)
    }

    /// The client following the task.
    #[wasm_bindgen(getter)]
    pub fn client(&self) -> McpTaskClient {
        McpTaskClient { inner: self.inner.clone() }
    }

    /// Status changes and progress, from the task's creation on, ending when the task
    /// ends. Each call starts a new iterator from the beginning.
    pub fn updates(&self) -> TaskUpdates {
        TaskUpdates {
            inner: self.inner.clone(),
            call: self.call,
            pos: Rc::new(Cell::new(0)),
            claim: Rc::new(RefCell::new(Some(self.hold.clone()))),
        }
    }

    /// The tool's result once the task has ended (`isError: true` results resolve too);
    /// rejects when it failed with a JSON-RPC error, was cancelled or expired.
    #[wasm_bindgen(unchecked_return_type = "Promise<CallToolResult>")]
    pub fn result(&self) -> Promise {
        let inner = self.inner.clone();
        let hold = self.hold.clone();
        super::settle::to_promise(Box::pin(async move {
            calls::outcome(&inner.routes, hold.call()).await.map_err(|f| f.to_js())
        }))
    }

    /// Cancels the task and resolves once it has ended.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn cancel(&self) -> Promise {
        let inner = self.inner.clone();
        let hold = self.hold.clone();
        super::settle::to_promise(Box::pin(async move {
            calls::cancel(&inner, hold.call()).await.map_err(|f| f.to_js())
        }))
    }

    /// Plain JSON to persist; `McpTaskClient.resume(reference)` follows the task again.
    #[wasm_bindgen(unchecked_return_type = "TaskReference")]
    pub fn reference(&self) -> Result<JsValue, JsValue> {
        if let Some(reference) = self.read(|s| s.reference.clone()) {
            return Ok(convert::reference(&reference));
        }
        let reference = self.inner.driver.borrow().engine.reference(self.call);
        reference.map(|r| convert::reference(&r)).map_err(|e| Failure::Client(e).to_js())
    }
}

/// How far an iterator has read a call's events; shared by its `[Symbol.asyncIterator]()`
/// copies, as if they were the same object.
type Cursor = Rc<Cell<usize>>;

/// An iterator's claim on its call, given up once it has ended (it reads nothing more).
type Claim = Rc<RefCell<Option<Hold>>>;

fn give_up(claim: &Claim) {
    // Taken first, dropped after: dropping a hold borrows the router.
    let hold = claim.try_borrow_mut().ok().and_then(|mut c| c.take());
    drop(hold);
}

/// What an iterator's `next()` found.
enum Step {
    Event(CallEvent),
    End(Option<Result<JsValue, Failure>>),
}

/// Waits for the call's next event after `pos` (skipping progress when `progress` is
/// false), or its end with the outcome.
async fn step(inner: &Inner, call: CallId, pos: &Cursor, progress: bool) -> Step {
    state::wait_call(&inner.routes, call, |s| {
        let Some(s) = s else { return Some(Step::End(None)) };
        while let Some((event, next)) = s.events.next(pos.get()) {
            pos.set(next);
            if progress || !matches!(event, CallEvent::Progress(_)) {
                return Some(Step::Event(event));
            }
        }
        if s.aborted {
            return Some(Step::End(Some(Err(Failure::Aborted))));
        }
        s.outcome.as_ref().map(|o| Step::End(Some(convert::settle(o, s.raw_result.as_ref()))))
    })
    .await
}

fn iterator_result(value: JsValue, done: bool) -> JsValue {
    convert::js_object(&[("value", value), ("done", JsValue::from_bool(done))])
}

fn finished() -> Promise {
    Promise::resolve(&iterator_result(JsValue::UNDEFINED, true))
}

/// The async iterator of `McpTask.updates()`.
#[wasm_bindgen]
pub struct TaskUpdates {
    inner: Rc<Inner>,
    call: CallId,
    pos: Cursor,
    claim: Claim,
}

#[wasm_bindgen]
impl TaskUpdates {
    /// The next update, or `done` once the task has ended.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<TaskUpdate, undefined>>")]
    pub fn next(&self) -> Promise {
        if self.pos.get() == usize::MAX {
            return finished();
        }
        let (inner, call, pos) = (self.inner.clone(), self.call, self.pos.clone());
        let claim = self.claim.clone();
        super::settle::to_promise(Box::pin(async move {
            Ok(match step(&inner, call, &pos, true).await {
                Step::Event(event) => iterator_result(convert::to_js(&update(&event)), false),
                Step::End(_) => {
                    pos.set(usize::MAX);
                    give_up(&claim);
                    iterator_result(JsValue::UNDEFINED, true)
                }
            })
        }))
    }

    /// Stops iterating (what `break` in `for await` calls).
    #[wasm_bindgen(
        js_name = "return",
        unchecked_return_type = "Promise<IteratorResult<TaskUpdate, undefined>>"
    )]
    pub fn return_(&self) -> Promise {
        self.pos.set(usize::MAX);
        give_up(&self.claim);
        finished()
    }

    /// The iterator itself, for `for await`.
    #[wasm_bindgen(js_name = "[Symbol.asyncIterator]")]
    pub fn iterator(&self) -> TaskUpdates {
        TaskUpdates {
            inner: self.inner.clone(),
            call: self.call,
            pos: self.pos.clone(),
            claim: self.claim.clone(),
        }
    }
}

fn update(event: &CallEvent) -> Value {
    match event {
        CallEvent::Created(task) => jv!({
            "type": "status",
            "status": task["status"],
            "statusMessage": task.get("statusMessage"),
            "task": task,
        }),
        CallEvent::Status(status) => {
            let mut update = status.clone();
            update["type"] = jv!("status");
            update
        }
        CallEvent::Progress(progress) => {
            let mut update = progress.clone();
            update["type"] = jv!("progress");
            update
        }
    }
}

/// The async iterator of `McpTaskClient.callToolStream()`: `taskCreated`, `taskStatus`…,
/// then exactly one `result` or `error`.
#[wasm_bindgen]
pub struct ResponseStream {
    inner: Rc<Inner>,
    started: Rc<RefCell<Result<CallId, Option<Failure>>>>,
    pos: Cursor,
    claim: Claim,
    _watch: Rc<Option<Watch>>,
}

impl ResponseStream {
    pub(crate) fn new(inner: Rc<Inner>, started: Result<(Hold, Option<Watch>), Failure>) -> Self {
        let (started, claim, watch) = match started {
            Ok((hold, watch)) => (Ok(hold.call()), Some(hold), watch),
            Err(failure) => (Err(Some(failure)), None, None),
        };
        let started = Rc::new(RefCell::new(started));
        let claim = Rc::new(RefCell::new(claim));
        Self { inner, started, pos: Rc::new(Cell::new(0)), claim, _watch: Rc::new(watch) }
    }
}

#[wasm_bindgen]
impl ResponseStream {
    /// The next message, or `done` after the `result` or `error`.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<ResponseMessage, undefined>>")]
    pub fn next(&self) -> Promise {
        let call = match &mut *self.started.borrow_mut() {
            Ok(call) => *call,
            // A call that could not start yields its error once.
            Err(failure) => {
                return match failure.take() {
                    Some(f) => Promise::resolve(&iterator_result(message_error(&f), false)),
                    None => finished(),
                };
            }
        };
        if self.pos.get() == usize::MAX {
            return finished();
        }
        let (inner, pos, claim) = (self.inner.clone(), self.pos.clone(), self.claim.clone());
        super::settle::to_promise(Box::pin(async move {
            let message = match step(&inner, call, &pos, false).await {
                Step::Event(CallEvent::Created(task)) => json_message("taskCreated", "task", &task),
                Step::Event(CallEvent::Status(update)) => {
                    json_message("taskStatus", "task", &update["task"])
                }
                Step::Event(CallEvent::Progress(_)) | Step::End(None) => {
                    pos.set(usize::MAX);
                    give_up(&claim);
                    return Ok(iterator_result(JsValue::UNDEFINED, true));
                }
                Step::End(Some(settled)) => {
                    pos.set(usize::MAX);
                    give_up(&claim);
                    match settled {
                        Ok(result) => convert::js_object(&[
                            ("type", JsValue::from_str("result")),
                            ("result", result),
                        ]),
                        Err(failure) => message_error(&failure),
                    }
                }
            };
            Ok(iterator_result(message, false))
        }))
    }

    /// Stops iterating; the call goes on (cancel it with the `signal` option).
    #[wasm_bindgen(
        js_name = "return",
        unchecked_return_type = "Promise<IteratorResult<ResponseMessage, undefined>>"
    )]
    pub fn return_(&self) -> Promise {
        self.pos.set(usize::MAX);
        give_up(&self.claim);
        if let Ok(mut started) = self.started.try_borrow_mut() {
            if let Err(failure) = &mut *started {
                failure.take();
            }
        }
        finished()
    }

    /// The iterator itself, for `for await`.
    #[wasm_bindgen(js_name = "[Symbol.asyncIterator]")]
    pub fn iterator(&self) -> ResponseStream {
        ResponseStream {
            inner: self.inner.clone(),
            started: self.started.clone(),
            pos: self.pos.clone(),
            claim: self.claim.clone(),
            _watch: self._watch.clone(),
        }
    }
}

fn json_message(kind: &str, key: &str, value: &Value) -> JsValue {
    convert::js_object(&[("type", JsValue::from_str(kind)), (key, convert::to_js(value))])
}

fn message_error(failure: &Failure) -> JsValue {
    convert::js_object(&[("type", JsValue::from_str("error")), ("error", failure.to_js())])
}
