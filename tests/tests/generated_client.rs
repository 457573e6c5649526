//! The generated clients over real HTTP on loopback (wiremock): every request
//! carries its module's `Intercom-Version` header and passes through the
//! shared transport; responses Intercom may evolve (new enum values, missing
//! or null "required" fields) still decode; error bodies arrive typed.

use std::sync::{Arc, Mutex};

use intercom_client_core::{Execute, Operation, ResponseFuture, Transport};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Records the operation of every request it forwards to reqwest.
#[derive(Clone, Default)]
struct Recording {
    seen: Arc<Mutex<Vec<&'static Operation>>>,
    http: reqwest::Client,
}

impl Execute for Recording {
    fn execute<'a>(
        &'a self,
        request: reqwest::Request,
        operation: &'static Operation,
    ) -> ResponseFuture<'a> {
        self.seen.lock().unwrap().push(operation);
        Box::pin(self.http.execute(request))
    }
}

include!("../../intercom-api/src/versions.rs");

macro_rules! client_tests {
    ($($feature:ident = $name:literal => $krate:ident, $version:literal, $header:literal;)*) => {$(
        #[cfg(feature = $name)]
        mod $feature {
            use super::*;
            use $krate::{Client, INTERCOM_VERSION, types};

            #[tokio::test]
            async fn requests_carry_the_version_header_and_pass_the_transport() {
                let server = MockServer::start().await;
                Mock::given(method("GET"))
                    .and(path("/tags"))
                    .and(header("intercom-version", INTERCOM_VERSION))
                    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                        "type": "list",
                        "data": [{"type": "tag", "id": "17", "name": "vip"}]
                    })))
                    .expect(1)
                    .mount(&server)
                    .await;
                let transport = Recording::default();
                let client = Client::new(&server.uri(), Transport::new(transport.clone()));

                let tags = client.list_tags().send().await.expect("listTags succeeds").into_inner();

                assert_eq!(tags.data.len(), 1);
                assert_eq!(tags.data[0].name.as_deref(), Some("vip"));
                let seen = transport.seen.lock().unwrap().clone();
                assert_eq!(seen.len(), 1);
                assert_eq!((seen[0].id, seen[0].method, seen[0].path), ("listTags", "GET", "/tags"));
                assert_eq!(seen[0].version, INTERCOM_VERSION);
                let received = server.received_requests().await.unwrap();
                assert!(received[0].url.query().is_none(), "no version query parameter: {}", received[0].url);
                assert!(
                    received[0].headers.get("api-version").is_none(),
                    "progenitor's `api-version` header is not sent: Intercom reads `Intercom-Version`"
                );
            }

            #[tokio::test]
            async fn unknown_enum_values_and_missing_fields_decode() {
                let server = MockServer::start().await;
                Mock::given(method("GET"))
                    .and(path("/tags"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                        "type": "paginated_list",
                        "data": [{"id": null}, {}],
                        "added_next_year": {"x": 1}
                    })))
                    .mount(&server)
                    .await;
                let client = Client::new(&server.uri(), Transport::new(reqwest::Client::new()));

                let tags = client.list_tags().send().await.expect("tolerant decode").into_inner();

                assert_eq!(tags.data.len(), 2);
                assert!(tags.data.iter().all(|t| t.id.is_none() && t.name.is_none()));
                let kind = tags.type_.expect("type present");
                assert_eq!(kind.to_string(), "paginated_list");
                assert!(matches!(kind, types::TagListType::Unrecognized(ref v) if v == "paginated_list"));
                let known: types::TagListType = serde_json::from_value(json!("list")).unwrap();
                assert!(!matches!(known, types::TagListType::Unrecognized(_)));
                assert_eq!(serde_json::to_value(&known).unwrap(), json!("list"));
            }

            /// `GET /companies` answers one company when asked by name or
            /// `company_id`, a list otherwise: each lands in its own variant
            /// (one company used to decode as an empty `CompanyList`), an odd
            /// field inside the company is repaired where it is, and the
            /// paginator yields the single company and ends.
            #[tokio::test]
            async fn one_company_decodes_as_a_company_and_a_list_as_a_list() {
                use futures::TryStreamExt;
                let server = MockServer::start().await;
                Mock::given(method("GET"))
                    .and(path("/companies"))
                    .and(wiremock::matchers::query_param("name", "Acme"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                        "type": "company", "id": "c1", "name": "Acme", "user_count": "many"
                    })))
                    .mount(&server)
                    .await;
                Mock::given(method("GET"))
                    .and(path("/companies"))
                    .and(wiremock::matchers::query_param_is_missing("name"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                        "type": "list",
                        "data": [{"type": "company", "id": "c1", "name": "Acme"}, {"type": "company", "id": "c2"}],
                        "pages": {"type": "pages", "page": 1, "per_page": 2, "total_pages": 1},
                        "total_count": 2
                    })))
                    .mount(&server)
                    .await;
                let client = Client::new(&server.uri(), Transport::new(reqwest::Client::new()));

                let one = client.retrieve_company().name("Acme").send().await.expect("one company").into_inner();
                let types::RetrieveCompanyResponse::Company(company) = one else {
                    panic!("one company must decode as a company: {one:?}")
                };
                assert_eq!((company.id.as_deref(), company.name.as_deref()), (Some("c1"), Some("Acme")));
                assert_eq!(company.type_.as_ref().map(ToString::to_string).as_deref(), Some("company"));
                assert!(company.user_count.is_none(), "the odd value is set aside, the rest kept");

                let list = client.retrieve_company().send().await.expect("a list").into_inner();
                let types::RetrieveCompanyResponse::CompanyList(list) = list else {
                    panic!("a list must decode as a list: {list:?}")
                };
                assert_eq!(list.data.len(), 2);

                let single: Vec<types::Company> = client.retrieve_company().name("Acme")
                    .into_paginator().items().try_collect().await.expect("pages");
                assert_eq!(single.len(), 1, "the single company is the only item, and the last page");
                assert_eq!(single[0].name.as_deref(), Some("Acme"));
                let all: Vec<types::Company> = client.retrieve_company()
                    .into_paginator().items().try_collect().await.expect("pages");
                assert_eq!(all.len(), 2);
                let asked = server.received_requests().await.unwrap().len();
                assert_eq!(asked, 4, "one request per page, one page each");
            }

            #[tokio::test]
            async fn error_bodies_arrive_typed() {
                let server = MockServer::start().await;
                Mock::given(method("GET"))
                    .and(path("/tags"))
                    .respond_with(ResponseTemplate::new(401).set_body_json(json!({
                        "type": "error.list",
                        "request_id": "000on4vqn1ivifbgk0hg",
                        "errors": [{"code": "unauthorized", "message": "Access Token Invalid"}]
                    })))
                    .mount(&server)
                    .await;
                let client = Client::new(&server.uri(), Transport::new(reqwest::Client::new()));

                let err = client.list_tags().send().await.expect_err("401 is an error");

                // The one error type, whatever the operation's error payload.
                let err: intercom_client_core::Error = err;
                assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
                assert_eq!(err.request_id(), Some("000on4vqn1ivifbgk0hg"));
                assert_eq!(err.code(), Some(&intercom_client_core::ErrorCode::Unauthorized));
                assert_eq!(err.errors()[0].message.as_deref(), Some("Access Token Invalid"));
            }
        }
    )*};
}

for_each_version!(client_tests);

/// The version is a property of the module, never a per-call argument.
#[test]
fn no_operation_takes_a_version_parameter() {
    for module in intercom_tests::enabled() {
        assert!(
            !module.operations.is_empty(),
            "{}: no operations",
            module.feature
        );
        for line in module.surface.lines() {
            assert!(
                !line.to_ascii_lowercase().contains("intercom_version"),
                "{}: {line}",
                module.feature
            );
        }
        assert!(
            module
                .operations
                .iter()
                .all(|op| op.version == module.header)
        );
    }
}

/// Every file that follows from `spec/versions.toml` (version crates, the
/// feature and dependency tables, the version macro behind client accessors,
/// re-exports and test lists, the README table) is what `cargo xtask regen`
/// writes, and no version crate is left over.
#[test]
fn layout_matches_the_version_manifest() {
    let manifest = intercom_tests::manifest();
    let root = intercom_tests::workspace_root();
    let cargo: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
    let package_version = codegen::derived_files::package_version(&root).unwrap();
    let pieces = codegen::derived_files::pieces(&manifest, &package_version);
    let drift = codegen::derived_files::drift(&root, &pieces);
    assert!(
        drift.is_empty(),
        "out of date with spec/versions.toml (run `cargo xtask regen`):\n{}",
        drift.join("\n")
    );
    let stale = codegen::derived_files::stale_crates(&root, &manifest);
    assert!(
        stale.is_empty(),
        "version crates of no listed version: {stale:?}"
    );
    // The workspace's pin on the shared crate repeats the package version.
    assert_eq!(
        cargo["workspace"]["dependencies"]["intercom-client-core"]["version"].as_str(),
        Some(format!("={package_version}").as_str())
    );
    for module in intercom_tests::enabled() {
        let version = intercom_tests::version_of(&module);
        assert_eq!(module.header, version.header);
    }
}
