//! Intercom's rate-limit headers: `X-RateLimit-Limit`, `X-RateLimit-Remaining`
//! and `X-RateLimit-Reset` (a UNIX timestamp), and `Retry-After`. The one
//! parser of them: an [`Error`](crate::Error) reports the state they carried
//! on a 429, and `intercom-api`'s runtime paces and waits by them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{DATE, HeaderMap, HeaderName, RETRY_AFTER};

/// The rate-limit state Intercom reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests permitted per window (`X-RateLimit-Limit`).
    pub limit: u32,
    /// Requests left in the current window (`X-RateLimit-Remaining`).
    pub remaining: u32,
    /// When the window resets (`X-RateLimit-Reset`).
    pub reset: SystemTime,
}

// Names as constants: looking a header up by `&str` parses the name on every
// call.
const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

fn header_u64(headers: &HeaderMap, name: &HeaderName) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse::<u64>().ok()
}

impl RateLimit {
    /// Reads the three headers; `None` unless all are present and valid.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        Some(Self {
            limit: u32::try_from(header_u64(headers, &LIMIT)?).ok()?,
            remaining: u32::try_from(header_u64(headers, &REMAINING)?).ok()?,
            reset: reset_of(headers)?,
        })
    }

    /// The headers Intercom sends for this state ([`from_headers`]'s
    /// inverse; the reset in whole seconds), with `Date` when `date` is
    /// given: for mocks and tests of code that reads them.
    ///
    /// [`from_headers`]: Self::from_headers
    pub fn to_headers(&self, date: Option<SystemTime>) -> HeaderMap {
        let reset = self
            .reset
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut headers = HeaderMap::new();
        headers.insert(LIMIT, self.limit.into());
        headers.insert(REMAINING, self.remaining.into());
        headers.insert(RESET, reset.into());
        if let Some(date) = date {
            let value = httpdate::fmt_http_date(date);
            // An HTTP date is ASCII: always a valid header value.
            if let Ok(value) = reqwest::header::HeaderValue::from_str(&value) {
                headers.insert(DATE, value);
            }
        }
        headers
    }
}

fn reset_of(headers: &HeaderMap) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(header_u64(headers, &RESET)?))
}

/// Clock differences below this are within `Date`'s one-second resolution
/// (plus the response's latency) and are not corrected for.
pub const SKEW_TOLERANCE: Duration = Duration::from_secs(2);

/// The server's clock when it sent the response (`Date`).
pub fn server_date(headers: &HeaderMap) -> Option<SystemTime> {
    httpdate::parse_http_date(headers.get(DATE)?.to_str().ok()?).ok()
}

/// How far the server's clock (`Date`) is ahead of `now` (negative: behind),
/// in seconds; `None` without a valid `Date`.
pub fn skew_secs(headers: &HeaderMap, now: SystemTime) -> Option<f64> {
    let date = server_date(headers)?;
    Some(match date.duration_since(now) {
        Ok(ahead) => ahead.as_secs_f64(),
        Err(behind) => -behind.duration().as_secs_f64(),
    })
}

/// Time left until `X-RateLimit-Reset`, a timestamp of the server's clock.
/// Read against the response's `Date` (the same clock) when the local clock
/// differs from it by more than [`SKEW_TOLERANCE`], so a skewed local clock
/// neither stretches nor skips the wait; otherwise against `now`, which
/// keeps sub-second precision. `None` without a valid reset.
pub fn until_reset(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let reset = reset_of(headers)?;
    let reference = match skew_secs(headers, now) {
        Some(skew) if skew.abs() > SKEW_TOLERANCE.as_secs_f64() => server_date(headers)?,
        _ => now,
    };
    Some(reset.duration_since(reference).unwrap_or_default())
}

/// The wait a `Retry-After` header names, in seconds.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header_u64(headers, &RETRY_AFTER).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(limit: u32, remaining: u32, reset: u64) -> HeaderMap {
        RateLimit {
            limit,
            remaining,
            reset: UNIX_EPOCH + Duration::from_secs(reset),
        }
        .to_headers(None)
    }

    #[test]
    fn headers_parse_and_partial_headers_do_not() {
        let r = RateLimit::from_headers(&headers(83, 80, 1_700_000_010)).unwrap();
        assert_eq!((r.limit, r.remaining), (83, 80));
        assert_eq!(r.reset, UNIX_EPOCH + Duration::from_secs(1_700_000_010));
        let mut h = headers(83, 80, 1);
        h.remove("x-ratelimit-reset");
        assert_eq!(RateLimit::from_headers(&h), None);
        h.insert("x-ratelimit-reset", HeaderValue::from_static("soon"));
        assert_eq!(RateLimit::from_headers(&h), None);
    }

    /// Headers whose reset is `reset` and whose `Date` is `date`.
    fn dated(reset: u64, date: SystemTime) -> HeaderMap {
        RateLimit {
            limit: 10,
            remaining: 0,
            reset: UNIX_EPOCH + Duration::from_secs(reset),
        }
        .to_headers(Some(date))
    }

    #[test]
    fn the_reset_is_read_against_the_servers_clock_when_they_differ() {
        let now = UNIX_EPOCH + Duration::from_secs(10_000);
        let mut h = HeaderMap::new();
        assert_eq!(until_reset(&h, now), None);
        h.insert("x-ratelimit-reset", HeaderValue::from(10_007u64));
        assert_eq!(
            until_reset(&h, now),
            Some(Duration::from_secs(7)),
            "no Date"
        );
        h.insert("x-ratelimit-reset", HeaderValue::from(9_990u64));
        assert_eq!(until_reset(&h, now), Some(Duration::ZERO), "a past reset");
        // The server's clock is an hour ahead: its reset is 7 s after its Date.
        let h = dated(13_607, now + Duration::from_secs(3_600));
        assert_eq!(until_reset(&h, now), Some(Duration::from_secs(7)));
        assert_eq!(skew_secs(&h, now), Some(3_600.0));
        // An hour behind.
        let h = dated(6_404, now - Duration::from_secs(3_600));
        assert_eq!(until_reset(&h, now), Some(Duration::from_secs(4)));
        assert_eq!(skew_secs(&h, now), Some(-3_600.0));
        // Within Date's resolution: read against the local clock.
        let precise = now + Duration::from_millis(300);
        let mut h = dated(10_005, now + Duration::from_secs(1));
        assert_eq!(until_reset(&h, precise), Some(Duration::from_millis(4_700)));
        h.insert("date", HeaderValue::from_static("yesterday"));
        assert_eq!(server_date(&h), None);
        assert_eq!(until_reset(&h, precise), Some(Duration::from_millis(4_700)));
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from(3u64));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
    }
}
