//! Refusing an input request with an error (`Engine::reject_input`) against a scripted
//! peer: a 2025-11-25 server request gets a JSON-RPC error response, retried as answers
//! are; an extension `inputRequests` entry gets the elicitation's `cancel` action. (A task
//! the client hosts fails with the error: tests/client_hosted.rs.)

mod scripted;

use mcp_tasks::client::{ClientError, Event, InputId};
use mcp_tasks::protocol::jsonrpc::{ErrorCode, ErrorObject};
use scripted::*;
use serde_json::json;

fn refusal() -> ErrorObject {
    ErrorObject::new(ErrorCode::INTERNAL_ERROR, "the person is away").with_data(json!({"why": 1}))
}

fn asked(h: &Harness) -> InputId {
    let input = h.events.iter().find_map(|e| match e {
        Event::InputRequested { input, .. } => Some(*input),
        _ => None,
    });
    input.expect("an input request")
}

/// A 2025-11-25 task whose `tasks/result` stream carries `elicitation/create` `srv-1`.
fn legacy_question() -> Harness {
    let mut h = legacy_task("job");
    h.advance(10_000);
    h.result("tasks/get", task_json("t1", "input_required", false), &[]);
    let stream = h.last("tasks/result");
    let ask = json!({"jsonrpc":"2.0","id":"srv-1","method":"elicitation/create","params":{"message":"go?","_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t1"}}}});
    h.reply_raw(stream.id, head(200, Some("text/event-stream"), &[]), &[&sse(&[ask])], false);
    h
}

#[test]
fn a_legacy_request_refused_gets_the_error_as_its_json_rpc_response() {
    let mut h = legacy_question();
    let input = asked(&h);
    h.engine.reject_input(h.now, input, refusal()).unwrap();
    h.drain();
    let response = h.sent.last().unwrap().clone();
    assert_eq!(
        body(&response),
        json!({"jsonrpc":"2.0","id":"srv-1","error":{"code":-32603,"message":"the person is away","data":{"why":1}}})
    );
    assert_eq!(response.headers.get("mcp-session-id"), Some("S"));
    // Once only: neither a second refusal nor an answer after it.
    let again = h.engine.reject_input(h.now, input, refusal());
    assert!(matches!(again, Err(ClientError::InputAnswered { .. })), "{again:?}");
    let answer = json!({"action":"accept"}).as_object().unwrap().clone();
    assert!(h.engine.answer_input(h.now, input, answer).is_err());
    h.reply_raw(response.id, head(202, None, &[]), &[], true);
    assert!(!h.events.iter().any(|e| matches!(e, Event::InputFailed { .. })));
}

#[test]
fn a_legacy_refusal_is_sent_again_after_a_transient_failure() {
    let mut h = legacy_question();
    let input = asked(&h);
    h.engine.reject_input(h.now, input, refusal()).unwrap();
    h.drain();
    let first = h.sent.last().unwrap().clone();
    h.reply_raw(first.id, head(503, Some("text/plain"), &[]), &[b"busy"], true);
    let before = h.sent.len();
    h.advance(60_000);
    let retried: Vec<_> = h.sent[before..]
        .iter()
        .filter(|r| body(r)["id"] == "srv-1" && body(r).get("error").is_some())
        .cloned()
        .collect();
    assert_eq!(retried.len(), 1, "the refusal is sent again, once");
    assert_eq!(body(&retried[0]), body(&first));
    h.reply_raw(retried[0].id, head(202, None, &[]), &[], true);
    assert!(!h.events.iter().any(|e| matches!(e, Event::InputFailed { .. })));
}

#[test]
fn an_extension_request_refused_is_answered_with_the_cancel_action() {
    let mut h = extension_task();
    let mut asking = task_json("t1", "input_required", true);
    asking["inputRequests"] =
        json!({"k1": {"method": "elicitation/create", "params": {"message": "go?"}}});
    h.advance(10_000);
    h.result("tasks/get", asking, &[]);
    let input = asked(&h);
    h.engine.reject_input(h.now, input, refusal()).unwrap();
    h.drain();
    let update = h.last("tasks/update");
    assert_eq!(body(&update)["params"]["inputResponses"], json!({"k1": {"action": "cancel"}}));
    let again = h.engine.reject_input(h.now, input, refusal());
    assert!(matches!(again, Err(ClientError::InputAnswered { .. })), "{again:?}");
    h.result("tasks/update", json!({"resultType":"complete"}), &[]);
}
