//! Lists every contact of the workspace as a lazy stream, 50 per page.
//!
//! `cargo run -p intercom-api --features test-util --example quickstart`
//! (the test kit's mock serves three pages), or with `INTERCOM_TOKEN=…`
//! against the real API.

use futures::TryStreamExt;
use intercom_api::v2_16::{ops, types};

mod support;

/// Page `page` of three contacts each; the last of three pages names no next.
fn page(page: usize) -> types::ContactList {
    types::ContactList {
        data: (0..3)
            .map(|i| types::Contact {
                id: Some(format!("{page}{i}")),
                email: Some(format!("user{page}{i}@example.com")),
                ..Default::default()
            })
            .collect(),
        pages: Some(types::CursorPages {
            next: (page < 2).then(|| types::StartingAfterPaging {
                starting_after: Some((page + 1).to_string()),
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
        // Three pages, in turn, each only when asked for 50 a page.
        mock.on::<ops::ContactsList>()
            .with_query("per_page", "50")
            .returns_each((0..3).map(page));
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
