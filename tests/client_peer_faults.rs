//! The engine against a scripted peer that misbehaves: rate limits, server errors, garbage,
//! contradictions, lost sessions, failed connections and silence.

use mcp_tasks::client::{
    BackoffPolicy, CallOutcome, ClientError, Config, Engine, Event, Protocol, ToolCall,
};
use mcp_tasks::protocol::http::ResponseHead;
use mcp_tasks::task::TaskStatus;
use serde_json::{Value, json};

mod scripted;

use scripted::*;

#[test]
fn rate_limits_hold_every_request_until_retry_after() {
    let mut h = legacy_task("job");
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.result("tools/call", json!({"task": task_json("t2", "working", false)}), &[]);
    h.advance(10_000);
    let gets = h.count("tasks/get");
    assert_eq!(gets, 2);
    let first = h.sent.iter().find(|r| body(r)["method"] == "tasks/get").unwrap().clone();
    let at = h.now;
    h.reply_raw(first.id, head(429, None, &[("Retry-After", "3")]), &[], true);
    h.result("tasks/get", task_json("t2", "working", false), &[]);
    h.advance(10_000);
    assert!(h.now.0 >= at.0 + 1000);
    // Both tasks wait for the server's Retry-After.
    while h.count("tasks/get") < 4 {
        h.advance(10_000);
    }
    let next_times = h.now.0 - at.0;
    assert!(next_times >= 3000, "a request went out {next_times} ms after the 429");
}

#[test]
fn retry_after_is_honoured_only_up_to_its_cap() {
    // A server asking for a day (or a date far ahead) would otherwise hold every request
    // of this client back for that long.
    for asked in ["86400", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let mut h = legacy_task("job");
        h.advance(10_000);
        let gets = h.count("tasks/get");
        let poll = h.last("tasks/get");
        let at = h.now;
        h.reply_raw(poll.id, head(429, None, &[("Retry-After", asked)]), &[], true);
        while h.count("tasks/get") == gets && h.now.0 - at.0 <= 3_600_000 {
            h.advance(10_000);
        }
        let waited = h.now.0 - at.0;
        assert_eq!(waited, BackoffPolicy::default().retry_after_cap_ms, "{asked}");
    }
}

#[test]
fn server_errors_back_off_with_jitter_then_give_up() {
    let mut h = legacy_ready();
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    h.tools();
    let mut unlimited = task_json("t1", "working", false);
    unlimited["ttl"] = Value::Null;
    h.result("tools/call", json!({"task": unlimited}), &[]);
    let mut last = h.now;
    let mut gaps = Vec::new();
    for _ in 0..13 {
        h.advance(120_000);
        let get = h.last("tasks/get");
        gaps.push(h.now.0 - last.0);
        last = h.now;
        h.reply_raw(get.id, head(503, Some("text/plain"), &[]), &[b"busy"], true);
        if h.outcome().is_some() {
            break;
        }
    }
    // The first is the poll interval; then 250·2^k ms each, jittered into [d/2, d].
    for (k, gap) in gaps.iter().skip(1).enumerate() {
        let d = (250u64 << k).min(30_000);
        assert!(*gap >= d / 2 && *gap <= d, "retry {k}: {gap} ms not in [{}, {d}]", d / 2);
    }
    assert!(
        matches!(
            h.outcome(),
            Some(CallOutcome::Error(ClientError::ServerUnavailable { status: 503, .. }))
        ),
        "{:?}",
        h.outcome()
    );
}

#[test]
fn peer_garbage_is_typed_reported_and_bounded() {
    let cases: Vec<(&str, ResponseHead, Vec<u8>, &str)> = vec![
        ("not json", head(200, Some("application/json"), &[]), b"{nope".to_vec(), "client_malformed_message"),
        ("wrong types", head(200, Some("application/json"), &[]), br#"{"jsonrpc":"2.0","id":IDV,"result":{"taskId":"t1","status":5,"createdAt":"x","lastUpdatedAt":"y"}}"#.to_vec(), "client_malformed_result"),
        ("missing fields", head(200, Some("application/json"), &[]), br#"{"jsonrpc":"2.0","id":IDV,"result":{"status":"working"}}"#.to_vec(), "client_malformed_result"),
        ("html", head(200, Some("text/html"), &[]), b"<html>".to_vec(), "client_unexpected_content_type"),
        ("other task", head(200, Some("application/json"), &[]), br#"{"jsonrpc":"2.0","id":IDV,"result":{"taskId":"zz","status":"working","createdAt":"2025-11-13T02:13:20Z","lastUpdatedAt":"2025-11-13T02:13:20Z","ttl":null}}"#.to_vec(), "client_wrong_task"),
        ("unknown id", head(200, Some("application/json"), &[]), br#"{"jsonrpc":"2.0","id":99999,"result":{}}"#.to_vec(), "client_unknown_response"),
        ("oversize event", head(200, Some("text/event-stream"), &[]), [b"data: ".as_slice(), &vec![b'x'; 70_000]].concat(), "client_oversize_event"),
    ];
    for (name, hd, bytes, code) in cases {
        let mut h = Harness::new(Protocol::Legacy);
        h.engine = {
            let mut c = Config::new("http://peer/mcp");
            c.protocol = Protocol::Legacy;
            c.standalone_stream = false;
            c.max_event_bytes = 64 * 1024;
            Engine::new(c)
        };
        h.connect_legacy();
        h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
        h.drain();
        h.tools();
        h.result("tools/call", json!({"task": task_json("t1", "working", false)}), &[]);
        for _ in 0..6 {
            h.advance(60_000);
            let get = h.last("tasks/get");
            let id = body(&get)["id"].to_string();
            let bytes = String::from_utf8_lossy(&bytes).replace("IDV", &id).into_bytes();
            h.reply_raw(get.id, hd.clone(), &[&bytes], true);
            if h.outcome().is_some() {
                break;
            }
        }
        assert!(h.violations().contains(&code), "{name}: {:?}", h.violations());
        match h.outcome() {
            Some(CallOutcome::Error(e)) => {
                assert!(e.code() == code || code == "client_unknown_response", "{name}: {e:?}")
            }
            other => panic!("{name}: gives up after repeated garbage, got {other:?}"),
        }
    }
}

#[test]
fn a_terminal_status_is_kept_when_a_peer_contradicts_it() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    let mut done = task_json("t1", "completed", false);
    done["lastUpdatedAt"] = json!("2025-11-13T02:13:21.000Z");
    h.result("tasks/get", done, &[]);
    // A later notification says working again.
    let mut back = task_json("t1", "working", false);
    back["lastUpdatedAt"] = json!("2025-11-13T02:13:22.000Z");
    let note = json!({"jsonrpc":"2.0","method":"notifications/tasks/status","params": back});
    let result = h.last("tasks/result");
    h.reply_raw(result.id, head(200, Some("text/event-stream"), &[]), &[&sse(&[note])], false);
    assert_eq!(h.violations(), vec!["client_terminal_regression"]);
    let reply = json!({"jsonrpc":"2.0","id": body(&result)["id"],"result":{"content":[]}});
    h.engine.handle_body_chunk(h.now, result.id, format!("data: {reply}\n\n").as_bytes());
    h.drain();
    assert!(matches!(h.outcome(), Some(CallOutcome::Completed(_))));
    let statuses: Vec<_> = h
        .events
        .iter()
        .filter_map(|e| match e {
            Event::StatusChanged { status, .. } => Some(*status),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, vec![TaskStatus::Completed]);
}

#[test]
fn session_loss_starts_over_without_the_old_session() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    let get = h.last("tasks/get");
    h.reply_raw(
        get.id,
        head(404, Some("application/json"), &[]),
        &[br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}"#],
        true,
    );
    let init = h.last("initialize");
    assert_eq!(init.headers.get("mcp-session-id"), None);
    let caps = json!({"protocolVersion":"2025-11-25","capabilities":{"tasks":{"cancel":{},"requests":{"tools":{"call":{}}}}},"serverInfo":{"name":"p","version":"1"}});
    h.result("initialize", caps, &[("Mcp-Session-Id", "S2")]);
    h.accepted("notifications/initialized");
    let again = h.last("tasks/get");
    assert_eq!(again.headers.get("mcp-session-id"), Some("S2"));
    h.error("tasks/get", 200, -32602);
    assert!(matches!(h.outcome(), Some(CallOutcome::Error(ClientError::TaskLost { .. }))));
}

#[test]
fn auto_falls_back_by_the_dual_era_rules() {
    let legacy_answers: Vec<(u16, Option<&str>, &[u8])> = vec![
        (400, Some("application/json"), br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"Bad Request: Mcp-Session-Id header is required"}}"#),
        (404, Some("text/html"), b"<h1>not found</h1>"),
        (405, None, b""),
        (400, None, b""),
    ];
    for (status, ct, bytes) in legacy_answers {
        let mut h = Harness::new(Protocol::Auto);
        h.engine.connect(h.now);
        h.drain();
        let discover = h.last("server/discover");
        h.reply_raw(discover.id, head(status, ct, &[]), &[bytes], true);
        assert_eq!(h.count("initialize"), 1, "{status}: falls back");
    }
    let mut h = Harness::new(Protocol::Auto);
    h.engine.connect(h.now);
    h.drain();
    let discover = h.last("server/discover");
    h.reply_raw(
        discover.id,
        head(400, Some("application/json"), &[]),
        &[br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32020,"message":"Header mismatch"}}"#],
        true,
    );
    assert_eq!(h.count("initialize"), 0, "a modern error means a modern server");
    assert!(h.events.iter().any(|e| matches!(e, Event::Disconnected { .. })));
}

#[test]
fn a_remembered_legacy_endpoint_that_moved_on_is_probed_again() {
    let mut config = Config::new("http://peer/mcp");
    config.memory.remember("http://peer/mcp", mcp_tasks::task::Generation::Legacy);
    config.standalone_stream = false;
    config.listen = false;
    let mut h = Harness::new(Protocol::Auto);
    h.engine = Engine::new(config);
    h.engine.connect(h.now);
    h.drain();
    assert_eq!(h.count("server/discover"), 0, "remembered: no probe");
    h.error("initialize", 400, -32600);
    h.connect_extension_rest();
    assert_eq!(h.engine.generation(), Some(mcp_tasks::task::Generation::Extension));
    assert_eq!(
        h.engine.endpoint_memory().get("http://peer/mcp"),
        Some(mcp_tasks::task::Generation::Extension)
    );
}

impl Harness {
    fn connect_extension_rest(&mut self) {
        let d = json!({"supportedVersions":["2026-07-28"],"capabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}});
        self.result("server/discover", d, &[]);
    }
}

#[test]
fn connect_failures_are_typed_and_end_waiting_calls() {
    let mut h = Harness::new(Protocol::Legacy);
    h.engine.call_tool(h.now, ToolCall::new("job", None)).unwrap();
    h.drain();
    let old = json!({"protocolVersion":"1999-01-01","capabilities":{},"serverInfo":{"name":"p","version":"1"}});
    h.result("initialize", old, &[]);
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::Disconnected { error: ClientError::UnsupportedProtocol { .. } }
    )));
    assert!(matches!(
        h.outcome(),
        Some(CallOutcome::Error(ClientError::UnsupportedProtocol { .. }))
    ));

    let mut h = Harness::new(Protocol::Extension);
    h.engine.connect(h.now);
    h.drain();
    let discover = h.last("server/discover");
    h.reply_raw(discover.id, head(401, None, &[("WWW-Authenticate", "Bearer")]), &[], true);
    assert!(h.events.iter().any(|e| matches!(e, Event::Disconnected { error } if error.code() == "client_unauthorized" && error.fault() == mcp_tasks::client::Fault::Caller)));

    // Connect failures are retried with backoff before the engine gives up.
    let mut h = Harness::new(Protocol::Extension);
    h.engine.connect(h.now);
    h.drain();
    for _ in 0..30 {
        let discover = h.last("server/discover");
        h.engine.handle_transport_failure(
            h.now,
            discover.id,
            mcp_tasks::protocol::http::TransportFailure::Connect("refused".into()),
        );
        h.drain();
        if h.events.iter().any(|e| matches!(e, Event::Disconnected { .. })) {
            break;
        }
        h.advance(60_000);
    }
    assert_eq!(h.count("server/discover"), 12);
    assert!(
        h.events
            .iter()
            .any(|e| matches!(e, Event::Disconnected { error: ClientError::Transport { .. } }))
    );
}

#[test]
fn a_silent_server_times_out_and_is_retried() {
    let mut h = legacy_task("job");
    h.advance(10_000);
    let first = h.last("tasks/get");
    h.advance(60_000);
    assert!(h.aborted.contains(&first.id), "the silent request is dropped");
    h.advance(60_000);
    let second = h.last("tasks/get");
    assert_ne!(first.id, second.id, "and sent again");
}
