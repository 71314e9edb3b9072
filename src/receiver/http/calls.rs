//! `tools/call` for both generations: the tool may decide first what to ask before a task
//! exists, task-tools mode may turn a plain call into a task, and otherwise the receiver
//! decides plain, task or refusal. Whatever runs is started by command
//! ([`Output::StartTool`]).

use serde_json::{Map, Value, json};

use super::Endpoint;
use super::tools::Running;
use super::types::{BeforeTaskAnswer, Output, ResponseId, StartTool, WorkId};
use crate::id::IdSource;
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject, RequestId};
use crate::protocol::legacy::{TaskSupport, WireShape};
use crate::receiver::{Caller, ToolCallPlan};
use crate::store::Backend;
use crate::task::TaskOptIn;
use crate::time::UnixMillis;

/// A `tools/call` that was read and checked, on its way to a plain run, a task or an
/// answer.
#[derive(Debug)]
pub(super) struct Call {
    response: ResponseId,
    caller: Caller,
    /// The 2025-11-25 session of the call, if any.
    session: Option<String>,
    rpc: RequestId,
    params: Map<String, Value>,
    name: String,
    support: TaskSupport,
}

impl<B: Backend, I: IdSource> Endpoint<B, I> {
    /// Answers `tools/call`: at once with a `CreateTaskResult` (the tool runs as the task's
    /// work), an `input_required` round or an error, or when a plain call's work ends. A
    /// tool that decides before its task first gets [`Output::BeforeTask`].
    pub(super) fn tools_call(
        &mut self,
        now: UnixMillis,
        response: ResponseId,
        caller: &Caller,
        session: Option<String>,
        rpc: RequestId,
        params: Map<String, Value>,
    ) {
        let checked = self.check_call(&params);
        let (tool, arguments) = match checked {
            Ok(found) => found,
            Err(e) => {
                let s = session.as_deref();
                return self.answer(now, response, s, rpc, Err(e), false, Headers::new());
            }
        };
        let (name, support, decides) =
            (tool.definition.name.clone(), tool.task_support(), tool.decides_before_task);
        let call = Call { response, caller: caller.clone(), session, rpc, params, name, support };
        if decides && caller.generation.policy().multi_round_calls && caller.declares_extension {
            // Only the tool knows whether these arguments need answers before its task.
            let input_responses = call.params.get("inputResponses").and_then(Value::as_object);
            let input_responses = input_responses.cloned();
            let tool = call.name.clone();
            self.deciding.insert(response, call);
            return self.out.push(Output::BeforeTask {
                call: response,
                tool,
                arguments,
                input_responses,
            });
        }
        self.start_call(now, call, arguments, None);
    }

    /// The called tool and the call's arguments (an empty object when it had none).
    fn check_call(
        &self,
        params: &Map<String, Value>,
    ) -> Result<(&super::ToolDescriptor, Map<String, Value>), ErrorObject> {
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return Err(ErrorObject::new(ErrorCode::INVALID_PARAMS, "tools/call needs a name"));
        };
        let Some(tool) = self.config.tools.iter().find(|t| t.definition.name == name) else {
            let e = ErrorObject::new(ErrorCode::INVALID_PARAMS, format!("Unknown tool: {name}"));
            return Err(e);
        };
        match params.get("arguments") {
            None | Some(Value::Null) => Ok((tool, Map::new())),
            Some(Value::Object(a)) => Ok((tool, a.clone())),
            Some(_) => {
                Err(ErrorObject::new(ErrorCode::INVALID_PARAMS, "arguments must be an object"))
            }
        }
    }

    /// Goes on with a call its tool decided on.
    pub(super) fn decided(&mut self, now: UnixMillis, call: Call, answer: BeforeTaskAnswer) {
        match answer {
            BeforeTaskAnswer::Ready(arguments) => {
                let responses = call.params.get("inputResponses").and_then(Value::as_object);
                let responses = responses.cloned();
                self.start_call(now, call, arguments, responses);
            }
            // A multi-round call: ask first; the task is created on the round that brings
            // the answers.
            BeforeTaskAnswer::Ask(requests) => {
                let mut reply = Map::new();
                reply.insert("resultType".into(), json!("input_required"));
                reply.insert("inputRequests".into(), json!(requests));
                let streamed = self.config.stream_answers;
                let s = call.session.as_deref();
                self.answer(now, call.response, s, call.rpc, Ok(reply), streamed, Headers::new());
            }
            BeforeTaskAnswer::Fail(error) => {
                let s = call.session.as_deref();
                self.answer(now, call.response, s, call.rpc, Err(error), false, Headers::new());
            }
        }
    }

    /// Starts the call's work, as a task or a plain run, or refuses it.
    fn start_call(
        &mut self,
        now: UnixMillis,
        call: Call,
        arguments: Map<String, Value>,
        input_responses: Option<Map<String, Value>>,
    ) {
        let streamed = self.config.stream_answers;
        let start = |work: WorkId, progress_token: Option<Value>| StartTool {
            work,
            tool: call.name.clone(),
            arguments: arguments.clone(),
            progress_token,
            input_responses: input_responses.clone(),
            caller: call.caller.clone(),
        };
        let Call { response, session, rpc, .. } = &call;
        if let Some(handle) = self.config.plain_calls_as_tasks.clone() {
            if call.support != TaskSupport::Forbidden && !asks_for_task(&call.caller, &call.params)
            {
                // A host that does not speak tasks: start one for it and hand it the
                // task's name. No progress token: this call is answered now, so progress
                // sent later would name a finished request.
                let (owner, generation) = (&call.caller.owner, call.caller.generation);
                let outcome = match self.receiver.store().create(owner, generation, None, now) {
                    Ok(task) => {
                        let work = WorkId::Task(task.task_id.clone());
                        self.running.insert(work.clone(), Running::task(None, None));
                        self.out.push(Output::StartTool(start(work, None)));
                        Ok(handle.answer(&task, &call.name).to_map())
                    }
                    Err(e) => Err(e.to_error_object()),
                };
                let s = session.as_deref();
                let (r, id) = (*response, rpc.clone());
                return self.answer(now, r, s, id, outcome, streamed, Headers::new());
            }
        }
        let progress_token = call.params.get("_meta").and_then(|m| m.get("progressToken")).cloned();
        match self.receiver.accept_tool_call(&call.caller, call.support, &call.params, now) {
            ToolCallPlan::Plain => {
                self.next_call += 1;
                let n = self.next_call;
                let s = session.as_deref();
                let plain = self.open_call_answer(now, *response, s, rpc.clone(), streamed);
                let running = Running {
                    session: session.clone(),
                    progress_token: progress_token.clone(),
                    cancel_sent: false,
                    call: Some(plain),
                };
                self.running.insert(WorkId::Call(n), running);
                self.out.push(Output::StartTool(start(WorkId::Call(n), progress_token)));
            }
            ToolCallPlan::Task { task_id, reply, progress_token } => {
                let work = WorkId::Task(task_id);
                let running = Running::task(session.clone(), progress_token.clone());
                self.running.insert(work.clone(), running);
                self.out.push(Output::StartTool(start(work, progress_token)));
                let s = session.as_deref();
                let (r, id) = (*response, rpc.clone());
                self.answer(now, r, s, id, Ok(reply), streamed, Headers::new());
            }
            ToolCallPlan::Reject(e) => {
                let s = session.as_deref();
                let (r, id) = (*response, rpc.clone());
                self.answer(now, r, s, id, Err(e), false, Headers::new());
            }
        }
    }
}

/// Whether the call asks for a task in its generation's way: 2025-11-25 `params.task`, or
/// a 2026-07-28 caller that declares the tasks extension.
fn asks_for_task(caller: &Caller, params: &Map<String, Value>) -> bool {
    match caller.generation.policy().task_opt_in {
        TaskOptIn::RequestParam => params.contains_key("task"),
        TaskOptIn::DeclaredCapability => caller.declares_extension,
    }
}
