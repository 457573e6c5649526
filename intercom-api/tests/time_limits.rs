//! Every wait is bounded, over real HTTP on loopback.
//!
//! - Clock skew: a server whose clock is an hour ahead of the client's, or an
//!   hour behind, enforces a 10-second window with Intercom's headers and its
//!   `Date`; the client paces in 10-second windows with no 429. A reset in
//!   2286 with no `Date` holds a call one window at most. Each is logged once.
//! - Deadlines: a whole-call timeout of 2 s against a server that stalls
//!   returns in about 2 s with the limit that fired, alone, under retries and
//!   under a 429 wait; a 429 whose wait would cross it returns at once.
//! - Per-call options: attempts, retrying a POST and the attempt timeout, for
//!   one view of a client, the client itself unchanged.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use intercom_api::clock::Clock;
use intercom_api::{
    CallOptions, Client, ErrorCode, Phase, RateLimitConfig, RetryConfig, TimeLimit,
};
use support::{Action, FastClock, RawServer, TOKEN, client};

const LIST: &str = r#"{"type":"list","data":[]}"#;

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A server whose clock runs `offset` seconds ahead of `clock` (negative:
/// behind). It allows `limit` requests per 10-second window of its own
/// clock, reports them in Intercom's headers with its `Date`, and refuses
/// the rest with a 429.
fn windowed(
    clock: &FastClock,
    offset: i64,
    limit: u32,
    refused: Arc<AtomicU32>,
) -> impl Fn(&support::Seen) -> Action + Send + Sync + 'static {
    let clock = clock.clone();
    let state = Mutex::new((0u64, 0u32));
    move |_| {
        let local = Clock::now(&clock);
        let now = if offset >= 0 {
            local + Duration::from_secs(offset as u64)
        } else {
            local - Duration::from_secs(offset.unsigned_abs())
        };
        let window = secs(now) / 10 * 10;
        let mut s = state.lock().unwrap();
        if s.0 != window {
            *s = (window, 0);
        }
        s.1 += 1;
        let used = s.1;
        let answer = if used > limit {
            refused.fetch_add(1, Ordering::SeqCst);
            Action::status(429, "{}")
        } else {
            Action::ok(LIST)
        };
        answer
            .with_header("date", httpdate::fmt_http_date(now))
            .with_header("x-ratelimit-limit", limit)
            .with_header("x-ratelimit-remaining", limit.saturating_sub(used))
            .with_header("x-ratelimit-reset", window + 10)
    }
}

/// `calls` calls from 3 concurrent tasks; the fast-clock time they took.
async fn run(client: &Client, clock: &FastClock, calls: u32) -> Duration {
    let start = Clock::now(clock);
    let left = Arc::new(AtomicU32::new(calls));
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let (client, left) = (client.clone(), left.clone());
            tokio::spawn(async move {
                while left
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    client
                        .v2_16()
                        .list_tags()
                        .send()
                        .await
                        .expect("every call succeeds");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    Clock::now(clock).duration_since(start).unwrap()
}

/// Logs of this binary: installed once, globally (a thread-local subscriber
/// misses events of callsites other tests registered first).
fn logs() -> &'static support::Logs {
    static LOGS: std::sync::OnceLock<support::Logs> = std::sync::OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = support::Logs::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_writer(logs.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one subscriber");
        logs
    })
}

#[tokio::test]
async fn a_skewed_clock_paces_in_ten_second_windows() {
    let logs = logs();
    // 15 calls at 5 per window: three windows, two resets to wait for.
    for (offset, said) in [
        (3_600, "s behind Intercom's"),
        (-3_600, "s ahead of Intercom's"),
    ] {
        let clock = FastClock::new(10);
        let refused = Arc::new(AtomicU32::new(0));
        let server = RawServer::start(windowed(&clock, offset, 5, refused.clone())).await;
        let client = client(&server.url, &clock);
        let took = run(&client, &clock, 15).await;
        support::show(&format!(
            "server clock {offset:+} s: 15 calls at 5 per window in {took:.1?} (fast-clock time)"
        ));
        assert_eq!(refused.load(Ordering::SeqCst), 0, "offset {offset}: no 429");
        assert!(
            took < Duration::from_secs(45),
            "offset {offset}: three windows took {took:?}"
        );
        assert_eq!(server.count(), 15);
        assert_eq!(
            logs.text().matches(said).count(),
            1,
            "the skew is logged once: {}",
            logs.text()
        );
    }
}

#[tokio::test]
async fn a_reset_in_2286_holds_a_call_one_window_at_most() {
    let logs = logs();
    let clock = FastClock::new(10);
    let c2 = clock.clone();
    let n = AtomicU32::new(0);
    // No `Date`: the reset can only be read against the local clock.
    let server = RawServer::start(move |_| {
        let spent = n.fetch_add(1, Ordering::SeqCst) == 0;
        Action::ok(LIST)
            .with_header("x-ratelimit-limit", 100)
            .with_header("x-ratelimit-remaining", if spent { 0 } else { 99 })
            .with_header(
                "x-ratelimit-reset",
                if spent { 9_999_999_999 } else { c2.secs() + 10 },
            )
    })
    .await;
    let client = client(&server.url, &clock);
    client.v2_16().list_tags().send().await.unwrap();
    let started = Clock::now(&clock);
    client.v2_16().list_tags().send().await.unwrap();
    let held = Clock::now(&clock).duration_since(started).unwrap();
    assert!(
        held >= Duration::from_secs(8) && held < Duration::from_secs(14),
        "held for one window (plus jitter), not until 2286: {held:?}"
    );
    client.v2_16().list_tags().send().await.unwrap();
    assert_eq!(
        // The reset lies 8.3e9 s past the fast clock's epoch (2023).
        logs.text().matches("X-RateLimit-Reset lies 829999").count(),
        1,
        "{}",
        logs.text()
    );
}

/// A client on the real clock with a 2-second whole-call timeout.
fn timed(url: &str, attempt: Duration) -> Client {
    Client::builder()
        .access_token(TOKEN)
        .base_url(url)
        .call_timeout(Some(Duration::from_secs(2)))
        .attempt_timeout(Some(attempt))
        .retry(RetryConfig {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(100),
            ..RetryConfig::default()
        })
        .build()
        .unwrap()
}

/// One call through a [`timed`] client that fails: its error, how long it
/// took, and what ran out.
async fn failed_call(
    url: &str,
    attempt: Duration,
) -> (intercom_api::Error, Duration, (TimeLimit, Phase, u32)) {
    let started = Instant::now();
    let e = timed(url, attempt)
        .v2_16()
        .list_tags()
        .send()
        .await
        .unwrap_err();
    let took = started.elapsed();
    let o = e.out_of_time().unwrap_or_else(|| panic!("{e:?}"));
    let ran_out = (o.limit, o.phase, o.attempts);
    (e, took, ran_out)
}

#[tokio::test]
async fn a_two_second_call_timeout_ends_a_stalled_call_in_two_seconds() {
    let two = TimeLimit::Call(Duration::from_secs(2));
    // Alone: the only attempt's timeout (60 s) is cut to the 2 s left.
    let server = RawServer::start(|_| Action::Hang).await;
    let (e, took, ran_out) = failed_call(&server.url, Duration::from_secs(60)).await;
    assert_eq!(ran_out, (two, Phase::Sending, 1));
    let last = e.out_of_time().and_then(|o| o.last.as_ref());
    assert!(e.is_timeout() && last.is_some_and(|l| l.is_timeout()));
    assert!(
        took >= Duration::from_millis(1_900) && took < Duration::from_millis(2_800),
        "{took:?}"
    );
    assert!(
        e.to_string()
            .starts_with("call timeout of 2.00 s reached after"),
        "{e}"
    );

    // Under retries: attempts of 0.6 s, backoffs between them.
    let server = RawServer::start(|_| Action::Hang).await;
    let (_, took, (limit, _, attempts)) =
        failed_call(&server.url, Duration::from_millis(600)).await;
    assert_eq!(limit, two);
    assert!(
        attempts >= 3 && server.count() == attempts as usize,
        "{attempts} attempts"
    );
    assert!(
        took >= Duration::from_millis(1_200) && took < Duration::from_millis(2_800),
        "{took:?}"
    );

    // Under a 429 wait: a second's wait, then a stall.
    let n = AtomicU32::new(0);
    let server = RawServer::start(move |_| {
        if n.fetch_add(1, Ordering::SeqCst) == 0 {
            Action::status(429, "{}").with_header("retry-after", 1)
        } else {
            Action::Hang
        }
    })
    .await;
    let (_, took, (limit, phase, _)) = failed_call(&server.url, Duration::from_secs(60)).await;
    assert_eq!((limit, phase), (two, Phase::Sending));
    assert_eq!(server.count(), 2, "waited out the 429, then stalled");
    assert!(
        took >= Duration::from_millis(1_900) && took < Duration::from_millis(2_800),
        "{took:?}"
    );
}

#[tokio::test]
async fn a_429_whose_wait_would_cross_a_limit_returns_at_once() {
    let body = r#"{"type":"error.list","errors":[{"code":"rate_limit_exceeded","message":"Exceeded rate limit"}]}"#;
    let server = RawServer::start(move |_| {
        Action::status(429, body)
            .with_header("retry-after", 30)
            .with_header("x-ratelimit-limit", 100)
            .with_header("x-ratelimit-remaining", 0)
            .with_header("x-ratelimit-reset", secs(SystemTime::now()) + 30)
    })
    .await;
    // The call timeout.
    let (e, took, (limit, phase, _)) = failed_call(&server.url, Duration::from_secs(60)).await;
    assert!(took < Duration::from_secs(1), "not waited");
    assert_eq!(
        (limit, phase),
        (TimeLimit::Call(Duration::from_secs(2)), Phase::RateLimited)
    );
    let wait = e.out_of_time().and_then(|o| o.wait);
    assert!(wait.is_some_and(|w| w >= Duration::from_secs(30)));
    // The 429 is still there to read.
    assert!(e.is_rate_limited());
    assert_eq!(e.code(), Some(&ErrorCode::RateLimitExceeded));
    assert_eq!(e.rate_limit().map(|r| r.remaining), Some(0));

    // The rate-limit wait limit, with no call timeout.
    let client = Client::builder()
        .access_token(TOKEN)
        .base_url(&server.url)
        .call_timeout(None)
        .rate_limit(RateLimitConfig {
            max_wait: Duration::from_secs(10),
            ..RateLimitConfig::default()
        })
        .build()
        .unwrap();
    let e = client.v2_16().list_tags().send().await.unwrap_err();
    let o = e.out_of_time().unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!(o.limit, TimeLimit::RateLimitWait(Duration::from_secs(10)));
    assert!(
        e.to_string()
            .starts_with("rate-limit wait limit of 10.00 s reached"),
        "{e}"
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn per_call_options_apply_to_one_view_only() {
    let quick_retries = RetryConfig {
        initial_backoff: Duration::from_millis(5),
        ..RetryConfig::default()
    };
    let builder = |url: &str| {
        Client::builder()
            .access_token(TOKEN)
            .base_url(url)
            .retry(quick_retries.clone())
    };
    // Attempts: one for the view, four for the client.
    let server = RawServer::start(|_| Action::status(503, "{}")).await;
    let client = builder(&server.url).build().unwrap();
    let once = client.with_options(CallOptions::new().max_attempts(1));
    assert_eq!(
        once.v2_16()
            .list_tags()
            .send()
            .await
            .unwrap_err()
            .status()
            .map(|s| s.as_u16()),
        Some(503)
    );
    assert_eq!(server.count(), 1);
    client.v2_16().list_tags().send().await.unwrap_err();
    assert_eq!(server.count(), 1 + 4, "the client keeps its own");

    // Retrying a POST after a 5xx: only where opted in.
    let n = Arc::new(AtomicU32::new(0));
    let n2 = n.clone();
    let server = RawServer::start(move |_| match n2.fetch_add(1, Ordering::SeqCst) {
        0..=2 => Action::status(503, "{}"),
        _ => Action::ok(support::tag_json("1")),
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let create = |c: &Client| {
        let c = c.clone();
        async move {
            let body = intercom_api::v2_16::types::CreateOrUpdateTagRequest::new("vip");
            c.v2_16().tags().create().body(body).send().await.map(drop)
        }
    };
    create(&client).await.unwrap_err();
    assert_eq!(
        server.count(),
        1,
        "a POST that reached the server is not repeated"
    );
    let safe = client.with_options(CallOptions::new().retry_non_idempotent(true));
    create(&safe).await.unwrap();
    assert_eq!(server.count(), 1 + 3);

    // The attempt timeout: 100 ms for the view, whose first attempt stalls.
    let n = AtomicU32::new(0);
    let server = RawServer::start(move |_| {
        if n.fetch_add(1, Ordering::SeqCst) == 0 {
            Action::Hang
        } else {
            Action::ok(LIST)
        }
    })
    .await;
    let client = builder(&server.url).build().unwrap();
    let impatient = client
        .with_options(CallOptions::new().attempt_timeout(Some(Duration::from_secs(30))))
        .with_options(CallOptions::new().attempt_timeout(Some(Duration::from_millis(100))));
    let started = Instant::now();
    impatient.v2_16().list_tags().send().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the later option won"
    );
    assert_eq!(server.count(), 2);
    assert_eq!(client.in_flight_for_tests(), (0, false));
}
