//! Streamable HTTP 2026-07-28 with the tasks extension: stateless POSTs, per-request
//! `_meta`, `Mcp-Method` / `Mcp-Name` routing headers, and the HTTP status codes the
//! revision gives its errors.

use std::sync::Arc;

use hyper::header::HeaderMap;
use hyper::{Response, StatusCode};
use serde_json::{Map, Value, json};

use super::call::tools_call;
use super::clock;
use super::http::{self, Body, header_str, rpc_error, rpc_fail};
use super::state::Shared;
use super::tools;
use crate::protocol::extension::{
    DISCOVER_TTL_MS, DiscoverResult, RequestMeta, UnsupportedProtocolVersion, decode_header_value,
    method,
};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject, Message, RequestId, ResultResponse};
use crate::protocol::legacy::{ListToolsResult, WireShape};
use crate::protocol::meta::{EXTENSION_PROTOCOL_VERSION, PROTOCOL_VERSION};
use crate::receiver::{Caller, Reply};
use crate::store::Owner;

/// The revisions served statelessly.
pub(crate) const VERSIONS: &[&str] = &[EXTENSION_PROTOCOL_VERSION];

/// The owner of every request without `Authorization`.
const ANONYMOUS: &str = "ext:anonymous";

/// Whether `owner` is the one anonymous owner that every caller without `Authorization`
/// shares: such a caller cannot be told apart from any other, so nothing may be listed
/// for it.
pub(crate) fn is_anonymous(owner: &Owner) -> bool {
    owner.as_str() == ANONYMOUS
}

/// The `_meta` protocol version of a request's params, if any.
pub(crate) fn meta_version(params: Option<&Map<String, Value>>) -> Option<&str> {
    params?.get("_meta")?.get(PROTOCOL_VERSION)?.as_str()
}

/// A POSTed message of the 2026-07-28 generation.
pub(crate) async fn post(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    msg: Message,
) -> Response<Body> {
    let (id, method, params) = match msg {
        Message::Request(r) => (Some(r.id), r.method, r.params),
        Message::Notification(n) => (None, n.method, n.params),
        Message::Result(_) | Message::Error(_) => {
            return rpc_fail(
                StatusCode::BAD_REQUEST,
                None,
                ErrorCode::INVALID_REQUEST,
                "2026-07-28 clients do not send JSON-RPC responses",
            );
        }
    };
    let params = params.unwrap_or_default();
    if let Err(res) = check(headers, id.as_ref(), &method, &params) {
        return *res;
    }
    let Some(id) = id else {
        return http::empty(StatusCode::ACCEPTED);
    };
    let meta = match RequestMeta::from_params(&params) {
        Ok(m) => m,
        Err(e) => {
            let error = ErrorObject::new(ErrorCode::INVALID_PARAMS, e.to_string());
            return rpc_error(StatusCode::BAD_REQUEST, Some(id), error);
        }
    };
    let caller = Caller::extension(owner(headers), meta.declares_tasks_extension());
    let outcome = match method.as_str() {
        method::SERVER_DISCOVER => {
            let mut d = DiscoverResult::new(VERSIONS.iter().map(|v| v.to_string()).collect())
                .with_tasks_extension();
            d.capabilities.insert("tools".into(), json!({}));
            d.server_info = Some(info());
            Ok(d.to_map())
        }
        "ping" => Ok(Map::new()),
        "tools/list" => {
            let mut list = ListToolsResult {
                tools: tools::list(false, shared.config.task_tools),
                next_cursor: None,
                meta: None,
            }
            .to_map();
            // 2026-07-28 list results are cacheable and must say for how long; the tool
            // set is fixed by the server's configuration and holds nothing user-specific.
            list.insert("cacheScope".into(), json!("public"));
            list.insert("ttlMs".into(), json!(DISCOVER_TTL_MS));
            Ok(list)
        }
        method::TOOLS_CALL => tools_call(shared, &caller, params, None).await,
        m if m.starts_with("tasks/") => {
            let mut st = shared.lock();
            let reply = st.receiver.handle(&caller, m, Some(&params), clock::now());
            if m == method::TASKS_UPDATE {
                if let Some(task) = params.get("taskId").and_then(Value::as_str) {
                    st.poke(&task.into());
                }
            }
            st.drain_events();
            match reply {
                Some(Reply::Result(r)) => Ok(r),
                Some(Reply::Error(e)) => Err(e),
                Some(Reply::AwaitTerminal(_)) | None => Err(not_found(m)),
            }
        }
        m => Err(not_found(m)),
    };
    match outcome {
        Ok(mut result) => {
            result.entry("resultType").or_insert_with(|| Value::from("complete"));
            let body = Message::Result(ResultResponse::new(id, result)).to_value();
            http::json(StatusCode::OK, &body)
        }
        Err(e) => rpc_error(status_for(e.code), Some(id), e),
    }
}

fn info() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), Value::from("mcp-tasks"));
    m.insert("version".into(), Value::from(env!("CARGO_PKG_VERSION")));
    m
}

fn not_found(method: &str) -> ErrorObject {
    ErrorObject::new(ErrorCode::METHOD_NOT_FOUND, format!("Method not found: {method}"))
}

/// The HTTP status of a JSON-RPC error under 2026-07-28.
fn status_for(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::HEADER_MISMATCH
        | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
        | ErrorCode::UNSUPPORTED_PROTOCOL_VERSION => StatusCode::BAD_REQUEST,
        ErrorCode::METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
        _ => StatusCode::OK,
    }
}

/// Who is calling: with `Authorization`, its value is the owner (kept in memory only);
/// without, every caller is one anonymous owner and task ids are the bearer handles.
fn owner(headers: &HeaderMap) -> Owner {
    match header_str(headers, "authorization") {
        Some(token) => Owner::new(format!("ext:authorization:{token}")),
        None => Owner::new(ANONYMOUS),
    }
}

/// The version and header checks every request and notification passes first.
fn check(
    headers: &HeaderMap,
    id: Option<&RequestId>,
    method: &str,
    params: &Map<String, Value>,
) -> Result<(), Box<Response<Body>>> {
    let mismatch = |what: &str| {
        let error =
            ErrorObject::new(ErrorCode::HEADER_MISMATCH, format!("Header mismatch: {what}"))
                .with_data(json!({"header": what}));
        Box::new(rpc_error(StatusCode::BAD_REQUEST, id.cloned(), error))
    };
    let version = meta_version(Some(params));
    if let Some(v) = version {
        if !VERSIONS.contains(&v) {
            let error = UnsupportedProtocolVersion {
                supported: VERSIONS.iter().map(|v| v.to_string()).collect(),
                requested: v.to_owned(),
            }
            .to_error();
            return Err(Box::new(rpc_error(StatusCode::BAD_REQUEST, id.cloned(), error)));
        }
    }
    let header_version = header_str(headers, "mcp-protocol-version");
    if version.is_none() || header_version != version {
        return Err(mismatch("MCP-Protocol-Version"));
    }
    if header_str(headers, "mcp-method") != Some(method) {
        return Err(mismatch("Mcp-Method"));
    }
    let name_field = match method {
        method::TOOLS_CALL => Some("name"),
        method::TASKS_GET | method::TASKS_UPDATE | method::TASKS_CANCEL => Some("taskId"),
        _ => None,
    };
    if let Some(field) = name_field {
        let expected = params.get(field).and_then(Value::as_str);
        let got = match header_str(headers, "mcp-name").map(decode_header_value) {
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
