//! The fetch driver: moves the engine's HTTP exchanges over `fetch` and its time over
//! `setTimeout`, the wasm twin of the native driver.
//!
//! It knows nothing of MCP. Both functions are bound as globals (never through `window`),
//! so one module runs in pages, Web Workers, Node ≥ 18 and Cloudflare Workers; a caller may
//! supply its own `fetch` (for auth, or a Worker's service binding). Every response body is
//! read chunk by chunk from its `ReadableStream` and fed to the engine as it arrives.
//! Dropping is aborting: an `Output::Abort`, and dropping the driver, abort the exchange's
//! `AbortController`, and nothing more of that exchange reaches the engine.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use js_sys::Function;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::client::{Engine, Event, Output};
use crate::protocol::http::{ExchangeId, HttpRequest, ResponseHead, TransportFailure};
use crate::time::UnixMillis;

use super::fetch::{self, FetchResponse};

#[wasm_bindgen]
extern "C" {
    type AbortController;
    #[wasm_bindgen(constructor)]
    fn new() -> AbortController;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &AbortController) -> JsValue;
    #[wasm_bindgen(method)]
    fn abort(this: &AbortController);
}

/// The current time as the engine counts it.
pub(crate) fn now() -> UnixMillis {
    UnixMillis(js_sys::Date::now().max(0.0) as u64)
}

/// An engine with its IO. Shared as [`Shared`]; borrowed only between calls into JS.
pub(crate) struct Driver {
    /// The engine; callers give it commands and then call [`pump`].
    pub(crate) engine: Engine,
    fetch: Option<Function>,
    running: HashMap<ExchangeId, AbortController>,
    /// The armed timer and when it fires.
    timer: Option<(UnixMillis, Timeout)>,
    on_event: Rc<dyn Fn(Event)>,
}

impl Driver {
    /// How many exchanges are running, for `debugState()`.
    pub(crate) fn running(&self) -> usize {
        self.running.len()
    }
}

/// A driver as the bindings hold it.
pub(crate) type Shared = Rc<RefCell<Driver>>;

impl Driver {
    /// Drives `engine`, fetching with `fetch` (the global one when `None`) and handing each
    /// event to `on_event`, which must not call into JS synchronously.
    pub(crate) fn new(
        engine: Engine,
        fetch: Option<Function>,
        on_event: Rc<dyn Fn(Event)>,
    ) -> Shared {
        let running = HashMap::new();
        Rc::new(RefCell::new(Self { engine, fetch, running, timer: None, on_event }))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        for controller in self.running.values() {
            controller.abort();
        }
    }
}

/// Drains the engine's outputs: call after every input. No borrow is held while it calls
/// into JS (fetch, abort, setTimeout) or hands over an event.
pub(crate) fn pump(shared: &Shared) {
    loop {
        let output = shared.borrow_mut().engine.poll_output();
        match output {
            None => {
                // A drain without a deadline needs no timer: a stale one would only keep
                // Node's event loop alive.
                let mut driver = shared.borrow_mut();
                let stale =
                    if driver.engine.next_wake().is_none() { driver.timer.take() } else { None };
                drop(driver);
                drop(stale);
                return;
            }
            Some(Output::Transmit(request)) => transmit(shared, request),
            Some(Output::Abort(id)) => {
                let controller = shared.borrow_mut().running.remove(&id);
                if let Some(controller) = controller {
                    controller.abort();
                }
            }
            Some(Output::Event(event)) => {
                let on_event = shared.borrow().on_event.clone();
                on_event(event);
            }
            Some(Output::Wake(at)) => arm(shared, at),
        }
    }
}

fn arm(shared: &Shared, at: UnixMillis) {
    // A timer firing no later than `at` already serves: waking early is harmless (the
    // engine asks again), and most drains report the same deadline, so this saves a
    // clearTimeout and a setTimeout per drain.
    if shared.borrow().timer.as_ref().is_some_and(|(armed, _)| *armed <= at) {
        return;
    }
    // setTimeout takes a signed 32-bit delay and fires at once beyond it.
    let delay = at.0.saturating_sub(now().0).min(i32::MAX as u64) as u32;
    let weak = Rc::downgrade(shared);
    let timeout = Timeout::new(delay, move || {
        if let Some(shared) = weak.upgrade() {
            let fired = {
                let mut driver = shared.borrow_mut();
                // This timer has fired: the next deadline needs a new one.
                let fired = driver.timer.take();
                driver.engine.handle_timeout(now());
                fired
            };
            // Dropping a fired gloo Timeout clears nothing that matters.
            drop(fired);
            pump(&shared);
        }
    });
    // Replacing the old timer clears it.
    let old = shared.borrow_mut().timer.replace((at, timeout));
    drop(old);
}

/// What an exchange reports back.
enum Progress {
    Head(ResponseHead),
    Chunk(Vec<u8>),
    End,
    Failed(TransportFailure),
}

fn transmit(shared: &Shared, request: HttpRequest) {
    let controller = AbortController::new();
    let signal = controller.signal();
    let fetch = {
        let mut driver = shared.borrow_mut();
        driver.running.insert(request.id, controller);
        driver.fetch.clone()
    };
    // The exchange keeps the driver alive until it ends, so that a closing client's last
    // request (the session's DELETE) still goes out after the last handle is dropped.
    wasm_bindgen_futures::spawn_local(exchange(shared.clone(), fetch, request, signal));
}

/// Feeds one piece of progress to the engine. False when the exchange is no longer wanted
/// (aborted): the caller stops reading.
fn report(shared: &Shared, id: ExchangeId, progress: Progress) -> bool {
    {
        let mut driver = shared.borrow_mut();
        if !driver.running.contains_key(&id) {
            return false;
        }
        let now = now();
        match progress {
            Progress::Head(head) => driver.engine.handle_response_head(now, id, head),
            Progress::Chunk(bytes) => driver.engine.handle_body_chunk(now, id, &bytes),
            Progress::End => {
                driver.running.remove(&id);
                driver.engine.handle_body_end(now, id);
            }
            Progress::Failed(failure) => {
                driver.running.remove(&id);
                driver.engine.handle_transport_failure(now, id, failure);
            }
        }
    }
    pump(shared);
    true
}

/// Reports the last piece of an exchange.
fn end(shared: &Shared, id: ExchangeId, progress: Progress) {
    report(shared, id, progress);
}

async fn exchange(shared: Shared, fetch: Option<Function>, request: HttpRequest, signal: JsValue) {
    let id = request.id;
    let response = match fetch::start(fetch.as_ref(), &request, &signal) {
        Err(e) => return end(&shared, id, Progress::Failed(TransportFailure::Refused(e))),
        Ok(pending) => pending.await,
    };
    let response: FetchResponse = match response {
        Ok(r) => r.unchecked_into(),
        // Browsers report CORS refusals and network errors alike, as a TypeError.
        Err(e) => {
            return end(
                &shared,
                id,
                Progress::Failed(TransportFailure::Connect(fetch::describe(&e))),
            );
        }
    };
    let head = fetch::head(&response);
    let whole = head.is_json() && !head.is_event_stream();
    if !report(&shared, id, Progress::Head(head)) {
        return;
    }
    let body = if whole { fetch::whole_body(&response).await } else { None };
    if let Some(body) = body {
        let progress = match body {
            Ok(bytes) if bytes.is_empty() => Progress::End,
            Ok(bytes) => Progress::Chunk(bytes),
            Err(e) => Progress::Failed(TransportFailure::BodyInterrupted(e)),
        };
        let ended = matches!(progress, Progress::End | Progress::Failed(_));
        if !report(&shared, id, progress) || ended {
            return;
        }
        return end(&shared, id, Progress::End);
    }
    let reader = match fetch::reader(&response) {
        Ok(Some(reader)) => reader,
        Ok(None) => return end(&shared, id, Progress::End),
        Err(e) => return end(&shared, id, Progress::Failed(TransportFailure::BodyInterrupted(e))),
    };
    loop {
        let progress = match fetch::next_chunk(&reader).await {
            Ok(Some(bytes)) => Progress::Chunk(bytes),
            Ok(None) => return end(&shared, id, Progress::End),
            Err(e) => {
                return end(&shared, id, Progress::Failed(TransportFailure::BodyInterrupted(e)));
            }
        };
        // False once aborted: the controller has already torn the stream down.
        if !report(&shared, id, progress) {
            return;
        }
    }
}
