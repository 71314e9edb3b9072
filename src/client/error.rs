//! What can go wrong for a requestor, and whose fault it is.

use std::sync::Arc;

use crate::id::TaskId;
use crate::protocol::WireError;
use crate::protocol::http::TransportFailure;
use crate::protocol::jsonrpc::{EnvelopeError, ErrorObject, RequestId};
use crate::protocol::sse::SseError;
use crate::task::TaskStatus;

pub use super::kind::{Feature, RequestKind};
use super::{CallId, InputId};

/// Who caused an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The server broke the protocol or refused in a way the engine cannot recover from.
    Peer,
    /// The host used the engine wrongly (or its credentials were refused).
    Caller,
    /// The network or the environment failed, and retrying did not help.
    Transport,
}

/// An error of the requestor engine. Each variant has a stable [`code`](Self::code) and a
/// [`fault`](Self::fault).
///
/// Errors with a non-`Clone` source keep it behind an [`Arc`] so events stay cloneable.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// A body or SSE event was not one JSON-RPC message.
    #[error("{request}: not a JSON-RPC message: {source}")]
    MalformedMessage {
        /// The request whose answer it was.
        request: RequestKind,
        /// What was wrong.
        #[source]
        source: Arc<EnvelopeError>,
    },
    /// A result or notification did not have the shape its method requires.
    #[error("{request}: {source}")]
    MalformedResult {
        /// The request whose answer it was.
        request: RequestKind,
        /// What was wrong.
        #[source]
        source: Arc<WireError>,
    },
    /// The HTTP status made no sense for the request.
    #[error("{request}: unexpected HTTP status {status}")]
    UnexpectedStatus {
        /// The request.
        request: RequestKind,
        /// The status code.
        status: u16,
    },
    /// A successful response had a body that is neither JSON nor an event stream.
    #[error("{request}: unexpected content type {content_type:?}")]
    UnexpectedContentType {
        /// The request.
        request: RequestKind,
        /// The `Content-Type`, if there was one.
        content_type: Option<String>,
    },
    /// A JSON body grew past the configured limit.
    #[error("{request}: response body exceeds {limit} bytes")]
    OversizeBody {
        /// The request.
        request: RequestKind,
        /// The limit in bytes.
        limit: usize,
    },
    /// An SSE event grew past the configured limit.
    #[error("{request}: {source}")]
    OversizeEvent {
        /// The request.
        request: RequestKind,
        /// The decoder's account.
        #[source]
        source: SseError,
    },
    /// The body ended without the response to the request.
    #[error("{request}: the response ended without an answer")]
    MissingResponse {
        /// The request.
        request: RequestKind,
    },
    /// A JSON-RPC response answered no request the engine has open.
    #[error("a response with id {id} answers no open request")]
    UnknownResponse {
        /// The id it carried (`null` ids are reported as the string "null").
        id: RequestId,
    },
    /// A 2026-07-28 server sent a request, which that revision does not allow.
    #[error("the server sent a {method} request, which this revision does not allow")]
    UnexpectedRequest {
        /// The request's method.
        method: String,
    },
    /// A peer reported a terminal task as live again, or as a different terminal status.
    /// The first terminal status is kept.
    #[error("task {task_id} went from terminal {kept} to {reported}; keeping {kept}")]
    TerminalRegression {
        /// The task.
        task_id: TaskId,
        /// The terminal status seen first, which stays.
        kept: TaskStatus,
        /// What the peer reported later.
        reported: TaskStatus,
    },
    /// An answer about one task named another.
    #[error("asked about task {expected}, the answer was about {got}")]
    WrongTask {
        /// The task asked about.
        expected: TaskId,
        /// The task the answer named.
        got: TaskId,
    },
    /// The server chose a protocol revision the engine does not speak, or speaks none of
    /// the engine's.
    #[error("no common protocol revision (server offered {offered:?})")]
    UnsupportedProtocol {
        /// What the server offered.
        offered: String,
    },
    /// A request of the engine's own (not a tool call) was answered with a JSON-RPC error.
    #[error("{request} failed: {} ({})", error.message, error.code)]
    Rpc {
        /// The request.
        request: RequestKind,
        /// The error.
        error: ErrorObject,
    },
    /// The server no longer knows a task it created, before its TTL ran out.
    #[error("task {task_id} is no longer known to the server")]
    TaskLost {
        /// The task.
        task_id: TaskId,
    },
    /// The server kept answering 5xx until the retry budget ran out.
    #[error("{request}: server unavailable (HTTP {status})")]
    ServerUnavailable {
        /// The request.
        request: RequestKind,
        /// The last status.
        status: u16,
    },
    /// The server kept answering 429 until the retry budget ran out.
    #[error("{request}: rate limited")]
    RateLimited {
        /// The request.
        request: RequestKind,
    },
    /// The server refused the credentials (401) or the origin (403).
    #[error("{request}: not authorized (HTTP {status})")]
    Unauthorized {
        /// The request.
        request: RequestKind,
        /// 401 or 403.
        status: u16,
    },
    /// No call with this id exists in this engine.
    #[error("no call {call}")]
    UnknownCall {
        /// The id given.
        call: CallId,
    },
    /// The call already has its outcome.
    #[error("call {call} has already finished")]
    CallFinished {
        /// The call.
        call: CallId,
    },
    /// The call is not (or not yet) a task.
    #[error("call {call} is not a task")]
    NotATask {
        /// The call.
        call: CallId,
    },
    /// No input request with this id exists, or it belonged to a session that ended.
    #[error("no open input request {input}")]
    UnknownInput {
        /// The id given.
        input: InputId,
    },
    /// The input request was already answered; each is answered once.
    #[error("input request {input} was already answered")]
    InputAnswered {
        /// The id given.
        input: InputId,
    },
    /// The call must run as a task but the server does not allow that for this tool.
    #[error("tool {tool:?} cannot run as a task on this server")]
    TaskNotAllowed {
        /// The tool.
        tool: String,
    },
    /// The server or the generation does not offer what was asked.
    #[error("the server does not offer {feature}")]
    NotSupported {
        /// What was asked.
        feature: Feature,
    },
    /// The engine was closed.
    #[error("the engine is closed")]
    Closed,
    /// A task reference could not be read or belongs to another endpoint.
    #[error("unusable task reference: {reason}")]
    BadReference {
        /// Why.
        reason: ReferenceProblem,
    },
    /// The transport kept failing until the retry budget ran out.
    #[error("{request}: {failure}")]
    Transport {
        /// The request.
        request: RequestKind,
        /// The last failure the driver reported.
        #[source]
        failure: TransportFailure,
    },
    /// No answer arrived in time, repeatedly.
    #[error("{request}: timed out")]
    Timeout {
        /// The request.
        request: RequestKind,
    },
}

/// Why a [`TaskReference`](super::TaskReference) cannot be used.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceProblem {
    /// The text was not a reference.
    #[error("{0}")]
    Unreadable(WireError),
    /// The reference is for another endpoint than this engine's.
    #[error("it names another endpoint")]
    OtherEndpoint,
    /// The reference is for the other generation than the one this engine speaks.
    #[error("it names another protocol generation")]
    OtherGeneration,
}

impl ClientError {
    /// A stable, machine-readable code for the variant.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::MalformedMessage { .. } => "client_malformed_message",
            Self::MalformedResult { .. } => "client_malformed_result",
            Self::UnexpectedStatus { .. } => "client_unexpected_status",
            Self::UnexpectedContentType { .. } => "client_unexpected_content_type",
            Self::OversizeBody { .. } => "client_oversize_body",
            Self::OversizeEvent { .. } => "client_oversize_event",
            Self::MissingResponse { .. } => "client_missing_response",
            Self::UnknownResponse { .. } => "client_unknown_response",
            Self::UnexpectedRequest { .. } => "client_unexpected_request",
            Self::TerminalRegression { .. } => "client_terminal_regression",
            Self::WrongTask { .. } => "client_wrong_task",
            Self::UnsupportedProtocol { .. } => "client_unsupported_protocol",
            Self::Rpc { .. } => "client_rpc_error",
            Self::TaskLost { .. } => "client_task_lost",
            Self::ServerUnavailable { .. } => "client_server_unavailable",
            Self::RateLimited { .. } => "client_rate_limited",
            Self::Unauthorized { .. } => "client_unauthorized",
            Self::UnknownCall { .. } => "client_unknown_call",
            Self::CallFinished { .. } => "client_call_finished",
            Self::NotATask { .. } => "client_not_a_task",
            Self::UnknownInput { .. } => "client_unknown_input",
            Self::InputAnswered { .. } => "client_input_answered",
            Self::TaskNotAllowed { .. } => "client_task_not_allowed",
            Self::NotSupported { .. } => "client_not_supported",
            Self::Closed => "client_closed",
            Self::BadReference { .. } => "client_bad_reference",
            Self::Transport { .. } => "client_transport",
            Self::Timeout { .. } => "client_timeout",
        }
    }

    /// Whose fault the error is.
    pub const fn fault(&self) -> Fault {
        match self {
            Self::MalformedMessage { .. }
            | Self::MalformedResult { .. }
            | Self::UnexpectedStatus { .. }
            | Self::UnexpectedContentType { .. }
            | Self::OversizeBody { .. }
            | Self::OversizeEvent { .. }
            | Self::MissingResponse { .. }
            | Self::UnknownResponse { .. }
            | Self::UnexpectedRequest { .. }
            | Self::TerminalRegression { .. }
            | Self::WrongTask { .. }
            | Self::UnsupportedProtocol { .. }
            | Self::Rpc { .. }
            | Self::TaskLost { .. }
            | Self::ServerUnavailable { .. }
            | Self::RateLimited { .. } => Fault::Peer,
            Self::Unauthorized { .. }
            | Self::UnknownCall { .. }
            | Self::CallFinished { .. }
            | Self::NotATask { .. }
            | Self::UnknownInput { .. }
            | Self::InputAnswered { .. }
            | Self::TaskNotAllowed { .. }
            | Self::NotSupported { .. }
            | Self::Closed
            | Self::BadReference { .. } => Fault::Caller,
            Self::Transport { .. } | Self::Timeout { .. } => Fault::Transport,
        }
    }

    pub(crate) fn malformed_result(request: RequestKind, source: WireError) -> Self {
        Self::MalformedResult { request, source: Arc::new(source) }
    }

    pub(crate) fn malformed_message(request: RequestKind, source: EnvelopeError) -> Self {
        Self::MalformedMessage { request, source: Arc::new(source) }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::protocol::jsonrpc::ErrorCode;

    /// One value of every variant; the match below fails to compile when a variant is
    /// added without being listed here. The bindings' error tests use it too.
    pub(crate) fn every_variant() -> Vec<ClientError> {
        let r = RequestKind::GetTask;
        let envelope = crate::protocol::jsonrpc::Message::from_slice(b"[]").unwrap_err();
        let wire = WireError::MissingField { what: "x", field: "y" };
        let json_err = WireError::MissingField { what: "task reference", field: "taskId" };
        let all = vec![
            ClientError::malformed_message(r, envelope),
            ClientError::malformed_result(r, wire),
            ClientError::UnexpectedStatus { request: r, status: 418 },
            ClientError::UnexpectedContentType { request: r, content_type: None },
            ClientError::OversizeBody { request: r, limit: 1 },
            ClientError::OversizeEvent { request: r, source: SseError::EventTooLarge { limit: 1 } },
            ClientError::MissingResponse { request: r },
            ClientError::UnknownResponse { id: RequestId::Number(1) },
            ClientError::UnexpectedRequest { method: "roots/list".into() },
            ClientError::TerminalRegression {
                task_id: "t".into(),
                kept: TaskStatus::Completed,
                reported: TaskStatus::Working,
            },
            ClientError::WrongTask { expected: "a".into(), got: "b".into() },
            ClientError::UnsupportedProtocol { offered: "1999".into() },
            ClientError::Rpc {
                request: r,
                error: ErrorObject::new(ErrorCode::INTERNAL_ERROR, "x"),
            },
            ClientError::TaskLost { task_id: "t".into() },
            ClientError::ServerUnavailable { request: r, status: 503 },
            ClientError::RateLimited { request: r },
            ClientError::Unauthorized { request: r, status: 401 },
            ClientError::UnknownCall { call: CallId(1) },
            ClientError::CallFinished { call: CallId(1) },
            ClientError::NotATask { call: CallId(1) },
            ClientError::UnknownInput { input: InputId(1) },
            ClientError::InputAnswered { input: InputId(1) },
            ClientError::TaskNotAllowed { tool: "x".into() },
            ClientError::NotSupported { feature: Feature::ListTasks },
            ClientError::Closed,
            ClientError::BadReference { reason: ReferenceProblem::Unreadable(json_err) },
            ClientError::Transport {
                request: r,
                failure: TransportFailure::Connect("refused".into()),
            },
            ClientError::Timeout { request: r },
        ];
        for e in &all {
            match e {
                ClientError::MalformedMessage { .. }
                | ClientError::MalformedResult { .. }
                | ClientError::UnexpectedStatus { .. }
                | ClientError::UnexpectedContentType { .. }
                | ClientError::OversizeBody { .. }
                | ClientError::OversizeEvent { .. }
                | ClientError::MissingResponse { .. }
                | ClientError::UnknownResponse { .. }
                | ClientError::UnexpectedRequest { .. }
                | ClientError::TerminalRegression { .. }
                | ClientError::WrongTask { .. }
                | ClientError::UnsupportedProtocol { .. }
                | ClientError::Rpc { .. }
                | ClientError::TaskLost { .. }
                | ClientError::ServerUnavailable { .. }
                | ClientError::RateLimited { .. }
                | ClientError::Unauthorized { .. }
                | ClientError::UnknownCall { .. }
                | ClientError::CallFinished { .. }
                | ClientError::NotATask { .. }
                | ClientError::UnknownInput { .. }
                | ClientError::InputAnswered { .. }
                | ClientError::TaskNotAllowed { .. }
                | ClientError::NotSupported { .. }
                | ClientError::Closed
                | ClientError::BadReference { .. }
                | ClientError::Transport { .. }
                | ClientError::Timeout { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_variant_has_a_distinct_code_and_a_message() {
        let all = every_variant();
        let mut codes: Vec<_> = all.iter().map(ClientError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("client_")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        assert!(all.iter().all(|e| !e.to_string().is_empty()));
    }

    #[test]
    fn faults_are_attributed() {
        let all = every_variant();
        let count = |f: Fault| all.iter().filter(|e| e.fault() == f).count();
        assert_eq!(count(Fault::Peer), 16);
        assert_eq!(count(Fault::Caller), 10);
        assert_eq!(count(Fault::Transport), 2);
        assert_eq!(ClientError::Closed.fault(), Fault::Caller);
        assert_eq!(ClientError::Timeout { request: RequestKind::Listen }.fault(), Fault::Transport);
    }
}
