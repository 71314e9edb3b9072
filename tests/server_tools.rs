//! Tools registered through `mcp_tasks::server::Tool`, served over real HTTP: a user's tool
//! reports status and progress, elicits and samples from inside its task, fails with its
//! own JSON-RPC error and sees cancellation, in both generations; decides from its
//! arguments whether to ask before its task exists; registration refuses names twice.
#![cfg(feature = "server")]

mod support;

use std::io::ErrorKind;

use hyper::StatusCode;
use mcp_tasks::protocol::jsonrpc::{ErrorCode, ErrorObject};
use mcp_tasks::server::{
    BeforeTask, CallToolResult, Config, Elicitation, InputRequest, RegisterError, Server,
    ServerHandle, TaskSupport, Tool, ToolContext, ToolError, ToolResult, ToolSpec, tool_fn,
};
use serde_json::{Map, Value, json};
use support::{Legacy, Sse, ext, response_of, text};

/// Asks for a name (elicitation), then for a greeting (sampling), reporting each step.
struct Interview;

impl Tool for Interview {
    fn spec(&self) -> ToolSpec {
        ToolSpec::new("interview", "Asks a name, then a model.").task_support(TaskSupport::Required)
    }

    async fn run(&self, _: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        ctx.status("asking for a name");
        ctx.progress(1, Some(3), Some("asking for a name"));
        let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        let name = match ctx.elicit("Your name?", schema).await? {
            Elicitation::Accepted(content) => content["name"].as_str().unwrap_or("").to_owned(),
            other => return Ok(CallToolResult::error_text(format!("no name: {other:?}"))),
        };
        if name == "nobody" {
            let error = ErrorObject::new(ErrorCode(-32050), "nobody is not a name");
            return Err(ToolError::Rpc(error));
        }
        ctx.progress(2, Some(3), None);
        let mut params = Map::new();
        params.insert(
            "messages".into(),
            json!([{"role": "user",
            "content": {"type": "text", "text": format!("Greet {name}")}}]),
        );
        params.insert("maxTokens".into(), json!(20));
        let sampled = ctx.create_message(params).await?;
        let greeting = sampled["content"]["text"].as_str().unwrap_or("").to_owned();
        ctx.progress(3, Some(3), Some("done"));
        Ok(CallToolResult::text(format!("{name}: {greeting}")))
    }
}

/// Waits for its task to be cancelled, without a timer: a tool made of a function.
fn patient() -> impl Tool {
    let spec = ToolSpec::new("patient", "Waits to be cancelled.");
    tool_fn(spec.task_support(TaskSupport::Optional), |_, mut ctx: ToolContext| async move {
        ctx.cancelled().await;
        assert!(ctx.is_cancelled());
        Err(ToolError::Cancelled)
    })
}

async fn start() -> ServerHandle {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::new(Config::default()).tool(Interview).unwrap().tool(patient()).unwrap();
    server.serve(listener).unwrap()
}

#[tokio::test]
async fn only_the_registered_tools_are_listed_and_names_are_refused_twice() {
    let server = start().await;
    let c = Legacy::connect(server.local_addr()).await;
    let tools = c.call("tools/list", json!({})).await["result"]["tools"].clone();
    let listed: Vec<(&str, &str)> = tools
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap(), t["execution"]["taskSupport"].as_str().unwrap()))
        .collect();
    assert_eq!(listed, [("interview", "required"), ("patient", "optional")]);
    // The 2026-07-28 list is the same registry, without `execution`.
    let ext_list = ext(server.local_addr(), "tools/list", None, json!({}), true).await.json().await;
    let ext_tools = ext_list["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = ext_tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["interview", "patient"], "{ext_list}");
    assert!(ext_tools.iter().all(|t| t.get("execution").is_none()), "{ext_list}");
    let unknown = c.call("tools/call", json!({"name": "greet"})).await;
    assert_eq!(unknown["error"]["code"], -32602, "{unknown}");
    server.shutdown().await;

    let twice = Server::new(Config::default()).tool(patient()).unwrap().tool(patient());
    assert_eq!(twice.unwrap_err(), RegisterError::Duplicate { name: "patient".into() });
    let extra = Server::reference(Config::default()).tool(Interview).unwrap();
    let taken = extra.tool(Interview).map(|_| ()).unwrap_err();
    assert_eq!(taken.code(), "tool_name_taken");

    // In task-tools mode the control tools join at serve time; a tool of theirs clashes.
    struct Clash;
    impl Tool for Clash {
        fn spec(&self) -> ToolSpec {
            ToolSpec::new("get_task_status", "mine")
        }
        async fn run(&self, _: Map<String, Value>, _: ToolContext) -> ToolResult {
            Ok(CallToolResult::text("mine"))
        }
    }
    let config = Config { task_tools: true, ..Config::default() };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let refused = Server::new(config).tool(Clash).unwrap().serve(listener);
    assert_eq!(refused.unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn legacy_a_tool_elicits_samples_and_reports_progress_from_its_task() {
    let server = start().await;
    let caps = json!({"elicitation": {}, "sampling": {}});
    let c = Legacy::connect_with(server.local_addr(), caps).await;
    let body = c
        .call(
            "tools/call",
            json!({"name": "interview", "task": {"ttl": 60000}, "_meta": {"progressToken": "p"}}),
        )
        .await;
    let task = body["result"]["task"]["taskId"].as_str().unwrap().to_owned();
    let mut held = c.result_stream(&task).await;
    let mut seen = Vec::new();
    for (method, answer) in [
        ("elicitation/create", json!({"action": "accept", "content": {"name": "Ada"}})),
        (
            "sampling/createMessage",
            json!({"role": "assistant", "content": {"type": "text", "text": "Hi Ada"},
                "model": "test"}),
        ),
    ] {
        let ask = loop {
            let msg = held.next().await.expect("an input request");
            if msg.get("id").is_some() {
                break msg;
            }
            seen.push(msg);
        };
        assert_eq!(ask["method"], method, "{ask}");
        assert_eq!(ask["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], task);
        let reply = json!({"jsonrpc": "2.0", "id": ask["id"], "result": answer});
        assert_eq!(c.post(&reply).await.status, StatusCode::ACCEPTED);
    }
    let (done, before) = response_of(&mut held).await;
    assert_eq!(done["result"]["content"][0]["text"], "Ada: Hi Ada", "{done}");
    let progress: Vec<(u64, Option<&str>)> = seen
        .iter()
        .chain(&before)
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| (m["params"]["progress"].as_u64().unwrap(), m["params"]["message"].as_str()))
        .collect();
    // The first step may have gone to the GET stream, which this client never opened.
    assert!(progress.ends_with(&[(2, None), (3, Some("done"))]), "{progress:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn legacy_a_tool_error_fails_the_task_and_cancel_reaches_the_tool() {
    let server = start().await;
    let c = Legacy::connect_with(server.local_addr(), json!({"elicitation": {}})).await;
    let task = c.start_task("interview", json!({})).await;
    let mut held = c.result_stream(&task).await;
    let ask = held.next().await.unwrap();
    let reply = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"name": "nobody"}}});
    assert_eq!(c.post(&reply).await.status, StatusCode::ACCEPTED);
    let (done, _) = response_of(&mut held).await;
    assert_eq!(done["error"], json!({"code": -32050, "message": "nobody is not a name"}));
    let got = c.call("tasks/get", json!({"taskId": task})).await;
    assert_eq!(got["result"]["status"], "failed");

    let patient = c.start_task("patient", json!({})).await;
    let cancelled = c.call("tasks/cancel", json!({"taskId": patient})).await;
    assert_eq!(cancelled["result"]["status"], "cancelled", "{cancelled}");
    server.shutdown().await;
}

/// A 2026-07-28 `subscriptions/listen` on `task`, past its acknowledgement.
async fn listen(addr: std::net::SocketAddr, task: &str) -> Sse {
    let params = json!({"notifications": {"taskIds": [task]}});
    let res = ext(addr, "subscriptions/listen", None, params, true).await;
    assert_eq!(res.status, StatusCode::OK);
    let mut stream = res.sse();
    let ack = stream.next().await.unwrap();
    assert_eq!(ack["method"], "notifications/subscriptions/acknowledged", "{ack}");
    stream
}

/// Creates a task of `tool` for a caller that declares the extension.
async fn create(addr: std::net::SocketAddr, tool: &str) -> String {
    let created = ext(addr, "tools/call", Some(tool), json!({"name": tool}), true).await;
    let created = created.json().await;
    created["result"]["taskId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn extension_a_tool_asks_through_input_requests_and_stops_when_cancelled() {
    let server = start().await;
    let addr = server.local_addr();
    let task = create(addr, "interview").await;
    let mut stream = listen(addr, &task).await;
    // Popped from the end: the question asked first is answered by the last entry.
    let mut answers = vec![
        (
            "sampling/createMessage",
            json!({"role": "assistant", "content": {"type": "text", "text": "Hello Grace"},
                "model": "test"}),
        ),
        ("elicitation/create", json!({"action": "accept", "content": {"name": "Grace"}})),
    ];
    let mut asked = Vec::new();
    let last = loop {
        let msg = stream.next().await.expect("a task notification");
        let params = &msg["params"];
        if params["status"] != "input_required" {
            if params["status"] == "completed" {
                break params.clone();
            }
            continue;
        }
        let requests = params["inputRequests"].as_object().unwrap();
        for (key, request) in requests {
            if asked.contains(key) {
                continue;
            }
            asked.push(key.clone());
            let (method, answer) = answers.pop().expect("no more questions than two");
            assert_eq!(request["method"], method, "{request}");
            let update = json!({"taskId": task, "inputResponses": {key.as_str(): answer}});
            assert_eq!(ext(addr, "tasks/update", Some(&task), update, true).await.status, 200);
        }
    };
    assert!(answers.is_empty(), "both questions asked");
    assert_eq!(text(&last["result"]), "Grace: Hello Grace", "{last}");
    assert_eq!(last["statusMessage"], "asking for a name");

    let patient = create(addr, "patient").await;
    let mut stream = listen(addr, &patient).await;
    let ack = ext(addr, "tasks/cancel", Some(&patient), json!({"taskId": patient}), true).await;
    assert_eq!(ack.status, StatusCode::OK);
    // Cooperative: the task ends only when the tool, woken by the cancel, gives up.
    let ended = loop {
        let msg = stream.next().await.expect("a task notification");
        if msg["params"]["status"] != "working" {
            break msg["params"].clone();
        }
    };
    assert_eq!(ended["status"], "cancelled", "{ended}");
    server.shutdown().await;
}

/// Asks before its task exists only when its arguments say `risky`, until a round brings
/// the answer; its run says what it was given.
struct Guarded;

impl Tool for Guarded {
    fn spec(&self) -> ToolSpec {
        ToolSpec::new("guarded", "Asks first when risky.").task_support(TaskSupport::Optional)
    }

    fn before_task(
        &self,
        mut args: Map<String, Value>,
        responses: Option<&Map<String, Value>>,
    ) -> BeforeTask {
        let risky = args.get("risky").and_then(Value::as_bool).unwrap_or(false);
        match responses.and_then(|r| r.get("sure")) {
            Some(answer) => {
                args.insert("sure".into(), answer["action"].clone());
                BeforeTask::Ready(args)
            }
            None if risky => {
                let params = json!({"mode": "form", "message": "Sure?",
                    "requestedSchema": {"type": "object", "properties": {}}});
                let ask = InputRequest {
                    method: "elicitation/create".into(),
                    params: params.as_object().cloned().unwrap_or_default(),
                };
                BeforeTask::Ask([("sure".to_owned(), ask)].into_iter().collect())
            }
            None => BeforeTask::Ready(args),
        }
    }

    async fn run(&self, args: Map<String, Value>, ctx: ToolContext) -> ToolResult {
        let sure = args.get("sure").and_then(Value::as_str).unwrap_or("unasked");
        ctx.status(&format!("sure: {sure}"));
        Ok(CallToolResult::text(sure))
    }
}

/// The status message task `task` ended with.
async fn ended_with(addr: std::net::SocketAddr, task: &str) -> Value {
    loop {
        let got = ext(addr, "tasks/get", Some(task), json!({"taskId": task}), true).await;
        let got = got.json().await;
        if got["result"]["status"] != "working" {
            return got["result"]["statusMessage"].clone();
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn extension_a_tool_decides_from_its_arguments_whether_to_ask_before_its_task() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::new(Config::default()).tool(Guarded).unwrap().serve(listener).unwrap();
    let addr = server.local_addr();
    let call = |params: Value| ext(addr, "tools/call", Some("guarded"), params, true);

    let safe = call(json!({"name": "guarded", "arguments": {"risky": false}})).await.json().await;
    let task = safe["result"]["taskId"].as_str().expect("a task at once").to_owned();
    assert_eq!(ended_with(addr, &task).await, "sure: unasked");

    let risky = json!({"name": "guarded", "arguments": {"risky": true}});
    let asked = call(risky.clone()).await.json().await;
    assert_eq!(asked["result"]["resultType"], "input_required", "{asked}");
    assert_eq!(asked["result"]["inputRequests"]["sure"]["method"], "elicitation/create");

    let mut answered = risky;
    answered["inputResponses"] = json!({"sure": {"action": "accept", "content": {}}});
    let started = call(answered).await.json().await;
    let task = started["result"]["taskId"].as_str().expect("a task on the second round");
    assert_eq!(ended_with(addr, task).await, "sure: accept");
    server.shutdown().await;
}
