//! `_meta` keys and identifiers the tasks flow uses.

/// `_meta` key tying a message to a 2025-11-25 task: `{"taskId": "…"}`.
pub const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";
/// `_meta` key of a 2025-11-25 `CreateTaskResult`: interim text for the model.
pub const MODEL_IMMEDIATE_RESPONSE: &str = "io.modelcontextprotocol/model-immediate-response";
/// Per-request `_meta` key (2026-07-28): the protocol version.
pub const PROTOCOL_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
/// Per-request `_meta` key (2026-07-28): the client's capabilities.
pub const CLIENT_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
/// Per-request `_meta` key (2026-07-28): the client's name and version.
pub const CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key of every notification on a `subscriptions/listen` stream (2026-07-28).
pub const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";
/// The tasks extension identifier, as listed under `capabilities.extensions`.
pub const TASKS_EXTENSION: &str = "io.modelcontextprotocol/tasks";
/// `_meta` key of a request's progress token.
pub const PROGRESS_TOKEN: &str = "progressToken";
/// The protocol revision of core tasks.
pub const LEGACY_PROTOCOL_VERSION: &str = "2025-11-25";
/// The protocol revision the tasks extension goes with.
pub const EXTENSION_PROTOCOL_VERSION: &str = "2026-07-28";
