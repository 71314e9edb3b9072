//! The published 2026-07-28 schemas, and a check of every 2026-07-28 message the server
//! tests receive against them.
//!
//! `tests/schema/mcp-2026-07-28.json` is the core protocol's schema
//! (modelcontextprotocol/modelcontextprotocol `schema/2026-07-28/schema.json`) and
//! `tests/schema/tasks-extension.json` the tasks extension's (modelcontextprotocol/ext-tasks
//! `schema/draft/schema.json`), both unedited. The validator below knows the keywords those
//! two files use (`type`, `$ref`, `properties`, `required`, `additionalProperties`,
//! `propertyNames`, `items`, `const`, `enum`, `anyOf`, `allOf`, `oneOf`, `not`, `minimum`,
//! `maximum`, `minItems`, `maxItems`); `format` is an annotation and is not checked.
//! [`keywords_are_all_known`] fails if a new schema brings another keyword.

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// The core 2026-07-28 schema.
pub fn core() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| parse(include_str!("../schema/mcp-2026-07-28.json")))
}

/// The tasks extension's schema.
pub fn tasks() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| parse(include_str!("../schema/tasks-extension.json")))
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("a vendored schema is JSON")
}

/// The problems of `value` against definition `def` of `root`, one line each.
pub fn problems(root: &Value, def: &str, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let schema = Value::String(format!("#/$defs/{def}"));
    let mut reference = Map::new();
    reference.insert("$ref".into(), schema);
    check(root, &Value::Object(reference), value, "$", &mut out);
    out
}

/// Panics, naming every problem, unless `value` matches definition `def` of `root`.
pub fn assert_valid(root: &Value, def: &str, value: &Value) {
    let found = problems(root, def, value);
    assert!(found.is_empty(), "not a valid {def}: {}\n{value:#}", found.join("; "));
}

/// The keywords [`check`] understands, plus the annotations it ignores.
const KNOWN: &[&str] = &[
    "type",
    "$ref",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "items",
    "const",
    "enum",
    "anyOf",
    "allOf",
    "oneOf",
    "not",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "format",
    "description",
    "title",
    "$schema",
    "$id",
    "$defs",
    "$comment",
    "default",
    "examples",
    "deprecated",
];

/// Every keyword of `root` outside property maps, that [`check`] does not know.
pub fn unknown_keywords(root: &Value) -> Vec<String> {
    fn walk(v: &Value, is_map: bool, out: &mut Vec<String>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| walk(i, false, out)),
            Value::Object(m) => {
                for (k, child) in m {
                    if !is_map && !KNOWN.contains(&k.as_str()) {
                        out.push(k.clone());
                    }
                    let child_is_map = !is_map && matches!(k.as_str(), "properties" | "$defs");
                    // `const`, `default` and `examples` hold data, not schemas.
                    if is_map || !matches!(k.as_str(), "const" | "default" | "examples" | "enum") {
                        walk(child, child_is_map, out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(root, false, &mut out);
    out.sort();
    out.dedup();
    out
}

fn check(root: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    let s = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => return out.push(format!("{path}: nothing is allowed here")),
        Value::Object(s) => s,
        _ => return out.push(format!("{path}: the schema is not a schema")),
    };
    if let Some(target) = s.get("$ref").and_then(Value::as_str) {
        match resolve(root, target) {
            Some(def) => check(root, def, value, path, out),
            None => out.push(format!("{path}: unresolved $ref {target}")),
        }
    }
    if let Some(t) = s.get("type") {
        let allowed: Vec<&str> = match t {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.iter().any(|t| has_type(value, t)) {
            out.push(format!("{path}: expected {}, got {}", allowed.join(" or "), short(value)));
            return;
        }
    }
    if let Some(c) = s.get("const") {
        if !same(c, value) {
            out.push(format!("{path}: expected {c}, got {}", short(value)));
        }
    }
    if let Some(Value::Array(options)) = s.get("enum") {
        if !options.iter().any(|o| same(o, value)) {
            out.push(format!(
                "{path}: {} is not one of {}",
                short(value),
                Value::from(options.clone())
            ));
        }
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = s.get("minimum").and_then(Value::as_f64).filter(|m| n < *m) {
            out.push(format!("{path}: {n} is below {min}"));
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64).filter(|m| n > *m) {
            out.push(format!("{path}: {n} is above {max}"));
        }
    }
    if let Some(Value::Array(all)) = s.get("allOf") {
        for sub in all {
            check(root, sub, value, path, out);
        }
    }
    for (keyword, wanted) in [("anyOf", None), ("oneOf", Some(1))] {
        let Some(Value::Array(options)) = s.get(keyword) else { continue };
        let mut reasons = Vec::new();
        let matching = options
            .iter()
            .filter(|o| {
                let mut p = Vec::new();
                check(root, o, value, path, &mut p);
                let ok = p.is_empty();
                reasons.extend(p);
                ok
            })
            .count();
        if matching == 0 || wanted.is_some_and(|w| matching != w) {
            out.push(format!("{path}: {keyword} matched {matching} ({})", reasons.join(" | ")));
        }
    }
    if let Some(not) = s.get("not") {
        let mut p = Vec::new();
        check(root, not, value, path, &mut p);
        if p.is_empty() {
            out.push(format!("{path}: matches a schema it must not"));
        }
    }
    if let Value::Object(m) = value {
        check_object(root, s, m, path, out);
    }
    if let Value::Array(items) = value {
        if let Some(each) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(root, each, item, &format!("{path}[{i}]"), out);
            }
        }
        let len = items.len() as u64;
        if s.get("minItems").and_then(Value::as_u64).is_some_and(|m| len < m) {
            out.push(format!("{path}: too few items"));
        }
        if s.get("maxItems").and_then(Value::as_u64).is_some_and(|m| len > m) {
            out.push(format!("{path}: too many items"));
        }
    }
}

fn check_object(
    root: &Value,
    s: &Map<String, Value>,
    m: &Map<String, Value>,
    path: &str,
    out: &mut Vec<String>,
) {
    let properties = s.get("properties").and_then(Value::as_object);
    if let Some(Value::Array(required)) = s.get("required") {
        for key in required.iter().filter_map(Value::as_str) {
            if !m.contains_key(key) {
                out.push(format!("{path}: lacks required `{key}`"));
            }
        }
    }
    for (key, v) in m {
        let at = format!("{path}.{key}");
        if let Some(names) = s.get("propertyNames") {
            check(root, names, &Value::String(key.clone()), &at, out);
        }
        match properties.and_then(|p| p.get(key)) {
            Some(sub) => check(root, sub, v, &at, out),
            None => {
                if let Some(extra) = s.get("additionalProperties") {
                    check(root, extra, v, &at, out);
                }
            }
        }
    }
}

fn resolve<'a>(root: &'a Value, target: &str) -> Option<&'a Value> {
    let pointer = target.strip_prefix('#')?;
    root.pointer(pointer)
}

fn has_type(value: &Value, t: &str) -> bool {
    match t {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

/// JSON equality with numbers compared by value (`1` and `1.0` are the same number).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// Checks the answer to a 2026-07-28 request for `method` (a JSON-RPC response) against
/// the published schemas: the envelope, then the result's own definition. A completed
/// task's inline `result` is checked as the `CallToolResult` it is.
pub fn check_response(method: &str, msg: &Value) {
    if msg.get("error").is_some() {
        return assert_valid(core(), "JSONRPCErrorResponse", msg);
    }
    assert_valid(core(), "JSONRPCResultResponse", msg);
    let result = &msg["result"];
    let (root, def) = match method {
        "server/discover" => (core(), "DiscoverResult"),
        "tools/list" => (core(), "ListToolsResult"),
        "tools/call" => match result["resultType"].as_str() {
            Some("task") => (tasks(), "CreateTaskResult"),
            Some("input_required") => (core(), "InputRequiredResult"),
            _ => (core(), "CallToolResult"),
        },
        "tasks/get" => (tasks(), "GetTaskResult"),
        "tasks/update" => (tasks(), "UpdateTaskResult"),
        "tasks/cancel" => (tasks(), "CancelTaskResult"),
        "subscriptions/listen" => (core(), "SubscriptionsListenResult"),
        _ => (core(), "Result"),
    };
    assert_valid(root, def, result);
    if method == "tasks/get" {
        check_inline_result(result);
    }
}

/// Checks a message on a 2026-07-28 `subscriptions/listen` stream: a notification, or the
/// listen request's closing result.
pub fn check_listen_message(msg: &Value) {
    match msg["method"].as_str() {
        Some("notifications/tasks") => {
            assert_valid(tasks(), "TaskStatusNotification", msg);
            check_inline_result(&msg["params"]);
        }
        Some("notifications/subscriptions/acknowledged") => {
            assert_valid(core(), "SubscriptionsAcknowledgedNotification", msg);
        }
        Some(_) => assert_valid(core(), "JSONRPCNotification", msg),
        None => check_response("subscriptions/listen", msg),
    }
}

/// A completed task's `result` is the original request's result: a `CallToolResult` here.
fn check_inline_result(task: &Value) {
    if task["status"] == "completed" {
        assert_valid(core(), "CallToolResult", &task["result"]);
    }
}
