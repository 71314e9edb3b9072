//! HTTP plumbing: the response body (whole or an SSE stream), JSON-RPC error responses,
//! SSE framing, CORS and `Origin` checks, and reading a capped request body.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::{Instant, Interval, MissedTickBehavior, interval_at};

use crate::protocol::jsonrpc::{ErrorCode, ErrorObject, ErrorResponse, Message, RequestId};

/// The sending half of an SSE response: each item is one framed event.
pub(crate) type SseSender = mpsc::UnboundedSender<Bytes>;

/// An SSE comment: keeps idle connections from being closed by intermediaries and client
/// timeouts, and makes a vanished client show up as a failed write.
const KEEPALIVE: &[u8] = b": keep-alive\n\n";

/// A response body: all at once, or SSE events as they are sent.
#[derive(Debug)]
pub(crate) enum Body {
    /// A complete body (possibly empty).
    Full(Option<Bytes>),
    /// An SSE stream that ends when every sender is dropped, with a keep-alive comment
    /// whenever the interval ticks.
    Sse { rx: mpsc::UnboundedReceiver<Bytes>, keepalive: Option<Interval> },
}

impl HttpBody for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            Body::Sse { rx, keepalive } => match rx.poll_recv(cx) {
                Poll::Ready(item) => Poll::Ready(item.map(|d| Ok(Frame::data(d)))),
                Poll::Pending => match keepalive.as_mut().map(|k| k.poll_tick(cx)) {
                    Some(Poll::Ready(_)) => {
                        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(KEEPALIVE)))))
                    }
                    _ => Poll::Pending,
                },
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Sse { .. } => SizeHint::default(),
        }
    }
}

/// An empty response with `status`.
pub(crate) fn empty(status: StatusCode) -> Response<Body> {
    let mut res = Response::new(Body::Full(None));
    *res.status_mut() = status;
    res
}

/// A plain-text response.
pub(crate) fn text(status: StatusCode, body: &str) -> Response<Body> {
    let mut res = Response::new(Body::Full(Some(Bytes::copy_from_slice(body.as_bytes()))));
    *res.status_mut() = status;
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    res
}

/// A JSON body.
pub(crate) fn json(status: StatusCode, value: &Value) -> Response<Body> {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let mut res = Response::new(Body::Full(Some(Bytes::from(bytes))));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

/// A JSON-RPC error response (`id` null when unknown) with an HTTP status.
pub(crate) fn rpc_error(
    status: StatusCode,
    id: Option<RequestId>,
    error: ErrorObject,
) -> Response<Body> {
    json(status, &Message::Error(ErrorResponse::new(id, error)).to_value())
}

/// A JSON-RPC error response from a code and message.
pub(crate) fn rpc_fail(
    status: StatusCode,
    id: Option<RequestId>,
    code: ErrorCode,
    message: impl Into<String>,
) -> Response<Body> {
    rpc_error(status, id, ErrorObject::new(code, message))
}

/// An SSE response and the sender that feeds it; a keep-alive comment goes out every
/// `keepalive` (none when zero). Call inside a tokio runtime.
pub(crate) fn sse(keepalive: Duration) -> (Response<Body>, SseSender) {
    let (tx, rx) = mpsc::unbounded_channel();
    let keepalive = (!keepalive.is_zero()).then(|| {
        let mut every = interval_at(Instant::now() + keepalive, keepalive);
        every.set_missed_tick_behavior(MissedTickBehavior::Delay);
        every
    });
    let mut res = Response::new(Body::Sse { rx, keepalive });
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    (res, tx)
}

/// One SSE event carrying one JSON-RPC message, with an event id when the stream can be
/// resumed.
pub(crate) fn sse_event(id: Option<&str>, message: &Value) -> Bytes {
    let data = serde_json::to_string(message).unwrap_or_default();
    match id {
        Some(id) => Bytes::from(format!("event: message\nid: {id}\ndata: {data}\n\n")),
        None => Bytes::from(format!("event: message\ndata: {data}\n\n")),
    }
}

/// The priming event that opens a resumable stream: an id with empty data (clients skip
/// it as a message but remember the id for `Last-Event-ID`), and how long to wait before
/// reconnecting.
pub(crate) fn sse_priming(id: &str, retry: Duration) -> Bytes {
    Bytes::from(format!("id: {id}\nretry: {}\ndata: \n\n", retry.as_millis()))
}

/// A request header as text, if present and visible ASCII.
pub(crate) fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether the `Accept` header lists `media` (or `*/*`).
pub(crate) fn accepts(headers: &HeaderMap, media: &str) -> bool {
    headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|m| {
            let m = m.split(';').next().unwrap_or("").trim();
            m.eq_ignore_ascii_case(media) || m == "*/*"
        })
    })
}

/// The media-type headers every POST must carry: a JSON body, and an `Accept` that takes
/// both answers a request can get (415 and 406 otherwise, as the SDK servers answer).
pub(crate) fn check_post_headers(headers: &HeaderMap) -> Result<(), Box<Response<Body>>> {
    let json_body = header_str(headers, "content-type")
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json_body {
        return Err(Box::new(rpc_fail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            None,
            ErrorCode::SERVER_ERROR,
            "Unsupported Media Type: Content-Type must be application/json",
        )));
    }
    if !(accepts(headers, "application/json") && accepts(headers, "text/event-stream")) {
        return Err(Box::new(rpc_fail(
            StatusCode::NOT_ACCEPTABLE,
            None,
            ErrorCode::SERVER_ERROR,
            "Not Acceptable: Accept must list application/json and text/event-stream",
        )));
    }
    Ok(())
}

/// Why a request body could not be read.
pub(crate) enum BodyError {
    /// Longer than the cap.
    TooLarge,
    /// The connection failed while reading.
    Io,
}

/// Reads the whole request body, refusing more than `cap` bytes.
pub(crate) async fn read_body(body: Incoming, cap: usize) -> Result<Bytes, BodyError> {
    match Limited::new(body, cap).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Io),
    }
}

/// Whether a browser `Origin` may talk to the MCP endpoint: loopback hosts on any port, or
/// an exact entry of `allowed`. Requests without `Origin` (not from a browser) pass.
pub(crate) fn origin_allowed(origin: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = origin else {
        return true;
    };
    if allowed.iter().any(|a| a == origin) {
        return true;
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    if scheme != "http" && scheme != "https" {
        return false;
    }
    let host = if let Some(v6) = rest.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, port)) if port.is_empty() || is_port(port) => h,
            _ => return false,
        }
    } else {
        match rest.split_once(':') {
            Some((h, port)) if is_port(port) => h,
            Some(_) => return false,
            None => rest,
        }
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

fn is_port(s: &str) -> bool {
    s.strip_prefix(':').unwrap_or(s).parse::<u16>().is_ok()
}

/// Adds the CORS headers for an allowed `origin` to a response.
pub(crate) fn add_cors(res: &mut Response<Body>, origin: Option<&str>) {
    let Some(origin) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else {
        return;
    };
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("Mcp-Session-Id, MCP-Protocol-Version"),
    );
}

/// The answer to a CORS preflight.
pub(crate) fn preflight(origin: Option<&str>) -> Response<Body> {
    let mut res = empty(StatusCode::NO_CONTENT);
    add_cors(&mut res, origin);
    let h = res.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, \
             last-event-id, mcp-method, mcp-name",
        ),
    );
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_origins_pass_and_others_do_not() {
        let none: Vec<String> = Vec::new();
        for ok in
            ["http://localhost", "http://localhost:5173", "https://127.0.0.1:1", "http://[::1]:80"]
        {
            assert!(origin_allowed(Some(ok), &none), "{ok}");
        }
        for bad in [
            "http://evil.com",
            "http://localhost.evil.com",
            "http://127.0.0.1.nip.io",
            "null",
            "file://localhost",
            "http://localhost:x",
        ] {
            assert!(!origin_allowed(Some(bad), &none), "{bad}");
        }
        assert!(origin_allowed(None, &none));
        assert!(origin_allowed(Some("https://app.example"), &["https://app.example".into()]));
    }
}
