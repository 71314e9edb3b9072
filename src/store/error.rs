//! What the store can refuse, and why.

use crate::id::{EntropyError, TaskId};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::store::{BackendError, Limit};
use crate::task::{TaskStatus, TransitionError};

/// A store operation that did not happen. Nothing was changed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No such task for this owner: never created, another owner's, expired or purged.
    #[error("task not found: {task_id}")]
    NotFound {
        /// The id that was asked for.
        task_id: TaskId,
    },
    /// The task is terminal and the operation needs a live one (2025-11-25 cancel of a
    /// finished task, or work reporting after the end).
    #[error("task {task_id} is already in terminal status '{status}'")]
    AlreadyTerminal {
        /// The task.
        task_id: TaskId,
        /// Its final status.
        status: TaskStatus,
    },
    /// The state machine refused the move.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The list cursor was not one this store issued.
    #[error("invalid cursor")]
    InvalidCursor,
    /// The owner already has as many live tasks as allowed.
    #[error("too many live tasks for this owner (limit {limit})")]
    OwnerLimit {
        /// The configured limit.
        limit: u32,
    },
    /// The write would take the store over one of its budgets
    /// ([`StoreConfig`](super::StoreConfig)): too many tasks or bytes stored for this
    /// owner or for everyone, or a question too large. Nothing was changed; retrying
    /// after tasks are removed (or with less data) may succeed.
    #[error("storage limit exceeded: {limit} is {max} {}", limit.unit())]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// Its configured value.
        max: u64,
    },
    /// The work reported a terminal status through the wrong call, or a live status
    /// through the finishing call.
    #[error("status {status} cannot be set this way")]
    WrongStatusKind {
        /// The status that was passed.
        status: TaskStatus,
    },
    /// No random bytes for a task id.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
    /// Other writers kept changing the task between this store's read and its write;
    /// nothing was changed. Retrying later is safe.
    #[error("task {task_id} kept changing under {attempts} write attempts")]
    Contended {
        /// The task.
        task_id: TaskId,
        /// How many times the write was tried.
        attempts: u32,
    },
    /// The storage under the store failed.
    #[error(transparent)]
    Backend(#[from] BackendError),
}

impl StoreError {
    /// A stable, machine-readable code for the variant.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "task_not_found",
            Self::AlreadyTerminal { .. } => "task_already_terminal",
            Self::Transition(_) => "illegal_transition",
            Self::InvalidCursor => "invalid_cursor",
            Self::OwnerLimit { .. } => "owner_task_limit",
            Self::LimitExceeded { .. } => "storage_limit_exceeded",
            Self::WrongStatusKind { .. } => "wrong_status_kind",
            Self::Entropy(_) => "entropy_unavailable",
            Self::Contended { .. } => "store_contended",
            Self::Backend(_) => "backend_failed",
        }
    }

    /// The JSON-RPC error a receiver answers with.
    ///
    /// Unknown, foreign, expired and purged tasks all read "not found" (-32602) so that a
    /// task's existence never leaks to another owner.
    pub fn to_error_object(&self) -> ErrorObject {
        match self {
            Self::NotFound { .. } => ErrorObject::new(
                ErrorCode::INVALID_PARAMS,
                "Failed to retrieve task: Task not found",
            ),
            Self::AlreadyTerminal { status, .. } => ErrorObject::new(
                ErrorCode::INVALID_PARAMS,
                format!("Cannot cancel task: already in terminal status '{status}'"),
            ),
            Self::InvalidCursor => ErrorObject::new(ErrorCode::INVALID_PARAMS, "Invalid cursor"),
            Self::OwnerLimit { limit } => ErrorObject::new(
                ErrorCode::INVALID_REQUEST,
                format!("Too many live tasks for this requestor (limit {limit})"),
            ),
            // Refused like the live-task limit: the request asks for more than the
            // receiver keeps, which is the requestor's to change (not an internal error).
            Self::LimitExceeded { limit, max } => ErrorObject::new(
                ErrorCode::INVALID_REQUEST,
                format!("Storage limit exceeded: {limit} is {max} {}", limit.unit()),
            )
            .with_data(serde_json::json!({"limit": limit.name(), "max": max})),
            other => ErrorObject::new(ErrorCode::INTERNAL_ERROR, other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_refusal_names_its_limit_everywhere() {
        let limits = [
            Limit::TasksPerOwner,
            Limit::TasksTotal,
            Limit::BytesPerOwner,
            Limit::BytesTotal,
            Limit::InputRequestBytes,
        ];
        for limit in limits {
            let e = StoreError::LimitExceeded { limit, max: 7 };
            assert_eq!(e.code(), "storage_limit_exceeded");
            assert!(e.to_string().contains(limit.name()), "{e}");
            let rpc = e.to_error_object();
            assert_eq!(rpc.code, ErrorCode::INVALID_REQUEST, "as the live-task limit is");
            assert!(rpc.message.contains(limit.name()), "{}", rpc.message);
            assert!(rpc.message.ends_with(&format!("7 {}", limit.unit())), "{}", rpc.message);
            let data = serde_json::json!({"limit": limit.name(), "max": 7});
            assert_eq!(rpc.data, Some(data));
        }
        let live = StoreError::OwnerLimit { limit: 3 }.to_error_object();
        assert_eq!(live.code, ErrorCode::INVALID_REQUEST);
    }
}
