//! The 2026-07-28 shapes (`protocol::extension`) fed arbitrary JSON objects: each reads or
//! returns a typed error, and what reads back after being written.
#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use mcp_tasks::protocol::extension::*;
use mcp_tasks::protocol::jsonrpc::{ErrorCode, ErrorObject};
use serde_json::{Map, Value};

/// Reads `map` as a shape and, when it reads, writes it and reads that again.
macro_rules! round_trip {
    ($ty:ty, $map:expr) => {
        if let Ok(shape) = <$ty>::from_map($map) {
            <$ty>::from_map(&shape.to_map()).expect(concat!(stringify!($ty), " reads back"));
        }
    };
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(map) = fuzz_support::object(&mut u, 4) else { return };
    let map: &Map<String, Value> = &map;
    round_trip!(Task, map);
    round_trip!(CreateTaskResult, map);
    round_trip!(DetailedTask, map);
    round_trip!(GetTaskResult, map);
    round_trip!(AckResult, map);
    round_trip!(TaskIdParams, map);
    round_trip!(UpdateTaskParams, map);
    round_trip!(TaskStatusNotification, map);
    round_trip!(ToolCallResult, map);
    round_trip!(DiscoverResult, map);
    round_trip!(ListenParams, map);
    round_trip!(SubscriptionsAcknowledgedParams, map);
    let value = Value::Object(map.clone());
    let _ = Task::from_map(map);
    let _ = DetailedTask::from_value(&value);
    let _ = GetTaskResult::from_value(&value);
    let _ = TaskStatusNotification::from_value(&value);
    if let Ok(meta) = RequestMeta::from_meta(map) {
        RequestMeta::from_meta(&meta.to_meta()).expect("request _meta reads back");
    }
    let _ = RequestMeta::from_params(map);
    let _ = ResultType::read(map, "fuzz");
    let _ = lists_tasks_extension(map);
    // The error data readers see the object as an error's `data`.
    let error = ErrorObject::new(ErrorCode(-32602), "fuzz").with_data(value);
    let _ = MissingClientCapability::from_error(&error);
    let _ = UnsupportedProtocolVersion::from_error(&error);
});
