//! `cargo xtask package`: the `.crate` files a user's build needs, verified
//! by cargo (each one compiled from its own unpacked package, offline).
//!
//! The version crates of this workspace generate their module at build time
//! (a build script running codegen on the pinned spec). Their packages carry
//! that module pre-rendered instead, as progenitor's "static crate" mode and
//! aws-sdk-rust do: a user's build never runs or compiles the generator. So
//! the packages are made from a staging copy of the workspace outside any
//! repository, where each version crate is `src/lib.rs` (the shared crate
//! root) plus `src/generated.rs` (the rendered module) and a manifest without
//! build script; `intercom-generated` and `intercom-api` are copied as they
//! are. `cargo package --workspace --offline` then packs and verifies them
//! in dependency order.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use codegen::layout::{self, Mode};
use codegen::{Manifest, Output};

/// Options of `package`.
#[derive(clap::Args, Debug)]
pub struct PackageArgs {
    #[command(flatten)]
    pub fetch: crate::fetch::FetchArgs,
}

/// Where the verified `.crate` files land, relative to the workspace root.
pub const DIST: &str = "target/dist";

/// Runs the task; returns the directory holding the `.crate` files.
pub fn run(args: &PackageArgs) -> Result<PathBuf, String> {
    let started = Instant::now();
    crate::fetch::run(&args.fetch)?;
    let root = crate::root();
    let manifest = Manifest::load(&root.join("spec/versions.toml")).map_err(|e| e.to_string())?;
    let outputs = crate::regen::generate_all(
        &root,
        &manifest,
        &manifest.versions.iter().collect::<Vec<_>>(),
    )?;
    let rendered = started.elapsed();

    let stage = stage_dir(&root);
    if stage.exists() {
        fs::remove_dir_all(&stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    }
    stage_workspace(&root, &stage, &manifest, &outputs)?;
    drop(outputs);
    eprintln!(
        "staged {} crates in {} ({:.1} s to render)",
        manifest.versions.len() + 2,
        stage.display(),
        rendered.as_secs_f64()
    );

    let version = codegen::layout::package_version(&root)?;
    let mut names = vec!["intercom-generated".to_owned(), "intercom-api".to_owned()];
    names.extend(manifest.versions.iter().map(layout::crate_name));
    for stale in forget_local_extractions(&cargo_home(), &names, &version)? {
        eprintln!("removed a stale unpacked copy: {}", stale.display());
    }

    // Verification compiles every package from its unpacked copy; sharing the
    // workspace's target directory reuses its registry dependencies (same
    // profile and features), so only the packages themselves are compiled.
    let target = root.join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let verify = Instant::now();
    eprintln!(
        "$ cargo package --workspace --offline (in {})",
        stage.display()
    );
    let status = Command::new(cargo)
        .args(["package", "--workspace", "--offline"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(&stage)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`cargo package` failed ({status}); the staged workspace is {}",
            stage.display()
        ));
    }
    let dist = root.join(DIST);
    if dist.exists() {
        fs::remove_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    }
    fs::create_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    for name in &names {
        let file = format!("{name}-{version}.crate");
        let from = target.join("package").join(&file);
        let size = fs::metadata(&from)
            .map_err(|e| format!("{}: {e}", from.display()))?
            .len();
        fs::copy(&from, dist.join(&file)).map_err(|e| format!("{}: {e}", from.display()))?;
        println!("{file:40} {:>8} KiB", size / 1024);
    }
    println!(
        "{} verified packages in {} ({:.0} s verifying, {:.0} s in all)",
        names.len(),
        dist.display(),
        verify.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(dist)
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        PathBuf::from,
    )
}

/// Removes cargo's unpacked copies of this workspace's packages from local
/// registries (`$CARGO_HOME/registry/src/-<hash>/<name>-<version>`, where
/// `cargo package` unpacks the packages it verifies against). Cargo reuses
/// such a copy when the name and version match, even after the package
/// changed: verification would then compile a dependent against the old
/// code. Copies from crates.io (`index.crates.io-…`) are never touched.
fn forget_local_extractions(
    cargo_home: &Path,
    names: &[String],
    version: &str,
) -> Result<Vec<PathBuf>, String> {
    let mut removed = Vec::new();
    for kind in ["src", "cache"] {
        let dir = cargo_home.join("registry").join(kind);
        let Ok(registries) = fs::read_dir(&dir) else {
            continue;
        };
        for registry in registries.flatten() {
            if !registry.file_name().to_string_lossy().starts_with('-') {
                continue;
            }
            for name in names {
                for entry in [
                    format!("{name}-{version}"),
                    format!("{name}-{version}.crate"),
                ] {
                    let path = registry.path().join(entry);
                    let gone = if path.is_dir() {
                        fs::remove_dir_all(&path)
                    } else if path.is_file() {
                        fs::remove_file(&path)
                    } else {
                        continue;
                    };
                    gone.map_err(|e| format!("{}: {e}", path.display()))?;
                    removed.push(path);
                }
            }
        }
    }
    Ok(removed)
}

/// The staging workspace: outside the checkout (and any repository), one
/// per checkout.
fn stage_dir(root: &Path) -> PathBuf {
    let id = codegen::versions::sha256_hex(root.to_string_lossy().as_bytes());
    std::env::temp_dir().join(format!("intercom-rs-package-{}", &id[..12]))
}

fn stage_workspace(
    root: &Path,
    stage: &Path,
    manifest: &Manifest,
    outputs: &[Output],
) -> Result<(), String> {
    fs::create_dir_all(stage).map_err(|e| format!("{}: {e}", stage.display()))?;
    write(&stage.join("Cargo.toml"), &stage_root_manifest(root)?)?;
    fs::copy(root.join("Cargo.lock"), stage.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    copy_tree(&root.join("generated/src"), &stage.join("generated/src"))?;
    fs::copy(
        root.join("generated/Cargo.toml"),
        stage.join("generated/Cargo.toml"),
    )
    .map_err(|e| format!("generated/Cargo.toml: {e}"))?;
    copy_tree(&root.join("intercom-api"), &stage.join("intercom-api"))?;
    let shared_lib = fs::read_to_string(root.join(layout::SHARED_DIR).join("lib.rs"))
        .map_err(|e| format!("{}/lib.rs: {e}", layout::SHARED_DIR))?;
    for (version, output) in manifest.versions.iter().zip(outputs) {
        let dir = stage.join(layout::crate_dir(version));
        write(
            &dir.join("Cargo.toml"),
            &layout::version_manifest(manifest, version, Mode::Package),
        )?;
        write(&dir.join("src/lib.rs"), &shared_lib)?;
        write(&dir.join("src/generated.rs"), &output.code)?;
    }
    Ok(())
}

/// The workspace manifest with only the published crates as members and
/// without the generator (nothing packaged depends on it).
fn stage_root_manifest(root: &Path) -> Result<String, String> {
    let path = root.join("Cargo.toml");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut table: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let workspace = table
        .get_mut("workspace")
        .and_then(toml::Value::as_table_mut)
        .ok_or("Cargo.toml has no [workspace]")?;
    workspace.insert(
        "members".into(),
        toml::Value::Array(vec!["generated".into(), "intercom-api".into()]),
    );
    workspace.remove("default-members");
    if let Some(deps) = workspace
        .get_mut("dependencies")
        .and_then(toml::Value::as_table_mut)
    {
        deps.remove("codegen");
    }
    toml::to_string(&table).map_err(|e| e.to_string())
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().map_err(|e| e.to_string())?.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            fs::copy(&src, &dst).map_err(|e| format!("{}: {e}", src.display()))?;
        }
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_unpacked_copies_of_our_packages_go_and_nothing_else() {
        let home = std::env::temp_dir().join(format!("xtask-cargo-home-{}", std::process::id()));
        let local = home.join("registry/src/-14cd1cce6819ff87");
        let crates_io = home.join("registry/src/index.crates.io-1949cf8c6b5b557f");
        for dir in [
            local.join("intercom-generated-0.1.0/src"),
            local.join("serde-1.0.0"),
            local.join("intercom-api-0.2.0"),
            crates_io.join("intercom-api-0.1.0"),
        ] {
            fs::create_dir_all(dir).unwrap();
        }
        let names = ["intercom-generated".to_owned(), "intercom-api".to_owned()];
        let removed = forget_local_extractions(&home, &names, "0.1.0").unwrap();
        assert_eq!(removed, [local.join("intercom-generated-0.1.0")]);
        assert!(local.join("serde-1.0.0").exists());
        assert!(
            local.join("intercom-api-0.2.0").exists(),
            "another version stays"
        );
        assert!(
            crates_io.join("intercom-api-0.1.0").exists(),
            "crates.io copies stay"
        );
        fs::remove_dir_all(&home).unwrap();
    }

    #[test]
    fn staged_root_manifest_drops_the_generator_and_unpublished_members() {
        let root = crate::root();
        let text = super::stage_root_manifest(&root).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        let ws = &table["workspace"];
        assert_eq!(
            ws["members"].as_array().unwrap(),
            &vec![
                toml::Value::from("generated"),
                toml::Value::from("intercom-api")
            ]
        );
        assert!(ws.get("default-members").is_none());
        assert!(ws["dependencies"].get("codegen").is_none());
        assert!(ws["dependencies"].get("generated").is_some());
        assert!(ws.get("lints").is_some(), "lints stay inherited");
    }
}
