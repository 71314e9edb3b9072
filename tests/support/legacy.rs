//! A 2025-11-25 client with its session.

use std::net::SocketAddr;

use hyper::StatusCode;
use serde_json::{Value, json};

use super::{Resp, Sse, post, send};

/// A 2025-11-25 client with its session.
pub struct Legacy {
    pub addr: SocketAddr,
    pub session: String,
}

impl Legacy {
    /// Initializes declaring no capabilities and sends `notifications/initialized`.
    pub async fn connect(addr: SocketAddr) -> Self {
        Self::connect_with(addr, json!({})).await
    }

    /// Initializes with `capabilities` and sends `notifications/initialized`.
    pub async fn connect_with(addr: SocketAddr, capabilities: Value) -> Self {
        let (s, body) = Self::initialize(addr, capabilities).await;
        assert_eq!(body["result"]["protocolVersion"], "2025-11-25");
        s
    }

    /// Initializes with `capabilities`; returns the client and the `initialize` answer.
    pub async fn initialize(addr: SocketAddr, capabilities: Value) -> (Self, Value) {
        let res = post(
            addr,
            &[],
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize",
            "params": {"protocolVersion": "2025-11-25", "capabilities": capabilities,
                "clientInfo": {"name": "test", "version": "0"}}}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK);
        let session = res.header("mcp-session-id").unwrap().to_owned();
        let body = res.json().await;
        let s = Self { addr, session };
        let res = s.post(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).await;
        assert_eq!(res.status, StatusCode::ACCEPTED);
        (s, body)
    }

    pub async fn post(&self, body: &Value) -> Resp {
        let h = [("mcp-session-id", self.session.as_str()), ("mcp-protocol-version", "2025-11-25")];
        post(self.addr, &h, body).await
    }

    /// A request (id 1) answered with JSON; returns the whole response.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let res = self.post(&body).await;
        assert_eq!(res.status, StatusCode::OK);
        res.json().await
    }

    /// A plain `tools/call`; returns its `CallToolResult`.
    pub async fn tool(&self, name: &str, args: Value) -> Value {
        let body = self.call("tools/call", json!({"name": name, "arguments": args})).await;
        assert!(body.get("error").is_none(), "{name}: {body}");
        body["result"].clone()
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

/// Takes the `elicitation/create` that comes next on `held`, accepts it with `confirm`
/// through `answering` (any server the session is served by), and returns the text of the
/// held `tasks/result` answer.
pub async fn confirm_next(held: &mut Sse, answering: &Legacy, confirm: bool) -> String {
    let ask = held.next().await.unwrap();
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"confirm": confirm}}});
    assert_eq!(answering.post(&answer).await.status, StatusCode::ACCEPTED);
    let (done, _) = response_of(held).await;
    done["result"]["content"][0]["text"].as_str().unwrap_or_default().to_owned()
}

/// Waits for the held `tasks/result` response, returning it and the messages before it.
pub async fn response_of(sse: &mut Sse) -> (Value, Vec<Value>) {
    sse.until_response(9).await
}
