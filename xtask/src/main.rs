//! `cargo xtask <task>`: what maintainers run when Intercom ships a version.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

mod diff;
mod fetch;
mod package;
mod regen;
mod test;

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
    /// Fetch, run codegen for every version, refresh the API-surface
    /// snapshots for review (`cargo insta review`), write MIGRATING.md and
    /// print a summary table (with each changed version's API changes);
    /// the full report goes to target/regen-report.txt (`--verbose` prints it).
    Regen(regen::RegenArgs),
    /// Generate two versions (`cargo xtask diff 2.11 2.16`) and print, as
    /// Markdown, what changes for Rust code moving from the first to the
    /// second: breaking changes, then additive ones, by group of the
    /// grouped client (regen writes the same for each adjacent pair to
    /// MIGRATING.md).
    Diff(diff::DiffArgs),
    /// Write the verified `.crate` files a user's build needs into `target/dist`
    /// (version crates carry their module pre-rendered; no generator inside).
    Package(package::PackageArgs),
    /// Fetch, then run the whole test suite (every version, then the default
    /// feature alone), package, and build and run the packaged consumers.
    Test(fetch::FetchArgs),
}

/// The workspace root of the checkout `cargo xtask` was run in, found at run
/// time (a path baked in at compile time would be another checkout's when
/// clones share a target directory).
pub fn root() -> PathBuf {
    static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| {
        find_root(&std::env::current_dir().expect("a current directory")).unwrap_or_else(|| {
            eprintln!("error: run `cargo xtask` inside the intercom-rs checkout (no workspace Cargo.toml with spec/versions.toml above the current directory)");
            std::process::exit(2)
        })
    })
    .clone()
}

/// The nearest directory at or above `dir` that holds this workspace: a
/// `Cargo.toml` with `[workspace]` beside `spec/versions.toml`.
fn find_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| {
            d.join("spec/versions.toml").is_file()
                && std::fs::read_to_string(d.join("Cargo.toml"))
                    .is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]"))
        })
        .map(Path::to_owned)
}

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
    let result = match Cli::parse().task {
        Task::FetchSpecs(args) => fetch::run(&args).map(drop),
        Task::Regen(args) => regen::run(&args),
        Task::Diff(args) => diff::run(&args),
        Task::Package(args) => package::run(&args).map(drop),
        Task::Test(args) => test::run(&args),
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
    fn finds_the_workspace_from_any_directory_inside_it() {
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = here.parent().unwrap();
        assert_eq!(super::find_root(here).as_deref(), Some(root));
        assert_eq!(
            super::find_root(&root.join("codegen/src")).as_deref(),
            Some(root)
        );
        assert_eq!(super::find_root(&std::env::temp_dir()), None);
    }

    #[test]
    fn panic_payloads_are_shown() {
        let payload = std::panic::catch_unwind(|| panic!("typify: {} is odd", "X")).unwrap_err();
        assert_eq!(codegen::panic_message(payload.as_ref()), "typify: X is odd");
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
