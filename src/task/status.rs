//! The five task statuses shared by both wire generations.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a task is in its life. Identical in 2025-11-25 and in the extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Running. Every task starts here on the receiver.
    Working,
    /// Waiting for the requestor to answer input requests.
    InputRequired,
    /// Finished with a result (terminal).
    Completed,
    /// Finished with an error (terminal).
    Failed,
    /// Stopped on request (terminal).
    Cancelled,
}

impl TaskStatus {
    /// All five, in declaration order.
    pub const ALL: [Self; 5] =
        [Self::Working, Self::InputRequired, Self::Completed, Self::Failed, Self::Cancelled];

    /// Whether the status is final: `completed`, `failed` or `cancelled`.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// The wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Working => "working",
            Self::InputRequired => "input_required",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status a wire spelling names, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the state machine allows moving from `self` to `to`.
    ///
    /// working ⇄ input_required; both → completed | failed | cancelled; nothing leaves a
    /// terminal status. A same-status "move" of a live task is allowed: it is an update of
    /// `statusMessage` / `lastUpdatedAt` only.
    pub const fn can_become(self, to: Self) -> bool {
        use TaskStatus::*;
        match self {
            Working | InputRequired => {
                matches!(to, Working | InputRequired | Completed | Failed | Cancelled)
            }
            Completed | Failed | Cancelled => false,
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
