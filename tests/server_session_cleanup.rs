//! Ending 2025-11-25 sessions that have questions open: each session's questions are
//! filed under it, so ending one forgets its own questions and keeps everyone else's.
#![cfg(feature = "server")]

mod support;

use hyper::StatusCode;
use serde_json::{Value, json};
use support::{Legacy, response_of, send, start};

/// Waits until `task` asks its question: it arrives on the held `tasks/result` stream,
/// which is then dropped (the question stays open, to be asked again).
async fn asking(c: &Legacy, task: &str) {
    let mut held = c.result_stream(task).await;
    let ask = held.next().await.expect("the tool asks");
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
}

#[tokio::test]
async fn ending_sessions_with_open_questions_keeps_the_other_sessions_questions() {
    let server = start().await;
    let addr = server.local_addr();
    let elicits = json!({"elicitation": {}});
    let stays = Legacy::connect_with(addr, elicits.clone()).await;
    let kept = stays.start_task("confirm_delete", json!({"item": "kept.txt"})).await;
    asking(&stays, &kept).await;
    let mut leaving = Vec::new();
    for _ in 0..8 {
        let c = Legacy::connect_with(addr, elicits.clone()).await;
        for tool in ["multi_input", "confirm_delete"] {
            let task = c.start_task(tool, json!({})).await;
            asking(&c, &task).await;
        }
        leaving.push(c);
    }
    for c in &leaving {
        let h = [("mcp-session-id", c.session.as_str()), ("mcp-protocol-version", "2025-11-25")];
        assert_eq!(send(addr, "DELETE", &h, b"").await.status, StatusCode::OK);
        let gone = c.post(&json!({"jsonrpc": "2.0", "id": 1, "method": "tasks/list"})).await;
        assert_eq!(gone.status, StatusCode::NOT_FOUND, "the session ended");
    }

    // The staying session's question is still there to be asked again, and answered.
    let mut held = stays.result_stream(&kept).await;
    let ask = held.next().await.expect("the question is asked again");
    assert_eq!(ask["method"], "elicitation/create", "{ask}");
    let related = &ask["params"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"];
    assert_eq!(related, &Value::from(kept.as_str()));
    let answer = json!({"jsonrpc": "2.0", "id": ask["id"],
        "result": {"action": "accept", "content": {"confirm": true}}});
    assert_eq!(stays.post(&answer).await.status, StatusCode::ACCEPTED);
    let (done, _) = response_of(&mut held).await;
    assert_eq!(done["result"]["content"][0]["text"], "deleted", "{done}");
    server.shutdown().await;
}
