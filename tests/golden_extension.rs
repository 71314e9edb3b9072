//! Golden vectors for the `io.modelcontextprotocol/tasks` extension: every JSON example of
//! the spec digest's extension sections plus hand-written ones, each parsed into typed
//! values and re-emitted; and negative vectors that must fail with a given error code.

use std::fs;

use mcp_tasks::protocol::WireError;
use mcp_tasks::protocol::extension::{
    AckResult, CreateTaskResult, DetailedTask, DiscoverResult, GetTaskResult, ListenParams,
    MissingClientCapability, RequestMeta, ResultType, SubscriptionsAcknowledgedParams,
    TaskIdParams, TaskState, TaskStatusNotification, ToolCallResult, UnsupportedProtocolVersion,
    UpdateTaskParams, decode_header_value, encode_header_value, lists_tasks_extension,
};
use mcp_tasks::protocol::jsonrpc::{ErrorObject, Message, RequestId};
use mcp_tasks::task::TaskView;
use serde_json::{Map, Value, json};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/extension");

fn load(name: &str) -> Value {
    let text = fs::read_to_string(format!("{DIR}/{name}")).expect("fixture readable");
    serde_json::from_str(&text).expect("fixture is JSON")
}

fn obj(v: &Value) -> &Map<String, Value> {
    v.as_object().expect("an object")
}

/// Typed facts a vector's `expect` can check.
#[derive(Default)]
struct Facts(Map<String, Value>);

impl Facts {
    fn set(&mut self, k: &str, v: impl Into<Value>) {
        self.0.insert(k.into(), v.into());
    }

    fn detailed(&mut self, d: &DetailedTask) {
        self.set("status", d.status().as_str());
        self.set("taskId", d.fields.task_id.as_str());
        self.set("ttlMs", d.fields.ttl_ms);
        self.set("pollIntervalMs", d.fields.poll_interval_ms);
        match &d.state {
            TaskState::InputRequired { input_requests } => {
                self.set("inputKeys", input_requests.keys().cloned().collect::<Vec<_>>());
            }
            TaskState::Completed { result } => {
                self.set("isToolError", result.get("isError") == Some(&json!(true)));
            }
            TaskState::Failed { error } => self.set("errorCode", error.code.0),
            TaskState::Working | TaskState::Cancelled => {}
        }
        // The core model view must carry the same thing back.
        let back = DetailedTask::try_from(&TaskView::from(d.clone())).expect("view converts");
        assert_eq!(&back, d, "TaskView round trip");
    }

    fn result_type(&mut self, rt: Option<&ResultType>) {
        self.set("resultType", ResultType::or_default(rt).as_str());
        self.set("resultTypePresent", rt.is_some());
    }

    fn meta(&mut self, meta: Option<&Map<String, Value>>) {
        if let Some(m) = meta.filter(|m| m.contains_key("io.modelcontextprotocol/protocolVersion"))
        {
            let rm = RequestMeta::from_meta(m).expect("request _meta");
            self.set("declaresTasks", rm.declares_tasks_extension());
        }
    }
}

/// Parses `body` as `kind`, returning its re-emission and typed facts.
fn round_trip(kind: &str, body: &Value) -> Result<(Value, Facts), WireError> {
    let mut f = Facts::default();
    let empty = Map::new();
    let map = body.as_object().unwrap_or(&empty);
    let out = match kind {
        "create_task_result" => {
            let r = CreateTaskResult::from_value(body)?;
            f.set("status", r.task.status.as_str());
            f.set("taskId", r.task.fields.task_id.as_str());
            f.set("ttlMs", r.task.fields.ttl_ms);
            f.set("resultType", "task");
            r.to_map()
        }
        "get_task_result" => {
            let r = GetTaskResult::from_value(body)?;
            f.detailed(&r.task);
            f.result_type(r.result_type.as_ref());
            r.to_map()
        }
        "detailed_task" => {
            let r = DetailedTask::from_value(body)?;
            f.detailed(&r);
            r.to_map()
        }
        "task_status_notification" => {
            let r = TaskStatusNotification::from_value(body)?;
            f.detailed(&r.task);
            match r.subscription_id() {
                Some(RequestId::Number(n)) => f.set("subscriptionId", n),
                Some(RequestId::String(s)) => f.set("subscriptionId", s),
                None => {}
            }
            r.to_map()
        }
        "ack_result" => {
            let r = AckResult::from_value(body)?;
            f.result_type(r.result_type.as_ref());
            r.to_map()
        }
        "task_id_params" => {
            let r = TaskIdParams::from_value(body)?;
            f.set("taskId", r.task_id.as_str());
            f.meta(r.meta.as_ref());
            r.to_map()
        }
        "update_task_params" => {
            let r = UpdateTaskParams::from_value(body)?;
            f.set("taskId", r.task_id.as_str());
            f.set("inputKeys", r.input_responses.keys().cloned().collect::<Vec<_>>());
            f.meta(r.meta.as_ref());
            r.to_map()
        }
        "listen_params" => {
            let r = ListenParams::from_value(body)?;
            let ids = r.notifications.task_ids.iter().flatten();
            f.set("taskIds", ids.map(|i| i.as_str()).collect::<Vec<_>>());
            f.meta(r.meta.as_ref());
            r.to_map()
        }
        "subscriptions_acknowledged" => {
            let r = SubscriptionsAcknowledgedParams::from_value(body)?;
            let ids = r.notifications.task_ids.iter().flatten();
            f.set("taskIds", ids.map(|i| i.as_str()).collect::<Vec<_>>());
            r.to_map()
        }
        "request_meta" => {
            let r = RequestMeta::from_meta(map)?;
            f.set("protocolVersion", r.protocol_version.as_str());
            f.set("declaresTasks", r.declares_tasks_extension());
            r.to_meta()
        }
        "capabilities" => {
            f.set("advertisesTasks", lists_tasks_extension(map));
            map.clone()
        }
        "discover_result" => {
            let r = DiscoverResult::from_value(body)?;
            f.set("advertisesTasks", r.advertises_tasks_extension());
            f.result_type(r.result_type.as_ref());
            r.to_map()
        }
        "tool_call_result" => {
            let r = ToolCallResult::from_map(map)?;
            match &r {
                ToolCallResult::Complete(_) => f.set("variant", "complete"),
                ToolCallResult::InputRequired(_) => f.set("variant", "input_required"),
                ToolCallResult::Task(t) => {
                    f.set("variant", "task");
                    f.set("status", t.task.status.as_str());
                }
            }
            r.to_map()
        }
        "error_missing_capability" => {
            let e: ErrorObject = serde_json::from_value(body.clone()).expect("error object");
            let r = MissingClientCapability::from_error(&e)?;
            f.set("errorCode", e.code.0);
            f.set("requiresTasks", r.requires_tasks_extension());
            obj(&serde_json::to_value(r.to_error()).expect("serialises")).clone()
        }
        "error_unsupported_version" => {
            let e: ErrorObject = serde_json::from_value(body.clone()).expect("error object");
            let r = UnsupportedProtocolVersion::from_error(&e)?;
            f.set("errorCode", e.code.0);
            f.set("requested", r.requested.as_str());
            obj(&serde_json::to_value(r.to_error()).expect("serialises")).clone()
        }
        other => panic!("unknown vector kind {other}"),
    };
    Ok((Value::Object(out), f))
}

/// The body inside a JSON-RPC envelope, or the JSON itself, with a way to put it back.
fn unwrap_envelope(json: &Value) -> (Value, Box<dyn Fn(Value) -> Value>) {
    if json.get("jsonrpc").is_none() {
        return (json.clone(), Box::new(|v| v));
    }
    let message = Message::from_value(json.clone()).expect("valid envelope");
    let body = match &message {
        Message::Request(r) => Value::Object(r.params.clone().unwrap_or_default()),
        Message::Notification(n) => Value::Object(n.params.clone().unwrap_or_default()),
        Message::Result(r) => Value::Object(r.result.clone()),
        Message::Error(e) => serde_json::to_value(&e.error).expect("serialises"),
    };
    let rewrap = move |v: Value| {
        let mut m = message.clone();
        match &mut m {
            Message::Request(r) => r.params = v.as_object().cloned(),
            Message::Notification(n) => n.params = v.as_object().cloned(),
            Message::Result(r) => r.result = v.as_object().cloned().unwrap_or_default(),
            Message::Error(e) => e.error = serde_json::from_value(v).expect("error object"),
        }
        m.to_value()
    };
    (body, Box::new(rewrap))
}

#[test]
fn positive_vectors_parse_and_re_emit_exactly() {
    let vectors = load("positive.json");
    let vectors = vectors.as_array().expect("array");
    assert!(vectors.len() >= 30, "only {} vectors", vectors.len());
    for v in vectors {
        let name = v["name"].as_str().expect("name");
        let kind = v["kind"].as_str().expect("kind");
        let (body, rewrap) = unwrap_envelope(&v["json"]);
        let (emitted, facts) =
            round_trip(kind, &body).unwrap_or_else(|e| panic!("{name}: rejected: {e}"));
        let want = v.get("emitted").cloned().unwrap_or_else(|| v["json"].clone());
        assert_eq!(rewrap(emitted.clone()), want, "{name}: re-emission differs");
        // A second pass over our own output is a fixed point.
        let (again, _) = round_trip(kind, &emitted).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(again, emitted, "{name}: not stable");
        for (key, expected) in obj(&v["expect"]) {
            assert_eq!(facts.0.get(key), Some(expected), "{name}: fact {key}");
        }
    }
}

#[test]
fn negative_vectors_fail_with_the_expected_error() {
    let vectors = load("negative.json");
    let vectors = vectors.as_array().expect("array");
    assert!(vectors.len() >= 30, "only {} vectors", vectors.len());
    for v in vectors {
        let name = v["name"].as_str().expect("name");
        let kind = v["kind"].as_str().expect("kind");
        let err = match round_trip(kind, &v["json"]) {
            Ok((out, _)) => panic!("{name}: accepted as {out}"),
            Err(e) => e,
        };
        assert_eq!(err.code(), v["error"].as_str().expect("error"), "{name}: {err}");
        if let Some(field) = v.get("field") {
            match err {
                WireError::MissingField { field: f, .. } => assert_eq!(f, field, "{name}"),
                other => panic!("{name}: expected a missing field, got {other}"),
            }
        }
    }
}

#[test]
fn header_vectors() {
    let h = load("headers.json");
    let encode = h["encode"].as_array().expect("array");
    for v in encode {
        let value = v["value"].as_str().expect("value");
        let header = v["header"].as_str().expect("header");
        assert_eq!(encode_header_value(value), header, "encode {value:?}");
        assert_eq!(decode_header_value(header).unwrap(), value, "decode {header:?}");
        assert!(header.bytes().all(|b| (0x20..0x7f).contains(&b)), "{header:?}");
    }
    for v in h["decode_only"].as_array().expect("array") {
        let header = v["header"].as_str().expect("header");
        assert_eq!(decode_header_value(header).unwrap(), v["value"].as_str().unwrap());
    }
    for v in h["reject"].as_array().expect("array") {
        let header = v["header"].as_str().expect("header");
        let err = decode_header_value(header).expect_err(header);
        assert_eq!(err.code(), v["error"].as_str().unwrap(), "{header:?}");
    }
}

#[test]
fn our_constructors_emit_the_golden_shapes() {
    let positive = load("positive.json");
    let by_name = |prefix: &str| -> Value {
        let v = positive
            .as_array()
            .and_then(|a| {
                a.iter().find(|v| v["name"].as_str().is_some_and(|n| n.starts_with(prefix)))
            })
            .unwrap_or_else(|| panic!("no vector {prefix}"));
        v["json"].clone()
    };
    let err = serde_json::to_value(MissingClientCapability::tasks_extension().to_error()).unwrap();
    assert_eq!(err, by_name("-32021")["error"]);
    let unsupported = UnsupportedProtocolVersion {
        supported: vec!["2026-07-28".into()],
        requested: "2025-11-25".into(),
    };
    assert_eq!(serde_json::to_value(unsupported.to_error()).unwrap(), by_name("-32022")["error"]);
    assert_eq!(Value::Object(AckResult::new().to_map()), json!({"resultType": "complete"}));
    let meta = RequestMeta::new().with_tasks_extension();
    assert_eq!(Value::Object(meta.to_meta()), by_name("spec 3.2: per-request"));
    let discover = DiscoverResult::new(vec!["2026-07-28".into()]).with_tasks_extension();
    assert_eq!(
        Value::Object(discover.to_map())["capabilities"],
        by_name("spec 3.2: server/discover")
    );
    // A receiver's tasks/get answer always says "complete", whatever it was parsed from.
    let got = GetTaskResult::from_value(&by_name("tasks/get result with resultType task")).unwrap();
    let ours = GetTaskResult::new(got.task);
    assert_eq!(ours.to_map()["resultType"], json!("complete"));
    let note = TaskStatusNotification::new(ours.task, &RequestId::Number(42));
    assert_eq!(note.subscription_id(), Some(RequestId::Number(42)));
    assert_eq!(note.to_map()["_meta"], json!({"io.modelcontextprotocol/subscriptionId": 42}));
}

#[test]
fn serde_impls_agree_with_the_map_functions() {
    let v = json!({"resultType":"complete","taskId":"a","status":"failed","createdAt":"2026-08-01T10:30:00Z",
        "lastUpdatedAt":"2026-08-01T10:30:00Z","ttlMs":null,"error":{"code":-32603,"message":"x"}});
    let typed: GetTaskResult = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), v);
    let bad = json!({"taskId":"a","status":"failed","createdAt":"2026-08-01T10:30:00Z",
        "lastUpdatedAt":"2026-08-01T10:30:00Z"});
    let err = serde_json::from_value::<DetailedTask>(bad).unwrap_err();
    assert!(err.to_string().contains("failed"), "{err}");
}
