//! The two task wire generations, as names. What each one means lives in its
//! [`Policy`](super::Policy).

use super::policy::{EXTENSION, LEGACY, Policy};

/// The two task wire generations in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Generation {
    /// Core tasks of protocol revision 2025-11-25 (TypeScript SDK 1.x, Python `mcp` 1.23–1.30).
    Legacy,
    /// The `io.modelcontextprotocol/tasks` extension of protocol 2026-07-28 (rmcp 3, C# 2).
    Extension,
}

impl Generation {
    /// Both generations, oldest first.
    pub const ALL: [Self; 2] = [Self::Legacy, Self::Extension];

    /// The protocol revision string of the generation.
    pub const fn protocol_version(self) -> &'static str {
        self.policy().protocol_version
    }

    /// The generation's rules: the one place that knows how the generations differ.
    pub const fn policy(self) -> &'static Policy {
        match self {
            Self::Legacy => &LEGACY,
            Self::Extension => &EXTENSION,
        }
    }

    /// The generation whose protocol revision string is `version`.
    pub fn from_protocol_version(version: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.protocol_version() == version)
    }
}
