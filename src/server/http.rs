//! Response bodies for hyper: whole, or fed by the endpoint's output as it comes; a body
//! the client dropped tells the endpoint so.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Weak;
use std::task::{Context, Poll};

use hyper::body::{Body as HttpBody, Bytes, Frame, SizeHint};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use tokio::sync::mpsc;

use super::conn::Busy;
use super::state::Shared;
use crate::protocol::http::ResponseHead;
use crate::receiver::http::ResponseId;

/// A response body: all at once, or bytes as the endpoint writes them.
#[derive(Debug)]
pub(crate) enum Body {
    /// A complete body (possibly empty).
    Full(Option<Bytes>),
    /// Bytes already written, then the rest as it comes; ends when the endpoint ends the
    /// response.
    Stream { ready: VecDeque<Bytes>, rx: mpsc::UnboundedReceiver<Bytes>, open: Open },
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
            Body::Stream { ready, rx, open } => {
                let next = match ready.pop_front() {
                    Some(d) => Poll::Ready(Some(d)),
                    None => rx.poll_recv(cx),
                };
                // hyper asks for the next frame once it has written the last: what it
                // takes is no longer behind.
                if let Poll::Ready(Some(d)) = &next {
                    open.sent(d.len());
                }
                next.map(|d| d.map(|d| Ok(Frame::data(d))))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            Body::Full(None) => SizeHint::with_exact(0),
            Body::Stream { .. } => SizeHint::default(),
        }
    }
}

/// Held by a streaming body: when hyper drops it before the endpoint ended the response,
/// the client went away.
#[derive(Debug)]
pub(crate) struct Open {
    pub shared: Weak<Shared>,
    pub response: ResponseId,
}

impl Open {
    /// Tells the endpoint that `bytes` more of the response went to the connection.
    fn sent(&self, bytes: usize) {
        if let Some(shared) = self.shared.upgrade() {
            shared.lock().endpoint().handle_sent(self.response, bytes);
        }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.lock().closed(self.response);
        }
    }
}

/// A response body that keeps its request counted as in flight on its connection until
/// it is done or dropped.
#[derive(Debug)]
pub(crate) struct Tracked {
    pub body: Body,
    pub _busy: Busy,
}

impl HttpBody for Tracked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A JSON-RPC error without an id, refusing a request at a server limit, after which the
/// connection closes.
pub(crate) fn refusal(status: StatusCode, message: &str, limit: &str, max: u64) -> Response<Body> {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32000,
        "message": message, "data": {"limit": limit, "max": max}}});
    let mut res = Response::new(Body::Full(Some(Bytes::from(body.to_string()))));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
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

/// The hyper response for an endpoint response: whole when the endpoint already wrote
/// all of it, streaming otherwise.
pub(crate) fn response(
    head: ResponseHead,
    mut rx: mpsc::UnboundedReceiver<Bytes>,
    open: Open,
) -> Response<Body> {
    let mut ready = VecDeque::new();
    let whole = loop {
        match rx.try_recv() {
            Ok(bytes) => ready.push_back(bytes),
            Err(mpsc::error::TryRecvError::Empty) => break false,
            Err(mpsc::error::TryRecvError::Disconnected) => break true,
        }
    };
    let body = if whole {
        drop(open);
        let all: Vec<u8> = ready.into_iter().flat_map(|b| b.to_vec()).collect();
        Body::Full((!all.is_empty()).then(|| Bytes::from(all)))
    } else {
        Body::Stream { ready, rx, open }
    };
    let mut res = Response::new(body);
    *res.status_mut() = StatusCode::from_u16(head.status).unwrap_or(StatusCode::OK);
    for (name, value) in head.headers.iter() {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
            res.headers_mut().append(n, v);
        }
    }
    res
}
