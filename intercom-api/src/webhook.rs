//! Webhook verification and parsing.
//!
//! Intercom signs each notification with
//! `X-Hub-Signature: sha1=<hex HMAC-SHA1 of the raw body, keyed by the app's client secret>`.
//! [`verify`] checks it in constant time; [`Notification::from_verified`]
//! parses the envelope. Always verify the *raw* bytes before parsing.
//!
//! ```
//! use intercom_api::webhook::{self, Notification, Topic};
//!
//! let secret = b"client-secret";
//! let body = br#"{"type":"notification_event","id":"notif_1","topic":"conversation.user.created","app_id":"abc","created_at":1,"data":{"type":"notification_event_data","item":{"type":"conversation","id":"7"}}}"#;
//! let signature = webhook::sign(secret, body);
//! let notification = Notification::verify_and_parse(secret, Some(&signature), body).unwrap();
//! assert_eq!(notification.topic_kind(), Topic::Conversation);
//! assert_eq!(notification.data.item["id"], "7");
//! ```
//!
//! # Typed events
//!
//! Every version module has `webhooks::Event`: one variant per topic of that
//! version (from `spec/webhook-topics.toml`), carrying the version's
//! generated type for the topic's object ([`Typed`], decoded leniently, as
//! responses are, and keeping the item as received), or the item as
//! `serde_json::Value` where the version has no type for it (webhook-only
//! objects such as `contact_tag` or `content_stat`, or an item that is not
//! the object itself, like `ticket.closed`'s from 2.15). Its `TOPICS` table
//! says which. [`Typed::unkept`] names what a typed item's type does not
//! carry (fields Intercom sends that the spec lacks).
//!
//! [`Notification::event`] decodes; it never fails: a topic the version
//! does not know is `Event::Unknown` ([`RawEvent`]), and an item that does
//! not decode even leniently is `Event::Undecoded` ([`Undecoded`], with the
//! reason). Nothing is lost: [`WebhookEvent::raw`] is the item as received,
//! whatever the variant.
//!
//! ```
//! # #[cfg(feature = "v2_16")] {
//! use intercom_api::v2_16::webhooks::Event;
//! use intercom_api::webhook::{Notification, WebhookEvent};
//!
//! let body = br#"{"type":"notification_event","id":"notif_1","topic":"conversation.user.created","app_id":"abc","created_at":1,"data":{"type":"notification_event_data","item":{"type":"conversation","id":"7","state":"open","brand_new_field":true}}}"#;
//! let notification = Notification::from_verified(body).unwrap();
//! match notification.event::<Event>() {
//!     Event::ConversationUserCreated(conversation) => {
//!         assert_eq!(conversation.id.as_deref(), Some("7"));
//!         // A field the type does not know is still there, raw.
//!         assert_eq!(conversation.raw["brand_new_field"], true);
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! let ping = br#"{"type":"notification_event","topic":"some.future.topic","data":{"item":{"x":1}}}"#;
//! let event: Event = Notification::from_verified(ping).unwrap().event();
//! assert!(matches!(&event, Event::Unknown(raw) if raw.item["x"] == 1));
//! # }
//! ```

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha1::Sha1;

pub use intercom_client_core::webhook::{
    EventKind, RawEvent, TopicInfo, Typed, Undecoded, WebhookEvent,
};

/// The header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature";

/// Why a signature was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `X-Hub-Signature` header.
    #[error("missing X-Hub-Signature header")]
    MissingSignature,
    /// The header is not `<algorithm>=<hex>`.
    #[error("malformed X-Hub-Signature header: {0}")]
    MalformedSignature(&'static str),
    /// The algorithm prefix is not `sha1`.
    #[error("unsupported signature algorithm {0:?}, expected sha1")]
    UnsupportedAlgorithm(String),
    /// The signature does not match the body.
    #[error("signature does not match the body")]
    Mismatch,
}

/// Why a notification was rejected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signature check failed.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The verified body is not a notification envelope.
    #[error("invalid notification body: {0}")]
    Parse(#[from] serde_json::Error),
}

type HmacSha1 = Hmac<Sha1>;

fn mac(secret: &[u8]) -> HmacSha1 {
    // HMAC accepts keys of any length.
    HmacSha1::new_from_slice(secret).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

/// The `X-Hub-Signature` value for `body` (for tests and replaying).
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut m = mac(secret);
    m.update(body);
    format!("sha1={}", hex::encode(m.finalize().into_bytes()))
}

/// Checks an `X-Hub-Signature` value (`None` when the header is absent)
/// against the raw body, in constant time.
pub fn verify(secret: &[u8], signature: Option<&str>, body: &[u8]) -> Result<(), VerifyError> {
    let signature = signature.ok_or(VerifyError::MissingSignature)?.trim();
    let (algorithm, digest) = signature
        .split_once('=')
        .ok_or(VerifyError::MalformedSignature("expected `sha1=<hex>`"))?;
    if !algorithm.eq_ignore_ascii_case("sha1") {
        let shown: String = algorithm.chars().take(16).collect();
        return Err(VerifyError::UnsupportedAlgorithm(shown));
    }
    if digest.len() != 40 {
        return Err(VerifyError::MalformedSignature(
            "a sha1 digest is 40 hex digits",
        ));
    }
    let expected =
        hex::decode(digest).map_err(|_| VerifyError::MalformedSignature("digest is not hex"))?;
    let mut m = mac(secret);
    m.update(body);
    m.verify_slice(&expected).map_err(|_| VerifyError::Mismatch)
}

/// Checks the signature header of a request.
pub fn verify_headers(
    secret: &[u8],
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<(), VerifyError> {
    let value = match headers.get(SIGNATURE_HEADER) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| VerifyError::MalformedSignature("header is not ASCII"))?,
        ),
    };
    verify(secret, value, body)
}

/// What a notification is about, from its topic.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Topic {
    /// `contact.*`, `user.*`, `visitor.*`: the item is a contact.
    Contact,
    /// `conversation.*`, `conversation_part.*`: the item is a conversation.
    Conversation,
    /// `ticket.*`: the item is a ticket.
    Ticket,
    /// `ping`: sent when a webhook is set up.
    Ping,
    /// Any other topic (not an error: Intercom adds topics).
    Other(String),
}

/// The `data` of a notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationData {
    /// Usually `notification_event_data`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The object the notification is about, as raw JSON.
    #[serde(default)]
    pub item: serde_json::Value,
}

/// A webhook notification envelope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// `notification_event`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Notification id.
    #[serde(default)]
    pub id: Option<String>,
    /// Topic, e.g. `conversation.user.created`.
    pub topic: String,
    /// Workspace (app) id.
    #[serde(default)]
    pub app_id: Option<String>,
    /// UNIX time the event happened.
    #[serde(default)]
    pub created_at: Option<i64>,
    /// How many times Intercom has tried to deliver it.
    #[serde(default)]
    pub delivery_attempts: Option<u32>,
    /// UNIX time of the first delivery attempt.
    #[serde(default)]
    pub first_sent_at: Option<i64>,
    /// The payload.
    pub data: NotificationData,
}

impl Notification {
    /// Parses a body whose signature was already verified.
    pub fn from_verified(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// Verifies the signature, then parses.
    pub fn verify_and_parse(
        secret: &[u8],
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Self, WebhookError> {
        verify(secret, signature, body)?;
        Ok(Self::from_verified(body)?)
    }

    /// What the topic says the item is.
    pub fn topic_kind(&self) -> Topic {
        let head = self.topic.split('.').next().unwrap_or_default();
        match head {
            "contact" | "user" | "visitor" | "lead" => Topic::Contact,
            "conversation" | "conversation_part" => Topic::Conversation,
            "ticket" => Topic::Ticket,
            "ping" => Topic::Ping,
            _ => Topic::Other(self.topic.clone()),
        }
    }

    /// The typed event of a version, e.g.
    /// `notification.event::<intercom_api::v2_16::webhooks::Event>()`
    /// (see [the module docs](self#typed-events)). Never fails; the
    /// notification keeps its raw item.
    pub fn event<E: WebhookEvent>(&self) -> E {
        E::decode(&self.topic, self.data.item.clone())
    }

    /// Decodes the item into a generated type of your chosen version, e.g.
    /// `notification.item::<intercom_api::v2_16::types::Conversation>()`.
    pub fn item<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data.item)
    }
}

#[cfg(feature = "axum")]
pub mod axum {
    //! An axum extractor that accepts only correctly signed notifications
    //! (401 otherwise, 400 for a signed body that is not a notification).
    //!
    //! ```no_run
    //! use axum::{Router, routing::post};
    //! use intercom_api::webhook::axum::{VerifiedNotification, WebhookSecret};
    //!
    //! async fn handle(VerifiedNotification(n): VerifiedNotification) -> &'static str {
    //!     println!("{}", n.topic);
    //!     "ok"
    //! }
    //! let app: Router = Router::new()
    //!     .route("/intercom/webhooks", post(handle))
    //!     .with_state(WebhookSecret::new("client-secret"));
    //! ```
    //!
    //! [`VerifiedEvent`] also decodes the typed event of a version:
    //!
    //! ```no_run
    //! # #[cfg(feature = "v2_16")] {
    //! use axum::{Router, routing::post};
    //! use intercom_api::v2_16::webhooks::Event;
    //! use intercom_api::webhook::axum::{VerifiedEvent, WebhookSecret};
    //!
    //! async fn handle(VerifiedEvent { notification, event }: VerifiedEvent<Event>) -> &'static str {
    //!     if let Event::ConversationUserCreated(c) = event {
    //!         println!("{:?} opened {:?}", notification.id, c.id);
    //!     }
    //!     "ok"
    //! }
    //! let app: Router = Router::new()
    //!     .route("/intercom/webhooks", post(handle))
    //!     .with_state(WebhookSecret::new("client-secret"));
    //! # }
    //! ```

    use std::fmt;
    use std::sync::Arc;

    use axum::body::Bytes;
    use axum::extract::{FromRef, FromRequest, Request};
    use axum::http::StatusCode;
    use axum::response::{IntoResponse, Response};
    use secrecy::{ExposeSecret, SecretSlice};

    use super::{Notification, WebhookError, WebhookEvent};

    /// The app's client secret, as axum state (redacted in `Debug`).
    #[derive(Clone)]
    pub struct WebhookSecret(Arc<SecretSlice<u8>>);

    impl WebhookSecret {
        /// Wraps the client secret.
        pub fn new(secret: impl Into<Vec<u8>>) -> Self {
            Self(Arc::new(SecretSlice::from(secret.into())))
        }
    }

    impl fmt::Debug for WebhookSecret {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("WebhookSecret([redacted])")
        }
    }

    /// A notification whose signature was verified.
    #[derive(Debug, Clone)]
    pub struct VerifiedNotification(pub Notification);

    /// A notification whose signature was verified, and its typed event in
    /// the version `E` (e.g. `intercom_api::v2_16::webhooks::Event`).
    #[derive(Debug, Clone)]
    pub struct VerifiedEvent<E> {
        /// The envelope (its `data.item` is the item as received).
        pub notification: Notification,
        /// The typed event.
        pub event: E,
    }

    /// Why the extractor rejected a request.
    #[derive(Debug)]
    pub struct Rejection(WebhookError);

    impl IntoResponse for Rejection {
        fn into_response(self) -> Response {
            let status = match self.0 {
                WebhookError::Verify(_) => StatusCode::UNAUTHORIZED,
                WebhookError::Parse(_) => StatusCode::BAD_REQUEST,
            };
            (status, self.0.to_string()).into_response()
        }
    }

    impl<S> FromRequest<S> for VerifiedNotification
    where
        S: Send + Sync,
        WebhookSecret: FromRef<S>,
    {
        type Rejection = Response;

        async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
            let secret = WebhookSecret::from_ref(state);
            let headers = req.headers().clone();
            let body = Bytes::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            super::verify_headers(secret.0.expose_secret(), &headers, &body)
                .map_err(|e| Rejection(e.into()).into_response())?;
            Notification::from_verified(&body)
                .map(VerifiedNotification)
                .map_err(|e| Rejection(e.into()).into_response())
        }
    }

    impl<S, E> FromRequest<S> for VerifiedEvent<E>
    where
        S: Send + Sync,
        WebhookSecret: FromRef<S>,
        E: WebhookEvent,
    {
        type Rejection = Response;

        async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
            let VerifiedNotification(notification) =
                VerifiedNotification::from_request(req, state).await?;
            let event = notification.event();
            Ok(Self {
                notification,
                event,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known answers computed independently with
    // `printf '%s' "$BODY" | openssl dgst -sha1 -hmac "$SECRET"`.
    const SECRET: &[u8] = b"9f1c2b4d-client-secret";
    const BODY: &[u8] = br#"{"type":"notification_event","topic":"ping","data":{"item":{"type":"ping","message":"hi"}}}"#;
    const DIGEST: &str = include_str!("../tests/data/webhook_known_answer.txt");

    #[test]
    fn known_answer_vector_verifies() {
        let expected = format!("sha1={}", DIGEST.trim());
        assert_eq!(sign(SECRET, BODY), expected);
        assert_eq!(verify(SECRET, Some(&expected), BODY), Ok(()));
        assert_eq!(
            verify(
                SECRET,
                Some(&expected.to_uppercase().replace("SHA1", "sha1")),
                BODY
            ),
            Ok(())
        );
    }

    #[test]
    fn each_failure_has_its_own_error() {
        let good = sign(SECRET, BODY);
        assert_eq!(
            verify(SECRET, None, BODY),
            Err(VerifyError::MissingSignature)
        );
        assert!(matches!(
            verify(SECRET, Some("abcdef"), BODY),
            Err(VerifyError::MalformedSignature(_))
        ));
        assert!(matches!(
            verify(SECRET, Some("sha1=xyz"), BODY),
            Err(VerifyError::MalformedSignature(_))
        ));
        assert!(matches!(
            verify(SECRET, Some(&format!("sha1={}", "zz".repeat(20))), BODY),
            Err(VerifyError::MalformedSignature(_))
        ));
        assert_eq!(
            verify(SECRET, Some(&good.replace("sha1=", "sha256=")), BODY),
            Err(VerifyError::UnsupportedAlgorithm("sha256".into()))
        );
        assert_eq!(
            verify(b"other secret", Some(&good), BODY),
            Err(VerifyError::Mismatch)
        );
        let mut tampered = BODY.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verify(SECRET, Some(&good), &tampered),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn header_maps_are_read() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(
            verify_headers(SECRET, &headers, BODY),
            Err(VerifyError::MissingSignature)
        );
        headers.insert("x-hub-signature", sign(SECRET, BODY).parse().unwrap());
        assert_eq!(verify_headers(SECRET, &headers, BODY), Ok(()));
    }

    #[test]
    fn envelopes_parse_and_unknown_topics_are_fine() {
        let n = Notification::verify_and_parse(SECRET, Some(&sign(SECRET, BODY)), BODY).unwrap();
        assert_eq!(n.topic_kind(), Topic::Ping);
        let body = br#"{"type":"notification_event","id":"n1","topic":"brand_new.thing","app_id":"a","created_at":5,"delivery_attempts":2,"first_sent_at":4,"data":{"type":"notification_event_data","item":{"x":1}}}"#;
        let n = Notification::from_verified(body).unwrap();
        assert_eq!(n.topic_kind(), Topic::Other("brand_new.thing".into()));
        assert_eq!((n.delivery_attempts, n.first_sent_at), (Some(2), Some(4)));
        #[derive(Deserialize)]
        struct Item {
            x: u8,
        }
        assert_eq!(n.item::<Item>().unwrap().x, 1);
        assert!(matches!(
            Notification::verify_and_parse(SECRET, Some(&sign(SECRET, b"[1]")), b"[1]"),
            Err(WebhookError::Parse(_))
        ));
    }
}
