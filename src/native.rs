//! The native driver: moves the engine's HTTP exchanges over reqwest and its time over tokio.
//!
//! It knows nothing of MCP. The host gives the engine commands through [`Driver::engine`]
//! and then awaits [`Driver::next_event`], which sends what the engine asks to send, feeds
//! back every response head, body chunk and failure, sleeps until the engine's deadline, and
//! returns the engine's events one at a time.
//!
//! Bodies are read only as fast as the engine takes them: each exchange's reader hands over
//! one chunk and waits until the driver has fed it to the engine before it reads the next.
//! While the host does not await [`Driver::next_event`] (the CLI waiting for a person, say),
//! nothing is fed, so each open exchange holds at most one chunk here; the rest stays in the
//! HTTP client's and the kernel's fixed buffers, and TCP (or HTTP/2) flow control makes the
//! server wait. A server flooding a stream cannot grow the client's memory.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, oneshot};
use tokio::task::AbortHandle;

use crate::client::{Engine, Event, Output};
use crate::protocol::http::{ExchangeId, HttpRequest, Method, ResponseHead, TransportFailure};
use crate::time::UnixMillis;

/// What an exchange's task reports back.
enum Progress {
    Head(ResponseHead),
    /// A body chunk, and the receipt to send once the engine has taken it: the reader
    /// waits for it before reading on.
    Chunk(Vec<u8>, oneshot::Sender<()>),
    End,
    Failed(TransportFailure),
}

/// A response body read chunk by chunk: reqwest's, or a stand-in in tests.
trait Body: Send + 'static {
    /// The next chunk; `None` at the end; the error's text when the body broke off.
    fn next_chunk(&mut self) -> impl Future<Output = Result<Option<Vec<u8>>, String>> + Send;
}

impl Body for reqwest::Response {
    async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, String> {
        match self.chunk().await {
            Ok(chunk) => Ok(chunk.map(|bytes| bytes.to_vec())),
            Err(e) => Err(e.to_string()),
        }
    }
}

type ProgressTx = mpsc::UnboundedSender<(ExchangeId, Progress)>;

/// Reads `body` to its end, one chunk at a time, each only after the previous one was
/// taken. The channel is unbounded, but each exchange puts at most one chunk in it.
async fn pump(id: ExchangeId, mut body: impl Body, tx: ProgressTx) {
    // A send error means the driver is gone; nobody is left to tell.
    let report = |p| tx.send((id, p)).is_ok();
    loop {
        match body.next_chunk().await {
            Ok(Some(bytes)) => {
                let (taken, receipt) = oneshot::channel();
                // A receipt dropped unsent: the driver or this exchange is gone.
                if !report(Progress::Chunk(bytes, taken)) || receipt.await.is_err() {
                    return;
                }
            }
            Ok(None) => {
                report(Progress::End);
                return;
            }
            Err(e) => {
                report(Progress::Failed(TransportFailure::BodyInterrupted(e)));
                return;
            }
        }
    }
}

/// Runs an [`Engine`] on the tokio runtime it is awaited on.
pub struct Driver {
    engine: Engine,
    http: reqwest::Client,
    running: HashMap<ExchangeId, AbortHandle>,
    progress_tx: ProgressTx,
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
            Progress::Chunk(bytes, taken) => {
                self.engine.handle_body_chunk(now, id, &bytes);
                // Only now may the reader fetch the next chunk; an aborted one is not there.
                let _ = taken.send(());
            }
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
            let response = match builder.send().await {
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
            pump(id, response, tx).await;
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A body of `left` chunks of 1 KiB, always ready (a server flooding as fast as it
    /// can), counting how many chunks were read from it.
    struct Flood {
        left: usize,
        read: Arc<AtomicUsize>,
    }

    impl Body for Flood {
        async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, String> {
            if self.left == 0 {
                return Ok(None);
            }
            self.left -= 1;
            self.read.fetch_add(1, Ordering::SeqCst);
            Ok(Some(vec![b'x'; 1024]))
        }
    }

    /// Lets every other task on the current-thread runtime run as far as it can.
    async fn let_others_run() {
        for _ in 0..1000 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_flooding_body_is_read_one_chunk_ahead_of_the_engine_at_most() {
        let read = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let body = Flood { left: 10_000, read: read.clone() };
        let reader = tokio::spawn(pump(ExchangeId(7), body, tx));

        // The host awaits nothing: one chunk is read and waits to be taken, no more.
        let_others_run().await;
        assert_eq!(read.load(Ordering::SeqCst), 1);
        let Some((ExchangeId(7), Progress::Chunk(bytes, taken))) = rx.recv().await else {
            panic!("no chunk");
        };
        assert_eq!(bytes.len(), 1024);
        let_others_run().await;
        assert_eq!(read.load(Ordering::SeqCst), 1, "nothing more before the receipt");
        assert!(rx.try_recv().is_err(), "nothing else queued");

        // Taking it lets exactly one more through.
        taken.send(()).unwrap();
        let_others_run().await;
        assert_eq!(read.load(Ordering::SeqCst), 2);

        // A dropped receipt (exchange aborted, driver gone) ends the reader.
        let Some((_, Progress::Chunk(_, taken))) = rx.recv().await else { panic!("no chunk") };
        drop(taken);
        reader.await.unwrap();
        assert_eq!(read.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_body_taken_chunk_by_chunk_is_read_to_its_end() {
        let read = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = mpsc::unbounded_channel();
        tokio::spawn(pump(ExchangeId(1), Flood { left: 3, read: read.clone() }, tx));
        let mut chunks = 0;
        loop {
            match rx.recv().await {
                Some((_, Progress::Chunk(_, taken))) => {
                    chunks += 1;
                    taken.send(()).unwrap();
                }
                Some((_, Progress::End)) => break,
                _ => panic!("unexpected progress"),
            }
        }
        assert_eq!((chunks, read.load(Ordering::SeqCst)), (3, 3));
    }
}
