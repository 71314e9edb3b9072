//! The `server/discover` result.

use serde_json::{Map, Value};

use super::fields::{Fields, put_opt, serde_via_map};
use super::request_meta::lists_tasks_extension;
use super::result_type::{RESULT_TYPE, ResultType};
use crate::protocol::WireError;
use crate::protocol::meta::TASKS_EXTENSION;

/// How long a client may cache our `server/discover` answer: it changes only when the
/// server is upgraded.
pub const DISCOVER_TTL_MS: u64 = 60_000;

/// What a 2026-07-28 server says about itself in answer to `server/discover`.
#[derive(Clone, Debug, PartialEq)]
pub struct DiscoverResult {
    /// `supportedVersions`: protocol revisions the server speaks.
    pub supported_versions: Vec<String>,
    /// `capabilities`, including `extensions`; kept as sent.
    pub capabilities: Map<String, Value>,
    /// `serverInfo` (`{name, version, ...}`), when sent; kept as sent.
    pub server_info: Option<Map<String, Value>>,
    /// `instructions` for the model.
    pub instructions: Option<String>,
    /// `cacheScope` (`"public"` or `"private"`), required by the 2026-07-28 schema for
    /// cacheable results; [`DiscoverResult::new`] sets `"public"`.
    pub cache_scope: Option<String>,
    /// `ttlMs`: how long a client may cache the result; [`DiscoverResult::new`] sets
    /// [`DISCOVER_TTL_MS`].
    pub ttl_ms: Option<u64>,
    /// `resultType` as received; [`DiscoverResult::new`] sets `"complete"`.
    pub result_type: Option<ResultType>,
    /// `_meta`, when present.
    pub meta: Option<Map<String, Value>>,
}

impl DiscoverResult {
    const WHAT: &'static str = "server/discover result";

    /// A result listing `supported_versions` and no capabilities.
    pub fn new(supported_versions: Vec<String>) -> Self {
        Self {
            supported_versions,
            capabilities: Map::new(),
            server_info: None,
            instructions: None,
            cache_scope: Some("public".into()),
            ttl_ms: Some(DISCOVER_TTL_MS),
            result_type: Some(ResultType::Complete),
            meta: None,
        }
    }

    /// The same, advertising the tasks extension.
    pub fn with_tasks_extension(mut self) -> Self {
        let ext =
            self.capabilities.entry("extensions").or_insert_with(|| Value::Object(Map::new()));
        if !ext.is_object() {
            *ext = Value::Object(Map::new());
        }
        if let Value::Object(ext) = ext {
            ext.insert(TASKS_EXTENSION.into(), Value::Object(Map::new()));
        }
        self
    }

    /// Whether `capabilities.extensions` lists the tasks extension.
    pub fn advertises_tasks_extension(&self) -> bool {
        lists_tasks_extension(&self.capabilities)
    }

    /// Parses a result; `supportedVersions` and `capabilities` are required.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        let f = Fields::new(map, Self::WHAT);
        Ok(Self {
            supported_versions: f.required("supportedVersions")?,
            capabilities: f.required("capabilities")?,
            server_info: f.object_field("serverInfo")?,
            instructions: f.optional("instructions")?,
            cache_scope: f.optional("cacheScope")?,
            ttl_ms: f.optional("ttlMs")?,
            result_type: ResultType::read(map, Self::WHAT)?,
            meta: f.object_field("_meta")?,
        })
    }

    /// Parses a JSON value (which must be an object).
    pub fn from_value(value: &Value) -> Result<Self, WireError> {
        Self::from_map(Fields::object(value, Self::WHAT)?)
    }

    /// The result object.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        let versions = self.supported_versions.iter().map(|v| Value::from(v.as_str())).collect();
        map.insert("supportedVersions".into(), Value::Array(versions));
        map.insert("capabilities".into(), Value::Object(self.capabilities.clone()));
        put_opt(&mut map, "serverInfo", self.server_info.clone());
        put_opt(&mut map, "instructions", self.instructions.clone());
        put_opt(&mut map, "cacheScope", self.cache_scope.clone());
        put_opt(&mut map, "ttlMs", self.ttl_ms);
        put_opt(&mut map, RESULT_TYPE, self.result_type.clone());
        put_opt(&mut map, "_meta", self.meta.clone());
        map
    }
}

serde_via_map!(DiscoverResult);
