//! The native driver: moves the engine's HTTP exchanges over reqwest and its time over tokio.
//!
//! It knows nothing of MCP. The host gives the engine commands through [`Driver::engine`]
//! and then awaits [`Driver::next_event`], which sends what the engine asks to send, feeds
//! back every response head, body chunk and failure, sleeps until the engine's deadline, and
//! returns the engine's events one at a time.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::client::{Engine, Event, Output};
use crate::protocol::http::{ExchangeId, HttpRequest, Method, ResponseHead, TransportFailure};
use crate::time::UnixMillis;

/// What an exchange's task reports back.
enum Progress {
    Head(ResponseHead),
    Chunk(Vec<u8>),
    End,
    Failed(TransportFailure),
}

/// Runs an [`Engine`] on the tokio runtime it is awaited on.
pub struct Driver {
    engine: Engine,
    http: reqwest::Client,
    running: HashMap<ExchangeId, AbortHandle>,
    progress_tx: mpsc::UnboundedSender<(ExchangeId, Progress)>,
    progress_rx: mpsc::UnboundedReceiver<(ExchangeId, Progress)>,
    events: VecDeque<Event>,
    wake_at: Option<UnixMillis>,
    sent: u64,
}

impl Driver {
    /// Drives `engine` with a default HTTP client.
    pub fn new(engine: Engine) -> Self {
        Self::with_client(engine, reqwest::Client::new())
    }

    /// Drives `engine` with the given HTTP client (proxies, TLS roots, timeouts are its own).
    pub fn with_client(engine: Engine, http: reqwest::Client) -> Self {
        let (progress_tx, progress_rx) = mpsc::unbounded_channel();
        let running = HashMap::new();
        Self {
            engine,
            http,
            running,
            progress_tx,
            progress_rx,
            events: VecDeque::new(),
            wake_at: None,
            sent: 0,
        }
    }

    /// The engine, to give it commands; they take effect at the next [`Driver::next_event`].
    pub fn engine(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// How many HTTP requests the driver has sent for the engine.
    pub fn requests_sent(&self) -> u64 {
        self.sent
    }

    /// The wall clock as the engine counts time.
    pub fn now() -> UnixMillis {
        let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        UnixMillis(u64::try_from(ms).unwrap_or(u64::MAX))
    }

    /// Runs IO until the engine reports an event. `None` when the engine has nothing left
    /// to do: no exchange running and no deadline.
    pub async fn next_event(&mut self) -> Option<Event> {
        loop {
            self.drain();
            if let Some(event) = self.events.pop_front() {
                return Some(event);
            }
            if self.running.is_empty() && self.wake_at.is_none() {
                return None;
            }
            // With no deadline the loop only waits on exchanges; a day stands in for never.
            let sleep = match self.wake_at {
                Some(at) => Duration::from_millis(at.0.saturating_sub(Self::now().0)),
                None => Duration::from_secs(86_400),
            };
            tokio::select! {
                Some((id, progress)) = self.progress_rx.recv() => self.feed(id, progress),
                () = tokio::time::sleep(sleep) => {
                    self.wake_at = None;
                    self.engine.handle_timeout(Self::now());
                }
            }
        }
    }

    fn feed(&mut self, id: ExchangeId, progress: Progress) {
        let now = Self::now();
        match progress {
            Progress::Head(head) => self.engine.handle_response_head(now, id, head),
            Progress::Chunk(bytes) => self.engine.handle_body_chunk(now, id, &bytes),
            Progress::End => {
                self.running.remove(&id);
                self.engine.handle_body_end(now, id);
            }
            Progress::Failed(failure) => {
                self.running.remove(&id);
                self.engine.handle_transport_failure(now, id, failure);
            }
        }
    }

    fn drain(&mut self) {
        while let Some(output) = self.engine.poll_output() {
            match output {
                Output::Transmit(request) => self.transmit(request),
                Output::Abort(id) => {
                    if let Some(handle) = self.running.remove(&id) {
                        handle.abort();
                    }
                }
                Output::Event(event) => self.events.push_back(event),
                Output::Wake(at) => self.wake_at = Some(at),
            }
        }
    }

    fn transmit(&mut self, request: HttpRequest) {
        let id = request.id;
        self.sent += 1;
        let tx = self.progress_tx.clone();
        let builder = build(&self.http, request);
        let handle = tokio::spawn(async move {
            // A send error means the driver is gone; nobody is left to tell.
            let report = |p| drop(tx.send((id, p)));
            let mut response = match builder.send().await {
                Ok(r) => r,
                Err(e) => {
                    return report(Progress::Failed(TransportFailure::Connect(e.to_string())));
                }
            };
            let headers = response
                .headers()
                .iter()
                .map(|(n, v)| {
                    (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())
                })
                .collect();
            report(Progress::Head(ResponseHead { status: response.status().as_u16(), headers }));
            loop {
                match response.chunk().await {
                    Ok(Some(bytes)) => report(Progress::Chunk(bytes.to_vec())),
                    Ok(None) => return report(Progress::End),
                    Err(e) => {
                        return report(Progress::Failed(TransportFailure::BodyInterrupted(
                            e.to_string(),
                        )));
                    }
                }
            }
        });
        self.running.insert(id, handle.abort_handle());
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        for handle in self.running.values() {
            handle.abort();
        }
    }
}

fn build(http: &reqwest::Client, request: HttpRequest) -> reqwest::RequestBuilder {
    let method = match request.method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Delete => reqwest::Method::DELETE,
    };
    let mut builder = http.request(method, &request.url);
    for (name, value) in request.headers.iter() {
        builder = builder.header(name, value);
    }
    match request.body {
        Some(body) => builder.body(body),
        None => builder,
    }
}
