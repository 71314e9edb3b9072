//! What a request is, and what a server may lack: the words errors are made of.

use std::fmt;

/// Which request an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestKind {
    /// `initialize` (2025-11-25).
    Initialize,
    /// `notifications/initialized` (2025-11-25).
    Initialized,
    /// `server/discover` (2026-07-28).
    Discover,
    /// `tools/list`.
    ListTools,
    /// `tools/call`.
    CallTool,
    /// `tasks/get`.
    GetTask,
    /// `tasks/result` (2025-11-25).
    TaskResult,
    /// `tasks/cancel`.
    CancelTask,
    /// `tasks/list` (2025-11-25).
    ListTasks,
    /// `tasks/update` (extension).
    UpdateTask,
    /// The response to a server's input request (2025-11-25).
    InputResponse,
    /// `notifications/cancelled` for a plain call (2025-11-25).
    CancelNotification,
    /// The standalone GET stream (2025-11-25).
    Stream,
    /// `subscriptions/listen` (extension).
    Listen,
    /// `DELETE` of the session (2025-11-25).
    EndSession,
    /// `notifications/tasks/status` about a task the client hosts (2025-11-25).
    StatusNotification,
}

impl RequestKind {
    /// The JSON-RPC method (or HTTP verb) the request uses.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Initialize => "initialize",
            Self::Initialized => "notifications/initialized",
            Self::Discover => "server/discover",
            Self::ListTools => "tools/list",
            Self::CallTool => "tools/call",
            Self::GetTask => "tasks/get",
            Self::TaskResult => "tasks/result",
            Self::CancelTask => "tasks/cancel",
            Self::ListTasks => "tasks/list",
            Self::UpdateTask => "tasks/update",
            Self::InputResponse => "input response",
            Self::CancelNotification => "notifications/cancelled",
            Self::Stream => "GET stream",
            Self::Listen => "subscriptions/listen",
            Self::EndSession => "DELETE session",
            Self::StatusNotification => "notifications/tasks/status",
        }
    }
}

impl RequestKind {
    /// Whether a server may hold such a request open for long (see
    /// [`HttpRequest::long_lived`](crate::protocol::http::HttpRequest::long_lived)).
    pub(crate) const fn long_lived(self) -> bool {
        matches!(self, Self::CallTool | Self::TaskResult | Self::Stream | Self::Listen)
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A feature the server did not declare or the generation does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// `tasks/cancel` (2025-11-25 servers declare `tasks.cancel`).
    CancelTask,
    /// `tasks/list` (2025-11-25 only, and only when declared).
    ListTasks,
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CancelTask => "tasks/cancel",
            Self::ListTasks => "tasks/list",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::RequestKind::*;

    #[test]
    fn streams_held_results_and_tool_calls_are_the_long_lived_requests() {
        let long = [CallTool, TaskResult, Stream, Listen];
        let short = [
            Initialize,
            Initialized,
            Discover,
            ListTools,
            GetTask,
            CancelTask,
            ListTasks,
            UpdateTask,
            InputResponse,
            CancelNotification,
            EndSession,
        ];
        assert!(long.iter().all(|k| k.long_lived()));
        assert!(short.iter().all(|k| !k.long_lived()), "{:?}", short.map(|k| k.long_lived()));
    }
}
