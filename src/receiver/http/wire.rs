//! The output queue and what goes into it: response heads with CORS, JSON bodies,
//! JSON-RPC errors, SSE frames, and which responses are still open.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::types::{Output, ResponseId};
use crate::protocol::http::{Headers, ResponseHead};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject, ErrorResponse, Message, RequestId};
use crate::protocol::sse::encode_event;
use crate::time::UnixMillis;

/// An SSE comment that keeps idle connections from being closed by intermediaries and
/// makes a vanished client show up as a failed write.
const KEEPALIVE: &[u8] = b": keep-alive\n\n";

/// A response that has not ended.
#[derive(Debug)]
struct Open {
    /// The `Origin` to echo in CORS headers.
    origin: Option<String>,
    /// Whether the head went out.
    headed: bool,
    /// When a streaming response last had something written, for keep-alives.
    streaming_since: Option<UnixMillis>,
    /// Bytes of a streaming response written and not yet reported sent by the driver.
    unsent: usize,
    /// When a stream's time is up, if it has an age limit.
    deadline: Option<UnixMillis>,
}

/// The outputs waiting to be drained, and the responses still open.
#[derive(Debug)]
pub(crate) struct Out {
    queue: VecDeque<Output>,
    open: BTreeMap<ResponseId, Open>,
    /// Responses ended since the last [`Out::take_ended`], for the tables that point at
    /// them.
    ended: Vec<ResponseId>,
    /// How far behind a stream may fall before it is cut off.
    max_backlog: usize,
    /// How long a stream stays open, and when each open stream's time is up: taken in
    /// order, so that ending old streams costs what is ended.
    max_age_ms: u64,
    deadlines: BTreeSet<(UnixMillis, ResponseId)>,
    /// Every open stream under when it last had something written, so that keep-alives
    /// look only at the streams that are due.
    quiet: BTreeSet<(UnixMillis, ResponseId)>,
}

impl Default for Out {
    /// No backlog or age limit.
    fn default() -> Self {
        Self::new(usize::MAX, u64::MAX)
    }
}

impl Out {
    /// An empty queue whose streams may fall `max_backlog` bytes behind and stay open
    /// `max_age_ms`.
    pub fn new(max_backlog: usize, max_age_ms: u64) -> Self {
        Self {
            queue: VecDeque::new(),
            open: BTreeMap::new(),
            ended: Vec::new(),
            max_backlog,
            max_age_ms,
            deadlines: BTreeSet::new(),
            quiet: BTreeSet::new(),
        }
    }

    /// Registers a new response that will echo `origin` in its CORS headers.
    pub fn begin(&mut self, response: ResponseId, origin: Option<String>) {
        self.open.insert(
            response,
            Open { origin, headed: false, streaming_since: None, unsent: 0, deadline: None },
        );
    }

    /// Whether `response` is open and has not had its head yet.
    pub fn awaits_head(&self, response: ResponseId) -> bool {
        self.open.get(&response).is_some_and(|o| !o.headed)
    }

    /// The client closed `response`: nothing more goes out on it.
    pub fn closed(&mut self, response: ResponseId) -> bool {
        self.forget(response).is_some()
    }

    fn forget(&mut self, response: ResponseId) -> Option<Open> {
        let open = self.open.remove(&response)?;
        if let Some(at) = open.deadline {
            self.deadlines.remove(&(at, response));
        }
        if let Some(since) = open.streaming_since {
            self.quiet.remove(&(since, response));
        }
        Some(open)
    }

    pub fn push(&mut self, output: Output) {
        self.queue.push_back(output);
    }

    pub fn pop(&mut self) -> Option<Output> {
        self.queue.pop_front()
    }

    /// Sends the head, with the CORS headers the request's origin calls for.
    pub fn head(&mut self, response: ResponseId, status: u16, mut headers: Headers) {
        let Some(open) = self.open.get_mut(&response) else {
            return;
        };
        if open.headed {
            return;
        }
        open.headed = true;
        if let Some(origin) = &open.origin {
            cors(&mut headers, origin);
        }
        self.queue.push_back(Output::Head { response, head: ResponseHead { status, headers } });
    }

    /// Writes body bytes to an open response; false when it is not open (anymore). A
    /// stream whose client has not taken the last `max_backlog` bytes is cut off here
    /// instead: memory held for a slow or stalled reader stays bounded, and a session
    /// stream is resumed from its event log.
    pub fn body(&mut self, response: ResponseId, bytes: Vec<u8>, now: Option<UnixMillis>) -> bool {
        let Some(open) = self.open.get_mut(&response) else {
            return false;
        };
        if let Some(since) = open.streaming_since {
            if open.unsent > self.max_backlog {
                self.end(response);
                return false;
            }
            open.unsent = open.unsent.saturating_add(bytes.len());
            if let Some(now) = now.filter(|now| *now != since) {
                open.streaming_since = Some(now);
                self.quiet.remove(&(since, response));
                self.quiet.insert((now, response));
            }
        }
        self.queue.push_back(Output::Body { response, bytes });
        true
    }

    /// The driver sent `bytes` of `response` on to its client.
    pub fn sent(&mut self, response: ResponseId, bytes: usize) {
        if let Some(open) = self.open.get_mut(&response) {
            open.unsent = open.unsent.saturating_sub(bytes);
        }
    }

    /// The open streams whose time is up at `now`, oldest first.
    pub fn aged(&mut self, now: UnixMillis) -> Vec<ResponseId> {
        let mut due = Vec::new();
        while let Some(first) = self.deadlines.first().copied() {
            if first.0 > now {
                break;
            }
            self.deadlines.remove(&first);
            if let Some(open) = self.open.get_mut(&first.1) {
                open.deadline = None;
                due.push(first.1);
            }
        }
        due
    }

    /// Ends a response.
    pub fn end(&mut self, response: ResponseId) {
        if self.forget(response).is_some() {
            self.queue.push_back(Output::End { response });
            self.ended.push(response);
        }
    }

    /// The responses ended since the last call.
    pub fn take_ended(&mut self) -> Vec<ResponseId> {
        std::mem::take(&mut self.ended)
    }

    /// A whole response: head, body, end.
    pub fn whole(&mut self, response: ResponseId, status: u16, headers: Headers, body: Vec<u8>) {
        self.head(response, status, headers);
        if !body.is_empty() {
            self.body(response, body, None);
        }
        self.end(response);
    }

    /// A response with no body.
    pub fn empty(&mut self, response: ResponseId, status: u16) {
        self.whole(response, status, Headers::new(), Vec::new());
    }

    /// A plain-text response.
    pub fn text(&mut self, response: ResponseId, status: u16, text: &str, extra: Headers) {
        let mut headers = extra;
        headers.set("Content-Type", "text/plain; charset=utf-8");
        self.whole(response, status, headers, text.as_bytes().to_vec());
    }

    /// A JSON response.
    pub fn json(&mut self, response: ResponseId, status: u16, value: &Value, extra: Headers) {
        let mut headers = extra;
        headers.set("Content-Type", "application/json");
        let body = serde_json::to_vec(value).unwrap_or_default();
        self.whole(response, status, headers, body);
    }

    /// A JSON-RPC error response (`id` null when unknown).
    pub fn rpc_error(
        &mut self,
        response: ResponseId,
        status: u16,
        id: Option<RequestId>,
        error: ErrorObject,
    ) {
        let body = Message::Error(ErrorResponse::new(id, error)).to_value();
        self.json(response, status, &body, Headers::new());
    }

    /// A JSON-RPC error response from a code and message, with no request id.
    pub fn fail(&mut self, response: ResponseId, status: u16, code: ErrorCode, message: &str) {
        self.rpc_error(response, status, None, ErrorObject::new(code, message));
    }

    /// Starts an SSE response.
    pub fn sse_head(&mut self, response: ResponseId, extra: Headers, now: UnixMillis) {
        let mut headers = extra;
        headers.set("Content-Type", "text/event-stream");
        headers.set("Cache-Control", "no-cache");
        headers.set("X-Accel-Buffering", "no");
        self.head(response, 200, headers);
        if let Some(open) = self.open.get_mut(&response) {
            if let Some(since) = open.streaming_since.replace(now) {
                self.quiet.remove(&(since, response));
            }
            self.quiet.insert((now, response));
            if self.max_age_ms != u64::MAX && open.deadline.is_none() {
                let at = now.saturating_add(self.max_age_ms);
                open.deadline = Some(at);
                self.deadlines.insert((at, response));
            }
        }
    }

    /// The next keep-alive due, if any stream has one.
    pub fn next_keepalive(&self, every_ms: u64) -> Option<UnixMillis> {
        if every_ms == 0 {
            return None;
        }
        self.quiet.first().map(|(t, _)| t.saturating_add(every_ms))
    }

    /// Writes a keep-alive comment to every stream quiet for `every_ms`.
    pub fn keepalives(&mut self, now: UnixMillis, every_ms: u64) {
        if every_ms == 0 {
            return;
        }
        let Some(cutoff) = now.0.checked_sub(every_ms) else {
            return;
        };
        let due: Vec<ResponseId> = self
            .quiet
            .range(..=(UnixMillis(cutoff), ResponseId(u64::MAX)))
            .map(|(_, r)| *r)
            .collect();
        for response in due {
            self.body(response, KEEPALIVE.to_vec(), Some(now));
        }
    }
}

/// One SSE event carrying one JSON-RPC message, with an event id when the stream can be
/// resumed.
pub(crate) fn sse_event(id: Option<&str>, message: &Value) -> Vec<u8> {
    let data = serde_json::to_string(message).unwrap_or_default();
    encode_event(Some("message"), id, &data).unwrap_or_default().into_bytes()
}

/// The priming event that opens a resumable stream: an id with empty data (clients skip
/// it as a message but remember the id for `Last-Event-ID`), and how long to wait before
/// reconnecting.
pub(crate) fn sse_priming(id: &str, retry_ms: u64) -> Vec<u8> {
    format!("id: {id}\nretry: {retry_ms}\ndata: \n\n").into_bytes()
}

/// Whether the `Accept` header lists `media` (or `*/*`).
pub(crate) fn accepts(headers: &Headers, media: &str) -> bool {
    headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("accept")).any(|(_, v)| {
        v.split(',').any(|m| {
            let m = m.split(';').next().unwrap_or("").trim();
            m.eq_ignore_ascii_case(media) || m == "*/*"
        })
    })
}

/// Whether a browser `Origin` may talk to the endpoint: loopback hosts on any port, or an
/// exact entry of `allowed`. Requests without `Origin` (not from a browser) pass.
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

/// The CORS headers for an allowed `origin`.
fn cors(headers: &mut Headers, origin: &str) {
    headers.set("Access-Control-Allow-Origin", origin);
    headers.push("Vary", "Origin");
    headers.set("Access-Control-Expose-Headers", "Mcp-Session-Id, MCP-Protocol-Version");
}

/// The extra headers of a CORS preflight answer.
pub(crate) fn preflight_headers() -> Headers {
    let mut h = Headers::new();
    h.push("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
    h.push(
        "Access-Control-Allow-Headers",
        "content-type, accept, authorization, mcp-session-id, mcp-protocol-version, \
         last-event-id, mcp-method, mcp-name",
    );
    h.push("Access-Control-Max-Age", "600");
    h
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

    #[test]
    fn nothing_is_written_to_a_response_after_its_end_or_close() {
        let mut out = Out::default();
        let (a, b) = (ResponseId(1), ResponseId(2));
        out.begin(a, Some("http://localhost:3000".into()));
        out.begin(b, None);
        out.empty(a, 202);
        assert!(!out.body(a, b"late".to_vec(), None));
        assert!(out.closed(b));
        out.empty(b, 200);
        let all: Vec<Output> = std::iter::from_fn(|| out.pop()).collect();
        assert_eq!(all.len(), 2, "{all:?}");
        let Output::Head { head, .. } = &all[0] else { panic!("{all:?}") };
        assert_eq!(head.headers.get("access-control-allow-origin"), Some("http://localhost:3000"));
    }

    fn bodies(out: &mut Out) -> Vec<ResponseId> {
        std::iter::from_fn(|| out.pop())
            .filter_map(|o| match o {
                Output::Body { response, .. } => Some(response),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn keep_alives_go_to_the_quiet_streams_only() {
        let mut out = Out::default();
        let (a, b) = (ResponseId(1), ResponseId(2));
        for r in [a, b] {
            out.begin(r, None);
            out.sse_head(r, Headers::new(), UnixMillis(0));
        }
        assert_eq!(out.next_keepalive(100), Some(UnixMillis(100)));
        assert!(out.body(b, b"event".to_vec(), Some(UnixMillis(60))));
        bodies(&mut out);
        out.keepalives(UnixMillis(100), 100);
        assert_eq!(bodies(&mut out), [a]);
        assert_eq!(out.next_keepalive(100), Some(UnixMillis(160)));
        out.end(b);
        assert_eq!(out.next_keepalive(100), Some(UnixMillis(200)), "an ended stream is forgotten");
    }

    #[test]
    fn a_stream_too_far_behind_is_ended_and_an_old_one_is_due() {
        let mut out = Out::new(10, 1_000);
        let r = ResponseId(1);
        out.begin(r, None);
        out.sse_head(r, Headers::new(), UnixMillis(0));
        assert!(out.body(r, vec![b'x'; 8], None));
        out.sent(r, 8);
        assert!(out.body(r, vec![b'x'; 20], None), "one large event when not behind");
        assert!(!out.body(r, vec![b'x'; 1], None), "cut off: 20 bytes behind");
        assert_eq!(out.take_ended(), [r]);
        assert!(out.aged(UnixMillis(5_000)).is_empty(), "an ended stream has no deadline");
        let s = ResponseId(2);
        out.begin(s, None);
        out.sse_head(s, Headers::new(), UnixMillis(100));
        assert!(out.aged(UnixMillis(1_099)).is_empty());
        assert_eq!(out.aged(UnixMillis(1_100)), [s]);
        assert!(out.aged(UnixMillis(9_999)).is_empty(), "each stream is due once");
    }
}
