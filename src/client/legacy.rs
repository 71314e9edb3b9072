//! Requests of protocol revision 2025-11-25 as the engine sends them: sessions, the
//! `MCP-Protocol-Version` header, `params.task`, responses to the server's requests.

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::http::{ExchangeId, HttpRequest, Method};
use crate::protocol::jsonrpc::{Message, Notification, Request, RequestId, ResultResponse};
use crate::protocol::legacy::{
    CallToolParams, ClientCapabilities, ClientTasksCapability, InitializeParams, TaskMetadata,
    WireShape, set_related_task,
};
use crate::protocol::meta::{LEGACY_PROTOCOL_VERSION, PROGRESS_TOKEN};

use super::config::Config;
use super::connection::{Connection, base_headers, request};

/// The revisions the engine accepts from `initialize`. Older revisions have no tasks but
/// plain calls still work.
pub(super) const VERSIONS: &[&str] = &[LEGACY_PROTOCOL_VERSION, "2025-06-18", "2025-03-26"];

/// `initialize` params: the newest revision, what the host can answer, who we are.
pub(super) fn initialize_params(config: &Config, hosting: bool) -> Map<String, Value> {
    let mut extra = Map::new();
    let empty = || Value::Object(Map::new());
    if config.inputs.elicitation {
        extra.insert("elicitation".into(), empty());
    }
    if config.inputs.sampling {
        extra.insert("sampling".into(), empty());
    }
    if config.inputs.roots {
        extra.insert("roots".into(), empty());
    }
    // Without hosting, server requests are answered plainly (the spec requires ignoring
    // `params.task` for undeclared request types), so `tasks` is left out rather than
    // promising `tasks/*` handlers the engine would not serve.
    let hosts = hosting && (config.inputs.elicitation || config.inputs.sampling);
    let tasks = hosts.then(|| {
        let mut tasks = ClientTasksCapability::default().with_list().with_cancel();
        if config.inputs.elicitation {
            tasks = tasks.with_elicitation_create();
        }
        if config.inputs.sampling {
            tasks = tasks.with_sampling_create_message();
        }
        tasks
    });
    InitializeParams {
        protocol_version: LEGACY_PROTOCOL_VERSION.into(),
        capabilities: ClientCapabilities { tasks, extra },
        client_info: config.client_info.clone(),
        meta: None,
    }
    .to_map()
}

/// A POST of one message, with the session and version headers once they exist.
pub(super) fn post(
    config: &Config,
    conn: &Connection,
    id: ExchangeId,
    message: &Message,
) -> HttpRequest {
    let mut headers = base_headers(config, true, false);
    session_headers(conn, &mut headers);
    let body = message.to_json();
    request(config, id, Method::Post, headers, Some(body))
}

/// The standalone GET stream, resuming after `last_event_id` when given.
pub(super) fn get_stream(
    config: &Config,
    conn: &Connection,
    id: ExchangeId,
    last_event_id: Option<&str>,
) -> HttpRequest {
    let mut headers = base_headers(config, false, true);
    session_headers(conn, &mut headers);
    if let Some(last) = last_event_id {
        headers.set("Last-Event-ID", last);
    }
    request(config, id, Method::Get, headers, None)
}

/// `DELETE` of the session.
pub(super) fn delete(config: &Config, conn: &Connection, id: ExchangeId) -> HttpRequest {
    let mut headers = base_headers(config, false, false);
    session_headers(conn, &mut headers);
    request(config, id, Method::Delete, headers, None)
}

fn session_headers(conn: &Connection, headers: &mut crate::protocol::http::Headers) {
    if let Some(session) = &conn.session {
        headers.set("Mcp-Session-Id", session.as_str());
    }
    if !conn.protocol_version.is_empty() {
        headers.set("MCP-Protocol-Version", conn.protocol_version.as_str());
    }
}

/// A request message.
pub(super) fn rpc(id: RequestId, method: &str, params: Option<Map<String, Value>>) -> Message {
    Message::Request(Request::new(id, method, params))
}

/// `tools/call` params: `task` when augmenting, the progress token in `_meta`.
pub(super) fn call_params(
    name: &str,
    arguments: Option<&Map<String, Value>>,
    task: Option<TaskMetadata>,
    progress_token: &str,
) -> Map<String, Value> {
    let mut params = CallToolParams::new(name, arguments.cloned());
    params.task = task;
    let mut meta = Map::new();
    meta.insert(PROGRESS_TOKEN.into(), Value::from(progress_token));
    params.meta = Some(meta);
    params.to_map()
}

/// The answer to a server request; a task's answer echoes its related-task `_meta`.
pub(super) fn response(
    id: RequestId,
    mut result: Map<String, Value>,
    task_id: Option<&TaskId>,
) -> Message {
    if let Some(task_id) = task_id {
        let meta = result.entry("_meta").or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        if let Value::Object(meta) = meta {
            set_related_task(meta, task_id);
        }
    }
    Message::Result(ResultResponse::new(id, result))
}

/// `notifications/cancelled` for a plain call in flight.
pub(super) fn cancelled(request_id: &RequestId) -> Message {
    let mut params = Map::new();
    let id = Value::from(request_id);
    params.insert("requestId".into(), id);
    params.insert("reason".into(), Value::from("cancelled by the client"));
    Message::Notification(Notification::new("notifications/cancelled", Some(params)))
}

/// `notifications/initialized`.
pub(super) fn initialized() -> Message {
    Message::Notification(Notification::new("notifications/initialized", None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::connection::Phase;
    use crate::client::drive::task_params;
    use serde_json::json;

    fn fixture(name: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let path = format!("{}/tests/fixtures/wire/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(path).unwrap();
        text.lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|l| l["dir"] == "client->server")
            .map(|l| l["msg"].clone())
            .find(|m| pick(m))
            .unwrap()
    }

    fn ready() -> Connection {
        let mut conn = Connection::new(&Config::new("http://h/mcp"));
        conn.phase = Phase::Ready;
        conn.session = Some("s-1".into());
        conn.protocol_version = "2025-11-25".into();
        conn
    }

    #[test]
    fn posts_carry_session_version_and_both_media_types() {
        let mut config = Config::new("http://h/mcp");
        config.headers.push("Authorization", "Bearer x");
        let msg = rpc(RequestId::Number(3), "tasks/get", Some(task_params(&"t".into())));
        let req = post(&config, &ready(), ExchangeId(9), &msg);
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "http://h/mcp");
        assert_eq!(req.headers.get("mcp-session-id"), Some("s-1"));
        assert_eq!(req.headers.get("mcp-protocol-version"), Some("2025-11-25"));
        assert_eq!(req.headers.get("accept"), Some("application/json, text/event-stream"));
        assert_eq!(req.headers.get("content-type"), Some("application/json"));
        assert_eq!(req.headers.get("authorization"), Some("Bearer x"));
        let body: Value = serde_json::from_str(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"jsonrpc":"2.0","id":3,"method":"tasks/get","params":{"taskId":"t"}})
        );
        let fresh = Connection::new(&config);
        let init = post(&config, &fresh, ExchangeId(1), &initialized());
        assert_eq!(init.headers.get("mcp-session-id"), None);
        assert_eq!(init.headers.get("mcp-protocol-version"), None);
    }

    #[test]
    fn get_and_delete_carry_the_session() {
        let config = Config::new("http://h/mcp");
        let get = get_stream(&config, &ready(), ExchangeId(2), Some("7"));
        assert_eq!((get.method, get.body.as_deref()), (Method::Get, None));
        assert_eq!(get.headers.get("accept"), Some("text/event-stream"));
        assert_eq!(get.headers.get("last-event-id"), Some("7"));
        let del = delete(&config, &ready(), ExchangeId(3));
        assert_eq!(del.headers.get("mcp-session-id"), Some("s-1"));
    }

    #[test]
    fn tool_call_matches_the_sdk_capture_plus_a_progress_token() {
        let sdk = fixture("node-sdk-1.32.2.messages.jsonl", |m| {
            m["method"] == "tools/call" && m["params"]["task"].is_object()
        });
        let mut ours = call_params(
            sdk["params"]["name"].as_str().unwrap(),
            sdk["params"]["arguments"].as_object(),
            Some(TaskMetadata { ttl: sdk["params"]["task"]["ttl"].as_u64() }),
            "p-1",
        );
        assert_eq!(ours.remove("_meta"), Some(json!({"progressToken": "p-1"})));
        assert_eq!(Value::Object(ours), sdk["params"]);
    }

    #[test]
    fn initialize_declares_what_the_host_answers() {
        let mut config = Config::new("http://h/mcp");
        config.client_info.name = "node-task-client".into();
        config.client_info.version = "0.0.1".into();
        let sdk = fixture("node-sdk-1.32.2.messages.jsonl", |m| m["method"] == "initialize");
        assert_eq!(Value::Object(initialize_params(&config, false)), sdk["params"]);
        config.inputs.elicitation = true;
        let caps = Value::Object(initialize_params(&config, false))["capabilities"].clone();
        assert_eq!(caps, json!({"elicitation": {}}));
    }

    #[test]
    fn responses_echo_the_related_task() {
        let mut result = Map::new();
        result.insert("action".into(), json!("accept"));
        result.insert("_meta".into(), json!("not an object"));
        let msg = response(RequestId::String("srv-1".into()), result, Some(&"t-9".into()));
        assert_eq!(
            msg.to_value(),
            json!({"jsonrpc":"2.0","id":"srv-1","result":{"action":"accept",
                "_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t-9"}}}})
        );
        assert_eq!(cancelled(&RequestId::Number(4)).to_value()["params"]["requestId"], json!(4));
    }
}
