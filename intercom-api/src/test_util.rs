//! A test kit for code built on this SDK (feature `test-util`; enable it in
//! your `[dev-dependencies]` only, so release builds never carry it).
//!
//! [`MockIntercom`] is an in-process Intercom: it hands out real
//! [`Client`]s, the same type your code takes, whose requests go through the
//! whole runtime (auth, rate limiting, retries, deadlines) and are answered
//! in memory: no sockets, no ports. Replies are registered per operation,
//! by the operation's type (`v2_16::ops::TagsList` for
//! `client.v2_16().tags().list()`), as that version's own types or as an
//! example the spec documents. Every request is recorded. Time is a
//! [`MockClock`]: backoff and rate-limit waits pass at once and are
//! recorded, so a test of retries takes microseconds.
//!
//! ```
//! # #[cfg(feature = "v2_16")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> intercom_api::Result<()> {
//! use intercom_api::test_util::{MockIntercom, Reply};
//! use intercom_api::v2_16::{ops, types};
//! use std::time::Duration;
//!
//! let mock = MockIntercom::new();
//! // A 429 first (the runtime waits it out on the mock clock), then a tag.
//! mock.on::<ops::TagsFind>().replies([
//!     Reply::rate_limited(Duration::from_secs(3)),
//!     Reply::output::<ops::TagsFind>(types::TagBasic {
//!         id: Some("81".into()),
//!         name: Some("vip".into()),
//!         ..Default::default()
//!     }),
//! ]);
//! let client = mock.client();
//! let tag = client.v2_16().tags().find("81").send().await?.into_inner();
//! assert_eq!(tag.name.as_deref(), Some("vip"));
//! assert_eq!(mock.requests_to::<ops::TagsFind>().len(), 2);
//! assert_eq!(mock.requests()[0].path, "/tags/81");
//! assert!(mock.clock().slept().iter().sum::<Duration>() >= Duration::from_secs(3));
//! // An operation nothing was registered for fails at once, by name.
//! let miss = client.v2_16().tags().list().send().await.unwrap_err();
//! assert!(miss.to_string().contains("tags.list"), "{miss}");
//! # Ok(()) }
//! # #[cfg(not(feature = "v2_16"))]
//! # fn main() {}
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use intercom_client_core::error::carry;
use intercom_client_core::{Op, Operation};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, Response, StatusCode};
use serde::Serialize;

use crate::clock::{Clock, Sleep};
use crate::{Client, ClientBuilder, ConfigError, Error};

/// A boxed, sendable future.
type BoxFuture<'a, T> = Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// The access token of a mock's clients.
pub const TOKEN: &str = "test-token";
/// The base URL of a mock's clients: loopback, as plain `http` must be,
/// though nothing is ever sent to it (the mock answers in process).
pub const BASE_URL: &str = "http://127.0.0.1";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A virtual clock: `sleep` returns at once and moves the time on by what
/// was asked, and every sleep is recorded. It starts at
/// 2026-01-01T00:00:00Z.
#[derive(Clone)]
pub struct MockClock(Arc<ClockState>);

struct ClockState {
    now: Mutex<SystemTime>,
    slept: Mutex<Vec<Duration>>,
}

impl MockClock {
    /// A clock at 2026-01-01T00:00:00Z.
    pub fn new() -> Self {
        Self::starting_at(UNIX_EPOCH + Duration::from_secs(1_767_225_600))
    }

    /// A clock at `start`.
    pub fn starting_at(start: SystemTime) -> Self {
        Self(Arc::new(ClockState {
            now: Mutex::new(start),
            slept: Mutex::new(Vec::new()),
        }))
    }

    /// Moves the time on by `by` (not recorded as a sleep).
    pub fn advance(&self, by: Duration) {
        let mut now = lock(&self.0.now);
        *now += by;
    }

    /// Every sleep the runtime (or anyone holding the clock) took, in order.
    pub fn slept(&self) -> Vec<Duration> {
        lock(&self.0.slept).clone()
    }
}

impl Default for MockClock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MockClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockClock")
            .field("now", &*lock(&self.0.now))
            .field("sleeps", &lock(&self.0.slept).len())
            .finish()
    }
}

impl Clock for MockClock {
    fn now(&self) -> SystemTime {
        *lock(&self.0.now)
    }

    fn sleep(&self, duration: Duration) -> Sleep {
        lock(&self.0.slept).push(duration);
        self.advance(duration);
        Box::pin(std::future::ready(()))
    }
}

/// One reply of the mock: a response, or a fault of the attempt.
#[derive(Clone)]
pub struct Reply {
    kind: Kind,
    headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Clone)]
enum Kind {
    Body { status: StatusCode, json: Bytes },
    Empty(StatusCode),
    RateLimited { reset_in: Duration },
    Timeout,
    Reset,
}

impl fmt::Debug for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Body { status, json } => write!(
                f,
                "Reply({status}, {})",
                String::from_utf8_lossy(&json[..json.len().min(80)])
            ),
            Kind::Empty(status) => write!(f, "Reply({status}, no body)"),
            Kind::RateLimited { reset_in } => write!(f, "Reply(429, reset in {reset_in:?})"),
            Kind::Timeout => f.write_str("Reply(timeout)"),
            Kind::Reset => f.write_str("Reply(connection reset)"),
        }
    }
}

impl Reply {
    /// `status` with `body` as JSON.
    ///
    /// # Panics
    /// If `body`'s `Serialize` fails (a map with non-string keys): a bug in
    /// the test, reported where the reply is made.
    pub fn json(status: u16, body: &impl Serialize) -> Self {
        let json = serde_json::to_vec(body).expect("a mock reply's body serialises to JSON");
        Self::raw_json(status, json)
    }

    /// `200` with an operation's typed output.
    pub fn output<O: Op>(output: O::Output) -> Self {
        Self::json(200, &output)
    }

    /// A documented example of the operation, the first under `status`.
    pub fn example<O: Op>(status: u16) -> Result<Self, MockError> {
        find_example::<O>(status, None)
    }

    /// The documented example of the operation named `name` under `status`.
    pub fn example_named<O: Op>(status: u16, name: &str) -> Result<Self, MockError> {
        find_example::<O>(status, Some(name))
    }

    /// `status` with no body.
    pub fn status(status: u16) -> Self {
        Self {
            kind: Kind::Empty(status_code(status)),
            headers: Vec::new(),
        }
    }

    /// An Intercom error: `status` with an `error.list` body of one error.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::error_list(
            status,
            serde_json::json!({"code": code, "message": message}),
        )
    }

    /// An Intercom error about one request field (`errors[0].field`).
    pub fn error_on_field(status: u16, code: &str, message: &str, field: &str) -> Self {
        Self::error_list(
            status,
            serde_json::json!({"code": code, "message": message, "field": field}),
        )
    }

    /// `status` with Intercom's `error.list` body holding `item`.
    fn error_list(status: u16, item: serde_json::Value) -> Self {
        Self::json(
            status,
            &serde_json::json!({
                "type": "error.list",
                "request_id": "mock-request",
                "errors": [item],
            }),
        )
    }

    /// A 429 whose `X-RateLimit-Reset` is `reset_in` from the mock clock's
    /// now (whole seconds, rounded up), as Intercom sends it.
    pub fn rate_limited(reset_in: Duration) -> Self {
        Self {
            kind: Kind::RateLimited { reset_in },
            headers: Vec::new(),
        }
    }

    /// The attempt times out: the mock clock moves on by the attempt's
    /// timeout, and the attempt fails as a timed-out request does.
    pub fn timeout() -> Self {
        Self {
            kind: Kind::Timeout,
            headers: Vec::new(),
        }
    }

    /// The connection breaks after the request was sent (the server may
    /// have acted on it).
    pub fn connection_reset() -> Self {
        Self {
            kind: Kind::Reset,
            headers: Vec::new(),
        }
    }

    /// Adds a response header.
    ///
    /// # Panics
    /// If `name` or `value` is not a valid header: a bug in the test.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((
            HeaderName::from_bytes(name.as_bytes()).expect("a valid header name"),
            HeaderValue::from_str(value).expect("a valid header value"),
        ));
        self
    }

    fn raw_json(status: u16, json: impl Into<Bytes>) -> Self {
        Self {
            kind: Kind::Body {
                status: status_code(status),
                json: json.into(),
            },
            headers: Vec::new(),
        }
    }

    /// The response, or the failure of the attempt, at `now`.
    fn respond(&self, now: SystemTime) -> reqwest::Result<Response> {
        let (status, body, mut headers) = match &self.kind {
            Kind::Body { status, json } => {
                let mut headers = HeaderMap::new();
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                (*status, reqwest::Body::from(json.clone()), headers)
            }
            Kind::Empty(status) => (*status, reqwest::Body::from(Bytes::new()), HeaderMap::new()),
            Kind::RateLimited { reset_in } => {
                // Whole seconds, rounded up, as Intercom sends the reset.
                let state = crate::RateLimit {
                    limit: 1000,
                    remaining: 0,
                    reset: now + *reset_in + Duration::from_millis(999),
                };
                let mut headers = state.to_headers(Some(now));
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                let body = br#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded","message":"Exceeded rate limit"}]}"#;
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    reqwest::Body::from(&body[..]),
                    headers,
                )
            }
            Kind::Timeout => return Err(failure(std::io::ErrorKind::TimedOut)),
            Kind::Reset => return Err(failure(std::io::ErrorKind::ConnectionReset)),
        };
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
        let mut response = http::Response::new(body);
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        Ok(Response::from(response))
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A transport failure of kind `kind`, as reqwest reports one: a timeout
/// (`is_timeout`) or a broken body.
fn failure(kind: std::io::ErrorKind) -> reqwest::Error {
    intercom_client_core::error::failing_body(std::io::Error::new(kind, "mock fault"))
}

/// Why a reply could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MockError {
    /// The spec documents no such example for the operation.
    #[error("{operation} documents no example {wanted}; it documents: {}", available.join(", "))]
    NoExample {
        /// The grouped call and `operationId`.
        operation: String,
        /// The status (and name) asked for.
        wanted: String,
        /// What it documents, as `status "name"`.
        available: Vec<String>,
    },
}

fn find_example<O: Op>(status: u16, name: Option<&str>) -> Result<Reply, MockError> {
    let status_text = status.to_string();
    let examples = O::examples();
    examples
        .iter()
        .find(|e| e.status == status_text && name.is_none_or(|n| e.name == n))
        .map(|e| Reply::raw_json(status, e.json.as_bytes()))
        .ok_or_else(|| MockError::NoExample {
            operation: describe(O::operation()),
            wanted: match name {
                Some(name) => format!("{status} {name:?}"),
                None => status_text,
            },
            available: examples
                .iter()
                .map(|e| format!("{} {:?}", e.status, e.name))
                .collect(),
        })
}

/// `tags.list (listTags, GET /tags, Intercom-Version 2.16)`.
fn describe(op: &Operation) -> String {
    format!(
        "`{}` ({}, {} {}, Intercom-Version {})",
        op.call, op.id, op.method, op.path, op.version
    )
}

/// One request the mock received, as it arrived (one per attempt).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Recorded {
    /// The operation it was for; `None` when no enabled version has one at
    /// its method, path and `Intercom-Version`.
    pub operation: Option<Operation>,
    /// HTTP method.
    pub method: String,
    /// The path, as sent (path parameters percent-encoded).
    pub path: String,
    /// Query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The `Intercom-Version` header.
    pub version: Option<String>,
    /// Every header sent (the token's is marked sensitive).
    pub headers: HeaderMap,
    /// The body, when it is JSON.
    pub body: Option<serde_json::Value>,
}

impl Recorded {
    /// The first value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body decoded as `T`.
    pub fn body_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(self.body.as_ref().unwrap_or(&serde_json::Value::Null))
    }

    fn of(request: &Request) -> Self {
        let url = request.url();
        Recorded {
            operation: None,
            method: request.method().as_str().to_owned(),
            path: url.path().to_owned(),
            query: url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
            version: request
                .headers()
                .get("intercom-version")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            headers: request.headers().clone(),
            body: request
                .body()
                .and_then(|b| b.as_bytes())
                .and_then(|b| serde_json::from_slice(b).ok()),
        }
    }
}

/// A request to operation `O`, with its body typed.
#[derive(Debug, Clone)]
pub struct Sent<O: Op> {
    /// The request.
    pub request: Recorded,
    op: PhantomData<fn() -> O>,
}

impl<O: Op> Sent<O> {
    /// The body as the operation's body type.
    pub fn body(&self) -> Result<O::Body, serde_json::Error> {
        self.request.body_as()
    }
}

impl<O: Op> std::ops::Deref for Sent<O> {
    type Target = Recorded;
    fn deref(&self) -> &Recorded {
        &self.request
    }
}

type Predicate = Arc<dyn Fn(&Recorded) -> bool + Send + Sync>;

/// A condition on a request, besides its operation.
#[derive(Clone)]
struct Condition {
    what: String,
    holds: Predicate,
}

/// The replies of one registration.
enum Replies {
    /// The same reply to every matching request.
    Always(Reply),
    /// One reply per matching request, in order, then no more.
    Each(VecDeque<Reply>),
}

struct RuleState {
    operation: &'static Operation,
    conditions: Vec<Condition>,
    replies: Mutex<Replies>,
    calls: AtomicUsize,
    registered: usize,
}

/// A registration: how many requests it answered.
#[derive(Clone)]
pub struct Rule(Arc<RuleState>);

impl Rule {
    /// Requests it answered so far.
    pub fn calls(&self) -> usize {
        self.0.calls.load(Ordering::Relaxed)
    }

    /// Replies of a sequence not yet served (`None` for a reply that
    /// answers every request).
    pub fn remaining(&self) -> Option<usize> {
        match &*lock(&self.0.replies) {
            Replies::Always(_) => None,
            Replies::Each(queue) => Some(queue.len()),
        }
    }
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("operation", &self.0.operation.call)
            .field("calls", &self.calls())
            .field("remaining", &self.remaining())
            .finish()
    }
}

/// A registration being made for operation `O`: conditions, then a reply.
#[must_use = "a registration takes effect when given its reply (`returns`, `reply`, `replies`, `example`)"]
pub struct When<'a, O: Op> {
    mock: &'a MockIntercom,
    conditions: Vec<Condition>,
    op: PhantomData<fn() -> O>,
}

impl<O: Op> When<'_, O> {
    /// Only requests whose JSON body is exactly `body` (compared as JSON).
    ///
    /// # Panics
    /// If `body` does not serialise: a bug in the test.
    pub fn with_body(self, body: impl Into<O::Body>) -> Self {
        let expected =
            serde_json::to_value(body.into()).expect("a request body serialises to JSON");
        let what = format!("body {expected}");
        self.when(what, move |r| r.body.as_ref() == Some(&expected))
    }

    /// Only requests whose body is exactly this JSON: what is on the wire,
    /// so a field the code did not set (a default) makes it differ.
    pub fn with_json(self, body: serde_json::Value) -> Self {
        let what = format!("body {body}");
        self.when(what, move |r| r.body.as_ref() == Some(&body))
    }

    /// Only requests with query parameter `name` equal to `value`.
    pub fn with_query(self, name: &str, value: &str) -> Self {
        let (name, value) = (name.to_owned(), value.to_owned());
        self.when(format!("query {name}={value}"), move |r| {
            r.query(&name) == Some(value.as_str())
        })
    }

    /// Only requests to exactly this path (e.g. `/contacts/6657a/tags`).
    pub fn with_path(self, path: &str) -> Self {
        let path = path.to_owned();
        self.when(format!("path {path}"), move |r| r.path == path)
    }

    /// Only requests for which `holds` is true (`what` describes it in
    /// miss messages).
    pub fn when(
        mut self,
        what: impl Into<String>,
        holds: impl Fn(&Recorded) -> bool + Send + Sync + 'static,
    ) -> Self {
        self.conditions.push(Condition {
            what: what.into(),
            holds: Arc::new(holds),
        });
        self
    }

    /// `200` with `output` to every matching request.
    pub fn returns(self, output: O::Output) -> Rule {
        self.reply(Reply::output::<O>(output))
    }

    /// `200` with each of `outputs` in turn, one per request (pages for a
    /// paginator), then no more.
    pub fn returns_each(self, outputs: impl IntoIterator<Item = O::Output>) -> Rule {
        self.replies(outputs.into_iter().map(Reply::output::<O>))
    }

    /// `reply` to every matching request.
    pub fn reply(self, reply: Reply) -> Rule {
        self.register(Replies::Always(reply))
    }

    /// Each of `replies` in turn, one per request (a retry is a request),
    /// then no more: a further request is a miss.
    pub fn replies(self, replies: impl IntoIterator<Item = Reply>) -> Rule {
        self.register(Replies::Each(replies.into_iter().collect()))
    }

    /// The spec's first example under `status`, to every matching request.
    pub fn example(self, status: u16) -> Result<Rule, MockError> {
        Ok(self.reply(Reply::example::<O>(status)?))
    }

    /// The spec's example named `name` under `status`, to every matching
    /// request.
    pub fn example_named(self, status: u16, name: &str) -> Result<Rule, MockError> {
        Ok(self.reply(Reply::example_named::<O>(status, name)?))
    }

    fn register(self, replies: Replies) -> Rule {
        let registered = match &replies {
            Replies::Always(_) => 1,
            Replies::Each(queue) => queue.len(),
        };
        let rule = Rule(Arc::new(RuleState {
            operation: O::operation(),
            conditions: self.conditions,
            replies: Mutex::new(replies),
            calls: AtomicUsize::new(0),
            registered,
        }));
        lock(&self.mock.state.rules).push(rule.clone());
        rule
    }
}

struct State {
    rules: Mutex<Vec<Rule>>,
    requests: Mutex<Vec<Recorded>>,
    clock: MockClock,
}

/// The in-process server behind a mock's clients.
pub(crate) struct Wire(Arc<State>);

/// An in-process Intercom for tests. Cheap to clone; clones share
/// registrations, records and clock.
#[derive(Clone)]
pub struct MockIntercom {
    state: Arc<State>,
}

impl Default for MockIntercom {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MockIntercom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockIntercom")
            .field("rules", &*lock(&self.state.rules))
            .field("requests", &lock(&self.state.requests).len())
            .finish()
    }
}

impl MockIntercom {
    /// A mock with nothing registered, on a fresh [`MockClock`].
    pub fn new() -> Self {
        Self {
            state: Arc::new(State {
                rules: Mutex::new(Vec::new()),
                requests: Mutex::new(Vec::new()),
                clock: MockClock::new(),
            }),
        }
    }

    /// Starts a registration for operation `O` (e.g. `v2_16::ops::TagsList`).
    /// Registrations are tried in the order made; one whose replies are used
    /// up no longer answers.
    pub fn on<O: Op>(&self) -> When<'_, O> {
        When {
            mock: self,
            conditions: Vec::new(),
            op: PhantomData,
        }
    }

    /// A client answered by this mock, with the default settings.
    pub fn client(&self) -> Client {
        self.builder()
            .build()
            .unwrap_or_else(|e| unreachable!("the mock's settings are valid: {e}"))
    }

    /// A builder for a client answered by this mock (its token, base URL,
    /// clock and transport set), to change retries, rate limits or
    /// timeouts before `build()`.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder()
            .access_token(TOKEN)
            .base_url(BASE_URL)
            .clock(self.state.clock.clone())
            .mock_wire(Arc::new(Wire(self.state.clone())))
    }

    /// The mock's clock.
    pub fn clock(&self) -> &MockClock {
        &self.state.clock
    }

    /// Every request received, in order (each attempt of a retried call).
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state.requests).clone()
    }

    /// The registrations a test set up but did not use up: those that
    /// answered no request, and sequences with replies left, one line
    /// each (`tags.list (listTags) with query per_page=50: 2 of 3 replies
    /// left`). Empty when every registration was used; a test can assert
    /// it to catch calls its code never made.
    pub fn unused(&self) -> Vec<String> {
        lock(&self.state.rules)
            .iter()
            .filter_map(|rule| {
                let state = &rule.0;
                let left = match rule.remaining() {
                    Some(0) => return None,
                    Some(left) => format!("{left} of {} replies left", state.registered),
                    None if rule.calls() == 0 => "never answered".to_owned(),
                    None => return None,
                };
                let conditions: Vec<&str> =
                    state.conditions.iter().map(|c| c.what.as_str()).collect();
                let with = if conditions.is_empty() {
                    String::new()
                } else {
                    format!(" with {}", conditions.join(", "))
                };
                Some(format!(
                    "{} ({}){with}: {left}",
                    state.operation.call, state.operation.id
                ))
            })
            .collect()
    }

    /// The requests to operation `O`, their bodies typed.
    pub fn requests_to<O: Op>(&self) -> Vec<Sent<O>> {
        let op = O::operation();
        lock(&self.state.requests)
            .iter()
            .filter(|r| r.operation.as_ref().is_some_and(|o| o == op))
            .map(|r| Sent {
                request: r.clone(),
                op: PhantomData,
            })
            .collect()
    }
}

impl Wire {
    /// Answers one attempt.
    pub(crate) fn answer<'a>(
        &'a self,
        request: Request,
        clock: &'a Arc<dyn Clock>,
    ) -> BoxFuture<'a, reqwest::Result<Response>> {
        Box::pin(async move {
            let mut recorded = Recorded::of(&request);
            recorded.operation = operation_of(&recorded).copied();
            let found = self.find(&recorded);
            lock(&self.0.requests).push(recorded);
            let reply = match found {
                Ok(reply) => reply,
                Err(e) => return Err(carry(Error::Config(e))),
            };
            if matches!(reply.kind, Kind::Timeout) {
                let waited = request
                    .timeout()
                    .copied()
                    .unwrap_or(Duration::from_secs(60));
                clock.sleep(waited).await;
            }
            reply.respond(clock.now())
        })
    }

    /// The reply of the first registration that matches, or why none does.
    fn find(&self, request: &Recorded) -> Result<Reply, ConfigError> {
        let rules = lock(&self.0.rules).clone();
        let mut unmatched: Vec<String> = Vec::new();
        let mut used_up = 0;
        let op = request.operation.as_ref();
        for rule in rules.iter().filter(|r| Some(r.0.operation) == op) {
            if let Some(failed) = rule.0.conditions.iter().find(|c| !(c.holds)(request)) {
                unmatched.push(failed.what.clone());
                continue;
            }
            let reply = match &mut *lock(&rule.0.replies) {
                Replies::Always(reply) => Some(reply.clone()),
                Replies::Each(queue) => queue.pop_front(),
            };
            match reply {
                Some(reply) => {
                    rule.0.calls.fetch_add(1, Ordering::Relaxed);
                    return Ok(reply);
                }
                None => used_up += rule.0.registered,
            }
        }
        let described = match op {
            Some(op) => describe(op),
            None => format!(
                "{} {} (Intercom-Version {}), which is no operation of an enabled version",
                request.method,
                request.path,
                request.version.as_deref().unwrap_or("none")
            ),
        };
        let reason = match op {
            None => "register replies for the operations your code calls".to_owned(),
            Some(op) if unmatched.is_empty() && used_up == 0 => format!(
                "nothing is registered for it: register a reply with `mock.on::<{}>()`",
                op.op_type
            ),
            Some(_) if unmatched.is_empty() => {
                format!("all {used_up} replies registered for it were used")
            }
            Some(_) => format!(
                "its registrations did not match: {}{}",
                unmatched.join("; "),
                if used_up > 0 {
                    format!(" ({used_up} replies of others were used)")
                } else {
                    String::new()
                }
            ),
        };
        Err(ConfigError::NotMocked {
            request: described,
            reason,
        })
    }
}

/// The operation tables of the enabled versions.
fn tables() -> Vec<&'static [Operation]> {
    macro_rules! tables {
        ($($feature:ident = $name:literal => $krate:ident, $version:literal, $header:literal;)*) => {
            vec![$(
                #[cfg(feature = $name)]
                $krate::OPERATIONS,
            )*]
        };
    }
    for_each_version!(tables)
}

/// The operation a request is for: its version's operation with its method
/// whose path template matches, the most literal segments first
/// (`/contacts/search` before `/contacts/{id}`).
fn operation_of(request: &Recorded) -> Option<&'static Operation> {
    let version = request.version.as_deref()?;
    let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
    tables()
        .into_iter()
        .flat_map(|table| table.iter())
        .filter(|op| op.version == version && op.method == request.method)
        .filter_map(|op| Some((literal_match(op.path, &segments)?, op)))
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, op)| op)
}

/// How many literal segments of `template` match `segments`, or `None` if
/// it does not match them.
fn literal_match(template: &str, segments: &[&str]) -> Option<usize> {
    let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut literals = 0;
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') && part.ends_with('}') {
            if segment.is_empty() {
                return None;
            }
        } else if part == segment {
            literals += 1;
        } else {
            return None;
        }
    }
    Some(literals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_by_segment_and_literals_win() {
        let at = |path: &str| -> Vec<String> { path.split('/').map(str::to_owned).collect() };
        let seg = at("contacts/search");
        let seg: Vec<&str> = seg.iter().map(String::as_str).collect();
        assert_eq!(literal_match("/contacts/search", &seg), Some(2));
        assert_eq!(literal_match("/contacts/{id}", &seg), Some(1));
        assert_eq!(literal_match("/contacts", &seg), None);
        assert_eq!(literal_match("/tags/{id}", &seg), None);
        assert_eq!(literal_match("/contacts/{id}", &["contacts", ""]), None);
    }

    #[test]
    fn faults_are_what_reqwest_reports() {
        let timeout = failure(std::io::ErrorKind::TimedOut);
        assert!(timeout.is_timeout(), "{timeout:?}");
        let reset = failure(std::io::ErrorKind::ConnectionReset);
        assert!(!reset.is_timeout() && !reset.is_connect(), "{reset:?}");
        assert_eq!(
            intercom_client_core::error::RetryableFailure::of_error(&reset),
            Some(intercom_client_core::error::RetryableFailure::Transport)
        );
    }

    #[test]
    fn the_clock_moves_only_when_slept_or_advanced() {
        let clock = MockClock::new();
        let start = clock.now();
        drop(clock.sleep(Duration::from_secs(3)));
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now(), start + Duration::from_secs(4));
        assert_eq!(clock.slept(), [Duration::from_secs(3)]);
    }
}
