//! A tool that panics fails its own call and nothing else, in both generations: a task
//! ends `failed` with -32603, a plain call is answered -32603, neither names the panic or
//! where it happened, and other tasks and new calls go on. A server that stops answers a
//! held `tasks/result` and a running plain call with an error instead of cutting them.
#![cfg(feature = "server")]

mod support;

use std::sync::Arc;

use mcp_tasks::server::{
    BeforeTask, CallToolResult, Config, Server, ServerHandle, TaskSupport, Tool, ToolContext,
    ToolError, ToolResult, ToolSpec, tool_fn,
};
use serde_json::{Map, Value, json};
use support::{Legacy, WAIT, ext, response_of, text};
use tokio::sync::{Notify, Semaphore};

/// What a panic says; a peer must never see it.
const SECRET: &str = "secret: /etc/keys at row 7";

/// Panics in its run, or in its decision before the task when `early` is true.
struct Explode;

impl Tool for Explode {
    fn spec(&self) -> ToolSpec {
        ToolSpec::new("explode", "Panics.").task_support(TaskSupport::Optional)
    }

    fn before_task(&self, args: Map<String, Value>, _: Option<&Map<String, Value>>) -> BeforeTask {
        if args.get("early").and_then(Value::as_bool) == Some(true) {
            panic!("{SECRET}");
        }
        BeforeTask::Ready(args)
    }

    async fn run(&self, _: Map<String, Value>, _: ToolContext) -> ToolResult {
        panic!("{SECRET}");
    }
}

/// A server with `explode`, and `gate`, which adds a permit to `started` when it starts
/// and ends with "opened" once `gate` is notified.
async fn start_gated(gate: Arc<Notify>, started: Arc<Semaphore>) -> ServerHandle {
    let spec = ToolSpec::new("gate", "Waits for the test.").task_support(TaskSupport::Optional);
    let gated = tool_fn(spec, move |_, _| {
        let (gate, started) = (gate.clone(), started.clone());
        async move {
            started.add_permits(1);
            gate.notified().await;
            Ok(CallToolResult::text("opened"))
        }
    });
    let patient = tool_fn(
        ToolSpec::new("patient", "Waits to be cancelled.").task_support(TaskSupport::Optional),
        |_, mut ctx: ToolContext| async move {
            ctx.cancelled().await;
            Err(ToolError::Cancelled)
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::new(Config::default()).tool(Explode).unwrap();
    let server = server.tool(gated).unwrap().tool(patient).unwrap();
    server.serve(listener).unwrap()
}

async fn start(gate: Arc<Notify>) -> ServerHandle {
    start_gated(gate, Arc::new(Semaphore::new(0))).await
}

/// Checks a JSON-RPC error for -32603 that says nothing of the panic.
fn internal_and_quiet(error: &Value) {
    assert_eq!(error["code"], -32603, "{error}");
    let message = error["message"].as_str().expect("a message");
    assert!(!message.contains("secret") && !message.contains(".rs"), "{message}");
    assert!(error.get("data").is_none(), "{error}");
}

#[tokio::test]
async fn legacy_a_panicking_tool_fails_its_task_and_its_plain_call_only() {
    let gate = Arc::new(Notify::new());
    let server = start(gate.clone()).await;
    let c = Legacy::connect(server.local_addr()).await;
    let waiting = c.start_task("gate", json!({})).await;

    let task = c.start_task("explode", json!({})).await;
    // The task fails at once, maybe before `tasks/result` comes: then it is answered whole.
    let res = c
        .post(&json!({"jsonrpc": "2.0", "id": 9, "method": "tasks/result",
        "params": {"taskId": task}}))
        .await;
    let done = if res.header("content-type") == Some("text/event-stream") {
        response_of(&mut res.sse()).await.0
    } else {
        res.json().await
    };
    internal_and_quiet(&done["error"]);
    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "failed", "{got}");

    let plain = c.call("tools/call", json!({"name": "explode", "arguments": {}})).await;
    internal_and_quiet(&plain["error"]);

    // The task that was running meanwhile still runs to its end, and new calls are served.
    let mut held = c.result_stream(&waiting).await;
    gate.notify_one();
    let (opened, _) = response_of(&mut held).await;
    assert_eq!(text(&opened["result"]), "opened", "{opened}");
    let listed = c.call("tools/list", json!({})).await;
    assert_eq!(listed["result"]["tools"].as_array().map(Vec::len), Some(3), "{listed}");
    gate.notify_one();
    assert_eq!(text(&c.tool("gate", json!({})).await), "opened");
    server.shutdown().await;
}

/// Polls `tasks/get` until `task` is terminal, yielding between polls (no timer).
async fn terminal(addr: std::net::SocketAddr, task: &str) -> Value {
    let polls = async {
        loop {
            let got = ext(addr, "tasks/get", Some(task), json!({"taskId": task}), true).await;
            let got = got.json().await;
            if !matches!(got["result"]["status"].as_str(), Some("working" | "input_required")) {
                return got["result"].clone();
            }
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(WAIT, polls).await.expect("the task never ended")
}

/// A 2026-07-28 `tools/call` of `name`; `declare` lists the tasks extension.
async fn call(addr: std::net::SocketAddr, name: &str, args: Value, declare: bool) -> Value {
    let params = json!({"name": name, "arguments": args});
    ext(addr, "tools/call", Some(name), params, declare).await.json().await
}

#[tokio::test]
async fn extension_a_panicking_tool_fails_its_task_its_decision_and_its_plain_call_only() {
    let gate = Arc::new(Notify::new());
    let server = start(gate.clone()).await;
    let addr = server.local_addr();
    let created = call(addr, "gate", json!({}), true).await;
    let waiting = created["result"]["taskId"].as_str().expect("a task").to_owned();

    let created = call(addr, "explode", json!({}), true).await;
    let task = created["result"]["taskId"].as_str().expect("a task").to_owned();
    let ended = terminal(addr, &task).await;
    assert_eq!(ended["status"], "failed", "{ended}");
    internal_and_quiet(&ended["error"]);

    let early = call(addr, "explode", json!({"early": true}), true).await;
    internal_and_quiet(&early["error"]);
    let plain = call(addr, "explode", json!({}), false).await;
    internal_and_quiet(&plain["error"]);

    gate.notify_one();
    let opened = terminal(addr, &waiting).await;
    assert_eq!(opened["status"], "completed", "{opened}");
    assert_eq!(text(&opened["result"]), "opened", "{opened}");
    gate.notify_one();
    let again = call(addr, "gate", json!({}), false).await;
    assert_eq!(text(&again["result"]), "opened", "{again}");
    server.shutdown().await;
}

#[tokio::test]
async fn held_results_and_running_calls_are_answered_with_an_error_when_the_server_stops() {
    let started = Arc::new(Semaphore::new(0));
    let server = start_gated(Arc::new(Notify::new()), started.clone()).await;
    let addr = server.local_addr();
    let c = Legacy::connect(addr).await;
    let task = c.start_task("patient", json!({})).await;
    let mut held = c.result_stream(&task).await;
    // A plain call in each generation, running when the server stops.
    let legacy_call = {
        let c = Legacy { addr, session: c.session.clone() };
        tokio::spawn(async move { c.call("tools/call", json!({"name": "gate"})).await })
    };
    let ext_call = tokio::spawn(call(addr, "gate", json!({}), false));
    let both = tokio::time::timeout(WAIT, started.acquire_many(2)).await;
    both.expect("both calls run").unwrap().forget();

    let stopping = tokio::spawn(server.shutdown());
    let stopped = json!({"code": -32603, "message": "server shutting down"});
    let (answer, _) = response_of(&mut held).await;
    assert_eq!(answer, json!({"jsonrpc": "2.0", "id": 9, "error": stopped}));
    assert_eq!(held.next().await, None, "the stream ends after the answer");
    let legacy = legacy_call.await.unwrap();
    assert_eq!(legacy["error"], stopped, "{legacy}");
    let ext = ext_call.await.unwrap();
    assert_eq!(ext["error"], stopped, "{ext}");
    stopping.await.unwrap();
}
