//! Typed webhook events of 2.16: decoding by topic, what stays raw and why,
//! and the axum extractor over real HTTP. (Every topic of every version is
//! checked against the specs' own examples in `tests/tests/webhook_events.rs`.)

#![cfg(feature = "v2_16")]

use intercom_api::v2_16::webhooks::{Event, TOPICS};
use intercom_api::webhook::{EventKind, Notification, WebhookEvent};
use serde_json::{Value, json};

fn notification(topic: &str, item: Value) -> Notification {
    let body = json!({
        "type": "notification_event",
        "id": "notif_1",
        "topic": topic,
        "app_id": "app",
        "created_at": 1_700_000_000,
        "delivery_attempts": 1,
        "first_sent_at": 1_700_000_000,
        "data": {"type": "notification_event_data", "item": item},
    });
    Notification::from_verified(&serde_json::to_vec(&body).unwrap()).unwrap()
}

#[test]
fn known_topics_decode_into_their_variant() {
    let item =
        json!({"type": "conversation", "id": "123", "state": "open", "admin_assignee_id": 9});
    let n = notification("conversation.admin.assigned", item.clone());
    match n.event::<Event>() {
        Event::ConversationAdminAssigned(c) => {
            assert_eq!(c.id.as_deref(), Some("123"));
            assert_eq!(c.admin_assignee_id, Some(9));
            assert_eq!(c.raw, item);
            assert!(c.mismatches.is_empty());
            assert!(c.unkept().is_empty(), "{:?}", c.unkept());
        }
        other => panic!("{other:?}"),
    }
    // The envelope keeps its raw item.
    assert_eq!(n.data.item, item);

    let e: Event = notification(
        "contact.user.created",
        json!({"type": "contact", "id": "c1", "email": "a@b.c"}),
    )
    .event();
    assert!(
        matches!(&e, Event::ContactUserCreated(c) if c.email.as_deref() == Some("a@b.c")),
        "{e:?}"
    );
    let e: Event = notification(
        "ticket.state.updated",
        json!({"type": "ticket", "id": "t1"}),
    )
    .event();
    assert!(matches!(&e, Event::TicketStateUpdated(t) if t.id.as_deref() == Some("t1")));
    assert_eq!(
        (e.topic(), e.variant()),
        ("ticket.state.updated", "TicketStateUpdated")
    );
}

#[test]
fn objects_without_a_type_stay_json() {
    let item = json!({"type": "ping", "message": "hello"});
    let e: Event = notification("ping", item.clone()).event();
    assert!(matches!(&e, Event::Ping(v) if *v == item), "{e:?}");
    assert_eq!(e.kind(), EventKind::Untyped);
    let row = TOPICS.iter().find(|t| t.name == "ping").unwrap();
    assert_eq!(row.rust_type, None);
    let row = TOPICS
        .iter()
        .find(|t| t.name == "conversation.user.created")
        .unwrap();
    assert_eq!(row.rust_type, Some("types::Conversation"));
    assert_eq!(row.variant, "ConversationUserCreated");
}

#[test]
fn unknown_topics_stay_raw() {
    let item = json!({"type": "hologram", "id": "h1", "depth": 3});
    let e: Event = notification("hologram.projected", item.clone()).event();
    match &e {
        Event::Unknown(raw) => {
            assert_eq!(raw.topic, "hologram.projected");
            assert_eq!(raw.item, item);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.kind(), EventKind::Unknown);
    assert_eq!(e.topic(), "hologram.projected");
    assert_eq!(e.raw(), &item);
}

#[test]
fn items_that_do_not_decode_stay_raw_with_the_reason() {
    // Not an object at all.
    let e: Event = notification("conversation.user.created", json!("oops")).event();
    match &e {
        Event::Undecoded(u) => {
            assert_eq!(u.topic, "conversation.user.created");
            assert_eq!(u.rust_type, "types::Conversation");
            assert_eq!(u.item, json!("oops"));
            assert!(u.error.contains("invalid type"), "{}", u.error);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.topic(), "conversation.user.created");
    // A data event needs its `event_name` and `created_at`.
    let item = json!({"type": "event", "user_id": "u1"});
    let e: Event = notification("event.created", item.clone()).event();
    match &e {
        Event::Undecoded(u) => {
            assert_eq!(u.item, item);
            assert!(u.error.contains("missing field"), "{}", u.error);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_fields_and_misfits_keep_the_event_typed_and_lose_nothing() {
    let item = json!({
        "type": "conversation",
        "id": 77,
        "state": "open",
        "sparkle": {"level": 11},
        "tags": {"type": "tag.list", "tags": [{"type": "tag", "id": "5", "name": "vip", "glow": true}]},
    });
    let e: Event = notification("conversation.user.replied", item.clone()).event();
    let Event::ConversationUserReplied(c) = &e else {
        panic!("{e:?}")
    };
    // The numeric id was read as the string the type wants, and said so.
    assert_eq!(c.id.as_deref(), Some("77"));
    assert_eq!(c.mismatches.len(), 1);
    assert_eq!(c.mismatches[0].path, "id");
    assert_eq!(e.mismatches(), c.mismatches.as_slice());
    // What the type does not know is named, and kept raw.
    assert_eq!(c.unkept(), ["sparkle", "tags.tags[0].glow"]);
    assert_eq!(e.unkept(), c.unkept());
    assert_eq!(e.raw(), &item);
    assert_eq!(e.kind(), EventKind::Typed);
    let back = e.typed_json().unwrap();
    assert_eq!(back["tags"]["tags"][0]["name"], "vip");
}

#[cfg(feature = "axum")]
mod axum_extractor {
    use super::*;
    use axum::Router;
    use axum::extract::State;
    use axum::http::StatusCode;
    use axum::routing::post;
    use intercom_api::webhook::{self, axum::VerifiedEvent, axum::WebhookSecret};
    use tokio::sync::mpsc;

    const SECRET: &str = "whsec-events";

    #[derive(Clone)]
    struct AppState {
        secret: WebhookSecret,
        events: mpsc::UnboundedSender<(Option<String>, Event)>,
    }

    impl axum::extract::FromRef<AppState> for WebhookSecret {
        fn from_ref(state: &AppState) -> Self {
            state.secret.clone()
        }
    }

    async fn handle(
        State(state): State<AppState>,
        VerifiedEvent {
            notification,
            event,
        }: VerifiedEvent<Event>,
    ) -> StatusCode {
        state.events.send((notification.id, event)).unwrap();
        StatusCode::OK
    }

    /// Posts `body` signed with `key`; the status the receiver answered.
    async fn post_signed(http: &reqwest::Client, url: &str, key: &[u8], body: &[u8]) -> u16 {
        http.post(url)
            .header(webhook::SIGNATURE_HEADER, webhook::sign(key, body))
            .body(body.to_vec())
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    #[tokio::test]
    async fn the_extractor_yields_typed_events_over_http() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let app = Router::new()
            .route("/hooks", post(handle))
            .with_state(AppState {
                secret: WebhookSecret::new(SECRET),
                events: tx,
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let http = reqwest::Client::new();

        let body = serde_json::to_vec(&json!({
            "type": "notification_event", "id": "notif_9", "topic": "conversation.user.created",
            "data": {"type": "notification_event_data", "item": {"type": "conversation", "id": "42", "extra": 1}},
        }))
        .unwrap();
        assert_eq!(
            post_signed(&http, &url, SECRET.as_bytes(), &body).await,
            200
        );
        let (id, event) = rx.recv().await.unwrap();
        assert_eq!(id.as_deref(), Some("notif_9"));
        match event {
            Event::ConversationUserCreated(c) => {
                assert_eq!(c.id.as_deref(), Some("42"));
                assert_eq!(c.raw["extra"], 1);
            }
            other => panic!("{other:?}"),
        }

        // An unknown topic is accepted, raw.
        let body = br#"{"type":"notification_event","topic":"new.thing","data":{"item":{"a":1}}}"#;
        assert_eq!(post_signed(&http, &url, SECRET.as_bytes(), body).await, 200);
        let (_, event) = rx.recv().await.unwrap();
        assert!(matches!(&event, Event::Unknown(r) if r.topic == "new.thing" && r.item["a"] == 1));

        // A wrong signature never reaches the handler.
        assert_eq!(post_signed(&http, &url, b"other", body).await, 401);
        assert!(rx.try_recv().is_err());
        server.abort();
    }
}
