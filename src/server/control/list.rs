//! `list_my_tasks {cursor?, status?}`: the caller's tasks, oldest first, with the tool each
//! runs and how far it got, optionally only those in some statuses.

use serde_json::{Map, Value, json};

use super::fields::{
    Outcome, note_fields, status_names, task_fields, task_properties, with_structured,
};
use super::view::quoted;
use crate::receiver::Caller;
use crate::server::extension::is_anonymous;
use crate::server::notes::Note;
use crate::server::state::Shared;
use crate::server::tool::object_schema as object;
use crate::store::StoreError;
use crate::task::{Task, TaskStatus};

/// The most store pages one filtered answer reads: a filter that matches little must
/// still answer at once, so past this the answer hands back a cursor to go on from.
const MAX_PAGES: usize = 20;

/// `list_my_tasks {cursor?, status?}`.
pub(super) fn list(shared: &Shared, caller: &Caller, args: &Map<String, Value>) -> Outcome {
    if is_anonymous(&caller.owner) {
        // Every caller without credentials shares this owner and task ids are their only
        // handles: listing would hand one caller everyone else's.
        return Err("list_my_tasks needs an Authorization header: without one, every caller \
                    looks the same and a list would show other people's tasks. Keep the \
                    task ids the tools gave you instead."
            .into());
    }
    let mut cursor = match args.get("cursor") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.clone()),
        Some(_) => {
            return Err("cursor must be a string: the nextCursor of an earlier answer".into());
        }
    };
    let first_page = cursor.is_none();
    let filter = status_filter(args.get("status"))?;
    let mut st = shared.lock();
    let now = shared.now();
    let want = st.receiver().store().config().page_size.max(1);
    // Store pages are read until enough tasks match, so a filter does not answer with a
    // page of nothing while matches lie further on.
    let mut tasks: Vec<(Task, Option<Note>)> = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = match st.receiver().store().list(&caller.owner, cursor.as_deref(), now) {
            Ok(page) => page,
            Err(StoreError::InvalidCursor) => {
                return Err(
                    "cursor is not one list_my_tasks gave out; leave it out to start over".into()
                );
            }
            Err(e) => return Err(format!("Could not list tasks: {e}")),
        };
        for task in page.tasks {
            if filter.as_ref().is_none_or(|f| f.contains(&task.status())) {
                let note = st.notes.get(&task.task_id).cloned();
                tasks.push((task, note));
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() || tasks.len() >= want {
            break;
        }
    }
    drop(st);
    let which = match &filter {
        Some(statuses) => {
            let names: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
            format!(" {}", names.join(" or "))
        }
        None => String::new(),
    };
    let mut lines = Vec::with_capacity(tasks.len() + 2);
    lines.push(match tasks.len() {
        0 if first_page && cursor.is_none() => format!("You have no{which} tasks."),
        0 if cursor.is_none() => format!("No more{which} tasks."),
        0 => format!("No{which} tasks in this stretch."),
        n => format!("{n}{which} task(s), oldest first:"),
    });
    for (task, note) in &tasks {
        let tool = note.as_ref().map(|n| format!(" ({})", n.tool)).unwrap_or_default();
        let progress = note
            .as_ref()
            .and_then(|n| n.progress.as_ref())
            .map(|p| format!(", progress {}", p.words()))
            .unwrap_or_default();
        lines.push(format!(
            "- {}{tool}: {}{}{progress} (started {})",
            task.task_id,
            task.status(),
            quoted(task.status_message.as_deref()),
            task.created_at
        ));
    }
    let mut content = Map::new();
    let listed = tasks
        .iter()
        .map(|(task, note)| {
            let mut fields = task_fields(task);
            note_fields(&mut fields, note.as_ref());
            Value::Object(fields)
        })
        .collect();
    content.insert("tasks".into(), Value::Array(listed));
    if let Some(next) = cursor {
        let mut again = json!({"cursor": next});
        if let Some(status) = args.get("status").filter(|s| !s.is_null()) {
            again["status"] = status.clone();
        }
        lines.push(format!("More: call list_my_tasks with {again}."));
        content.insert("nextCursor".into(), Value::String(next));
    }
    Ok(with_structured(&lines.join("\n"), false, content))
}

/// The `status` argument: one status name or a list of them; `None` lists every task.
fn status_filter(arg: Option<&Value>) -> Result<Option<Vec<TaskStatus>>, String> {
    let names: Vec<&Value> = match arg {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(list)) if !list.is_empty() => list.iter().collect(),
        Some(one @ Value::String(_)) => vec![one],
        Some(_) => return Err(bad_status("a status name or a non-empty list of them")),
    };
    let mut statuses = Vec::with_capacity(names.len());
    for name in names {
        let Some(text) = name.as_str() else {
            return Err(bad_status(&format!("{name} is not a status name")));
        };
        let Some(status) = TaskStatus::parse(text) else {
            return Err(bad_status(&format!("{text:?} is not a status")));
        };
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    Ok(Some(statuses))
}

/// What is wrong with a `status` argument, and what it may be.
fn bad_status(what: &str) -> String {
    format!(
        "status must be {what}; the statuses are {} (working and input_required are the \
         tasks still running)",
        status_names().join(", ")
    )
}

pub(super) fn input_schema() -> Value {
    let name = json!({"type": "string", "enum": status_names()});
    object(
        json!({
            "cursor": {"type": "string",
                "description": "Where to continue: the nextCursor of an earlier answer."},
            "status": {
                "description": "Only tasks in this status, or in any of these statuses.",
                "anyOf": [name, {"type": "array", "items": name, "minItems": 1}]
            }
        }),
        &[],
    )
}

pub(super) fn output_schema() -> Value {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_filter_is_one_name_or_a_list_of_names() {
        assert_eq!(status_filter(None), Ok(None));
        assert_eq!(status_filter(Some(&Value::Null)), Ok(None));
        assert_eq!(status_filter(Some(&json!("working"))), Ok(Some(vec![TaskStatus::Working])));
        let both = status_filter(Some(&json!(["failed", "completed", "failed"])));
        assert_eq!(both, Ok(Some(vec![TaskStatus::Failed, TaskStatus::Completed])));
        for bad in [json!("running"), json!([]), json!(3), json!(["working", 1]), json!({})] {
            let said = status_filter(Some(&bad)).unwrap_err();
            assert!(said.starts_with("status must be"), "{bad}: {said}");
            assert!(said.contains("working, input_required, completed, failed, cancelled"));
        }
    }
}
