//! `intercom_client_core::ErrorCode` is hand-written: this test keeps it in
//! step with the specs. It collects the `code` of every entry of `errors` in
//! every error-response example of every pinned version (as published, and
//! with Intercom's overrides applied), whatever features this build enabled,
//! and fails naming any documented code that has no variant and any variant
//! that no spec documents.

use std::collections::{BTreeMap, BTreeSet};

use intercom_client_core::ErrorCode;
use intercom_tests::{manifest, response_examples, spec_text, workspace_root};
use serde_json::Value;

/// Intercom's override files as they apply to `version` (without the
/// earlier versions' descriptions, which only paging needs).
fn overrides(
    manifest: &codegen::Manifest,
    version: &codegen::Version,
) -> Vec<codegen::spec::overrides::Overrides> {
    let spec_dir = workspace_root().join("spec");
    let mut read =
        |file: &codegen::versions::Pinned| codegen::versions::read_local(&spec_dir, file);
    codegen::load_inputs(&version.name, &manifest.override_sources(), &[], &mut read)
        .unwrap_or_else(|e| panic!("{e}"))
        .overrides
}

/// Every documented error code, with the versions that document it.
fn documented_codes() -> BTreeMap<String, BTreeSet<String>> {
    let manifest = manifest();
    let mut codes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for version in &manifest.versions {
        let published = codegen::spec::load(&spec_text(version)).expect("spec loads");
        let mut overridden = published.clone();
        codegen::spec::overrides::apply(
            &mut overridden,
            &version.name,
            &overrides(&manifest, version),
        );
        let mut found = 0;
        for doc in [&published, &overridden] {
            for example in response_examples(doc).iter().filter(|e| !e.is_success()) {
                let entries = example.value.get("errors").and_then(Value::as_array);
                for code in entries.into_iter().flatten().filter_map(|e| e.get("code")) {
                    let code = code.as_str().unwrap_or_else(|| {
                        panic!(
                            "{} {} {} example `{}`: a code that is not a string: {code}",
                            version.name, example.operation_id, example.status, example.name
                        )
                    });
                    codes
                        .entry(code.to_owned())
                        .or_default()
                        .insert(version.name.clone());
                    found += 1;
                }
            }
        }
        assert!(found > 0, "{}: no error codes found", version.name);
    }
    codes
}

#[test]
fn error_code_has_one_variant_per_documented_code() {
    let documented = documented_codes();
    let variants: BTreeSet<&str> = ErrorCode::DOCUMENTED
        .iter()
        .map(ErrorCode::as_str)
        .collect();
    let mut problems = Vec::new();
    for (code, versions) in &documented {
        if !variants.contains(code.as_str()) {
            let versions: Vec<&str> = versions.iter().map(String::as_str).collect();
            problems.push(format!(
                "`{code}` (documented by {}) has no `ErrorCode` variant: it decodes as `Unrecognized`",
                versions.join(", ")
            ));
        }
    }
    for code in &variants {
        if !documented.contains_key(*code) {
            problems.push(format!(
                "`ErrorCode` has a variant for `{code}`, which no spec documents"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "ErrorCode (generated/src/error/code.rs) disagrees with the specs:\n{}",
        problems.join("\n")
    );
    // Each documented code decodes as its variant, not `Unrecognized`.
    for code in documented.keys() {
        let decoded: ErrorCode = serde_json::from_value(Value::from(code.as_str())).unwrap();
        assert!(decoded.is_documented(), "{code}");
        assert_eq!(decoded.as_str(), code);
    }
}
