//! The wall clock the server reads: the system's, or one a test moves by hand. Read here
//! and passed into the core as a value.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::time::UnixMillis;

/// Where the server reads the time for task timestamps, TTLs and session idleness.
///
/// Timers (the sweep, keep-alives) run on tokio's clock; only what the protocol records
/// reads this one, so a test can make an hour pass without waiting for it.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> UnixMillis + Send + Sync>);

impl Clock {
    /// The system clock (0 if it is before 1970).
    pub fn system() -> Self {
        Self(Arc::new(system_now))
    }

    /// A clock that reads `now`, e.g. a counter a test advances.
    pub fn from_fn(now: impl Fn() -> UnixMillis + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The time now.
    pub fn now(&self) -> UnixMillis {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

fn system_now() -> UnixMillis {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    UnixMillis(u64::try_from(ms).unwrap_or(u64::MAX))
}
