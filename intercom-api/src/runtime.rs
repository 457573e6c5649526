//! The runtime every generated call passes through.
//!
//! progenitor generates each version's `Client` with an inner value of type
//! [`generated::Transport`] and a hook that stamps the module's
//! `Intercom-Version` header and hands the request to that transport. The
//! [`Runtime`] here is that transport's executor: it adds auth and the user
//! agent, waits for the rate limiter, applies the per-request timeout, sends,
//! reads the body, and then does what [`decide`] says: return, retry after a
//! backoff, or wait out a 429. Deciding is pure and lives in `retry.rs`;
//! this loop only carries the steps out.
//!
//! Cancellation: the future may be dropped at any `.await`. Everything it
//! takes from the shared state is a guard released on drop: the limiter's
//! [`Permit`](crate::rate_limit::Permit) (in-flight slot and probe) and the
//! budget's [`Spend`] (tokens reserved for a retry not yet sent).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use generated::{Execute, Operation, ResponseFuture};
use reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};
use reqwest::{Request, Response, ResponseBuilderExt};
use tracing::Instrument;

use crate::clock::Clock;
use crate::error::BufferedBody;
use crate::rate_limit::{Limiter, server_wait};
use crate::retry::{Budget, CallState, Failure, Outcome, Policy, RetryConfig, Spend, Step, decide};

/// User agent sent with every request.
pub const USER_AGENT_VALUE: &str = concat!("intercom-rs/", env!("CARGO_PKG_VERSION"));

/// Largest error body kept in memory.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

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
        self.prepare(&mut request);
        async move {
            let policy = Policy {
                retry: &self.retry,
                max_wait: self.limiter.config().max_wait,
                jitter: self.limiter.config().jitter,
            };
            let mut spend = Spend::new(self.budget.as_deref());
            // A body that cannot be cloned (a stream) is sent once.
            let replayable = request.body().is_none_or(|b| b.as_bytes().is_some());
            let mut call = CallState::new(op.is_idempotent(), replayable);
            let mut pending = Some(request);
            loop {
                let attempt = pending.take().expect("a request is pending");
                let attempt = match attempt.try_clone() {
                    Some(copy) => {
                        pending = Some(attempt);
                        copy
                    }
                    None => attempt,
                };
                spend.commit();
                let (outcome, result) = self.attempt(attempt, &call).await;
                let now = self.clock.now();
                let step = decide(
                    outcome,
                    &call,
                    &policy,
                    spend.available(),
                    now,
                    fastrand::f64(),
                );
                let wait = match step {
                    Step::Return => return self.finish(result, &call, spend),
                    Step::Retry { after, failure } if spend.reserve(failure.cost()) => {
                        tracing::info!(?failure, wait_ms = wait_ms(after), "retrying");
                        after
                    }
                    Step::Retry { .. } => {
                        tracing::warn!("retry budget exhausted: not retrying");
                        return self.finish(result, &call, spend);
                    }
                    Step::WaitUntil(until) => {
                        self.limiter.exhausted_until(until);
                        let wait = until.duration_since(now).unwrap_or_default();
                        tracing::info!(wait_ms = wait_ms(wait), "rate limited (429): waiting");
                        wait
                    }
                };
                drop(result);
                call.advance(step, now);
                self.clock.sleep(wait).await;
            }
        }
        .instrument(span)
        .await
    }

    /// Auth, user agent and the default timeout.
    fn prepare(&self, request: &mut Request) {
        let headers = request.headers_mut();
        headers.insert(AUTHORIZATION, self.authorization.clone());
        headers
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static(USER_AGENT_VALUE));
        if let (Some(t), None) = (self.timeout, request.timeout()) {
            *request.timeout_mut() = Some(t);
        }
    }

    /// One attempt: admission, sending, the headers, the body.
    async fn attempt(
        &self,
        request: Request,
        call: &CallState,
    ) -> (Outcome, reqwest::Result<Response>) {
        let (permit, paced) = self.limiter.acquire(&*self.clock).await;
        let span = tracing::debug_span!(
            "intercom.attempt",
            attempt = call.attempts,
            paced_ms = wait_ms(paced),
            status = tracing::field::Empty
        );
        async move {
            let response = match self.http.execute(request).await {
                Ok(response) => response,
                Err(e) => {
                    permit.complete(None);
                    return (Outcome::Failed(Failure::of_error(&e)), Err(e));
                }
            };
            let status = response.status();
            tracing::Span::current().record("status", status.as_u16());
            permit.complete(Some(response.headers()));
            let server_wait = (status == reqwest::StatusCode::TOO_MANY_REQUESTS)
                .then(|| server_wait(response.headers(), self.clock.now()))
                .flatten();
            match buffer(response).await {
                Ok(response) => (
                    Outcome::Response {
                        status,
                        server_wait,
                    },
                    Ok(response),
                ),
                Err(e) => (Outcome::Failed(Failure::of_error(&e)), Err(e)),
            }
        }
        .instrument(span)
        .await
    }

    /// Records the outcome and settles the budget.
    fn finish(
        &self,
        result: reqwest::Result<Response>,
        call: &CallState,
        spend: Spend<'_>,
    ) -> reqwest::Result<Response> {
        let span = tracing::Span::current();
        span.record("attempts", call.attempts);
        if let Ok(response) = &result {
            span.record("status", response.status().as_u16());
            if response.status().is_success() {
                spend.succeeded();
            }
        }
        result
    }
}

/// Reads the body into memory (error bodies up to [`ERROR_BODY_LIMIT`]), so
/// a truncated or stalled body is a failure of this attempt, retried like
/// any other, and an error body survives progenitor's "unexpected response"
/// path. Success bodies that are not JSON (e.g. a recording) are left for
/// the caller to stream.
async fn buffer(mut response: Response) -> reqwest::Result<Response> {
    let status = response.status();
    if status.is_success() && !is_json(response.headers()) {
        return Ok(response);
    }
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    let url = response.url().clone();
    let body = if status.is_success() {
        response.bytes().await?
    } else {
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            let room = ERROR_BODY_LIMIT.saturating_sub(body.len());
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if room < chunk.len() {
                break;
            }
        }
        Bytes::from(body)
    };
    // Keeping the URL (for error messages) is cheaper than the placeholder
    // reqwest would parse.
    let mut rebuilt = http::Response::builder()
        .status(status)
        .version(version)
        .url(url)
        .body(body.clone())
        .expect("status and version come from a response");
    *rebuilt.headers_mut() = headers;
    if !status.is_success() {
        rebuilt.extensions_mut().insert(BufferedBody(body));
    }
    Ok(Response::from(rebuilt))
}

fn is_json(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.contains("json"))
}
