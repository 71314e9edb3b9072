//! One HTTP exchange: what it was for, and reading its response by `Content-Type`.
//!
//! Reading is separate from acting: the functions here turn a head, chunks and an end
//! into JSON-RPC messages and typed problems, and never panic whatever the bytes are.

use std::sync::Arc;

use crate::protocol::http::ResponseHead;
use crate::protocol::json::tape::Scanned;
use crate::protocol::jsonrpc::{EnvelopeError, ErrorObject, Message, Reply, RequestId};
use crate::protocol::sse::SseDecoder;

use super::error::{ClientError, RequestKind};
use super::reply::ResultBody;
use super::schedule::parse_retry_after;
use super::{CallId, InputId, OpId};
use crate::time::UnixMillis;

/// The largest error body read (it is only searched for a JSON-RPC error).
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Who is waiting for an exchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Purpose {
    /// `initialize`, `notifications/initialized` or `server/discover`.
    Connect,
    /// A one-off request.
    Op(OpId),
    /// A request of a call (the kind says which).
    Call(CallId),
    /// The answer to an input request.
    Input(InputId),
    /// The 2025-11-25 GET stream.
    Stream,
    /// The extension listen stream.
    Listen,
    /// `DELETE` of the session.
    Close,
    /// A notification nobody waits for.
    Notify,
}

/// How far the response has been read.
#[derive(Debug)]
pub(super) enum Reading {
    /// No head yet.
    Head,
    /// A success without a body to read (202, 204).
    Empty,
    /// A JSON body, collected until the end.
    Json(Vec<u8>),
    /// An event stream, decoded as it comes.
    Sse(SseDecoder),
    /// A failure status; the body is collected to find a JSON-RPC error in it.
    Failed(Vec<u8>),
}

/// An exchange in flight.
#[derive(Debug)]
pub(super) struct Exchange {
    pub kind: RequestKind,
    pub purpose: Purpose,
    /// The JSON-RPC id of the request, when it expects a response.
    pub rpc: Option<RequestId>,
    /// The 2025-11-25 session the request carried.
    pub session: Option<String>,
    /// `Mcp-Session-Id` of an `initialize` response.
    pub session_header: Option<String>,
    pub reading: Reading,
    pub status: u16,
    pub retry_after_ms: Option<u64>,
    /// The response to `rpc` has been seen.
    pub answered: bool,
    /// The SSE stream's last event id and `retry`, kept for resumption.
    pub last_event_id: Option<String>,
    /// A `GET` resuming the stream of an earlier request.
    pub resumed: bool,
    pub retry_ms: Option<u64>,
}

/// Something that went wrong with an exchange, by how to react.
#[derive(Clone, Debug)]
pub(super) enum Problem {
    /// Try again later: transport failures, timeouts, 5xx, 429, a response that never came.
    Transient {
        /// What happened, reported if the retries run out.
        error: ClientError,
        /// How long the server asked to wait.
        retry_after_ms: Option<u64>,
    },
    /// The server answered nonsense; try again a few times.
    Peer(ClientError),
    /// The 2025-11-25 session is gone (404 to a request carrying it).
    SessionLost,
    /// 405: the server does not offer this (e.g. the GET stream).
    NotAllowed,
    /// Give up on this request.
    Fatal(ClientError),
}

/// What reading produced.
#[derive(Debug)]
pub(super) enum Incoming {
    /// One JSON-RPC message (from a JSON body or an SSE event).
    Message(Message),
    /// A success response, its result left on the tape it was read onto.
    Result {
        /// The id of the request it answers.
        id: RequestId,
        /// The `result` object.
        body: ResultBody,
    },
    /// One event or body that was not a message.
    Bad(ClientError),
}

/// How an exchange ended.
#[derive(Debug)]
pub(super) enum Ending {
    /// The body ended normally.
    Done,
    /// A failure status, with the JSON-RPC error its body held, if any.
    Http { status: u16, error: Option<ErrorObject> },
}

impl Exchange {
    pub(super) fn new(kind: RequestKind, purpose: Purpose, rpc: Option<RequestId>) -> Self {
        Self {
            kind,
            purpose,
            rpc,
            session: None,
            session_header: None,
            reading: Reading::Head,
            status: 0,
            retry_after_ms: None,
            answered: false,
            last_event_id: None,
            resumed: false,
            retry_ms: None,
        }
    }

    /// Whether the exchange is an event stream (once its head is in).
    pub(super) fn is_stream(&self) -> bool {
        matches!(self.reading, Reading::Sse(_))
    }

    /// Takes the head: decides how to read the body, or what went wrong.
    pub(super) fn on_head(
        &mut self,
        head: &ResponseHead,
        now: UnixMillis,
        max_event_bytes: usize,
        last_event_id: Option<String>,
    ) -> Result<(), Problem> {
        self.status = head.status;
        self.retry_after_ms =
            head.headers.get("retry-after").and_then(|v| parse_retry_after(v, now));
        self.reading = match head.status {
            // Accepted notifications and responses carry no message, whatever the
            // Content-Type says (the Python SDK sends `application/json` with no body).
            202 | 204 => Reading::Empty,
            200..=299 if head.is_event_stream() => {
                Reading::Sse(SseDecoder::resuming(max_event_bytes, last_event_id))
            }
            200..=299 if head.is_json() => Reading::Json(Vec::new()),
            200..=299 if self.rpc.is_none() && self.kind != RequestKind::Stream => Reading::Empty,
            200..=299 => {
                let content_type = head.headers.get("content-type").map(str::to_owned);
                return Err(Problem::Peer(ClientError::UnexpectedContentType {
                    request: self.kind,
                    content_type,
                }));
            }
            _ => Reading::Failed(Vec::new()),
        };
        Ok(())
    }

    /// Takes a chunk of the body.
    pub(super) fn on_chunk(
        &mut self,
        bytes: &[u8],
        max_body_bytes: usize,
    ) -> Result<Vec<Incoming>, Problem> {
        let kind = self.kind;
        match &mut self.reading {
            Reading::Head => Err(Problem::Peer(ClientError::MissingResponse { request: kind })),
            Reading::Empty => Ok(Vec::new()),
            Reading::Json(buf) => {
                if buf.len().saturating_add(bytes.len()) > max_body_bytes {
                    return Err(Problem::Peer(ClientError::OversizeBody {
                        request: kind,
                        limit: max_body_bytes,
                    }));
                }
                buf.extend_from_slice(bytes);
                Ok(Vec::new())
            }
            Reading::Failed(buf) => {
                let room = MAX_ERROR_BODY.saturating_sub(buf.len());
                buf.extend_from_slice(bytes.get(..room.min(bytes.len())).unwrap_or_default());
                Ok(Vec::new())
            }
            Reading::Sse(decoder) => {
                let events = decoder.push(bytes).map_err(|source| {
                    Problem::Peer(ClientError::OversizeEvent { request: kind, source })
                })?;
                self.last_event_id = decoder.last_event_id().map(str::to_owned);
                self.retry_ms = decoder.retry_ms();
                Ok(events
                    .into_iter()
                    .filter(|e| {
                        // Only the default type carries MCP messages; empty data is priming.
                        e.event.as_deref().is_none_or(|t| t == "message") && !e.data.is_empty()
                    })
                    .map(|e| parse(kind, e.data.into_bytes()))
                    .collect())
            }
        }
    }

    /// Takes the end of the body.
    pub(super) fn on_end(&mut self) -> (Vec<Incoming>, Ending) {
        let kind = self.kind;
        match std::mem::replace(&mut self.reading, Reading::Empty) {
            // A message that expects no response may be acknowledged with an empty body.
            Reading::Json(buf) if self.rpc.is_none() && buf.trim_ascii().is_empty() => {
                (Vec::new(), Ending::Done)
            }
            Reading::Json(buf) => (vec![parse(kind, buf)], Ending::Done),
            Reading::Failed(buf) => {
                let error = match Message::from_slice(&buf) {
                    Ok(Message::Error(e)) => Some(e.error),
                    _ => None,
                };
                (Vec::new(), Ending::Http { status: self.status, error })
            }
            Reading::Head | Reading::Empty | Reading::Sse(_) => (Vec::new(), Ending::Done),
        }
    }
}

fn parse(kind: RequestKind, bytes: Vec<u8>) -> Incoming {
    let bad = |e| Incoming::Bad(ClientError::malformed_message(kind, e));
    let json = match Scanned::scan(bytes) {
        Ok(json) => Arc::new(json),
        Err(e) => return bad(EnvelopeError::from(e)),
    };
    let read = match Reply::read(json.doc().root()) {
        Ok(Reply::Result { id, result }) => Ok((id, result.tokens().start)),
        Ok(Reply::Other(message)) => Err(message),
        Err(e) => return bad(e),
    };
    match read {
        Ok((id, at)) => Incoming::Result { id, body: ResultBody::Tape { json, at } },
        Err(message) => Incoming::Message(message),
    }
}

/// The usual reading of a failure status: what it means for a request of `kind`.
/// `with_session` says whether the request carried a 2025-11-25 session id.
pub(super) fn http_problem(
    kind: RequestKind,
    status: u16,
    retry_after_ms: Option<u64>,
    with_session: bool,
) -> Problem {
    match status {
        404 if with_session => Problem::SessionLost,
        405 => Problem::NotAllowed,
        401 | 403 => Problem::Fatal(ClientError::Unauthorized { request: kind, status }),
        429 => {
            Problem::Transient { error: ClientError::RateLimited { request: kind }, retry_after_ms }
        }
        500..=599 => Problem::Transient {
            error: ClientError::ServerUnavailable { request: kind, status },
            retry_after_ms,
        },
        408 => Problem::Transient { error: ClientError::Timeout { request: kind }, retry_after_ms },
        _ => Problem::Fatal(ClientError::UnexpectedStatus { request: kind, status }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::http::Headers;

    fn head(status: u16, content_type: Option<&str>) -> ResponseHead {
        let mut headers = Headers::new();
        if let Some(t) = content_type {
            headers.push("Content-Type", t);
        }
        ResponseHead { status, headers }
    }

    fn exchange() -> Exchange {
        Exchange::new(RequestKind::GetTask, Purpose::Connect, Some(RequestId::Number(1)))
    }

    #[test]
    fn json_body_is_read_at_the_end() {
        let mut x = exchange();
        x.on_head(&head(200, Some("application/json")), UnixMillis(0), 1024, None).unwrap();
        assert!(x.on_chunk(br#"{"jsonrpc":"2.0","id":1,"#, 1024).unwrap().is_empty());
        x.on_chunk(br#""result":{}}"#, 1024).unwrap();
        let (items, end) = x.on_end();
        assert!(matches!(end, Ending::Done));
        assert!(matches!(items.as_slice(), [Incoming::Result { .. }]));
    }

    #[test]
    fn accepted_notifications_carry_no_message_whatever_their_content_type() {
        let mut x = Exchange::new(RequestKind::Initialized, Purpose::Connect, None);
        x.on_head(&head(202, Some("application/json")), UnixMillis(0), 1024, None).unwrap();
        assert!(x.on_chunk(b"", 1024).unwrap().is_empty());
        assert!(matches!(x.on_end(), (items, Ending::Done) if items.is_empty()));
        let mut x = Exchange::new(RequestKind::Initialized, Purpose::Connect, None);
        x.on_head(&head(200, Some("application/json")), UnixMillis(0), 1024, None).unwrap();
        assert!(matches!(x.on_end(), (items, Ending::Done) if items.is_empty()));
        let mut x = exchange();
        x.on_head(&head(200, Some("application/json")), UnixMillis(0), 1024, None).unwrap();
        assert!(
            matches!(x.on_end().0.as_slice(), [Incoming::Bad(_)]),
            "a request's empty body is an error"
        );
    }

    #[test]
    fn sse_events_are_messages_and_others_are_skipped() {
        let mut x = exchange();
        x.on_head(&head(200, Some("text/event-stream")), UnixMillis(0), 1024, None).unwrap();
        let body = b"id: 1\ndata:\n\nevent: ping\ndata: x\n\nid: 2\nretry: 500\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"n\"}\n\ndata: nope\n\n";
        let items = x.on_chunk(body, 1024).unwrap();
        assert_eq!(items.len(), 2);
        assert!(matches!(items[0], Incoming::Message(Message::Notification(_))));
        assert!(matches!(&items[1], Incoming::Bad(e) if e.code() == "client_malformed_message"));
        assert_eq!((x.last_event_id.as_deref(), x.retry_ms), (Some("2"), Some(500)));
    }

    #[test]
    fn limits_and_types_are_typed_problems() {
        let mut x = exchange();
        x.on_head(&head(200, Some("application/json")), UnixMillis(0), 1024, None).unwrap();
        assert!(matches!(
            x.on_chunk(&[b' '; 2000], 1024),
            Err(Problem::Peer(ClientError::OversizeBody { limit: 1024, .. }))
        ));
        let mut x = exchange();
        x.on_head(&head(200, Some("text/event-stream")), UnixMillis(0), 8, None).unwrap();
        assert!(matches!(
            x.on_chunk(b"data: 0123456789\n\n", 1024),
            Err(Problem::Peer(ClientError::OversizeEvent { .. }))
        ));
        let mut x = exchange();
        assert!(matches!(
            x.on_head(&head(200, Some("text/html")), UnixMillis(0), 8, None),
            Err(Problem::Peer(ClientError::UnexpectedContentType { .. }))
        ));
        let mut note = Exchange::new(RequestKind::Initialized, Purpose::Connect, None);
        note.on_head(&head(200, None), UnixMillis(0), 8, None).unwrap();
        assert!(matches!(note.reading, Reading::Empty));
    }

    #[test]
    fn failure_statuses_keep_the_rpc_error_and_retry_after() {
        let mut x = exchange();
        let mut h = head(429, Some("application/json"));
        h.headers.push("Retry-After", "3");
        x.on_head(&h, UnixMillis(0), 1024, None).unwrap();
        assert_eq!(x.retry_after_ms, Some(3000));
        x.on_chunk(br#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"slow"}}"#, 8)
            .unwrap();
        let (_, end) = x.on_end();
        assert!(matches!(end, Ending::Http { status: 429, error: Some(e) } if e.code.0 == -32000));
    }

    proptest::proptest! {
        /// Any head and any bytes, cut anywhere: typed results, never a panic.
        #[test]
        fn reading_never_panics(
            status in 100u16..600,
            content_type in proptest::sample::select(vec![None, Some("application/json"), Some("text/event-stream"), Some("text/html"), Some("")]),
            chunks in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64), 0..6),
            retry_after in proptest::option::of(".{0,12}"),
        ) {
            let mut h = head(status, content_type);
            if let Some(r) = retry_after {
                h.headers.push("Retry-After", r);
            }
            let mut x = exchange();
            if x.on_head(&h, UnixMillis(0), 128, None).is_ok() {
                for c in &chunks {
                    if x.on_chunk(c, 256).is_err() {
                        break;
                    }
                }
                let _ = x.on_end();
            }
        }
    }

    #[test]
    fn http_problems_by_status() {
        let k = RequestKind::GetTask;
        assert!(matches!(http_problem(k, 404, None, true), Problem::SessionLost));
        assert!(matches!(http_problem(k, 404, None, false), Problem::Fatal(_)));
        assert!(matches!(http_problem(k, 405, None, false), Problem::NotAllowed));
        assert!(matches!(
            http_problem(k, 429, Some(5), false),
            Problem::Transient { retry_after_ms: Some(5), .. }
        ));
        assert!(matches!(http_problem(k, 503, None, false), Problem::Transient { .. }));
        assert!(matches!(
            http_problem(k, 401, None, false),
            Problem::Fatal(ClientError::Unauthorized { .. })
        ));
    }
}
