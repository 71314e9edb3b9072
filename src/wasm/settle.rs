//! Promises settled from Rust: made in JS with their settling function (`glue.js`), kept
//! until the engine's answer arrives, then settled directly. A Rust future in
//! `future_to_promise` would cost closures and turns of the futures queue per request.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use super::error::Failure;

#[wasm_bindgen(module = "/src/wasm/glue.js")]
extern "C" {
    fn deferred() -> Array;
}

/// Settles one promise, once.
pub(crate) struct Settle(Function);

impl Settle {
    /// A pending promise and what settles it.
    pub(crate) fn new() -> (Promise, Self) {
        let pair = deferred();
        (pair.get(0).unchecked_into(), Self(pair.get(1).unchecked_into()))
    }

    /// Resolves with `value`, or rejects with the failure as a JS error. Runs no caller
    /// code synchronously (reactions are queued), so it may be called during a drain, but
    /// with no borrow held.
    pub(crate) fn settle(self, result: Result<JsValue, Failure>) {
        let (ok, value) = match result {
            Ok(value) => (true, value),
            Err(failure) => (false, failure.to_js()),
        };
        // The function is ours and does not throw.
        let _ = self.0.call2(&JsValue::UNDEFINED, &JsValue::from_bool(ok), &value);
    }
}
