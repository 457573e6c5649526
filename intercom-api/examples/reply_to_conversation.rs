//! Works an open conversation as an admin: finds one (the first open
//! conversation a search returns), replies to the customer, adds an internal
//! note only teammates see, then closes it with a last message.
//!
//! `cargo run -p intercom-api --features test-util --example
//! reply_to_conversation` (the test kit's mock answers), or with `INTERCOM_TOKEN=…` against the real API (it writes:
//! the customer sees the reply!). There, `INTERCOM_CONVERSATION_ID` names the
//! conversation to use instead of the first open one, and `INTERCOM_ADMIN_ID`
//! the admin who replies (by default the one the token belongs to, `GET /me`).

use intercom_api::test_util::MockIntercom;
use intercom_api::v2_16::{ops, types};
use serde_json::json;

mod support;

const REPLY: &str = "Thanks for waiting: your refund is on its way.";
const NOTE: &str = "<p>Refund issued in Stripe, ref. re_0042.</p>";
const CLOSING: &str = "Closing this one: reply any time to reopen it.";

#[tokio::main]
async fn main() -> intercom_api::Result<()> {
    let (client, mock) = support::client();
    if let Some(mock) = &mock {
        mock_intercom(mock);
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
fn mock_intercom(mock: &MockIntercom) {
    const ADMIN: &str = "991267";
    const CONVERSATION: &str = "1911149811";
    mock.on::<ops::AdminsIdentify>()
        .returns(types::AdminWithApp {
            id: Some(ADMIN.into()),
            name: Some("Ada Lovelace".into()),
            email: Some("ada@example.com".into()),
            ..Default::default()
        });
    mock.on::<ops::ConversationsSearch>()
        .with_json(json!({
            "query": {"field": "state", "operator": "=", "value": "open"},
            "pagination": {"per_page": 1},
        }))
        .returns(types::ConversationList {
            total_count: Some(3),
            conversations: vec![types::ConversationListItem {
                id: Some(CONVERSATION.into()),
                state: Some(types::ConversationListItemState::Open),
                ..Default::default()
            }],
            ..Default::default()
        });

    // The conversation as it stands after each write: its parts so far.
    let conversation =
        |state: types::ConversationState, parts: &[(&str, &str, &str)]| types::Conversation {
            id: Some(CONVERSATION.into()),
            open: Some(state == types::ConversationState::Open),
            state: Some(state),
            conversation_parts: Some(types::ConversationParts {
                total_count: Some(parts.len() as i64),
                conversation_parts: parts
                    .iter()
                    .map(|(id, part_type, body)| types::ConversationPart {
                        id: Some((*id).into()),
                        part_type: Some((*part_type).into()),
                        body: Some((*body).into()),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
            ..Default::default()
        };
    let reply = ("7001", "comment", REPLY);
    let note = ("7002", "note", NOTE);
    let close = ("7003", "close", CLOSING);
    let admin = |message_type: &str, body: &str| json!({"message_type": message_type, "type": "admin", "admin_id": ADMIN, "body": body});
    let path = |tail: &str| format!("/conversations/{CONVERSATION}/{tail}");
    mock.on::<ops::ConversationsReply>()
        .with_path(&path("reply"))
        .with_json(admin("comment", REPLY))
        .returns(conversation(types::ConversationState::Open, &[reply]));
    mock.on::<ops::ConversationsReply>()
        .with_path(&path("reply"))
        .with_json(admin("note", NOTE))
        .returns(conversation(types::ConversationState::Open, &[reply, note]));
    mock.on::<ops::ConversationsManage>()
        .with_path(&path("parts"))
        .with_json(admin("close", CLOSING))
        .returns(conversation(
            types::ConversationState::Closed,
            &[reply, note, close],
        ));
}
