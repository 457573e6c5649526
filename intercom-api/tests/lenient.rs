//! Responses that do not match the spec, through the façade on loopback:
//! misfit values never fail the call, are repaired or set aside without loss,
//! are traced, and are reachable with the raw body through `with_raw()`.

mod support;

use std::sync::OnceLock;

use intercom_api::{CaptureRaw, Client, Error, Repair};
use serde_json::json;
use support::Logs;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Everything traced in this test binary (one global subscriber: a
/// thread-local one misses events whose callsite interest another test
/// cached first).
fn logs() -> &'static Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_writer(logs.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("only this binary's helper installs one");
        logs
    })
}

fn logged() -> String {
    logs().text()
}

async fn serve(route: &str, body: serde_json::Value) -> (MockServer, Client) {
    logs();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(route))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let client = Client::builder()
        .access_token("t")
        .base_url(server.uri())
        .build()
        .unwrap();
    (server, client)
}

/// A contact as Intercom sends it: `avatar` a URL (the 2.16 spec says an
/// object; Intercom's override, applied by codegen, says a string),
/// `location` a string (the spec says an object), `owner_id` a number (the
/// spec says string), and a field the spec does not know yet.
fn contact() -> serde_json::Value {
    json!({
        "type": "contact",
        "id": "63a07ddf05a32042dffac965",
        "role": "user",
        "email": "joe@example.com",
        "owner_id": 5017691,
        "avatar": "https://static.intercomassets.com/avatars/1/square_128/joe.jpg",
        "location": "Dublin, Ireland",
        "created_at": 1671589599,
        "added_next_year": {"enabled": true}
    })
}

#[tokio::test]
async fn a_contact_with_misfit_fields_decodes_and_loses_nothing() {
    let (_server, client) = serve("/contacts/63a07ddf05a32042dffac965", contact()).await;

    let (result, raw) = client
        .v2_16()
        .show_contact()
        .contact_id("63a07ddf05a32042dffac965")
        .send()
        .with_raw()
        .await;

    let contact = result
        .expect("misfit fields do not fail the call")
        .into_inner();
    assert_eq!(contact.email.as_deref(), Some("joe@example.com"));
    assert_eq!(
        contact.owner_id.as_deref(),
        Some("5017691"),
        "a number read as the string the type wants"
    );
    assert_eq!(
        contact.avatar.as_deref(),
        Some("https://static.intercomassets.com/avatars/1/square_128/joe.jpg"),
        "Intercom's override makes `avatar` the URL it sends"
    );
    assert!(
        contact.location.is_none(),
        "a string cannot be the location object: set aside"
    );
    assert_eq!(contact.created_at, Some(1671589599));

    let mismatches: Vec<_> = raw.mismatches().collect();
    assert_eq!(mismatches.len(), 2, "{mismatches:?}");
    let location = mismatches
        .iter()
        .find(|m| m.path == "location")
        .expect("location recorded");
    assert_eq!(location.repair, Repair::Kept);
    assert_eq!(location.value, contact_value("location"));
    let owner = mismatches
        .iter()
        .find(|m| m.path == "owner_id")
        .expect("owner_id recorded");
    assert_eq!(owner.repair, Repair::Coerced(json!("5017691")));
    assert_eq!(owner.value, json!(5017691));

    let response = raw.last().expect("the response was captured");
    assert_eq!(response.operation, "show_contact");
    assert_eq!(response.status, 200);
    let body = response.json().unwrap();
    assert_eq!(
        body["added_next_year"],
        json!({"enabled": true}),
        "unknown fields are in the raw body"
    );
    assert_eq!(body["location"], contact_value("location"));

    let logs = logged();
    for field in ["field=location", "field=owner_id"] {
        assert!(
            logs.lines()
                .any(|l| l.contains("operation=\"show_contact\"")
                    && l.contains(field)
                    && l.contains("WARN")),
            "a warning names {field}: {logs}"
        );
    }
}

fn contact_value(field: &str) -> serde_json::Value {
    contact()[field].clone()
}

#[tokio::test]
async fn ids_sent_as_strings_are_read_as_the_integers_the_spec_declares() {
    let conversation = json!({
        "type": "conversation",
        "id": "147",
        "admin_assignee_id": "991267",
        "team_assignee_id": "5017691",
        "open": true
    });
    let (_server, client) = serve("/conversations/147", conversation).await;

    // Not wrapped in `with_raw()`: the call still succeeds, and still warns.
    let conversation = client
        .v2_16()
        .retrieve_conversation()
        .conversation_id("147")
        .send()
        .await
        .expect("string ids do not fail the call")
        .into_inner();

    assert_eq!(conversation.team_assignee_id, Some(5017691));
    assert_eq!(conversation.admin_assignee_id, Some(991267));
    let logs = logged();
    assert!(
        logs.lines()
            .any(|l| l.contains("operation=\"retrieve_conversation\"")
                && l.contains("field=team_assignee_id")
                && l.contains("repair=\"coerced\"")),
        "{logs}"
    );
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_altogether_still_fails_with_its_raw_body() {
    let (_server, client) = serve("/tags", json!([{"type": "tag", "id": "1"}])).await;

    let (result, raw) = client.v2_16().list_tags().send().with_raw().await;

    match result.unwrap_err() {
        Error::Decode {
            operation, excerpt, ..
        } => {
            assert_eq!(operation.as_deref(), Some("listTags"));
            assert!(excerpt.starts_with("[{"), "{excerpt}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(
        raw.last().unwrap().json().unwrap(),
        json!([{"type": "tag", "id": "1"}])
    );
}

#[tokio::test]
async fn a_body_that_fits_has_no_mismatch_and_is_still_captured() {
    let body = json!({"type": "list", "data": [{"type": "tag", "id": "17", "name": "vip"}]});
    let (_server, client) = serve("/tags", body.clone()).await;

    let (result, raw) = client.v2_16().list_tags().send().with_raw().await;

    assert_eq!(
        result.unwrap().into_inner().data[0].name.as_deref(),
        Some("vip")
    );
    assert_eq!(raw.mismatches().count(), 0);
    assert_eq!(raw.last().unwrap().json().unwrap(), body);
}
