//! Creates a contact, creates (or finds) a tag, and tags the contact.
//!
//! `cargo run -p intercom-api --features test-util --example create_and_tag`
//! (the test kit's mock answers), or with `INTERCOM_TOKEN=…` against the
//! real API (it writes!).

use intercom_api::v2_16::{ops, types};
use serde_json::json;

mod support;

#[tokio::main]
async fn main() -> intercom_api::Result<()> {
    let (client, mock) = support::client();
    if let Some(mock) = &mock {
        // The mock answers only the bodies below, exactly as sent.
        mock.on::<ops::ContactsCreate>()
            .with_json(json!({"role": "user", "email": "ada@example.com"}))
            .returns(types::CreateContactResponse {
                id: Some("6657a".into()),
                role: Some("user".into()),
                email: Some("ada@example.com".into()),
                ..Default::default()
            });
        mock.on::<ops::TagsCreate>()
            .with_json(json!({"name": "vip"}))
            .returns(types::TagCreateResponse {
                id: Some("81".into()),
                name: Some("vip".into()),
                ..Default::default()
            });
        mock.on::<ops::TagsTagContact>()
            .with_path("/contacts/6657a/tags")
            .with_json(json!({"id": "81"}))
            .returns(types::Tag {
                id: Some("81".into()),
                name: Some("vip".into()),
                ..Default::default()
            });
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
