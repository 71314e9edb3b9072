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

/// A future the bindings hand to JS as a promise or run in the background.
pub(crate) type Work<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T>>>;

/// A promise of `future`. `future_to_promise` and `spawn_local` are generic over the
/// future, and each instantiation is its own closures and state in the package; every
/// call goes through these two functions with one boxed type, so there is one of each.
pub(crate) fn to_promise(future: Work<Result<JsValue, JsValue>>) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(future)
}

/// Runs `future` in the background (see [`to_promise`] for why boxed).
pub(crate) fn spawn(future: Work<()>) {
    wasm_bindgen_futures::spawn_local(future);
}
