//! Demo tools for people to watch, registered like any user's tools: a dice roll that
//! never runs as a task, a report that takes a while and reports every step, a deployment
//! that stops to ask for approval, and an import that fails part way. Their whole run takes [`Config::demo_duration`]
//! (waiting for a person not counted), so tests run them in milliseconds.
//!
//! Bad arguments give an `isError` result that says what to fix, so a model can correct
//! its call.
//!
//! The deployment's approval goes to a 2025-11-25 client that hosts elicitations as tasks
//! (`tasks.requests.elicitation.create`) as a task of the client's own: the client answers
//! at once, the person whenever ready, and the endpoint polls the client's task and hands
//! the answer here as if it had come at once (see `receiver::http`'s hosting).
//!
//! [`Config::demo_duration`]: super::Config::demo_duration

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::ctx::{Elicitation, ToolContext, ToolError, as_map};
use super::tool::{Tool, ToolResult, ToolSpec, object_schema};
use super::tools::{RegisterError, Tools};
use crate::protocol::legacy::{CallToolResult, TaskSupport};
use crate::task::InputRequest;

/// The section titles `build_report` writes, in order.
const SECTIONS: [&str; 8] = [
    "Summary",
    "Background",
    "Findings",
    "Risks",
    "Recommendations",
    "Next steps",
    "Method",
    "Glossary",
];

/// How many instances `deploy_release` restarts.
const INSTANCES: u32 = 3;

/// The batches `import_contacts` works in, and the one it fails in.
const BATCHES: u32 = 10;
const FAILING_BATCH: u32 = 7;

/// Registers the demo tools; `duration` is how long each long one takes in all.
pub(super) fn register(tools: &mut Tools, duration: Duration) -> Result<(), RegisterError> {
    tools.add(RollDice)?;
    tools.add(BuildReport(duration))?;
    tools.add(DeployRelease(duration))?;
    tools.add(ImportContacts(duration))
}

struct RollDice;

impl Tool for RollDice {
    fn spec(&self) -> ToolSpec {
        let about = "Rolls dice and adds them up, instantly. Never runs as a task.";
        let props = json!({
            "count": {"type": "integer", "minimum": 1, "maximum": 10, "default": 2,
                "description": "How many dice to roll."},
            "sides": {"type": "integer", "minimum": 2, "maximum": 100, "default": 6,
                "description": "How many sides each die has."}});
        spec("roll_dice", about, TaskSupport::Forbidden, props)
    }

    async fn run(&self, args: Map<String, Value>, _: ToolContext) -> ToolResult {
        answer(roll_dice(&args))
    }
}

struct BuildReport(Duration);

impl Tool for BuildReport {
    fn spec(&self) -> ToolSpec {
        let about = "Writes a short report on a topic: gathers and reads sources, writes \
                     each section, then checks the figures. Takes several seconds and \
                     reports every step as it goes.";
        let props = json!({
            "topic": {"type": "string", "maxLength": 200, "default": "the quarterly numbers",
                "description": "What the report is about."},
            "sections": {"type": "integer", "minimum": 1, "maximum": 8, "default": 4,
                "description": "How many sections to write."}});
        spec("build_report", about, TaskSupport::Optional, props)
    }

    async fn run(&self, args: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        answer(build_report(&args, &mut ctx, self.0).await)
    }
}

struct DeployRelease(Duration);

impl Tool for DeployRelease {
    fn spec(&self) -> ToolSpec {
        let about = "Builds and tests a release, asks a person to approve it, then rolls \
                     it out one instance at a time (or stops, changing nothing, if not \
                     approved). Runs only as a task.";
        let props = json!({
            "service": {"type": "string", "maxLength": 100, "default": "checkout",
                "description": "The service to deploy."},
            "version": {"type": "string", "maxLength": 50, "default": "2.4.0",
                "description": "The version to deploy."},
            "environment": {"type": "string", "enum": ["staging", "production"],
                "default": "production", "description": "Where to deploy it."}});
        spec("deploy_release", about, TaskSupport::Required, props)
    }

    async fn run(&self, args: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        answer(deploy_release(&args, &mut ctx, self.0).await)
    }
}

struct ImportContacts(Duration);

impl Tool for ImportContacts {
    fn spec(&self) -> ToolSpec {
        let about = "Imports a contacts file in batches, reporting how many rows are in. \
                     This demo always fails part way, on a malformed row, to show how a \
                     failed task looks.";
        let props = json!({
            "file": {"type": "string", "maxLength": 200, "default": "contacts.csv",
                "description": "The file to import."},
            "rows": {"type": "integer", "minimum": 100, "maximum": 1_000_000,
                "default": 2400, "description": "How many rows the file has."}});
        spec("import_contacts", about, TaskSupport::Optional, props)
    }

    async fn run(&self, args: Map<String, Value>, mut ctx: ToolContext) -> ToolResult {
        answer(import_contacts(&args, &mut ctx, self.0).await)
    }
}

fn spec(name: &str, description: &str, support: TaskSupport, properties: Value) -> ToolSpec {
    ToolSpec::new(name, description)
        .task_support(support)
        .input_schema(object_schema(properties, &[]))
}

/// Bad arguments become an `isError` result that says what to fix.
fn answer(outcome: Run) -> ToolResult {
    match outcome {
        Ok(result) => Ok(result),
        Err(Bad::Args(message)) => Ok(CallToolResult::error_text(message)),
        Err(Bad::Tool(e)) => Err(e),
    }
}

/// A demo run that did not produce its result.
enum Bad {
    /// The arguments were wrong: told to the caller as an `isError` result.
    Args(String),
    /// Stopped, or a JSON-RPC error.
    Tool(ToolError),
}

impl From<ToolError> for Bad {
    fn from(e: ToolError) -> Self {
        Self::Tool(e)
    }
}

type Run = Result<CallToolResult, Bad>;

fn roll_dice(args: &Map<String, Value>) -> Run {
    let count = int_arg(args, "count", 2, 1, 10)?;
    let sides = int_arg(args, "sides", 6, 2, 100)?;
    let mut rolls = Vec::new();
    for _ in 0..count {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| ToolError::internal(e.to_string()))?;
        // The bias of a 64-bit modulo by at most 100 is far below anything a person sees.
        rolls.push(u64::from_le_bytes(bytes) % sides + 1);
    }
    let total: u64 = rolls.iter().sum();
    let shown: Vec<String> = rolls.iter().map(u64::to_string).collect();
    let text = format!("Rolled {count}d{sides}: {} = {total}", shown.join(" + "));
    Ok(CallToolResult::text(text).with_structured(json!({"rolls": rolls, "total": total})))
}

async fn build_report(args: &Map<String, Value>, ctx: &mut ToolContext, duration: Duration) -> Run {
    let topic = str_arg(args, "topic", "the quarterly numbers", 200)?;
    let sections = int_arg(args, "sections", 4, 1, SECTIONS.len() as u64)?;
    let titles: Vec<&str> = SECTIONS.iter().take(sections as usize).copied().collect();
    let sources = sections * 3;
    let mut steps =
        vec![format!("Gathering sources on {topic}"), format!("Reading {sources} sources")];
    for (i, title) in titles.iter().enumerate() {
        steps.push(format!("Writing section {} of {sections}: {title}", i + 1));
    }
    steps.push("Checking the figures".into());
    let step = share(duration, steps.len());
    let total = steps.len() as u64;
    for (i, message) in (1..).zip(&steps) {
        ctx.status(message);
        ctx.sleep(step).await?;
        ctx.progress(i, Some(total), Some(message));
    }
    let text = format!(
        "Report on {topic}: {sections} section(s) ({}), drawing on {sources} sources.",
        titles.join(", ")
    );
    let structured = json!({"topic": topic, "sections": titles, "sources": sources});
    Ok(CallToolResult::text(text).with_structured(structured))
}

async fn deploy_release(
    args: &Map<String, Value>,
    ctx: &mut ToolContext,
    duration: Duration,
) -> Run {
    let service = str_arg(args, "service", "checkout", 100)?;
    let version = str_arg(args, "version", "2.4.0", 50)?;
    let environment = str_arg(args, "environment", "production", 20)?;
    if !matches!(environment.as_str(), "staging" | "production") {
        return Err(Bad::Args("environment must be \"staging\" or \"production\"".into()));
    }
    let release = format!("{service} {version}");
    let total = u64::from(3 + INSTANCES);
    let step = share(duration, 2 + INSTANCES as usize);
    for (i, message) in (1..).zip([format!("Building {release}"), "Running 248 tests".into()]) {
        ctx.status(&message);
        ctx.sleep(step).await?;
        ctx.progress(i, Some(total), Some(&message));
    }
    ctx.status(&format!("Waiting for approval to deploy {release} to {environment}"));
    let answer = ctx.ask(approval(&release, &environment)).await?;
    let answer = Elicitation::from_result(&answer);
    let approved = answer.accepted().and_then(|c| c.get("approve")) == Some(&Value::Bool(true));
    if !approved {
        let message = format!("Deployment of {release} to {environment} was not approved.");
        ctx.status(&message);
        return Ok(CallToolResult::text(format!("{message} Nothing changed.")));
    }
    ctx.progress(3, Some(total), Some("Approved"));
    for i in 1..=INSTANCES {
        let message = format!("Restarting instance {i} of {INSTANCES}");
        ctx.status(&message);
        ctx.sleep(step).await?;
        ctx.progress(u64::from(3 + i), Some(total), Some(&message));
    }
    Ok(CallToolResult::text(format!(
        "Deployed {release} to {environment}: {INSTANCES} of {INSTANCES} instances healthy."
    )))
}

/// The form that asks a person to approve a deployment.
fn approval(release: &str, environment: &str) -> InputRequest {
    let message = format!(
        "Deploy {release} to {environment}? {INSTANCES} instances restart one at a time; \
         users may notice a short slowdown."
    );
    let params = json!({"mode": "form", "message": message, "requestedSchema": {
        "type": "object",
        "properties": {"approve": {"type": "boolean", "title": "Approve the deployment",
            "description": "Yes to roll it out, no to stop without changing anything."}},
        "required": ["approve"]}});
    InputRequest { method: "elicitation/create".into(), params: as_map(params) }
}

async fn import_contacts(
    args: &Map<String, Value>,
    ctx: &mut ToolContext,
    duration: Duration,
) -> Run {
    let file = str_arg(args, "file", "contacts.csv", 200)?;
    let rows = int_arg(args, "rows", 2400, 100, 1_000_000)?;
    let batch = rows / u64::from(BATCHES);
    let step = share(duration, BATCHES as usize);
    ctx.status(&format!("Opening {file}"));
    for i in 1..FAILING_BATCH {
        ctx.sleep(step).await?;
        let message =
            format!("Imported {} of {} rows", thousands(batch * u64::from(i)), thousands(rows));
        ctx.status(&message);
        ctx.progress(batch * u64::from(i), Some(rows), Some(&message));
    }
    ctx.sleep(step).await?;
    let bad_row = batch * u64::from(FAILING_BATCH - 1) + batch / 3 + 1;
    Ok(CallToolResult::error_text(format!(
        "Import of {file} stopped at row {}: its email column holds \"n/a\", which is not \
         an address. Rows 1 to {} were imported; fix the row and run the import again.",
        thousands(bad_row),
        thousands(bad_row - 1)
    )))
}

/// `total` split into `parts` equal steps.
fn share(total: Duration, parts: usize) -> Duration {
    total / u32::try_from(parts.max(1)).unwrap_or(u32::MAX)
}

/// 1234567 as "1,234,567".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn int_arg(
    args: &Map<String, Value>,
    name: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, Bad> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_u64() {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(Bad::Args(format!("{name} must be a whole number from {min} to {max}"))),
        },
    }
}

fn str_arg(
    args: &Map<String, Value>,
    name: &str,
    default: &str,
    max_chars: usize,
) -> Result<String, Bad> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(default.to_owned()),
        Some(Value::String(s)) if !s.trim().is_empty() && s.chars().count() <= max_chars => {
            Ok(s.trim().to_owned())
        }
        Some(_) => Err(Bad::Args(format!("{name} must be text of 1 to {max_chars} characters"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn bad_arguments_say_what_to_fix() {
        let args = json!({"count": 0, "sides": "six"});
        let Value::Object(args) = args else { unreachable!() };
        let Err(Bad::Args(message)) = roll_dice(&args) else { panic!("accepted count 0") };
        assert!(message.contains("count"), "{message}");
        let Ok(result) = roll_dice(&Map::new()) else { panic!("defaults refused") };
        let structured = result.structured_content.unwrap_or_default();
        let total = structured["total"].as_u64().unwrap_or(0);
        assert!((2..=12).contains(&total), "{total}");
    }
}
