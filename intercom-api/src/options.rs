//! Per-call settings: [`CallOptions`], layered over the client's own by
//! [`Client::with_options`](crate::Client::with_options).

use std::time::Duration;

/// Settings for some calls, over the client's: a whole-call timeout, the
/// per-attempt timeout, the attempt count, and opting non-idempotent
/// requests (POST, PATCH) into retries. Unset fields keep the client's.
///
/// The crate's front page shows one in use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOptions {
    pub(crate) timeout: Option<Option<Duration>>,
    pub(crate) attempt_timeout: Option<Option<Duration>>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) retry_non_idempotent: Option<bool>,
}

impl CallOptions {
    /// No overrides: the client's settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whole-call timeout: every attempt, backoff and rate-limit wait of a
    /// call within `timeout`. A call that would run over ends with
    /// [`Error::OutOfTime`](crate::Error::OutOfTime) as soon as that is
    /// certain: a wait that would cross it is not begun.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(Some(timeout));
        self
    }

    /// No whole-call timeout (each attempt's timeout and
    /// [`RateLimitConfig::max_wait`](crate::RateLimitConfig::max_wait) still
    /// apply).
    pub fn no_timeout(mut self) -> Self {
        self.timeout = Some(None);
        self
    }

    /// Timeout of each attempt, from sending to the end of the body
    /// (`None` for none).
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Attempts per call, the first included (1: no retries; 429s are still
    /// waited out, within the limits).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts.max(1));
        self
    }

    /// Retry POST and PATCH after 5xx and timeouts too: only for calls the
    /// caller knows are safe to repeat.
    pub fn retry_non_idempotent(mut self, retry: bool) -> Self {
        self.retry_non_idempotent = Some(retry);
        self
    }

    /// These options, with `over`'s set fields replacing them.
    pub(crate) fn then(self, over: CallOptions) -> CallOptions {
        CallOptions {
            timeout: over.timeout.or(self.timeout),
            attempt_timeout: over.attempt_timeout.or(self.attempt_timeout),
            max_attempts: over.max_attempts.or(self.max_attempts),
            retry_non_idempotent: over.retry_non_idempotent.or(self.retry_non_idempotent),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_options_replace_only_what_they_set() {
        let secs = Duration::from_secs;
        let base = CallOptions::new().timeout(secs(5)).max_attempts(2);
        let over = CallOptions::new().no_timeout().retry_non_idempotent(true);
        let both = base.then(over);
        assert_eq!(both.timeout, Some(None));
        assert_eq!(both.max_attempts, Some(2));
        assert_eq!(both.retry_non_idempotent, Some(true));
        assert_eq!(both.attempt_timeout, None);
        assert_eq!(CallOptions::new().max_attempts(0).max_attempts, Some(1));
        assert_eq!(base.then(CallOptions::new()), base);
    }
}
