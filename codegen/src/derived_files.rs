//! Every file (or marked block of a file) that follows from
//! `spec/versions.toml`: one crate per API version under `generated/`, the
//! version features and dependencies of `intercom-api` and `intercom-tests`,
//! the version list the Rust code expands, and the README's versions table.
//!
//! `cargo xtask regen` writes them; a test compares them with the tree, so
//! adding a version is one manifest entry and a regen, and nothing drifts.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::{Manifest, Version};

/// Package name of a version's crate, e.g. `intercom-api-v2-11`.
pub fn crate_name(version: &Version) -> String {
    format!("intercom-api-{}", version.feature.replace('_', "-"))
}

/// Rust name of a version's crate, e.g. `intercom_api_v2_11`.
pub fn lib_name(version: &Version) -> String {
    format!("intercom_api_{}", version.feature)
}

/// Directory of a version's crate, relative to the workspace root.
pub fn crate_dir(version: &Version) -> String {
    format!("generated/{}", version.feature)
}

/// Directory, relative to the workspace root, of the files every version
/// crate shares (`build.rs` and `lib.rs`).
pub const SHARED_DIR: &str = "generated/version";

/// The cargo features of every version crate (none is on by default). They
/// are test support: the workspace's tests enable them, users never need to.
pub const VERSION_FEATURES: &str = r#"# Decoders for every operation's payload types (`RESPONSE_DECODERS`): test support.
response-decoders = []
# `builder::dispatch`: any operation by `operationId` with JSON arguments: test support.
dispatch = ["intercom-client-core/dispatch"]
# `SURFACE`, the API surface snapshot text, and `API_MODEL`, the structured
# API model MIGRATING.md is computed from (workspace builds only): test support.
surface = []
# The spec's response examples of each operation (`ops::X::examples()`):
# for the test kit (intercom-api's `test-util` feature).
examples = []
"#;

/// What the generated code of every version uses (inherited from the
/// workspace, so versions are set in one place).
const VERSION_DEPENDENCIES: &[&str] = &[
    "intercom-client-core",
    "progenitor-client",
    "reqwest",
    "serde",
    "serde_json",
    "chrono",
    "uuid",
    "regress",
    "bytes",
    "futures",
];

/// `intercom-api`'s default features besides the default version: the TLS
/// backend an `https://` client needs (its `native-tls` feature is the other).
const API_DEFAULT_FEATURES: &[&str] = &["rustls"];

/// How a version crate is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In this workspace: a build script runs codegen on the pinned spec.
    Workspace,
    /// Packaged: the module is pre-rendered into `src/generated.rs`; no build
    /// script, no generator among the dependencies.
    Package,
}

/// A version crate's `Cargo.toml`. In the workspace it also carries the
/// version's entry of `spec/versions.toml` (`[package.metadata.intercom]`),
/// which the build script reads: so editing one version's entry reruns only
/// that crate's build script, and the others are not rebuilt.
pub fn version_manifest(manifest: &Manifest, version: &Version, mode: Mode) -> String {
    let mut out = String::new();
    if mode == Mode::Workspace {
        out.push_str(GENERATED_HEADER_TOML);
    }
    let _ = writeln!(out, "[package]");
    let _ = writeln!(out, "name = {:?}", crate_name(version));
    let _ = writeln!(
        out,
        "description = {:?}",
        format!(
            "Intercom REST API {}: the typed client generated from Intercom's OpenAPI description. Use it through `intercom-api` (feature `{}`).",
            version.name, version.feature
        )
    );
    for key in [
        "version",
        "edition",
        "rust-version",
        "license",
        "repository",
    ] {
        let _ = writeln!(out, "{key}.workspace = true");
    }
    let lib_path = match mode {
        Mode::Workspace => {
            let _ = writeln!(out, "build = \"../version/build.rs\"");
            "../version/lib.rs"
        }
        Mode::Package => "src/lib.rs",
    };
    let _ = writeln!(out, "\n[lib]");
    let _ = writeln!(out, "name = {:?}", lib_name(version));
    let _ = writeln!(out, "path = {lib_path:?}");
    out.push_str(
        "# The spec's prose is not Rust; the module is reviewed through its surface snapshot.\ndoctest = false\ntest = false\nbench = false\n",
    );
    let _ = writeln!(out, "\n[features]\n{VERSION_FEATURES}");
    let _ = writeln!(out, "[dependencies]");
    for dep in VERSION_DEPENDENCIES {
        let _ = writeln!(out, "{dep}.workspace = true");
    }
    if mode == Mode::Workspace {
        let _ = writeln!(out, "\n[build-dependencies]\ncodegen.workspace = true");
    }
    let _ = writeln!(out, "\n[lints]\nworkspace = true");
    if mode == Mode::Package {
        out.push_str(DOCS_RS_METADATA);
    }
    if mode == Mode::Workspace {
        let metadata = Metadata {
            upstream: manifest.upstream.clone(),
            commit: manifest.commit.clone(),
            version: version.clone(),
            overrides: Vec::new(),
            earlier: Vec::new(),
        };
        let table = toml::to_string(&metadata).expect("plain strings serialise");
        let _ = write!(out, "\n[package.metadata.intercom]\n{table}");
        // Written one by one: `toml` would put the array of tables at the root.
        for source in manifest.override_sources() {
            let table = toml::to_string(&source).expect("plain strings serialise");
            let _ = write!(out, "\n[[package.metadata.intercom.override]]\n{table}");
        }
        for source in manifest.earlier_sources(&version.name) {
            let table = toml::to_string(&source).expect("plain strings serialise");
            let _ = write!(out, "\n[[package.metadata.intercom.earlier]]\n{table}");
        }
    }
    out
}

/// A version crate's `[package.metadata.intercom]`: its entry of
/// `spec/versions.toml` and where its spec comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Metadata {
    /// The manifest's `upstream`.
    pub upstream: String,
    /// The manifest's pinned `commit`.
    pub commit: String,
    /// The version's entry.
    #[serde(flatten)]
    pub version: Version,
    /// Intercom's override files, each with its target's description.
    #[serde(default, rename = "override", skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<crate::versions::OverrideSource>,
    /// The versions listed before this one, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<crate::versions::DescriptionSource>,
}

impl Metadata {
    /// Reads it from a version crate's `Cargo.toml`.
    pub fn from_cargo_toml(text: &str) -> Result<Metadata, String> {
        #[derive(serde::Deserialize)]
        struct Cargo {
            package: Package,
        }
        #[derive(serde::Deserialize)]
        struct Package {
            metadata: Option<PackageMetadata>,
        }
        #[derive(serde::Deserialize)]
        struct PackageMetadata {
            intercom: Option<Metadata>,
        }
        let cargo: Cargo = toml::from_str(text).map_err(|e| e.to_string())?;
        cargo
            .package
            .metadata
            .and_then(|m| m.intercom)
            .ok_or_else(|| "no [package.metadata.intercom]: run `cargo xtask regen`".into())
    }
}

/// A published version crate's docs.rs settings: its default features (the
/// others are test support), `--cfg docsrs` for the crate root's `doc_cfg`,
/// and one target (the module is the same on every platform, and large).
const DOCS_RS_METADATA: &str = r#"
[package.metadata.docs.rs]
rustdoc-args = ["--cfg", "docsrs"]
targets = ["x86_64-unknown-linux-gnu"]
"#;

const GENERATED_HEADER_TOML: &str =
    "# @generated by `cargo xtask regen` from spec/versions.toml: edit that file, not this one.\n";

/// A file, or the block of one between two marker lines, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// `None` for a whole file; else the block's name in its marker lines.
    pub block: Option<&'static str>,
    /// The expected text (of the block: without its marker lines).
    pub text: String,
}

/// A README block `cargo xtask regen` writes from the generated code
/// (every block but these follows from `spec/versions.toml` alone).
pub const PAGINATION_TABLE: &str = "pagination table";
/// See [`PAGINATION_TABLE`]: the grouped calls per version.
pub const CALLS_TABLE: &str = "calls table";
/// See [`PAGINATION_TABLE`]: the official Node SDK's methods against ours.
pub const PARITY_TABLE: &str = "parity table";

/// The Node SDK's method list the parity table compares with, and the
/// version it targets.
pub const NODE_SDK_METHODS: (&str, &str) = ("tests/data/node-sdk-methods-2.14.txt", "2.14");

/// What a block is written from.
fn block_source(block: &str) -> &'static str {
    match block {
        PAGINATION_TABLE | CALLS_TABLE => "each version's generated surface",
        PARITY_TABLE => "the 2.14 surface and tests/data/node-sdk-methods-2.14.txt",
        _ => "spec/versions.toml",
    }
}

/// The marker line that opens a block, in the comment syntax of `path`.
pub fn begin_marker(path: &Path, block: &str) -> String {
    comment(
        path,
        &format!(
            "BEGIN {block}: written by `cargo xtask regen` from {}",
            block_source(block)
        ),
    )
}

/// The marker line that closes a block.
pub fn end_marker(path: &Path, block: &str) -> String {
    comment(path, &format!("END {block}"))
}

fn comment(path: &Path, text: &str) -> String {
    match path.extension().and_then(|e| e.to_str()) {
        Some("md") => format!("<!-- {text} -->"),
        Some("rs") => format!("// {text}"),
        _ => format!("# {text}"),
    }
}

/// The workspace's `[workspace.package] version`, read from `root/Cargo.toml`.
pub fn package_version(root: &Path) -> Result<String, String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    table
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(|p| p.get("version"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{}: no [workspace.package] version", path.display()))
}

/// Every piece that follows from the manifest. `package_version` is the
/// workspace's `[workspace.package] version`, which the exact dependency
/// pins on version crates repeat.
pub fn pieces(manifest: &Manifest, package_version: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for v in &manifest.versions {
        out.push(Piece {
            path: PathBuf::from(crate_dir(v)).join("Cargo.toml"),
            block: None,
            text: version_manifest(manifest, v, Mode::Workspace),
        });
    }
    let default = manifest
        .versions
        .iter()
        .filter(|v| v.default)
        .map(|v| format!("{:?}", v.feature))
        .collect::<Vec<_>>()
        .join(", ");
    let features = |test_support: bool| {
        let mut text = String::new();
        if !test_support {
            let extra: String = API_DEFAULT_FEATURES
                .iter()
                .map(|f| format!(", {f:?}"))
                .collect();
            let _ = writeln!(text, "default = [{default}{extra}]");
        }
        for v in &manifest.versions {
            let _ = writeln!(text, "{} = [\"dep:{}\"]", v.feature, crate_name(v));
        }
        if !test_support {
            // The test kit serves each enabled version's spec examples.
            let examples: Vec<String> = manifest
                .versions
                .iter()
                .map(|v| format!("{:?}", format!("{}?/examples", crate_name(v))))
                .collect();
            let _ = writeln!(text, "test-util = [{}]", examples.join(", "));
        }
        text
    };
    let dependencies = |extra: &str| {
        let mut text = String::new();
        for v in &manifest.versions {
            let _ = writeln!(
                text,
                "{} = {{ path = \"../{}\", version = \"={package_version}\", optional = true{extra} }}",
                crate_name(v),
                crate_dir(v)
            );
        }
        text
    };
    out.push(Piece {
        path: "intercom-api/Cargo.toml".into(),
        block: Some("version features"),
        text: features(false),
    });
    out.push(Piece {
        path: "intercom-api/Cargo.toml".into(),
        block: Some("version crates"),
        text: dependencies(""),
    });
    let mut tests_features = format!("default = [{default}]\n");
    tests_features.push_str(&features(true));
    out.push(Piece {
        path: "tests/Cargo.toml".into(),
        block: Some("version features"),
        text: tests_features,
    });
    out.push(Piece {
        path: "tests/Cargo.toml".into(),
        block: Some("version crates"),
        text: dependencies(r#", features = ["response-decoders", "dispatch", "surface"]"#),
    });
    out.push(Piece {
        path: "intercom-api/src/versions.rs".into(),
        block: None,
        text: versions_macro(manifest),
    });
    out.push(Piece {
        path: "intercom-api/README.md".into(),
        block: Some("versions table"),
        text: versions_table(manifest),
    });
    out
}

/// `for_each_version!(m)` calls `m!` with one `feature = "feature" =>
/// crate, "name", "header";` line per version, oldest first: the one list
/// the Rust code (client accessors, re-exports, test lists) expands.
fn versions_macro(manifest: &Manifest) -> String {
    let mut out = String::from(
        "// @generated by `cargo xtask regen` from spec/versions.toml: edit that file, not this one.\n\n/// Calls `$m!` with every supported API version, oldest first, as\n/// `feature = \"feature\" => crate_name, \"name\", \"header\";` lines.\n#[allow(unused_macros)]\nmacro_rules! for_each_version {\n    ($m:ident) => {\n        $m! {\n",
    );
    for v in &manifest.versions {
        let _ = writeln!(
            out,
            "            {} = {:?} => {}, {:?}, {:?};",
            v.feature,
            v.feature,
            lib_name(v),
            v.name,
            v.header
        );
    }
    out.push_str("        }\n    };\n}\n");
    out
}

fn versions_table(manifest: &Manifest) -> String {
    let mut out = String::from(
        "| cargo feature | Intercom API version | `Intercom-Version` header | crate | notes |\n| --- | --- | --- | --- | --- |\n",
    );
    for v in &manifest.versions {
        let note = if v.default {
            "**default**"
        } else if v.feature == "preview" {
            "unstable upstream: may change without a version bump"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | `{}` | `{}` | {note} |",
            v.feature,
            v.name,
            v.header,
            crate_name(v)
        );
    }
    out
}

/// The text of `file` with `piece` put in (the whole file, or its block).
/// Errors when the file lacks the block's markers.
pub fn apply(piece: &Piece, file: Option<&str>) -> Result<String, String> {
    let Some(block) = piece.block else {
        return Ok(piece.text.clone());
    };
    let file = file.ok_or_else(|| format!("{} does not exist", piece.path.display()))?;
    let (begin, end) = (
        begin_marker(&piece.path, block),
        end_marker(&piece.path, block),
    );
    let start = file.find(&begin).ok_or_else(|| {
        format!(
            "{} has no line `{begin}` (and `{end}`) around its {block}",
            piece.path.display()
        )
    })?;
    let body = start + begin.len() + 1;
    let stop = file[body.min(file.len())..]
        .find(&end)
        .map(|i| body + i)
        .ok_or_else(|| {
            format!(
                "{}: `{begin}` is not closed by `{end}`",
                piece.path.display()
            )
        })?;
    Ok(format!("{}{}{}", &file[..body], piece.text, &file[stop..]))
}

/// Whether the tree under `root` holds every piece as it should; returns one
/// line per difference (empty when nothing drifted).
pub fn drift(root: &Path, pieces: &[Piece]) -> Vec<String> {
    let mut out = Vec::new();
    for piece in pieces {
        let path = root.join(&piece.path);
        let current = std::fs::read_to_string(&path).ok();
        match apply(piece, current.as_deref()) {
            Ok(expected) if Some(&expected) == current.as_ref() => {}
            Ok(_) => out.push(format!(
                "{}{} differs from {}",
                piece.path.display(),
                piece.block.map(|b| format!(" ({b})")).unwrap_or_default(),
                block_source(piece.block.unwrap_or_default())
            )),
            Err(e) => out.push(e),
        }
    }
    out
}

/// Version crate directories under `root/generated` that no version of the
/// manifest owns (left behind when a version was removed).
pub fn stale_crates(root: &Path, manifest: &Manifest) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root.join("generated")) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            !manifest.versions.iter().any(|v| v.feature == name)
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::parse(
            r#"
upstream = "https://example.test/raw"
commit = "abc"
[[version]]
name = "2.11"
header = "2.11"
feature = "v2_11"
upstream_dir = "2.11"
sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
[[version]]
name = "Preview"
header = "Preview"
feature = "preview"
upstream_dir = "0"
sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
default = true
[[override]]
name = "fern"
upstream_path = "fern/openapi-overrides.yml"
target = "2.11"
sha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
"#,
        )
        .unwrap()
    }

    #[test]
    fn names_follow_the_feature() {
        let m = manifest();
        let v = &m.versions[0];
        assert_eq!(crate_name(v), "intercom-api-v2-11");
        assert_eq!(lib_name(v), "intercom_api_v2_11");
        assert_eq!(crate_dir(v), "generated/v2_11");
    }

    #[test]
    fn packaged_manifest_has_no_build_script_or_generator() {
        let m = manifest();
        let packaged = version_manifest(&m, &m.versions[0], Mode::Package);
        assert!(!packaged.contains("build ="), "{packaged}");
        assert!(!packaged.contains("[build-dependencies]"), "{packaged}");
        assert!(!packaged.contains("codegen"), "{packaged}");
        assert!(packaged.contains("path = \"src/lib.rs\""), "{packaged}");
        let docs_rs =
            &toml::from_str::<toml::Table>(&packaged).unwrap()["package"]["metadata"]["docs"]["rs"];
        assert_eq!(
            docs_rs["rustdoc-args"],
            toml::Value::from(vec!["--cfg", "docsrs"]),
            "{packaged}"
        );
        assert!(
            docs_rs.get("all-features").is_none(),
            "test support stays out of the docs"
        );
        let workspace = version_manifest(&m, &m.versions[0], Mode::Workspace);
        assert!(workspace.contains("build = \"../version/build.rs\""));
        assert!(workspace.contains("[build-dependencies]\ncodegen.workspace = true"));
        for text in [&packaged, &workspace] {
            toml::from_str::<toml::Value>(text).unwrap();
        }
        let metadata = Metadata::from_cargo_toml(&workspace).unwrap();
        assert_eq!(metadata.version, m.versions[0]);
        // The override, with where its target's description comes from.
        assert_eq!(metadata.overrides, m.override_sources());
        let source = &metadata.overrides[0];
        assert_eq!(
            source.target_spec().upstream_path,
            "descriptions/2.11/api.intercom.io.yaml"
        );
        assert_eq!(source.file().local_path, "overrides/openapi-overrides.yml");
        // Preview reads 2.11's description for what it declared.
        let preview = version_manifest(&m, &m.versions[1], Mode::Workspace);
        let metadata = Metadata::from_cargo_toml(&preview).unwrap();
        assert_eq!(metadata.earlier, m.earlier_sources("Preview"));
        assert_eq!(metadata.earlier[0].name, "2.11");
        assert_eq!(
            (metadata.upstream.as_str(), metadata.commit.as_str()),
            ("https://example.test/raw", "abc")
        );
        assert!(
            Metadata::from_cargo_toml(&packaged)
                .unwrap_err()
                .contains("cargo xtask regen")
        );
    }

    #[test]
    fn blocks_are_replaced_between_their_markers_only() {
        let m = manifest();
        let pieces = pieces(&m, "0.1.0");
        let features = pieces
            .iter()
            .find(|p| {
                p.path == Path::new("intercom-api/Cargo.toml")
                    && p.block == Some("version features")
            })
            .unwrap();
        assert_eq!(
            features.text,
            "default = [\"preview\", \"rustls\"]\nv2_11 = [\"dep:intercom-api-v2-11\"]\npreview = [\"dep:intercom-api-preview\"]\ntest-util = [\"intercom-api-v2-11?/examples\", \"intercom-api-preview?/examples\"]\n"
        );
        let before = "[features]\n# BEGIN version features: written by `cargo xtask regen` from spec/versions.toml\nold = []\n# END version features\naxum = []\n";
        let after = apply(features, Some(before)).unwrap();
        assert_eq!(
            after,
            format!(
                "[features]\n# BEGIN version features: written by `cargo xtask regen` from spec/versions.toml\n{}# END version features\naxum = []\n",
                features.text
            )
        );
        assert_eq!(apply(features, Some(&after)).unwrap(), after, "idempotent");
        let err = apply(features, Some("[features]\n")).unwrap_err();
        assert!(err.contains("BEGIN version features"), "{err}");
    }

    #[test]
    fn drift_names_each_stale_piece() {
        let m = manifest();
        let pieces = pieces(&m, "0.1.0");
        let dir = std::env::temp_dir().join(format!("layout-drift-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for piece in &pieces {
            let path = dir.join(&piece.path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = match piece.block {
                None => piece.text.clone(),
                Some(b) => format!(
                    "{}\n{}{}\n",
                    begin_marker(&piece.path, b),
                    piece.text,
                    end_marker(&piece.path, b)
                ),
            };
            // Two blocks can share a file: append rather than overwrite.
            let old = std::fs::read_to_string(&path).unwrap_or_default();
            std::fs::write(&path, old + &text).unwrap();
        }
        assert_eq!(drift(&dir, &pieces), Vec::<String>::new());
        std::fs::write(dir.join("generated/v2_11/Cargo.toml"), "[package]\n").unwrap();
        let lines = drift(&dir, &pieces);
        assert_eq!(
            lines,
            ["generated/v2_11/Cargo.toml differs from spec/versions.toml"]
        );
        std::fs::create_dir_all(dir.join("generated/v2_99")).unwrap();
        std::fs::write(dir.join("generated/v2_99/Cargo.toml"), "").unwrap();
        assert_eq!(stale_crates(&dir, &m), [dir.join("generated/v2_99")]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
