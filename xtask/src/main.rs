//! `cargo xtask <task>`: what maintainers run when Intercom ships a version.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

mod fetch;
mod regen;

#[derive(Parser)]
#[command(about = "intercom-rs maintainer tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Download every pinned spec (or copy it from a local mirror) and verify its sha256.
    FetchSpecs(fetch::FetchArgs),
    /// Fetch, run codegen for every version, print the report and refresh the
    /// API-surface snapshots for review (`cargo insta review`).
    Regen(regen::RegenArgs),
    /// Fetch, then run the whole test suite (every version, then the default feature alone).
    Test(fetch::FetchArgs),
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_owned()
}

/// An example `cargo xtask test` runs.
struct Example {
    name: &'static str,
    /// Cargo features it needs besides the default (its `required-features`).
    features: &'static [&'static str],
    /// Arguments that keep it in mock mode whatever the environment holds.
    args: &'static [&'static str],
}

/// The examples `cargo xtask test` runs (each against a loopback mock).
const EXAMPLES: &[Example] = &[
    Example {
        name: "quickstart",
        features: &[],
        args: &[],
    },
    Example {
        name: "search_conversations",
        features: &[],
        args: &[],
    },
    Example {
        name: "create_and_tag",
        features: &[],
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

/// Runs a cargo command in the workspace, failing on a non-zero exit.
pub fn cargo(args: &[&str], envs: &[(&str, &str)]) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("$ cargo {}", args.join(" "));
    let status = Command::new(cargo)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

fn main() -> ExitCode {
    // Codegen turns generator panics into errors that name the cause; the
    // default hook's backtrace would only bury that message.
    std::panic::set_hook(Box::new(|_| {}));
    let result = match Cli::parse().task {
        Task::FetchSpecs(args) => fetch::run(&args).map(drop),
        Task::Regen(args) => regen::run(&args),
        Task::Test(args) => fetch::run(&args).and_then(|_| {
            // Both runs leave the generated crate out of the selection: it has
            // no tests, its spec-prose doc comments are not Rust, and selected
            // it would be compiled a second time (as an empty test harness, and
            // again for the doc tests with other features). Left out, it is
            // built once, as a dependency, and both runs share that build.
            let common = [
                "--workspace",
                "--all-features",
                "--exclude",
                "intercom-generated",
            ];
            cargo(&[&["test", "--all-targets"][..], &common].concat(), &[])?;
            cargo(&[&["test", "--doc"][..], &common].concat(), &[])?;
            // The default feature alone, as a user building the newest version gets it.
            cargo(&["test", "-p", "intercom-api", "-p", "intercom-tests"], &[])?;
            // Each example, against its loopback mock (CI sets no `INTERCOM_TOKEN`
            // nor OAuth credentials; the webhook receiver is forced by `--mock`).
            for example in EXAMPLES {
                let features = example.features.join(",");
                let mut args = vec!["run", "-q", "-p", "intercom-api", "--example", example.name];
                if !features.is_empty() {
                    args.extend(["--features", features.as_str()]);
                }
                args.push("--");
                args.extend(example.args);
                cargo(&args, &[])?;
            }
            Ok(())
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
