//! 2026-07-28 `subscriptions/listen` streams for the tasks extension: who follows which
//! task, `notifications/tasks` on every status change, and the graceful end (the listen
//! request's result) once nothing is left to report.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::types::ResponseId;
use super::wire::{Out, sse_event};
use crate::id::TaskId;
use crate::protocol::jsonrpc::{Message, RequestId, ResultResponse};
use crate::protocol::meta::SUBSCRIPTION_ID;
use crate::receiver::{Subscription, task_notification};
use crate::store::Owner;
use crate::task::TaskView;

/// One open listen stream.
#[derive(Debug)]
struct Listener {
    owner: Owner,
    request_id: RequestId,
    response: ResponseId,
    tasks: BTreeSet<TaskId>,
}

impl Listener {
    fn send(&self, out: &mut Out, msg: &Value) -> bool {
        out.body(self.response, sse_event(None, msg), None)
    }

    /// The listen request's result: the subscription ended on the server's side, not by
    /// a broken connection.
    fn close(self, out: &mut Out) {
        let mut meta = Map::new();
        meta.insert(SUBSCRIPTION_ID.into(), json!(self.request_id));
        let mut result = Map::new();
        result.insert("resultType".into(), json!("complete"));
        result.insert("_meta".into(), Value::Object(meta));
        let msg = Message::Result(ResultResponse::new(self.request_id.clone(), result));
        self.send(out, &msg.to_value());
        out.end(self.response);
    }
}

/// The open listen streams.
#[derive(Debug, Default)]
pub(super) struct Listeners {
    next: u64,
    open: BTreeMap<u64, Listener>,
    by_task: BTreeMap<TaskId, Vec<u64>>,
}

impl Listeners {
    /// The tasks some open stream follows.
    pub fn followed(&self) -> impl Iterator<Item = &TaskId> {
        self.by_task.keys()
    }

    /// Starts the stream of listen request `request_id` on `response` (its head already
    /// sent): the acknowledgement, each followed task as it is now, and then its changes.
    /// A stream with nothing left to report (no task agreed, or all already terminal)
    /// ends at once, gracefully; otherwise its key comes back.
    pub fn open(
        &mut self,
        out: &mut Out,
        owner: Owner,
        request_id: RequestId,
        response: ResponseId,
        sub: Subscription,
    ) -> Option<u64> {
        let mut listener = Listener { owner, request_id, response, tasks: BTreeSet::new() };
        let ack = json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
            "params": sub.acknowledged.to_map()});
        listener.send(out, &ack);
        for (id, now) in sub.task_ids.into_iter().zip(sub.current) {
            let terminal = now.task.status().is_terminal();
            listener.send(out, &notification(now.to_map()));
            if !terminal {
                listener.tasks.insert(id);
            }
        }
        if listener.tasks.is_empty() {
            listener.close(out);
            return None;
        }
        self.next += 1;
        for task in &listener.tasks {
            self.by_task.entry(task.clone()).or_default().push(self.next);
        }
        self.open.insert(self.next, listener);
        Some(self.next)
    }

    /// A task changed: tell the streams following it (only its owner's), and end those
    /// that have nothing left to follow once it is terminal. Returns the responses that
    /// ended.
    pub fn status(&mut self, out: &mut Out, view: &TaskView, owner: &Owner) -> Vec<ResponseId> {
        let task = &view.task.task_id;
        let terminal = view.task.status().is_terminal();
        let mut ended = Vec::new();
        for key in self.by_task.get(task).cloned().unwrap_or_default() {
            let Some(listener) = self.open.get(&key) else {
                continue;
            };
            if &listener.owner != owner {
                continue;
            }
            let Some(params) = task_notification(view.clone(), &listener.request_id) else {
                continue;
            };
            if !listener.send(out, &notification(params.to_map())) {
                self.drop_listener(key);
            } else if terminal {
                ended.extend(self.unfollow(out, key, task));
            }
        }
        ended
    }

    /// A task is gone: nothing more will be said about it. Returns the responses that
    /// ended.
    pub fn removed(&mut self, out: &mut Out, task: &TaskId) -> Vec<ResponseId> {
        let mut ended = Vec::new();
        for key in self.by_task.get(task).cloned().unwrap_or_default() {
            ended.extend(self.unfollow(out, key, task));
        }
        ended
    }

    /// Ends every stream gracefully (the server stops).
    pub fn close_all(&mut self, out: &mut Out) {
        self.by_task.clear();
        while let Some((_, listener)) = self.open.pop_first() {
            listener.close(out);
        }
    }

    /// Forgets a stream whose client went away.
    pub fn drop_listener(&mut self, key: u64) {
        if let Some(listener) = self.open.remove(&key) {
            for task in &listener.tasks {
                self.unindex(key, task);
            }
        }
    }

    fn unfollow(&mut self, out: &mut Out, key: u64, task: &TaskId) -> Option<ResponseId> {
        self.unindex(key, task);
        let listener = self.open.get_mut(&key)?;
        listener.tasks.remove(task);
        if !listener.tasks.is_empty() {
            return None;
        }
        let listener = self.open.remove(&key)?;
        let response = listener.response;
        listener.close(out);
        Some(response)
    }

    fn unindex(&mut self, key: u64, task: &TaskId) {
        if let Some(keys) = self.by_task.get_mut(task) {
            keys.retain(|k| *k != key);
            if keys.is_empty() {
                self.by_task.remove(task);
            }
        }
    }
}

fn notification(params: Map<String, Value>) -> Value {
    json!({"jsonrpc": "2.0", "method": "notifications/tasks", "params": params})
}
