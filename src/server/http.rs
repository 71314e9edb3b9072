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
    Stream { ready: VecDeque<Bytes>, rx: mpsc::UnboundedReceiver<Bytes>, _open: Open },
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
            Body::Stream { ready, rx, .. } => match ready.pop_front() {
                Some(d) => Poll::Ready(Some(Ok(Frame::data(d)))),
                None => rx.poll_recv(cx).map(|d| d.map(|d| Ok(Frame::data(d)))),
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

impl Drop for Open {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.lock().closed(self.response);
        }
    }
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
        Body::Stream { ready, rx, _open: open }
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
