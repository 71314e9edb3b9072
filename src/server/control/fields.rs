//! What the control tools share: the task fields and schemas they report, their
//! arguments, and how they say what went wrong.

use serde_json::{Map, Value, json};

use crate::id::TaskId;
use crate::protocol::legacy::CallToolResult;
use crate::server::notes::Note;
use crate::server::tool::object_schema as object;
use crate::task::{Task, TaskStatus};

/// What a control tool gives back: its result, or what was wrong, said as an `isError`
/// result.
pub(super) type Outcome = Result<CallToolResult, String>;

/// The `taskId` argument.
pub(super) fn task_id_arg(args: &Map<String, Value>) -> Result<TaskId, String> {
    match args.get("taskId") {
        Some(Value::String(s)) if !s.is_empty() => Ok(TaskId::from(s.as_str())),
        None | Some(Value::Null) => Err("taskId is required: the id the tool call that \
                                         started the task answered with"
            .into()),
        Some(_) => Err("taskId must be a string, as the tool call that started the task \
                        gave it"
            .into()),
    }
}

/// What a caller is told about a task it may not see, one that never existed and one
/// that expired alike, so that nothing leaks about other callers' tasks.
pub(super) fn not_found(id: &TaskId) -> String {
    format!(
        "No task {id} here: the id is wrong, the task expired, or it was started by someone \
         else. list_my_tasks shows yours."
    )
}

/// A result with `message` as its text and `content` as its `structuredContent`.
pub(super) fn with_structured(
    message: &str,
    is_error: bool,
    content: Map<String, Value>,
) -> CallToolResult {
    let result =
        if is_error { CallToolResult::error_text(message) } else { CallToolResult::text(message) };
    result.with_structured(Value::Object(content))
}

/// A task's metadata as the control tools report it (the 2026-07-28 field names).
pub(super) fn task_fields(task: &Task) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("taskId".into(), Value::from(task.task_id.as_str()));
    m.insert("status".into(), Value::from(task.status().as_str()));
    if let Some(message) = &task.status_message {
        m.insert("statusMessage".into(), Value::from(message.as_str()));
    }
    m.insert("createdAt".into(), Value::from(task.created_at.as_str()));
    m.insert("lastUpdatedAt".into(), Value::from(task.last_updated_at.as_str()));
    if let Some(ttl) = task.ttl_ms {
        m.insert("ttlMs".into(), Value::from(ttl));
    }
    if let Some(poll) = task.poll_interval_ms {
        m.insert("pollIntervalMs".into(), Value::from(poll));
    }
    m
}

/// Adds what the server noted about a task: its tool and latest progress.
pub(super) fn note_fields(fields: &mut Map<String, Value>, note: Option<&Note>) {
    let Some(note) = note else {
        return;
    };
    fields.insert("tool".into(), Value::from(note.tool.as_str()));
    if let Some(p) = &note.progress {
        fields.insert("progress".into(), Value::from(p.progress));
        if let Some(total) = p.total {
            fields.insert("total".into(), Value::from(total));
        }
        if let Some(percent) = p.percent() {
            fields.insert("percent".into(), Value::from(percent));
        }
    }
}

/// ` Progress: 2 of 5 (40%).` when the task reported progress.
pub(super) fn progress_sentence(note: Option<&Note>) -> String {
    match note.and_then(|n| n.progress.as_ref()) {
        Some(p) => format!(" Progress: {}.", p.words()),
        None => String::new(),
    }
}

/// The names of every status, as a filter or a schema lists them.
pub(super) fn status_names() -> Vec<&'static str> {
    TaskStatus::ALL.iter().map(|s| s.as_str()).collect()
}

/// The JSON Schema properties of [`task_fields`] and [`note_fields`].
pub(super) fn task_properties() -> Map<String, Value> {
    let props = json!({
        "taskId": {"type": "string"},
        "status": {"type": "string", "enum": status_names()},
        "tool": {"type": "string", "description": "The tool the task runs."},
        "progress": {"type": "number", "description": "How far the tool got, in its own units."},
        "total": {"type": "number", "description": "What progress counts up to, when known."},
        "percent": {"type": "integer", "minimum": 0, "maximum": 100,
            "description": "progress as a share of total."},
        "statusMessage": {"type": "string"},
        "createdAt": {"type": "string", "format": "date-time"},
        "lastUpdatedAt": {"type": "string", "format": "date-time"},
        "ttlMs": {"type": "integer", "description": "How long the task is kept, from its creation."},
        "pollIntervalMs": {"type": "integer", "description": "How often to check on it."}
    });
    match props {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// An object schema over the task fields plus `extra` properties.
pub(super) fn task_schema_with(extra: Value, required: &[&str]) -> Value {
    let mut props = task_properties();
    if let Value::Object(extra) = extra {
        props.extend(extra);
    }
    object(Value::Object(props), required)
}

pub(super) fn task_schema() -> Value {
    task_schema_with(json!({}), &["taskId", "status", "createdAt", "lastUpdatedAt"])
}

pub(super) fn task_id_schema() -> Value {
    object(
        json!({"taskId": {"type": "string",
            "description": "The task's id, as the tool call that started it answered."}}),
        &["taskId"],
    )
}

/// How a task's status reads in a sentence.
pub(super) fn status_words(status: TaskStatus) -> &'static str {
    match status {
        TaskStatus::Working => "still working",
        TaskStatus::InputRequired => "waiting for input",
        TaskStatus::Completed => "completed",
        TaskStatus::Failed => "failed",
        TaskStatus::Cancelled => "cancelled",
    }
}
