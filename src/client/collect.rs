//! Reading the answers to a call's requests: `tools/call`, `tasks/get`, `tasks/result`,
//! `tasks/cancel` and `tasks/update`, in either generation.

use serde_json::{Map, Value};

use crate::protocol::WireError;
use crate::protocol::extension::{self as ext, DetailedTask, TaskState, ToolCallResult};
use crate::protocol::http::ExchangeId;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::{
    CallToolResponse, CallToolResult, GetTaskResult, TaskPayloadResult, WireShape, WireTask,
};
use crate::task::{
    Generation, InputDelivery, InputRequests, Payload, Policy, ResultDelivery, Task, TaskOptIn,
    TaskStatus, TaskView,
};
use crate::time::UnixMillis;

use super::call::{Observation, Report, Rounds, Stage, Step};
use super::drive::Completion;
use super::error::{ClientError, RequestKind};
use super::event::{CallOutcome, Event, Failure};
use super::exchange::{Exchange, Problem};
use super::failure::ReportedFailure;
use super::input::Route;
use super::reply::{RawResult, ResultBody};
use super::{CallId, Engine};

type Reply = Result<ResultBody, ErrorObject>;

impl Engine {
    pub(super) fn on_call_done(
        &mut self,
        now: UnixMillis,
        id: CallId,
        x: ExchangeId,
        exchange: &Exchange,
        completion: Completion,
    ) {
        let Some(call) = self.calls.get_mut(&id) else { return };
        call.side.retain(|&s| s != x);
        if call.primary == Some(x) {
            call.primary = None;
        }
        let completion = match completion {
            Completion::Ended => Completion::Problem(Problem::Transient {
                error: ClientError::MissingResponse { request: exchange.kind },
                retry_after_ms: None,
            }),
            Completion::Http { status, .. } => {
                Completion::Problem(Problem::Fatal(ClientError::UnexpectedStatus {
                    request: exchange.kind,
                    status,
                }))
            }
            // 405 to a request (e.g. a resumption the server does not offer): retry the
            // usual way, within the retry budget.
            Completion::Problem(Problem::NotAllowed) => Completion::Problem(Problem::Transient {
                error: ClientError::UnexpectedStatus { request: exchange.kind, status: 405 },
                retry_after_ms: None,
            }),
            other => other,
        };
        match (exchange.kind, completion) {
            (RequestKind::CallTool, Completion::Reply(r)) => self.on_tool_reply(now, id, r),
            (RequestKind::CallTool, Completion::Problem(p)) => {
                let (retry, p) = match self.resumption(exchange, p) {
                    Ok(resume) => resume,
                    Err(p) => (Step::Send, p),
                };
                self.primary_problem(now, id, p, retry);
            }
            (RequestKind::GetTask, Completion::Reply(r)) => self.on_poll_reply(now, id, r),
            (RequestKind::GetTask, Completion::Problem(p)) => {
                self.primary_problem(now, id, p, Step::Poll)
            }
            (RequestKind::TaskResult, Completion::Problem(p)) => match self.resumption(exchange, p)
            {
                Ok((step, p)) => self.primary_problem(now, id, p, step),
                Err(p) => self.on_result(now, id, Completion::Problem(p)),
            },
            (RequestKind::TaskResult, c) => self.on_result(now, id, c),
            (RequestKind::CancelTask, c) => self.on_cancel_reply(now, id, c),
            (RequestKind::UpdateTask, c) => self.on_update_reply(now, id, c),
            _ => {}
        }
        self.arm(now, id);
    }

    /// A broken 2025-11-25 stream is resumed once, after its `retry`, from its last event
    /// id; a resumption that brings no answer falls back to the request's usual retry.
    /// Streams the engine closed itself (time limits) are not resumed.
    fn resumption(
        &self,
        exchange: &Exchange,
        problem: Problem,
    ) -> Result<(Step, Problem), Problem> {
        let resumable = self.conn.policy().is_some_and(Policy::has_sessions);
        match (&exchange.rpc, &exchange.last_event_id, problem) {
            (
                Some(rpc),
                Some(last),
                Problem::Transient {
                    error:
                        error @ (ClientError::Transport { .. } | ClientError::MissingResponse { .. }),
                    retry_after_ms,
                },
            ) if resumable && !exchange.resumed => {
                let step = Step::Resume {
                    kind: exchange.kind,
                    rpc: rpc.clone(),
                    last_event_id: last.clone(),
                };
                let retry_after_ms = retry_after_ms.or(exchange.retry_ms);
                Ok((step, Problem::Transient { error, retry_after_ms }))
            }
            (_, _, p) => Err(p),
        }
    }

    fn on_tool_reply(&mut self, now: UnixMillis, id: CallId, reply: Reply) {
        let generation = self.conn.generation.unwrap_or(Generation::Legacy);
        let result = match reply {
            Ok(result) => result,
            Err(error) => return self.on_tool_error(now, id, error),
        };
        let malformed =
            |e| CallOutcome::Error(ClientError::malformed_result(RequestKind::CallTool, e));
        // Only picks the generation's wire types; what each answer means is the same.
        match generation {
            // Kept for a host that hands a plain result on as it came (a shared reference).
            Generation::Legacy => match (result.raw(), read_call_response(result)) {
                (_, Ok(CallToolResponse::Task(created))) => {
                    let immediate = created.model_immediate_response().map(str::to_owned);
                    let task = Task::from(created.task);
                    self.became_task(now, id, task, Generation::Legacy, immediate);
                }
                (raw, Ok(CallToolResponse::Result(r))) => self.finish_with_result(now, id, r, raw),
                (_, Err(e)) => self.finish(now, id, malformed(e)),
            },
            Generation::Extension => match ToolCallResult::from_map(&result.into_map()) {
                Ok(ToolCallResult::Task(created)) => {
                    let task = Task::from(&created.task);
                    self.became_task(now, id, task, Generation::Extension, None);
                }
                Ok(ToolCallResult::Complete(map)) => match CallToolResult::from_map(map) {
                    Ok(r) => self.finish_with_result(now, id, r, None),
                    Err(e) => self.finish(now, id, malformed(e)),
                },
                Ok(ToolCallResult::InputRequired(map)) => self.start_round(now, id, &map),
                Err(e) => self.finish(now, id, malformed(e)),
            },
        }
    }

    /// A `tools/call` answered with an error. A 2025-11-25 plain call refused with -32600
    /// or -32601 by a server that allows task calls is retried once as a task: the tool
    /// may require one without the engine knowing.
    fn on_tool_error(&mut self, now: UnixMillis, id: CallId, error: ErrorObject) {
        let asks = self.conn.policy().is_some_and(|p| p.task_opt_in == TaskOptIn::RequestParam);
        let allows = self.conn.allows_task_tool_call();
        let Some(call) = self.calls.get_mut(&id) else { return };
        let needs_task =
            matches!(error.code, ErrorCode::INVALID_REQUEST | ErrorCode::METHOD_NOT_FOUND);
        if asks && allows && needs_task && !call.augmented && !call.retried_as_task {
            call.retried_as_task = true;
            return self.schedule(now, id, Step::Send, now);
        }
        self.finish(now, id, CallOutcome::Failed(Failure::Rpc(error)));
    }

    /// A multi-round `tools/call` (2026-07-28): the server asks before it answers.
    fn start_round(&mut self, now: UnixMillis, id: CallId, result: &Map<String, Value>) {
        const WHAT: &str = "tools/call result";
        let requests: Result<Option<InputRequests>, _> =
            crate::protocol::json::Fields::new(result, WHAT).optional("inputRequests");
        let requests = match requests {
            Ok(Some(r)) if !r.is_empty() => r,
            other => {
                let e = other.err().unwrap_or(crate::protocol::WireError::MissingField {
                    what: WHAT,
                    field: "inputRequests",
                });
                let error = ClientError::malformed_result(RequestKind::CallTool, e);
                return self.finish(now, id, CallOutcome::Error(error));
            }
        };
        let mut rounds =
            Rounds { request_state: result.get("requestState").cloned(), ..Rounds::default() };
        for (key, request) in requests {
            let input = self.new_input(Some(id), None, Route::Round { key: key.clone() });
            rounds.asked.push((key, input));
            self.emit(Event::InputRequested {
                input,
                call: Some(id),
                task_id: None,
                method: request.method,
                params: request.params,
            });
        }
        if let Some(call) = self.calls.get_mut(&id) {
            call.rounds = Some(rounds);
            call.stage = Stage::AwaitingInput;
        }
    }

    fn on_poll_reply(&mut self, now: UnixMillis, id: CallId, reply: Reply) {
        let Some(generation) =
            self.calls.get(&id).and_then(|c| c.task.as_ref()).map(|t| t.generation)
        else {
            return;
        };
        let result = match reply {
            Ok(result) => result,
            Err(error) if error.code == ErrorCode::INVALID_PARAMS => return self.gone(now, id),
            Err(error) => {
                let error = ClientError::Rpc { request: RequestKind::GetTask, error };
                let p = Problem::Transient { error, retry_after_ms: None };
                return self.primary_problem(now, id, p, Step::Poll);
            }
        };
        match Observed::read_get(generation, result) {
            Ok(observed) => self.observe(now, id, observed, true),
            Err((e, failure)) => {
                let error = ClientError::malformed_result(RequestKind::GetTask, e);
                if let Some(failure) = failure {
                    if self.accept_failure(id, failure) {
                        let Some(task) = self.calls.get(&id).and_then(|c| c.task.clone()) else {
                            return;
                        };
                        return self.failed_without_payload(now, id, &task, error);
                    }
                }
                self.primary_problem(now, id, Problem::Peer(error), Step::Poll);
            }
        }
    }

    /// Applies what a peer reported about the call's task (a poll, a notification, a
    /// cancel answer). `schedule` plans the next request from the new status; otherwise
    /// only a status that needs action now changes the plan.
    pub(super) fn observe(
        &mut self,
        now: UnixMillis,
        id: CallId,
        observed: Observed,
        schedule: bool,
    ) {
        let Some(call) = self.calls.get_mut(&id) else { return };
        let Some(task) = call.task.as_mut() else { return };
        let (task_id, status, message, poll, expires, updated) = observed.fields();
        if task_id != task.task_id {
            let error = ClientError::WrongTask { expected: task.task_id.clone(), got: task_id };
            return self.primary_problem(now, id, Problem::Peer(error), Step::Poll);
        }
        if schedule {
            // A good answer to a request of the call's own: the failure counts start over.
            call.failures = 0;
            call.peer_errors = 0;
        }
        let Some(task) = call.task.as_mut() else { return };
        let before = task.status;
        let report = Report {
            message: message.as_deref(),
            poll_interval_ms: poll,
            expires_at: expires,
            last_updated_at: Some(updated),
        };
        match task.observe(status, report) {
            Observation::Regression { kept, reported } => {
                let error = ClientError::TerminalRegression { task_id, kept, reported };
                self.emit(Event::ProtocolViolation { call: Some(id), error });
            }
            Observation::Changed => {
                let status_message = task.status_message.clone();
                let status = task.status;
                self.emit(Event::StatusChanged { call: id, status, status_message });
            }
            Observation::Unchanged => {}
        }
        let Some(call) = self.calls.get(&id) else { return };
        let Some(task) = &call.task else { return };
        let kept = task.status;
        let side_channel = task.generation.policy().input_delivery == InputDelivery::SideChannel;
        if !kept.is_terminal() {
            // A live task: an earlier -32602 from `tasks/result` was not its outcome.
            if let Some(call) = self.calls.get_mut(&id) {
                call.stored_error = None;
            }
        }
        if let Observed::Detailed(detailed) = observed {
            if detailed.status() == kept {
                match detailed.state {
                    TaskState::Completed { result } => {
                        return match CallToolResult::from_map(result) {
                            Ok(r) => self.finish_with_result(now, id, r, None),
                            Err(e) => {
                                let e = ClientError::malformed_result(RequestKind::GetTask, e);
                                self.finish(now, id, CallOutcome::Error(e))
                            }
                        };
                    }
                    TaskState::Failed { error } => {
                        return self.finish(now, id, CallOutcome::Failed(Failure::Rpc(error)));
                    }
                    TaskState::InputRequired { input_requests } => {
                        self.surface_task_inputs(id, input_requests)
                    }
                    TaskState::Working | TaskState::Cancelled => {}
                }
            }
        }
        // A notification that a waiting task ended, or needs input that only an open
        // `tasks/result` brings, is acted on at once; anything else keeps the poll schedule.
        let idle = self.calls.get(&id).is_some_and(|c| c.primary.is_none());
        let urgent = kept != before
            && (kept.is_terminal() || (side_channel && kept == TaskStatus::InputRequired));
        if schedule || (idle && urgent) {
            self.next_after_status(now, id);
        }
    }

    /// `tasks/result` (2025-11-25): the outcome, or the input channel closing.
    fn on_result(&mut self, now: UnixMillis, id: CallId, completion: Completion) {
        let Some(task) = self.calls.get(&id).and_then(|c| c.task.clone()) else { return };
        let terminal = task.status.is_terminal();
        match completion {
            Completion::Reply(Ok(result)) => match result.read::<TaskPayloadResult>() {
                Ok(payload) => {
                    if let Ok(Some(related)) = payload.related_task() {
                        if related != task.task_id {
                            let error =
                                ClientError::WrongTask { expected: task.task_id, got: related };
                            return self.primary_problem(now, id, Problem::Peer(error), Step::Poll);
                        }
                    }
                    match payload.to_call_tool_result() {
                        Ok(r) => self.finish_with_result(now, id, r, None),
                        Err(e) => {
                            let e = ClientError::malformed_result(RequestKind::TaskResult, e);
                            if task.status == TaskStatus::Failed {
                                return self.failed_without_payload(now, id, &task, e);
                            }
                            self.finish(now, id, CallOutcome::Error(e));
                        }
                    }
                }
                Err(e) => {
                    let e = ClientError::malformed_result(RequestKind::TaskResult, e);
                    if task.status == TaskStatus::Failed {
                        return self.failed_without_payload(now, id, &task, e);
                    }
                    self.primary_problem(now, id, Problem::Peer(e), Step::Poll);
                }
            },
            // -32602 is both "no such task" and a possible stored error of a failed task:
            // a `tasks/get` tells which (a completed task cannot have ended in an error).
            Completion::Reply(Err(error)) if error.code == ErrorCode::INVALID_PARAMS => {
                if task.status == TaskStatus::Completed {
                    return self.gone(now, id);
                }
                if let Some(call) = self.calls.get_mut(&id) {
                    call.stored_error = Some(error);
                }
                self.schedule(now, id, Step::Poll, now);
            }
            Completion::Reply(Err(error)) => {
                self.infer_terminal(id, |_| TaskStatus::Failed);
                self.finish(now, id, CallOutcome::Failed(Failure::Rpc(error)));
            }
            // The input channel closed on purpose (its time limit): poll, then reopen if
            // input is still wanted.
            Completion::Problem(Problem::Transient { retry_after_ms: Some(0), .. })
                if !terminal =>
            {
                self.schedule(now, id, Step::Poll, now)
            }
            Completion::Problem(p) if !terminal => self.primary_problem(now, id, p, Step::Poll),
            Completion::Problem(p) => self.primary_problem(now, id, p, Step::Result),
            Completion::Ended | Completion::Http { .. } => self.schedule(now, id, Step::Poll, now),
        }
    }

    /// Ends the call with a tool result (and the result as it came, when kept): `isError:
    /// true` is a failure for the host in either generation, whatever status the task ends
    /// in.
    pub(super) fn finish_with_result(
        &mut self,
        now: UnixMillis,
        id: CallId,
        result: CallToolResult,
        raw: Option<RawResult>,
    ) {
        let is_error = result.is_error();
        self.infer_terminal(id, |policy| policy.status_after_tool(is_error));
        let outcome = if is_error {
            CallOutcome::Failed(Failure::Tool(result))
        } else {
            CallOutcome::Completed(result)
        };
        self.finish_raw(now, id, outcome, raw);
    }

    /// A result that arrived on a blocking `tasks/result` (which also carries the input
    /// requests) ends a task whose terminal status was never seen: report the status
    /// the task's policy says it implies. Inline results come with their status.
    fn infer_terminal(&mut self, id: CallId, status: impl FnOnce(&Policy) -> TaskStatus) {
        let Some(task) = self.calls.get_mut(&id).and_then(|c| c.task.as_mut()) else { return };
        let policy = task.generation.policy();
        if task.status.is_terminal() || policy.result_delivery != ResultDelivery::TasksResult {
            return;
        }
        let status = status(policy);
        task.status = status;
        let status_message = task.status_message.clone();
        self.emit(Event::StatusChanged { call: id, status, status_message });
    }
}

/// A task as a peer reported it, in either generation.
pub(super) enum Observed {
    /// 2025-11-25: the task without payload.
    Legacy(WireTask),
    /// Extension: the task with its payload.
    Detailed(DetailedTask),
}

/// A `tools/call` result of 2025-11-25, read in place when it is on a tape.
fn read_call_response(result: ResultBody) -> Result<CallToolResponse, WireError> {
    match result.node() {
        Some(node) => CallToolResponse::from_node(node),
        None => CallToolResponse::from_map(result.into_map()),
    }
}

impl Observed {
    /// Reads a `tasks/get` result. The match only picks the generation's wire type. An
    /// unreadable extension task may still report how it failed.
    // Taken apart by the caller at once; boxing the error would allocate for nothing.
    #[allow(clippy::result_large_err)]
    pub(super) fn read_get(
        generation: Generation,
        result: ResultBody,
    ) -> Result<Self, (WireError, Option<ReportedFailure>)> {
        match generation {
            Generation::Legacy => {
                result.read::<GetTaskResult>().map(|r| Self::Legacy(r.task)).map_err(|e| (e, None))
            }
            Generation::Extension => {
                let result = result.into_map();
                Self::read_detailed(&result)
            }
        }
    }

    #[allow(clippy::result_large_err)]
    fn read_detailed(
        result: &Map<String, Value>,
    ) -> Result<Self, (WireError, Option<ReportedFailure>)> {
        ext::GetTaskResult::from_map(result)
            .map(|r| Self::Detailed(r.task))
            .map_err(|e| (e, ReportedFailure::read(result)))
    }

    #[allow(clippy::type_complexity)]
    fn fields(
        &self,
    ) -> (crate::id::TaskId, TaskStatus, Option<String>, Option<u64>, Option<UnixMillis>, UnixMillis)
    {
        match self {
            Self::Legacy(t) => (
                t.task_id.clone(),
                t.status,
                t.status_message.clone(),
                t.poll_interval,
                t.ttl.map(|ttl| t.created_at.millis().saturating_add(ttl)),
                t.last_updated_at.millis(),
            ),
            Self::Detailed(d) => (
                d.fields.task_id.clone(),
                d.status(),
                d.fields.status_message.clone(),
                d.fields.poll_interval_ms,
                d.fields.ttl_ms.map(|ttl| d.fields.created_at.millis().saturating_add(ttl)),
                d.fields.last_updated_at.millis(),
            ),
        }
    }
}

impl From<Observed> for TaskView {
    fn from(observed: Observed) -> Self {
        match observed {
            Observed::Legacy(task) => TaskView { task: task.into(), payload: Payload::None },
            Observed::Detailed(task) => task.into(),
        }
    }
}
