//! Connecting: `server/discover` or `initialize`, the dual-era fallback, replacing a lost
//! session, and closing.

use serde_json::Map;

use crate::protocol::extension::{DiscoverResult, method};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::protocol::legacy::{InitializeResult, WireShape};
use crate::protocol::meta::EXTENSION_PROTOCOL_VERSION;
use crate::task::{Generation, Policy, StatusPush, Transport};
use crate::time::UnixMillis;

use super::call::Stage;
use super::config::Protocol;
use super::connection::Phase;
use super::drive::Completion;
use super::error::{ClientError, RequestKind};
use super::event::{CallOutcome, ConnectionInfo, Event};
use super::exchange::{Exchange, Problem, Purpose, http_problem};
use super::schedule::backoff_delay;
use super::{Engine, TimerKey, legacy};

impl Engine {
    /// Starts connecting unless connected or already on the way.
    pub(super) fn ensure_connected(&mut self, now: UnixMillis) {
        if matches!(self.conn.phase, Phase::Idle | Phase::Failed) && !self.closed {
            self.conn.failures = 0;
            self.conn.discovered = false;
            self.conn.phase = match self.first_step().map(|g| g.policy().transport) {
                Some(Transport::Sessions) => Phase::Initializing,
                Some(Transport::Stateless) => Phase::Discovering { fallback: false },
                None => Phase::Discovering { fallback: true },
            };
            self.send_connect_step(now);
        }
    }

    /// The generation to try first: the configured one, else the remembered one, else
    /// probe. A remembered stateless endpoint is probed too: the probe is its handshake
    /// anyway, and keeps the fallback should the server have gone back.
    fn first_step(&self) -> Option<Generation> {
        self.config.protocol.generation().or_else(|| {
            let remembered = self.config.memory.get(&self.config.endpoint)?;
            remembered.policy().has_sessions().then_some(remembered)
        })
    }

    fn send_connect_step(&mut self, now: UnixMillis) {
        let id = match self.conn.phase {
            Phase::Discovering { .. } => {
                self.conn.generation = Some(Generation::Extension);
                self.conn.discovered = true;
                self.send_rpc(
                    now,
                    RequestKind::Discover,
                    Purpose::Connect,
                    method::SERVER_DISCOVER,
                    Map::new(),
                )
            }
            Phase::Initializing => {
                self.conn.generation = Some(Generation::Legacy);
                self.conn.session = None;
                self.conn.protocol_version.clear();
                let params = legacy::initialize_params(&self.config, self.hosting());
                self.send_rpc(now, RequestKind::Initialize, Purpose::Connect, "initialize", params)
            }
            Phase::Acknowledging => self.send_legacy_message(
                now,
                RequestKind::Initialized,
                Purpose::Connect,
                &legacy::initialized(),
            ),
            Phase::Idle | Phase::Ready | Phase::Failed => return,
        };
        self.conn.exchange = Some(id);
    }

    pub(super) fn on_connect_timer(&mut self, now: UnixMillis) {
        if self.conn.exchange.is_none() {
            self.send_connect_step(now);
        }
    }

    pub(super) fn on_connect_done(
        &mut self,
        now: UnixMillis,
        exchange: &Exchange,
        completion: Completion,
    ) {
        self.conn.exchange = None;
        match (self.conn.phase, completion) {
            (Phase::Discovering { fallback }, c) => self.on_discover(now, fallback, exchange, c),
            (Phase::Initializing, Completion::Reply(Ok(result))) => {
                self.on_initialized(now, exchange, result.into_map())
            }
            (Phase::Acknowledging, Completion::Ended | Completion::Reply(_)) => {
                self.on_ready(now, Generation::Legacy)
            }
            // Some servers answer the notification with a status other than 202; the
            // session is usable anyway.
            (Phase::Acknowledging, Completion::Http { status, .. }) if status < 500 => {
                self.on_ready(now, Generation::Legacy)
            }
            (Phase::Initializing, Completion::Reply(Err(error))) => {
                let error = ClientError::Rpc { request: RequestKind::Initialize, error };
                self.legacy_refused(now, error);
            }
            (Phase::Initializing, Completion::Http { status, error })
                if (400..500).contains(&status) && ![401, 403, 408, 429].contains(&status) =>
            {
                let error = match error {
                    Some(error) => ClientError::Rpc { request: RequestKind::Initialize, error },
                    None => {
                        ClientError::UnexpectedStatus { request: RequestKind::Initialize, status }
                    }
                };
                self.legacy_refused(now, error);
            }
            (_, Completion::Http { status, error }) => {
                let problem = http_problem(exchange.kind, status, exchange.retry_after_ms, false);
                match (problem, error) {
                    (Problem::Fatal(_), Some(error)) => {
                        self.disconnect(now, ClientError::Rpc { request: exchange.kind, error })
                    }
                    (problem, _) => self.connect_problem(now, exchange.kind, problem),
                }
            }
            (_, Completion::Problem(problem)) => self.connect_problem(now, exchange.kind, problem),
            (_, Completion::Ended | Completion::Reply(_)) => {
                let error = ClientError::MissingResponse { request: exchange.kind };
                self.connect_problem(now, exchange.kind, Problem::Peer(error));
            }
        }
    }

    /// `initialize` was refused. An endpoint remembered as 2025-11-25 may have moved on:
    /// under `Protocol::Auto` it is probed with `server/discover` before giving up.
    fn legacy_refused(&mut self, now: UnixMillis, error: ClientError) {
        if self.config.protocol == Protocol::Auto && !self.conn.discovered {
            self.config.memory.forget(&self.config.endpoint);
            self.conn.phase = Phase::Discovering { fallback: false };
            self.conn.failures = 0;
            return self.send_connect_step(now);
        }
        self.disconnect(now, error);
    }

    /// `server/discover` answered. Per the dual-era rules, a 4xx that is not a modern
    /// JSON-RPC error (or no usable answer at all) means a 2025-11-25 server.
    fn on_discover(
        &mut self,
        now: UnixMillis,
        fallback: bool,
        exchange: &Exchange,
        completion: Completion,
    ) {
        let legacy_signal = match completion {
            Completion::Reply(Ok(result)) => match DiscoverResult::from_map(&result.into_map()) {
                Ok(d) if d.supported_versions.iter().any(|v| v == EXTENSION_PROTOCOL_VERSION) => {
                    let info = ConnectionInfo {
                        generation: Generation::Extension,
                        protocol_version: EXTENSION_PROTOCOL_VERSION.into(),
                        session_id: None,
                        server_info: d.server_info,
                        capabilities: d.capabilities,
                        instructions: d.instructions,
                    };
                    self.conn.info = Some(info);
                    self.conn.capabilities = None;
                    return self.on_ready(now, Generation::Extension);
                }
                Ok(d) => Err(ClientError::UnsupportedProtocol {
                    offered: d.supported_versions.join(", "),
                }),
                Err(e) => Err(ClientError::malformed_result(RequestKind::Discover, e)),
            },
            Completion::Reply(Err(error)) | Completion::Http { error: Some(error), .. }
                if is_modern_error(&error)
                    && error.code != ErrorCode::UNSUPPORTED_PROTOCOL_VERSION =>
            {
                return self
                    .disconnect(now, ClientError::Rpc { request: RequestKind::Discover, error });
            }
            Completion::Reply(Err(error)) => {
                Err(ClientError::Rpc { request: RequestKind::Discover, error })
            }
            Completion::Http { status, error } => {
                match http_problem(RequestKind::Discover, status, exchange.retry_after_ms, false) {
                    problem @ (Problem::Transient { .. }
                    | Problem::Fatal(ClientError::Unauthorized { .. })) => {
                        return self.connect_problem(now, RequestKind::Discover, problem);
                    }
                    _ => Err(match error {
                        Some(error) => ClientError::Rpc { request: RequestKind::Discover, error },
                        None => {
                            ClientError::UnexpectedStatus { request: RequestKind::Discover, status }
                        }
                    }),
                }
            }
            Completion::Problem(problem) => {
                return self.connect_problem(now, RequestKind::Discover, problem);
            }
            Completion::Ended => {
                Err(ClientError::MissingResponse { request: RequestKind::Discover })
            }
        };
        match legacy_signal {
            Err(_) if fallback => {
                self.conn.phase = Phase::Initializing;
                self.conn.failures = 0;
                self.send_connect_step(now);
            }
            Err(error) => self.disconnect(now, error),
            Ok(()) => {}
        }
    }

    fn on_initialized(
        &mut self,
        now: UnixMillis,
        exchange: &Exchange,
        result: Map<String, serde_json::Value>,
    ) {
        let init = match InitializeResult::from_map(result) {
            Ok(init) => init,
            Err(e) => {
                let error = ClientError::malformed_result(RequestKind::Initialize, e);
                return self.connect_problem(now, RequestKind::Initialize, Problem::Peer(error));
            }
        };
        if !legacy::VERSIONS.contains(&init.protocol_version.as_str()) {
            let offered = init.protocol_version;
            return self.disconnect(now, ClientError::UnsupportedProtocol { offered });
        }
        self.conn.session = exchange.session_header.clone();
        self.conn.protocol_version = init.protocol_version.clone();
        let capabilities = init.capabilities.to_map();
        self.conn.capabilities = Some(capabilities.clone());
        self.conn.info = Some(ConnectionInfo {
            generation: Generation::Legacy,
            protocol_version: init.protocol_version,
            session_id: self.conn.session.clone(),
            server_info: Some(init.server_info.extra.clone()).map(|mut m| {
                m.insert("name".into(), init.server_info.name.clone().into());
                m.insert("version".into(), init.server_info.version.clone().into());
                m
            }),
            capabilities,
            instructions: init.instructions,
        });
        self.conn.phase = Phase::Acknowledging;
        self.conn.failures = 0;
        self.send_connect_step(now);
    }

    /// Connected: tell the host, remember the generation, and let everything waiting go.
    pub(super) fn on_ready(&mut self, now: UnixMillis, generation: Generation) {
        self.conn.phase = Phase::Ready;
        self.conn.generation = Some(generation);
        self.conn.failures = 0;
        self.config.memory.remember(self.config.endpoint.clone(), generation);
        if let Some(info) = self.conn.info.clone() {
            self.emit(Event::Connected(info));
        }
        match generation.policy().status_push {
            StatusPush::SessionStreams => self.timers.set(TimerKey::Stream, now),
            StatusPush::Listen => self.mark_listen_dirty(now),
        }
        let mut calls: Vec<_> = self.calls.keys().copied().collect();
        calls.sort_unstable();
        for call in calls {
            self.arm(now, call);
        }
        let mut ops: Vec<_> =
            self.ops.iter().filter(|(_, o)| o.exchange.is_none()).map(|(id, _)| *id).collect();
        ops.sort_unstable();
        for op in ops {
            self.timers.set(TimerKey::Op(op), now);
        }
    }

    fn connect_problem(&mut self, now: UnixMillis, kind: RequestKind, problem: Problem) {
        let (error, retry_after) = match problem {
            Problem::Transient { error, retry_after_ms } => (error, retry_after_ms),
            Problem::Peer(error) => (error, None),
            Problem::SessionLost | Problem::NotAllowed => {
                (ClientError::UnexpectedStatus { request: kind, status: 404 }, None)
            }
            Problem::Fatal(error) => return self.disconnect(now, error),
        };
        self.conn.failures += 1;
        if self.conn.failures >= self.config.backoff.max_attempts.max(1) {
            return self.disconnect(now, error);
        }
        let delay = retry_after.unwrap_or_else(|| {
            backoff_delay(&self.config.backoff, self.conn.failures, &mut self.rng)
        });
        self.timers.set(TimerKey::Connect, now.saturating_add(delay));
    }

    /// Connecting failed for good: the host hears why, and every call and op ends.
    pub(super) fn disconnect(&mut self, now: UnixMillis, error: ClientError) {
        self.conn.phase = Phase::Failed;
        self.conn.session = None;
        self.timers.clear(TimerKey::Connect);
        self.emit(Event::Disconnected { error: error.clone() });
        let mut calls: Vec<_> = self.calls.keys().copied().collect();
        calls.sort_unstable();
        for call in calls {
            self.finish(now, call, CallOutcome::Error(error.clone()));
        }
        let mut ops: Vec<_> = self.ops.keys().copied().collect();
        ops.sort_unstable();
        for op in ops {
            self.fail_op(now, op, error.clone());
        }
    }

    /// The server forgot the 2025-11-25 session: start a new one. Tasks are re-read
    /// under it; a server that binds tasks to sessions answers "not found", which the
    /// call reports as lost.
    pub(super) fn session_lost(&mut self, now: UnixMillis) {
        // Hosted tasks belong to the session they were asked in.
        self.drop_hosted(now);
        self.conn.session = None;
        self.conn.protocol_version.clear();
        self.conn.phase = Phase::Idle;
        // Streams of the old session carry nothing more; requests in flight come back
        // with their own 404 and are retried.
        let mut streams: Vec<_> = self
            .exchanges
            .iter()
            .filter(|(_, x)| x.session.is_some() && (x.is_stream() || x.purpose == Purpose::Stream))
            .map(|(id, _)| *id)
            .collect();
        streams.sort_unstable();
        for id in streams {
            let purpose = self.exchanges.get(&id).map(|x| x.purpose);
            self.abort(id);
            match purpose {
                Some(Purpose::Call(call)) => {
                    if let Some(c) = self.calls.get_mut(&call) {
                        if c.primary == Some(id) {
                            c.primary = None;
                            let step = match c.stage {
                                Stage::Following => super::call::Step::Poll,
                                _ => super::call::Step::Send,
                            };
                            c.next = Some((step, now));
                        }
                        c.side.retain(|&x| x != id);
                    }
                }
                Some(Purpose::Op(op)) => {
                    if let Some(o) = self.ops.get_mut(&op) {
                        o.exchange = None;
                    }
                }
                _ => {}
            }
        }
        self.stream.exchange = None;
        self.push_lost(now, StatusPush::SessionStreams);
        self.drop_session_inputs();
        self.ensure_connected(now);
    }

    /// Ends every call with [`ClientError::Closed`], and the session with `DELETE` when
    /// `end_session` says so.
    pub(super) fn shut_down(&mut self, now: UnixMillis, end_session: bool) {
        if self.closed {
            return;
        }
        let mut calls: Vec<_> = self.calls.keys().copied().collect();
        calls.sort_unstable();
        for call in calls {
            self.finish(now, call, CallOutcome::Error(ClientError::Closed));
        }
        let mut ops: Vec<_> = self.ops.keys().copied().collect();
        ops.sort_unstable();
        for op in ops {
            self.fail_op(now, op, ClientError::Closed);
        }
        self.closed = true;
        // Hosted tasks live in this engine only: their questions are withdrawn.
        self.drop_hosted(now);
        let mut ids: Vec<_> = self.exchanges.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            self.abort(id);
        }
        self.inputs.clear();
        self.timers = super::schedule::Timers::new();
        let had_session =
            self.conn.session.is_some() && self.conn.policy().is_some_and(Policy::has_sessions);
        if had_session && end_session {
            let id = self.alloc_exchange();
            let request = legacy::delete(&self.config, &self.conn, id);
            let mut exchange = Exchange::new(RequestKind::EndSession, Purpose::Close, None);
            exchange.session = self.conn.session.clone();
            self.transmit(now, exchange, request);
        } else {
            self.emit(Event::Closed);
        }
        self.conn.phase = Phase::Failed;
        self.conn.session = None;
    }
}

/// Whether an error is one only a 2026-07-28 server sends (header mismatch, missing
/// capability, unsupported version).
fn is_modern_error(error: &ErrorObject) -> bool {
    matches!(
        error.code,
        ErrorCode::HEADER_MISMATCH
            | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
            | ErrorCode::UNSUPPORTED_PROTOCOL_VERSION
    )
}
