//! One stored record as text, for backends that keep bytes (Redis, a Durable Object's
//! SQLite, a file).
//!
//! The document is JSON with a format number `v`, so a record written by one release can
//! be read by the next one, or refused with a clear reason instead of misread. Every field
//! of the record travels, including the bookkeeping the wire never shows (the owner, the
//! creation order, the bytes charged to the budgets), because several processes sharing a
//! backend must agree on them. Reading is strict: a record that does not decode is a
//! backend failure (someone else wrote that key, or the store is corrupt), never a guess.
//!
//! Nothing in the client package calls this, so it costs the wasm client no bytes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::jsonrpc::ErrorObject;
use crate::store::{BackendError, Owner, StoredTask};
use crate::task::{Generation, InputAnswer, InputRequests, Outcome, Task, TaskStatus};
use crate::time::Timestamp;

/// The format number written into every record; bumped when the layout changes.
const FORMAT: u32 = 1;

/// The record as written: borrowed from a [`StoredTask`], no copies.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Out<'a> {
    v: u32,
    id: &'a TaskId,
    status: TaskStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
    created_at: &'a Timestamp,
    updated_at: &'a Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    ttl: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    poll: Option<u64>,
    owner: &'a str,
    generation: &'static str,
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<Ended<'a>>,
    #[serde(skip_serializing_if = "InputRequests::is_empty")]
    inputs: &'a InputRequests,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    answers: Vec<(&'a str, Ended<'a>)>,
    next_input_key: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    cancel_requested: bool,
    charged: u64,
}

/// A result or an error: how a task ended, or how an input request was answered.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
enum Ended<'a> {
    Result(&'a Map<String, Value>),
    Error(&'a ErrorObject),
}

/// The record as read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct In {
    v: u32,
    id: TaskId,
    status: TaskStatus,
    #[serde(default)]
    message: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
    #[serde(default)]
    ttl: Option<u64>,
    #[serde(default)]
    poll: Option<u64>,
    owner: String,
    generation: String,
    seq: u64,
    #[serde(default)]
    outcome: Option<EndedIn>,
    #[serde(default)]
    inputs: InputRequests,
    #[serde(default)]
    answers: Vec<(String, EndedIn)>,
    next_input_key: u64,
    #[serde(default)]
    cancel_requested: bool,
    charged: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum EndedIn {
    Result(Map<String, Value>),
    Error(ErrorObject),
}

impl StoredTask {
    /// The whole record as one JSON document with a format number, every field included
    /// (the owner, the creation order and the bytes charged too), for backends that keep
    /// bytes.
    pub fn encode(&self) -> String {
        let task = &self.task;
        let out = Out {
            v: FORMAT,
            id: &task.task_id,
            status: task.status(),
            message: task.status_message.as_deref(),
            created_at: &task.created_at,
            updated_at: &task.last_updated_at,
            ttl: task.ttl_ms,
            poll: task.poll_interval_ms,
            owner: self.owner.as_str(),
            generation: self.generation.protocol_version(),
            seq: self.seq,
            outcome: self.outcome.as_ref().map(|outcome| match outcome {
                Outcome::Result(result) => Ended::Result(result),
                Outcome::Error(error) => Ended::Error(error),
            }),
            inputs: &self.input_requests,
            answers: self
                .input_answers
                .iter()
                .map(|(key, answer)| {
                    let answer = match answer {
                        InputAnswer::Response(result) => Ended::Result(result),
                        InputAnswer::Error(error) => Ended::Error(error),
                    };
                    (key.as_str(), answer)
                })
                .collect(),
            next_input_key: self.next_input_key,
            cancel_requested: self.cancel_requested,
            charged: self.charged,
        };
        // Only maps with string keys and plain values: serializing cannot fail.
        serde_json::to_string(&out).unwrap_or_default()
    }

    /// A record written by [`encode`](Self::encode); anything else is a
    /// [`BackendError`] naming `backend` and what was wrong.
    pub fn decode(text: &str, backend: &'static str) -> Result<Self, BackendError> {
        let fail = |reason: String| BackendError { backend, reason };
        let record: In = serde_json::from_str(text)
            .map_err(|e| fail(format!("stored task record does not decode: {e}")))?;
        if record.v != FORMAT {
            return Err(fail(format!(
                "stored task record has format {}, this build reads format {FORMAT}",
                record.v
            )));
        }
        let generation =
            Generation::from_protocol_version(&record.generation).ok_or_else(|| {
                fail(format!(
                    "stored task record names an unknown generation {:?}",
                    record.generation
                ))
            })?;
        let mut task = Task::observed(
            record.id,
            record.status,
            record.created_at,
            record.updated_at,
            record.ttl,
        );
        task.status_message = record.message;
        task.poll_interval_ms = record.poll;
        let outcome = record.outcome.map(|ended| match ended {
            EndedIn::Result(result) => Outcome::Result(result),
            EndedIn::Error(error) => Outcome::Error(error),
        });
        let input_answers = record
            .answers
            .into_iter()
            .map(|(key, ended)| {
                let answer = match ended {
                    EndedIn::Result(result) => InputAnswer::Response(result),
                    EndedIn::Error(error) => InputAnswer::Error(error),
                };
                (key, answer)
            })
            .collect();
        Ok(Self {
            task,
            owner: Owner::new(record.owner),
            generation,
            seq: record.seq,
            outcome,
            input_requests: record.inputs,
            input_answers,
            next_input_key: record.next_input_key,
            cancel_requested: record.cancel_requested,
            charged: record.charged,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::protocol::jsonrpc::ErrorCode;
    use crate::task::InputRequest;
    use crate::time::UnixMillis;

    fn record() -> StoredTask {
        let mut task =
            Task::new(TaskId("t-1".into()), UnixMillis(1_763_000_000_000), Some(60_000), None);
        task.status_message = Some("asking \"you\"\n".into());
        task.set_status(TaskStatus::InputRequired);
        let mut inputs = InputRequests::new();
        inputs.insert(
            "k1".into(),
            InputRequest { method: "elicitation/create".into(), params: Map::new() },
        );
        let mut answers = crate::task::InputAnswers::new();
        answers.insert(
            "k0".into(),
            InputAnswer::Response(
                json!({"action": "accept"}).as_object().cloned().unwrap_or_default(),
            ),
        );
        answers.insert("k2".into(), InputAnswer::Error(ErrorObject::new(ErrorCode(-32601), "no")));
        StoredTask {
            task,
            owner: Owner::new("alice"),
            generation: Generation::Legacy,
            seq: 7,
            outcome: None,
            input_requests: inputs,
            input_answers: answers,
            next_input_key: 3,
            cancel_requested: true,
            charged: 512,
        }
    }

    #[test]
    fn every_field_survives_a_round_trip() {
        let mut stored = record();
        assert_eq!(StoredTask::decode(&stored.encode(), "test"), Ok(stored.clone()));
        stored.task.set_status(TaskStatus::Failed);
        stored.generation = Generation::Extension;
        stored.outcome = Some(Outcome::Error(ErrorObject::new(ErrorCode(-32603), "boom")));
        stored.input_requests.clear();
        stored.input_answers.clear();
        stored.cancel_requested = false;
        stored.task.poll_interval_ms = Some(500);
        assert_eq!(StoredTask::decode(&stored.encode(), "test"), Ok(stored.clone()));
        stored.outcome = Some(Outcome::Result(
            json!({"content": [], "isError": true}).as_object().cloned().unwrap_or_default(),
        ));
        assert_eq!(StoredTask::decode(&stored.encode(), "test"), Ok(stored));
    }

    #[test]
    fn what_is_not_a_record_is_a_backend_error() {
        let good: Value = serde_json::from_str(&record().encode()).unwrap_or_default();
        let mut later = good.clone();
        later["v"] = json!(2);
        let mut stranger = good.clone();
        stranger["generation"] = json!("2024-11-05");
        let mut extra = good.clone();
        extra["surprise"] = json!(1);
        let mut bad_time = good;
        bad_time["createdAt"] = json!("yesterday");
        for (text, says) in [
            ("not json".to_owned(), "does not decode"),
            ("{}".to_owned(), "does not decode"),
            (later.to_string(), "format 2"),
            (stranger.to_string(), "unknown generation"),
            (extra.to_string(), "does not decode"),
            (bad_time.to_string(), "does not decode"),
        ] {
            let error = StoredTask::decode(&text, "test").err();
            assert!(
                error.as_ref().is_some_and(|e| e.backend == "test" && e.reason.contains(says)),
                "{text}: {error:?}"
            );
        }
    }
}
