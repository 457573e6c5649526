//! Creates a contact, creates (or finds) a tag, and tags the contact.
//!
//! `cargo run -p intercom-api --example create_and_tag` (a loopback mock
//! answers), or with `INTERCOM_TOKEN=…` against the real API (it writes!).

use intercom_api::v2_16::types;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

mod support;

#[tokio::main]
async fn main() -> intercom_api::Result<()> {
    let (client, mock) = support::client().await;
    if let Some(server) = &mock {
        let reply = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
        Mock::given(method("POST"))
            .and(path("/contacts"))
            .respond_with(reply(
                json!({"type": "contact", "id": "6657a", "role": "user", "email": "ada@example.com"}),
            ))
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(path("/tags"))
            .respond_with(reply(json!({"type": "tag", "id": "81", "name": "vip"})))
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(path("/contacts/6657a/tags"))
            .and(body_partial_json(json!({"id": "81"})))
            .respond_with(reply(json!({"type": "tag", "id": "81", "name": "vip"})))
            .mount(server)
            .await;
    }
    let api = client.v2_16();

    let new_contact: types::CreateContactRequest =
        serde_json::from_value(json!({"role": "user", "email": "ada@example.com"}))
            .expect("a valid contact");
    let contact = api
        .create_contact()
        .body(new_contact)
        .send()
        .await?
        .into_inner();
    let contact_id = contact.id.clone().unwrap_or_default();
    println!("contact {contact_id} created");

    let new_tag: types::CreateTagBody =
        serde_json::from_value(json!({"name": "vip"})).expect("a valid tag");
    let tag = api.create_tag().body(new_tag).send().await?.into_inner();
    let tag_id = serde_json::to_value(&tag)
        .ok()
        .and_then(|t| t["id"].as_str().map(str::to_owned))
        .unwrap_or_default();

    let tagged = api
        .attach_tag_to_contact()
        .contact_id(&contact_id)
        .body(types::AttachTagToContactBody { id: tag_id.clone() })
        .send()
        .await?
        .into_inner();
    println!(
        "contact {contact_id} tagged {:?} ({tag_id})",
        tagged.name.unwrap_or_default()
    );
    Ok(())
}
