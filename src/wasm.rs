//! JavaScript bindings. Compiled for `wasm32-unknown-unknown` only.

use wasm_bindgen::prelude::wasm_bindgen;

/// The crate version, so a page or Worker can check which build it loaded.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
