//! The control tools that read one task: `get_task_status` and `get_task_result`.

use serde_json::{Map, Value, json};

use super::answer::{questions, questions_text};
use super::fields::{
    Outcome, not_found, note_fields, progress_sentence, status_words, task_fields, task_id_arg,
    task_properties, task_schema_with, with_structured,
};
use crate::protocol::legacy::CallToolResult;
use crate::receiver::Caller;
use crate::server::notes::Note;
use crate::server::state::Shared;
use crate::server::tool::object_schema as object;
use crate::store::{StoreError, StoredTask};
use crate::task::{Outcome as TaskOutcome, TaskStatus};

/// `get_task_status {taskId}`.
pub(super) fn status(shared: &Shared, caller: &Caller, args: &Map<String, Value>) -> Outcome {
    let (record, note) = read(shared, caller, args)?;
    let task = record.task();
    let id = &task.task_id;
    let mut content = task_fields(task);
    note_fields(&mut content, note.as_ref());
    let message = match task.status() {
        TaskStatus::InputRequired => {
            content.insert("inputRequests".into(), questions(record.input_requests()));
            questions_text(id, record.input_requests())
        }
        TaskStatus::Working => format!(
            "Task {id} is still working{}. Check again{} with get_task_status, or call \
             get_task_result once it is done.",
            quoted(task.status_message.as_deref()),
            poll_hint(task.poll_interval_ms)
        ),
        TaskStatus::Completed | TaskStatus::Failed => format!(
            "Task {id} {}{}. Collect its result with get_task_result.",
            status_words(task.status()),
            quoted(task.status_message.as_deref())
        ),
        TaskStatus::Cancelled => format!("Task {id} was cancelled; it has no result."),
    };
    let started = match &note {
        Some(n) => format!("{}, started", n.tool),
        None => "Started".into(),
    };
    let message = format!(
        "{message}{} ({started} {}, last update {}.)",
        progress_sentence(note.as_ref()),
        task.created_at,
        task.last_updated_at
    );
    Ok(with_structured(&message, false, content))
}

/// `get_task_result {taskId}`: the stored result when the task is done, at once "not yet"
/// otherwise.
pub(super) fn result(shared: &Shared, caller: &Caller, args: &Map<String, Value>) -> Outcome {
    let (record, _) = read(shared, caller, args)?;
    let task = record.task();
    let id = &task.task_id;
    let mut content = Map::new();
    content.insert("taskId".into(), Value::from(id.as_str()));
    content.insert("status".into(), Value::from(task.status().as_str()));
    if let Some(message) = &task.status_message {
        content.insert("statusMessage".into(), Value::from(message.as_str()));
    }
    match (task.status(), record.outcome()) {
        (TaskStatus::InputRequired, _) => {
            content.insert("inputRequests".into(), questions(record.input_requests()));
            let message = format!("No result yet. {}", questions_text(id, record.input_requests()));
            Ok(with_structured(&message, false, content))
        }
        (status, _) if !status.is_terminal() => {
            if let Some(poll) = task.poll_interval_ms {
                content.insert("pollIntervalMs".into(), Value::from(poll));
            }
            let message = format!(
                "Task {id} is still working{}; no result yet. Try again{}, or follow it with \
                 get_task_status.",
                quoted(task.status_message.as_deref()),
                poll_hint(task.poll_interval_ms)
            );
            Ok(with_structured(&message, false, content))
        }
        (_, Some(TaskOutcome::Result(stored))) => {
            // The tool's own content and isError, so the model reads what the tool said;
            // the whole result, structured parts included, rides in structuredContent.
            let items = match stored.get("content") {
                Some(Value::Array(items)) => items.clone(),
                _ => Vec::new(),
            };
            let is_error = stored.get("isError") == Some(&Value::Bool(true));
            content.insert("result".into(), Value::Object(stored.clone()));
            Ok(CallToolResult {
                content: items,
                structured_content: Some(Value::Object(content)),
                is_error: is_error.then_some(true),
                meta: None,
                extra: Map::new(),
            })
        }
        (_, Some(TaskOutcome::Error(error))) => {
            content.insert("error".into(), serde_json::to_value(error).unwrap_or_default());
            let message =
                format!("Task {id} failed: {} (JSON-RPC error {}).", error.message, error.code.0);
            Ok(with_structured(&message, true, content))
        }
        (TaskStatus::Cancelled, None) => Ok(with_structured(
            &format!("Task {id} was cancelled; it has no result."),
            true,
            content,
        )),
        (status, None) => Ok(with_structured(
            &format!("Task {id} is {status} but has no stored result."),
            true,
            content,
        )),
    }
}

/// The caller's task named by the `taskId` argument, with what the server noted about it.
fn read(
    shared: &Shared,
    caller: &Caller,
    args: &Map<String, Value>,
) -> Result<(StoredTask, Option<Note>), String> {
    let id = task_id_arg(args)?;
    let found = {
        let mut st = shared.lock();
        let found = st.receiver().store().get(&caller.owner, &id, shared.now());
        found.map(|record| (record, st.notes.get(&id).cloned()))
    };
    match found {
        Ok(found) => Ok(found),
        Err(StoreError::NotFound { .. }) => Err(not_found(&id)),
        Err(e) => Err(format!("Could not read task {id}: {e}")),
    }
}

/// `: "message"` when there is a message.
pub(super) fn quoted(message: Option<&str>) -> String {
    message.map(|m| format!(": {m:?}")).unwrap_or_default()
}

/// ` in about N s` from the task's poll interval.
fn poll_hint(poll_interval_ms: Option<u64>) -> String {
    match poll_interval_ms {
        Some(ms) if ms >= 1000 => format!(" in about {} s", ms.div_ceil(1000)),
        Some(_) => " in a moment".into(),
        None => " later".into(),
    }
}

pub(super) fn status_schema() -> Value {
    task_schema_with(
        json!({"inputRequests": super::answer::questions_schema()}),
        &["taskId", "status", "createdAt", "lastUpdatedAt"],
    )
}

pub(super) fn result_schema() -> Value {
    let mut props = Map::new();
    for field in ["taskId", "status", "statusMessage", "pollIntervalMs"] {
        if let Some(p) = task_properties().get(field) {
            props.insert(field.into(), p.clone());
        }
    }
    props.insert(
        "result".into(),
        json!({"type": "object", "description": "The CallToolResult of the tool call that \
            started the task, when it is done."}),
    );
    props.insert(
        "error".into(),
        json!({"type": "object", "description": "The JSON-RPC error the task failed with.",
            "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}}),
    );
    props.insert("inputRequests".into(), super::answer::questions_schema());
    object(Value::Object(props), &["taskId", "status"])
}
