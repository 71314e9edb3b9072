//! The fixture tools the official conformance suite and the peer scripts call (their names
//! and behaviour are fixed), registered like any user's tools.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::ctx::{Elicitation, ToolContext, ToolError, as_map};
use super::tool::{BeforeTask, Tool, ToolResult, ToolSpec, object_schema};
use super::tools::{RegisterError, Tools};
use crate::protocol::legacy::{CallToolResult, TaskSupport};
use crate::task::{InputRequest, InputRequests};

/// The longest `slow_compute` run, in seconds.
const MAX_SECONDS: f64 = 600.0;
/// The most `slow_compute` steps.
const MAX_STEPS: u64 = 1000;

/// The tool that gathers input before it becomes a task.
const MRTR_TOOL: &str = "test_tool_with_task";

/// The key of the question [`MRTR_TOOL`] asks before the task exists.
const USER_NAME: &str = "user_name";

/// The argument under which the gathered name reaches the task's work.
const GATHERED_NAME: &str = "_gathered_user_name";

/// Registers the fixtures; `job_delay` is how long the short jobs work before they end.
pub(super) fn register(tools: &mut Tools, job_delay: Duration) -> Result<(), RegisterError> {
    tools.add(Greet)?;
    tools.add(SlowCompute)?;
    tools.add(ConfirmDelete)?;
    tools.add(FailingJob(job_delay))?;
    tools.add(ProtocolErrorJob(job_delay))?;
    tools.add(MultiInput)?;
    tools.add(GreetGathered(job_delay))
}

fn spec(name: &str, description: &str, support: TaskSupport, properties: Value) -> ToolSpec {
    ToolSpec::new(name, description)
        .task_support(support)
        .input_schema(object_schema(properties, &[]))
}

/// A form question with one required field.
fn elicit(message: String, field: &str, schema: Value) -> InputRequest {
    let mut props = Map::new();
    props.insert(field.into(), schema);
    let params = json!({"mode": "form", "message": message,
        "requestedSchema": {"type": "object", "properties": props, "required": [field]}});
    InputRequest { method: "elicitation/create".into(), params: as_map(params) }
}

struct Greet;

impl Tool for Greet {
    fn spec(&self) -> ToolSpec {
        let props = json!({"name": {"type": "string"}});
        spec("greet", "Says hello. Never runs as a task.", TaskSupport::Forbidden, props)
    }

    async fn run(&self, args: Map<String, Value>, _: ToolContext) -> ToolResult {
        let who = args.get("name").and_then(Value::as_str).unwrap_or("world");
        Ok(CallToolResult::text(format!("Hello, {who}!")))
    }
}

struct SlowCompute;

impl Tool for SlowCompute {
    fn spec(&self) -> ToolSpec {
        let props = json!({"seconds": {"type": "number", "minimum": 0},
            "steps": {"type": "integer", "minimum": 1}});
        let about = "Works for `seconds` (default 3) in `steps`, reporting each step.";
        spec("slow_compute", about, TaskSupport::Optional, props)
    }

    async fn run(&self, args: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
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
            ctx.progress(i, Some(steps), Some(&msg));
        }
        Ok(CallToolResult::text(format!("computed {steps} steps in {seconds}s")))
    }
}

struct ConfirmDelete;

impl Tool for ConfirmDelete {
    fn spec(&self) -> ToolSpec {
        let about = "Asks the user to confirm, then deletes or keeps `item`. Task only.";
        spec("confirm_delete", about, TaskSupport::Required, json!({"item": {"type": "string"}}))
    }

    async fn run(&self, args: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        // The item is echoed into the status message and the question: only its start,
        // so that a huge argument is not kept with the task.
        let item = args.get("item").and_then(Value::as_str).unwrap_or("the item");
        let item = shortened(item, MAX_ITEM_CHARS);
        ctx.status(&format!("waiting for confirmation to delete {item}"));
        let schema = json!({"type": "boolean", "title": "Confirm", "description": "Delete it?"});
        let answer = ctx.ask(elicit(format!("Delete {item}?"), "confirm", schema)).await?;
        let confirmed = Elicitation::from_result(&answer)
            .accepted()
            .and_then(|c| c.get("confirm"))
            .and_then(Value::as_bool);
        Ok(match confirmed {
            Some(true) => CallToolResult::text("deleted"),
            Some(false) => CallToolResult::text("kept"),
            None => {
                CallToolResult::error_text(format!("The user declined to confirm deleting {item}"))
            }
        })
    }
}

/// The most characters of `confirm_delete`'s `item` repeated back.
const MAX_ITEM_CHARS: usize = 200;

/// The first `max` characters of `s`, with "…" when there were more.
fn shortened(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", s.get(..end).unwrap_or_default()),
        None => s.to_owned(),
    }
}

struct FailingJob(Duration);

impl Tool for FailingJob {
    fn spec(&self) -> ToolSpec {
        let about = "Ends with an isError tool result after a short delay. Task only.";
        spec("failing_job", about, TaskSupport::Required, json!({}))
    }

    async fn run(&self, _: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        ctx.sleep(self.0).await?;
        Ok(CallToolResult::error_text("failing_job failed on purpose"))
    }
}

struct ProtocolErrorJob(Duration);

impl Tool for ProtocolErrorJob {
    fn spec(&self) -> ToolSpec {
        let about = "Ends with a JSON-RPC error after a short delay.";
        spec("protocol_error_job", about, TaskSupport::Optional, json!({}))
    }

    async fn run(&self, _: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        ctx.sleep(self.0).await?;
        Err(ToolError::internal("protocol_error_job failed on purpose"))
    }
}

struct MultiInput;

impl Tool for MultiInput {
    fn spec(&self) -> ToolSpec {
        spec(
            "multi_input",
            "Asks two questions at once. Task only.",
            TaskSupport::Required,
            json!({}),
        )
    }

    async fn run(&self, _: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        let questions = vec![
            elicit("What is your name?".into(), "name", json!({"type": "string"})),
            elicit("What is your favourite colour?".into(), "colour", json!({"type": "string"})),
        ];
        let answers = ctx.ask_all(questions).await?;
        let field = |i: usize, f: &str| {
            let answer = answers.get(i).map(Elicitation::from_result)?;
            answer.accepted()?.get(f)?.as_str().map(str::to_owned)
        };
        Ok(match (field(0, "name"), field(1, "colour")) {
            (Some(name), Some(colour)) => CallToolResult::text(format!("{name} likes {colour}")),
            _ => CallToolResult::error_text("The user declined to answer"),
        })
    }
}

/// Asks for `user_name` before the task starts (2026-07-28 multi-round call), or from
/// inside the task (2025-11-25), then greets.
struct GreetGathered(Duration);

/// The name in an elicitation answer.
fn name_in(answer: &Map<String, Value>) -> Option<String> {
    let answer = Elicitation::from_result(answer);
    answer.accepted()?.get("name")?.as_str().map(str::to_owned)
}

fn ask_name() -> InputRequest {
    elicit("What is your name?".into(), "name", json!({"type": "string"}))
}

impl Tool for GreetGathered {
    fn spec(&self) -> ToolSpec {
        let about = "Asks for `user_name` before the task starts (2026-07-28 multi-round \
                     call), or from inside the task (2025-11-25), then greets. Task only.";
        spec(MRTR_TOOL, about, TaskSupport::Required, json!({}))
    }

    fn before_task(
        &self,
        mut args: Map<String, Value>,
        responses: Option<&Map<String, Value>>,
    ) -> BeforeTask {
        let answer = responses.and_then(|r| r.get(USER_NAME)).and_then(Value::as_object);
        match answer.and_then(name_in) {
            Some(user) => {
                args.insert(GATHERED_NAME.into(), Value::String(user));
                BeforeTask::Ready(args)
            }
            None => BeforeTask::Ask(InputRequests::from([(USER_NAME.to_owned(), ask_name())])),
        }
    }

    async fn run(&self, args: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        let name = match args.get(GATHERED_NAME).and_then(Value::as_str) {
            Some(name) => name.to_owned(),
            None => match name_in(&ctx.ask(ask_name()).await?) {
                Some(name) => name,
                None => return Ok(CallToolResult::error_text("The user declined to give a name")),
            },
        };
        ctx.sleep(self.0).await?;
        Ok(CallToolResult::text(format!("Hello, {name}! Your task is done.")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_items_are_shortened_at_a_character() {
        assert_eq!(shortened("a.txt", 200), "a.txt");
        assert_eq!(shortened("ééé", 2), "éé…");
        assert_eq!(shortened(&"x".repeat(900 * 1024), MAX_ITEM_CHARS).chars().count(), 201);
    }
}
