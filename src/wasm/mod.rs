//! The npm package `mcp-tasks`: the requestor engine behind a fetch driver, as JS classes
//! with TypeScript types. Compiled for `wasm32-unknown-unknown` only.
//!
//! - `driver` moves bytes and time (global `fetch` and `setTimeout`; `glue.js` runs each
//!   request and reports the response to the engine);
//! - [`state`] records the engine's events for the promises and iterators waiting on them
//!   (a bounded [`history`] per call), one waker list per call and per request;
//! - [`input`] hands the server's input requests to the caller's `onInputRequest` and
//!   delivers the answer or refusal; `host` (feature `host`, the `mcp-tasks/host` entry)
//!   gives a question the client hosts as a task its task id and `AbortSignal`;
//! - [`client`] and [`task`] are the exported classes; [`convert`] and [`error`] shape what
//!   crosses the boundary; [`decode`] exposes the client's response decoding on its own.
//!
//! From Rust (other wasm crates, the wasm tests) the classes are plain types whose methods
//! return `js_sys::Promise`s.
//!
//! Every exported method takes `&self` and keeps its state in `Rc<RefCell<..>>`; no borrow
//! is held across an `.await` or a call into JS, so concurrent calls on one client work.

mod calls;
mod client;
mod convert;
mod decode;
mod driver;
mod error;
mod history;
#[cfg(feature = "host")]
mod host;
mod input;
mod materialize;
mod options;
mod settle;
mod signal;
mod state;
mod task;

use wasm_bindgen::prelude::wasm_bindgen;

pub use client::McpTaskClient;
pub use decode::decode_response;
pub use error::McpTasksError;
pub use task::{McpTask, ResponseStream, TaskUpdates};

/// The TypeScript types of every argument and result (the classes' own declarations come
/// from wasm-bindgen and refer to these).
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

/// The crate version, so a page or Worker can check which build it loaded.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
