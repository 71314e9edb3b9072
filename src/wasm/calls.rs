//! A call's life in the bindings: started or resumed, registered before the engine's
//! events are drained, cancelled when the caller's signal fires, and awaited until it
//! became a task, ended, or was cancelled.

use std::rc::Rc;

use js_sys::Function;
use serde_json::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};

use crate::client::{CallId, ClientError, TaskMode, ToolCall};
use crate::id::TaskId;

use super::client::Inner;
use super::convert;
use super::driver;
use super::error::Failure;
use super::signal::Watch;
use super::state::{self, CallState, Hold, Routes};

pub(crate) fn start_call(
    inner: &Inner,
    name: String,
    args: JsValue,
    options: &JsValue,
    mode: TaskMode,
) -> Result<Hold, Failure> {
    let arguments: Option<Map<String, Value>> = convert::object(args, "arguments")?;
    let mut call = ToolCall::new(name, arguments).mode(mode);
    if let Some(ttl) = convert::millis(options, "ttlMs")? {
        call = call.ttl_ms(ttl);
    }
    if let Some(ms) = convert::millis(options, "timeoutMs")? {
        call = call.deadline(driver::now().saturating_add(ms));
    }
    let on_progress = convert::function(options, "onProgress")?;
    if convert::field(options, "signal").as_ref().is_some_and(super::signal::aborted) {
        return Err(Failure::Aborted);
    }
    let started = inner.driver.borrow_mut().engine.call_tool(driver::now(), call);
    register(inner, started, on_progress, None)
}

/// Records a call the engine accepted (before draining, so no event for it is missed),
/// held by the returned [`Hold`].
pub(crate) fn register(
    inner: &Inner,
    started: Result<CallId, ClientError>,
    on_progress: Option<Function>,
    task_id: Option<TaskId>,
) -> Result<Hold, Failure> {
    if let Ok(call) = &started {
        // A resumed task is taken to be working until its first poll says otherwise.
        let status = task_id.as_ref().map(|_| crate::task::TaskStatus::Working);
        let reference = inner.driver.borrow().engine.reference(*call).ok();
        let state = CallState::new(task_id, status, reference, on_progress);
        inner.routes.borrow_mut().insert_call(*call, state);
    }
    // Held before the drain: an outcome in it must not free the state unread.
    let hold = started.map(|call| Hold::first(&inner.routes, call));
    driver::pump(&inner.driver);
    hold.map_err(Failure::Client)
}

/// Cancels `call` when the caller's signal fires, and marks it aborted.
pub(crate) fn watch_call(
    inner: &Rc<Inner>,
    call: CallId,
    options: &JsValue,
) -> Result<Option<Watch>, Failure> {
    let Some(signal) = convert::field(options, "signal") else { return Ok(None) };
    if signal.dyn_ref::<js_sys::Object>().is_none() {
        return Err(Failure::InvalidArgument("signal must be an AbortSignal".into()));
    }
    let weak = Rc::downgrade(inner);
    Ok(Some(Watch::new(&signal, move || {
        let Some(inner) = weak.upgrade() else { return };
        // Marked first: the cancel below may end the call in the same drain, and a promise
        // settled there must reject as aborted, not as cancelled.
        if let Some(state) = inner.routes.borrow_mut().calls.get_mut(&call) {
            state.aborted = true;
        }
        // A call that already ended has nothing to cancel.
        let _ = inner.driver.borrow_mut().engine.cancel(driver::now(), call);
        driver::pump(&inner.driver);
        inner.routes.borrow_mut().call_changed(call);
        state::settle_if_finished(&inner.routes, call);
    })))
}

/// Resolves when `call` became a task or ended; rejects when it ended without a result.
pub(crate) async fn created(routes: &Routes, call: CallId) -> Result<(), Failure> {
    state::wait_call(routes, call, |s| match s {
        None => Some(Err(Failure::Client(ClientError::UnknownCall { call }))),
        Some(s) if s.aborted => Some(Err(Failure::Aborted)),
        Some(s) if s.task_id.is_some() => Some(Ok(())),
        Some(s) => s.outcome.as_ref().map(|o| convert::settle(o, None).map(drop)),
    })
    .await
}

/// Resolves with `call`'s result, or rejects with why there is none.
pub(crate) async fn outcome(routes: &Routes, call: CallId) -> Result<JsValue, Failure> {
    state::wait_call(routes, call, |s| match s {
        None => Some(Err(Failure::Client(ClientError::UnknownCall { call }))),
        Some(s) if s.aborted => Some(Err(Failure::Aborted)),
        Some(s) => s.outcome.as_ref().map(|o| convert::settle(o, s.raw_result.as_ref())),
    })
    .await
}

/// Cancels `call` and waits until it has ended.
pub(crate) async fn cancel(inner: &Inner, call: CallId) -> Result<JsValue, Failure> {
    let cancelled = inner.driver.borrow_mut().engine.cancel(driver::now(), call);
    driver::pump(&inner.driver);
    match cancelled {
        Ok(()) | Err(ClientError::CallFinished { .. }) => {}
        Err(e) => return Err(Failure::Client(e)),
    }
    state::wait_call(&inner.routes, call, |s| match s {
        None => Some(Ok(JsValue::UNDEFINED)),
        Some(s) => match s.cancel_failed.take() {
            Some(error) => Some(Err(Failure::Client(error))),
            None => s.finished().then_some(Ok(JsValue::UNDEFINED)),
        },
    })
    .await
}
