//! The misbehaving cohorts, over raw sockets: streams read slowly or not at all,
//! slowloris headers, and oversize bodies and headers. They report what the server did
//! (closed, answered, kept open) rather than assume any limit exists.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::http::{Owner, raw_post, read_status};
use crate::stats::Cohort;

/// What a slow reader holds open.
#[derive(Clone, Copy, Debug)]
pub enum Stream {
    /// A 2025-11-25 session's GET stream (every status change of its tasks).
    Get,
    /// A held 2025-11-25 `tasks/result` on a live task.
    Held,
    /// A 2026-07-28 `subscriptions/listen` on a batch of live tasks.
    Listen,
}

/// How a slow reader ended.
pub struct SlowEnd {
    /// The server closed the connection before the deadline.
    pub closed: bool,
    /// Bytes read, including what was left unread until the end.
    pub bytes: usize,
    /// The connection, when the server still holds it open: kept until the server is
    /// stopped, to see how it ends them.
    pub open: Option<TcpStream>,
}

/// Opens `kind` for `owner` on `tasks` and reads it slowly (256 bytes a second) or, when
/// `never_read`, not at all until the deadline; then takes what is waiting.
pub async fn slow_reader(
    addr: SocketAddr,
    kind: Stream,
    owner: Owner,
    tasks: Vec<String>,
    never_read: bool,
    deadline: Instant,
    stats: Arc<Cohort>,
) -> SlowEnd {
    let request = match (kind, &owner) {
        (Stream::Get, Owner::Legacy(session)) => format!(
            "GET /mcp HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\
             Mcp-Session-Id: {session}\r\nMcp-Protocol-Version: 2025-11-25\r\n\r\n"
        ),
        (Stream::Held, _) => {
            let params = json!({"taskId": tasks.first()});
            let body = owner.request(1, "tasks/result", params).to_string();
            raw_post(addr, &owner.headers("tasks/result", tasks.first().map(String::as_str)), &body)
        }
        _ => {
            let params = json!({"notifications": {"taskIds": tasks}});
            let body = owner.request(1, "subscriptions/listen", params).to_string();
            raw_post(addr, &owner.headers("subscriptions/listen", None), &body)
        }
    };
    let mut end = SlowEnd { closed: false, bytes: 0, open: None };
    let mut stream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => {
            stats.error(format!("connect: {e}"));
            return end;
        }
    };
    if let Err(e) = stream.write_all(request.as_bytes()).await {
        stats.error(format!("write: {e}"));
        return end;
    }
    let mut buf = vec![0u8; 256];
    if !never_read {
        // A stream that ended leaves an idle connection: nothing more to read, so the
        // wait for the next bytes stops at the deadline too.
        let until = tokio::time::Instant::from(deadline);
        while Instant::now() < deadline {
            let Ok(read) = tokio::time::timeout_at(until, stream.read(&mut buf)).await else {
                break;
            };
            match read {
                Ok(0) | Err(_) => {
                    end.closed = true;
                    return end;
                }
                Ok(n) => end.bytes += n,
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    } else {
        tokio::time::sleep_until(deadline.into()).await;
    }
    // What the server left waiting, until it pauses (still open) or closes.
    let mut buf = vec![0u8; 64 * 1024];
    let drain_until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < drain_until {
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => {
                end.closed = true;
                break;
            }
            Ok(Ok(n)) => end.bytes += n,
            Err(_) => break,
        }
    }
    if !end.closed {
        end.open = Some(stream);
    }
    end
}

/// How a slowloris connection ended.
pub enum Loris {
    /// The server answered (408, 400) or closed it, after this many seconds.
    LetGo(f64),
    /// Still open at the deadline: kept until the server is stopped.
    Open(TcpStream),
    /// It could not connect.
    Failed,
}

/// Sends half a request head, then one more byte every 5 s, until the server answers or
/// closes or the deadline passes.
pub async fn slowloris(addr: SocketAddr, deadline: Instant, stats: Arc<Cohort>) -> Loris {
    let mut stream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => {
            stats.error(format!("connect: {e}"));
            return Loris::Failed;
        }
    };
    let start = Instant::now();
    let head = format!("POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: appl");
    if stream.write_all(head.as_bytes()).await.is_err() {
        return Loris::LetGo(0.0);
    }
    let mut buf = [0u8; 512];
    loop {
        let trickle = tokio::time::sleep(Duration::from_secs(5));
        tokio::select! {
            read = stream.read(&mut buf) => {
                // An answer or a close: either way the server let go.
                let _ = read;
                return Loris::LetGo(start.elapsed().as_secs_f64());
            }
            () = trickle => {
                if Instant::now() >= deadline {
                    return Loris::Open(stream);
                }
                if stream.write_all(b"x").await.is_err() {
                    return Loris::LetGo(start.elapsed().as_secs_f64());
                }
            }
        }
    }
}

/// Whether process `pid` has ended (gone, or a zombie waiting to be reaped).
fn ended(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/status")).map_or(true, |status| {
        status.lines().any(|l| l.starts_with("State:") && l.contains("zombie"))
    })
}

/// Sends SIGTERM to the server and waits (at most 30 s) for it to exit; the seconds it
/// took, or `None` when it did not exit (or was already gone).
pub async fn stop_server(pid: u32) -> Option<f64> {
    if ended(pid) {
        return None;
    }
    let start = Instant::now();
    let sent = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    if !sent.is_ok_and(|s| s.success()) {
        return None;
    }
    while start.elapsed() < Duration::from_secs(30) {
        if ended(pid) {
            return Some(start.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// Sends, `gap` apart until the deadline, a body of twice `max_body` bytes, then a head
/// of 1 MiB of headers, and so on; tallies how the server refused each (status, or
/// `closed`). Accepting one (2xx), a 5xx, or no answer in 10 s is an error.
pub async fn oversize(
    addr: SocketAddr,
    max_body: usize,
    gap: Duration,
    deadline: Instant,
    seen: Arc<Mutex<BTreeMap<String, u64>>>,
    stats: Arc<Cohort>,
) {
    let mut big_body = true;
    while Instant::now() < deadline {
        let request: Vec<u8> = if big_body {
            let body = vec![b' '; 2 * max_body];
            let head = format!(
                "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
                 Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            [head.into_bytes(), body].concat()
        } else {
            let mut head = format!("GET /mcp HTTP/1.1\r\nHost: {addr}\r\n");
            for i in 0..16 {
                head.push_str(&format!("X-Big-{i}: {}\r\n", "a".repeat(64 * 1024)));
            }
            (head + "\r\n").into_bytes()
        };
        let kind = if big_body { "body" } else { "headers" };
        big_body = !big_body;
        let t = Instant::now();
        let Ok(stream) = TcpStream::connect(addr).await else {
            stats.error("connect");
            continue;
        };
        let (mut rd, mut wr) = stream.into_split();
        // Written apart from the read: the server may answer and stop reading midway.
        let writer = tokio::spawn(async move {
            let _ = wr.write_all(&request).await;
            wr
        });
        let status = read_status(&mut rd, Duration::from_secs(10)).await;
        writer.abort();
        let outcome = match status {
            Some(code) => code.to_string(),
            None if t.elapsed() >= Duration::from_secs(10) => "no answer".to_owned(),
            None => "closed".to_owned(),
        };
        match status {
            Some(200..=299 | 500..) => stats.error(format!("{kind}: {outcome}")),
            None if outcome == "no answer" => stats.error(format!("{kind}: no answer in 10 s")),
            _ => stats.ok(t.elapsed()),
        }
        *seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(format!("{kind} {outcome}"))
            .or_default() += 1;
        tokio::time::sleep(gap).await;
    }
}
