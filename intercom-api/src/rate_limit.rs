//! Intercom's rate-limit contract: limits are counted in 10-second windows
//! and reported in `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (a UNIX timestamp); 429 when exceeded.
//!
//! The [`Limiter`] is shared by every clone and task of one client. It paces
//! proactively — when the remaining budget of the window is spent, requests
//! wait until the reset — and learns from every response's headers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use tokio::sync::Notify;

use crate::clock::Clock;
use crate::retry::jitter;

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
    /// Longest a single call may wait out 429s, in total (resets,
    /// `Retry-After` and the backoff after a 429 without either); a 429 whose
    /// wait would go beyond it surfaces as an error. At most 8 consecutive
    /// 429s are waited out per call.
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
    /// Releases the permit with the response's headers (`None`: no response).
    pub(crate) fn complete(mut self, headers: Option<&HeaderMap>) {
        self.released = true;
        self.limiter.release(self.probe, headers);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.released {
            // Cancelled: nothing was learned; another request probes.
            self.limiter.release(self.probe, None);
        }
    }
}

impl Limiter {
    pub(crate) fn new(config: RateLimitConfig) -> Arc<Self> {
        Arc::new(Self {
            config,
            state: Mutex::new(State::default()),
            learned: Notify::new(),
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

    /// Waits until a request may be sent; returns the permit and the time
    /// waited. Cancellation-safe: until it returns it holds nothing.
    pub(crate) async fn acquire(&self, clock: &dyn Clock) -> (Permit<'_>, Duration) {
        let mut waited = Duration::ZERO;
        loop {
            let learned = self.learned.notified();
            let wait = {
                let mut s = self.lock();
                let now = clock.now();
                match self.admit(&mut s, now) {
                    Admit::Go { probe } => {
                        s.in_flight += 1;
                        let permit = Permit {
                            limiter: self,
                            probe,
                            released: false,
                        };
                        return (permit, waited);
                    }
                    Admit::Wait(d) => Some(d),
                    Admit::AwaitProbe => None,
                }
            };
            match wait {
                Some(d) => {
                    let d = d + jitter(self.config.jitter, fastrand::f64());
                    tracing::debug!(wait_ms = d.as_millis() as u64, "rate limit: pacing");
                    clock.sleep(d).await;
                    waited += d;
                }
                None => learned.await,
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
    /// absence); `headers` is `None` when there was no response to learn from.
    fn release(&self, probe: bool, headers: Option<&HeaderMap>) {
        let reported = headers.and_then(RateLimit::from_headers);
        let mut s = self.lock();
        s.in_flight = s.in_flight.saturating_sub(1);
        if let Some(r) = reported {
            s.last_seen = Some(r);
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
    use reqwest::header::HeaderValue;
    use std::time::UNIX_EPOCH;

    fn headers(limit: u32, remaining: u32, reset: u64) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-limit", HeaderValue::from(limit));
        h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
        h.insert("x-ratelimit-reset", HeaderValue::from(reset));
        h
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

    #[tokio::test]
    async fn a_dropped_permit_frees_its_slot_and_the_probe() {
        let clock = crate::clock::SystemClock;
        let limiter = Limiter::new(RateLimitConfig::default());
        let (probe, _) = limiter.acquire(&clock).await;
        assert_eq!(limiter.in_flight(), (1, true));
        let mut waiter = std::pin::pin!(limiter.acquire(&clock));
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
            .expect("the waiter is woken");
        assert!(next.probe);
        assert_eq!(limiter.in_flight(), (1, true));
        next.complete(Some(&headers(10, 9, 4_000_000_000)));
        assert_eq!(limiter.in_flight(), (0, false));
        let (a, _) = limiter.acquire(&clock).await;
        let (b, _) = limiter.acquire(&clock).await;
        assert_eq!(limiter.in_flight(), (2, false));
        drop(a);
        b.complete(None);
        assert_eq!(limiter.in_flight(), (0, false));
        assert_eq!(limiter.lock().known.map(|k| k.remaining), Some(7));
    }
}
