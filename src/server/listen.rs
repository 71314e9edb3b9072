//! 2026-07-28 `subscriptions/listen` streams for the tasks extension: who follows which
//! task, `notifications/tasks` on every status change, and the graceful end (the listen
//! request's result) once nothing is left to report.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value, json};

use super::http::{SseSender, sse_event};
use crate::id::TaskId;
use crate::protocol::jsonrpc::{Message, RequestId, ResultResponse};
use crate::protocol::meta::SUBSCRIPTION_ID;
use crate::receiver::{Subscription, task_notification};
use crate::store::Owner;
use crate::task::TaskView;

/// One open listen stream.
struct Listener {
    owner: Owner,
    request_id: RequestId,
    tx: SseSender,
    tasks: HashSet<TaskId>,
}

impl Listener {
    fn send(&self, msg: &Value) -> bool {
        self.tx.send(sse_event(None, msg)).is_ok()
    }

    /// The listen request's result: the subscription ended on the server's side, not by
    /// a broken connection.
    fn close(self) {
        let mut meta = Map::new();
        meta.insert(SUBSCRIPTION_ID.into(), json!(self.request_id));
        let mut result = Map::new();
        result.insert("resultType".into(), json!("complete"));
        result.insert("_meta".into(), Value::Object(meta));
        let msg = Message::Result(ResultResponse::new(self.request_id.clone(), result));
        let _ = self.send(&msg.to_value());
    }
}

/// The open listen streams.
#[derive(Default)]
pub(crate) struct Listeners {
    next: u64,
    open: HashMap<u64, Listener>,
    by_task: HashMap<TaskId, Vec<u64>>,
}

impl Listeners {
    /// Starts the stream of listen request `request_id` on `tx`: the acknowledgement, each
    /// followed task as it is now, and then its changes. A stream with nothing left to
    /// report (no task agreed, or all already terminal) ends at once, gracefully.
    pub fn open(&mut self, owner: Owner, request_id: RequestId, tx: SseSender, sub: Subscription) {
        let mut listener = Listener { owner, request_id, tx, tasks: HashSet::new() };
        let ack = json!({"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
            "params": sub.acknowledged.to_map()});
        if !listener.send(&ack) {
            return;
        }
        for (id, now) in sub.task_ids.into_iter().zip(sub.current) {
            let terminal = now.task.status().is_terminal();
            if !listener.send(&notification(now.to_map())) {
                return;
            }
            if !terminal {
                listener.tasks.insert(id);
            }
        }
        if listener.tasks.is_empty() {
            listener.close();
            return;
        }
        self.next += 1;
        for task in &listener.tasks {
            self.by_task.entry(task.clone()).or_default().push(self.next);
        }
        self.open.insert(self.next, listener);
    }

    /// A task changed: tell the streams following it (only its owner's), and end those
    /// that have nothing left to follow once it is terminal.
    pub fn status(&mut self, view: &TaskView, owner: &Owner) {
        let task = &view.task.task_id;
        let terminal = view.task.status().is_terminal();
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
            if !listener.send(&notification(params.to_map())) {
                self.drop_listener(key);
            } else if terminal {
                self.unfollow(key, task);
            }
        }
    }

    /// A task is gone: nothing more will be said about it.
    pub fn removed(&mut self, task: &TaskId) {
        for key in self.by_task.get(task).cloned().unwrap_or_default() {
            self.unfollow(key, task);
        }
    }

    /// Forgets streams whose client went away.
    pub fn prune(&mut self) {
        let gone: Vec<u64> =
            self.open.iter().filter(|(_, l)| l.tx.is_closed()).map(|(k, _)| *k).collect();
        for key in gone {
            self.drop_listener(key);
        }
    }

    /// Ends every stream gracefully (the server stops).
    pub fn close_all(&mut self) {
        self.by_task.clear();
        for (_, listener) in self.open.drain() {
            listener.close();
        }
    }

    fn unfollow(&mut self, key: u64, task: &TaskId) {
        self.unindex(key, task);
        let Some(listener) = self.open.get_mut(&key) else {
            return;
        };
        listener.tasks.remove(task);
        if listener.tasks.is_empty() {
            if let Some(listener) = self.open.remove(&key) {
                listener.close();
            }
        }
    }

    fn drop_listener(&mut self, key: u64) {
        if let Some(listener) = self.open.remove(&key) {
            for task in &listener.tasks {
                self.unindex(key, task);
            }
        }
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
