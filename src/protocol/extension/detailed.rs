//! `DetailedTask`: a task with the payload its status carries, flat beside the task fields.

use serde_json::{Map, Value};

use super::fields::{Fields, serde_via_map};
use super::task::{Task, TaskFields};
use crate::protocol::WireError;
use crate::protocol::jsonrpc::ErrorObject;
use crate::task::{InputRequests, Outcome, Payload, TaskStatus, TaskView};

const INPUT_REQUESTS: &str = "inputRequests";
const RESULT: &str = "result";
const ERROR: &str = "error";

/// The status of a detailed task together with its payload, so the two cannot disagree.
#[derive(Clone, Debug, PartialEq)]
pub enum TaskState {
    /// `working`: no payload.
    Working,
    /// `input_required`: every outstanding request, by key.
    InputRequired {
        /// `inputRequests`: key to `{method, params}`.
        input_requests: InputRequests,
    },
    /// `completed`: the original request's result (a `CallToolResult`, possibly with
    /// `isError: true`), kept as an open object.
    Completed {
        /// `result`.
        result: Map<String, Value>,
    },
    /// `failed`: the JSON-RPC error the original request ended with.
    Failed {
        /// `error`.
        error: ErrorObject,
    },
    /// `cancelled`: no payload.
    Cancelled,
}

impl TaskState {
    /// The status this state belongs to.
    pub const fn status(&self) -> TaskStatus {
        match self {
            Self::Working => TaskStatus::Working,
            Self::InputRequired { .. } => TaskStatus::InputRequired,
            Self::Completed { .. } => TaskStatus::Completed,
            Self::Failed { .. } => TaskStatus::Failed,
            Self::Cancelled => TaskStatus::Cancelled,
        }
    }

    /// Reads the payload that `status` requires, rejecting any payload it must not carry.
    fn read(status: TaskStatus, f: &Fields<'_>) -> Result<Self, WireError> {
        let mismatch = |problem| WireError::StatusPayloadMismatch { status, problem };
        let allowed = match status {
            TaskStatus::InputRequired => INPUT_REQUESTS,
            TaskStatus::Completed => RESULT,
            TaskStatus::Failed => ERROR,
            TaskStatus::Working | TaskStatus::Cancelled => "",
        };
        for (key, problem) in [
            (INPUT_REQUESTS, "must not carry `inputRequests`"),
            (RESULT, "must not carry `result`"),
            (ERROR, "must not carry `error`"),
        ] {
            if key != allowed && f.has(key) {
                return Err(mismatch(problem));
            }
        }
        if !allowed.is_empty() && !f.has(allowed) {
            return Err(mismatch(match status {
                TaskStatus::InputRequired => "lacks `inputRequests`",
                TaskStatus::Completed => "lacks `result`",
                _ => "lacks `error`",
            }));
        }
        Ok(match status {
            TaskStatus::Working => Self::Working,
            TaskStatus::Cancelled => Self::Cancelled,
            TaskStatus::InputRequired => {
                Self::InputRequired { input_requests: f.required(INPUT_REQUESTS)? }
            }
            TaskStatus::Completed => Self::Completed { result: f.required(RESULT)? },
            TaskStatus::Failed => Self::Failed { error: f.required(ERROR)? },
        })
    }

    fn write(&self, map: &mut Map<String, Value>) {
        let (key, value) = match self {
            Self::Working | Self::Cancelled => return,
            Self::InputRequired { input_requests } => {
                (INPUT_REQUESTS, requests_value(input_requests))
            }
            Self::Completed { result } => (RESULT, Value::Object(result.clone())),
            Self::Failed { error } => (ERROR, Value::from(error)),
        };
        map.insert(key.into(), value);
    }
}

/// Input requests as their wire object, `{key: {method, params}}`.
fn requests_value(requests: &InputRequests) -> Value {
    let map = crate::protocol::json::object_from(requests.iter().map(|(key, r)| {
        let mut one = Map::new();
        one.insert("method".into(), r.method.as_str().into());
        one.insert("params".into(), Value::Object(r.params.clone()));
        (key.clone(), Value::Object(one))
    }));
    Value::Object(map)
}

/// `DetailedTask`: what `tasks/get` returns and `notifications/tasks` carries.
#[derive(Clone, Debug, PartialEq)]
pub struct DetailedTask {
    /// The fields shared with [`Task`].
    pub fields: TaskFields,
    /// The status and its payload.
    pub state: TaskState,
}

impl DetailedTask {
    /// The status.
    pub const fn status(&self) -> TaskStatus {
        self.state.status()
    }

    /// The task without its payload.
    pub fn summary(&self) -> Task {
        Task { status: self.status(), fields: self.fields.clone() }
    }

    /// Parses a detailed task object; unknown fields are ignored.
    pub fn from_map(map: &Map<String, Value>) -> Result<Self, WireError> {
        Self::read(&Fields::new(map, "DetailedTask"))
    }

    /// Parses a JSON value (which must be an object).
    pub fn from_value(value: &Value) -> Result<Self, WireError> {
        Self::from_map(Fields::object(value, "DetailedTask")?)
    }

    pub(super) fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        let status: TaskStatus = f.required("status")?;
        let state = TaskState::read(status, f)?;
        Ok(Self { fields: TaskFields::read(f)?, state })
    }

    /// The task as a JSON object, payload included.
    pub fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        self.write(&mut map);
        map
    }

    pub(super) fn write(&self, map: &mut Map<String, Value>) {
        self.fields.write(self.status(), map);
        self.state.write(map);
    }
}

serde_via_map!(DetailedTask);

impl From<DetailedTask> for TaskView {
    fn from(d: DetailedTask) -> Self {
        let task = d.fields.to_model(d.status());
        let payload = match d.state {
            TaskState::Working | TaskState::Cancelled => Payload::None,
            TaskState::InputRequired { input_requests } => Payload::InputRequests(input_requests),
            TaskState::Completed { result } => Payload::Outcome(Outcome::Result(result)),
            TaskState::Failed { error } => Payload::Outcome(Outcome::Error(error)),
        };
        Self { task, payload }
    }
}

impl TryFrom<&TaskView> for DetailedTask {
    type Error = WireError;

    /// Fails with [`WireError::StatusPayloadMismatch`] when the view's payload does not
    /// belong to its status (e.g. a `completed` view whose result travels elsewhere).
    fn try_from(view: &TaskView) -> Result<Self, WireError> {
        let status = view.task.status();
        let mismatch = |problem| WireError::StatusPayloadMismatch { status, problem };
        let state = match (status, &view.payload) {
            (TaskStatus::Working, Payload::None) => TaskState::Working,
            (TaskStatus::Cancelled, Payload::None) => TaskState::Cancelled,
            (TaskStatus::InputRequired, Payload::InputRequests(r)) => {
                TaskState::InputRequired { input_requests: r.clone() }
            }
            (TaskStatus::Completed, Payload::Outcome(Outcome::Result(r))) => {
                TaskState::Completed { result: r.clone() }
            }
            (TaskStatus::Failed, Payload::Outcome(Outcome::Error(e))) => {
                TaskState::Failed { error: e.clone() }
            }
            (TaskStatus::InputRequired, _) => return Err(mismatch("lacks `inputRequests`")),
            (TaskStatus::Completed, _) => return Err(mismatch("lacks `result`")),
            (TaskStatus::Failed, _) => return Err(mismatch("lacks `error`")),
            (TaskStatus::Working | TaskStatus::Cancelled, _) => {
                return Err(mismatch("must carry no payload"));
            }
        };
        Ok(Self { fields: TaskFields::from_model(&view.task), state })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::TaskId;
    use crate::task::Task as ModelTask;
    use crate::time::UnixMillis;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn base(status: &str) -> Map<String, Value> {
        obj(json!({"taskId": "t", "status": status, "createdAt": "2026-08-01T00:00:00Z",
            "lastUpdatedAt": "2026-08-01T00:00:01Z", "ttlMs": null}))
    }

    #[test]
    fn every_wrong_payload_is_a_mismatch_for_every_status() {
        let payloads = [
            ("inputRequests", json!({"k": {"method": "roots/list", "params": {}}})),
            ("result", json!({"content": []})),
            ("error", json!({"code": -32603, "message": "x"})),
        ];
        for status in TaskStatus::ALL {
            for (key, value) in &payloads {
                let mut m = base(status.as_str());
                m.insert((*key).into(), value.clone());
                let ok = matches!(
                    (status, *key),
                    (TaskStatus::InputRequired, "inputRequests")
                        | (TaskStatus::Completed, "result")
                        | (TaskStatus::Failed, "error")
                );
                match DetailedTask::from_map(&m) {
                    Ok(d) => {
                        assert!(ok, "{status} with {key} accepted");
                        assert_eq!(Value::Object(d.to_map()), Value::Object(m));
                    }
                    Err(e) => {
                        assert!(!ok, "{status} with {key} rejected: {e}");
                        assert_eq!(e.code(), "wire_status_payload_mismatch");
                    }
                }
            }
        }
    }

    #[test]
    fn null_payload_counts_as_absent() {
        let mut m = base("working");
        m.insert("result".into(), Value::Null);
        assert_eq!(DetailedTask::from_map(&m).unwrap().state, TaskState::Working);
        let mut m = base("completed");
        m.insert("result".into(), Value::Null);
        assert!(matches!(
            DetailedTask::from_map(&m),
            Err(WireError::StatusPayloadMismatch { problem: "lacks `result`", .. })
        ));
    }

    #[test]
    fn view_round_trip_and_mismatched_view() {
        let mut m = base("failed");
        m.insert("error".into(), json!({"code": -32603, "message": "boom"}));
        let d = DetailedTask::from_map(&m).unwrap();
        let view = TaskView::from(d.clone());
        assert_eq!(view.task.status(), TaskStatus::Failed);
        assert_eq!(DetailedTask::try_from(&view).unwrap(), d);

        let fresh = ModelTask::new(TaskId::from("n"), UnixMillis(5), None, Some(100));
        let mut view =
            TaskView { task: fresh, payload: Payload::Outcome(Outcome::Result(Map::new())) };
        assert_eq!(
            DetailedTask::try_from(&view).unwrap_err().code(),
            "wire_status_payload_mismatch"
        );
        view.payload = Payload::None;
        let d = DetailedTask::try_from(&view).unwrap();
        assert_eq!(d.to_map().get("pollIntervalMs"), Some(&json!(100)));
        assert_eq!(d.to_map().get("ttlMs"), Some(&Value::Null));
    }
}
