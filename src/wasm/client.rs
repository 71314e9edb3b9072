//! `McpTaskClient`: one engine, its fetch driver and the bindings' bookkeeping, behind
//! methods that take `&self` and return promises.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::client::{ClientError, Engine, OpId, TaskMode};
use crate::id::TaskId;
use crate::time::UnixMillis;

use super::calls::{cancel, created, outcome, register, start_call, watch_call};
use super::convert;
use super::driver::{self, Driver, Shared};
use super::error::Failure;
use super::options;
use super::settle::Settle;
use super::signal::Watch;
use super::state::{self, Hold, Router, Routes};
use super::task::{McpTask, ResponseStream};

/// An MCP client that calls tools as tasks, over either wire generation.
#[wasm_bindgen]
pub struct McpTaskClient {
    pub(crate) inner: Rc<Inner>,
}

/// What a client and its task handles share.
pub(crate) struct Inner {
    pub(crate) driver: Shared,
    pub(crate) routes: Routes,
    /// Closes the client when the caller's connect signal fires.
    _watch: RefCell<Option<Watch>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle is gone: end the session and streams instead of leaking them.
        if let Ok(mut driver) = self.driver.try_borrow_mut() {
            driver.engine.close(driver::now());
        }
        driver::pump(&self.driver);
    }
}

fn reject(failure: Failure) -> Promise {
    Promise::reject(&failure.to_js())
}

/// Runs `body`, turning a [`Failure`] into a rejected promise with a JS error.
fn promise<F>(body: F) -> Promise
where
    F: std::future::Future<Output = Result<JsValue, Failure>> + 'static,
{
    super::settle::to_promise(Box::pin(async move { body.await.map_err(|f| f.to_js()) }))
}

#[wasm_bindgen]
impl McpTaskClient {
    /// Connects to the MCP endpoint `url`, learning which generation it speaks.
    #[wasm_bindgen(unchecked_return_type = "Promise<McpTaskClient>")]
    pub fn connect(
        url: String,
        #[wasm_bindgen(unchecked_optional_param_type = "ConnectOptions")] options: JsValue,
    ) -> Promise {
        promise(async move { Self::open(url, &options, None).await.map(|(c, _)| JsValue::from(c)) })
    }

    /// Follows a task from a reference made by `McpTask.reference()`, possibly in another
    /// page, process or Worker. Connects to the reference's endpoint in its generation.
    #[wasm_bindgen(unchecked_return_type = "Promise<McpTask>")]
    pub fn resume(
        #[wasm_bindgen(unchecked_param_type = "TaskReference")] reference: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "ConnectOptions")] options: JsValue,
    ) -> Promise {
        promise(async move {
            let reference = convert::reference_from(reference)?;
            let endpoint = reference.endpoint.clone();
            let (client, hold) = Self::open(endpoint, &options, Some(reference)).await?;
            let hold = hold.ok_or(Failure::Client(ClientError::Closed))?;
            let call = hold.call();
            let handle = McpTask::new(client.inner.clone(), hold, None);
            created(&client.inner.routes, call).await?;
            Ok(JsValue::from(handle))
        })
    }

    /// The generation in use: `"2025-11-25"` or `"2026-07-28"`.
    #[wasm_bindgen(getter, unchecked_return_type = "Generation")]
    pub fn generation(&self) -> JsValue {
        let g = self.inner.routes.borrow().info.as_ref().map(|i| convert::generation(i.generation));
        g.map(JsValue::from_str).unwrap_or(JsValue::UNDEFINED)
    }

    /// What the server said about itself when the client connected.
    #[wasm_bindgen(getter, unchecked_return_type = "ConnectionInfo")]
    pub fn connection(&self) -> JsValue {
        let router = self.inner.routes.borrow();
        router.info.as_ref().map_or(JsValue::UNDEFINED, state::connection_js)
    }

    /// Which generation each endpoint spoke, as plain JSON to persist and pass back as
    /// the `endpointMemory` option, so that `protocol: "auto"` probes once per endpoint.
    #[wasm_bindgen(getter, js_name = endpointMemory, unchecked_return_type = "EndpointMemory")]
    pub fn endpoint_memory(&self) -> JsValue {
        let mut endpoints = serde_json::Map::new();
        for (endpoint, generation) in self.inner.driver.borrow().engine.endpoint_memory().iter() {
            endpoints.insert(endpoint.into(), convert::generation(generation).into());
        }
        let mut memory = serde_json::Map::new();
        memory.insert("endpoints".into(), serde_json::Value::Object(endpoints));
        convert::object_to_js(&memory)
    }

    /// Lists the server's tools (every page).
    #[wasm_bindgen(js_name = listTools, unchecked_return_type = "Promise<Tool[]>")]
    pub fn list_tools(&self) -> Promise {
        self.op(|engine, now| engine.list_tools(now))
    }

    /// Lists one page of tasks (2025-11-25 servers that offer `tasks/list`).
    #[wasm_bindgen(js_name = listTasks, unchecked_return_type = "Promise<ListTasksResult>")]
    pub fn list_tasks(&self, cursor: Option<String>) -> Promise {
        self.op(move |engine, now| engine.list_tasks(now, cursor))
    }

    /// Reads a task once; under 2026-07-28 with what it carries inline (`result`,
    /// `error`, `inputRequests`).
    #[wasm_bindgen(js_name = getTask, unchecked_return_type = "Promise<TaskDetails>")]
    pub fn get_task(&self, #[wasm_bindgen(js_name = "taskId")] task_id: String) -> Promise {
        self.op(move |engine, now| engine.get_task(now, TaskId::from(task_id)))
    }

    /// Calls a tool plainly and resolves with its result (`isError: true` results resolve
    /// too, as in the TypeScript SDK). A tool that requires a task runs as one.
    #[wasm_bindgen(js_name = callTool, unchecked_return_type = "Promise<CallToolResult>")]
    pub fn call_tool(
        &self,
        name: String,
        #[wasm_bindgen(unchecked_optional_param_type = "JsonObject")] args: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallToolOptions")] options: JsValue,
    ) -> Promise {
        let inner = &self.inner;
        let started = start_call(inner, name, args, &options, TaskMode::Plain)
            .and_then(|hold| Ok((watch_call(inner, hold.call(), &options)?, hold)));
        let (watch, hold) = match started {
            Ok(started) => started,
            Err(failure) => return reject(failure),
        };
        let call = hold.call();
        let (promise, settle) = Settle::new();
        // Letting go of the hold once settled frees the call's state.
        let waiting = state::Waiting { settle, hold, watch };
        let untracked = {
            let mut router = inner.routes.borrow_mut();
            match router.calls.get_mut(&call) {
                Some(state) => {
                    state.waiting = Some(waiting);
                    None
                }
                None => Some(waiting),
            }
        };
        match untracked {
            Some(waiting) => {
                waiting.settle.settle(Err(Failure::Client(ClientError::UnknownCall { call })))
            }
            // It may have ended already (a request the environment refused at once).
            None => state::settle_if_finished(&inner.routes, call),
        }
        promise
    }

    /// Calls a tool as a task and resolves with its handle as soon as the server created
    /// the task. `signal` cancels the task.
    #[wasm_bindgen(js_name = callToolAsTask, unchecked_return_type = "Promise<McpTask>")]
    pub fn call_tool_as_task(
        &self,
        name: String,
        #[wasm_bindgen(unchecked_optional_param_type = "JsonObject")] args: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "TaskCallOptions")] options: JsValue,
    ) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            let hold = start_call(&inner, name, args, &options, TaskMode::Required)?;
            let call = hold.call();
            let watch = watch_call(&inner, call, &options)?;
            let handle = McpTask::new(inner.clone(), hold, watch);
            created(&inner.routes, call).await?;
            Ok(JsValue::from(handle))
        })
    }

    /// Calls a tool as a task (when the server allows) and yields `taskCreated`,
    /// `taskStatus`, then `result` or `error`, like the TypeScript SDK's `callToolStream`.
    #[wasm_bindgen(js_name = callToolStream)]
    pub fn call_tool_stream(
        &self,
        name: String,
        #[wasm_bindgen(unchecked_optional_param_type = "JsonObject")] args: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallToolStreamOptions")] options: JsValue,
    ) -> ResponseStream {
        let detach = convert::flag(&options, "detach");
        let started = detach
            .and_then(|_| start_call(&self.inner, name, args, &options, TaskMode::Auto))
            .and_then(|hold| {
                let watch = watch_call(&self.inner, hold.call(), &options)?;
                Ok((hold, watch))
            });
        let detach = convert::flag(&options, "detach").ok().flatten().unwrap_or(false);
        ResponseStream::new(self.inner.clone(), started, detach)
    }

    /// Follows a task from its reference with this client.
    #[wasm_bindgen(js_name = resumeTask, unchecked_return_type = "Promise<McpTask>")]
    pub fn resume_task(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TaskReference")] reference: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "TaskOptions")] options: JsValue,
    ) -> Promise {
        let client = McpTaskClient { inner: self.inner.clone() };
        promise(async move {
            let reference = convert::reference_from(reference)?;
            client.follow(reference, &options).await.map(JsValue::from)
        })
    }

    /// Waits for a task's result: from the call that created it when this client made it,
    /// else by following the task by id.
    #[wasm_bindgen(js_name = getTaskResult, unchecked_return_type = "Promise<CallToolResult>")]
    pub fn get_task_result(&self, #[wasm_bindgen(js_name = "taskId")] task_id: String) -> Promise {
        let client = McpTaskClient { inner: self.inner.clone() };
        promise(async move {
            let hold = client.call_for(task_id)?;
            outcome(&client.inner.routes, hold.call()).await
        })
    }

    /// Cancels a task and resolves once it has ended (rejects when the cancel could not
    /// be delivered).
    #[wasm_bindgen(js_name = cancelTask, unchecked_return_type = "Promise<void>")]
    pub fn cancel_task(&self, #[wasm_bindgen(js_name = "taskId")] task_id: String) -> Promise {
        let client = McpTaskClient { inner: self.inner.clone() };
        promise(async move {
            let hold = client.call_for(task_id)?;
            cancel(&client.inner, hold.call()).await
        })
    }

    /// How many entries the client holds, by table: the bindings' (`calls`, `tasks`,
    /// `ops`), the driver's (`running`) and the engine's (`engine.*`). For leak checks in
    /// tests and benchmarks; not a stable API.
    #[doc(hidden)]
    #[wasm_bindgen(js_name = debugState, skip_typescript)]
    pub fn debug_state(&self) -> JsValue {
        let mut sizes = serde_json::Map::new();
        for (name, n) in self.inner.routes.borrow().sizes() {
            sizes.insert(name.into(), n.into());
        }
        let driver = self.inner.driver.borrow();
        sizes.insert("running".into(), driver.running().into());
        for (name, n) in driver.engine.table_sizes() {
            sizes.insert(format!("engine.{name}"), n.into());
        }
        convert::object_to_js(&sizes)
    }

    /// Stops every call, ends the 2025-11-25 session and closes the streams.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn close(&self) -> Promise {
        self.shut(true)
    }

    /// Stops every call and closes the streams, but leaves the 2025-11-25 session open,
    /// so that `McpTaskClient.resume` can follow this client's tasks from their references
    /// later (a Worker's next invocation) while the server keeps the session.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn detach(&self) -> Promise {
        self.shut(false)
    }
}

impl McpTaskClient {
    fn shut(&self, end_session: bool) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            {
                let engine = &mut inner.driver.borrow_mut().engine;
                if end_session { engine.close(driver::now()) } else { engine.detach(driver::now()) }
            }
            driver::pump(&inner.driver);
            state::wait(&inner.routes, |r| r.closed.then_some(())).await;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Connects; with a reference, follows its task from the start, so that a 2025-11-25
    /// client joins the task's session instead of opening a new one.
    async fn open(
        url: String,
        options: &JsValue,
        resume: Option<crate::client::TaskReference>,
    ) -> Result<(Self, Option<Hold>), Failure> {
        // Hosting links the receiver core (about 40 KB gzip): only the `mcp-tasks/host` entry
        // (feature `host`) has it; the default entry refuses rather than host nothing.
        let host = convert::flag(options, "hostTasks")? == Some(true);
        if host && !cfg!(feature = "host") {
            return Err(Failure::InvalidArgument(
                "hostTasks needs the host entry: import { McpTaskClient } from \"mcp-tasks/host\""
                    .into(),
            ));
        }
        let config = options::config(url, options, resume.as_ref().map(|r| r.generation))?;
        let signal = convert::field(options, "signal");
        if signal.as_ref().is_some_and(super::signal::aborted) {
            return Err(Failure::Aborted);
        }
        let routes: Routes = Rc::new(RefCell::new(Router::default()));
        routes.borrow_mut().on_input = convert::function(options, "onInputRequest")?;
        routes.borrow_mut().on_event = convert::function(options, "onEvent")?;
        let sink = routes.clone();
        let on_event = Rc::new(move |event| state::on_event(&sink, event));
        // The `mcp-tasks/host` entry's engine hosts tasks for the server (`hostTasks`).
        #[cfg(feature = "host")]
        let engine = match host {
            true => Engine::with_hosted_tasks(config, Default::default()),
            false => Engine::new(config),
        };
        #[cfg(not(feature = "host"))]
        let engine = Engine::new(config);
        let driver = Driver::new(engine, convert::function(options, "fetch")?, on_event);
        routes.borrow_mut().driver = Rc::downgrade(&driver);
        let inner = Rc::new(Inner { driver, routes, _watch: RefCell::new(None) });
        let weak = Rc::downgrade(&inner);
        let watch = signal.map(|s| {
            Watch::new(&s, move || {
                if let Some(inner) = weak.upgrade() {
                    inner.driver.borrow_mut().engine.close(driver::now());
                    driver::pump(&inner.driver);
                    let mut router = inner.routes.borrow_mut();
                    router.connected.get_or_insert(Err(ClientError::Closed));
                    router.client_changed();
                }
            })
        });
        *inner._watch.borrow_mut() = watch;
        let call = match resume {
            Some(reference) => {
                let task_id = reference.task_id.clone();
                let started =
                    inner.driver.borrow_mut().engine.resume(driver::now(), reference, None);
                Some(register(&inner, started, Default::default(), Some(task_id))?)
            }
            None => {
                inner.driver.borrow_mut().engine.connect(driver::now());
                driver::pump(&inner.driver);
                None
            }
        };
        let connected = state::wait(&inner.routes, |r| r.connected.clone()).await;
        match connected {
            Ok(()) => Ok((Self { inner }, call)),
            Err(_) if inner._watch.borrow().as_ref().is_some_and(Watch::fired) => {
                Err(Failure::Aborted)
            }
            Err(error) => Err(Failure::Client(error)),
        }
    }

    fn op(
        &self,
        start: impl FnOnce(&mut Engine, UnixMillis) -> Result<OpId, ClientError>,
    ) -> Promise {
        let inner = self.inner.clone();
        let started = start(&mut inner.driver.borrow_mut().engine, driver::now());
        let op = match started {
            Ok(op) => op,
            Err(e) => {
                driver::pump(&inner.driver);
                return reject(Failure::Client(e));
            }
        };
        let (promise, settle) = Settle::new();
        inner.routes.borrow_mut().insert_op(op, settle);
        driver::pump(&inner.driver);
        promise
    }

    async fn follow(
        &self,
        reference: crate::client::TaskReference,
        options: &JsValue,
    ) -> Result<McpTask, Failure> {
        let inner = &self.inner;
        let deadline =
            convert::millis(options, "timeoutMs")?.map(|ms| driver::now().saturating_add(ms));
        let callbacks = super::calls::callbacks(options)?;
        if convert::field(options, "signal").as_ref().is_some_and(super::signal::aborted) {
            return Err(Failure::Aborted);
        }
        let task_id = reference.task_id.clone();
        let call = inner.driver.borrow_mut().engine.resume(driver::now(), reference, deadline);
        let hold = register(inner, call, callbacks, Some(task_id))?;
        let call = hold.call();
        let watch = watch_call(inner, call, options)?;
        let handle = McpTask::new(inner.clone(), hold, watch);
        created(&inner.routes, call).await?;
        Ok(handle)
    }

    /// The call following `task_id`: this client's own, or a new one resumed by id.
    fn call_for(&self, task_id: String) -> Result<Hold, Failure> {
        let known = self.inner.routes.borrow().call_of(&TaskId::from(task_id.as_str()));
        if let Some(call) = known {
            return Ok(Hold::new(&self.inner.routes, call));
        }
        let inner = &self.inner;
        let reference = {
            let driver = inner.driver.borrow();
            let generation =
                driver.engine.generation().ok_or(Failure::Client(ClientError::Closed))?;
            crate::client::TaskReference {
                endpoint: driver.engine.config().endpoint.clone(),
                generation,
                task_id: TaskId::from(task_id.as_str()),
                session_id: driver.engine.session_id().map(str::to_owned),
                tool: String::new(),
                progress_token: None,
                expires_at_ms: None,
            }
        };
        let task_id = reference.task_id.clone();
        let call = inner.driver.borrow_mut().engine.resume(driver::now(), reference, None);
        register(inner, call, Default::default(), Some(task_id))
    }
}

/// The function type a caller may pass as `fetch`, for the docs of `ConnectOptions`.
#[allow(dead_code)]
type FetchFunction = Function;
