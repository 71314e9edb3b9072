//! The engine on the native driver against real servers over loopback HTTP: the TypeScript
//! and Python SDK servers (2025-11-25), the rmcp server (the 2026-07-28 extension), and our
//! reference server in both generations.
//!
//! The servers are started by `scripts/peers.sh --native`, which passes their URLs in
//! `MCP_TASKS_PEER_TS`, `MCP_TASKS_PEER_PY`, `MCP_TASKS_PEER_RMCP` and `MCP_TASKS_PEER_OURS`
//! and runs these tests with `--ignored`; a plain `cargo test` lists them as ignored.
#![cfg(feature = "native")]

use std::time::Duration;

use mcp_tasks::client::{
    CallId, CallOutcome, Config, Engine, Event, Failure, InputSupport, OpId, Protocol, TaskMode,
    ToolCall,
};
use mcp_tasks::id::TaskId;
use mcp_tasks::native::Driver;
use mcp_tasks::protocol::legacy::CallToolResult;
use mcp_tasks::task::Generation;
use serde_json::{Map, Value, json};

/// Every check gives up after this, so a stalled exchange fails instead of hanging.
const CHECK_LIMIT: Duration = Duration::from_secs(30);

fn url(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} must name a running server (see scripts/peers.sh --native)")
    })
}

fn engine(url: &str, protocol: Protocol) -> Driver {
    let mut config = Config::new(url);
    config.protocol = protocol;
    config.inputs = InputSupport { elicitation: true, ..InputSupport::default() };
    Driver::new(Engine::new(config))
}

fn args(value: Value) -> Option<Map<String, Value>> {
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// What one call went through.
struct Run {
    outcome: CallOutcome,
    task_id: Option<TaskId>,
    generation: Option<Generation>,
    statuses: Vec<String>,
    inputs: usize,
}

/// How the test treats the call while it runs.
#[derive(Clone, Copy)]
enum Steer {
    /// Let it run; confirm any elicitation.
    Confirm,
    /// Cancel it as soon as it is a task.
    Cancel,
}

async fn call(driver: &mut Driver, tool: ToolCall, steer: Steer) -> Run {
    let id: CallId = driver.engine().call_tool(Driver::now(), tool).expect("call accepted");
    let mut run = Run {
        outcome: CallOutcome::Cancelled { status_message: None },
        task_id: None,
        generation: None,
        statuses: Vec::new(),
        inputs: 0,
    };
    let outcome = tokio::time::timeout(CHECK_LIMIT, async {
        loop {
            let event = driver.next_event().await.expect("the engine stopped without an outcome");
            match event {
                Event::Connected(info) => run.generation = Some(info.generation),
                Event::TaskCreated { call, task, .. } if call == id => {
                    run.task_id = Some(task.task_id.clone());
                    if let Steer::Cancel = steer {
                        driver.engine().cancel(Driver::now(), id).expect("cancel accepted");
                    }
                }
                Event::StatusChanged { call, status, .. } if call == id => {
                    run.statuses.push(status.to_string())
                }
                Event::InputRequested { input, method, .. } => {
                    assert_eq!(method, "elicitation/create");
                    run.inputs += 1;
                    let answer = args(json!({"action": "accept", "content": {"confirm": true}}))
                        .unwrap_or_default();
                    driver
                        .engine()
                        .answer_input(Driver::now(), input, answer)
                        .expect("answer accepted");
                }
                Event::Outcome { call, outcome } if call == id => return outcome,
                _ => {}
            }
        }
    })
    .await
    .expect("the call ended within the limit");
    run.outcome = outcome;
    run
}

/// Drives until one-off request `op` is answered; panics on its failure.
async fn answer(driver: &mut Driver, op: OpId) -> Event {
    tokio::time::timeout(CHECK_LIMIT, async {
        loop {
            match driver.next_event().await.expect("an answer") {
                Event::OpFailed { op: o, error } if o == op => panic!("{op} failed: {error}"),
                event @ (Event::TasksListed { op: o, .. } | Event::TaskFetched { op: o, .. })
                    if o == op =>
                {
                    return event;
                }
                _ => {}
            }
        }
    })
    .await
    .expect("answered in time")
}

fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ")
}

fn completed_text(run: &Run) -> String {
    match &run.outcome {
        CallOutcome::Completed(result) => text(result),
        other => panic!("expected a completed call, got {other:?}"),
    }
}

/// The 2025-11-25 script: create + poll, input, failed, cancel, list, plain.
async fn legacy_script(url: &str, protocol: Protocol) {
    let mut driver = engine(url, protocol);

    let run = call(
        &mut driver,
        ToolCall::new("slow_compute", args(json!({"seconds": 1, "steps": 2}))),
        Steer::Confirm,
    )
    .await;
    assert_eq!(run.generation, Some(Generation::Legacy));
    assert!(
        completed_text(&run).contains("computed"),
        "slow_compute result: {}",
        completed_text(&run)
    );
    assert!(run.task_id.is_some(), "slow_compute ran as a task");
    let created = run.task_id.clone();

    let run = call(
        &mut driver,
        ToolCall::new("confirm_delete", args(json!({"filename": "a.txt"}))),
        Steer::Confirm,
    )
    .await;
    assert_eq!(run.inputs, 1, "one elicitation");
    assert!(
        completed_text(&run).contains("deleted"),
        "confirm_delete result: {}",
        completed_text(&run)
    );

    let run = call(&mut driver, ToolCall::new("failing_job", None), Steer::Confirm).await;
    match &run.outcome {
        CallOutcome::Failed(Failure::Tool(result)) => assert!(result.is_error()),
        CallOutcome::Failed(Failure::Rpc(error)) => assert!(!error.message.is_empty()),
        other => panic!("failing_job: expected a failure, got {other:?}"),
    }

    let run = call(
        &mut driver,
        ToolCall::new("slow_compute", args(json!({"seconds": 20}))),
        Steer::Cancel,
    )
    .await;
    assert!(matches!(run.outcome, CallOutcome::Cancelled { .. }), "cancel: got {:?}", run.outcome);

    let op = driver.engine().list_tasks(Driver::now(), None).expect("list accepted");
    let Event::TasksListed { tasks: listed, .. } = answer(&mut driver, op).await else {
        unreachable!("answer returns the op's answer")
    };
    let created = created.expect("a task id");
    assert!(listed.iter().any(|t| t.task_id == created), "tasks/list names {created:?}");

    let run = call(
        &mut driver,
        ToolCall::new("greet", args(json!({"name": "Ada"}))).mode(TaskMode::Plain),
        Steer::Confirm,
    )
    .await;
    assert!(completed_text(&run).contains("Ada"));
    assert!(run.task_id.is_none(), "greet stays plain");
}

/// The extension script: create + poll with inline result, inputRequests + tasks/update,
/// tool error, protocol error, ack cancel, plain.
async fn extension_script(url: &str, protocol: Protocol) {
    let mut driver = engine(url, protocol);

    let run = call(
        &mut driver,
        ToolCall::new("slow_compute", args(json!({"seconds": 1, "steps": 2}))),
        Steer::Confirm,
    )
    .await;
    assert_eq!(run.generation, Some(Generation::Extension));
    assert!(
        completed_text(&run).contains("comput"),
        "slow_compute result: {}",
        completed_text(&run)
    );
    assert!(run.task_id.is_some(), "slow_compute ran as a task");

    let run = call(
        &mut driver,
        ToolCall::new("confirm_delete", args(json!({"filename": "a.txt"}))),
        Steer::Confirm,
    )
    .await;
    assert!(run.inputs >= 1, "the input request reached the host");
    assert!(
        completed_text(&run).contains("deleted"),
        "confirm_delete result: {}",
        completed_text(&run)
    );

    let run = call(&mut driver, ToolCall::new("failing_job", None), Steer::Confirm).await;
    assert!(
        matches!(&run.outcome, CallOutcome::Failed(Failure::Tool(r)) if r.is_error()),
        "failing_job: {:?}",
        run.outcome
    );

    let run = call(&mut driver, ToolCall::new("protocol_error_job", None), Steer::Confirm).await;
    assert!(
        matches!(&run.outcome, CallOutcome::Failed(Failure::Rpc(_))),
        "protocol_error_job: {:?}",
        run.outcome
    );

    let run = call(
        &mut driver,
        ToolCall::new("slow_compute", args(json!({"seconds": 20}))),
        Steer::Cancel,
    )
    .await;
    assert!(matches!(run.outcome, CallOutcome::Cancelled { .. }), "cancel: got {:?}", run.outcome);

    let run = call(
        &mut driver,
        ToolCall::new("greet", args(json!({"name": "Ada"}))).mode(TaskMode::Plain),
        Steer::Confirm,
    )
    .await;
    assert!(completed_text(&run).contains("Ada"));
}

#[tokio::test]
#[ignore = "needs the TypeScript SDK server; run by scripts/peers.sh --native"]
async fn typescript_sdk_server() {
    legacy_script(&url("MCP_TASKS_PEER_TS"), Protocol::Auto).await;
}

#[tokio::test]
#[ignore = "needs the Python SDK server; run by scripts/peers.sh --native"]
async fn python_sdk_server() {
    legacy_script(&url("MCP_TASKS_PEER_PY"), Protocol::Auto).await;
}

#[tokio::test]
#[ignore = "needs the rmcp server; run by scripts/peers.sh --native"]
async fn rmcp_server() {
    extension_script(&url("MCP_TASKS_PEER_RMCP"), Protocol::Auto).await;
}

#[tokio::test]
#[ignore = "needs mcp-tasks serve; run by scripts/peers.sh --native"]
async fn reference_server_2025_11_25() {
    legacy_script(&url("MCP_TASKS_PEER_OURS"), Protocol::Legacy).await;
}

#[tokio::test]
#[ignore = "needs mcp-tasks serve; run by scripts/peers.sh --native"]
async fn reference_server_extension() {
    extension_script(&url("MCP_TASKS_PEER_OURS"), Protocol::Auto).await;
}

/// One task of duration D on the reference server, followed with the notification streams
/// off (pure polling) or on; prints the requests sent beside ⌈D/P⌉ + 2 and the delay from
/// the task's completion (its `lastUpdatedAt`) to the outcome reaching the host.
async fn schedule_figures(
    url: &str,
    protocol: Protocol,
    streams: bool,
    duration_ms: u64,
) -> (u64, u64, u64) {
    let mut config = Config::new(url);
    config.protocol = protocol;
    config.standalone_stream = streams;
    config.listen = streams;
    let mut driver = Driver::new(Engine::new(config));
    driver.engine().connect(Driver::now());
    let connected =
        tokio::time::timeout(CHECK_LIMIT, driver.next_event()).await.expect("connected in time");
    assert!(matches!(connected, Some(Event::Connected(_))), "first event: {connected:?}");
    if streams {
        // Not counted: a task whose status the server pushes, so that its pushes have
        // proved to arrive before the measured one.
        let warm = ToolCall::new("slow_compute", args(json!({"seconds": 0.2, "steps": 1})));
        completed_text(&call(&mut driver, warm, Steer::Confirm).await);
    }
    let before = driver.requests_sent();
    let run = call(
        &mut driver,
        ToolCall::new(
            "slow_compute",
            args(json!({"seconds": duration_ms as f64 / 1000.0, "steps": 1})),
        ),
        Steer::Confirm,
    )
    .await;
    let done_at = Driver::now();
    let requests = driver.requests_sent() - before;
    completed_text(&run);
    let task_id = run.task_id.expect("a task");
    let op = driver.engine().get_task(Driver::now(), task_id).expect("get accepted");
    let Event::TaskFetched { view, .. } = answer(&mut driver, op).await else {
        unreachable!("answer returns the op's answer")
    };
    let poll_ms = view.task.poll_interval_ms.unwrap_or(1000);
    let delay = done_at.0.saturating_sub(view.task.last_updated_at.millis().0);
    (requests, poll_ms, delay)
}

#[tokio::test]
#[ignore = "needs mcp-tasks serve; run by scripts/peers.sh --native"]
async fn reference_server_poll_schedule() {
    let url = url("MCP_TASKS_PEER_OURS");
    // Not a whole number of poll intervals, so that completion falls between two polls.
    let duration_ms = 2500;
    for (name, protocol) in [("2025-11-25", Protocol::Legacy), ("2026-07-28", Protocol::Extension)]
    {
        for streams in [false, true] {
            let (requests, poll_ms, delay) =
                schedule_figures(&url, protocol, streams, duration_ms).await;
            let bound = duration_ms.div_ceil(poll_ms) + 2;
            // With pushes proved to arrive, polls relax to 10·P.
            let target = 3 + duration_ms.div_ceil(10 * poll_ms);
            println!(
                "figure: {name} {}: D={duration_ms}ms P={poll_ms}ms requests={requests} bound(ceil(D/P)+2)={bound} target-with-pushes(3+ceil(D/10P))={target} completion-to-result={delay}ms",
                if streams {
                    "with notification streams, server pushed before"
                } else {
                    "polling only"
                }
            );
            // The bound is the claim; a little slack absorbs the scheduler's jitter at the edges.
            let claim = if streams { target } else { bound };
            assert!(
                requests <= claim + 2,
                "{requests} requests for D={duration_ms}ms P={poll_ms}ms"
            );
        }
    }
}
