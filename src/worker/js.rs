//! What the Rust side calls in `driver.js`: requests read, responses written, tool runs,
//! timers, the alarm and routing.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/worker/driver.js")]
extern "C" {
    pub(super) type Incoming;
    #[wasm_bindgen(method, getter)]
    pub(super) fn method(this: &Incoming) -> String;
    #[wasm_bindgen(method, getter)]
    pub(super) fn path(this: &Incoming) -> String;
    #[wasm_bindgen(method, getter)]
    pub(super) fn headers(this: &Incoming) -> String;
    #[wasm_bindgen(method, getter)]
    pub(super) fn body(this: &Incoming) -> Vec<u8>;
    #[wasm_bindgen(method, getter)]
    pub(super) fn peer(this: &Incoming) -> String;

    #[derive(Clone)]
    pub(super) type Exchange;
    #[wasm_bindgen(constructor)]
    pub(super) fn new(id: f64, hooks: &JsValue) -> Exchange;
    #[wasm_bindgen(method, getter)]
    pub(super) fn response(this: &Exchange) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    pub(super) fn head(this: &Exchange, status: u16, headers: &str);
    #[wasm_bindgen(method)]
    pub(super) fn write(this: &Exchange, bytes: Vec<u8>);
    #[wasm_bindgen(method)]
    pub(super) fn end(this: &Exchange);

    #[derive(Clone)]
    pub(super) type Run;
    #[wasm_bindgen(constructor)]
    pub(super) fn new(work: &str, task_id: Option<String>, hooks: &JsValue) -> Run;
    #[wasm_bindgen(method)]
    pub(super) fn start(this: &Run, run: &js_sys::Function, args: &str, keep_alive: &JsValue);
    #[wasm_bindgen(method)]
    pub(super) fn answered(this: &Run);
    #[wasm_bindgen(method)]
    pub(super) fn cancel(this: &Run);

    pub(super) fn serve(request: &JsValue, hooks: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(catch, js_name = toolDefinition)]
    pub(super) fn tool_definition(descriptor: &JsValue) -> Result<String, JsValue>;
    pub(super) fn schedule(hooks: &JsValue, ms: f64) -> JsValue;
    pub(super) fn unschedule(timer: &JsValue);
    #[wasm_bindgen(js_name = keepAlive)]
    pub(super) fn keep_alive(state: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = setAlarm)]
    pub(super) fn set_alarm(state: &JsValue, at: f64) -> JsValue;
    #[wasm_bindgen(js_name = objectId)]
    pub(super) fn object_id(state: &JsValue) -> String;
    pub(super) fn storage(state: &JsValue) -> JsValue;
    pub(super) fn route(request: &JsValue, namespace: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = beforeTaskOf)]
    pub(super) fn before_task_of(descriptor: &JsValue) -> Option<js_sys::Function>;
    pub(super) fn decide(decide: &js_sys::Function, args: &str, responses: &str) -> String;
}
