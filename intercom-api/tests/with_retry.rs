//! `Client::with_retry` applies every field of the config it is given, the
//! retry budget included (shared, fresh, or none), over loopback HTTP.

mod support;

use std::time::Duration;

use intercom_api::{Client, RetryConfig};
use support::{Action, FastClock, RawServer, TOKEN};

fn fast(budget: Option<u32>) -> RetryConfig {
    RetryConfig {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(1),
        budget,
        ..RetryConfig::default()
    }
}

#[tokio::test]
async fn with_retry_honours_attempts_and_budget() {
    let server = RawServer::start(|_| Action::status(500, "{}")).await;
    let clock = FastClock::new(1);
    let client = Client::builder()
        .access_token(TOKEN)
        .base_url(&server.url)
        .clock(clock)
        .retry(fast(Some(20)))
        .build()
        .unwrap();
    let fail = |c: &Client| {
        let c = c.clone();
        async move { c.v2_16().list_tags().send().await.unwrap_err() }
    };

    // Same capacity: the budget is shared with the original.
    let shared = client.with_retry(RetryConfig {
        retry_non_idempotent: true,
        ..fast(Some(20))
    });
    fail(&shared).await;
    assert_eq!(server.count(), 4, "max_attempts 4");
    assert_eq!(shared.retry_budget(), Some(5));
    assert_eq!(
        client.retry_budget(),
        Some(5),
        "spent from the shared budget"
    );

    // Another capacity: a fresh, full budget of its own.
    let fresh = client.with_retry(RetryConfig {
        max_attempts: 2,
        ..fast(Some(50))
    });
    assert_eq!(fresh.retry_budget(), Some(50));
    fail(&fresh).await;
    assert_eq!(server.count(), 4 + 2, "its max_attempts applies");
    assert_eq!(fresh.retry_budget(), Some(45));
    assert_eq!(
        client.retry_budget(),
        Some(5),
        "the original's is untouched"
    );

    // No budget: retries are limited by attempts alone, though the original's
    // budget cannot pay for one more retry.
    let unbudgeted = client.with_retry(fast(None));
    assert_eq!(unbudgeted.retry_budget(), None);
    fail(&client).await;
    assert_eq!(server.count(), 6 + 2, "the original: one retry, then dry");
    assert_eq!(client.retry_budget(), Some(0));
    fail(&unbudgeted).await;
    assert_eq!(server.count(), 8 + 4);
}
