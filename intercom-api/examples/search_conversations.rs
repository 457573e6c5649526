//! Searches open conversations, paging through the search body, and prints
//! the first 20.
//!
//! `cargo run -p intercom-api --example search_conversations` (a loopback mock
//! answers), or with `INTERCOM_TOKEN=…` against the real API.

use futures::{StreamExt, TryStreamExt};
use intercom_api::v2_16::types;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

mod support;

#[tokio::main]
async fn main() -> intercom_api::Result<()> {
    let (client, mock) = support::client().await;
    if let Some(server) = &mock {
        let page = |ids: &[&str], next: Option<&str>| {
            let conversations: Vec<_> = ids
                .iter()
                .map(|id| json!({"type": "conversation", "id": id, "state": "open"}))
                .collect();
            let next = next.map(|c| json!({"starting_after": c}));
            ResponseTemplate::new(200).set_body_json(json!({
                "type": "conversation.list", "conversations": conversations,
                "pages": {"type": "pages", "next": next}
            }))
        };
        // Both pages answer only the search below, 20 a page; the second one
        // only when asked for what follows the first.
        let open = json!({"query": {"field": "state", "operator": "=", "value": "open"}});
        Mock::given(method("POST"))
            .and(path("/conversations/search"))
            .and(body_partial_json(&open))
            .and(body_partial_json(
                json!({"pagination": {"per_page": 20, "starting_after": "p2"}}),
            ))
            .respond_with(page(&["3", "4"], None))
            .mount(server)
            .await;
        Mock::given(method("POST"))
            .and(path("/conversations/search"))
            .and(body_partial_json(&open))
            .and(body_partial_json(json!({"pagination": {"per_page": 20}})))
            .respond_with(page(&["1", "2"], Some("p2")))
            .with_priority(10)
            .mount(server)
            .await;
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
