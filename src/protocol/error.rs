//! What a peer's message can get wrong.

use std::borrow::Cow;
use std::fmt;

use crate::task::TaskStatus;
use crate::time::TimestampError;

/// A peer sent a message that does not fit the wire model. The peer is at fault.
#[derive(Clone, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// A value had the wrong shape or types for `what` (a method's params or result).
    #[error("malformed {what}: {source}")]
    Malformed {
        /// What was being read, e.g. "tasks/get result".
        what: &'static str,
        /// Which value was wrong, and how.
        #[source]
        source: Mismatch,
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

/// A value of the wrong type: which field (none for the message itself), what it should
/// have been and what it was.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Mismatch {
    /// The field, as a dotted path inside the message, when the problem is in one.
    pub field: Option<String>,
    /// What the value should have been, e.g. "a string".
    pub expected: Cow<'static, str>,
    /// What it was, e.g. "a number".
    pub found: Cow<'static, str>,
}

impl Mismatch {
    /// A mismatch in `field` (or in the value itself).
    pub fn new(
        field: Option<String>,
        expected: impl Into<Cow<'static, str>>,
        found: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self { field, expected: expected.into(), found: found.into() }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(field) = &self.field {
            f.write_str("field `")?;
            f.write_str(field)?;
            f.write_str("`: ")?;
        }
        f.write_str("expected ")?;
        f.write_str(&self.expected)?;
        f.write_str(", got ")?;
        f.write_str(&self.found)
    }
}

impl WireError {
    /// `what` (or its `field`) held `value` where `expected` belongs.
    pub fn mismatch(
        what: &'static str,
        field: Option<&str>,
        expected: &'static str,
        value: &serde_json::Value,
    ) -> Self {
        Self::mismatch_kind(what, field, expected, crate::protocol::json::kind_of(value))
    }

    /// As [`mismatch`](Self::mismatch), given what was found ("a string", "null", ...).
    pub fn mismatch_kind(
        what: &'static str,
        field: Option<&str>,
        expected: &'static str,
        found: &'static str,
    ) -> Self {
        let source = Mismatch::new(field.map(str::to_owned), expected, found);
        Self::Malformed { what, source }
    }

    /// The same error, for a value nested in `what` under `field` (a wrong type's path
    /// gains `field`).
    pub fn nested(self, what: &'static str, field: &str) -> Self {
        match self {
            Self::Malformed { source, .. } => {
                let inner =
                    source.field.map_or_else(|| field.to_owned(), |f| format!("{field}.{f}"));
                Self::Malformed { what, source: Mismatch { field: Some(inner), ..source } }
            }
            other => other,
        }
    }

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
