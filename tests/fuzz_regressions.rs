//! Inputs the fuzz targets (fuzz/, scripts/fuzz.sh) flagged, replayed in the ordinary test
//! run so that a fix cannot quietly regress. Every file under fuzz/regressions/<target>/ is
//! fed through the same checks as that target; the tests below name the individual cases.

use std::path::Path;

use mcp_tasks::protocol::json::{self, tape::Tape};
use mcp_tasks::protocol::jsonrpc::Message;

/// The files kept for `target`, with their names.
fn kept(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut files: Vec<_> = entries
        .map(|e| e.expect("a readable directory entry").path())
        .map(|p| (p.display().to_string(), std::fs::read(&p).expect("a readable file")))
        .collect();
    files.sort();
    files
}

#[test]
fn kept_json_inputs_read_the_same_through_the_tape_and_serde_json() {
    for (name, bytes) in kept("json_tape") {
        let mut tape = Tape::default();
        let ours = tape.scan(&bytes).map(|doc| doc.root().to_value()).ok();
        let theirs = serde_json::from_slice::<serde_json::Value>(&bytes).ok();
        assert_eq!(ours.is_some(), json::parse(&bytes).is_ok(), "{name}");
        // serde_json's own float parsing is off by one ulp on some long literals (the fuzz
        // oracle turns on its `float_roundtrip`); compare such numbers as close, not equal.
        match (ours, theirs) {
            (Some(a), Some(b)) if a.is_f64() && b.is_f64() => {
                let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                assert!((a - b).abs() <= a.abs() * 1e-15, "{name}: {a} vs {b}");
            }
            (a, b) => assert_eq!(a, b, "{name}"),
        }
    }
}

#[test]
fn kept_envelopes_read_or_fail_and_read_back_after_writing() {
    for (name, bytes) in kept("jsonrpc_envelope") {
        if let Ok(message) = Message::from_slice(&bytes) {
            let text = message.to_json();
            let again = Message::from_slice(text.as_bytes()).expect(&name);
            assert_eq!(again.to_json(), text, "{name}");
        }
    }
}

/// A 24-digit integer is read as the nearest double. serde_json's default parser (the
/// fuzz target's first oracle) rounds it one ulp off; the tape must not.
#[test]
fn a_long_integer_literal_reads_as_the_nearest_double() {
    let value = json::parse(b"\n107777777777777777777770").unwrap();
    assert_eq!(value.as_f64(), Some(1.0777777777777778e23));
}

/// `retry_after` target: the first 8 bytes are the clock (little-endian milliseconds),
/// the rest the header value.
fn retry_after_input(bytes: &[u8]) -> (u64, String) {
    let mut now = [0u8; 8];
    let n = bytes.len().min(8);
    now[..n].copy_from_slice(&bytes[..n]);
    (u64::from_le_bytes(now), String::from_utf8_lossy(&bytes[n..]).into_owned())
}

/// An HTTP date with an 18-digit year overflowed the day count instead of being refused
/// (found by the `retry_after` target); HTTP dates now stop at year 9999.
#[test]
fn kept_retry_after_values_parse_or_are_refused() {
    use mcp_tasks::client::schedule::parse_retry_after;
    use mcp_tasks::time::UnixMillis;
    for (name, bytes) in kept("retry_after") {
        let (now, value) = retry_after_input(&bytes);
        let result = std::panic::catch_unwind(|| parse_retry_after(&value, UnixMillis(now)));
        assert!(result.is_ok(), "{name}: {value:?} panics");
    }
}
