//! `Mcp-Name` and other extension header values: `=?base64?...?=` decoding of any text is a
//! value or a typed error, and encoding then decoding gives the text back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_tasks::protocol::extension::header::{
    base64_decode, base64_encode, decode_header_value, encode_header_value, is_header_safe,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = decode_header_value(&text);
    if let Some(bytes) = base64_decode(&text) {
        // Canonical input (padded, no stray bits) is the only input that encodes back to
        // itself; every decoded value must survive its own round trip.
        assert_eq!(base64_decode(&base64_encode(&bytes)).as_deref(), Some(&bytes[..]));
    }
    assert_eq!(base64_decode(&base64_encode(data)).as_deref(), Some(data));
    let encoded = encode_header_value(&text);
    // The sentinel itself is not "safe" as a plain value, but it is visible ASCII.
    assert!(
        is_header_safe(&encoded) || encoded.bytes().all(|c| c.is_ascii_graphic()),
        "an encoded value fits in a header: {encoded:?}"
    );
    let decoded = decode_header_value(&encoded).expect("an encoded value decodes");
    assert_eq!(decoded, text, "encode then decode gives the text back");
});
