//! OAuth for a public Intercom app: prints the URL to send a user to,
//! exchanges the code Intercom redirects back with for an access token, and
//! calls the API with that token (which is never printed).
//!
//! `cargo run -p intercom-api --example oauth_exchange` (a loopback mock plays
//! Intercom's token endpoint and `/me`), or with `INTERCOM_CLIENT_ID`,
//! `INTERCOM_CLIENT_SECRET` and `INTERCOM_OAUTH_CODE` set against the real
//! API (`INTERCOM_REDIRECT_URI` for the app's registered redirect URL,
//! `INTERCOM_REGION=eu|au` for the workspace's region). A code is single-use:
//! open the printed URL, approve, and copy `code` from the redirect.

use intercom_api::oauth::OAuthApp;
use intercom_api::{Client, Region};
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let real = [
        "INTERCOM_CLIENT_ID",
        "INTERCOM_CLIENT_SECRET",
        "INTERCOM_OAUTH_CODE",
    ]
    .map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
    let (app, code, region, _mock) = match real {
        [Some(id), Some(secret), Some(code)] => {
            let region = match std::env::var("INTERCOM_REGION").as_deref() {
                Ok("eu") => Region::Eu,
                Ok("au") => Region::Au,
                _ => Region::Us,
            };
            (OAuthApp::new(id, secret), code, region, None)
        }
        _ => {
            let server = mock_intercom().await;
            eprintln!(
                "INTERCOM_CLIENT_ID, INTERCOM_CLIENT_SECRET or INTERCOM_OAUTH_CODE is not set: \
                 using a loopback mock at {}",
                server.uri()
            );
            let app = OAuthApp::new("example-client-id", "example-client-secret")
                .with_token_url(&format!("{}/auth/eagle/token", server.uri()))?;
            let region = Region::Custom(server.uri());
            (app, "example-code".to_owned(), region, Some(server))
        }
    };

    // Step 1: send the user here. `state` comes back with the code; a real app
    // draws it from a CSRF-safe random source, keeps it in the user's session
    // and rejects a redirect whose `state` differs.
    let state = format!("{:016x}", fastrand::u64(..));
    let redirect_uri = std::env::var("INTERCOM_REDIRECT_URI").ok();
    println!(
        "authorize at: {}",
        app.authorize_url(&state, redirect_uri.as_deref())
    );

    // Step 2: Intercom redirects back with `?code=…&state=…`; exchange the code.
    let token = app.exchange_code(&reqwest::Client::new(), &code).await?;
    println!("exchanged the code for {token:?}");

    // Step 3: use the token like any access token.
    let client = Client::builder()
        .access_token(token.expose())
        .region(region)
        .build()?;
    let admin = client
        .v2_16()
        .admins()
        .identify()
        .send()
        .await?
        .into_inner();
    println!(
        "authorized by {} <{}> for workspace {}",
        admin.name.unwrap_or_default(),
        admin.email.unwrap_or_default(),
        admin
            .app
            .and_then(|a| a.name.or(a.id_code))
            .unwrap_or_default()
    );
    Ok(())
}

/// Intercom's token endpoint and `/me`, which accepts only the exchanged token.
async fn mock_intercom() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/auth/eagle/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string_contains("code=example-code"))
        .and(body_string_contains("client_secret=example-client-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "access_token",
            "token": "tok_example_0123456789",
            "access_token": "tok_example_0123456789",
            "token_type": "Bearer"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/me"))
        .and(header("authorization", "Bearer tok_example_0123456789"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "admin",
            "id": "991267",
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "email_verified": true,
            "app": {
                "type": "app",
                "id_code": "abc123",
                "name": "Example Workspace",
                "region": "US",
                "timezone": "Europe/London",
                "identity_verification": false
            }
        })))
        .mount(&server)
        .await;
    server
}
