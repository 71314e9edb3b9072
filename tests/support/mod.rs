//! A small HTTP client for the reference server tests: requests in both generations, SSE
//! reading, a 2025-11-25 session, and a clock the tests move by hand.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

pub mod schema;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::HeaderMap;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use mcp_tasks::server::{Clock, Config, ServerHandle, serve};
use mcp_tasks::time::UnixMillis;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::time::timeout;

pub const WAIT: Duration = Duration::from_secs(10);

pub async fn start() -> ServerHandle {
    start_with(Config::default()).await
}

pub async fn start_with(mut config: Config) -> ServerHandle {
    config.job_delay = Duration::from_millis(20);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve(listener, config).unwrap()
}

/// A wall clock that moves only when told to.
#[derive(Clone)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    pub fn new() -> Self {
        Self(Arc::new(AtomicU64::new(1_763_700_000_000)))
    }

    pub fn clock(&self) -> Clock {
        let ms = self.0.clone();
        Clock::from_fn(move || UnixMillis(ms.load(Ordering::SeqCst)))
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(u64::try_from(by.as_millis()).unwrap(), Ordering::SeqCst);
    }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Incoming,
    /// The method of the 2026-07-28 request this answers: its body is checked against the
    /// published schema when read (see [`schema`]).
    pub schema: Option<String>,
}

impl Resp {
    pub async fn json(self) -> Value {
        let bytes = timeout(WAIT, self.body.collect()).await.unwrap().unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if let Some(method) = &self.schema {
            if !value.is_null() {
                schema::check_response(method, &value);
            }
        }
        value
    }

    pub fn sse(self) -> Sse {
        let ct = self.headers.get("content-type").unwrap().to_str().unwrap();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Sse {
            body: self.body,
            buf: String::new(),
            raw: String::new(),
            last_id: None,
            retry: None,
            schema: self.schema.is_some(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// An SSE response being read.
pub struct Sse {
    body: Incoming,
    buf: String,
    /// Everything received so far, comments included.
    pub raw: String,
    /// The last event id seen (priming events included).
    pub last_id: Option<String>,
    /// The last `retry:` seen.
    pub retry: Option<u64>,
    /// A 2026-07-28 stream: every message is checked against the published schema.
    schema: bool,
}

impl Sse {
    /// The next message (data of the next event with data), or None at the end.
    pub async fn next(&mut self) -> Option<Value> {
        // Keep-alives arrive on their own: bound the wait for a message as a whole.
        timeout(WAIT, self.next_message()).await.expect("no message on the SSE stream")
    }

    async fn next_message(&mut self) -> Option<Value> {
        loop {
            if let Some(pos) = self.buf.find("\n\n") {
                let event: String = self.buf.drain(..pos + 2).collect();
                let data: Vec<&str> = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(|d| d.strip_prefix(' ').unwrap_or(d))
                    .collect();
                if let Some(id) = event.lines().find_map(|l| l.strip_prefix("id: ")) {
                    self.last_id = Some(id.to_owned());
                }
                if let Some(r) = event.lines().find_map(|l| l.strip_prefix("retry: ")) {
                    self.retry = r.parse().ok();
                }
                // Priming events (an id, empty data) and comments carry no message.
                let data = data.join("\n");
                if !data.is_empty() {
                    let msg = serde_json::from_str(&data).unwrap();
                    if self.schema {
                        schema::check_listen_message(&msg);
                    }
                    return Some(msg);
                }
                continue;
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

    async fn read(&mut self) -> bool {
        let Some(frame) = timeout(WAIT, self.body.frame()).await.expect("SSE timed out") else {
            return false;
        };
        let Ok(frame) = frame else {
            return false;
        };
        if let Ok(data) = frame.into_data() {
            let text = std::str::from_utf8(&data).unwrap();
            self.buf.push_str(text);
            self.raw.push_str(text);
        }
        true
    }
}

pub async fn send(addr: SocketAddr, method: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let stream = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let mut req = Request::builder().method(method).uri("/mcp").header("host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::copy_from_slice(body))).unwrap();
    let res = timeout(WAIT, sender.send_request(req)).await.unwrap().unwrap();
    let (parts, body) = res.into_parts();
    Resp { status: parts.status, headers: parts.headers, body, schema: None }
}

pub async fn post(addr: SocketAddr, headers: &[(&str, &str)], body: &Value) -> Resp {
    let mut h = vec![
        ("content-type", "application/json"),
        ("accept", "application/json, text/event-stream"),
    ];
    h.extend_from_slice(headers);
    let mut res = send(addr, "POST", &h, body.to_string().as_bytes()).await;
    // Every answer to a 2026-07-28 request is held to the published schema.
    let modern = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("mcp-protocol-version") && *v == EXTENSION_VERSION);
    if modern && body.get("id").is_some() {
        res.schema = body["method"].as_str().map(str::to_owned);
    }
    res
}

/// The protocol revision of the tasks extension.
const EXTENSION_VERSION: &str = "2026-07-28";

/// A 2025-11-25 client with its session.
pub struct Legacy {
    pub addr: SocketAddr,
    pub session: String,
}

impl Legacy {
    pub async fn connect(addr: SocketAddr) -> Self {
        let res = post(
            addr,
            &[],
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "test", "version": "0"}}}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK);
        let session = res.header("mcp-session-id").unwrap().to_owned();
        let body = res.json().await;
        assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
        let s = Self { addr, session };
        let res = s.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        assert_eq!(res.status, StatusCode::ACCEPTED);
        s
    }

    pub async fn post(&self, body: &Value) -> Resp {
        let h = [("mcp-session-id", self.session.as_str()), ("mcp-protocol-version", "2025-11-25")];
        post(self.addr, &h, body).await
    }

    pub async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let res = self.post(&body).await;
        assert_eq!(res.status, StatusCode::OK);
        res.json().await
    }

    pub async fn start_task(&self, name: &str, args: Value) -> String {
        let body = self
            .call("tools/call", json!({"name": name, "arguments": args, "task": {"ttl": 60000}}))
            .await;
        assert_eq!(body["result"]["task"]["status"], "working", "{body}");
        body["result"]["task"]["taskId"].as_str().unwrap().to_owned()
    }

    /// A held `tasks/result` (request id 9).
    pub async fn result_stream(&self, task: &str) -> Sse {
        let res = self
            .post(&json!({"jsonrpc": "2.0", "id": 9, "method": "tasks/result",
                "params": {"taskId": task}}))
            .await;
        assert_eq!(res.status, StatusCode::OK);
        res.sse()
    }

    pub async fn open_get_stream(&self) -> Sse {
        self.resume_get_stream(None).await
    }

    pub async fn resume_get_stream(&self, last_event_id: Option<&str>) -> Sse {
        let mut h =
            vec![("mcp-session-id", self.session.as_str()), ("accept", "text/event-stream")];
        if let Some(id) = last_event_id {
            h.push(("last-event-id", id));
        }
        let res = send(self.addr, "GET", &h, b"").await;
        assert_eq!(res.status, StatusCode::OK);
        res.sse()
    }
}

/// Waits for the held `tasks/result` response, returning it and the messages before it.
pub async fn response_of(sse: &mut Sse) -> (Value, Vec<Value>) {
    let mut before = Vec::new();
    while let Some(msg) = sse.next().await {
        if msg["id"] == 9 {
            return (msg, before);
        }
        before.push(msg);
    }
    panic!("stream ended without the response; saw {before:?}");
}

pub fn ext_meta(declare: bool) -> Value {
    let caps = if declare {
        json!({"extensions": {"io.modelcontextprotocol/tasks": {}}})
    } else {
        json!({})
    };
    json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": caps})
}

/// A 2026-07-28 request (id 7) with matching headers; `name` is the `Mcp-Name` value.
pub async fn ext(
    addr: SocketAddr,
    method: &str,
    name: Option<&str>,
    params: Value,
    declare: bool,
) -> Resp {
    ext_as(addr, None, method, name, params, declare).await
}

/// [`ext`] with an `Authorization` header.
pub async fn ext_as(
    addr: SocketAddr,
    auth: Option<&str>,
    method: &str,
    name: Option<&str>,
    mut params: Value,
    declare: bool,
) -> Resp {
    params["_meta"] = ext_meta(declare);
    let mut h = vec![("mcp-protocol-version", "2026-07-28"), ("mcp-method", method)];
    if let Some(n) = name {
        h.push(("mcp-name", n));
    }
    if let Some(a) = auth {
        h.push(("authorization", a));
    }
    post(addr, &h, &json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params})).await
}

/// Polls `tasks/get` until `done` holds (the extension client's loop).
pub async fn poll_until(addr: SocketAddr, task: &str, done: impl Fn(&Value) -> bool) -> Value {
    timeout(WAIT, async {
        loop {
            let res = ext(addr, "tasks/get", Some(task), json!({"taskId": task}), true).await;
            assert_eq!(res.status, StatusCode::OK);
            let body = res.json().await;
            if done(&body["result"]) {
                return body["result"].clone();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("task did not get there")
}
