//! `mcp-tasks/worker`: tasks served from a Cloudflare Worker (feature `worker`, wasm only).
//!
//! [`McpTaskServer`] drives the sans-IO [`Endpoint`] — the same one `mcp-tasks serve` runs —
//! from a Worker or a Durable Object: `driver.js` turns each `Request` into the endpoint's
//! input and its output back into a streaming `Response`, runs the tools registered from
//! JS, and keeps the timers. Nothing about the protocol is decided here.
//!
//! In a Durable Object the tasks live in its SQLite storage ([`SqlBackend`]), one object
//! per owner: a caller with credentials gets the object named by their digest (its
//! 2025-11-25 sessions live there too); a 2025-11-25 session without credentials lives in
//! the object that opened it, whose id starts the session id; an anonymous 2026-07-28
//! caller gets one object per address ([`route_to_object`]). Every store operation is then
//! a local, synchronous SQL statement of one object: strongly consistent for that owner,
//! with no transaction across objects, and owners scale out over objects.
//!
//! Tool work runs in the object's isolate and is kept alive with `waitUntil`. A task
//! whose work starts is written to a work table and taken off it when the work ends; the
//! object keeps an alarm while it stores tasks. An isolate that is evicted or restarted
//! loses its running work: when the object next starts (the alarm, or any request), each
//! task left on the work table is failed with [`WORK_LOST`] as its status message, never
//! left `working` for ever. The alarm also runs the store's TTL sweep.

mod sql;
#[cfg(feature = "worker-suite")]
mod suite;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value, json};
use wasm_bindgen::prelude::*;

use crate::id::{EntropyError, IdSource, RandomIds, TaskId};
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::{Tool, WireShape};
use crate::receiver::Receiver;
use crate::receiver::http::{
    BeforeTaskAnswer, Config, Endpoint, HttpMethod, Output, Request, ToolDescriptor, ToolReport,
    WorkId,
};
use crate::store::{Backend, BackendError, MemoryBackend, StoreConfig, StoredTask, TaskStore};
use crate::store::{Version, Versioned, Write};
use crate::task::{InputAnswer, InputRequest};
use crate::time::UnixMillis;

pub use sql::{SqlBackend, SqlStore};

/// The TypeScript types of the server's arguments (the client's, which they refer to, come
/// with the client).
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");

/// The status message of a task whose work was lost with the isolate that ran it.
pub const WORK_LOST: &str = "The Worker that ran this task stopped (restarted or evicted) \
    before the task finished; its work is lost. Call the tool again.";

#[wasm_bindgen]
extern "C" {
    /// `McpTaskServerOptions`, read field by field.
    #[wasm_bindgen(typescript_type = "McpTaskServerOptions")]
    pub type ServerOptions;
    /// A value the server accepts and ignores (`fetch`'s `env` and `ctx`).
    #[wasm_bindgen(typescript_type = "unknown")]
    pub type Unknown;
}

#[wasm_bindgen(module = "/src/worker/driver.js")]
extern "C" {
    type Incoming;
    #[wasm_bindgen(method, getter)]
    fn method(this: &Incoming) -> String;
    #[wasm_bindgen(method, getter)]
    fn path(this: &Incoming) -> String;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &Incoming) -> String;
    #[wasm_bindgen(method, getter)]
    fn body(this: &Incoming) -> Vec<u8>;
    #[wasm_bindgen(method, getter)]
    fn peer(this: &Incoming) -> String;

    #[derive(Clone)]
    type Exchange;
    #[wasm_bindgen(constructor)]
    fn new(id: f64, hooks: &JsValue) -> Exchange;
    #[wasm_bindgen(method, getter)]
    fn response(this: &Exchange) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    fn head(this: &Exchange, status: u16, headers: &str);
    #[wasm_bindgen(method)]
    fn write(this: &Exchange, bytes: Vec<u8>);
    #[wasm_bindgen(method)]
    fn end(this: &Exchange);

    #[derive(Clone)]
    type Run;
    #[wasm_bindgen(constructor)]
    fn new(work: &str, task_id: Option<String>, hooks: &JsValue) -> Run;
    #[wasm_bindgen(method)]
    fn start(this: &Run, run: &js_sys::Function, args: &str, keep_alive: &JsValue);
    #[wasm_bindgen(method)]
    fn answered(this: &Run);
    #[wasm_bindgen(method)]
    fn cancel(this: &Run);

    fn serve(request: &JsValue, hooks: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(catch, js_name = toolDefinition)]
    fn tool_definition(descriptor: &JsValue) -> Result<String, JsValue>;
    fn schedule(hooks: &JsValue, ms: f64) -> JsValue;
    fn unschedule(timer: &JsValue);
    #[wasm_bindgen(js_name = keepAlive)]
    fn keep_alive(state: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = setAlarm)]
    fn set_alarm(state: &JsValue, at: f64) -> JsValue;
    #[wasm_bindgen(js_name = objectId)]
    fn object_id(state: &JsValue) -> String;
    fn storage(state: &JsValue) -> JsValue;
    fn route(request: &JsValue, namespace: &JsValue) -> js_sys::Promise;
    #[wasm_bindgen(js_name = beforeTaskOf)]
    fn before_task_of(descriptor: &JsValue) -> Option<js_sys::Function>;
    fn decide(decide: &js_sys::Function, args: &str, responses: &str) -> String;
}

/// Where the tasks are: in memory (a plain Worker), or in a Durable Object's SQLite.
#[derive(Debug)]
pub(crate) enum Store {
    Memory(MemoryBackend),
    Sql(SqlBackend),
}

macro_rules! each {
    ($self:ident, $b:ident => $e:expr) => {
        match $self {
            Store::Memory($b) => $e,
            Store::Sql($b) => $e,
        }
    };
}

impl Backend for Store {
    fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        each!(self, b => b.get(id))
    }
    fn create(&mut self, task: StoredTask) -> Result<Write, BackendError> {
        each!(self, b => b.create(task))
    }
    fn put_if_version(&mut self, task: StoredTask, v: Version) -> Result<Write, BackendError> {
        each!(self, b => b.put_if_version(task, v))
    }
    fn remove_if_version(&mut self, id: &TaskId, v: Version) -> Result<Write, BackendError> {
        each!(self, b => b.remove_if_version(id, v))
    }
    fn index_insert(&mut self, key: String) -> Result<(), BackendError> {
        each!(self, b => b.index_insert(key))
    }
    fn index_remove(&mut self, key: &str) -> Result<(), BackendError> {
        each!(self, b => b.index_remove(key))
    }
    fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        each!(self, b => b.index_scan(prefix, after, limit))
    }
    fn counter_add(&mut self, name: &str, delta: i64) -> Result<i64, BackendError> {
        each!(self, b => b.counter_add(name, delta))
    }
    fn counters(&self) -> Result<usize, BackendError> {
        each!(self, b => b.counters())
    }
}

/// Session ids that name the object holding the session: `<object id>.<random>`, so the
/// Worker routes a session's requests without a lookup.
struct ObjectSessionIds(String);

impl IdSource for ObjectSessionIds {
    fn next_id(&mut self) -> Result<String, EntropyError> {
        let random = RandomIds.next_id()?;
        Ok(if self.0.is_empty() { random } else { format!("{}.{random}", self.0) })
    }
}

struct Inner {
    endpoint: Endpoint<Store, RandomIds>,
    tools: HashMap<String, js_sys::Function>,
    /// The `beforeTask` of the tools that have one.
    deciders: HashMap<String, js_sys::Function>,
    exchanges: HashMap<u64, Exchange>,
    runs: HashMap<WorkId, Run>,
    /// The `ServerHooks` JS object the driver calls back into.
    hooks: JsValue,
    /// The Durable Object's state, or `undefined` in a plain Worker.
    state: JsValue,
    sql: Option<SqlStore>,
    timer: Option<(UnixMillis, JsValue)>,
    alarm_ms: u64,
    alarm_armed: bool,
}

type Shared = Rc<RefCell<Inner>>;

fn now() -> UnixMillis {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    UnixMillis(js_sys::Date::now() as u64)
}

fn option(options: &JsValue, name: &str) -> JsValue {
    if options.is_object() {
        js_sys::Reflect::get(options, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn millis(options: &JsValue, name: &str, default: u64) -> u64 {
    option(options, name).as_f64().filter(|v| *v >= 1.0).map_or(default, |v| v as u64)
}

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

/// An MCP server with tasks, for a Worker or a Durable Object. See the module docs.
#[wasm_bindgen]
pub struct McpTaskServer {
    inner: Shared,
}

#[wasm_bindgen]
impl McpTaskServer {
    /// A server. `options.state` is the Durable Object's state (`ctx`): tasks then live in
    /// its SQLite storage. Also `name`, `version`, `path` (default `/mcp`),
    /// `sweepIntervalMs` and `alarmIntervalMs` (the TTL sweep's and the alarm's period).
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<ServerOptions>) -> Result<McpTaskServer, JsError> {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);
        let state = option(&options, "state");
        let sql = match storage(&state) {
            s if s.is_object() => {
                Some(SqlStore::new(&s).map_err(|e| JsError::new(&format!("{e:?}")))?)
            }
            _ => None,
        };
        let backend = match &sql {
            Some(sql) => Store::Sql(SqlBackend::new(sql.clone())),
            None => Store::Memory(MemoryBackend::new()),
        };
        let mut config = Config {
            sweep_interval_ms: millis(&options, "sweepIntervalMs", 10_000),
            ..Config::default()
        };
        if let Some(name) = option(&options, "name").as_string() {
            config.server_name = name;
        }
        if let Some(version) = option(&options, "version").as_string() {
            config.server_version = version;
        }
        if let Some(path) = option(&options, "path").as_string() {
            config.path = path;
        }
        let store = TaskStore::new(backend, RandomIds, StoreConfig::default());
        let endpoint = Endpoint::new(config, Receiver::new(store))
            .with_session_ids(ObjectSessionIds(object_id(&state)));
        let inner = Rc::new(RefCell::new(Inner {
            endpoint,
            tools: HashMap::new(),
            deciders: HashMap::new(),
            exchanges: HashMap::new(),
            runs: HashMap::new(),
            hooks: JsValue::UNDEFINED,
            state,
            sql,
            timer: None,
            alarm_ms: millis(&options, "alarmIntervalMs", 30_000),
            alarm_armed: false,
        }));
        let hooks = JsValue::from(ServerHooks { inner: inner.clone() });
        inner.borrow_mut().hooks = hooks;
        fail_orphans(&inner);
        Ok(McpTaskServer { inner })
    }

    /// Registers a tool: `descriptor` is its `tools/list` entry (`name`, `description`,
    /// `inputSchema`, ...) plus `taskSupport` (`"forbidden"`, `"optional"` or
    /// `"required"`); `run(args, task)` returns its result (a string, a `CallToolResult`,
    /// or a value sent as `structuredContent`).
    pub fn tool(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ToolDefinition")] descriptor: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ToolRun")] run: js_sys::Function,
    ) -> Result<(), JsError> {
        let text = tool_definition(&descriptor)
            .map_err(|_| JsError::new("the tool descriptor is not a JSON object"))?;
        let value: Value = serde_json::from_str(&text).map_err(|e| JsError::new(&e.to_string()))?;
        let tool = Tool::from_value(value).map_err(|e| JsError::new(&e.to_string()))?;
        let mut inner = self.inner.borrow_mut();
        let tools = &mut inner.endpoint.config_mut().tools;
        tools.retain(|t| t.definition.name != tool.name);
        let name = tool.name.clone();
        let decider = before_task_of(&descriptor);
        tools.push(match decider {
            Some(_) => ToolDescriptor::new(tool).deciding_before_task(),
            None => ToolDescriptor::new(tool),
        });
        inner.tools.insert(name.clone(), run);
        match decider {
            Some(f) => inner.deciders.insert(name, f),
            None => inner.deciders.remove(&name),
        };
        Ok(())
    }

    /// Answers `request` (MCP at the configured path, 404 elsewhere). `env` and `ctx` are
    /// accepted so that `fetch: (r, env, ctx) => server.fetch(r, env, ctx)` reads naturally.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Request")] request: JsValue,
        env: Option<Unknown>,
        ctx: Option<Unknown>,
    ) -> js_sys::Promise {
        let _ = (env, ctx);
        let hooks = self.inner.borrow().hooks.clone();
        serve(&request, &hooks)
    }

    /// The Durable Object's `alarm()`: runs the TTL sweep and arms the next alarm while
    /// tasks are stored. (Work lost with an earlier isolate was failed when this one
    /// started: an alarm after a restart starts the object first.)
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn alarm(&self) -> js_sys::Promise {
        {
            let mut inner = self.inner.borrow_mut();
            inner.alarm_armed = false;
            let at = now();
            let _ = inner.endpoint.receiver_mut().store().sweep(at, 1000);
            inner.endpoint.drain_events(at);
        }
        pump(&self.inner);
        js_sys::Promise::resolve(&JsValue::UNDEFINED)
    }
}

/// Routes a Worker's request to the Durable Object that owns it (see the module docs):
/// `export default { fetch: (request, env) => routeToObject(request, env.TASKS) }`.
#[wasm_bindgen(js_name = routeToObject, unchecked_return_type = "Promise<Response>")]
pub fn route_to_object(
    #[wasm_bindgen(unchecked_param_type = "Request")] request: JsValue,
    #[wasm_bindgen(unchecked_param_type = "DurableObjectNamespaceLike")] namespace: JsValue,
) -> js_sys::Promise {
    route(&request, &namespace)
}

/// What `driver.js` calls back: requests, closed streams, tool reports, timers.
#[wasm_bindgen(skip_typescript)]
pub struct ServerHooks {
    inner: Shared,
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
            let response = inner.endpoint.handle_request(now(), request);
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
fn fail_orphans(inner: &Shared) {
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
fn pump(inner: &Shared) {
    loop {
        let outputs: Vec<Output> = {
            let mut i = inner.borrow_mut();
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
        (run, f, keep_alive(&i.state))
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
