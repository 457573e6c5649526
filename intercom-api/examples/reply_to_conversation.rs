//! Works an open conversation as an admin: finds one (the first open
//! conversation a search returns), replies to the customer, adds an internal
//! note only teammates see, then closes it with a last message.
//!
//! `cargo run -p intercom-api --example reply_to_conversation` (a loopback
//! mock answers), or with `INTERCOM_TOKEN=…` against the real API (it writes:
//! the customer sees the reply!). There, `INTERCOM_CONVERSATION_ID` names the
//! conversation to use instead of the first open one, and `INTERCOM_ADMIN_ID`
//! the admin who replies (by default the one the token belongs to, `GET /me`).

use intercom_api::v2_16::types;
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

mod support;

const REPLY: &str = "Thanks for waiting: your refund is on its way.";
const NOTE: &str = "<p>Refund issued in Stripe, ref. re_0042.</p>";
const CLOSING: &str = "Closing this one: reply any time to reopen it.";

#[tokio::main]
async fn main() -> intercom_api::Result<()> {
    let (client, mock) = support::client().await;
    if let Some(server) = &mock {
        mock_intercom(server).await;
    }
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let api = client.v2_16();

    // The admin who writes: named, or the one the token belongs to.
    let admin_id = match env("INTERCOM_ADMIN_ID") {
        Some(id) => id,
        None => {
            let me = api.admins().identify().send().await?.into_inner();
            println!(
                "acting as {} (admin {})",
                me.name.unwrap_or_default(),
                me.id.as_deref().unwrap_or("?")
            );
            me.id.unwrap_or_default()
        }
    };

    // The conversation: named, or the first open one.
    let conversation_id = match env("INTERCOM_CONVERSATION_ID") {
        Some(id) => id,
        None => {
            let open = types::SearchRequest::new(
                types::SingleFilterSearchRequest::new()
                    .field("state")
                    .operator("=")
                    .value("open"),
            )
            .pagination(types::StartingAfterPaging::new().per_page(1));
            let found = api
                .conversations()
                .search()
                .body(open)
                .send()
                .await?
                .into_inner();
            let Some(id) = found.conversations.into_iter().find_map(|c| c.id) else {
                println!("no open conversation: nothing to do");
                return Ok(());
            };
            println!(
                "found conversation {id} ({} open in all)",
                found.total_count.unwrap_or(1)
            );
            id
        }
    };

    // A reply the customer sees, then a note only teammates see: the same
    // body, `AdminReplyConversationRequest` (whose `type: admin` `new` sets),
    // with another message type.
    let replied = api
        .conversations()
        .reply(&conversation_id)
        .body(
            types::AdminReplyConversationRequest::new(
                admin_id.clone(),
                types::AdminReplyConversationRequestMessageType::Comment,
            )
            .body(REPLY),
        )
        .send()
        .await?
        .into_inner();
    println!("replied: part {}", last_part(&replied));

    let noted = api
        .conversations()
        .reply(&conversation_id)
        .body(
            types::AdminReplyConversationRequest::new(
                admin_id.clone(),
                types::AdminReplyConversationRequestMessageType::Note,
            )
            .body(NOTE),
        )
        .send()
        .await?
        .into_inner();
    println!("noted:   part {}", last_part(&noted));

    // `POST /conversations/{id}/parts` takes one of four bodies (close,
    // snooze, open, assign); closing sets `message_type: close` itself.
    let closed = api
        .conversations()
        .manage(&conversation_id)
        .body(types::CloseConversationRequest::new(admin_id).body(CLOSING))
        .send()
        .await?
        .into_inner();
    println!(
        "closed:  part {}, conversation {} is now {}",
        last_part(&closed),
        closed.id.as_deref().unwrap_or(&conversation_id),
        closed
            .state
            .as_ref()
            .map_or_else(|| "of unknown state".to_owned(), ToString::to_string)
    );
    Ok(())
}

/// The id of the conversation's newest part (the one just added).
fn last_part(conversation: &types::Conversation) -> &str {
    conversation
        .conversation_parts
        .as_ref()
        .and_then(|parts| parts.conversation_parts.last())
        .and_then(|part| part.id.as_deref())
        .unwrap_or("?")
}

/// `/me`, the search and the three writes; each write answered only for the
/// body it must send, exactly.
async fn mock_intercom(server: &MockServer) {
    const ADMIN: &str = "991267";
    const CONVERSATION: &str = "1911149811";
    Mock::given(method("GET"))
        .and(path("/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "admin", "id": ADMIN, "name": "Ada Lovelace", "email": "ada@example.com"
        })))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/conversations/search"))
        .and(body_json(json!({
            "query": {"field": "state", "operator": "=", "value": "open"},
            "pagination": {"per_page": 1},
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "conversation.list",
            "total_count": 3,
            "conversations": [{"type": "conversation", "id": CONVERSATION, "state": "open"}],
            "pages": {"type": "pages", "next": {"starting_after": "WzE3MTk0OTM3NTcwMDAsMV0="}}
        })))
        .mount(server)
        .await;

    // The conversation as it stands after each write: its parts so far.
    let conversation = |state: &str, parts: &[(&str, &str, &str)]| {
        let parts: Vec<_> = parts
            .iter()
            .map(|(id, part_type, body)| {
                json!({
                    "type": "conversation_part", "id": id, "part_type": part_type, "body": body,
                    "author": {"type": "admin", "id": ADMIN}
                })
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({
            "type": "conversation", "id": CONVERSATION, "state": state, "open": state == "open",
            "conversation_parts": {
                "type": "conversation_part.list",
                "conversation_parts": parts,
                "total_count": parts.len()
            }
        }))
    };
    let reply = ("7001", "comment", REPLY);
    let note = ("7002", "note", NOTE);
    let close = ("7003", "close", CLOSING);
    let admin = |message_type: &str, body: &str| {
        body_json(json!({
            "message_type": message_type, "type": "admin", "admin_id": ADMIN, "body": body
        }))
    };
    Mock::given(method("POST"))
        .and(path(format!("/conversations/{CONVERSATION}/reply")))
        .and(admin("comment", REPLY))
        .respond_with(conversation("open", &[reply]))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/conversations/{CONVERSATION}/reply")))
        .and(admin("note", NOTE))
        .respond_with(conversation("open", &[reply, note]))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/conversations/{CONVERSATION}/parts")))
        .and(admin("close", CLOSING))
        .respond_with(conversation("closed", &[reply, note, close]))
        .mount(server)
        .await;
}
