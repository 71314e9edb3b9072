//! The rules in which the two wire generations differ, as data: one [`Policy`] value per
//! generation.
//!
//! The requestor engine, the receiver and the reference server ask the policy of the
//! generation at hand ("is there a `tasks/result`?", "how does a cancel take effect?")
//! instead of matching on [`Generation`](super::Generation), so the differences are listed
//! here once. What remains a match on the generation elsewhere only picks the wire types
//! of one codec or the other.

use serde_json::{Map, Value};

use crate::task::TaskStatus;

/// The Streamable HTTP revision a generation travels on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// 2025-11-25: `initialize`, `Mcp-Session-Id` sessions, a standalone GET stream,
    /// resumable SSE (`Last-Event-ID`) and server→client requests. Dropping a connection
    /// does not cancel a request; `notifications/cancelled` does.
    Sessions,
    /// 2026-07-28: `server/discover` and stateless POSTs, each carrying its protocol
    /// version and capabilities in `_meta`; no server→client requests. Closing a
    /// request's stream cancels it.
    Stateless,
}

/// How a `tools/call` comes to run as a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskOptIn {
    /// The caller asks with `params.task {ttl}`; a tool's `taskSupport` may refuse either
    /// way with -32601 (2025-11-25).
    RequestParam,
    /// The caller lists the extension in the request's `_meta` client capabilities and
    /// the server decides; `tasks/*` without that declaration is -32021 (extension).
    DeclaredCapability,
}

/// What `tasks/cancel` does to a task that is already terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminalCancel {
    /// Reject with -32602 (2025-11-25).
    Reject,
    /// Answer with the empty ack (extension).
    Ack,
}

/// How a cancel takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CancelMode {
    /// The task is `cancelled` before the reply, which carries it (2025-11-25).
    Synchronous,
    /// The reply is an ack; the work is asked to stop and the task ends when it does
    /// (extension).
    Cooperative,
}

/// Where a terminal task's result is collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultDelivery {
    /// A separate, blocking `tasks/result` (2025-11-25).
    TasksResult,
    /// Inline in `tasks/get` (extension).
    Inline,
}

/// How input requests reach the requestor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputDelivery {
    /// Server→client JSON-RPC requests with related-task `_meta`, sent while a
    /// `tasks/result` is open (2025-11-25).
    SideChannel,
    /// `inputRequests` in `tasks/get`, answered with `tasks/update` (extension).
    Inline,
}

/// How a receiver pushes task status to the requestor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusPush {
    /// `notifications/tasks/status` (a flat task) on any of the session's streams, the
    /// standalone GET stream included (2025-11-25).
    SessionStreams,
    /// `notifications/tasks` (a detailed task), only on a `subscriptions/listen` stream
    /// that names the task (extension).
    Listen,
}

/// One generation's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// The protocol revision string.
    pub protocol_version: &'static str,
    /// The HTTP transport revision it travels on.
    pub transport: Transport,
    /// How a `tools/call` becomes a task.
    pub task_opt_in: TaskOptIn,
    /// Whether a plain `tools/call` may answer `input_required` and be sent again with
    /// `inputResponses` (2026-07-28 multi-round requests).
    pub multi_round_calls: bool,
    /// The status a tool result with `isError: true` gives the task.
    pub tool_error_status: TaskStatus,
    /// What cancelling a terminal task answers.
    pub terminal_cancel: TerminalCancel,
    /// How cancel takes effect.
    pub cancel_mode: CancelMode,
    /// Where the result is collected.
    pub result_delivery: ResultDelivery,
    /// How input requests travel.
    pub input_delivery: InputDelivery,
    /// How status changes are pushed.
    pub status_push: StatusPush,
    /// Whether `tasks/list` exists.
    pub has_list: bool,
}

pub(super) const LEGACY: Policy = Policy {
    protocol_version: "2025-11-25",
    transport: Transport::Sessions,
    task_opt_in: TaskOptIn::RequestParam,
    multi_round_calls: false,
    tool_error_status: TaskStatus::Failed,
    terminal_cancel: TerminalCancel::Reject,
    cancel_mode: CancelMode::Synchronous,
    result_delivery: ResultDelivery::TasksResult,
    input_delivery: InputDelivery::SideChannel,
    status_push: StatusPush::SessionStreams,
    has_list: true,
};

pub(super) const EXTENSION: Policy = Policy {
    protocol_version: "2026-07-28",
    transport: Transport::Stateless,
    task_opt_in: TaskOptIn::DeclaredCapability,
    multi_round_calls: true,
    tool_error_status: TaskStatus::Completed,
    terminal_cancel: TerminalCancel::Ack,
    cancel_mode: CancelMode::Cooperative,
    result_delivery: ResultDelivery::Inline,
    input_delivery: InputDelivery::Inline,
    status_push: StatusPush::Listen,
    has_list: false,
};

const TASKS_GET: &str = "tasks/get";
const TASKS_CANCEL: &str = "tasks/cancel";
const TASKS_RESULT: &str = "tasks/result";
const TASKS_UPDATE: &str = "tasks/update";
const TASKS_LIST: &str = "tasks/list";

impl Policy {
    /// The terminal status a finished tool call gives its task: `completed`, or the
    /// policy's [`tool_error_status`](Self::tool_error_status) when `isError` is true.
    pub fn status_for_tool_result(&self, result: &Map<String, Value>) -> TaskStatus {
        self.status_after_tool(result.get("isError") == Some(&Value::Bool(true)))
    }

    /// [`status_for_tool_result`](Self::status_for_tool_result) for a result whose
    /// `isError` is already known.
    pub const fn status_after_tool(&self, is_error: bool) -> TaskStatus {
        if is_error { self.tool_error_status } else { TaskStatus::Completed }
    }

    /// Whether there are sessions, with their standalone GET stream, resumable SSE and
    /// `DELETE` at the end.
    pub const fn has_sessions(&self) -> bool {
        matches!(self.transport, Transport::Sessions)
    }

    /// Whether the server may send requests to the client (pings, input requests).
    pub const fn has_server_requests(&self) -> bool {
        matches!(self.transport, Transport::Sessions)
    }

    /// Whether closing a request's response stream cancels the request; otherwise the
    /// requestor says so with `notifications/cancelled`.
    pub const fn closing_cancels(&self) -> bool {
        matches!(self.transport, Transport::Stateless)
    }

    /// Whether requests (`tasks/*` included) must declare the extension in their `_meta`.
    pub const fn requires_declaration(&self) -> bool {
        matches!(self.task_opt_in, TaskOptIn::DeclaredCapability)
    }

    /// The method that collects a terminal task's result, when it is not inline.
    pub const fn result_method(&self) -> Option<&'static str> {
        match self.result_delivery {
            ResultDelivery::TasksResult => Some(TASKS_RESULT),
            ResultDelivery::Inline => None,
        }
    }

    /// The method that answers a task's input requests, when they are answered by a
    /// `tasks/*` request rather than as responses to the receiver's own requests.
    pub const fn update_method(&self) -> Option<&'static str> {
        match self.input_delivery {
            InputDelivery::Inline => Some(TASKS_UPDATE),
            InputDelivery::SideChannel => None,
        }
    }

    /// The method that lists tasks, when there is one.
    pub const fn list_method(&self) -> Option<&'static str> {
        if self.has_list { Some(TASKS_LIST) } else { None }
    }

    /// The method that reads a task (the same in both generations).
    pub const fn get_method(&self) -> &'static str {
        TASKS_GET
    }

    /// The method that cancels a task (the same in both generations).
    pub const fn cancel_method(&self) -> &'static str {
        TASKS_CANCEL
    }

    /// The `params` field whose value a request of `method` repeats in its `Mcp-Name`
    /// header, where the transport routes by headers: the tool's `name` of a
    /// `tools/call`, the `taskId` of every `tasks/*` request. A server rejects a missing
    /// or different header with -32020.
    pub fn name_header_param(&self, method: &str) -> Option<&'static str> {
        match (self.transport, method) {
            (Transport::Sessions, _) => None,
            (Transport::Stateless, "tools/call") => Some("name"),
            (Transport::Stateless, m) if self.serves(m) => Some("taskId"),
            (Transport::Stateless, _) => None,
        }
    }

    /// Whether `method` is one of this generation's `tasks/*` requests; any other is
    /// -32601 ("method not found").
    pub fn serves(&self, method: &str) -> bool {
        [
            Some(self.get_method()),
            Some(self.cancel_method()),
            self.result_method(),
            self.update_method(),
            self.list_method(),
        ]
        .contains(&Some(method))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::Generation::{self, Extension, Legacy};
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    /// The spec digest's method tables: 2025-11-25 has get, result, list and cancel;
    /// the extension has get, update and cancel, and answers -32601 to the others.
    #[test]
    fn each_generation_serves_exactly_its_tasks_methods() {
        let table = [
            ("tasks/get", true, true),
            ("tasks/cancel", true, true),
            ("tasks/result", true, false),
            ("tasks/list", true, false),
            ("tasks/update", false, true),
            ("tasks/delete", false, false),
            ("tools/call", false, false),
            ("tasks/get ", false, false),
        ];
        for (method, legacy, extension) in table {
            assert_eq!(Legacy.policy().serves(method), legacy, "2025-11-25 {method}");
            assert_eq!(Extension.policy().serves(method), extension, "extension {method}");
        }
    }

    #[test]
    fn is_error_maps_per_generation() {
        let err = object(json!({"content": [], "isError": true}));
        let ok = object(json!({"content": []}));
        let not_bool = object(json!({"content": [], "isError": "true"}));
        assert_eq!(Legacy.policy().status_for_tool_result(&err), TaskStatus::Failed);
        assert_eq!(Extension.policy().status_for_tool_result(&err), TaskStatus::Completed);
        for g in Generation::ALL {
            assert_eq!(g.policy().status_for_tool_result(&ok), TaskStatus::Completed);
            assert_eq!(g.policy().status_for_tool_result(&not_bool), TaskStatus::Completed);
            assert_eq!(g.policy().status_after_tool(false), TaskStatus::Completed);
        }
    }

    #[test]
    fn cancel_rules_differ() {
        assert_eq!(Legacy.policy().terminal_cancel, TerminalCancel::Reject);
        assert_eq!(Extension.policy().terminal_cancel, TerminalCancel::Ack);
        assert_eq!(Legacy.policy().cancel_mode, CancelMode::Synchronous);
        assert_eq!(Extension.policy().cancel_mode, CancelMode::Cooperative);
        assert!(!Legacy.policy().closing_cancels(), "2025-11-25: a disconnect is no cancel");
        assert!(Extension.policy().closing_cancels());
    }

    #[test]
    fn results_and_inputs_travel_per_generation() {
        let (l, e) = (Legacy.policy(), Extension.policy());
        assert_eq!(l.result_method(), Some("tasks/result"));
        assert_eq!(e.result_method(), None);
        assert_eq!(l.update_method(), None);
        assert_eq!(e.update_method(), Some("tasks/update"));
        assert_eq!(l.list_method(), Some("tasks/list"));
        assert_eq!(e.list_method(), None);
        assert_eq!(l.input_delivery, InputDelivery::SideChannel);
        assert_eq!(e.input_delivery, InputDelivery::Inline);
        assert_eq!(
            (l.status_push, e.status_push),
            (StatusPush::SessionStreams, StatusPush::Listen)
        );
        assert!(!l.multi_round_calls && e.multi_round_calls);
    }

    /// 2026-07-28 routing: `Mcp-Name` repeats `params.name` of `tools/call` and
    /// `params.taskId` of `tasks/get|update|cancel`; 2025-11-25 has no such header.
    #[test]
    fn name_headers_per_generation() {
        let table = [
            ("tools/call", Some("name")),
            ("tasks/get", Some("taskId")),
            ("tasks/update", Some("taskId")),
            ("tasks/cancel", Some("taskId")),
            ("tasks/result", None),
            ("tools/list", None),
            ("subscriptions/listen", None),
        ];
        for (method, extension) in table {
            assert_eq!(Extension.policy().name_header_param(method), extension, "{method}");
            assert_eq!(Legacy.policy().name_header_param(method), None, "{method}");
        }
    }

    #[test]
    fn transports_and_opt_in_per_generation() {
        let (l, e) = (Legacy.policy(), Extension.policy());
        assert_eq!((l.transport, e.transport), (Transport::Sessions, Transport::Stateless));
        assert!(l.has_sessions() && l.has_server_requests());
        assert!(!e.has_sessions() && !e.has_server_requests());
        assert_eq!(l.task_opt_in, TaskOptIn::RequestParam);
        assert!(!l.requires_declaration() && e.requires_declaration());
    }

    #[test]
    fn protocol_versions_name_their_generation() {
        assert_eq!(Legacy.protocol_version(), "2025-11-25");
        assert_eq!(Extension.protocol_version(), "2026-07-28");
        assert_eq!(Legacy.protocol_version(), crate::protocol::meta::LEGACY_PROTOCOL_VERSION);
        assert_eq!(Extension.protocol_version(), crate::protocol::meta::EXTENSION_PROTOCOL_VERSION);
        for g in Generation::ALL {
            assert_eq!(Generation::from_protocol_version(g.protocol_version()), Some(g));
        }
        assert_eq!(Generation::from_protocol_version("2025-06-18"), None);
    }

    /// Fields that describe one thing twice must agree, whatever a future edit does.
    #[test]
    fn derived_answers_agree_with_their_fields() {
        for g in Generation::ALL {
            let p = g.policy();
            assert_eq!(
                p.result_method().is_some(),
                p.result_delivery == ResultDelivery::TasksResult,
                "{g:?}"
            );
            // Side-channel input needs server→client requests; synchronous cancel rejects
            // a terminal task because it cannot cancel it.
            assert_eq!(p.input_delivery == InputDelivery::SideChannel, p.has_server_requests());
            assert_eq!(
                p.cancel_mode == CancelMode::Synchronous,
                p.terminal_cancel == TerminalCancel::Reject
            );
            assert_eq!(p.status_push == StatusPush::SessionStreams, p.has_sessions());
        }
    }
}
