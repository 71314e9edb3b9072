//! What a peer's message can get wrong.

use crate::task::TaskStatus;
use crate::time::TimestampError;

/// A peer sent a message that does not fit the wire model. The peer is at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// A value had the wrong shape or types for `what` (a method's params or result).
    #[error("malformed {what}: {source}")]
    Malformed {
        /// What was being read, e.g. "tasks/get result".
        what: &'static str,
        /// serde's account of the mismatch.
        #[source]
        source: serde_json::Error,
    },
    /// A required field was absent.
    #[error("{what} is missing the required field `{field}`")]
    MissingField {
        /// What was being read.
        what: &'static str,
        /// The absent field.
        field: &'static str,
    },
    /// An extension task's payload does not belong to its status (e.g. `result` on a
    /// `working` task, or `completed` without `result`).
    #[error("a {status} task {problem}")]
    StatusPayloadMismatch {
        /// The status the peer reported.
        status: TaskStatus,
        /// What is wrong with the payload.
        problem: &'static str,
    },
    /// `resultType` had a value this message cannot have.
    #[error("unexpected resultType {found:?} (expected {expected})")]
    UnexpectedResultType {
        /// What was allowed.
        expected: &'static str,
        /// What arrived.
        found: String,
    },
    /// A timestamp was not RFC 3339.
    #[error(transparent)]
    Timestamp(#[from] TimestampError),
}

impl WireError {
    /// A stable, machine-readable code for the variant.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "wire_malformed",
            Self::MissingField { .. } => "wire_missing_field",
            Self::StatusPayloadMismatch { .. } => "wire_status_payload_mismatch",
            Self::UnexpectedResultType { .. } => "wire_unexpected_result_type",
            Self::Timestamp(_) => "wire_bad_timestamp",
        }
    }
}
