//! The rules in which the two wire generations differ, as data.
//!
//! Code that needs a generation-specific decision asks the [`Policy`] instead of matching
//! on [`Generation`], so the differences are listed here once.

use serde_json::{Map, Value};

use crate::task::TaskStatus;

/// The two task wire generations in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Generation {
    /// Core tasks of protocol revision 2025-11-25 (TypeScript SDK 1.x, Python `mcp` 1.23–1.30).
    Legacy,
    /// The `io.modelcontextprotocol/tasks` extension of protocol 2026-07-28 (rmcp 3, C# 2).
    Extension,
}

impl Generation {
    /// The protocol revision string of the generation.
    pub const fn protocol_version(self) -> &'static str {
        match self {
            Self::Legacy => "2025-11-25",
            Self::Extension => "2026-07-28",
        }
    }

    /// The generation's rules.
    pub const fn policy(self) -> &'static Policy {
        match self {
            Self::Legacy => &LEGACY,
            Self::Extension => &EXTENSION,
        }
    }
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
    /// Server→client JSON-RPC requests with related-task `_meta` (2025-11-25).
    SideChannel,
    /// `inputRequests` in `tasks/get`, answered with `tasks/update` (extension).
    Inline,
}

/// One generation's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
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
    /// Whether `tasks/list` exists.
    pub has_list: bool,
}

const LEGACY: Policy = Policy {
    tool_error_status: TaskStatus::Failed,
    terminal_cancel: TerminalCancel::Reject,
    cancel_mode: CancelMode::Synchronous,
    result_delivery: ResultDelivery::TasksResult,
    input_delivery: InputDelivery::SideChannel,
    has_list: true,
};

const EXTENSION: Policy = Policy {
    tool_error_status: TaskStatus::Completed,
    terminal_cancel: TerminalCancel::Ack,
    cancel_mode: CancelMode::Cooperative,
    result_delivery: ResultDelivery::Inline,
    input_delivery: InputDelivery::Inline,
    has_list: false,
};

impl Policy {
    /// The terminal status a finished tool call gives its task: `completed`, or the
    /// policy's [`tool_error_status`](Self::tool_error_status) when `isError` is true.
    pub fn status_for_tool_result(&self, result: &Map<String, Value>) -> TaskStatus {
        if result.get("isError") == Some(&Value::Bool(true)) {
            self.tool_error_status
        } else {
            TaskStatus::Completed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn is_error_maps_per_generation() {
        let Value::Object(err) = json!({"content": [], "isError": true}) else { unreachable!() };
        let Value::Object(ok) = json!({"content": []}) else { unreachable!() };
        assert_eq!(Generation::Legacy.policy().status_for_tool_result(&err), TaskStatus::Failed);
        assert_eq!(
            Generation::Extension.policy().status_for_tool_result(&err),
            TaskStatus::Completed
        );
        for g in [Generation::Legacy, Generation::Extension] {
            assert_eq!(g.policy().status_for_tool_result(&ok), TaskStatus::Completed);
        }
    }

    #[test]
    fn cancel_rules_differ() {
        assert_eq!(Generation::Legacy.policy().terminal_cancel, TerminalCancel::Reject);
        assert_eq!(Generation::Extension.policy().terminal_cancel, TerminalCancel::Ack);
        assert_eq!(Generation::Legacy.policy().cancel_mode, CancelMode::Synchronous);
        assert_eq!(Generation::Extension.policy().cancel_mode, CancelMode::Cooperative);
    }
}
