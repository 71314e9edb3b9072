//! Golden vectors for the 2025-11-25 wire model: every tasks-flow message captured between
//! the TypeScript and Python SDKs, and the JSON examples of the spec, must parse into the
//! typed shapes and re-emit as the same JSON.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::Path;

use mcp_tasks::protocol::WireError;
use mcp_tasks::protocol::jsonrpc::{ErrorObject, Message, RequestId};
use mcp_tasks::protocol::legacy::{
    CallToolParams, CallToolResponse, CallToolResult, CancelTaskResult, ClientCapabilities,
    GetTaskResult, InitializeParams, InitializeResult, ListTasksParams, ListTasksResult,
    ListToolsResult, Object, ServerCapabilities, TaskIdParams, TaskPayloadResult,
    TaskStatusNotificationParams, TaskSupport, ToolExecution, WireShape, related_task,
};
use mcp_tasks::task::TaskStatus;
use serde_json::{Value, json};

const WIRE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wire");
const SPEC_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/spec-legacy.jsonl");

/// Where a capture departs from what this crate re-emits, or from the spec, on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Deviation {
    /// A task without `ttl`; re-emitted with `"ttl": null`.
    TaskWithoutTtl,
    /// A `tasks/result` result without `content`: not a `CallToolResult`.
    PayloadWithoutContent,
    /// `tasks/get` or `tasks/result` params with fields besides `taskId`/`_meta`.
    ExtraTaskIdParams,
    /// A `tasks/list` request without `params`; re-emitted as `{}`.
    ListWithoutParams,
    /// A task in a status notification or `tasks/list` that no `CreateTaskResult` announced:
    /// the TypeScript server runs plain calls of task-capable tools as tasks internally.
    UnannouncedTask,
}

#[derive(Default)]
struct Coverage {
    messages: usize,
    vectors: usize,
    kinds: BTreeMap<&'static str, usize>,
    deviations: BTreeMap<Deviation, usize>,
    /// Task ids announced by a `CreateTaskResult` so far.
    created: HashSet<String>,
}

impl Coverage {
    fn hit(&mut self, kind: &'static str) {
        self.vectors += 1;
        *self.kinds.entry(kind).or_default() += 1;
    }

    fn deviate(&mut self, d: Deviation) {
        *self.deviations.entry(d).or_default() += 1;
    }

    fn seen_task(&mut self, task_id: &str) {
        if !self.created.contains(task_id) {
            self.deviate(Deviation::UnannouncedTask);
        }
    }
}

fn object(value: Value) -> Object {
    match value {
        Value::Object(map) => map,
        other => panic!("expected an object, got {other}"),
    }
}

/// Adds `"ttl": null` to a task object that lacks it, as this crate always writes `ttl`.
fn fill_ttl(task: &mut Value, cov: &mut Coverage) {
    if let Value::Object(map) = task {
        if !map.contains_key("ttl") {
            map.insert("ttl".into(), Value::Null);
            cov.deviate(Deviation::TaskWithoutTtl);
        }
    }
}

fn assert_round_trip(file: &str, what: &str, expected: Value, emitted: Value) {
    assert_eq!(emitted, expected, "{file}: {what} did not re-emit as received");
}

/// A request as remembered for pairing with its response.
struct Pending {
    method: String,
    params: Option<Object>,
}

fn walk(path: &Path) -> Coverage {
    let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_owned();
    let text = fs::read_to_string(path).expect("fixture readable");
    let mut cov = Coverage::default();
    // Requests by (direction they travelled, id); a response travels the other way.
    let mut pending: HashMap<(String, RequestId), Pending> = HashMap::new();

    for (n, line) in text.lines().enumerate() {
        let record: Value = serde_json::from_str(line).expect("fixture line is JSON");
        let dir = record["dir"].as_str().expect("dir").to_owned();
        let msg = record["msg"].clone();
        if msg.is_null() {
            continue;
        }
        cov.messages += 1;
        let here = format!("{file}:{}", n + 1);
        let message = Message::from_value(msg).expect("fixture message is JSON-RPC");
        match message {
            Message::Request(req) => {
                let params = req.params.clone();
                let original = Value::Object(params.clone().unwrap_or_default());
                match req.method.as_str() {
                    "initialize" => {
                        let p = InitializeParams::from_params(params.clone()).unwrap();
                        assert_eq!(p.protocol_version, "2025-11-25");
                        assert_round_trip(&here, "initialize params", original, p.to_value());
                        cov.hit("initialize request");
                    }
                    "tools/call" => {
                        let p = CallToolParams::from_params(params.clone()).unwrap();
                        let kind = if p.task.is_some() {
                            "tools/call request (task)"
                        } else {
                            "tools/call request (plain)"
                        };
                        assert_round_trip(&here, "tools/call params", original, p.to_value());
                        cov.hit(kind);
                    }
                    m @ ("tasks/get" | "tasks/result" | "tasks/cancel") => {
                        let p = TaskIdParams::from_params(params.clone()).unwrap();
                        assert!(!p.task_id.as_str().is_empty());
                        if !p.unknown.is_empty() {
                            assert!(p.unknown.contains_key("task"), "{here}: {:?}", p.unknown);
                            cov.deviate(Deviation::ExtraTaskIdParams);
                        }
                        assert_round_trip(&here, m, original, p.to_value());
                        cov.hit(match m {
                            "tasks/get" => "tasks/get request",
                            "tasks/result" => "tasks/result request",
                            _ => "tasks/cancel request",
                        });
                    }
                    "tasks/list" => {
                        if params.is_none() {
                            cov.deviate(Deviation::ListWithoutParams);
                        }
                        let p = ListTasksParams::from_params(params.clone()).unwrap();
                        assert_round_trip(&here, "tasks/list params", original, p.to_value());
                        cov.hit("tasks/list request");
                    }
                    _ => {}
                }
                let previous = pending.insert(
                    (dir.clone(), req.id.clone()),
                    Pending { method: req.method.clone(), params },
                );
                assert!(previous.is_none(), "{here}: request id reused");
            }
            Message::Notification(note) => {
                if note.method == "notifications/tasks/status" {
                    let mut original = Value::Object(note.params.clone().unwrap_or_default());
                    let p = TaskStatusNotificationParams::from_params(note.params).unwrap();
                    cov.seen_task(p.task.task_id.as_str());
                    fill_ttl(&mut original, &mut cov);
                    assert_round_trip(&here, "status notification", original, p.to_value());
                    cov.hit("notifications/tasks/status");
                }
            }
            Message::Result(resp) => {
                let request_dir =
                    if dir == "server->client" { "client->server" } else { "server->client" };
                let Some(req) = pending.remove(&(request_dir.to_owned(), resp.id.clone())) else {
                    panic!("{here}: response to no request")
                };
                check_result(&here, &req, resp.result, &mut cov);
            }
            Message::Error(resp) => {
                let id = resp.id.clone().expect("captured errors answer a request");
                let request_dir =
                    if dir == "server->client" { "client->server" } else { "server->client" };
                let Some(req) = pending.remove(&(request_dir.to_owned(), id)) else {
                    panic!("{here}: error to no request")
                };
                if req.method.starts_with("tasks/") || req.method == "tools/call" {
                    let original = serde_json::to_value(&resp.error).unwrap();
                    let parsed: ErrorObject = serde_json::from_value(original.clone()).unwrap();
                    assert_round_trip(
                        &here,
                        "error",
                        original,
                        serde_json::to_value(&parsed).unwrap(),
                    );
                    cov.hit("error response");
                }
            }
        }
    }
    cov
}

fn request_task_id(req: &Pending) -> String {
    TaskIdParams::from_params(req.params.clone()).unwrap().task_id.0
}

fn check_result(here: &str, req: &Pending, result: Object, cov: &mut Coverage) {
    let mut original = Value::Object(result.clone());
    match req.method.as_str() {
        "initialize" => {
            let r = InitializeResult::from_map(result).unwrap();
            assert!(r.capabilities.supports_task_tool_call(), "{here}");
            let tasks = r.capabilities.tasks.as_ref().unwrap();
            assert!(tasks.supports_list() && tasks.supports_cancel(), "{here}");
            assert_round_trip(here, "initialize result", original, r.to_value());
            cov.hit("initialize result");
        }
        "tools/list" => {
            let r = ListToolsResult::from_map(result).unwrap();
            let support =
                |name: &str| r.tools.iter().find(|t| t.name == name).map(|t| t.task_support());
            assert_eq!(support("echo"), Some(TaskSupport::Forbidden), "{here}");
            assert_eq!(support("slow_count"), Some(TaskSupport::Optional), "{here}");
            assert_eq!(support("slow_required"), Some(TaskSupport::Required), "{here}");
            assert_round_trip(here, "tools/list result", original, r.to_value());
            cov.hit("tools/list result");
        }
        "tools/call" => {
            if let Some(task) = original.get_mut("task") {
                fill_ttl(task, cov);
            }
            let r = CallToolResponse::from_map(result).unwrap();
            let kind = match &r {
                CallToolResponse::Task(created) => {
                    assert_eq!(created.task.status, TaskStatus::Working, "{here}");
                    cov.created.insert(created.task.task_id.0.clone());
                    "tools/call result (CreateTaskResult)"
                }
                CallToolResponse::Result(_) => "tools/call result (CallToolResult)",
            };
            assert_round_trip(here, "tools/call result", original, Value::Object(r.to_map()));
            cov.hit(kind);
        }
        "tasks/get" => {
            fill_ttl(&mut original, cov);
            let r = GetTaskResult::from_map(result).unwrap();
            assert_eq!(r.task.task_id.0, request_task_id(req), "{here}");
            assert_round_trip(here, "tasks/get result", original, r.to_value());
            cov.hit("tasks/get result");
        }
        "tasks/cancel" => {
            fill_ttl(&mut original, cov);
            let r = CancelTaskResult::from_map(result).unwrap();
            assert_eq!(r.task.task_id.0, request_task_id(req), "{here}");
            assert_eq!(r.task.status, TaskStatus::Cancelled, "{here}");
            assert_round_trip(here, "tasks/cancel result", original, r.to_value());
            cov.hit("tasks/cancel result");
        }
        "tasks/list" => {
            if let Some(Value::Array(tasks)) = original.get_mut("tasks") {
                tasks.iter_mut().for_each(|t| fill_ttl(t, cov));
            }
            let r = ListTasksResult::from_map(result).unwrap();
            assert!(!r.tasks.is_empty(), "{here}");
            for task in &r.tasks {
                cov.seen_task(task.task_id.as_str());
            }
            assert_round_trip(here, "tasks/list result", original, r.to_value());
            cov.hit("tasks/list result");
        }
        "tasks/result" => {
            let r = TaskPayloadResult::from_map(result).unwrap();
            assert_eq!(
                r.related_task().unwrap().map(|id| id.0),
                Some(request_task_id(req)),
                "{here}: tasks/result must name its task in _meta"
            );
            assert_round_trip(here, "tasks/result result", original.clone(), r.to_value());
            match r.to_call_tool_result() {
                Ok(tool) => {
                    assert_round_trip(here, "CallToolResult", original, tool.to_value());
                    cov.hit("tasks/result result (CallToolResult)");
                }
                Err(WireError::MissingField { field: "content", .. }) => {
                    cov.deviate(Deviation::PayloadWithoutContent);
                    cov.hit("tasks/result result (_meta only)");
                }
                Err(e) => panic!("{here}: {e}"),
            }
        }
        _ => {}
    }
}

/// Kinds every capture must exercise; a parser that skips messages fails here.
const EVERY_FILE: &[&str] = &[
    "initialize request",
    "initialize result",
    "tools/call request (task)",
    "tools/call request (plain)",
    "tools/call result (CreateTaskResult)",
    "tools/call result (CallToolResult)",
    "tasks/result request",
    "tasks/result result (CallToolResult)",
    "tasks/list request",
    "tasks/list result",
    "error response",
];

/// Kinds the scripted SDK-to-SDK runs add on top (the raw edge clients skip them).
const SDK_RUNS: &[&str] = &[
    "tools/list result",
    "notifications/tasks/status",
    "tasks/get request",
    "tasks/get result",
    "tasks/cancel request",
    "tasks/cancel result",
];

#[test]
fn every_captured_tasks_message_round_trips() {
    let mut paths: Vec<_> = fs::read_dir(WIRE_DIR)
        .expect("fixtures present")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".messages.jsonl"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 8, "expected the eight capture files");

    let mut total = 0;
    let mut deviations: BTreeMap<Deviation, usize> = BTreeMap::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let cov = walk(path);
        println!(
            "{name}: {} of {} messages covered; {:?}; deviations {:?}",
            cov.vectors, cov.messages, cov.kinds, cov.deviations
        );
        for kind in EVERY_FILE {
            assert!(cov.kinds.contains_key(kind), "{name}: no {kind}");
        }
        if !name.starts_with("edge-") {
            for kind in SDK_RUNS {
                assert!(cov.kinds.contains_key(kind), "{name}: no {kind}");
            }
        }
        // Only notifications/initialized and tools/list requests are outside the model.
        assert!(
            cov.vectors + 3 >= cov.messages,
            "{name}: only {} of {} messages covered",
            cov.vectors,
            cov.messages
        );
        let ts_server = name.starts_with("node-sdk") || name.contains("node-server");
        assert_eq!(
            cov.deviations.contains_key(&Deviation::UnannouncedTask),
            ts_server,
            "{name}: unannounced tasks come from the TypeScript server only"
        );
        total += cov.vectors;
        for (d, n) in cov.deviations {
            *deviations.entry(d).or_default() += n;
        }
    }
    println!("total wire vectors: {total}; deviations {deviations:?}");
    assert!(total >= 350, "only {total} vectors covered");
    // The known departures, counted so that a new one (or a vanished one) is noticed.
    assert_eq!(deviations.get(&Deviation::TaskWithoutTtl), Some(&1));
    assert_eq!(deviations.get(&Deviation::PayloadWithoutContent), Some(&4));
    assert_eq!(deviations.get(&Deviation::UnannouncedTask), Some(&4));
    assert!(deviations.get(&Deviation::ExtraTaskIdParams) >= Some(&1));
    assert!(deviations.get(&Deviation::ListWithoutParams) >= Some(&1));
}

#[test]
fn spec_examples_round_trip() {
    let text = fs::read_to_string(SPEC_FILE).expect("spec fixture");
    let mut seen = 0;
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).expect("spec line is JSON");
        let name = record["name"].as_str().expect("name");
        let value = record["value"].clone();
        match record["shape"].as_str().expect("shape") {
            "message" => {
                let Ok(Message::Request(req)) = Message::from_value(value.clone()) else {
                    panic!("{name}: not a request")
                };
                assert_eq!(req.method, "tools/call");
                let p = CallToolParams::from_params(req.params.clone()).unwrap();
                assert_eq!(p.task.as_ref().and_then(|t| t.ttl), Some(60_000));
                assert_eq!(Some(p.to_map()), req.params, "{name}");
            }
            "meta" => {
                let meta = object(value["_meta"].clone());
                let related = related_task(Some(&meta)).unwrap().expect("related task");
                assert_eq!(related.task_id.as_str(), "786512e2-...");
                let mut rebuilt = Object::new();
                mcp_tasks::protocol::legacy::set_related_task(&mut rebuilt, &related.task_id);
                assert_eq!(rebuilt, meta, "{name}");
            }
            "create-response" => {
                let Ok(Message::Result(resp)) = Message::from_value(value.clone()) else {
                    panic!("{name}: not a result")
                };
                let CallToolResponse::Task(created) =
                    CallToolResponse::from_map(resp.result.clone()).unwrap()
                else {
                    panic!("{name}: not read as CreateTaskResult")
                };
                let task = created.task.to_task();
                assert_eq!(task.ttl_ms, Some(60_000));
                assert_eq!(task.poll_interval_ms, Some(5_000));
                assert_eq!(task.status(), TaskStatus::Working);
                assert_eq!(created.to_map(), resp.result, "{name}");
            }
            "execution" => {
                let e = ToolExecution::from_value(value.clone()).unwrap();
                assert_eq!(e.effective_task_support(), TaskSupport::Optional);
                assert_eq!(e.to_value(), value, "{name}");
            }
            "server-capabilities" => {
                let c = ServerCapabilities::from_value(value.clone()).unwrap();
                assert!(c.supports_task_tool_call());
                assert_eq!(c.to_value(), value, "{name}");
            }
            "client-capabilities" => {
                let c = ClientCapabilities::from_value(value.clone()).unwrap();
                let tasks = c.tasks.as_ref().expect("tasks");
                assert!(tasks.supports_list() && tasks.supports_cancel());
                assert!(tasks.supports_sampling_create_message());
                assert!(tasks.supports_elicitation_create());
                assert_eq!(c.to_value(), value, "{name}");
            }
            other => panic!("unknown shape {other}"),
        }
        seen += 1;
    }
    assert_eq!(seen, 6, "every spec example is checked");
}

#[test]
fn plain_call_result_reads_is_error() {
    let failed = json!({"content":[{"type":"text","text":"boom"}],"isError":true});
    let r = CallToolResult::from_value(failed.clone()).unwrap();
    assert!(r.is_error());
    assert_eq!(r.to_value(), failed);
}
