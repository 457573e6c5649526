//! Receives Intercom webhooks with axum: the `VerifiedNotification` extractor
//! checks `X-Hub-Signature` against the app's client secret before the
//! handler runs (401 otherwise), and the handler prints the topic.
//!
//! `cargo run -p intercom-api --features axum --example webhook_receiver`
//! (mock mode: the server binds a loopback port, posts itself one correctly
//! and one badly signed notification, checks the verdicts and exits), or with
//! `INTERCOM_CLIENT_SECRET=…` it serves `POST /intercom/webhooks` on `PORT`
//! (default 3000) until stopped. `--mock` forces mock mode.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use intercom_api::webhook::axum::{VerifiedNotification, WebhookSecret};
use intercom_api::webhook::{self, SIGNATURE_HEADER};
use serde_json::json;

const ROUTE: &str = "/intercom/webhooks";

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs only for notifications whose signature matched.
async fn handle(VerifiedNotification(notification): VerifiedNotification) -> &'static str {
    println!(
        "received {} (topic {}, {:?})",
        notification.id.as_deref().unwrap_or("a notification"),
        notification.topic,
        notification.topic_kind()
    );
    "ok"
}

fn app(secret: &str) -> Router {
    Router::new()
        .route(ROUTE, post(handle))
        .with_state(WebhookSecret::new(secret))
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let forced_mock = std::env::args().skip(1).any(|a| a == "--mock");
    match std::env::var("INTERCOM_CLIENT_SECRET") {
        Ok(secret) if !forced_mock && !secret.is_empty() => serve(&secret).await,
        _ => self_test().await,
    }
}

/// Real mode: serve until stopped (point the app's webhook URL here, e.g.
/// through a tunnel).
async fn serve(secret: &str) -> Result<(), BoxError> {
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p.parse().map_err(|e| format!("PORT={p:?}: {e}"))?,
        Err(_) => 3000,
    };
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    println!(
        "listening on http://{}{ROUTE} (Ctrl-C to stop)",
        listener.local_addr()?
    );
    axum::serve(listener, app(secret)).await?;
    Ok(())
}

/// Mock mode: serve on a loopback port and send ourselves two notifications.
async fn self_test() -> Result<(), BoxError> {
    const SECRET: &str = "example-client-secret";
    eprintln!(
        "mock mode (no INTERCOM_CLIENT_SECRET, or --mock): sending this server two notifications"
    );

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}{ROUTE}", listener.local_addr()?);
    tokio::spawn(axum::serve(listener, app(SECRET)).into_future());
    println!("listening on {url}");

    let body = json!({
        "type": "notification_event",
        "id": "notif_0f6c1a",
        "topic": "conversation.user.created",
        "app_id": "abc123",
        "created_at": 1_719_000_000,
        "delivery_attempts": 1,
        "first_sent_at": 1_719_000_000,
        "data": {
            "type": "notification_event_data",
            "item": {"type": "conversation", "id": "7"}
        }
    })
    .to_string();
    let http = reqwest::Client::new();
    let post = |signature: String| {
        http.post(&url)
            .header(SIGNATURE_HEADER, signature)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
    };

    // Signed with the client secret, as Intercom does.
    let good = post(webhook::sign(SECRET.as_bytes(), body.as_bytes())).await?;
    let good_status = good.status();
    println!("correctly signed: {good_status} {:?}", good.text().await?);

    // Signed with another secret: rejected before the handler runs.
    let bad = post(webhook::sign(b"not-the-client-secret", body.as_bytes())).await?;
    let bad_status = bad.status();
    println!("badly signed:     {bad_status} {:?}", bad.text().await?);

    if good_status != StatusCode::OK || bad_status != StatusCode::UNAUTHORIZED {
        return Err(format!("expected 200 then 401, got {good_status} then {bad_status}").into());
    }
    println!("signature verification works: accepted the signed notification, rejected the other");
    Ok(())
}
