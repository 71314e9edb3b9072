//! A call's life on the engine side: starting it, deciding task or plain, scheduling its
//! next request against its deadline, sending, and finishing exactly once.

use crate::id::TaskId;
use crate::protocol::extension::method;
use crate::protocol::legacy::{TaskMetadata, TaskSupport};
use crate::task::{
    Generation, InputDelivery, ResultDelivery, StatusPush, Task, TaskOptIn, TaskStatus,
};
use crate::time::UnixMillis;

use super::call::{Call, Cancel, Followed, Stage, Step};
use super::config::TaskMode;
use super::drive::task_params;
use super::error::{ClientError, RequestKind};
use super::event::{CallOutcome, Event};
use super::exchange::{Exchange, Problem, Purpose};
use super::reply::RawResult;
use super::schedule::retry_delay;
use super::{CallId, Engine, TimerKey, ToolCall, extension, legacy};

impl Engine {
    pub(super) fn start_call(
        &mut self,
        now: UnixMillis,
        request: ToolCall,
    ) -> Result<CallId, ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        self.next_call += 1;
        let id = CallId(self.next_call);
        // Unique per engine and unlikely to collide with another engine's tokens in the
        // same session after a resume.
        let token = format!("{:08x}-{}", self.rng.next_u64() & 0xffff_ffff, id.0);
        let mut call = Call::new(request.name, request.arguments, request.mode, token.clone());
        call.ttl_ms = request.ttl_ms;
        call.deadline = request.deadline;
        call.next = Some((Step::Send, now));
        self.by_token.insert(token, id);
        self.calls.insert(id, call);
        self.ensure_connected(now);
        self.arm(now, id);
        Ok(id)
    }

    /// Sets the call's timer to its next step (when it can run), its pending side
    /// requests, or its end, whichever is first.
    pub(super) fn arm(&mut self, _now: UnixMillis, id: CallId) {
        let Some(call) = self.calls.get(&id) else {
            self.timers.clear(TimerKey::Call(id));
            return;
        };
        let ready = self.conn.is_ready();
        let step = match (&call.next, call.primary) {
            (Some((_, at)), None) if ready => Some((*at).max(self.gate)),
            _ => None,
        };
        let side = [call.cancel_at, call.update_at].into_iter().flatten().filter(|_| ready).min();
        let cancel_wait = match call.cancel {
            Cancel::Acked { until } => Some(until),
            _ => None,
        };
        let end = call.ends_at(self.config.ttl_grace_ms).map(|(t, _)| t);
        match [step, side, cancel_wait, end].into_iter().flatten().min() {
            Some(at) => self.timers.set(TimerKey::Call(id), at),
            None => self.timers.clear(TimerKey::Call(id)),
        }
    }

    pub(super) fn on_call_timer(&mut self, now: UnixMillis, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else { return };
        if let Some((end, reason)) = call.ends_at(self.config.ttl_grace_ms) {
            if now >= end {
                return self.finish(now, id, CallOutcome::Expired(reason));
            }
        }
        if let Cancel::Acked { until } = call.cancel {
            if now >= until {
                let status_message = call.task.as_ref().and_then(|t| t.status_message.clone());
                return self.finish(now, id, CallOutcome::Cancelled { status_message });
            }
        }
        if self.conn.is_ready() {
            if call.cancel_at.is_some_and(|at| at <= now) {
                call.cancel_at = None;
                self.send_cancel(now, id);
            }
            if self.calls.get(&id).and_then(|c| c.update_at).is_some_and(|at| at <= now) {
                if let Some(c) = self.calls.get_mut(&id) {
                    c.update_at = None;
                }
                self.send_update(now, id);
            }
        }
        let Some(call) = self.calls.get_mut(&id) else { return };
        let due = matches!(&call.next, Some((_, at)) if *at <= now);
        if due && call.primary.is_none() && self.conn.is_ready() && now >= self.gate {
            if let Some((step, _)) = call.next.take() {
                self.run_step(now, id, step);
            }
        }
        self.arm(now, id);
    }

    /// Schedules `step` at `at`.
    pub(super) fn schedule(&mut self, now: UnixMillis, id: CallId, step: Step, at: UnixMillis) {
        if let Some(call) = self.calls.get_mut(&id) {
            call.next = Some((step, at));
        }
        self.arm(now, id);
    }

    fn run_step(&mut self, now: UnixMillis, id: CallId, step: Step) {
        match step {
            Step::Send => self.send_call(now, id),
            Step::Resume { kind, rpc, last_event_id } => {
                self.send_resume(now, id, kind, rpc, last_event_id)
            }
            Step::Poll => self.send_task_request(now, id, RequestKind::GetTask),
            Step::Result | Step::OpenInput => {
                self.send_task_request(now, id, RequestKind::TaskResult)
            }
        }
    }

    fn send_call(&mut self, now: UnixMillis, id: CallId) {
        let policy = self.conn.policy().unwrap_or(Generation::Legacy.policy());
        let (params, extra) = match policy.task_opt_in {
            TaskOptIn::RequestParam => {
                let Some(augment) = self.decide_task(now, id) else { return };
                let Some(call) = self.calls.get_mut(&id) else { return };
                call.augmented = augment;
                let task = augment.then_some(TaskMetadata { ttl: call.ttl_ms });
                let params =
                    legacy::call_params(&call.tool, call.arguments.as_ref(), task, &call.token);
                (params, Vec::new())
            }
            TaskOptIn::DeclaredCapability => {
                // The tools' schemas say which arguments go into `Mcp-Param-*` headers.
                if self.tools.is_none() {
                    self.waiting_tools.push(id);
                    self.load_tools(now);
                    return;
                }
                let Some(call) = self.calls.get(&id) else { return };
                let rounds = call.rounds.as_ref();
                let params = extension::call_params(
                    &call.tool,
                    call.arguments.as_ref(),
                    &call.token,
                    rounds.map(|r| &r.answers),
                    rounds.and_then(|r| r.request_state.as_ref()),
                );
                let schema = self.tools.as_ref().and_then(|t| t.get(&call.tool));
                let extra = schema
                    .map(|t| extension::param_headers(&t.input_schema, call.arguments.as_ref()))
                    .unwrap_or_default();
                (params, extra)
            }
        };
        let x = self.send_rpc_with(
            now,
            RequestKind::CallTool,
            Purpose::Call(id),
            method::TOOLS_CALL,
            params,
            extra,
        );
        if let Some(call) = self.calls.get_mut(&id) {
            call.primary = Some(x);
            call.stage = Stage::Calling;
        }
    }

    /// Whether a 2025-11-25 call asks for a task: never for a forbidden tool or without
    /// the server's capability, always for a required one, by the mode otherwise. `None`
    /// when the tools must be listed first, or when the call ended.
    fn decide_task(&mut self, now: UnixMillis, id: CallId) -> Option<bool> {
        let allowed = self.conn.allows_task_tool_call();
        if allowed && self.tools.is_none() {
            self.waiting_tools.push(id);
            self.load_tools(now);
            return None;
        }
        let call = self.calls.get(&id)?;
        let support = match &self.tools {
            Some(tools) if allowed => {
                tools.get(&call.tool).map_or(TaskSupport::Forbidden, |t| t.task_support())
            }
            _ => TaskSupport::Forbidden,
        };
        let augment = call.retried_as_task
            || match (support, call.mode) {
                (TaskSupport::Forbidden, _) => false,
                (TaskSupport::Required, _) => true,
                (TaskSupport::Optional, TaskMode::Plain) => false,
                (TaskSupport::Optional, _) => true,
            };
        if call.mode == TaskMode::Required && !augment {
            let tool = call.tool.clone();
            self.finish(now, id, CallOutcome::Error(ClientError::TaskNotAllowed { tool }));
            return None;
        }
        Some(augment)
    }

    /// Picks up a request's SSE stream where it broke (2025-11-25 resumability).
    fn send_resume(
        &mut self,
        now: UnixMillis,
        id: CallId,
        kind: RequestKind,
        rpc: crate::protocol::jsonrpc::RequestId,
        last_event_id: String,
    ) {
        let x = self.alloc_exchange();
        let request = legacy::get_stream(&self.config, &self.conn, x, Some(&last_event_id));
        let mut exchange = Exchange::new(kind, Purpose::Call(id), Some(rpc));
        exchange.session = self.conn.session.clone();
        exchange.last_event_id = Some(last_event_id);
        exchange.resumed = true;
        let x = self.transmit(now, exchange, request);
        if let Some(call) = self.calls.get_mut(&id) {
            call.primary = Some(x);
        }
    }

    /// `tasks/get` or `tasks/result` for the call's task.
    fn send_task_request(&mut self, now: UnixMillis, id: CallId, kind: RequestKind) {
        let Some(task) = self.calls.get(&id).and_then(|c| c.task.clone()) else { return };
        let policy = task.generation.policy();
        let (kind, name) = match (kind, policy.result_method()) {
            (RequestKind::TaskResult, Some(result)) => (kind, result),
            // Results come inline: the task is read like any other time.
            _ => (RequestKind::GetTask, policy.get_method()),
        };
        let params = task_params(&task.task_id);
        let x = self.send_rpc(now, kind, Purpose::Call(id), name, params);
        if let Some(call) = self.calls.get_mut(&id) {
            call.primary = Some(x);
        }
    }

    /// The call became a task: tell the host, and decide what to ask next.
    pub(super) fn became_task(
        &mut self,
        now: UnixMillis,
        id: CallId,
        task: Task,
        generation: Generation,
        immediate: Option<String>,
    ) {
        let Some(call) = self.calls.get_mut(&id) else { return };
        call.task = Some(Followed {
            task_id: task.task_id.clone(),
            generation,
            status: task.status(),
            status_message: task.status_message.clone(),
            expires_at: task.expires_at(),
            poll_interval_ms: task.poll_interval_ms,
            last_updated_at: Some(task.last_updated_at.millis()),
        });
        call.stage = Stage::Following;
        call.failures = 0;
        call.peer_errors = 0;
        let wanted_cancel = call.cancel == Cancel::Wanted;
        self.by_task.insert(task.task_id.clone(), id);
        if let Ok(reference) = self.reference_of(id) {
            self.emit(Event::TaskCreated { call: id, reference, task });
        }
        if let Some(text) = immediate {
            self.emit(Event::ModelImmediateResponse { call: id, text });
        }
        if wanted_cancel {
            if let Some(call) = self.calls.get_mut(&id) {
                call.cancel = Cancel::None;
            }
            self.send_cancel(now, id);
        }
        if generation.policy().status_push == StatusPush::Listen {
            self.mark_listen_dirty(now);
        }
        self.next_after_status(now, id);
    }

    /// What to ask next given the task's status.
    pub(super) fn next_after_status(&mut self, now: UnixMillis, id: CallId) {
        let Some(call) = self.calls.get(&id) else { return };
        let Some(task) = &call.task else { return };
        let delay = self.poll_gap(task);
        let policy = task.generation.policy();
        let (step, at) = match (task.status, policy.result_delivery, policy.input_delivery) {
            (TaskStatus::Cancelled, ..) => {
                let status_message = task.status_message.clone();
                return self.finish(now, id, CallOutcome::Cancelled { status_message });
            }
            // The task is there and failed: the -32602 `tasks/result` gave was its error.
            (TaskStatus::Failed, ResultDelivery::TasksResult, _) if call.stored_error.is_some() => {
                let error = call.stored_error.clone();
                let outcome = match error {
                    Some(e) => CallOutcome::Failed(super::Failure::Rpc(e)),
                    None => return,
                };
                return self.finish(now, id, outcome);
            }
            (TaskStatus::Completed | TaskStatus::Failed, ResultDelivery::TasksResult, _) => {
                (Step::Result, now)
            }
            // Input requests travel while `tasks/result` is open.
            (TaskStatus::InputRequired, _, InputDelivery::SideChannel) => (Step::OpenInput, now),
            // A task created already terminal: its payload comes with `tasks/get`.
            (s, ResultDelivery::Inline, _) if s.is_terminal() => (Step::Poll, now),
            _ => (Step::Poll, now.saturating_add(delay)),
        };
        self.schedule(now, id, step, at);
    }

    /// A primary request failed: retry `retry` after a backoff, or give up.
    pub(super) fn primary_problem(
        &mut self,
        now: UnixMillis,
        id: CallId,
        problem: Problem,
        retry: Step,
    ) {
        let backoff = self.config.backoff;
        let Some(call) = self.calls.get_mut(&id) else { return };
        let (error, attempt, retry_after, limit) = match problem {
            Problem::Transient { error, retry_after_ms } => {
                call.failures += 1;
                (error, call.failures, retry_after_ms, backoff.max_attempts)
            }
            Problem::Peer(error) => {
                call.peer_errors += 1;
                let attempt = call.peer_errors;
                self.emit(Event::ProtocolViolation { call: Some(id), error: error.clone() });
                (error, attempt, None, backoff.max_peer_errors)
            }
            // Redone under the new session once connected.
            Problem::SessionLost => return self.schedule(now, id, retry, now),
            Problem::NotAllowed => {
                let error =
                    ClientError::UnexpectedStatus { request: RequestKind::CallTool, status: 405 };
                return self.finish(now, id, CallOutcome::Error(error));
            }
            Problem::Fatal(error) => return self.finish(now, id, CallOutcome::Error(error)),
        };
        if attempt > limit {
            return self.finish(now, id, CallOutcome::Error(error));
        }
        let delay = retry_delay(&backoff, attempt, retry_after, &mut self.rng);
        if matches!(error, ClientError::RateLimited { .. }) {
            // A 429 is about this client, not this request: hold every request back.
            self.gate = self.gate.max(now.saturating_add(delay));
        }
        self.schedule(now, id, retry, now.saturating_add(delay));
    }

    /// Drops the call's `tasks/get` in flight, if that is what it waits for. Polls are
    /// idempotent reads: the answer is not needed once a push said more.
    pub(super) fn drop_poll(&mut self, id: CallId) -> bool {
        let Some(call) = self.calls.get_mut(&id) else { return false };
        let Some(x) = call.primary else { return false };
        if self.exchanges.get(&x).is_none_or(|e| e.kind != RequestKind::GetTask) {
            return false;
        }
        call.primary = None;
        self.abort(x);
        true
    }

    /// The server no longer knows the task: expired, cancelled and purged, or lost.
    pub(super) fn gone(&mut self, now: UnixMillis, id: CallId) {
        let Some(call) = self.calls.get(&id) else { return };
        let Some(task) = &call.task else { return };
        let outcome = if call.cancel != Cancel::None {
            CallOutcome::Cancelled { status_message: task.status_message.clone() }
        } else if task.expires_at.is_some_and(|at| now >= at) {
            CallOutcome::Expired(super::ExpiryReason::Ttl)
        } else {
            CallOutcome::Error(ClientError::TaskLost { task_id: task.task_id.clone() })
        };
        self.finish(now, id, outcome);
    }

    /// Ends a call with its one outcome, dropping everything it had in flight.
    pub(super) fn finish(&mut self, now: UnixMillis, id: CallId, outcome: CallOutcome) {
        self.finish_raw(now, id, outcome, None);
    }

    /// [`finish`](Self::finish), with the tool result as it came.
    pub(super) fn finish_raw(
        &mut self,
        now: UnixMillis,
        id: CallId,
        outcome: CallOutcome,
        raw: Option<RawResult>,
    ) {
        let Some(call) = self.calls.remove(&id) else { return };
        self.timers.clear(TimerKey::Call(id));
        for x in call.primary.into_iter().chain(call.side.iter().copied()) {
            self.abort(x);
        }
        if let Some(task) = &call.task {
            self.by_task.remove(&task.task_id);
            if task.generation.policy().status_push == StatusPush::Listen {
                self.mark_listen_dirty(now);
            }
        }
        self.by_token.remove(&call.token);
        if !self.waiting_tools.is_empty() {
            self.waiting_tools.retain(|&c| c != id);
        }
        // A hosted task's question outlives the call it came in on (it ends with its own
        // task, or the session).
        self.inputs.retain(|_, input| input.call != Some(id) || input.is_hosted());
        if let Some(raw) = raw {
            self.emit(Event::RawResult { call: id, raw });
        }
        self.emit(Event::Outcome { call: id, outcome });
    }

    pub(super) fn missing_call(&self, id: CallId) -> ClientError {
        if id.0 >= 1 && id.0 <= self.next_call {
            ClientError::CallFinished { call: id }
        } else {
            ClientError::UnknownCall { call: id }
        }
    }

    /// Calls waiting for the tool list go on.
    pub(super) fn tools_known(&mut self, now: UnixMillis) {
        // A call may have asked twice; each goes on once, in call order.
        let mut waiting = std::mem::take(&mut self.waiting_tools);
        waiting.sort_unstable();
        waiting.dedup();
        for id in waiting {
            self.schedule(now, id, Step::Send, now);
        }
    }

    /// A task id the engine follows, by call.
    pub(super) fn call_of_task(&self, task_id: &TaskId) -> Option<CallId> {
        self.by_task.get(task_id).copied()
    }
}
