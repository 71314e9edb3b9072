//! The limits a peer runs into: the session cap, the `Authorization` cap and digest
//! owners, anonymous owners per address, stream backlog and age, and cleanup that finds
//! a session's own entries.

use std::net::IpAddr;

use serde_json::{Value, json};

use super::{Ep, Harness, IDLE, endpoint};
use crate::id::CounterIds;
use crate::receiver::Receiver;
use crate::receiver::http::{Config, Endpoint, HttpMethod, Request, ResponseId, ToolReport};
use crate::receiver::http::{UnixMillis, WorkId};
use crate::store::{MemoryBackend, StoreConfig, TaskStore};
use crate::task::InputRequest;

/// The test endpoint with `change` made to its configuration.
fn endpoint_with(change: impl FnOnce(&mut Config)) -> Ep {
    let mut config = endpoint().config().clone();
    change(&mut config);
    let store_config = StoreConfig { default_ttl_ms: Some(600_000), ..StoreConfig::default() };
    let store = TaskStore::new(MemoryBackend::new(), CounterIds::new("task"), store_config);
    Endpoint::new(config, Receiver::new(store)).with_session_ids(CounterIds::new("session"))
}

/// A 2026-07-28 request as `auth` from `peer`.
fn ext_from(
    h: &mut Harness,
    now: u64,
    auth: Option<&str>,
    peer: Option<&str>,
    method: &str,
    params: Value,
) -> ResponseId {
    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities":
            {"extensions": {"io.modelcontextprotocol/tasks": {}}}});
    let mut headers: crate::protocol::http::Headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/json, text/event-stream"),
        ("MCP-Protocol-Version", "2026-07-28"),
        ("Mcp-Method", method),
    ]
    .into_iter()
    .collect();
    let name = params.get("name").or(params.get("taskId")).and_then(Value::as_str);
    if let Some(name) = name {
        headers.push("Mcp-Name", name.to_owned());
    }
    if let Some(auth) = auth {
        headers.push("Authorization", auth);
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let request = Request {
        method: HttpMethod::Post,
        path: "/mcp".into(),
        headers,
        body: body.to_string().into_bytes(),
        peer: peer.and_then(|p| p.parse::<IpAddr>().ok()),
    };
    let r = h.ep.handle_request(UnixMillis(now), request);
    h.drain();
    r
}

fn first(h: &Harness, r: ResponseId) -> Value {
    h.seen[&r].messages().into_iter().next().unwrap_or(Value::Null)
}

fn task_id(h: &Harness, r: ResponseId) -> String {
    first(h, r)["result"]["taskId"].as_str().unwrap_or("").to_owned()
}

#[test]
fn an_initialize_beyond_the_session_cap_is_refused_with_503_until_one_goes_idle() {
    let mut h = Harness::with(endpoint_with(|c| c.max_sessions = 2));
    h.initialize(0);
    h.initialize(10);
    let r = h.post(
        20,
        &[],
        json!({"jsonrpc": "2.0", "id": 7, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "t", "version": "0"}}}),
    );
    assert_eq!(h.seen[&r].status, Some(503));
    // The first session goes idle 59.98 s from now: a minute, rounded up.
    assert_eq!(h.seen[&r].headers.get("retry-after"), Some("60"));
    assert!(h.seen[&r].headers.get("mcp-session-id").is_none());
    let msg = first(&h, r);
    assert_eq!(msg["id"], 7);
    assert_eq!(msg["error"]["code"], -32000);
    assert_eq!(msg["error"]["data"]["limit"], "max_sessions");
    assert!(msg["error"]["message"].as_str().is_some_and(|m| m.contains("Too many sessions")));
    assert_eq!(h.ep.session_ids().count(), 2);
    // Once the first is idle, it makes room (no sweep needed).
    let third = h.initialize(IDLE + 1);
    assert_eq!(h.ep.session_ids().collect::<Vec<_>>().len(), 2);
    assert!(h.ep.session_ids().any(|s| s == third));
}

#[test]
fn an_authorization_over_the_cap_is_refused_with_431() {
    let mut h = Harness::with(endpoint_with(|c| c.max_authorization_bytes = 64));
    let long = format!("Bearer {}", "a".repeat(100));
    let r = ext_from(&mut h, 0, Some(&long), None, "tools/list", json!({}));
    assert_eq!(h.seen[&r].status, Some(431));
    let msg = first(&h, r);
    assert_eq!(msg["id"], 1, "the refused request's id");
    assert_eq!(msg["error"]["code"], -32000);
    assert_eq!(msg["error"]["data"]["limit"], "max_authorization_bytes");
    assert_eq!(msg["error"]["data"]["max"], 64);
    assert!(msg["error"]["message"].as_str().is_some_and(|m| m.contains("Authorization")));
    let fits = format!("Bearer {}", "a".repeat(57));
    let r = ext_from(&mut h, 0, Some(&fits), None, "tools/list", json!({}));
    assert_eq!(h.seen[&r].status, Some(200));
}

#[test]
fn credentials_that_differ_only_in_where_the_space_falls_are_different_owners() {
    let mut h = Harness::new();
    let call = json!({"name": "job"});
    let r = ext_from(&mut h, 0, Some("x:y z"), None, "tools/call", call);
    let task = task_id(&h, r);
    assert!(!task.is_empty(), "{:?}", first(&h, r));
    let owner = h.started[0].caller.owner.as_str().to_owned();
    assert!(owner.starts_with("ext:auth:") && !owner.contains("x:y") && !owner.contains('z'));
    let get = json!({"taskId": task});
    let r = ext_from(&mut h, 10, Some("x y:z"), None, "tasks/get", get.clone());
    assert_eq!(first(&h, r)["error"]["code"], -32602, "another caller's task is not found");
    let r = ext_from(&mut h, 10, Some("x:y z"), None, "tasks/get", get);
    assert_eq!(first(&h, r)["result"]["status"], "working");
}

#[test]
fn anonymous_callers_are_owners_and_budgets_per_address() {
    let mut ep = endpoint_with(|_| {});
    let store_config = StoreConfig {
        default_ttl_ms: Some(600_000),
        max_live_per_owner: 1,
        ..StoreConfig::default()
    };
    let store = TaskStore::new(MemoryBackend::new(), CounterIds::new("task"), store_config);
    ep = Endpoint::new(ep.config().clone(), Receiver::new(store));
    let mut h = Harness::with(ep);
    let (a, b) = (Some("198.51.100.7"), Some("203.0.113.9"));
    let r = ext_from(&mut h, 0, None, a, "tools/call", json!({"name": "job"}));
    let task = task_id(&h, r);
    assert!(!task.is_empty());
    let r = ext_from(&mut h, 1, None, a, "tools/call", json!({"name": "job"}));
    assert!(first(&h, r).get("error").is_some(), "the caller's own budget is used up");
    let r = ext_from(&mut h, 2, None, b, "tools/call", json!({"name": "job"}));
    assert!(!task_id(&h, r).is_empty(), "another address has a budget of its own");
    let r = ext_from(&mut h, 3, None, b, "tasks/get", json!({"taskId": task}));
    assert_eq!(first(&h, r)["error"]["code"], -32602);
    let r = ext_from(&mut h, 4, None, a, "tasks/get", json!({"taskId": task}));
    assert_eq!(first(&h, r)["result"]["status"], "working");
}

/// A notice of about 300 bytes on the session's standalone stream.
fn notice(h: &mut Harness, now: u64, session: &str, n: u64) {
    let msg = json!({"jsonrpc": "2.0", "method": "notifications/message",
        "params": {"n": n, "text": "x".repeat(250)}});
    h.ep.send_task_message(UnixMillis(now), session, &"task-0".into(), &msg);
    h.drain();
}

#[test]
fn a_reader_that_falls_behind_is_cut_off_and_resumes_from_the_log() {
    let mut h = Harness::with(endpoint_with(|c| c.max_stream_backlog_bytes = 1_000));
    let session = h.initialize(0);
    let get = h.get(5, &session, None);
    for n in 0..8 {
        notice(&mut h, 10 + n, &session, n);
    }
    assert!(h.seen[&get].ended, "cut off once over 1000 bytes behind");
    let got = h.seen[&get].messages();
    assert!(got.len() < 8, "{}", got.len());
    let last = h.seen[&get].event_ids().last().cloned().unwrap_or_default();
    let again = h.get(30, &session, Some(&last));
    notice(&mut h, 40, &session, 8);
    let n = |m: &Value| m["params"]["n"].as_u64();
    let replayed: Vec<Option<u64>> = h.seen[&again].messages().iter().map(n).collect();
    // The event the cut fell on was logged, not delivered: the resumption replays it; the
    // notices sent while nobody read went nowhere, as on any stream nobody reads.
    assert_eq!(replayed, [Some(got.len() as u64), Some(8)]);
    assert!(!h.seen[&again].ended);

    // A reader that takes what it is sent is never cut off.
    let mut h = Harness::with(endpoint_with(|c| c.max_stream_backlog_bytes = 1_000));
    let session = h.initialize(0);
    let get = h.get(5, &session, None);
    for n in 0..20 {
        notice(&mut h, 10 + n, &session, n);
        let sent = h.seen[&get].body.len();
        h.ep.handle_sent(get, sent);
        if let Some(seen) = h.seen.get_mut(&get) {
            seen.body.clear();
        }
    }
    assert!(!h.seen[&get].ended);
}

#[test]
fn a_stream_nobody_resumes_is_recycled_and_its_session_then_goes_idle() {
    let age = 5_000;
    let mut h = Harness::with(endpoint_with(|c| c.stream_max_age_ms = age));
    let stalled = h.initialize(0);
    let reading = h.initialize(0);
    let stalled_get = h.get(5, &stalled, None);
    let reading_get = h.get(5, &reading, None);
    let mut now = 5;
    let mut resumed = Vec::new();
    while now < 3 * IDLE {
        now += 1_000;
        h.ep.handle_timeout(UnixMillis(now));
        h.drain();
        // The reading client resumes its stream each time the server ends it.
        let open = resumed.last().copied().unwrap_or(reading_get);
        if h.seen[&open].ended {
            let last = h.seen[&open].event_ids().last().cloned().unwrap_or_default();
            resumed.push(h.get(now, &reading, Some(&last)));
        }
    }
    assert!(h.seen[&stalled_get].ended, "ended at its age");
    assert!(h.seen[&stalled_get].body.contains("retry: 300"), "after a retry hint");
    let ids: Vec<&str> = h.ep.session_ids().collect();
    assert_eq!(ids, [reading.as_str()], "the stalled client's session went idle");
    assert!(resumed.len() >= (3 * IDLE / age) as usize - 1, "{}", resumed.len());
}

fn ask(h: &mut Harness, now: u64, session: &str, id: u64) -> WorkId {
    let r = h.legacy(now, session, id, "tools/call", json!({"name": "job", "task": {}}));
    let work = WorkId::Task(h.task_of(r));
    let question = InputRequest {
        method: "elicitation/create".into(),
        params: json!({"message": "Proceed?"}).as_object().cloned().unwrap_or_default(),
    };
    h.report(now, &work, ToolReport::Ask(question));
    work
}

#[test]
fn closing_sessions_with_open_questions_leaves_the_others_questions_alone() {
    let mut h = Harness::new();
    let sessions: Vec<String> = (0..200).map(|n| h.initialize(n)).collect();
    let mut works = Vec::new();
    let mut held = Vec::new();
    for (n, s) in sessions.iter().enumerate() {
        works.push(ask(&mut h, 1_000 + n as u64, s, 1));
        let WorkId::Task(task) = works.last().cloned().unwrap_or(WorkId::Call(0)) else {
            continue;
        };
        held.push(h.legacy(2_000 + n as u64, s, 2, "tasks/result", json!({"taskId": task})));
    }
    for s in sessions.iter().skip(1) {
        assert!(h.ep.close_session(UnixMillis(3_000), s));
    }
    h.drain();
    assert_eq!(h.cancelled.len(), 199, "the closed sessions' work stopped");
    assert_eq!(h.ep.pending.of_session(&sessions[0]).len(), 1);
    for s in sessions.iter().skip(1) {
        assert!(h.ep.pending.of_session(s).is_empty());
    }
    assert_eq!(h.ep.held.len(), 1, "only the open session's held answer is left");
    // The one left still gets its question again on a new stream once it lost the first.
    h.ep.stream_closed(UnixMillis(3_500), held[0]);
    let WorkId::Task(task) = &works[0] else { unreachable!() };
    let again = h.legacy(4_000, &sessions[0], 3, "tasks/result", json!({"taskId": task}));
    assert_eq!(h.seen[&again].messages()[0]["method"], "elicitation/create");
}
