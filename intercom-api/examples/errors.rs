//! Recovering from errors by their code: every call fails with one error
//! type, `intercom_api::Error`, whose `code()` is the first of Intercom's
//! error codes as an `ErrorCode`. Looks a contact up (one that does not exist
//! is `NotFound`: an answer, not a failure), then creates it with a malformed
//! email, which Intercom rejects as `ParameterInvalid` naming the field, and
//! tries again with the email corrected.
//!
//! `cargo run -p intercom-api --features test-util --example errors` (the
//! test kit's mock answers), or with `INTERCOM_TOKEN=…` against the real API
//! (it writes!).

use intercom_api::test_util::Reply;
use intercom_api::v2_16::{ops, types};
use intercom_api::{Error, ErrorCode};
use serde_json::json;

mod support;

const MISSING_ID: &str = "6657a0000000000000000000";
const MALFORMED: &str = "ada(at)example.com";

/// What to do after a failed call, by its error code.
enum Recovery {
    /// The resource does not exist: carry on without it.
    Absent,
    /// A parameter was rejected: correct it and send again.
    Correct {
        /// The field Intercom named, if it named one.
        field: Option<String>,
    },
}

fn recovery(e: &Error) -> Option<Recovery> {
    match e.code()? {
        ErrorCode::NotFound => Some(Recovery::Absent),
        ErrorCode::ParameterInvalid => Some(Recovery::Correct {
            field: e.errors().first().and_then(|item| item.field.clone()),
        }),
        // Any other code (`Unauthorized`, `RateLimitExceeded`, one no spec
        // documents yet, kept as `ErrorCode::Unrecognized`): not ours to fix.
        _ => None,
    }
}

#[tokio::main]
async fn main() -> intercom_api::Result<()> {
    let (client, mock) = support::client();
    if let Some(mock) = &mock {
        mock.on::<ops::ContactsFind>()
            .with_path(&format!("/contacts/{MISSING_ID}"))
            .reply(Reply::error(404, "not_found", "User Not Found"));
        mock.on::<ops::ContactsCreate>()
            .with_json(json!({"role": "user", "email": MALFORMED}))
            .reply(Reply::error_on_field(
                400,
                "parameter_invalid",
                "Email is invalid",
                "email",
            ));
        mock.on::<ops::ContactsCreate>()
            .with_json(json!({"role": "user", "email": "ada@example.com"}))
            .returns(types::CreateContactResponse {
                id: Some("6657a".into()),
                role: Some("user".into()),
                email: Some("ada@example.com".into()),
                ..Default::default()
            });
    }
    let api = client.v2_16();

    // A contact that does not exist.
    match api.contacts().find(MISSING_ID).send().await {
        Ok(contact) => println!("contact {MISSING_ID}: {:?}", contact.into_inner().email),
        Err(e) => match recovery(&e) {
            Some(Recovery::Absent) => {
                println!("contact {MISSING_ID} does not exist ({e}); carrying on without it")
            }
            _ => return Err(e),
        },
    }

    // A malformed email, corrected once Intercom says which field is wrong.
    let mut email = MALFORMED.to_owned();
    let contact = loop {
        let body = types::CreateContactRequest::new()
            .role("user")
            .email(&email);
        match api.contacts().create().body(body).send().await {
            Ok(contact) => break contact.into_inner(),
            Err(e) => match recovery(&e) {
                Some(Recovery::Correct { field }) if email == MALFORMED => {
                    println!(
                        "rejected ({}), field {}: correcting it",
                        e.code().map_or("", ErrorCode::as_str),
                        field.as_deref().unwrap_or("not named")
                    );
                    email = MALFORMED.replace("(at)", "@");
                }
                _ => return Err(e),
            },
        }
    };
    println!(
        "contact {} created for {}",
        contact.id.unwrap_or_default(),
        contact.email.unwrap_or_default()
    );
    Ok(())
}
