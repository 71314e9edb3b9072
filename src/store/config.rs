//! The store's limits.

/// The shortest TTL granted, in milliseconds.
pub const MIN_TTL_MS: u64 = 1000;

/// Limits and defaults of a [`TaskStore`](super::TaskStore). Document them to your users:
/// the spec asks receivers to.
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
    /// How many non-terminal tasks one owner may have at once.
    pub max_live_per_owner: u32,
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
}
