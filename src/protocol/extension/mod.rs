//! The `io.modelcontextprotocol/tasks` extension (protocol 2026-07-28).
//!
//! Every type reads from and writes to `serde_json` objects: `from_map` / `from_value` parse
//! a peer's message leniently (unknown fields ignored, open objects such as a tool `result`
//! kept whole) into a [`WireError`](crate::protocol::WireError) on failure, and `to_map`
//! emits exactly. The types also implement serde's traits through those two functions.

mod detailed;
mod discover;
mod error_data;
mod fields;
pub mod header;
mod messages;
mod request_meta;
mod result_type;
mod subscriptions;
mod task;

pub use detailed::{DetailedTask, TaskState};
pub use discover::{DISCOVER_TTL_MS, DiscoverResult};
pub use error_data::{MissingClientCapability, UnsupportedProtocolVersion};
pub use header::{HeaderValueError, decode_header_value, encode_header_value};
pub use messages::{
    AckResult, GetTaskResult, TaskIdParams, TaskStatusNotification, ToolCallResult,
    UpdateTaskParams,
};
pub use request_meta::{RequestMeta, lists_tasks_extension};
pub use result_type::{RESULT_TYPE, ResultType};
pub use subscriptions::{ListenParams, NotificationSelection, SubscriptionsAcknowledgedParams};
pub use task::{CreateTaskResult, Task, TaskFields};

/// Method names the extension uses.
pub mod method {
    /// Reads a task, with its inline result, error or input requests.
    pub const TASKS_GET: &str = "tasks/get";
    /// Answers a task's input requests.
    pub const TASKS_UPDATE: &str = "tasks/update";
    /// Asks a task to stop; always acknowledged.
    pub const TASKS_CANCEL: &str = "tasks/cancel";
    /// A task's status changed (on a `subscriptions/listen` stream).
    pub const NOTIFICATIONS_TASKS: &str = "notifications/tasks";
    /// Opens a notification stream.
    pub const SUBSCRIPTIONS_LISTEN: &str = "subscriptions/listen";
    /// First message of a listen stream: what the server agreed to report.
    pub const SUBSCRIPTIONS_ACKNOWLEDGED: &str = "notifications/subscriptions/acknowledged";
    /// Asks a 2026-07-28 server what it supports.
    pub const SERVER_DISCOVER: &str = "server/discover";
    /// The one method a task can stand in for.
    pub const TOOLS_CALL: &str = "tools/call";
}
