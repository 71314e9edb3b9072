//! Values across the boundary: Rust JSON to plain JS objects (never ES `Map`s), JS option
//! bags to Rust, and the engine's models in the shapes the TypeScript SDK uses.

use js_sys::{Function, Object, Reflect};
use serde_json::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};

use crate::client::{CallOutcome, Failure as CallFailure, RawResult, TaskReference};
use crate::protocol::legacy::WireShape;
use crate::task::{Generation, Outcome, Payload, Task, TaskView};

use super::error::Failure;
use super::materialize;

/// A JSON value as a plain JS value: objects, arrays, numbers, strings, built in one call
/// into JS from tokens (`materialize`), not key by key across the boundary nor as text
/// written and parsed again.
pub(crate) fn to_js(value: &Value) -> JsValue {
    super::materialize::tree_to_js(value)
}

/// A JSON object as a plain JS object.
pub(crate) fn object_to_js(map: &Map<String, Value>) -> JsValue {
    super::materialize::map_to_js(map)
}

/// A JS value as JSON, or why it is not one.
pub(crate) fn from_js(value: JsValue, what: &str) -> Result<Value, Failure> {
    json_of(&value).map_err(|e| Failure::InvalidArgument(format!("{what} is not JSON: {e}")))
}

/// A JS value as JSON, walked directly (no serde deserialiser for JS values, for size), by
/// the rules of serde-wasm-bindgen it replaces: `undefined` and `null` are null, safe
/// integers are integers and other numbers floats (NaN and the infinities null), BigInts
/// within i64..u64 are integers, arrays are arrays, plain objects and `Map`s with string keys
/// are objects (an `undefined` property is null); functions, symbols, byte arrays and other
/// iterables are not JSON. Nesting deeper than [`MAX_DEPTH`] is refused, and so a value that
/// contains itself is too, named as a cycle: both would otherwise overflow the stack.
fn json_of(value: &JsValue) -> Result<Value, String> {
    json_within(value, &mut Vec::new())
}

/// How deep arrays and objects may nest in a JS value: the JSON parser's bound.
const MAX_DEPTH: usize = crate::protocol::json::MAX_DEPTH;

/// [`json_of`] for a value inside the arrays and objects `open` (outermost first).
fn json_within(value: &JsValue, open: &mut Vec<JsValue>) -> Result<Value, String> {
    use js_sys::{Array, ArrayBuffer, Map as JsMap, Number, Symbol, Uint8Array};
    if value.is_undefined() || value.is_null() {
        return Ok(Value::Null);
    }
    if let Some(b) = value.as_bool() {
        return Ok(Value::Bool(b));
    }
    if value.is_bigint() {
        return match i64::try_from(value.clone()) {
            Ok(n) => Ok(n.into()),
            Err(value) => u64::try_from(value)
                .map(Value::from)
                .map_err(|_| "a BigInt outside i64::MIN..u64::MAX".to_owned()),
        };
    }
    if let Some(n) = value.as_f64() {
        return Ok(if Number::is_safe_integer(value) {
            Value::from(n as i64)
        } else {
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        });
    }
    if let Some(s) = value.as_string() {
        return Ok(Value::String(s));
    }
    if Array::is_array(value) {
        enter(open, value)?;
        let items = Array::from(value).iter().map(|item| json_within(&item, open)).collect();
        open.pop();
        return items;
    }
    if value.is_instance_of::<Uint8Array>() || value.is_instance_of::<ArrayBuffer>() {
        return Err("a byte array".to_owned());
    }
    let entries = if let Some(map) = value.dyn_ref::<JsMap>() {
        Array::from(&map.entries())
    } else if value.is_object() && !Reflect::has(value, &Symbol::iterator()).unwrap_or(true) {
        Object::entries(value.unchecked_ref())
    } else {
        return Err(if value.is_function() {
            "a function".to_owned()
        } else if value.is_symbol() {
            "a symbol".to_owned()
        } else {
            "an iterable that is neither an array nor a Map".to_owned()
        });
    };
    enter(open, value)?;
    let mut out = Map::new();
    for entry in entries.iter() {
        let pair = Array::from(&entry);
        let key =
            pair.get(0).as_string().ok_or_else(|| "a Map key that is not a string".to_owned())?;
        out.insert(key, json_within(&pair.get(1), open)?);
    }
    open.pop();
    Ok(Value::Object(out))
}

/// Opens `value`, an array or object, inside `open`, unless that nests too deep. Only then
/// are the open values compared with it (`Object.is`), which costs nothing on the way down
/// and still tells a cycle (of up to `MAX_DEPTH` values) from a merely deep value.
fn enter(open: &mut Vec<JsValue>, value: &JsValue) -> Result<(), String> {
    if open.len() >= MAX_DEPTH {
        return Err(if open.iter().any(|o| Object::is(o, value)) {
            "a cycle (an array or object that contains itself)".to_owned()
        } else {
            format!("nested deeper than {MAX_DEPTH} levels")
        });
    }
    open.push(value.clone());
    Ok(())
}

/// A JS value that must be a JSON object (or absent, which is `None`).
pub(crate) fn object(value: JsValue, what: &str) -> Result<Option<Map<String, Value>>, Failure> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match from_js(value, what)? {
        Value::Object(map) => Ok(Some(map)),
        _ => Err(Failure::InvalidArgument(format!("{what} must be an object"))),
    }
}

/// `options[key]`, with `undefined` and `null` as absent.
pub(crate) fn field(options: &JsValue, key: &str) -> Option<JsValue> {
    if !options.is_object() {
        return None;
    }
    let value = Reflect::get(options, &JsValue::from_str(key)).ok()?;
    (!value.is_undefined() && !value.is_null()).then_some(value)
}

/// `options[key]` as a string.
pub(crate) fn string(options: &JsValue, key: &str) -> Result<Option<String>, Failure> {
    field(options, key)
        .map(|v| {
            v.as_string().ok_or_else(|| Failure::InvalidArgument(format!("{key} must be a string")))
        })
        .transpose()
}

/// `options[key]` as a whole number of milliseconds.
pub(crate) fn millis(options: &JsValue, key: &str) -> Result<Option<u64>, Failure> {
    let bad = || Failure::InvalidArgument(format!("{key} must be a non-negative number"));
    field(options, key)
        .map(|v| match v.as_f64() {
            Some(n) if n.is_finite() && n >= 0.0 => Ok(n as u64),
            _ => Err(bad()),
        })
        .transpose()
}

/// `options[key]` as a boolean.
pub(crate) fn flag(options: &JsValue, key: &str) -> Result<Option<bool>, Failure> {
    field(options, key)
        .map(|v| {
            v.as_bool().ok_or_else(|| Failure::InvalidArgument(format!("{key} must be a boolean")))
        })
        .transpose()
}

/// `options[key]` as a function.
pub(crate) fn function(options: &JsValue, key: &str) -> Result<Option<Function>, Failure> {
    field(options, key)
        .map(|v| {
            v.dyn_into::<Function>()
                .map_err(|_| Failure::InvalidArgument(format!("{key} must be a function")))
        })
        .transpose()
}

/// `options[key]` (`headers`, `endpointMemory.endpoints`) as name/value pairs of strings.
pub(crate) fn string_entries(
    options: &JsValue,
    key: &str,
) -> Result<Vec<(String, String)>, Failure> {
    let Some(entries) = field(options, key) else { return Ok(Vec::new()) };
    let bad = || Failure::InvalidArgument("headers and endpoints map names to strings".into());
    let entries: Object = entries.dyn_into().map_err(|_| bad())?;
    let mut out = Vec::new();
    for entry in Object::entries(&entries).iter() {
        let pair = js_sys::Array::from(&entry);
        match (pair.get(0).as_string(), pair.get(1).as_string()) {
            (Some(name), Some(value)) => out.push((name, value)),
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

/// An object of our own making without its `null` members: JS sees an absent value as
/// `undefined`, never `null` (the peer's own JSON keeps its nulls).
pub(crate) fn compact(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                if !value.is_null() {
                    out.insert(key, value);
                }
            }
            Value::Object(out)
        }
        value => value,
    }
}

/// The protocol revision string of a generation.
pub(crate) fn generation(g: Generation) -> &'static str {
    g.protocol_version()
}

/// A task as the TypeScript SDK shapes it (`ttl` and `pollInterval` in milliseconds).
pub(crate) fn task(task: &Task) -> Value {
    let mut out = Map::new();
    out.insert("taskId".into(), task.task_id.as_str().into());
    out.insert("status".into(), task.status().as_str().into());
    out.insert("createdAt".into(), task.created_at.as_str().into());
    out.insert("lastUpdatedAt".into(), task.last_updated_at.as_str().into());
    out.insert("ttl".into(), task.ttl_ms.map_or(Value::Null, Value::from));
    if let Some(message) = &task.status_message {
        out.insert("statusMessage".into(), message.as_str().into());
    }
    if let Some(poll) = task.poll_interval_ms {
        out.insert("pollInterval".into(), poll.into());
    }
    Value::Object(out)
}

/// A task with what its status carries inline (2026-07-28): `inputRequests` while it
/// waits for input, `result` or `error` once it ended.
pub(crate) fn task_view(view: &TaskView) -> Value {
    let mut out = task(&view.task);
    let (key, value) = match &view.payload {
        Payload::None => return out,
        Payload::InputRequests(requests) => {
            let mut map = Map::new();
            for (key, r) in requests {
                let request = crate::protocol::json::jv!({"method": r.method, "params": r.params});
                map.insert(key.clone(), request);
            }
            ("inputRequests", Value::Object(map))
        }
        Payload::Outcome(Outcome::Result(result)) => ("result", Value::Object(result.clone())),
        Payload::Outcome(Outcome::Error(e)) => (
            "error",
            compact(
                crate::protocol::json::jv!({"code": e.code.0, "message": e.message, "data": e.data}),
            ),
        ),
    };
    out[key] = value;
    out
}

/// A page of tasks as `listTasks` resolves it.
pub(crate) fn task_page(tasks: &[Task], next_cursor: Option<&str>) -> Value {
    let mut page = Map::new();
    page.insert("tasks".into(), Value::Array(tasks.iter().map(task).collect()));
    if let Some(cursor) = next_cursor {
        page.insert("nextCursor".into(), cursor.into());
    }
    Value::Object(page)
}

/// A reference as plain JSON (its serde form is the documented one).
pub(crate) fn reference(reference: &TaskReference) -> JsValue {
    object_to_js(&reference.to_map())
}

/// A JS reference object back to Rust.
pub(crate) fn reference_from(value: JsValue) -> Result<TaskReference, Failure> {
    match from_js(value, "reference")? {
        Value::Object(map) => TaskReference::from_map(&map).map_err(Failure::Client),
        _ => Err(Failure::InvalidArgument("reference must be an object".into())),
    }
}

/// How a call's promise settles: a tool result (also one with `isError: true`, as the
/// TypeScript SDK returns it), or a failure.
pub(crate) fn settle(outcome: &CallOutcome, raw: Option<&RawResult>) -> Result<JsValue, Failure> {
    match outcome {
        // The result as it came, when the engine kept it: built straight from its tape.
        CallOutcome::Completed(result) | CallOutcome::Failed(CallFailure::Tool(result)) => Ok(raw
            .map_or_else(|| object_to_js(&result.to_map()), |raw| materialize::to_js(raw.node()))),
        CallOutcome::Failed(CallFailure::Rpc(error)) => Err(Failure::Rpc(error.clone())),
        CallOutcome::Cancelled { status_message } => {
            Err(Failure::Cancelled { status_message: status_message.clone() })
        }
        CallOutcome::Expired(reason) => Err(Failure::Expired(*reason)),
        CallOutcome::Error(error) => Err(Failure::Client(error.clone())),
    }
}

/// `{ [key]: value, ... }` as a JS object.
pub(crate) fn js_object(entries: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in entries {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}
