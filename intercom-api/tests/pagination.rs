//! Generated paginators over real HTTP on loopback (wiremock): each shape
//! Intercom uses, the loop guards, laziness, and retries of page requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, TryStreamExt};
use intercom_api::pagination::Shape;
use intercom_api::v2_16::types;
use intercom_api::{Client, Error, RetryConfig};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

async fn setup() -> (MockServer, Client) {
    let server = MockServer::start().await;
    let client = Client::builder()
        .access_token("test-token")
        .base_url(server.uri())
        .build()
        .expect("client builds");
    (server, client)
}

fn query(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}

/// The query parameter `name` of each request the server received, in order.
async fn sent(server: &MockServer, name: &str) -> Vec<Option<String>> {
    requests(server)
        .await
        .iter()
        .map(|r| query(r, name))
        .collect()
}

/// Answers `method path` requests on `server` with `responder`.
async fn serve(server: &MockServer, verb: &str, route: &str, responder: impl Respond + 'static) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(responder)
        .mount(server)
        .await;
}

/// A cursor-paged contact list: `pages` pages of `per_page` contacts, ids
/// numbered from 0; page `n` (0-based) is requested with cursor `c<n>`.
fn cursor_page(n: usize, pages: usize, per_page: usize) -> Value {
    let data: Vec<Value> = (n * per_page..(n + 1) * per_page)
        .map(|i| json!({"type": "contact", "id": i.to_string()}))
        .collect();
    let next = (n + 1 < pages).then(|| json!({"starting_after": format!("c{}", n + 1)}));
    json!({"type": "list", "data": data, "total_count": pages * per_page,
           "pages": {"type": "pages", "next": next, "per_page": per_page}})
}

fn page_index(cursor: Option<String>) -> usize {
    cursor.map_or(0, |c| {
        c.trim_start_matches('c').parse().expect("cursor we issued")
    })
}

async fn serve_cursor_contacts(server: &MockServer, pages: usize, per_page: usize) {
    serve(server, "GET", "/contacts", move |r: &Request| {
        let n = page_index(query(r, "starting_after"));
        ResponseTemplate::new(200).set_body_json(cursor_page(n, pages, per_page))
    })
    .await;
}

fn ids(contacts: &[types::Contact]) -> Vec<String> {
    contacts
        .iter()
        .map(|c| c.id.clone().expect("contacts carry ids"))
        .collect()
}

#[tokio::test]
async fn cursor_pages_follow_starting_after_with_the_page_size() {
    let (server, client) = setup().await;
    serve_cursor_contacts(&server, 3, 2).await;
    let paginator = client.v2_16().list_contacts().into_paginator().page_size(2);
    assert_eq!(paginator.shape(), Shape::Cursor);
    let contacts: Vec<types::Contact> = paginator.items().try_collect().await.unwrap();
    assert_eq!(ids(&contacts), ["0", "1", "2", "3", "4", "5"]);
    let seen = requests(&server).await;
    assert_eq!(
        sent(&server, "starting_after").await,
        [None, Some("c1".into()), Some("c2".into())]
    );
    assert!(
        seen.iter()
            .all(|r| query(r, "per_page").as_deref() == Some("2"))
    );
    // The version header and auth go with every page request.
    assert!(seen.iter().all(|r| r.headers["intercom-version"] == "2.16"));
    assert!(
        seen.iter()
            .all(|r| r.headers["authorization"] == "Bearer test-token")
    );
}

#[tokio::test]
async fn an_empty_first_page_ends_the_stream() {
    let (server, client) = setup().await;
    serve(
        &server,
        "GET",
        "/contacts",
        ResponseTemplate::new(200).set_body_json(
            json!({"type": "list", "data": [], "total_count": 0, "pages": {"type": "pages"}}),
        ),
    )
    .await;
    let pages: Vec<types::ContactList> = client
        .v2_16()
        .list_contacts()
        .into_paginator()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 1);
    assert!(pages[0].data.is_empty());
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_repeated_cursor_is_an_error_not_a_loop() {
    let (server, client) = setup().await;
    // Page 0 points at c1, page 1 points at c1 again.
    serve(&server, "GET", "/contacts", |r: &Request| {
        let n = page_index(query(r, "starting_after"));
        let mut page = cursor_page(n, 10, 2);
        page["pages"]["next"] = json!({"starting_after": "c1"});
        ResponseTemplate::new(200).set_body_json(page)
    })
    .await;
    let mut items = std::pin::pin!(client.v2_16().list_contacts().into_paginator().items());
    let mut got = Vec::new();
    let error = loop {
        match items.try_next().await {
            Ok(Some(c)) => got.push(c),
            Ok(None) => panic!("the stream ended without reporting the loop"),
            Err(e) => break e,
        }
    };
    // Both distinct pages are delivered before the loop is reported.
    assert_eq!(ids(&got), ["0", "1", "2", "3"]);
    match &error {
        Error::PaginationLoop {
            operation,
            page,
            cursor,
        } => {
            assert_eq!(*operation, "ListContacts");
            assert_eq!(*page, 2);
            assert_eq!(cursor.as_deref(), Some("c1"));
        }
        other => panic!("unexpected error {other:?}"),
    }
    assert!(error.to_string().contains("endless loop"), "{error}");
    assert!(items.next().await.is_none(), "nothing after the error");
    assert_eq!(requests(&server).await.len(), 2);
}

fn calls_page(page: u64, total_pages: u64) -> Value {
    let data: Vec<Value> = (0..3)
        .map(|i| json!({"type": "call", "id": format!("{page}-{i}")}))
        .collect();
    json!({"type": "list", "data": data,
           "pages": {"type": "pages", "page": page, "per_page": 3, "total_pages": total_pages}})
}

#[tokio::test]
async fn page_numbers_stop_at_total_pages() {
    let (server, client) = setup().await;
    serve(&server, "GET", "/calls", |r: &Request| {
        let page: u64 = query(r, "page").map_or(1, |p| p.parse().unwrap());
        ResponseTemplate::new(200).set_body_json(calls_page(page, 3))
    })
    .await;
    let paginator = client.v2_16().list_calls().into_paginator().page_size(3);
    assert_eq!(paginator.shape(), Shape::PageNumber);
    let calls: Vec<types::Call> = paginator.items().try_collect().await.unwrap();
    let got: Vec<String> = calls.into_iter().filter_map(|c| c.id).collect();
    assert_eq!(
        got,
        [
            "1-0", "1-1", "1-2", "2-0", "2-1", "2-2", "3-0", "3-1", "3-2"
        ]
    );
    let pages = sent(&server, "page").await;
    // Pages 1, 2 and 3, and no 4th.
    assert_eq!(
        pages,
        [Some("1".into()), Some("2".into()), Some("3".into())]
    );
}

/// Page-number lists whose `pages.next` is a URL string (the spec reuses the
/// cursor object) and that may omit `total_pages`: the pages decode, and the
/// stream neither stops early nor runs on.
#[tokio::test]
async fn page_numbers_whose_next_is_a_url_and_whose_total_is_missing() {
    for with_total in [true, false] {
        let (server, client) = setup().await;
        serve(&server, "GET", "/calls", move |r: &Request| {
            let page: u64 = query(r, "page").map_or(1, |p| p.parse().unwrap());
            let mut body = if page <= 2 {
                calls_page(page, 2)
            } else {
                json!({"type": "list", "data": [], "pages": {"type": "pages", "page": page}})
            };
            let pages = body["pages"].as_object_mut().unwrap();
            if page < 2 {
                pages.insert(
                    "next".into(),
                    json!(format!("https://api.intercom.io/calls?page={}", page + 1)),
                );
            } else {
                pages.insert("next".into(), Value::Null);
            }
            if !with_total {
                pages.remove("total_pages");
            }
            ResponseTemplate::new(200).set_body_json(body)
        })
        .await;
        let calls: Vec<types::Call> = client
            .v2_16()
            .list_calls()
            .into_paginator()
            .items()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(calls.len(), 6, "with_total {with_total}");
        let pages = sent(&server, "page").await;
        let expected: &[Option<String>] = if with_total {
            &[Some("1".into()), Some("2".into())]
        } else {
            // Without a total, the first empty page ends the stream.
            &[Some("1".into()), Some("2".into()), Some("3".into())]
        };
        assert_eq!(pages, expected, "with_total {with_total}");
    }
}

#[tokio::test]
async fn page_numbers_start_from_the_builders_page() {
    let (server, client) = setup().await;
    serve(&server, "GET", "/calls", |r: &Request| {
        let page: u64 = query(r, "page").map_or(1, |p| p.parse().unwrap());
        ResponseTemplate::new(200).set_body_json(calls_page(page, 4))
    })
    .await;
    let pages: Vec<types::CallList> = client
        .v2_16()
        .list_calls()
        .page(3)
        .into_paginator()
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    let numbers = sent(&server, "page").await;
    assert_eq!(numbers, [Some("3".into()), Some("4".into())]);
}

#[tokio::test]
async fn a_page_that_repeats_is_an_error_not_a_loop() {
    let (server, client) = setup().await;
    // The server ignores `page` and claims 50 pages.
    serve(
        &server,
        "GET",
        "/calls",
        ResponseTemplate::new(200).set_body_json(calls_page(1, 50)),
    )
    .await;
    let result: Result<Vec<types::Call>, Error> = client
        .v2_16()
        .list_calls()
        .into_paginator()
        .items()
        .try_collect()
        .await;
    match result {
        Err(Error::PaginationLoop {
            page: 2,
            cursor: None,
            ..
        }) => {}
        other => panic!("expected a repeated-page error, got {other:?}"),
    }
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn search_pages_through_the_request_body() {
    let (server, client) = setup().await;
    serve(&server, "POST", "/contacts/search", |r: &Request| {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let cursor = body["pagination"]["starting_after"]
            .as_str()
            .map(str::to_owned);
        ResponseTemplate::new(200).set_body_json(cursor_page(page_index(cursor), 3, 2))
    })
    .await;
    let query: types::ContactSearchRequest = serde_json::from_value(json!({
        "query": {"field": "email", "operator": "~", "value": "example.com"}
    }))
    .unwrap();
    let paginator = client
        .v2_16()
        .search_contacts()
        .body(query)
        .into_paginator()
        .page_size(2);
    assert_eq!(paginator.shape(), Shape::SearchBody);
    let contacts: Vec<types::Contact> = paginator.items().try_collect().await.unwrap();
    assert_eq!(contacts.len(), 6);
    let bodies: Vec<Value> = requests(&server)
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies.len(), 3);
    for (i, body) in bodies.iter().enumerate() {
        // The caller's query is kept on every page; only the cursor moves.
        assert_eq!(body["query"]["value"], "example.com");
        assert_eq!(body["pagination"]["per_page"], 2);
        let expected = (i > 0).then(|| format!("c{i}"));
        assert_eq!(
            body["pagination"]["starting_after"].as_str(),
            expected.as_deref()
        );
    }
}

#[tokio::test]
async fn scroll_follows_scroll_param_until_an_empty_page() {
    let (server, client) = setup().await;
    serve(&server, "GET", "/companies/scroll", |r: &Request| {
        let n: usize = query(r, "scroll_param").map_or(0, |s| s[1..].parse().unwrap());
        let data: Vec<Value> = if n < 3 {
            vec![json!({"type": "company", "id": format!("co{n}")})]
        } else {
            vec![]
        };
        ResponseTemplate::new(200).set_body_json(
            json!({"type": "list", "data": data, "scroll_param": format!("s{}", n + 1)}),
        )
    })
    .await;
    let companies: Vec<types::Company> = client
        .v2_16()
        .scroll_over_all_companies()
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap();
    let got: Vec<String> = companies.into_iter().filter_map(|c| c.id).collect();
    assert_eq!(got, ["co0", "co1", "co2"]);
    assert_eq!(requests(&server).await.len(), 4);
}

#[tokio::test]
async fn next_cursor_pages_follow_next_cursor() {
    let (server, client) = setup().await;
    serve(
        &server,
        "GET",
        "/contacts/abc/merge_history",
        |r: &Request| {
            let n = page_index(query(r, "cursor"));
            let next = if n < 2 {
                json!(format!("c{}", n + 1))
            } else {
                Value::Null
            };
            ResponseTemplate::new(200).set_body_json(json!({
                "type": "list", "data": [{"type": "merge_history_item", "merged_at": n}],
                "next_cursor": next, "has_more": n < 2
            }))
        },
    )
    .await;
    let pages = client
        .v2_16()
        .list_contact_merge_history()
        .id("abc")
        .into_paginator()
        .pages()
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(pages.len(), 3);
    let cursors = sent(&server, "cursor").await;
    assert_eq!(cursors, [None, Some("c1".into()), Some("c2".into())]);
}

#[tokio::test]
async fn ten_thousand_items_over_a_hundred_pages_arrive_in_order() {
    let (server, client) = setup().await;
    serve_cursor_contacts(&server, 100, 100).await;
    let mut next = 0usize;
    let mut items = std::pin::pin!(
        client
            .v2_16()
            .list_contacts()
            .into_paginator()
            .page_size(100)
            .items()
    );
    while let Some(contact) = items.try_next().await.unwrap() {
        assert_eq!(contact.id.as_deref(), Some(next.to_string().as_str()));
        next += 1;
    }
    assert_eq!(next, 10_000);
    assert_eq!(requests(&server).await.len(), 100);
}

#[tokio::test]
async fn streams_are_lazy_and_dropping_one_stops_the_requests() {
    let (server, client) = setup().await;
    serve_cursor_contacts(&server, 50, 10).await;
    let paginator = client.v2_16().list_contacts().into_paginator();
    assert!(
        requests(&server).await.is_empty(),
        "nothing sent before polling"
    );
    let first: Vec<types::Contact> = paginator.items().take(3).try_collect().await.unwrap();
    assert_eq!(ids(&first), ["0", "1", "2"]);
    assert_eq!(requests(&server).await.len(), 1, "one page for three items");
}

#[tokio::test]
async fn page_requests_are_retried_by_the_runtime() {
    let server = MockServer::start().await;
    let client = Client::builder()
        .access_token("test-token")
        .base_url(server.uri())
        .retry(RetryConfig {
            initial_backoff: std::time::Duration::from_millis(1),
            max_backoff: std::time::Duration::from_millis(2),
            ..RetryConfig::default()
        })
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    serve(&server, "GET", "/contacts", move |r: &Request| {
        let call = counter.fetch_add(1, Ordering::SeqCst);
        match call {
            // Page 2: first rate limited, then a server error, then served.
            1 => ResponseTemplate::new(429).insert_header("retry-after", "0"),
            2 => ResponseTemplate::new(503),
            _ => {
                let n = page_index(query(r, "starting_after"));
                ResponseTemplate::new(200).set_body_json(cursor_page(n, 3, 2))
            }
        }
    })
    .await;
    let contacts: Vec<types::Contact> = client
        .v2_16()
        .list_contacts()
        .into_paginator()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&contacts), ["0", "1", "2", "3", "4", "5"]);
    assert_eq!(calls.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn a_failed_page_request_ends_the_stream_with_the_api_error() {
    let (server, client) = setup().await;
    serve(
        &server,
        "GET",
        "/contacts",
        ResponseTemplate::new(404).set_body_json(json!({
            "type": "error.list", "request_id": "r1",
            "errors": [{"code": "not_found", "message": "nope"}]
        })),
    )
    .await;
    let error = client
        .v2_16()
        .list_contacts()
        .into_paginator()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert!(error.is_not_found(), "{error:?}");
    assert_eq!(error.request_id(), Some("r1"));
}
