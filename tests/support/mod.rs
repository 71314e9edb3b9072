//! What the reference server's HTTP tests share: servers on loopback, raw requests in both
//! generations, SSE read with the crate's own decoder, a 2025-11-25 session, a 2026-07-28
//! host without the tasks extension, and a clock the tests move by hand.
// Each test binary uses a different part of this module.
#![allow(dead_code, unused_imports)]

mod legacy;
mod plain;
pub mod schema;
mod sse;

pub use legacy::{Legacy, confirm_next, response_of};
pub use plain::Plain;
pub use sse::Sse;

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

/// The bound on every wait, so that a hung server fails a test instead of hanging it.
pub const WAIT: Duration = Duration::from_secs(10);

pub async fn start() -> ServerHandle {
    start_with(Config::default()).await
}

pub async fn start_with(mut config: Config) -> ServerHandle {
    config.job_delay = Duration::from_millis(20);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve(listener, config).unwrap()
}

/// A server with task-tools mode as given and durations short enough for tests.
pub async fn start_quick(task_tools: bool) -> ServerHandle {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve(listener, quick(task_tools)).unwrap()
}

/// The configuration of [`start_quick`].
pub fn quick(task_tools: bool) -> Config {
    Config {
        task_tools,
        job_delay: Duration::from_millis(1),
        demo_duration: Duration::from_millis(5),
        ..Config::default()
    }
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
    /// The JSON body of a response that must come whole, at once (not an SSE stream);
    /// `Null` when empty.
    pub async fn json(self) -> Value {
        let ct = self.header("content-type").unwrap_or_default();
        assert!(!ct.starts_with("text/event-stream"), "expected an answer, not a stream");
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
        let ct = self.header("content-type").unwrap_or_default();
        assert!(ct.starts_with("text/event-stream"), "{ct}");
        Sse::new(self.body, self.schema.is_some())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
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

/// Calls `tool` as a 2026-07-28 task and returns the task's id.
pub async fn ext_task(addr: SocketAddr, tool: &str, arguments: Value) -> String {
    let params = json!({"name": tool, "arguments": arguments});
    let created = ext(addr, "tools/call", Some(tool), params, true).await.json().await;
    assert_eq!(created["result"]["resultType"], "task", "{created}");
    created["result"]["taskId"].as_str().unwrap().to_owned()
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

/// The text of a `CallToolResult`'s first content item.
pub fn text(result: &Value) -> String {
    result["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

/// The task a plain call started, checked for the handle a model and a program need.
pub fn started(result: &Value) -> String {
    assert!(result.get("isError").is_none(), "{result}");
    let s = &result["structuredContent"];
    let id = s["taskId"].as_str().expect("structuredContent.taskId").to_owned();
    assert_eq!(s["status"], "working");
    assert!(s["ttlMs"].as_u64().unwrap() > 0 && s["pollIntervalMs"].as_u64().is_some(), "{s}");
    let t = text(result);
    assert!(t.contains(&format!("Started task {id}")), "{t}");
    assert!(t.contains("get_task_status") && t.contains("get_task_result"), "{t}");
    id
}
