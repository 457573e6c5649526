//! `MIGRATING.md` is what `codegen::diff` makes of the enabled versions'
//! API models (`API_MODEL`): the section of every adjacent pair of
//! versions in `spec/versions.toml` whose two crates this build enables,
//! and, when every version is enabled (`cargo xtask test`), the whole file.

use codegen::api::ApiModel;
use codegen::diff::{self, MIGRATING_FILE};

/// What fixes a stale file.
const FIX: &str = "run `cargo xtask regen` to rewrite it";

/// The enabled versions' models, in the manifest's order, each beside its
/// position in the manifest.
fn models() -> Vec<(usize, ApiModel)> {
    let manifest = intercom_tests::manifest();
    let mut out = Vec::new();
    for module in intercom_tests::enabled() {
        let position = manifest
            .versions
            .iter()
            .position(|v| v.feature == module.feature)
            .unwrap_or_else(|| panic!("{} is not in spec/versions.toml", module.feature));
        let model = ApiModel::from_json(module.api_model)
            .unwrap_or_else(|e| panic!("{}: {e}", module.feature));
        assert_eq!(
            model.version, manifest.versions[position].name,
            "{}: the model names another version",
            module.feature
        );
        assert!(
            !model.operations.is_empty(),
            "{}: the API model has no operations",
            module.feature
        );
        out.push((position, model));
    }
    out.sort_by_key(|(position, _)| *position);
    out
}

#[test]
fn migrating_md_matches_the_api_models() {
    let path = intercom_tests::workspace_root().join(MIGRATING_FILE);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; {FIX}", path.display()));
    let manifest = intercom_tests::manifest();
    let models = models();
    let written = diff::sections(&text);
    // One section per adjacent pair of the manifest, and no other.
    let expected: Vec<String> = manifest
        .versions
        .windows(2)
        .map(|pair| format!("{} → {}", pair[0].name, pair[1].name))
        .collect();
    assert_eq!(
        written
            .keys()
            .cloned()
            .collect::<std::collections::BTreeSet<_>>(),
        expected.iter().cloned().collect(),
        "{MIGRATING_FILE} has other sections than the pairs of spec/versions.toml; {FIX}"
    );
    let mut checked = 0;
    for pair in models.windows(2) {
        let ((i, old), (j, new)) = (&pair[0], &pair[1]);
        if j - i != 1 {
            continue;
        }
        let heading = format!("{} → {}", old.version, new.version);
        assert_eq!(
            written.get(&heading).map(String::as_str),
            Some(diff::section(old, new).as_str()),
            "{MIGRATING_FILE}, section `{heading}`, is stale; {FIX}"
        );
        checked += 1;
    }
    if models.len() == manifest.versions.len() {
        let all: Vec<ApiModel> = models.into_iter().map(|(_, m)| m).collect();
        assert!(
            text == diff::migrating(&all),
            "{MIGRATING_FILE} is stale (its preamble or layout); {FIX}"
        );
        assert_eq!(checked, manifest.versions.len() - 1);
    }
}
