//! The fixture tools the official conformance suite and the peer scripts call (their names
//! and behaviour are fixed), and the registry over them, the demo tools and the control tools.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::ctx::{Ctx, ToolError};
use super::{control, demo_tools};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::{TaskSupport, Tool, ToolExecution};
use crate::task::InputRequest;

/// The longest `slow_compute` run, in seconds.
const MAX_SECONDS: f64 = 600.0;
/// The most `slow_compute` steps.
const MAX_STEPS: u64 = 1000;

/// One tool as `tools/list` shows it.
pub(super) struct Def {
    pub name: &'static str,
    pub description: &'static str,
    pub support: TaskSupport,
    pub schema: fn() -> Value,
    /// The `outputSchema`, for tools whose results carry `structuredContent`.
    pub output: Option<fn() -> Value>,
}

const TOOLS: &[Def] = &[
    Def {
        name: "greet",
        description: "Says hello. Never runs as a task.",
        support: TaskSupport::Forbidden,
        schema: || object(json!({"name": {"type": "string"}}), &[]),
        output: None,
    },
    Def {
        name: "slow_compute",
        description: "Works for `seconds` (default 3) in `steps`, reporting each step.",
        support: TaskSupport::Optional,
        schema: || {
            object(
                json!({"seconds": {"type": "number", "minimum": 0},
                    "steps": {"type": "integer", "minimum": 1}}),
                &[],
            )
        },
        output: None,
    },
    Def {
        name: "confirm_delete",
        description: "Asks the user to confirm, then deletes or keeps `item`. Task only.",
        support: TaskSupport::Required,
        schema: || object(json!({"item": {"type": "string"}}), &[]),
        output: None,
    },
    Def {
        name: "failing_job",
        description: "Ends with an isError tool result after a short delay. Task only.",
        support: TaskSupport::Required,
        schema: || object(json!({}), &[]),
        output: None,
    },
    Def {
        name: "protocol_error_job",
        description: "Ends with a JSON-RPC error after a short delay.",
        support: TaskSupport::Optional,
        schema: || object(json!({}), &[]),
        output: None,
    },
    Def {
        name: "multi_input",
        description: "Asks two questions at once. Task only.",
        support: TaskSupport::Required,
        schema: || object(json!({}), &[]),
        output: None,
    },
    Def {
        name: MRTR_TOOL,
        description: "Asks for `user_name` before the task starts (2026-07-28 multi-round \
                      call), or from inside the task (2025-11-25), then greets. Task only.",
        support: TaskSupport::Required,
        schema: || object(json!({}), &[]),
        output: None,
    },
];

/// The tool that gathers input before it becomes a task.
pub(crate) const MRTR_TOOL: &str = "test_tool_with_task";

/// The key of the question [`MRTR_TOOL`] asks before the task exists.
pub(crate) const USER_NAME: &str = "user_name";

/// The argument under which the gathered name reaches the task's work.
const GATHERED_NAME: &str = "_gathered_user_name";

/// For a tool that asks before it becomes a task: the questions still open given the
/// call's `inputResponses`, or the arguments the task's work needs once all is answered.
pub(crate) fn pre_task_input(
    name: &str,
    responses: Option<&Map<String, Value>>,
    mut args: Map<String, Value>,
) -> Result<Map<String, Value>, Map<String, Value>> {
    if name != MRTR_TOOL {
        return Ok(args);
    }
    let answer = responses.and_then(|r| r.get(USER_NAME)).and_then(Value::as_object);
    match answer.and_then(accepted).and_then(|c| c.get("name")).and_then(Value::as_str) {
        Some(user) => {
            args.insert(GATHERED_NAME.into(), Value::String(user.to_owned()));
            Ok(args)
        }
        None => {
            let mut requests = Map::new();
            let ask = elicit("What is your name?".into(), "name", json!({"type": "string"}));
            requests.insert(USER_NAME.into(), serde_json::to_value(ask).unwrap_or_default());
            Err(requests)
        }
    }
}

pub(super) fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

/// Every tool definition this server may list: fixtures, demos, and (in task-tools mode)
/// the control tools.
fn defs(task_tools: bool) -> impl Iterator<Item = &'static Def> {
    let control: &'static [Def] = if task_tools { control::TOOLS } else { &[] };
    TOOLS.iter().chain(demo_tools::TOOLS).chain(control)
}

/// The server's `instructions` for the model: in task-tools mode, how to follow a task.
pub(crate) fn instructions(task_tools: bool) -> Option<String> {
    task_tools.then(|| control::INSTRUCTIONS.to_owned())
}

/// The task support of tool `name`, or `None` for an unknown tool.
pub(crate) fn support_of(name: &str, task_tools: bool) -> Option<TaskSupport> {
    defs(task_tools).find(|d| d.name == name).map(|d| d.support)
}

/// The tools as `tools/list` lists them; `with_execution` adds the 2025-11-25
/// `execution.taskSupport` (the 2026-07-28 `Tool` has no such field).
///
/// In task-tools mode a plain call of a task-only tool is served (it starts the task), so
/// such a tool is listed as `optional`: that is what the server then does, and hosts that
/// refuse to call `required` tools plainly (the TypeScript SDK's `callTool`) can call it.
/// The descriptions of long tools also say how a plain call behaves, since the host's
/// model reads them and nothing else tells it.
pub(crate) fn list(with_execution: bool, task_tools: bool) -> Vec<Tool> {
    defs(task_tools)
        .map(|d| {
            let support = match d.support {
                TaskSupport::Required if task_tools => TaskSupport::Optional,
                other => other,
            };
            let description = if task_tools && d.support != TaskSupport::Forbidden {
                format!("{} {}", d.description, control::BACKGROUND_NOTE)
            } else {
                d.description.to_owned()
            };
            Tool {
                name: d.name.into(),
                title: None,
                description: Some(description),
                input_schema: (d.schema)(),
                output_schema: d.output.map(|f| f()),
                annotations: None,
                execution: with_execution.then(|| ToolExecution::new(support)),
                meta: None,
                extra: Map::new(),
            }
        })
        .collect()
}

/// Runs tool `name` with `args`.
pub(crate) async fn run(
    name: &str,
    args: Map<String, Value>,
    ctx: &mut Ctx,
) -> Result<Map<String, Value>, ToolError> {
    match name {
        "greet" => {
            let who = args.get("name").and_then(Value::as_str).unwrap_or("world");
            Ok(text(&format!("Hello, {who}!"), false))
        }
        "slow_compute" => slow_compute(&args, ctx).await,
        "confirm_delete" => confirm_delete(&args, ctx).await,
        "failing_job" => {
            ctx.sleep(ctx.job_delay()).await?;
            Ok(text("failing_job failed on purpose", true))
        }
        "protocol_error_job" => {
            ctx.sleep(ctx.job_delay()).await?;
            Err(ToolError::Rpc(ErrorObject::new(
                ErrorCode::INTERNAL_ERROR,
                "protocol_error_job failed on purpose",
            )))
        }
        "multi_input" => multi_input(ctx).await,
        MRTR_TOOL => greet_gathered(&args, ctx).await,
        _ => demo_tools::run(name, args, ctx).await,
    }
}

/// A `CallToolResult` with one text item.
pub(super) fn text(t: &str, is_error: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("content".into(), json!([{"type": "text", "text": t}]));
    if is_error {
        m.insert("isError".into(), Value::Bool(true));
    }
    m
}

async fn slow_compute(
    args: &Map<String, Value>,
    ctx: &mut Ctx,
) -> Result<Map<String, Value>, ToolError> {
    let seconds = match args.get("seconds") {
        None | Some(Value::Null) => 3.0,
        Some(v) => match v.as_f64() {
            Some(s) if (0.0..=MAX_SECONDS).contains(&s) => s,
            _ => {
                return Err(ToolError::invalid_params(format!(
                    "seconds must be a number from 0 to {MAX_SECONDS}"
                )));
            }
        },
    };
    let steps = match args.get("steps") {
        None | Some(Value::Null) => 3,
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_STEPS).contains(&n) => n,
            _ => {
                return Err(ToolError::invalid_params(format!(
                    "steps must be an integer from 1 to {MAX_STEPS}"
                )));
            }
        },
    };
    let step = Duration::from_secs_f64(seconds / steps as f64);
    for i in 1..=steps {
        let msg = format!("step {i}/{steps}");
        ctx.status(&msg);
        ctx.sleep(step).await?;
        ctx.progress(i, steps, &msg);
    }
    Ok(text(&format!("computed {steps} steps in {seconds}s"), false))
}

pub(super) fn elicit(message: String, field: &str, schema: Value) -> InputRequest {
    let mut props = Map::new();
    props.insert(field.into(), schema);
    let params = json!({"mode": "form", "message": message,
        "requestedSchema": {"type": "object", "properties": props, "required": [field]}});
    InputRequest { method: "elicitation/create".into(), params: as_map(params) }
}

pub(super) fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The accepted content of an elicitation answer, or `None` when declined or cancelled.
pub(super) fn accepted(answer: &Map<String, Value>) -> Option<&Map<String, Value>> {
    if answer.get("action").and_then(Value::as_str) != Some("accept") {
        return None;
    }
    answer.get("content").and_then(Value::as_object)
}

async fn confirm_delete(
    args: &Map<String, Value>,
    ctx: &mut Ctx,
) -> Result<Map<String, Value>, ToolError> {
    let item = args.get("item").and_then(Value::as_str).unwrap_or("the item").to_owned();
    ctx.status(&format!("waiting for confirmation to delete {item}"));
    let request = elicit(
        format!("Delete {item}?"),
        "confirm",
        json!({"type": "boolean",
        "title": "Confirm", "description": "Delete it?"}),
    );
    let answer = ctx.ask(request).await?;
    Ok(match accepted(&answer).and_then(|c| c.get("confirm")).and_then(Value::as_bool) {
        Some(true) => text("deleted", false),
        Some(false) => text("kept", false),
        None => text(&format!("The user declined to confirm deleting {item}"), true),
    })
}

async fn multi_input(ctx: &mut Ctx) -> Result<Map<String, Value>, ToolError> {
    let questions = vec![
        elicit("What is your name?".into(), "name", json!({"type": "string"})),
        elicit("What is your favourite colour?".into(), "colour", json!({"type": "string"})),
    ];
    let answers = ctx.ask_all(questions).await?;
    let field = |i: usize, f: &str| {
        answers.get(i).and_then(accepted).and_then(|c| c.get(f)).and_then(Value::as_str)
    };
    Ok(match (field(0, "name"), field(1, "colour")) {
        (Some(name), Some(colour)) => text(&format!("{name} likes {colour}"), false),
        _ => text("The user declined to answer", true),
    })
}

async fn greet_gathered(
    args: &Map<String, Value>,
    ctx: &mut Ctx,
) -> Result<Map<String, Value>, ToolError> {
    let name = match args.get(GATHERED_NAME).and_then(Value::as_str) {
        Some(name) => name.to_owned(),
        None => {
            let ask = elicit("What is your name?".into(), "name", json!({"type": "string"}));
            let answer = ctx.ask(ask).await?;
            match accepted(&answer).and_then(|c| c.get("name")).and_then(Value::as_str) {
                Some(name) => name.to_owned(),
                None => return Ok(text("The user declined to give a name", true)),
            }
        }
    };
    ctx.sleep(ctx.job_delay()).await?;
    Ok(text(&format!("Hello, {name}! Your task is done."), false))
}
