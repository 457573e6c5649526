//! Calls cancelled at each await point of the runtime leave the client as if
//! they had never started (or had failed): afterwards the same client and a
//! clone complete calls promptly and the limiter has nothing in flight.
//! Real HTTP on loopback; a fast clock makes rate-limit waits short but real.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use intercom_api::{CallOptions, Client, Phase, RetryConfig, TimeLimit};
use serde_json::json;
use support::{Action, FastClock, RawServer, TOKEN, client, until};
use tokio::task::JoinHandle;

const LIST: &str = r#"{"type":"list","data":[]}"#;

/// Plenty of rate-limit room, as Intercom reports it.
fn roomy(clock: &FastClock) -> Action {
    Action::ok(LIST)
        .with_header("x-ratelimit-limit", 1000)
        .with_header("x-ratelimit-remaining", 999)
        .with_header("x-ratelimit-reset", clock.secs() + 10)
}

/// Answers request number `n` (0-based) with `first(n)` while it returns
/// `Some`, then with plenty of room.
async fn server(
    clock: &FastClock,
    first: impl Fn(usize) -> Option<Action> + Send + Sync + 'static,
) -> RawServer {
    let n = AtomicUsize::new(0);
    let clock = clock.clone();
    RawServer::start(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        first(i).unwrap_or_else(|| roomy(&clock))
    })
    .await
}

fn list(client: &Client) -> JoinHandle<()> {
    let client = client.clone();
    tokio::spawn(async move {
        let _ = client.v2_16().list_tags().send().await;
    })
}

/// Cancels the call like `JoinHandle::abort` does: the future is dropped at
/// whatever await it is parked on. The call must not have finished.
async fn cancel(call: JoinHandle<()>) {
    call.abort();
    let e = call.await.expect_err("the call was still running");
    assert!(e.is_cancelled());
}

/// The same client and a clone complete `n` calls each (sequentially and
/// concurrently) within a generous bound, and nothing is left in flight.
async fn recovers(client: &Client) {
    const N: usize = 8;
    let clone = client.clone();
    let work = async {
        for _ in 0..N {
            client
                .v2_16()
                .list_tags()
                .send()
                .await
                .expect("a call after the cancellation");
        }
        let calls = (0..N).map(|_| {
            let c = clone.clone();
            async move { c.v2_16().list_tags().send().await.map(drop) }
        });
        for r in futures::future::join_all(calls).await {
            r.expect("a clone's call after the cancellation");
        }
    };
    tokio::time::timeout(Duration::from_secs(10), work)
        .await
        .expect("the client is not wedged");
    assert_eq!(client.in_flight_for_tests(), (0, false));
    assert_eq!(clone.in_flight_for_tests(), (0, false));
}

/// A server whose first response spends the window until `reset_in`
/// seconds from now, then has plenty of room.
async fn spending_the_window(clock: &FastClock, reset_in: u64) -> RawServer {
    let c2 = clock.clone();
    server(clock, move |i| {
        (i == 0).then(|| {
            Action::ok(LIST)
                .with_header("x-ratelimit-limit", 1)
                .with_header("x-ratelimit-remaining", 0)
                .with_header("x-ratelimit-reset", c2.secs() + reset_in)
        })
    })
    .await
}

#[tokio::test]
async fn cancelled_while_waiting_for_pacing() {
    let clock = FastClock::new(10);
    // The window is spent for 10 s (1 s real).
    let server = spending_the_window(&clock, 10).await;
    let client = client(&server.url, &clock);
    client.v2_16().list_tags().send().await.unwrap();

    let paced = list(&client);
    until("the call paces", || clock.sleeping() == 1).await;
    assert_eq!(server.count(), 1, "not sent yet");
    assert_eq!(client.in_flight_for_tests(), (0, false));
    cancel(paced).await;
    assert_eq!(clock.sleeping(), 0);
    recovers(&client).await;
    assert_eq!(server.count(), 1 + 16);
}

#[tokio::test]
async fn a_probe_cancelled_by_a_timeout_does_not_wedge_the_client() {
    // The issue's reproduction: the first call is wrapped in a timeout
    // against a server that does not answer in time.
    let clock = FastClock::new(100);
    let server = server(&clock, |i| (i == 0).then_some(Action::Hang)).await;
    let client = client(&server.url, &clock);

    let first = tokio::time::timeout(
        Duration::from_millis(100),
        client.v2_16().list_tags().send(),
    )
    .await;
    assert!(first.is_err(), "the first call timed out");
    assert_eq!(
        client.in_flight_for_tests(),
        (0, false),
        "the probe is released"
    );
    recovers(&client).await;
}

#[tokio::test]
async fn cancelled_while_waiting_for_the_probe_and_the_probe_too() {
    let clock = FastClock::new(100);
    let server = server(&clock, |i| (i == 0).then_some(Action::Hang)).await;
    let client = client(&server.url, &clock);

    let probe = list(&client);
    until("the probe is sent", || server.count() == 1).await;
    let waiting = list(&client.clone());
    let also_waiting = list(&client.clone());
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(server.count(), 1, "the others wait for the probe");
    assert_eq!(client.in_flight_for_tests(), (1, true));
    cancel(waiting).await;
    assert_eq!(client.in_flight_for_tests(), (1, true));
    // The probe itself is cancelled: the remaining waiter becomes the probe.
    cancel(probe).await;
    tokio::time::timeout(Duration::from_secs(10), also_waiting)
        .await
        .expect("a waiter is woken when the probe is cancelled")
        .unwrap();
    assert_eq!(server.count(), 2);
    recovers(&client).await;
}

#[tokio::test]
async fn cancelled_while_sending() {
    let clock = FastClock::new(100);
    let n = AtomicUsize::new(0);
    let c2 = clock.clone();
    // The first connection is never read from: a large body stays unsent.
    let server = RawServer::start_stalling(1, move |_| {
        n.fetch_add(1, Ordering::SeqCst);
        roomy(&c2)
    })
    .await;
    let client = client(&server.url, &clock);
    let big = "x".repeat(16 << 20);
    let body: intercom_api::v2_16::types::CreateTagBody =
        serde_json::from_value(json!({ "name": big })).unwrap();
    let c = client.clone();
    let sending = tokio::spawn(async move {
        let _ = c.v2_16().create_tag().body(body).send().await;
    });
    until("the connection is open", || server.open_connections() == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.count(), 0, "nothing was received");
    assert_eq!(client.in_flight_for_tests(), (1, true), "still sending");
    cancel(sending).await;
    assert_eq!(client.in_flight_for_tests(), (0, false));
    recovers(&client).await;
}

#[tokio::test]
async fn cancelled_while_waiting_for_headers() {
    let clock = FastClock::new(100);
    let server = server(&clock, |i| (i == 1).then_some(Action::Hang)).await;
    let client = client(&server.url, &clock);
    client.v2_16().list_tags().send().await.unwrap();

    let waiting = list(&client);
    until("the request arrives", || server.count() == 2).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(client.in_flight_for_tests(), (1, false));
    cancel(waiting).await;
    assert_eq!(client.in_flight_for_tests(), (0, false));
    recovers(&client).await;
}

#[tokio::test]
async fn cancelled_while_reading_the_body() {
    for status in [200, 404] {
        let clock = FastClock::new(100);
        let body = format!(
            r#"{{"type":"list","data":[],"pad":"{}"}}"#,
            "p".repeat(4096)
        );
        let server = server(&clock, move |i| {
            (i == 1).then(|| Action::Stall {
                status,
                body: body.clone(),
            })
        })
        .await;
        let client = client(&server.url, &clock);
        client.v2_16().list_tags().send().await.unwrap();

        let reading = list(&client);
        until("the request arrives", || server.count() == 2).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        cancel(reading).await;
        assert_eq!(client.in_flight_for_tests(), (0, false));
        recovers(&client).await;
    }
}

#[tokio::test]
async fn cancelled_while_sleeping_in_backoff_returns_the_budget() {
    let clock = FastClock::new(1);
    let server = server(&clock, |i| (i == 1).then(|| Action::status(503, "{}"))).await;
    let client = Client::builder()
        .access_token(TOKEN)
        .base_url(&server.url)
        .clock(clock.clone())
        .retry(RetryConfig {
            // Full jitter over an hour: the backoff is still running when cancelled.
            initial_backoff: Duration::from_secs(3600),
            max_backoff: Duration::from_secs(3600),
            ..RetryConfig::default()
        })
        .call_timeout(None)
        .build()
        .unwrap();
    client.v2_16().list_tags().send().await.unwrap();
    let full = client.retry_budget();
    assert_eq!(full, Some(500));

    let backing_off = list(&client);
    until("the call backs off", || clock.sleeping() == 1).await;
    assert_eq!(server.count(), 2);
    assert_eq!(
        client.retry_budget(),
        Some(495),
        "the retry's cost is reserved"
    );
    cancel(backing_off).await;
    assert_eq!(clock.sleeping(), 0);
    assert_eq!(client.retry_budget(), full, "an unsent retry costs nothing");
    assert_eq!(client.in_flight_for_tests(), (0, false));
    recovers(&client).await;
    assert_eq!(server.count(), 2 + 16, "the cancelled retry was never sent");
}

#[tokio::test]
async fn cancelled_while_waiting_out_a_429() {
    for retry_after in [true, false] {
        let clock = FastClock::new(100);
        let server = server(&clock, move |i| {
            (i == 1).then(|| {
                let limited = Action::status(429, "{}");
                if retry_after {
                    limited.with_header("retry-after", 100)
                } else {
                    limited
                }
            })
        })
        .await;
        let client = Client::builder()
            .access_token(TOKEN)
            .base_url(&server.url)
            .clock(clock.clone())
            .retry(RetryConfig {
                initial_backoff: Duration::from_secs(3000),
                max_backoff: Duration::from_secs(3000),
                ..RetryConfig::default()
            })
            .rate_limit(intercom_api::RateLimitConfig {
                max_wait: Duration::from_secs(6000),
                ..Default::default()
            })
            .call_timeout(None)
            .build()
            .unwrap();
        client.v2_16().list_tags().send().await.unwrap();

        let limited = list(&client);
        until("the call waits out the 429", || clock.sleeping() == 1).await;
        assert_eq!(server.count(), 2);
        cancel(limited).await;
        assert_eq!(client.in_flight_for_tests(), (0, false));
        assert_eq!(client.retry_budget(), Some(500));
        recovers(&client).await;
    }
}

/// Ends one call out of time through a view with a whole-call timeout of
/// `timeout`; gives its limit and phase.
async fn out_of_time(client: &Client, timeout: Duration) -> (TimeLimit, Phase) {
    let quick = client.with_options(CallOptions::new().timeout(timeout));
    let e = quick.v2_16().list_tags().send().await.unwrap_err();
    let o = e.out_of_time().unwrap_or_else(|| panic!("{e:?}"));
    (o.limit, o.phase)
}

#[tokio::test]
async fn calls_out_of_time_hold_nothing_wherever_they_ran_out() {
    let ms = Duration::from_millis;
    // Waiting for the probe, which hangs.
    {
        let clock = FastClock::new(100);
        let server = server(&clock, |i| (i == 0).then_some(Action::Hang)).await;
        let client = client(&server.url, &clock);
        let probe = list(&client);
        until("the probe is sent", || server.count() == 1).await;
        assert_eq!(
            out_of_time(&client, ms(300)).await,
            (TimeLimit::Call(ms(300)), Phase::AwaitingProbe)
        );
        assert_eq!(client.in_flight_for_tests(), (1, true), "only the probe");
        cancel(probe).await;
        recovers(&client).await;
    }
    // Before pacing: the window is spent for 8 s, the call has 2.
    {
        let clock = FastClock::new(100);
        let server = spending_the_window(&clock, 8).await;
        let client = client(&server.url, &clock);
        client.v2_16().list_tags().send().await.unwrap();
        assert_eq!(
            out_of_time(&client, Duration::from_secs(2)).await,
            (TimeLimit::Call(Duration::from_secs(2)), Phase::Pacing)
        );
        assert_eq!(clock.sleeping(), 0, "no wait was begun");
        assert_eq!(server.count(), 1);
        assert_eq!(client.in_flight_for_tests(), (0, false));
        recovers(&client).await;
    }
    // Mid-attempt: the answer hangs, the attempt's timeout is what is left.
    let clock = FastClock::new(1);
    let server = server(&clock, |i| (i == 1).then_some(Action::Hang)).await;
    let client = client(&server.url, &clock);
    client.v2_16().list_tags().send().await.unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        out_of_time(&client, ms(300)).await,
        (TimeLimit::Call(ms(300)), Phase::Sending)
    );
    let took = started.elapsed();
    assert!(took >= ms(250) && took < ms(2_000), "{took:?}");
    assert_eq!(client.in_flight_for_tests(), (0, false));
    recovers(&client).await;
}
