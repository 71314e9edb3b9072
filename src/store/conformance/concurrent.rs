//! Two stores over one backend, their backend calls interleaved in every order.
//!
//! Each store is an [`AsyncTaskStore`] over [`Stepped`], whose every backend call first
//! yields once; polling the racing operations in a chosen order then runs their backend
//! calls in that order, as two processes sharing a Redis would.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use serde_json::{Map, json};

use super::{G, T0, obj};
use crate::id::{CounterIds, TaskId};
use crate::store::{
    AsyncBackend, AsyncTaskStore, Backend, BackendError, Finish, Owner, StoreConfig, StoreError,
    StoredTask, Version, Versioned, Write, keys,
};
use crate::task::{InputAnswer, InputAnswers, InputRequest, MessageUpdate, TaskStatus};
use crate::time::UnixMillis;

/// An [`AsyncBackend`] over a shared synchronous backend whose every call yields once
/// before it runs, so that a test decides which racing operation goes next.
#[derive(Debug)]
pub struct Stepped<B>(Rc<RefCell<B>>);

impl<B> Stepped<B> {
    /// A handle on `shared`; clones of the `Rc` are other processes.
    pub fn new(shared: Rc<RefCell<B>>) -> Self {
        Self(shared)
    }
}

/// Pending once, then ready.
#[derive(Default)]
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        Poll::Pending
    }
}

impl<B: Backend> AsyncBackend for Stepped<B> {
    async fn get(&self, id: &TaskId) -> Result<Option<Versioned>, BackendError> {
        YieldOnce::default().await;
        self.0.borrow().get(id)
    }
    async fn create(&self, task: StoredTask) -> Result<Write, BackendError> {
        YieldOnce::default().await;
        self.0.borrow_mut().create(task)
    }
    async fn put_if_version(
        &self,
        task: StoredTask,
        expected: Version,
    ) -> Result<Write, BackendError> {
        YieldOnce::default().await;
        self.0.borrow_mut().put_if_version(task, expected)
    }
    async fn remove_if_version(
        &self,
        id: &TaskId,
        expected: Version,
    ) -> Result<Write, BackendError> {
        YieldOnce::default().await;
        self.0.borrow_mut().remove_if_version(id, expected)
    }
    async fn index_insert(&self, key: String) -> Result<(), BackendError> {
        YieldOnce::default().await;
        self.0.borrow_mut().index_insert(key)
    }
    async fn index_remove(&self, key: &str) -> Result<(), BackendError> {
        YieldOnce::default().await;
        self.0.borrow_mut().index_remove(key)
    }
    async fn index_scan(
        &self,
        prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, BackendError> {
        YieldOnce::default().await;
        self.0.borrow().index_scan(prefix, after, limit)
    }
    async fn counter_add(&self, name: &str, delta: i64) -> Result<i64, BackendError> {
        YieldOnce::default().await;
        self.0.borrow_mut().counter_add(name, delta)
    }
}

type Store<B> = AsyncTaskStore<Stepped<B>, CounterIds>;
type RaceCheck<B> = fn(Pair<B>, u64);
type Racer<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + 'a>>;
type Start<'a, T> = Box<dyn Fn() -> Racer<'a, T> + 'a>;

/// One racing operation, as a way to start it (again).
fn racer<'a, T, F>(start: impl Fn() -> F + 'a) -> Start<'a, T>
where
    F: Future<Output = Result<T, StoreError>> + 'a,
{
    Box::new(move || Box::pin(start()))
}

/// Polls the racers one step at a time, the next one picked by the low bit of `schedule`
/// (shifted out each step), until all have ended; their results in order.
///
/// A racer that ran out of attempts ([`StoreError::Contended`]) changed nothing, so it is
/// run again alone afterwards, as its caller would retry, and that result counts.
fn race<T>(starts: Vec<Start<'_, T>>, mut schedule: u64) -> Vec<Result<T, StoreError>> {
    let mut racers: Vec<_> = starts.iter().map(|start| start()).collect();
    let mut cx = Context::from_waker(Waker::noop());
    let mut out: Vec<Option<Result<T, StoreError>>> = racers.iter().map(|_| None).collect();
    loop {
        let live: Vec<usize> = (0..racers.len()).filter(|&i| out[i].is_none()).collect();
        let Some(&first) = live.first() else { break };
        let i = live.get((schedule & 1) as usize).copied().unwrap_or(first);
        schedule >>= 1;
        if let Poll::Ready(done) = racers[i].as_mut().poll(&mut cx) {
            out[i] = Some(done);
        }
    }
    out.into_iter()
        .flatten()
        .zip(&starts)
        .map(|(done, start)| match done {
            Err(StoreError::Contended { .. }) => drive(start()),
            done => done,
        })
        .collect()
}

/// Polls one racer alone to its end.
fn drive<T>(mut racer: Racer<'_, T>) -> Result<T, StoreError> {
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(done) = racer.as_mut().poll(&mut cx) {
            return done;
        }
    }
}

/// Drives one future alone to its end.
fn run<T>(future: impl Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
    drive(Box::pin(future))
}

/// Two stores (processes) over one fresh backend.
struct Pair<B> {
    a: Store<B>,
    b: Store<B>,
}

impl<B: Backend> Pair<B> {
    fn new(backend: B) -> Self {
        let shared = Rc::new(RefCell::new(backend));
        let config = StoreConfig {
            max_live_per_owner: 2,
            max_bytes_per_owner: 8 * 1024,
            ..StoreConfig::default()
        };
        let store = |name| {
            AsyncTaskStore::new(Stepped::new(shared.clone()), CounterIds::new(name), config.clone())
        };
        Self { a: store("a"), b: store("b") }
    }

    /// The owner's live-task counter, which must equal its non-terminal tasks.
    fn live(&self, owner: &Owner) -> i64 {
        run(async { Ok(self.a.backend().counter_add(&keys::live_counter(owner), 0).await?) })
            .expect("counter")
    }

    fn record(&self, owner: &Owner, id: &TaskId, now: UnixMillis) -> Option<StoredTask> {
        run(self.a.get(owner, id, now)).ok()
    }

    fn counter(&self, name: &str) -> i64 {
        run(async { Ok(self.a.backend().counter_add(name, 0).await?) }).expect("counter")
    }

    /// Checks that the budget counters hold exactly what `owner`'s stored tasks (the only
    /// ones in these races) are charged: every racer gave back what it did not keep.
    fn accounted(&self, owner: &Owner, now: UnixMillis) {
        let tasks = run(self.a.list(owner, None, now)).expect("list").tasks;
        let bytes: u64 = tasks
            .iter()
            .filter_map(|t| self.record(owner, &t.task_id, now))
            .map(|r| r.stored_bytes())
            .sum();
        let (count, bytes) = (tasks.len() as i64, bytes as i64);
        assert_eq!(self.counter(&keys::tasks_counter(owner)), count, "owner's task count");
        assert_eq!(self.counter(keys::TASKS_COUNTER), count, "store's task count");
        assert_eq!(self.counter(&keys::bytes_counter(owner)), bytes, "owner's bytes");
        assert_eq!(self.counter(keys::BYTES_COUNTER), bytes, "store's bytes");
    }
}

/// Runs every race check against backends made by `make`, in each of the `1 << bits`
/// schedules whose choices fit in `bits` bits (later steps go to the first racer left).
pub fn run_all<B: Backend>(mut make: impl FnMut() -> B, bits: u32) {
    for schedule in 0..(1u64 << bits.min(63)) {
        run_schedule(&mut make, schedule);
    }
}

/// Runs every race check once, with the racers' steps ordered by the bits of `schedule`
/// (for property tests over random schedules).
pub fn run_schedule<B: Backend>(mut make: impl FnMut() -> B, schedule: u64) {
    let checks: [(&str, RaceCheck<B>); 11] = [
        ("complete_races_cancel", complete_races_cancel),
        ("answers_to_different_requests_both_land", answers_both_land),
        ("one_answer_twice_lands_once", one_answer_lands_once),
        ("sweep_races_writer", sweep_races_writer),
        ("sweeps_race_each_other", sweeps_race),
        ("creates_race_for_the_last_slot", creates_race_for_last_slot),
        ("input_request_races_cancel", input_request_races_cancel),
        ("cancel_request_races_finish", cancel_request_races_finish),
        ("owner_removal_races_writer", owner_removal_races_writer),
        ("answer_races_the_work_taking_answers", answer_races_take),
        ("results_race_for_the_last_bytes", results_race_for_the_last_bytes),
    ];
    for (name, check) in checks {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            check(Pair::new(make()), schedule);
        }));
        if let Err(cause) = result {
            eprintln!("race check {name} failed in schedule {schedule:#b}");
            std::panic::resume_unwind(cause);
        }
    }
}

fn complete_races_cancel<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    let id = run(p.a.create(&me, G, None, T0)).expect("create").task_id;
    let result = obj(json!({"content": []}));
    let finish = Finish::Completed(result.clone());
    let out = race(
        vec![
            racer(|| p.a.finish(&id, finish.clone(), MessageUpdate::Keep, T0)),
            racer(|| p.b.cancel(&me, &id, MessageUpdate::Keep, T0)),
        ],
        schedule,
    );
    let winners: Vec<_> = out.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "exactly one terminal transition wins: {out:?}");
    let loser = out.iter().find_map(|r| r.as_ref().err()).expect("one loser");
    assert_eq!(loser.code(), "task_already_terminal", "the loser is told: {loser:?}");
    let stored = p.record(&me, &id, T0).expect("still stored");
    assert_eq!(stored.task().status(), winners[0].status(), "the winner's status is stored");
    let want = (winners[0].status() == TaskStatus::Completed).then(|| result.clone());
    let got = stored.outcome().map(|_| result);
    assert_eq!(got, want, "the outcome belongs to the winner");
    assert_eq!(p.live(&me), 0, "the live slot is given back once");
    p.accounted(&me, T0);
}

fn asking<B: Backend>(p: &Pair<B>, me: &Owner, asks: usize) -> (TaskId, Vec<String>) {
    let id = run(p.a.create(me, G, None, T0)).expect("create").task_id;
    let ask = InputRequest { method: "elicitation/create".into(), params: Map::new() };
    let keys = (0..asks)
        .map(|_| run(p.a.request_input(&id, ask.clone(), MessageUpdate::Keep, T0)).expect("ask"))
        .collect();
    (id, keys)
}

fn answer(key: &str, n: i64) -> InputAnswers {
    let mut answers = InputAnswers::new();
    answers.insert(key.to_owned(), InputAnswer::from(obj(json!({"action": "accept", "n": n}))));
    answers
}

fn answers_both_land<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    let (id, keys) = asking(&p, &me, 2);
    let out = race(
        vec![
            racer(|| p.a.answer_input(&me, &id, answer(&keys[0], 1), T0)),
            racer(|| p.b.answer_input(&me, &id, answer(&keys[1], 2), T0)),
        ],
        schedule,
    );
    let out: Vec<_> = out.into_iter().map(|r| r.expect("both answers are accepted")).collect();
    assert!(out.iter().all(|a| a.accepted.len() == 1), "no answer lost: {out:?}");
    assert_eq!(out.iter().filter(|a| a.resumed).count(), 1, "the last answer resumes, once");
    let stored = p.record(&me, &id, T0).expect("stored");
    assert_eq!(stored.input_answers().len(), 2, "both answers stored");
    assert!(stored.input_requests().is_empty());
    assert_eq!(stored.task().status(), TaskStatus::Working);
    p.accounted(&me, T0);
}

fn one_answer_lands_once<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    let (id, keys) = asking(&p, &me, 2);
    // Both in flight on one store: its methods take `&self` for this.
    let out = race(
        vec![
            racer(|| p.a.answer_input(&me, &id, answer(&keys[0], 1), T0)),
            racer(|| p.a.answer_input(&me, &id, answer(&keys[0], 2), T0)),
        ],
        schedule,
    );
    let out: Vec<_> = out.into_iter().map(|r| r.expect("answering is never an error")).collect();
    assert_eq!(out.iter().map(|a| a.accepted.len()).sum::<usize>(), 1, "accepted once: {out:?}");
    assert_eq!(out.iter().map(|a| a.ignored.len()).sum::<usize>(), 1, "the repeat is ignored");
    let stored = p.record(&me, &id, T0).expect("stored");
    assert_eq!(stored.input_answers().len(), 1);
    assert_eq!(stored.task().status(), TaskStatus::InputRequired, "one request still open");
}

fn sweep_races_writer<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    let ended = schedule & 1 == 1;
    let id = run(p.a.create(&me, G, Some(1_000), T0)).expect("create").task_id;
    let due = T0.saturating_add(1_000);
    // The writer's clock is a little behind the sweeper's: to it the task is still live.
    let behind = T0.saturating_add(999);
    let message = MessageUpdate::Set("busy".into());
    let writer = racer(|| async {
        match ended {
            true => {
                p.b.finish(&id, Finish::Cancelled, MessageUpdate::Keep, behind).await.map(|_| 0)
            }
            false => p.b.set_message(&id, message.clone(), behind).await.map(|_| 0),
        }
    });
    let out = race(vec![racer(|| p.a.sweep(due, usize::MAX)), writer], schedule >> 1);
    let swept = out[0].clone().expect("sweeps never fail");
    // A sweep that kept losing to the writer leaves the task to the next one.
    let next = run(p.a.sweep(due, usize::MAX)).expect("sweep");
    assert_eq!(swept + next, 1, "the task is deleted exactly once");
    if let Err(e) = &out[1] {
        assert_eq!(e.code(), "task_not_found", "a writer after the sweep finds nothing: {e:?}");
    }
    assert!(p.record(&me, &id, behind).is_none(), "the task is gone");
    let keys = run(async { Ok(p.a.backend().index_scan("", None, 10).await?) }).expect("scan");
    assert!(keys.is_empty(), "no index key left behind: {keys:?}");
    assert_eq!(p.live(&me), 0, "the live slot is given back once");
    p.accounted(&me, behind);
}

fn sweeps_race<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    for ttl in [1_000, 1_000] {
        run(p.a.create(&me, G, Some(ttl), T0)).expect("create");
    }
    let due = T0.saturating_add(1_000);
    let out = race(
        vec![racer(|| p.a.sweep(due, usize::MAX)), racer(|| p.b.sweep(due, usize::MAX))],
        schedule,
    );
    let total: usize = out.into_iter().map(|r| r.expect("sweeps never fail")).sum();
    let next = run(p.a.sweep(due, usize::MAX)).expect("sweep");
    assert_eq!(total + next, 2, "each expired task is counted by exactly one sweep");
    assert_eq!(p.live(&me), 0, "each live slot is given back once");
    p.accounted(&me, due);
}

fn creates_race_for_last_slot<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    run(p.a.create(&me, G, None, T0)).expect("first create");
    let out = race(
        vec![racer(|| p.a.create(&me, G, None, T0)), racer(|| p.b.create(&me, G, None, T0))],
        schedule,
    );
    assert_eq!(out.iter().filter(|r| r.is_ok()).count(), 1, "one slot, one winner: {out:?}");
    let loser = out.iter().find_map(|r| r.as_ref().err()).expect("one loser");
    assert_eq!(loser.code(), "owner_task_limit");
    assert_eq!(p.live(&me), 2, "the loser gives its reservation back");
    p.accounted(&me, T0);
}

fn input_request_races_cancel<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    let id = run(p.a.create(&me, G, None, T0)).expect("create").task_id;
    let ask = InputRequest { method: "roots/list".into(), params: Map::new() };
    let out = race(
        vec![
            racer(|| async {
                p.a.request_input(&id, ask.clone(), MessageUpdate::Keep, T0).await.map(drop)
            }),
            racer(|| async { p.b.cancel(&me, &id, MessageUpdate::Keep, T0).await.map(drop) }),
        ],
        schedule,
    );
    out[1].as_ref().expect("a cancel of a live task always lands");
    if let Err(e) = &out[0] {
        assert_eq!(e.code(), "task_already_terminal", "asking after the cancel: {e:?}");
    }
    let stored = p.record(&me, &id, T0).expect("stored");
    assert_eq!(stored.task().status(), TaskStatus::Cancelled);
    assert!(stored.input_requests().is_empty(), "no request outlives the end");
    assert_eq!(p.live(&me), 0);
    p.accounted(&me, T0);
}

fn cancel_request_races_finish<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    let id = run(p.a.create(&me, G, None, T0)).expect("create").task_id;
    let done = Finish::Completed(Map::new());
    let out = race(
        vec![
            racer(|| async {
                p.a.finish(&id, done.clone(), MessageUpdate::Keep, T0).await.map(drop)
            }),
            racer(|| async { p.b.request_cancel(&me, &id, T0).await.map(drop) }),
        ],
        schedule,
    );
    assert!(out.iter().all(Result::is_ok), "both land: {out:?}");
    let stored = p.record(&me, &id, T0).expect("stored");
    assert_eq!(stored.task().status(), TaskStatus::Completed, "the work's ending stands");
    assert!(!stored.cancel_requested(), "no cancel flag on a finished task");
    assert_eq!(p.live(&me), 0);
}

fn owner_removal_races_writer<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    let id = run(p.a.create(&me, G, None, T0)).expect("create").task_id;
    let message = MessageUpdate::Set("busy".into());
    let out = race(
        vec![
            racer(|| p.a.remove_owner(&me)),
            racer(|| async { p.b.set_message(&id, message.clone(), T0).await.map(|_| 0) }),
        ],
        schedule,
    );
    assert_eq!(out[0], Ok(1), "the owner's task is deleted exactly once");
    if let Err(e) = &out[1] {
        assert_eq!(e.code(), "task_not_found", "a writer after the removal finds nothing: {e:?}");
    }
    assert!(p.record(&me, &id, T0).is_none(), "the task is gone");
    let keys = run(async { Ok(p.a.backend().index_scan("", None, 10).await?) }).expect("scan");
    assert!(keys.is_empty(), "no index key left behind: {keys:?}");
    assert_eq!(p.live(&me), 0);
    p.accounted(&me, T0);
}

fn answer_races_take<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    let (id, keys) = asking(&p, &me, 1);
    let out = race(
        vec![
            racer(|| async {
                p.a.answer_input(&me, &id, answer(&keys[0], 1), T0).await.map(|_| 0)
            }),
            racer(|| async { p.b.take_input_answers(&id, T0).await.map(|taken| taken.len()) }),
        ],
        schedule,
    );
    let taken = out[1].clone().expect("taking answers never fails on a live task");
    out[0].as_ref().expect("the answer lands");
    let stored = p.record(&me, &id, T0).expect("stored");
    assert_eq!(taken + stored.input_answers().len(), 1, "the answer is taken or kept, once");
    assert_eq!(stored.task().status(), TaskStatus::Working);
    p.accounted(&me, T0);
}

fn results_race_for_the_last_bytes<B: Backend>(p: Pair<B>, schedule: u64) {
    let me = Owner::from("alice");
    let ids: Vec<TaskId> =
        (0..2).map(|_| run(p.a.create(&me, G, None, T0)).expect("create").task_id).collect();
    // Each result fits the owner's budget alone (see `Pair::new`), not both together.
    let big = obj(json!({"content": [{"type": "text", "text": "x".repeat(5_000)}]}));
    let finish = Finish::Completed(big);
    let out = race(
        vec![
            racer(|| p.a.finish(&ids[0], finish.clone(), MessageUpdate::Keep, T0)),
            racer(|| p.b.finish(&ids[1], finish.clone(), MessageUpdate::Keep, T0)),
        ],
        schedule,
    );
    assert!(out.iter().filter(|r| r.is_ok()).count() <= 1, "never both: {out:?}");
    for loser in out.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(loser.code(), "storage_limit_exceeded", "a loser is told: {loser:?}");
    }
    // A loser's passing reservation may also turn away a writer that had to retry (only
    // ever too strict, never over): the room is there again once the race is over.
    if out.iter().all(Result::is_err) {
        run(p.a.finish(&ids[0], finish.clone(), MessageUpdate::Keep, T0)).expect("room again");
    }
    p.accounted(&me, T0);
    run(p.a.remove_owner(&me)).expect("remove");
    let left = run(async { Ok(p.a.backend().index_scan("", None, 10).await?) }).expect("scan");
    assert!(left.is_empty(), "no index key left behind: {left:?}");
    p.accounted(&me, T0);
}
