//! Requests of protocol revision 2026-07-28 with the tasks extension as the engine sends
//! them: per-request `_meta`, and the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name`
//! headers.

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::extension::{
    ListenParams, NotificationSelection, RequestMeta, UpdateTaskParams, encode_header_value,
};
use crate::protocol::http::{ExchangeId, HttpRequest, Method};
use crate::protocol::jsonrpc::{Message, Request, RequestId};
use crate::protocol::meta::{EXTENSION_PROTOCOL_VERSION, PROGRESS_TOKEN};
use crate::task::{Generation, InputResponses};

use super::config::Config;
use super::connection::{base_headers, request};

/// The per-request `_meta`: this revision, the tasks extension, what the host answers,
/// and who we are.
pub(super) fn request_meta(config: &Config) -> RequestMeta {
    let mut meta = RequestMeta::new().with_tasks_extension();
    let empty = || Value::Object(Map::new());
    if config.inputs.elicitation {
        meta.client_capabilities.insert("elicitation".into(), empty());
    }
    if config.inputs.sampling {
        meta.client_capabilities.insert("sampling".into(), empty());
    }
    if config.inputs.roots {
        meta.client_capabilities.insert("roots".into(), empty());
    }
    let mut info = Map::new();
    info.insert("name".into(), Value::from(config.client_info.name.as_str()));
    info.insert("version".into(), Value::from(config.client_info.version.as_str()));
    meta.client_info = Some(info);
    meta
}

/// The longest `Mcp-Param-*` value sent; longer ones are left out.
const MAX_PARAM_HEADER: usize = 8192;

/// `Mcp-Param-{Name}` headers mirroring the arguments a tool's `inputSchema` marks with
/// `x-mcp-header` (primitive values only; unsafe text in the Base64 sentinel).
pub(super) fn param_headers(
    input_schema: &Value,
    arguments: Option<&Map<String, Value>>,
) -> Vec<(String, String)> {
    let (Some(properties), Some(arguments)) =
        (input_schema.get("properties").and_then(Value::as_object), arguments)
    else {
        return Vec::new();
    };
    properties
        .iter()
        .filter_map(|(key, property)| {
            let name = property.get("x-mcp-header")?.as_str()?;
            let valid = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && b != b':');
            let text = match arguments.get(key)? {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            let value = encode_header_value(&text).into_owned();
            (valid && value.len() <= MAX_PARAM_HEADER).then(|| (format!("Mcp-Param-{name}"), value))
        })
        .collect()
}

/// A POST of request `method`, with `_meta` added to `params`, the routing headers and
/// any `extra` ones (`Mcp-Param-*`).
pub(super) fn post(
    config: &Config,
    id: ExchangeId,
    rpc: RequestId,
    method_name: &str,
    mut params: Map<String, Value>,
    extra: Vec<(String, String)>,
) -> HttpRequest {
    request_meta(config).write_params(&mut params);
    let name_field = Generation::Extension.policy().name_header_param(method_name);
    let name = name_field.and_then(|f| params.get(f)).and_then(Value::as_str).map(str::to_owned);
    let mut headers = base_headers(config, true, false);
    headers.set("MCP-Protocol-Version", EXTENSION_PROTOCOL_VERSION);
    headers.set("Mcp-Method", encode_header_value(method_name).into_owned());
    if let Some(name) = name {
        headers.set("Mcp-Name", encode_header_value(&name).into_owned());
    }
    for (k, v) in extra {
        headers.set(&k, v);
    }
    let message = Message::Request(Request::new(rpc, method_name, Some(params)));
    let body = message.to_json();
    request(config, id, Method::Post, headers, Some(body))
}

/// `tools/call` params; a multi-round retry carries the answers and the server's state.
pub(super) fn call_params(
    name: &str,
    arguments: Option<&Map<String, Value>>,
    progress_token: &str,
    input_responses: Option<&InputResponses>,
    request_state: Option<&Value>,
) -> Map<String, Value> {
    let mut params = Map::new();
    params.insert("name".into(), Value::from(name));
    if let Some(args) = arguments {
        params.insert("arguments".into(), Value::Object(args.clone()));
    }
    if let Some(responses) = input_responses {
        let map = crate::protocol::json::object_from(
            responses.iter().map(|(k, v)| (k.clone(), Value::Object(v.clone()))),
        );
        params.insert("inputResponses".into(), Value::Object(map));
    }
    if let Some(state) = request_state {
        params.insert("requestState".into(), state.clone());
    }
    let mut meta = Map::new();
    meta.insert(PROGRESS_TOKEN.into(), Value::from(progress_token));
    params.insert("_meta".into(), Value::Object(meta));
    params
}

/// `tasks/update` params.
pub(super) fn update_params(task_id: &TaskId, responses: InputResponses) -> Map<String, Value> {
    UpdateTaskParams { task_id: task_id.clone(), input_responses: responses, meta: None }.to_map()
}

/// `subscriptions/listen` params for these tasks.
pub(super) fn listen_params(task_ids: Vec<TaskId>) -> Map<String, Value> {
    ListenParams { notifications: NotificationSelection::tasks(task_ids), meta: None }.to_map()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::drive::task_params;
    use serde_json::json;

    fn positive(name: &str) -> Value {
        let path = format!("{}/tests/fixtures/extension/positive.json", env!("CARGO_MANIFEST_DIR"));
        let all: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        all.into_iter().find(|c| c["name"] == name).unwrap()["json"].clone()
    }

    fn body(req: &HttpRequest) -> Value {
        serde_json::from_str(req.body.as_deref().unwrap()).unwrap()
    }

    #[test]
    fn tasks_get_matches_the_spec_vector_and_routes_by_header() {
        let want = positive("tasks/get request carrying taskId and a declaring _meta");
        let config = Config::new("http://h/mcp");
        let rpc = RequestId::String("g-1".into());
        let req = post(
            &config,
            ExchangeId(1),
            rpc,
            "tasks/get",
            task_params(&"786512e2".into()),
            Vec::new(),
        );
        let mut got = body(&req);
        let info = got["params"]["_meta"]
            .as_object_mut()
            .unwrap()
            .remove(crate::protocol::meta::CLIENT_INFO);
        assert_eq!(info.unwrap()["name"], "mcp-tasks");
        assert_eq!(got, want);
        assert_eq!(req.headers.get("mcp-protocol-version"), Some("2026-07-28"));
        assert_eq!(req.headers.get("mcp-method"), Some("tasks/get"));
        assert_eq!(req.headers.get("mcp-name"), Some("786512e2"));
        assert_eq!(req.headers.get("mcp-session-id"), None);
    }

    #[test]
    fn non_ascii_names_use_the_base64_sentinel() {
        let config = Config::new("http://h/mcp");
        let params = call_params("café", None, "p-1", None, None);
        let req =
            post(&config, ExchangeId(1), RequestId::Number(1), "tools/call", params, Vec::new());
        assert_eq!(req.headers.get("mcp-name"), Some("=?base64?Y2Fmw6k=?="));
        let b = body(&req);
        assert_eq!(b["params"]["name"], "café");
        assert_eq!(b["params"]["_meta"]["progressToken"], "p-1");
        assert_eq!(b["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
        let discover = post(
            &config,
            ExchangeId(2),
            RequestId::Number(2),
            "server/discover",
            Map::new(),
            Vec::new(),
        );
        assert_eq!(discover.headers.get("mcp-name"), None);
    }

    #[test]
    fn capabilities_follow_the_host_and_always_list_the_extension() {
        let mut config = Config::new("http://h/mcp");
        config.inputs.elicitation = true;
        let meta = request_meta(&config);
        assert!(meta.declares_tasks_extension());
        assert_eq!(
            Value::Object(meta.client_capabilities),
            json!({"extensions":{"io.modelcontextprotocol/tasks":{}},"elicitation":{}})
        );
    }

    #[test]
    fn marked_arguments_are_mirrored_into_param_headers() {
        let schema = json!({"type":"object","properties":{
            "region":{"type":"string","x-mcp-header":"Region"},
            "greeting":{"type":"string","x-mcp-header":"Greeting"},
            "n":{"type":"integer","x-mcp-header":"N"},
            "flag":{"type":"boolean","x-mcp-header":"Flag"},
            "nested":{"type":"object","x-mcp-header":"Nested"},
            "bad":{"type":"string","x-mcp-header":"Bad: name"},
            "query":{"type":"string"}}});
        let args = json!({"region":"us-west1","greeting":"Hello, 世界","n":42,"flag":true,
            "nested":{"a":1},"bad":"x","query":"SELECT 1"});
        let mut got = param_headers(&schema, args.as_object());
        got.sort();
        let want: Vec<(String, String)> = [
            ("Mcp-Param-Flag", "true"),
            ("Mcp-Param-Greeting", "=?base64?SGVsbG8sIOS4lueVjA==?="),
            ("Mcp-Param-N", "42"),
            ("Mcp-Param-Region", "us-west1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(got, want);
        let long = json!({"region": "x".repeat(9000)});
        assert!(param_headers(&schema, long.as_object()).is_empty());
        assert!(param_headers(&json!({}), args.as_object()).is_empty());
    }

    #[test]
    fn update_and_multi_round_params() {
        let mut responses = InputResponses::new();
        responses.insert("k".into(), json!({"action":"accept"}).as_object().unwrap().clone());
        assert_eq!(
            Value::Object(update_params(&"t".into(), responses.clone())),
            json!({"taskId":"t","inputResponses":{"k":{"action":"accept"}}})
        );
        let p = call_params("x", None, "p", Some(&responses), Some(&json!("opaque")));
        assert_eq!(p["requestState"], "opaque");
        assert_eq!(p["inputResponses"]["k"]["action"], "accept");
        assert_eq!(
            Value::Object(listen_params(vec!["a".into()])),
            json!({"notifications":{"taskIds":["a"]}})
        );
    }
}
