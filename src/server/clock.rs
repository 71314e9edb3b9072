//! The wall clock, read here and nowhere in the core.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::time::UnixMillis;

/// Now, in milliseconds since the Unix epoch (0 if the system clock is before 1970).
pub(crate) fn now() -> UnixMillis {
    let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    UnixMillis(u64::try_from(ms).unwrap_or(u64::MAX))
}
