//! A caller's `AbortSignal`: run something once when it fires, and stop listening when
//! dropped.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{Function, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

#[wasm_bindgen]
extern "C" {
    // Structural, so any EventTarget-like signal (another realm's, a polyfill's) works.
    type Signal;
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn add_event_listener(this: &Signal, kind: &str, listener: &Function);
    #[wasm_bindgen(method, js_name = removeEventListener)]
    fn remove_event_listener(this: &Signal, kind: &str, listener: &Function);
}

/// Whether `signal` has already fired.
pub(crate) fn aborted(signal: &JsValue) -> bool {
    Reflect::get(signal, &JsValue::from_str("aborted")).is_ok_and(|v| v.is_truthy())
}

/// Listens to one signal until dropped.
pub(crate) struct Watch {
    signal: Signal,
    listener: Closure<dyn FnMut()>,
    fired: Rc<Cell<bool>>,
}

impl Watch {
    /// Calls `on_abort` once when `signal` fires (at once if it already has, on the next
    /// turn of the event loop, so that no caller's borrow is live when it runs).
    pub(crate) fn new(signal: &JsValue, on_abort: impl FnOnce() + 'static) -> Self {
        let fired = Rc::new(Cell::new(false));
        let flag = fired.clone();
        let mut on_abort = Some(on_abort);
        let listener = Closure::<dyn FnMut()>::new(move || {
            flag.set(true);
            if let Some(f) = on_abort.take() {
                f();
            }
        });
        let signal: Signal = signal.clone().unchecked_into();
        if aborted(&signal) {
            let f: Function = listener.as_ref().clone().unchecked_into();
            super::settle::spawn(Box::pin(async move {
                let _ = f.call0(&JsValue::UNDEFINED);
            }));
        } else {
            signal.add_event_listener("abort", listener.as_ref().unchecked_ref());
        }
        Self { signal, listener, fired }
    }

    /// Whether the signal fired while watched.
    pub(crate) fn fired(&self) -> bool {
        self.fired.get()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.signal.remove_event_listener("abort", self.listener.as_ref().unchecked_ref());
    }
}
