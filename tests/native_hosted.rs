//! Client-hosted tasks on the native driver against the official Python SDK server: its
//! tools ask with `elicit_as_task` and `create_message_as_task`, the engine hosts each
//! question as a task, the host answers after longer than one poll interval, and the
//! server cancels a hosted task with `tasks/cancel`.
//!
//! Run by `scripts/peers.sh --native` with `MCP_TASKS_PEER_PY` set (and `--ignored`).
#![cfg(feature = "native")]

use std::time::Duration;

use mcp_tasks::client::{
    CallOutcome, Config, Engine, Event, InputId, InputSupport, Protocol, ToolCall, WithdrawReason,
};
use mcp_tasks::native::Driver;
use mcp_tasks::store::StoreConfig;
use serde_json::{Map, Value, json};

/// Every check gives up after this, so a stalled exchange fails instead of hanging.
const CHECK_LIMIT: Duration = Duration::from_secs(40);
/// How long the "person" takes to answer: longer than the hosted tasks' poll interval.
const THINKING: Duration = Duration::from_millis(1_500);
const POLL_MS: u64 = 500;

fn python() -> String {
    std::env::var("MCP_TASKS_PEER_PY").unwrap_or_else(|_| {
        panic!("MCP_TASKS_PEER_PY must name a running server (see scripts/peers.sh --native)")
    })
}

fn hosting_driver() -> Driver {
    let mut config = Config::new(python());
    config.protocol = Protocol::Legacy;
    config.inputs = InputSupport { elicitation: true, sampling: true, ..InputSupport::default() };
    let limits = StoreConfig { poll_interval_ms: Some(POLL_MS), ..StoreConfig::default() };
    Driver::new(Engine::with_hosted_tasks(config, limits))
}

/// What a call that asked hosted questions went through.
#[derive(Default)]
struct Hosted {
    /// The questions, by method, in order.
    asked: Vec<String>,
    /// Hosted task ids.
    tasks: Vec<String>,
    withdrawn: Vec<WithdrawReason>,
    text: String,
}

fn map(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

/// Calls `tool` and answers each question `THINKING` after it came, concurrently with the
/// engine's work (the server polls the hosted task meanwhile).
async fn call(driver: &mut Driver, tool: &str, args: Value) -> Hosted {
    let request = ToolCall::new(tool, Some(map(args)));
    let id = driver.engine().call_tool(Driver::now(), request).expect("call");
    let mut seen = Hosted::default();
    let mut due: Vec<(tokio::time::Instant, InputId, Map<String, Value>)> = Vec::new();
    let outcome = tokio::time::timeout(CHECK_LIMIT, async {
        loop {
            let next = due.iter().map(|(at, _, _)| *at).min();
            let event = tokio::select! {
                event = driver.next_event() => event.expect("the engine stopped"),
                () = async {
                    match next {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                } => {
                    let now = tokio::time::Instant::now();
                    let (ready, later): (Vec<_>, Vec<_>) =
                        due.drain(..).partition(|(at, _, _)| *at <= now);
                    due = later;
                    for (_, input, answer) in ready {
                        // A withdrawn question is refused; the test checks the withdrawal.
                        let _ = driver.engine().answer_input(Driver::now(), input, answer);
                    }
                    continue;
                }
            };
            match event {
                Event::TaskHosted { task, .. } => seen.tasks.push(task.task_id.to_string()),
                Event::InputRequested { input, method, .. } => {
                    let answer = match method.as_str() {
                        "sampling/createMessage" => map(json!({"role": "assistant",
                            "content": {"type": "text", "text": "tasks outlive requests"},
                            "model": "host-model", "stopReason": "endTurn"})),
                        _ => {
                            // The first approval is granted, the second refused.
                            let confirm = seen.asked.is_empty();
                            map(json!({"action": "accept", "content": {"confirm": confirm}}))
                        }
                    };
                    seen.asked.push(method);
                    due.push((tokio::time::Instant::now() + THINKING, input, answer));
                }
                Event::InputWithdrawn { input, reason } => {
                    due.retain(|(_, i, _)| *i != input);
                    seen.withdrawn.push(reason);
                }
                Event::Outcome { call, outcome } if call == id => return outcome,
                _ => {}
            }
        }
    })
    .await
    .expect("the call ended within the limit");
    seen.text = match outcome {
        CallOutcome::Completed(result) => result
            .content
            .iter()
            .filter_map(|c| c.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(" "),
        other => panic!("{tool}: expected a completed call, got {other:?}"),
    };
    seen
}

#[tokio::test]
#[ignore = "needs the Python SDK server; run by scripts/peers.sh --native"]
async fn python_sdk_elicit_as_task_twice_in_one_task() {
    let mut driver = hosting_driver();
    let seen = call(&mut driver, "approve_twice", json!({})).await;
    assert_eq!(seen.asked, ["elicitation/create", "elicitation/create"]);
    assert_eq!(seen.tasks.len(), 2);
    assert_ne!(seen.tasks[0], seen.tasks[1]);
    assert_eq!(seen.text, "first: accept/True, second: accept/False");
    assert!(seen.withdrawn.is_empty());
}

#[tokio::test]
#[ignore = "needs the Python SDK server; run by scripts/peers.sh --native"]
async fn python_sdk_create_message_as_task() {
    let mut driver = hosting_driver();
    let seen = call(&mut driver, "summarize_as_task", json!({})).await;
    assert_eq!(seen.asked, ["sampling/createMessage"]);
    assert_eq!(seen.tasks.len(), 1);
    assert_eq!(seen.text, "summary: tasks outlive requests");
}

#[tokio::test]
#[ignore = "needs the Python SDK server; run by scripts/peers.sh --native"]
async fn python_sdk_cancels_a_hosted_task() {
    let mut driver = hosting_driver();
    // The server cancels after 0.5 s; the host would answer after 1.5 s.
    let seen = call(&mut driver, "ask_then_cancel", json!({"after": 0.5})).await;
    assert_eq!(seen.withdrawn, [WithdrawReason::Cancelled]);
    assert!(seen.text.ends_with(": cancelled"), "{}", seen.text);
    assert!(seen.text.contains(&seen.tasks[0]), "{} names {:?}", seen.text, seen.tasks);
}
