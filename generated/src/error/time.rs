//! A call that ran out of time, and which of its limits fired: the
//! whole-call timeout or the most it may wait for the rate limit. (A single
//! attempt's timeout surfaces as [`Error::Timeout`](super::Error::Timeout).)

use std::fmt;
use std::time::Duration;

use super::Error;

/// Which of a call's time limits ended it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeLimit {
    /// The whole-call timeout, covering every attempt, backoff and wait
    /// (`ClientBuilder::call_timeout`, or `CallOptions::timeout` for one call).
    Call(Duration),
    /// The most a call waits for the rate limit, pacing and 429s together
    /// (`RateLimitConfig::max_wait`).
    RateLimitWait(Duration),
}

impl fmt::Display for TimeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeLimit::Call(d) => write!(f, "call timeout of {}", secs(*d)),
            TimeLimit::RateLimitWait(d) => write!(f, "rate-limit wait limit of {}", secs(*d)),
        }
    }
}

/// What the call was doing, or was about to do, when its time ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// An attempt was on the wire (its timeout was cut to what was left).
    Sending,
    /// Waiting for a spent rate-limit window to reset before sending.
    Pacing,
    /// Waiting for the first request of the client to learn the limits.
    AwaitingProbe,
    /// About to back off before a retry.
    Backoff,
    /// About to wait out a 429.
    RateLimited,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Sending => "while sending",
            Phase::Pacing => "waiting for the rate-limit window to reset",
            Phase::AwaitingProbe => "waiting for the first response to report the rate limits",
            Phase::Backoff => "backing off before a retry",
            Phase::RateLimited => "waiting out a 429",
        })
    }
}

/// A call ran out of time ([`Error::OutOfTime`]): which limit fired, when,
/// and what the last attempt got.
#[derive(Debug)]
#[non_exhaustive]
pub struct OutOfTime {
    /// The limit that fired.
    pub limit: TimeLimit,
    /// What the call was doing.
    pub phase: Phase,
    /// The wait that would have crossed the limit (`None` when the limit
    /// fired while sending or awaiting the probe).
    pub wait: Option<Duration>,
    /// Time since the call started.
    pub elapsed: Duration,
    /// Attempts made (429s, which the server refused unprocessed, are not
    /// counted).
    pub attempts: u32,
    /// The last attempt's failure, when there was one: the 429 or 5xx
    /// (with Intercom's error body and rate-limit state), or the transport
    /// error. [`Error::status`], [`Error::api`] and [`Error::rate_limit`]
    /// read through to it.
    pub last: Option<Box<Error>>,
}

impl OutOfTime {
    /// A call out of time.
    pub fn new(limit: TimeLimit, phase: Phase, elapsed: Duration, attempts: u32) -> Self {
        Self {
            limit,
            phase,
            wait: None,
            elapsed,
            attempts,
            last: None,
        }
    }

    /// With the wait that would have crossed the limit.
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = Some(wait);
        self
    }

    /// With the last attempt's failure.
    pub fn with_last(mut self, last: Error) -> Self {
        self.last = Some(Box::new(last));
        self
    }
}

impl fmt::Display for OutOfTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} reached after {}", self.limit, secs(self.elapsed))?;
        let s = if self.attempts == 1 { "" } else { "s" };
        write!(f, " and {} attempt{s}, {}", self.attempts, self.phase)?;
        if let Some(wait) = self.wait {
            write!(f, " (which would take {} more)", secs(wait))?;
        }
        if let Some(last) = &self.last {
            write!(f, "; last: {last}")?;
        }
        Ok(())
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn says_which_limit_fired_and_reads_through_to_the_last_attempt() {
        let limited = Error::from_response(
            StatusCode::TOO_MANY_REQUESTS,
            &Default::default(),
            Some(br#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded","message":"slow down"}]}"#),
        );
        let e = Error::from(
            OutOfTime::new(
                TimeLimit::RateLimitWait(Duration::from_secs(30)),
                Phase::RateLimited,
                Duration::from_millis(1500),
                1,
            )
            .with_wait(Duration::from_secs(120))
            .with_last(limited),
        );
        assert_eq!(
            e.to_string(),
            "rate-limit wait limit of 30.00 s reached after 1.50 s and 1 attempt, waiting out a 429 \
             (which would take 120.00 s more); last: Intercom returned 429 Too Many Requests; \
             rate_limit_exceeded: slow down"
        );
        assert!(e.is_timeout() && e.is_rate_limited() && e.is_retryable());
        assert_eq!(e.code(), Some(&crate::ErrorCode::RateLimitExceeded));
        let call = Error::from(OutOfTime::new(
            TimeLimit::Call(Duration::from_secs(2)),
            Phase::Sending,
            Duration::from_secs(2),
            3,
        ));
        assert_eq!(
            call.to_string(),
            "call timeout of 2.00 s reached after 2.00 s and 3 attempts, while sending"
        );
        assert_eq!(call.status(), None);
        assert_eq!(
            call.out_of_time().map(|o| o.limit),
            Some(TimeLimit::Call(Duration::from_secs(2)))
        );
    }
}
