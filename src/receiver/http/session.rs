//! A 2025-11-25 session and its SSE streams: event ids unique across the session that name
//! their stream, priming events, per-stream logs for `Last-Event-ID` replay, and which
//! streams still have a client on the other end.
//!
//! Stream 0 is the session's standalone GET stream; every POST answered with SSE opens a
//! stream of its own. An event id is `<stream>.<n>`, `n` counting over the whole session,
//! so a resuming GET says which stream it continues.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::hosted::ClientHosting;
use super::types::ResponseId;
use super::wire::{Out, sse_event, sse_priming};
use crate::id::TaskId;
use crate::time::UnixMillis;

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
#[derive(Debug, Default)]
struct Stream {
    /// The response it is being written to, while a client reads it.
    reader: Option<ResponseId>,
    /// Events with their `n`, for replay.
    log: VecDeque<(u64, Vec<u8>)>,
    /// Its JSON-RPC response went out: a resumption replays and ends.
    done: bool,
    /// Which connection reads it: a fresh GET counts up, a resumption continues (it
    /// replays what the last connection may have missed).
    connection: u64,
}

/// What a `Last-Event-ID` resumed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resumed {
    /// A stream still going, replayed; the response stays open.
    Open(u64),
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
#[derive(Debug)]
pub(crate) struct Session {
    pub protocol_version: String,
    /// Changed only through [`Sessions::touch`](super::sessions::Sessions::touch), which
    /// indexes sessions by it.
    last_seen: UnixMillis,
    retry_ms: u64,
    next_event: u64,
    next_stream: u64,
    streams: BTreeMap<u64, Stream>,
    /// The input requests the client can answer, when the endpoint must keep to them;
    /// `None` sends every one.
    input_methods: Option<Vec<&'static str>>,
    /// The live tasks the client has named in a `tasks/*` request: it knows their ids.
    named: BTreeSet<TaskId>,
    /// The tasks it holds a `tasks/result` for, so that ending the session finds them
    /// without looking at every task's.
    holds: BTreeSet<TaskId>,
    /// The client asked for tasks itself (a task-augmented call), so it matches questions
    /// to the tasks it knows; a task-unaware host is asked whatever it knows.
    asks_for_tasks: bool,
    /// Which questions the client takes as tasks it hosts, and whether it cancels them.
    hosting: ClientHosting,
}

impl Session {
    /// A session speaking `protocol_version`, seen at `now`; SSE clients are told to wait
    /// `retry_ms` before reconnecting. With `input_methods`, only input requests of those
    /// methods are sent to the client.
    pub fn new(
        protocol_version: String,
        now: UnixMillis,
        retry_ms: u64,
        input_methods: Option<Vec<&'static str>>,
    ) -> Self {
        Self {
            input_methods,
            protocol_version,
            last_seen: now,
            retry_ms,
            next_event: 0,
            next_stream: GET_STREAM + 1,
            streams: BTreeMap::new(),
            named: BTreeSet::new(),
            holds: BTreeSet::new(),
            asks_for_tasks: false,
            hosting: ClientHosting::default(),
        }
    }

    /// Notes what the client's `initialize` said it hosts as tasks.
    pub fn set_hosting(&mut self, hosting: ClientHosting) {
        self.hosting = hosting;
    }

    /// What the client hosts as tasks.
    pub fn hosting(&self) -> ClientHosting {
        self.hosting
    }

    /// The input requests the client is sent, when limited.
    pub fn input_methods(&self) -> Option<&[&'static str]> {
        self.input_methods.as_deref()
    }

    /// Numbers the session's next POST streams from `first` (an adopted session's, so
    /// that they never share ids with the streams of the server that opened it).
    pub fn number_streams_from(&mut self, first: u64) {
        self.next_stream = self.next_stream.max(first);
    }

    /// When the client last used the session.
    pub fn last_seen(&self) -> UnixMillis {
        self.last_seen
    }

    /// Sets [`last_seen`](Self::last_seen); for the session table only.
    pub(super) fn set_last_seen(&mut self, now: UnixMillis) {
        self.last_seen = now;
    }

    /// Notes that the client holds a `tasks/result` for `task`.
    pub fn hold(&mut self, task: &TaskId) {
        if !self.holds.contains(task) {
            self.holds.insert(task.clone());
        }
    }

    /// Notes that the `tasks/result` calls held for `task` were answered.
    pub fn unhold(&mut self, task: &TaskId) {
        self.holds.remove(task);
    }

    /// The tasks the client holds a `tasks/result` for.
    pub fn held_tasks(&self) -> impl Iterator<Item = &TaskId> {
        self.holds.iter()
    }

    /// Notes that the client sent a task-augmented request.
    pub fn asked_for_a_task(&mut self) {
        self.asks_for_tasks = true;
    }

    /// Notes that the client named `task` in a request, so it knows the task's id.
    pub fn name_task(&mut self, task: &TaskId) {
        if !self.named.contains(task) {
            self.named.insert(task.clone());
        }
    }

    /// Whether the client knows `task`: a client that asks for tasks itself knows one once
    /// it has named it; until then it cannot tell what a question about the task belongs
    /// to (it may not have read the answer that created it yet).
    pub fn knows_task(&self, task: &TaskId) -> bool {
        !self.asks_for_tasks || self.named.contains(task)
    }

    /// The live tasks the client has named.
    pub fn named_tasks(&self) -> impl Iterator<Item = &TaskId> {
        self.named.iter()
    }

    /// Forgets a task that ended.
    pub fn forget_task(&mut self, task: &TaskId) {
        self.named.remove(task);
    }

    /// Whether the client gets input requests of `method`.
    pub fn takes_input(&self, method: &str) -> bool {
        self.input_methods.as_ref().is_none_or(|m| m.contains(&method))
    }

    /// Whether the session is unused for longer than `idle_ms` with no stream open.
    pub fn is_idle(&self, now: UnixMillis, idle_ms: u64) -> bool {
        now.saturating_since(self.last_seen) > idle_ms
            && !self.streams.values().any(|s| s.reader.is_some())
    }

    /// Whether `stream` has a client reading it now.
    pub fn is_live(&self, stream: u64) -> bool {
        self.streams.get(&stream).is_some_and(|s| s.reader.is_some())
    }

    /// The connection reading `stream` now, when one is: what a message sent on it was
    /// delivered to.
    pub fn reader(&self, stream: u64) -> Option<Reader> {
        let s = self.streams.get(&stream).filter(|s| s.reader.is_some())?;
        Some(Reader { stream, connection: s.connection })
    }

    /// Whether the connection a message went out on still reads its stream. A standalone
    /// stream reopened without `Last-Event-ID` is a new connection that never saw it.
    pub fn still_reads(&self, reader: Reader) -> bool {
        self.reader(reader.stream) == Some(reader)
    }

    /// Whether `response` reads the standalone stream.
    pub fn reads_get(&self, response: ResponseId) -> bool {
        self.streams.get(&GET_STREAM).is_some_and(|s| s.reader == Some(response))
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

    /// Opens a POST stream on `response` and primes it; returns its number.
    pub fn open_stream(&mut self, out: &mut Out, response: ResponseId) -> u64 {
        let id = self.next_stream;
        self.next_stream += 1;
        self.evict(out);
        self.streams.insert(id, Stream::default());
        self.attach(out, id, response);
        id
    }

    /// Opens (or reopens) the standalone stream on `response`, ending an earlier GET.
    pub fn open_get(&mut self, out: &mut Out, response: ResponseId) {
        let stream = self.streams.entry(GET_STREAM).or_default();
        stream.connection += 1;
        if let Some(old) = stream.reader.take() {
            out.end(old);
        }
        self.attach(out, GET_STREAM, response);
    }

    /// Continues the stream `last` names on `response`: replays what came after it, then
    /// keeps writing there (or ends, if the stream's response already went out).
    pub fn resume(&mut self, out: &mut Out, last: EventId, response: ResponseId) -> Resumed {
        let Some(stream) = self.streams.get_mut(&last.stream) else {
            return Resumed::Unknown;
        };
        for (n, frame) in &stream.log {
            if *n > last.n {
                out.body(response, frame.clone(), None);
            }
        }
        if stream.done {
            out.end(response);
            return Resumed::Ended;
        }
        if let Some(old) = stream.reader.take() {
            out.end(old);
        }
        self.attach(out, last.stream, response);
        Resumed::Open(last.stream)
    }

    /// Writes `msg` to `stream` as the next event (logged for replay); true when a client
    /// was there to read it.
    pub fn send(&mut self, out: &mut Out, stream: u64, msg: &Value, now: UnixMillis) -> bool {
        let n = self.next_n();
        let Some(s) = self.streams.get_mut(&stream) else {
            return false;
        };
        let frame = sse_event(Some(&format!("{stream}.{n}")), msg);
        if s.log.len() == LOG_EVENTS {
            s.log.pop_front();
        }
        s.log.push_back((n, frame.clone()));
        match s.reader {
            Some(r) if out.body(r, frame, Some(now)) => true,
            _ => {
                s.reader = None;
                false
            }
        }
    }

    /// Ends a POST stream after its response: the HTTP response finishes (returned), and
    /// the log stays for a client that lost the end and resumes.
    pub fn finish(&mut self, out: &mut Out, stream: u64) -> Option<ResponseId> {
        let s = self.streams.get_mut(&stream)?;
        s.done = true;
        let reader = s.reader.take()?;
        out.end(reader);
        Some(reader)
    }

    /// The client stopped reading `response`.
    pub fn detach(&mut self, response: ResponseId) {
        for s in self.streams.values_mut() {
            if s.reader == Some(response) {
                s.reader = None;
            }
        }
    }

    /// Ends every open response (the session ends); returns them.
    pub fn close_streams(&mut self, out: &mut Out) -> Vec<ResponseId> {
        let mut ended = Vec::new();
        for s in self.streams.values_mut() {
            if let Some(r) = s.reader.take() {
                out.end(r);
                ended.push(r);
            }
        }
        ended
    }

    /// Ends the connection reading `response` without ending its stream, after telling the
    /// client how long to wait before it resumes with `Last-Event-ID` (the stream's time
    /// is up).
    pub fn recycle(&mut self, out: &mut Out, response: ResponseId) {
        out.body(response, format!("retry: {}\n\n", self.retry_ms).into_bytes(), None);
        self.detach(response);
        out.end(response);
    }

    fn attach(&mut self, out: &mut Out, stream: u64, response: ResponseId) {
        // A priming event gives the client an id to resume from even before the first
        // message, and says how long to wait before reconnecting.
        if self.protocol_version.as_str() >= PRIMING_SINCE {
            let n = self.next_n();
            out.body(response, sse_priming(&format!("{stream}.{n}"), self.retry_ms), None);
        }
        if let Some(s) = self.streams.get_mut(&stream) {
            s.reader = Some(response);
        }
    }

    fn next_n(&mut self) -> u64 {
        self.next_event += 1;
        self.next_event
    }

    /// Makes room for one more POST stream: the oldest finished one goes, else the oldest.
    fn evict(&mut self, out: &mut Out) {
        let posts = self.streams.keys().filter(|k| **k != GET_STREAM).count();
        if posts < KEPT_STREAMS {
            return;
        }
        let posts = || self.streams.iter().filter(|(k, _)| **k != GET_STREAM);
        let victim = posts().find(|(_, s)| s.done).or_else(|| posts().next()).map(|(k, _)| *k);
        if let Some(reader) = victim.and_then(|k| self.streams.remove(&k)?.reader) {
            out.end(reader);
        }
    }
}
