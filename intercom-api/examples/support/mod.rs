//! Shared by the examples: a client for the real API when `INTERCOM_TOKEN`
//! is set (region from `INTERCOM_REGION`: `us`, `eu` or `au`), otherwise a
//! client of the test kit's in-process Intercom (`MockIntercom`, feature
//! `test-util`), which the example fills with its replies.

use intercom_api::test_util::MockIntercom;
use intercom_api::{Client, Region};

/// The client, and the mock that answers it when there is no token.
pub fn client() -> (Client, Option<MockIntercom>) {
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
    eprintln!("INTERCOM_TOKEN is not set: the test kit's in-process mock answers");
    let mock = MockIntercom::new();
    (mock.client(), Some(mock))
}
