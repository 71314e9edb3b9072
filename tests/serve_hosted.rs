//! `mcp-tasks serve` asking its questions as tasks the client hosts, against our own
//! native client: the demo tool `deploy_release` asks for approval, the client (which
//! declares `tasks.requests.elicitation.create`) answers at once with a task of its own,
//! the person answers later than one poll interval, and the server polls the client's task
//! and fetches that answer for the tool. A client that does not host tasks is asked
//! plainly, as before.
//!
//! Real HTTP on loopback and real time (the delays are a few hundred milliseconds).
#![cfg(all(feature = "native", feature = "server"))]

mod support;

use std::time::Duration;

use mcp_tasks::client::{CallOutcome, Config, Engine, Event, InputId, InputSupport, Protocol};
use mcp_tasks::client::{ToolCall, WithdrawReason};
use mcp_tasks::native::Driver;
use mcp_tasks::server::ServerHandle;
use mcp_tasks::store::StoreConfig;
use serde_json::{Map, Value, json};
use support::start_quick;

/// Every call gives up after this, so a stalled exchange fails instead of hanging.
const CHECK_LIMIT: Duration = Duration::from_secs(30);
/// The client's poll interval for the tasks it hosts.
const POLL_MS: u64 = 100;
/// How long the "person" takes to answer: several poll intervals.
const THINKING: Duration = Duration::from_millis(450);

fn url(server: &ServerHandle) -> String {
    format!("http://{}/mcp", server.local_addr())
}

fn client(url: &str, hosting: bool) -> Driver {
    let mut config = Config::new(url);
    config.protocol = Protocol::Legacy;
    config.inputs = InputSupport { elicitation: true, ..InputSupport::default() };
    if !hosting {
        return Driver::new(Engine::new(config));
    }
    let limits = StoreConfig { poll_interval_ms: Some(POLL_MS), ..StoreConfig::default() };
    Driver::new(Engine::with_hosted_tasks(config, limits))
}

/// What a call went through.
#[derive(Debug, Default)]
struct Seen {
    /// The questions' messages, in order.
    asked: Vec<String>,
    /// The ids of the tasks the client hosted for them.
    hosted: Vec<String>,
    withdrawn: Vec<WithdrawReason>,
    text: String,
}

/// Calls `tool`, answering each question with `answer` `THINKING` after it came while the
/// engine goes on working (the server polls meanwhile).
async fn call(driver: &mut Driver, tool: &str, answer: Value) -> Seen {
    let args = Map::new();
    let id = driver.engine().call_tool(Driver::now(), ToolCall::new(tool, Some(args))).unwrap();
    let mut seen = Seen::default();
    let mut due: Vec<(tokio::time::Instant, InputId)> = Vec::new();
    let outcome = tokio::time::timeout(CHECK_LIMIT, async {
        loop {
            let next = due.iter().map(|(at, _)| *at).min();
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
                        due.drain(..).partition(|(at, _)| *at <= now);
                    due = later;
                    for (_, input) in ready {
                        let response = answer.as_object().cloned().unwrap_or_default();
                        driver.engine().answer_input(Driver::now(), input, response).unwrap();
                    }
                    continue;
                }
            };
            match event {
                Event::TaskHosted { task, .. } => seen.hosted.push(task.task_id.to_string()),
                Event::InputRequested { input, params, .. } => {
                    let message = params.get("message").and_then(Value::as_str);
                    seen.asked.push(message.unwrap_or_default().to_owned());
                    due.push((tokio::time::Instant::now() + THINKING, input));
                }
                Event::InputWithdrawn { reason, .. } => seen.withdrawn.push(reason),
                Event::Outcome { call, outcome } if call == id => return outcome,
                _ => {}
            }
        }
    })
    .await
    .expect("the call ended within the limit");
    let CallOutcome::Completed(result) = outcome else {
        panic!("{tool}: expected a completed call, got {outcome:?}");
    };
    let texts = result.content.iter().filter_map(|c| c.get("text").and_then(Value::as_str));
    seen.text = texts.collect::<Vec<_>>().join(" ");
    seen
}

fn approve(yes: bool) -> Value {
    json!({"action": "accept", "content": {"approve": yes}})
}

#[tokio::test]
async fn a_hosting_client_answers_deploy_release_later_through_its_own_task() {
    let server = start_quick(false).await;
    let mut driver = client(&url(&server), true);
    let seen = call(&mut driver, "deploy_release", approve(true)).await;
    assert_eq!(seen.asked.len(), 1);
    assert!(seen.asked[0].starts_with("Deploy checkout 2.4.0 to production?"), "{seen:?}");
    assert_eq!(seen.hosted.len(), 1, "the question came as a task to host: {seen:?}");
    assert!(seen.withdrawn.is_empty(), "{seen:?}");
    assert_eq!(seen.text, "Deployed checkout 2.4.0 to production: 3 of 3 instances healthy.");

    // A refusal, answered as late, stops the deployment.
    let seen = call(&mut driver, "deploy_release", approve(false)).await;
    assert_eq!(seen.hosted.len(), 1);
    assert_eq!(
        seen.text,
        "Deployment of checkout 2.4.0 to production was not approved. Nothing changed."
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_that_hosts_no_tasks_is_asked_plainly() {
    let server = start_quick(false).await;
    let mut driver = client(&url(&server), false);
    let seen = call(&mut driver, "deploy_release", approve(true)).await;
    assert_eq!(seen.asked.len(), 1);
    assert!(seen.hosted.is_empty(), "{seen:?}");
    assert_eq!(seen.text, "Deployed checkout 2.4.0 to production: 3 of 3 instances healthy.");
    server.shutdown().await;
}

#[tokio::test]
async fn cancelling_the_call_cancels_the_task_the_client_hosts() {
    let server = start_quick(false).await;
    let mut driver = client(&url(&server), true);
    let call = ToolCall::new("deploy_release", Some(Map::new()));
    let id = driver.engine().call_tool(Driver::now(), call).unwrap();
    let mut outcome = None;
    let mut cancel_at = None;
    let withdrawn = tokio::time::timeout(CHECK_LIMIT, async {
        loop {
            let wait = async {
                match cancel_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            let ev = tokio::select! {
                ev = driver.next_event() => ev.expect("the engine stopped"),
                () = wait => {
                    cancel_at = None;
                    driver.engine().cancel(Driver::now(), id).unwrap();
                    continue;
                }
            };
            match ev {
                // The person has not answered yet when the call is cancelled; the server
                // has the client's task by then (it went out at once) and polls it.
                Event::TaskHosted { .. } => {
                    cancel_at = Some(tokio::time::Instant::now() + Duration::from_secs(1));
                }
                Event::InputWithdrawn { reason, .. } => return reason,
                Event::Outcome { call, outcome: o } if call == id => outcome = Some(o),
                _ => {}
            }
        }
    })
    .await
    .expect("the hosted question was withdrawn");
    assert_eq!(withdrawn, WithdrawReason::Cancelled, "the server sent tasks/cancel");
    let outcome = match outcome {
        Some(o) => o,
        None => loop {
            match driver.next_event().await.expect("the engine stopped") {
                Event::Outcome { call, outcome } if call == id => break outcome,
                _ => {}
            }
        },
    };
    assert!(matches!(outcome, CallOutcome::Cancelled { .. }), "{outcome:?}");
    server.shutdown().await;
}
