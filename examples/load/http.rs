//! The load generator's HTTP: a keep-alive hyper client connection per virtual client,
//! the two generations' request shapes, and raw sockets for the misbehaving cohorts.

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;

/// How long one request may take before it counts as an error.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A whole answer.
pub struct Reply {
    pub status: u16,
    pub session: Option<String>,
    pub body: Value,
}

impl Reply {
    /// The JSON-RPC result, when the answer is a 200 with one.
    pub fn result(&self) -> Option<&Value> {
        (self.status == 200).then(|| self.body.get("result")).flatten()
    }
}

/// Who a request speaks for: a 2025-11-25 session, or a 2026-07-28 bearer token.
#[derive(Clone, Debug)]
pub enum Owner {
    Legacy(String),
    Ext(String),
}

impl Owner {
    /// The HTTP headers of `method` (naming `name` in `Mcp-Name` for 2026-07-28).
    pub fn headers(&self, method: &str, name: Option<&str>) -> Vec<(&'static str, String)> {
        match self {
            Owner::Legacy(session) => vec![
                ("mcp-session-id", session.clone()),
                ("mcp-protocol-version", "2025-11-25".into()),
            ],
            Owner::Ext(token) => {
                let mut h = vec![
                    ("mcp-protocol-version", "2026-07-28".into()),
                    ("mcp-method", method.into()),
                    ("authorization", format!("Bearer {token}")),
                ];
                if let Some(name) = name {
                    h.push(("mcp-name", name.into()));
                }
                h
            }
        }
    }

    /// The JSON-RPC request; 2026-07-28 ones carry the per-request `_meta` and declare
    /// the tasks extension.
    pub fn request(&self, id: u64, method: &str, mut params: Value) -> Value {
        if let Owner::Ext(_) = self {
            params["_meta"] = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities":
                    {"extensions": {"io.modelcontextprotocol/tasks": {}}}});
        }
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
    }

    /// The id a `tools/call` that created a task gives it.
    pub fn created_task(&self, result: &Value) -> Option<String> {
        let id = match self {
            Owner::Legacy(_) => &result["task"]["taskId"],
            Owner::Ext(_) => &result["taskId"],
        };
        id.as_str().map(str::to_owned)
    }
}

/// One keep-alive connection, opened again after a failure.
pub struct Conn {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
    next_id: u64,
}

impl Conn {
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr, sender: None, next_id: 0 }
    }

    /// Sends `method` for `owner` and reads the whole answer.
    pub async fn call(
        &mut self,
        owner: &Owner,
        method: &str,
        name: Option<&str>,
        params: Value,
    ) -> Result<Reply, String> {
        self.next_id += 1;
        let body = owner.request(self.next_id, method, params);
        self.post(&owner.headers(method, name), &body).await
    }

    /// POSTs `body` to `/mcp` with `headers`.
    pub async fn post(
        &mut self,
        headers: &[(&'static str, String)],
        body: &Value,
    ) -> Result<Reply, String> {
        let outcome = tokio::time::timeout(TIMEOUT, self.send(headers, body)).await;
        let outcome = outcome.unwrap_or_else(|_| Err("timed out".into()));
        if outcome.is_err() {
            self.sender = None;
        }
        outcome
    }

    async fn send(
        &mut self,
        headers: &[(&'static str, String)],
        body: &Value,
    ) -> Result<Reply, String> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            self.sender = Some(connect(self.addr).await?);
        }
        let Some(sender) = self.sender.as_mut() else {
            return Err("no connection".into());
        };
        sender.ready().await.map_err(|e| format!("connection: {e}"))?;
        let mut req = Request::post("/mcp")
            .header("host", self.addr.to_string())
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        for (k, v) in headers {
            req = req.header(*k, v.as_str());
        }
        let req = req.body(Full::new(Bytes::from(body.to_string()))).map_err(|e| e.to_string())?;
        let res = sender.send_request(req).await.map_err(|e| format!("request: {e}"))?;
        let status = res.status().as_u16();
        let header =
            |n: &str| res.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let session = header("mcp-session-id");
        let sse = header("content-type").is_some_and(|t| t.starts_with("text/event-stream"));
        let bytes = res.into_body().collect().await.map_err(|e| format!("body: {e}"))?.to_bytes();
        let body = if sse {
            last_sse_message(&bytes)
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        Ok(Reply { status, session, body })
    }

    /// Opens a 2025-11-25 session (`initialize`, then `notifications/initialized`).
    pub async fn open_session(&mut self) -> Result<Owner, String> {
        let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "load", "version": "0"}}});
        let reply = self.post(&[], &init).await?;
        let session = reply.session.ok_or(format!("initialize: {}", reply.status))?;
        let owner = Owner::Legacy(session);
        let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        self.post(&owner.headers("notifications/initialized", None), &note).await?;
        Ok(owner)
    }
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(conn);
    Ok(sender)
}

/// The last JSON message of an SSE body.
fn last_sse_message(bytes: &[u8]) -> Value {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .filter_map(|l| l.strip_prefix("data:"))
        .find_map(|d| serde_json::from_str(d.trim()).ok())
        .unwrap_or(Value::Null)
}

/// The raw text of a POST to `/mcp` with `headers` and `body`.
pub fn raw_post(addr: SocketAddr, headers: &[(&'static str, String)], body: &str) -> String {
    let mut head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head + "\r\n" + body
}

/// The status of the response `stream` starts, or `None` when it closes or says nothing
/// within `wait`.
pub async fn read_status(stream: &mut (impl AsyncRead + Unpin), wait: Duration) -> Option<u16> {
    let mut buf = [0u8; 64];
    let mut got = Vec::new();
    let read = async {
        while !got.windows(2).any(|w| w == b"\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let line = String::from_utf8_lossy(&got).into_owned();
        line.split_whitespace().nth(1).and_then(|s| s.parse().ok())
    };
    tokio::time::timeout(wait, read).await.ok().flatten()
}
