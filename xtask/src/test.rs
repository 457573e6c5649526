//! `cargo xtask test`: the README's test command. Fetches the specs, installs
//! what the tests need (Prism, from npm), runs every test of every version,
//! then intercom-api's tests with the default feature alone and the
//! examples, packages the crates and builds the packaged and git consumers.
//! Prints each step's duration.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use codegen::Manifest;

/// An example `cargo xtask test` runs.
struct Example {
    name: &'static str,
    /// Cargo features it needs besides the default (its `required-features`).
    features: &'static [&'static str],
    /// Arguments that keep it in mock mode whatever the environment holds.
    args: &'static [&'static str],
}

/// The examples `cargo xtask test` runs (each against the test kit's
/// in-process mock, or, for OAuth and webhooks, a loopback server).
const EXAMPLES: &[Example] = &[
    Example {
        name: "quickstart",
        features: &["test-util"],
        args: &[],
    },
    Example {
        name: "create_message",
        features: &["test-util"],
        args: &[],
    },
    Example {
        name: "search_conversations",
        features: &["test-util"],
        args: &[],
    },
    Example {
        name: "create_and_tag",
        features: &["test-util"],
        args: &[],
    },
    Example {
        name: "reply_to_conversation",
        features: &["test-util"],
        args: &[],
    },
    Example {
        name: "errors",
        features: &["test-util"],
        args: &[],
    },
    Example {
        name: "webhook_receiver",
        features: &["axum"],
        // Without it, an `INTERCOM_CLIENT_SECRET` in the environment would
        // make it serve forever.
        args: &["--mock"],
    },
    Example {
        name: "oauth_exchange",
        features: &[],
        args: &[],
    },
];

/// The workspace's packages whose tests run (the version crates have none:
/// selected, each would be compiled again as an empty test harness).
const TESTED: &[&str] = &[
    "intercom-codegen",
    "intercom-client-core",
    "intercom-api",
    "intercom-tests",
    "xtask",
];

/// Where `spec_mirror` lays out the specs, relative to the workspace root.
const SPEC_MIRROR: &str = "target/spec-mirror";

/// Runs the task.
pub fn run(args: &crate::fetch::FetchArgs) -> Result<(), String> {
    let started = Instant::now();
    let root = crate::root();
    let mut steps: Vec<(String, f64)> = Vec::new();
    let mut step = |name: &str, f: &mut dyn FnMut() -> Result<(), String>| {
        eprintln!("\n== xtask test: {name}");
        let t = Instant::now();
        let result = f();
        steps.push((name.to_owned(), t.elapsed().as_secs_f64()));
        eprintln!("== {name}: {:.0} s", t.elapsed().as_secs_f64());
        result
    };
    step("fetch specs", &mut || crate::fetch::run(args).map(drop))?;
    step(
        "codegen report (Intercom's overrides applied and skipped, per version)",
        &mut || overrides_report(&root),
    )?;
    step("install Prism (npm ci --prefix tests/prism)", &mut || {
        install_prism(&root)
    })?;
    step("spec mirror for the git consumer", &mut || {
        spec_mirror(&root)
    })?;
    let mirror = root.join(SPEC_MIRROR);
    let mirror = mirror.to_str().ok_or("non-UTF-8 path")?.to_owned();

    let selection: Vec<&str> = TESTED.iter().flat_map(|p| ["-p", p]).collect();
    step("cargo test, every version, all targets", &mut || {
        crate::cargo(
            &[&["test", "--all-features", "--all-targets"][..], &selection].concat(),
            &[],
        )
    })?;
    step("cargo test --doc, every version", &mut || {
        crate::cargo(
            &[&["test", "--all-features", "--doc"][..], &selection].concat(),
            &[],
        )
    })?;
    // The default feature alone, as a user building the newest version gets
    // it: intercom-api's own tests (intercom-tests' targets, a subset of the
    // run above, are checked with default features by CI's clippy step).
    step("cargo test, default feature", &mut || {
        crate::cargo(&["test", "-p", "intercom-api"], &[])?;
        // The fault suite again with its output shown: its figures (calls,
        // faults by kind, retries, duplicates, hung, wall time). The same
        // package selection and features: nothing is compiled again.
        crate::cargo(
            &[
                "test",
                "-p",
                "intercom-api",
                "--test",
                "faults",
                "--",
                "--nocapture",
            ],
            &[],
        )
    })?;
    // Each example, against its mock (CI sets no `INTERCOM_TOKEN`
    // nor OAuth credentials; the webhook receiver is forced by `--mock`).
    step("examples", &mut || {
        for example in EXAMPLES {
            let features = example.features.join(",");
            let mut args = vec!["run", "-q", "-p", "intercom-api", "--example", example.name];
            if !features.is_empty() {
                args.extend(["--features", features.as_str()]);
            }
            args.push("--");
            args.extend(example.args);
            crate::cargo(&args, &[])?;
        }
        Ok(())
    })?;
    step("cargo xtask package", &mut || {
        crate::package::run(&crate::package::PackageArgs {
            fetch: args.clone(),
        })
        .map(drop)
    })?;
    // The consumer tests are built by the first step already: the same
    // selection and features, so nothing is compiled again here. The
    // consumers after the first packaged one share a target directory of
    // their own (never the workspace's), so they do not all compile the
    // same registry dependencies from scratch; the first packaged consumer's
    // build stays a clean one.
    step(
        "consumers outside the workspace (packaged and git)",
        &mut || {
            let shared = std::env::temp_dir().join(format!(
                "intercom-consumer-shared-target-{}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&shared);
            let shared_str = shared.to_str().ok_or("non-UTF-8 path")?;
            let result = crate::cargo(
                &[
                    &["test", "--all-features"][..],
                    &selection,
                    &[
                        "--test",
                        "consumer",
                        "--",
                        "--ignored",
                        "--nocapture",
                        "--test-threads",
                        "1",
                    ],
                ]
                .concat(),
                &[
                    ("INTERCOM_OPENAPI_DIR", &mirror),
                    ("INTERCOM_CONSUMER_SHARED_TARGET", shared_str),
                ],
            );
            let _ = std::fs::remove_dir_all(&shared);
            result
        },
    )?;
    eprintln!("\nxtask test steps:");
    for (name, seconds) in &steps {
        eprintln!("  {seconds:>6.0} s  {name}");
    }
    eprintln!("  {:>6.0} s  in all", started.elapsed().as_secs_f64());
    Ok(())
}

/// Runs codegen for every version (in parallel, seconds) and prints what
/// Intercom's override files did to each: applied, skipped and why.
fn overrides_report(root: &Path) -> Result<(), String> {
    let manifest = Manifest::load(&root.join("spec/versions.toml")).map_err(|e| e.to_string())?;
    let versions: Vec<_> = manifest.versions.iter().collect();
    let outputs = crate::regen::generate_all(root, &manifest, &versions)?;
    for out in &outputs {
        eprintln!("{}:", out.report.version);
        for o in &out.report.overrides {
            eprint!("{o}");
        }
        eprintln!("  paginated: {} operations", out.report.paginated());
    }
    Ok(())
}

/// Installs the pinned Prism unless it is there (or `PRISM_BIN` names one).
fn install_prism(root: &Path) -> Result<(), String> {
    if std::env::var_os("PRISM_BIN").is_some()
        || root.join("tests/prism/node_modules/.bin/prism").exists()
    {
        eprintln!("Prism is installed");
        return Ok(());
    }
    let status = Command::new("npm")
        .args(["ci", "--prefix", "tests/prism", "--no-audit", "--no-fund"])
        .current_dir(root)
        .status()
        .map_err(|e| {
            format!("cannot run npm ({e}): the conformance tests need Prism from the npm registry; install Node.js with npm, or set PRISM_BIN to a Prism 5.14 binary")
        })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`npm ci --prefix tests/prism` failed ({status})"))
    }
}

/// A mirror laid out like the upstream repository, made of the verified
/// specs and override files under `spec/`, for the git-dependency consumer.
fn spec_mirror(root: &Path) -> Result<(), String> {
    let manifest = Manifest::load(&root.join("spec/versions.toml")).map_err(|e| e.to_string())?;
    let mirror = root.join(SPEC_MIRROR);
    for file in manifest.files() {
        let to = file.mirror(&mirror);
        std::fs::create_dir_all(to.parent().expect("a file in a directory"))
            .map_err(|e| format!("{}: {e}", to.display()))?;
        let from = file.local(&root.join("spec"));
        std::fs::copy(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
    }
    Ok(())
}
