//! The runtime every generated call passes through.
//!
//! progenitor generates each version's `Client` with an inner value of type
//! [`generated::Transport`] and a hook that stamps the module's
//! `Intercom-Version` header and hands the request to that transport. The
//! [`Runtime`] here is that transport's executor: it adds auth and the user
//! agent, waits for the rate limiter, applies the per-request timeout, sends,
//! retries what may be retried, learns from rate-limit headers and buffers
//! error bodies so they reach [`Error`](crate::Error) intact.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use generated::{Execute, Operation, ResponseFuture};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER, USER_AGENT};
use reqwest::{Request, Response, StatusCode};
use tracing::Instrument;

use crate::clock::Clock;
use crate::error::BufferedBody;
use crate::rate_limit::{Limiter, RateLimit};
use crate::retry::{Budget, Failure, RetryConfig};

/// User agent sent with every request.
pub const USER_AGENT_VALUE: &str = concat!("intercom-rs/", env!("CARGO_PKG_VERSION"));

/// Largest error body kept in memory.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Most consecutive 429s a call waits out before surfacing one.
const MAX_RATE_LIMITED_RETRIES: u32 = 8;

pub(crate) struct Runtime {
    pub(crate) http: reqwest::Client,
    /// `Bearer <token>`, marked sensitive so it is never logged by reqwest/hyper.
    pub(crate) authorization: HeaderValue,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) limiter: Arc<Limiter>,
    pub(crate) budget: Option<Arc<Budget>>,
    pub(crate) retry: RetryConfig,
    pub(crate) timeout: Option<Duration>,
}

/// Shared handle given to every generated client.
#[derive(Clone)]
pub(crate) struct Shared(pub(crate) Arc<Runtime>);

impl Execute for Shared {
    fn execute<'a>(
        &'a self,
        request: Request,
        operation: &'static Operation,
    ) -> ResponseFuture<'a> {
        Box::pin(self.0.call(request, operation))
    }
}

fn wait_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Runtime {
    /// One logical call: attempts, waits and retries.
    pub(crate) async fn call(
        &self,
        mut request: Request,
        op: &'static Operation,
    ) -> reqwest::Result<Response> {
        let span = tracing::info_span!(
            "intercom.call",
            operation = op.id,
            method = op.method,
            path = op.path,
            version = op.version,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        async move {
            let headers = request.headers_mut();
            headers.insert(AUTHORIZATION, self.authorization.clone());
            headers
                .entry(USER_AGENT)
                .or_insert(HeaderValue::from_static(USER_AGENT_VALUE));
            if let (Some(t), None) = (self.timeout, request.timeout()) {
                *request.timeout_mut() = Some(t);
            }
            let idempotent = op.is_idempotent();
            let mut attempt = 0u32;
            let mut spent = 0u32;
            let mut rate_limited = 0u32;
            let mut rate_wait = Duration::ZERO;
            let mut pending = Some(request);
            loop {
                attempt += 1;
                let original = pending.take().expect("a request is pending");
                // A body that cannot be cloned (a stream) is sent once.
                let this = match original.try_clone() {
                    Some(copy) => {
                        pending = Some(original);
                        copy
                    }
                    None => original,
                };
                let (permit, paced) = self.limiter.acquire(&*self.clock).await;
                let attempt_span = tracing::debug_span!(
                    "intercom.attempt",
                    attempt,
                    paced_ms = wait_ms(paced),
                    status = tracing::field::Empty
                );
                let result = self
                    .http
                    .execute(this)
                    .instrument(attempt_span.clone())
                    .await;
                let can_retry = pending.is_some() && attempt < self.retry.max_attempts;
                let failure = match result {
                    Ok(response) => {
                        let status = response.status();
                        attempt_span.record("status", status.as_u16());
                        self.limiter.complete(permit, Some(response.headers()));
                        if status == StatusCode::TOO_MANY_REQUESTS && pending.is_some() {
                            let wait = self.rate_limit_wait(response.headers(), attempt);
                            let within = rate_wait + wait <= self.limiter.config().max_wait;
                            if within && rate_limited < MAX_RATE_LIMITED_RETRIES {
                                rate_limited += 1;
                                rate_wait += wait;
                                self.limiter.exhausted_until(self.clock.now() + wait);
                                tracing::info!(
                                    attempt,
                                    wait_ms = wait_ms(wait),
                                    "rate limited (429): waiting for reset"
                                );
                                self.clock.sleep(wait).await;
                                // A 429 does not count as an attempt: the request was refused, not processed.
                                attempt -= 1;
                                continue;
                            }
                        }
                        match Failure::from_status(status) {
                            Some(f) if can_retry && f.allows_retry(idempotent, &self.retry) => {
                                (f, Ok(response))
                            }
                            _ => {
                                if status.is_success()
                                    && let Some(b) = &self.budget
                                {
                                    b.deposit(spent);
                                }
                                return self.finish(response, attempt).await;
                            }
                        }
                    }
                    Err(e) => {
                        self.limiter.complete(permit, None);
                        match Failure::from_error(&e) {
                            Some(f) if can_retry && f.allows_retry(idempotent, &self.retry) => {
                                (f, Err(e))
                            }
                            _ => {
                                tracing::Span::current().record("attempts", attempt);
                                return Err(e);
                            }
                        }
                    }
                };
                let (failure, last) = failure;
                let cost = match &self.budget {
                    Some(b) => b.withdraw(failure),
                    None => Some(0),
                };
                let Some(cost) = cost else {
                    tracing::warn!(attempt, "retry budget exhausted: not retrying");
                    return match last {
                        Ok(response) => self.finish(response, attempt).await,
                        Err(e) => Err(e),
                    };
                };
                spent += cost;
                let backoff = self.retry.backoff(attempt);
                tracing::info!(attempt, ?failure, wait_ms = wait_ms(backoff), "retrying");
                self.clock.sleep(backoff).await;
            }
        }
        .instrument(span)
        .await
    }

    /// How long to wait after a 429: `Retry-After`, else the reset, else backoff.
    fn rate_limit_wait(&self, headers: &HeaderMap, attempt: u32) -> Duration {
        let now = self.clock.now();
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let until_reset = RateLimit::from_headers(headers)
            .map(|r| r.reset.duration_since(now).unwrap_or_default())
            .or_else(|| {
                // A reset header alone (without limit/remaining) still counts.
                let secs = headers
                    .get("x-ratelimit-reset")?
                    .to_str()
                    .ok()?
                    .trim()
                    .parse::<u64>()
                    .ok()?;
                let reset: SystemTime = UNIX_EPOCH.checked_add(Duration::from_secs(secs))?;
                Some(reset.duration_since(now).unwrap_or_default())
            });
        let jitter = self.limiter.config().jitter;
        let jitter = Duration::from_micros(fastrand::u64(
            0..=u64::try_from(jitter.as_micros()).unwrap_or(0),
        ));
        retry_after.or(until_reset).map_or_else(
            || self.retry.backoff(attempt).max(Duration::from_secs(1)),
            |d| d + jitter,
        )
    }

    /// Records the outcome; buffers error bodies so the error keeps them.
    async fn finish(&self, response: Response, attempts: u32) -> reqwest::Result<Response> {
        let span = tracing::Span::current();
        span.record("status", response.status().as_u16());
        span.record("attempts", attempts);
        if response.status().is_success() {
            return Ok(response);
        }
        buffer(response).await
    }
}

async fn buffer(mut response: Response) -> reqwest::Result<Response> {
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = ERROR_BODY_LIMIT.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if room < chunk.len() {
            break;
        }
    }
    let body = bytes::Bytes::from(body);
    let mut rebuilt = http::Response::new(body.clone());
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    rebuilt.extensions_mut().insert(BufferedBody(body));
    Ok(Response::from(rebuilt))
}
