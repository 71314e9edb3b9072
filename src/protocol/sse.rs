//! Server-sent events: an incremental decoder and an encoder, per the WHATWG rules.
//!
//! The decoder knows nothing about streams or connections: feed it bytes as they arrive,
//! in chunks of any size, and it hands back whole events. It accepts LF, CRLF and CR line
//! ends (the Python SDK frames with CRLF, the TypeScript SDK with LF), multi-line `data`,
//! comments, `id` and `retry`, and caps how large one event may grow so that a peer cannot
//! make it buffer without bound.

/// One dispatched event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event` field; `None` means the default type, `message`.
    pub event: Option<String>,
    /// The `data` lines joined with `\n`.
    pub data: String,
    /// The last event id in force when the event was dispatched, for `Last-Event-ID`.
    pub id: Option<String>,
}

/// The stream broke the decoder's limits. The peer is at fault; drop the stream.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SseError {
    /// One event (or one line) grew past the configured cap.
    #[error("SSE event exceeds {limit} bytes")]
    EventTooLarge {
        /// The cap in bytes.
        limit: usize,
    },
}

impl SseError {
    /// A stable, machine-readable code for the variant.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::EventTooLarge { .. } => "sse_event_too_large",
        }
    }
}

/// The default cap on one event: 4 MiB.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 4 * 1024 * 1024;

/// An incremental SSE decoder.
#[derive(Clone, Debug)]
pub struct SseDecoder {
    line: Vec<u8>,
    data: String,
    has_data: bool,
    event: Option<String>,
    last_id: Option<String>,
    retry_ms: Option<u64>,
    max_event_bytes: usize,
    after_cr: bool,
    at_start: bool,
}

impl Default for SseDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_EVENT_BYTES)
    }
}

impl SseDecoder {
    /// A decoder that refuses events larger than `max_event_bytes`.
    pub fn new(max_event_bytes: usize) -> Self {
        Self {
            line: Vec::new(),
            data: String::new(),
            has_data: false,
            event: None,
            last_id: None,
            retry_ms: None,
            max_event_bytes,
            after_cr: false,
            at_start: true,
        }
    }

    /// A decoder that resumes a stream whose last seen event id was `last_id`.
    pub fn resuming(max_event_bytes: usize, last_id: Option<String>) -> Self {
        Self { last_id, ..Self::new(max_event_bytes) }
    }

    /// The last event id seen, to send as `Last-Event-ID` when reconnecting.
    pub fn last_event_id(&self) -> Option<&str> {
        self.last_id.as_deref()
    }

    /// The reconnection delay the server asked for with `retry:`, in milliseconds.
    pub fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// Feeds the next chunk and returns the events it completed, in order.
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut events = Vec::new();
        if self.at_start && !bytes.is_empty() {
            // A UTF-8 byte order mark may open the stream; it is not content.
            let bom = [0xEF, 0xBB, 0xBF];
            let have = self.line.len();
            let want = &bom[have.min(3)..];
            let n = want.len().min(bytes.len());
            if bytes[..n] == want[..n] {
                self.line.extend_from_slice(&bytes[..n]);
                bytes = &bytes[n..];
                if self.line.len() < 3 {
                    return Ok(events);
                }
                self.line.clear();
            }
            self.at_start = false;
        }
        while !bytes.is_empty() {
            if self.after_cr && bytes[0] == b'\n' {
                bytes = &bytes[1..];
            }
            self.after_cr = false;
            match bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(end) => {
                    self.extend_line(&bytes[..end])?;
                    self.after_cr = bytes[end] == b'\r';
                    bytes = &bytes[end + 1..];
                    let line = std::mem::take(&mut self.line);
                    if let Some(event) = self.process_line(&line)? {
                        events.push(event);
                    }
                }
                None => {
                    self.extend_line(bytes)?;
                    bytes = &[];
                }
            }
        }
        Ok(events)
    }

    fn extend_line(&mut self, part: &[u8]) -> Result<(), SseError> {
        if self.line.len() + part.len() + self.data.len() > self.max_event_bytes {
            return Err(SseError::EventTooLarge { limit: self.max_event_bytes });
        }
        self.line.extend_from_slice(part);
        Ok(())
    }

    fn process_line(&mut self, raw: &[u8]) -> Result<Option<SseEvent>, SseError> {
        if raw.is_empty() {
            return Ok(self.dispatch());
        }
        let line = String::from_utf8_lossy(raw);
        if line.starts_with(':') {
            return Ok(None);
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line.as_ref(), ""),
        };
        match field {
            "data" => {
                if self.data.len() + value.len() + 1 > self.max_event_bytes {
                    return Err(SseError::EventTooLarge { limit: self.max_event_bytes });
                }
                self.data.push_str(value);
                self.data.push('\n');
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_owned()),
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                self.retry_ms = value.parse().ok().or(Some(u64::MAX));
            }
            _ => {}
        }
        Ok(None)
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        if !self.has_data {
            self.data.clear();
            return None;
        }
        self.has_data = false;
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        Some(SseEvent { event, data, id: self.last_id.clone() })
    }
}

/// Writes one event. Multi-line data becomes several `data:` lines; an `id` or `event`
/// containing a line break is refused because it cannot be framed.
pub fn encode_event(event: Option<&str>, id: Option<&str>, data: &str) -> Option<String> {
    let breaks = |s: &str| s.contains(['\n', '\r']);
    if event.is_some_and(breaks) || id.is_some_and(breaks) {
        return None;
    }
    let mut out = String::with_capacity(data.len() + 32);
    if let Some(event) = event {
        out.push_str("event: ");
        out.push_str(event);
        out.push('\n');
    }
    if let Some(id) = id {
        out.push_str("id: ");
        out.push_str(id);
        out.push('\n');
    }
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8]) -> Vec<SseEvent> {
        SseDecoder::default().push(input).unwrap()
    }

    fn ev(event: Option<&str>, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: event.map(str::to_owned),
            data: data.to_owned(),
            id: id.map(str::to_owned),
        }
    }

    #[test]
    fn sdk_framings_decode_alike() {
        let lf = b"event: message\ndata: {\"a\":1}\n\n";
        let crlf = b"event: message\r\ndata: {\"a\":1}\r\n\r\n";
        let cr = b"event: message\rdata: {\"a\":1}\r\r";
        let want = vec![ev(Some("message"), "{\"a\":1}", None)];
        assert_eq!(all(lf), want);
        assert_eq!(all(crlf), want);
        assert_eq!(all(cr), want);
    }

    #[test]
    fn fields_comments_ids_and_retry() {
        let input = b"\xEF\xBB\xBF: keep-alive\nid: 7\nretry: 1500\ndata\ndata:x\ndata:  y\n\nid\ndata: z\n\n";
        let mut d = SseDecoder::default();
        let got = d.push(input).unwrap();
        assert_eq!(got, vec![ev(None, "\nx\n y", Some("7")), ev(None, "z", Some(""))]);
        assert_eq!(d.retry_ms(), Some(1500));
        assert_eq!(d.last_event_id(), Some(""));
    }

    #[test]
    fn priming_and_empty_events_are_skipped_but_ids_kept() {
        let mut d = SseDecoder::default();
        assert!(d.push(b"id: prime-1\ndata:\n\n").unwrap().len() == 1);
        let mut d = SseDecoder::default();
        assert!(d.push(b"id: prime-1\n\n").unwrap().is_empty());
        assert_eq!(d.last_event_id(), Some("prime-1"));
        assert!(d.push(b"event: x\n\n").unwrap().is_empty());
        assert_eq!(d.push(b"data: a\n\n").unwrap(), vec![ev(None, "a", Some("prime-1"))]);
    }

    #[test]
    fn invalid_retry_and_nul_ids_are_ignored() {
        let mut d = SseDecoder::default();
        d.push(b"retry: 12a\nid: a\0b\ndata: q\n\n").unwrap();
        assert_eq!((d.retry_ms(), d.last_event_id()), (None, None));
    }

    #[test]
    fn incomplete_event_at_the_end_is_not_dispatched() {
        assert!(all(b"data: never finished\n").is_empty());
    }

    #[test]
    fn size_cap_is_enforced_across_chunks() {
        let mut d = SseDecoder::new(16);
        assert!(d.push(b"data: 0123456789").is_ok());
        assert_eq!(d.push(b"abcdef\n").unwrap_err(), SseError::EventTooLarge { limit: 16 });
        let mut d = SseDecoder::new(16);
        d.push(b"data: 0123456\n").unwrap();
        assert!(d.push(b"data: 0123456\n").is_err(), "data lines add up");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        assert_eq!(all(b"data: \xff\n\n")[0].data, "\u{FFFD}");
    }

    #[test]
    fn encoder_round_trips() {
        let text = encode_event(Some("message"), Some("s1-4"), "line1\nline2").unwrap();
        assert_eq!(text, "event: message\nid: s1-4\ndata: line1\ndata: line2\n\n");
        assert_eq!(all(text.as_bytes()), vec![ev(Some("message"), "line1\nline2", Some("s1-4"))]);
        assert_eq!(encode_event(None, Some("a\nb"), "x"), None);
    }
}
