//! SSE streams and what goes out on them: replays, held `tasks/result`, questions and
//! their answers, listen streams, and plain calls whose client leaves.

use super::*;

#[test]
fn a_resumed_get_stream_replays_what_the_cut_lost() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let work = WorkId::Task(h.task_of(r));
    let get = h.get(20, &session, None);
    h.report(30, &work, ToolReport::Status("one".into()));
    let ids = h.seen[&get].event_ids();
    assert_eq!(ids.len(), 2, "priming and one status: {ids:?}");
    h.ep.stream_closed(UnixMillis(40), get);
    h.report(50, &work, ToolReport::Status("two".into()));
    h.report(60, &work, done("ok"));
    let again = h.get(70, &session, Some(&ids[1]));
    let replayed = h.seen[&again].messages();
    let messages: Vec<&Value> = replayed.iter().map(|m| &m["params"]["statusMessage"]).collect();
    assert_eq!(messages, [&json!("two"), &json!("two")], "{replayed:?}");
    assert_eq!(replayed[1]["params"]["status"], "completed");
    assert!(!h.seen[&again].body.contains("\"one\""), "nothing before the last id again");
    assert!(!h.seen[&again].ended, "the standalone stream stays open");
}

#[test]
fn a_held_tasks_result_is_released_by_the_terminal_event() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let task = h.task_of(r);
    let held = h.legacy(20, &session, 2, "tasks/result", json!({"taskId": task}));
    assert_eq!(h.seen[&held].status, Some(200));
    assert!(h.seen[&held].headers.get("content-type") == Some("text/event-stream"));
    assert!(h.seen[&held].messages().is_empty() && !h.seen[&held].ended, "held");
    h.report(5_000, &WorkId::Task(task.clone()), done("the answer"));
    let seen = &h.seen[&held];
    assert!(seen.ended);
    let msg = &seen.messages()[0];
    assert_eq!(msg["id"], 2);
    assert_eq!(msg["result"]["content"][0]["text"], "the answer");
    assert_eq!(
        msg["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        json!(task)
    );
}

#[test]
fn a_question_goes_out_on_the_held_stream_and_its_answer_reaches_the_work() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let work = WorkId::Task(h.task_of(r));
    let asked = crate::task::InputRequest {
        method: "elicitation/create".into(),
        params: json!({"message": "Proceed?"}).as_object().cloned().unwrap_or_default(),
    };
    let key = h.report(20, &work, ToolReport::Ask(asked)).expect("a key");
    let WorkId::Task(task) = &work else { unreachable!() };
    let held = h.legacy(30, &session, 2, "tasks/result", json!({"taskId": task}));
    let question = h.seen[&held].messages()[0].clone();
    assert_eq!(question["method"], "elicitation/create");
    let headers = [("Mcp-Session-Id", session.as_str())];
    let r = h.post(
        40,
        &headers,
        json!({"jsonrpc": "2.0", "id": question["id"],
        "result": {"action": "accept"}}),
    );
    assert_eq!(h.seen[&r].status, Some(202));
    assert_eq!(h.answers.len(), 1);
    assert!(h.answers[0].1.contains_key(&key));
}

#[test]
fn a_question_waits_off_the_get_stream_until_the_client_names_its_task() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let get = h.get(5, &session, None);
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "job", "task": {}}));
    let work = WorkId::Task(h.task_of(r));
    let asked = crate::task::InputRequest {
        method: "elicitation/create".into(),
        params: json!({"message": "Proceed?"}).as_object().cloned().unwrap_or_default(),
    };
    // The tool asks at once; a client that asked for the task may not have read the answer
    // that names it yet, and could not tell what the question belongs to.
    h.report(11, &work, ToolReport::Ask(asked));
    let asks = |h: &Harness| {
        let messages = h.seen[&get].messages();
        messages.iter().filter(|m| m["method"] == "elicitation/create").count()
    };
    assert_eq!(asks(&h), 0, "asked before the client named the task");
    let WorkId::Task(task) = &work else { unreachable!() };
    let polled = h.legacy(500, &session, 2, "tasks/get", json!({"taskId": task}));
    assert_eq!(h.seen[&polled].messages()[0]["result"]["status"], "input_required");
    assert_eq!(asks(&h), 1, "asked once the client named the task");
}

#[test]
fn listen_ends_when_the_tasks_it_follows_end() {
    let mut h = Harness::new();
    let a = h.extension(0, 1, "tools/call", Some("job"), json!({"name": "job"}));
    let b = h.extension(0, 2, "tools/call", Some("job"), json!({"name": "job"}));
    let (a, b) = (h.task_of(a), h.task_of(b));
    let listen = h.extension(
        10,
        3,
        "subscriptions/listen",
        None,
        json!({"notifications": {"taskIds": [a, b]}}),
    );
    assert_eq!(h.seen[&listen].messages().len(), 3, "ack and each task as it is now");
    h.report(20, &WorkId::Task(a.clone()), done("a"));
    assert!(!h.seen[&listen].ended, "one task still runs");
    h.report(30, &WorkId::Task(b.clone()), done("b"));
    let seen = &h.seen[&listen];
    assert!(seen.ended);
    let messages = seen.messages();
    let last = messages.last().expect("the listen result");
    assert_eq!(last["id"], 3);
    assert_eq!(last["result"]["resultType"], "complete");
    let statuses: Vec<&Value> = messages.iter().map(|m| &m["params"]["status"]).collect();
    assert_eq!(statuses[3..5], [&json!("completed"), &json!("completed")]);
}

#[test]
fn a_plain_call_is_answered_when_its_work_ends_and_cancelled_when_its_client_leaves() {
    let mut h = Harness::new();
    let r = h.extension(0, 1, "tools/call", Some("echo"), json!({"name": "echo"}));
    assert!(h.seen.get(&r).is_none_or(|s| s.status.is_none()), "no answer before the work ends");
    let work = h.started[0].work.clone();
    h.report(10, &work, done("hi"));
    let msg = &h.seen[&r].messages()[0];
    assert_eq!(msg["result"]["content"][0]["text"], "hi");
    assert_eq!(msg["result"]["resultType"], "complete");
    let r = h.extension(20, 2, "tools/call", Some("echo"), json!({"name": "echo"}));
    h.ep.stream_closed(UnixMillis(30), r);
    h.drain();
    assert_eq!(h.cancelled, vec![h.started[1].work.clone()]);
    let late = h.ep.handle_tool_report(UnixMillis(40), &h.started[1].work, done("late"));
    assert!(matches!(late, Err(ReportError::UnknownWork(_))));
}

#[test]
fn a_streamed_answer_cut_before_its_end_is_replayed_to_the_end() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    h.ep.config_mut().stream_answers = true;
    let r = h.legacy(10, &session, 1, "tools/call", json!({"name": "echo"}));
    let primed = h.seen[&r].event_ids();
    assert_eq!(primed.len(), 1, "primed, nothing else yet");
    h.ep.stream_closed(UnixMillis(20), r);
    let work = h.started[0].work.clone();
    h.report(30, &work, done("late but kept"));
    let again = h.get(40, &session, Some(&primed[0]));
    let seen = &h.seen[&again];
    assert_eq!(seen.messages()[0]["result"]["content"][0]["text"], "late but kept");
    assert!(seen.ended, "the answer was the stream's end");
}

#[test]
fn a_second_get_stream_replaces_the_first() {
    let mut h = Harness::new();
    let session = h.initialize(0);
    let first = h.get(1, &session, None);
    let second = h.get(2, &session, None);
    assert!(h.seen[&first].ended, "the first one ends");
    assert!(!h.seen[&second].ended);
    assert_eq!(h.ep.notification_streams(), vec![second]);
}
