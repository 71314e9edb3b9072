//! Streamable HTTP 2026-07-28 with the tasks extension: stateless POSTs, per-request
//! `_meta`, `Mcp-Method` / `Mcp-Name` routing headers, and the HTTP status codes the
//! revision gives its errors.

use std::sync::Arc;

use hyper::header::HeaderMap;
use hyper::{Response, StatusCode};
use serde_json::{Map, Value, json};

use super::call::tools_call;
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

/// `_meta` key naming the server on a 2026-07-28 result.
const SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

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
            d.instructions = tools::instructions(shared.config.task_tools);
            Ok(d.to_map())
        }
        "tools/list" => {
            let mut list = ListToolsResult {
                tools: shared.tools.list(false, shared.config.task_tools),
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
        method::SUBSCRIPTIONS_LISTEN => {
            let mut st = shared.lock();
            let now = st.now();
            match st.receiver.listen(&caller, &id, &params, now) {
                Ok(sub) => {
                    let (res, tx) = http::sse(shared.config.keepalive);
                    st.open_listener(caller.owner.clone(), id, tx, sub);
                    return res;
                }
                Err(e) => Err(e),
            }
        }
        m if m.starts_with("tasks/") => {
            let mut st = shared.lock();
            let now = st.now();
            let reply = st.receiver.handle(&caller, m, Some(&params), now);
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
            identify(&mut result);
            let body = Message::Result(ResultResponse::new(id, result)).to_value();
            http::json(StatusCode::OK, &body)
        }
        Err(e) => rpc_error(status_for(e.code), Some(id), e),
    }
}

/// Names the server in a result's `_meta`, as 2026-07-28 asks of every result.
fn identify(result: &mut Map<String, Value>) {
    if let Value::Object(meta) = result.entry("_meta").or_insert_with(|| json!({})) {
        meta.entry(SERVER_INFO).or_insert_with(|| Value::Object(info()));
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

/// Who is calling: with `Authorization`, its credentials are the owner (kept in memory
/// only; the scheme is case-insensitive, so `bearer X` and `Bearer X` are one caller);
/// without, every caller is one anonymous owner and task ids are the bearer handles.
/// This server validates no token: whoever presents the same credentials is the same
/// caller, and nobody else can reach their tasks.
fn owner(headers: &HeaderMap) -> Owner {
    // Read as bytes: a value that is not visible ASCII is still someone's credentials,
    // never the anonymous caller.
    let raw = headers.get("authorization").map(|v| String::from_utf8_lossy(v.as_bytes()));
    let credentials = raw.as_deref().map(str::trim).unwrap_or("");
    match credentials.split_once(' ') {
        Some((scheme, rest)) if !rest.trim().is_empty() => {
            Owner::new(format!("ext:auth:{}:{}", scheme.to_ascii_lowercase(), rest.trim()))
        }
        _ if !credentials.is_empty() => Owner::new(format!("ext:auth::{credentials}")),
        _ => Owner::new(ANONYMOUS),
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
    // The body's version is what the request speaks; without it the request is
    // malformed (invalid params), whatever the headers say.
    let Some(version) = meta_version(Some(params)) else {
        let error = ErrorObject::new(
            ErrorCode::INVALID_PARAMS,
            format!("Invalid params: _meta[\"{PROTOCOL_VERSION}\"] is required"),
        );
        return Err(Box::new(rpc_error(StatusCode::BAD_REQUEST, id.cloned(), error)));
    };
    // A header that disagrees with the body is a mismatch even when the body's version
    // is one the server does not speak.
    if header_str(headers, "mcp-protocol-version") != Some(version) {
        return Err(mismatch("MCP-Protocol-Version"));
    }
    if !VERSIONS.contains(&version) {
        let error = UnsupportedProtocolVersion {
            supported: VERSIONS.iter().map(|v| v.to_string()).collect(),
            requested: version.to_owned(),
        }
        .to_error();
        return Err(Box::new(rpc_error(StatusCode::BAD_REQUEST, id.cloned(), error)));
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
