//! Storage budgets: what a task record costs, and the counters that hold the store to
//! the limits of its [`StoreConfig`](super::StoreConfig).
//!
//! Four counters per budget pair live in the backend: the owner's stored tasks and bytes,
//! and the store's. A write that adds data takes its share first and gives it back if the
//! write does not happen (check-then-add would let racing writers overshoot); a write
//! that frees data gives its share back after it happened. A process dying in between
//! leaves the counters too high, never too low: the budgets err on the safe side.

use std::fmt;
use std::io;

use serde::Serialize;

use crate::id::IdSource;
use crate::store::{AsyncBackend, AsyncTaskStore, Owner, StoreError, StoredTask, keys};
use crate::task::{InputAnswer, Outcome, Task};

/// What every task record is charged on top of its variable parts: its id, owner, times,
/// status, index keys and bookkeeping, estimated on the high side.
pub const RECORD_OVERHEAD: u64 = 256;

/// The least any task record is charged, in bytes. A live task has room to end `failed`
/// with a short error (a result too large to store) without taking more than it holds.
pub const RECORD_FLOOR: u64 = 1024;

/// A limit of [`StoreConfig`](super::StoreConfig) that a write would have gone over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`StoreConfig::max_tasks_per_owner`](super::StoreConfig::max_tasks_per_owner).
    TasksPerOwner,
    /// [`StoreConfig::max_tasks_total`](super::StoreConfig::max_tasks_total).
    TasksTotal,
    /// [`StoreConfig::max_bytes_per_owner`](super::StoreConfig::max_bytes_per_owner).
    BytesPerOwner,
    /// [`StoreConfig::max_bytes_total`](super::StoreConfig::max_bytes_total).
    BytesTotal,
    /// [`StoreConfig::max_input_request_bytes`](super::StoreConfig::max_input_request_bytes).
    InputRequestBytes,
}

impl Limit {
    /// The name of the limit: its [`StoreConfig`](super::StoreConfig) field, stable.
    pub const fn name(self) -> &'static str {
        match self {
            Self::TasksPerOwner => "max_tasks_per_owner",
            Self::TasksTotal => "max_tasks_total",
            Self::BytesPerOwner => "max_bytes_per_owner",
            Self::BytesTotal => "max_bytes_total",
            Self::InputRequestBytes => "max_input_request_bytes",
        }
    }

    /// What the limit counts: "tasks" or "bytes".
    pub const fn unit(self) -> &'static str {
        match self {
            Self::TasksPerOwner | Self::TasksTotal => "tasks",
            Self::BytesPerOwner | Self::BytesTotal | Self::InputRequestBytes => "bytes",
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The bytes `record` is charged: the serialized size of what varies (result or error,
/// status message, input requests and answers) plus [`RECORD_OVERHEAD`], at least
/// [`RECORD_FLOOR`].
pub fn record_bytes(record: &StoredTask) -> u64 {
    let task = &record.task;
    let mut bytes = RECORD_OVERHEAD
        .saturating_add(len(task.task_id.as_str()))
        .saturating_add(len(record.owner.as_str()))
        .saturating_add(task.status_message.as_deref().map_or(0, len));
    bytes = bytes.saturating_add(match &record.outcome {
        Some(Outcome::Result(result)) => json_len(result),
        Some(Outcome::Error(error)) => json_len(error),
        None => 0,
    });
    for (key, request) in &record.input_requests {
        bytes = bytes.saturating_add(len(key)).saturating_add(json_len(request));
    }
    for (key, answer) in &record.input_answers {
        let answer = match answer {
            InputAnswer::Response(response) => json_len(response),
            InputAnswer::Error(error) => json_len(error),
        };
        bytes = bytes.saturating_add(len(key)).saturating_add(answer);
    }
    bytes.max(RECORD_FLOOR)
}

/// The serialized (compact JSON) size of `value`, counted without building the text.
pub(super) fn json_len<T: Serialize + ?Sized>(value: &T) -> u64 {
    let mut count = Count(0);
    // Serializing JSON values cannot fail; should it, what was counted is still a size.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

fn len(s: &str) -> u64 {
    u64::try_from(s.len()).unwrap_or(u64::MAX)
}

struct Count(u64);

impl io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 = self.0.saturating_add(len_bytes(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn len_bytes(buf: &[u8]) -> u64 {
    u64::try_from(buf.len()).unwrap_or(u64::MAX)
}

/// Cuts the task's `statusMessage` to at most `max` bytes, at a character boundary,
/// ending it in "…" when it was cut.
pub(super) fn bound_message(task: &mut Task, max: usize) {
    const MORE: &str = "…";
    let Some(message) = task.status_message.as_mut() else { return };
    if message.len() <= max {
        return;
    }
    // Too little room for the mark: a plain cut.
    let marked = max >= MORE.len();
    let room = if marked { max - MORE.len() } else { max };
    let mut end = room.min(message.len());
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message.truncate(end);
    if marked {
        message.push_str(MORE);
    }
}

/// One counter a write moves, and the limit it must stay within.
pub(super) struct Charge {
    counter: String,
    delta: i64,
    limit: Limit,
    max: u64,
}

impl<B: AsyncBackend, I: IdSource> AsyncTaskStore<B, I> {
    /// One more stored task for `owner`, and for the store.
    pub(super) fn task_charges(&self, owner: &Owner, tasks: i64) -> [Charge; 2] {
        let config = self.config();
        [
            Charge {
                counter: keys::tasks_counter(owner),
                delta: tasks,
                limit: Limit::TasksPerOwner,
                max: u64::from(config.max_tasks_per_owner),
            },
            Charge {
                counter: keys::TASKS_COUNTER.to_owned(),
                delta: tasks,
                limit: Limit::TasksTotal,
                max: config.max_tasks_total,
            },
        ]
    }

    /// `bytes` more (or, negative, fewer) stored bytes for `owner`, and for the store.
    pub(super) fn byte_charges(&self, owner: &Owner, bytes: i64) -> [Charge; 2] {
        let config = self.config();
        [
            Charge {
                counter: keys::bytes_counter(owner),
                delta: bytes,
                limit: Limit::BytesPerOwner,
                max: config.max_bytes_per_owner,
            },
            Charge {
                counter: keys::BYTES_COUNTER.to_owned(),
                delta: bytes,
                limit: Limit::BytesTotal,
                max: config.max_bytes_total,
            },
        ]
    }

    /// Takes every charge, or none: the first that goes over its limit is given back with
    /// those taken before it, and names the limit.
    pub(super) async fn reserve(&self, charges: &[Charge]) -> Result<(), StoreError> {
        for (taken, charge) in charges.iter().enumerate() {
            let over = match self.backend().counter_add(&charge.counter, charge.delta).await {
                Ok(value) => value > i64::try_from(charge.max).unwrap_or(i64::MAX),
                Err(e) => {
                    // Best effort: the backend already failed with the error worth reporting.
                    let _ = self.give_back(charges.get(..taken).unwrap_or_default()).await;
                    return Err(e.into());
                }
            };
            if over {
                let _ = self.give_back(charges.get(..=taken).unwrap_or_default()).await;
                return Err(StoreError::LimitExceeded { limit: charge.limit, max: charge.max });
            }
        }
        Ok(())
    }

    /// Gives back charges taken (or frees what a removed or shrunk record held).
    pub(super) async fn give_back(&self, charges: &[Charge]) -> Result<(), StoreError> {
        for charge in charges {
            self.backend().counter_add(&charge.counter, -charge.delta).await?;
        }
        Ok(())
    }
}

/// `after - before` as a counter delta.
pub(super) fn growth(before: u64, after: u64) -> i64 {
    let diff = i128::from(after) - i128::from(before);
    i64::try_from(diff).unwrap_or(if diff < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::TaskId;
    use crate::time::UnixMillis;

    fn task(message: &str) -> Task {
        let mut t = Task::new(TaskId::from("t"), UnixMillis(0), None, None);
        t.status_message = Some(message.to_owned());
        t
    }

    #[test]
    fn long_messages_are_cut_at_a_character_boundary() {
        let mut t = task(&"é".repeat(100));
        bound_message(&mut t, 10);
        let m = t.status_message.unwrap_or_default();
        assert!(m.len() <= 10, "{m}");
        assert!(m.ends_with('…'), "{m}");
        let mut short = task("fine");
        bound_message(&mut short, 10);
        assert_eq!(short.status_message.as_deref(), Some("fine"));
        let mut tiny = task("abcdef");
        bound_message(&mut tiny, 2);
        assert_eq!(tiny.status_message.as_deref(), Some("ab"));
    }

    #[test]
    fn json_len_is_the_serialized_size() {
        let v = serde_json::json!({"a": "b\"c", "n": [1, 2]});
        assert_eq!(json_len(&v), serde_json::to_vec(&v).map(|b| b.len() as u64).unwrap_or(0));
    }

    #[test]
    fn growth_saturates() {
        assert_eq!(growth(1, 3), 2);
        assert_eq!(growth(3, 1), -2);
        assert_eq!(growth(0, u64::MAX), i64::MAX);
    }
}
