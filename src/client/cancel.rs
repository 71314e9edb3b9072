//! Cancelling: `tasks/cancel` with each generation's meaning (synchronous, or an ack
//! followed by the real end), and cancelling a call that is not a task yet.

use crate::protocol::jsonrpc::ErrorCode;
use crate::protocol::legacy::CancelTaskResult;
use crate::task::{CancelMode, TaskStatus, TerminalCancel};
use crate::time::UnixMillis;

use super::call::{Cancel, Stage, Step};
use super::collect::Observed;
use super::drive::Completion;
use super::drive::task_params;
use super::error::{ClientError, Feature, RequestKind};
use super::event::{CallOutcome, Event};
use super::exchange::{Problem, Purpose};
use super::schedule::backoff_delay;
use super::{CallId, Engine, legacy};

impl Engine {
    pub(super) fn send_cancel(&mut self, now: UnixMillis, id: CallId) {
        let Some(task) = self.calls.get(&id).and_then(|c| c.task.clone()) else { return };
        if !self.conn.is_ready() {
            if let Some(call) = self.calls.get_mut(&id) {
                call.cancel_at = Some(now);
            }
            return;
        }
        let name = task.generation.policy().cancel_method();
        let params = task_params(&task.task_id);
        let x = self.send_rpc(now, RequestKind::CancelTask, Purpose::Call(id), name, params);
        if let Some(call) = self.calls.get_mut(&id) {
            call.side.push(x);
            call.cancel = Cancel::Sent;
        }
    }

    /// The host asked to cancel.
    pub(super) fn request_cancel(
        &mut self,
        now: UnixMillis,
        id: CallId,
    ) -> Result<(), ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        let Some(call) = self.calls.get_mut(&id) else {
            return Err(self.missing_call(id));
        };
        if call.cancel != Cancel::None {
            return Ok(());
        }
        let generation = call.task.as_ref().map(|t| t.generation).or(self.conn.generation);
        // Closing the stream of a request in flight cancels it, or (2025-11-25) does not.
        let closing_cancels = generation.is_none_or(|g| g.policy().closing_cancels());
        match call.stage {
            // Only a 2025-11-25 server declares whether it takes cancels; the connection
            // reads an unknown or absent declaration as yes.
            Stage::Following if !self.conn.allows_cancel() => {
                Err(ClientError::NotSupported { feature: Feature::CancelTask })
            }
            Stage::Following => {
                self.send_cancel(now, id);
                self.arm(now, id);
                Ok(())
            }
            // A task is on its way: cancel it once it exists.
            Stage::Calling if !closing_cancels && call.augmented && call.primary.is_some() => {
                call.cancel = Cancel::Wanted;
                Ok(())
            }
            Stage::Calling if !closing_cancels && call.primary.is_some() => {
                // A plain call, which dropping the stream does not cancel.
                let rpc =
                    call.primary.and_then(|x| self.exchanges.get(&x)).and_then(|x| x.rpc.clone());
                if let Some(rpc) = rpc {
                    let note = legacy::cancelled(&rpc);
                    self.send_legacy_message(
                        now,
                        RequestKind::CancelNotification,
                        Purpose::Notify,
                        &note,
                    );
                }
                self.finish(now, id, CallOutcome::Cancelled { status_message: None });
                Ok(())
            }
            // Not sent yet, waiting for input, or a request that closing the stream cancels.
            _ => {
                self.finish(now, id, CallOutcome::Cancelled { status_message: None });
                Ok(())
            }
        }
    }

    pub(super) fn on_cancel_reply(&mut self, now: UnixMillis, id: CallId, completion: Completion) {
        let Some(generation) =
            self.calls.get(&id).and_then(|c| c.task.as_ref()).map(|t| t.generation)
        else {
            return;
        };
        let policy = generation.policy();
        match (policy.cancel_mode, completion) {
            (CancelMode::Synchronous, Completion::Reply(Ok(result))) => {
                match result.read::<CancelTaskResult>() {
                    Ok(r) => {
                        self.observe(now, id, Observed::Legacy(r.task), false);
                        let Some(task) = self.calls.get(&id).and_then(|c| c.task.as_ref()) else {
                            return;
                        };
                        if task.status == TaskStatus::Cancelled {
                            // Synchronous: the task is cancelled, whatever is still in flight.
                            let status_message = task.status_message.clone();
                            self.finish(now, id, CallOutcome::Cancelled { status_message });
                        } else if !task.status.is_terminal() {
                            // A cancel that left the task live: see what it does.
                            self.schedule_poll_if_idle(now, id);
                        }
                    }
                    Err(e) => {
                        let error = ClientError::malformed_result(RequestKind::CancelTask, e);
                        self.emit(Event::ProtocolViolation { call: Some(id), error });
                        self.schedule_poll_if_idle(now, id);
                    }
                }
            }
            (CancelMode::Cooperative, Completion::Reply(Ok(_))) => {
                let until = now.saturating_add(self.config.cancel_wait_ms);
                if let Some(call) = self.calls.get_mut(&id) {
                    call.cancel = Cancel::Acked { until };
                }
                self.schedule_poll_if_idle(now, id);
            }
            // -32602 rejects a cancel of a finished task where the policy says so: the
            // cancel has nothing left to do, and a fresh `tasks/get` says how the task
            // ended. Where a finished task is acked instead, -32602 means no such task.
            (_, Completion::Reply(Err(error))) if error.code == ErrorCode::INVALID_PARAMS => {
                match policy.terminal_cancel {
                    TerminalCancel::Reject => self.schedule_poll_if_idle(now, id),
                    TerminalCancel::Ack => self.gone(now, id),
                }
            }
            (_, Completion::Reply(Err(error))) => {
                self.cancel_failed(id, ClientError::Rpc { request: RequestKind::CancelTask, error })
            }
            (_, Completion::Problem(Problem::Transient { error, retry_after_ms })) => {
                let backoff = self.config.backoff;
                let Some(call) = self.calls.get_mut(&id) else { return };
                call.cancel_failures += 1;
                if call.cancel_failures > backoff.max_attempts {
                    return self.cancel_failed(id, error);
                }
                let attempt = call.cancel_failures;
                let delay = retry_after_ms
                    .unwrap_or_else(|| backoff_delay(&backoff, attempt, &mut self.rng));
                if let Some(call) = self.calls.get_mut(&id) {
                    call.cancel_at = Some(now.saturating_add(delay));
                }
            }
            (_, Completion::Problem(Problem::SessionLost)) => {
                if let Some(call) = self.calls.get_mut(&id) {
                    call.cancel_at = Some(now);
                }
            }
            (_, Completion::Problem(Problem::Peer(error) | Problem::Fatal(error))) => {
                self.cancel_failed(id, error)
            }
            (_, other) => {
                let status = match other {
                    Completion::Http { status, .. } => status,
                    _ => 405,
                };
                self.cancel_failed(
                    id,
                    ClientError::UnexpectedStatus { request: RequestKind::CancelTask, status },
                )
            }
        }
    }

    fn cancel_failed(&mut self, id: CallId, error: ClientError) {
        if let Some(call) = self.calls.get_mut(&id) {
            call.cancel = Cancel::None;
            call.cancel_failures = 0;
        }
        self.emit(Event::CancelFailed { call: id, error });
    }

    fn schedule_poll_if_idle(&mut self, now: UnixMillis, id: CallId) {
        if self.calls.get(&id).is_some_and(|c| c.primary.is_none()) {
            self.schedule(now, id, Step::Poll, now);
        }
    }
}
