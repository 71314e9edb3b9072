//! A 2025-11-25 session and its SSE streams: event ids unique across the session that
//! name their stream, priming events, per-stream logs for `Last-Event-ID` replay, and
//! which streams still have a client on the other end.
//!
//! Stream 0 is the session's standalone GET stream; every POST answered with SSE (a held
//! `tasks/result`) opens a stream of its own. An event id is `<stream>.<n>`, `n` counting
//! over the whole session, so a resuming GET says which stream it continues.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use hyper::body::Bytes;
use serde_json::Value;

use super::http::{SseSender, sse_event, sse_priming};

/// The standalone GET stream.
pub(crate) const GET_STREAM: u64 = 0;

/// How many events one stream keeps for replay.
const LOG_EVENTS: usize = 256;

/// How many POST streams a session keeps for resumption; the oldest finished ones go
/// first.
const KEPT_STREAMS: usize = 64;

/// The first revision whose clients skip empty-data events: older ones would choke on a
/// priming event.
const PRIMING_SINCE: &str = "2025-11-25";

/// A parsed `Last-Event-ID`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EventId {
    pub stream: u64,
    pub n: u64,
}

impl EventId {
    /// Reads `<stream>.<n>`; anything else is not one of ours.
    pub fn parse(s: &str) -> Option<Self> {
        let (stream, n) = s.trim().split_once('.')?;
        Some(Self { stream: stream.parse().ok()?, n: n.parse().ok()? })
    }
}

/// One SSE stream of the session.
#[derive(Default)]
struct Stream {
    /// The response it is being written to, while one is open.
    tx: Option<SseSender>,
    /// Events with their `n`, for replay.
    log: VecDeque<(u64, Bytes)>,
    /// Its JSON-RPC response went out: a resumption replays and ends.
    done: bool,
    /// Which connection reads it: a fresh GET counts up, a resumption continues (it
    /// replays what the last connection may have missed).
    connection: u64,
}

impl Stream {
    fn live(&self) -> bool {
        self.tx.as_ref().is_some_and(|tx| !tx.is_closed())
    }
}

/// What a `Last-Event-ID` resumed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resumed {
    /// The standalone stream, replayed.
    Get,
    /// A POST stream, replayed and still waiting for its response.
    Post(u64),
    /// A POST stream that had already ended: replayed, and the response ends there.
    Ended,
    /// Not a stream this session knows (anymore): nothing replayed.
    Unknown,
}

/// A stream and the connection reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reader {
    stream: u64,
    connection: u64,
}

/// A 2025-11-25 session.
pub(crate) struct Session {
    pub protocol_version: String,
    pub last_seen_ms: u64,
    retry: Duration,
    next_event: u64,
    next_stream: u64,
    streams: BTreeMap<u64, Stream>,
    /// The input requests the client can answer, when the server must keep to them; `None`
    /// sends every one.
    input_methods: Option<Vec<&'static str>>,
}

impl Session {
    /// A session speaking `protocol_version`, seen at `now_ms`; SSE clients are told to
    /// wait `retry` before reconnecting. With `input_methods`, only input requests of those
    /// methods are sent to the client.
    pub fn new(
        protocol_version: String,
        now_ms: u64,
        retry: Duration,
        input_methods: Option<Vec<&'static str>>,
    ) -> Self {
        Self {
            protocol_version,
            last_seen_ms: now_ms,
            retry,
            next_event: 0,
            next_stream: GET_STREAM + 1,
            streams: BTreeMap::new(),
            input_methods,
        }
    }

    /// Whether the client gets input requests of `method`.
    pub fn takes_input(&self, method: &str) -> bool {
        self.input_methods.as_ref().is_none_or(|m| m.contains(&method))
    }

    /// Whether the session is unused for longer than `idle_ms` with no stream open.
    pub fn is_idle(&self, now_ms: u64, idle_ms: u64) -> bool {
        now_ms.saturating_sub(self.last_seen_ms) > idle_ms
            && !self.streams.values().any(Stream::live)
    }

    /// Whether `stream` has a client reading it now.
    pub fn is_live(&self, stream: u64) -> bool {
        self.streams.get(&stream).is_some_and(Stream::live)
    }

    /// The connection reading `stream` now, when one is: what a message sent on it was
    /// delivered to.
    pub fn reader(&self, stream: u64) -> Option<Reader> {
        let s = self.streams.get(&stream).filter(|s| s.live())?;
        Some(Reader { stream, connection: s.connection })
    }

    /// Whether the connection a message went out on still reads its stream. A standalone
    /// stream reopened without `Last-Event-ID` is a new connection that never saw it.
    pub fn still_reads(&self, reader: Reader) -> bool {
        self.reader(reader.stream) == Some(reader)
    }

    /// Whether `stream` is one this session (still) keeps.
    pub fn knows(&self, stream: u64) -> bool {
        self.streams.contains_key(&stream)
    }

    /// Whether the standalone stream was ever opened (its events are then logged even
    /// while no GET is connected, for replay).
    pub fn has_get_stream(&self) -> bool {
        self.streams.contains_key(&GET_STREAM)
    }

    /// Opens a POST stream on `tx` and primes it; returns its number.
    pub fn open_stream(&mut self, tx: SseSender) -> u64 {
        let id = self.next_stream;
        self.next_stream += 1;
        self.evict();
        self.streams.insert(id, Stream::default());
        self.attach(id, tx);
        id
    }

    /// Opens (or reopens) the standalone stream on `tx`, replacing an earlier GET.
    pub fn open_get(&mut self, tx: SseSender) {
        self.streams.entry(GET_STREAM).or_default().connection += 1;
        self.attach(GET_STREAM, tx);
    }

    /// Continues the stream `last` names on `tx`: replays what came after it, then keeps
    /// writing there (or ends, if the stream's response already went out).
    pub fn resume(&mut self, last: EventId, tx: SseSender) -> Resumed {
        let Some(stream) = self.streams.get_mut(&last.stream) else {
            return Resumed::Unknown;
        };
        for (n, frame) in &stream.log {
            if *n > last.n {
                let _ = tx.send(frame.clone());
            }
        }
        if stream.done {
            return Resumed::Ended;
        }
        self.attach(last.stream, tx);
        if last.stream == GET_STREAM { Resumed::Get } else { Resumed::Post(last.stream) }
    }

    /// Writes `msg` to `stream` as the next event (logged for replay); true when a client
    /// was there to read it.
    pub fn send(&mut self, stream: u64, msg: &Value) -> bool {
        let n = self.next_n();
        let Some(s) = self.streams.get_mut(&stream) else {
            return false;
        };
        let frame = sse_event(Some(&format!("{stream}.{n}")), msg);
        if s.log.len() == LOG_EVENTS {
            s.log.pop_front();
        }
        s.log.push_back((n, frame.clone()));
        match &s.tx {
            Some(tx) if tx.send(frame).is_ok() => true,
            _ => {
                s.tx = None;
                false
            }
        }
    }

    /// Ends a POST stream after its response: the HTTP response finishes, and the log
    /// stays for a client that lost the end and resumes.
    pub fn finish(&mut self, stream: u64) {
        if let Some(s) = self.streams.get_mut(&stream) {
            s.done = true;
            s.tx = None;
        }
    }

    /// Closes every open response (the session ends or the server stops).
    pub fn close_streams(&mut self) {
        for s in self.streams.values_mut() {
            s.tx = None;
        }
    }

    fn attach(&mut self, stream: u64, tx: SseSender) {
        // A priming event gives the client an id to resume from even before the first
        // message, and says how long to wait before reconnecting.
        if self.protocol_version.as_str() >= PRIMING_SINCE {
            let n = self.next_n();
            let _ = tx.send(sse_priming(&format!("{stream}.{n}"), self.retry));
        }
        if let Some(s) = self.streams.get_mut(&stream) {
            s.tx = Some(tx);
        }
    }

    fn next_n(&mut self) -> u64 {
        self.next_event += 1;
        self.next_event
    }

    /// Makes room for one more POST stream: the oldest finished one goes, else the oldest.
    fn evict(&mut self) {
        let posts = self.streams.keys().filter(|k| **k != GET_STREAM).count();
        if posts < KEPT_STREAMS {
            return;
        }
        let posts = || self.streams.iter().filter(|(k, _)| **k != GET_STREAM);
        let victim = posts().find(|(_, s)| s.done).or_else(|| posts().next()).map(|(k, _)| *k);
        if let Some(k) = victim {
            self.streams.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc;

    fn drain(rx: &mut mpsc::UnboundedReceiver<Bytes>) -> String {
        let mut out = String::new();
        while let Ok(b) = rx.try_recv() {
            out.push_str(&String::from_utf8_lossy(&b));
        }
        out
    }

    #[test]
    fn event_ids_name_their_stream_and_resume_it() {
        let mut s = Session::new("2025-11-25".into(), 0, Duration::from_millis(500), None);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let post = s.open_stream(tx);
        assert_eq!(drain(&mut rx), format!("id: {post}.1\nretry: 500\ndata: \n\n"));
        assert!(s.send(post, &serde_json::json!({"a": 1})));
        drop(rx);
        assert!(!s.send(post, &serde_json::json!({"b": 2})), "nobody reading");
        assert!(!s.is_live(post));

        let (tx, mut rx) = mpsc::unbounded_channel();
        let last = EventId::parse(&format!("{post}.2")).unwrap();
        assert_eq!(s.resume(last, tx), Resumed::Post(post));
        let replay = drain(&mut rx);
        assert!(replay.starts_with(&format!("event: message\nid: {post}.3\n")), "{replay}");
        assert!(replay.contains("\"b\":2") && !replay.contains("\"a\":1"), "{replay}");
        assert!(s.is_live(post));
        s.finish(post);
        let (tx, mut rx) = mpsc::unbounded_channel();
        assert_eq!(s.resume(EventId { stream: post, n: 0 }, tx), Resumed::Ended);
        assert!(drain(&mut rx).contains("\"a\":1"));
        let (tx, _rx) = mpsc::unbounded_channel();
        assert_eq!(s.resume(EventId { stream: 99, n: 0 }, tx), Resumed::Unknown);
        assert_eq!(EventId::parse("12"), None);
        assert_eq!(EventId::parse(" 3.4 "), Some(EventId { stream: 3, n: 4 }));
    }

    #[test]
    fn older_revisions_get_no_priming_event() {
        let mut s = Session::new("2025-06-18".into(), 0, Duration::from_millis(500), None);
        let (tx, mut rx) = mpsc::unbounded_channel();
        s.open_get(tx);
        assert_eq!(drain(&mut rx), "");
    }

    #[test]
    fn idle_means_unused_and_no_open_stream() {
        let mut s = Session::new("2025-11-25".into(), 1_000, Duration::ZERO, None);
        assert!(!s.is_idle(2_000, 1_000));
        assert!(s.is_idle(2_001, 1_000));
        let (tx, rx) = mpsc::unbounded_channel();
        s.open_get(tx);
        assert!(!s.is_idle(9_000, 1_000), "a client holds a stream open");
        drop(rx);
        assert!(s.is_idle(9_000, 1_000));
    }
}
