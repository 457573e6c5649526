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
