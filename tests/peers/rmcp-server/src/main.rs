//! Peer server built on rmcp 3.9.0, the official Rust SDK, whose tasks support is the
//! `io.modelcontextprotocol/tasks` extension (protocol 2026-07-28) only. It exists so our
//! requestor engine can be proven against a server we did not write.
//!
//!   mcp-tasks-rmcp-peer --listen 127.0.0.1:PORT [--json-response] [--poll-interval-ms N] [--ttl-ms N]
//!
//! Prints `listening on http://ADDR/mcp` once it accepts connections (PORT 0 picks a free
//! port). The tools follow tests/peers/ts-server.mjs and py-server.py where the extension
//! allows, and src/server/tools.rs for the two it adds:
//!   slow_compute       {seconds?, steps?, label?}  a task when the client declared the extension, else a plain call
//!   confirm_delete     {filename?}                 task only; inputRequests elicitation {confirm: boolean}
//!   multi_input        {}                          task only; two elicitations outstanding at once
//!   failing_job        {}                          task only; completes with an isError result
//!   protocol_error_job {}                          task only; ends failed with an inline JSON-RPC error
//!   greet              {name}                      never a task
//! Every task stops with status cancelled once tasks/cancel arrives.

use std::{convert::Infallible, net::SocketAddr, sync::Arc, time::Duration};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use rmcp::{
    ErrorData as McpError, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams,
        ClientCapabilities, ContentBlock, CreateTaskResult, GetTaskParams, GetTaskResult,
        Implementation, InputRequest, JsonObject, ListToolsResult, PaginatedRequestParams,
        ServerCapabilities, ServerConfig, Tool, UpdateTaskParams,
    },
    service::{RequestContext, RoleServer},
    task_manager::{TaskContext, TaskExit, TaskManager, TaskOptions},
    transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    },
};
use serde_json::{Value, json};

/// The longest `slow_compute` run, so a typo cannot park a task for days.
const MAX_SECONDS: f64 = 3600.0;
const MAX_STEPS: u64 = 1000;

struct Options {
    listen: SocketAddr,
    json_response: bool,
    poll_interval_ms: u64,
    ttl_ms: u64,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        json_response: false,
        // rmcp's own default is 1000 ms; a short interval keeps the probe quick.
        poll_interval_ms: 100,
        ttl_ms: rmcp::task_manager::DEFAULT_TASK_TTL_MS,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--listen" => {
                let v = value("--listen")?;
                options.listen = v.parse().map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--json-response" => options.json_response = true,
            "--poll-interval-ms" => {
                let v = value("--poll-interval-ms")?;
                options.poll_interval_ms = v.parse().map_err(|e| format!("{v}: {e}"))?;
            }
            "--ttl-ms" => {
                let v = value("--ttl-ms")?;
                options.ttl_ms = v.parse().map_err(|e| format!("{v}: {e}"))?;
            }
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    Ok(options)
}

/// The handler. StreamableHttpService builds one per request (2026-07-28 is sessionless),
/// so the TaskManager must be shared through clones, or tasks/get would find nothing.
#[derive(Clone)]
struct Peer {
    tasks: TaskManager,
    poll_interval_ms: u64,
    ttl_ms: u64,
}

fn tool(name: &'static str, description: &'static str, properties: Value) -> Tool {
    let schema = json!({"type": "object", "properties": properties});
    let Value::Object(schema) = schema else { unreachable!("a json! object literal") };
    Tool::new(name, description, Arc::new(schema))
}

fn tools() -> Vec<Tool> {
    vec![
        tool(
            "slow_compute",
            "Sleeps `seconds` (default 1) in `steps` (default 1), reporting \"step i/n\" as \
             the status message, then returns a text result. A task when the client \
             declared the tasks extension.",
            json!({"seconds": {"type": "number", "minimum": 0},
                   "steps": {"type": "integer", "minimum": 1},
                   "label": {"type": "string"}}),
        ),
        tool(
            "confirm_delete",
            "Asks the client to confirm (elicitation, boolean `confirm`), then deletes the \
             file. Task only.",
            json!({"filename": {"type": "string"}}),
        ),
        tool("multi_input", "Asks two questions at once (name and colour). Task only.", json!({})),
        tool("failing_job", "Completes with an isError tool result. Task only.", json!({})),
        tool("protocol_error_job", "Ends failed with a JSON-RPC error. Task only.", json!({})),
        tool("greet", "Returns a greeting; never a task.", json!({"name": {"type": "string"}})),
    ]
}

fn text(t: impl Into<String>) -> Vec<ContentBlock> {
    vec![ContentBlock::text(t.into())]
}

fn number_arg(args: &JsonObject, name: &str, default: f64, max: f64) -> Result<f64, McpError> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v.as_f64().filter(|n| (0.0..=max).contains(n)).ok_or_else(|| {
            McpError::invalid_params(format!("{name} must be a number from 0 to {max}"), None)
        }),
    }
}

/// An `elicitation/create` for `inputRequests`, asking for one field.
fn elicit(message: String, field: &str, schema: Value) -> Result<InputRequest, TaskExit> {
    let request = json!({"method": "elicitation/create", "params": {
        "mode": "form", "message": message,
        "requestedSchema": {"type": "object", "properties": {field: schema}, "required": [field]}}});
    serde_json::from_value(request)
        .map_err(|e| McpError::internal_error(e.to_string(), None).into())
}

/// The accepted content of an elicitation answer, or `None` when declined or cancelled.
fn accepted(answer: &Value) -> Option<&JsonObject> {
    if answer.get("action").and_then(Value::as_str) != Some("accept") {
        return None;
    }
    answer.get("content").and_then(Value::as_object)
}

/// Runs `work` until it ends or tasks/cancel arrives. The SDK's cancel is cooperative
/// (it only records the request), so every operation races its work against it.
async fn or_cancelled(
    ctx: &TaskContext,
    work: impl Future<Output = Result<CallToolResult, TaskExit>>,
) -> Result<CallToolResult, TaskExit> {
    tokio::select! {
        () = ctx.cancelled() => Err(TaskExit::Cancelled),
        result = work => result,
    }
}

async fn slow_compute(
    ctx: Option<&TaskContext>,
    seconds: f64,
    steps: u64,
    label: Option<String>,
) -> CallToolResult {
    let step = Duration::from_secs_f64(seconds / steps as f64);
    for i in 1..=steps {
        if let Some(ctx) = ctx {
            ctx.set_status_message(format!("step {i}/{steps}"));
        }
        tokio::time::sleep(step).await;
    }
    let label = label.map(|l| format!(" ({l})")).unwrap_or_default();
    CallToolResult::success(text(format!("computed after {seconds}s in {steps} steps{label}")))
}

async fn confirm_delete(ctx: &TaskContext, filename: String) -> Result<CallToolResult, TaskExit> {
    ctx.set_status_message(format!("confirm deletion of {filename}"));
    let schema = json!({"type": "boolean", "description": "Confirm the deletion"});
    let ask = elicit(format!("Delete {filename}?"), "confirm", schema)?;
    let answer = ctx.request_input("confirm", ask).await?;
    ctx.set_status_message(format!("deleting {filename}"));
    let confirmed = accepted(&answer).and_then(|c| c.get("confirm")).and_then(Value::as_bool);
    Ok(CallToolResult::success(text(match confirmed {
        Some(true) => format!("deleted {filename}"),
        _ => format!("kept {filename} (not confirmed)"),
    })))
}

async fn multi_input(ctx: &TaskContext) -> Result<CallToolResult, TaskExit> {
    let name = elicit("What is your name?".into(), "name", json!({"type": "string"}))?;
    let colour =
        elicit("What is your favourite colour?".into(), "colour", json!({"type": "string"}))?;
    // Both awaited together, so both keys are outstanding in one inputRequests map.
    let (name, colour) =
        tokio::join!(ctx.request_input("name", name), ctx.request_input("colour", colour));
    let (name, colour) = (name?, colour?);
    let field = |v: &Value, f: &str| {
        accepted(v).and_then(|c| c.get(f)).and_then(Value::as_str).map(str::to_owned)
    };
    Ok(match (field(&name, "name"), field(&colour, "colour")) {
        (Some(name), Some(colour)) => {
            CallToolResult::success(text(format!("{name} likes {colour}")))
        }
        _ => CallToolResult::error(text("The user declined to answer")),
    })
}

impl Peer {
    fn spawn<F>(&self, work: impl FnOnce(TaskContext) -> F + Send + 'static) -> CallToolResponse
    where
        F: Future<Output = Result<CallToolResult, TaskExit>> + Send + 'static,
    {
        let options = TaskOptions::new()
            .with_ttl_ms(self.ttl_ms)
            .with_poll_interval_ms(self.poll_interval_ms);
        let task = self.tasks.spawn(options, move |ctx| {
            Box::pin(async move {
                let work = work(ctx.clone());
                or_cancelled(&ctx, work).await
            })
        });
        CallToolResponse::Task(CreateTaskResult::new(task))
    }
}

fn missing_tasks_capability() -> McpError {
    McpError::missing_required_client_capability(
        ClientCapabilities::builder().enable_tasks().build(),
    )
}

impl ServerHandler for Peer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_tasks().build())
            .with_server_info(Implementation::new("mcp-tasks-rmcp-reference", "1.0.0"))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        Ok(ListToolsResult::with_all_items(tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        // The extension leaves the choice to the server, per request: a task only for a
        // client whose request _meta declared io.modelcontextprotocol/tasks.
        let tasks_declared = context.client_capabilities().is_some_and(|c| c.supports_tasks());
        let args = request.arguments.unwrap_or_default();
        let name = request.name.as_ref();
        // Task-only tools refuse before spawning: the SDK would also turn a CreateTaskResult
        // for such a client into -32021, but only after the work had started.
        if !tasks_declared
            && matches!(
                name,
                "confirm_delete" | "multi_input" | "failing_job" | "protocol_error_job"
            )
        {
            return Err(missing_tasks_capability());
        }
        match name {
            "greet" => {
                let who = args.get("name").and_then(Value::as_str).unwrap_or("world");
                Ok(CallToolResult::success(text(format!("Hello, {who}!"))).into())
            }
            "slow_compute" => {
                let seconds = number_arg(&args, "seconds", 1.0, MAX_SECONDS)?;
                let steps = number_arg(&args, "steps", 1.0, MAX_STEPS as f64)?.max(1.0) as u64;
                let label = args.get("label").and_then(Value::as_str).map(str::to_owned);
                if !tasks_declared {
                    return Ok(slow_compute(None, seconds, steps, label).await.into());
                }
                Ok(self.spawn(move |ctx| async move {
                    Ok(slow_compute(Some(&ctx), seconds, steps, label).await)
                }))
            }
            "confirm_delete" => {
                let filename = args
                    .get("filename")
                    .and_then(Value::as_str)
                    .unwrap_or("example.txt")
                    .to_owned();
                Ok(self.spawn(move |ctx| async move { confirm_delete(&ctx, filename).await }))
            }
            "multi_input" => Ok(self.spawn(|ctx| async move { multi_input(&ctx).await })),
            "failing_job" => Ok(self.spawn(|_ctx| async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                // The extension counts a tool error as a completed task (isError in result).
                Ok(CallToolResult::error(text("failing_job failed on purpose")))
            })),
            "protocol_error_job" => Ok(self.spawn(|_ctx| async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                // Only a JSON-RPC error ends an extension task failed, with `error` inline.
                Err(McpError::internal_error("protocol_error_job failed on purpose", None).into())
            })),
            _ => Err(McpError::invalid_params(format!("Unknown tool: {name}"), None)),
        }
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        Ok(GetTaskResult::new(self.tasks.get_task(&request.task_id)?))
    }

    async fn update_task(
        &self,
        request: UpdateTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks.update_task(&request.task_id, request.input_responses)
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        self.tasks.cancel_task(&request.task_id)
    }
}

async fn serve(options: Options) -> std::io::Result<()> {
    let peer = Peer {
        tasks: TaskManager::new(),
        poll_interval_ms: options.poll_interval_ms,
        ttl_ms: options.ttl_ms,
    };
    // Defaults otherwise (SSE responses, 15 s keep-alive, loopback-only Host check), so
    // the wire is what a plain rmcp server sends.
    let config = StreamableHttpServerConfig::default().with_json_response(options.json_response);
    let service = StreamableHttpService::new(
        move || Ok(peer.clone()),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    println!("listening on http://{}/mcp", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let service = service.clone();
        tokio::spawn(async move {
            let handler = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let service = service.clone();
                async move {
                    // The service owns the whole /mcp protocol; every other path is not ours.
                    if req.uri().path() != "/mcp" {
                        let empty = Empty::<Bytes>::new().boxed();
                        return Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .status(404)
                                .body(empty)
                                .expect("static response"),
                        );
                    }
                    Ok(service.handle(req).await)
                }
            });
            // A client that hangs up mid-stream is normal (closing the stream cancels).
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), handler).await;
        });
    }
}

fn main() {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("mcp-tasks-rmcp-peer: {message}");
            eprintln!(
                "usage: mcp-tasks-rmcp-peer --listen ADDR:PORT [--json-response] [--poll-interval-ms N] [--ttl-ms N]"
            );
            std::process::exit(2);
        }
    };
    // One thread: the fixture serves one test client, and the machines are small.
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    if let Err(err) = runtime.block_on(serve(options)) {
        eprintln!("mcp-tasks-rmcp-peer: {err}");
        std::process::exit(1);
    }
}
