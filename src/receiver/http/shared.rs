//! 2025-11-25 sessions served by several servers over one shared task store.
//!
//! A session's tasks already live in the store (the session is their owner); what another
//! server needs besides is what `initialize` settled: the protocol version and which input
//! requests the client answers. The embedder stores that ([`SharedSession::encode`]) when
//! a session opens here ([`Endpoint::take_opened_sessions`]), deletes it when one ends
//! ([`Endpoint::take_ended_sessions`]), and adopts a session it does not know from it
//! ([`Endpoint::adopt_session`]) before passing on a request that names it.
//!
//! Streams stay with the server that opened them: a `Last-Event-ID` is replayed only by
//! that server, and an adopted session numbers its streams from a random base so that it
//! never replays another server's events under their ids.

use serde_json::{Value, json};

use super::Endpoint;
use super::session::Session;
use crate::id::{IdSource, TaskId};
use crate::protocol::jsonrpc::RequestId;
use crate::store::Backend;
use crate::time::UnixMillis;

/// The input request methods a session may be limited to (see
/// [`Config::input_by_capability`](super::Config::input_by_capability)).
const INPUT_METHODS: [&str; 3] = ["elicitation/create", "sampling/createMessage", "roots/list"];

/// What another server needs to serve a session opened here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedSession {
    /// The protocol version `initialize` agreed.
    pub protocol_version: String,
    /// The input requests the client is sent, when limited.
    pub input_methods: Option<Vec<String>>,
}

impl SharedSession {
    /// The record as JSON text, versioned.
    pub fn encode(&self) -> String {
        json!({"v": 1, "protocolVersion": self.protocol_version,
            "inputMethods": self.input_methods})
        .to_string()
    }

    /// Reads [`encode`](Self::encode)'s text; `None` for anything else.
    pub fn decode(text: &str) -> Option<Self> {
        let value: Value = serde_json::from_str(text).ok()?;
        if value.get("v")?.as_u64()? != 1 {
            return None;
        }
        let protocol_version = value.get("protocolVersion")?.as_str()?.to_owned();
        let input_methods = match value.get("inputMethods")? {
            Value::Null => None,
            Value::Array(methods) => {
                Some(methods.iter().filter_map(|m| m.as_str().map(str::to_owned)).collect())
            }
            _ => return None,
        };
        Some(Self { protocol_version, input_methods })
    }
}

/// The id of server→client request `seq` asking question `key` of `task`, readable by any
/// server: `srv-<seq>:<length of the task id>:<task id><key>`.
pub(super) fn request_id(seq: u64, task: &TaskId, key: &str) -> String {
    format!("srv-{seq}:{}:{}{key}", task.as_str().len(), task.as_str())
}

/// The task and question a [`request_id`] names.
pub(super) fn parse_request_id(id: &RequestId) -> Option<(TaskId, String)> {
    let RequestId::String(text) = id else { return None };
    let (_, rest) = text.strip_prefix("srv-")?.split_once(':')?;
    let (len, rest) = rest.split_once(':')?;
    let len: usize = len.parse().ok()?;
    let (task, key) = (rest.get(..len)?, rest.get(len..)?);
    (!task.is_empty() && !key.is_empty()).then(|| (TaskId(task.to_owned()), key.to_owned()))
}

/// A random stream-number base from a fresh session id: its last six hex digits, since an
/// id may start with a fixed part (a Worker's begins with its Durable Object's id, the
/// same for every session of the object and for each of its isolates).
fn stream_base(id: &str) -> u64 {
    id.get(id.len().saturating_sub(6)..)
        .and_then(|tail| u64::from_str_radix(tail, 16).ok())
        .unwrap_or(0)
}

/// Sessions opened and ended here, not yet published.
#[derive(Debug, Default)]
pub(super) struct Changes {
    opened: Vec<(String, SharedSession)>,
    ended: Vec<String>,
}

impl<B: Backend, I: IdSource> Endpoint<B, I> {
    /// Notes a session opened here, when sessions are shared.
    pub(super) fn note_opened(&mut self, id: &str, session: &Session) {
        if self.config.shared_sessions {
            let shared = SharedSession {
                protocol_version: session.protocol_version.clone(),
                input_methods: session
                    .input_methods()
                    .map(|m| m.iter().map(|s| (*s).to_owned()).collect()),
            };
            self.shared.opened.push((id.to_owned(), shared));
        }
    }

    /// Notes a session ended here for good, when sessions are shared.
    pub(super) fn note_ended(&mut self, id: &str) {
        if self.config.shared_sessions {
            self.shared.ended.push(id.to_owned());
        }
    }

    /// The sessions opened here since the last call, to store for the other servers.
    pub fn take_opened_sessions(&mut self) -> Vec<(String, SharedSession)> {
        std::mem::take(&mut self.shared.opened)
    }

    /// The sessions ended here (deleted, or at their client's request) since the last
    /// call, to delete from the store.
    pub fn take_ended_sessions(&mut self) -> Vec<String> {
        std::mem::take(&mut self.shared.ended)
    }

    /// Forgets session `id` here, as one ended by another server: its streams end, its
    /// tasks are left to the store. False when it is not open here.
    pub fn forget_session(&mut self, id: &str) -> bool {
        self.drop_session(id)
    }

    /// Whether session `id` is open here.
    pub fn knows_session(&self, id: &str) -> bool {
        self.sessions.get(id).is_some()
    }

    /// Opens here session `id`, opened by another server, as `shared` describes it.
    /// False when this server is at its session cap
    /// ([`Config::max_sessions`](super::Config::max_sessions)) even after ending its idle
    /// ones: the request is then refused as for an unknown session.
    pub fn adopt_session(&mut self, id: &str, shared: &SharedSession, now: UnixMillis) -> bool {
        if self.knows_session(id) {
            return true;
        }
        if self.sessions.len() >= self.config.max_sessions {
            self.expire_sessions(now);
        }
        if self.sessions.len() >= self.config.max_sessions {
            return false;
        }
        let input_methods = shared.input_methods.as_ref().map(|methods| {
            INPUT_METHODS.into_iter().filter(|m| methods.iter().any(|n| n == m)).collect()
        });
        let mut session = Session::new(
            shared.protocol_version.clone(),
            now,
            self.config.sse_retry_ms,
            input_methods,
        );
        // Streams numbered from a random base: ids from another server's streams of the
        // session never name one of these.
        let base = self.session_ids.next_id().ok().map_or(0, |id| stream_base(&id));
        session.number_streams_from((base + 1) << 20);
        self.sessions.insert(id.to_owned(), session);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_session_reads_back_what_was_written() {
        for input_methods in [None, Some(vec!["elicitation/create".to_owned()])] {
            let s = SharedSession { protocol_version: "2025-11-25".into(), input_methods };
            assert_eq!(SharedSession::decode(&s.encode()), Some(s));
        }
        assert_eq!(SharedSession::decode("{}"), None);
        assert_eq!(
            SharedSession::decode(r#"{"v":2,"protocolVersion":"x","inputMethods":null}"#),
            None
        );
        assert_eq!(SharedSession::decode("nope"), None);
    }

    #[test]
    fn adopting_keeps_to_the_session_cap_and_publishes_nothing() {
        use crate::receiver::Receiver;
        use crate::receiver::http::Config;
        let config = Config { shared_sessions: true, max_sessions: 1, ..Config::default() };
        let mut endpoint = Endpoint::new(config, Receiver::in_memory());
        let shared = SharedSession { protocol_version: "2025-11-25".into(), input_methods: None };
        let now = UnixMillis(1_000);
        assert!(endpoint.adopt_session("a", &shared, now));
        assert!(endpoint.adopt_session("a", &shared, now), "adopting again is a no-op");
        assert!(!endpoint.adopt_session("b", &shared, now), "the cap holds");
        assert!(endpoint.knows_session("a") && !endpoint.knows_session("b"));
        assert!(endpoint.take_opened_sessions().is_empty(), "opened elsewhere, stored there");
        assert!(endpoint.forget_session("a"));
        assert!(endpoint.take_ended_sessions().is_empty(), "forgotten here, not ended");
        assert!(endpoint.adopt_session("b", &shared, now));
    }

    #[test]
    fn adopted_streams_are_numbered_from_the_random_end_of_an_id() {
        assert_eq!(stream_base("0123456789abcdef.00000000000000000000000000abc123"), 0xabc123);
        assert_ne!(stream_base("feed.000000000000001"), stream_base("feed.000000000000002"));
        assert_eq!(stream_base("s-1"), 0, "not hex: numbered from the first base");
        assert_eq!(stream_base(""), 0);
    }

    #[test]
    fn a_question_id_names_its_task_and_key() {
        let task = TaskId("t-1:x".into());
        let id = RequestId::String(request_id(7, &task, "q:2"));
        assert_eq!(parse_request_id(&id), Some((task, "q:2".to_owned())));
        for other in ["srv-1", "srv-1:99:ab", "srv-1:0:k", "srv-1:2:ab", "x-1:1:ab"] {
            assert_eq!(parse_request_id(&RequestId::String(other.into())), None, "{other}");
        }
        assert_eq!(parse_request_id(&RequestId::Number(3)), None);
    }
}
