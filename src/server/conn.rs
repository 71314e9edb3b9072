//! What one connection may hold: a place under the connection cap, and deadlines for
//! sending a request and taking a response. hyper reads the heads; this wraps the socket
//! under it and tells the phases of a connection apart by the requests in flight.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, Sleep};

/// The deadlines of a connection; a zero duration is no deadline.
#[derive(Clone, Copy, Debug)]
pub(super) struct Deadlines {
    /// From the first byte of a request to the end of its head.
    pub header_read: Duration,
    /// From the end of a response (or the accept) to the first byte of the next request.
    pub idle: Duration,
    /// How long one write may wait for the client to take bytes.
    pub write: Duration,
}

/// Counts the requests of one connection: those in flight (from the head read until the
/// response body is done or dropped), and all so far.
#[derive(Clone, Debug, Default)]
pub(super) struct InFlight(Arc<Counts>);

#[derive(Debug, Default)]
struct Counts {
    now: AtomicUsize,
    total: AtomicUsize,
}

impl InFlight {
    /// A request started; it ends when the returned guard is dropped.
    pub fn start(&self) -> Busy {
        self.0.total.fetch_add(1, Ordering::AcqRel);
        self.0.now.fetch_add(1, Ordering::AcqRel);
        Busy(self.0.clone())
    }

    fn any(&self) -> bool {
        self.0.now.load(Ordering::Acquire) > 0
    }

    fn total(&self) -> usize {
        self.0.total.load(Ordering::Acquire)
    }
}

/// A request in flight, until dropped.
#[derive(Debug)]
pub(super) struct Busy(Arc<Counts>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Where a connection is, as far as reading goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for the first byte of a request.
    Idle,
    /// Bytes of a request head came; the rest must follow in time.
    Head,
    /// A request is in flight: its body has its own deadline (the driver's), its response
    /// the write deadline.
    Busy,
}

/// A socket whose reads and writes fail with [`io::ErrorKind::TimedOut`] past their
/// deadlines, which makes hyper close the connection.
#[derive(Debug)]
pub(super) struct Guarded {
    io: TcpStream,
    deadlines: Deadlines,
    in_flight: InFlight,
    phase: Phase,
    /// The requests seen so far: one may have come and gone between two reads.
    seen: usize,
    /// Whether anything was written: until then the connection is free for an answer of
    /// our own.
    wrote: bool,
    read_timer: Option<Pin<Box<Sleep>>>,
    write_timer: Option<Pin<Box<Sleep>>>,
}

impl Guarded {
    pub fn new(io: TcpStream, deadlines: Deadlines, in_flight: InFlight) -> Self {
        Self {
            io,
            deadlines,
            in_flight,
            phase: Phase::Idle,
            seen: 0,
            wrote: false,
            read_timer: None,
            write_timer: None,
        }
    }

    /// Starts the read deadline of `phase`.
    fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        let limit = match phase {
            Phase::Idle => self.deadlines.idle,
            Phase::Head => self.deadlines.header_read,
            Phase::Busy => Duration::ZERO,
        };
        self.read_timer = timer(limit);
    }
}

fn timer(limit: Duration) -> Option<Pin<Box<Sleep>>> {
    (!limit.is_zero()).then(|| Box::pin(tokio::time::sleep_until(Instant::now() + limit)))
}

/// Whether `timer` ran out (registering the wake-up when it has not).
fn expired(timer: &mut Option<Pin<Box<Sleep>>>, cx: &mut Context<'_>) -> bool {
    timer.as_mut().is_some_and(|t| t.as_mut().poll(cx).is_ready())
}

/// The 408 answer to a request head that did not arrive in time.
fn head_timeout(limit: Duration) -> Vec<u8> {
    let ms = u64::try_from(limit.as_millis()).unwrap_or(u64::MAX);
    let body = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32000,
        "message": format!("Request Timeout: the request head did not arrive within the \
            limit of {ms} ms"),
        "data": {"limit": "header_read_timeout", "max": ms}}})
    .to_string();
    format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn timed_out(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, what.to_owned())
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let busy = this.in_flight.any();
        let total = this.in_flight.total();
        if total != this.seen {
            // A head was read since: whatever deadline ran for it is over.
            this.seen = total;
            this.enter(Phase::Busy);
        }
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if busy {
            if this.phase != Phase::Busy {
                this.enter(Phase::Busy);
            }
            return read;
        }
        match read {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before && this.phase != Phase::Head {
                    this.enter(Phase::Head);
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                // A response just ended (or the connection is new): the wait for the next
                // request starts now.
                let waiting = this.phase == Phase::Idle && this.read_timer.is_none();
                if this.phase == Phase::Busy || waiting {
                    this.enter(Phase::Idle);
                }
                if expired(&mut this.read_timer, cx) {
                    if this.phase == Phase::Idle {
                        // Nothing was asked: closing is the whole answer.
                        return Poll::Ready(Err(timed_out("the connection was idle too long")));
                    }
                    if !this.wrote {
                        // The first request of the connection (what a slow-head attack
                        // sends): hyper wrote nothing, so the 408 cannot interleave with
                        // a response. Best effort: the socket takes it at once or never.
                        let _ = this.io.try_write(&head_timeout(this.deadlines.header_read));
                    }
                    return Poll::Ready(Err(timed_out("the request head took too long")));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write(cx, buf);
        this.after_write(cx, written)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        this.after_write(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

impl Guarded {
    /// A write that waits starts the write deadline; one that goes through ends it.
    fn after_write(
        &mut self,
        cx: &mut Context<'_>,
        written: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if !written.is_pending() {
            self.wrote = true;
            self.write_timer = None;
            return written;
        }
        if self.write_timer.is_none() {
            self.write_timer = timer(self.deadlines.write);
        }
        if expired(&mut self.write_timer, cx) {
            return Poll::Ready(Err(timed_out("the client took too long to read")));
        }
        Poll::Pending
    }
}

/// Answers a connection beyond the cap with 503 and closes it. The client's request is
/// read (a little, briefly) after the answer so that closing does not reset the
/// connection before the client reads why.
pub(super) async fn refuse(mut stream: TcpStream, max: usize, _refusing: OwnedSemaphorePermit) {
    let body = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32000,
        "message": format!("Too many connections: the server holds its limit of {max}; \
            retry later"),
        "data": {"limit": "max_connections", "max": max}}})
    .to_string();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
         retry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let answer = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut read = 0;
        while read < 64 * 1024 {
            match stream.read(&mut sink).await? {
                0 => break,
                n => read += n,
            }
        }
        Ok::<_, io::Error>(())
    };
    let _ = tokio::time::timeout(REFUSAL_TIME, answer).await;
}

/// The most time one refusal may take.
const REFUSAL_TIME: Duration = Duration::from_secs(1);

/// How many refusals may be under way at once; past that a connection is closed without
/// a word, so that a flood costs no more than the cap.
pub(super) const REFUSING: usize = 64;
