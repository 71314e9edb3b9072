//! Time as a value: milliseconds since the Unix epoch, RFC 3339 timestamps and HTTP dates.
//!
//! The core never reads a clock. Drivers pass the current time in as a [`UnixMillis`];
//! every deadline, TTL and backoff is a pure function of it.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds since 1970-01-01T00:00:00Z, the only notion of "now" the core knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixMillis(pub u64);

impl UnixMillis {
    /// This instant plus `ms` milliseconds, saturating instead of overflowing.
    pub const fn saturating_add(self, ms: u64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// Milliseconds from `earlier` to `self`, or 0 when `earlier` is later.
    pub const fn saturating_since(self, earlier: Self) -> u64 {
        self.0.saturating_sub(earlier.0)
    }
}

/// An RFC 3339 timestamp as it appears on the wire (`createdAt`, `lastUpdatedAt`).
///
/// Parsing is lenient: any number of fractional digits (the Python SDK sends microseconds,
/// the TypeScript SDK milliseconds), `Z` or a numeric offset, `T`/`t`/space as separator.
/// The text is kept so that a received value is re-emitted exactly; values made here are
/// written as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    text: String,
    millis: UnixMillis,
}

/// A timestamp that is not RFC 3339.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 timestamp: {text:?}")]
pub struct TimestampError {
    /// The rejected text, truncated to 64 characters.
    pub text: String,
}

impl TimestampError {
    /// The stable error code.
    pub const fn code(&self) -> &'static str {
        "bad_timestamp"
    }
}

/// The last year a date on the wire may name. RFC 3339 and the HTTP IMF-fixdate both write
/// the year with four digits; a longer one is refused rather than carried into arithmetic
/// that could overflow.
pub const MAX_YEAR: u32 = 9999;

/// An HTTP date (`Retry-After`) that was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HttpDateError {
    /// Not an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or no such day or time.
    #[error("not an HTTP date: {text:?}")]
    Malformed {
        /// The rejected text, truncated to 64 characters.
        text: String,
    },
    /// A year before 1970 or after [`MAX_YEAR`].
    #[error("HTTP date year outside 1970..=9999: {text:?}")]
    YearOutOfRange {
        /// The rejected text, truncated to 64 characters.
        text: String,
    },
}

impl HttpDateError {
    /// The stable error code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Malformed { .. } => "bad_http_date",
            Self::YearOutOfRange { .. } => "http_date_year_out_of_range",
        }
    }
}

/// Reads an HTTP date in the IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110
/// section 5.6.7), the one senders must use. The weekday is not checked against the date.
pub fn parse_http_date(text: &str) -> Result<UnixMillis, HttpDateError> {
    let short = || text.chars().take(64).collect::<String>();
    let malformed = || HttpDateError::Malformed { text: short() };
    let (year, month, day, h, m, s) = http_date_fields(text).ok_or_else(malformed)?;
    let year = match u32::try_from(year) {
        Ok(y) if (1970..=MAX_YEAR).contains(&y) => y,
        _ => return Err(HttpDateError::YearOutOfRange { text: short() }),
    };
    if !valid_day(year, month, day) || h > 23 || m > 59 || s > 60 {
        return Err(malformed());
    }
    // In range by the checks above: at most about 2.5e14 ms, far below u64::MAX.
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s.min(59));
    u64::try_from(secs * 1000).map(UnixMillis).map_err(|_| malformed())
}

/// The fields of an IMF-fixdate, unchecked but for their syntax. The year is read from at
/// most 19 digits so that any value fits; its range is judged by the caller.
fn http_date_fields(text: &str) -> Option<(u64, u32, u32, u32, u32, u32)> {
    let digits = |part: &str, max_len: usize| -> Option<u64> {
        let ok =
            !part.is_empty() && part.len() <= max_len && part.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| part.parse().ok()).flatten()
    };
    let rest = text.split_once(", ")?.1;
    let mut parts = rest.split(' ');
    let day = u32::try_from(digits(parts.next()?, 2)?).ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year = digits(parts.next()?, 19)?;
    let mut hms = parts.next()?.split(':');
    let mut two = || u32::try_from(digits(hms.next()?, 2)?).ok();
    let (h, m, s) = (two()?, two()?, two()?);
    if hms.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    Some((year, month, day, h, m, s))
}

/// Whether `day` exists in `month` of `year` (proleptic Gregorian).
fn valid_day(year: u32, month: u32, day: u32) -> bool {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let max_day = month.checked_sub(1).and_then(|i| month_days.get(i as usize));
    max_day.is_some_and(|&max| (1..=max).contains(&day))
}

impl Timestamp {
    /// The canonical timestamp for `at`, with millisecond precision and a `Z` offset.
    pub fn from_millis(at: UnixMillis) -> Self {
        Self { text: format_rfc3339(at), millis: at }
    }

    /// Parses a timestamp, keeping its text for exact re-emission.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        Self::parse_owned(text.to_owned())
    }

    /// As [`parse`](Self::parse), keeping `text` rather than copying it.
    pub fn parse_owned(text: String) -> Result<Self, TimestampError> {
        match parse_rfc3339(&text) {
            Some(millis) => Ok(Self { text, millis }),
            None => Err(TimestampError { text: text.chars().take(64).collect() }),
        }
    }

    /// The instant, truncated to whole milliseconds.
    pub const fn millis(&self) -> UnixMillis {
        self.millis
    }

    /// The text as received or as formatted.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<UnixMillis> for Timestamp {
    fn from(at: UnixMillis) -> Self {
        Self::from_millis(at)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

fn format_rfc3339(at: UnixMillis) -> String {
    let ms = at.0 % 1000;
    let secs = at.0 / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Howard Hinnant's days-from-civil, for the proleptic Gregorian calendar: days since
/// 1970-01-01.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn parse_rfc3339(s: &str) -> Option<UnixMillis> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        part.iter()
            .try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || b.get(13) != Some(&b':') {
        return None;
    }
    if b.get(16) != Some(&b':') || !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    // 60 admits a leap second, which is read as the last second of the minute.
    if !valid_day(year, month, day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(digit) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if i - start < 3 {
                millis = millis * 10 + u32::from(digit - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..3 {
            millis *= 10;
        }
    }
    let offset_secs: i64 = match b.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, c: u8| -> Option<i64> {
                (a.is_ascii_digit() && c.is_ascii_digit())
                    .then(|| i64::from(a - b'0') * 10 + i64::from(c - b'0'))
            };
            let (oh, om) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second.min(59))
            - offset_secs;
    let total = secs.checked_mul(1000)?.checked_add(i64::from(millis))?;
    u64::try_from(total).ok().map(UnixMillis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_rfc3339(UnixMillis(0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339(UnixMillis(1_763_734_547_878)), "2025-11-21T14:15:47.878Z");
        assert_eq!(format_rfc3339(UnixMillis(951_782_400_000)), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn parses_sdk_flavours() {
        let ts = Timestamp::parse("2026-11-21T19:35:47.878Z").unwrap();
        assert_eq!(format_rfc3339(ts.millis()), "2026-11-21T19:35:47.878Z");
        let py = Timestamp::parse("2026-11-21T19:35:29.683913Z").unwrap();
        assert_eq!(py.millis().0 % 1000, 683);
        assert_eq!(py.as_str(), "2026-11-21T19:35:29.683913Z");
        let off = Timestamp::parse("2026-11-21T21:35:29+02:00").unwrap();
        assert_eq!(format_rfc3339(off.millis()), "2026-11-21T19:35:29.000Z");
        let bare = Timestamp::parse("2025-11-25T10:30:00Z").unwrap();
        assert_eq!(format_rfc3339(bare.millis()), "2025-11-25T10:30:00.000Z");
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "",
            "2025",
            "2025-13-01T00:00:00Z",
            "2025-02-30T00:00:00Z",
            "2025-11-25T10:30:00",
            "2025-11-25T10:30:00.Z",
            "2025-11-25T24:00:00Z",
            "1969-12-31T23:59:59Z",
            "2025-11-25T10:30:00+2:00",
            "２０２５-11-25T10:30:00Z",
            "2025-11-25T10:30:00Zjunk",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn http_dates_in_range_are_read() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Ok(UnixMillis(784_111_777_000))
        );
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Ok(UnixMillis(0)));
        let last = parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").unwrap();
        assert_eq!(format_rfc3339(last), "9999-12-31T23:59:59.000Z");
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT").map(format_rfc3339),
            Ok("2000-02-29T00:00:00.000Z".to_owned())
        );
    }

    #[test]
    fn http_dates_with_absurd_years_are_refused_without_overflow() {
        for bad in [
            "Sun, 06 Nov 10000 08:49:37 GMT",
            "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
            "Sun, 06 Nov 999999999999999999 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun, 06 Nov 0 08:49:37 GMT",
        ] {
            let err = parse_http_date(bad).unwrap_err();
            assert_eq!(err.code(), "http_date_year_out_of_range", "{bad:?}");
        }
        for bad in [
            "Sun, 06 Nov 99999999999999999999999 08:49:37 GMT",
            "Sun, 06 Nov +1994 08:49:37 GMT",
            "Sun, 06 Nov -1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 +8:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37:00 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 GMT ",
            "06 Nov 1994 08:49:37 GMT",
            "",
        ] {
            let err = parse_http_date(bad).unwrap_err();
            assert_eq!(err.code(), "bad_http_date", "{bad:?}");
        }
    }

    #[test]
    fn rfc3339_years_stop_at_four_digits() {
        let last = Timestamp::parse("9999-12-31T23:59:59.999Z").unwrap();
        assert_eq!(last.millis().0, 253_402_300_799_999);
        for bad in ["10000-01-01T00:00:00Z", "+1994-11-06T08:49:37Z", "-001-11-06T08:49:37Z"] {
            assert!(Timestamp::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        let mut day = 0i64;
        while day < 146_097 {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
            day += 1;
        }
    }
}
