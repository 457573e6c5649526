//! The test kit (`test-util`) as a user's tests use it: real `Client`s of
//! the whole runtime, answered in process, on the mock clock.

use std::time::Duration;

use futures::TryStreamExt;
use intercom_api::test_util::{MockError, MockIntercom, Reply};
use intercom_api::v2_16::{ops, types};
use intercom_api::{ConfigError, Error, Op, RetryConfig, TimeLimit};
use serde_json::json;

fn tag(id: &str, name: &str) -> types::TagBasic {
    types::TagBasic {
        id: Some(id.into()),
        name: Some(name.into()),
        ..Default::default()
    }
}

fn not_mocked(e: &Error) -> (&str, &str) {
    match e {
        Error::Config(ConfigError::NotMocked { request, reason }) => (request, reason),
        other => panic!("expected a miss, got {other:?}"),
    }
}

#[tokio::test]
async fn typed_replies_and_recorded_requests() {
    let mock = MockIntercom::new();
    let body = types::CreateContactRequest::new()
        .role("user")
        .email("ada@example.com");
    let rule = mock
        .on::<ops::ContactsCreate>()
        .with_body(body.clone())
        .returns(types::CreateContactResponse {
            id: Some("6657a".into()),
            email: Some("ada@example.com".into()),
            ..Default::default()
        });
    mock.on::<ops::TagsFind>().returns(tag("81", "vip"));
    let client = mock.client();
    let api = client.v2_16();

    let created = api.contacts().create().body(body).send().await.unwrap();
    assert_eq!(created.into_inner().id.as_deref(), Some("6657a"));
    let found = api.tags().find("81").send().await.unwrap().into_inner();
    assert_eq!(found.name.as_deref(), Some("vip"));
    assert_eq!(rule.calls(), 1);
    assert!(mock.unused().is_empty(), "{:?}", mock.unused());

    let all = mock.requests();
    assert_eq!(all.len(), 2);
    let (create, find) = (&all[0], &all[1]);
    assert_eq!(
        (create.method.as_str(), create.path.as_str()),
        ("POST", "/contacts")
    );
    assert_eq!(create.version.as_deref(), Some("2.16"));
    assert_eq!(create.operation.unwrap().call, "contacts.create");
    assert_eq!(
        create.body,
        Some(json!({"role": "user", "email": "ada@example.com"}))
    );
    assert_eq!(
        (find.path.as_str(), find.operation.unwrap().id),
        ("/tags/81", "findTag")
    );
    assert_eq!(
        find.headers["authorization"].to_str().ok(),
        Some("Bearer test-token")
    );
    // The body as the operation's own type.
    let sent = mock.requests_to::<ops::ContactsCreate>();
    let typed: types::CreateContactRequest = sent[0].body().unwrap();
    assert_eq!(typed.email.as_deref(), Some("ada@example.com"));
    assert!(mock.requests_to::<ops::TagsList>().is_empty());
    // Each type points at its own entry of the version's table.
    let op = <ops::ContactsCreate as Op>::operation();
    assert_eq!((op.id, op.call), ("CreateContact", "contacts.create"));
    assert_eq!(op.op_type, "v2_16::ops::ContactsCreate");
}

#[tokio::test]
async fn the_specs_examples_by_status_and_name() {
    let examples = <ops::TagsList as Op>::examples();
    assert!(
        examples.iter().any(|e| e.status == "200"),
        "2.16 documents a 200 example of listTags: {examples:?}"
    );
    let mock = MockIntercom::new();
    mock.on::<ops::TagsList>().example(200).unwrap();
    let client = mock.client();
    let list = client
        .v2_16()
        .tags()
        .list()
        .send()
        .await
        .unwrap()
        .into_inner();
    // The example's own tags, decoded into the generated type.
    let example: serde_json::Value =
        serde_json::from_str(examples.iter().find(|e| e.status == "200").unwrap().json).unwrap();
    let names: Vec<_> = list.data.iter().map(|t| t.name.clone()).collect();
    let expected: Vec<_> = example["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    assert!(!names.is_empty());
    assert_eq!(names, expected);

    // An error example, by name, comes back as the error it documents.
    let unauthorized = <ops::TagsList as Op>::examples()
        .iter()
        .find(|e| e.status == "401")
        .expect("2.16 documents a 401 example of listTags");
    let mock = MockIntercom::new();
    mock.on::<ops::TagsList>()
        .example_named(401, unauthorized.name)
        .unwrap();
    let e = mock
        .client()
        .v2_16()
        .tags()
        .list()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401), "{e:?}");

    // An example the spec does not have is a typed error listing what it has.
    let missing = MockIntercom::new().on::<ops::TagsList>().example(418);
    let Err(MockError::NoExample {
        operation,
        wanted,
        available,
    }) = missing
    else {
        panic!("expected NoExample, got {missing:?}");
    };
    assert!(operation.contains("tags.list") && operation.contains("listTags"));
    assert_eq!(wanted, "418");
    assert!(
        available.iter().any(|a| a.starts_with("200 ")),
        "{available:?}"
    );
}

#[tokio::test]
async fn a_sequence_serves_a_paginator_then_runs_out() {
    let page = |ids: &[&str], next: Option<&str>| -> types::ContactList {
        serde_json::from_value(json!({
            "type": "list",
            "data": ids.iter().map(|id| json!({"type": "contact", "id": id})).collect::<Vec<_>>(),
            "pages": {"type": "pages", "next": next.map(|c| json!({"starting_after": c}))},
        }))
        .unwrap()
    };
    let mock = MockIntercom::new();
    let rule = mock
        .on::<ops::ContactsList>()
        .returns_each([page(&["1", "2"], Some("c2")), page(&["3"], None)]);
    let client = mock.client();
    let ids: Vec<String> = client
        .v2_16()
        .contacts()
        .list()
        .into_paginator()
        .page_size(2)
        .items()
        .map_ok(|c| c.id.unwrap_or_default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1", "2", "3"]);
    let sent = mock.requests_to::<ops::ContactsList>();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].query("per_page"), Some("2"));
    assert_eq!(sent[1].query("starting_after"), Some("c2"));
    assert_eq!(rule.remaining(), Some(0));
    assert!(mock.unused().is_empty(), "{:?}", mock.unused());

    // A third request finds the sequence used up: a miss, not a retry.
    let e = client.v2_16().contacts().list().send().await.unwrap_err();
    let (request, reason) = not_mocked(&e);
    assert!(request.contains("contacts.list"), "{request}");
    assert_eq!(reason, "all 2 replies registered for it were used");
    assert_eq!(mock.requests().len(), 3, "a miss is not retried");
}

#[tokio::test]
async fn faults_exercise_the_retry_rules_on_the_mock_clock() {
    // A 429, then two 503s, then a tag: the runtime waits out the 429 until
    // its reset and backs off twice, all on the mock clock.
    let mock = MockIntercom::new();
    mock.on::<ops::TagsFind>().replies([
        Reply::rate_limited(Duration::from_secs(7)),
        Reply::error(503, "service_unavailable", "try again"),
        Reply::status(503),
        Reply::output::<ops::TagsFind>(tag("1", "a")),
    ]);
    let client = mock.client();
    let started = std::time::Instant::now();
    let found = client.v2_16().tags().find("1").send().await.unwrap();
    assert_eq!(found.into_inner().id.as_deref(), Some("1"));
    assert_eq!(mock.requests().len(), 4);
    let slept = mock.clock().slept();
    assert!(
        slept.iter().any(|s| *s >= Duration::from_secs(7)),
        "the 429 was waited out until its reset: {slept:?}"
    );
    assert!(slept.len() >= 3, "one wait and two backoffs: {slept:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "no real sleeping ({:?})",
        started.elapsed()
    );

    // A timeout, then a reset connection, then success: both retried for a GET.
    let mock = MockIntercom::new();
    mock.on::<ops::TagsFind>().replies([
        Reply::timeout(),
        Reply::connection_reset(),
        Reply::output::<ops::TagsFind>(tag("2", "b")),
    ]);
    let found = mock.client().v2_16().tags().find("2").send().await.unwrap();
    assert_eq!(found.into_inner().id.as_deref(), Some("2"));
    assert_eq!(mock.requests().len(), 3);
    assert!(
        mock.clock().slept().contains(&Duration::from_secs(60)),
        "the timed-out attempt took the attempt timeout: {:?}",
        mock.clock().slept()
    );

    // A POST that times out is not sent again: it may have been applied.
    let mock = MockIntercom::new();
    mock.on::<ops::TagsCreate>().reply(Reply::timeout());
    let body = types::CreateOrUpdateTagRequest::new("vip");
    let e = mock
        .client()
        .v2_16()
        .tags()
        .create()
        .body(body)
        .send()
        .await
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(mock.requests().len(), 1);

    // Attempts run out: the last 503 is the error.
    let mock = MockIntercom::new();
    mock.on::<ops::TagsList>().reply(Reply::status(503));
    let client = mock
        .builder()
        .retry(RetryConfig {
            max_attempts: 3,
            ..RetryConfig::default()
        })
        .build()
        .unwrap();
    let e = client.v2_16().tags().list().send().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(mock.requests().len(), 3);

    // A whole-call timeout fires on the mock clock.
    let mock = MockIntercom::new();
    mock.on::<ops::TagsList>().reply(Reply::timeout());
    let client = mock
        .builder()
        .attempt_timeout(Some(Duration::from_secs(2)))
        .call_timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap();
    let e = client.v2_16().tags().list().send().await.unwrap_err();
    let late = e.out_of_time().unwrap_or_else(|| panic!("{e:?}"));
    assert_eq!(late.limit, TimeLimit::Call(Duration::from_secs(5)));
    assert!(late.attempts >= 2, "{late:?}");
}

#[tokio::test]
async fn misses_name_the_operation_and_what_to_register() {
    let mock = MockIntercom::new();
    let client = mock.client();
    let e = client.v2_16().tags().list().send().await.unwrap_err();
    let (request, reason) = not_mocked(&e);
    assert_eq!(
        request,
        "`tags.list` (listTags, GET /tags, Intercom-Version 2.16)"
    );
    assert_eq!(
        reason,
        "nothing is registered for it: register a reply with `mock.on::<v2_16::ops::TagsList>()`"
    );
    assert!(!e.is_retryable());
    assert_eq!(mock.requests().len(), 1, "a miss is not retried");

    // Registered, but for another body: the message says which condition failed.
    mock.on::<ops::TagsCreate>()
        .with_body(types::CreateOrUpdateTagRequest::new("vip"))
        .returns(Default::default());
    let other = types::CreateOrUpdateTagRequest::new("gold");
    let e = client
        .v2_16()
        .tags()
        .create()
        .body(other)
        .send()
        .await
        .unwrap_err();
    let (_, reason) = not_mocked(&e);
    assert!(
        reason.starts_with("its registrations did not match: body {") && reason.contains("vip"),
        "{reason}"
    );
    assert!(
        e.to_string()
            .starts_with("test kit: no reply for `tags.create`"),
        "{e}"
    );

    // What the test set up and its code never used is listed.
    mock.on::<ops::ContactsList>()
        .with_query("per_page", "50")
        .replies([Reply::status(503), Reply::status(503)]);
    assert_eq!(
        mock.unused(),
        [
            format!(
                "tags.create (createTag) with body {}: never answered",
                json!({"name": "vip"})
            ),
            "contacts.list (ListContacts) with query per_page=50: 2 of 2 replies left".to_owned(),
        ]
    );
}
