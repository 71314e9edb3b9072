//! `tools/list` and the running side of `tools/call`: the embedder's work is started and
//! stopped by command, and its reports become task changes or the plain call's answer.

use serde_json::{Map, Value, json};

use super::extension::{finish_result, status_for};
use super::types::{Output, ReportError, ResponseId, ToolReport, WorkId};
use super::wire::sse_event;
use super::{Endpoint, Reading};
use crate::id::{IdSource, TaskId};
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{
    ErrorCode, ErrorObject, ErrorResponse, Message, RequestId, ResultResponse,
};
use crate::protocol::legacy::Tool;
use crate::store::Backend;
use crate::time::UnixMillis;

/// Work the endpoint started and has not seen end.
#[derive(Debug)]
pub(super) struct Running {
    /// The 2025-11-25 session of the call, where its progress goes.
    pub session: Option<String>,
    pub progress_token: Option<Value>,
    pub cancel_sent: bool,
    /// For a plain call: where its answer goes.
    pub call: Option<PlainCall>,
}

impl Running {
    /// Task work started elsewhere: no session or progress token is known.
    pub fn adopted() -> Self {
        Self::task(None, None)
    }

    /// Task work, whose progress goes to `session` under `progress_token`.
    pub fn task(session: Option<String>, progress_token: Option<Value>) -> Self {
        Self { session, progress_token, cancel_sent: false, call: None }
    }

    /// Whether this is a plain call answering on a stream of session `id`.
    pub fn streams_in(&self, id: &str) -> bool {
        self.session.as_deref() == Some(id)
            && self.call.as_ref().is_some_and(|c| c.stream.is_some())
    }

    /// Whether this is a plain call answering on `response`.
    pub fn answers_on(&self, response: ResponseId) -> bool {
        self.call.as_ref().is_some_and(|c| c.response == response)
    }
}

/// Where a plain call's answer goes.
#[derive(Debug)]
pub(super) struct PlainCall {
    response: ResponseId,
    rpc: RequestId,
    /// The session stream it answers on, when it streams within a session.
    stream: Option<u64>,
    /// Whether it streams without a session (2026-07-28).
    sse: bool,
}

impl<B: Backend, I: IdSource> Endpoint<B, I> {
    /// The `tools/list` entries; `with_execution` keeps `execution` (2025-11-25).
    pub(super) fn tool_list(&self, with_execution: bool) -> Vec<Tool> {
        let mut tools: Vec<Tool> = self.config.tools.iter().map(|t| t.definition.clone()).collect();
        if !with_execution {
            for t in &mut tools {
                t.execution = None;
            }
        }
        tools
    }

    /// Opens the stream a plain call answers on, when answers stream.
    pub(super) fn open_call_answer(
        &mut self,
        now: UnixMillis,
        response: ResponseId,
        session: Option<&str>,
        rpc: RequestId,
        streamed: bool,
    ) -> PlainCall {
        let mut call = PlainCall { response, rpc, stream: None, sse: false };
        if !streamed {
            return call;
        }
        self.out.sse_head(response, Headers::new(), now);
        match session.and_then(|s| Some((s, self.sessions.get_mut(s)?))) {
            Some((id, s)) => {
                call.stream = Some(s.open_stream(&mut self.out, response));
                self.readers.insert(response, Reading::Session(id.to_owned()));
            }
            None => {
                call.sse = true;
                self.readers.insert(response, Reading::Call(self.next_call));
            }
        }
        call
    }

    /// Answers request `id` on `response` with `outcome`: as JSON, or as a one-event
    /// stream (resumable within `session`). Without a session this is a 2026-07-28 answer:
    /// results say their type and name the server, errors carry their HTTP status.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn answer(
        &mut self,
        now: UnixMillis,
        response: ResponseId,
        session: Option<&str>,
        id: RequestId,
        outcome: Result<Map<String, Value>, ErrorObject>,
        streamed: bool,
        headers: Headers,
    ) {
        let (status, msg) = self.message(session.is_none(), id, outcome);
        if !streamed || status != 200 {
            return self.out.json(response, status, &msg, headers);
        }
        self.out.sse_head(response, headers, now);
        match session.and_then(|s| self.sessions.get_mut(s)) {
            Some(s) => {
                let stream = s.open_stream(&mut self.out, response);
                s.send(&mut self.out, stream, &msg, now);
                s.finish(&mut self.out, stream);
            }
            None => {
                self.out.body(response, sse_event(None, &msg), Some(now));
                self.out.end(response);
            }
        }
    }

    /// The JSON-RPC answer and its HTTP status.
    fn message(
        &self,
        extension: bool,
        id: RequestId,
        outcome: Result<Map<String, Value>, ErrorObject>,
    ) -> (u16, Value) {
        match outcome {
            Ok(mut result) => {
                if extension {
                    finish_result(&mut result, &self.config);
                }
                (200, Message::Result(ResultResponse::new(id, result)).to_value())
            }
            Err(e) => {
                let status = if extension { status_for(e.code) } else { 200 };
                (status, Message::Error(ErrorResponse::new(Some(id), e)).to_value())
            }
        }
    }

    pub(super) fn report(
        &mut self,
        now: UnixMillis,
        work: &WorkId,
        report: ToolReport,
    ) -> Result<Option<String>, ReportError> {
        let Some(running) = self.running.get(work) else {
            return Err(ReportError::UnknownWork(work.clone()));
        };
        let notify = match &report {
            ToolReport::Progress { progress, total, message } => {
                running.progress_token.clone().map(|token| {
                    let mut params = Map::new();
                    params.insert("progressToken".into(), token);
                    params.insert("progress".into(), number(*progress));
                    if let Some(total) = total {
                        params.insert("total".into(), number(*total));
                    }
                    if let Some(message) = message {
                        params.insert("message".into(), json!(message));
                    }
                    json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": params})
                })
            }
            _ => None,
        };
        let task = match work {
            WorkId::Call(_) => return self.report_call(now, work, report, notify),
            WorkId::Task(task) => task.clone(),
        };
        let session = running.session.clone();
        let mut w = self.receiver.work(&task);
        let key = match report {
            ToolReport::Status(text) => w.status_message(text, now).map(|_| None),
            ToolReport::Progress { .. } => {
                if let (Some(session), Some(msg)) = (session, notify) {
                    self.route_notice(now, &session, &task, &msg);
                }
                Ok(None)
            }
            ToolReport::Ask(request) => w.ask(request, now).map(Some),
            ToolReport::Result(result) => {
                self.running.remove(work);
                self.receiver.work(&task).complete(result, now).map(|_| None)
            }
            ToolReport::Error(error) => {
                self.running.remove(work);
                self.receiver.work(&task).fail(error, now).map(|_| None)
            }
            ToolReport::Cancelled => {
                self.running.remove(work);
                self.receiver.work(&task).cancelled(now).map(|_| None)
            }
        };
        key.map_err(ReportError::from)
    }

    fn report_call(
        &mut self,
        now: UnixMillis,
        work: &WorkId,
        report: ToolReport,
        notify: Option<Value>,
    ) -> Result<Option<String>, ReportError> {
        let outcome = match report {
            ToolReport::Status(_) | ToolReport::Ask(_) => {
                return Err(ReportError::NotForThisWork(work.clone()));
            }
            ToolReport::Progress { .. } => {
                if let Some(msg) = notify {
                    self.send_on_call(now, work, &msg);
                }
                return Ok(None);
            }
            ToolReport::Result(result) => Ok(result),
            ToolReport::Error(error) => Err(error),
            ToolReport::Cancelled => {
                Err(ErrorObject::new(ErrorCode::INTERNAL_ERROR, "the tool stopped"))
            }
        };
        let Some(running) = self.running.remove(work) else {
            return Err(ReportError::UnknownWork(work.clone()));
        };
        let Some(call) = running.call else {
            return Ok(None);
        };
        let session = running.session.as_deref();
        let (status, msg) = self.message(session.is_none(), call.rpc, outcome);
        match (call.stream, session.and_then(|s| self.sessions.get_mut(s))) {
            (Some(stream), Some(s)) => {
                s.send(&mut self.out, stream, &msg, now);
                s.finish(&mut self.out, stream);
            }
            _ if call.sse => {
                self.out.body(call.response, sse_event(None, &msg), Some(now));
                self.out.end(call.response);
            }
            _ => self.out.json(call.response, status, &msg, Headers::new()),
        }
        self.readers.remove(&call.response);
        Ok(None)
    }

    /// Sends a notification on the stream a plain call answers on, if it streams.
    fn send_on_call(&mut self, now: UnixMillis, work: &WorkId, msg: &Value) {
        let Some(running) = self.running.get(work) else {
            return;
        };
        let Some(call) = &running.call else {
            return;
        };
        match (call.stream, running.session.as_deref().and_then(|s| self.sessions.get_mut(s))) {
            (Some(stream), Some(s)) => {
                s.send(&mut self.out, stream, msg, now);
            }
            _ if call.sse => {
                self.out.body(call.response, sse_event(None, msg), Some(now));
            }
            _ => {}
        }
    }

    /// Answers every running plain call with `error` and stops its work (the server
    /// stops): its client learns that no result will come, rather than seeing the
    /// connection cut.
    pub(super) fn refuse_calls(&mut self, now: UnixMillis, error: &ErrorObject) {
        let calls: Vec<WorkId> =
            self.running.keys().filter(|w| matches!(w, WorkId::Call(_))).cloned().collect();
        for work in calls {
            let _ = self.report_call(now, &work, ToolReport::Error(error.clone()), None);
            self.out.push(Output::CancelTool { work });
        }
    }

    /// Stops a plain call whose answer can no longer be delivered.
    pub(super) fn cancel_call(&mut self, n: u64) {
        let work = WorkId::Call(n);
        let Some(running) = self.running.remove(&work) else {
            return;
        };
        if !running.cancel_sent {
            self.out.push(Output::CancelTool { work });
        }
        if let Some(call) = running.call {
            self.readers.remove(&call.response);
            if self.out.awaits_head(call.response) {
                let e = ErrorObject::new(ErrorCode::INTERNAL_ERROR, "the call was cancelled");
                let msg = Message::Error(ErrorResponse::new(Some(call.rpc), e)).to_value();
                self.out.json(call.response, 200, &msg, Headers::new());
            }
            self.out.end(call.response);
        }
    }

    /// Tells a task's work to stop, once. `anyway`: also when the endpoint did not start
    /// it (the embedder created the task itself).
    pub(super) fn cancel_task_work(&mut self, task: &TaskId, forget: bool, anyway: bool) {
        let work = WorkId::Task(task.clone());
        let Some(running) = self.running.get_mut(&work) else {
            if anyway {
                self.out.push(Output::CancelTool { work });
            }
            return;
        };
        let send = !running.cancel_sent;
        running.cancel_sent = true;
        if forget {
            self.running.remove(&work);
        }
        if send {
            self.out.push(Output::CancelTool { work });
        }
    }

    /// Tells a task's work that answers arrived.
    pub(super) fn answers_arrived(&mut self, task: &TaskId) {
        self.out.push(Output::InputAnswered { work: WorkId::Task(task.clone()) });
    }
}

/// A progress count as JSON: whole numbers as integers (`3`, not `3.0`), as tools that
/// count in steps sent them before reports went through `f64`.
fn number(x: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every integer below is exact
    if x.fract() == 0.0 && (0.0..EXACT).contains(&x) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Value::from(x as u64);
    }
    json!(x)
}
