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
//! build script; `intercom-client-core` and `intercom-api` are copied as they
//! are. `cargo package --workspace --offline --no-verify` packs them; then
//! every `.crate` is unpacked into one verification workspace (siblings
//! resolved to each other's unpacked copies through `[patch.crates-io]`, the
//! staged `Cargo.lock`) and `cargo build --workspace --offline` compiles them
//! all at once: the check `cargo package` makes (each package built from
//! its unpacked copy, default features), but in parallel rather than one
//! package after another.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use codegen::derived_files::{self, Mode};
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

    let version = codegen::derived_files::package_version(&root)?;
    let mut names = vec!["intercom-client-core".to_owned(), "intercom-api".to_owned()];
    names.extend(manifest.versions.iter().map(derived_files::crate_name));

    let target = root.join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let packing = Instant::now();
    eprintln!(
        "$ cargo package --workspace --offline --no-verify (in {})",
        stage.display()
    );
    let status = Command::new(&cargo)
        .args(["package", "--workspace", "--offline", "--no-verify"])
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
    let packages = target.join("package");
    let packed = packing.elapsed();

    // Verification: every package compiled from its unpacked copy, as a user
    // gets it, all in one build (in the workspace's target directory, where
    // its dependencies stay built for the next run).
    let verify = Instant::now();
    let workspace = verify_dir(&stage);
    if workspace.exists() {
        fs::remove_dir_all(&workspace).map_err(|e| format!("{}: {e}", workspace.display()))?;
    }
    fs::create_dir_all(&workspace).map_err(|e| format!("{}: {e}", workspace.display()))?;
    let unpacked: Vec<String> = names.iter().map(|n| format!("{n}-{version}")).collect();
    for dir in &unpacked {
        let file = packages.join(format!("{dir}.crate"));
        let status = Command::new("tar")
            .arg("xzf")
            .arg(&file)
            .arg("-C")
            .arg(&workspace)
            .status()
            .map_err(|e| format!("cannot run tar: {e}"))?;
        if !status.success() {
            return Err(format!("tar xzf {} failed ({status})", file.display()));
        }
    }
    write(
        &workspace.join("Cargo.toml"),
        &verify_manifest(&root, &names, &unpacked)?,
    )?;
    // The lock file `cargo package` resolved the packages with: the same
    // dependency versions, and no resolution beyond what is cached offline.
    fs::copy(stage.join("Cargo.lock"), workspace.join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    eprintln!(
        "$ cargo build --workspace --offline (verifying the {} unpacked packages in {})",
        names.len(),
        workspace.display()
    );
    let status = Command::new(&cargo)
        .args(["build", "--workspace", "--offline"])
        .env("CARGO_TARGET_DIR", &target)
        // Throwaway copies: incremental caches for them are pure overhead.
        .env("CARGO_INCREMENTAL", "0")
        .current_dir(&workspace)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "verifying the packages failed ({status}); the unpacked packages are in {}",
            workspace.display()
        ));
    }
    let verified = verify.elapsed();
    let dist = root.join(DIST);
    if dist.exists() {
        fs::remove_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    }
    fs::create_dir_all(&dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    for name in &names {
        let file = format!("{name}-{version}.crate");
        let from = packages.join(&file);
        let size = fs::metadata(&from)
            .map_err(|e| format!("{}: {e}", from.display()))?
            .len();
        fs::copy(&from, dist.join(&file)).map_err(|e| format!("{}: {e}", from.display()))?;
        println!("{file:40} {:>8} KiB", size / 1024);
    }
    println!(
        "{} verified packages in {} ({:.0} s packing, {:.0} s verifying, {:.0} s in all)",
        names.len(),
        dist.display(),
        packed.as_secs_f64(),
        verified.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(dist)
}

/// The staging workspace: outside the checkout (and any repository), one
/// per checkout.
fn stage_dir(root: &Path) -> PathBuf {
    let id = codegen::versions::sha256_hex(root.to_string_lossy().as_bytes());
    std::env::temp_dir().join(format!("intercom-rs-package-{}", &id[..12]))
}

/// The verification workspace: beside the staging workspace.
fn verify_dir(stage: &Path) -> PathBuf {
    let mut name = stage.as_os_str().to_owned();
    name.push("-verify");
    PathBuf::from(name)
}

/// The verification workspace's manifest: the unpacked packages as members,
/// each also standing in for its crates.io name (unpacked manifests name
/// their siblings by version, as a user's build sees them), and the
/// workspace's resolver.
///
/// Its dev profile is cargo's default without debug info, not the
/// workspace's: dependencies at `opt-level = 1` took 3x as long to compile,
/// and the workspace's builds of them can rarely be reused (their features
/// are unified with the tests' dev-dependencies). A compile check needs no
/// debug info.
fn verify_manifest(root: &Path, names: &[String], dirs: &[String]) -> Result<String, String> {
    let path = root.join("Cargo.toml");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut workspace = toml::Table::new();
    workspace.insert(
        "members".into(),
        toml::Value::Array(dirs.iter().map(|d| d.as_str().into()).collect()),
    );
    if let Some(resolver) = table.get("workspace").and_then(|w| w.get("resolver")) {
        workspace.insert("resolver".into(), resolver.clone());
    }
    let mut patches = toml::Table::new();
    for (name, dir) in names.iter().zip(dirs) {
        let mut patch = toml::Table::new();
        patch.insert("path".into(), dir.as_str().into());
        patches.insert(name.clone(), patch.into());
    }
    let mut manifest = toml::Table::new();
    manifest.insert("workspace".into(), workspace.into());
    manifest.insert(
        "patch".into(),
        toml::Table::from_iter([("crates-io".to_owned(), patches.into())]).into(),
    );
    let dev = toml::Table::from_iter([("debug".to_owned(), false.into())]);
    manifest.insert(
        "profile".into(),
        toml::Table::from_iter([("dev".to_owned(), dev.into())]).into(),
    );
    toml::to_string(&manifest).map_err(|e| e.to_string())
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
    let shared_lib = fs::read_to_string(root.join(derived_files::SHARED_DIR).join("lib.rs"))
        .map_err(|e| format!("{}/lib.rs: {e}", derived_files::SHARED_DIR))?;
    for (version, output) in manifest.versions.iter().zip(outputs) {
        let dir = stage.join(derived_files::crate_dir(version));
        write(
            &dir.join("Cargo.toml"),
            &derived_files::version_manifest(manifest, version, Mode::Package),
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
    fn verification_workspace_patches_each_package_to_its_unpacked_copy() {
        let root = crate::root();
        let names = ["intercom-client-core".to_owned(), "intercom-api".to_owned()];
        let dirs = [
            "intercom-client-core-0.1.0".to_owned(),
            "intercom-api-0.1.0".to_owned(),
        ];
        let text = verify_manifest(&root, &names, &dirs).unwrap();
        let table: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            table["workspace"]["members"].as_array().unwrap(),
            &vec![
                toml::Value::from("intercom-client-core-0.1.0"),
                toml::Value::from("intercom-api-0.1.0")
            ]
        );
        for (name, dir) in names.iter().zip(&dirs) {
            assert_eq!(
                table["patch"]["crates-io"][name]["path"].as_str(),
                Some(dir.as_str())
            );
        }
        assert_eq!(
            table["profile"]["dev"]["debug"].as_bool(),
            Some(false),
            "a compile check needs no debug info"
        );
        let ours: toml::Table =
            toml::from_str(&fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
        assert_eq!(
            table["workspace"].get("resolver"),
            ours["workspace"].get("resolver")
        );
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
        assert!(ws["dependencies"].get("intercom-client-core").is_some());
        assert!(ws.get("lints").is_some(), "lints stay inherited");
    }
}
