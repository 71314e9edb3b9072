//! A 2026-07-28 host that never declares the tasks extension, as task-tools mode serves.

use std::net::SocketAddr;

use serde_json::{Value, json};

use super::ext_as;

/// How many times [`Plain::wait_for`] asks for a status before giving up. That generation
/// has no notification to wait on, so it polls, yielding between polls.
const POLLS: usize = 5000;

/// A 2026-07-28 host without the tasks extension; `token` is its `Authorization`.
pub struct Plain {
    pub addr: SocketAddr,
    pub token: Option<&'static str>,
}

impl Plain {
    /// A request answered with JSON; `declare` lists the tasks extension after all.
    pub async fn request(
        &self,
        method: &str,
        name: Option<&str>,
        params: Value,
        declare: bool,
    ) -> Value {
        ext_as(self.addr, self.token, method, name, params, declare).await.json().await
    }

    /// A plain `tools/call`; returns its `CallToolResult`.
    pub async fn tool(&self, name: &str, args: Value) -> Value {
        let params = json!({"name": name, "arguments": args});
        let body = self.request("tools/call", Some(name), params, false).await;
        assert_eq!(body["result"]["resultType"], "complete", "{name}: {body}");
        body["result"].clone()
    }

    /// Asks `get_task_status` until the status is `want`.
    pub async fn wait_for(&self, task: &str, want: &str) -> Value {
        for _ in 0..POLLS {
            let status = self.tool("get_task_status", json!({"taskId": task})).await;
            if status["structuredContent"]["status"] == want {
                return status;
            }
            tokio::task::yield_now().await;
        }
        panic!("task {task} never became {want}");
    }
}
