//! One-off requests: listing tools (every page), listing tasks, fetching a task.

use std::collections::HashMap;

use serde_json::Map;

use crate::id::TaskId;
use crate::protocol::http::ExchangeId;
use crate::protocol::legacy::{ListTasksResult, ListToolsResult, Tool};
use crate::task::{Generation, TaskView};
use crate::time::UnixMillis;

use super::collect::Observed;
use super::drive::Completion;
use super::drive::task_params;
use super::error::{ClientError, Feature, RequestKind};
use super::event::Event;
use super::exchange::{Problem, Purpose};
use super::schedule::retry_delay;
use super::{Engine, OpId, TimerKey};

/// What a one-off request asks.
#[derive(Clone, Debug)]
pub(super) enum OpKind {
    /// `tools/list`, following `nextCursor`; the pages so far.
    ListTools { cursor: Option<String>, tools: Vec<Tool> },
    /// One page of `tasks/list`.
    ListTasks { cursor: Option<String> },
    /// One `tasks/get`.
    GetTask { task_id: TaskId },
}

#[derive(Debug)]
pub(super) struct Op {
    pub kind: OpKind,
    pub exchange: Option<ExchangeId>,
    pub failures: u32,
    /// Started by the engine itself (to learn tools' task support): no event.
    pub internal: bool,
}

impl Engine {
    pub(super) fn start_op(&mut self, now: UnixMillis, kind: OpKind) -> Result<OpId, ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        if matches!(kind, OpKind::ListTasks { .. })
            && self.conn.generation().is_some_and(|g| g.policy().list_method().is_none())
        {
            return Err(ClientError::NotSupported { feature: Feature::ListTasks });
        }
        Ok(self.add_op(now, kind, false))
    }

    fn add_op(&mut self, now: UnixMillis, kind: OpKind, internal: bool) -> OpId {
        self.next_op += 1;
        let id = OpId(self.next_op);
        self.ops.insert(id, Op { kind, exchange: None, failures: 0, internal });
        self.ensure_connected(now);
        self.timers.set(TimerKey::Op(id), now);
        id
    }

    /// Lists the tools for the engine's own use, once at a time.
    pub(super) fn load_tools(&mut self, now: UnixMillis) {
        if self.tools_op.is_none() {
            let op = self.add_op(now, OpKind::ListTools { cursor: None, tools: Vec::new() }, true);
            self.tools_op = Some(op);
        }
    }

    pub(super) fn send_op(&mut self, now: UnixMillis, id: OpId) {
        if !self.conn.is_ready() || now < self.gate {
            if self.conn.is_ready() {
                self.timers.set(TimerKey::Op(id), self.gate);
            }
            return;
        }
        let policy = self.conn.policy().unwrap_or(Generation::Legacy.policy());
        let Some(op) = self.ops.get(&id) else { return };
        if op.exchange.is_some() {
            return;
        }
        let (kind, name, params) = match &op.kind {
            OpKind::ListTools { cursor, .. } => {
                let mut params = Map::new();
                if let Some(c) = cursor {
                    params.insert("cursor".into(), c.clone().into());
                }
                (RequestKind::ListTools, "tools/list", params)
            }
            OpKind::ListTasks { cursor } => {
                let Some(list) = policy.list_method().filter(|_| self.conn.allows_list()) else {
                    return self.fail_op(
                        now,
                        id,
                        ClientError::NotSupported { feature: Feature::ListTasks },
                    );
                };
                let mut params = Map::new();
                if let Some(c) = cursor {
                    params.insert("cursor".into(), c.clone().into());
                }
                (RequestKind::ListTasks, list, params)
            }
            OpKind::GetTask { task_id } => {
                (RequestKind::GetTask, policy.get_method(), task_params(task_id))
            }
        };
        let x = self.send_rpc(now, kind, Purpose::Op(id), name, params);
        if let Some(op) = self.ops.get_mut(&id) {
            op.exchange = Some(x);
        }
    }

    pub(super) fn on_op_done(&mut self, now: UnixMillis, id: OpId, completion: Completion) {
        let generation = self.conn.generation.unwrap_or(Generation::Legacy);
        let Some(op) = self.ops.get_mut(&id) else { return };
        op.exchange = None;
        let request = match op.kind {
            OpKind::ListTools { .. } => RequestKind::ListTools,
            OpKind::ListTasks { .. } => RequestKind::ListTasks,
            OpKind::GetTask { .. } => RequestKind::GetTask,
        };
        let result = match completion {
            Completion::Reply(Ok(result)) => result,
            Completion::Reply(Err(error)) => {
                return self.fail_op(now, id, ClientError::Rpc { request, error });
            }
            Completion::Problem(Problem::SessionLost) => {
                // Sent again once the new session is up.
                return;
            }
            Completion::Problem(Problem::Transient { error, retry_after_ms }) => {
                op.failures += 1;
                if op.failures > self.config.backoff.max_attempts {
                    return self.fail_op(now, id, error);
                }
                let attempt = op.failures;
                let delay =
                    retry_delay(&self.config.backoff, attempt, retry_after_ms, &mut self.rng);
                self.timers.set(TimerKey::Op(id), now.saturating_add(delay));
                return;
            }
            Completion::Problem(Problem::Peer(error) | Problem::Fatal(error)) => {
                return self.fail_op(now, id, error);
            }
            Completion::Problem(Problem::NotAllowed)
            | Completion::Ended
            | Completion::Http { .. } => {
                return self.fail_op(now, id, ClientError::MissingResponse { request });
            }
        };
        let malformed = |e| ClientError::malformed_result(request, e);
        match &mut op.kind {
            OpKind::ListTools { cursor, tools } => match result.read::<ListToolsResult>() {
                Ok(page) => {
                    tools.extend(page.tools);
                    op.failures = 0;
                    if page.next_cursor.is_some() && page.next_cursor != *cursor {
                        *cursor = page.next_cursor;
                        self.timers.set(TimerKey::Op(id), now);
                        return;
                    }
                    let tools = std::mem::take(tools);
                    let internal = op.internal;
                    self.ops.remove(&id);
                    self.timers.clear(TimerKey::Op(id));
                    self.tools = Some(tools.iter().map(|t| (t.name.clone(), t.clone())).collect());
                    if self.tools_op == Some(id) {
                        self.tools_op = None;
                    }
                    if !internal {
                        self.emit(Event::ToolsListed { op: id, tools });
                    }
                    self.tools_known(now);
                }
                Err(e) => self.fail_op(now, id, malformed(e)),
            },
            OpKind::ListTasks { .. } => match (result.raw(), result.read::<ListTasksResult>()) {
                (raw, Ok(page)) => {
                    self.ops.remove(&id);
                    let tasks = page.tasks.into_iter().map(Into::into).collect();
                    let next_cursor = page.next_cursor;
                    self.emit(Event::TasksListed { op: id, tasks, next_cursor, raw });
                }
                (_, Err(e)) => self.fail_op(now, id, malformed(e)),
            },
            OpKind::GetTask { .. } => {
                let raw = result.raw().filter(|_| generation == Generation::Legacy);
                let view = Observed::read_get(generation, result).map(TaskView::from);
                match view {
                    Ok(view) => {
                        self.ops.remove(&id);
                        self.emit(Event::TaskFetched { op: id, view, raw });
                    }
                    Err((e, _)) => self.fail_op(now, id, malformed(e)),
                }
            }
        }
    }

    /// Ends an op with an error. The engine's own tool listing ends quietly: calls
    /// waiting for it go on as if no tool allowed tasks.
    pub(super) fn fail_op(&mut self, now: UnixMillis, id: OpId, error: ClientError) {
        let Some(op) = self.ops.remove(&id) else { return };
        self.timers.clear(TimerKey::Op(id));
        if let Some(x) = op.exchange {
            self.abort(x);
        }
        if self.tools_op == Some(id) {
            self.tools_op = None;
            if self.tools.is_none() {
                self.tools = Some(HashMap::new());
            }
            self.tools_known(now);
        }
        if !op.internal {
            self.emit(Event::OpFailed { op: id, error });
        }
    }
}
