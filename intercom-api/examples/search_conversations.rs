//! Searches open conversations, paging through the search body, and prints
//! the first 20.
//!
//! `cargo run -p intercom-api --features test-util --example
//! search_conversations` (the test kit's mock answers), or with
//! `INTERCOM_TOKEN=…` against the real API.

use futures::{StreamExt, TryStreamExt};
use intercom_api::v2_16::{ops, types};
use serde_json::json;

mod support;

/// A page of open conversations, naming the cursor of the next one.
fn page(ids: &[&str], next: Option<&str>) -> types::ConversationList {
    types::ConversationList {
        conversations: ids
            .iter()
            .map(|id| types::ConversationListItem {
                id: Some((*id).into()),
                state: Some(types::ConversationListItemState::Open),
                ..Default::default()
            })
            .collect(),
        pages: Some(types::CursorPages {
            next: next.map(|cursor| types::StartingAfterPaging {
                starting_after: Some(cursor.into()),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[tokio::main]
async fn main() -> intercom_api::Result<()> {
    let (client, mock) = support::client();
    if let Some(mock) = &mock {
        // Each page answers only the search below, exactly, 20 a page; the
        // second one only when asked for what follows the first.
        let open = json!({"field": "state", "operator": "=", "value": "open"});
        mock.on::<ops::ConversationsSearch>()
            .with_json(json!({"query": open, "pagination": {"per_page": 20}}))
            .returns(page(&["1", "2"], Some("p2")));
        mock.on::<ops::ConversationsSearch>()
            .with_json(json!({
                "query": open,
                "pagination": {"per_page": 20, "starting_after": "p2"},
            }))
            .returns(page(&["3", "4"], None));
    }

    // One filter (`MultipleFilterSearchRequest` combines several with `AND`
    // or `OR`); the paginator fills in `pagination`.
    let query = types::SearchRequest::new(
        types::SingleFilterSearchRequest::new()
            .field("state")
            .operator("=")
            .value("open"),
    );
    let conversations: Vec<types::ConversationListItem> = client
        .v2_16()
        .conversations()
        .search()
        .body(query)
        .into_paginator()
        .page_size(20)
        .items()
        .take(20)
        .try_collect()
        .await?;
    for c in &conversations {
        println!("{} {:?}", c.id.as_deref().unwrap_or("?"), c.state);
    }
    println!("{} open conversations", conversations.len());
    Ok(())
}
