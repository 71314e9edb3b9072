//! The 2025-11-25 shapes (`protocol::legacy`) fed arbitrary JSON objects: each reads or
//! returns a typed error, reading from the tape agrees with reading from a value, and what
//! reads back after being written.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use mcp_tasks::protocol::json::tape::Tape;
use mcp_tasks::protocol::legacy::*;
use serde_json::Value;

fn check<T: WireShape>(value: &Value, bytes: &[u8]) {
    let from_value = T::from_value(value.clone());
    let mut tape = Tape::default();
    let doc = tape.scan(bytes).expect("serde_json's output scans");
    let from_node = T::from_node(doc.root());
    assert_eq!(from_value.is_ok(), from_node.is_ok(), "{}: tape and value agree", T::WHAT);
    if let Ok(shape) = from_value {
        let written = shape.to_value();
        T::from_value(written).expect("a written shape reads back");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(map) = fuzz_support::object(&mut u, 4) else { return };
    let value = Value::Object(map);
    let bytes = serde_json::to_vec(&value).unwrap();
    check::<GetTaskResult>(&value, &bytes);
    check::<CancelTaskResult>(&value, &bytes);
    check::<TaskStatusNotificationParams>(&value, &bytes);
    check::<CreateTaskResult>(&value, &bytes);
    check::<ListTasksResult>(&value, &bytes);
    check::<ListTasksParams>(&value, &bytes);
    check::<TaskIdParams>(&value, &bytes);
    check::<TaskPayloadResult>(&value, &bytes);
    check::<WireTask>(&value, &bytes);
    check::<TaskMetadata>(&value, &bytes);
    check::<RelatedTaskMetadata>(&value, &bytes);
    check::<Implementation>(&value, &bytes);
    check::<InitializeParams>(&value, &bytes);
    check::<InitializeResult>(&value, &bytes);
    check::<ClientCapabilities>(&value, &bytes);
    check::<ServerCapabilities>(&value, &bytes);
    check::<ToolExecution>(&value, &bytes);
    check::<Tool>(&value, &bytes);
    check::<ListToolsResult>(&value, &bytes);
    check::<CallToolParams>(&value, &bytes);
    check::<CallToolResult>(&value, &bytes);
    let mut tape = Tape::default();
    let from_node = CallToolResponse::from_node(tape.scan(&bytes).unwrap().root());
    let from_value = CallToolResponse::from_value(value.clone());
    assert_eq!(from_node.is_ok(), from_value.is_ok(), "tools/call response: tape and value agree");
    if let Some(map) = value.as_object() {
        let _ = related_task(Some(map));
        let _ = model_immediate_response(Some(map));
    }
});
