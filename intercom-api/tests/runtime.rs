//! The façade's runtime over real HTTP on loopback (wiremock), with a virtual
//! clock so rate-limit waits and backoff take no real time and are checkable.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod support;

use intercom_api::clock::{Clock, Sleep};
use intercom_api::{
    CaptureRaw, Client, ConfigError, Error, ErrorCode, RateLimitConfig, Region, RetryConfig,
};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "dG9rOjEyMzQ1Njc4OTA6c2VjcmV0LXRva2Vu";

/// Virtual wall clock: `sleep(d)` moves time forward to `now + d` at once.
#[derive(Clone)]
struct VirtualClock {
    now: Arc<Mutex<SystemTime>>,
    sleeps: Arc<Mutex<Vec<Duration>>>,
}

impl VirtualClock {
    fn new() -> Self {
        Self {
            now: Arc::new(Mutex::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000))),
            sleeps: Arc::default(),
        }
    }
    fn now(&self) -> SystemTime {
        *self.now.lock().unwrap()
    }
    fn secs(&self) -> u64 {
        self.now().duration_since(UNIX_EPOCH).unwrap().as_secs()
    }
    fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> SystemTime {
        VirtualClock::now(self)
    }
    fn sleep(&self, d: Duration) -> Sleep {
        self.sleeps.lock().unwrap().push(d);
        let deadline = VirtualClock::now(self) + d;
        let now = self.now.clone();
        Box::pin(async move {
            {
                let mut n = now.lock().unwrap();
                *n = (*n).max(deadline);
            }
            tokio::task::yield_now().await;
        })
    }
}

fn client(server: &MockServer, clock: &VirtualClock) -> intercom_api::ClientBuilder {
    Client::builder()
        .access_token(TOKEN)
        .base_url(server.uri())
        .clock(clock.clone())
}

/// `t` with the server's clock in `Date`, as every Intercom response has:
/// the virtual clock's time (hyper would otherwise send the real one, and
/// the rate-limit resets are read against it).
fn dated(t: ResponseTemplate, clock: &VirtualClock) -> ResponseTemplate {
    t.insert_header("date", httpdate::fmt_http_date(clock.now()).as_str())
}

/// Serves `responses` in order (the last one repeats), recording arrival times.
struct Sequence {
    responses: Vec<ResponseTemplate>,
    calls: Arc<AtomicU32>,
    arrivals: Arc<Mutex<Vec<u64>>>,
    clock: VirtualClock,
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) as usize;
        self.arrivals.lock().unwrap().push(self.clock.secs());
        dated(
            self.responses[n.min(self.responses.len() - 1)].clone(),
            &self.clock,
        )
    }
}

async fn sequence(
    server: &MockServer,
    clock: &VirtualClock,
    verb: &str,
    route: &str,
    responses: Vec<ResponseTemplate>,
) -> (Arc<AtomicU32>, Arc<Mutex<Vec<u64>>>) {
    let calls = Arc::new(AtomicU32::new(0));
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(Sequence {
            responses,
            calls: calls.clone(),
            arrivals: arrivals.clone(),
            clock: clock.clone(),
        })
        .mount(server)
        .await;
    (calls, arrivals)
}

fn tags() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"type": "list", "data": [{"type": "tag", "id": "1", "name": "vip"}]}))
}

fn error_list(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "type": "error.list",
        "request_id": "000e3pvd7a0ic1e5dl3g",
        "errors": [{"code": code, "message": message}]
    }))
}

macro_rules! header_tests {
    ($($feature:ident = $name:literal),* $(,)?) => {$(
        #[cfg(feature = $name)]
        #[tokio::test]
        async fn $feature() {
            let server = MockServer::start().await;
            let clock = VirtualClock::new();
            for route in ["/tags", "/me"] {
                Mock::given(method("GET"))
                    .and(path(route))
                    .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
                    .and(header("intercom-version", intercom_api::$feature::INTERCOM_VERSION))
                    .and(header("user-agent", intercom_api::USER_AGENT_VALUE))
                    .respond_with(ResponseTemplate::new(200).set_body_json(json!({"type": "list", "data": []})))
                    .expect(1)
                    .mount(&server)
                    .await;
            }
            let client = client(&server, &clock).build().unwrap();
            client.$feature().list_tags().send().await.expect("listTags");
            client.$feature().identify_admin().send().await.expect("identifyAdmin");
        }
    )*};
}

mod auth_and_version_headers {
    use super::*;
    header_tests!(
        v2_7 = "v2_7",
        v2_8 = "v2_8",
        v2_9 = "v2_9",
        v2_10 = "v2_10",
        v2_11 = "v2_11",
        v2_12 = "v2_12",
        v2_13 = "v2_13",
        v2_14 = "v2_14",
        v2_15 = "v2_15",
        v2_16 = "v2_16",
        preview = "preview",
    );
}

#[tokio::test]
async fn base_url_and_regions_are_chosen_and_checked() {
    let ok = Client::builder()
        .access_token(TOKEN)
        .region(Region::Eu)
        .build()
        .unwrap();
    assert_eq!(ok.base_url().as_str(), "https://api.eu.intercom.io/");
    let au = Client::builder()
        .access_token(TOKEN)
        .region(Region::Au)
        .build()
        .unwrap();
    assert_eq!(au.base_url().host_str(), Some("api.au.intercom.io"));
    let us = Client::builder().access_token(TOKEN).build().unwrap();
    assert_eq!(us.base_url().host_str(), Some("api.intercom.io"));

    let err = Client::builder()
        .access_token(TOKEN)
        .base_url("http://intercom.example.com")
        .build()
        .unwrap_err();
    assert!(matches!(err, ConfigError::InvalidBaseUrl { .. }), "{err}");
    assert!(matches!(
        Client::builder().build().unwrap_err(),
        ConfigError::MissingToken
    ));
    assert!(matches!(
        Client::builder()
            .access_token("bad\ntoken")
            .build()
            .unwrap_err(),
        ConfigError::InvalidToken
    ));

    // A custom base URL with a path prefix keeps it.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/proxy/tags"))
        .respond_with(tags())
        .expect(1)
        .mount(&server)
        .await;
    let clock = VirtualClock::new();
    let c = Client::builder()
        .access_token(TOKEN)
        .base_url(format!("{}/proxy/", server.uri()))
        .clock(clock)
        .build()
        .unwrap();
    c.v2_16().list_tags().send().await.unwrap();
}

#[tokio::test]
async fn a_429_waits_until_the_reset_before_retrying() {
    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    let reset = clock.secs() + 7;
    let limited = ResponseTemplate::new(429)
        .insert_header("x-ratelimit-limit", "100")
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", reset.to_string().as_str());
    let (calls, arrivals) = sequence(&server, &clock, "POST", "/tags", vec![limited, tags()]).await;
    let client = client(&server, &clock).build().unwrap();

    // A POST: a 429 means it was refused, not processed, so it is retried.
    let body: intercom_api::v2_16::types::CreateTagBody =
        serde_json::from_value(json!({"name": "vip"})).unwrap();
    let _ = client.v2_16().create_tag().body(body).send().await;

    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let arrivals = arrivals.lock().unwrap().clone();
    assert!(
        arrivals[1] >= reset,
        "retried at {} before the reset {reset}",
        arrivals[1]
    );
    assert_eq!(client.rate_limit().map(|r| r.limit), Some(100));
}

#[tokio::test]
async fn retry_after_is_preferred_and_max_wait_surfaces_the_429() {
    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    let limited = ResponseTemplate::new(429)
        .insert_header("retry-after", "120")
        .insert_header("x-ratelimit-limit", "100")
        .insert_header("x-ratelimit-remaining", "0")
        .insert_header("x-ratelimit-reset", (clock.secs() + 120).to_string().as_str())
        .set_body_json(json!({"type": "error.list", "errors": [{"code": "rate_limit_exceeded", "message": "Exceeded rate limit"}]}));
    let (calls, _) = sequence(&server, &clock, "GET", "/tags", vec![limited]).await;
    let client = client(&server, &clock)
        .rate_limit(RateLimitConfig {
            max_wait: Duration::from_secs(30),
            ..RateLimitConfig::default()
        })
        .build()
        .unwrap();

    let err = client.v2_16().list_tags().send().await.unwrap_err();

    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "a 120 s wait exceeds the 30 s maximum"
    );
    assert!(err.is_rate_limited() && err.is_retryable());
    assert_eq!(
        err.out_of_time().map(|o| o.limit),
        Some(intercom_api::TimeLimit::RateLimitWait(Duration::from_secs(
            30
        ))),
        "the error names the limit"
    );
    assert_eq!(err.rate_limit().map(|r| r.remaining), Some(0));
    assert_eq!(err.code(), Some(&ErrorCode::RateLimitExceeded));
}

/// A server that enforces `limit` requests per 10-second window of the
/// virtual clock, reporting Intercom's headers, and counts its 429s.
struct WindowLimit {
    limit: u32,
    clock: VirtualClock,
    state: Mutex<(u64, u32)>,
    served: Arc<AtomicU32>,
    refused: Arc<AtomicU32>,
}

impl Respond for WindowLimit {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let window = self.clock.secs() / 10 * 10;
        let mut s = self.state.lock().unwrap();
        if s.0 != window {
            *s = (window, 0);
        }
        s.1 += 1;
        let used = s.1;
        let headers = |t: ResponseTemplate| {
            dated(t, &self.clock)
                .insert_header("x-ratelimit-limit", self.limit.to_string().as_str())
                .insert_header(
                    "x-ratelimit-remaining",
                    self.limit.saturating_sub(used).to_string().as_str(),
                )
                .insert_header("x-ratelimit-reset", (window + 10).to_string().as_str())
        };
        if used > self.limit {
            self.refused.fetch_add(1, Ordering::SeqCst);
            headers(ResponseTemplate::new(429))
        } else {
            self.served.fetch_add(1, Ordering::SeqCst);
            headers(tags())
        }
    }
}

#[tokio::test]
async fn concurrent_tasks_are_paced_without_any_429() {
    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    let (served, refused) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    Mock::given(method("GET"))
        .and(path("/tags"))
        .respond_with(WindowLimit {
            limit: 10,
            clock: clock.clone(),
            state: Mutex::new((0, 0)),
            served: served.clone(),
            refused: refused.clone(),
        })
        .mount(&server)
        .await;
    // Each virtual sleep moves the clock for every task at once, so virtual
    // time runs far ahead of a real run's: no time limits here (the
    // cancellation and skew tests pace on a clock that really waits).
    let client = client(&server, &clock)
        .call_timeout(None)
        .rate_limit(RateLimitConfig {
            max_wait: Duration::MAX,
            ..RateLimitConfig::default()
        })
        .build()
        .unwrap();

    let tasks: Vec<_> = (0..60)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.v2_16().list_tags().send().await.map(drop) })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("every call succeeds");
    }

    assert_eq!(
        refused.load(Ordering::SeqCst),
        0,
        "the server never had to refuse"
    );
    assert_eq!(served.load(Ordering::SeqCst), 60);
    assert!(
        clock.sleeps().iter().any(|d| *d > Duration::ZERO),
        "pacing waited for resets"
    );
}

#[tokio::test]
async fn own_ceiling_paces_below_intercoms_limit() {
    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    let (calls, arrivals) = sequence(&server, &clock, "GET", "/tags", vec![tags()]).await;
    let client = client(&server, &clock)
        .rate_limit(RateLimitConfig {
            ceiling: Some(3),
            ..RateLimitConfig::default()
        })
        .build()
        .unwrap();
    for _ in 0..7 {
        client.v2_16().list_tags().send().await.unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 7);
    let arrivals = arrivals.lock().unwrap().clone();
    let start = arrivals[0];
    for (i, at) in arrivals.iter().enumerate() {
        assert!(
            *at >= start + (i as u64 / 3) * 10,
            "request {i} at {at} broke the ceiling"
        );
    }
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_for_idempotent_calls_only() {
    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    let (gets, _) = sequence(
        &server,
        &clock,
        "GET",
        "/tags",
        vec![
            ResponseTemplate::new(503),
            ResponseTemplate::new(502),
            tags(),
        ],
    )
    .await;
    let (posts, _) = sequence(
        &server,
        &clock,
        "POST",
        "/tags",
        vec![ResponseTemplate::new(503), tags()],
    )
    .await;
    let client = client(&server, &clock).build().unwrap();

    client
        .v2_16()
        .list_tags()
        .send()
        .await
        .expect("third attempt succeeds");
    assert_eq!(gets.load(Ordering::SeqCst), 3);
    let backoffs = clock.sleeps();
    assert_eq!(backoffs.len(), 2);
    assert!(backoffs[0] <= Duration::from_millis(200) && backoffs[1] <= Duration::from_millis(400));

    let body: intercom_api::v2_16::types::CreateTagBody =
        serde_json::from_value(json!({"name": "vip"})).unwrap();
    let err = client
        .v2_16()
        .create_tag()
        .body(body.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        posts.load(Ordering::SeqCst),
        1,
        "a POST that reached the server is not repeated"
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));

    // Opting in for a known-safe call.
    let opted = client.with_retry(RetryConfig {
        retry_non_idempotent: true,
        ..RetryConfig::default()
    });
    let seq_before = posts.load(Ordering::SeqCst);
    let _ = opted.v2_16().create_tag().body(body).send().await;
    assert!(posts.load(Ordering::SeqCst) > seq_before);
}

#[tokio::test]
async fn connection_failures_are_retried_even_for_post() {
    // A port nobody listens on: the request provably never reached a server.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let clock = VirtualClock::new();
    let client = Client::builder()
        .access_token(TOKEN)
        .base_url(format!("http://127.0.0.1:{port}"))
        .clock(clock.clone())
        .build()
        .unwrap();
    let body: intercom_api::v2_16::types::CreateTagBody =
        serde_json::from_value(json!({"name": "vip"})).unwrap();
    let err = client
        .v2_16()
        .create_tag()
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(clock.sleeps().len(), 3, "4 attempts, 3 backoffs");
}

#[tokio::test]
async fn the_retry_budget_stops_retries_during_an_outage() {
    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    let (calls, _) = sequence(
        &server,
        &clock,
        "GET",
        "/tags",
        vec![ResponseTemplate::new(500)],
    )
    .await;
    let client = client(&server, &clock)
        .retry(RetryConfig {
            budget: Some(10),
            ..RetryConfig::default()
        })
        .build()
        .unwrap();

    let first = client.v2_16().list_tags().send().await.unwrap_err();
    assert_eq!(first.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "two retries cost the whole budget"
    );
    assert_eq!(client.retry_budget(), Some(0));
    client.v2_16().list_tags().send().await.unwrap_err();
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4,
        "no retry once the budget is spent"
    );
}

#[tokio::test]
async fn attempts_time_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/tags"))
        .respond_with(tags().set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let clock = VirtualClock::new();
    let client = client(&server, &clock)
        .attempt_timeout(Some(Duration::from_millis(100)))
        .retry(RetryConfig {
            max_attempts: 2,
            ..RetryConfig::default()
        })
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.v2_16().list_tags().send().await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn intercom_error_shapes_become_typed_errors() {
    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    let client = client(&server, &clock)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let cases = [
        (error_list(401, "unauthorized", "Access Token Invalid"), 401, Some("unauthorized")),
        (error_list(404, "not_found", "Resource Not Found"), 404, Some("not_found")),
        (
            ResponseTemplate::new(422).set_body_json(json!({
                "type": "error.list",
                "errors": [{"code": "parameter_invalid", "message": "Name is invalid", "field": "name"}]
            })),
            422,
            Some("parameter_invalid"),
        ),
        (ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"), 502, None),
    ];
    for (template, status, code) in cases {
        server.reset().await;
        Mock::given(method("GET"))
            .and(path("/tags"))
            .respond_with(template)
            .mount(&server)
            .await;
        let err = client.v2_16().list_tags().send().await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err}");
        let api = err.api().expect("an API error");
        match code {
            Some(code) => assert_eq!(
                api.body.as_ref().unwrap().errors[0]
                    .code
                    .as_ref()
                    .map(ErrorCode::as_str),
                Some(code)
            ),
            None => assert_eq!(api.raw.as_deref(), Some("<html>Bad Gateway</html>")),
        }
        assert_eq!(err.is_not_found(), status == 404);
    }

    // A success body whose field does not fit decodes leniently (the field
    // left empty, the value kept: see tests/lenient.rs) ...
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/tags"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": "not a list"})))
        .mount(&server)
        .await;
    let (tags, raw) = client.v2_16().list_tags().send().with_raw().await;
    assert!(
        tags.expect("a misfit field does not fail the call")
            .into_inner()
            .data
            .is_empty()
    );
    assert_eq!(
        raw.mismatches().next().map(|m| m.value.clone()),
        Some(json!("not a list"))
    );
    // ... and one that does not fit at all is a typed decode error.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/tags"))
        .respond_with(ResponseTemplate::new(200).set_body_string("\"not a list\""))
        .mount(&server)
        .await;
    let err = client.v2_16().list_tags().send().await.unwrap_err();
    match err {
        Error::Decode {
            excerpt, operation, ..
        } => {
            assert!(excerpt.contains("not a list"));
            assert_eq!(operation.as_deref(), Some("listTags"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// The runtime reads every JSON body (so that a truncated one is retried)
/// and leaves it with the response rather than building a new response
/// around it. A response that generated code hands on unread must still read
/// whole: progenitor's "unexpected response" error, and a streamed success
/// that came back as JSON.
#[tokio::test]
async fn responses_handed_on_unread_keep_their_body() {
    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    let client = client(&server, &clock)
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let body = json!({"type": "list", "data": [], "note": "201 is not in the spec"});
    Mock::given(method("GET"))
        .and(path("/tags"))
        .respond_with(ResponseTemplate::new(201).set_body_json(&body))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/calls/7/transcript"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&body))
        .mount(&server)
        .await;

    // Undeclared statuses, success or not: the error keeps the body as sent
    // (raw, as it is not an Intercom error body).
    let err = client.v2_16().list_tags().send().await.unwrap_err();
    let api = err.api().expect("201 is not a declared status of listTags");
    assert_eq!(api.status, 201);
    let raw = api.raw.as_deref().expect("the body is kept");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(raw).unwrap(),
        body
    );
    let err = client.v2_16().identify_admin().send().await.unwrap_err();
    let api = err
        .api()
        .expect("502 is not a declared status of identifyAdmin");
    assert_eq!(api.raw.as_deref(), Some("<html>Bad Gateway</html>"));

    // A streamed operation answered with JSON streams the whole body.
    let transcript = client
        .v2_16()
        .show_call_transcript()
        .call_id("7")
        .send()
        .await
        .unwrap();
    let mut streamed = Vec::new();
    let mut stream = transcript.into_inner().into_inner();
    while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
        streamed.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&streamed).unwrap(),
        body
    );
}

#[tokio::test]
async fn the_token_never_shows_in_debug_errors_or_traces() {
    let capture = support::Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    // Global, not `set_default`: a thread-local subscriber loses events when
    // other tests in this binary hit the same callsites concurrently (the
    // callsite interest cache is process-wide). As the only test installing a
    // subscriber, this one also checks every other test's traces for the token.
    tracing::subscriber::set_global_default(subscriber)
        .expect("only this test installs a subscriber");

    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    let (_, _) = sequence(
        &server,
        &clock,
        "GET",
        "/tags",
        vec![
            ResponseTemplate::new(503),
            error_list(401, "unauthorized", "Access Token Invalid"),
        ],
    )
    .await;
    let builder = client(&server, &clock);
    let builder_debug = format!("{builder:?}");
    let client = builder.build().unwrap();
    let err = client.v2_16().list_tags().send().await.unwrap_err();

    let logs = capture.text();
    assert!(
        logs.contains("intercom.call") && logs.contains("listTags"),
        "spans are emitted: {logs}"
    );
    for text in [
        builder_debug,
        format!("{client:?}"),
        format!("{err}"),
        format!("{err:?}"),
        logs,
    ] {
        assert!(!text.contains(TOKEN), "token leaked into: {text}");
    }
}

#[cfg(feature = "preview")]
#[tokio::test]
async fn the_multipart_upload_uses_the_same_runtime() {
    use intercom_api::multipart::preview::{CatalogUpload, CatalogUploaded};
    use wiremock::matchers::header_regex;

    let server = MockServer::start().await;
    let clock = VirtualClock::new();
    Mock::given(method("POST"))
        .and(path("/ecommerce/connectors/42939/catalog"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header(
            "intercom-version",
            intercom_api::preview::INTERCOM_VERSION,
        ))
        .and(header_regex(
            "content-type",
            "^multipart/form-data; boundary=intercom-rs-[0-9a-f]{32}$",
        ))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "import_job_id": "job_1", "status": "processing", "message": "Catalog received."
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, &clock).build().unwrap();

    let done = client
        .upload_ecommerce_catalog(
            "42939",
            &CatalogUpload::single(&b"[{\"id\":\"1\",\"title\":\"T\",\"url\":\"https://x\"}]"[..]),
        )
        .await
        .unwrap();
    let CatalogUploaded::Accepted(accepted) = done else {
        panic!("202 is Accepted")
    };
    assert_eq!(accepted.import_job_id.as_deref(), Some("job_1"));
    let received = server.received_requests().await.unwrap();
    let body = String::from_utf8_lossy(&received[0].body);
    assert!(body.contains("name=\"catalog\"; filename=\"catalog.json\""));
    assert!(body.contains("\"title\":\"T\""));

    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(error_list(404, "not_found", "Connector not found"))
        .mount(&server)
        .await;
    let err = client
        .upload_ecommerce_catalog("1", &CatalogUpload::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}
