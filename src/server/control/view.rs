//! The read-only control tools: `get_task_status`, `get_task_result`, `list_my_tasks`.

use serde_json::{Map, Value, json};

use super::answer::{questions, questions_text};
use super::{
    Outcome, not_found, status_words, task_fields, task_id_arg, task_properties, task_schema_with,
    with_structured,
};
use crate::receiver::Caller;
use crate::server::extension::is_anonymous;
use crate::server::state::Shared;
use crate::server::tools::object;
use crate::store::{StoreError, StoredTask};
use crate::task::{Outcome as TaskOutcome, TaskStatus};

/// `get_task_status {taskId}`.
pub(super) fn status(shared: &Shared, caller: &Caller, args: &Map<String, Value>) -> Outcome {
    let record = read(shared, caller, args)?;
    let task = record.task();
    let id = &task.task_id;
    let mut content = task_fields(task);
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
    let message =
        format!("{message} (Started {}, last update {}.)", task.created_at, task.last_updated_at);
    Ok(with_structured(&message, false, content))
}

/// `get_task_result {taskId}`: the stored result when the task is done, at once "not yet"
/// otherwise.
pub(super) fn result(shared: &Shared, caller: &Caller, args: &Map<String, Value>) -> Outcome {
    let record = read(shared, caller, args)?;
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
            let mut out = Map::new();
            out.insert(
                "content".into(),
                stored.get("content").cloned().unwrap_or_else(|| json!([])),
            );
            if stored.get("isError") == Some(&Value::Bool(true)) {
                out.insert("isError".into(), Value::Bool(true));
            }
            content.insert("result".into(), Value::Object(stored.clone()));
            out.insert("structuredContent".into(), Value::Object(content));
            Ok(out)
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

/// `list_my_tasks {cursor?}`.
pub(super) fn list(shared: &Shared, caller: &Caller, args: &Map<String, Value>) -> Outcome {
    if is_anonymous(&caller.owner) {
        // Every caller without credentials shares this owner and task ids are their only
        // handles: listing would hand one caller everyone else's.
        return Err("list_my_tasks needs an Authorization header: without one, every caller \
                    looks the same and a list would show other people's tasks. Keep the \
                    task ids the tools gave you instead."
            .into());
    }
    let cursor = match args.get("cursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.as_str()),
        Some(_) => {
            return Err("cursor must be a string: the nextCursor of an earlier answer".into());
        }
    };
    let page = {
        let mut st = shared.lock();
        st.receiver.store().list(&caller.owner, cursor, shared.now())
    };
    let page = match page {
        Ok(page) => page,
        Err(StoreError::InvalidCursor) => {
            return Err(
                "cursor is not one list_my_tasks gave out; leave it out to start over".into()
            );
        }
        Err(e) => return Err(format!("Could not list tasks: {e}")),
    };
    let mut lines = Vec::with_capacity(page.tasks.len() + 2);
    lines.push(match page.tasks.len() {
        0 if cursor.is_none() => "You have no tasks.".to_owned(),
        0 => "No more tasks.".to_owned(),
        n => format!("{n} task(s), oldest first:"),
    });
    for task in &page.tasks {
        lines.push(format!(
            "- {}: {}{} (started {})",
            task.task_id,
            task.status(),
            quoted(task.status_message.as_deref()),
            task.created_at
        ));
    }
    let mut content = Map::new();
    let tasks: Vec<Value> = page.tasks.iter().map(|t| Value::Object(task_fields(t))).collect();
    content.insert("tasks".into(), Value::Array(tasks));
    if let Some(next) = page.next_cursor {
        lines.push(format!("More: call list_my_tasks with {}.", json!({"cursor": next})));
        content.insert("nextCursor".into(), Value::String(next));
    }
    Ok(with_structured(&lines.join("\n"), false, content))
}

/// The caller's task named by the `taskId` argument.
fn read(shared: &Shared, caller: &Caller, args: &Map<String, Value>) -> Result<StoredTask, String> {
    let id = task_id_arg(args)?;
    let found = shared.lock().receiver.store().get(&caller.owner, &id, shared.now());
    match found {
        Ok(record) => Ok(record),
        Err(StoreError::NotFound { .. }) => Err(not_found(&id)),
        Err(e) => Err(format!("Could not read task {id}: {e}")),
    }
}

/// `: "message"` when there is a message.
fn quoted(message: Option<&str>) -> String {
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

pub(super) fn list_schema() -> Value {
    let task = object(
        Value::Object(task_properties()),
        &["taskId", "status", "createdAt", "lastUpdatedAt"],
    );
    object(
        json!({"tasks": {"type": "array", "items": task},
            "nextCursor": {"type": "string", "description": "Pass as cursor for the next page."}}),
        &["tasks"],
    )
}
