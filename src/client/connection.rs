//! Where the engine stands with the server: the generation, the 2025-11-25 session, the
//! server's capabilities, and the headers every request carries.

use serde_json::{Map, Value};

use crate::protocol::http::{ExchangeId, Headers, HttpRequest, Method};
use crate::protocol::legacy::{ServerCapabilities, WireShape};
use crate::task::{Generation, Policy};

use super::config::Config;
use super::event::ConnectionInfo;

/// How far connecting has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Nothing sent yet.
    Idle,
    /// `server/discover` sent; `fallback` says whether a legacy answer may follow.
    Discovering { fallback: bool },
    /// `initialize` sent.
    Initializing,
    /// `notifications/initialized` sent, waiting for its 202.
    Acknowledging,
    /// Requests may flow.
    Ready,
    /// Connecting failed; the next input starts over.
    Failed,
}

#[derive(Debug)]
pub(super) struct Connection {
    pub phase: Phase,
    pub generation: Option<Generation>,
    pub protocol_version: String,
    pub session: Option<String>,
    /// The server's capabilities; `None` when unknown (a session adopted from a reference).
    pub capabilities: Option<Map<String, Value>>,
    pub info: Option<ConnectionInfo>,
    /// Consecutive failed connection attempts.
    pub failures: u32,
    /// The connection attempt in flight.
    pub exchange: Option<ExchangeId>,
    /// `server/discover` was tried in this attempt to connect.
    pub discovered: bool,
}

/// A connection taken over from a task reference instead of a handshake.
#[derive(Clone, Debug)]
pub(super) struct ConnectionOverride {
    pub generation: Generation,
    pub session: Option<String>,
}

impl Connection {
    /// Takes over `o`: capabilities unknown, version that of the generation.
    pub(super) fn apply(&mut self, o: ConnectionOverride) {
        self.generation = Some(o.generation);
        self.session = o.session;
        self.protocol_version = o.generation.protocol_version().into();
        self.capabilities = None;
        self.failures = 0;
        self.exchange = None;
    }

    pub(super) fn new(config: &Config) -> Self {
        Self {
            phase: Phase::Idle,
            generation: config.protocol.generation(),
            protocol_version: String::new(),
            session: None,
            capabilities: None,
            info: None,
            failures: 0,
            exchange: None,
            discovered: false,
        }
    }

    /// The rules of the generation spoken, once one is chosen.
    pub(super) fn policy(&self) -> Option<&'static Policy> {
        self.generation.map(Generation::policy)
    }

    pub(super) fn generation(&self) -> Option<Generation> {
        match self.phase {
            Phase::Ready => self.generation,
            _ => None,
        }
    }

    pub(super) fn session_id(&self) -> Option<&str> {
        self.session.as_deref()
    }

    pub(super) fn is_ready(&self) -> bool {
        self.phase == Phase::Ready
    }

    /// The 2025-11-25 `capabilities` as the typed tree (unknown reads as permissive).
    fn legacy_caps(&self) -> Option<ServerCapabilities> {
        let caps = self.capabilities.as_ref()?;
        ServerCapabilities::from_map(caps.clone()).ok()
    }

    /// Whether `tools/call` may be task-augmented (2025-11-25). Unknown capabilities
    /// (an adopted session) read as yes: the server answers plainly if not.
    pub(super) fn allows_task_tool_call(&self) -> bool {
        match (&self.capabilities, self.legacy_caps()) {
            (None, _) => true,
            (Some(_), Some(caps)) => caps.supports_task_tool_call(),
            (Some(_), None) => false,
        }
    }

    /// Whether the server declared `tasks.cancel` (2025-11-25; unknown reads as yes).
    pub(super) fn allows_cancel(&self) -> bool {
        match (&self.capabilities, self.legacy_caps()) {
            (None, _) => true,
            (Some(_), caps) => caps.and_then(|c| c.tasks).is_some_and(|t| t.supports_cancel()),
        }
    }

    /// Whether the server declared `tasks.list` (2025-11-25 only).
    pub(super) fn allows_list(&self) -> bool {
        match (&self.capabilities, self.legacy_caps()) {
            (None, _) => true,
            (Some(_), caps) => caps.and_then(|c| c.tasks).is_some_and(|t| t.supports_list()),
        }
    }
}

/// Headers every request carries: the configured ones, `Content-Type` and `Accept`.
pub(super) fn base_headers(config: &Config, body: bool, stream_only: bool) -> Headers {
    let mut h = config.headers.clone();
    if body {
        h.set("Content-Type", "application/json");
    }
    if stream_only {
        h.set("Accept", "text/event-stream");
    } else {
        h.set("Accept", "application/json, text/event-stream");
    }
    h
}

/// A request to the endpoint.
pub(super) fn request(
    config: &Config,
    id: ExchangeId,
    method: Method,
    headers: Headers,
    body: Option<String>,
) -> HttpRequest {
    HttpRequest { id, method, url: config.endpoint.clone(), headers, body, long_lived: false }
}
