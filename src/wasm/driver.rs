//! The fetch driver: moves the engine's HTTP exchanges over `fetch` and its time over
//! `setTimeout`, the wasm twin of the native driver.
//!
//! It knows nothing of MCP. Both functions are bound as globals (never through `window`),
//! so one module runs in pages, Web Workers, Node ≥ 18 and Cloudflare Workers; a caller may
//! supply its own `fetch` (for auth, or a Worker's service binding). Each exchange runs in
//! `glue.js`, which reports to an [`ExchangeSink`]: a JSON body is read whole, any other
//! chunk by chunk from its `ReadableStream`, and fed to the engine as it arrives.
//! Dropping is aborting: an `Output::Abort`, and dropping the driver, abort the exchange's
//! `AbortController`, and nothing more of that exchange reaches the engine.

use crate::id_map::IdMap;
use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use js_sys::Function;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::client::{Engine, Event, Output};
use crate::protocol::http::{ExchangeId, Headers, HttpRequest, ResponseHead, TransportFailure};
use crate::time::UnixMillis;

#[wasm_bindgen]
extern "C" {
    type AbortController;
    #[wasm_bindgen(constructor)]
    fn new() -> AbortController;
    #[wasm_bindgen(method)]
    fn abort(this: &AbortController);
}

#[wasm_bindgen(module = "/src/wasm/glue.js")]
extern "C" {
    /// Runs one exchange in JS, reporting to `sink`. With `shared`, the exchange listens to
    /// that controller; without, it gets a controller of its own, returned.
    #[wasm_bindgen(js_name = startExchange)]
    fn start_exchange(
        sink: ExchangeSink,
        fetch: Option<&Function>,
        url: &str,
        method: &str,
        head: &str,
        body: &JsValue,
        shared: Option<&AbortController>,
    ) -> Option<AbortController>;
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
    /// Running exchanges, with their own controller when they are long-lived.
    running: IdMap<ExchangeId, Option<AbortController>>,
    /// What short exchanges listen to (see [`HttpRequest::long_lived`]): in Node, an
    /// `AbortController` per request costs more than a small request's whole decoding.
    /// Aborted when the driver is dropped; made on the first short exchange.
    shared_abort: Option<AbortController>,
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
        let running = IdMap::default();
        Rc::new(RefCell::new(Self {
            engine,
            fetch,
            running,
            shared_abort: None,
            timer: None,
            on_event,
        }))
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        for controller in self.running.values().flatten().chain(&self.shared_abort) {
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
                let controller = shared.borrow_mut().running.remove(&id).flatten();
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
    let id = request.id;
    let (fetch, shared_abort) = {
        let mut driver = shared.borrow_mut();
        let shared_abort = if request.long_lived {
            None
        } else {
            let controller: &JsValue = driver.shared_abort.get_or_insert_with(AbortController::new);
            Some(controller.clone().unchecked_into::<AbortController>())
        };
        (driver.fetch.clone(), shared_abort)
    };
    let Some(head) = flat_headers(&request) else {
        let refused = "a header name or value holds a line break";
        shared.borrow_mut().running.insert(id, None);
        return end(shared, id, Progress::Failed(TransportFailure::Refused(refused.into())));
    };
    // The sink keeps the driver alive until the exchange ends, so that a closing client's
    // last request (the session's DELETE) still goes out after the last handle is dropped.
    // Registered as running first: a fetch that throws at once reports through the sink.
    shared.borrow_mut().running.insert(id, None);
    let sink = ExchangeSink { shared: shared.clone(), id };
    let body = request.body.as_deref().map(JsValue::from_str).unwrap_or(JsValue::UNDEFINED);
    let method = request.method.as_str();
    let own = start_exchange(
        sink,
        fetch.as_ref(),
        &request.url,
        method,
        &head,
        &body,
        shared_abort.as_ref(),
    );
    if let Some(slot) = shared.borrow_mut().running.get_mut(&id) {
        *slot = own;
    }
}

/// The request's headers as `startExchange` takes them; `None` when a name or value holds a
/// line break (which `fetch` would refuse too).
fn flat_headers(request: &HttpRequest) -> Option<String> {
    let mut flat = String::new();
    for (name, value) in request.headers.iter() {
        if [name, value].iter().any(|s| s.bytes().any(|b| b == b'\n' || b == b'\r')) {
            return None;
        }
        flat.push_str(name);
        flat.push('\n');
        flat.push_str(value);
        flat.push('\n');
    }
    Some(flat)
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

/// Where `glue.js` reports one exchange's progress. Internal to the package.
#[wasm_bindgen(js_name = "__ExchangeSink", skip_typescript)]
pub struct ExchangeSink {
    shared: Shared,
    id: ExchangeId,
}

/// What [`ExchangeSink::head`] tells the exchange to do next.
const STOP: u8 = 0;
const WHOLE: u8 = 1;
const STREAM: u8 = 2;

#[wasm_bindgen(js_class = "__ExchangeSink")]
impl ExchangeSink {
    /// The response's status and headers (`"name\nvalue\n"` per field). Answers whether to
    /// stop (aborted), read the whole body at once (JSON) or stream it.
    pub fn head(&self, status: u16, flat: &str) -> u8 {
        let mut headers = Headers::new();
        let mut fields = flat.split('\n');
        while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
            headers.push(name, value);
        }
        let head = ResponseHead { status, headers };
        let whole = head.is_json() && !head.is_event_stream();
        if !report(&self.shared, self.id, Progress::Head(head)) {
            return STOP;
        }
        if whole { WHOLE } else { STREAM }
    }

    /// The whole body, read at once.
    pub fn whole(&self, bytes: &[u8]) {
        if !bytes.is_empty() && !report(&self.shared, self.id, Progress::Chunk(bytes.to_vec())) {
            return;
        }
        end(&self.shared, self.id, Progress::End);
    }

    /// The body's next chunk; false when the exchange is no longer wanted.
    pub fn chunk(&self, bytes: &[u8]) -> bool {
        report(&self.shared, self.id, Progress::Chunk(bytes.to_vec()))
    }

    /// The body's end.
    pub fn end(&self) {
        end(&self.shared, self.id, Progress::End);
    }

    /// The exchange failed: `kind` 0 refused by the environment, 1 no response, 2 the body
    /// broke off.
    pub fn failed(&self, kind: u8, message: String) {
        let failure = match kind {
            0 => TransportFailure::Refused(message),
            1 => TransportFailure::Connect(message),
            _ => TransportFailure::BodyInterrupted(message),
        };
        end(&self.shared, self.id, Progress::Failed(failure));
    }
}
