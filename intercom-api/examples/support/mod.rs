//! Shared by the examples: a client for the real API when `INTERCOM_TOKEN`
//! is set (region from `INTERCOM_REGION`: `us`, `eu` or `au`), otherwise a
//! client for a loopback mock the example fills with canned responses.

use intercom_api::{Client, Region};
use wiremock::MockServer;

/// The client, and the mock it talks to when there is no token.
pub async fn client() -> (Client, Option<MockServer>) {
    if let Ok(token) = std::env::var("INTERCOM_TOKEN") {
        let region = match std::env::var("INTERCOM_REGION").as_deref() {
            Ok("eu") => Region::Eu,
            Ok("au") => Region::Au,
            _ => Region::Us,
        };
        let client = Client::builder()
            .access_token(token)
            .region(region)
            .build()
            .expect("client configuration is valid");
        return (client, None);
    }
    let server = MockServer::start().await;
    eprintln!(
        "INTERCOM_TOKEN is not set: using a loopback mock at {}",
        server.uri()
    );
    let client = Client::builder()
        .access_token("example-token")
        .base_url(server.uri())
        .build()
        .expect("client configuration is valid");
    (client, Some(server))
}
