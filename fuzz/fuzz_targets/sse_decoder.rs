//! The SSE decoder: any bytes in any chunking decode to events or a typed error, and the
//! chunking never changes what comes out.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use mcp_tasks::protocol::sse::{SseDecoder, SseEvent};

#[derive(Debug, Arbitrary)]
struct Input {
    max_event_bytes: u16,
    resume_from: Option<String>,
    cuts: Vec<u8>,
    bytes: Vec<u8>,
}

/// Events until the first error, and whether there was one.
fn decode(input: &Input, chunks: &[&[u8]]) -> (Vec<SseEvent>, bool, Option<String>, Option<u64>) {
    let mut decoder = SseDecoder::resuming(input.max_event_bytes.into(), input.resume_from.clone());
    let mut events = Vec::new();
    for chunk in chunks {
        match decoder.push(chunk) {
            Ok(more) => events.extend(more),
            Err(_) => return (events, true, None, None),
        }
    }
    (events, false, decoder.last_event_id().map(str::to_owned), decoder.retry_ms())
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else { return };
    let whole = decode(&input, &[&input.bytes]);
    let mut chunks = Vec::new();
    let mut rest = &input.bytes[..];
    for &cut in &input.cuts {
        let at = usize::from(cut).min(rest.len());
        let (a, b) = rest.split_at(at);
        chunks.push(a);
        rest = b;
    }
    chunks.push(rest);
    let pieces = decode(&input, &chunks);
    // An error may come at a different event when the limit is hit mid-chunk; without one,
    // the two must be the same.
    if !whole.1 && !pieces.1 {
        assert_eq!(whole, pieces, "chunking changed the events");
    }
});
