//! The tape scanner against serde_json: the same verdict on every input within the depth
//! both allow, and the same value when both accept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_tasks::protocol::json::{self, MAX_DEPTH, tape::Tape};

/// Nesting of `bytes` counted by brackets outside strings: above either reader's limit
/// the verdicts may differ by design.
fn depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_str, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_str {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fuzz_target!(|data: &[u8]| {
    let mut tape = Tape::default();
    let ours = tape.scan(data).map(|doc| doc.root().to_value());
    let parsed = json::parse(data);
    assert_eq!(ours.is_ok(), parsed.is_ok(), "parse is the tape");
    // serde_json stops at 128 levels; ours at MAX_DEPTH.
    if depth(data) >= MAX_DEPTH.min(127) {
        return;
    }
    let theirs = serde_json::from_slice::<serde_json::Value>(data);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "same value"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("verdicts differ: tape {a:?}, serde_json {b:?}"),
    }
});
