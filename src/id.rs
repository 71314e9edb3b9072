//! Identifiers and where they come from.
//!
//! Task ids must be unguessable: without an authorization context they are bearer handles.
//! The core never asks the operating system for randomness itself; it draws from an
//! injected [`IdSource`]. The default, [`RandomIds`], reads 128 bits from the platform CSPRNG
//! (`crypto.getRandomValues` on the web); tests use [`CounterIds`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// A task id, opaque to everyone but the receiver that minted it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub String);

impl TaskId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for TaskId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl From<String> for TaskId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

/// The platform could not supply random bytes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the platform random source failed: {0}")]
pub struct EntropyError(pub String);

impl EntropyError {
    /// The stable error code.
    pub const fn code(&self) -> &'static str {
        "entropy_unavailable"
    }
}

/// A source of fresh identifiers (task ids, session ids, cursor keys).
pub trait IdSource {
    /// A new identifier, distinct from every one this source returned before.
    fn next_id(&mut self) -> Result<String, EntropyError>;
}

/// 128 random bits from the platform CSPRNG, as 32 lowercase hex characters.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn next_id(&mut self) -> Result<String, EntropyError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| EntropyError(e.to_string()))?;
        Ok(hex(&bytes))
    }
}

/// Predictable ids (`prefix-1`, `prefix-2`, …) for tests and simulations.
#[derive(Clone, Debug)]
pub struct CounterIds {
    prefix: String,
    next: u64,
}

impl CounterIds {
    /// A counter whose ids start with `prefix`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self { prefix: prefix.into(), next: 1 }
    }
}

impl IdSource for CounterIds {
    fn next_id(&mut self) -> Result<String, EntropyError> {
        let id = format!("{}-{}", self.prefix, self.next);
        self.next += 1;
        Ok(id)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_128_bit_hex_and_distinct() {
        let mut ids = RandomIds;
        let a = ids.next_id().unwrap();
        let b = ids.next_id().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn counter_ids_count() {
        let mut ids = CounterIds::new("t");
        assert_eq!(ids.next_id().unwrap(), "t-1");
        assert_eq!(ids.next_id().unwrap(), "t-2");
    }
}
