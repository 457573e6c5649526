//! Creates a contact, creates (or finds) a tag, and tags the contact.
//!
//! `cargo run -p intercom-api --example create_and_tag` (a loopback mock
//! answers), or with `INTERCOM_TOKEN=…` against the real API (it writes!).

use intercom_api::v2_16::types;
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

mod support;

#[tokio::main]
async fn main() -> intercom_api::Result<()> {
    let (client, mock) = support::client().await;
    if let Some(server) = &mock {
        // The mock answers only the bodies below, exactly.
        let reply = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
        Mock::given(method("POST"))
            .and(path("/contacts"))
            .and(body_json(json!({"role": "user", "email": "ada@example.com"})))
            .respond_with(reply(
                json!({"type": "contact", "id": "6657a", "role": "user", "email": "ada@example.com"}),
            ))
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(path("/tags"))
            .and(body_json(json!({"name": "vip"})))
            .respond_with(reply(json!({"type": "tag", "id": "81", "name": "vip"})))
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(path("/contacts/6657a/tags"))
            .and(body_json(json!({"id": "81"})))
            .respond_with(reply(json!({"type": "tag", "id": "81", "name": "vip"})))
            .mount(server)
            .await;
    }
    let api = client.v2_16();

    // Every field of a contact is optional: `new()` sets none, the setters
    // the ones to send.
    let new_contact = types::CreateContactRequest::new()
        .role("user")
        .email("ada@example.com");
    let contact = api
        .contacts()
        .create()
        .body(new_contact)
        .send()
        .await?
        .into_inner();
    let contact_id = contact.id.unwrap_or_default();
    println!("contact {contact_id} created");

    // `POST /tags` takes one of four bodies (create or update a tag, tag or
    // untag companies, tag users); `.body` accepts any of them as it is.
    let tag = api
        .tags()
        .create()
        .body(types::CreateOrUpdateTagRequest::new("vip"))
        .send()
        .await?
        .into_inner();
    let tag_id = tag.id.unwrap_or_default();
    println!("tag {} is {tag_id}", tag.name.unwrap_or_default());

    let tagged = api
        .tags()
        .tag_contact(&contact_id)
        .body(types::AttachTagToContactBody::new(tag_id.clone()))
        .send()
        .await?
        .into_inner();
    println!(
        "contact {contact_id} tagged {:?} ({tag_id})",
        tagged.name.unwrap_or_default()
    );
    Ok(())
}
