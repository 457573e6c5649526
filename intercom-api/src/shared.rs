//! A rate limit shared by a fleet of processes, kept in Redis
//! ([`RedisLimiter`], feature `redis`).
//!
//! Intercom's limits belong to the app and the workspace, not to a process:
//! N workers on one token that each pace alone meet the limit as a burst of
//! 429s. With a shared limiter every process reserves a slot of the current
//! window in Redis before sending (one Lua script: read, check and count in
//! one atomic step), and what any process learns from Intercom's headers (the
//! window's end and what is left of it, a 429) updates the shared state.
//! Windows are kept on Redis's clock (`TIME`), so the fleet's own clocks need
//! not agree; each process turns Intercom's reset into "so many milliseconds
//! from now" against Intercom's `Date` first.
//!
//! The local [`Limiter`](crate::rate_limit) still governs in-process
//! concurrency and the first request's probe. Redis is optional at run time:
//! every operation is bounded ([`RedisLimiter::timeout`], 50 ms by default);
//! when Redis is unreachable or slow, calls go on under the local limiter,
//! with one warning per outage, and sharing resumes by itself when it
//! answers again. A Redis failure never fails, hangs or repeats a call.
//!
//! A reservation whose request never left (the call was cancelled while
//! waiting, even while Redis was counting it, or its time ran out) is
//! returned; one whose request may have reached Intercom stays counted, as
//! Intercom counts it. Unreturned ones (the process died) expire with their
//! window.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use intercom_client_core::Phase;
use intercom_client_core::rate_limit::{RateLimit, until_reset};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use reqwest::header::HeaderMap;

use crate::clock::Clock;
use crate::error::ConfigError;
use crate::rate_limit::{Late, WINDOW};
use crate::retry::{Limits, jitter};

/// Configuration of a rate limit shared through Redis by every process (and
/// every client) using the same keys. Hand it to
/// [`ClientBuilder::shared_limiter`](crate::ClientBuilder::shared_limiter).
///
/// The crate's front page ("Running a fleet") shows one in use.
#[derive(Clone)]
pub struct RedisLimiter {
    client: redis::Client,
    /// Host and port only: the URL may carry a password.
    server: String,
    app: String,
    workspace: Option<(String, u32)>,
    timeout: Duration,
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiter")
            .field("server", &self.server)
            .field("app", &self.app)
            .field("workspace", &self.workspace)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl RedisLimiter {
    /// A limiter on the Redis at `url` (`redis://[:password@]host:port/[db]`),
    /// shared by every process that names the same `app` key: one key per
    /// Intercom app (its limit is the app's).
    pub fn new(url: &str, app: impl Into<String>) -> Result<Self, ConfigError> {
        // The URL may hold a password: the error never repeats it.
        let client = redis::Client::open(url).map_err(|_| ConfigError::SharedLimiter {
            reason: "the Redis URL does not parse (expected redis://[:password@]host:port/[db])"
                .into(),
        })?;
        let info = client.get_connection_info();
        let server = info.addr().to_string();
        let app = app.into();
        if app.is_empty() {
            return Err(ConfigError::SharedLimiter {
                reason: "the app key is empty".into(),
            });
        }
        Ok(Self {
            client,
            server,
            app,
            workspace: None,
            timeout: Duration::from_millis(50),
        })
    }

    /// Also share the workspace's limit: every process naming `key` sends
    /// at most `ceiling` requests per 10-second window in all, whatever app
    /// it is (a workspace's private apps count toward one limit).
    pub fn workspace(mut self, key: impl Into<String>, ceiling: u32) -> Self {
        self.workspace = Some((key.into(), ceiling));
        self
    }

    /// Bound of each Redis operation (default 50 ms). One that takes longer
    /// counts as an outage: the call goes on under the local limiter.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The admission Redis gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Admitted: the reservation to return if the request never leaves.
    Go(Slot, Duration),
    /// The shared window is spent: wait this long.
    Wait(Duration),
    /// Nothing shared to go by (this is the fleet's probe, or Redis is
    /// out): the local limiter alone decides.
    Local,
}

/// What one admission counted: the app window (its end on Redis's clock,
/// 0 for none) and the workspace slot (0 for none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Slot {
    window: i64,
    workspace: i64,
}

/// Reserve a slot. KEYS: app hash, workspace counter prefix, the fleet's
/// probe lease. ARGV: workspace ceiling (0: none), window length (ms), probe
/// lease (ms), guard (ms). Returns {0, window, slot, ms left in it} when admitted, {1, wait_ms} when the
/// window is spent, {2} for the fleet's probe: while nothing is known, one
/// request at a time (a lease, in case it never answers) goes out to learn
/// the limits and the others poll, as one process's first request does for
/// its tasks. Nothing is admitted in the last `GUARD` of a window: such a
/// request could reach Intercom in the next window, whose count starts from
/// zero. A window whose end has passed is renewed (its end a guess, marked,
/// until a response reports it).
const RESERVE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local len = tonumber(ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'limit', 'used', 'reset', 'blocked')
local limit = tonumber(s[1]) or 0
local used = tonumber(s[2]) or 0
local reset = tonumber(s[3]) or 0
local blocked = tonumber(s[4]) or 0
if blocked > now then return {1, blocked - now} end
local ceiling = tonumber(ARGV[1])
local slot = 0
local key = ''
if ceiling > 0 then
  slot = math.floor(now / len) + 1
  key = KEYS[2] .. ':' .. slot
  if (tonumber(redis.call('GET', key)) or 0) >= ceiling then return {1, slot * len - now} end
end
local probe = false
if limit == 0 then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[3]) then return {1, 20} end
  probe = true
else
  if now >= reset then
    reset = reset + (math.floor((now - reset) / len) + 1) * len
    used = 0
    redis.call('HSET', KEYS[1], 'reset', reset, 'used', 0, 'guess', 1)
  end
  if used >= limit or reset - now < tonumber(ARGV[4]) then return {1, reset - now} end
end
if ceiling > 0 then
  redis.call('INCR', key)
  redis.call('PEXPIRE', key, 2 * len)
end
if probe then return {2} end
redis.call('HINCRBY', KEYS[1], 'used', 1)
redis.call('PEXPIRE', KEYS[1], 6 * len)
return {0, reset, slot, reset - now}
";

/// Return a reservation whose request never left. KEYS as `RESERVE`; ARGV:
/// its window and workspace slot. A window that has ended is not touched.
const RELEASE: &str = r"
local window = tonumber(ARGV[1])
if window > 0 then
  local s = redis.call('HMGET', KEYS[1], 'reset', 'used')
  if tonumber(s[1]) == window and (tonumber(s[2]) or 0) > 0 then
    redis.call('HINCRBY', KEYS[1], 'used', -1)
  end
end
local slot = tonumber(ARGV[2])
if slot > 0 then
  local key = KEYS[2] .. ':' .. slot
  if (tonumber(redis.call('GET', key)) or 0) > 0 then redis.call('DECR', key) end
end
return 0
";

/// What a response said. KEYS: app hash, the fleet's probe lease (ended). ARGV: limit, remaining, time to
/// the reset (ms, read against Intercom's Date), window length (ms), and a
/// 429's wait (ms, 0 for none). A later window replaces the state; the same
/// window, or a guessed one (whatever its guessed end), keeps the larger
/// count (ours counts what is on the wire too) and takes the reported end;
/// an earlier one's late answer is ignored. A 429 holds everyone until its
/// wait ends (`Retry-After`, else the reset).
const LEARN: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local spent = limit - tonumber(ARGV[2])
if spent < 0 then spent = 0 end
local reported = now + tonumber(ARGV[3])
local len = tonumber(ARGV[4])
local s = redis.call('HMGET', KEYS[1], 'used', 'reset', 'guess')
local used = tonumber(s[1]) or 0
local reset = tonumber(s[2]) or 0
if s[2] == false or reported > reset + len / 2 then
  redis.call('HSET', KEYS[1], 'limit', limit, 'used', spent, 'reset', reported, 'guess', 0)
elseif s[3] == '1' or reported >= reset - len / 2 then
  if spent > used then used = spent end
  if s[3] == '1' then reset = reported end
  redis.call('HSET', KEYS[1], 'limit', limit, 'used', used, 'reset', reset, 'guess', 0)
end
local wait = tonumber(ARGV[5])
if wait > 0 then
  local b = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
  if now + wait > b then redis.call('HSET', KEYS[1], 'blocked', now + wait) end
end
redis.call('PEXPIRE', KEYS[1], 6 * len)
redis.call('DEL', KEYS[2])
return 0
";

/// The end of a window in which nothing more is admitted: a request sent
/// then could arrive in the next window, beyond the fleet's count there.
const GUARD: Duration = Duration::from_millis(250);

/// Longest a call waits for the shared window before asking again.
const RECHECK: Duration = Duration::from_millis(250);

/// How long the fleet's probe may take before another request probes.
const PROBE_LEASE: Duration = Duration::from_secs(2);

/// How long Redis is left alone after it failed, before it is tried again
/// (calls meanwhile go on under the local limiter at once).
const RETRY_AFTER_OUTAGE: Duration = Duration::from_millis(500);

/// The shared limiter of one client and its clones.
pub(crate) struct Shared {
    config: RedisLimiter,
    app_key: String,
    probe_key: String,
    workspace_key: String,
    ceiling: u32,
    connection: OnceLock<ConnectionManager>,
    /// Redis failed: not asked again before this instant.
    resting_until: Mutex<Option<Instant>>,
    /// An outage is under way (it was logged).
    outage: AtomicBool,
    reserve: redis::Script,
    release: redis::Script,
    learn: redis::Script,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.config, f)
    }
}

const PREFIX: &str = "intercom-rs:rate-limit";

impl Shared {
    pub(crate) fn new(config: RedisLimiter) -> Arc<Self> {
        let app_key = format!("{PREFIX}:app:{}", config.app);
        let (workspace_key, ceiling) = match &config.workspace {
            Some((key, ceiling)) => (format!("{PREFIX}:workspace:{key}"), *ceiling),
            None => (format!("{PREFIX}:workspace:-"), 0),
        };
        Arc::new(Self {
            config,
            probe_key: format!("{app_key}:probe"),
            app_key,
            workspace_key,
            ceiling,
            connection: OnceLock::new(),
            resting_until: Mutex::new(None),
            outage: AtomicBool::new(false),
            reserve: redis::Script::new(RESERVE),
            release: redis::Script::new(RELEASE),
            learn: redis::Script::new(LEARN),
        })
    }

    /// The connection, unless Redis is resting after a failure. Created
    /// lazily (it needs the runtime), it reconnects by itself.
    fn connection(&self) -> Option<ConnectionManager> {
        let resting = self.resting_until.lock().unwrap_or_else(|e| e.into_inner());
        if resting.is_some_and(|until| Instant::now() < until) {
            return None;
        }
        drop(resting);
        if let Some(c) = self.connection.get() {
            return Some(c.clone());
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.config.timeout))
            .set_response_timeout(Some(self.config.timeout))
            .set_number_of_retries(1);
        match ConnectionManager::new_lazy_with_config(self.config.client.clone(), config) {
            Ok(c) => Some(self.connection.get_or_init(|| c).clone()),
            Err(e) => {
                self.failed(&e.to_string());
                None
            }
        }
    }

    /// Runs one bounded Redis operation; `None` when it failed or took too
    /// long (an outage, logged once).
    async fn run<'a, T: redis::FromRedisValue>(
        &'a self,
        op: impl FnOnce(ConnectionManager) -> Pin<'a, T>,
    ) -> Option<T> {
        let connection = self.connection()?;
        match tokio::time::timeout(self.config.timeout, op(connection)).await {
            Ok(Ok(value)) => {
                if self.outage.swap(false, Ordering::Relaxed) {
                    tracing::info!(server = %self.config.server, "shared rate limit: Redis answers again, sharing resumed");
                }
                Some(value)
            }
            Ok(Err(e)) => {
                self.failed(&e.to_string());
                None
            }
            Err(_) => {
                self.failed("timed out");
                None
            }
        }
    }

    /// Redis failed: rest it a moment, and log the outage once.
    fn failed(&self, why: &str) {
        *self.resting_until.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(Instant::now() + RETRY_AFTER_OUTAGE);
        if !self.outage.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                server = %self.config.server,
                error = why,
                "shared rate limit: Redis unreachable, pacing by this process alone until it answers"
            );
        }
    }

    /// Reserves a slot of the shared window. Cancellation-safe: dropped
    /// while Redis is counting the slot, it finishes the script in a task of
    /// its own and gives the slot back ([`Admitting`]).
    pub(crate) fn admit(self: &Arc<Self>) -> Admitting {
        let shared = self.clone();
        Admitting {
            script: Some(Box::pin(async move { shared.admit_here().await })),
            shared: self.clone(),
        }
    }

    /// Runs the reservation script (see [`admit`](Self::admit)).
    async fn admit_here(&self) -> Admission {
        let answer: Option<Vec<i64>> = self
            .run(|mut c| {
                let mut call = self.reserve.prepare_invoke();
                call.key(&self.app_key)
                    .key(&self.workspace_key)
                    .key(&self.probe_key)
                    .arg(self.ceiling)
                    .arg(window_ms())
                    .arg(millis(PROBE_LEASE))
                    .arg(millis(GUARD));
                Box::pin(async move { call.invoke_async(&mut c).await })
            })
            .await;
        match answer.as_deref() {
            Some([0, window, workspace, left]) => Admission::Go(
                Slot {
                    window: *window,
                    workspace: *workspace,
                },
                Duration::from_millis((*left).max(0) as u64),
            ),
            Some([1, wait]) => Admission::Wait(Duration::from_millis((*wait).max(0) as u64)),
            _ => Admission::Local,
        }
    }

    /// Returns a reservation whose request never left.
    pub(crate) async fn release(&self, slot: Slot) {
        let _: Option<i64> = self
            .run(|mut c| {
                let mut call = self.release.prepare_invoke();
                call.key(&self.app_key)
                    .key(&self.workspace_key)
                    .arg(slot.window)
                    .arg(slot.workspace);
                Box::pin(async move { call.invoke_async(&mut c).await })
            })
            .await;
    }

    /// Records what a response said: its limit, what is left, the time to
    /// the reset, and a 429's wait.
    async fn learn(
        &self,
        (limit, remaining, until_reset): (u32, u32, Duration),
        blocked: Option<Duration>,
    ) {
        let _: Option<i64> = self
            .run(|mut c| {
                let mut call = self.learn.prepare_invoke();
                call.key(&self.app_key)
                    .key(&self.probe_key)
                    .arg(limit)
                    .arg(remaining)
                    .arg(millis(until_reset.min(WINDOW)))
                    .arg(window_ms())
                    .arg(blocked.map_or(0, millis));
                Box::pin(async move { call.invoke_async(&mut c).await })
            })
            .await;
    }
}

/// The reservation script in flight ([`Shared::admit`]). Dropped before it
/// answered (its call cancelled), it hands the script to a task of its own,
/// which gives back the slot Redis may have counted meanwhile.
pub(crate) struct Admitting {
    script: Option<std::pin::Pin<Box<dyn Future<Output = Admission> + Send>>>,
    shared: Arc<Shared>,
}

impl Future for Admitting {
    type Output = Admission;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Admission> {
        let Some(script) = self.script.as_mut() else {
            return std::task::Poll::Ready(Admission::Local);
        };
        let admission = std::task::ready!(script.as_mut().poll(cx));
        self.script = None;
        std::task::Poll::Ready(admission)
    }
}

impl Drop for Admitting {
    fn drop(&mut self) {
        if let (Some(script), Ok(runtime)) =
            (self.script.take(), tokio::runtime::Handle::try_current())
        {
            let shared = self.shared.clone();
            runtime.spawn(async move {
                if let Admission::Go(slot, _) = script.await {
                    shared.release(slot).await;
                }
            });
        }
    }
}

/// A slot of the shared window reserved for a request: returned (by a task
/// of its own, bounded like every Redis operation) when dropped before the
/// request was sent; [`sent`](Self::sent) keeps it counted.
#[must_use]
pub(crate) struct Reservation {
    shared: Option<Arc<Shared>>,
    slot: Slot,
    /// Past this, the window it was counted in is (nearly) over: a request
    /// sent then may land in the next one.
    lapses: Instant,
}

impl Reservation {
    /// The request may reach Intercom: it counts, as Intercom counts it.
    pub(crate) fn sent(mut self) {
        self.shared = None;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let (Some(shared), Ok(runtime)) =
            (self.shared.take(), tokio::runtime::Handle::try_current())
        {
            let slot = self.slot;
            runtime.spawn(async move { shared.release(slot).await });
        }
    }
}

impl Shared {
    /// Waits until the shared window admits a request; gives the
    /// reservation (empty when nothing shared governs) and the time waited,
    /// or the limit a wait would cross. `rate_waited`: the call's
    /// rate-limit wait so far. Cancellation-safe: it holds a reservation
    /// only once it returns it.
    pub(crate) async fn reserve(
        self: &Arc<Self>,
        clock: &dyn Clock,
        limits: &Limits,
        rate_waited: Duration,
        jitter_bound: Duration,
    ) -> Result<(Reservation, Duration), Late> {
        let mut waited = Duration::ZERO;
        loop {
            let (shared, slot, left) = match self.admit().await {
                Admission::Go(slot, left) => (Some(self.clone()), slot, left),
                Admission::Local => (None, Slot::default(), Duration::MAX),
                Admission::Wait(d) => {
                    // Asked again at least every `RECHECK`: slots that calls
                    // give back (cancelled before sending) are taken up.
                    let d = d.min(RECHECK) + jitter(jitter_bound, fastrand::f64());
                    let now = clock.now();
                    if let Err(limit) = limits.check(d, now, Some(rate_waited + waited)) {
                        return Err((limit, Phase::Pacing, Some(d)));
                    }
                    tracing::debug!(wait_ms = millis(d), "shared rate limit: pacing");
                    clock.sleep(d).await;
                    waited += d;
                    continue;
                }
            };
            let lapses = Instant::now()
                .checked_add(left.saturating_sub(GUARD))
                .unwrap_or_else(|| Instant::now() + WINDOW * 6);
            return Ok((
                Reservation {
                    shared,
                    slot,
                    lapses,
                },
                waited,
            ));
        }
    }

    /// Shares what a response received at `now` said (its rate-limit
    /// headers; a 429's wait) by a task of its own: the call does not wait
    /// for Redis.
    pub(crate) fn report(
        self: &Arc<Self>,
        headers: &HeaderMap,
        now: std::time::SystemTime,
        blocked: Option<Duration>,
    ) {
        let (Some(reading), Ok(runtime)) =
            (reading(headers, now), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let shared = self.clone();
        runtime.spawn(async move { shared.learn(reading, blocked).await });
    }

    /// Shares what a response said and waits until Redis has it (bounded):
    /// for the answer that first teaches the fleet the limits, before this
    /// process's waiting tasks go on.
    pub(crate) async fn report_now(
        &self,
        headers: &HeaderMap,
        now: std::time::SystemTime,
        blocked: Option<Duration>,
    ) {
        if let Some(reading) = reading(headers, now) {
            self.learn(reading, blocked).await;
        }
    }
}

/// A response's rate-limit state as shared: limit, remaining, time to the
/// reset (read against Intercom's `Date`).
fn reading(headers: &HeaderMap, now: std::time::SystemTime) -> Option<(u32, u32, Duration)> {
    let reported = RateLimit::from_headers(headers)?;
    Some((
        reported.limit,
        reported.remaining,
        until_reset(headers, now)?,
    ))
}

impl Reservation {
    /// Nothing shared governed this request (nothing learned yet, or Redis
    /// is out): the local limiter alone admitted it.
    pub(crate) fn is_local(&self) -> bool {
        self.shared.is_none()
    }

    /// Its window is (nearly) over: the request, not sent yet, would count
    /// in the next one; reserve again.
    pub(crate) fn lapsed(&self) -> bool {
        self.shared.is_some() && Instant::now() >= self.lapses
    }
}

/// One Redis operation in flight.
type Pin<'a, T> = std::pin::Pin<Box<dyn Future<Output = redis::RedisResult<T>> + Send + 'a>>;

fn window_ms() -> u64 {
    millis(WINDOW)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redis_password_never_shows() {
        let limiter = RedisLimiter::new("redis://:s3cret-pass@10.1.2.3:6380/2", "app").unwrap();
        let shown = format!("{limiter:?}");
        assert!(
            shown.contains("10.1.2.3:6380") && !shown.contains("s3cret"),
            "{shown}"
        );
        let shared = Shared::new(limiter);
        assert!(!format!("{shared:?}").contains("s3cret"));
        for bad in ["http://:s3cret@host/", "redis://:s3cret@[::1/"] {
            let e = RedisLimiter::new(bad, "app").unwrap_err();
            assert!(!e.to_string().contains("s3cret"), "{e}");
            assert!(!format!("{e:?}").contains("s3cret"), "{e:?}");
        }
        assert!(
            RedisLimiter::new("redis://127.0.0.1/", "").is_err(),
            "an empty app key"
        );
    }
}
