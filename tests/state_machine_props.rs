//! The transition function against an independent reference model, over random sequences
//! of requested transitions and clock movements (forwards, zero and backwards), plus TTL
//! expiry at its exact boundary and the tool-result → status policy of both generations.

use TaskStatus::{Cancelled, Completed, Failed, InputRequired, Working};
use mcp_tasks::id::TaskId;
use mcp_tasks::task::{
    Generation, MessageUpdate, Task, TaskStatus, Transition, TransitionError, transition,
};
use mcp_tasks::time::{Timestamp, UnixMillis};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// The spec's rules written out as pairs, without asking `TaskStatus` anything.
fn spec_allows(from: TaskStatus, to: TaskStatus) -> bool {
    match (from, to) {
        (Working, InputRequired) | (InputRequired, Working) => true,
        (Working | InputRequired, Completed | Failed | Cancelled) => true,
        // A live task may be "moved" to its own status: only message and time change.
        (Working, Working) | (InputRequired, InputRequired) => true,
        // Terminal statuses absorb everything, their own status included.
        _ => false,
    }
}

fn spec_terminal(status: TaskStatus) -> bool {
    matches!(status, Completed | Failed | Cancelled)
}

/// What a task should look like, kept as plain values.
#[derive(Debug)]
struct Model {
    status: TaskStatus,
    message: Option<String>,
    created: u64,
    last_updated: u64,
    ttl: Option<u64>,
}

impl Model {
    fn new(created: u64, ttl: Option<u64>) -> Self {
        Self { status: Working, message: None, created, last_updated: created, ttl }
    }

    /// Applies a requested transition; `Err` carries (from, to) of a refusal.
    fn apply(
        &mut self,
        to: TaskStatus,
        message: &MessageUpdate,
        now: u64,
    ) -> Result<(TaskStatus, TaskStatus), (TaskStatus, TaskStatus)> {
        let from = self.status;
        if !spec_allows(from, to) {
            return Err((from, to));
        }
        self.status = to;
        match message {
            MessageUpdate::Keep => {}
            MessageUpdate::Set(text) => self.message = Some(text.clone()),
            MessageUpdate::Clear => self.message = None,
        }
        // lastUpdatedAt only moves forwards, even when the clock is stepped back.
        self.last_updated = self.last_updated.max(now);
        Ok((from, to))
    }

    fn expired(&self, now: u64) -> bool {
        self.ttl.is_some_and(|ttl| now >= self.created + ttl)
    }

    /// The task the model describes, built without `transition`.
    fn expected_task(&self, id: &TaskId, poll_interval_ms: Option<u64>) -> Task {
        let mut task = Task::observed(
            id.clone(),
            self.status,
            Timestamp::from_millis(UnixMillis(self.created)),
            Timestamp::from_millis(UnixMillis(self.last_updated)),
            self.ttl,
        );
        task.status_message = self.message.clone();
        task.poll_interval_ms = poll_interval_ms;
        task
    }
}

#[derive(Clone, Debug)]
enum Event {
    /// Ask for a move to `to`, changing the message as given.
    Request { to: TaskStatus, message: MessageUpdate },
    /// Move the clock by a signed amount (saturating at 0); 0 and negatives included.
    Tick(i64),
    /// Set the clock to `createdAt + ttl + offset`, to land on and around the expiry edge.
    ToExpiry(i64),
}

fn status() -> impl Strategy<Value = TaskStatus> {
    prop::sample::select(TaskStatus::ALL.to_vec())
}

fn message_update() -> impl Strategy<Value = MessageUpdate> {
    prop_oneof![
        Just(MessageUpdate::Keep),
        Just(MessageUpdate::Clear),
        // The empty message is a message, not a clear.
        Just(MessageUpdate::Set(String::new())),
        "[a-z ]{1,12}".prop_map(MessageUpdate::Set),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        4 => (status(), message_update()).prop_map(|(to, message)| Event::Request { to, message }),
        1 => Just(Event::Tick(0)),
        2 => (1i64..5_000).prop_map(Event::Tick),
        1 => (-5_000i64..0).prop_map(Event::Tick),
        1 => (-1i64..=1).prop_map(Event::ToExpiry),
    ]
}

/// `None` never expires; 0 expires at creation; the rest span one tick to far beyond a run.
fn ttl() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        Just(None),
        Just(Some(0)),
        (1u64..10_000).prop_map(Some),
        (10_000u64..1 << 40).prop_map(Some),
    ]
}

fn shift(now: u64, by: i64) -> u64 {
    now.saturating_add_signed(by)
}

fn check_expiry(task: &Task, model: &Model, now: u64) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        task.is_expired(UnixMillis(now)),
        model.expired(now),
        "is_expired({}) with created {} ttl {:?}",
        now,
        model.created,
        model.ttl
    );
    // The boundary and its neighbours, whatever the clock happens to read.
    if let Some(ttl) = model.ttl {
        let edge = model.created + ttl;
        for probe in [edge.saturating_sub(1), edge, edge + 1] {
            prop_assert_eq!(task.is_expired(UnixMillis(probe)), probe >= edge, "probe {}", probe);
        }
        prop_assert_eq!(task.expires_at(), Some(UnixMillis(edge)));
    } else {
        prop_assert_eq!(task.expires_at(), None);
        prop_assert!(!task.is_expired(UnixMillis(u64::MAX)));
    }
    Ok(())
}

proptest! {
    #[test]
    fn transition_matches_the_reference_model(
        // Times stay far below u64::MAX so `created + ttl` is exact in the model.
        created in 0u64..1 << 50,
        ttl in ttl(),
        poll in prop::option::of(0u64..60_000),
        events in prop::collection::vec(event(), 0..64),
    ) {
        let id = TaskId::from("task-1");
        let mut task = Task::new(id.clone(), UnixMillis(created), ttl, poll);
        let mut model = Model::new(created, ttl);
        let created_at = task.created_at.clone();
        let mut now = created;

        prop_assert_eq!(&task, &model.expected_task(&id, poll));
        check_expiry(&task, &model, now)?;

        for event in events {
            let before = task.clone();
            match event {
                Event::Tick(by) => now = shift(now, by),
                Event::ToExpiry(offset) => {
                    if let Some(ttl) = ttl {
                        now = shift(created + ttl, offset);
                    }
                }
                Event::Request { to, message } => {
                    let got = transition(&mut task, to, message.clone(), UnixMillis(now));
                    match model.apply(to, &message, now) {
                        Ok((from, to)) => {
                            prop_assert_eq!(got, Ok(Transition { from, to }));
                            let step = got.unwrap();
                            prop_assert_eq!(step.changed(), from != to);
                            prop_assert_eq!(
                                step.became_terminal(),
                                spec_terminal(to) && !spec_terminal(from)
                            );
                        }
                        Err((from, to)) => {
                            prop_assert_eq!(got, Err(TransitionError { from, to }));
                            prop_assert_eq!(&task, &before, "a refused transition changed the task");
                        }
                    }
                }
            }

            prop_assert_eq!(task.status(), model.status);
            prop_assert_eq!(&task.status_message, &model.message);
            prop_assert_eq!(&task.created_at, &created_at);
            prop_assert_eq!(task.last_updated_at.millis(), UnixMillis(model.last_updated));
            prop_assert!(task.last_updated_at.millis() >= before.last_updated_at.millis());
            prop_assert_eq!(&task, &model.expected_task(&id, poll));
            check_expiry(&task, &model, now)?;
        }
    }

    #[test]
    fn terminal_tasks_are_frozen(
        end in prop::sample::select(vec![Completed, Failed, Cancelled]),
        via_input in any::<bool>(),
        later in prop::collection::vec((status(), message_update(), 0u64..1 << 40), 1..16),
    ) {
        let mut task = Task::new(TaskId::from("t"), UnixMillis(1_000), Some(5_000), None);
        if via_input {
            transition(&mut task, InputRequired, MessageUpdate::Keep, UnixMillis(1_500)).unwrap();
        }
        transition(&mut task, end, MessageUpdate::Set("done".into()), UnixMillis(2_000)).unwrap();
        let frozen = task.clone();
        for (to, message, at) in later {
            prop_assert_eq!(
                transition(&mut task, to, message, UnixMillis(at)),
                Err(TransitionError { from: end, to })
            );
            prop_assert_eq!(&task, &frozen);
        }
    }
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z]{0,8}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(2, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Anything `isError` may hold that is not the boolean `true`.
fn not_true() -> impl Strategy<Value = Value> {
    json_value().prop_filter("isError: true is the error case", |v| *v != Value::Bool(true))
}

/// A tool result with arbitrary fields, including near-misses of `isError` (case, spelling)
/// that may hold `true`, and an `isError` that is absent or not `true`.
fn result_without_error() -> impl Strategy<Value = Map<String, Value>> {
    let keys = prop::sample::select(vec![
        "content",
        "structuredContent",
        "_meta",
        "iserror",
        "IsError",
        "is_error",
        "isError ",
    ]);
    (prop::collection::btree_map(keys, json_value(), 0..5), prop::option::of(not_true())).prop_map(
        |(fields, is_error)| {
            let mut result: Map<String, Value> =
                fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            if let Some(v) = is_error {
                result.insert("isError".into(), v);
            }
            result
        },
    )
}

proptest! {
    #[test]
    fn results_without_is_error_true_complete(result in result_without_error()) {
        for generation in [Generation::Legacy, Generation::Extension] {
            prop_assert_eq!(
                generation.policy().status_for_tool_result(&result),
                Completed,
                "{:?} with {:?}", generation, result
            );
        }
    }

    #[test]
    fn is_error_true_follows_the_generation(mut result in result_without_error()) {
        result.insert("isError".into(), Value::Bool(true));
        prop_assert_eq!(
            Generation::Legacy.policy().status_for_tool_result(&result),
            Failed
        );
        prop_assert_eq!(
            Generation::Extension.policy().status_for_tool_result(&result),
            Completed
        );
    }
}
