//! Streamable HTTP 2026-07-28 with the tasks extension: stateless POSTs, per-request
//! `_meta`, `Mcp-Method` / `Mcp-Name` routing headers, and the HTTP status codes the
//! revision gives its errors.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use super::legacy::{VERSIONS as LEGACY_VERSIONS, not_found};
use super::owner::owner;
use super::{Config, Endpoint, Reading, ResponseId};
use crate::id::IdSource;
use crate::protocol::extension::{
    DISCOVER_TTL_MS, DiscoverResult, RequestMeta, UnsupportedProtocolVersion, decode_header_value,
    method,
};
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject, Message};
use crate::protocol::legacy::{ListToolsResult, WireShape};
use crate::protocol::meta::{EXTENSION_PROTOCOL_VERSION, PROTOCOL_VERSION};
use crate::receiver::{Caller, Reply};
use crate::store::Backend;
use crate::time::UnixMillis;

/// The revisions served statelessly.
pub(crate) const VERSIONS: &[&str] = &[EXTENSION_PROTOCOL_VERSION];

/// `_meta` key naming the server on a 2026-07-28 result.
const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// The `_meta` protocol version of a request's params, if any.
fn meta_version(params: Option<&Map<String, Value>>) -> Option<&str> {
    params?.get("_meta")?.get(PROTOCOL_VERSION)?.as_str()
}

/// Which generation a POST speaks: `initialize`, a session or a 2025 version header mean
/// 2025-11-25; otherwise a `_meta` protocol version or the 2026-07-28 header mean the
/// extension form; anything else is treated as 2025-11-25 (and so needs a session).
pub(super) fn speaks_extension(headers: &Headers, msg: &Message) -> bool {
    let header = headers.get("mcp-protocol-version");
    let params = match msg {
        // A dual-era client falls back to `initialize` without the 2026-07-28 markers;
        // with them it is a 2026-07-28 request for a method that revision removed.
        Message::Request(r) if r.method == "initialize" => {
            return header == Some(EXTENSION_PROTOCOL_VERSION)
                || meta_version(r.params.as_ref()) == Some(EXTENSION_PROTOCOL_VERSION);
        }
        Message::Request(r) => r.params.as_ref(),
        Message::Notification(n) => n.params.as_ref(),
        Message::Result(_) | Message::Error(_) => None,
    };
    if headers.get("mcp-session-id").is_some()
        || header.is_some_and(|v| LEGACY_VERSIONS.contains(&v))
    {
        return false;
    }
    meta_version(params).is_some() || header == Some(EXTENSION_PROTOCOL_VERSION)
}

/// Makes a result a 2026-07-28 one: it says its type and names the server.
pub(super) fn finish_result(result: &mut Map<String, Value>, config: &Config) {
    result.entry("resultType").or_insert_with(|| json!("complete"));
    if let Value::Object(meta) = result.entry("_meta").or_insert_with(|| json!({})) {
        meta.entry(SERVER_INFO).or_insert_with(|| Value::Object(info(config)));
    }
}

fn info(config: &Config) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), Value::from(config.server_name.as_str()));
    m.insert("version".into(), Value::from(config.server_version.as_str()));
    m
}

/// The HTTP status of a JSON-RPC error under 2026-07-28.
pub(super) fn status_for(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::HEADER_MISMATCH
        | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
        | ErrorCode::UNSUPPORTED_PROTOCOL_VERSION => 400,
        ErrorCode::METHOD_NOT_FOUND => 404,
        _ => 200,
    }
}

/// The version and header checks every request and notification passes first.
fn check(headers: &Headers, method: &str, params: &Map<String, Value>) -> Result<(), ErrorObject> {
    let mismatch = |what: &str| {
        ErrorObject::new(ErrorCode::HEADER_MISMATCH, format!("Header mismatch: {what}"))
            .with_data(json!({"header": what}))
    };
    // The body's version is what the request speaks; without it the request is
    // malformed (invalid params), whatever the headers say.
    let Some(version) = meta_version(Some(params)) else {
        return Err(ErrorObject::new(
            ErrorCode::INVALID_PARAMS,
            format!("Invalid params: _meta[\"{PROTOCOL_VERSION}\"] is required"),
        ));
    };
    // A header that disagrees with the body is a mismatch even when the body's version
    // is one the server does not speak.
    if headers.get("mcp-protocol-version") != Some(version) {
        return Err(mismatch("MCP-Protocol-Version"));
    }
    if !VERSIONS.contains(&version) {
        return Err(UnsupportedProtocolVersion {
            supported: VERSIONS.iter().map(|v| v.to_string()).collect(),
            requested: version.to_owned(),
        }
        .to_error());
    }
    if headers.get("mcp-method") != Some(method) {
        return Err(mismatch("Mcp-Method"));
    }
    let name_field = match method {
        method::TOOLS_CALL => Some("name"),
        method::TASKS_GET | method::TASKS_UPDATE | method::TASKS_CANCEL => Some("taskId"),
        _ => None,
    };
    if let Some(field) = name_field {
        let expected = params.get(field).and_then(Value::as_str);
        let got = match headers.get("mcp-name").map(decode_header_value) {
            None => None,
            Some(Ok(v)) => Some(v),
            Some(Err(_)) => return Err(mismatch("Mcp-Name")),
        };
        if got.as_deref() != expected {
            return Err(mismatch("Mcp-Name"));
        }
    }
    Ok(())
}

impl<B: Backend, I: IdSource> Endpoint<B, I> {
    pub(super) fn extension_post(
        &mut self,
        now: UnixMillis,
        response: ResponseId,
        headers: &Headers,
        peer: Option<IpAddr>,
        msg: Message,
    ) {
        let (id, method, params) = match msg {
            Message::Request(r) => (Some(r.id), r.method, r.params),
            Message::Notification(n) => (None, n.method, n.params),
            Message::Result(_) | Message::Error(_) => {
                let text = "2026-07-28 clients do not send JSON-RPC responses";
                return self.out.fail(response, 400, ErrorCode::INVALID_REQUEST, text);
            }
        };
        let params = params.unwrap_or_default();
        if let Err(e) = check(headers, &method, &params) {
            return self.out.rpc_error(response, 400, id, e);
        }
        let Some(id) = id else {
            return self.out.empty(response, 202);
        };
        let meta = match RequestMeta::from_params(&params) {
            Ok(m) => m,
            Err(e) => {
                let error = ErrorObject::new(ErrorCode::INVALID_PARAMS, e.to_string());
                return self.out.rpc_error(response, 400, Some(id), error);
            }
        };
        let caller = Caller::extension(owner(headers, peer), meta.declares_tasks_extension());
        let streamed = self.config.stream_answers;
        let outcome = match method.as_str() {
            method::SERVER_DISCOVER => {
                let mut d = DiscoverResult::new(VERSIONS.iter().map(|v| v.to_string()).collect())
                    .with_tasks_extension();
                d.capabilities.insert("tools".into(), json!({}));
                d.server_info = Some(info(&self.config));
                d.instructions = self.config.instructions.clone();
                return self.answer(
                    now,
                    response,
                    None,
                    id,
                    Ok(d.to_map()),
                    streamed,
                    Headers::new(),
                );
            }
            "tools/list" => {
                let mut list =
                    ListToolsResult { tools: self.tool_list(false), next_cursor: None, meta: None }
                        .to_map();
                // 2026-07-28 list results are cacheable and must say for how long; the
                // tool set is fixed at construction and holds nothing user-specific.
                list.insert("cacheScope".into(), json!("public"));
                list.insert("ttlMs".into(), json!(DISCOVER_TTL_MS));
                return self.answer(now, response, None, id, Ok(list), streamed, Headers::new());
            }
            method::TOOLS_CALL => {
                return self.tools_call(now, response, &caller, None, id, params);
            }
            method::SUBSCRIPTIONS_LISTEN if self.config.notification_streams => {
                match self.receiver.listen(&caller, &id, &params, now) {
                    Ok(sub) => {
                        self.out.sse_head(response, Headers::new(), now);
                        let owner = caller.owner.clone();
                        if let Some(key) =
                            self.listeners.open(&mut self.out, owner, id, response, sub)
                        {
                            self.readers.insert(response, Reading::Listen(key));
                        }
                        return;
                    }
                    Err(e) => Err(e),
                }
            }
            m if m.starts_with("tasks/") => {
                let reply = self.receiver.handle(&caller, m, Some(&params), now);
                if m == method::TASKS_UPDATE && matches!(reply, Some(Reply::Result(_))) {
                    if let Some(task) = params.get("taskId").and_then(Value::as_str) {
                        self.answers_arrived(&task.into());
                    }
                }
                match reply {
                    Some(Reply::Result(r)) => Ok(r),
                    Some(Reply::Error(e)) => Err(e),
                    Some(Reply::AwaitTerminal(_)) | None => Err(not_found(m)),
                }
            }
            m => Err(not_found(m)),
        };
        self.answer(now, response, None, id, outcome, false, Headers::new());
    }
}
