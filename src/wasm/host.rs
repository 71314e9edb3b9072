//! Tasks the client hosts for a 2025-11-25 server (`hostTasks: true`, the `mcp-tasks/host`
//! entry, feature `host`): the engine answers a task-augmented `elicitation/create` or
//! `sampling/createMessage` with a task at once and serves the server's `tasks/*` for it;
//! here the question it hands on gets the hosted task's id and an `AbortSignal` that aborts
//! when the question is withdrawn (the server cancelled the task, its TTL ran out, or the
//! client closed). The handler's answer, or its throw, ends the task (`input::answer`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::client::{InputId, WithdrawReason};
use crate::protocol::json::jv;
use crate::task::Task;

use super::convert;

#[wasm_bindgen]
extern "C" {
    type AbortController;
    #[wasm_bindgen(constructor)]
    fn new() -> AbortController;
    #[wasm_bindgen(method)]
    fn abort(this: &AbortController, reason: &JsValue);
    #[wasm_bindgen(method, getter)]
    fn signal(this: &AbortController) -> JsValue;
}

/// The controllers of hosted questions not yet answered, shared with their [`Question`]s,
/// which take theirs out when the handler is done.
type Open = Rc<RefCell<HashMap<InputId, Rc<AbortController>>>>;

/// What the bindings track of the hosted tasks of one client.
#[derive(Default)]
pub(crate) struct Hosting {
    open: Open,
    /// Hosted tasks whose question has not come yet (it follows in the same drain).
    announced: HashMap<InputId, String>,
}

/// A hosted question while its handler runs.
pub(crate) struct Question {
    input: InputId,
    task_id: String,
    controller: Rc<AbortController>,
    open: Open,
}

impl Question {
    /// Adds `hostedTaskId` and `signal` to the request the handler gets.
    pub(crate) fn attach(&self, request: &JsValue) {
        let _ = Reflect::set(request, &"hostedTaskId".into(), &self.task_id.as_str().into());
        let _ = Reflect::set(request, &"signal".into(), &self.controller.signal());
    }
}

impl Drop for Question {
    fn drop(&mut self) {
        self.open.borrow_mut().remove(&self.input);
    }
}

impl Hosting {
    /// The engine hosts `task` for the question `input` that follows.
    pub(crate) fn hosted(&mut self, input: InputId, task: &Task) {
        let controller = Rc::new(AbortController::new());
        self.open.borrow_mut().insert(input, controller);
        self.announced.insert(input, task.task_id.as_str().to_owned());
    }

    /// The hosted question `input`, when it is one.
    pub(crate) fn question(&mut self, input: InputId) -> Option<Question> {
        let task_id = self.announced.remove(&input)?;
        let controller = self.open.borrow().get(&input)?.clone();
        Some(Question { input, task_id, controller, open: self.open.clone() })
    }

    /// The question `input` can no longer be answered: its signal aborts, after the drain
    /// (an abort listener runs synchronously and may call the client).
    pub(crate) fn withdrawn(&mut self, input: InputId, reason: WithdrawReason) {
        self.announced.remove(&input);
        let Some(controller) = self.open.borrow_mut().remove(&input) else { return };
        let (why, message, fault) = match reason {
            WithdrawReason::Cancelled => {
                ("cancelled", "the server cancelled the hosted task", "peer")
            }
            WithdrawReason::Expired => {
                ("expired", "the hosted task's time to live ran out", "peer")
            }
            _ => ("closed", "the client closed", "caller"),
        };
        super::settle::spawn(Box::pin(async move {
            let data = convert::to_js(&jv!({ "reason": why }));
            controller.abort(&super::error::abort_error(message, fault, &data));
        }));
    }
}
