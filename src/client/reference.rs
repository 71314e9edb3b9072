//! What outlives an engine: a reference to follow a task again, and which generation each
//! endpoint spoke.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::json::{self, Fields, FromJson, read::put_opt};
use crate::protocol::{Mismatch, WireError};
use crate::task::Generation;

use super::error::{ClientError, ReferenceProblem};

/// Everything a new engine needs to continue following a task. Serialise it (it is plain
/// JSON) and hand it to [`Engine::resume`](super::Engine::resume) after a restart.
///
/// Its JSON form: `{endpoint, generation: "2025-11-25" | "2026-07-28", taskId, sessionId?,
/// tool?, progressToken?, expiresAtMs?}` (`tool` left out when unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskReference {
    /// The MCP endpoint URL.
    pub endpoint: String,
    /// The generation the task was created in.
    pub generation: Generation,
    /// The task.
    pub task_id: TaskId,
    /// The 2025-11-25 session the task belongs to.
    pub session_id: Option<String>,
    /// The tool that was called; empty when unknown (a task followed by id alone).
    pub tool: String,
    /// The progress token sent with the call, valid for the task's life.
    pub progress_token: Option<String>,
    /// `createdAt + ttl` in Unix milliseconds, when the task has a TTL.
    pub expires_at_ms: Option<u64>,
}

const REFERENCE: &str = "task reference";

impl FromJson for Generation {
    const EXPECTED: &'static str = "\"2025-11-25\" or \"2026-07-28\"";
    fn from_json(value: &Value) -> Option<Self> {
        Generation::from_protocol_version(value.as_str()?)
    }
}

fn unreadable(e: WireError) -> ClientError {
    ClientError::BadReference { reason: ReferenceProblem::Unreadable(e) }
}

/// The object in `text`, or why there is none.
fn object(text: &str, what: &'static str) -> Result<Map<String, Value>, ClientError> {
    json::parse_object(text.as_bytes()).map_err(|e| {
        let found = e.to_string();
        unreadable(WireError::Malformed {
            what,
            source: Mismatch::new(None, "a JSON object", found),
        })
    })
}

impl TaskReference {
    /// The reference as a JSON object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        map.insert("endpoint".into(), self.endpoint.as_str().into());
        map.insert("generation".into(), self.generation.protocol_version().into());
        map.insert("taskId".into(), self.task_id.as_str().into());
        put_opt(&mut map, "sessionId", self.session_id.as_deref());
        if !self.tool.is_empty() {
            map.insert("tool".into(), self.tool.as_str().into());
        }
        put_opt(&mut map, "progressToken", self.progress_token.as_deref());
        put_opt(&mut map, "expiresAtMs", self.expires_at_ms);
        map
    }

    /// The reference as JSON text.
    pub fn to_json(&self) -> String {
        json::to_string(&Value::Object(self.to_map()))
    }

    /// Reads a reference from its JSON object.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, ClientError> {
        let f = Fields::new(map, REFERENCE);
        let read = || -> Result<Self, WireError> {
            Ok(Self {
                endpoint: f.required("endpoint")?,
                generation: f.required("generation")?,
                task_id: f.required("taskId")?,
                session_id: f.optional("sessionId")?,
                tool: f.optional("tool")?.unwrap_or_default(),
                progress_token: f.optional("progressToken")?,
                expires_at_ms: f.optional("expiresAtMs")?,
            })
        };
        read().map_err(unreadable)
    }

    /// Reads a reference written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self, ClientError> {
        Self::from_map(&object(text, REFERENCE)?)
    }
}

/// Which generation each endpoint answered in, so that `Protocol::Auto` probes once per
/// endpoint rather than once per engine. Export it with [`to_json`](Self::to_json) to
/// persist it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointMemory {
    endpoints: BTreeMap<String, Generation>,
}

const MEMORY: &str = "endpoint memory";

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
        let endpoints = json::object_from(
            self.endpoints.iter().map(|(e, g)| (e.clone(), Value::from(g.protocol_version()))),
        );
        let mut map = Map::new();
        map.insert("endpoints".into(), Value::Object(endpoints));
        json::to_string(&Value::Object(map))
    }

    /// Reads memory written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self, ClientError> {
        let map = object(text, MEMORY)?;
        let endpoints = Fields::new(&map, MEMORY).required("endpoints").map_err(unreadable)?;
        Ok(Self { endpoints })
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
        // A task followed by id alone has no tool: the field is left out, and optional.
        let bare = TaskReference { tool: String::new(), ..r.clone() };
        assert!(!bare.to_map().contains_key("tool"));
        assert_eq!(TaskReference::from_json(&bare.to_json()).unwrap(), bare);
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
