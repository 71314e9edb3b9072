//! `Retry-After` values (delay-seconds or HTTP dates) at any time of the clock: a delay or
//! nothing, never a panic.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use mcp_tasks::client::schedule::parse_retry_after;
use mcp_tasks::time::UnixMillis;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(now) = u64::arbitrary(&mut u) else { return };
    let Ok(value) = <&str>::arbitrary_take_rest(u) else { return };
    let _ = parse_retry_after(value, UnixMillis(now));
});
