//! Sends an in-app message from an admin to a user, then replies to a ticket
//! on behalf of a contact (identified by their Intercom id).
//!
//! `cargo run -p intercom-api --features test-util --example create_message`
//! (the test kit's mock answers, with the spec's examples), or with
//! `INTERCOM_TOKEN=…` against the real API (it writes!);
//! `INTERCOM_ADMIN_ID`, `INTERCOM_CONTACT_ID` and `INTERCOM_TICKET_ID` name
//! the admin, contact and ticket there.

use intercom_api::v2_16::{ops, types};
use serde_json::json;

mod support;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, mock) = support::client();
    let var = |name: &str, mock_value: &str| {
        std::env::var(name).unwrap_or_else(|_| mock_value.to_owned())
    };
    let admin_id: i64 = var("INTERCOM_ADMIN_ID", "394051")
        .parse()
        .expect("INTERCOM_ADMIN_ID is a number");
    let contact_id = var("INTERCOM_CONTACT_ID", "6762f2971bb69f9f2193bc49");
    let ticket_id = var("INTERCOM_TICKET_ID", "123");
    if let Some(mock) = &mock {
        // The mock answers only the bodies below, exactly, with the replies
        // Intercom's spec documents for these operations.
        mock.on::<ops::MessagesCreate>()
            .with_json(json!({
                "message_type": "in_app",
                "body": "Your export is ready.",
                "from": {"type": "admin", "id": admin_id},
                "to": {"type": "user", "id": contact_id},
            }))
            .example(200)?;
        mock.on::<ops::TicketsReply>()
            .with_path(&format!("/tickets/{ticket_id}/reply"))
            .with_json(json!({
                "message_type": "comment",
                "type": "user",
                "intercom_user_id": contact_id,
                "body": "Thanks, got it!",
            }))
            .example(200)?;
    }
    let api = client.v2_16();

    // Optional fields are set by the chained setters; those left unset are
    // not sent (nor any default of the schema's). The setter for `from` is
    // `set_from` (`from` is the conversions' name); `type: admin`, the only
    // possible value, is set by `CreateMessageRequestFrom::new`.
    let message = types::CreateMessageRequest::new()
        .message_type(types::CreateMessageRequestMessageType::InApp)
        .body("Your export is ready.")
        .set_from(types::CreateMessageRequestFrom::new(admin_id))
        .to(types::Recipient::new(
            contact_id.clone(),
            types::RecipientType::User,
        ));
    let sent = api
        .messages()
        .create()
        .body(message)
        .send()
        .await?
        .into_inner();
    println!("message {} sent", sent.id.unwrap_or_default());

    // A contact's reply names the contact one of three ways; this one by
    // Intercom id (`ContactReplyTicketUserIdRequest`: by your `user_id`,
    // `ContactReplyTicketEmailRequest`: by email). `message_type: comment` and
    // `type: user` are its only possible values, so `new` sets them. The
    // three are members of a union inside the body `ReplyTicketBody` (whose
    // other member is an admin's reply); each converts into the body.
    let reply = types::ContactReplyTicketIntercomUserIdRequest::new("Thanks, got it!", contact_id);
    let part = api
        .tickets()
        .reply(&ticket_id)
        .body(reply)
        .send()
        .await?
        .into_inner();
    println!(
        "ticket {ticket_id}: reply {} added",
        part.id.unwrap_or_default()
    );
    Ok(())
}
