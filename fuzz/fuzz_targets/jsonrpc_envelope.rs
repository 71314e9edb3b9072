//! The JSON-RPC envelope reader on raw bytes: any input is a message or a typed error, and
//! a message it accepts survives being written and read again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_tasks::protocol::jsonrpc::Message;

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Message::from_slice(data) else { return };
    let text = message.to_json();
    let again = Message::from_slice(text.as_bytes()).expect("a written message reads back");
    assert_eq!(again.to_json(), text, "writing is stable");
});
