//! Refusals for the limits a peer can run into: each names the limit in its message and in
//! `data.limit`, with JSON-RPC code -32000 and the HTTP status that says what to do.

use serde_json::json;

use super::Config;
use super::types::ResponseId;
use super::wire::Out;
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject, ErrorResponse, Message, RequestId};

/// A request refused at a limit.
#[derive(Debug)]
pub(super) struct Refusal {
    status: u16,
    error: ErrorObject,
    retry_after_s: Option<u64>,
}

impl Refusal {
    fn new(status: u16, limit: &str, max: u64, message: String) -> Self {
        let error = ErrorObject::new(ErrorCode::SERVER_ERROR, message)
            .with_data(json!({"limit": limit, "max": max}));
        Self { status, error, retry_after_s: None }
    }

    /// Answers `response` with it, under request id `id` when known.
    pub fn send(self, out: &mut Out, response: ResponseId, id: Option<RequestId>) {
        let mut headers = Headers::new();
        if let Some(s) = self.retry_after_s {
            headers.push("Retry-After", s.to_string());
        }
        let body = Message::Error(ErrorResponse::new(id, self.error)).to_value();
        out.json(response, self.status, &body, headers);
    }
}

/// 431 when the `Authorization` fields together are longer than
/// [`Config::max_authorization_bytes`].
pub(super) fn check_authorization(headers: &Headers, config: &Config) -> Result<(), Refusal> {
    let max = config.max_authorization_bytes;
    let len: usize = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.len())
        .sum();
    if len <= max {
        return Ok(());
    }
    let message = format!(
        "Request Header Fields Too Large: Authorization is {len} bytes, over the limit of {max}"
    );
    Err(Refusal::new(431, "max_authorization_bytes", max as u64, message))
}

/// The id of the JSON-RPC request in `body`, when it is one (and within `max_body_bytes`):
/// a refusal before the body is looked at still answers the request it refuses.
pub(super) fn request_id(body: &[u8], config: &Config) -> Option<RequestId> {
    if body.len() > config.max_body_bytes {
        return None;
    }
    match serde_json::from_slice::<serde_json::Value>(body).ok()?.get("id")? {
        serde_json::Value::String(s) => Some(RequestId::String(s.clone())),
        serde_json::Value::Number(n) => n.as_i64().map(RequestId::Number),
        _ => None,
    }
}

/// 503 when the session table is full; `retry_after_ms` says when a session could go
/// idle and make room.
pub(super) fn too_many_sessions(config: &Config, retry_after_ms: u64) -> Refusal {
    let max = config.max_sessions;
    let message = format!(
        "Too many sessions: the server holds its limit of {max}; retry later or reuse a \
         session"
    );
    let mut refusal = Refusal::new(503, "max_sessions", max as u64, message);
    refusal.retry_after_s = Some(retry_after_ms.div_ceil(1000).max(1));
    refusal
}
