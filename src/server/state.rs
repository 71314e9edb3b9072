//! What the server shares between requests and running tools: the registered tools, the
//! endpoint, the wake-ups of running tasks and the stop handles of running plain calls,
//! the notes the control tools read, and the open HTTP responses the endpoint's output
//! goes to. It runs under one lock that is never held across an `.await`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use hyper::body::Bytes;
use tokio::sync::{Notify, mpsc, oneshot, watch};
use tokio::task::AbortHandle;

use super::clock::Clock;
use super::config::Config;
use super::notes::Notes;
use super::shared_store::SharedStore;
use super::tools::Tools;
use crate::id::{RandomIds, TaskId};
use crate::protocol::http::ResponseHead;
use crate::receiver::Receiver;
use crate::receiver::http::{Endpoint, Output, ResponseId, WorkId};
use crate::store::Backend;
use crate::time::UnixMillis;

/// The server's task storage, chosen at start: memory, or one shared with other servers.
pub(crate) type StoreBackend = Box<dyn Backend + Send>;

/// The endpoint the server drives.
pub(crate) type ServerEndpoint = Endpoint<StoreBackend, RandomIds>;

/// The server's shared state, configuration and tools.
pub(crate) struct Shared {
    pub config: Config,
    /// The tools served; fixed once serving starts.
    pub tools: Tools,
    state: Mutex<State>,
    /// Woken whenever the endpoint may want an earlier timeout.
    pub timer: Arc<Notify>,
    /// The leases on running work, when the store is shared with other servers.
    pub shared_store: Option<Arc<dyn SharedStore>>,
}

impl Shared {
    pub fn new(
        config: Config,
        endpoint: ServerEndpoint,
        tools: Tools,
        shared_store: Option<Arc<dyn SharedStore>>,
    ) -> Arc<Self> {
        let timer = Arc::new(Notify::new());
        let state = State {
            endpoint,
            clock: config.clock.clone(),
            works: HashMap::new(),
            calls: HashMap::new(),
            notes: Notes::default(),
            exchanges: HashMap::new(),
            queued: Vec::new(),
            timer: timer.clone(),
        };
        Arc::new(Self { config, tools, state: Mutex::new(state), timer, shared_store })
    }

    /// The state. A poisoned lock (a panic elsewhere) is taken over: every method leaves
    /// the state consistent between statements that can fail.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The time now, from the configured clock.
    pub fn now(&self) -> UnixMillis {
        self.config.clock.now()
    }
}

/// Where one response's output goes.
struct Exchange {
    head: Option<oneshot::Sender<ResponseHead>>,
    body: mpsc::UnboundedSender<Bytes>,
}

/// The mutable state.
pub(crate) struct State {
    endpoint: ServerEndpoint,
    clock: Clock,
    /// A running task's wake-up: bumped on answers, cancel requests and removal.
    works: HashMap<TaskId, watch::Sender<u64>>,
    /// A running plain call's stop: nobody can receive its answer anymore.
    calls: HashMap<u64, AbortHandle>,
    /// Each task's tool and latest progress, for the control tools.
    pub notes: Notes,
    exchanges: HashMap<ResponseId, Exchange>,
    /// Tool work to start and decisions to take ([`Output::StartTool`],
    /// [`Output::BeforeTask`]), left for the request that caused them: running tool code
    /// needs the shared state, which this lock guards.
    queued: Vec<Output>,
    timer: Arc<Notify>,
}

/// The channels a request reads its response from.
pub(crate) type Reading = (oneshot::Receiver<ResponseHead>, mpsc::UnboundedReceiver<Bytes>);

impl State {
    /// The time now, from the configured clock.
    pub fn now(&self) -> UnixMillis {
        self.clock.now()
    }

    /// The endpoint.
    pub fn endpoint(&mut self) -> &mut ServerEndpoint {
        &mut self.endpoint
    }

    /// The receiver inside the endpoint, for the control tools; call
    /// [`drain_events`](Self::drain_events) after changing it.
    pub fn receiver(&mut self) -> &mut Receiver<StoreBackend, RandomIds> {
        self.endpoint.receiver_mut()
    }

    /// Routes the output of `response` to the returned channels.
    pub fn open(&mut self, response: ResponseId) -> Reading {
        let (head, head_rx) = oneshot::channel();
        let (body, body_rx) = mpsc::unbounded_channel();
        self.exchanges.insert(response, Exchange { head: Some(head), body });
        (head_rx, body_rx)
    }

    /// The tool work to start and the decisions to take, in the order the endpoint asked.
    pub fn take_queued(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.queued)
    }

    /// The client dropped `response` before it ended.
    pub fn closed(&mut self, response: ResponseId) {
        if self.exchanges.remove(&response).is_some() {
            let now = self.now();
            self.endpoint.stream_closed(now, response);
            self.flush();
        }
    }

    /// Acts on every event the receiver queued, after tool code changed it.
    pub fn drain_events(&mut self) {
        let now = self.now();
        self.endpoint.drain_events(now);
        self.flush();
    }

    /// Moves the endpoint's output to the responses and the running work.
    pub fn flush(&mut self) {
        while let Some(output) = self.endpoint.poll_output() {
            match output {
                Output::Head { response, head } => {
                    if let Some(tx) = self.exchanges.get_mut(&response).and_then(|e| e.head.take())
                    {
                        let _ = tx.send(head);
                    }
                }
                Output::Body { response, bytes } => {
                    if let Some(e) = self.exchanges.get(&response) {
                        let _ = e.body.send(Bytes::from(bytes));
                    }
                }
                Output::End { response } => {
                    self.exchanges.remove(&response);
                }
                Output::CancelTool { work: WorkId::Task(task) }
                | Output::InputAnswered { work: WorkId::Task(task) } => self.poke(&task),
                // Dropping the run is how a plain call stops: it has nothing to clean up.
                Output::CancelTool { work: WorkId::Call(n) } => {
                    if let Some(stop) = self.calls.remove(&n) {
                        stop.abort();
                    }
                }
                Output::InputAnswered { work: WorkId::Call(_) } => {}
                Output::TaskRemoved { task } => {
                    self.notes.removed(&task);
                    self.poke(&task);
                }
                Output::StartTool(start) => {
                    // Noted under the lock that created the task, so that no removal slips
                    // between.
                    if let WorkId::Task(task) = &start.work {
                        self.notes.started(task, &start.tool);
                    }
                    self.queued.push(Output::StartTool(start));
                }
                decide @ Output::BeforeTask { .. } => self.queued.push(decide),
            }
        }
        self.timer.notify_one();
    }

    /// Registers the wake-up of a task's work.
    pub fn register_work(&mut self, task: &TaskId) -> watch::Receiver<u64> {
        let (tx, rx) = watch::channel(0);
        self.works.insert(task.clone(), tx);
        rx
    }

    /// Forgets a finished task's work.
    pub fn unregister_work(&mut self, task: &TaskId) {
        self.works.remove(task);
    }

    /// Wakes every running task's work, to look at the store again.
    pub fn poke_all(&self) {
        for tx in self.works.values() {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// The tasks whose work runs here.
    pub fn running_tasks(&self) -> Vec<TaskId> {
        self.works.keys().cloned().collect()
    }

    /// Keeps how to stop plain call `n` while it runs.
    pub fn track_call(&mut self, n: u64, stop: AbortHandle) {
        self.calls.insert(n, stop);
    }

    /// Forgets a finished plain call.
    pub fn untrack_call(&mut self, n: u64) {
        self.calls.remove(&n);
    }

    /// Wakes a task's work so it looks at its answers and cancel flag again.
    pub fn poke(&self, task: &TaskId) {
        if let Some(tx) = self.works.get(task) {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Forgets the server→client request that carried input request `key` of `task` once
    /// it was answered another way (`answer_task_input`).
    pub fn forget_input(&mut self, task: &TaskId, key: &str) {
        self.endpoint.forget_input(task, key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::RandomIds;
    use crate::receiver::http::Config as EndpointConfig;
    use crate::store::{MemoryBackend, Owner, StoreConfig, TaskStore};
    use crate::task::Generation;

    #[test]
    fn a_removed_task_takes_its_notes_with_it() {
        let backend: StoreBackend = Box::new(MemoryBackend::new());
        let receiver = Receiver::new(TaskStore::new(backend, RandomIds, StoreConfig::default()));
        let endpoint = Endpoint::new(EndpointConfig::default(), receiver);
        let shared = Shared::new(Config::default(), endpoint, Tools::default(), None);
        let mut st = shared.lock();
        let owner = Owner::new("session-1");
        let now = st.now();
        let task = st.receiver().store().create(&owner, Generation::Legacy, None, now).unwrap();
        st.notes.started(&task.task_id, "slow_compute");
        st.receiver().remove_owner(&owner).unwrap();
        assert!(st.notes.get(&task.task_id).is_some(), "kept until the removal is acted on");
        st.drain_events();
        assert!(st.notes.get(&task.task_id).is_none());
    }
}
