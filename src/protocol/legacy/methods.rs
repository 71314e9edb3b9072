//! Params and results of `tasks/*` and `notifications/tasks/status`, and the
//! `CreateTaskResult` a task-augmented request gets back.

use serde_json::Value;

use super::tools::CallToolResult;
use super::{
    Fields, Object, WireShape, WireTask, nested_list, nested_task, put, put_extra, related_task,
    serde_via_shape,
};
use crate::id::TaskId;
use crate::protocol::WireError;
use crate::task::Task;

/// The answer to a task-augmented request: the new task, nested under `task`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTaskResult {
    /// The task the receiver created.
    pub task: WireTask,
    /// `_meta`, where a server may put a model-immediate-response hint.
    pub meta: Option<Object>,
}

impl CreateTaskResult {
    /// The result for a freshly created task, without `_meta`.
    pub fn new(task: &Task) -> Self {
        Self { task: task.into(), meta: None }
    }

    /// The interim text for the model, if the server gave one.
    pub fn model_immediate_response(&self) -> Option<&str> {
        super::model_immediate_response(self.meta.as_ref())
    }
}

impl WireShape for CreateTaskResult {
    const WHAT: &'static str = "CreateTaskResult";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self { task: nested_task(f, "task")?, meta: f.object_field("_meta")? })
    }

    fn write(&self, map: &mut Object) {
        map.insert("task".into(), self.task.to_value());
        put(map, "_meta", self.meta.as_ref());
    }
}

/// Defines a shape that is a task's fields laid flat next to an optional `_meta`.
macro_rules! flat_task_shape {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            /// The task, flat in the object.
            pub task: WireTask,
            /// `_meta`, kept as sent (the TypeScript SDK sends `{}` on some of these).
            pub meta: Option<Object>,
        }

        impl $name {
            /// The shape for `task`, without `_meta`.
            pub fn new(task: &Task) -> Self {
                Self {
                    task: task.into(),
                    meta: None,
                }
            }
        }

        impl WireShape for $name {
            const WHAT: &'static str = $what;

            fn read(f: &Fields<'_>) -> Result<Self, WireError> {
                Ok(Self { task: WireTask::read_in(f)?, meta: f.object_field("_meta")? })
            }

            fn write(&self, map: &mut Object) {
                self.task.write_in(map);
                put(map, "_meta", self.meta.as_ref());
            }
        }

        serde_via_shape!($name);
    };
}

flat_task_shape!(
    /// The result of `tasks/get`: the task, flat.
    GetTaskResult,
    "tasks/get result"
);
flat_task_shape!(
    /// The result of `tasks/cancel`: the task, flat, normally `cancelled`.
    CancelTaskResult,
    "tasks/cancel result"
);
flat_task_shape!(
    /// The params of `notifications/tasks/status`: the task, flat.
    TaskStatusNotificationParams,
    "notifications/tasks/status params"
);

/// The result of `tasks/list`.
#[derive(Clone, Debug, PartialEq)]
pub struct ListTasksResult {
    /// One page of tasks.
    pub tasks: Vec<WireTask>,
    /// An opaque cursor for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// `_meta`, kept as sent.
    pub meta: Option<Object>,
}

impl WireShape for ListTasksResult {
    const WHAT: &'static str = "tasks/list result";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        let tasks = nested_list(f, "tasks", WireTask::read_in)?;
        Ok(Self { tasks, next_cursor: f.optional("nextCursor")?, meta: f.object_field("_meta")? })
    }

    fn write(&self, map: &mut Object) {
        let tasks = self.tasks.iter().map(WireShape::to_value).collect();
        map.insert("tasks".into(), Value::Array(tasks));
        put(map, "nextCursor", self.next_cursor.as_ref());
        put(map, "_meta", self.meta.as_ref());
    }
}

/// The params of `tasks/get`, `tasks/result` and `tasks/cancel`.
///
/// `taskId` is the only field a receiver acts on. Anything else a requestor sends is kept in
/// [`unknown`](Self::unknown) so it is re-emitted as received: the TypeScript client repeats
/// the creating request's `task: {ttl}` here.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskIdParams {
    /// The task asked about. The source of truth, whatever `_meta` says.
    pub task_id: TaskId,
    /// `_meta`. A related-task entry here must be ignored.
    pub meta: Option<Object>,
    /// Fields this revision does not define for these requests. Never acted on.
    pub unknown: Object,
}

impl TaskIdParams {
    /// Params naming `task_id` and nothing else.
    pub fn new(task_id: TaskId) -> Self {
        Self { task_id, meta: None, unknown: Object::new() }
    }
}

impl WireShape for TaskIdParams {
    const WHAT: &'static str = "tasks/get, tasks/result or tasks/cancel params";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self {
            task_id: f.required("taskId")?,
            meta: f.object_field("_meta")?,
            unknown: f.rest(&["taskId", "_meta"]),
        })
    }

    fn write(&self, map: &mut Object) {
        put_extra(map, &self.unknown);
        map.insert("taskId".into(), self.task_id.as_str().into());
        put(map, "_meta", self.meta.as_ref());
    }
}

/// The params of `tasks/list`. The request may omit `params` altogether.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListTasksParams {
    /// The cursor from the previous page.
    pub cursor: Option<String>,
    /// `_meta`, kept as sent.
    pub meta: Option<Object>,
}

impl WireShape for ListTasksParams {
    const WHAT: &'static str = "tasks/list params";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self { cursor: f.optional("cursor")?, meta: f.object_field("_meta")? })
    }

    fn write(&self, map: &mut Object) {
        put(map, "cursor", self.cursor.as_ref());
        put(map, "_meta", self.meta.as_ref());
    }
}

/// The result of `tasks/result`: whatever the original request would have returned, plus
/// the related-task `_meta`.
///
/// The payload is open (for a `tools/call` task it is a `CallToolResult`), so it is kept as
/// JSON; [`to_call_tool_result`](Self::to_call_tool_result) reads it as a tool result.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskPayloadResult {
    /// `_meta`; it must name the related task.
    pub meta: Option<Object>,
    /// The rest of the original request's result.
    pub payload: Object,
}

impl TaskPayloadResult {
    /// The result `payload` of the task `task_id`, with the related-task `_meta` added to any
    /// `_meta` the payload had.
    pub fn new(task_id: &TaskId, mut payload: Object) -> Self {
        let mut meta = match payload.remove("_meta") {
            Some(Value::Object(meta)) => meta,
            _ => Object::new(),
        };
        super::set_related_task(&mut meta, task_id);
        Self { meta: Some(meta), payload }
    }

    /// The task this result belongs to, per `_meta`.
    pub fn related_task(&self) -> Result<Option<TaskId>, WireError> {
        Ok(related_task(self.meta.as_ref())?.map(|r| r.task_id))
    }

    /// The payload read as a `CallToolResult` (with the same `_meta`).
    pub fn to_call_tool_result(&self) -> Result<CallToolResult, WireError> {
        CallToolResult::from_map(self.to_map())
    }
}

impl WireShape for TaskPayloadResult {
    const WHAT: &'static str = "tasks/result result";

    fn read(f: &Fields<'_>) -> Result<Self, WireError> {
        Ok(Self { meta: f.object_field("_meta")?, payload: f.rest(&["_meta"]) })
    }

    /// As [`read`](Self::read), but the payload is the owned object itself, not a copy.
    fn from_map(mut map: Object) -> Result<Self, WireError> {
        let meta = Fields::new(&map, Self::WHAT).object_field("_meta")?;
        map.remove("_meta");
        Ok(Self { meta, payload: map })
    }

    fn write(&self, map: &mut Object) {
        put_extra(map, &self.payload);
        put(map, "_meta", self.meta.as_ref());
    }
}

serde_via_shape!(
    CreateTaskResult,
    ListTasksResult,
    TaskIdParams,
    ListTasksParams,
    TaskPayloadResult
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::TaskStatus;
    use crate::time::UnixMillis;
    use serde_json::json;

    #[test]
    fn create_task_result_nests_the_task_and_checks_it() {
        let task = Task::new(TaskId::from("t"), UnixMillis(0), Some(60000), Some(5000));
        let v = CreateTaskResult::new(&task).to_value();
        assert_eq!(
            v,
            json!({"task":{"taskId":"t","status":"working",
                "createdAt":"1970-01-01T00:00:00.000Z","lastUpdatedAt":"1970-01-01T00:00:00.000Z",
                "ttl":60000,"pollInterval":5000}})
        );
        assert_eq!(CreateTaskResult::from_value(v).unwrap().task.to_task(), task);
        assert!(matches!(
            CreateTaskResult::from_value(json!({"taskId":"t"})),
            Err(WireError::MissingField { what: "CreateTaskResult", field: "task" })
        ));
        let err = CreateTaskResult::from_value(json!({"task":{"taskId":"t","status":"working",
            "createdAt":"now","lastUpdatedAt":"now"}}))
        .unwrap_err();
        assert!(matches!(err, WireError::Timestamp(_)), "{err:?}");
        let err = CreateTaskResult::from_value(json!({"task":{"status":"working"}})).unwrap_err();
        assert!(matches!(err, WireError::MissingField { field: "taskId", .. }));
    }

    #[test]
    fn flat_results_keep_an_empty_meta() {
        let v = json!({"_meta":{},"taskId":"a","status":"cancelled","ttl":null,
            "createdAt":"2026-11-21T19:35:50.482Z","lastUpdatedAt":"2026-11-21T19:35:51.710Z",
            "statusMessage":"Client cancelled task execution."});
        let r = CancelTaskResult::from_value(v.clone()).unwrap();
        assert_eq!(r.task.status, TaskStatus::Cancelled);
        assert_eq!(r.meta, Some(Object::new()));
        assert_eq!(r.to_value(), v);
        let get = GetTaskResult::from_value(json!({"taskId":"a","status":"unknown",
            "createdAt":"2026-11-21T19:35:50.482Z","lastUpdatedAt":"2026-11-21T19:35:51.710Z"}));
        assert!(matches!(get, Err(WireError::Malformed { what: "tasks/get result", .. })));
    }

    #[test]
    fn list_result_checks_every_task() {
        let ok = json!({"taskId":"a","status":"working","ttl":1,
            "createdAt":"2026-11-21T19:35:50Z","lastUpdatedAt":"2026-11-21T19:35:50Z"});
        let r =
            ListTasksResult::from_value(json!({"tasks":[ok.clone()],"nextCursor":"c"})).unwrap();
        assert_eq!(r.next_cursor.as_deref(), Some("c"));
        assert!(matches!(
            ListTasksResult::from_value(json!({"tasks":[ok, {"taskId":"b"}]})),
            Err(WireError::MissingField { what: "tasks/list result", field: "status" })
        ));
        assert!(matches!(
            ListTasksResult::from_value(json!({})),
            Err(WireError::MissingField { field: "tasks", .. })
        ));
        assert!(matches!(
            ListTasksResult::from_value(json!({"tasks":{}})),
            Err(WireError::Malformed { .. })
        ));
    }

    #[test]
    fn task_id_params_keep_but_set_aside_extra_fields() {
        let v = json!({"taskId":"t","task":{"ttl":60000}});
        let p = TaskIdParams::from_value(v.clone()).unwrap();
        assert_eq!(p.task_id.as_str(), "t");
        assert_eq!(p.unknown.get("task"), Some(&json!({"ttl":60000})));
        assert_eq!(p.to_value(), v);
        assert_eq!(TaskIdParams::new(TaskId::from("t")).to_value(), json!({"taskId":"t"}));
        assert!(matches!(
            TaskIdParams::from_value(json!({"taskId": 5})),
            Err(WireError::Malformed { .. })
        ));
    }

    #[test]
    fn payload_result_carries_related_task() {
        let mut payload = Object::new();
        payload.insert("content".into(), json!([]));
        payload.insert("_meta".into(), json!({"k": 1}));
        let r = TaskPayloadResult::new(&TaskId::from("t"), payload);
        assert_eq!(
            r.to_value(),
            json!({"content":[],"_meta":{"k":1,
                "io.modelcontextprotocol/related-task":{"taskId":"t"}}})
        );
        assert_eq!(r.related_task().unwrap(), Some(TaskId::from("t")));
        assert_eq!(r.to_call_tool_result().unwrap().content, Vec::<Value>::new());
        let meta_only = TaskPayloadResult::from_value(
            json!({"_meta":{"io.modelcontextprotocol/related-task":{"taskId":"t"}}}),
        )
        .unwrap();
        assert!(matches!(
            meta_only.to_call_tool_result(),
            Err(WireError::MissingField { field: "content", .. })
        ));
    }
}
