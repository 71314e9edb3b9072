//! The requestor engine under the documented driving contract, answered by a hostile
//! server: arbitrary response heads, bodies in arbitrary chunks (raw bytes, or JSON-RPC
//! answers to the request actually sent, as JSON or SSE), ends, transport failures and
//! time. Every output is drained after every input; nothing may panic.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mcp_tasks::client::{Config, Engine, Output, Protocol, TaskMode, ToolCall};
use mcp_tasks::protocol::http::{ExchangeId, Headers, ResponseHead, TransportFailure};
use mcp_tasks::time::UnixMillis;
use serde_json::{Value, json};

const STATUSES: &[u16] = &[200, 200, 200, 202, 204, 400, 401, 404, 405, 429, 500, 503];

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "text/event-stream",
    "text/event-stream; charset=utf-8",
    "APPLICATION/JSON",
    "text/plain",
    "",
];

const HEADER_VALUES: &[&str] = &[
    "0",
    "1",
    "120",
    "99999999999999999999",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "session-1",
    "2025-11-25",
    "2026-07-28",
    "",
];

/// Words a result may carry so that the engine's readers get past their first check.
const RESULT_KINDS: &[&str] = &["initialize", "discover", "task", "plain"];

struct Harness {
    engine: Engine,
    now: u64,
    /// Sent exchanges, with the JSON-RPC id and method of their body.
    open: Vec<(ExchangeId, Value, String)>,
}

impl Harness {
    fn drain(&mut self) {
        let mut n = 0;
        while let Some(output) = self.engine.poll_output() {
            n += 1;
            assert!(n < 100_000, "the engine keeps producing outputs");
            if let Output::Transmit(request) = output {
                let body: Value = request
                    .body
                    .as_deref()
                    .map(|b| serde_json::from_str(b).expect("the engine sends JSON"))
                    .unwrap_or(Value::Null);
                let method = body["method"].as_str().unwrap_or("").to_owned();
                self.open.push((request.id, body["id"].clone(), method));
            }
        }
    }
}

/// A JSON-RPC answer to `id`, shaped after what `method` expects or not at all.
fn answer(u: &mut Unstructured<'_>, id: &Value, method: &str) -> Result<Value> {
    let mut result = fuzz_support::object(u, 3)?;
    let kind = if u.arbitrary()? {
        *u.choose(RESULT_KINDS)?
    } else {
        match method {
            "initialize" => "initialize",
            "server/discover" => "discover",
            _ => "task",
        }
    };
    match kind {
        "initialize" => {
            result.insert("protocolVersion".into(), json!("2025-11-25"));
            result.insert(
                "capabilities".into(),
                json!({"tasks": {"requests": {"tools": {"call": {}}}, "list": {}, "cancel": {}}}),
            );
            result.insert("serverInfo".into(), json!({"name": "s", "version": "1"}));
        }
        "discover" => {
            result.insert("supportedVersions".into(), json!(["2026-07-28"]));
            result.insert(
                "capabilities".into(),
                json!({"extensions": {"io.modelcontextprotocol/tasks": {}}}),
            );
        }
        "task" => {
            let mut task = fuzz_support::object(u, 2)?;
            task.insert("taskId".into(), json!("t-1"));
            task.insert(
                "status".into(),
                json!(u.choose(&[
                    "working",
                    "input_required",
                    "completed",
                    "failed",
                    "cancelled"
                ])?),
            );
            task.insert("createdAt".into(), json!("2025-01-01T00:00:00Z"));
            if u.arbitrary()? {
                result.insert("task".into(), Value::Object(task));
            } else {
                result.extend(task);
            }
        }
        _ => {}
    }
    Ok(if u.ratio(1, 5)? {
        json!({"jsonrpc": "2.0", "id": id, "error": {"code": u.arbitrary::<i32>()?, "message": "no", "data": fuzz_support::value(u, 2)?}})
    } else {
        json!({"jsonrpc": "2.0", "id": id, "result": result})
    })
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let mut config = Config::new("http://127.0.0.1:1/mcp");
    config.protocol = *u.choose(&[Protocol::Auto, Protocol::Legacy, Protocol::Extension])?;
    config.max_event_bytes = u.int_in_range(16..=65_536)?;
    config.max_body_bytes = u.int_in_range(16..=1_048_576)?;
    let mut h = Harness { engine: Engine::new(config), now: 1_700_000_000_000, open: Vec::new() };
    let mode = *u.choose(&[TaskMode::Auto, TaskMode::Plain, TaskMode::Required])?;
    let call = ToolCall::new("job", None).mode(mode);
    let Ok(call) = h.engine.call_tool(UnixMillis(h.now), call) else { return Ok(()) };
    h.drain();
    for _ in 0..u.int_in_range(1..=24)? {
        if u.is_empty() {
            break;
        }
        let now = UnixMillis(h.now);
        match u.int_in_range(0..=9)? {
            0..=6 if !h.open.is_empty() => {
                let at = u.choose_index(h.open.len())?;
                let (id, rpc_id, method): (ExchangeId, Value, String) = h.open.swap_remove(at);
                let mut headers = Headers::new();
                headers.push("Content-Type", *u.choose(CONTENT_TYPES)?);
                for _ in 0..u.int_in_range(0..=3)? {
                    let name = *u.choose(&[
                        "Mcp-Session-Id",
                        "Retry-After",
                        "MCP-Protocol-Version",
                        "Content-Type",
                    ])?;
                    let value = if u.arbitrary()? {
                        u.arbitrary()?
                    } else {
                        (*u.choose(HEADER_VALUES)?).to_owned()
                    };
                    headers.push(name, value);
                }
                let status = if u.ratio(7, 8)? { *u.choose(STATUSES)? } else { u.arbitrary()? };
                h.engine.handle_response_head(now, id, ResponseHead { status, headers });
                h.drain();
                let body = if u.ratio(1, 4)? {
                    u.arbitrary::<Vec<u8>>()?
                } else {
                    let message = answer(u, &rpc_id, &method)?.to_string();
                    if u.arbitrary()? {
                        let event_id = u.arbitrary::<u8>()?;
                        format!("id: {event_id}\nretry: 10\ndata: {message}\n\n").into_bytes()
                    } else {
                        message.into_bytes()
                    }
                };
                let mut rest = &body[..];
                while !rest.is_empty() {
                    let take = u.int_in_range(1..=rest.len())?;
                    let (chunk, tail) = rest.split_at(take);
                    h.engine.handle_body_chunk(now, id, chunk);
                    h.drain();
                    rest = tail;
                }
                match u.int_in_range(0..=5)? {
                    0 => h.engine.handle_transport_failure(
                        now,
                        id,
                        TransportFailure::BodyInterrupted("fuzz".into()),
                    ),
                    1 => {
                        // Left open: the stream may carry more later.
                        h.open.push((id, rpc_id, method));
                    }
                    _ => h.engine.handle_body_end(now, id),
                }
                h.drain();
            }
            7 if !h.open.is_empty() => {
                let at = u.choose_index(h.open.len())?;
                let (id, ..) = h.open.swap_remove(at);
                h.engine.handle_transport_failure(
                    now,
                    id,
                    TransportFailure::Connect("fuzz".into()),
                );
                h.drain();
            }
            8 => {
                let _ = h.engine.cancel(now, call);
                h.drain();
            }
            _ => {
                let step = match h.engine.next_wake() {
                    Some(at) if u.arbitrary()? => at.0.saturating_sub(h.now),
                    _ => u.int_in_range(0..=600_000)?,
                };
                h.now = h.now.saturating_add(step);
                h.engine.handle_timeout(UnixMillis(h.now));
                h.drain();
            }
        }
    }
    h.engine.close(UnixMillis(h.now));
    h.drain();
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
