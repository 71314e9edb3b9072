//! The store conformance suite against [`SqlBackend`], for a test Worker to run inside
//! workerd (feature `worker-suite`): the same checks every backend passes.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::sql::{SqlBackend, SqlStore};
use crate::store::conformance::{self, Conflicts, concurrent};

thread_local! {
    static PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs the store suite over the SQLite tables in `storage` (emptied before each check)
/// and returns the names of the suites that passed. A failed check traps the instance;
/// [`last_panic`] then says which rule broke.
#[wasm_bindgen(js_name = runStoreConformance)]
pub fn run_store_conformance(storage: JsValue) -> Result<Vec<String>, JsError> {
    std::panic::set_hook(Box::new(|info| PANIC.with(|p| *p.borrow_mut() = info.to_string())));
    let sql = SqlStore::new(&storage).map_err(|e| JsError::new(&format!("{e:?}")))?;
    let fresh = || {
        sql.clear();
        SqlBackend::new(sql.clone())
    };
    conformance::writes_are_conditional(fresh());
    conformance::run_all(fresh);
    conformance::run_all(|| Conflicts::every(fresh(), 2));
    concurrent::run_all(fresh, 6);
    Ok(vec![
        "writes_are_conditional".into(),
        "run_all".into(),
        "run_all with conflicts every 2nd write".into(),
        "concurrent::run_all (6 bits)".into(),
    ])
}

/// The message of the last panic (a failed check), or an empty string.
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> String {
    PANIC.with(|p| p.borrow().clone())
}
