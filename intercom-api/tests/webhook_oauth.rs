//! Webhook verification (axum extractor, fuzzed inputs) and the OAuth code
//! exchange against loopback servers.

use intercom_api::oauth::{OAuthApp, OAuthError};
use intercom_api::webhook::{self, Notification, VerifyError};
use proptest::prelude::*;
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec-client-secret";

proptest! {
    /// No header value or body makes the verifier or parser panic, and a
    /// random signature never verifies.
    #[test]
    fn verifier_and_parser_never_panic(sig in ".{0,80}", body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let verdict = webhook::verify(SECRET.as_bytes(), Some(&sig), &body);
        prop_assert!(verdict.is_err() || sig.trim() == webhook::sign(SECRET.as_bytes(), &body));
        let _ = Notification::from_verified(&body);
        let _ = Notification::verify_and_parse(SECRET.as_bytes(), Some(&sig), &body);
    }

    /// Every correctly signed body verifies; any single flipped byte does not.
    #[test]
    fn signatures_bind_the_exact_body(body in proptest::collection::vec(any::<u8>(), 1..512), flip in any::<prop::sample::Index>()) {
        let sig = webhook::sign(SECRET.as_bytes(), &body);
        prop_assert_eq!(webhook::verify(SECRET.as_bytes(), Some(&sig), &body), Ok(()));
        let mut tampered = body.clone();
        let i = flip.index(tampered.len());
        tampered[i] ^= 0x01;
        prop_assert_eq!(webhook::verify(SECRET.as_bytes(), Some(&sig), &tampered), Err(VerifyError::Mismatch));
    }
}

#[cfg(feature = "axum")]
mod extractor {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::post;
    use intercom_api::webhook::axum::{VerifiedNotification, WebhookSecret};
    use tower::ServiceExt;

    fn app() -> Router {
        async fn handle(VerifiedNotification(n): VerifiedNotification) -> String {
            n.topic
        }
        Router::new()
            .route("/hook", post(handle))
            .with_state(WebhookSecret::new(SECRET))
    }

    async fn send(signature: Option<String>, body: &str) -> (StatusCode, String) {
        let mut req = Request::post("/hook");
        if let Some(s) = signature {
            req = req.header("X-Hub-Signature", s);
        }
        let res = app()
            .oneshot(req.body(Body::from(body.to_owned())).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    #[tokio::test]
    async fn signed_requests_reach_the_handler_and_others_get_401() {
        let body = json!({"type": "notification_event", "topic": "contact.user.created", "data": {"item": {"type": "contact"}}}).to_string();
        let good = webhook::sign(SECRET.as_bytes(), body.as_bytes());
        assert_eq!(
            send(Some(good.clone()), &body).await,
            (StatusCode::OK, "contact.user.created".into())
        );
        assert_eq!(send(None, &body).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(
            send(Some("sha1=00".into()), &body).await.0,
            StatusCode::UNAUTHORIZED
        );
        let wrong = webhook::sign(b"other", body.as_bytes());
        let (status, text) = send(Some(wrong), &body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(!text.contains(SECRET));
        let not_json = "nope";
        let sig = webhook::sign(SECRET.as_bytes(), not_json.as_bytes());
        assert_eq!(send(Some(sig), not_json).await.0, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn oauth_code_exchange() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/eagle/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "code=the+code&client_id=cid&client_secret=s%26cret",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"token_type": "Bearer", "token": "tok_123", "access_token": "tok_123"}),
        ))
        .mount(&server)
        .await;
    let app = OAuthApp::new("cid", "s&cret")
        .with_token_url(&format!("{}/auth/eagle/token", server.uri()))
        .unwrap();
    let http = reqwest::Client::new();

    let token = app.exchange_code(&http, "the code").await.unwrap();
    assert_eq!(token.expose(), "tok_123");
    assert_eq!(token.token_type.as_deref(), Some("Bearer"));
    assert!(!format!("{token:?}").contains("tok_123"));
    assert!(!format!("{app:?}").contains("s&cret"));

    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"type": "error.list", "errors": [{"code": "unauthorized", "message": "bad code"}]})))
        .mount(&server)
        .await;
    let err = app.exchange_code(&http, "stale").await.unwrap_err();
    assert!(
        matches!(&err, OAuthError::Refused { status, error } if status.as_u16() == 401 && error == "unauthorized"),
        "{err}"
    );
    assert!(!err.to_string().contains("s&cret") && !err.to_string().contains("stale"));

    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    assert!(matches!(
        app.exchange_code(&http, "x").await.unwrap_err(),
        OAuthError::NoToken
    ));
}
