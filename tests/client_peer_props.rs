//! Properties of reading a scripted peer's responses: arbitrary bytes never panic; an SSE
//! body split anywhere reads the same.

use mcp_tasks::client::ToolCall;
use proptest::prelude::*;
use serde_json::{Value, json};

mod scripted;

use scripted::*;

fn split_points(len: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..=len, 0..12).prop_map(|mut v| {
        v.sort_unstable();
        v
    })
}

/// Feeds `bytes` split at `points` and returns the events, in a fresh legacy harness with
/// one task waiting on an input stream.
fn through_input_stream(bytes: &[u8], points: &[usize]) -> Vec<String> {
    let mut h = legacy_task("job");
    h.advance(10_000);
    h.result("tasks/get", task_json("t1", "input_required", false), &[]);
    let stream = h.last("tasks/result");
    h.engine.handle_response_head(h.now, stream.id, head(200, Some("text/event-stream"), &[]));
    let mut start = 0;
    for &p in points.iter().chain([bytes.len()].iter()) {
        let p = p.min(bytes.len()).max(start);
        h.engine.handle_body_chunk(h.now, stream.id, &bytes[start..p]);
        h.drain();
        start = p;
    }
    h.engine.handle_body_end(h.now, stream.id);
    h.drain();
    h.events.iter().map(|e| format!("{e:?}")).filter(|e| !e.contains("input: InputId")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any bytes as a tasks/get body: no panic, a typed answer, and the call still ends.
    #[test]
    fn arbitrary_bodies_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), json_type in any::<bool>(), status in prop::sample::select(vec![200u16, 400, 404, 500, 503])) {
        let mut h = legacy_task("job");
        for _ in 0..5 {
            h.advance(60_000);
            if h.outcome().is_some() {
                break;
            }
            let get = h.last("tasks/get");
            let ct = if json_type { "application/json" } else { "text/event-stream" };
            h.reply_raw(get.id, head(status, Some(ct), &[]), &[&bytes], true);
        }
        // Whatever the peer sent, the engine still has a plan: a timer or an outcome.
        prop_assert!(h.outcome().is_some() || h.wake.is_some());
    }

    /// Arbitrary JSON values as the result of every call request: typed outcomes only.
    #[test]
    fn arbitrary_results_never_panic(v in arb_json(), which in 0usize..3) {
        let mut h = legacy_ready();
        h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
        h.drain();
        h.tools();
        let method = ["tools/call", "tools/call", "tools/call"][which];
        h.result(method, v.clone(), &[]);
        if h.outcome().is_none() && h.count("tasks/get") + usize::from(h.wake.is_some()) > 0 {
            h.advance(60_000);
            if h.count("tasks/get") > 0 {
                h.result("tasks/get", v.clone(), &[]);
            }
        }
        prop_assert!(h.outcome().is_some() || h.wake.is_some());
    }

    /// An SSE body split anywhere reads the same as in one piece.
    #[test]
    fn sse_split_anywhere_reads_the_same(points in split_points(600)) {
        let ask = json!({"jsonrpc":"2.0","id":"srv-1","method":"elicitation/create","params":{"message":"go?","_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t1"}}}});
        let note = json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params": task_json("t1", "input_required", false)});
        let mut bytes = b": keep-alive\r\n".to_vec();
        bytes.extend(sse(&[note, ask]));
        let whole = through_input_stream(&bytes, &[]);
        let split = through_input_stream(&bytes, &points);
        prop_assert_eq!(whole, split);
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "t1",
            "working",
            "completed",
            "failed",
            "input_required",
            "cancelled",
            "task",
            "2025-11-13T02:13:20Z",
            ""
        ])
        .prop_map(Value::from),
    ];
    let keys = prop::sample::select(vec![
        "task",
        "taskId",
        "status",
        "createdAt",
        "lastUpdatedAt",
        "ttl",
        "content",
        "isError",
        "resultType",
        "result",
        "error",
        "inputRequests",
        "_meta",
    ]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..7).prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}
