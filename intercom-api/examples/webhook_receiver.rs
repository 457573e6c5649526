//! Receives Intercom webhooks with axum, typed: the `VerifiedEvent` extractor
//! checks `X-Hub-Signature` against the app's client secret before the
//! handler runs (401 otherwise) and decodes the 2.16 `webhooks::Event` of
//! the topic. The handler answers at once: it drops a notification it has
//! already seen (Intercom retries until it gets a 2xx, so ids repeat), and
//! hands the rest to a worker task through a bounded queue (503 when it is
//! full, so Intercom tries again later). The worker dispatches on the topic.
//!
//! `cargo run -p intercom-api --features axum --example webhook_receiver`
//! (mock mode: the server binds a loopback port, posts itself a signed
//! notification twice, one of a topic it does not know and one badly signed,
//! checks the verdicts and what the worker handled, and exits), or with
//! `INTERCOM_CLIENT_SECRET=…` it serves `POST /intercom/webhooks` on `PORT`
//! (default 3000) until stopped. `--mock` forces mock mode.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::post;
use intercom_api::v2_16::webhooks::Event;
use intercom_api::webhook::axum::{VerifiedEvent, WebhookSecret};
use intercom_api::webhook::{self, SIGNATURE_HEADER, WebhookEvent};
use serde_json::json;
use tokio::sync::mpsc;

const ROUTE: &str = "/intercom/webhooks";

/// How long a notification id is remembered (Intercom retries for hours
/// at most; a day covers it), and how many ids at most.
const DEDUP_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);
const DEDUP_CAPACITY: usize = 100_000;

/// Notifications waiting for the worker; past it, 503.
const QUEUE: usize = 1024;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Notification ids seen within a time window, at most `capacity` of them
/// (the oldest are forgotten first): bounded memory, however many arrive.
struct Seen {
    window: Duration,
    capacity: usize,
    order: VecDeque<(Instant, String)>,
    ids: HashSet<String>,
}

impl Seen {
    fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity,
            order: VecDeque::new(),
            ids: HashSet::new(),
        }
    }

    /// Records `id`; false if it was seen within the window.
    fn first_time(&mut self, id: &str, now: Instant) -> bool {
        while let Some((at, _)) = self.order.front() {
            if now.duration_since(*at) < self.window {
                break;
            }
            self.evict_oldest();
        }
        if self.ids.contains(id) {
            return false;
        }
        while self.order.len() >= self.capacity {
            self.evict_oldest();
        }
        self.ids.insert(id.to_owned());
        self.order.push_back((now, id.to_owned()));
        true
    }

    fn evict_oldest(&mut self) {
        if let Some((_, old)) = self.order.pop_front() {
            self.ids.remove(&old);
        }
    }

    /// Forgets `id` (it was not handled, so its retry must be).
    fn forget(&mut self, id: &str) {
        if self.ids.remove(id) {
            self.order.retain(|(_, seen)| seen != id);
        }
    }
}

/// What the handler shares.
#[derive(Clone)]
struct AppState {
    secret: WebhookSecret,
    seen: Arc<Mutex<Seen>>,
    queue: mpsc::Sender<(Option<String>, Event)>,
}

impl FromRef<AppState> for WebhookSecret {
    fn from_ref(state: &AppState) -> Self {
        state.secret.clone()
    }
}

/// Runs only for notifications whose signature matched; never waits for
/// the work itself.
async fn handle(
    State(state): State<AppState>,
    VerifiedEvent {
        notification,
        event,
    }: VerifiedEvent<Event>,
) -> (StatusCode, &'static str) {
    let id = notification.id;
    if let Some(id) = &id
        && !state
            .seen
            .lock()
            .expect("not poisoned")
            .first_time(id, Instant::now())
    {
        return (StatusCode::OK, "duplicate");
    }
    match state.queue.try_send((id, event)) {
        Ok(()) => (StatusCode::OK, "queued"),
        Err(e) => {
            let (id, _) = e.into_inner();
            if let Some(id) = id {
                state.seen.lock().expect("not poisoned").forget(&id);
            }
            (StatusCode::SERVICE_UNAVAILABLE, "busy, try again")
        }
    }
}

/// The worker: one notification at a time, dispatched on its topic.
/// Returns a line per notification (what mock mode checks).
fn process(id: Option<&str>, event: &Event) -> String {
    let id = id.unwrap_or("(no id)");
    let what = match event {
        Event::ConversationUserCreated(c) | Event::ConversationUserReplied(c) => format!(
            "conversation {} from a user, state {:?}",
            c.id.as_deref().unwrap_or("?"),
            c.state
        ),
        Event::ConversationAdminClosed(c) => {
            format!("conversation {} closed", c.id.as_deref().unwrap_or("?"))
        }
        Event::ContactUserCreated(c) => format!(
            "new user {} <{}>",
            c.id.as_deref().unwrap_or("?"),
            c.email.as_deref().unwrap_or("no email")
        ),
        Event::TicketCreated(t) => format!("ticket {} created", t.id.as_deref().unwrap_or("?")),
        Event::Ping(item) => format!("ping: {}", item["message"]),
        Event::Unknown(raw) => format!("a topic this version does not know: {}", raw.topic),
        Event::Undecoded(u) => format!("{u}; kept raw"),
        other => format!("{} ({:?})", other.topic(), other.kind()),
    };
    let repaired = event.mismatches().len();
    let note = if repaired > 0 {
        format!(" ({repaired} values repaired)")
    } else {
        String::new()
    };
    format!("{id}: {what}{note}")
}

/// The app, and the receiving end of its queue.
fn app(secret: &str) -> (Router, mpsc::Receiver<(Option<String>, Event)>) {
    let (queue, rx) = mpsc::channel(QUEUE);
    let state = AppState {
        secret: WebhookSecret::new(secret),
        seen: Arc::new(Mutex::new(Seen::new(DEDUP_WINDOW, DEDUP_CAPACITY))),
        queue,
    };
    (
        Router::new().route(ROUTE, post(handle)).with_state(state),
        rx,
    )
}

/// Starts the worker; every processed line goes to `done` when given.
fn spawn_worker(
    mut rx: mpsc::Receiver<(Option<String>, Event)>,
    done: Option<mpsc::UnboundedSender<String>>,
) {
    tokio::spawn(async move {
        while let Some((id, event)) = rx.recv().await {
            let line = process(id.as_deref(), &event);
            println!("processed {line}");
            if let Some(done) = &done {
                let _ = done.send(line);
            }
        }
    });
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
    let (app, rx) = app(secret);
    spawn_worker(rx, None);
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    println!(
        "listening on http://{}{ROUTE} (Ctrl-C to stop)",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}

/// Mock mode: serve on a loopback port and send ourselves notifications.
async fn self_test() -> Result<(), BoxError> {
    const SECRET: &str = "example-client-secret";
    eprintln!(
        "mock mode (no INTERCOM_CLIENT_SECRET, or --mock): sending this server notifications"
    );

    let (app, rx) = app(SECRET);
    let (done_tx, mut done) = mpsc::unbounded_channel();
    spawn_worker(rx, Some(done_tx));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = format!("http://{}{ROUTE}", listener.local_addr()?);
    tokio::spawn(axum::serve(listener, app).into_future());
    println!("listening on {url}");

    let notification = |id: &str, topic: &str, item: serde_json::Value| {
        json!({
            "type": "notification_event",
            "id": id,
            "topic": topic,
            "app_id": "abc123",
            "created_at": 1_719_000_000,
            "delivery_attempts": 1,
            "first_sent_at": 1_719_000_000,
            "data": {"type": "notification_event_data", "item": item}
        })
        .to_string()
    };
    let created = notification(
        "notif_0f6c1a",
        "conversation.user.created",
        json!({"type": "conversation", "id": "7", "state": "open"}),
    );
    let unknown = notification(
        "notif_77aa01",
        "hologram.projected",
        json!({"type": "hologram", "id": "h1"}),
    );
    let http = reqwest::Client::new();
    let post = |body: &str, secret: &[u8]| {
        http.post(&url)
            .header(SIGNATURE_HEADER, webhook::sign(secret, body.as_bytes()))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
    };

    let mut verdicts = Vec::new();
    for (label, body, secret) in [
        ("signed", &created, SECRET.as_bytes()),
        ("same id again", &created, SECRET.as_bytes()),
        ("unknown topic", &unknown, SECRET.as_bytes()),
        (
            "badly signed",
            &created,
            b"not-the-client-secret".as_slice(),
        ),
    ] {
        let res = post(body, secret).await?;
        let status = res.status();
        println!("{label:<14} {status} {:?}", res.text().await?);
        verdicts.push(status.as_u16());
    }
    if verdicts != [200, 200, 200, 401] {
        return Err(format!("expected 200, 200, 200, 401; got {verdicts:?}").into());
    }

    // The worker handles each notification once, typed.
    let mut handled = Vec::new();
    while handled.len() < 2 {
        let line = tokio::time::timeout(Duration::from_secs(5), done.recv())
            .await
            .map_err(|_| format!("the worker handled only {handled:?}"))?
            .ok_or("the worker stopped")?;
        handled.push(line);
    }
    let expected = [
        "notif_0f6c1a: conversation 7 from a user, state Some(Open)",
        "notif_77aa01: a topic this version does not know: hologram.projected",
    ];
    if handled != expected {
        return Err(format!("the worker handled {handled:?}, expected {expected:?}").into());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    if let Ok(extra) = done.try_recv() {
        return Err(format!("the duplicate was handled again: {extra}").into());
    }
    println!(
        "typed webhooks work: verified, decoded, answered at once, the duplicate dropped, the forgery refused"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_remembered_within_the_window_and_up_to_the_capacity() {
        let t0 = Instant::now();
        let mut seen = Seen::new(Duration::from_secs(60), 3);
        assert!(seen.first_time("a", t0));
        assert!(!seen.first_time("a", t0 + Duration::from_secs(59)));
        // Past the window, `a` is forgotten.
        assert!(seen.first_time("a", t0 + Duration::from_secs(61)));
        // At capacity, the oldest goes first.
        let t1 = t0 + Duration::from_secs(62);
        assert!(seen.first_time("b", t1));
        assert!(seen.first_time("c", t1));
        assert!(seen.first_time("d", t1));
        assert_eq!(seen.order.len(), 3);
        assert_eq!(seen.ids.len(), 3);
        assert!(seen.first_time("a", t1));
        assert!(!seen.first_time("d", t1));
        seen.forget("d");
        assert!(seen.first_time("d", t1));
    }
}
