//! Intercom's rate-limit contract: limits are counted in 10-second windows
//! and reported in `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (a UNIX timestamp); 429 when exceeded.
//!
//! The [`Limiter`] is shared by every clone and task of one client. It paces
//! proactively — when the remaining budget of the window is spent, requests
//! wait until the reset — and learns from every response's headers.
//!
//! Every wait is bounded. The reset is a timestamp of Intercom's clock, read
//! against the response's `Date` (see
//! [`until_reset`](intercom_client_core::rate_limit::until_reset)), so a
//! local clock that is off does not stretch it; and a reset further ahead
//! than one window, which the contract does not allow, is read as one
//! window. A pacing wait counts against the call's
//! [`Limits`](crate::retry::Limits) like a 429's does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use intercom_client_core::rate_limit::{skew_secs, until_reset};
use intercom_client_core::{Phase, TimeLimit};
use reqwest::header::HeaderMap;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::retry::{Limits, jitter};

/// Length of Intercom's rate-limit window.
pub const WINDOW: Duration = Duration::from_secs(10);

/// The rate-limit state Intercom reported: the headers' one parser lives in
/// `intercom-client-core`, shared with [`Error::rate_limit`](crate::Error::rate_limit).
pub use intercom_client_core::rate_limit::RateLimit;

/// How the client paces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Pace by the rate-limit headers (default `true`). When `false`, only
    /// the caller's ceiling (if any) and the reactive 429 handling apply.
    pub proactive: bool,
    /// Our own ceiling: at most this many requests per 10-second window,
    /// below whatever Intercom permits.
    pub ceiling: Option<u32>,
    /// Longest a single call may wait for the rate limit, in total: pacing
    /// before sending, and waiting out 429s (resets, `Retry-After` and the
    /// backoff after a 429 without either). A wait that would go beyond it
    /// ends the call with [`Error::OutOfTime`](crate::Error::OutOfTime)
    /// ([`TimeLimit::RateLimitWait`]). At most 8 consecutive 429s are
    /// waited out per call.
    pub max_wait: Duration,
    /// Upper bound of the random delay added after a reset, so paced tasks do
    /// not all fire at the same instant.
    pub jitter: Duration,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            proactive: true,
            ceiling: None,
            max_wait: Duration::from_secs(60),
            jitter: Duration::from_millis(250),
        }
    }
}

impl RateLimitConfig {
    /// No proactive pacing and no ceiling (429s are still retried).
    pub fn disabled() -> Self {
        Self {
            proactive: false,
            ..Self::default()
        }
    }
}

#[derive(Debug, Default)]
struct State {
    /// What the server last said, adjusted by our own reservations.
    known: Option<RateLimit>,
    /// Last values exactly as reported, for the user.
    last_seen: Option<RateLimit>,
    /// Requests sent and not yet answered.
    in_flight: u32,
    /// A first request is out to learn the limits; others wait for it.
    probing: bool,
    /// The server answered without rate-limit headers: nothing to pace by.
    headerless: bool,
    /// `known.reset` is our guess after a refill, not the server's word.
    assumed_reset: bool,
    /// Our own ceiling's window.
    ceiling_start: Option<SystemTime>,
    ceiling_count: u32,
}

/// Shared pacing state of one client.
#[derive(Debug)]
pub(crate) struct Limiter {
    config: RateLimitConfig,
    state: Mutex<State>,
    learned: Notify,
    /// The clock warnings were logged (each once per client).
    warned_skew: AtomicBool,
    warned_reset: AtomicBool,
}

/// Why [`Limiter::acquire`] gave up: the limit a wait would cross, what the
/// wait was for, and how long it would have been.
pub(crate) type Late = (TimeLimit, Phase, Option<Duration>);

/// Local clock differences from Intercom's (`Date`) beyond this are logged.
const SKEW_WARNING: f64 = 10.0;

/// What a response's clock headers call for, besides pacing: a warning that
/// the local clock is off, and one that the reset lies beyond one window.
/// `skew` is how far Intercom's clock is ahead (seconds), `ahead` the time to
/// the reset as read against it.
fn clock_warnings(skew: Option<f64>, ahead: Duration) -> (Option<f64>, Option<Duration>) {
    (
        skew.filter(|s| s.abs() > SKEW_WARNING),
        (ahead > WINDOW).then_some(ahead),
    )
}

/// A request's admission: one in-flight slot, and the probe when this
/// request is the one learning the limits. Released on drop, so a call
/// cancelled while its request is on the wire gives both back; [`complete`]
/// releases it with what the response taught.
///
/// [`complete`]: Permit::complete
#[derive(Debug)]
#[must_use]
pub(crate) struct Permit<'a> {
    limiter: &'a Limiter,
    probe: bool,
    released: bool,
}

impl Permit<'_> {
    /// Releases the permit with the response's headers (`None`: no
    /// response), received at `now`.
    pub(crate) fn complete(mut self, headers: Option<&HeaderMap>, now: SystemTime) {
        self.released = true;
        self.limiter.release(self.probe, headers, now);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.released {
            // Cancelled: nothing was learned; another request probes.
            self.limiter
                .release(self.probe, None, SystemTime::UNIX_EPOCH);
        }
    }
}

impl Limiter {
    pub(crate) fn new(config: RateLimitConfig) -> Arc<Self> {
        Arc::new(Self {
            config,
            state: Mutex::new(State::default()),
            learned: Notify::new(),
            warned_skew: AtomicBool::new(false),
            warned_reset: AtomicBool::new(false),
        })
    }

    pub(crate) fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// The rate-limit values Intercom last reported.
    pub(crate) fn last_seen(&self) -> Option<RateLimit> {
        self.lock().last_seen
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Requests in flight and whether a probe is out (for tests and checks).
    pub(crate) fn in_flight(&self) -> (u32, bool) {
        let s = self.lock();
        (s.in_flight, s.probing)
    }

    /// A permit at once, when the limits admit a request now (the common
    /// case); `None` when it would have to wait ([`acquire`](Self::acquire)).
    pub(crate) fn try_acquire(&self, now: SystemTime) -> Option<Permit<'_>> {
        let mut s = self.lock();
        match self.admit(&mut s, now) {
            Admit::Go { probe } => {
                s.in_flight += 1;
                Some(Permit {
                    limiter: self,
                    probe,
                    released: false,
                })
            }
            Admit::Wait(_) | Admit::AwaitProbe => None,
        }
    }

    /// Waits until a request may be sent; returns the permit and the time
    /// waited, or the limit a wait would cross (`rate_waited`: the call's
    /// rate-limit wait so far). Cancellation-safe: until it returns it holds
    /// nothing.
    pub(crate) async fn acquire(
        &self,
        clock: &dyn Clock,
        limits: &Limits,
        rate_waited: Duration,
    ) -> Result<(Permit<'_>, Duration), Late> {
        let mut waited = Duration::ZERO;
        loop {
            let learned = self.learned.notified();
            let now = clock.now();
            let wait = {
                let mut s = self.lock();
                match self.admit(&mut s, now) {
                    Admit::Go { probe } => {
                        s.in_flight += 1;
                        let permit = Permit {
                            limiter: self,
                            probe,
                            released: false,
                        };
                        return Ok((permit, waited));
                    }
                    Admit::Wait(d) => Some(d),
                    Admit::AwaitProbe => None,
                }
            };
            match wait {
                Some(d) => {
                    let d = d + jitter(self.config.jitter, fastrand::f64());
                    if let Err(limit) = limits.check(d, now, Some(rate_waited + waited)) {
                        return Err((limit, Phase::Pacing, Some(d)));
                    }
                    tracing::debug!(wait_ms = d.as_millis() as u64, "rate limit: pacing");
                    clock.sleep(d).await;
                    waited += d;
                }
                // The probe is on the wire: its answer comes within its
                // attempt's timeout, and within what is left of the deadline
                // or not at all (a real timer, as for sending).
                None => match limits.deadline {
                    None => learned.await,
                    Some(d) => {
                        let left = d.at.duration_since(now).unwrap_or_default();
                        if tokio::time::timeout(left, learned).await.is_err() {
                            return Err((TimeLimit::Call(d.limit), Phase::AwaitingProbe, None));
                        }
                    }
                },
            }
        }
    }

    fn admit(&self, s: &mut State, now: SystemTime) -> Admit {
        if let Some(ceiling) = self.config.ceiling {
            let start = *s.ceiling_start.get_or_insert(now);
            if now.duration_since(start).unwrap_or_default() >= WINDOW {
                s.ceiling_start = Some(now);
                s.ceiling_count = 0;
            } else if s.ceiling_count >= ceiling {
                return Admit::Wait((start + WINDOW).duration_since(now).unwrap_or_default());
            }
        }
        if self.config.proactive {
            // A 429 from a server that reports no limit blocks only until its
            // reset: there is no window to refill afterwards.
            if s.known.is_some_and(|k| k.limit == 0 && now >= k.reset) {
                s.known = None;
            }
            match &mut s.known {
                None if s.headerless => {}
                None if s.probing => return Admit::AwaitProbe,
                None => {
                    s.probing = true;
                    if self.config.ceiling.is_some() {
                        s.ceiling_count += 1;
                    }
                    return Admit::Go { probe: true };
                }
                Some(known) => {
                    if now >= known.reset {
                        // A new window: Intercom refills to the limit, minus
                        // what is still on the wire and may land in it. Its
                        // end is a guess until a response reports it.
                        known.remaining = known.limit.saturating_sub(s.in_flight);
                        known.reset = now.max(known.reset + WINDOW);
                        s.assumed_reset = true;
                    }
                    if known.remaining == 0 {
                        return Admit::Wait(known.reset.duration_since(now).unwrap_or_default());
                    }
                    known.remaining -= 1;
                }
            }
        }
        if self.config.ceiling.is_some() {
            s.ceiling_count += 1;
        }
        Admit::Go { probe: false }
    }

    /// Frees a slot, recording a response's rate-limit headers (or their
    /// absence), received at `now`; `headers` is `None` when there was no
    /// response to learn from. The reset is kept on the local clock: read
    /// against Intercom's `Date`, and at most one window ahead.
    fn release(&self, probe: bool, headers: Option<&HeaderMap>, now: SystemTime) {
        let reported = headers.and_then(|h| {
            let r = RateLimit::from_headers(h)?;
            let ahead = until_reset(h, now)?;
            self.warn_once(clock_warnings(skew_secs(h, now), ahead));
            Some((r, now + ahead.min(WINDOW)))
        });
        let mut s = self.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if let Some((r, local_reset)) = reported {
            s.last_seen = Some(r);
            let r = RateLimit {
                reset: local_reset,
                ..r
            };
            let others = s.in_flight;
            let adjusted = RateLimit {
                remaining: r.remaining.saturating_sub(others),
                ..r
            };
            let assumed = std::mem::take(&mut s.assumed_reset);
            s.known = Some(match s.known {
                Some(k) if assumed && r.reset <= k.reset => RateLimit {
                    remaining: k.remaining.min(adjusted.remaining),
                    ..r
                },
                Some(k) if k.reset >= r.reset => RateLimit {
                    remaining: k.remaining.min(adjusted.remaining),
                    limit: r.limit,
                    reset: k.reset,
                },
                _ => adjusted,
            });
        }
        if probe {
            s.probing = false;
            if headers.is_some() {
                s.headerless = reported.is_none();
            }
            drop(s);
            self.learned.notify_waiters();
        }
    }

    /// Logs each clock warning once per client.
    fn warn_once(&self, (skew, ahead): (Option<f64>, Option<Duration>)) {
        if let Some(skew) = skew
            && !self.warned_skew.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                skew_secs = skew,
                "the local clock is {:.0} s {} Intercom's (its `Date` header): rate-limit resets are read against Intercom's clock",
                skew.abs(),
                if skew > 0.0 { "behind" } else { "ahead of" }
            );
        }
        if let Some(ahead) = ahead
            && !self.warned_reset.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                reset_in_secs = ahead.as_secs(),
                "X-RateLimit-Reset lies {} s ahead, beyond Intercom's {} s window: pacing waits one window at most",
                ahead.as_secs(),
                WINDOW.as_secs()
            );
        }
    }

    /// A 429 arrived: nobody sends until `reset`.
    pub(crate) fn exhausted_until(&self, reset: SystemTime) {
        let mut s = self.lock();
        let limit = s.known.map_or(0, |k| k.limit);
        s.known = Some(RateLimit {
            limit: s.last_seen.map_or(limit, |l| l.limit),
            remaining: 0,
            reset,
        });
    }
}

enum Admit {
    Go { probe: bool },
    Wait(Duration),
    AwaitProbe,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn state(limit: u32, remaining: u32, reset: u64) -> RateLimit {
        RateLimit {
            limit,
            remaining,
            reset: UNIX_EPOCH + Duration::from_secs(reset),
        }
    }

    fn headers(limit: u32, remaining: u32, reset: u64) -> HeaderMap {
        state(limit, remaining, reset).to_headers(None)
    }

    #[test]
    fn spent_window_waits_until_reset_and_new_window_refills() {
        let limiter = Limiter::new(RateLimitConfig {
            jitter: Duration::ZERO,
            ..RateLimitConfig::default()
        });
        let now = UNIX_EPOCH + Duration::from_secs(1_000);
        let mut s = limiter.lock();
        s.known = Some(RateLimit {
            limit: 2,
            remaining: 1,
            reset: now + Duration::from_secs(4),
        });
        assert!(matches!(
            limiter.admit(&mut s, now),
            Admit::Go { probe: false }
        ));
        match limiter.admit(&mut s, now) {
            Admit::Wait(d) => assert_eq!(d, Duration::from_secs(4)),
            _ => panic!("the window is spent"),
        }
        let later = now + Duration::from_secs(4);
        assert!(matches!(limiter.admit(&mut s, later), Admit::Go { .. }));
        assert!(matches!(limiter.admit(&mut s, later), Admit::Go { .. }));
        assert!(matches!(limiter.admit(&mut s, later), Admit::Wait(_)));
    }

    #[test]
    fn own_ceiling_applies_per_window() {
        let limiter = Limiter::new(RateLimitConfig {
            proactive: false,
            ceiling: Some(2),
            ..RateLimitConfig::default()
        });
        let now = UNIX_EPOCH + Duration::from_secs(50);
        let mut s = limiter.lock();
        assert!(matches!(limiter.admit(&mut s, now), Admit::Go { .. }));
        assert!(matches!(limiter.admit(&mut s, now), Admit::Go { .. }));
        assert!(
            matches!(limiter.admit(&mut s, now + Duration::from_secs(3)), Admit::Wait(d) if d == Duration::from_secs(7))
        );
        assert!(matches!(
            limiter.admit(&mut s, now + WINDOW),
            Admit::Go { .. }
        ));
    }

    const UNBOUNDED: Limits = Limits {
        max_wait: Duration::MAX,
        deadline: None,
    };

    #[tokio::test]
    async fn a_dropped_permit_frees_its_slot_and_the_probe() {
        let clock = crate::clock::SystemClock;
        let limiter = Limiter::new(RateLimitConfig::default());
        let acquire = || limiter.acquire(&clock, &UNBOUNDED, Duration::ZERO);
        let (probe, _) = acquire().await.unwrap();
        assert_eq!(limiter.in_flight(), (1, true));
        let mut waiter = std::pin::pin!(acquire());
        assert!(
            futures::poll!(&mut waiter).is_pending(),
            "waits for the probe"
        );
        // The probe's call is cancelled: nothing learned, the slot is free
        // and the waiter becomes the new probe.
        drop(probe);
        assert_eq!(limiter.in_flight(), (0, false));
        let (next, _) = tokio::time::timeout(Duration::from_secs(10), waiter)
            .await
            .expect("the waiter is woken")
            .unwrap();
        assert!(next.probe);
        assert_eq!(limiter.in_flight(), (1, true));
        next.complete(Some(&headers(10, 9, 4_000_000_000)), SystemTime::now());
        assert_eq!(limiter.in_flight(), (0, false));
        let (a, _) = acquire().await.unwrap();
        let (b, _) = acquire().await.unwrap();
        assert_eq!(limiter.in_flight(), (2, false));
        drop(a);
        b.complete(None, SystemTime::now());
        assert_eq!(limiter.in_flight(), (0, false));
        assert_eq!(limiter.lock().known.map(|k| k.remaining), Some(7));
    }

    fn dated(limit: u32, remaining: u32, reset: u64, date: SystemTime) -> HeaderMap {
        state(limit, remaining, reset).to_headers(Some(date))
    }

    /// The reset the limiter paces by, as time from `now`.
    fn paced_reset(limiter: &Limiter, now: SystemTime) -> Duration {
        let reset = limiter.lock().known.expect("learned").reset;
        reset.duration_since(now).unwrap()
    }

    #[test]
    fn a_skewed_clock_or_an_absurd_reset_paces_within_one_window() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_secs();
        let hour = Duration::from_secs(3_600);
        let learn = |h: HeaderMap| {
            let limiter = Limiter::new(RateLimitConfig::default());
            limiter.lock().in_flight = 1;
            limiter.release(false, Some(&h), now);
            limiter
        };
        // Intercom's clock an hour ahead: its reset is 6 s after its Date.
        let ahead = learn(dated(10, 0, secs(now + hour) + 6, now + hour));
        assert_eq!(paced_reset(&ahead, now), Duration::from_secs(6));
        assert!(ahead.warned_skew.load(Ordering::Relaxed));
        assert_eq!(
            ahead.last_seen().map(|r| secs(r.reset)),
            Some(secs(now + hour) + 6),
            "reported as sent"
        );
        // An hour behind.
        let behind = learn(dated(10, 0, secs(now - hour) + 3, now - hour));
        assert_eq!(paced_reset(&behind, now), Duration::from_secs(3));
        // A reset in 2286, no Date: one window.
        let absurd = learn(headers(10, 0, 9_999_999_999));
        assert_eq!(paced_reset(&absurd, now), WINDOW);
        assert!(absurd.warned_reset.load(Ordering::Relaxed));
        assert!(!absurd.warned_skew.load(Ordering::Relaxed));
        // Clocks that agree: as reported, and nothing to warn about.
        let fine = learn(dated(10, 0, secs(now) + 4, now));
        assert_eq!(paced_reset(&fine, now), Duration::from_secs(4));
        assert!(
            !fine.warned_skew.load(Ordering::Relaxed) && !fine.warned_reset.load(Ordering::Relaxed)
        );
    }

    #[test]
    fn clock_warnings_are_for_large_skews_and_resets_beyond_a_window() {
        let s = |secs| Duration::from_secs(secs);
        assert_eq!(clock_warnings(None, s(4)), (None, None));
        assert_eq!(clock_warnings(Some(-9.0), s(10)), (None, None));
        assert_eq!(clock_warnings(Some(3_600.0), s(4)), (Some(3_600.0), None));
        assert_eq!(
            clock_warnings(Some(-11.0), s(11)),
            (Some(-11.0), Some(s(11)))
        );
    }

    #[tokio::test]
    async fn a_pacing_wait_beyond_the_limits_is_refused_holding_nothing() {
        let clock = crate::clock::SystemClock;
        let limiter = Limiter::new(RateLimitConfig {
            jitter: Duration::ZERO,
            ..RateLimitConfig::default()
        });
        let now = SystemTime::now();
        limiter.lock().known = Some(RateLimit {
            limit: 1,
            remaining: 0,
            reset: now + Duration::from_secs(8),
        });
        let max_wait = Limits {
            max_wait: Duration::from_secs(5),
            deadline: None,
        };
        let Err((limit, phase, Some(wait))) =
            limiter.acquire(&clock, &max_wait, Duration::ZERO).await
        else {
            panic!("an 8 s wait exceeds 5 s");
        };
        assert_eq!(
            (limit, phase),
            (
                TimeLimit::RateLimitWait(Duration::from_secs(5)),
                Phase::Pacing
            )
        );
        assert!(wait > Duration::from_secs(7));
        let deadline = Limits {
            max_wait: Duration::from_secs(60),
            deadline: Some(crate::retry::Deadline {
                limit: Duration::from_secs(3),
                at: now + Duration::from_secs(3),
            }),
        };
        let late = limiter
            .acquire(&clock, &deadline, Duration::ZERO)
            .await
            .err();
        assert_eq!(
            late.map(|l| (l.0, l.1)),
            Some((TimeLimit::Call(Duration::from_secs(3)), Phase::Pacing))
        );
        assert_eq!(limiter.in_flight(), (0, false));
    }

    #[tokio::test]
    async fn waiting_for_the_probe_ends_at_the_deadline() {
        let clock = crate::clock::SystemClock;
        let limiter = Limiter::new(RateLimitConfig::default());
        let (_probe, _) = limiter
            .acquire(&clock, &UNBOUNDED, Duration::ZERO)
            .await
            .unwrap();
        let deadline = Limits {
            max_wait: Duration::from_secs(60),
            deadline: Some(crate::retry::Deadline {
                limit: Duration::from_millis(50),
                at: SystemTime::now() + Duration::from_millis(50),
            }),
        };
        let late = limiter
            .acquire(&clock, &deadline, Duration::ZERO)
            .await
            .err();
        assert_eq!(
            late,
            Some((
                TimeLimit::Call(Duration::from_millis(50)),
                Phase::AwaitingProbe,
                None
            ))
        );
        assert_eq!(
            limiter.in_flight(),
            (1, true),
            "only the probe's slot is held"
        );
    }
}
