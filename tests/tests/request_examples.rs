//! Every JSON request example in every enabled version's spec parses into its
//! operation's generated body type and writes back every field it had (nulls
//! aside; the type may add its schema defaults): request types keep every
//! field, or reject the body with an error naming why.
//!
//! Intercom's examples contradict their own schemas in a few recurring ways.
//! Each way is a reviewed class in `tests/known-request-example-failures.toml`
//! (what the error says, why the example and not the type is wrong, and how
//! many examples of each version fall in it). The test fails on a failure no
//! class explains and on any count that moves, so the list stays exact.

use std::collections::BTreeMap;

use intercom_tests::{RoundTrip, enabled, request_examples, round_trip, version_of};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Known {
    class: Vec<Class>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Class {
    /// Short name, printed in the report.
    name: String,
    /// Text of the error (or of the written-back body) that identifies it.
    error: String,
    /// Why the example, not the generated type, is wrong.
    reason: String,
    /// Examples per version in the class.
    counts: BTreeMap<String, usize>,
}

#[test]
fn every_request_example_keeps_its_fields() {
    let path = intercom_tests::workspace_root().join("tests/known-request-example-failures.toml");
    let known: Known = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        known
            .class
            .iter()
            .all(|c| !c.reason.trim().is_empty() && !c.error.is_empty()),
        "every class has an error text and a reason"
    );
    // `INTERCOM_LIST_REQUEST_EXAMPLES=1` prints every example of every class, for review.
    let verbose = std::env::var_os("INTERCOM_LIST_REQUEST_EXAMPLES").is_some();
    let mut problems = Vec::new();
    for module in enabled() {
        let version = version_of(&module);
        let spec = intercom_tests::prepared(&version).spec;
        let examples = request_examples(&spec.doc);
        assert!(
            !examples.is_empty(),
            "{}: no request examples found",
            version.name
        );
        let (mut same, mut defaulted, mut untyped) = (0, 0, 0);
        let mut by_class: BTreeMap<&str, usize> = BTreeMap::new();
        for example in &examples {
            let problem = match round_trip(&module, example) {
                RoundTrip::Same => {
                    same += 1;
                    continue;
                }
                RoundTrip::Defaulted => {
                    defaulted += 1;
                    continue;
                }
                RoundTrip::Untyped => {
                    untyped += 1;
                    continue;
                }
                RoundTrip::Rejected(e) => format!("rejected: {e}"),
                RoundTrip::Changed(back) => format!("written back as {back}"),
            };
            match known.class.iter().find(|c| problem.contains(&c.error)) {
                Some(class) => {
                    *by_class.entry(&class.name).or_default() += 1;
                    if verbose {
                        println!(
                            "{} {} example `{}` ({}): {problem}\n    sent {}",
                            version.name,
                            example.operation_id,
                            example.name,
                            class.name,
                            example.value
                        );
                    }
                }
                None => problems.push(format!(
                    "{} {} example `{}` {problem}\n    sent {}",
                    version.name, example.operation_id, example.name, example.value
                )),
            }
        }
        for class in &known.class {
            let listed = class.counts.get(&version.name).copied().unwrap_or(0);
            let found = by_class.get(class.name.as_str()).copied().unwrap_or(0);
            if listed != found {
                problems.push(format!(
                    "{}: {found} examples are `{}`, the list says {listed}: review them and update tests/known-request-example-failures.toml",
                    version.name, class.name
                ));
            }
        }
        let failed: usize = by_class.values().sum();
        println!(
            "{:8} {} request examples: {} keep every field ({same} written back the same, {defaulted} with schema defaults added), {untyped} untyped (raw body), {failed} contradict their schema ({})",
            version.name,
            examples.len(),
            same + defaulted,
            by_class
                .iter()
                .map(|(c, n)| format!("{c}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    assert!(
        problems.is_empty(),
        "{} request example problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The case: a body that tags companies, parsed as a tag request,
/// keeps its companies (it used to come back as `{"name": "test"}`, "create
/// a tag"); a body with a field no variant declares is rejected, not trimmed.
#[test]
fn a_tag_request_keeps_its_companies_or_fails() {
    let mut checked = 0;
    for module in enabled() {
        let example = |value: serde_json::Value| intercom_tests::Example {
            method: "POST".into(),
            path: "/tags".into(),
            operation_id: "createTag".into(),
            status: "request".into(),
            name: "issue".into(),
            value,
        };
        let tagging = serde_json::json!({"name": "test", "companies": [{"company_id": "123"}]});
        match round_trip(&module, &example(tagging)) {
            RoundTrip::Same | RoundTrip::Defaulted => {}
            other => panic!("{}: {other:?}", module.feature),
        }
        let stray = serde_json::json!({"name": "test", "colour": "red"});
        match round_trip(&module, &example(stray)) {
            RoundTrip::Rejected(e) => assert!(
                e.contains("did not match any variant") || e.contains("colour"),
                "{}: {e}",
                module.feature
            ),
            other => panic!(
                "{}: a stray field must be rejected: {other:?}",
                module.feature
            ),
        }
        checked += 1;
    }
    assert!(checked > 0, "no version enabled");
}
