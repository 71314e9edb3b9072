//! The backend's own promise, checked without the store: writes are conditional on the
//! version they read, and versions never repeat.

use super::{G, T0};
use crate::id::TaskId;
use crate::store::{Backend, Owner, StoredTask, Version, Write};
use crate::task::{InputAnswers, InputRequests, MessageUpdate, Task, TaskStatus, transition};

fn record(id: &str) -> StoredTask {
    StoredTask {
        task: Task::new(TaskId::from(id), T0, Some(60_000), None),
        owner: Owner::from("alice"),
        generation: G,
        seq: 1,
        outcome: None,
        input_requests: InputRequests::new(),
        input_answers: InputAnswers::new(),
        next_input_key: 1,
        cancel_requested: false,
        charged: 0,
    }
}

fn written(w: Write, what: &str) -> Version {
    match w {
        Write::Done(version) => version,
        Write::Conflict => panic!("{what}: refused a write it should take"),
    }
}

/// Checks that a backend's creates, conditional replaces and removes behave as
/// compare-and-set, on an empty backend; panics naming the broken rule.
pub fn writes_are_conditional<B: Backend>(mut b: B) {
    let id = TaskId::from("cas-1");
    let first = record("cas-1");
    let v1 = written(b.create(first.clone()).expect("create"), "create of a new id");
    assert_eq!(b.create(first.clone()).expect("create"), Write::Conflict, "create is if-absent");
    let got = b.get(&id).expect("get").expect("created record");
    assert_eq!((&got.task, got.version), (&first, v1), "get returns the record and its version");

    let mut second = first.clone();
    transition(&mut second.task, TaskStatus::InputRequired, MessageUpdate::Keep, T0)
        .expect("transition");
    let v2 = written(b.put_if_version(second.clone(), v1).expect("put"), "put at its version");
    assert_ne!(v2, v1, "every write changes the version");
    let stale = b.put_if_version(first.clone(), v1).expect("put");
    assert_eq!(stale, Write::Conflict, "a write at a stale version is refused");
    assert_eq!(b.get(&id).expect("get").map(|v| v.task), Some(second), "and changes nothing");
    let absent = b.put_if_version(record("cas-none"), v2).expect("put");
    assert_eq!(absent, Write::Conflict, "a put never creates");
    assert!(b.get(&TaskId::from("cas-none")).expect("get").is_none());

    assert_eq!(b.remove_if_version(&id, v1).expect("remove"), Write::Conflict, "stale remove");
    assert!(b.get(&id).expect("get").is_some(), "a refused remove keeps the record");
    written(b.remove_if_version(&id, v2).expect("remove"), "remove at its version");
    assert!(b.get(&id).expect("get").is_none(), "removed");
    assert_eq!(b.remove_if_version(&id, v2).expect("remove"), Write::Conflict, "gone already");

    let v3 = written(b.create(first).expect("create"), "create after a remove");
    assert!(v3 != v1 && v3 != v2, "a version never repeats for an id");
    assert_eq!(b.put_if_version(record("cas-1"), v1).expect("put"), Write::Conflict, "no ABA");
    written(b.remove_if_version(&id, v3).expect("remove"), "clean up");

    let mut charged = record("cas-2");
    charged.charged = 4321;
    let v4 = written(b.create(charged).expect("create"), "create");
    let got = b.get(&TaskId::from("cas-2")).expect("get").expect("created record");
    assert_eq!(got.task.stored_bytes(), 4321, "what a record is charged is stored with it");
    written(b.remove_if_version(&TaskId::from("cas-2"), v4).expect("remove"), "clean up");

    let before = b.counters().expect("counters");
    assert_eq!(b.counter_add("cas-count", 5).expect("add"), 5, "absent counters start at 0");
    assert_eq!(b.counters().expect("counters"), before + 1);
    assert_eq!(b.counter_add("cas-count", -5).expect("add"), 0);
    assert_eq!(b.counters().expect("counters"), before, "a counter back at 0 is deleted");
    assert_eq!(b.counter_add("cas-count", 0).expect("add"), 0, "reads as 0 when absent");
    assert_eq!(b.counters().expect("counters"), before, "reading stores nothing");
}
