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
//!
//! 2025-11-25 sessions survive restarts too: the object's next isolates serve them as
//! `mcp-tasks serve --store` servers serve each other's, with the endpoint's shared
//! sessions ([`Config::shared_sessions`](crate::receiver::http::Config::shared_sessions)).
//! A session opened here is stored in the object's SQLite (`sessions.rs`); a request that
//! names one this isolate does not know adopts it from there, so the same client with the
//! same `Mcp-Session-Id` gets, lists, reads and cancels its tasks after a restart (those
//! whose work was lost are failed as above). A session the client deletes leaves SQLite at
//! once; an unused one lapses after the idle time and its record is deleted when the
//! object next starts or by the alarm (its tasks end by their TTL).

mod backends;
mod hooks;
mod js;
mod sessions;
mod sql;
#[cfg(feature = "worker-suite")]
mod suite;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::id::RandomIds;
use crate::protocol::legacy::{Tool, WireShape};
use crate::receiver::Receiver;
use crate::receiver::http::{Config, Endpoint, ToolDescriptor, WorkId};
use crate::store::{MemoryBackend, StoreConfig, TaskStore};
use crate::time::UnixMillis;

pub use sql::{SqlBackend, SqlStore};

use backends::{ObjectSessionIds, Store};
use hooks::{ServerHooks, fail_orphans, pump};
use js::{Exchange, Run, before_task_of, object_id, route, serve, storage, tool_definition};

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
    /// Whose `waitUntil` keeps tool work alive: the object's state, or in a plain Worker
    /// the context of the request being handled.
    waiter: JsValue,
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
            // The object's later isolates serve the sessions this one opens (sessions.rs).
            shared_sessions: sql.is_some(),
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
            waiter: state.clone(),
            state,
            sql,
            timer: None,
            alarm_ms: millis(&options, "alarmIntervalMs", 30_000),
            alarm_armed: false,
        }));
        let hooks = JsValue::from(ServerHooks { inner: inner.clone() });
        {
            let mut i = inner.borrow_mut();
            i.hooks = hooks;
            sessions::sweep(&i, now());
        }
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

    /// Answers `request` (MCP at the configured path, 404 elsewhere). In a plain Worker (no
    /// `state`), pass the request's `ctx`: its `waitUntil` keeps the tools' work alive.
    #[wasm_bindgen(unchecked_return_type = "Promise<Response>")]
    pub fn fetch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Request")] request: JsValue,
        env: Option<Unknown>,
        ctx: Option<Unknown>,
    ) -> js_sys::Promise {
        let _ = env;
        let mut inner = self.inner.borrow_mut();
        if let Some(ctx) = ctx.filter(|_| !inner.state.is_object()) {
            inner.waiter = ctx.into();
        }
        let hooks = inner.hooks.clone();
        drop(inner);
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
            sessions::sweep(&inner, at);
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
