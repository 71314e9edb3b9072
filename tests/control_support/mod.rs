//! What the reference server's HTTP tests share: a server on loopback with tiny durations,
//! raw requests, SSE reading, and a 2025-11-25 client with its session.
#![allow(dead_code)] // Each test binary uses its own part.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use mcp_tasks::server::{Config, ServerHandle, serve};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// The bound on every wait, so that a hung server fails a test instead of hanging it.
pub const WAIT: Duration = Duration::from_secs(10);

/// A server with task-tools mode as given and durations short enough for tests.
pub async fn start(task_tools: bool) -> ServerHandle {
    let config = Config {
        task_tools,
        job_delay: Duration::from_millis(1),
        demo_duration: Duration::from_millis(5),
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve(listener, config).unwrap()
}

pub async fn send(
    addr: SocketAddr,
    method: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response<Incoming> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let mut req = Request::builder().method(method).uri("/mcp").header("host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
    timeout(WAIT, sender.send_request(req)).await.unwrap().unwrap()
}

/// The JSON body of a response that must come whole, at once (not an SSE stream).
pub async fn json_of(res: Response<Incoming>) -> Value {
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_ne!(ct.as_deref(), Some("text/event-stream"), "expected an answer, not a stream");
    let bytes = timeout(WAIT, res.into_body().collect()).await.unwrap().unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// Reads SSE messages from a stream.
pub struct Sse {
    body: Incoming,
    buf: String,
}

impl Sse {
    pub fn of(res: Response<Incoming>) -> Self {
        let ct = res.headers().get("content-type").unwrap().to_str().unwrap();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Self { body: res.into_body(), buf: String::new() }
    }

    /// The next message, or `None` when the stream ends.
    pub async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(pos) = self.buf.find("\n\n") {
                let event: String = self.buf.drain(..pos + 2).collect();
                let data: Vec<&str> =
                    event.lines().filter_map(|l| l.strip_prefix("data: ")).collect();
                // A priming event (an id with empty data) carries no message.
                let data = data.join("\n");
                if !data.trim().is_empty() {
                    return Some(serde_json::from_str(&data).unwrap());
                }
                continue;
            }
            let frame = timeout(WAIT, self.body.frame()).await.expect("SSE timed out")?.ok()?;
            if let Ok(data) = frame.into_data() {
                self.buf.push_str(std::str::from_utf8(&data).unwrap());
            }
        }
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
}

/// A 2025-11-25 client with its session.
pub struct Legacy {
    pub addr: SocketAddr,
    pub session: String,
}

impl Legacy {
    /// Initializes with `capabilities` and sends `notifications/initialized`.
    pub async fn connect(addr: SocketAddr, capabilities: Value) -> Self {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": capabilities,
                "clientInfo": {"name": "test-host", "version": "0"}}});
        let h = [
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
        ];
        let res = send(addr, "POST", &h, init.to_string().as_bytes()).await;
        assert_eq!(res.status(), StatusCode::OK);
        let session = res.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let c = Self { addr, session };
        c.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        c
    }

    pub async fn post_raw(&self, body: &Value) -> Response<Incoming> {
        let h = [
            ("content-type", "application/json"),
            ("accept", "application/json, text/event-stream"),
            ("mcp-session-id", self.session.as_str()),
            ("mcp-protocol-version", "2025-11-25"),
        ];
        send(self.addr, "POST", &h, body.to_string().as_bytes()).await
    }

    /// POSTs `body` and reads the JSON answer (`Null` for a 202).
    pub async fn post(&self, body: &Value) -> Value {
        json_of(self.post_raw(body).await).await
    }

    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        self.post(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})).await
    }

    /// A plain `tools/call`; returns its `CallToolResult`.
    pub async fn tool(&self, name: &str, args: Value) -> Value {
        let body = self.rpc("tools/call", json!({"name": name, "arguments": args})).await;
        assert!(body.get("error").is_none(), "{name}: {body}");
        body["result"].clone()
    }

    /// The session's GET stream.
    pub async fn get_stream(&self) -> Sse {
        let h = [("mcp-session-id", self.session.as_str()), ("accept", "text/event-stream")];
        Sse::of(send(self.addr, "GET", &h, b"").await)
    }
}

/// The text of a `CallToolResult`'s first content item.
pub fn text(result: &Value) -> String {
    result["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}
