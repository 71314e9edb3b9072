//! `subscriptions/listen` with the extension's `notifications.taskIds`: which tasks a
//! caller may follow, and the `notifications/tasks` messages for them.
//!
//! The receiver decides what is agreed and shapes the messages; the IO layer holds the
//! stream, sends the acknowledgement first, then a `notifications/tasks` for every
//! [`Event::Status`](super::Event::Status) of a followed task.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::id::{IdSource, TaskId};
use crate::protocol::extension::{
    ListenParams, MissingClientCapability, NotificationSelection, SubscriptionsAcknowledgedParams,
    TaskStatusNotification,
};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject, RequestId};
use crate::protocol::meta::SUBSCRIPTION_ID;
use crate::receiver::{Caller, Receiver, detailed_task, invalid_params};
use crate::store::Backend;
use crate::task::{StatusPush, TaskView};
use crate::time::UnixMillis;

/// The most task ids one listen request follows; the rest are not agreed.
pub const MAX_LISTEN_TASKS: usize = 1000;

/// What a `subscriptions/listen` stream reports, as agreed.
#[derive(Clone, Debug, PartialEq)]
pub struct Subscription {
    /// The tasks to follow: those of the request that the caller owns and that exist, in
    /// request order, without repeats.
    pub task_ids: Vec<TaskId>,
    /// The `notifications/subscriptions/acknowledged` params (the stream's first message):
    /// the agreed `taskIds`, tagged with the subscription id. Selections the receiver does
    /// not serve (`toolsListChanged`, ...) are left out; an embedder that serves them adds
    /// them to `notifications.other`.
    pub acknowledged: SubscriptionsAcknowledgedParams,
    /// Each followed task as it is now, so that a change made before the stream opened is
    /// not missed. A terminal task here will not change again.
    pub current: Vec<TaskStatusNotification>,
}

impl<B: Backend, I: IdSource> Receiver<B, I> {
    /// Answers `subscriptions/listen` (request `subscription`) for its `taskIds`.
    ///
    /// Tasks of other owners, unknown and expired ids are simply not agreed, so a caller
    /// learns nothing about tasks it cannot read with `tasks/get`. Asking for task
    /// notifications without declaring the extension on this request is -32021.
    pub fn listen(
        &mut self,
        caller: &Caller,
        subscription: &RequestId,
        params: &Map<String, Value>,
        now: UnixMillis,
    ) -> Result<Subscription, ErrorObject> {
        if caller.generation.policy().status_push != StatusPush::Listen {
            return Err(ErrorObject::new(
                ErrorCode::METHOD_NOT_FOUND,
                "Method not found: subscriptions/listen",
            ));
        }
        let params = ListenParams::from_map(params).map_err(|e| invalid_params(&e))?;
        let requested = params.notifications.task_ids;
        if requested.is_some() && !caller.declares_extension {
            return Err(MissingClientCapability::tasks_extension().to_error());
        }
        let mut seen = HashSet::new();
        let mut task_ids = Vec::new();
        let mut current = Vec::new();
        for id in requested.iter().flatten() {
            if task_ids.len() == MAX_LISTEN_TASKS {
                break;
            }
            if !seen.insert(id.clone()) {
                continue;
            }
            let Ok(record) = self.store.get(&caller.owner, id, now) else {
                continue;
            };
            if let Some(now) = task_notification(record.view(), subscription) {
                task_ids.push(id.clone());
                current.push(now);
            }
        }
        let mut meta = Map::new();
        meta.insert(SUBSCRIPTION_ID.into(), subscription_value(subscription));
        let notifications = match requested {
            Some(_) => NotificationSelection::tasks(task_ids.clone()),
            None => NotificationSelection::default(),
        };
        let acknowledged = SubscriptionsAcknowledgedParams { notifications, meta: Some(meta) };
        Ok(Subscription { task_ids, acknowledged, current })
    }
}

/// The `notifications/tasks` params for a task as `view` shows it, on the stream of listen
/// request `subscription`: exactly what `tasks/get` would answer, plus the subscription
/// id. `None` when the task cannot be shown in the extension's shape.
pub fn task_notification(
    view: TaskView,
    subscription: &RequestId,
) -> Option<TaskStatusNotification> {
    let task = detailed_task(view).ok()?;
    Some(TaskStatusNotification::new(task, subscription))
}

fn subscription_value(id: &RequestId) -> Value {
    match id {
        RequestId::Number(n) => Value::from(*n),
        RequestId::String(s) => Value::from(s.as_str()),
    }
}
