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
use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::client::{Engine, Event, Output};
use crate::protocol::http::{ExchangeId, Headers, HttpRequest, ResponseHead, TransportFailure};
use crate::time::UnixMillis;

#[wasm_bindgen]
extern "C" {
    // Globals, not `window.*`: Node and Workers have no `window`.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &Object) -> Result<Promise, JsValue>;

    type AbortController;
    #[wasm_bindgen(constructor)]
    fn new() -> AbortController;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &AbortController) -> JsValue;
    #[wasm_bindgen(method)]
    fn abort(this: &AbortController);

    // Structural views of a fetch `Response` and its body reader, so that a caller's fetch
    // returning another realm's objects (or a polyfill's) works too.
    type FetchResponse;
    #[wasm_bindgen(method, getter)]
    fn status(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn body(this: &FetchResponse) -> JsValue;

    type BodyStream;
    #[wasm_bindgen(method, js_name = getReader, catch)]
    fn get_reader(this: &BodyStream) -> Result<BodyReader, JsValue>;

    type BodyReader;
    #[wasm_bindgen(method, catch)]
    fn read(this: &BodyReader) -> Result<Promise, JsValue>;
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
    timer: Option<Timeout>,
    on_event: Rc<dyn Fn(Event)>,
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
    // setTimeout takes a signed 32-bit delay and fires at once beyond it.
    let delay = at.0.saturating_sub(now().0).min(i32::MAX as u64) as u32;
    let weak = Rc::downgrade(shared);
    let timeout = Timeout::new(delay, move || {
        if let Some(shared) = weak.upgrade() {
            shared.borrow_mut().engine.handle_timeout(now());
            pump(&shared);
        }
    });
    // Replacing the old timer clears it: only the last wake of a drain counts.
    let old = shared.borrow_mut().timer.replace(timeout);
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
    let init = request_init(&request, &signal);
    let started = match &fetch {
        Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init),
        None => global_fetch(&request.url, &init).map(JsValue::from),
    };
    let response = match started {
        // A synchronous throw is the environment refusing (a bad URL, a forbidden header).
        Err(e) => {
            return end(&shared, id, Progress::Failed(TransportFailure::Refused(describe(&e))));
        }
        Ok(promise) => JsFuture::from(Promise::resolve(&promise)).await,
    };
    let response: FetchResponse = match response {
        Ok(r) => r.unchecked_into(),
        // Browsers report CORS refusals and network errors alike, as a TypeError.
        Err(e) => {
            return end(&shared, id, Progress::Failed(TransportFailure::Connect(describe(&e))));
        }
    };
    let status = response.status().as_f64().unwrap_or(0.0) as u16;
    let head = ResponseHead { status, headers: read_headers(&response.headers()) };
    if !report(&shared, id, Progress::Head(head)) {
        return;
    }
    let body = response.body();
    if body.is_null() || body.is_undefined() {
        return end(&shared, id, Progress::End);
    }
    let reader = match body.unchecked_into::<BodyStream>().get_reader() {
        Ok(reader) => reader,
        Err(e) => return end(&shared, id, Progress::Failed(interrupted(&e))),
    };
    loop {
        let chunk = match reader.read() {
            Ok(promise) => JsFuture::from(promise).await,
            Err(e) => Err(e),
        };
        let progress = match chunk {
            Err(e) => Progress::Failed(interrupted(&e)),
            Ok(result) if field(&result, "done").is_truthy() => Progress::End,
            Ok(result) => Progress::Chunk(Uint8Array::new(&field(&result, "value")).to_vec()),
        };
        let last = !matches!(progress, Progress::Chunk(_));
        // False once aborted: the controller has already torn the stream down.
        if !report(&shared, id, progress) || last {
            return;
        }
    }
}

fn request_init(request: &HttpRequest, signal: &JsValue) -> Object {
    let headers = Object::new();
    for (name, value) in request.headers.iter() {
        set(&headers, name, &JsValue::from_str(value));
    }
    let init = Object::new();
    set(&init, "method", &JsValue::from_str(request.method.as_str()));
    set(&init, "headers", &headers);
    if let Some(body) = &request.body {
        set(&init, "body", &JsValue::from_str(body));
    }
    set(&init, "signal", signal);
    init
}

fn read_headers(headers: &JsValue) -> Headers {
    let mut out = Headers::new();
    // A Headers object iterates as [name, value] pairs.
    if let Ok(Some(entries)) = js_sys::try_iter(headers) {
        for entry in entries.flatten() {
            let pair = js_sys::Array::from(&entry);
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                out.push(name, value);
            }
        }
    }
    out
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn field(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn interrupted(e: &JsValue) -> TransportFailure {
    TransportFailure::BodyInterrupted(describe(e))
}

/// A JS exception as text: its message when it is an Error.
pub(crate) fn describe(e: &JsValue) -> String {
    match e.dyn_ref::<js_sys::Error>() {
        Some(err) => String::from(err.message()),
        None => e.as_string().unwrap_or_else(|| format!("{e:?}")),
    }
}
