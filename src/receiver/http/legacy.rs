//! Streamable HTTP 2025-11-25: `initialize` and sessions, JSON answers, held
//! `tasks/result` streams, the standalone GET stream, client responses, DELETE.

use serde_json::{Map, Value, json};

use super::hosted::ClientHosting;
use super::session::{EventId, Resumed, Session};
use super::{Endpoint, Generations, Reading, ResponseId};
use crate::id::{IdSource, TaskId};
use crate::protocol::http::Headers;
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject, Message, Request, RequestId};
use crate::protocol::legacy::{
    ClientCapabilities, Implementation, InitializeParams, InitializeResult, ListToolsResult,
    ServerCapabilities, ServerTasksCapability, WireShape,
};
use crate::receiver::{Caller, Reply};
use crate::store::{Backend, Owner};
use crate::task::InputAnswer;
use crate::time::UnixMillis;

/// The revisions served with sessions, newest first.
pub(crate) const VERSIONS: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];

const SESSION_HEADER: &str = "mcp-session-id";

/// Why a request could not be tied to a session: HTTP status, JSON-RPC code, message.
type Refusal = (u16, ErrorCode, String);

impl<B: Backend, I: IdSource> Endpoint<B, I> {
    pub(super) fn legacy_post(
        &mut self,
        now: UnixMillis,
        response: ResponseId,
        headers: &Headers,
        msg: Message,
    ) {
        if let Message::Request(req) = &msg {
            if req.method == "initialize" {
                return self.initialize(now, response, req);
            }
        }
        let session = match self.session_of(now, headers) {
            Ok(s) => s,
            Err((status, code, message)) => return self.out.fail(response, status, code, &message),
        };
        match msg {
            Message::Notification(_) => self.out.empty(response, 202),
            Message::Result(res) => {
                self.answer_input(now, &session, &res.id, InputAnswer::Response(res.result));
                self.out.empty(response, 202);
            }
            Message::Error(err) => {
                if let Some(id) = &err.id {
                    self.answer_input(now, &session, id, InputAnswer::Error(err.error));
                }
                self.out.empty(response, 202);
            }
            Message::Request(req) => self.legacy_request(now, response, session, req),
        }
    }

    /// The session a request names, or why not: 400 when it names none, 404 when it is
    /// unknown or ended, 400 for an unsupported or different `MCP-Protocol-Version`.
    fn session_of(&mut self, now: UnixMillis, headers: &Headers) -> Result<String, Refusal> {
        let Some(id) = headers.get(SESSION_HEADER) else {
            let text = "Bad Request: Mcp-Session-Id header is required";
            return Err((400, ErrorCode::SERVER_ERROR, text.into()));
        };
        let version = headers.get("mcp-protocol-version");
        if let Some(v) = version.filter(|v| !VERSIONS.contains(v)) {
            let text = format!("Bad Request: Unsupported protocol version: {v}");
            return Err((400, ErrorCode::SERVER_ERROR, text));
        }
        let idle = self.config.session_idle_ms;
        if self.sessions.get(id).is_some_and(|s| s.is_idle(now, idle)) {
            // Idle for too long: it ends here, whether or not a sweep got to it first.
            self.end_idle_session(id);
        }
        self.sessions.touch(id, now);
        let Some(session) = self.sessions.get(id) else {
            return Err((404, ErrorCode::SESSION_NOT_FOUND, "Session not found".into()));
        };
        if let Some(v) = version.filter(|v| *v != session.protocol_version) {
            let text =
                format!("Bad Request: this session speaks {}, not {v}", session.protocol_version);
            return Err((400, ErrorCode::SERVER_ERROR, text));
        }
        Ok(id.to_owned())
    }

    fn initialize(&mut self, now: UnixMillis, response: ResponseId, req: &Request) {
        let params = match InitializeParams::from_params(req.params.clone()) {
            Ok(p) => p,
            Err(e) => {
                let error = ErrorObject::new(ErrorCode::INVALID_PARAMS, e.to_string());
                return self.out.rpc_error(response, 400, Some(req.id.clone()), error);
            }
        };
        let version = VERSIONS
            .iter()
            .find(|v| **v == params.protocol_version)
            .unwrap_or(&VERSIONS[0])
            .to_string();
        if self.sessions.len() >= self.config.max_sessions {
            // Sessions already idle make room first; only then is the table full.
            self.expire_sessions(now);
        }
        if self.sessions.len() >= self.config.max_sessions {
            let idle = self.config.session_idle_ms;
            // The least recently used session goes idle then, unless a stream keeps it:
            // a sweep later at the earliest.
            let wait = self
                .sessions
                .oldest_seen()
                .map(|seen| seen.saturating_add(idle).saturating_since(now))
                .filter(|ms| *ms > 0)
                .unwrap_or(self.config.sweep_interval_ms);
            let refusal = super::limits::too_many_sessions(&self.config, wait);
            return refusal.send(&mut self.out, response, Some(req.id.clone()));
        }
        let Ok(id) = self.session_ids.next_id() else {
            let error =
                ErrorObject::new(ErrorCode::INTERNAL_ERROR, "no randomness for a session id");
            return self.out.rpc_error(response, 500, Some(req.id.clone()), error);
        };
        // A question the client cannot take may stay with its task, for the embedder to
        // answer another way; otherwise it is sent anyway, since nothing else could answer
        // it and a refusal at least ends the wait.
        let input_methods =
            self.config.input_by_capability.then(|| answerable(&params.capabilities));
        let mut session =
            Session::new(version.clone(), now, self.config.sse_retry_ms, input_methods);
        session.set_hosting(ClientHosting::declared(&version, &params.capabilities));
        self.note_opened(&id, &session);
        self.sessions.insert(id.clone(), session);
        let mut capabilities = ServerCapabilities {
            tasks: Some(
                ServerTasksCapability::default().with_list().with_cancel().with_tool_call(),
            ),
            extra: Map::new(),
        };
        capabilities.extra.insert("tools".into(), json!({}));
        let result = InitializeResult {
            protocol_version: version.clone(),
            capabilities,
            server_info: Implementation::new(
                self.config.server_name.clone(),
                self.config.server_version.clone(),
            ),
            instructions: self.config.instructions.clone(),
            meta: None,
        };
        let mut h = Headers::new();
        h.push("Mcp-Session-Id", id.clone());
        h.push("MCP-Protocol-Version", version);
        let streamed = self.config.stream_answers;
        self.answer(now, response, Some(&id), req.id.clone(), Ok(result.to_map()), streamed, h);
    }

    fn legacy_request(
        &mut self,
        now: UnixMillis,
        response: ResponseId,
        session: String,
        req: Request,
    ) {
        let caller = Caller::legacy(Owner::new(session.clone()));
        let params = req.params.unwrap_or_default();
        let streamed = self.config.stream_answers;
        let outcome = match req.method.as_str() {
            "ping" => Ok(Map::new()),
            "tools/list" => {
                Ok(ListToolsResult { tools: self.tool_list(true), next_cursor: None, meta: None }
                    .to_map())
            }
            "tools/call" => {
                if params.contains_key("task") {
                    if let Some(s) = self.sessions.get_mut(&session) {
                        s.asked_for_a_task();
                    }
                }
                return self.tools_call(now, response, &caller, Some(session), req.id, params);
            }
            m if m.starts_with("tasks/") => {
                // The client knows the task it names: questions about it may go out now.
                let named = params.get("taskId").and_then(Value::as_str).map(TaskId::from);
                if let (Some(task), Some(s)) = (&named, self.sessions.get_mut(&session)) {
                    s.name_task(task);
                }
                let reply = self.receiver.handle(&caller, m, Some(&params), now);
                if let (Some(task), false) =
                    (&named, matches!(reply, Some(Reply::AwaitTerminal(_))))
                {
                    // After this request's answer (queued below) rather than before it.
                    let session = session.clone();
                    let task = task.clone();
                    let answer = match reply {
                        Some(Reply::Result(r)) => Ok(r),
                        Some(Reply::Error(e)) => Err(e),
                        _ => Err(not_found(m)),
                    };
                    self.answer(
                        now,
                        response,
                        Some(&session),
                        req.id,
                        answer,
                        false,
                        Headers::new(),
                    );
                    return self.resend(now, &session, Some(&task));
                }
                match reply {
                    Some(Reply::Result(r)) => Ok(r),
                    Some(Reply::Error(e)) => Err(e),
                    Some(Reply::AwaitTerminal(task)) => {
                        return self.hold_result(now, response, &session, task, req.id);
                    }
                    None => Err(not_found(m)),
                }
            }
            m => Err(not_found(m)),
        };
        let streamed = streamed && req.method == "tools/list";
        self.answer(now, response, Some(&session), req.id, outcome, streamed, Headers::new());
    }

    /// Passes a client's response to a server→client input request on to its task.
    fn answer_input(
        &mut self,
        now: UnixMillis,
        session: &str,
        id: &RequestId,
        answer: InputAnswer,
    ) {
        // A reply to a `tasks/*` request about a task the client hosts for a question.
        let Some(answer) = self.followed_reply(now, session, id, answer) else {
            return;
        };
        let (task, key) = match self.take_pending(session, id) {
            Some(p) if p.augmented => return self.hosted_answer(now, session, p, answer),
            Some(p) => (p.task, p.key),
            // A question another server sent (sessions shared) names its task and key in
            // its id; the store still checks that the task is this session's.
            None if self.follows.take_abandoned(session, &super::route::request_key(id)) => {
                return self.abandoned_answer(now, session, answer);
            }
            None => {
                match self.config.shared_sessions.then(|| super::shared::parse_request_id(id)) {
                    Some(Some(asked)) => asked,
                    _ => return,
                }
            }
        };
        let caller = Caller::legacy(Owner::new(session));
        if let Ok(true) = self.receiver.deliver_answer(&caller, &task, key, answer, now) {
            self.answers_arrived(&task);
        }
    }

    /// `GET`: the session's standalone stream, resuming after `Last-Event-ID`.
    pub(super) fn get(&mut self, now: UnixMillis, response: ResponseId, headers: &Headers) {
        if !super::wire::accepts(headers, "text/event-stream") {
            let text = "GET /mcp needs Accept: text/event-stream";
            return self.out.text(response, 406, text, Headers::new());
        }
        if self.config.generations == Generations::Extension {
            return self.method_not_allowed(response);
        }
        let session = match self.session_of(now, headers) {
            Ok(s) => s,
            Err((status, code, message)) => return self.out.fail(response, status, code, &message),
        };
        let offered = self.config.notification_streams;
        let last = headers.get("last-event-id").and_then(EventId::parse);
        // A server that stopped offering the GET stream does not resume it either; the
        // streams of held answers it still resumes.
        let resumable = last.filter(|l| {
            self.sessions.get(&session).is_some_and(|s| s.knows(l.stream))
                && (offered || l.stream != super::session::GET_STREAM)
        });
        if resumable.is_none() && !offered {
            return self.method_not_allowed(response);
        }
        let Some(s) = self.sessions.get_mut(&session) else {
            return self.out.fail(response, 404, ErrorCode::SESSION_NOT_FOUND, "Session not found");
        };
        self.out.sse_head(response, Headers::new(), now);
        match resumable {
            Some(last) => {
                if s.resume(&mut self.out, last, response) == Resumed::Ended {
                    return;
                }
            }
            None => s.open_get(&mut self.out, response),
        }
        self.readers.insert(response, Reading::Session(session.clone()));
        self.resend(now, &session, None);
    }

    /// `DELETE`: ends the session.
    pub(super) fn delete(&mut self, now: UnixMillis, response: ResponseId, headers: &Headers) {
        match self.session_of(now, headers) {
            Ok(session) => {
                self.end_session(&session);
                self.out.empty(response, 200);
            }
            Err((status, code, message)) => self.out.fail(response, status, code, &message),
        }
    }

    /// Ends a session: its streams end, its held answers and pending questions are
    /// forgotten, its tasks are deleted (nobody can present their owner again) and their
    /// work stopped.
    pub(super) fn end_session(&mut self, id: &str) -> bool {
        if !self.drop_session(id) {
            return false;
        }
        self.note_ended(id);
        let _ = self.receiver.remove_owner(&Owner::new(id));
        true
    }

    /// Ends a session that went idle here: for good, or, when sessions are shared with
    /// other servers, here only (its client may be using it through another one).
    fn end_idle_session(&mut self, id: &str) {
        if self.config.shared_sessions {
            self.drop_session(id);
        } else {
            self.end_session(id);
        }
    }

    /// Forgets a session here: its streams end, its held answers and pending questions
    /// are forgotten, its plain calls on its streams stop. Its tasks stay.
    pub(super) fn drop_session(&mut self, id: &str) -> bool {
        let Some(mut session) = self.sessions.remove(id) else {
            return false;
        };
        for response in session.close_streams(&mut self.out) {
            self.readers.remove(&response);
        }
        for task in session.held_tasks() {
            if let Some(list) = self.held.get_mut(task) {
                list.retain(|h| h.session != id);
                if list.is_empty() {
                    self.held.remove(task);
                }
            }
        }
        self.pending.remove_session(id);
        self.follows.remove_session(id);
        // Plain calls only (tasks sort first): they are few, one per open request.
        let calls: Vec<u64> = self
            .running
            .range(super::WorkId::Call(0)..)
            .filter_map(|(w, r)| match w {
                // A call answering in JSON still answers; one on a session stream has
                // lost its way to the client.
                super::WorkId::Call(n) if r.streams_in(id) => Some(*n),
                _ => None,
            })
            .collect();
        for n in calls {
            self.cancel_call(n);
        }
        true
    }

    /// Ends idle sessions. Only those unused for longer than the idle time are looked
    /// at; one that an open stream keeps counts as used now, so it is looked at again only
    /// an idle time later.
    pub(super) fn expire_sessions(&mut self, now: UnixMillis) {
        let idle_ms = self.config.session_idle_ms;
        let Some(cutoff) = now.0.checked_sub(idle_ms) else {
            return;
        };
        for id in self.sessions.seen_before(UnixMillis(cutoff)) {
            if self.sessions.get(&id).is_some_and(|s| s.is_idle(now, idle_ms)) {
                self.end_idle_session(&id);
            } else {
                self.sessions.touch(&id, now);
            }
        }
    }
}

/// The input request methods a client's capabilities say it answers.
fn answerable(capabilities: &ClientCapabilities) -> Vec<&'static str> {
    [
        ("elicitation", "elicitation/create"),
        ("sampling", "sampling/createMessage"),
        ("roots", "roots/list"),
    ]
    .into_iter()
    .filter(|(capability, _)| capabilities.extra.get(*capability).is_some_and(Value::is_object))
    .map(|(_, method)| method)
    .collect()
}

pub(super) fn not_found(method: &str) -> ErrorObject {
    ErrorObject::new(ErrorCode::METHOD_NOT_FOUND, format!("Method not found: {method}"))
}
