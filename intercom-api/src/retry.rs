//! Which failures are retried, how long to back off, and the retry budget
//! that keeps an outage from multiplying traffic (smithy-rs "standard" mode).

use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;

/// Retry behaviour of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts per call, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Base of the exponential backoff.
    pub initial_backoff: Duration,
    /// Cap of one backoff.
    pub max_backoff: Duration,
    /// Retry POST and PATCH after 5xx and timeouts too, not only when the
    /// request provably never reached the server. Only for calls the caller
    /// knows are safe to repeat.
    pub retry_non_idempotent: bool,
    /// Capacity of the retry budget (tokens); `None` disables the budget.
    pub budget: Option<u32>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            retry_non_idempotent: false,
            budget: Some(500),
        }
    }
}

impl RetryConfig {
    /// One attempt per call.
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Full-jitter exponential backoff before retry number `retry` (1-based).
    pub(crate) fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max_backoff);
        let max = u64::try_from(exp.as_micros()).unwrap_or(u64::MAX);
        Duration::from_micros(fastrand::u64(0..=max))
    }
}

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The connection was never established: the server saw nothing.
    Connect,
    /// The attempt timed out.
    Timeout,
    /// Another transport error after the request may have been sent.
    Transport,
    /// A retryable status (500, 502, 503, 504).
    Status(StatusCode),
}

impl Failure {
    pub(crate) fn from_status(status: StatusCode) -> Option<Self> {
        matches!(status.as_u16(), 500 | 502 | 503 | 504).then_some(Self::Status(status))
    }

    pub(crate) fn from_error(e: &reqwest::Error) -> Option<Self> {
        if e.is_connect() {
            Some(Self::Connect)
        } else if e.is_timeout() {
            Some(Self::Timeout)
        } else if e.is_request() || e.is_body() {
            Some(Self::Transport)
        } else {
            None
        }
    }

    /// Whether a request with this idempotency may be repeated after it.
    pub(crate) fn allows_retry(self, idempotent: bool, config: &RetryConfig) -> bool {
        matches!(self, Self::Connect) || idempotent || config.retry_non_idempotent
    }

    fn cost(self) -> u32 {
        match self {
            Self::Timeout => TIMEOUT_COST,
            _ => RETRY_COST,
        }
    }
}

const RETRY_COST: u32 = 5;
const TIMEOUT_COST: u32 = 10;
const SUCCESS_REWARD: u32 = 1;

/// A token bucket shared by all calls of a client: retries spend tokens,
/// successes earn them back. When it runs dry, failures surface at once.
#[derive(Debug)]
pub(crate) struct Budget {
    capacity: u32,
    tokens: Mutex<u32>,
}

impl Budget {
    pub(crate) fn new(capacity: u32) -> Self {
        Self {
            capacity,
            tokens: Mutex::new(capacity),
        }
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, u32> {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes the cost of retrying after `failure`; `None` when the budget is spent.
    pub(crate) fn withdraw(&self, failure: Failure) -> Option<u32> {
        let cost = failure.cost();
        let mut t = self.tokens();
        (*t >= cost).then(|| {
            *t -= cost;
            cost
        })
    }

    /// A call succeeded: refund what its retries cost, or a small reward.
    pub(crate) fn deposit(&self, spent: u32) {
        let mut t = self.tokens();
        let earned = if spent == 0 { SUCCESS_REWARD } else { spent };
        *t = (*t + earned).min(self.capacity);
    }

    pub(crate) fn available(&self) -> u32 {
        *self.tokens()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_full_jitter() {
        let c = RetryConfig {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            ..RetryConfig::default()
        };
        for _ in 0..200 {
            assert!(c.backoff(1) <= Duration::from_millis(100));
            assert!(c.backoff(2) <= Duration::from_millis(200));
            assert!(c.backoff(9) <= Duration::from_millis(300));
            assert!(c.backoff(u32::MAX) <= Duration::from_millis(300));
        }
        let distinct: std::collections::BTreeSet<_> = (0..50).map(|_| c.backoff(3)).collect();
        assert!(distinct.len() > 1, "jittered");
    }

    #[test]
    fn budget_runs_dry_and_refills() {
        let b = Budget::new(12);
        assert_eq!(
            b.withdraw(Failure::Status(StatusCode::BAD_GATEWAY)),
            Some(5)
        );
        assert_eq!(
            b.withdraw(Failure::Timeout),
            None,
            "7 left, a timeout costs 10"
        );
        assert_eq!(b.withdraw(Failure::Connect), Some(5));
        assert_eq!(b.withdraw(Failure::Connect), None);
        b.deposit(5);
        assert_eq!(b.available(), 7);
        b.deposit(0);
        assert_eq!(b.available(), 8);
        b.deposit(100);
        assert_eq!(b.available(), 12);
    }

    #[test]
    fn post_retries_only_when_never_sent() {
        let c = RetryConfig::default();
        assert!(Failure::Connect.allows_retry(false, &c));
        assert!(!Failure::Timeout.allows_retry(false, &c));
        assert!(!Failure::Status(StatusCode::SERVICE_UNAVAILABLE).allows_retry(false, &c));
        assert!(Failure::Timeout.allows_retry(true, &c));
        let opted = RetryConfig {
            retry_non_idempotent: true,
            ..c
        };
        assert!(Failure::Timeout.allows_retry(false, &opted));
        assert_eq!(Failure::from_status(StatusCode::NOT_FOUND), None);
        assert!(Failure::from_status(StatusCode::GATEWAY_TIMEOUT).is_some());
    }
}
