//! When to send the next request: poll intervals, backoff with jitter, `Retry-After`, and
//! the end of a task's life. Pure functions of their inputs, `now` included.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::id_map::IdMap;
use std::hash::Hash;

use crate::time::{UnixMillis, parse_http_date};

use super::config::{BackoffPolicy, PollPolicy};

/// The gap before the next poll: the server's suggestion (or the default) kept between
/// the floor and the cap.
pub fn poll_delay(policy: &PollPolicy, suggested_ms: Option<u64>) -> u64 {
    let cap = policy.cap_ms.max(policy.floor_ms);
    suggested_ms.unwrap_or(policy.default_ms).clamp(policy.floor_ms, cap)
}

/// The gap before the next poll while pushes prove to arrive: `push_factor` plain gaps,
/// at most `push_cap_ms`, never less than the plain gap.
pub fn relaxed_poll_delay(policy: &PollPolicy, suggested_ms: Option<u64>) -> u64 {
    let plain = poll_delay(policy, suggested_ms);
    plain.saturating_mul(policy.push_factor.max(1)).min(policy.push_cap_ms).max(plain)
}

/// The delay before retry number `attempt` (1 for the first retry): the initial delay
/// doubled per attempt up to the maximum, with "equal jitter" so that many clients that
/// failed together do not retry together. The result lies in `[d/2, d]` for that `d`.
pub fn backoff_delay(policy: &BackoffPolicy, attempt: u32, rng: &mut Rng) -> u64 {
    let doublings = attempt.saturating_sub(1).min(32);
    let max = policy.max_ms.max(1);
    let full = policy.initial_ms.max(1).saturating_mul(1u64 << doublings).min(max);
    let half = full / 2;
    half + rng.below(full - half + 1)
}

/// The delay before retrying a request the server refused with `429`: what
/// `Retry-After` asked for when it is present (never less, up to the policy's
/// `retry_after_cap_ms`), otherwise the backoff.
pub fn retry_delay(
    policy: &BackoffPolicy,
    attempt: u32,
    retry_after_ms: Option<u64>,
    rng: &mut Rng,
) -> u64 {
    match retry_after_ms {
        Some(ms) => server_wait(policy, ms),
        None => backoff_delay(policy, attempt, rng),
    }
}

/// A wait the server asked for (`Retry-After`, SSE `retry:`), honoured up to the cap.
pub fn server_wait(policy: &BackoffPolicy, asked_ms: u64) -> u64 {
    asked_ms.min(policy.retry_after_cap_ms)
}

/// Reads a `Retry-After` value into milliseconds from `now`: delay-seconds, or an
/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`). A date in the past means "now".
pub fn parse_retry_after(value: &str, now: UnixMillis) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // An absurdly long number still means "a long time".
        return Some(value.parse::<u64>().unwrap_or(u64::MAX).saturating_mul(1000));
    }
    // A date out of range is ignored like any other unreadable value: the backoff applies.
    let at = parse_http_date(value).ok()?;
    Some(at.saturating_since(now))
}

/// When the engine stops following a task: the caller's deadline, or `createdAt + ttl`
/// plus the grace period, whichever comes first. `None` when neither applies.
pub fn follow_until(
    deadline: Option<UnixMillis>,
    created_at: Option<UnixMillis>,
    ttl_ms: Option<u64>,
    grace_ms: u64,
) -> Option<UnixMillis> {
    let ttl_end = match (created_at, ttl_ms) {
        (Some(c), Some(ttl)) => Some(c.saturating_add(ttl).saturating_add(grace_ms)),
        _ => None,
    };
    match (deadline, ttl_end) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A small deterministic generator (SplitMix64) for backoff jitter. Not for secrets.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

/// Deadlines by key; the earliest is what the engine asks to be woken for.
///
/// A binary heap with lazy deletion rather than an ordered set: moving or clearing a
/// deadline leaves its old heap entry behind, recognised as stale (the key's deadline in
/// `at` differs) when it reaches the top. A heap is a few hundred bytes of code where an
/// ordered set of pairs was kilobytes in the package. Stale entries are dropped from the top
/// after every change, so the top is always live; the heap is rebuilt from `at` when they
/// outnumber the live ones, so memory stays within twice the live deadlines.
#[derive(Debug)]
pub(crate) struct Timers<K> {
    heap: BinaryHeap<Reverse<(UnixMillis, K)>>,
    at: IdMap<K, UnixMillis>,
}

impl<K: Copy + Ord + Hash> Timers<K> {
    pub(crate) fn new() -> Self {
        Self { heap: BinaryHeap::new(), at: IdMap::default() }
    }

    /// Sets (or moves) `key`'s deadline.
    pub(crate) fn set(&mut self, key: K, at: UnixMillis) {
        if self.at.insert(key, at) != Some(at) {
            self.heap.push(Reverse((at, key)));
        }
        self.tidy();
    }

    /// Removes `key`'s deadline.
    pub(crate) fn clear(&mut self, key: K) {
        if self.at.remove(&key).is_some() {
            self.tidy();
        }
    }

    /// When `key` is due, if set.
    pub(crate) fn get(&self, key: K) -> Option<UnixMillis> {
        self.at.get(&key).copied()
    }

    /// The earliest deadline.
    pub(crate) fn next(&self) -> Option<UnixMillis> {
        self.heap.peek().map(|Reverse((t, _))| *t)
    }

    /// Takes one key due at `now`, earliest first.
    pub(crate) fn pop_due(&mut self, now: UnixMillis) -> Option<K> {
        let &Reverse((at, key)) = self.heap.peek()?;
        if at > now {
            return None;
        }
        self.heap.pop();
        self.at.remove(&key);
        self.tidy();
        Some(key)
    }

    /// Drops stale entries from the top, and rebuilds the heap when most are stale.
    fn tidy(&mut self) {
        if self.heap.len() > 2 * self.at.len() + 64 {
            let live: Vec<_> = self.at.iter().map(|(&k, &t)| Reverse((t, k))).collect();
            self.heap = BinaryHeap::from(live);
            return;
        }
        while let Some(&Reverse((t, k))) = self.heap.peek() {
            if self.at.get(&k) == Some(&t) {
                break;
            }
            self.heap.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn poll_delay_honours_the_hint_within_floor_and_cap() {
        let p =
            PollPolicy { default_ms: 1000, floor_ms: 200, cap_ms: 5000, ..PollPolicy::default() };
        assert_eq!(poll_delay(&p, None), 1000);
        assert_eq!(poll_delay(&p, Some(500)), 500);
        assert_eq!(poll_delay(&p, Some(1)), 200);
        assert_eq!(poll_delay(&p, Some(0)), 200);
        assert_eq!(poll_delay(&p, Some(60_000)), 5000);
        let inverted = PollPolicy { default_ms: 1, floor_ms: 300, cap_ms: 100, ..p };
        assert_eq!(poll_delay(&inverted, Some(10_000)), 300, "floor wins over a lower cap");
    }

    #[test]
    fn relaxed_polls_are_factor_times_the_plain_gap_within_their_cap() {
        let p = PollPolicy::default();
        assert_eq!((p.push_factor, p.push_cap_ms), (10, 60_000));
        assert_eq!(relaxed_poll_delay(&p, Some(500)), 5000);
        assert_eq!(relaxed_poll_delay(&p, None), 10_000);
        assert_eq!(relaxed_poll_delay(&p, Some(1)), 1000, "from the floored gap");
        assert_eq!(relaxed_poll_delay(&p, Some(20_000)), 60_000, "capped");
        let off = PollPolicy { push_factor: 1, ..p };
        assert_eq!(relaxed_poll_delay(&off, Some(500)), 500);
        let zero = PollPolicy { push_factor: 0, ..p };
        assert_eq!(relaxed_poll_delay(&zero, Some(500)), 500, "0 counts as 1");
        let low_cap = PollPolicy { push_cap_ms: 100, ..p };
        assert_eq!(relaxed_poll_delay(&low_cap, Some(500)), 500, "never below the plain gap");
        let huge = PollPolicy { push_factor: u64::MAX, push_cap_ms: u64::MAX, ..p };
        assert_eq!(relaxed_poll_delay(&huge, Some(500)), u64::MAX, "saturates");
    }

    proptest! {
        #[test]
        fn backoff_stays_in_its_band_and_grows(
            initial in 1u64..10_000,
            max in 1u64..1_000_000,
            attempt in 1u32..80,
            seed in any::<u64>(),
        ) {
            let policy = BackoffPolicy { initial_ms: initial, max_ms: max, max_attempts: 5, max_peer_errors: 1, ..BackoffPolicy::default() };
            let mut rng = Rng::new(seed);
            let d = backoff_delay(&policy, attempt, &mut rng);
            let full = initial.saturating_mul(1u64 << (attempt - 1).min(32)).min(max);
            prop_assert!(d >= full / 2 && d <= full, "{d} not in [{}, {full}]", full / 2);
        }

        #[test]
        fn retry_after_is_never_shortened_below_its_cap(ms in 0u64..10_000_000, attempt in 1u32..20, seed in any::<u64>()) {
            let policy = BackoffPolicy::default();
            let delay = retry_delay(&policy, attempt, Some(ms), &mut Rng::new(seed));
            prop_assert_eq!(delay, ms.min(policy.retry_after_cap_ms));
        }

        #[test]
        fn timers_agree_with_an_ordered_model(ops in proptest::collection::vec((0u8..3, 0u32..12, 0u64..40), 0..400)) {
            // The heap with lazy deletion against the plainest model: a map scanned whole.
            let mut timers = Timers::new();
            let mut model: std::collections::BTreeMap<u32, UnixMillis> = Default::default();
            for (op, key, t) in ops {
                match op {
                    0 => { timers.set(key, UnixMillis(t)); model.insert(key, UnixMillis(t)); }
                    1 => { timers.clear(key); model.remove(&key); }
                    _ => {
                        let due = model.iter().filter(|(_, at)| at.0 <= t).min_by_key(|(k, at)| (**at, **k)).map(|(k, _)| *k);
                        prop_assert_eq!(timers.pop_due(UnixMillis(t)), due);
                        if let Some(k) = due { model.remove(&k); }
                    }
                }
                prop_assert_eq!(timers.next(), model.values().min().copied());
                prop_assert_eq!(timers.get(key), model.get(&key).copied());
                prop_assert!(timers.heap.len() <= 2 * model.len() + 65);
            }
        }

        #[test]
        fn retry_after_parsing_never_panics(text in ".{0,40}", now in any::<u64>()) {
            let _ = parse_retry_after(&text, UnixMillis(now));
        }
    }

    #[test]
    fn retry_after_is_capped() {
        let policy = BackoffPolicy::default();
        assert_eq!(policy.retry_after_cap_ms, 60_000);
        let now = UnixMillis(784_111_777_000);
        let mut rng = Rng::new(1);
        // A day, a date far ahead, and a number too long for u64 all wait the cap.
        for asked in ["86400", "Fri, 31 Dec 9999 23:59:59 GMT", "99999999999999999999999"] {
            let ms = parse_retry_after(asked, now);
            assert_eq!(retry_delay(&policy, 1, ms, &mut rng), 60_000, "{asked}");
        }
        assert_eq!(retry_delay(&policy, 1, Some(2000), &mut rng), 2000);
        let tight = BackoffPolicy { retry_after_cap_ms: 5000, ..policy };
        assert_eq!(retry_delay(&tight, 1, Some(120_000), &mut rng), 5000);
        assert_eq!(server_wait(&tight, u64::MAX), 5000);
    }

    #[test]
    fn jitter_is_deterministic_per_seed() {
        let policy = BackoffPolicy::default();
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (1..10).map(|a| backoff_delay(&policy, a, &mut rng)).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = UnixMillis(784_111_777_000); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("120", now), Some(120_000));
        assert_eq!(parse_retry_after(" 0 ", now), Some(0));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(0));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now), Some(30_000));
        assert_eq!(parse_retry_after("Sat, 05 Nov 1994 08:49:37 GMT", now), Some(0));
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(u64::MAX));
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 32 Nov 1994",
            // Years whose day count would overflow: refused, not computed.
            "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
            "Sun, 06 Nov 4000000000000000 08:49:37 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn follow_until_takes_the_earlier_end() {
        let c = Some(UnixMillis(1000));
        assert_eq!(follow_until(None, c, Some(500), 100), Some(UnixMillis(1600)));
        assert_eq!(follow_until(Some(UnixMillis(1200)), c, Some(500), 100), Some(UnixMillis(1200)));
        assert_eq!(follow_until(Some(UnixMillis(9000)), c, Some(500), 100), Some(UnixMillis(1600)));
        assert_eq!(follow_until(None, c, None, 100), None);
        assert_eq!(follow_until(Some(UnixMillis(5)), None, Some(1), 0), Some(UnixMillis(5)));
    }

    #[test]
    fn timers_yield_earliest_first_and_move() {
        let mut t = Timers::new();
        t.set(1u8, UnixMillis(30));
        t.set(2, UnixMillis(10));
        t.set(3, UnixMillis(20));
        t.set(2, UnixMillis(40));
        assert_eq!(t.next(), Some(UnixMillis(20)));
        assert_eq!(t.pop_due(UnixMillis(25)), Some(3));
        assert_eq!(t.pop_due(UnixMillis(25)), None);
        t.clear(1);
        assert_eq!(t.get(2), Some(UnixMillis(40)));
        assert_eq!(t.pop_due(UnixMillis(100)), Some(2));
        assert_eq!(t.next(), None);
    }
}
