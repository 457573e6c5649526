//! Intercom's rate-limit headers: `X-RateLimit-Limit`, `X-RateLimit-Remaining`
//! and `X-RateLimit-Reset` (a UNIX timestamp), and `Retry-After`. The one
//! parser of them: an [`Error`](crate::Error) reports the state they carried
//! on a 429, and `intercom-api`'s runtime paces and waits by them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, HeaderName, RETRY_AFTER};

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
}

fn reset_of(headers: &HeaderMap) -> Option<SystemTime> {
    UNIX_EPOCH.checked_add(Duration::from_secs(header_u64(headers, &RESET)?))
}

/// How long a response asks the client to wait before sending again:
/// `Retry-After` (seconds), else until `X-RateLimit-Reset` (alone or with
/// the other rate-limit headers); `None` when it says neither.
pub fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    header_u64(headers, &RETRY_AFTER)
        .map(Duration::from_secs)
        .or_else(|| Some(reset_of(headers)?.duration_since(now).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(limit: u32, remaining: u32, reset: u64) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from(limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        h.insert("x-ratelimit-reset", HeaderValue::from(reset));
        h
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

    #[test]
    fn server_wait_prefers_retry_after_then_the_reset() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut h = HeaderMap::new();
        assert_eq!(server_wait(&h, now), None);
        h.insert("x-ratelimit-reset", HeaderValue::from(1_007u64));
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(7)));
        h.insert("x-ratelimit-reset", HeaderValue::from(990u64));
        assert_eq!(server_wait(&h, now), Some(Duration::ZERO), "a past reset");
        h.insert("retry-after", HeaderValue::from(3u64));
        assert_eq!(server_wait(&h, now), Some(Duration::from_secs(3)));
    }
}
