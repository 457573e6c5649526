//! `createMessage` and `replyTicket` through the typed clients, over real
//! HTTP on loopback (wiremock): what a caller hands the typed builder is
//! what arrives on the wire, no field lost, none added (no schema default
//! the caller did not set).
//!
//! Per enabled version, each operation is called by `operationId` through
//! the generated `builder::dispatch` (JSON arguments decoded into the
//! builder's own Rust types) with
//! 1. every request example of the spec: an example the typed body rejects
//!    (`DispatchError::Argument`: it contradicts its own schema, e.g. an
//!    integer `admin_id` where the schema says string) is counted and
//!    printed; every other one must be sent and arrive equal to the example
//!    (a `null` member of the example may be absent on the wire);
//! 2. hand-written bodies, one per form the version's schema describes
//!    (email and in-app messages, WhatsApp from 2.16, SMS in Preview;
//!    contact replies by `intercom_user_id`, `user_id` and `email` and
//!    admin comments, notes and quick replies from 2.10, 2.9's admin note),
//!    typed as that schema says: each must be accepted, answered 200 by the
//!    mock and arrive exactly as written. Several forms have no example
//!    that fits its schema, so only these prove they can be sent.
//!
//! In 2.16, bodies are also built as a user writes them: struct literals,
//! typify's builders, and the generated constructors (`new` with the
//! required fields, a setter per optional one; a union takes a member).

use std::future::Future;

use intercom_client_core::Transport;
use intercom_client_core::dispatch::{Args, DispatchError};
use intercom_tests::{Example, manifest, prepared, request_examples};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

include!("../../intercom-api/src/versions.rs");

/// The operations under test.
const OPERATIONS: [&str; 2] = ["createMessage", "replyTicket"];

/// What every path parameter is set to.
const PATH_ID: &str = "123";

/// One request as the mock received it.
#[derive(Debug)]
struct Received {
    method: String,
    path: String,
    body: Option<Value>,
}

/// The outcome of one dispatched call and what reached the mock.
#[derive(Debug)]
struct Sent {
    outcome: Result<(), DispatchError>,
    requests: Vec<Received>,
}

/// A mock that answers every request 200 with an empty JSON object and
/// records what it received.
async fn mock() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    server
}

/// What `server` received so far.
async fn received(server: &MockServer) -> Vec<Received> {
    server
        .received_requests()
        .await
        .expect("the mock records requests")
        .into_iter()
        .map(|r| Received {
            method: r.method.to_string(),
            path: r.url.path().to_owned(),
            body: (!r.body.is_empty()).then(|| {
                serde_json::from_slice(&r.body).unwrap_or_else(|e| {
                    panic!(
                        "the body on the wire is not JSON ({e}): {}",
                        String::from_utf8_lossy(&r.body)
                    )
                })
            }),
        })
        .collect()
}

/// A version's place in the order: its minor number, Preview last.
fn minor(version: &str) -> u32 {
    if version == "preview" {
        return u32::MAX;
    }
    version
        .strip_prefix("2.")
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("unexpected version name {version}"))
}

/// Method and path template of `operation_id` in a normalised spec.
fn route(doc: &Value, operation_id: &str) -> Option<(String, String)> {
    let paths = doc.get("paths")?.as_object()?;
    paths.iter().find_map(|(path, item)| {
        codegen::model::METHODS.iter().find_map(|method| {
            (item.get(*method)?.get("operationId")?.as_str()? == operation_id)
                .then(|| (method.to_ascii_uppercase(), path.clone()))
        })
    })
}

/// Arguments for a call on `path` (every path parameter `PATH_ID`) with
/// `body`, and the path the request must be sent to.
fn arguments(path: &str, body: &Value) -> (Args, String) {
    let mut args = Args::new();
    let mut concrete = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let close = open + rest[open..].find('}').expect("a closed path parameter");
        args.insert(rest[open + 1..close].to_owned(), json!(PATH_ID));
        concrete.push_str(&rest[..open]);
        concrete.push_str(PATH_ID);
        rest = &rest[close + 1..];
    }
    concrete.push_str(rest);
    args.insert("body".into(), body.clone());
    (args, concrete)
}

/// Whether `wire` is `sent`: the same members with the same values, except
/// that a `null` member of `sent` may be absent (a body type skips absent
/// fields) when `nulls_may_go`.
fn arrived_as_sent(wire: &Value, sent: &Value, nulls_may_go: bool) -> bool {
    match (wire, sent) {
        (Value::Object(w), Value::Object(s)) => {
            w.keys().all(|k| s.contains_key(k))
                && s.iter().all(|(k, sv)| match w.get(k) {
                    Some(wv) => arrived_as_sent(wv, sv, nulls_may_go),
                    None => nulls_may_go && sv.is_null(),
                })
        }
        (Value::Array(w), Value::Array(s)) => {
            w.len() == s.len()
                && w.iter()
                    .zip(s)
                    .all(|(wv, sv)| arrived_as_sent(wv, sv, nulls_may_go))
        }
        (w, s) => w == s,
    }
}

/// Why the one request of a call is not `body` sent to `method path`.
fn wire_problem(
    requests: &[Received],
    method: &str,
    path: &str,
    body: &Value,
    nulls_may_go: bool,
) -> Option<String> {
    let [request] = requests else {
        return Some(format!(
            "{} requests reached the mock, not 1",
            requests.len()
        ));
    };
    if (request.method.as_str(), request.path.as_str()) != (method, path) {
        return Some(format!(
            "sent to {} {}, not {method} {path}",
            request.method, request.path
        ));
    }
    match &request.body {
        Some(wire) if arrived_as_sent(wire, body, nulls_may_go) => None,
        Some(wire) => Some(format!("arrived as {wire}\n    sent       {body}")),
        None => Some("arrived without a body".into()),
    }
}

/// `body` with the ids Intercom's examples write in another JSON type than
/// their schemas say put right (`admin_id` an integer where a string is
/// declared, the sender's `from.id` a string where an integer is), and
/// what was changed; `None` if neither applies.
fn repaired(body: &Value) -> Option<(Value, String)> {
    let mut body = body.clone();
    let mut repairs = Vec::new();
    if let Some(id) = body.get("admin_id").and_then(Value::as_i64) {
        body["admin_id"] = json!(id.to_string());
        repairs.push("`admin_id` a string");
    }
    let from_id = body.pointer("/from/id").and_then(Value::as_str);
    if let Some(id) = from_id.and_then(|id| id.parse::<i64>().ok()) {
        body["from"]["id"] = json!(id);
        repairs.push("`from.id` an integer");
    }
    (!repairs.is_empty()).then(|| (body, repairs.join(" and ")))
}

/// An admin as `createMessage` names its sender (`id` an integer).
fn admin_sender() -> Value {
    json!({"type": "admin", "id": 394051})
}

/// A contact as `createMessage` names a recipient.
fn user_recipient() -> Value {
    json!({"type": "user", "id": "536e564f316c83104c000020"})
}

/// A contact's comment on a ticket, identified by `key` = `value`.
fn contact_reply(key: &str, value: &str) -> Value {
    json!({"message_type": "comment", "type": "user", key: value, "body": "Thanks again :)"})
}

/// An email from an admin to a user, typed as every version's schema says.
fn email_message() -> Value {
    json!({
        "message_type": "email",
        "subject": "Thanks for everything",
        "body": "Hello there",
        "template": "plain",
        "from": admin_sender(),
        "to": user_recipient(),
    })
}

/// The hand-written bodies of `operation` in `version`, by form: each typed
/// as that version's schema says.
fn handwritten(version: &str, operation: &str) -> Vec<(&'static str, Value)> {
    let minor = minor(version);
    let mut forms = Vec::new();
    match operation {
        "createMessage" => {
            forms.push(("email", email_message()));
            forms.push((
                "in-app",
                json!({
                    "message_type": "in_app",
                    "body": "Hello there",
                    "from": admin_sender(),
                    "to": user_recipient(),
                }),
            ));
            // `message_type: whatsapp` (with `components`, which the spec
            // requires of the form without describing it) from 2.16 on.
            if minor >= 16 {
                forms.push((
                    "whatsapp",
                    json!({
                        "message_type": "whatsapp",
                        "template": "keep_live",
                        "components": [
                            {"type": "BODY", "parameters": [{"type": "text", "text": "Username 123"}]}
                        ],
                        "from": admin_sender(),
                        "to": user_recipient(),
                    }),
                ));
            }
            if version == "preview" {
                forms.push((
                    "sms",
                    json!({
                        "message_type": "sms",
                        "body": "Hello there",
                        "from": admin_sender(),
                        "to": user_recipient(),
                    }),
                ));
            }
        }
        // 2.9's ticket reply is an admin's note; its `message_type`
        // defaults to `note`, which must not be sent unless set.
        "replyTicket" if minor == 9 => {
            forms.push((
                "admin note",
                json!({"message_type": "note", "admin_id": "991267687", "body": "<p>Okay!</p>"}),
            ));
            forms.push((
                "admin note, message_type left out",
                json!({"admin_id": "991267687", "body": "<p>Okay!</p>"}),
            ));
        }
        "replyTicket" if minor >= 10 => {
            forms.push((
                "contact by intercom_user_id",
                contact_reply("intercom_user_id", "6762f2971bb69f9f2193bc49"),
            ));
            forms.push(("contact by user_id", contact_reply("user_id", "25")));
            forms.push((
                "contact by email",
                contact_reply("email", "ada@example.com"),
            ));
            if minor >= 13 {
                let mut quiet = contact_reply("intercom_user_id", "6762f2971bb69f9f2193bc49");
                quiet["skip_notifications"] = json!(true);
                forms.push(("contact, skip_notifications", quiet));
            }
            forms.push((
                "admin comment",
                json!({"message_type": "comment", "type": "admin", "admin_id": "991267943", "body": "Hello there!"}),
            ));
            forms.push((
                "admin note",
                json!({"message_type": "note", "type": "admin", "admin_id": "991267943", "body": "<p>Checked with billing.</p>"}),
            ));
            forms.push((
                "admin note, cross_post",
                json!({"message_type": "note", "type": "admin", "admin_id": "991267943", "body": "Cross-posted.", "cross_post": true}),
            ));
            forms.push((
                "admin quick_reply",
                json!({
                    "message_type": "quick_reply",
                    "type": "admin",
                    "admin_id": "991267948",
                    "reply_options": [
                        {"text": "Yes", "uuid": "0df48b85-9a93-4c66-a167-753eff0baaec"},
                        {"text": "No", "uuid": "4f0b5145-4193-4b4f-8cad-ce19478a3938"}
                    ],
                }),
            ));
        }
        _ => {}
    }
    forms
}

/// Whether `operation` is in `version`'s spec: `createMessage` in every
/// version, `replyTicket` from 2.9 on.
fn expected(version: &str, operation: &str) -> bool {
    operation != "replyTicket" || minor(version) >= 9
}

/// Sends both operations' examples and hand-written bodies in the version
/// of `feature`; `send` dispatches one call against a fresh mock (`None`
/// when the version has no such operation).
async fn check<F, Fut>(feature: &str, send: F)
where
    F: Fn(&'static str, Args) -> Fut,
    Fut: Future<Output = Option<Sent>>,
{
    let version = manifest()
        .versions
        .into_iter()
        .find(|v| v.feature == feature)
        .expect("version in the manifest");
    let doc = prepared(&version).spec.doc;
    let examples = request_examples(&doc);
    let mut problems = Vec::new();
    let mut operations = 0;
    for operation in OPERATIONS {
        let Some((method, path)) = route(&doc, operation) else {
            println!("{:8} {operation}: not in this version", version.name);
            if expected(&version.name, operation) {
                problems.push(format!("{operation} is missing from the spec"));
            }
            continue;
        };
        operations += 1;

        // 1. The spec's request examples.
        let ours: Vec<&Example> = examples
            .iter()
            .filter(|e| e.operation_id == operation)
            .collect();
        let (mut equal, mut rejected) = (0, Vec::new());
        for example in &ours {
            let (args, concrete) = arguments(&example.path, &example.value);
            let Some(sent) = send(operation, args).await else {
                problems.push(format!("{operation} has no generated operation"));
                break;
            };
            match sent.outcome {
                Err(DispatchError::Argument { name, message }) => {
                    if !sent.requests.is_empty() {
                        problems.push(format!(
                            "{operation} example `{}` was rejected ({message}) yet sent",
                            example.name
                        ));
                    }
                    // Whether the id the example writes in the wrong JSON
                    // type is all that keeps it out.
                    let mut note = String::new();
                    if let Some((value, repairs)) = repaired(&example.value) {
                        let (args, concrete) = arguments(&example.path, &value);
                        if let Some(sent) = send(operation, args).await {
                            note = match (
                                &sent.outcome,
                                wire_problem(
                                    &sent.requests,
                                    &example.method,
                                    &concrete,
                                    &value,
                                    true,
                                ),
                            ) {
                                (Ok(()), None) => {
                                    format!(" (with {repairs} it is sent and arrives as written)")
                                }
                                (Err(e @ DispatchError::Argument { .. }), _) => {
                                    format!(" (with {repairs} still: {e})")
                                }
                                (Ok(()), Some(why)) => {
                                    problems.push(format!(
                                        "{operation} example `{}` with {repairs}: {why}",
                                        example.name
                                    ));
                                    format!(" (with {repairs}: {why})")
                                }
                                (Err(e), _) => {
                                    problems.push(format!(
                                        "{operation} example `{}` with {repairs} failed: {e}",
                                        example.name
                                    ));
                                    format!(" (with {repairs}: {e})")
                                }
                            };
                        }
                    }
                    rejected.push(format!(
                        "`{}`: argument `{name}`: {message}{note}",
                        example.name
                    ));
                }
                Err(e) => problems.push(format!(
                    "{operation} example `{}` failed: {e}\n    sent {}",
                    example.name, example.value
                )),
                Ok(()) => match wire_problem(
                    &sent.requests,
                    &example.method,
                    &concrete,
                    &example.value,
                    true,
                ) {
                    None => equal += 1,
                    Some(why) => {
                        problems.push(format!("{operation} example `{}` {why}", example.name))
                    }
                },
            }
        }
        if ours.is_empty() {
            problems.push(format!("{operation} has no request examples"));
        }

        // 2. A hand-written body per form.
        let forms = handwritten(&version.name, operation);
        let mut written = 0;
        for (form, body) in &forms {
            let (args, concrete) = arguments(&path, body);
            let Some(sent) = send(operation, args).await else {
                problems.push(format!("{operation} has no generated operation"));
                break;
            };
            if let Err(e) = &sent.outcome {
                problems.push(format!(
                    "{operation} {form}: the typed call failed: {e}\n    sent {body}"
                ));
                continue;
            }
            if let Some(why) = wire_problem(&sent.requests, &method, &concrete, body, false) {
                problems.push(format!("{operation} {form}: {why}"));
                continue;
            }
            if operation == "createMessage" {
                // Nothing the caller left out, not even a schema default.
                let wire = sent.requests[0].body.as_ref().expect("a body");
                let added: Vec<_> = wire
                    .as_object()
                    .expect("an object")
                    .keys()
                    .filter(|k| body.get(k.as_str()).is_none())
                    .collect();
                if !added.is_empty() {
                    problems.push(format!(
                        "{operation} {form}: members the caller did not set arrived: {added:?}"
                    ));
                    continue;
                }
                if wire
                    .get("create_conversation_without_contact_reply")
                    .is_some()
                {
                    problems.push(format!("{operation} {form}: the schema default was sent"));
                    continue;
                }
            }
            written += 1;
        }
        if forms.is_empty() {
            problems.push(format!("{operation}: no hand-written bodies"));
        }
        if equal + written == 0 {
            problems.push(format!(
                "{operation}: no body at all arrived as sent ({} examples, {} rejected)",
                ours.len(),
                rejected.len()
            ));
        }
        println!(
            "{:8} {operation}: {} request examples: {equal} sent and equal on the wire, {} rejected as contradicting their schema; {written} of {} hand-written bodies sent and equal",
            version.name,
            ours.len(),
            rejected.len(),
            forms.len()
        );
        for why in &rejected {
            println!("{:8}     rejected {why}", version.name);
        }
    }
    assert!(operations > 0, "{}: neither operation exists", version.name);
    assert!(
        problems.is_empty(),
        "{}: {} problems:\n{}",
        version.name,
        problems.len(),
        problems.join("\n")
    );
}

macro_rules! typed_call_tests {
    ($($feature:ident = $name:literal => $krate:ident, $version:literal, $header:literal;)*) => {$(
        #[cfg(feature = $name)]
        #[tokio::test]
        async fn $feature() {
            check($name, |operation, args| async move {
                let server = mock().await;
                let client = $krate::Client::new(&server.uri(), Transport::new(reqwest::Client::new()));
                let outcome = $krate::builder::dispatch(&client, operation, &args)?.await;
                Some(Sent { outcome, requests: received(&server).await })
            })
            .await;
        }
    )*};
}

for_each_version!(typed_call_tests);

/// The same forms built as Rust values (as a user writes them), in the
/// default version: the struct literals compile, and what arrives is what
/// was built, without the schema's defaults.
#[cfg(feature = "v2_16")]
#[tokio::test]
async fn typed_bodies_arrive_as_built() {
    use intercom_api_v2_16::{Client, types};

    let server = mock().await;
    let client = Client::new(&server.uri(), Transport::new(reqwest::Client::new()));

    let message = types::CreateMessageRequest {
        message_type: Some(types::CreateMessageRequestMessageType::InApp),
        body: Some("Hello there".into()),
        from: Some(types::CreateMessageRequestFrom {
            type_: types::CreateMessageRequestFromType::Admin,
            id: 394051,
        }),
        to: Some(
            types::Recipient {
                type_: types::RecipientType::User,
                id: "536e564f316c83104c000020".into(),
            }
            .into(),
        ),
        ..Default::default()
    };
    client
        .create_message()
        .body(message)
        .send()
        .await
        .expect("createMessage succeeds");

    // The typify builder, through the request's `body_map`: what is left
    // unset stays off the wire.
    client
        .create_message()
        .body_map(|b| {
            b.message_type(types::CreateMessageRequestMessageType::Email)
                .subject("Thanks for everything".to_owned())
                .body("Hello there".to_owned())
                .template("plain".to_owned())
                .from(types::CreateMessageRequestFrom {
                    type_: types::CreateMessageRequestFromType::Admin,
                    id: 394051,
                })
                .to(types::CreateMessageRequestTo::Recipient(types::Recipient {
                    type_: types::RecipientType::User,
                    id: "536e564f316c83104c000020".into(),
                }))
        })
        .send()
        .await
        .expect("createMessage succeeds");

    let reply = types::ContactReplyTicketIntercomUserIdRequest {
        message_type: types::ContactReplyTicketIntercomUserIdRequestMessageType::Comment,
        type_: types::ContactReplyTicketIntercomUserIdRequestType::User,
        intercom_user_id: "6762f2971bb69f9f2193bc49".into(),
        body: "Thanks again :)".into(),
        // An empty list the caller sets is sent (`[]`): it is not the same
        // as leaving the field out.
        attachment_urls: Some(Vec::new()),
        created_at: None,
        reply_options: None,
        skip_notifications: None,
    };
    let reply = types::ReplyTicketBody::Variant0(reply.into());
    client
        .reply_ticket()
        .ticket_id(PATH_ID)
        .body(reply)
        .send()
        .await
        .expect("replyTicket succeeds");

    let requests = received(&server).await;
    let in_app = json!({
        "message_type": "in_app",
        "body": "Hello there",
        "from": admin_sender(),
        "to": user_recipient(),
    });
    assert_eq!(
        wire_problem(&requests[..1], "POST", "/messages", &in_app, false),
        None
    );
    let email = email_message();
    assert_eq!(
        wire_problem(&requests[1..2], "POST", "/messages", &email, false),
        None
    );
    let path = format!("/tickets/{PATH_ID}/reply");
    let mut by_id = contact_reply("intercom_user_id", "6762f2971bb69f9f2193bc49");
    by_id["attachment_urls"] = json!([]);
    assert_eq!(
        wire_problem(&requests[2..], "POST", &path, &by_id, false),
        None
    );
}

/// Bodies built only through the generated constructors and setters
/// (`new` with the required fields, one setter per optional field): union
/// bodies take a member directly, what was not set stays off the wire, and
/// a required field left out would not compile.
#[cfg(feature = "v2_16")]
#[tokio::test]
async fn bodies_built_by_the_generated_constructors_arrive_as_set() {
    use intercom_api_v2_16::{Client, types};

    let server = mock().await;
    let client = Client::new(&server.uri(), Transport::new(reqwest::Client::new()));

    // `CreateTagBody` is an untagged union: its member goes in as it is.
    client
        .create_tag()
        .body(types::CreateOrUpdateTagRequest::new("vip"))
        .send()
        .await
        .expect("createTag succeeds");
    client
        .create_tag()
        .body(types::TagCompanyRequest::new(
            vec![types::TagCompanyRequestCompaniesItem::new().id("531ee472cce572a6ec000006")],
            "vip",
        ))
        .send()
        .await
        .expect("createTag succeeds");
    client
        .create_contact()
        .body(
            types::CreateContactRequest::new()
                .email("ada@example.com")
                .name("Ada")
                .signed_up_at(1_700_000_000)
                .unsubscribed_from_emails(false),
        )
        .send()
        .await
        .expect("createContact succeeds");
    client
        .reply_conversation()
        .conversation_id(PATH_ID)
        .body(
            types::AdminReplyConversationRequest::new(
                "991267943",
                types::AdminReplyConversationRequestMessageType::Comment,
            )
            .body("Hello there!")
            // An empty list the caller sets is sent.
            .attachment_urls(Vec::new()),
        )
        .send()
        .await
        .expect("replyConversation succeeds");
    // A struct-like variant of a union: its constructor and setters.
    client
        .reply_ticket()
        .ticket_id(PATH_ID)
        .body(
            types::ReplyTicketBody::variant1(
                "991267943",
                types::ReplyTicketBodyVariant1MessageType::Note,
            )
            .body("Checked with billing.")
            .cross_post(true),
        )
        .send()
        .await
        .expect("replyTicket succeeds");

    let requests = received(&server).await;
    let expected = [
        ("/tags".to_owned(), json!({"name": "vip"})),
        (
            "/tags".to_owned(),
            json!({"name": "vip", "companies": [{"id": "531ee472cce572a6ec000006"}]}),
        ),
        (
            "/contacts".to_owned(),
            json!({
                "email": "ada@example.com",
                "name": "Ada",
                "signed_up_at": 1_700_000_000,
                "unsubscribed_from_emails": false,
            }),
        ),
        (
            format!("/conversations/{PATH_ID}/reply"),
            json!({
                "admin_id": "991267943",
                "message_type": "comment",
                "type": "admin",
                "body": "Hello there!",
                "attachment_urls": [],
            }),
        ),
        (
            format!("/tickets/{PATH_ID}/reply"),
            json!({
                "admin_id": "991267943",
                "message_type": "note",
                "type": "admin",
                "body": "Checked with billing.",
                "cross_post": true,
            }),
        ),
    ];
    assert_eq!(requests.len(), expected.len(), "{requests:?}");
    for (i, (path, body)) in expected.iter().enumerate() {
        // Exactly the members set: none missing, none added.
        assert_eq!(
            wire_problem(&requests[i..=i], "POST", path, body, false),
            None,
            "request {i}"
        );
        assert_eq!(requests[i].body.as_ref(), Some(body), "request {i}");
    }
}

#[test]
fn wire_comparison_is_exact_but_for_null_members() {
    let sent = json!({"a": 1, "b": null, "c": [{"d": "x"}]});
    assert!(arrived_as_sent(
        &json!({"a": 1, "c": [{"d": "x"}]}),
        &sent,
        true
    ));
    assert!(arrived_as_sent(&sent, &sent, true));
    assert!(!arrived_as_sent(
        &json!({"a": 1, "c": [{"d": "x"}]}),
        &sent,
        false
    ));
    assert!(!arrived_as_sent(
        &json!({"a": 1, "c": [{"d": "x"}], "e": false}),
        &sent,
        true
    ));
    assert!(!arrived_as_sent(
        &json!({"a": "1", "c": [{"d": "x"}]}),
        &sent,
        true
    ));
    assert!(!arrived_as_sent(&json!({"a": 1, "c": []}), &sent, true));
    let (args, path) = arguments("/tickets/{ticket_id}/reply", &json!({}));
    assert_eq!(path, "/tickets/123/reply");
    assert_eq!(args["ticket_id"], json!("123"));
}
