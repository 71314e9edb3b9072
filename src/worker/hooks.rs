//! The driver's loop: what `driver.js` calls back ([`ServerHooks`]), and how the endpoint's
//! output reaches the responses, the tool runs and the timers. No borrow of the shared
//! state is held while JS runs: tool code may report back at once.

use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::*;

use super::js::*;
use super::sql::SqlStore;
use super::{Shared, WORK_LOST, now};
use crate::id::TaskId;
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::receiver::http::{BeforeTaskAnswer, HttpMethod, Output, Request, ToolReport, WorkId};
use crate::task::{InputAnswer, InputRequest};

fn work_key(work: &WorkId) -> String {
    match work {
        WorkId::Task(id) => id.as_str().to_owned(),
        WorkId::Call(n) => format!("call:{n}"),
    }
}

fn parse_work(key: &str) -> WorkId {
    match key.strip_prefix("call:").and_then(|n| n.parse().ok()) {
        Some(n) => WorkId::Call(n),
        None => WorkId::Task(TaskId::from(key)),
    }
}

/// What `driver.js` calls back: requests, closed streams, tool reports, timers.
#[wasm_bindgen(skip_typescript)]
pub struct ServerHooks {
    pub(super) inner: Shared,
}

#[wasm_bindgen]
impl ServerHooks {
    /// A request read by the driver; resolves with its `Response`.
    pub fn handle(&self, parts: JsValue) -> js_sys::Promise {
        let parts: Incoming = parts.unchecked_into();
        let pairs: Vec<(String, String)> =
            serde_json::from_str(&parts.headers()).unwrap_or_default();
        let request = Request {
            method: HttpMethod::parse(&parts.method()),
            path: parts.path(),
            headers: pairs.into_iter().collect::<Headers>(),
            body: parts.body(),
            peer: parts.peer().parse().ok(),
        };
        let exchange = {
            let mut inner = self.inner.borrow_mut();
            let at = now();
            if let Some(session) = request.headers.get("mcp-session-id") {
                super::sessions::before_request(&mut inner, session, at);
            }
            let response = inner.endpoint.handle_request(at, request);
            let exchange = Exchange::new(response.0 as f64, &inner.hooks);
            inner.exchanges.insert(response.0, exchange.clone());
            exchange
        };
        pump(&self.inner);
        exchange.response()
    }

    /// The client went away from response `id`.
    pub fn closed(&self, id: f64) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let id = id as u64;
        {
            let mut inner = self.inner.borrow_mut();
            inner.exchanges.remove(&id);
            inner.endpoint.stream_closed(now(), crate::receiver::http::ResponseId(id));
        }
        pump(&self.inner);
    }

    /// A report from running tool code: `status`, `progress` or `ask` (whose key it
    /// returns).
    pub fn report(&self, work: &str, kind: &str, json: &str) -> Option<String> {
        let value: Value = serde_json::from_str(json).ok()?;
        let report = match kind {
            "status" => ToolReport::Status(value.as_str()?.to_owned()),
            "progress" => ToolReport::Progress {
                progress: value.get("progress").and_then(Value::as_f64).unwrap_or(0.0),
                total: value.get("total").and_then(Value::as_f64),
                message: value.get("message").and_then(Value::as_str).map(str::to_owned),
            },
            "ask" => ToolReport::Ask(serde_json::from_value::<InputRequest>(value).ok()?),
            _ => return None,
        };
        let key = {
            let mut inner = self.inner.borrow_mut();
            inner.endpoint.handle_tool_report(now(), &parse_work(work), report)
        };
        pump(&self.inner);
        key.ok().flatten()
    }

    /// The answers that arrived for `work`'s questions, as `{key: {result} | {error}}`.
    pub fn answers(&self, work: &str) -> String {
        let taken = self.inner.borrow_mut().endpoint.take_answers(now(), &parse_work(work));
        let mut out = Map::new();
        for (key, answer) in taken.unwrap_or_default() {
            let v = match answer {
                InputAnswer::Response(result) => json!({ "result": result }),
                InputAnswer::Error(error) => json!({ "error": error }),
            };
            out.insert(key, v);
        }
        Value::Object(out).to_string()
    }

    /// Tool code ended: `result` (a `CallToolResult`), `error` (a JSON-RPC error object)
    /// or `cancelled`.
    pub fn finish(&self, work: &str, kind: &str, json: &str) {
        let report = match (kind, serde_json::from_str::<Value>(json)) {
            ("result", Ok(Value::Object(result))) => ToolReport::Result(result),
            ("error", Ok(value)) => ToolReport::Error(
                serde_json::from_value(value)
                    .unwrap_or_else(|e| ErrorObject::new(ErrorCode::INTERNAL_ERROR, e.to_string())),
            ),
            ("cancelled", _) => ToolReport::Cancelled,
            _ => ToolReport::Error(ErrorObject::new(
                ErrorCode::INTERNAL_ERROR,
                "the tool returned something that is not a CallToolResult",
            )),
        };
        let work = parse_work(work);
        {
            let mut inner = self.inner.borrow_mut();
            let _ = inner.endpoint.handle_tool_report(now(), &work, report);
            inner.runs.remove(&work);
            if let (WorkId::Task(id), Some(sql)) = (&work, &inner.sql) {
                sql.work_ended(id.as_str());
            }
        }
        pump(&self.inner);
    }

    /// The timer the driver set ran out.
    pub fn timeout(&self) {
        {
            let mut inner = self.inner.borrow_mut();
            inner.timer = None;
            inner.endpoint.handle_timeout(now());
        }
        pump(&self.inner);
    }
}

/// Fails the tasks whose work an earlier isolate of this object was running.
pub(super) fn fail_orphans(inner: &Shared) {
    {
        let mut i = inner.borrow_mut();
        let Some(orphans) = i.sql.as_ref().map(SqlStore::take_orphans) else {
            return;
        };
        let at = now();
        for id in orphans {
            let id = TaskId::from(id);
            if i.endpoint.adopt_task(at, &id) {
                let work = WorkId::Task(id);
                let _ =
                    i.endpoint.handle_tool_report(at, &work, ToolReport::Status(WORK_LOST.into()));
                let lost = ErrorObject::new(ErrorCode::INTERNAL_ERROR, WORK_LOST);
                let _ = i.endpoint.handle_tool_report(at, &work, ToolReport::Error(lost));
            }
        }
    }
    pump(inner);
}

/// Moves the endpoint's output to the responses and the tool runs, then sets the timers.
/// No borrow is held while JS runs: tool code may report back at once.
pub(super) fn pump(inner: &Shared) {
    loop {
        let outputs: Vec<Output> = {
            let mut i = inner.borrow_mut();
            super::sessions::publish(&mut i, now());
            std::iter::from_fn(|| i.endpoint.poll_output()).collect()
        };
        if outputs.is_empty() {
            break;
        }
        for output in outputs {
            act(inner, output);
        }
    }
    timers(inner);
}

fn act(inner: &Shared, output: Output) {
    match output {
        Output::Head { response, head } => {
            let exchange = inner.borrow().exchanges.get(&response.0).cloned();
            if let Some(e) = exchange {
                let pairs: Vec<[&str; 2]> = head.headers.iter().map(|(n, v)| [n, v]).collect();
                e.head(head.status, &serde_json::to_string(&pairs).unwrap_or_default());
            }
        }
        Output::Body { response, bytes } => {
            let exchange = inner.borrow().exchanges.get(&response.0).cloned();
            if let Some(e) = exchange {
                e.write(bytes);
            }
        }
        Output::End { response } => {
            let exchange = inner.borrow_mut().exchanges.remove(&response.0);
            if let Some(e) = exchange {
                e.end();
            }
        }
        Output::StartTool(start) => start_tool(inner, start),
        Output::CancelTool { work } => {
            let run = inner.borrow().runs.get(&work).cloned();
            if let Some(run) = run {
                run.cancel();
            }
        }
        Output::InputAnswered { work } => {
            let run = inner.borrow().runs.get(&work).cloned();
            if let Some(run) = run {
                run.answered();
            }
        }
        Output::TaskRemoved { task } => {
            let run = inner.borrow_mut().runs.remove(&WorkId::Task(task));
            if let Some(run) = run {
                run.cancel();
            }
        }
        Output::BeforeTask { call, tool, arguments, input_responses } => {
            let decider = inner.borrow().deciders.get(&tool).cloned();
            let answer = match decider {
                Some(f) => {
                    let responses = input_responses.map_or(Value::Null, Value::Object);
                    let args = Value::Object(arguments).to_string();
                    decision(&decide(&f, &args, &responses.to_string()))
                }
                None => BeforeTaskAnswer::Ready(arguments),
            };
            let _ = inner.borrow_mut().endpoint.handle_before_task(now(), call, answer);
        }
    }
}

/// A `beforeTask` decision as `driver.js` reports it: `{args}`, `{ask}` or `{error}`.
fn decision(text: &str) -> BeforeTaskAnswer {
    let refused = |message: String| {
        BeforeTaskAnswer::Fail(ErrorObject::new(ErrorCode::INTERNAL_ERROR, message))
    };
    let Ok(Value::Object(mut d)) = serde_json::from_str::<Value>(text) else {
        return refused("beforeTask returned something unreadable".into());
    };
    if let Some(ask) = d.remove("ask") {
        return match serde_json::from_value(ask) {
            Ok(requests) => BeforeTaskAnswer::Ask(requests),
            Err(e) => refused(format!("beforeTask asked something unreadable: {e}")),
        };
    }
    match d.remove("args") {
        Some(Value::Object(args)) => BeforeTaskAnswer::Ready(args),
        _ => refused(
            d.get("error").and_then(Value::as_str).unwrap_or("beforeTask failed").to_owned(),
        ),
    }
}

fn start_tool(inner: &Shared, start: crate::receiver::http::StartTool) {
    let key = work_key(&start.work);
    let (run, f, keep) = {
        let mut i = inner.borrow_mut();
        let Some(f) = i.tools.get(&start.tool).cloned() else {
            let text = format!("no tool {} runs here", start.tool);
            let e = ErrorObject::new(ErrorCode::INTERNAL_ERROR, text);
            let _ = i.endpoint.handle_tool_report(now(), &start.work, ToolReport::Error(e));
            return;
        };
        let task_id = match &start.work {
            WorkId::Task(id) => {
                if let Some(sql) = &i.sql {
                    sql.work_started(id.as_str());
                }
                Some(id.as_str().to_owned())
            }
            WorkId::Call(_) => None,
        };
        let run = Run::new(&key, task_id, &i.hooks);
        i.runs.insert(start.work.clone(), run.clone());
        (run, f, keep_alive(&i.waiter))
    };
    let args = Value::Object(start.arguments).to_string();
    run.start(&f, &args, &keep);
}

/// Sets the JS timer for the endpoint's next deadline, and the object's alarm while it
/// stores tasks.
fn timers(inner: &Shared) {
    let mut i = inner.borrow_mut();
    let at = now();
    if let Some(due) = i.endpoint.poll_timeout() {
        let sooner = i.timer.as_ref().is_none_or(|(t, _)| due < *t);
        if sooner {
            if let Some((_, old)) = i.timer.take() {
                unschedule(&old);
            }
            #[allow(clippy::cast_precision_loss)]
            let ms = due.saturating_since(at) as f64;
            let handle = schedule(&i.hooks, ms);
            i.timer = Some((due, handle));
        }
    }
    if i.alarm_armed {
        return;
    }
    let stored = i.sql.as_ref().and_then(|s| s.tasks().ok()).unwrap_or(0.0);
    if stored > 0.0 || !i.runs.is_empty() && i.sql.is_some() {
        i.alarm_armed = true;
        #[allow(clippy::cast_precision_loss)]
        let when = at.0.saturating_add(i.alarm_ms) as f64;
        let _ = set_alarm(&i.state, when);
    }
}
