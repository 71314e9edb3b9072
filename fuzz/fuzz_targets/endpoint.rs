//! The Streamable HTTP endpoint driven with arbitrary requests: methods, paths, headers
//! (`Origin`, `Last-Event-ID`, session ids, `Mcp-Name`, versions, media types), bodies, tool
//! reports, time and closed streams. Covers the `Origin` check and event-id parsing, which
//! are reachable only through the endpoint. Nothing may panic.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use mcp_tasks::id::TaskId;
use mcp_tasks::protocol::http::Headers;
use mcp_tasks::protocol::jsonrpc::{ErrorCode, ErrorObject};
use mcp_tasks::protocol::legacy::{TaskSupport, Tool};
use mcp_tasks::receiver::Receiver;
use mcp_tasks::receiver::http::{
    Config, Endpoint, HttpMethod, Output, Request, ResponseId, ToolDescriptor, ToolReport, WorkId,
};
use mcp_tasks::time::UnixMillis;
use serde_json::{Map, Value, json};

const HEADER_NAMES: &[&str] = &[
    "Origin",
    "Last-Event-ID",
    "Mcp-Session-Id",
    "MCP-Protocol-Version",
    "Mcp-Name",
    "Mcp-Method",
    "Accept",
    "Content-Type",
    "Authorization",
    "Access-Control-Request-Method",
];

const HEADER_VALUES: &[&str] = &[
    "http://localhost",
    "http://localhost:3000",
    "http://127.0.0.1:65535",
    "http://[::1]:8080",
    "https://app.example",
    "http://localhost:99999",
    "http://[::1",
    "null",
    "file://",
    "0.0",
    "0.1",
    "1.1",
    "1.18446744073709551615",
    "18446744073709551616.0",
    " 0.1 ",
    ".",
    "application/json, text/event-stream",
    "text/event-stream",
    "application/json",
    "*/*",
    "2025-11-25",
    "2026-07-28",
    "2025-06-18",
    "=?base64?am9i?=",
    "=?base64?!!?=",
    "job",
    "tools/call",
    "tasks/get",
    "Bearer a",
    "POST",
];

const METHODS: &[&str] = &[
    "initialize",
    "notifications/initialized",
    "tools/list",
    "tools/call",
    "tasks/get",
    "tasks/result",
    "tasks/list",
    "tasks/cancel",
    "tasks/update",
    "server/discover",
    "subscriptions/listen",
    "ping",
];

fn tool(name: &str, support: TaskSupport) -> ToolDescriptor {
    ToolDescriptor::new(Tool::new(name, support))
}

struct Harness {
    ep: Endpoint,
    now: u64,
    sessions: Vec<String>,
    work: Vec<WorkId>,
    responses: Vec<ResponseId>,
}

impl Harness {
    fn drain(&mut self) {
        while let Some(output) = self.ep.poll_output() {
            match output {
                Output::Head { response, head } => {
                    self.responses.push(response);
                    if let Some(id) = head.headers.get("mcp-session-id") {
                        self.sessions.push(id.to_owned());
                    }
                }
                Output::StartTool(start) => self.work.push(start.work),
                _ => {}
            }
        }
    }

    fn send(&mut self, request: Request) {
        self.ep.handle_request(UnixMillis(self.now), request);
        self.drain();
    }
}

fn text(u: &mut Unstructured<'_>, known: &[&str]) -> Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => u.arbitrary()?,
        1 => format!("{}.{}", u.arbitrary::<u64>()?, u.arbitrary::<u64>()?),
        _ => (*u.choose(known)?).to_owned(),
    })
}

fn request(u: &mut Unstructured<'_>, h: &Harness) -> Result<Request> {
    let method = match u.int_in_range(0..=4)? {
        0 => HttpMethod::Get,
        1 | 2 => HttpMethod::Post,
        3 => HttpMethod::Delete,
        _ => {
            if u.arbitrary()? {
                HttpMethod::Options
            } else {
                HttpMethod::parse(u.arbitrary()?)
            }
        }
    };
    let path = if u.ratio(7, 8)? { "/mcp".to_owned() } else { u.arbitrary()? };
    let mut headers = Headers::new();
    if u.arbitrary()? {
        headers.push("Accept", "application/json, text/event-stream");
    }
    if u.arbitrary()? {
        headers.push("Content-Type", "application/json");
    }
    if !h.sessions.is_empty() && u.arbitrary()? {
        headers.push("Mcp-Session-Id", u.choose(&h.sessions)?.clone());
    }
    for _ in 0..u.int_in_range(0..=4)? {
        let name =
            if u.ratio(7, 8)? { (*u.choose(HEADER_NAMES)?).to_owned() } else { u.arbitrary()? };
        headers.push(name, text(u, HEADER_VALUES)?);
    }
    let body = if u.ratio(1, 4)? {
        u.arbitrary()?
    } else {
        let mut message = Map::new();
        message.insert("jsonrpc".into(), json!("2.0"));
        if u.ratio(3, 4)? {
            message.insert("id".into(), json!(u.int_in_range(0..=3)?));
        }
        message.insert("method".into(), json!(u.choose(METHODS)?));
        let mut params = fuzz_support::object(u, 3)?;
        if u.arbitrary()? {
            params.insert("name".into(), json!(if u.arbitrary()? { "job" } else { "echo" }));
        }
        if u.arbitrary()? {
            params.insert("task".into(), json!({"ttl": 60000}));
        }
        message.insert("params".into(), Value::Object(params));
        serde_json::to_vec(&message).unwrap()
    };
    // Anonymous 2026-07-28 callers are owners by address: a few addresses, or none.
    let peer = match u.int_in_range(0..=3)? {
        0 => None,
        1 => Some(std::net::IpAddr::from([127, 0, 0, 1])),
        2 => Some(std::net::IpAddr::from([10, 0, 0, u.arbitrary()?])),
        _ => Some(std::net::IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, u.arbitrary()?])),
    };
    Ok(Request { method, path, headers, body, peer })
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let config = Config {
        allowed_origins: vec!["https://app.example".into()],
        tools: vec![tool("job", TaskSupport::Optional), tool("echo", TaskSupport::Forbidden)],
        ..Config::default()
    };
    let mut h = Harness {
        ep: Endpoint::new(config, Receiver::in_memory()),
        now: 1_700_000_000_000,
        sessions: Vec::new(),
        work: Vec::new(),
        responses: Vec::new(),
    };
    // A session to resume and to address, so that event ids meet real streams.
    let mut headers = Headers::new();
    headers.push("Accept", "application/json, text/event-stream");
    headers.push("Content-Type", "application/json");
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {"tasks": {}},
        "clientInfo": {"name": "fuzz", "version": "0"}}});
    h.send(Request {
        method: HttpMethod::Post,
        path: "/mcp".into(),
        headers,
        body: serde_json::to_vec(&init).unwrap(),
        peer: None,
    });
    for _ in 0..u.int_in_range(1..=8)? {
        match u.int_in_range(0..=9)? {
            0..=5 => {
                let r = request(u, &h)?;
                h.send(r);
            }
            6 if !h.work.is_empty() => {
                let work = u.choose(&h.work)?.clone();
                let report = match u.int_in_range(0..=4)? {
                    0 => ToolReport::Status(u.arbitrary()?),
                    1 => ToolReport::Progress {
                        progress: u.arbitrary()?,
                        total: u.arbitrary()?,
                        message: u.arbitrary()?,
                    },
                    2 => ToolReport::Result(fuzz_support::object(u, 2)?),
                    3 => ToolReport::Error(ErrorObject::new(ErrorCode(u.arbitrary()?), "fuzz")),
                    _ => ToolReport::Cancelled,
                };
                let _ = h.ep.handle_tool_report(UnixMillis(h.now), &work, report);
                h.drain();
            }
            7 => {
                h.now = h.now.saturating_add(u.int_in_range(0..=4_000_000)?);
                h.ep.handle_timeout(UnixMillis(h.now));
                h.drain();
            }
            8 if !h.responses.is_empty() => {
                let response = *u.choose(&h.responses)?;
                h.ep.stream_closed(UnixMillis(h.now), response);
                h.drain();
            }
            _ => {
                let _ = h.ep.adopt_task(UnixMillis(h.now), &TaskId::from(u.arbitrary::<String>()?));
                h.drain();
            }
        }
    }
    h.ep.close_all(UnixMillis(h.now));
    h.drain();
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
