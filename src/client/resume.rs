//! Following a task from its reference: the reference of a call, and resuming in a new
//! engine (adopting the reference's session when the engine has not connected).

use crate::task::{StatusPush, TaskStatus};
use crate::time::UnixMillis;

use super::call::{Call, Followed, Stage, Step};
use super::config::TaskMode;
use super::connection::{ConnectionOverride, Phase};
use super::error::{ClientError, ReferenceProblem};
use super::event::ConnectionInfo;
use super::{CallId, Engine, TaskReference};

impl Engine {
    pub(super) fn reference_of(&self, id: CallId) -> Result<TaskReference, ClientError> {
        let call = self.calls.get(&id).ok_or_else(|| self.missing_call(id))?;
        let task = call.task.as_ref().ok_or(ClientError::NotATask { call: id })?;
        Ok(TaskReference {
            endpoint: self.config.endpoint.clone(),
            generation: task.generation,
            task_id: task.task_id.clone(),
            session_id: self
                .conn
                .session
                .clone()
                .filter(|_| task.generation.policy().has_sessions()),
            tool: call.tool.clone(),
            progress_token: Some(call.token.clone()),
            expires_at_ms: task.expires_at.map(|t| t.0),
        })
    }

    /// Follows a task from its reference. An engine that has not connected adopts the
    /// reference's session (2025-11-25) or speaks the extension directly, without a
    /// handshake; the first `tasks/get` tells whether the task is still there.
    pub(super) fn resume_task(
        &mut self,
        now: UnixMillis,
        reference: TaskReference,
        deadline: Option<UnixMillis>,
    ) -> Result<CallId, ClientError> {
        if self.closed {
            return Err(ClientError::Closed);
        }
        let bad = |reason| Err(ClientError::BadReference { reason });
        if reference.endpoint != self.config.endpoint {
            return bad(ReferenceProblem::OtherEndpoint);
        }
        let fixed = self.config.protocol.generation();
        if fixed.or(self.conn.generation()).is_some_and(|g| g != reference.generation) {
            return bad(ReferenceProblem::OtherGeneration);
        }
        if matches!(self.conn.phase, Phase::Idle | Phase::Failed) {
            self.adopt(now, &reference);
        }
        self.next_call += 1;
        let id = CallId(self.next_call);
        let token = reference.progress_token.clone().unwrap_or_else(|| format!("resumed-{}", id.0));
        let mut call = Call::new(reference.tool.clone(), None, TaskMode::Auto, token.clone());
        call.deadline = deadline;
        call.stage = Stage::Following;
        call.task = Some(Followed {
            task_id: reference.task_id.clone(),
            generation: reference.generation,
            // Unknown until the first `tasks/get`; any status may follow a live one.
            status: TaskStatus::Working,
            status_message: None,
            expires_at: reference.expires_at_ms.map(UnixMillis),
            poll_interval_ms: None,
            last_updated_at: None,
        });
        call.next = Some((Step::Poll, now));
        self.by_token.insert(token, id);
        self.by_task.insert(reference.task_id.clone(), id);
        self.calls.insert(id, call);
        if reference.generation.policy().status_push == StatusPush::Listen {
            self.mark_listen_dirty(now);
        }
        self.ensure_connected(now);
        self.arm(now, id);
        Ok(id)
    }

    /// Takes the connection a reference describes, without a handshake.
    fn adopt(&mut self, now: UnixMillis, reference: &TaskReference) {
        let generation = reference.generation;
        let session = match (generation.policy().has_sessions(), &reference.session_id) {
            (true, Some(s)) => Some(s.clone()),
            // A sessionless server of a session generation: a normal handshake is as good.
            (true, None) => return,
            (false, _) => None,
        };
        self.conn.apply(ConnectionOverride { generation, session: session.clone() });
        self.conn.info = Some(ConnectionInfo {
            generation,
            protocol_version: generation.protocol_version().into(),
            session_id: session,
            server_info: None,
            capabilities: Default::default(),
            instructions: None,
        });
        self.on_ready(now, generation);
    }
}
