//! Input requests: the server's questions for the host, and delivering the answers —
//! 2025-11-25 server→client requests answered by POSTing a response, extension
//! `inputRequests` answered with `tasks/update`, and multi-round `tools/call`.

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::http::ExchangeId;
use crate::protocol::jsonrpc::{
    ErrorCode, ErrorObject, ErrorResponse, Message, Request, RequestId,
};
use crate::protocol::legacy::related_task;
use crate::task::InputRequests;
use crate::time::UnixMillis;

use super::call::{Stage, Step};
use super::drive::Completion;
use super::error::{ClientError, RequestKind};
use super::event::Event;
use super::exchange::{Problem, Purpose};
use super::schedule::retry_delay;
use super::{CallId, Engine, InputId, TimerKey, extension, legacy};

/// How an input request is answered.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Route {
    /// A 2025-11-25 server request: POST a JSON-RPC response in the same session.
    Legacy { rpc: RequestId, session: Option<String> },
    /// An extension task's `inputRequests` key: `tasks/update`.
    Task { key: String },
    /// A multi-round `tools/call` key: the next round of the call.
    Round { key: String },
    /// A task this client hosts: the answer completes it (see [`super::host`]).
    Hosted { task_id: TaskId },
}

/// An input request handed to the host.
#[derive(Clone, Debug)]
pub(super) struct PendingInput {
    pub call: Option<CallId>,
    pub task_id: Option<TaskId>,
    pub route: Route,
    /// The answer or the refusal, once given (kept for retries of a 2025-11-25 response).
    pub answer: Option<Result<Map<String, Value>, ErrorObject>>,
    pub failures: u32,
    pub exchange: Option<ExchangeId>,
}

impl PendingInput {
    /// Whether it is the question of a task this client hosts.
    pub(super) fn is_hosted(&self) -> bool {
        matches!(self.route, Route::Hosted { .. })
    }
}

impl Engine {
    pub(super) fn new_input(
        &mut self,
        call: Option<CallId>,
        task_id: Option<TaskId>,
        route: Route,
    ) -> InputId {
        self.next_input += 1;
        let id = InputId(self.next_input);
        let input =
            PendingInput { call, task_id, route, answer: None, failures: 0, exchange: None };
        self.inputs.insert(id, input);
        id
    }

    /// A request the server sent on one of the 2025-11-25 streams.
    pub(super) fn on_server_request(&mut self, now: UnixMillis, via: ExchangeId, req: Request) {
        if self.conn.policy().is_some_and(|p| !p.has_server_requests()) {
            // Servers of this generation send no requests; there is nowhere to answer one.
            let error = ClientError::UnexpectedRequest { method: req.method };
            let call = self.exchanges.get(&via).and_then(|x| match x.purpose {
                Purpose::Call(c) => Some(c),
                _ => None,
            });
            return self.emit(Event::ProtocolViolation { call, error });
        }
        if req.method.starts_with("tasks/") && self.hosting() {
            return self.serve_hosted(now, req);
        }
        let wanted = match req.method.as_str() {
            "ping" => return self.answer_server(now, req.id, Ok(Map::new())),
            "elicitation/create" => self.config.inputs.elicitation,
            "sampling/createMessage" => self.config.inputs.sampling,
            "roots/list" => self.config.inputs.roots,
            _ => false,
        };
        if !wanted {
            let error = ErrorObject::new(
                ErrorCode::METHOD_NOT_FOUND,
                format!("Method not found: {}", req.method),
            );
            return self.answer_server(now, req.id, Err(error));
        }
        let session = self.conn.session.clone();
        let repeated = self.inputs.values().any(|i| {
            matches!(&i.route, Route::Legacy { rpc, session: s } if *rpc == req.id && *s == session)
        });
        if repeated {
            // Replayed after a resumption: the host has it already.
            return;
        }
        let hosts = self.hosts(&req);
        let meta = req.params.as_ref().and_then(|p| p.get("_meta")).and_then(Value::as_object);
        let meta = meta.cloned();
        let task_id = match related_task(meta.as_ref()) {
            Ok(related) => related.map(|r| r.task_id),
            Err(e) => {
                let error = ClientError::malformed_result(RequestKind::TaskResult, e);
                self.emit(Event::ProtocolViolation { call: None, error });
                None
            }
        };
        let call = task_id.as_ref().and_then(|t| self.call_of_task(t)).or_else(|| {
            self.exchanges.get(&via).and_then(|x| match x.purpose {
                Purpose::Call(c) => Some(c),
                _ => None,
            })
        });
        if hosts {
            return self.host_request(now, call, task_id, req);
        }
        // The host sees the request as the standalone one; `_meta` stays for its reading.
        let mut params = req.params.unwrap_or_default();
        params.entry("_meta").or_insert_with(|| Value::Object(Map::new()));
        let route = Route::Legacy { rpc: req.id, session };
        let input = self.new_input(call, task_id.clone(), route);
        self.emit(Event::InputRequested { input, call, task_id, method: req.method, params });
    }

    /// Answers a server request the engine handles itself.
    pub(super) fn answer_server(
        &mut self,
        now: UnixMillis,
        id: RequestId,
        answer: Result<Map<String, Value>, ErrorObject>,
    ) {
        let message = match answer {
            Ok(result) => legacy::response(id, result, None),
            Err(error) => Message::Error(ErrorResponse::new(Some(id), error)),
        };
        self.send_legacy_message(now, RequestKind::InputResponse, Purpose::Notify, &message);
    }

    /// Hands an extension task's new input requests to the host, each key once.
    pub(super) fn surface_task_inputs(&mut self, id: CallId, requests: InputRequests) {
        let Some(task_id) =
            self.calls.get(&id).and_then(|c| c.task.as_ref()).map(|t| t.task_id.clone())
        else {
            return;
        };
        for (key, request) in requests {
            if self.calls.get(&id).is_some_and(|c| c.surfaced.iter().any(|(k, _)| *k == key)) {
                continue;
            }
            let input =
                self.new_input(Some(id), Some(task_id.clone()), Route::Task { key: key.clone() });
            if let Some(call) = self.calls.get_mut(&id) {
                call.surfaced.push((key, input));
            }
            self.emit(Event::InputRequested {
                input,
                call: Some(id),
                task_id: Some(task_id.clone()),
                method: request.method,
                params: request.params,
            });
        }
    }

    /// The host answered, or refused with an error: a 2025-11-25 request gets the error as
    /// its JSON-RPC error response; the extension's answers have no error form, so there a
    /// refusal is the elicitation's `cancel` action.
    pub(super) fn deliver_input(
        &mut self,
        now: UnixMillis,
        id: InputId,
        answer: Result<Map<String, Value>, ErrorObject>,
    ) -> Result<(), ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        let input = self.inputs.get_mut(&id).ok_or(ClientError::UnknownInput { input: id })?;
        if input.answer.is_some() {
            return Err(ClientError::InputAnswered { input: id });
        }
        let route = input.route.clone();
        let response = match (route.clone(), answer) {
            (Route::Legacy { session, .. }, answer) => {
                if session != self.conn.session {
                    self.inputs.remove(&id);
                    return Err(ClientError::UnknownInput { input: id });
                }
                input.answer = Some(answer);
                self.resend_input(now, id);
                return Ok(());
            }
            // A refused question fails the task this client hosts for it, with the error
            // the server reads from `tasks/result`.
            (Route::Hosted { task_id }, answer) => {
                if !self.finish_hosted(now, id, &task_id, answer) {
                    return Err(ClientError::UnknownInput { input: id });
                }
                return Ok(());
            }
            (_, Ok(response)) => response,
            (_, Err(_)) => cancel_action(),
        };
        input.answer = Some(Ok(Map::new()));
        let call = input.call.and_then(|c| self.calls.get_mut(&c).map(|call| (c, call)));
        let Some((call_id, call)) = call else {
            return Err(ClientError::UnknownInput { input: id });
        };
        match route {
            Route::Task { key } => {
                call.outbox.insert(key, response);
                self.send_update(now, call_id);
                self.arm(now, call_id);
            }
            Route::Round { key } => {
                let Some(rounds) = call.rounds.as_mut() else {
                    return Err(ClientError::UnknownInput { input: id });
                };
                rounds.answers.insert(key, response);
                if rounds.answers.len() >= rounds.asked.len() {
                    call.stage = Stage::Calling;
                    self.schedule(now, call_id, Step::Send, now);
                }
            }
            Route::Legacy { .. } | Route::Hosted { .. } => {}
        }
        Ok(())
    }

    /// Sends (or sends again) a 2025-11-25 answer.
    pub(super) fn resend_input(&mut self, now: UnixMillis, id: InputId) {
        let Some(input) = self.inputs.get(&id) else { return };
        let (Route::Legacy { rpc, session }, Some(answer)) = (&input.route, &input.answer) else {
            return;
        };
        if !self.conn.is_ready() || *session != self.conn.session || input.exchange.is_some() {
            return;
        }
        let message = match answer {
            Ok(answer) => legacy::response(rpc.clone(), answer.clone(), input.task_id.as_ref()),
            Err(error) => Message::Error(ErrorResponse::new(Some(rpc.clone()), error.clone())),
        };
        let x =
            self.send_legacy_message(now, RequestKind::InputResponse, Purpose::Input(id), &message);
        if let Some(input) = self.inputs.get_mut(&id) {
            input.exchange = Some(x);
        }
    }

    pub(super) fn on_input_done(&mut self, now: UnixMillis, id: InputId, completion: Completion) {
        let backoff = self.config.backoff;
        let Some(input) = self.inputs.get_mut(&id) else { return };
        input.exchange = None;
        let error = match completion {
            Completion::Ended | Completion::Reply(_) => {
                input.failures = 0;
                if input.call.is_none() {
                    self.inputs.remove(&id);
                }
                return;
            }
            Completion::Problem(Problem::Transient { error, retry_after_ms }) => {
                input.failures += 1;
                if input.failures <= backoff.max_attempts {
                    let attempt = input.failures;
                    let delay = retry_delay(&backoff, attempt, retry_after_ms, &mut self.rng);
                    self.timers.set(TimerKey::Input(id), now.saturating_add(delay));
                    return;
                }
                error
            }
            Completion::Problem(Problem::Peer(error) | Problem::Fatal(error)) => error,
            Completion::Problem(Problem::SessionLost | Problem::NotAllowed) => {
                ClientError::UnknownInput { input: id }
            }
            Completion::Http { status, .. } => {
                ClientError::UnexpectedStatus { request: RequestKind::InputResponse, status }
            }
        };
        self.inputs.remove(&id);
        self.emit(Event::InputFailed { input: id, error });
    }

    /// The session ended: its server requests can no longer be answered.
    pub(super) fn drop_session_inputs(&mut self) {
        let session = self.conn.session.clone();
        let stale: Vec<_> = self
            .inputs
            .iter()
            .filter(|(_, i)| matches!(&i.route, Route::Legacy { session: s, .. } if *s != session))
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            self.timers.clear(TimerKey::Input(id));
            if let Some(x) = self.inputs.remove(&id).and_then(|i| i.exchange) {
                self.abort(x);
            }
        }
    }

    /// Sends the answers waiting for a `tasks/update`, one update at a time.
    pub(super) fn send_update(&mut self, now: UnixMillis, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else { return };
        if !call.sending.is_empty() || call.outbox.is_empty() || !self.conn.is_ready() {
            return;
        }
        // Only tasks whose input requests come inline are answered with an update.
        let Some((task_id, name)) = call
            .task
            .as_ref()
            .and_then(|t| Some((t.task_id.clone(), t.generation.policy().update_method()?)))
        else {
            return;
        };
        call.sending = std::mem::take(&mut call.outbox);
        let params = extension::update_params(&task_id, call.sending.clone());
        let x = self.send_rpc(now, RequestKind::UpdateTask, Purpose::Call(id), name, params);
        if let Some(call) = self.calls.get_mut(&id) {
            call.side.push(x);
        }
    }

    pub(super) fn on_update_reply(&mut self, now: UnixMillis, id: CallId, completion: Completion) {
        let backoff = self.config.backoff;
        let Some(call) = self.calls.get_mut(&id) else { return };
        let sent = std::mem::take(&mut call.sending);
        let error = match completion {
            Completion::Reply(Ok(_)) => {
                call.update_failures = 0;
                return self.send_update(now, id);
            }
            // The task is gone; the next poll says how.
            Completion::Reply(Err(e)) if e.code == ErrorCode::INVALID_PARAMS => return,
            Completion::Reply(Err(error)) => {
                ClientError::Rpc { request: RequestKind::UpdateTask, error }
            }
            Completion::Problem(Problem::Transient { error, retry_after_ms }) => {
                call.update_failures += 1;
                if call.update_failures <= backoff.max_attempts {
                    // Put the answers back in front of anything newer for the same keys.
                    let mut outbox = sent;
                    outbox.append(&mut call.outbox);
                    call.outbox = outbox;
                    let attempt = call.update_failures;
                    let delay = retry_delay(&backoff, attempt, retry_after_ms, &mut self.rng);
                    if let Some(call) = self.calls.get_mut(&id) {
                        call.update_at = Some(now.saturating_add(delay));
                    }
                    return;
                }
                error
            }
            Completion::Problem(Problem::Peer(error) | Problem::Fatal(error)) => error,
            Completion::Problem(_) | Completion::Ended | Completion::Http { .. } => {
                ClientError::MissingResponse { request: RequestKind::UpdateTask }
            }
        };
        let surfaced = |k: &String| call.surfaced.iter().find(|(s, _)| s == k).map(|&(_, i)| i);
        let inputs: Vec<_> = sent.keys().filter_map(surfaced).collect();
        for input in inputs {
            self.emit(Event::InputFailed { input, error: error.clone() });
        }
        self.send_update(now, id);
    }
}

/// `{"action": "cancel"}`: the extension's answer to a question the host refused.
fn cancel_action() -> Map<String, Value> {
    let mut answer = Map::new();
    answer.insert("action".into(), Value::from("cancel"));
    answer
}
