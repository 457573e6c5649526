//! One insta snapshot per API version of its generated surface: every
//! operation with its spec id, route, Rust method, parameters and payload
//! types, plus any operation codegen had to drop. Review with
//! `cargo insta review` after `cargo xtask regen`.

include!("../../intercom-api/src/versions.rs");

macro_rules! surface_snapshots {
    ($($feature:ident = $name:literal => $krate:ident, $version:literal, $header:literal;)*) => {$(
        #[cfg(feature = $name)]
        #[test]
        fn $feature() {
            insta::assert_snapshot!($name, $krate::SURFACE);
        }
    )*};
}

for_each_version!(surface_snapshots);

/// The only operation codegen may drop is pinned here, so a regression that
/// drops another shows up as a failure, not just a snapshot diff.
#[test]
fn dropped_operations_are_pinned() {
    let allowed = ["DROPPED uploadEcommerceCatalog POST /ecommerce/connectors/{id}/catalog"];
    for module in intercom_tests::enabled() {
        for line in module.surface.lines().filter(|l| l.starts_with("DROPPED")) {
            assert!(
                allowed.iter().any(|a| line.starts_with(a)) && module.feature == "preview",
                "{}: unexpected dropped operation: {line}",
                module.feature
            );
        }
    }
}

/// Every operation Intercom's official SDKs paginate (`x-fern-pagination`
/// in its override files) is paginated here too, in every version that has it.
#[test]
fn the_official_sdks_paginated_operations_are_paginated_here() {
    let mut checked = 0;
    for module in intercom_tests::enabled() {
        let lines: Vec<&str> = module
            .surface
            .lines()
            .filter(|l| l.starts_with(codegen::syntax::surface::SDK_PAGINATED))
            .collect();
        assert!(
            !lines.is_empty(),
            "{}: the surface lists none of the official SDKs' paginated operations (were the override files applied?)",
            module.feature
        );
        for line in lines {
            assert!(
                !line.ends_with(" NOT paginated"),
                "{}: {line}",
                module.feature
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

/// The README's pagination table has, for every enabled version, the row
/// its generated surface gives (`cargo xtask regen` writes the table).
#[test]
fn readme_pagination_table_matches_the_surfaces() {
    let readme_path = intercom_tests::workspace_root().join("intercom-api/README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let begin = codegen::derived_files::begin_marker(
        &readme_path,
        codegen::derived_files::PAGINATION_TABLE,
    );
    let end =
        codegen::derived_files::end_marker(&readme_path, codegen::derived_files::PAGINATION_TABLE);
    let block = readme
        .split_once(&begin)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(block, _)| block)
        .expect("intercom-api/README.md has the pagination table's markers");
    let manifest = intercom_tests::manifest();
    let rows = block.lines().filter(|l| l.starts_with("| ")).count();
    assert_eq!(
        rows,
        manifest.versions.len() + 2,
        "a header, its rule and one row per version:\n{block}"
    );
    for module in intercom_tests::enabled() {
        let version = intercom_tests::version_of(&module);
        let table = codegen::syntax::surface::pagination_table(&[(&version.name, module.surface)]);
        let row = table.lines().last().unwrap();
        assert!(
            block.lines().any(|l| l == row),
            "{}: the README's row is not `{row}`: run `cargo xtask regen`\n{block}",
            version.name
        );
    }
}

/// Codegen writes `intercom_client_core::pagination::Shape::X` for each shape it
/// detects: the two lists must name the same shapes, in the same order.
#[test]
fn codegen_and_runtime_name_the_same_pagination_shapes() {
    let codegen: Vec<String> = codegen::model::Shape::ALL
        .iter()
        .map(|s| format!("{s:?}"))
        .collect();
    let runtime: Vec<String> = intercom_client_core::pagination::Shape::ALL
        .iter()
        .map(|s| format!("{s:?}"))
        .collect();
    assert_eq!(codegen, runtime);
}

/// The grouped client names the same operation (method and path shape) the
/// same in every enabled version that has it (but for the routes whose
/// operation changed meaning, `codegen::spec::names::CHANGED_MEANING`), and
/// never names two operations of one version alike.
#[test]
fn grouped_names_are_unique_and_stable_across_versions() {
    use std::collections::BTreeMap;
    let mut by_route: BTreeMap<(String, String), BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut named = 0;
    for module in intercom_tests::enabled() {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for op in module.operations {
            if op.call.is_empty() {
                problems.push(format!("{}: {} has no grouped name", module.feature, op.id));
                continue;
            }
            if let Some(other) = seen.insert(op.call, op.id) {
                problems.push(format!(
                    "{}: {other} and {} are both `{}`",
                    module.feature, op.id, op.call
                ));
            }
            let shape = codegen::model::template_shape(op.path);
            by_route
                .entry((op.method.to_owned(), shape))
                .or_default()
                .entry(op.call)
                .or_default()
                .push(module.feature);
            named += 1;
        }
    }
    let changed: Vec<&str> = codegen::spec::names::CHANGED_MEANING
        .iter()
        .map(|c| c.route)
        .collect();
    for ((method, path), names) in &by_route {
        let route = format!("{method} {path}");
        let versions: usize = names.values().map(Vec::len).sum();
        if changed.contains(&route.as_str()) && names.len() == 1 && versions > 1 {
            problems.push(format!(
                "{route} is listed in CHANGED_MEANING but named alike in {versions} versions"
            ));
        }
        if names.len() > 1 && !changed.contains(&route.as_str()) {
            problems.push(format!("{method} {path} is named differently: {names:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(named > 0);
}

/// The text between a README block's markers.
fn readme_block(block: &str) -> String {
    let readme_path = intercom_tests::workspace_root().join("intercom-api/README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap();
    let begin = codegen::derived_files::begin_marker(&readme_path, block);
    let end = codegen::derived_files::end_marker(&readme_path, block);
    readme
        .split_once(&begin)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(text, _)| text.trim().to_owned())
        .unwrap_or_else(|| panic!("intercom-api/README.md has the {block}'s markers"))
}

/// The README's grouped-calls table has each enabled version's row, and
/// its parity table is the one the 2.14 surface gives (`cargo xtask regen`
/// writes both).
#[test]
fn readme_calls_and_parity_tables_match_the_surfaces() {
    let block = readme_block(codegen::derived_files::CALLS_TABLE);
    for module in intercom_tests::enabled() {
        let version = intercom_tests::version_of(&module);
        let table = codegen::syntax::surface::calls_table(&[(&version.name, module.surface)]);
        let row = table.lines().last().unwrap();
        assert!(
            block.lines().any(|l| l == row),
            "{}: the README's row is not `{row}`: run `cargo xtask regen`\n{block}",
            version.name
        );
    }
    let (sdk_path, sdk_version) = codegen::derived_files::NODE_SDK_METHODS;
    let Some(module) = intercom_tests::enabled()
        .into_iter()
        .find(|m| intercom_tests::version_of(m).name == sdk_version)
    else {
        return;
    };
    let sdk = std::fs::read_to_string(intercom_tests::workspace_root().join(sdk_path)).unwrap();
    let parity = codegen::syntax::surface::parity_table(&sdk, module.surface);
    assert_eq!(
        readme_block(codegen::derived_files::PARITY_TABLE),
        parity.trim(),
        "run `cargo xtask regen`"
    );
}
