//! The questions a task asks, as plain hosts see them, and `answer_task_input`, through
//! which a host's model passes on the user's answer.
//!
//! A model can only relay what the user said; the server cannot tell a relayed answer from
//! an invented one, so the tool's description tells the model to ask, and form answers are
//! checked against the question's schema so that a wrong shape is sent back to be fixed
//! instead of reading as a refusal.

use serde_json::{Map, Value, json};

use super::fields::{Outcome, not_found, task_id_arg, task_properties, with_structured};
use crate::id::TaskId;
use crate::receiver::Caller;
use crate::server::state::Shared;
use crate::server::tool::object_schema as object;
use crate::store::StoreError;
use crate::task::{InputRequest, InputRequests, TaskStatus};

const ELICIT: &str = "elicitation/create";
const ACTIONS: [&str; 3] = ["accept", "decline", "cancel"];

/// The open questions as `structuredContent` lists them.
pub(super) fn questions(requests: &InputRequests) -> Value {
    let list: Vec<Value> = requests
        .iter()
        .map(|(key, r)| json!({"key": key, "method": r.method, "params": r.params}))
        .collect();
    Value::Array(list)
}

pub(super) fn questions_schema() -> Value {
    json!({"type": "array", "description": "The questions the task waits on.",
        "items": object(json!({"key": {"type": "string"}, "method": {"type": "string"},
            "params": {"type": "object"}}), &["key", "method"])})
}

/// The open questions in words: what each asks and how to answer it.
pub(super) fn questions_text(id: &TaskId, requests: &InputRequests) -> String {
    let count = match requests.len() {
        1 => "1 question".to_owned(),
        n => format!("{n} questions"),
    };
    let mut lines = vec![format!(
        "Task {id} is waiting for input ({count}). Put each question to the user, then pass \
         their answer with answer_task_input:"
    )];
    let several = requests.len() > 1;
    for (key, request) in requests {
        // Written out by hand so that the fields read in the order a call is made.
        let mut call = format!("{{\"taskId\": {}", Value::from(id.as_str()));
        if several {
            call.push_str(&format!(", \"key\": {}", Value::from(key.as_str())));
        }
        if request.method == ELICIT {
            let (fields, example) = describe_form(schema_of(request));
            call.push_str(&format!(", \"response\": {}}}", Value::Object(example)));
            let message = request.params.get("message").and_then(Value::as_str).unwrap_or("");
            lines.push(format!("- {key}: {message:?} Fields: {fields}. For example: {call}"));
        } else {
            lines.push(format!(
                "- {key}: a {} request (its params are in structuredContent); pass its whole \
                 result as response.",
                request.method
            ));
        }
    }
    lines.push("To refuse a question, pass \"action\": \"decline\" and no response.".into());
    lines.join("\n")
}

/// `answer_task_input {taskId, key?, action?, response?}`.
pub(super) fn answer(shared: &Shared, caller: &Caller, args: &Map<String, Value>) -> Outcome {
    let id = task_id_arg(args)?;
    let key = match args.get("key") {
        None | Some(Value::Null) => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err("key must be a string, as get_task_status shows it".into()),
    };
    let action = match args.get("action") {
        None | Some(Value::Null) => "accept",
        Some(Value::String(a)) if ACTIONS.contains(&a.as_str()) => a.as_str(),
        Some(_) => return Err("action must be \"accept\", \"decline\" or \"cancel\"".into()),
    };
    let response = match args.get("response") {
        None | Some(Value::Null) => None,
        Some(Value::Object(r)) => Some(r),
        Some(_) => return Err("response must be an object, e.g. {\"approve\": true}".into()),
    };
    let mut st = shared.lock();
    let now = shared.now();
    let record = match st.receiver().store().get(&caller.owner, &id, now) {
        Ok(record) => record,
        Err(StoreError::NotFound { .. }) => return Err(not_found(&id)),
        Err(e) => return Err(format!("Could not read task {id}: {e}")),
    };
    if record.task().status() != TaskStatus::InputRequired {
        return Err(format!("Task {id} is {} and waits for no answer.", record.task().status()));
    }
    let open = record.input_requests();
    let keys = || open.keys().cloned().collect::<Vec<_>>().join(", ");
    let key = match key {
        Some(k) if open.contains_key(&k) => k,
        Some(k) => return Err(format!("Task {id} has no open question {k:?}; open: {}", keys())),
        None => match open.keys().next() {
            Some(only) if open.len() == 1 => only.clone(),
            _ => {
                return Err(format!(
                    "Task {id} has {} open questions; pass key, one of: {}",
                    open.len(),
                    keys()
                ));
            }
        },
    };
    let Some(request) = open.get(&key) else {
        return Err(format!("Task {id} has no open question {key:?}"));
    };
    let reply = build_reply(request, action, response)?;
    let delivered = st.receiver().deliver_answer(caller, &id, key.clone(), reply, now);
    if let Err(e) = delivered {
        return Err(format!("Could not answer task {id}: {e}"));
    }
    st.forget_input(&id, &key);
    st.poke(&id);
    st.drain_events();
    let (status, left) = match st.receiver().store().get(&caller.owner, &id, now) {
        Ok(record) => (record.task().status(), record.input_requests().len()),
        Err(_) => return Err(not_found(&id)),
    };
    let message = if left > 0 {
        format!("Answer to {key} recorded; task {id} still waits on {left} question(s).")
    } else {
        format!("Answer to {key} recorded; task {id} goes on. Follow it with get_task_status.")
    };
    let mut content = Map::new();
    content.insert("taskId".into(), Value::from(id.as_str()));
    content.insert("answered".into(), Value::from(key));
    content.insert("status".into(), Value::from(status.as_str()));
    content.insert("openQuestions".into(), Value::from(left));
    Ok(with_structured(&message, false, content))
}

/// The result the task's work receives, as if the client had answered the request itself.
fn build_reply(
    request: &InputRequest,
    action: &str,
    response: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>, String> {
    if request.method != ELICIT {
        return match response {
            Some(r) if action == "accept" => Ok(r.clone()),
            _ => Err(format!(
                "This question is a {} request: pass its whole result as response",
                request.method
            )),
        };
    }
    let mut reply = Map::new();
    reply.insert("action".into(), Value::from(action));
    if action == "accept" {
        let Some(content) = response else {
            let (fields, _) = describe_form(schema_of(request));
            return Err(format!("response is required to accept; fields: {fields}"));
        };
        check_form(schema_of(request), content)?;
        reply.insert("content".into(), Value::Object(content.clone()));
    }
    Ok(reply)
}

fn schema_of(request: &InputRequest) -> Option<&Map<String, Value>> {
    request.params.get("requestedSchema").and_then(Value::as_object)
}

fn properties(schema: Option<&Map<String, Value>>) -> Option<&Map<String, Value>> {
    schema?.get("properties")?.as_object()
}

fn required(schema: Option<&Map<String, Value>>) -> Vec<&str> {
    let list = schema.and_then(|s| s.get("required")).and_then(Value::as_array);
    list.map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
}

/// The allowed values of a field: `enum`, or the `const`s of a titled `oneOf`.
fn choices(field: &Map<String, Value>) -> Option<Vec<&Value>> {
    if let Some(values) = field.get("enum").and_then(Value::as_array) {
        return Some(values.iter().collect());
    }
    let one_of = field.get("oneOf").and_then(Value::as_array)?;
    Some(one_of.iter().filter_map(|o| o.get("const")).collect())
}

/// "approve (boolean, required)" for each field, and an example response.
fn describe_form(schema: Option<&Map<String, Value>>) -> (String, Map<String, Value>) {
    let required = required(schema);
    let mut parts = Vec::new();
    let mut example = Map::new();
    for (name, field) in properties(schema).into_iter().flatten() {
        let Some(field) = field.as_object() else { continue };
        let kind = field.get("type").and_then(Value::as_str).unwrap_or("any");
        let mut part = format!("{name} ({kind}");
        if let Some(values) = choices(field) {
            let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            part.push_str(&format!(", one of {}", shown.join(" | ")));
        }
        if required.contains(&name.as_str()) {
            part.push_str(", required");
        }
        part.push(')');
        parts.push(part);
        let sample = match (choices(field).and_then(|c| c.first().copied()), kind) {
            (Some(first), _) => first.clone(),
            (None, "boolean") => Value::Bool(true),
            (None, "number" | "integer") => Value::from(1),
            (None, _) => Value::from("…"),
        };
        example.insert(name.clone(), sample);
    }
    let fields = if parts.is_empty() { "none".to_owned() } else { parts.join(", ") };
    (fields, example)
}

/// Checks a form answer against the flat schema elicitation allows: required fields,
/// no unknown ones, primitive types and allowed values.
fn check_form(
    schema: Option<&Map<String, Value>>,
    content: &Map<String, Value>,
) -> Result<(), String> {
    let props = properties(schema);
    let mut problems = Vec::new();
    for name in required(schema) {
        if !content.contains_key(name) {
            problems.push(format!("{name} is required"));
        }
    }
    for (name, value) in content {
        let Some(field) = props.and_then(|p| p.get(name)).and_then(Value::as_object) else {
            problems.push(format!("{name} is not a field of this question"));
            continue;
        };
        let kind = field.get("type").and_then(Value::as_str);
        let fits = match kind {
            Some("string") => value.is_string(),
            Some("number") => value.is_number(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("boolean") => value.is_boolean(),
            _ => true,
        };
        if !fits {
            problems.push(format!("{name} must be a {}", kind.unwrap_or("value")));
        } else if let Some(values) = choices(field) {
            if !values.contains(&value) {
                let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                problems.push(format!("{name} must be one of {}", shown.join(" | ")));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let (fields, _) = describe_form(schema);
        Err(format!(
            "The answer does not fit the question: {}. Fields: {fields}",
            problems.join("; ")
        ))
    }
}

pub(super) fn input_schema() -> Value {
    object(
        json!({
            "taskId": {"type": "string", "description": "The task that asked."},
            "key": {"type": "string",
                "description": "Which question, as get_task_status lists it; needed only \
                    when several are open."},
            "action": {"type": "string", "enum": ACTIONS, "default": "accept",
                "description": "accept to answer, decline to refuse, cancel to dismiss."},
            "response": {"type": "object",
                "description": "The user's answer: for a form question, the fields it asks \
                    for, e.g. {\"approve\": true}."}
        }),
        &["taskId"],
    )
}

pub(super) fn output_schema() -> Value {
    let mut props = Map::new();
    for field in ["taskId", "status"] {
        if let Some(p) = task_properties().get(field) {
            props.insert(field.into(), p.clone());
        }
    }
    props.insert("answered".into(), json!({"type": "string", "description": "The key answered."}));
    props.insert(
        "openQuestions".into(),
        json!({"type": "integer", "description": "Questions the task still waits on."}),
    );
    object(Value::Object(props), &["taskId", "answered", "status", "openQuestions"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> InputRequest {
        let params = json!({"message": "Go?", "requestedSchema": {"type": "object",
            "properties": {"approve": {"type": "boolean"},
                "size": {"type": "string", "enum": ["s", "m"]}},
            "required": ["approve"]}});
        let Value::Object(params) = params else { unreachable!() };
        InputRequest { method: ELICIT.into(), params }
    }

    fn map(v: Value) -> Map<String, Value> {
        let Value::Object(m) = v else { unreachable!() };
        m
    }

    #[test]
    fn form_answers_are_checked_against_the_schema() {
        let ok = map(json!({"approve": true, "size": "m"}));
        assert_eq!(
            build_reply(&form(), "accept", Some(&ok)),
            Ok(map(json!({"action": "accept", "content": ok})))
        );
        let wrong = map(json!({"approve": "yes", "size": "xl", "colour": 1}));
        let err = build_reply(&form(), "accept", Some(&wrong)).unwrap_err();
        for what in ["approve must be a boolean", "size must be one of", "colour is not a field"] {
            assert!(err.contains(what), "{err}");
        }
        let err = build_reply(&form(), "accept", Some(&map(json!({"size": "s"})))).unwrap_err();
        assert!(err.contains("approve is required"), "{err}");
        assert!(build_reply(&form(), "accept", None).is_err());
        assert_eq!(build_reply(&form(), "decline", None), Ok(map(json!({"action": "decline"}))));
    }

    #[test]
    fn questions_read_as_instructions() {
        let mut open = InputRequests::new();
        open.insert("input-1".into(), form());
        let text = questions_text(&TaskId::from("t1"), &open);
        assert!(text.contains("\"Go?\""), "{text}");
        assert!(text.contains("approve (boolean, required)"), "{text}");
        let example = r#"{"taskId": "t1", "response": {"approve":true,"size":"s"}}"#;
        assert!(text.contains(example), "{text}");
    }
}
