//! Long-lived streams and what arrives on them: the 2025-11-25 standalone GET stream
//! (resumed with `Last-Event-ID` after its `retry`), the extension `subscriptions/listen`
//! stream, and the notifications they (and every other stream) carry.

use std::collections::HashSet;

use serde_json::Value;

use crate::id::TaskId;
use crate::protocol::extension::{TaskStatusNotification, method};
use crate::protocol::http::ExchangeId;
use crate::protocol::jsonrpc::{ErrorCode, Notification};
use crate::protocol::legacy::{TaskStatusNotificationParams, WireShape};
use crate::protocol::meta::PROGRESS_TOKEN;
use crate::task::{Policy, StatusPush};
use crate::time::UnixMillis;

use super::collect::Observed;
use super::drive::Completion;
use super::error::{ClientError, RequestKind};
use super::event::Event;
use super::exchange::{Exchange, Problem, Purpose};
use super::schedule::{backoff_delay, server_wait};
use super::{Engine, TimerKey, extension, legacy};

/// The delay before reopening a stream whose server gave no `retry`.
const DEFAULT_RETRY_MS: u64 = 1000;

/// The 2025-11-25 GET stream.
#[derive(Debug, Default)]
pub(super) struct StreamState {
    /// The server does not offer it (405), or keeps failing it.
    pub disabled: bool,
    /// It has carried a status of a followed task: this server's pushes arrive.
    pub proven: bool,
    pub exchange: Option<ExchangeId>,
    pub last_event_id: Option<String>,
    pub retry_ms: Option<u64>,
    pub failures: u32,
}

/// The extension listen stream.
#[derive(Debug, Default)]
pub(super) struct ListenState {
    /// The server does not offer it, or keeps failing it.
    pub disabled: bool,
    pub exchange: Option<ExchangeId>,
    /// The tasks the open stream covers.
    pub subscribed: Vec<TaskId>,
    /// The tasks the open stream's acknowledgement agreed to report, once it came.
    pub acked: Option<HashSet<TaskId>>,
    /// A listen stream has carried a status of a followed task: this server's pushes arrive.
    pub proven: bool,
    /// The last stream ended while it still covered live tasks, or failed; cleared by the
    /// next acknowledgement.
    pub broken: bool,
    pub failures: u32,
}

impl Engine {
    pub(super) fn open_stream(&mut self, now: UnixMillis) {
        let wanted = self.config.standalone_stream
            && !self.stream.disabled
            && self.stream.exchange.is_none()
            && self.conn.is_ready()
            && self.conn.policy().is_some_and(Policy::has_sessions);
        if !wanted {
            return;
        }
        let x = self.alloc_exchange();
        let last = self.stream.last_event_id.clone();
        let request = legacy::get_stream(&self.config, &self.conn, x, last.as_deref());
        let mut exchange = Exchange::new(RequestKind::Stream, Purpose::Stream, None);
        exchange.session = self.conn.session.clone();
        exchange.last_event_id = last;
        self.stream.exchange = Some(self.transmit(now, exchange, request));
    }

    pub(super) fn on_stream_done(
        &mut self,
        now: UnixMillis,
        exchange: &Exchange,
        completion: Completion,
    ) {
        self.stream.exchange = None;
        if exchange.session != self.conn.session {
            return;
        }
        self.push_lost(now, StatusPush::SessionStreams);
        if exchange.last_event_id.is_some() {
            self.stream.last_event_id.clone_from(&exchange.last_event_id);
        }
        self.stream.retry_ms = exchange.retry_ms.or(self.stream.retry_ms);
        let retry =
            server_wait(&self.config.backoff, self.stream.retry_ms.unwrap_or(DEFAULT_RETRY_MS));
        let delay = match completion {
            Completion::Ended | Completion::Reply(_) => {
                self.stream.failures = 0;
                retry
            }
            // Closed on reaching its time limit: reopen at once.
            Completion::Problem(Problem::Transient { retry_after_ms: Some(0), .. }) => 0,
            Completion::Problem(Problem::Transient { .. } | Problem::Peer(_)) => {
                self.stream.failures += 1;
                if self.stream.failures > self.config.backoff.max_attempts {
                    self.stream.disabled = true;
                    return;
                }
                retry.max(backoff_delay(&self.config.backoff, self.stream.failures, &mut self.rng))
            }
            Completion::Problem(Problem::SessionLost) => return,
            // 405 (or any refusal): this server has no GET stream.
            Completion::Problem(Problem::NotAllowed | Problem::Fatal(_))
            | Completion::Http { .. } => {
                self.stream.disabled = true;
                return;
            }
        };
        self.timers.set(TimerKey::Stream, now.saturating_add(delay));
    }

    /// The set of followed extension tasks changed: refresh the listen stream soon
    /// (debounced, so a burst of new tasks costs one request).
    pub(super) fn mark_listen_dirty(&mut self, now: UnixMillis) {
        if !self.config.listen || self.listen.disabled || self.closed {
            return;
        }
        if self.timers.get(TimerKey::Listen).is_none() {
            let debounce = self.config.poll.floor_ms.max(DEFAULT_RETRY_MS);
            self.timers.set(TimerKey::Listen, now.saturating_add(debounce));
        }
    }

    pub(super) fn refresh_listen(&mut self, now: UnixMillis) {
        if self.listen.disabled
            || !self.conn.is_ready()
            || self.conn.policy().is_none_or(|p| p.status_push != StatusPush::Listen)
        {
            return;
        }
        let mut ids: Vec<TaskId> = self
            .calls
            .values()
            .filter_map(|c| c.task.as_ref())
            .filter(|t| t.generation.policy().status_push == StatusPush::Listen)
            .map(|t| t.task_id.clone())
            .collect();
        ids.sort();
        if ids == self.listen.subscribed && self.listen.exchange.is_some() {
            return;
        }
        if let Some(x) = self.listen.exchange.take() {
            self.abort(x);
        }
        self.listen.acked = None;
        self.listen.subscribed.clone_from(&ids);
        if ids.is_empty() {
            return;
        }
        let params = extension::listen_params(ids);
        let x = self.send_rpc(
            now,
            RequestKind::Listen,
            Purpose::Listen,
            method::SUBSCRIPTIONS_LISTEN,
            params,
        );
        self.listen.exchange = Some(x);
    }

    pub(super) fn on_listen_done(&mut self, now: UnixMillis, completion: Completion) {
        self.listen.exchange = None;
        self.listen.subscribed.clear();
        // Ending once its tasks are done is the stream's graceful close; anything else
        // leaves tasks without pushes until a new stream is acknowledged.
        let acked = self.listen.acked.take();
        let live = acked.is_some_and(|ids| ids.iter().any(|t| self.by_task.contains_key(t)));
        if live || !matches!(completion, Completion::Ended | Completion::Reply(Ok(_))) {
            self.listen.broken = true;
            self.push_lost(now, StatusPush::Listen);
        }
        let delay = match completion {
            // A server without the method or without task notifications.
            Completion::Reply(Err(e))
                if matches!(
                    e.code,
                    ErrorCode::METHOD_NOT_FOUND
                        | ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY
                        | ErrorCode::INVALID_PARAMS
                        | ErrorCode::INVALID_REQUEST
                ) =>
            {
                self.listen.disabled = true;
                return;
            }
            Completion::Problem(Problem::NotAllowed | Problem::Fatal(_))
            | Completion::Http { .. } => {
                self.listen.disabled = true;
                return;
            }
            Completion::Problem(Problem::Transient { retry_after_ms: Some(0), .. }) => 0,
            Completion::Ended | Completion::Reply(_) => {
                self.listen.failures = 0;
                DEFAULT_RETRY_MS
            }
            Completion::Problem(
                Problem::Transient { .. } | Problem::Peer(_) | Problem::SessionLost,
            ) => {
                self.listen.failures += 1;
                if self.listen.failures > self.config.backoff.max_attempts {
                    self.listen.disabled = true;
                    return;
                }
                backoff_delay(&self.config.backoff, self.listen.failures, &mut self.rng)
            }
        };
        self.timers.set(TimerKey::Listen, now.saturating_add(delay));
    }

    /// A notification, from any stream.
    pub(super) fn on_notification(&mut self, now: UnixMillis, via: ExchangeId, n: Notification) {
        let params = n.params.unwrap_or_default();
        match n.method.as_str() {
            "notifications/progress" => {
                let token = match params.get(PROGRESS_TOKEN) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return,
                };
                let Some(&call) = self.by_token.get(&token) else { return };
                let Some(progress) = params.get("progress").and_then(Value::as_f64) else {
                    return self.violation_on(
                        via,
                        RequestKind::CallTool,
                        "notifications/progress without a numeric progress",
                    );
                };
                let total = params.get("total").and_then(Value::as_f64);
                let message = params.get("message").and_then(Value::as_str).map(str::to_owned);
                self.emit(Event::Progress { call, progress, total, message });
            }
            "notifications/tasks/status" => match TaskStatusNotificationParams::from_map(params) {
                Ok(p) => {
                    if let Some(call) = self.call_of_task(&p.task.task_id) {
                        let terminal = p.task.status.is_terminal();
                        self.pushed(now, via, call, Observed::Legacy(p.task), terminal);
                    }
                }
                Err(e) => {
                    let error = ClientError::malformed_result(RequestKind::Stream, e);
                    self.emit(Event::ProtocolViolation { call: None, error });
                }
            },
            method::NOTIFICATIONS_TASKS => match TaskStatusNotification::from_map(&params) {
                Ok(p) => {
                    if let Some(call) = self.call_of_task(&p.task.fields.task_id) {
                        let terminal = p.task.status().is_terminal();
                        self.pushed(now, via, call, Observed::Detailed(p.task), terminal);
                    }
                }
                Err(e) => {
                    let error = ClientError::malformed_result(RequestKind::Listen, e);
                    self.emit(Event::ProtocolViolation { call: None, error });
                }
            },
            method::SUBSCRIPTIONS_ACKNOWLEDGED => self.listen_acked(now, via, &params),
            "notifications/tools/list_changed" => self.tools = None,
            _ => {}
        }
    }

    fn violation_on(&mut self, via: ExchangeId, request: RequestKind, what: &'static str) {
        let call = self.exchanges.get(&via).and_then(|x| match x.purpose {
            Purpose::Call(c) => Some(c),
            _ => None,
        });
        let source = crate::protocol::WireError::MissingField { what, field: "progress" };
        self.emit(Event::ProtocolViolation {
            call,
            error: ClientError::malformed_result(request, source),
        });
    }
}
