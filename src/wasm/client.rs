//! `McpTaskClient`: one engine, its fetch driver and the bindings' bookkeeping, behind
//! methods that take `&self` and return promises.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise};
use serde_json::{Map, Value};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::future_to_promise;

use crate::client::{
    CallId, ClientError, Config, Engine, InputSupport, OpId, Protocol, TaskMode, ToolCall,
};
use crate::id::TaskId;
use crate::protocol::legacy::{Implementation, WireShape};
use crate::time::UnixMillis;

use super::convert;
use super::driver::{self, Driver, Shared};
use super::error::Failure;
use super::signal::Watch;
use super::state::{self, CallState, Router, Routes};
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

type JsResult = Result<JsValue, JsValue>;

fn reject(failure: Failure) -> Promise {
    Promise::reject(&failure.to_js())
}

/// Runs `body`, turning a [`Failure`] into a rejected promise with a JS error.
fn promise<F>(body: F) -> Promise
where
    F: std::future::Future<Output = Result<JsValue, Failure>> + 'static,
{
    future_to_promise(async move { body.await.map_err(|f| f.to_js()) as JsResult })
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
            let (client, call) = Self::open(endpoint, &options, Some(reference)).await?;
            let call = call.ok_or(Failure::Client(ClientError::Closed))?;
            let handle = McpTask::new(client.inner.clone(), call, None);
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
        let Some(info) = router.info.as_ref() else { return JsValue::UNDEFINED };
        let value = serde_json::json!({
            "generation": convert::generation(info.generation),
            "protocolVersion": info.protocol_version,
            "sessionId": info.session_id,
            "serverInfo": info.server_info,
            "capabilities": info.capabilities,
            "instructions": info.instructions,
        });
        convert::to_js(&value)
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

    /// Reads a task once.
    #[wasm_bindgen(js_name = getTask, unchecked_return_type = "Promise<Task>")]
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
        let inner = self.inner.clone();
        promise(async move {
            let call = start_call(&inner, name, args, &options, TaskMode::Plain)?;
            let _watch = watch_call(&inner, call, &options)?;
            let settled = outcome(&inner.routes, call).await;
            inner.routes.borrow_mut().calls.remove(&call);
            settled
        })
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
            let call = start_call(&inner, name, args, &options, TaskMode::Required)?;
            let watch = watch_call(&inner, call, &options)?;
            let handle = McpTask::new(inner.clone(), call, watch);
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
        #[wasm_bindgen(unchecked_optional_param_type = "TaskCallOptions")] options: JsValue,
    ) -> ResponseStream {
        let started = start_call(&self.inner, name, args, &options, TaskMode::Auto)
            .and_then(|call| Ok((call, watch_call(&self.inner, call, &options)?)));
        ResponseStream::new(self.inner.clone(), started)
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
            let call = client.call_for(task_id)?;
            outcome(&client.inner.routes, call).await
        })
    }

    /// Cancels a task and resolves once it has ended (rejects when the cancel could not
    /// be delivered).
    #[wasm_bindgen(js_name = cancelTask, unchecked_return_type = "Promise<void>")]
    pub fn cancel_task(&self, #[wasm_bindgen(js_name = "taskId")] task_id: String) -> Promise {
        let client = McpTaskClient { inner: self.inner.clone() };
        promise(async move {
            let call = client.call_for(task_id)?;
            cancel(&client.inner, call).await
        })
    }

    /// Stops every call, ends the 2025-11-25 session and closes the streams.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn close(&self) -> Promise {
        let inner = self.inner.clone();
        promise(async move {
            inner.driver.borrow_mut().engine.close(driver::now());
            driver::pump(&inner.driver);
            state::wait(&inner.routes, |r| r.closed.then_some(())).await;
            Ok(JsValue::UNDEFINED)
        })
    }
}

impl McpTaskClient {
    /// Connects; with a reference, follows its task from the start, so that a 2025-11-25
    /// client joins the task's session instead of opening a new one.
    async fn open(
        url: String,
        options: &JsValue,
        resume: Option<crate::client::TaskReference>,
    ) -> Result<(Self, Option<CallId>), Failure> {
        let config = config(url, options, resume.as_ref().map(|r| r.generation))?;
        let signal = convert::field(options, "signal");
        if signal.as_ref().is_some_and(super::signal::aborted) {
            return Err(Failure::Aborted);
        }
        let routes: Routes = Rc::new(RefCell::new(Router::default()));
        routes.borrow_mut().on_input = convert::function(options, "onInputRequest")?;
        let sink = routes.clone();
        let on_event = Rc::new(move |event| state::on_event(&sink, event));
        let driver =
            Driver::new(Engine::new(config), convert::function(options, "fetch")?, on_event);
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
                    router.changed();
                }
            })
        });
        *inner._watch.borrow_mut() = watch;
        let call = match resume {
            Some(reference) => {
                let task_id = reference.task_id.clone();
                let started =
                    inner.driver.borrow_mut().engine.resume(driver::now(), reference, None);
                Some(register(&inner, started, None, Some(task_id))?)
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
        inner.routes.borrow_mut().ops.insert(op, None);
        driver::pump(&inner.driver);
        promise(async move {
            let answer = state::wait(&inner.routes, |r| match r.ops.get(&op) {
                Some(Some(_)) => r.ops.remove(&op).flatten(),
                _ => None,
            })
            .await;
            answer.map(|v| convert::to_js(&v))
        })
    }

    async fn follow(
        &self,
        reference: crate::client::TaskReference,
        options: &JsValue,
    ) -> Result<McpTask, Failure> {
        let inner = &self.inner;
        let deadline =
            convert::millis(options, "timeoutMs")?.map(|ms| driver::now().saturating_add(ms));
        let on_progress = convert::function(options, "onProgress")?;
        if convert::field(options, "signal").as_ref().is_some_and(super::signal::aborted) {
            return Err(Failure::Aborted);
        }
        let task_id = reference.task_id.clone();
        let call = inner.driver.borrow_mut().engine.resume(driver::now(), reference, deadline);
        let call = register(inner, call, on_progress, Some(task_id))?;
        let watch = watch_call(inner, call, options)?;
        let handle = McpTask::new(inner.clone(), call, watch);
        created(&inner.routes, call).await?;
        Ok(handle)
    }

    /// The call following `task_id`: this client's own, or a new one resumed by id.
    fn call_for(&self, task_id: String) -> Result<CallId, Failure> {
        if let Some(call) = self.inner.routes.borrow().call_of(&task_id) {
            return Ok(call);
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
        register(inner, call, None, Some(task_id))
    }
}

fn config(
    url: String,
    options: &JsValue,
    generation: Option<crate::task::Generation>,
) -> Result<Config, Failure> {
    let mut config = Config::new(url);
    config.protocol = match (generation, convert::string(options, "protocol")?.as_deref()) {
        (Some(crate::task::Generation::Legacy), _) | (None, Some("2025-11-25")) => Protocol::Legacy,
        (Some(crate::task::Generation::Extension), _) | (None, Some("2026-07-28")) => {
            Protocol::Extension
        }
        (None, None | Some("auto")) => Protocol::Auto,
        (None, Some(other)) => {
            return Err(Failure::InvalidArgument(format!(
                "protocol must be \"auto\", \"2025-11-25\" or \"2026-07-28\", not {other:?}"
            )));
        }
    };
    if let Some(info) = convert::field(options, "clientInfo") {
        let info = Implementation::from_value(convert::from_js(info, "clientInfo")?)
            .map_err(|e| Failure::InvalidArgument(format!("clientInfo: {e}")))?;
        config.client_info = info;
    }
    for (name, value) in convert::headers(options)? {
        config.headers.push(name, value);
    }
    if convert::field(options, "onInputRequest").is_some() {
        config.inputs = InputSupport { elicitation: true, sampling: true, roots: false };
    }
    if let Some(ms) = convert::millis(options, "requestTimeoutMs")? {
        config.request_timeout_ms = ms;
    }
    // The backoff jitter only needs to differ between clients, not to be secret.
    config.seed = (js_sys::Math::random() * 9_007_199_254_740_992.0) as u64;
    Ok(config)
}

fn start_call(
    inner: &Inner,
    name: String,
    args: JsValue,
    options: &JsValue,
    mode: TaskMode,
) -> Result<CallId, Failure> {
    let arguments: Option<Map<String, Value>> = convert::object(args, "arguments")?;
    let mut call = ToolCall::new(name, arguments).mode(mode);
    if let Some(ttl) = convert::millis(options, "ttlMs")? {
        call = call.ttl_ms(ttl);
    }
    if let Some(ms) = convert::millis(options, "timeoutMs")? {
        call = call.deadline(driver::now().saturating_add(ms));
    }
    let on_progress = convert::function(options, "onProgress")?;
    if convert::field(options, "signal").as_ref().is_some_and(super::signal::aborted) {
        return Err(Failure::Aborted);
    }
    let started = inner.driver.borrow_mut().engine.call_tool(driver::now(), call);
    register(inner, started, on_progress, None)
}

/// Records a call the engine accepted (before draining, so no event for it is missed).
fn register(
    inner: &Inner,
    started: Result<CallId, ClientError>,
    on_progress: Option<Function>,
    task_id: Option<TaskId>,
) -> Result<CallId, Failure> {
    if let Ok(call) = &started {
        // A resumed task is taken to be working until its first poll says otherwise.
        let status = task_id.as_ref().map(|_| crate::task::TaskStatus::Working);
        let reference = inner.driver.borrow().engine.reference(*call).ok();
        let state = CallState { on_progress, task_id, status, reference, ..CallState::default() };
        inner.routes.borrow_mut().calls.insert(*call, state);
    }
    driver::pump(&inner.driver);
    started.map_err(Failure::Client)
}

/// Cancels `call` when the caller's signal fires, and marks it aborted.
fn watch_call(
    inner: &Rc<Inner>,
    call: CallId,
    options: &JsValue,
) -> Result<Option<Watch>, Failure> {
    let Some(signal) = convert::field(options, "signal") else { return Ok(None) };
    if signal.dyn_ref::<js_sys::Object>().is_none() {
        return Err(Failure::InvalidArgument("signal must be an AbortSignal".into()));
    }
    let weak = Rc::downgrade(inner);
    Ok(Some(Watch::new(&signal, move || {
        let Some(inner) = weak.upgrade() else { return };
        // A call that already ended has nothing to cancel.
        let _ = inner.driver.borrow_mut().engine.cancel(driver::now(), call);
        driver::pump(&inner.driver);
        let mut router = inner.routes.borrow_mut();
        if let Some(state) = router.calls.get_mut(&call) {
            state.aborted = true;
        }
        router.changed();
    })))
}

/// Resolves when `call` became a task or ended; rejects when it ended without a result.
pub(crate) async fn created(routes: &Routes, call: CallId) -> Result<(), Failure> {
    state::wait(routes, |r| match r.calls.get(&call) {
        None => Some(Err(Failure::Client(ClientError::UnknownCall { call }))),
        Some(s) if s.aborted => Some(Err(Failure::Aborted)),
        Some(s) if s.task_id.is_some() => Some(Ok(())),
        Some(s) => s.outcome.as_ref().map(|o| convert::settle(o).map(drop)),
    })
    .await
}

/// Resolves with `call`'s result, or rejects with why there is none.
pub(crate) async fn outcome(routes: &Routes, call: CallId) -> Result<JsValue, Failure> {
    state::wait(routes, |r| match r.calls.get(&call) {
        None => Some(Err(Failure::Client(ClientError::UnknownCall { call }))),
        Some(s) if s.aborted => Some(Err(Failure::Aborted)),
        Some(s) => s.outcome.as_ref().map(convert::settle),
    })
    .await
}

/// Cancels `call` and waits until it has ended.
pub(crate) async fn cancel(inner: &Inner, call: CallId) -> Result<JsValue, Failure> {
    let cancelled = inner.driver.borrow_mut().engine.cancel(driver::now(), call);
    driver::pump(&inner.driver);
    match cancelled {
        Ok(()) | Err(ClientError::CallFinished { .. }) => {}
        Err(e) => return Err(Failure::Client(e)),
    }
    state::wait(&inner.routes, |r| match r.calls.get_mut(&call) {
        None => Some(Ok(JsValue::UNDEFINED)),
        Some(s) => match s.cancel_failed.take() {
            Some(error) => Some(Err(Failure::Client(error))),
            None => s.finished().then_some(Ok(JsValue::UNDEFINED)),
        },
    })
    .await
}

/// The function type a caller may pass as `fetch`, for the docs of `ConnectOptions`.
#[allow(dead_code)]
type FetchFunction = Function;
