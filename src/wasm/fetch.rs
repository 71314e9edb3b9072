//! `fetch` as the driver uses it: an engine request as `fetch(url, init)`, and the response
//! read back through structural views, so that a caller's fetch returning another realm's
//! objects (or a polyfill's) works too.

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::protocol::http::{Headers, HttpRequest, ResponseHead};

#[wasm_bindgen]
extern "C" {
    // The global, not `window.fetch`: Node and Workers have no `window`.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &Object) -> Result<Promise, JsValue>;

    /// A fetch `Response`.
    pub(crate) type FetchResponse;
    #[wasm_bindgen(method, getter)]
    fn status(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn body(this: &FetchResponse) -> JsValue;
    #[wasm_bindgen(method, js_name = arrayBuffer, catch)]
    fn array_buffer(this: &FetchResponse) -> Result<Promise, JsValue>;

    type BodyStream;
    #[wasm_bindgen(method, js_name = getReader, catch)]
    fn get_reader(this: &BodyStream) -> Result<BodyReader, JsValue>;

    /// A response body's `ReadableStreamDefaultReader`.
    pub(crate) type BodyReader;
    #[wasm_bindgen(method, catch)]
    fn read(this: &BodyReader) -> Result<Promise, JsValue>;
}

/// Starts `request` with `fetch` (the global one when `None`), abortable by `signal`.
/// `Err` is a synchronous throw: the environment refused (a bad URL, a forbidden header).
pub(crate) fn start(
    fetch: Option<&Function>,
    request: &HttpRequest,
    signal: &JsValue,
) -> Result<JsFuture, String> {
    let init = Object::new();
    let headers = Object::new();
    for (name, value) in request.headers.iter() {
        set(&headers, name, &JsValue::from_str(value));
    }
    set(&init, "method", &JsValue::from_str(request.method.as_str()));
    set(&init, "headers", &headers);
    if let Some(body) = &request.body {
        set(&init, "body", &JsValue::from_str(body));
    }
    set(&init, "signal", signal);
    let started = match fetch {
        Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&request.url), &init),
        None => global_fetch(&request.url, &init).map(JsValue::from),
    };
    // A caller's fetch may return a thenable or a plain value; resolve() takes both.
    started.map(|p| JsFuture::from(Promise::resolve(&p))).map_err(|e| describe(&e))
}

/// The status and headers of a response.
pub(crate) fn head(response: &FetchResponse) -> ResponseHead {
    let mut headers = Headers::new();
    // A Headers object iterates as [name, value] pairs.
    if let Ok(Some(entries)) = js_sys::try_iter(&response.headers()) {
        for entry in entries.flatten() {
            let pair = js_sys::Array::from(&entry);
            if let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                headers.push(name, value);
            }
        }
    }
    ResponseHead { status: response.status().as_f64().unwrap_or(0.0) as u16, headers }
}

/// A reader of the response's body; `None` when it has none (a 202, a 204).
pub(crate) fn reader(response: &FetchResponse) -> Result<Option<BodyReader>, String> {
    let body = response.body();
    if body.is_null() || body.is_undefined() {
        return Ok(None);
    }
    body.unchecked_into::<BodyStream>().get_reader().map(Some).map_err(|e| describe(&e))
}

/// The whole body at once, when the response has `arrayBuffer()` (every standard one does):
/// for JSON bodies, which are read to their end anyway, one promise instead of a stream
/// reader and a promise per chunk (in Node, most of a small response's cost). `None` when
/// the response has no `arrayBuffer`, so the caller reads it chunk by chunk.
pub(crate) async fn whole_body(response: &FetchResponse) -> Option<Result<Vec<u8>, String>> {
    if !get(response, "arrayBuffer").is_function() {
        return None;
    }
    let read = async {
        let promise = response.array_buffer().map_err(|e| describe(&e))?;
        let buffer = JsFuture::from(promise).await.map_err(|e| describe(&e))?;
        Ok(Uint8Array::new(&buffer).to_vec())
    };
    Some(read.await)
}

/// The body's next chunk, `None` at its end.
pub(crate) async fn next_chunk(reader: &BodyReader) -> Result<Option<Vec<u8>>, String> {
    let result =
        JsFuture::from(reader.read().map_err(|e| describe(&e))?).await.map_err(|e| describe(&e))?;
    if get(&result, "done").is_truthy() {
        return Ok(None);
    }
    Ok(Some(Uint8Array::new(&get(&result, "value")).to_vec()))
}

fn set(target: &Object, key: &str, value: &JsValue) {
    // Setting a property on a plain object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A JS exception as text: its message when it is an Error.
pub(crate) fn describe(e: &JsValue) -> String {
    match e.dyn_ref::<js_sys::Error>() {
        Some(err) => String::from(err.message()),
        // JS's own String(e), not JsValue's Debug (which pulls in float formatting).
        None => e.as_string().unwrap_or_else(|| String::from(js_sys::JsString::from(e.clone()))),
    }
}
