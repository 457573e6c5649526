//! Which failures are retried, how long to back off, the retry budget that
//! keeps an outage from multiplying traffic (smithy-rs "standard" mode), and
//! [`decide`]: the one pure function that turns an attempt's outcome into the
//! runtime's next step.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

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

/// Why an attempt failed, as far as retrying is concerned. The one
/// classifier: the runtime's decisions and [`Error::is_retryable`](crate::Error::is_retryable)
/// both use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// 429: the server refused the request without processing it.
    RateLimited,
    /// The connection was never established: the server saw nothing.
    Connect,
    /// The attempt timed out.
    Timeout,
    /// Another transport error after the request may have been sent
    /// (a reset connection, a truncated body).
    Transport,
    /// A retryable status (500, 502, 503, 504).
    Status(StatusCode),
}

impl Failure {
    /// Classifies a response status; `None` when it is not worth retrying.
    pub(crate) fn of_status(status: StatusCode) -> Option<Self> {
        match status.as_u16() {
            429 => Some(Self::RateLimited),
            500 | 502 | 503 | 504 => Some(Self::Status(status)),
            _ => None,
        }
    }

    /// Classifies a transport error; `None` when it is not worth retrying.
    pub(crate) fn of_error(e: &reqwest::Error) -> Option<Self> {
        if e.is_connect() {
            Some(Self::Connect)
        } else if e.is_timeout() {
            Some(Self::Timeout)
        } else if e.is_request() || e.is_body() || e.is_decode() {
            // `is_decode` from reqwest (not serde): the body broke off while
            // being read, e.g. shorter than its `Content-Length`.
            Some(Self::Transport)
        } else {
            None
        }
    }

    /// Whether a request with this idempotency may be repeated after it.
    pub(crate) fn allows_retry(self, idempotent: bool, config: &RetryConfig) -> bool {
        matches!(self, Self::Connect | Self::RateLimited)
            || idempotent
            || config.retry_non_idempotent
    }

    /// Budget tokens a retry after this failure costs.
    pub(crate) fn cost(self) -> u32 {
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
    Failed(Option<Failure>),
}

impl Outcome {
    fn failure(self) -> Option<Failure> {
        match self {
            Outcome::Response { status, .. } => Failure::of_status(status),
            Outcome::Failed(f) => f,
        }
    }
}

/// Everything about one call the decision depends on. Advanced only by
/// [`CallState::advance`], so the loop never does arithmetic of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallState {
    /// Attempts counted against `max_attempts` (429s are not counted: the
    /// request was refused, not processed).
    pub(crate) attempts: u32,
    /// 429s waited out so far.
    pub(crate) rate_limited: u32,
    /// Total time spent waiting out 429s.
    pub(crate) rate_waited: Duration,
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
            idempotent,
            replayable,
        }
    }

    /// The state after carrying out `step` (decided at `now`).
    pub(crate) fn advance(&mut self, step: Step, now: SystemTime) {
        match step {
            Step::Return => {}
            Step::Retry {
                after,
                failure: Failure::RateLimited,
            } => {
                self.rate_limited += 1;
                self.rate_waited += after;
            }
            Step::Retry { .. } => self.attempts += 1,
            Step::WaitUntil(until) => {
                self.rate_limited += 1;
                self.rate_waited += until.duration_since(now).unwrap_or_default();
            }
        }
    }
}

/// The policy a decision applies: the client's configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy<'a> {
    pub(crate) retry: &'a RetryConfig,
    /// Longest a call may wait out 429s in total.
    pub(crate) max_wait: Duration,
    /// Bound of the random delay added to a server-given wait.
    pub(crate) jitter: Duration,
}

/// The runtime's next step after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Hand the result (success or final error) to the caller.
    Return,
    /// Send the request again after `after`; the retry costs `failure.cost()`
    /// budget tokens.
    Retry {
        /// The backoff.
        after: Duration,
        /// What the retry recovers from.
        failure: Failure,
    },
    /// The server rate-limited the client until this time (plus jitter):
    /// nobody sends before it, then this call tries again.
    WaitUntil(SystemTime),
}

/// Decides what follows an attempt. Pure: the same arguments give the same
/// step. `budget` is the retry budget's level (`None`: no budget); `draw` is
/// a uniform random number in `[0, 1]` for the jitter.
pub(crate) fn decide(
    outcome: Outcome,
    call: &CallState,
    policy: &Policy<'_>,
    budget: Option<u32>,
    now: SystemTime,
    draw: f64,
) -> Step {
    let Some(failure) = outcome.failure() else {
        return Step::Return;
    };
    if !call.replayable || !failure.allows_retry(call.idempotent, policy.retry) {
        return Step::Return;
    }
    if failure == Failure::RateLimited {
        if call.rate_limited >= MAX_RATE_LIMITED_RETRIES {
            return Step::Return;
        }
        let server_wait = match outcome {
            Outcome::Response { server_wait, .. } => server_wait,
            Outcome::Failed(_) => None,
        };
        // A server-given wait is jittered so paced tasks do not fire
        // together; without one, back off as for any other retry.
        let wait = match server_wait {
            Some(w) => w.saturating_add(jitter(policy.jitter, draw)),
            None => policy.retry.backoff(call.rate_limited + 1, draw),
        };
        if call.rate_waited.saturating_add(wait) > policy.max_wait {
            return Step::Return;
        }
        return match server_wait {
            Some(_) => Step::WaitUntil(now + wait),
            None => Step::Retry {
                after: wait,
                failure,
            },
        };
    }
    if call.attempts >= policy.retry.max_attempts {
        return Step::Return;
    }
    if budget.is_some_and(|tokens| tokens < failure.cost()) {
        return Step::Return;
    }
    Step::Retry {
        after: policy.retry.backoff(call.attempts, draw),
        failure,
    }
}

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

    pub(crate) fn capacity(&self) -> u32 {
        self.capacity
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, u32> {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes `cost` tokens; `false` (taking nothing) when fewer are left.
    fn withdraw(&self, cost: u32) -> bool {
        let mut t = self.tokens();
        let ok = *t >= cost;
        if ok {
            *t -= cost;
        }
        ok
    }

    /// Puts `tokens` back (never above the capacity).
    fn refund(&self, tokens: u32) {
        let mut t = self.tokens();
        *t = t.saturating_add(tokens).min(self.capacity);
    }

    pub(crate) fn available(&self) -> u32 {
        *self.tokens()
    }
}

/// One call's dealings with the budget, released on drop: tokens reserved
/// for a retry that was never sent (the call was cancelled during its
/// backoff) go back; tokens of retries that were sent stay spent, as for a
/// call that failed. A success refunds what the call spent, or earns a reward.
#[derive(Debug)]
pub(crate) struct Spend<'a> {
    budget: Option<&'a Budget>,
    reserved: u32,
    spent: u32,
}

impl<'a> Spend<'a> {
    pub(crate) fn new(budget: Option<&'a Budget>) -> Self {
        Self {
            budget,
            reserved: 0,
            spent: 0,
        }
    }

    /// The budget's level (`None` when there is no budget).
    pub(crate) fn available(&self) -> Option<u32> {
        self.budget.map(Budget::available)
    }

    /// Reserves the cost of a retry; `false` when the budget cannot pay it.
    pub(crate) fn reserve(&mut self, cost: u32) -> bool {
        match self.budget {
            Some(b) if cost > 0 => {
                let ok = b.withdraw(cost);
                if ok {
                    self.reserved += cost;
                }
                ok
            }
            _ => true,
        }
    }

    /// The retry the reservation paid for is being sent.
    pub(crate) fn commit(&mut self) {
        self.spent += std::mem::take(&mut self.reserved);
    }

    /// The call succeeded: refund its retries, or earn the reward.
    pub(crate) fn succeeded(mut self) {
        if let Some(b) = self.budget {
            let spent = std::mem::take(&mut self.spent) + std::mem::take(&mut self.reserved);
            b.refund(if spent == 0 { SUCCESS_REWARD } else { spent });
        }
    }
}

impl Drop for Spend<'_> {
    fn drop(&mut self) {
        if let (Some(b), reserved @ 1..) = (self.budget, self.reserved) {
            b.refund(reserved);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::UNIX_EPOCH;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn policy(retry: &RetryConfig) -> Policy<'_> {
        Policy {
            retry,
            max_wait: Duration::from_secs(60),
            jitter: Duration::from_millis(250),
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

    const GET: CallState = CallState {
        attempts: 1,
        rate_limited: 0,
        rate_waited: Duration::ZERO,
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
        for code in [200, 201, 204, 400, 401, 404, 409, 422, 501] {
            assert_eq!(
                decide(status(code), &GET, &policy(&r), Some(500), now(), 0.5),
                Step::Return,
                "{code}"
            );
        }
        assert_eq!(
            decide(Outcome::Failed(None), &GET, &policy(&r), None, now(), 0.5),
            Step::Return
        );
    }

    #[test]
    fn server_errors_retry_idempotent_calls_with_growing_backoff() {
        let r = RetryConfig::default();
        for code in [500, 502, 503, 504] {
            let step = decide(status(code), &GET, &policy(&r), Some(500), now(), 1.0);
            assert_eq!(
                step,
                Step::Retry {
                    after: Duration::from_millis(200),
                    failure: Failure::Status(StatusCode::from_u16(code).unwrap())
                }
            );
            assert_eq!(
                decide(status(code), &POST, &policy(&r), Some(500), now(), 1.0),
                Step::Return,
                "a POST that reached the server is not repeated"
            );
        }
        let third = CallState { attempts: 3, ..GET };
        assert_eq!(
            decide(status(503), &third, &policy(&r), None, now(), 1.0),
            Step::Retry {
                after: Duration::from_millis(800),
                failure: Failure::Status(StatusCode::SERVICE_UNAVAILABLE)
            }
        );
        let last = CallState { attempts: 4, ..GET };
        assert_eq!(
            decide(status(503), &last, &policy(&r), None, now(), 1.0),
            Step::Return,
            "max_attempts reached"
        );
    }

    #[test]
    fn connect_errors_retry_posts_timeouts_only_when_opted_in() {
        let r = RetryConfig::default();
        let p = policy(&r);
        let connect = Outcome::Failed(Some(Failure::Connect));
        let timeout = Outcome::Failed(Some(Failure::Timeout));
        let reset = Outcome::Failed(Some(Failure::Transport));
        assert!(matches!(
            decide(connect, &POST, &p, None, now(), 0.5),
            Step::Retry { .. }
        ));
        assert_eq!(decide(timeout, &POST, &p, None, now(), 0.5), Step::Return);
        assert_eq!(decide(reset, &POST, &p, None, now(), 0.5), Step::Return);
        assert!(matches!(
            decide(timeout, &GET, &p, None, now(), 0.5),
            Step::Retry {
                failure: Failure::Timeout,
                ..
            }
        ));
        let opted = RetryConfig {
            retry_non_idempotent: true,
            ..RetryConfig::default()
        };
        assert!(matches!(
            decide(timeout, &POST, &policy(&opted), None, now(), 0.5),
            Step::Retry { .. }
        ));
        let stream = CallState {
            replayable: false,
            ..GET
        };
        assert_eq!(decide(connect, &stream, &p, None, now(), 0.5), Step::Return);
    }

    #[test]
    fn an_exhausted_budget_returns() {
        let r = RetryConfig::default();
        let p = policy(&r);
        assert_eq!(
            decide(status(500), &GET, &p, Some(4), now(), 0.5),
            Step::Return
        );
        assert!(matches!(
            decide(status(500), &GET, &p, Some(5), now(), 0.5),
            Step::Retry { .. }
        ));
        let timeout = Outcome::Failed(Some(Failure::Timeout));
        assert_eq!(decide(timeout, &GET, &p, Some(9), now(), 0.5), Step::Return);
        // A 429 costs nothing: it is waited out even with an empty budget.
        assert!(matches!(
            decide(limited(Some(3)), &GET, &p, Some(0), now(), 0.5),
            Step::WaitUntil(_)
        ));
    }

    #[test]
    fn a_429_with_a_reset_or_retry_after_waits_until_then_plus_jitter() {
        let r = RetryConfig::default();
        let p = policy(&r);
        assert_eq!(
            decide(limited(Some(7)), &POST, &p, None, now(), 0.0),
            Step::WaitUntil(now() + Duration::from_secs(7)),
            "refused, not processed: a POST waits too"
        );
        assert_eq!(
            decide(limited(Some(7)), &GET, &p, None, now(), 1.0),
            Step::WaitUntil(now() + Duration::from_millis(7250))
        );
        let single = RetryConfig::disabled();
        assert!(
            matches!(
                decide(limited(Some(1)), &GET, &policy(&single), None, now(), 0.0),
                Step::WaitUntil(_)
            ),
            "waited out even with retries disabled"
        );
    }

    #[test]
    fn a_headerless_429_backs_off_growing_and_jittered() {
        let r = RetryConfig::default();
        let p = policy(&r);
        let mut call = GET;
        let mut bounds = Vec::new();
        for _ in 0..4 {
            let step = decide(limited(None), &call, &p, None, now(), 1.0);
            let Step::Retry { after, failure } = step else {
                panic!("{step:?}")
            };
            assert_eq!(failure, Failure::RateLimited);
            bounds.push(after);
            call.advance(step, now());
        }
        assert_eq!(
            bounds,
            [200, 400, 800, 1600].map(Duration::from_millis),
            "grows like any backoff"
        );
        assert_eq!(call.attempts, 1, "429s are not counted as attempts");
        let a = decide(limited(None), &GET, &p, None, now(), 0.1);
        let b = decide(limited(None), &GET, &p, None, now(), 0.9);
        assert_ne!(a, b, "jittered: tasks do not retry in lockstep");
    }

    #[test]
    fn max_wait_and_the_429_limit_surface_the_429() {
        let r = RetryConfig::default();
        let p = Policy {
            max_wait: Duration::from_secs(30),
            ..policy(&r)
        };
        assert_eq!(
            decide(limited(Some(120)), &GET, &p, None, now(), 0.0),
            Step::Return
        );
        let waited = CallState {
            rate_limited: 2,
            rate_waited: Duration::from_secs(25),
            ..GET
        };
        assert_eq!(
            decide(limited(Some(6)), &waited, &p, None, now(), 0.0),
            Step::Return
        );
        assert!(matches!(
            decide(limited(Some(5)), &waited, &p, None, now(), 0.0),
            Step::WaitUntil(_)
        ));
        let many = CallState {
            rate_limited: MAX_RATE_LIMITED_RETRIES,
            ..GET
        };
        assert_eq!(
            decide(limited(Some(1)), &many, &p, None, now(), 0.0),
            Step::Return
        );
    }

    #[test]
    fn spend_refunds_unsent_reservations_on_drop_and_successes() {
        let b = Budget::new(12);
        let mut s = Spend::new(Some(&b));
        assert!(s.reserve(5));
        assert_eq!(b.available(), 7);
        drop(s);
        assert_eq!(b.available(), 12, "cancelled before the retry was sent");

        let mut s = Spend::new(Some(&b));
        assert!(s.reserve(10));
        assert!(!s.reserve(5), "2 left");
        s.commit();
        drop(s);
        assert_eq!(
            b.available(),
            2,
            "a sent retry of a failed call stays spent"
        );

        let mut s = Spend::new(Some(&b));
        assert!(s.reserve(0));
        s.commit();
        s.succeeded();
        assert_eq!(b.available(), 3, "reward");
        let mut s = Spend::new(Some(&b));
        assert!(s.reserve(TIMEOUT_COST.min(3)));
        s.commit();
        s.succeeded();
        assert_eq!(b.available(), 3, "refunded");
        b.refund(100);
        assert_eq!(b.available(), 12, "capped");
        assert!(Spend::new(None).reserve(1_000));
    }

    #[test]
    fn the_classifier_lists_the_retryable_statuses() {
        for code in 100..600u16 {
            let s = StatusCode::from_u16(code).unwrap();
            assert_eq!(
                Failure::of_status(s).is_some(),
                matches!(code, 429 | 500 | 502 | 503 | 504),
                "{code}"
            );
        }
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
                Just(Some(Failure::Connect)),
                Just(Some(Failure::Timeout)),
                Just(Some(Failure::Transport)),
            ]
            .prop_map(Outcome::Failed),
        ]
    }

    fn any_call() -> impl Strategy<Value = CallState> {
        (1u32..8, 0u32..10, 0u64..90, any::<bool>(), any::<bool>()).prop_map(
            |(attempts, rate_limited, waited, idempotent, replayable)| CallState {
                attempts,
                rate_limited,
                rate_waited: Duration::from_secs(waited),
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
            budget in proptest::option::of(0u32..20),
            max_wait in 0u64..120,
            draw in 0.0f64..=1.0,
        ) {
            let retry = RetryConfig { max_attempts, retry_non_idempotent: opted, ..RetryConfig::default() };
            let p = Policy { retry: &retry, max_wait: Duration::from_secs(max_wait), jitter: Duration::from_millis(250) };
            let step = decide(outcome, &call, &p, budget, now(), draw);
            let failure = outcome.failure();
            if step == Step::Return {
                return Ok(());
            }
            // Whatever is retried is a retryable failure of a replayable request.
            let failure = failure.expect("only failures are retried");
            prop_assert!(call.replayable);
            // A request that may have been processed is repeated only when
            // idempotent or opted in.
            if matches!(failure, Failure::Timeout | Failure::Transport | Failure::Status(_)) {
                prop_assert!(call.idempotent || opted);
            }
            let mut next = call;
            next.advance(step, now());
            match step {
                Step::Return => unreachable!(),
                Step::WaitUntil(until) => {
                    prop_assert_eq!(failure, Failure::RateLimited);
                    let Outcome::Response { server_wait: Some(w), .. } = outcome else {
                        return Err(TestCaseError::fail("waits until a time only when the server named one"));
                    };
                    let wait = until.duration_since(now()).unwrap();
                    prop_assert!(wait >= w && wait <= w + p.jitter);
                }
                Step::Retry { after, failure: f } => {
                    prop_assert_eq!(f, failure);
                    prop_assert!(after <= retry.max_backoff);
                    if f == Failure::RateLimited {
                        prop_assert_eq!(next.attempts, call.attempts);
                    } else {
                        // Budget and attempts are respected.
                        prop_assert!(call.attempts < max_attempts);
                        prop_assert!(budget.is_none_or(|b| b >= f.cost()));
                        prop_assert_eq!(next.attempts, call.attempts + 1);
                    }
                }
            }
            if failure == Failure::RateLimited {
                // 429s: bounded in number and in total wait.
                prop_assert!(call.rate_limited < MAX_RATE_LIMITED_RETRIES);
                prop_assert!(next.rate_waited <= p.max_wait);
                prop_assert_eq!(next.rate_limited, call.rate_limited + 1);
            }
        }

        #[test]
        fn decisions_are_pure(outcome in any_outcome(), call in any_call(), budget in proptest::option::of(0u32..20), draw in 0.0f64..=1.0) {
            let retry = RetryConfig::default();
            let p = policy(&retry);
            prop_assert_eq!(decide(outcome, &call, &p, budget, now(), draw), decide(outcome, &call, &p, budget, now(), draw));
        }

        #[test]
        fn a_retry_that_would_fit_is_not_refused(code in prop_oneof![Just(500u16), Just(502), Just(503), Just(504)], draw in 0.0f64..=1.0) {
            let retry = RetryConfig::default();
            let step = decide(status(code), &GET, &policy(&retry), Some(5), now(), draw);
            prop_assert!(matches!(step, Step::Retry { .. }), "{:?}", step);
        }
    }
}
