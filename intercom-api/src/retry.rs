//! Which failures are retried, how long to back off, the retry budget that
//! keeps an outage from multiplying traffic (smithy-rs "standard" mode), and
//! [`decide`]: the one function that turns an attempt's outcome into the
//! runtime's next step. It is also the only place that decides the budget:
//! a paid retry comes with its tokens already reserved (one atomic
//! try-reserve, [`BudgetReservation`]), and a budget too short for it is a
//! [`Step::Return`] with [`ReturnReason::BudgetExhausted`]. A 429 is always
//! one kind of step, [`Step::WaitOut`]. Every wait it decides on is bounded
//! by the call's [`Limits`] (the whole-call deadline, and the most a call
//! waits for the rate limit); one that would cross them is a
//! [`ReturnReason::OutOfTime`] naming the limit.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use intercom_client_core::{Phase, TimeLimit};
use reqwest::StatusCode;

/// Retry behaviour of a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts per call, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Base of the exponential backoff (full jitter), also used to space
    /// retries after a 429 that names neither a reset nor `Retry-After`.
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

    /// Full-jitter exponential backoff before retry number `retry` (1-based);
    /// `draw` is a uniform random number in `[0, 1]`.
    pub(crate) fn backoff(&self, retry: u32, draw: f64) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max_backoff);
        jitter(exp, draw)
    }
}

/// The one jitter of the crate: `draw` (uniform in `[0, 1]`) scaled to `[0, max]`.
pub(crate) fn jitter(max: Duration, draw: f64) -> Duration {
    let draw = if draw.is_finite() {
        draw.clamp(0.0, 1.0)
    } else {
        0.0
    };
    max.mul_f64(draw)
}

/// Why an attempt failed, when trying again may help: the one classifier,
/// in `intercom-client-core`, which
/// [`Error::is_retryable`](crate::Error::is_retryable) uses too.
pub(crate) use intercom_client_core::error::RetryableFailure;

/// What this runtime's rules make of a [`RetryableFailure`].
pub(crate) trait RetryPolicy: Copy {
    /// Whether a request with this idempotency may be repeated after it
    /// (`opted`: the caller opted non-idempotent requests into retries).
    fn allows_retry(self, idempotent: bool, opted: bool) -> bool;

    /// Budget tokens a retry after this failure costs. A 429 costs nothing:
    /// it is waited out ([`Step::WaitOut`]), never paid for.
    fn cost(self) -> u32;
}

impl RetryPolicy for RetryableFailure {
    fn allows_retry(self, idempotent: bool, opted: bool) -> bool {
        matches!(self, Self::Connect | Self::RateLimited) || idempotent || opted
    }

    fn cost(self) -> u32 {
        match self {
            Self::RateLimited => 0,
            Self::Timeout => TIMEOUT_COST,
            _ => RETRY_COST,
        }
    }
}

const RETRY_COST: u32 = 5;
const TIMEOUT_COST: u32 = 10;
const SUCCESS_REWARD: u32 = 1;

/// Most consecutive 429s a call waits out before surfacing one.
pub(crate) const MAX_RATE_LIMITED_RETRIES: u32 = 8;

/// What an attempt produced, as far as deciding the next step is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A complete response. `server_wait` is how long its `Retry-After` or
    /// `X-RateLimit-Reset` asked to wait (429s only; `None` when it said nothing).
    Response {
        /// The status.
        status: StatusCode,
        /// The wait the server asked for.
        server_wait: Option<Duration>,
    },
    /// No usable response: the transport failed (classified; `None` when
    /// the error is not worth retrying, e.g. an invalid request).
    Failed(Option<RetryableFailure>),
}

impl Outcome {
    fn failure(self) -> Option<RetryableFailure> {
        match self {
            Outcome::Response { status, .. } => RetryableFailure::of_status(status),
            Outcome::Failed(f) => f,
        }
    }
}

/// Everything about one call the decision depends on, and what its retries
/// cost. Advanced only by [`CallState::advance`], so the loop never does
/// arithmetic of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallState {
    /// Attempts counted against `max_attempts` (429s are not counted: the
    /// request was refused, not processed).
    pub(crate) attempts: u32,
    /// 429s waited out so far.
    pub(crate) rate_limited: u32,
    /// Total time spent waiting for the rate limit: pacing and 429s.
    pub(crate) rate_waited: Duration,
    /// Budget tokens this call's retries were granted: refunded when the
    /// call succeeds, kept when it fails.
    pub(crate) spent: u32,
    /// The method may safely be repeated (GET, PUT, DELETE, …).
    pub(crate) idempotent: bool,
    /// The request can be sent again (its body is not a one-shot stream).
    pub(crate) replayable: bool,
}

impl CallState {
    pub(crate) fn new(idempotent: bool, replayable: bool) -> Self {
        Self {
            attempts: 1,
            rate_limited: 0,
            rate_waited: Duration::ZERO,
            spent: 0,
            idempotent,
            replayable,
        }
    }

    /// The attempt paced `waited` before it was sent: rate-limit wait.
    pub(crate) fn paced(&mut self, waited: Duration) {
        self.rate_waited += waited;
    }

    /// The state after carrying out `step`.
    pub(crate) fn advance(&mut self, step: &Step<'_>) {
        match step {
            Step::Return(_) => {}
            Step::Retry { reserved, .. } => {
                self.attempts += 1;
                self.spent += reserved.as_ref().map_or(0, BudgetReservation::tokens);
            }
            Step::WaitOut { wait, .. } => {
                self.rate_limited += 1;
                self.rate_waited += *wait;
            }
        }
    }
}

/// A call's whole-call timeout and the instant it runs out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Deadline {
    /// The timeout.
    pub(crate) limit: Duration,
    /// When it runs out (the call's start plus `limit`).
    pub(crate) at: SystemTime,
}

/// The time limits every wait of a call is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Longest a call may wait for the rate limit in total (pacing and 429s).
    pub(crate) max_wait: Duration,
    /// The whole-call deadline, if any.
    pub(crate) deadline: Option<Deadline>,
}

impl Limits {
    /// Whether waiting `wait` from `now` stays within the limits, or the
    /// limit it would cross. `rate_waited` is the call's rate-limit wait so
    /// far when this wait is one too (pacing, a 429), `None` for a backoff.
    /// A wait that ends exactly at the deadline leaves no time to send: it
    /// crosses it.
    pub(crate) fn check(
        &self,
        wait: Duration,
        now: SystemTime,
        rate_waited: Option<Duration>,
    ) -> Result<(), TimeLimit> {
        if rate_waited.is_some_and(|w| w.saturating_add(wait) > self.max_wait) {
            return Err(TimeLimit::RateLimitWait(self.max_wait));
        }
        match self.deadline {
            Some(d) if now.checked_add(wait).is_none_or(|end| end >= d.at) => {
                Err(TimeLimit::Call(d.limit))
            }
            _ => Ok(()),
        }
    }

    /// Whether the deadline has passed at `now`.
    pub(crate) fn past_deadline(&self, now: SystemTime) -> bool {
        self.deadline.is_some_and(|d| now >= d.at)
    }

    /// The timeout of an attempt sent at `now`: the per-attempt timeout,
    /// cut to what is left of the deadline.
    pub(crate) fn attempt_timeout(
        &self,
        attempt: Option<Duration>,
        now: SystemTime,
    ) -> Option<Duration> {
        let left = self
            .deadline
            .map(|d| d.at.duration_since(now).unwrap_or_default());
        match (attempt, left) {
            (Some(a), Some(l)) => Some(a.min(l)),
            (a, l) => a.or(l),
        }
    }
}

/// The rules a decision applies, read from the client's configurations (its
/// [`RetryConfig`], the 429 limits of its
/// [`RateLimitConfig`](crate::RateLimitConfig)) and the call's options.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryRules<'a> {
    /// Backoff settings.
    pub(crate) retry: &'a RetryConfig,
    /// Attempts per call, the first included.
    pub(crate) max_attempts: u32,
    /// Non-idempotent requests are retried after 5xx and timeouts too.
    pub(crate) retry_non_idempotent: bool,
    /// Bound of the random delay added to a server-given wait.
    pub(crate) jitter: Duration,
    /// The call's time limits.
    pub(crate) limits: Limits,
}

/// Why the runtime hands the result of the last attempt to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReturnReason {
    /// The result is final: a success, a failure not worth retrying, or one
    /// this request may not be repeated after.
    Final,
    /// `max_attempts` attempts were made.
    AttemptsExhausted,
    /// The retry budget cannot pay for the retry: nothing was reserved.
    BudgetExhausted,
    /// This 429 would be beyond the most 429s a call waits out.
    RateLimitWaitExhausted,
    /// The call is out of time: the next wait would cross `limit`, or the
    /// deadline passed while sending.
    OutOfTime {
        /// The limit.
        limit: TimeLimit,
        /// What the call was doing or about to do.
        phase: Phase,
        /// The wait that would have crossed the limit.
        wait: Option<Duration>,
    },
}

/// The runtime's next step after an attempt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step<'b> {
    /// Hand the result (success or final error) to the caller.
    Return(ReturnReason),
    /// Send the request again after `after`, a backoff. Counts as an attempt.
    Retry {
        /// The backoff.
        after: Duration,
        /// What the retry recovers from (never a 429: see [`Step::WaitOut`]).
        reason: RetryableFailure,
        /// The retry's cost, already taken from the budget (`None` without a
        /// budget). Dropped before the retry is sent (the call was
        /// cancelled), it goes back; [`BudgetReservation::commit`] spends it.
        reserved: Option<BudgetReservation<'b>>,
    },
    /// A 429, whatever its headers said: wait `wait`, then send the request
    /// again. The request was refused, not processed, so this is not an
    /// attempt and costs no budget.
    WaitOut {
        /// The wait: the server's plus jitter, or a backoff when it named none.
        wait: Duration,
        /// Set when the server named the wait: `now + wait`, before which
        /// nobody on this client sends (the limiter is told).
        exhausted_until: Option<SystemTime>,
    },
}

/// Decides what follows an attempt, and is the only place that decides the
/// retry budget: a retry that costs tokens is granted only with a
/// reservation of exactly that cost, taken here by one atomic try-reserve on
/// `budget` (`None`: no budget) and owned by the returned step. Otherwise
/// pure: the same arguments (and budget level) give the same step. `draw` is
/// a uniform random number in `[0, 1]` for the jitter.
pub(crate) fn decide<'b>(
    outcome: Outcome,
    call: &CallState,
    rules: &RetryRules<'_>,
    budget: Option<&'b Budget>,
    now: SystemTime,
    draw: f64,
) -> Step<'b> {
    let Some(failure) = outcome.failure() else {
        return Step::Return(ReturnReason::Final);
    };
    let limits = &rules.limits;
    let past_deadline = limits.past_deadline(now);
    let out_of_time =
        |limit, phase, wait| Step::Return(ReturnReason::OutOfTime { limit, phase, wait });
    if let (true, RetryableFailure::Timeout, Some(d)) = (past_deadline, failure, limits.deadline) {
        // The attempt's timeout was what was left of the deadline.
        return out_of_time(TimeLimit::Call(d.limit), Phase::Sending, None);
    }
    if !call.replayable || !failure.allows_retry(call.idempotent, rules.retry_non_idempotent) {
        return Step::Return(ReturnReason::Final);
    }
    if failure == RetryableFailure::RateLimited {
        if call.rate_limited >= MAX_RATE_LIMITED_RETRIES {
            return Step::Return(ReturnReason::RateLimitWaitExhausted);
        }
        let server_wait = match outcome {
            Outcome::Response { server_wait, .. } => server_wait,
            Outcome::Failed(_) => None,
        };
        // A server-given wait is jittered so paced tasks do not fire
        // together; without one, back off as for any other retry.
        let wait = match server_wait {
            Some(w) => w.saturating_add(jitter(rules.jitter, draw)),
            None => rules.retry.backoff(call.rate_limited + 1, draw),
        };
        if let Err(limit) = limits.check(wait, now, Some(call.rate_waited)) {
            return out_of_time(limit, Phase::RateLimited, Some(wait));
        }
        return Step::WaitOut {
            wait,
            exhausted_until: server_wait.map(|_| now + wait),
        };
    }
    if call.attempts >= rules.max_attempts {
        return Step::Return(ReturnReason::AttemptsExhausted);
    }
    let after = rules.retry.backoff(call.attempts, draw);
    if let Err(limit) = limits.check(after, now, None) {
        let phase = if past_deadline {
            Phase::Sending
        } else {
            Phase::Backoff
        };
        return out_of_time(limit, phase, Some(after));
    }
    // Last, so that a reservation, once taken, is always handed on.
    let reserved = match budget.map(|b| b.try_reserve(failure.cost())) {
        None => None,
        Some(Some(reservation)) => Some(reservation),
        Some(None) => return Step::Return(ReturnReason::BudgetExhausted),
    };
    Step::Retry {
        after,
        reason: failure,
        reserved,
    }
}

/// A token bucket shared by all calls of a client: retries spend tokens,
/// successes earn them back. When it runs dry, failures surface at once.
///
/// Lock-free: every change is one atomic read-modify-write of the level,
/// which guards no other data (hence relaxed ordering).
#[derive(Debug)]
pub(crate) struct Budget {
    capacity: u32,
    tokens: AtomicU32,
}

impl Budget {
    pub(crate) fn new(capacity: u32) -> Self {
        Self {
            capacity,
            tokens: AtomicU32::new(capacity),
        }
    }

    pub(crate) fn capacity(&self) -> u32 {
        self.capacity
    }

    pub(crate) fn available(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    /// Atomically takes `cost` tokens, or nothing (`None`) when fewer are left.
    fn try_reserve(&self, cost: u32) -> Option<BudgetReservation<'_>> {
        if cost > 0 {
            self.tokens
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                    t.checked_sub(cost)
                })
                .ok()?;
        }
        Some(BudgetReservation {
            budget: self,
            tokens: cost,
        })
    }

    /// Puts `tokens` back (never above the capacity; a full budget is not
    /// written to).
    fn refund(&self, tokens: u32) {
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                (t < self.capacity).then(|| t.saturating_add(tokens).min(self.capacity))
            });
    }

    /// A call succeeded after its retries were granted `spent` tokens:
    /// refunds them, or earns the reward when it needed no paid retry.
    pub(crate) fn settle_success(&self, spent: u32) {
        self.refund(if spent == 0 { SUCCESS_REWARD } else { spent });
    }
}

/// Tokens taken from a [`Budget`] for one retry that is not sent yet. Owned
/// by the [`Step::Retry`] that [`decide`] returns; dropped (the call was
/// cancelled during its backoff), it puts the tokens back;
/// [`commit`](Self::commit) keeps them spent once the retry is sent.
#[derive(Debug)]
#[must_use = "dropping a reservation returns its tokens"]
pub(crate) struct BudgetReservation<'b> {
    budget: &'b Budget,
    tokens: u32,
}

impl BudgetReservation<'_> {
    /// The tokens reserved.
    pub(crate) fn tokens(&self) -> u32 {
        self.tokens
    }

    /// The retry is being sent: its tokens stay spent (a success refunds
    /// them through [`Budget::settle_success`]).
    pub(crate) fn commit(mut self) {
        self.tokens = 0;
    }
}

impl Drop for BudgetReservation<'_> {
    fn drop(&mut self) {
        if self.tokens > 0 {
            self.budget.refund(self.tokens);
        }
    }
}

/// The same tokens of the same budget.
impl PartialEq for BudgetReservation<'_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.budget, other.budget) && self.tokens == other.tokens
    }
}

impl Eq for BudgetReservation<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::UNIX_EPOCH;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn rules(retry: &RetryConfig) -> RetryRules<'_> {
        RetryRules {
            retry,
            max_attempts: retry.max_attempts,
            retry_non_idempotent: retry.retry_non_idempotent,
            jitter: Duration::from_millis(250),
            limits: Limits {
                max_wait: Duration::from_secs(60),
                deadline: None,
            },
        }
    }

    fn status(code: u16) -> Outcome {
        Outcome::Response {
            status: StatusCode::from_u16(code).unwrap(),
            server_wait: None,
        }
    }

    fn limited(server_wait: Option<u64>) -> Outcome {
        Outcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            server_wait: server_wait.map(Duration::from_secs),
        }
    }

    /// The tokens a step reserved (`None`: not a retry, or no budget).
    fn reserved(step: &Step<'_>) -> Option<u32> {
        match step {
            Step::Retry {
                reserved: Some(r), ..
            } => Some(r.tokens()),
            _ => None,
        }
    }

    const GET: CallState = CallState {
        attempts: 1,
        rate_limited: 0,
        rate_waited: Duration::ZERO,
        spent: 0,
        idempotent: true,
        replayable: true,
    };
    const POST: CallState = CallState {
        idempotent: false,
        ..GET
    };

    #[test]
    fn backoff_is_bounded_full_jitter() {
        let c = RetryConfig {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            ..RetryConfig::default()
        };
        assert_eq!(c.backoff(1, 1.0), Duration::from_millis(100));
        assert_eq!(c.backoff(2, 1.0), Duration::from_millis(200));
        assert_eq!(c.backoff(9, 1.0), Duration::from_millis(300));
        assert_eq!(c.backoff(u32::MAX, 1.0), Duration::from_millis(300));
        assert_eq!(c.backoff(3, 0.5), Duration::from_millis(150));
        assert_eq!(c.backoff(3, 0.0), Duration::ZERO);
        assert_eq!(jitter(Duration::from_secs(1), f64::NAN), Duration::ZERO);
        assert_eq!(jitter(Duration::from_secs(1), 7.0), Duration::from_secs(1));
    }

    #[test]
    fn success_and_client_errors_return() {
        let r = RetryConfig::default();
        let b = Budget::new(500);
        for code in [200, 201, 204, 400, 401, 404, 409, 422, 501] {
            assert_eq!(
                decide(status(code), &GET, &rules(&r), Some(&b), now(), 0.5),
                Step::Return(ReturnReason::Final),
                "{code}"
            );
        }
        assert_eq!(
            decide(Outcome::Failed(None), &GET, &rules(&r), None, now(), 0.5),
            Step::Return(ReturnReason::Final)
        );
        assert_eq!(b.available(), 500, "nothing reserved");
    }

    #[test]
    fn server_errors_retry_idempotent_calls_with_growing_backoff() {
        let r = RetryConfig::default();
        for code in [500, 502, 503, 504] {
            let step = decide(status(code), &GET, &rules(&r), None, now(), 1.0);
            assert_eq!(
                step,
                Step::Retry {
                    after: Duration::from_millis(200),
                    reason: RetryableFailure::Status(StatusCode::from_u16(code).unwrap()),
                    reserved: None,
                }
            );
            assert_eq!(
                decide(status(code), &POST, &rules(&r), None, now(), 1.0),
                Step::Return(ReturnReason::Final),
                "a POST that reached the server is not repeated"
            );
        }
        let third = CallState { attempts: 3, ..GET };
        assert_eq!(
            decide(status(503), &third, &rules(&r), None, now(), 1.0),
            Step::Retry {
                after: Duration::from_millis(800),
                reason: RetryableFailure::Status(StatusCode::SERVICE_UNAVAILABLE),
                reserved: None,
            }
        );
        let last = CallState { attempts: 4, ..GET };
        assert_eq!(
            decide(status(503), &last, &rules(&r), None, now(), 1.0),
            Step::Return(ReturnReason::AttemptsExhausted)
        );
    }

    #[test]
    fn connect_errors_retry_posts_timeouts_only_when_opted_in() {
        let r = RetryConfig::default();
        let p = rules(&r);
        let connect = Outcome::Failed(Some(RetryableFailure::Connect));
        let timeout = Outcome::Failed(Some(RetryableFailure::Timeout));
        let reset = Outcome::Failed(Some(RetryableFailure::Transport));
        assert!(matches!(
            decide(connect, &POST, &p, None, now(), 0.5),
            Step::Retry { .. }
        ));
        let final_ = Step::Return(ReturnReason::Final);
        assert_eq!(decide(timeout, &POST, &p, None, now(), 0.5), final_);
        assert_eq!(decide(reset, &POST, &p, None, now(), 0.5), final_);
        assert!(matches!(
            decide(timeout, &GET, &p, None, now(), 0.5),
            Step::Retry {
                reason: RetryableFailure::Timeout,
                ..
            }
        ));
        let opted = RetryConfig {
            retry_non_idempotent: true,
            ..RetryConfig::default()
        };
        assert!(matches!(
            decide(timeout, &POST, &rules(&opted), None, now(), 0.5),
            Step::Retry { .. }
        ));
        let stream = CallState {
            replayable: false,
            ..GET
        };
        assert_eq!(decide(connect, &stream, &p, None, now(), 0.5), final_);
    }

    #[test]
    fn a_short_budget_returns_exhausted_and_reserves_nothing() {
        let r = RetryConfig::default();
        let p = rules(&r);
        let b = Budget::new(4);
        assert_eq!(
            decide(status(500), &GET, &p, Some(&b), now(), 0.5),
            Step::Return(ReturnReason::BudgetExhausted)
        );
        assert_eq!(b.available(), 4, "nothing reserved");
        let b = Budget::new(9);
        let timeout = Outcome::Failed(Some(RetryableFailure::Timeout));
        assert_eq!(
            decide(timeout, &GET, &p, Some(&b), now(), 0.5),
            Step::Return(ReturnReason::BudgetExhausted),
            "a timeout costs 10"
        );
        assert_eq!(b.available(), 9);
        // The other reasons to return come first: no budget is touched.
        let last = CallState { attempts: 4, ..GET };
        assert_eq!(
            decide(status(500), &last, &p, Some(&b), now(), 0.5),
            Step::Return(ReturnReason::AttemptsExhausted)
        );
        assert_eq!(b.available(), 9);
    }

    #[test]
    fn a_retry_owns_exactly_its_cost_and_dropping_it_gives_it_back() {
        let r = RetryConfig::default();
        let p = rules(&r);
        let b = Budget::new(12);
        let step = decide(status(500), &GET, &p, Some(&b), now(), 1.0);
        assert_eq!(reserved(&step), Some(RETRY_COST));
        assert_eq!(b.available(), 12 - RETRY_COST, "taken by the decision");
        drop(step);
        assert_eq!(b.available(), 12, "an unsent retry costs nothing");

        let timeout = Outcome::Failed(Some(RetryableFailure::Timeout));
        let step = decide(timeout, &GET, &p, Some(&b), now(), 1.0);
        assert_eq!(reserved(&step), Some(TIMEOUT_COST));
        assert_eq!(b.available(), 2);
        // Only 2 left: a second call's retry is refused meanwhile.
        assert_eq!(
            decide(status(502), &GET, &p, Some(&b), now(), 1.0),
            Step::Return(ReturnReason::BudgetExhausted)
        );
        let Step::Retry {
            reserved: Some(reservation),
            ..
        } = step
        else {
            panic!("{step:?}")
        };
        reservation.commit();
        assert_eq!(b.available(), 2, "a sent retry stays spent");
    }

    #[test]
    fn advancing_past_a_retry_counts_the_attempt_and_its_tokens() {
        let r = RetryConfig::default();
        let p = rules(&r);
        let b = Budget::new(20);
        let mut call = GET;
        let step = decide(status(503), &call, &p, Some(&b), now(), 0.5);
        call.advance(&step);
        assert_eq!((call.attempts, call.spent), (2, RETRY_COST));
        assert_eq!((call.rate_limited, call.rate_waited), (0, Duration::ZERO));
        drop(step);
        let unbudgeted = decide(status(503), &call, &p, None, now(), 0.5);
        call.advance(&unbudgeted);
        assert_eq!((call.attempts, call.spent), (3, RETRY_COST));
        let done = decide(status(200), &call, &p, Some(&b), now(), 0.5);
        let before = call;
        call.advance(&done);
        assert_eq!(call, before, "returning changes nothing");
    }

    #[test]
    fn a_success_refunds_what_its_retries_spent_or_earns_the_reward() {
        let b = Budget::new(20);
        let r = b.try_reserve(TIMEOUT_COST).unwrap();
        r.commit();
        assert_eq!(b.available(), 10);
        b.settle_success(TIMEOUT_COST);
        assert_eq!(b.available(), 20, "refunded");
        b.settle_success(0);
        assert_eq!(b.available(), 20, "never above the capacity");
        b.try_reserve(RETRY_COST).unwrap().commit();
        b.settle_success(0);
        assert_eq!(b.available(), 16, "the reward");
        b.refund(100);
        assert_eq!(b.available(), 20, "capped");
        assert_eq!(b.try_reserve(21), None);
        assert_eq!(b.try_reserve(0).map(|r| r.tokens()), Some(0));
        assert_eq!(b.available(), 20);
    }

    #[test]
    fn concurrent_decisions_never_over_reserve() {
        let r = RetryConfig::default();
        let p = rules(&r);
        let b = Budget::new(103);
        let granted = AtomicU32::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..20 {
                        match decide(status(503), &GET, &p, Some(&b), now(), 0.5) {
                            Step::Retry {
                                reserved: Some(reservation),
                                ..
                            } => {
                                granted.fetch_add(reservation.tokens(), Ordering::Relaxed);
                                reservation.commit();
                            }
                            Step::Return(ReturnReason::BudgetExhausted) => {}
                            other => panic!("{other:?}"),
                        }
                    }
                });
            }
        });
        assert_eq!(granted.into_inner(), 100, "20 retries of 5, no more");
        assert_eq!(b.available(), 3);
    }

    #[test]
    fn concurrent_reservations_and_refunds_keep_the_level_in_bounds() {
        let b = Budget::new(50);
        std::thread::scope(|s| {
            for cost in 1..=6 {
                let b = &b;
                s.spawn(move || {
                    for _ in 0..500 {
                        let held = b.try_reserve(cost);
                        assert!(b.available() <= 50);
                        drop(held);
                    }
                });
            }
        });
        assert_eq!(b.available(), 50, "every dropped reservation came back");
    }

    #[test]
    fn a_429_with_a_reset_or_retry_after_waits_until_then_plus_jitter() {
        let r = RetryConfig::default();
        let p = rules(&r);
        assert_eq!(
            decide(limited(Some(7)), &POST, &p, None, now(), 0.0),
            Step::WaitOut {
                wait: Duration::from_secs(7),
                exhausted_until: Some(now() + Duration::from_secs(7)),
            },
            "refused, not processed: a POST waits too"
        );
        assert_eq!(
            decide(limited(Some(7)), &GET, &p, None, now(), 1.0),
            Step::WaitOut {
                wait: Duration::from_millis(7250),
                exhausted_until: Some(now() + Duration::from_millis(7250)),
            }
        );
        let single = RetryConfig::disabled();
        assert!(
            matches!(
                decide(limited(Some(1)), &GET, &rules(&single), None, now(), 0.0),
                Step::WaitOut { .. }
            ),
            "waited out even with retries disabled"
        );
        // A 429 costs nothing: it is waited out even with an empty budget.
        let empty = Budget::new(0);
        assert!(matches!(
            decide(limited(Some(3)), &GET, &p, Some(&empty), now(), 0.5),
            Step::WaitOut { .. }
        ));
    }

    #[test]
    fn a_headerless_429_is_the_same_step_with_a_growing_jittered_backoff() {
        let r = RetryConfig::default();
        let p = rules(&r);
        let b = Budget::new(500);
        let mut call = GET;
        let mut waits = Vec::new();
        for _ in 0..4 {
            let step = decide(limited(None), &call, &p, Some(&b), now(), 1.0);
            let Step::WaitOut {
                wait,
                exhausted_until: None,
            } = step
            else {
                panic!("{step:?}")
            };
            waits.push(wait);
            call.advance(&step);
        }
        assert_eq!(
            waits,
            [200, 400, 800, 1600].map(Duration::from_millis),
            "grows like any backoff"
        );
        assert_eq!(call.attempts, 1, "429s are not counted as attempts");
        assert_eq!((call.rate_limited, call.spent), (4, 0));
        assert_eq!(call.rate_waited, Duration::from_millis(3000));
        assert_eq!(b.available(), 500, "429s cost no budget");
        let a = decide(limited(None), &GET, &p, None, now(), 0.1);
        let b = decide(limited(None), &GET, &p, None, now(), 0.9);
        assert_ne!(a, b, "jittered: tasks do not retry in lockstep");
    }

    #[test]
    fn advancing_past_a_429_counts_its_wait_whatever_its_headers() {
        let r = RetryConfig::default();
        let p = rules(&r);
        for server_wait in [Some(3), None] {
            let mut call = GET;
            let step = decide(limited(server_wait), &call, &p, None, now(), 1.0);
            let Step::WaitOut { wait, .. } = step else {
                panic!("{step:?}")
            };
            call.advance(&step);
            assert_eq!(
                call,
                CallState {
                    rate_limited: 1,
                    rate_waited: wait,
                    ..GET
                }
            );
        }
    }

    fn with_max_wait(r: &RetryConfig, secs: u64) -> RetryRules<'_> {
        let mut p = rules(r);
        p.limits.max_wait = Duration::from_secs(secs);
        p
    }

    #[test]
    fn max_wait_ends_the_call_and_the_429_limit_surfaces_the_429() {
        let r = RetryConfig::default();
        let p = with_max_wait(&r, 30);
        let out = |wait: u64| {
            Step::Return(ReturnReason::OutOfTime {
                limit: TimeLimit::RateLimitWait(Duration::from_secs(30)),
                phase: Phase::RateLimited,
                wait: Some(Duration::from_secs(wait)),
            })
        };
        assert_eq!(
            decide(limited(Some(120)), &GET, &p, None, now(), 0.0),
            out(120)
        );
        let waited = CallState {
            rate_limited: 2,
            rate_waited: Duration::from_secs(25),
            ..GET
        };
        assert_eq!(
            decide(limited(Some(6)), &waited, &p, None, now(), 0.0),
            out(6)
        );
        assert!(matches!(
            decide(limited(Some(5)), &waited, &p, None, now(), 0.0),
            Step::WaitOut { .. }
        ));
        let many = CallState {
            rate_limited: MAX_RATE_LIMITED_RETRIES,
            ..GET
        };
        assert_eq!(
            decide(limited(Some(1)), &many, &p, None, now(), 0.0),
            Step::Return(ReturnReason::RateLimitWaitExhausted)
        );
    }

    #[test]
    fn no_wait_crosses_the_deadline_and_a_timeout_at_it_says_so() {
        let r = RetryConfig::default();
        let mut p = rules(&r);
        let deadline = Deadline {
            limit: Duration::from_secs(2),
            at: now() + Duration::from_secs(2),
        };
        p.limits.deadline = Some(deadline);
        let call = |phase, wait: Option<u64>| {
            Step::Return(ReturnReason::OutOfTime {
                limit: TimeLimit::Call(Duration::from_secs(2)),
                phase,
                wait: wait.map(Duration::from_secs),
            })
        };
        // A 429 whose reset is 7 s away: out of time now, not in 7 s.
        assert_eq!(
            decide(limited(Some(7)), &GET, &p, None, now(), 0.0),
            call(Phase::RateLimited, Some(7))
        );
        assert!(matches!(
            decide(limited(Some(1)), &GET, &p, None, now(), 0.0),
            Step::WaitOut { .. }
        ));
        // A backoff that would end at or after the deadline.
        let late = now() + Duration::from_millis(1_900);
        let step = decide(status(503), &GET, &p, None, late, 1.0);
        assert!(
            matches!(
                step,
                Step::Return(ReturnReason::OutOfTime {
                    limit: TimeLimit::Call(_),
                    phase: Phase::Backoff,
                    ..
                })
            ),
            "{step:?}"
        );
        assert!(matches!(
            decide(status(503), &GET, &p, None, now(), 1.0),
            Step::Retry { .. }
        ));
        // The attempt timed out because its timeout was what was left.
        let timeout = Outcome::Failed(Some(RetryableFailure::Timeout));
        assert_eq!(
            decide(timeout, &POST, &p, None, deadline.at, 0.5),
            call(Phase::Sending, None),
            "even a POST, which is not retried, reports the deadline"
        );
        // A final answer after the deadline is still that answer.
        assert_eq!(
            decide(status(404), &GET, &p, None, deadline.at, 0.5),
            Step::Return(ReturnReason::Final)
        );
        // The attempt's timeout is cut to what is left.
        let l = p.limits;
        let secs = |s| Some(Duration::from_secs(s));
        assert_eq!(l.attempt_timeout(secs(60), now()), secs(2));
        assert_eq!(l.attempt_timeout(secs(1), now()), secs(1));
        assert_eq!(l.attempt_timeout(None, now()), secs(2));
        assert_eq!(l.attempt_timeout(secs(1), deadline.at), secs(0));
        let unbounded = Limits {
            deadline: None,
            ..l
        };
        assert_eq!(unbounded.attempt_timeout(None, now()), None);
    }

    fn any_outcome() -> impl Strategy<Value = Outcome> {
        prop_oneof![
            (100u16..600, proptest::option::of(0u64..200)).prop_map(|(code, wait)| {
                Outcome::Response {
                    status: StatusCode::from_u16(code).unwrap(),
                    server_wait: wait.map(Duration::from_secs),
                }
            }),
            prop_oneof![
                Just(None),
                Just(Some(RetryableFailure::Connect)),
                Just(Some(RetryableFailure::Timeout)),
                Just(Some(RetryableFailure::Transport)),
            ]
            .prop_map(Outcome::Failed),
        ]
    }

    fn any_call() -> impl Strategy<Value = CallState> {
        (
            1u32..8,
            0u32..10,
            0u64..90,
            0u32..40,
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |(attempts, rate_limited, waited, spent, idempotent, replayable)| CallState {
                    attempts,
                    rate_limited,
                    rate_waited: Duration::from_secs(waited),
                    spent,
                    idempotent,
                    replayable,
                },
            )
    }

    proptest! {
        #[test]
        fn decisions_obey_the_rules(
            outcome in any_outcome(),
            call in any_call(),
            max_attempts in 1u32..6,
            opted in any::<bool>(),
            level in proptest::option::of(0u32..20),
            max_wait in 0u64..120,
            deadline in proptest::option::of(0u64..60),
            draw in 0.0f64..=1.0,
        ) {
            let retry = RetryConfig { max_attempts, retry_non_idempotent: opted, ..RetryConfig::default() };
            let mut p = with_max_wait(&retry, max_wait);
            p.limits.deadline = deadline.map(|secs| Deadline { limit: Duration::from_secs(secs), at: now() + Duration::from_secs(secs) });
            // No wait the call goes on with reaches the deadline.
            let before_deadline = |wait: Duration| p.limits.deadline.is_none_or(|d| now() + wait < d.at);
            let budget = level.map(Budget::new);
            let step = decide(outcome, &call, &p, budget.as_ref(), now(), draw);
            let failure = outcome.failure();
            let mut next = call;
            next.advance(&step);
            let level_now = budget.as_ref().map(Budget::available);
            let Step::Return(reason) = &step else {
                // Whatever is retried is a retryable failure of a replayable request.
                let failure = failure.expect("only failures are retried");
                prop_assert!(call.replayable);
                // A request that may have been processed is repeated only
                // when idempotent or opted in.
                if matches!(failure, RetryableFailure::Timeout | RetryableFailure::Transport | RetryableFailure::Status(_)) {
                    prop_assert!(call.idempotent || opted);
                }
                match &step {
                    Step::Return(_) => unreachable!(),
                    Step::WaitOut { wait, exhausted_until } => {
                        // Every 429, and only 429s, are waited out: bounded in
                        // number and in total wait, free of budget.
                        prop_assert_eq!(failure, RetryableFailure::RateLimited);
                        prop_assert!(call.rate_limited < MAX_RATE_LIMITED_RETRIES);
                        prop_assert!(next.rate_waited <= p.limits.max_wait);
                        prop_assert!(before_deadline(*wait));
                        prop_assert_eq!(next.rate_limited, call.rate_limited + 1);
                        prop_assert_eq!((next.attempts, next.spent), (call.attempts, call.spent));
                        prop_assert_eq!(level_now, level);
                        match outcome {
                            Outcome::Response { server_wait: Some(w), .. } => {
                                prop_assert_eq!(*exhausted_until, Some(now() + *wait));
                                prop_assert!(*wait >= w && *wait <= w + p.jitter);
                            }
                            _ => {
                                prop_assert_eq!(*exhausted_until, None);
                                prop_assert!(*wait <= retry.max_backoff);
                            }
                        }
                    }
                    Step::Retry { after, reason, reserved } => {
                        prop_assert_eq!(*reason, failure);
                        prop_assert_ne!(failure, RetryableFailure::RateLimited);
                        prop_assert!(*after <= retry.max_backoff);
                        prop_assert!(before_deadline(*after));
                        prop_assert!(call.attempts < max_attempts);
                        prop_assert_eq!(next.attempts, call.attempts + 1);
                        // Exactly the cost is reserved, once, from the budget.
                        let cost = failure.cost();
                        prop_assert_eq!(reserved.as_ref().map(BudgetReservation::tokens), level.map(|_| cost));
                        prop_assert_eq!(level_now, level.map(|l| l - cost));
                        prop_assert_eq!(next.spent, call.spent + level.map_or(0, |_| cost));
                    }
                }
                drop(step);
                prop_assert_eq!(budget.as_ref().map(Budget::available), level, "dropped: given back");
                return Ok(());
            };
            // Returning reserves nothing and changes nothing.
            prop_assert_eq!(level_now, level);
            prop_assert_eq!(next, call);
            match *reason {
                ReturnReason::BudgetExhausted => {
                    prop_assert!(level.is_some_and(|l| l < failure.map_or(0, RetryableFailure::cost)));
                }
                ReturnReason::OutOfTime { limit: TimeLimit::Call(limit), wait, .. } => {
                    prop_assert_eq!(Some(limit.as_secs()), deadline);
                    prop_assert!(!before_deadline(wait.unwrap_or_default()));
                }
                ReturnReason::OutOfTime { limit: TimeLimit::RateLimitWait(_), wait, .. } => {
                    prop_assert_eq!(failure, Some(RetryableFailure::RateLimited));
                    prop_assert!(call.rate_waited + wait.unwrap_or_default() > p.limits.max_wait);
                }
                _ => {}
            }
        }

        #[test]
        fn decisions_are_deterministic(outcome in any_outcome(), call in any_call(), level in proptest::option::of(0u32..20), draw in 0.0f64..=1.0) {
            let retry = RetryConfig::default();
            let p = rules(&retry);
            let budget = level.map(Budget::new);
            let first = decide(outcome, &call, &p, budget.as_ref(), now(), draw);
            let first_debug = format!("{first:?}");
            drop(first);
            // Dropped, the first step gave its tokens back: the same level
            // gives the same step.
            let second = decide(outcome, &call, &p, budget.as_ref(), now(), draw);
            prop_assert_eq!(first_debug, format!("{second:?}"));
        }

        #[test]
        fn a_retry_that_would_fit_is_not_refused(code in prop_oneof![Just(500u16), Just(502), Just(503), Just(504)], draw in 0.0f64..=1.0) {
            let retry = RetryConfig::default();
            let budget = Budget::new(RETRY_COST);
            let step = decide(status(code), &GET, &rules(&retry), Some(&budget), now(), draw);
            prop_assert_eq!(reserved(&step), Some(RETRY_COST), "{:?}", step);
            prop_assert_eq!(budget.available(), 0);
        }
    }
}
