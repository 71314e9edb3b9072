//! Streamable HTTP 2025-11-25: `initialize` and sessions, JSON answers, held
//! `tasks/result` SSE streams, the standalone GET stream, client responses, DELETE.

use std::sync::Arc;

use hyper::header::{HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Map, Value, json};

use super::call::tools_call;
use super::http::{self, Body, header_str, rpc_error, rpc_fail};
use super::session::EventId;
use super::state::Shared;
use super::tools;
use crate::protocol::jsonrpc::{
    ErrorCode, ErrorObject, Message, Request, RequestId, ResultResponse,
};
use crate::protocol::legacy::{
    ClientCapabilities, Implementation, InitializeParams, InitializeResult, ListToolsResult,
    ServerCapabilities, ServerTasksCapability, WireShape,
};
use crate::receiver::{Caller, Reply};
use crate::store::Owner;
use crate::task::InputAnswer;

/// The revisions this endpoint serves with sessions, newest first.
pub(crate) const VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];

const SESSION_HEADER: &str = "mcp-session-id";

/// A POSTed message of the 2025-11-25 generation.
pub(crate) async fn post(
    shared: &Arc<Shared>,
    headers: &HeaderMap,
    msg: Message,
) -> Response<Body> {
    if let Message::Request(req) = &msg {
        if req.method == "initialize" {
            return initialize(shared, req);
        }
    }
    let session = match session_of(shared, headers) {
        Ok(s) => s,
        Err(res) => return *res,
    };
    match msg {
        Message::Notification(_) => http::empty(StatusCode::ACCEPTED),
        Message::Result(res) => {
            answer(shared, &session, &res.id, InputAnswer::Response(res.result));
            http::empty(StatusCode::ACCEPTED)
        }
        Message::Error(err) => {
            if let Some(id) = &err.id {
                answer(shared, &session, id, InputAnswer::Error(err.error));
            }
            http::empty(StatusCode::ACCEPTED)
        }
        Message::Request(req) => request(shared, session, req).await,
    }
}

/// The session a request names, or the error response: 400 when it names none, 404 when
/// it is unknown or ended, 400 for an unsupported `MCP-Protocol-Version`.
fn session_of(shared: &Shared, headers: &HeaderMap) -> Result<String, Box<Response<Body>>> {
    let Some(id) = header_str(headers, SESSION_HEADER) else {
        return Err(Box::new(rpc_fail(
            StatusCode::BAD_REQUEST,
            None,
            ErrorCode::SERVER_ERROR,
            "Bad Request: Mcp-Session-Id header is required",
        )));
    };
    let version = header_str(headers, "mcp-protocol-version");
    if let Some(v) = version {
        if !VERSIONS.contains(&v) {
            return Err(Box::new(rpc_fail(
                StatusCode::BAD_REQUEST,
                None,
                ErrorCode::SERVER_ERROR,
                format!("Bad Request: Unsupported protocol version: {v}"),
            )));
        }
    }
    let negotiated = match shared.lock().touch_session(id) {
        Some(s) => s.protocol_version.clone(),
        None => {
            return Err(Box::new(rpc_fail(
                StatusCode::NOT_FOUND,
                None,
                ErrorCode::SESSION_NOT_FOUND,
                "Session not found",
            )));
        }
    };
    if let Some(v) = version {
        if v != negotiated {
            return Err(Box::new(rpc_fail(
                StatusCode::BAD_REQUEST,
                None,
                ErrorCode::SERVER_ERROR,
                format!("Bad Request: this session speaks {negotiated}, not {v}"),
            )));
        }
    }
    Ok(id.to_owned())
}

fn initialize(shared: &Shared, req: &Request) -> Response<Body> {
    let params = match InitializeParams::from_params(req.params.clone()) {
        Ok(p) => p,
        Err(e) => {
            let error = ErrorObject::new(ErrorCode::INVALID_PARAMS, e.to_string());
            return rpc_error(StatusCode::BAD_REQUEST, Some(req.id.clone()), error);
        }
    };
    let version = VERSIONS
        .iter()
        .find(|v| **v == params.protocol_version)
        .unwrap_or(&VERSIONS[0])
        .to_string();
    // In task-tools mode a question the client cannot take stays with its task, where
    // get_task_status shows it and answer_task_input answers it; otherwise it is sent
    // anyway, since nothing else could answer it and a refusal at least ends the wait.
    let input_methods = shared.config.task_tools.then(|| answerable(&params.capabilities));
    let Some(session) = shared.lock().open_session(version.clone(), input_methods) else {
        let error = ErrorObject::new(ErrorCode::INTERNAL_ERROR, "no randomness for a session id");
        return rpc_error(StatusCode::INTERNAL_SERVER_ERROR, Some(req.id.clone()), error);
    };
    let mut capabilities = ServerCapabilities {
        tasks: Some(ServerTasksCapability::default().with_list().with_cancel().with_tool_call()),
        extra: Map::new(),
    };
    capabilities.extra.insert("tools".into(), json!({}));
    let result = InitializeResult {
        protocol_version: version.clone(),
        capabilities,
        server_info: Implementation::new("mcp-tasks", env!("CARGO_PKG_VERSION")),
        instructions: tools::instructions(shared.config.task_tools),
        meta: None,
    };
    let mut res = respond(req.id.clone(), Ok(result.to_map()));
    if let Ok(v) = HeaderValue::from_str(&session) {
        res.headers_mut().insert(SESSION_HEADER, v);
    }
    if let Ok(v) = HeaderValue::from_str(&version) {
        res.headers_mut().insert("mcp-protocol-version", v);
    }
    res
}

/// The input request methods a client's capabilities say it answers.
fn answerable(capabilities: &ClientCapabilities) -> Vec<&'static str> {
    [
        ("elicitation", "elicitation/create"),
        ("sampling", "sampling/createMessage"),
        ("roots", "roots/list"),
    ]
    .into_iter()
    .filter(|(capability, _)| capabilities.extra.get(*capability).is_some_and(Value::is_object))
    .map(|(_, method)| method)
    .collect()
}

async fn request(shared: &Arc<Shared>, session: String, req: Request) -> Response<Body> {
    let caller = Caller::legacy(Owner::new(session.clone()));
    let params = req.params.unwrap_or_default();
    let outcome = match req.method.as_str() {
        "ping" => Ok(Map::new()),
        "tools/list" => Ok(ListToolsResult {
            tools: shared.tools.list(true, shared.config.task_tools),
            next_cursor: None,
            meta: None,
        }
        .to_map()),
        "tools/call" => tools_call(shared, &caller, params, Some(session)).await,
        m if m.starts_with("tasks/") => {
            let mut st = shared.lock();
            let now = st.now();
            let reply = st.receiver.handle(&caller, m, Some(&params), now);
            st.drain_events();
            match reply {
                Some(Reply::Result(r)) => Ok(r),
                Some(Reply::Error(e)) => Err(e),
                Some(Reply::AwaitTerminal(task)) => {
                    let (res, tx) = http::sse(shared.config.keepalive);
                    st.hold_result(&session, task, req.id, tx);
                    return res;
                }
                None => Err(not_found(m)),
            }
        }
        m => Err(not_found(m)),
    };
    respond(req.id, outcome)
}

fn not_found(method: &str) -> ErrorObject {
    ErrorObject::new(ErrorCode::METHOD_NOT_FOUND, format!("Method not found: {method}"))
}

fn respond(id: RequestId, outcome: Result<Map<String, Value>, ErrorObject>) -> Response<Body> {
    match outcome {
        Ok(result) => {
            http::json(StatusCode::OK, &Message::Result(ResultResponse::new(id, result)).to_value())
        }
        Err(e) => rpc_error(StatusCode::OK, Some(id), e),
    }
}

/// Passes a client's response to a server→client input request on to its task.
fn answer(shared: &Shared, session: &str, id: &RequestId, answer: InputAnswer) {
    let mut st = shared.lock();
    let Some((task, key)) = st.take_pending(session, id) else {
        return;
    };
    let caller = Caller::legacy(Owner::new(session));
    let now = st.now();
    let _ = st.receiver.deliver_answer(&caller, &task, key, answer, now);
    st.poke(&task);
    st.drain_events();
}

/// `GET /mcp`: the session's standalone SSE stream, resuming after `Last-Event-ID`.
pub(crate) fn get(shared: &Shared, headers: &HeaderMap) -> Response<Body> {
    if !http::accepts(headers, "text/event-stream") {
        return http::text(StatusCode::NOT_ACCEPTABLE, "GET /mcp needs Accept: text/event-stream");
    }
    let session = match session_of(shared, headers) {
        Ok(s) => s,
        Err(res) => return *res,
    };
    let last = header_str(headers, "last-event-id").and_then(EventId::parse);
    let (res, tx) = http::sse(shared.config.keepalive);
    shared.lock().attach_get_stream(&session, tx, last);
    res
}

/// `DELETE /mcp`: ends the session.
pub(crate) fn delete(shared: &Shared, headers: &HeaderMap) -> Response<Body> {
    match session_of(shared, headers) {
        Ok(session) => {
            shared.lock().close_session(&session);
            http::empty(StatusCode::OK)
        }
        Err(res) => *res,
    }
}
