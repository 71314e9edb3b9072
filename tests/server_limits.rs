#![cfg(feature = "server")]
//! The reference server's limits over real connections: the connection cap, the
//! deadlines for a request's head and body, for an idle connection and for a client that
//! stops reading, the session and `Authorization` caps, and anonymous callers told apart
//! by address. Deadlines run on tokio's paused clock: nothing here sleeps for real.

mod support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hyper::StatusCode;
use mcp_tasks::server::Config;
use serde_json::{Value, json};
use support::{Legacy, WAIT, ext_as, ext_meta, post, start_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{Instant, timeout};

/// The driver wakes at least every sweep interval; a short one makes paused time move in
/// small steps, so that sockets are read between them.
fn config() -> Config {
    Config { sweep_interval: Duration::from_millis(100), ..Config::default() }
}

/// Longer than any deadline here, on the paused clock: a connection still open then was
/// never cut. Tests on the real clock wait [`WAIT`] at most.
const NEVER: Duration = Duration::from_secs(4 * 60 * 60);

async fn connect_from(addr: SocketAddr, from: IpAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Everything the server sends until it closes (or resets) the connection.
async fn until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(buf.get(..n).unwrap_or_default()),
        }
    }
}

/// One whole response with a `content-length` body, read off a kept-alive connection.
async fn one_response(stream: &mut TcpStream) -> String {
    let read = async {
        let mut all = Vec::new();
        let mut byte = [0u8; 1];
        while !all.ends_with(b"\r\n\r\n") {
            assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "closed mid-head");
            all.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&all).to_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        stream.read_exact(&mut body).await.unwrap();
        all.extend_from_slice(&body);
        String::from_utf8_lossy(&all).into_owned()
    };
    timeout(WAIT, read).await.expect("a response")
}

const MISSING: &[u8] = b"GET /no-such-file HTTP/1.1\r\nhost: t\r\n\r\n";

#[tokio::test]
async fn connections_beyond_the_cap_are_answered_503_and_closed() {
    let server = start_with(Config { max_connections: 2, ..config() }).await;
    let addr = server.local_addr();
    let mut a = TcpStream::connect(addr).await.unwrap();
    let mut b = TcpStream::connect(addr).await.unwrap();
    // Each answered: the server holds both.
    for s in [&mut a, &mut b] {
        s.write_all(MISSING).await.unwrap();
        assert!(one_response(s).await.starts_with("HTTP/1.1 404"));
    }
    let mut c = TcpStream::connect(addr).await.unwrap();
    c.write_all(MISSING).await.unwrap();
    let answer = String::from_utf8(timeout(WAIT, until_closed(&mut c)).await.unwrap()).unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.to_lowercase().contains("retry-after: 1\r\n"), "{answer}");
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["code"], -32000);
    assert_eq!(body["error"]["data"], json!({"limit": "max_connections", "max": 2}));
    // The two held keep being served.
    b.write_all(MISSING).await.unwrap();
    assert!(one_response(&mut b).await.starts_with("HTTP/1.1 404"));
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_request_head_that_never_ends_is_cut_at_the_header_read_timeout() {
    let limits = Config {
        header_read_timeout: Duration::from_secs(5),
        idle_timeout: Duration::from_secs(60 * 60),
        ..config()
    };
    let server = start_with(limits).await;
    let mut s = TcpStream::connect(server.local_addr()).await.unwrap();
    let started = Instant::now();
    s.write_all(b"POST /mcp HTTP/1.1\r\nhost: t\r\nx-slow: ").await.unwrap();
    let got = timeout(NEVER, until_closed(&mut s)).await.expect("the connection was cut");
    let took = started.elapsed();
    let answer = String::from_utf8(got).unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"limit\":\"header_read_timeout\""), "{answer}");
    assert!(took >= Duration::from_secs(5) && took < Duration::from_secs(60), "{took:?}");
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_kept_alive_connection_with_nothing_to_do_is_closed_at_the_idle_timeout() {
    let limits = Config {
        idle_timeout: Duration::from_secs(20),
        header_read_timeout: Duration::from_secs(60 * 60),
        ..config()
    };
    let server = start_with(limits).await;
    let mut s = TcpStream::connect(server.local_addr()).await.unwrap();
    s.write_all(MISSING).await.unwrap();
    assert!(one_response(&mut s).await.starts_with("HTTP/1.1 404"));
    let started = Instant::now();
    let rest = timeout(NEVER, until_closed(&mut s)).await.expect("the connection was closed");
    let took = started.elapsed();
    assert!(rest.is_empty());
    assert!(took >= Duration::from_secs(20) && took < Duration::from_secs(60), "{took:?}");
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_body_that_stops_coming_is_answered_408() {
    let server = start_with(Config { body_read_timeout: Duration::from_secs(5), ..config() }).await;
    let mut s = TcpStream::connect(server.local_addr()).await.unwrap();
    let started = Instant::now();
    s.write_all(
        b"POST /mcp HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n\
          accept: application/json, text/event-stream\r\ncontent-length: 100\r\n\r\n{\"jsonrpc\"",
    )
    .await
    .unwrap();
    let answer = String::from_utf8(timeout(NEVER, until_closed(&mut s)).await.unwrap()).unwrap();
    let took = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"limit\":\"body_read_timeout\""), "{answer}");
    assert!(took >= Duration::from_secs(5) && took < Duration::from_secs(30), "{took:?}");
    server.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_client_that_stops_reading_is_let_go_at_the_write_timeout() {
    let www = std::env::temp_dir().join(format!("mcp-tasks-limits-{}", std::process::id()));
    std::fs::create_dir_all(&www).unwrap();
    let size = 32 * 1024 * 1024;
    std::fs::write(www.join("big.bin"), vec![7u8; size]).unwrap();
    let limits = Config { www: www.clone(), write_timeout: Duration::from_secs(5), ..config() };
    let server = start_with(limits).await;
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut s = socket.connect(server.local_addr()).await.unwrap();
    s.write_all(b"GET /big.bin HTTP/1.1\r\nhost: t\r\n\r\n").await.unwrap();
    // The client reads nothing for a (paused) minute, then all there is.
    tokio::time::sleep(Duration::from_secs(60)).await;
    let got = timeout(NEVER, until_closed(&mut s)).await.expect("the connection was closed");
    assert!(got.len() < size, "the whole file went out: {} bytes", got.len());
    assert!(got.starts_with(b"HTTP/1.1 200"));
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&www);
}

fn initialize() -> Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"}}})
}

#[tokio::test]
async fn an_initialize_beyond_the_session_cap_is_answered_503_with_retry_after() {
    let server = start_with(Config { max_sessions: 1, ..config() }).await;
    let addr = server.local_addr();
    assert_eq!(post(addr, &[], &initialize()).await.status, StatusCode::OK);
    let refused = post(addr, &[], &initialize()).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.header("retry-after"), Some("3600"), "when the one session may idle");
    let body = refused.json().await;
    assert_eq!(body["id"], 1);
    assert_eq!(body["error"]["data"], json!({"limit": "max_sessions", "max": 1}));
    server.shutdown().await;
}

#[tokio::test]
async fn an_authorization_over_the_cap_is_answered_431() {
    let server = start_with(config()).await;
    let token = format!("Bearer {}", "t".repeat(9000));
    let res = ext_as(server.local_addr(), Some(&token), "tools/list", None, json!({}), true).await;
    assert_eq!(res.status, StatusCode::from_u16(431).unwrap());
    let body = res.json().await;
    assert_eq!(body["error"]["data"], json!({"limit": "max_authorization_bytes", "max": 8192}));
    server.shutdown().await;
}

/// A 2026-07-28 request without `Authorization` from `from`; its JSON answer.
async fn anonymous(addr: SocketAddr, from: &str, method: &str, name: &str, params: Value) -> Value {
    let mut params = params;
    params["_meta"] = ext_meta(true);
    let body = json!({"jsonrpc": "2.0", "id": 3, "method": method, "params": params}).to_string();
    let request = format!(
        "POST /mcp HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\n\
         accept: application/json, text/event-stream\r\nmcp-protocol-version: 2026-07-28\r\n\
         mcp-method: {method}\r\nmcp-name: {name}\r\nconnection: close\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut s = connect_from(addr, from.parse().unwrap()).await;
    s.write_all(request.as_bytes()).await.unwrap();
    let answer = String::from_utf8(timeout(WAIT, until_closed(&mut s)).await.unwrap()).unwrap();
    serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap_or("")).unwrap_or(Value::Null)
}

#[tokio::test]
async fn anonymous_callers_at_two_addresses_are_two_owners() {
    let server = start_with(config()).await;
    let addr = server.local_addr();
    let call = json!({"name": "confirm_delete", "arguments": {"item": "x"}});
    let created = anonymous(addr, "127.0.0.1", "tools/call", "confirm_delete", call).await;
    let task = created["result"]["taskId"].as_str().expect("a task").to_owned();
    let get = json!({"taskId": task});
    let other = anonymous(addr, "127.0.0.2", "tasks/get", &task, get.clone()).await;
    assert_eq!(other["error"]["code"], -32602, "{other}");
    let own = anonymous(addr, "127.0.0.1", "tasks/get", &task, get).await;
    assert!(own["result"]["status"].is_string(), "{own}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_reader_that_keeps_up_is_not_cut_off_however_much_its_stream_carries() {
    // The driver reports what each connection took: a stream read as it comes never falls
    // 8 KiB behind, though it carries several times that.
    let server = start_with(Config { max_stream_backlog_bytes: 8 * 1024, ..config() }).await;
    let c = Legacy::connect(server.local_addr()).await;
    let mut get = c.open_get_stream().await;
    let task = c.start_task("slow_compute", json!({"seconds": 2, "steps": 100})).await;
    let seen = get.until_status(&task, "completed").await;
    let carried: usize = seen.iter().map(|m| m.to_string().len()).sum();
    assert!(carried > 3 * 8 * 1024, "{carried} bytes");
    server.shutdown().await;
}
