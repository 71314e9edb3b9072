//! The storage budgets, checked through the store over a fresh backend: task counts and
//! bytes per owner and for the whole store, bounded status messages and questions, and
//! counters that go when what they count does.

use serde_json::{Map, Value, json};

use super::{G, T0, obj};
use crate::id::{CounterIds, TaskId};
use crate::protocol::jsonrpc::ErrorCode;
use crate::store::{
    Backend, Finish, Limit, Owner, RECORD_FLOOR, StoreConfig, StoreError, TaskStore,
};
use crate::task::{InputAnswer, InputAnswers, InputRequest, MessageUpdate, TaskStatus};

type Store<B> = TaskStore<B, CounterIds>;
type Check<B> = fn(Store<B>);

/// Budgets small enough to reach in a test; the live limit is out of the way.
fn config() -> StoreConfig {
    StoreConfig {
        max_live_per_owner: 100,
        max_tasks_per_owner: 3,
        max_tasks_total: 5,
        max_bytes_per_owner: 8 * 1024,
        max_bytes_total: 14 * 1024,
        max_status_message_bytes: 64,
        max_input_request_bytes: 2 * 1024,
        ..StoreConfig::default()
    }
}

/// Runs every budget check against backends made by `make`.
pub(super) fn run_all<B: Backend>(make: &mut impl FnMut() -> B) {
    let checks: [(&str, Check<B>, StoreConfig); 6] = [
        ("task_budgets_count_terminal_tasks", task_budgets_count_terminal_tasks, config()),
        ("byte_budgets_count_what_tasks_hold", byte_budgets_count_what_tasks_hold, config()),
        ("questions_and_answers_are_charged", questions_and_answers_are_charged, config()),
        ("status_messages_are_bounded", status_messages_are_bounded, config()),
        ("expired_tasks_give_their_budget_back", expired_tasks_give_their_budget_back, config()),
        (
            "owner_counters_go_with_their_tasks",
            owner_counters_go_with_their_tasks,
            config().without_budgets(),
        ),
    ];
    for (name, check, config) in checks {
        check(TaskStore::new(make(), CounterIds::new(name), config));
    }
}

/// A tool result of about `bytes` bytes serialized.
fn result_of(bytes: usize) -> Map<String, Value> {
    obj(json!({"content": [{"type": "text", "text": "x".repeat(bytes)}]}))
}

fn limit_of(r: Result<impl std::fmt::Debug, StoreError>) -> Option<Limit> {
    match r {
        Err(StoreError::LimitExceeded { limit, .. }) => Some(limit),
        _ => None,
    }
}

fn ended<B: Backend>(s: &mut Store<B>, owner: &Owner, ttl: Option<u64>) -> TaskId {
    let id = s.create(owner, G, ttl, T0).expect("create").task_id;
    s.finish(&id, Finish::Cancelled, MessageUpdate::Keep, T0).expect("end");
    id
}

fn task_budgets_count_terminal_tasks<B: Backend>(mut s: Store<B>) {
    let (alice, bob, carol) = (Owner::from("alice"), Owner::from("bob"), Owner::from("carol"));
    for _ in 0..3 {
        ended(&mut s, &alice, None);
    }
    let over = s.create(&alice, G, None, T0);
    assert_eq!(limit_of(over), Some(Limit::TasksPerOwner), "terminal tasks count too");
    ended(&mut s, &bob, None);
    ended(&mut s, &bob, None);
    let err = s.create(&carol, G, None, T0).expect_err("the store holds 5 tasks");
    assert_eq!(err, StoreError::LimitExceeded { limit: Limit::TasksTotal, max: 5 });
    assert_eq!(err.code(), "storage_limit_exceeded");
    let rpc = err.to_error_object();
    assert_eq!(rpc.code, ErrorCode::INVALID_REQUEST, "refused like the live-task limit");
    assert!(rpc.message.contains("max_tasks_total"), "the message names it: {}", rpc.message);
    assert_eq!(rpc.data, Some(json!({"limit": "max_tasks_total", "max": 5})));
    assert!(s.list(&carol, None, T0).expect("list").tasks.is_empty(), "nothing half-made");
    assert_eq!(s.remove_owner(&alice).expect("remove"), 3);
    s.create(&carol, G, None, T0).expect("removed tasks give their places back");
    s.create(&alice, G, None, T0).expect("and the owner's");
}

fn byte_budgets_count_what_tasks_hold<B: Backend>(mut s: Store<B>) {
    let (alice, bob, carol) = (Owner::from("alice"), Owner::from("bob"), Owner::from("carol"));
    let first = s.create(&alice, G, None, T0).expect("create").task_id;
    let fresh = s.get(&alice, &first, T0).expect("get").stored_bytes();
    assert_eq!(fresh, RECORD_FLOOR, "a new task is charged the floor");
    s.finish(&first, Finish::Completed(result_of(5_000)), MessageUpdate::Keep, T0)
        .expect("5 KB fits in 8 KiB");
    let held = s.get(&alice, &first, T0).expect("get").stored_bytes();
    assert!(held > 5_000, "the result is charged: {held}");
    let second = s.create(&alice, G, None, T0).expect("create").task_id;
    let big = Finish::Completed(result_of(5_000));
    let over = s.finish(&second, big.clone(), MessageUpdate::Keep, T0);
    assert_eq!(limit_of(over), Some(Limit::BytesPerOwner));
    let kept = s.get(&alice, &second, T0).expect("get");
    assert_eq!(kept.task().status(), TaskStatus::Working, "a refused write changes nothing");
    assert_eq!(kept.stored_bytes(), RECORD_FLOOR);

    let theirs = s.create(&bob, G, None, T0).expect("create").task_id;
    s.finish(&theirs, big.clone(), MessageUpdate::Keep, T0).expect("bob has his own budget");
    let third = s.create(&carol, G, None, T0).expect("create").task_id;
    let over = s.finish(&third, big.clone(), MessageUpdate::Keep, T0);
    assert_eq!(limit_of(over), Some(Limit::BytesTotal), "the store's budget binds everyone");
    s.remove_owner(&bob).expect("remove");
    s.finish(&third, big, MessageUpdate::Keep, T0).expect("removal gives the bytes back");
    s.finish(&second, Finish::Cancelled, MessageUpdate::Keep, T0)
        .expect("a task can always end without a result");
}

fn questions_and_answers_are_charged<B: Backend>(mut s: Store<B>) {
    let me = Owner::from("alice");
    let id = s.create(&me, G, None, T0).expect("create").task_id;
    let ask = |text: usize| InputRequest {
        method: "elicitation/create".into(),
        params: obj(json!({"message": "x".repeat(text), "requestedSchema": {}})),
    };
    let over = s.request_input(&id, ask(3_000), MessageUpdate::Keep, T0);
    assert_eq!(limit_of(over), Some(Limit::InputRequestBytes), "a question too large");
    assert_eq!(s.get(&me, &id, T0).expect("get").task().status(), TaskStatus::Working);
    let key = s.request_input(&id, ask(1_500), MessageUpdate::Keep, T0).expect("fits");
    let asked = s.get(&me, &id, T0).expect("get").stored_bytes();
    assert!(asked > 1_500, "the question is charged: {asked}");
    let mut answers = InputAnswers::new();
    let huge = obj(json!({"action": "accept", "content": {"v": "y".repeat(9_000)}}));
    answers.insert(key.clone(), InputAnswer::from(huge));
    let over = s.answer_input(&me, &id, answers, T0);
    assert_eq!(limit_of(over), Some(Limit::BytesPerOwner), "a requestor's answer is charged");
    let still = s.get(&me, &id, T0).expect("get");
    assert_eq!(still.task().status(), TaskStatus::InputRequired, "and was not taken");
    let mut answers = InputAnswers::new();
    answers.insert(key, InputAnswer::from(obj(json!({"action": "accept"}))));
    assert!(s.answer_input(&me, &id, answers, T0).expect("answer").resumed);
    s.take_input_answers(&id, T0).expect("take");
    let after = s.get(&me, &id, T0).expect("get").stored_bytes();
    assert_eq!(after, RECORD_FLOOR, "taken answers and answered questions are freed");

    // What a record gives up is free again: 6 KB held, then taken, twice over.
    for round in 0..2 {
        let key = s.request_input(&id, ask(10), MessageUpdate::Keep, T0).expect("ask");
        let mut answers = InputAnswers::new();
        let big = obj(json!({"action": "accept", "content": {"v": "y".repeat(6_000)}}));
        answers.insert(key, InputAnswer::from(big));
        s.answer_input(&me, &id, answers, T0).unwrap_or_else(|e| panic!("round {round}: {e}"));
        s.take_input_answers(&id, T0).expect("take");
    }
    s.finish(&id, Finish::Completed(result_of(6_000)), MessageUpdate::Keep, T0)
        .expect("the bytes taken answers held are free again");
}

fn status_messages_are_bounded<B: Backend>(mut s: Store<B>) {
    let me = Owner::from("alice");
    let max = s.config().max_status_message_bytes;
    let id = s.create(&me, G, None, T0).expect("create").task_id;
    s.set_message(&id, MessageUpdate::Set("é".repeat(1_000)), T0).expect("set");
    let got = s.get(&me, &id, T0).expect("get");
    let message = got.task().status_message.clone().unwrap_or_default();
    assert!(message.len() <= max && message.ends_with('…'), "cut to {max}: {message}");
    s.set_status(&id, TaskStatus::InputRequired, MessageUpdate::Set("z".repeat(500)), T0)
        .expect("set");
    let got = s.get(&me, &id, T0).expect("get").task().status_message.clone();
    assert!(got.is_some_and(|m| m.len() <= max), "every write is bounded");
    let long = MessageUpdate::Set("w".repeat(500));
    let done = s.finish(&id, Finish::Completed(Map::new()), long, T0).expect("finish");
    assert!(done.status_message.is_some_and(|m| m.len() <= max), "the last one too");
}

fn expired_tasks_give_their_budget_back<B: Backend>(mut s: Store<B>) {
    let me = Owner::from("alice");
    let id = s.create(&me, G, Some(1_000), T0).expect("create").task_id;
    s.finish(&id, Finish::Completed(result_of(5_000)), MessageUpdate::Keep, T0).expect("fits");
    ended(&mut s, &me, Some(1_000));
    ended(&mut s, &me, Some(1_000));
    assert_eq!(limit_of(s.create(&me, G, None, T0)), Some(Limit::TasksPerOwner));
    let later = T0.saturating_add(1_000);
    assert_eq!(s.sweep(later, usize::MAX).expect("sweep"), 3);
    let id = s.create(&me, G, None, later).expect("the sweep gave the places back").task_id;
    s.finish(&id, Finish::Completed(result_of(5_000)), MessageUpdate::Keep, later)
        .expect("and the bytes");
}

fn owner_counters_go_with_their_tasks<B: Backend>(mut s: Store<B>) {
    let baseline = {
        ended(&mut s, &Owner::from("first"), Some(1_000));
        s.sweep(T0.saturating_add(1_000), usize::MAX).expect("sweep");
        s.backend().counters().expect("counters")
    };
    for i in 0..200 {
        let owner = Owner::new(format!("owner-{i}"));
        let id = s.create(&owner, G, Some(1_000), T0).expect("create").task_id;
        if i % 2 == 0 {
            s.finish(&id, Finish::Completed(result_of(10)), MessageUpdate::Keep, T0)
                .expect("finish");
        }
    }
    assert!(s.backend().counters().expect("counters") > baseline, "owners are counted");
    for i in 0..50 {
        s.remove_owner(&Owner::new(format!("owner-{i}"))).expect("remove");
    }
    assert_eq!(s.sweep(T0.saturating_add(1_000), usize::MAX).expect("sweep"), 150);
    let left = s.backend().counters().expect("counters");
    assert_eq!(left, baseline, "no counter outlives what it counts ({left} > {baseline})");
}
