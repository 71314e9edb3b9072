//! What outlives an engine: a reference to follow a task again, and which generation each
//! endpoint spoke.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::id::TaskId;
use crate::task::Generation;

use super::error::{ClientError, ReferenceProblem};

/// Everything a new engine needs to continue following a task. Serialise it (it is plain
/// JSON) and hand it to [`Engine::resume`](super::Engine::resume) after a restart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskReference {
    /// The MCP endpoint URL.
    pub endpoint: String,
    /// The generation the task was created in.
    #[serde(with = "generation_text")]
    pub generation: Generation,
    /// The task.
    pub task_id: TaskId,
    /// The 2025-11-25 session the task belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// The tool that was called.
    pub tool: String,
    /// The progress token sent with the call, valid for the task's life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_token: Option<String>,
    /// `createdAt + ttl` in Unix milliseconds, when the task has a TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<u64>,
}

impl TaskReference {
    /// The reference as JSON text.
    pub fn to_json(&self) -> String {
        // A struct of strings and integers always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a reference written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self, ClientError> {
        serde_json::from_str(text).map_err(|e| ClientError::BadReference {
            reason: ReferenceProblem::Unreadable(Arc::new(e)),
        })
    }
}

/// Which generation each endpoint answered in, so that `Protocol::Auto` probes once per
/// endpoint rather than once per engine. Export it with [`to_json`](Self::to_json) to
/// persist it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointMemory {
    #[serde(with = "generation_map")]
    endpoints: BTreeMap<String, Generation>,
}

impl EndpointMemory {
    /// Nothing remembered.
    pub fn new() -> Self {
        Self::default()
    }

    /// What `endpoint` spoke last time.
    pub fn get(&self, endpoint: &str) -> Option<Generation> {
        self.endpoints.get(endpoint).copied()
    }

    /// Records what `endpoint` speaks.
    pub fn remember(&mut self, endpoint: impl Into<String>, generation: Generation) {
        self.endpoints.insert(endpoint.into(), generation);
    }

    /// Forgets `endpoint`.
    pub fn forget(&mut self, endpoint: &str) {
        self.endpoints.remove(endpoint);
    }

    /// Every remembered endpoint.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Generation)> {
        self.endpoints.iter().map(|(e, g)| (e.as_str(), *g))
    }

    /// The memory as JSON text: `{"endpoints": {"<url>": "2025-11-25" | "2026-07-28"}}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads memory written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self, ClientError> {
        serde_json::from_str(text).map_err(|e| ClientError::BadReference {
            reason: ReferenceProblem::Unreadable(Arc::new(e)),
        })
    }
}

/// A generation as its protocol revision string.
mod generation_text {
    use super::*;

    pub(super) fn serialize<S: Serializer>(g: &Generation, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(g.protocol_version())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Generation, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom(format!("unknown revision {text:?}")))
    }

    pub(super) fn parse(text: &str) -> Option<Generation> {
        [Generation::Legacy, Generation::Extension]
            .into_iter()
            .find(|g| g.protocol_version() == text)
    }
}

mod generation_map {
    use super::*;

    pub(super) fn serialize<S: Serializer>(
        m: &BTreeMap<String, Generation>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let text: BTreeMap<&str, &str> =
            m.iter().map(|(k, g)| (k.as_str(), g.protocol_version())).collect();
        text.serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, Generation>, D::Error> {
        let text = BTreeMap::<String, String>::deserialize(d)?;
        text.into_iter()
            .map(|(k, v)| match generation_text::parse(&v) {
                Some(g) => Ok((k, g)),
                None => Err(serde::de::Error::custom(format!("unknown revision {v:?}"))),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_round_trips_as_plain_json() {
        let r = TaskReference {
            endpoint: "http://127.0.0.1:8787/mcp".into(),
            generation: Generation::Legacy,
            task_id: "t-1".into(),
            session_id: Some("s".into()),
            tool: "export".into(),
            progress_token: Some("p-1".into()),
            expires_at_ms: Some(5),
        };
        let text = r.to_json();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["generation"], "2025-11-25");
        assert_eq!(v["taskId"], "t-1");
        assert_eq!(TaskReference::from_json(&text).unwrap(), r);
        let bad = TaskReference::from_json(r#"{"endpoint":"x","generation":"1999-01-01"}"#);
        assert_eq!(bad.unwrap_err().code(), "client_bad_reference");
    }

    #[test]
    fn memory_round_trips() {
        let mut m = EndpointMemory::new();
        m.remember("https://a/mcp", Generation::Extension);
        m.remember("https://b/mcp", Generation::Legacy);
        let text = m.to_json();
        assert!(text.contains("2026-07-28"), "{text}");
        let back = EndpointMemory::from_json(&text).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.get("https://a/mcp"), Some(Generation::Extension));
        m.forget("https://a/mcp");
        assert_eq!(m.iter().count(), 1);
    }
}
