//! What a user gets: scratch cargo projects outside the workspace that depend
//! on intercom-api as users do, build it, and make real calls against a
//! loopback mock.
//!
//! - Packaged: only the `.crate` files of `cargo xtask package` (unpacked,
//!   through `[patch.crates-io]`, never workspace paths), built `--offline`.
//!   Each consumer's build seconds and dependency tree are printed; the
//!   generator must not be in that tree. Each picks one TLS backend (the
//!   v2_11 consumer `rustls`, as the README's snippet does; the v2_16 +
//!   Preview one `native-tls`), and its tree must hold that backend's crates
//!   and none of the other's.
//! - Git: `intercom-api = { git = … }` builds when `INTERCOM_OPENAPI_DIR`
//!   names a spec mirror, and without it fails with one line naming it.
//!
//! They take minutes and need `cargo xtask package` first, so they are
//! ignored by a plain `cargo test`; `cargo xtask test` runs them.
//!
//! The packaged v2_11 consumer always builds in a fresh target directory of
//! its own: its "clean build" figure is what a user's first build costs.
//! The other two share the directory `INTERCOM_CONSUMER_SHARED_TARGET` names
//! when it is set (`cargo xtask test` sets it to a fresh directory outside
//! the workspace, used by these consumers only, and removes it afterwards),
//! so they do not compile the same registry dependencies again; each says
//! whether an earlier consumer had built there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A TLS backend a consumer chooses: intercom-api's feature of that name, and
/// crates its dependency tree must then hold and must not hold.
struct Tls {
    feature: &'static str,
    holds: &'static [&'static str],
    lacks: &'static [&'static str],
}

/// The default backend: rustls on aws-lc-rs, no OpenSSL.
const RUSTLS: Tls = Tls {
    feature: "rustls",
    holds: &["rustls", "aws-lc-sys"],
    lacks: &["native-tls", "openssl-sys"],
};

/// The system's TLS (OpenSSL on Linux): no rustls, no aws-lc-sys.
const NATIVE_TLS: Tls = Tls {
    feature: "native-tls",
    holds: &["native-tls", "openssl-sys"],
    lacks: &["rustls", "aws-lc-sys"],
};

/// Crates that only generate code: a consumer's build must not contain them.
const GENERATOR_CRATES: &[&str] = &[
    "intercom-codegen",
    "progenitor-impl",
    "typify",
    "typify-impl",
    "openapiv3",
    "prettyplease",
    "serde_yaml_ng",
];

fn cargo() -> Command {
    let mut command = Command::new(option_env!("CARGO").unwrap_or("cargo"));
    // The consumer is a stranger to this workspace: none of its settings leak in.
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET_DIR",
        "CARGO_BUILD_BUILD_DIR",
        "INTERCOM_OPENAPI_DIR",
        "INTERCOM_CONSUMER_SHARED_TARGET",
        "RUSTFLAGS",
    ] {
        command.env_remove(var);
    }
    command.env("CARGO_TERM_COLOR", "never");
    // Stand-ins for registry and git packages, which cargo never compiles
    // incrementally: the `[patch]` paths would otherwise be.
    command.env("CARGO_INCREMENTAL", "0");
    command
}

/// Where a consumer builds.
struct Target {
    dir: PathBuf,
    /// An earlier consumer built in `dir`: its dependencies are there.
    warm: bool,
}

impl Target {
    /// A fresh target directory inside the consumer's own directory.
    fn own(consumer: &Path) -> Self {
        Target {
            dir: consumer.join("target"),
            warm: false,
        }
    }

    /// The consumers' shared target directory if `cargo xtask test` named
    /// one, else a fresh one of the consumer's own.
    fn shared(consumer: &Path) -> Self {
        let Some(dir) = std::env::var_os("INTERCOM_CONSUMER_SHARED_TARGET") else {
            return Self::own(consumer);
        };
        let dir = PathBuf::from(dir);
        assert!(
            !dir.starts_with(intercom_tests::workspace_root()),
            "the consumers' target directory must live outside the workspace"
        );
        Target {
            warm: dir.join("debug").exists(),
            dir,
        }
    }

    /// How a build time in this directory reads.
    fn label(&self) -> &'static str {
        if self.warm {
            "build (dependencies shared with an earlier consumer)"
        } else {
            "clean build"
        }
    }

    fn binary(&self, package: &str) -> PathBuf {
        self.dir.join("debug").join(package)
    }
}

/// Serialises builds in the shared target directory, so that "warm" holds
/// when a build starts even if the tests run in parallel.
static SHARED_BUILDS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn run(mut command: Command, what: &str) -> Output {
    let output = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A fresh directory outside the workspace.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("intercom-consumer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    assert!(
        !dir.starts_with(intercom_tests::workspace_root()),
        "the consumer must live outside the workspace"
    );
    dir
}

/// The `.crate` files of `cargo xtask package`, unpacked under `into`:
/// `(package name, directory)`.
fn unpacked_packages(into: &Path) -> Vec<(String, PathBuf)> {
    let dist = intercom_tests::workspace_root().join("target/dist");
    let entries = std::fs::read_dir(&dist)
        .unwrap_or_else(|e| panic!("{}: {e}: run `cargo xtask package` first", dist.display()));
    let mut out = Vec::new();
    for entry in entries {
        let file = entry.unwrap().path();
        let Some(stem) = file
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".crate"))
        else {
            continue;
        };
        let mut tar = Command::new("tar");
        tar.arg("xzf").arg(&file).arg("-C").arg(into);
        run(tar, "tar");
        let (name, _version) = stem.rsplit_once('-').expect("name-version.crate");
        out.push((name.to_owned(), into.join(stem)));
    }
    out.sort();
    assert!(
        out.iter().any(|(n, _)| n == "intercom-api"),
        "no intercom-api package in {}",
        dist.display()
    );
    out
}

/// `main.rs` of a consumer, through the grouped calls: list tags through
/// every version, then page through contacts (two per page) and create a
/// tag from a typed body with the first; and build a client for Intercom's
/// own `https://` host (its TLS backend is in and starts).
fn main_rs(features: &[&str]) -> String {
    let mut calls = String::new();
    for feature in features {
        calls.push_str(&format!(
            "    let tags = client.{feature}().tags().list().send().await?.into_inner();\n    println!(\"{feature} tags: {{}}\", tags.data.len());\n"
        ));
    }
    let first = features[0];
    format!(
        r#"use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
    let base = std::env::var("INTERCOM_BASE_URL")?;
    let client = intercom_api::Client::builder()
        .access_token("consumer-token")
        .base_url(&base)
        .build()?;
    let https = intercom_api::Client::builder().access_token("consumer-token").build()?;
    println!("https client for {{}}", https.base_url());
{calls}    let contacts: Vec<_> = client.{first}().contacts().list().into_paginator().page_size(2).items().try_collect().await?;
    println!("{first} contacts: {{}}", contacts.len());
    let tag = client.{first}().tags().create()
        .body(intercom_api::{first}::types::CreateOrUpdateTagRequest::new("vip"))
        .send().await?.into_inner();
    println!("{first} tag created: {{}}", tag.id.as_deref().unwrap_or("none"));
    Ok(())
}}
"#
    )
}

/// The consumer's manifest; `package` names it (and its binary).
fn manifest(package: &str, dependency: &str, patches: &str) -> String {
    manifest_with(package, dependency, "", patches)
}

/// The consumer's manifest with `dev_dependencies` too.
fn manifest_with(package: &str, dependency: &str, dev_dependencies: &str, patches: &str) -> String {
    format!(
        r#"[package]
name = "{package}"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
{dependency}
tokio = {{ version = "1", features = ["macros", "rt-multi-thread"] }}
futures = "0.3"

[dev-dependencies]
{dev_dependencies}

[workspace]

{patches}"#
    )
}

/// A test of the consumer's own (`tests/kit.rs`) that uses the test kit of
/// the packaged crates, as a user's test does: a 503 then typed tags for
/// 2.16 (retried on the mock clock), the spec's own example for Preview,
/// and the requests recorded.
const KIT_TEST: &str = r#"use intercom_api::test_util::{MockIntercom, Reply};
use intercom_api::v2_16::{ops, types};

#[tokio::test]
async fn tags_through_the_test_kit() {
    let mock = MockIntercom::new();
    mock.on::<ops::TagsList>().replies([
        Reply::status(503),
        Reply::output::<ops::TagsList>(types::TagList {
            data: vec![types::Tag { name: Some("vip".into()), ..Default::default() }],
            ..Default::default()
        }),
    ]);
    mock.on::<intercom_api::preview::ops::TagsList>().example(200).unwrap();
    let client = mock.client();
    let tags = client.v2_16().tags().list().send().await.unwrap().into_inner();
    assert_eq!(tags.data[0].name.as_deref(), Some("vip"));
    let preview = client.preview().tags().list().send().await.unwrap().into_inner();
    assert!(!preview.data.is_empty(), "the spec's example has tags");
    let versions: Vec<_> = mock.requests().into_iter().map(|r| r.version).collect();
    assert_eq!(versions, [Some("2.16".into()), Some("2.16".into()), Some("Preview".into())]);
    assert!(!mock.clock().slept().is_empty(), "the 503 was backed off on the mock clock");
}
"#;

/// Serves `/tags` per version header and two pages of contacts.
async fn mock(headers: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    for h in headers {
        Mock::given(method("GET"))
            .and(path("/tags"))
            .and(header("intercom-version", *h))
            .and(header("authorization", "Bearer consumer-token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "type": "list",
                "data": [{"type": "tag", "id": "17", "name": "vip"}, {"type": "tag", "id": "18", "name": "new"}]
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    // The typed body arrives as the caller set it, nothing added.
    Mock::given(method("POST"))
        .and(path("/tags"))
        .and(body_json(json!({"name": "vip"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"type": "tag", "id": "19", "name": "vip"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let contact =
        |id: &str| json!({"type": "contact", "id": id, "email": format!("{id}@example.com")});
    Mock::given(method("GET"))
        .and(path("/contacts"))
        .and(query_param_is_missing("starting_after"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "list", "data": [contact("c1"), contact("c2")], "total_count": 3,
            "pages": {"type": "pages", "page": 1, "per_page": 2, "total_pages": 2, "next": {"starting_after": "c2"}}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/contacts"))
        .and(query_param("starting_after", "c2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "list", "data": [contact("c3")], "total_count": 3,
            "pages": {"type": "pages", "page": 2, "per_page": 2, "total_pages": 2}
        })))
        .expect(1)
        .mount(&server)
        .await;
    server
}

/// Unique packages of the consumer's normal and build dependency tree.
fn dependency_tree(dir: &Path) -> Vec<String> {
    let mut tree = cargo();
    tree.args([
        "tree",
        "--offline",
        "-e",
        "normal,build",
        "--prefix",
        "none",
    ])
    .current_dir(dir);
    let text = String::from_utf8(run(tree, "cargo tree").stdout).unwrap();
    let mut packages: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            Some(format!("{} {}", words.next()?, words.next()?))
        })
        .collect();
    packages.sort();
    packages.dedup();
    packages
}

/// Builds and runs a consumer of the packages with these version features
/// and TLS backend.
async fn packaged_consumer(
    name: &str,
    features: &[&str],
    tls: Tls,
    headers: &[&str],
    target: fn(&Path) -> Target,
    kit_test: Option<&str>,
) {
    let dir = scratch(name);
    let target = target(&dir);
    let package = format!("consumer-{name}");
    let packages = unpacked_packages(&dir);
    let patches: String = packages
        .iter()
        .map(|(name, path)| format!("{name} = {{ path = {:?} }}\n", path.display().to_string()))
        .collect();
    let version = env!("CARGO_PKG_VERSION");
    let feature_list = features
        .iter()
        .chain([&tls.feature])
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let dependency = format!(
        "intercom-api = {{ version = \"{version}\", default-features = false, features = [{feature_list}] }}"
    );
    // The test kit, for the consumer's tests only (a dev-dependency: its
    // build and dependency tree below do not carry it).
    let dev_dependency = match kit_test {
        Some(_) => format!(
            "intercom-api = {{ version = \"{version}\", default-features = false, features = [{feature_list}, \"test-util\"] }}"
        ),
        None => String::new(),
    };
    std::fs::write(
        dir.join("Cargo.toml"),
        manifest_with(
            &package,
            &dependency,
            &dev_dependency,
            &format!("[patch.crates-io]\n{patches}"),
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/main.rs"), main_rs(features)).unwrap();
    if let Some(test) = kit_test {
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::write(dir.join("tests/kit.rs"), test).unwrap();
    }

    let seconds = {
        let _serial = SHARED_BUILDS.lock().unwrap_or_else(|e| e.into_inner());
        let started = Instant::now();
        let mut build = cargo();
        build
            .args(["build", "--offline", "--quiet"])
            .env("CARGO_TARGET_DIR", &target.dir)
            .current_dir(&dir);
        run(build, "consumer build");
        started.elapsed().as_secs_f64()
    };

    let tree = dependency_tree(&dir);
    let generators: Vec<&String> = tree
        .iter()
        .filter(|p| GENERATOR_CRATES.contains(&p.split(' ').next().unwrap_or_default()))
        .collect();
    assert!(
        generators.is_empty(),
        "the consumer compiles the generator: {generators:?}"
    );
    let has = |name: &str| tree.iter().any(|p| p.split(' ').next() == Some(name));
    for name in tls.holds {
        assert!(
            has(name),
            "feature {:?} brings no {name}: {tree:?}",
            tls.feature
        );
    }
    for name in tls.lacks {
        assert!(
            !has(name),
            "feature {:?} alone, yet {name} is built: {tree:?}",
            tls.feature
        );
    }
    let intercom: Vec<&String> = tree.iter().filter(|p| p.starts_with("intercom-")).collect();
    assert_eq!(
        intercom.len(),
        2 + features.len(),
        "intercom-api, intercom-client-core and one crate per feature: {intercom:?}"
    );
    for package in &intercom {
        let name = package.split(' ').next().unwrap();
        let unpacked = &packages.iter().find(|(n, _)| n == name).unwrap().1;
        assert!(
            !unpacked.join("build.rs").exists(),
            "{name} is packaged with a build script"
        );
    }
    println!(
        "consumer {name} (features {feature_list}): {} {seconds:.1} s, {} packages in its dependency tree (normal + build), among them {intercom:?}",
        target.label(),
        tree.len()
    );

    let server = mock(headers).await;
    let output = run(
        {
            let mut bin = Command::new(target.binary(&package));
            bin.env("INTERCOM_BASE_URL", server.uri());
            bin
        },
        "consumer run",
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("https client for https://api.intercom.io/"),
        "{stdout}"
    );
    for feature in features {
        assert!(stdout.contains(&format!("{feature} tags: 2")), "{stdout}");
    }
    assert!(
        stdout.contains(&format!("{} contacts: 3", features[0])),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{} tag created: 19", features[0])),
        "{stdout}"
    );
    server.verify().await;

    if kit_test.is_some() {
        let _serial = SHARED_BUILDS.lock().unwrap_or_else(|e| e.into_inner());
        let started = Instant::now();
        let mut test = cargo();
        test.args(["test", "--offline", "--test", "kit"])
            .env("CARGO_TARGET_DIR", &target.dir)
            .current_dir(&dir);
        let output = run(test, "consumer test with the test kit");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            stdout.contains("test tags_through_the_test_kit ... ok")
                && stdout.contains("test result: ok. 1 passed"),
            "{stdout}"
        );
        println!(
            "consumer {name}: its own #[tokio::test] on the test kit passed ({:.1} s to build and run)",
            started.elapsed().as_secs_f64()
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs `cargo xtask package` first and builds for minutes; `cargo xtask test` runs it"]
async fn packaged_v2_11_builds_offline_and_calls_a_mock() {
    // Always a clean build: the figure a user's first build costs.
    packaged_consumer("v2_11", &["v2_11"], RUSTLS, &["2.11"], Target::own, None).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs `cargo xtask package` first and builds for minutes; `cargo xtask test` runs it"]
async fn packaged_v2_16_and_preview_side_by_side_over_native_tls_with_a_test_kit_test() {
    packaged_consumer(
        "v2_16-preview",
        &["v2_16", "preview"],
        NATIVE_TLS,
        &["2.16", "Preview"],
        Target::shared,
        Some(KIT_TEST),
    )
    .await;
}

#[test]
#[ignore = "builds a git dependency for minutes; `cargo xtask test` runs it"]
fn git_dependency_needs_a_spec_mirror_and_says_so() {
    let root = intercom_tests::workspace_root();
    let mirror = std::env::var("INTERCOM_OPENAPI_DIR")
        .expect("set INTERCOM_OPENAPI_DIR to the spec mirror (cargo xtask test passes it on)");
    let head = run(
        {
            let mut git = Command::new("git");
            git.args(["rev-parse", "HEAD"]).current_dir(&root);
            git
        },
        "git rev-parse",
    );
    let rev = String::from_utf8(head.stdout).unwrap().trim().to_owned();
    let dir = scratch("git");
    let target = Target::shared(&dir);
    let package = "consumer-git";
    let dependency = format!(
        "intercom-api = {{ git = \"file://{}\", rev = \"{rev}\", default-features = false, features = [\"v2_11\"] }}",
        root.display()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest(package, &dependency, "")).unwrap();
    // No TLS feature (it tests the git dependency, not a backend): a loopback
    // `http://` base URL, which needs none, works; Intercom's `https://` host
    // is refused when the client is built, with the features to enable.
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() {\n    let client = intercom_api::Client::builder().access_token(\"t\").base_url(\"http://127.0.0.1:9\").build().unwrap();\n    let _ = client.v2_11();\n    let e = intercom_api::Client::builder().access_token(\"t\").build().unwrap_err();\n    assert!(matches!(e, intercom_api::ConfigError::NoTlsBackend { .. }), \"{e}\");\n    println!(\"version {}\", intercom_api::v2_11::INTERCOM_VERSION);\n}\n",
    )
    .unwrap();

    let serial = SHARED_BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    // Without a mirror: the build fails, and says what to set or run.
    let mut build = cargo();
    build
        .args(["build", "--quiet"])
        .env("CARGO_TARGET_DIR", &target.dir)
        .current_dir(&dir);
    let failed = build.output().unwrap();
    assert!(
        !failed.status.success(),
        "a git checkout has no specs: the build must fail"
    );
    let stderr = String::from_utf8_lossy(&failed.stderr);
    let line = stderr
        .lines()
        .map(str::trim_start)
        .find(|l| {
            l.starts_with(
                "error: the Intercom OpenAPI file for version 2.11 (descriptions/2.11/api.intercom.io.yaml) is not at",
            )
        })
        .unwrap_or_else(|| panic!("no one-line explanation in:\n{stderr}"));
    assert!(
        line.contains("set INTERCOM_OPENAPI_DIR") && line.contains("cargo xtask fetch-specs"),
        "{line}"
    );
    println!("git dependency without a mirror fails with:\n  {line}");

    // With the mirror named, the same dependency builds and runs.
    let started = Instant::now();
    let mut build = cargo();
    build
        .args(["build", "--quiet"])
        .env("CARGO_TARGET_DIR", &target.dir)
        .env("INTERCOM_OPENAPI_DIR", &mirror)
        .current_dir(&dir);
    run(build, "git consumer build with INTERCOM_OPENAPI_DIR");
    let seconds = started.elapsed().as_secs_f64();
    drop(serial);
    let output = run(Command::new(target.binary(package)), "git consumer run");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "version 2.11"
    );
    println!(
        "git dependency with INTERCOM_OPENAPI_DIR: built in {seconds:.1} s (after the failed attempt compiled the generator{})",
        if target.warm {
            ", in a target directory an earlier consumer had built in"
        } else {
            ""
        }
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
