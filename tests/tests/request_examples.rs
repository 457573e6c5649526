//! Every JSON request example in every enabled version's spec parses into its
//! operation's generated body type and writes back the same (nulls aside):
//! request types keep every field, or reject the body. An example that
//! contradicts its own schema must be listed, with the reason, in
//! `tests/known-request-example-failures.toml`; the list must stay exact.

use std::collections::BTreeSet;

use intercom_tests::{RoundTrip, enabled, request_examples, round_trip, spec_text, version_of};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Known {
    failure: Vec<KnownFailure>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownFailure {
    version: String,
    operation: String,
    example: String,
    reason: String,
}

#[test]
fn every_request_example_round_trips() {
    let path = intercom_tests::workspace_root().join("tests/known-request-example-failures.toml");
    let known: Known = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        known.failure.iter().all(|f| !f.reason.trim().is_empty()),
        "every listed failure has a reason"
    );
    let mut problems = Vec::new();
    for module in enabled() {
        let version = version_of(&module);
        let (spec, _) = codegen::normalised(&spec_text(&version)).expect("spec normalises");
        let examples = request_examples(&spec.doc);
        assert!(
            !examples.is_empty(),
            "{}: no request examples found",
            version.name
        );
        let listed: BTreeSet<(String, String)> = known
            .failure
            .iter()
            .filter(|f| f.version == version.name)
            .map(|f| (f.operation.clone(), f.example.clone()))
            .collect();
        let (mut same, mut untyped, mut failed) = (0, 0, BTreeSet::new());
        for example in &examples {
            let key = (example.operation_id.clone(), example.name.clone());
            let problem = match round_trip(&module, example) {
                RoundTrip::Same => {
                    same += 1;
                    continue;
                }
                RoundTrip::Untyped => {
                    untyped += 1;
                    continue;
                }
                RoundTrip::Rejected(e) => format!("rejected: {e}"),
                RoundTrip::Changed(back) => format!("written back as {back}"),
            };
            if !listed.contains(&key) {
                problems.push(format!(
                    "{} {} example `{}` {problem}\n    sent {}",
                    version.name, example.operation_id, example.name, example.value
                ));
            }
            failed.insert(key);
        }
        for stale in listed.difference(&failed) {
            problems.push(format!(
                "{} {stale:?} is listed but round-trips (or no longer exists): remove it",
                version.name
            ));
        }
        println!(
            "{:8} {} request examples: {same} round-trip, {untyped} untyped (raw body), {} known spec errors",
            version.name,
            examples.len(),
            failed.len()
        );
    }
    assert!(
        problems.is_empty(),
        "{} request example problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
