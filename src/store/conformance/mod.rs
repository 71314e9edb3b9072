//! The store suite every [`Backend`] must pass.
//!
//! Call [`run_all`] from a test with a function that makes an empty backend, and
//! [`writes_are_conditional`] with one such backend:
//!
//! ```
//! use mcp_tasks::store::{MemoryBackend, conformance};
//!
//! conformance::writes_are_conditional(MemoryBackend::new());
//! conformance::run_all(MemoryBackend::new);
//! ```
//!
//! Each check builds its own store over a fresh backend, drives it on a virtual clock and
//! panics with a message naming the broken rule.
//!
//! [`concurrent::run_all`] races two stores over one backend through every interleaving
//! of their backend calls, and [`Conflicts`] wraps any backend so that its conditional
//! writes lose races on purpose; a backend should pass all of them:
//!
//! ```
//! use mcp_tasks::store::MemoryBackend;
//! use mcp_tasks::store::conformance::{self, Conflicts, concurrent};
//!
//! conformance::run_all(|| Conflicts::every(MemoryBackend::new(), 2));
//! concurrent::run_all(MemoryBackend::new, 6);
//! ```

mod budgets;
pub mod concurrent;
mod conflicts;
mod writes;

pub use conflicts::Conflicts;
pub use writes::writes_are_conditional;

use serde_json::{Map, Value, json};

use crate::id::{CounterIds, TaskId};
use crate::protocol::jsonrpc::{ErrorCode, ErrorObject};
use crate::store::{
    Backend, Finish, Owner, RemovalReason, Removed, StoreConfig, StoreError, TaskStore,
};
use crate::task::{
    Generation, InputAnswer, InputAnswers, InputRequest, MessageUpdate, Outcome, TaskStatus,
};
use crate::time::UnixMillis;

const G: Generation = Generation::Legacy;

const T0: UnixMillis = UnixMillis(1_763_000_000_000);

type Check<B> = fn(TaskStore<B, CounterIds>);

/// Runs every check against backends made by `make`, the storage budgets' included.
pub fn run_all<B: Backend>(mut make: impl FnMut() -> B) {
    let checks: [(&str, Check<B>); 13] = [
        ("create_and_get", create_and_get),
        ("ttl_is_clamped_and_counted_from_creation", ttl_is_clamped_and_counted_from_creation),
        ("owners_are_isolated", owners_are_isolated),
        (
            "result_is_stored_with_the_terminal_transition",
            result_is_stored_with_the_terminal_transition,
        ),
        ("terminal_tasks_are_frozen", terminal_tasks_are_frozen),
        ("list_pages_survive_inserts_and_deletes", list_pages_survive_inserts_and_deletes),
        ("invalid_cursors_are_rejected", invalid_cursors_are_rejected),
        ("sweep_removes_exactly_what_expired", sweep_removes_exactly_what_expired),
        ("owner_limit_counts_live_tasks", owner_limit_counts_live_tasks),
        ("cancel_forms", cancel_forms),
        ("input_round_trip", input_round_trip),
        ("removals_are_logged", removals_are_logged),
        ("remove_owner_takes_only_that_owner", remove_owner_takes_only_that_owner),
    ];
    for (name, check) in checks {
        let config = StoreConfig { page_size: 3, max_live_per_owner: 4, ..StoreConfig::default() };
        let store = TaskStore::new(make(), CounterIds::new(name), config);
        check(store);
    }
    budgets::run_all(&mut make);
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn create_and_get<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    let t = s.create(&me, G, Some(60_000), T0).expect("create");
    assert_eq!(t.status(), TaskStatus::Working, "tasks start working");
    assert_eq!(t.created_at.millis(), T0);
    assert_eq!(t.last_updated_at.millis(), T0);
    assert_eq!(t.poll_interval_ms, s.config().poll_interval_ms, "poll interval from config");
    let got = s.get(&me, &t.task_id, T0).expect("get");
    assert_eq!(got.task(), &t);
    assert_eq!(got.owner(), &me);
    let other = s.create(&me, G, None, T0).expect("second create");
    assert_ne!(other.task_id, t.task_id, "ids are unique");
    let missing = s.get(&me, &TaskId::from("nope"), T0);
    assert!(matches!(missing, Err(StoreError::NotFound { .. })), "unknown id is not found");
}

fn ttl_is_clamped_and_counted_from_creation<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    let max = s.config().max_ttl_ms.expect("default config has a max");
    let long = s.create(&me, G, Some(max * 10), T0).expect("create");
    assert_eq!(long.ttl_ms, Some(max), "requested TTL is clamped to the maximum");
    let default = s.create(&me, G, None, T0).expect("create");
    assert_eq!(default.ttl_ms, s.config().default_ttl_ms, "no request gets the default");
    let short = s.create(&me, G, Some(5_000), T0).expect("create");
    let id = short.task_id.clone();
    s.set_status(
        &id,
        TaskStatus::Working,
        MessageUpdate::Set("busy".into()),
        T0.saturating_add(4_000),
    )
    .expect("update before expiry");
    assert!(s.get(&me, &id, T0.saturating_add(4_999)).is_ok(), "readable until the TTL");
    let gone = s.get(&me, &id, T0.saturating_add(5_000));
    assert!(
        matches!(gone, Err(StoreError::NotFound { .. })),
        "TTL counts from creation, not update"
    );
}

fn owners_are_isolated<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let (alice, bob) = (Owner::from("alice"), Owner::from("bob"));
    let t = s.create(&alice, G, None, T0).expect("create");
    let id = &t.task_id;
    assert!(matches!(s.get(&bob, id, T0), Err(StoreError::NotFound { .. })), "get");
    assert!(matches!(
        s.cancel(&bob, id, MessageUpdate::Keep, T0),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(s.request_cancel(&bob, id, T0), Err(StoreError::NotFound { .. })));
    let answers = InputAnswers::new();
    assert!(matches!(s.answer_input(&bob, id, answers, T0), Err(StoreError::NotFound { .. })));
    assert!(s.list(&bob, None, T0).expect("list").tasks.is_empty(), "list shows only own tasks");
    assert_eq!(s.list(&alice, None, T0).expect("list").tasks.len(), 1);
    assert_eq!(s.get(&alice, id, T0).expect("still there").task().status(), TaskStatus::Working);
    let code = StoreError::NotFound { task_id: id.clone() }.to_error_object().code;
    assert_eq!(code, ErrorCode::INVALID_PARAMS, "foreign tasks read as not found (-32602)");
}

fn result_is_stored_with_the_terminal_transition<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    let ok = s.create(&me, G, None, T0).expect("create").task_id;
    let result = obj(json!({"content": [{"type": "text", "text": "done"}]}));
    let at = T0.saturating_add(10);
    s.finish(&ok, Finish::Completed(result.clone()), MessageUpdate::Set("all done".into()), at)
        .expect("finish");
    let got = s.get(&me, &ok, at).expect("get");
    assert_eq!(got.task().status(), TaskStatus::Completed);
    assert_eq!(got.outcome(), Some(&Outcome::Result(result)), "result stored with the transition");
    assert_eq!(got.task().status_message.as_deref(), Some("all done"), "statusMessage kept");
    assert_eq!(got.task().last_updated_at.millis(), at);

    let bad = s.create(&me, G, None, T0).expect("create").task_id;
    let error = ErrorObject::new(ErrorCode::INTERNAL_ERROR, "boom");
    s.finish(&bad, Finish::Failed(Outcome::Error(error.clone())), MessageUpdate::Keep, at)
        .expect("fail");
    let got = s.get(&me, &bad, at).expect("get");
    assert_eq!(got.task().status(), TaskStatus::Failed);
    assert_eq!(got.outcome(), Some(&Outcome::Error(error)), "JSON-RPC error stored");
}

fn terminal_tasks_are_frozen<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    let id = s.create(&me, G, None, T0).expect("create").task_id;
    s.finish(&id, Finish::Cancelled, MessageUpdate::Set("stop".into()), T0).expect("cancel");
    let before = s.get(&me, &id, T0).expect("get");
    let late = T0.saturating_add(50);
    let r = s.finish(&id, Finish::Completed(Map::new()), MessageUpdate::Keep, late);
    assert!(matches!(r, Err(StoreError::AlreadyTerminal { status: TaskStatus::Cancelled, .. })));
    let r = s.set_status(&id, TaskStatus::Working, MessageUpdate::Set("again".into()), late);
    assert!(matches!(r, Err(StoreError::AlreadyTerminal { .. })));
    let r = s.request_input(
        &id,
        InputRequest { method: "roots/list".into(), params: Map::new() },
        MessageUpdate::Keep,
        late,
    );
    assert!(matches!(r, Err(StoreError::AlreadyTerminal { .. })));
    let r = s.set_status(&id, TaskStatus::Completed, MessageUpdate::Keep, late);
    assert!(
        matches!(r, Err(StoreError::WrongStatusKind { .. })),
        "terminal moves go through finish"
    );
    assert_eq!(s.get(&me, &id, late).expect("get"), before, "nothing changed");
}

fn list_pages_survive_inserts_and_deletes<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    s.create(&Owner::from("bob"), G, None, T0).expect("noise");
    let mut ids = Vec::new();
    for i in 0..7u64 {
        // Tasks 2 and 4 expire between the pages: 2 is the one the cursor names.
        let ttl = if i == 2 || i == 4 { Some(2_000) } else { None };
        let id = s.create(&me, G, ttl, T0).expect("create").task_id;
        // Ended at once so that the per-owner live limit does not cap the listing.
        s.finish(&id, Finish::Cancelled, MessageUpdate::Keep, T0).expect("end");
        ids.push(id);
    }
    let first = s.list(&me, None, T0).expect("page 1");
    let got1: Vec<_> = first.tasks.iter().map(|t| t.task_id.clone()).collect();
    assert_eq!(got1, ids[0..3], "oldest first, page size 3");
    let cursor = first.next_cursor.expect("more pages");
    assert!(!cursor.contains(ids[2].as_str()), "cursors are opaque");
    let later = T0.saturating_add(2_000);
    let fresh = s.create(&me, G, None, later).expect("insert while paging").task_id;
    assert_eq!(s.sweep(later, usize::MAX).expect("sweep"), 2, "delete while paging");
    let second = s.list(&me, Some(&cursor), later).expect("page 2 after its cursor's task went");
    let got2: Vec<_> = second.tasks.iter().map(|t| t.task_id.clone()).collect();
    assert_eq!(got2, vec![ids[3].clone(), ids[5].clone(), ids[6].clone()]);
    let third = s.list(&me, second.next_cursor.as_deref(), later).expect("page 3");
    let got3: Vec<_> = third.tasks.iter().map(|t| t.task_id.clone()).collect();
    assert_eq!(got3, vec![fresh], "insert shows up at the end");
    assert_eq!(third.next_cursor, None, "last page has no cursor");
    // Expired but not yet swept tasks are not listed either.
    let short = s.create(&me, G, Some(1_000), later).expect("create").task_id;
    assert!(list_all(&mut s, &me, later).contains(&short));
    let all = list_all(&mut s, &me, later.saturating_add(1_000));
    assert_eq!(all.len(), 6, "every live task once, across pages");
    assert!(!all.contains(&short), "expired tasks are not listed");
}

fn list_all<B: Backend>(
    s: &mut TaskStore<B, CounterIds>,
    me: &Owner,
    now: UnixMillis,
) -> Vec<TaskId> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = s.list(me, cursor.as_deref(), now).expect("list");
        out.extend(page.tasks.into_iter().map(|t| t.task_id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

fn invalid_cursors_are_rejected<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    s.create(&me, G, None, T0).expect("create");
    for bad in ["", "garbage", "c1.zzzz", "c9.0000000000000001"] {
        let r = s.list(&me, Some(bad), T0);
        assert!(matches!(r, Err(StoreError::InvalidCursor)), "cursor {bad:?} accepted");
    }
    let code = StoreError::InvalidCursor.to_error_object().code;
    assert_eq!(code, ErrorCode::INVALID_PARAMS);
}

fn sweep_removes_exactly_what_expired<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    let short: Vec<_> =
        (0..3).map(|_| s.create(&me, G, Some(1_000), T0).expect("create").task_id).collect();
    s.finish(&short[0], Finish::Completed(Map::new()), MessageUpdate::Keep, T0).expect("finish");
    let long = s.create(&me, G, Some(10_000), T0).expect("create").task_id;
    assert_eq!(s.sweep(T0.saturating_add(999), usize::MAX).expect("sweep"), 0, "nothing due yet");
    assert_eq!(s.sweep(T0.saturating_add(1_000), 2).expect("sweep"), 2, "respects max");
    assert_eq!(s.sweep(T0.saturating_add(1_000), usize::MAX).expect("sweep"), 1);
    assert_eq!(s.sweep(T0.saturating_add(1_000), usize::MAX).expect("sweep"), 0, "idempotent");
    assert!(s.get(&me, &long, T0.saturating_add(9_999)).is_ok(), "unexpired task kept");
    for id in &short {
        assert!(matches!(s.get(&me, id, T0), Err(StoreError::NotFound { .. })), "swept task gone");
    }
    assert_eq!(s.list(&me, None, T0).expect("list").tasks.len(), 1);
}

fn owner_limit_counts_live_tasks<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    let limit = s.config().max_live_per_owner;
    let ids: Vec<_> =
        (0..limit).map(|_| s.create(&me, G, Some(5_000), T0).expect("create").task_id).collect();
    let over = s.create(&me, G, None, T0);
    assert!(
        matches!(over, Err(StoreError::OwnerLimit { limit: l }) if l == limit),
        "limit enforced"
    );
    assert!(s.create(&Owner::from("bob"), G, None, T0).is_ok(), "limit is per owner");
    s.finish(&ids[0], Finish::Completed(Map::new()), MessageUpdate::Keep, T0).expect("finish");
    assert!(s.create(&me, G, Some(60_000), T0).is_ok(), "a terminal task frees a slot");
    assert!(s.create(&me, G, None, T0).is_err(), "full again");
    let later = T0.saturating_add(5_000);
    s.sweep(later, usize::MAX).expect("sweep");
    assert!(s.create(&me, G, None, later).is_ok(), "expired live tasks free their slots");
}

fn cancel_forms<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    let id = s.create(&me, G, None, T0).expect("create").task_id;
    let t = s.cancel(&me, &id, MessageUpdate::Set("user asked".into()), T0).expect("cancel");
    assert_eq!(t.status(), TaskStatus::Cancelled, "synchronous cancel is done on return");
    let again = s.cancel(&me, &id, MessageUpdate::Keep, T0);
    assert!(matches!(
        again,
        Err(StoreError::AlreadyTerminal { status: TaskStatus::Cancelled, .. })
    ));
    let e = again.expect_err("checked above").to_error_object();
    assert_eq!(e.code, ErrorCode::INVALID_PARAMS);
    assert!(e.message.contains("'cancelled'"), "message names the status: {}", e.message);

    let coop = s.create(&me, G, None, T0).expect("create").task_id;
    let t = s.request_cancel(&me, &coop, T0).expect("request cancel").task;
    assert_eq!(t.status(), TaskStatus::Working, "cooperative cancel leaves the work to end it");
    assert!(s.get(&me, &coop, T0).expect("get").cancel_requested());
    s.finish(&coop, Finish::Cancelled, MessageUpdate::Keep, T0).expect("work ends it");
    let t = s.request_cancel(&me, &coop, T0).expect("terminal request_cancel is fine").task;
    assert_eq!(t.status(), TaskStatus::Cancelled);
    assert!(!s.get(&me, &coop, T0).expect("get").cancel_requested());
}

fn input_round_trip<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    let id = s.create(&me, G, None, T0).expect("create").task_id;
    let ask = InputRequest {
        method: "elicitation/create".into(),
        params: obj(json!({"message": "sure?"})),
    };
    let k1 =
        s.request_input(&id, ask.clone(), MessageUpdate::Set("waiting".into()), T0).expect("ask");
    let k2 = s.request_input(&id, ask, MessageUpdate::Keep, T0).expect("ask again");
    assert_ne!(k1, k2, "keys are unique");
    let got = s.get(&me, &id, T0).expect("get");
    assert_eq!(got.task().status(), TaskStatus::InputRequired);
    assert_eq!(got.input_requests().len(), 2);

    let answer = InputAnswer::from(obj(json!({"action": "accept", "content": {"ok": true}})));
    let refusal = InputAnswer::from(ErrorObject::new(ErrorCode::METHOD_NOT_FOUND, "no"));
    let mut responses = InputAnswers::new();
    responses.insert(k1.clone(), answer.clone());
    responses.insert("bogus".into(), answer.clone());
    let a = s.answer_input(&me, &id, responses.clone(), T0).expect("answer");
    assert_eq!(
        (a.accepted, a.ignored, a.resumed),
        (vec![k1.clone()], vec!["bogus".to_owned()], false)
    );
    let again = s.answer_input(&me, &id, responses, T0).expect("repeat");
    assert!(again.accepted.is_empty(), "answered keys are not accepted twice");
    let mut last = InputAnswers::new();
    last.insert(k2.clone(), refusal.clone());
    assert!(s.answer_input(&me, &id, last, T0).expect("answer").resumed, "all answered resumes");
    assert_eq!(s.get(&me, &id, T0).expect("get").task().status(), TaskStatus::Working);
    let taken = s.take_input_answers(&id, T0).expect("take");
    assert_eq!(taken.keys().cloned().collect::<Vec<_>>(), vec![k1.clone(), k2.clone()]);
    assert_eq!(taken.get(&k1), Some(&answer));
    assert_eq!(taken.get(&k2), Some(&refusal), "an error answer is kept as one");
    assert!(s.take_input_answers(&id, T0).expect("take").is_empty(), "taken once");
    let k3 = s
        .request_input(
            &id,
            InputRequest { method: "roots/list".into(), params: Map::new() },
            MessageUpdate::Keep,
            T0,
        )
        .expect("ask");
    assert!(k3 != k2, "keys are never reused");
}

fn removals_are_logged<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    let me = Owner::from("alice");
    let quiet = s.create(&me, G, Some(1_000), T0).expect("create").task_id;
    s.sweep(T0.saturating_add(1_000), usize::MAX).expect("sweep");
    assert!(s.take_removals().is_empty(), "nothing is logged until asked for");
    assert!(s.get(&me, &quiet, T0).is_err());

    s.log_removals();
    let swept = s.create(&me, G, Some(1_000), T0).expect("create").task_id;
    let read = s.create(&me, G, Some(2_000), T0).expect("create").task_id;
    s.finish(&read, Finish::Completed(Map::new()), MessageUpdate::Keep, T0).expect("finish");
    let kept = s.create(&me, G, Some(10_000), T0).expect("create").task_id;
    s.sweep(T0.saturating_add(1_000), usize::MAX).expect("sweep");
    let expired_on_read = s.get(&me, &read, T0.saturating_add(2_000));
    assert!(matches!(expired_on_read, Err(StoreError::NotFound { .. })));
    let expired = |task_id: &TaskId, status| Removed {
        task_id: task_id.clone(),
        owner: me.clone(),
        generation: G,
        status,
        reason: RemovalReason::Expired,
    };
    assert_eq!(
        s.take_removals(),
        vec![expired(&swept, TaskStatus::Working), expired(&read, TaskStatus::Completed)],
        "the sweep and an expired read both report what they deleted"
    );
    assert!(s.take_removals().is_empty(), "taken once");
    assert!(s.get(&me, &kept, T0).is_ok());
    assert!(s.take_removals().is_empty(), "live reads log nothing");
}

fn remove_owner_takes_only_that_owner<B: Backend>(mut s: TaskStore<B, CounterIds>) {
    s.log_removals();
    let (alice, bob) = (Owner::from("alice"), Owner::from("bob"));
    let mine: Vec<_> =
        (0..3).map(|_| s.create(&alice, G, None, T0).expect("create").task_id).collect();
    s.finish(&mine[0], Finish::Cancelled, MessageUpdate::Keep, T0).expect("finish");
    let theirs = s.create(&bob, G, None, T0).expect("create").task_id;
    assert_eq!(s.remove_owner(&alice).expect("remove"), 3);
    for id in &mine {
        assert!(s.peek(id, T0).is_err(), "every task of the owner is gone");
    }
    assert!(s.get(&bob, &theirs, T0).is_ok(), "other owners keep theirs");
    assert!(s.list(&alice, None, T0).expect("list").tasks.is_empty());
    let removed = s.take_removals();
    assert_eq!(removed.len(), 3);
    assert!(removed.iter().all(|r| r.reason == RemovalReason::OwnerRemoved && r.owner == alice));
    let limit = s.config().max_live_per_owner;
    for _ in 0..limit {
        s.create(&alice, G, None, T0).expect("the owner's live count was given back");
    }
    assert_eq!(s.remove_owner(&Owner::from("nobody")).expect("remove"), 0);
}
