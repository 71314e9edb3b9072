//! The requestor engine: call tools as tasks, follow them, answer their input requests,
//! cancel them, collect their results, in either wire generation, without doing any IO.
//!
//! The engine is a state machine in the style of quinn-proto and str0m. Inputs take the
//! current time; outputs are HTTP requests to send, exchanges to drop, events for the host
//! and the time to wake it:
//!
//! ```text
//!  host ── call_tool / cancel / answer_input / list_tools / resume / close ──┐
//!                                                                           ▼
//!  driver ── handle_response_head / handle_body_chunk / handle_body_end ──▶ Engine
//!            handle_transport_failure / handle_timeout                      │
//!                                                                           ▼
//!  driver ◀── poll_output(): Transmit(HttpRequest) · Abort(ExchangeId) · Event · Wake(t)
//! ```
//!
//! **After every input, drain [`Engine::poll_output`] until it returns `None`.** Send each
//! `Transmit`, drop each `Abort`ed exchange (and deliver nothing more for it), hand each
//! `Event` to the host, and sleep until the last `Wake` of the drain, then call
//! [`Engine::handle_timeout`]. A drain without a `Wake` means no timer is needed. Every
//! response, JSON or SSE, is delivered as a head, body chunks and an end (or a transport
//! failure); the engine reads the body according to its `Content-Type`.

mod call;
mod cancel;
mod collect;
mod config;
mod connection;
mod drive;
mod error;
mod event;
mod exchange;
mod extension;
mod failure;
mod follow;
mod handshake;
mod host;
mod input;
mod kind;
mod legacy;
mod ops;
mod push;
mod reference;
mod reply;
pub use reply::RawResult;
mod resume;
pub mod schedule;
mod stream;

use std::collections::{HashMap, VecDeque};

use crate::id_map::IdMap;
use std::fmt;

use serde_json::{Map, Value};

use crate::id::TaskId;
use crate::protocol::http::{ExchangeId, HttpRequest, ResponseHead, TransportFailure};
use crate::protocol::jsonrpc::RequestId;
use crate::protocol::legacy::Tool;
use crate::task::Generation;
use crate::time::UnixMillis;

pub use config::{BackoffPolicy, Config, InputSupport, PollPolicy, Protocol, TaskMode, ToolCall};
pub use error::{ClientError, Fault, Feature, ReferenceProblem, RequestKind};
// For the bindings' error tests, which run on wasm only; unused in host test builds.
#[cfg(test)]
#[allow(unused_imports)]
pub(crate) use error::tests::every_variant as every_error_variant;
pub use event::{CallOutcome, ConnectionInfo, Event, ExpiryReason, Failure, WithdrawReason};
pub use reference::{EndpointMemory, TaskReference};

use call::Call;
use connection::Connection;
use exchange::Exchange;
use input::PendingInput;
use ops::Op;
use schedule::{Rng, Timers};
use stream::{ListenState, StreamState};

/// What the driver must do next.
// Outputs are drained one at a time right after they are made; boxing the larger events
// would cost an allocation each for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Output {
    /// Send this request; deliver its response with the `handle_*` inputs under its id.
    Transmit(HttpRequest),
    /// Drop this exchange (close its stream); the engine wants nothing more from it and
    /// ignores anything still delivered for it. It may name an exchange that has just
    /// ended on the driver's side; then there is nothing to do.
    Abort(ExchangeId),
    /// Tell the host.
    Event(Event),
    /// Call [`Engine::handle_timeout`] at this time (the last one of a drain counts).
    Wake(UnixMillis),
}

macro_rules! engine_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

engine_id!(
    /// One tool call, from `call_tool` (or `resume`) to its outcome.
    CallId,
    "call-"
);
engine_id!(
    /// One one-off request: listing tools or tasks, fetching a task.
    OpId,
    "op-"
);
engine_id!(
    /// One input request the server asked the host to answer.
    InputId,
    "input-"
);

/// What a timer is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum TimerKey {
    /// The call's next step, or its deadline.
    Call(CallId),
    /// An exchange's time limit.
    Exchange(ExchangeId),
    /// Retrying the connection.
    Connect,
    /// Retrying a one-off request.
    Op(OpId),
    /// Retrying the delivery of an input answer.
    Input(InputId),
    /// Reopening the 2025-11-25 GET stream.
    Stream,
    /// Reopening the extension listen stream.
    Listen,
    /// Deleting hosted tasks whose TTL ran out.
    HostedSweep,
}

/// The requestor engine. See the [module docs](self) for the driving contract.
#[derive(Debug)]
pub struct Engine {
    config: Config,
    conn: Connection,
    // The id-keyed tables are hash maps, not B-trees: each B-tree instantiation compiles
    // to kilobytes of wasm, and every walk over these tables sorts the ids it collects, so
    // the order of events stays the ids' order.
    exchanges: IdMap<ExchangeId, Exchange>,
    /// Which exchange awaits each JSON-RPC id still unanswered.
    awaiting: IdMap<RequestId, ExchangeId>,
    calls: IdMap<CallId, Call>,
    /// Followed tasks by id, for notifications and input requests that name a task.
    by_task: HashMap<TaskId, CallId>,
    /// Calls by progress token.
    by_token: HashMap<String, CallId>,
    ops: IdMap<OpId, Op>,
    inputs: IdMap<InputId, PendingInput>,
    /// Tools by name, once listed.
    tools: Option<HashMap<String, Tool>>,
    /// The engine's own `tools/list` in flight.
    tools_op: Option<OpId>,
    /// Calls that wait for the tools before deciding task or plain (a call may be in it
    /// twice; `tools_known` sorts and dedups).
    waiting_tools: Vec<CallId>,
    stream: StreamState,
    listen: ListenState,
    timers: Timers<TimerKey>,
    /// Calls' and one-off requests' exchanges handed to the driver and not yet over.
    in_flight: usize,
    /// Exchanges waiting for room under `max_in_flight`, oldest first (ids of dropped
    /// ones may linger until popped)...
    queue: VecDeque<ExchangeId>,
    /// ...and their requests.
    held: IdMap<ExchangeId, HttpRequest>,
    out: VecDeque<Output>,
    /// The drain has not yet reported the next deadline.
    wake_due: bool,
    rng: Rng,
    /// No request goes out before this (a 429's `Retry-After`).
    gate: UnixMillis,
    next_exchange: u64,
    next_rpc: i64,
    next_call: u64,
    next_op: u64,
    next_input: u64,
    closed: bool,
    /// The tasks this client hosts for the server, once it asked for one.
    hosted: Option<Box<host::Hosted>>,
}

impl Engine {
    /// An engine for `config`. It does nothing until given an input.
    pub fn new(config: Config) -> Self {
        let rng = Rng::new(config.seed);
        Self {
            conn: Connection::new(&config),
            config,
            exchanges: IdMap::default(),
            awaiting: IdMap::default(),
            calls: IdMap::default(),
            by_task: HashMap::new(),
            by_token: HashMap::new(),
            ops: IdMap::default(),
            inputs: IdMap::default(),
            tools: None,
            tools_op: None,
            waiting_tools: Vec::new(),
            stream: StreamState::default(),
            listen: ListenState::default(),
            timers: Timers::new(),
            in_flight: 0,
            queue: VecDeque::new(),
            held: IdMap::default(),
            out: VecDeque::new(),
            wake_due: false,
            rng,
            gate: UnixMillis(0),
            next_exchange: 0,
            next_rpc: 0,
            next_call: 0,
            next_op: 0,
            next_input: 0,
            closed: false,
            hosted: None,
        }
    }

    /// The configuration in force (its [`memory`](Config::memory) is kept up to date).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Which generation each endpoint spoke, for a driver to persist.
    pub fn endpoint_memory(&self) -> &EndpointMemory {
        &self.config.memory
    }

    /// The generation in use, once connected.
    pub fn generation(&self) -> Option<Generation> {
        self.conn.generation()
    }

    /// The 2025-11-25 session, when there is one.
    pub fn session_id(&self) -> Option<&str> {
        self.conn.session_id()
    }

    /// How many calls have no outcome yet.
    pub fn live_calls(&self) -> usize {
        self.calls.len()
    }

    /// The sizes of the engine's tables, by name, for leak checks in tests and
    /// benchmarks: every one but `exchanges` (the streams) is empty once every call and
    /// request has ended.
    #[doc(hidden)]
    pub fn table_sizes(&self) -> [(&'static str, usize); 8] {
        [
            ("calls", self.calls.len()),
            ("exchanges", self.exchanges.len()),
            ("awaiting", self.awaiting.len()),
            ("byTask", self.by_task.len()),
            ("byToken", self.by_token.len()),
            ("ops", self.ops.len()),
            ("inputs", self.inputs.len()),
            ("queued", self.held.len()),
        ]
    }

    /// Starts connecting (also done on demand by the other inputs). Calling it again does
    /// nothing.
    pub fn connect(&mut self, now: UnixMillis) {
        if !self.closed {
            self.ensure_connected(now);
        }
        self.after_input(now);
    }

    /// Lists the server's tools; the answer is [`Event::ToolsListed`] (or `OpFailed`).
    pub fn list_tools(&mut self, now: UnixMillis) -> Result<OpId, ClientError> {
        let r = self.start_op(now, ops::OpKind::ListTools { cursor: None, tools: Vec::new() });
        self.after_input(now);
        r
    }

    /// Lists one page of tasks (2025-11-25 servers that declare `tasks.list`); the answer
    /// is [`Event::TasksListed`] (or `OpFailed`).
    pub fn list_tasks(
        &mut self,
        now: UnixMillis,
        cursor: Option<String>,
    ) -> Result<OpId, ClientError> {
        let r = self.start_op(now, ops::OpKind::ListTasks { cursor });
        self.after_input(now);
        r
    }

    /// Reads a task once; the answer is [`Event::TaskFetched`] (or `OpFailed`).
    pub fn get_task(&mut self, now: UnixMillis, task_id: TaskId) -> Result<OpId, ClientError> {
        let r = self.start_op(now, ops::OpKind::GetTask { task_id });
        self.after_input(now);
        r
    }

    /// Calls a tool, as a task when the server and [`ToolCall::mode`] allow it. The call
    /// ends with exactly one [`Event::Outcome`].
    pub fn call_tool(&mut self, now: UnixMillis, call: ToolCall) -> Result<CallId, ClientError> {
        let r = self.start_call(now, call);
        self.after_input(now);
        r
    }

    /// Asks for a call to stop: `tasks/cancel` for a task (after it is created, if the
    /// call is still in flight), or dropping the request of a plain call.
    pub fn cancel(&mut self, now: UnixMillis, call: CallId) -> Result<(), ClientError> {
        let r = self.request_cancel(now, call);
        self.after_input(now);
        r
    }

    /// Answers an input request (an `ElicitResult`, `CreateMessageResult` or
    /// `ListRootsResult`). Each request is answered once.
    pub fn answer_input(
        &mut self,
        now: UnixMillis,
        input: InputId,
        response: Map<String, Value>,
    ) -> Result<(), ClientError> {
        let r = self.deliver_input(now, input, response);
        self.after_input(now);
        r
    }

    /// Follows a task created earlier (possibly by another engine) from its reference.
    /// `deadline` stops following it at that time.
    pub fn resume(
        &mut self,
        now: UnixMillis,
        reference: TaskReference,
        deadline: Option<UnixMillis>,
    ) -> Result<CallId, ClientError> {
        let r = self.resume_task(now, reference, deadline);
        self.after_input(now);
        r
    }

    /// The reference of a call that became a task.
    pub fn reference(&self, call: CallId) -> Result<TaskReference, ClientError> {
        self.reference_of(call)
    }

    /// Stops everything: live calls end with [`ClientError::Closed`], the 2025-11-25
    /// session is ended with `DELETE`, and [`Event::Closed`] follows.
    pub fn close(&mut self, now: UnixMillis) {
        self.shut_down(now, true);
        self.after_input(now);
    }

    /// Stops everything as [`Engine::close`] does, but leaves the 2025-11-25 session open
    /// on the server, so that the references of this client's tasks can be resumed by
    /// another client later (in another process, or a Worker's next invocation) before
    /// the server lets the session idle out. [`Event::Closed`] follows at once.
    pub fn detach(&mut self, now: UnixMillis) {
        self.shut_down(now, false);
        self.after_input(now);
    }

    /// The status line and headers of exchange `id` arrived.
    pub fn handle_response_head(&mut self, now: UnixMillis, id: ExchangeId, head: ResponseHead) {
        self.on_head(now, id, head);
        self.after_input(now);
    }

    /// The next piece of exchange `id`'s body arrived.
    pub fn handle_body_chunk(&mut self, now: UnixMillis, id: ExchangeId, bytes: &[u8]) {
        self.on_chunk(now, id, bytes);
        self.after_input(now);
    }

    /// Exchange `id`'s body ended.
    pub fn handle_body_end(&mut self, now: UnixMillis, id: ExchangeId) {
        self.on_end(now, id);
        self.after_input(now);
    }

    /// Exchange `id` failed in the transport.
    pub fn handle_transport_failure(
        &mut self,
        now: UnixMillis,
        id: ExchangeId,
        failure: TransportFailure,
    ) {
        self.on_failure(now, id, failure);
        self.after_input(now);
    }

    /// Time passed; calling it early or more than once is harmless.
    pub fn handle_timeout(&mut self, now: UnixMillis) {
        self.on_timeout(now);
        self.after_input(now);
    }

    /// The next thing for the driver to do. Drain until `None` after every input.
    pub fn poll_output(&mut self) -> Option<Output> {
        if let Some(o) = self.out.pop_front() {
            return Some(o);
        }
        if self.wake_due {
            self.wake_due = false;
            return self.timers.next().map(Output::Wake);
        }
        None
    }

    /// The earliest time the engine needs [`handle_timeout`](Self::handle_timeout).
    pub fn next_wake(&self) -> Option<UnixMillis> {
        self.timers.next()
    }

    /// Runs what became due, then lets the drain report the next deadline.
    fn after_input(&mut self, now: UnixMillis) {
        self.run_due(now);
        self.send_queued(now);
        self.wake_due = true;
    }
}
