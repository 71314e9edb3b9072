//! Reading an SSE response with the crate's own decoder.

use std::collections::VecDeque;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use mcp_tasks::protocol::sse::SseDecoder;
use serde_json::Value;
use tokio::time::timeout;

use super::{WAIT, schema};

/// An SSE response being read.
pub struct Sse {
    body: Incoming,
    decoder: SseDecoder,
    /// Events decoded but not read yet.
    queue: VecDeque<mcp_tasks::protocol::sse::SseEvent>,
    /// Everything received so far, comments included.
    pub raw: String,
    /// The id of the last event read (priming events included).
    pub last_id: Option<String>,
    /// The last `retry:` seen.
    pub retry: Option<u64>,
    /// A 2026-07-28 stream: every message is checked against the published schema.
    schema: bool,
}

impl Sse {
    pub(super) fn new(body: Incoming, schema: bool) -> Self {
        Self {
            body,
            decoder: SseDecoder::default(),
            queue: VecDeque::new(),
            raw: String::new(),
            last_id: None,
            retry: None,
            schema,
        }
    }

    /// The next message (data of the next event with data), or None at the end.
    pub async fn next(&mut self) -> Option<Value> {
        // Keep-alives arrive on their own: bound the wait for a message as a whole.
        timeout(WAIT, self.next_message()).await.expect("no message on the SSE stream")
    }

    async fn next_message(&mut self) -> Option<Value> {
        loop {
            while let Some(event) = self.queue.pop_front() {
                if event.id.is_some() {
                    self.last_id = event.id;
                }
                // Priming events (an id, empty data) carry no message.
                if event.data.trim().is_empty() {
                    continue;
                }
                let msg = serde_json::from_str(&event.data).unwrap();
                if self.schema {
                    schema::check_listen_message(&msg);
                }
                return Some(msg);
            }
            if !self.read().await {
                return None;
            }
        }
    }

    /// Reads until the raw stream contains `needle`; false if it ends first.
    pub async fn until_raw(&mut self, needle: &str) -> bool {
        let read = async {
            while !self.raw.contains(needle) {
                if !self.read().await {
                    return false;
                }
            }
            true
        };
        timeout(WAIT, read).await.expect("SSE timed out")
    }

    /// Reads until `task`'s status notification says `status`; returns every message seen.
    pub async fn until_status(&mut self, task: &str, status: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        while let Some(msg) = self.next().await {
            let done = msg["method"] == "notifications/tasks/status"
                && msg["params"]["taskId"] == task
                && msg["params"]["status"] == status;
            seen.push(msg);
            if done {
                return seen;
            }
        }
        panic!("stream ended before {task} was {status}; saw {seen:?}");
    }

    /// Reads until the response with JSON-RPC id `id`; returns it and what came before.
    pub async fn until_response(&mut self, id: u64) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        while let Some(msg) = self.next().await {
            if msg["id"] == id && msg.get("method").is_none() {
                return (msg, before);
            }
            before.push(msg);
        }
        panic!("stream ended without response {id}; saw {before:?}");
    }

    /// Reads the next chunk into the decoder; false at the end of the stream.
    async fn read(&mut self) -> bool {
        let Some(frame) = timeout(WAIT, self.body.frame()).await.expect("SSE timed out") else {
            return false;
        };
        let Ok(frame) = frame else {
            return false;
        };
        if let Ok(data) = frame.into_data() {
            self.raw.push_str(std::str::from_utf8(&data).unwrap());
            self.queue.extend(self.decoder.push(&data).expect("an SSE event within bounds"));
            self.retry = self.decoder.retry_ms().or(self.retry);
        }
        true
    }
}
