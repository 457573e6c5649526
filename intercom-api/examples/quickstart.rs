//! Lists every contact of the workspace as a lazy stream, 50 per page.
//!
//! `cargo run -p intercom-api --example quickstart` (a loopback mock serves
//! three pages), or with `INTERCOM_TOKEN=…` against the real API.

use futures::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, Request, ResponseTemplate};

mod support;

#[tokio::main]
async fn main() -> intercom_api::Result<()> {
    let (client, mock) = support::client().await;
    if let Some(server) = &mock {
        Mock::given(method("GET"))
            .and(path("/contacts"))
            // The page size the paginator was given, on every page.
            .and(query_param("per_page", "50"))
            .respond_with(|r: &Request| {
                let page: usize = r
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "starting_after")
                    .map_or(0, |(_, v)| v.parse().unwrap_or(0));
                let data: Vec<_> = (0..3)
                    .map(|i| json!({"type": "contact", "id": format!("{page}{i}"), "email": format!("user{page}{i}@example.com")}))
                    .collect();
                let next = (page < 2).then(|| json!({"starting_after": (page + 1).to_string()}));
                ResponseTemplate::new(200)
                    .set_body_json(json!({"type": "list", "data": data, "pages": {"type": "pages", "next": next}}))
            })
            .mount(server)
            .await;
    }

    let mut contacts = std::pin::pin!(
        client
            .v2_16()
            .contacts()
            .list()
            .into_paginator()
            .page_size(50)
            .items()
    );
    let mut count = 0;
    while let Some(contact) = contacts.try_next().await? {
        count += 1;
        println!(
            "{} {}",
            contact.id.unwrap_or_default(),
            contact.email.unwrap_or_default()
        );
    }
    println!("{count} contacts");
    Ok(())
}
