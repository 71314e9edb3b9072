//! The static-file path check of the reference server: whatever the request path, an
//! accepted one maps to plain names below the root (no `..`, no root, no hidden names).
#![no_main]

use std::path::Component;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else { return };
    let Some(relative) = mcp_tasks::server::static_relative_path(path) else { return };
    for component in relative.components() {
        let Component::Normal(name) = component else {
            panic!("{path:?} maps to {relative:?}, which leaves the root");
        };
        let name = name.to_str().expect("decoded paths are UTF-8");
        assert!(!name.starts_with('.'), "{path:?} reaches a hidden name");
        assert!(!name.contains(['\0', '\\', ':']), "{path:?} keeps a forbidden character");
    }
});
