//! A POST before the protocol: media types, body size, JSON, and which generation it
//! speaks.

use serde_json::Value;

use super::{Endpoint, Generations, Request, ResponseId, extension, wire};
use crate::id::IdSource;
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{ErrorCode, Message};
use crate::store::Backend;
use crate::time::UnixMillis;

impl<B: Backend, I: IdSource> Endpoint<B, I> {
    pub(super) fn post(&mut self, now: UnixMillis, response: ResponseId, request: &Request) {
        if let Err((status, message)) = check_post_headers(&request.headers) {
            return self.out.fail(response, status, ErrorCode::SERVER_ERROR, message);
        }
        let cap = self.config.max_body_bytes;
        let declared = request.headers.get("content-length").and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > cap as u64) || request.body.len() > cap {
            return self.out.fail(
                response,
                413,
                ErrorCode::INVALID_REQUEST,
                "Request body too large",
            );
        }
        let value: Value = match serde_json::from_slice(&request.body) {
            Ok(v) => v,
            Err(_) => return self.out.fail(response, 400, ErrorCode::PARSE_ERROR, "Parse error"),
        };
        if value.is_array() {
            let text = "Invalid Request: batches are not supported";
            return self.out.fail(response, 400, ErrorCode::INVALID_REQUEST, text);
        }
        let msg = match Message::from_value(value) {
            Ok(m) => m,
            Err(e) => {
                let text = format!("Invalid Request: {e}");
                return self.out.fail(response, 400, ErrorCode::INVALID_REQUEST, &text);
            }
        };
        let extension = match self.config.generations {
            Generations::Both => extension::speaks_extension(&request.headers, &msg),
            Generations::Legacy => false,
            Generations::Extension => true,
        };
        if extension {
            self.extension_post(now, response, &request.headers, request.peer, msg);
        } else {
            self.legacy_post(now, response, &request.headers, msg);
        }
    }
}

/// The media-type headers every POST must carry: a JSON body, and an `Accept` that takes
/// both answers a request can get (415 and 406 otherwise, as the SDK servers answer).
fn check_post_headers(headers: &Headers) -> Result<(), (u16, &'static str)> {
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json_body {
        return Err((415, "Unsupported Media Type: Content-Type must be application/json"));
    }
    if !(wire::accepts(headers, "application/json") && wire::accepts(headers, "text/event-stream"))
    {
        return Err((
            406,
            "Not Acceptable: Accept must list application/json and text/event-stream",
        ));
    }
    Ok(())
}
