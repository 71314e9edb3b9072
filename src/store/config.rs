//! The store's limits.

/// The shortest TTL granted, in milliseconds.
pub const MIN_TTL_MS: u64 = 1000;

/// Limits and defaults of a [`TaskStore`](super::TaskStore). Document them to your users:
/// the spec asks receivers to.
///
/// Every budget counts what the store *holds*, terminal tasks included, until the task is
/// removed (its TTL ran out, or its owner was removed). A write that would go over a
/// budget changes nothing and fails with
/// [`StoreError::LimitExceeded`](super::StoreError::LimitExceeded), which names the limit.
/// Owners cost nothing to make (a new session, a new credential), so the store-wide
/// budgets are what bound memory; the per-owner ones keep one requestor from taking all
/// of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// The longest TTL granted, in milliseconds; longer requests are clamped. `None` allows
    /// unlimited retention (not recommended).
    pub max_ttl_ms: Option<u64>,
    /// The TTL of a task whose requestor asked for none (clamped to the maximum too).
    /// `None` means unlimited when `max_ttl_ms` is also `None`.
    pub default_ttl_ms: Option<u64>,
    /// The `pollInterval` suggested to requestors.
    pub poll_interval_ms: Option<u64>,
    /// How many non-terminal tasks one owner may have at once (default 1,000).
    pub max_live_per_owner: u32,
    /// How many tasks one owner may have stored, terminal ones included (default 1,000).
    pub max_tasks_per_owner: u32,
    /// How many tasks the store may hold for all owners together (default 100,000).
    pub max_tasks_total: u64,
    /// How many bytes one owner's tasks may hold (default 8 MiB). A task counts the
    /// serialized size of its result or error, status message, input requests and
    /// answers, plus [`RECORD_OVERHEAD`](super::RECORD_OVERHEAD) for its ids and
    /// metadata, and at least [`RECORD_FLOOR`](super::RECORD_FLOOR).
    pub max_bytes_per_owner: u64,
    /// How many bytes all tasks together may hold, counted as for
    /// [`max_bytes_per_owner`](Self::max_bytes_per_owner) (default 128 MiB).
    pub max_bytes_total: u64,
    /// The longest `statusMessage` stored, in bytes (default 1 KiB): a longer one is cut
    /// at a character boundary and ends in "…". A status message is for people; a tool
    /// that copies its arguments into one cannot make the store hold them.
    pub max_status_message_bytes: usize,
    /// The largest input request (question) one task may ask, its `params` serialized, in
    /// bytes (default 64 KiB). A larger one is refused.
    pub max_input_request_bytes: usize,
    /// The most tasks one `tasks/list` page holds.
    pub page_size: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            max_ttl_ms: Some(24 * 60 * 60 * 1000),
            default_ttl_ms: Some(60 * 60 * 1000),
            poll_interval_ms: Some(1000),
            max_live_per_owner: 1000,
            max_tasks_per_owner: 1000,
            max_tasks_total: 100_000,
            max_bytes_per_owner: 8 << 20,
            max_bytes_total: 128 << 20,
            max_status_message_bytes: 1024,
            max_input_request_bytes: 64 << 10,
            page_size: 50,
        }
    }
}

impl StoreConfig {
    /// The TTL granted for a request of `requested` milliseconds: the default when none
    /// is asked for, clamped to the maximum, and never below [`MIN_TTL_MS`] so that a task
    /// can be read at least once.
    pub fn grant_ttl(&self, requested: Option<u64>) -> Option<u64> {
        let granted = match (requested.or(self.default_ttl_ms), self.max_ttl_ms) {
            (Some(asked), Some(max)) => Some(asked.min(max)),
            (None, Some(max)) => Some(max),
            (asked, None) => asked,
        };
        granted.map(|ttl| ttl.max(MIN_TTL_MS))
    }

    /// These limits with every count and byte budget lifted (TTLs, message and question
    /// bounds kept): for benchmarks and tests that fill a store on purpose.
    pub fn without_budgets(self) -> Self {
        Self {
            max_live_per_owner: u32::MAX,
            max_tasks_per_owner: u32::MAX,
            max_tasks_total: u64::MAX,
            max_bytes_per_owner: u64::MAX,
            max_bytes_total: u64::MAX,
            ..self
        }
    }
}
