//! The engine's IO side: sending requests, reading responses, routing what arrives, and
//! running timers. What each purpose does with a completion lives with that purpose.

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::extension::TaskIdParams;
use crate::protocol::http::{ExchangeId, HttpRequest, ResponseHead, TransportFailure};
use crate::protocol::jsonrpc::{ErrorObject, Message, RequestId};
use crate::task::Transport;
use crate::time::UnixMillis;

use super::error::{ClientError, RequestKind};
use super::event::Event;
use super::exchange::{Ending, Exchange, Incoming, Problem, Purpose, http_problem};
use super::reply::ResultBody;
use super::{Engine, Output, TimerKey, extension, legacy};

/// `{taskId}`: the params of `tasks/get`, `tasks/result` and `tasks/cancel`, alike in
/// both generations. No related-task `_meta`: the param is the source of truth.
pub(super) fn task_params(task_id: &TaskId) -> Map<String, Value> {
    TaskIdParams::new(task_id.clone()).to_map()
}

/// How an exchange finished, for the purpose waiting on it.
#[derive(Debug)]
pub(super) enum Completion {
    /// The JSON-RPC response to the request.
    Reply(Result<ResultBody, ErrorObject>),
    /// The body ended with no response owed (notifications, answers, streams).
    Ended,
    /// A failure status whose body held no JSON-RPC error for the request, or a
    /// transport problem.
    Problem(Problem),
    /// A failure status, raw, for purposes that read statuses themselves (connecting).
    Http {
        /// The status.
        status: u16,
        /// The JSON-RPC error in the body, if any.
        error: Option<ErrorObject>,
    },
}

impl Engine {
    pub(super) fn alloc_exchange(&mut self) -> ExchangeId {
        self.next_exchange += 1;
        ExchangeId(self.next_exchange)
    }

    pub(super) fn alloc_rpc(&mut self) -> RequestId {
        self.next_rpc += 1;
        RequestId::Number(self.next_rpc)
    }

    pub(super) fn emit(&mut self, event: Event) {
        self.out.push_back(Output::Event(event));
    }

    /// Registers `exchange` under `request.id` and hands the request to the driver, or
    /// queues it behind the others while [`Config::max_in_flight`](super::Config) calls'
    /// and one-off requests are in flight.
    pub(super) fn transmit(
        &mut self,
        now: UnixMillis,
        exchange: Exchange,
        mut request: HttpRequest,
    ) -> ExchangeId {
        let id = request.id;
        request.long_lived = exchange.kind.long_lived();
        if let Some(rpc) = &exchange.rpc {
            self.awaiting.insert(rpc.clone(), id);
        }
        let capped = is_capped(exchange.purpose);
        let kind = exchange.kind;
        self.exchanges.insert(id, exchange);
        let max = self.config.max_in_flight;
        // First in, first out: nothing overtakes a queued request.
        if capped && max > 0 && (self.in_flight >= max || !self.held.is_empty()) {
            self.held.insert(id, request);
            self.queue.push_back(id);
        } else {
            self.dispatch(now, kind, capped, request);
        }
        id
    }

    /// Hands a request to the driver; its time limit starts now, not when it was queued.
    fn dispatch(&mut self, now: UnixMillis, kind: RequestKind, capped: bool, request: HttpRequest) {
        let limit = match kind {
            RequestKind::CallTool => self.config.call_timeout_ms,
            _ => self.config.request_timeout_ms,
        };
        if capped {
            self.in_flight += 1;
        }
        self.timers.set(TimerKey::Exchange(request.id), now.saturating_add(limit));
        self.out.push_back(Output::Transmit(request));
    }

    /// Sends queued requests, oldest first, while there is room.
    pub(super) fn send_queued(&mut self, now: UnixMillis) {
        let max = self.config.max_in_flight;
        while max == 0 || self.in_flight < max {
            let Some(id) = self.queue.pop_front() else { break };
            // Requests dropped while queued left their id behind.
            let Some(request) = self.held.remove(&id) else { continue };
            let Some(kind) = self.exchanges.get(&id).map(|x| x.kind) else { continue };
            self.dispatch(now, kind, true, request);
        }
    }

    /// Sends request `method` in the current generation for `purpose`.
    pub(super) fn send_rpc(
        &mut self,
        now: UnixMillis,
        kind: RequestKind,
        purpose: Purpose,
        method: &str,
        params: Map<String, Value>,
    ) -> ExchangeId {
        self.send_rpc_with(now, kind, purpose, method, params, Vec::new())
    }

    /// [`send_rpc`](Self::send_rpc) with extra 2026-07-28 headers (`Mcp-Param-*`).
    pub(super) fn send_rpc_with(
        &mut self,
        now: UnixMillis,
        kind: RequestKind,
        purpose: Purpose,
        method: &str,
        params: Map<String, Value>,
        extra: Vec<(String, String)>,
    ) -> ExchangeId {
        let rpc = self.alloc_rpc();
        let id = self.alloc_exchange();
        // The transport frames the request: routing headers and `_meta`, or the session.
        // Each handshake step sets the generation before it sends.
        let (request, session) = match self.conn.policy().map(|p| p.transport) {
            Some(Transport::Stateless) => {
                (extension::post(&self.config, id, rpc.clone(), method, params, extra), None)
            }
            _ => {
                let msg = legacy::rpc(rpc.clone(), method, Some(params));
                (legacy::post(&self.config, &self.conn, id, &msg), self.conn.session.clone())
            }
        };
        let mut exchange = Exchange::new(kind, purpose, Some(rpc));
        exchange.session = session;
        self.transmit(now, exchange, request)
    }

    /// Sends a 2025-11-25 message that expects no response (a notification or an answer).
    pub(super) fn send_legacy_message(
        &mut self,
        now: UnixMillis,
        kind: RequestKind,
        purpose: Purpose,
        message: &Message,
    ) -> ExchangeId {
        let id = self.alloc_exchange();
        let request = legacy::post(&self.config, &self.conn, id, message);
        let session = self.conn.session.clone();
        let mut exchange = Exchange::new(kind, purpose, None);
        exchange.session = session;
        self.transmit(now, exchange, request)
    }

    /// Drops an exchange the engine no longer wants and tells the driver (when it had it).
    pub(super) fn abort(&mut self, id: ExchangeId) {
        let queued = self.held.contains_key(&id);
        if self.forget(id).is_some() && !queued {
            self.out.push_back(Output::Abort(id));
        }
    }

    fn forget(&mut self, id: ExchangeId) -> Option<Exchange> {
        let exchange = self.exchanges.remove(&id)?;
        if self.held.remove(&id).is_some() {
            if self.held.is_empty() {
                self.queue.clear();
            }
        } else if is_capped(exchange.purpose) {
            // A slot is free; `after_input` fills it from the queue.
            self.in_flight = self.in_flight.saturating_sub(1);
        }
        self.timers.clear(TimerKey::Exchange(id));
        if let Some(rpc) = &exchange.rpc {
            if self.awaiting.get(rpc) == Some(&id) {
                self.awaiting.remove(rpc);
            }
        }
        Some(exchange)
    }

    pub(super) fn on_head(&mut self, now: UnixMillis, id: ExchangeId, head: ResponseHead) {
        let max_event = self.config.max_event_bytes;
        let Some(exchange) = self.exchanges.get_mut(&id) else { return };
        if exchange.kind == RequestKind::Initialize {
            exchange.session_header = head.headers.get("mcp-session-id").map(str::to_owned);
        }
        let resume_from = exchange.last_event_id.clone();
        match exchange.on_head(&head, now, max_event, resume_from) {
            Err(problem) => {
                let exchange = self.abort_keep(id);
                self.finish_exchange(now, id, exchange, Completion::Problem(problem));
            }
            Ok(()) if exchange.is_stream() => {
                // Streams live longer than a request: bounded by their own limit.
                let limit = match (exchange.kind, exchange.purpose) {
                    (RequestKind::TaskResult, _) => self.config.result_stream_ms,
                    _ => self.config.stream_max_ms,
                };
                self.timers.set(TimerKey::Exchange(id), now.saturating_add(limit));
            }
            Ok(()) => {}
        }
    }

    pub(super) fn on_chunk(&mut self, now: UnixMillis, id: ExchangeId, bytes: &[u8]) {
        let max_body = self.config.max_body_bytes;
        let Some(exchange) = self.exchanges.get_mut(&id) else { return };
        match exchange.on_chunk(bytes, max_body) {
            Ok(items) => self.take_items(now, id, items),
            Err(problem) => {
                let exchange = self.abort_keep(id);
                self.finish_exchange(now, id, exchange, Completion::Problem(problem));
            }
        }
    }

    pub(super) fn on_end(&mut self, now: UnixMillis, id: ExchangeId) {
        let Some(exchange) = self.exchanges.get_mut(&id) else { return };
        let json_body = matches!(exchange.reading, super::exchange::Reading::Json(_));
        let (items, ending) = exchange.on_end();
        if json_body {
            // A JSON body is the one answer: anything else in it is the answer gone wrong.
            for item in items {
                match item {
                    Incoming::Message(m) => self.route(now, id, m, true),
                    Incoming::Result { id: rpc, body } => {
                        self.route_reply(now, id, Some(rpc), Ok(body), true);
                    }
                    Incoming::Bad(e) => {
                        let problem = Problem::Peer(e);
                        self.finish_exchange(now, id, None, Completion::Problem(problem));
                    }
                }
            }
        } else {
            self.take_items(now, id, items);
        }
        let Some(exchange) = self.forget(id) else { return };
        let completion = match ending {
            Ending::Http { status, error } => Completion::Http { status, error },
            Ending::Done if exchange.rpc.is_some() && !exchange.answered => {
                let error = ClientError::MissingResponse { request: exchange.kind };
                if json_body {
                    Completion::Problem(Problem::Peer(error))
                } else if exchange.kind == RequestKind::Listen {
                    Completion::Ended
                } else {
                    Completion::Problem(Problem::Transient { error, retry_after_ms: None })
                }
            }
            Ending::Done => Completion::Ended,
        };
        self.finish_exchange(now, id, Some(exchange), completion);
    }

    pub(super) fn on_failure(
        &mut self,
        now: UnixMillis,
        id: ExchangeId,
        failure: TransportFailure,
    ) {
        let Some(exchange) = self.forget(id) else { return };
        // The environment refusing the request itself (a bad URL, a header `fetch` will not
        // send) refuses it again on every retry: give up at once.
        let refused = matches!(failure, TransportFailure::Refused(_));
        let error = ClientError::Transport { request: exchange.kind, failure };
        let problem = if refused {
            Problem::Fatal(error)
        } else {
            Problem::Transient { error, retry_after_ms: None }
        };
        self.finish_exchange(now, id, Some(exchange), Completion::Problem(problem));
    }

    pub(super) fn on_timeout(&mut self, now: UnixMillis) {
        self.run_due(now);
    }

    /// Fires every timer due at `now`, including those set by what fires.
    pub(super) fn run_due(&mut self, now: UnixMillis) {
        while let Some(key) = self.timers.pop_due(now) {
            match key {
                TimerKey::Exchange(id) => {
                    let Some(exchange) = self.abort_keep(id) else { continue };
                    // A stream reaching its time limit is closed on purpose: reopen at once.
                    let retry_after_ms = exchange.is_stream().then_some(0);
                    let error = ClientError::Timeout { request: exchange.kind };
                    let problem = Problem::Transient { error, retry_after_ms };
                    self.finish_exchange(now, id, Some(exchange), Completion::Problem(problem));
                }
                TimerKey::Call(call) => self.on_call_timer(now, call),
                TimerKey::Connect => self.on_connect_timer(now),
                TimerKey::Op(op) => self.send_op(now, op),
                TimerKey::Input(input) => self.resend_input(now, input),
                TimerKey::Stream => self.open_stream(now),
                TimerKey::Listen => self.refresh_listen(now),
                TimerKey::HostedSweep => self.sweep_hosted(now),
            }
        }
    }

    fn abort_keep(&mut self, id: ExchangeId) -> Option<Exchange> {
        let queued = self.held.contains_key(&id);
        let exchange = self.forget(id)?;
        if !queued {
            self.out.push_back(Output::Abort(id));
        }
        Some(exchange)
    }

    fn take_items(&mut self, now: UnixMillis, id: ExchangeId, items: Vec<Incoming>) {
        for item in items {
            match item {
                Incoming::Message(m) => self.route(now, id, m, false),
                Incoming::Result { id: rpc, body } => {
                    self.route_reply(now, id, Some(rpc), Ok(body), false);
                }
                Incoming::Bad(error) => {
                    let call = self.exchange_call(id);
                    self.emit(Event::ProtocolViolation { call, error });
                }
            }
        }
    }

    fn exchange_call(&self, id: ExchangeId) -> Option<super::CallId> {
        match self.exchanges.get(&id)?.purpose {
            Purpose::Call(call) => Some(call),
            _ => None,
        }
    }

    /// Acts on one message that arrived on exchange `via`. `sole` marks a JSON body,
    /// whose error without an id still answers the request.
    fn route(&mut self, now: UnixMillis, via: ExchangeId, message: Message, sole: bool) {
        let (id, reply) = match message {
            Message::Request(req) => return self.on_server_request(now, via, req),
            Message::Notification(n) => return self.on_notification(now, via, n),
            Message::Result(r) => (Some(r.id), Ok(ResultBody::Map(r.result))),
            Message::Error(e) => (e.id, Err(e.error)),
        };
        self.route_reply(now, via, id, reply, sole);
    }

    /// Hands a response that arrived on exchange `via` to the exchange that waits for it.
    fn route_reply(
        &mut self,
        now: UnixMillis,
        via: ExchangeId,
        id: Option<RequestId>,
        reply: Result<ResultBody, ErrorObject>,
        sole: bool,
    ) {
        let own = self.exchanges.get(&via).and_then(|x| x.rpc.clone());
        let target = match &id {
            Some(id) if own.as_ref() == Some(id) => Some(via),
            None if sole && own.is_some() => Some(via),
            Some(id) => self.awaiting.get(id).copied(),
            None => None,
        };
        let Some(target) = target else {
            let id = id.unwrap_or_else(|| RequestId::String("null".into()));
            let call = self.exchange_call(via);
            self.emit(Event::ProtocolViolation {
                call,
                error: ClientError::UnknownResponse { id },
            });
            return;
        };
        let Some(exchange) = self.exchanges.get_mut(&target) else { return };
        exchange.answered = true;
        let streaming = exchange.is_stream() || target != via;
        let exchange = if streaming {
            // The answer is in: the rest of the stream is not needed.
            self.abort_keep(target)
        } else {
            self.forget(target)
        };
        self.finish_exchange(now, target, exchange, Completion::Reply(reply));
    }

    /// Hands a finished exchange's completion to whoever waits for it. Failure statuses
    /// are read the usual way here, except for connecting, which reads them itself.
    pub(super) fn finish_exchange(
        &mut self,
        now: UnixMillis,
        id: ExchangeId,
        exchange: Option<Exchange>,
        completion: Completion,
    ) {
        let exchange = match exchange {
            Some(x) => x,
            None => match self.forget(id) {
                Some(x) => x,
                None => return,
            },
        };
        let completion = match completion {
            Completion::Http { status, error } if exchange.purpose != Purpose::Connect => {
                self.read_status(&exchange, status, error)
            }
            other => other,
        };
        if let Completion::Problem(Problem::SessionLost) = &completion {
            // Only the current session's loss matters; an older one was replaced already.
            if exchange.session.is_some() && exchange.session == self.conn.session {
                self.session_lost(now);
            }
        }
        match exchange.purpose {
            Purpose::Connect => self.on_connect_done(now, &exchange, completion),
            Purpose::Op(op) => self.on_op_done(now, op, completion),
            Purpose::Call(call) => self.on_call_done(now, call, id, &exchange, completion),
            Purpose::Input(input) => self.on_input_done(now, input, completion),
            Purpose::Stream => self.on_stream_done(now, &exchange, completion),
            Purpose::Listen => self.on_listen_done(now, completion),
            Purpose::Close => self.emit(Event::Closed),
            Purpose::Notify => {}
        }
    }

    /// The usual meaning of a failure status: a JSON-RPC error in the body answers the
    /// request (a 2026-07-28 `-32601` comes with 404, `-32021` with 400), unless the
    /// status itself says to retry or that the session is gone.
    fn read_status(
        &self,
        exchange: &Exchange,
        status: u16,
        error: Option<ErrorObject>,
    ) -> Completion {
        let problem = http_problem(
            exchange.kind,
            status,
            exchange.retry_after_ms,
            exchange.session.is_some(),
        );
        match (problem, error) {
            (p @ (Problem::Transient { .. } | Problem::SessionLost), _) => Completion::Problem(p),
            (Problem::NotAllowed, _) => Completion::Problem(Problem::NotAllowed),
            (p @ Problem::Fatal(ClientError::Unauthorized { .. }), _) => Completion::Problem(p),
            (_, Some(error)) if exchange.rpc.is_some() => Completion::Reply(Err(error)),
            (p, _) => Completion::Problem(p),
        }
    }
}

/// Whether an exchange counts against [`Config::max_in_flight`](super::Config): the
/// requests whose number grows with the calls. Connecting, streams, answers to the
/// server's questions and notifications are few and never wait: an answer stuck behind
/// requests that wait for it would deadlock.
fn is_capped(purpose: Purpose) -> bool {
    matches!(purpose, Purpose::Call(_) | Purpose::Op(_))
}
