//! `cargo bench -p intercom-api --bench pagination`: prints, from one run,
//!
//! 1. throughput of a generated paginator (`list_contacts().into_paginator()
//!    .items()`) against a raw reqwest page loop (same requests, same decoding
//!    into the generated page type, cursor read by hand) over 10,000 items in
//!    100 pages from one loopback mock (goal ≥ 90 %), and
//! 2. peak heap growth while streaming 10 pages and 100 pages (flat memory:
//!    the two peaks should match, since one page is in memory at a time).
//!
//! Under `cargo test` (no `--bench` argument) it runs a short smoke version.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use futures::TryStreamExt;
use intercom_api::Client;
use intercom_api::v2_16::types::ContactList;
use peak_alloc::PeakAlloc;
use serde_json::{Value, json};

/// Counts live heap bytes and their peak.
#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

const PER_PAGE: usize = 100;

/// Page `n` of `pages`, pre-serialised so the mock's cost is a copy.
fn page_body(n: usize, pages: usize) -> Vec<u8> {
    let data: Vec<Value> = (n * PER_PAGE..(n + 1) * PER_PAGE)
        .map(|i| {
            json!({"type": "contact", "id": format!("{i:024x}"), "email": format!("user{i}@example.com"),
                   "name": format!("User {i}"), "role": "user", "created_at": 1_700_000_000 + i})
        })
        .collect();
    let next = (n + 1 < pages).then(|| json!({"starting_after": format!("c{}", n + 1)}));
    serde_json::to_vec(
        &json!({"type": "list", "data": data, "total_count": pages * PER_PAGE,
                               "pages": {"type": "pages", "next": next, "per_page": PER_PAGE}}),
    )
    .unwrap()
}

/// A loopback server for `GET /contacts` serving `pages` pages by cursor.
/// Not wiremock: a wiremock mock keeps every request it matched, and in this
/// process that would grow the heap with the number of pages.
async fn server(pages: usize) -> String {
    let bodies: Arc<Vec<Bytes>> =
        Arc::new((0..pages).map(|n| page_body(n, pages).into()).collect());
    let app = axum::Router::new().route(
        "/contacts",
        axum::routing::get(move |uri: axum::http::Uri| {
            let bodies = Arc::clone(&bodies);
            async move {
                let n = uri
                    .query()
                    .and_then(|q| {
                        q.split('&')
                            .find_map(|kv| kv.strip_prefix("starting_after=c"))
                    })
                    .map_or(0, |v| v.parse::<usize>().unwrap());
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    bodies[n].clone(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn raw_pages(http: &reqwest::Client, base: &str) -> usize {
    let (mut items, mut cursor) = (0, None::<String>);
    loop {
        let mut request = http
            .get(format!("{base}/contacts"))
            .bearer_auth("bench-token")
            .header("intercom-version", intercom_api::v2_16::INTERCOM_VERSION)
            .query(&[("per_page", PER_PAGE.to_string())]);
        if let Some(c) = &cursor {
            request = request.query(&[("starting_after", c)]);
        }
        let page: ContactList = request.send().await.unwrap().json().await.unwrap();
        items += page.data.len();
        cursor = page
            .pages
            .and_then(|p| p.next)
            .and_then(|n| n.starting_after);
        if cursor.is_none() {
            return items;
        }
    }
}

async fn paginated(client: &Client) -> usize {
    client
        .v2_16()
        .list_contacts()
        .into_paginator()
        .page_size(PER_PAGE as u32)
        .items()
        .try_fold(0, |n, _| async move { Ok(n + 1) })
        .await
        .unwrap()
}

async fn throughput(pages: usize, rounds: usize) {
    let server = server(pages).await;
    let http = reqwest::Client::new();
    let client = Client::builder()
        .access_token("bench-token")
        .base_url(&server)
        .http_client(http.clone())
        .build()
        .unwrap();
    assert_eq!(raw_pages(&http, &server).await, pages * PER_PAGE);
    assert_eq!(paginated(&client).await, pages * PER_PAGE);
    let (mut raw, mut streamed) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        raw_pages(&http, &server).await;
        raw.push(t.elapsed());
        let t = Instant::now();
        paginated(&client).await;
        streamed.push(t.elapsed());
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let (raw, streamed) = (median(&mut raw), median(&mut streamed));
    let items = (pages * PER_PAGE) as f64;
    println!(
        "pagination throughput: raw page loop {:.0} items/s, paginator {:.0} items/s, paginator/raw {:.1} %  [{} items in {pages} pages x {rounds} interleaved rounds, medians]",
        items / raw.as_secs_f64(),
        items / streamed.as_secs_f64(),
        100.0 * raw.as_secs_f64() / streamed.as_secs_f64(),
        pages * PER_PAGE
    );
}

/// Peak heap above the starting level while streaming `pages` pages.
async fn peak_growth(client: &Client) -> usize {
    let base = HEAP.current_usage();
    HEAP.reset_peak_usage();
    paginated(client).await;
    HEAP.peak_usage().saturating_sub(base)
}

async fn memory(small: usize, large: usize) {
    let (a, b) = (server(small).await, server(large).await);
    let client = |s: &str| {
        Client::builder()
            .access_token("bench-token")
            .base_url(s)
            .build()
            .unwrap()
    };
    let (ca, cb) = (client(&a), client(&b));
    // Warm both (connection pools, lazily built state).
    paginated(&ca).await;
    paginated(&cb).await;
    let (pa, pb) = (peak_growth(&ca).await, peak_growth(&cb).await);
    println!(
        "pagination memory: peak heap growth {:.0} KiB streaming {small} pages, {:.0} KiB streaming {large} pages (ratio {:.2}; 1.00 = flat)",
        pa as f64 / 1024.0,
        pb as f64 / 1024.0,
        pb as f64 / pa.max(1) as f64
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--bench") {
        throughput(100, 15).await;
        memory(10, 100).await;
    } else {
        throughput(3, 1).await;
        memory(2, 4).await;
    }
}
