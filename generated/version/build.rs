//! Build script shared by every version crate (`generated/<feature>/`):
//! generates the crate's module into `OUT_DIR` from its pinned spec.
//!
//! The version comes from the crate's own `[package.metadata.intercom]`
//! (regen copies it from `spec/versions.toml`), not from the whole manifest:
//! editing one version's entry reruns only that crate's build script.
//!
//! The spec is `spec/<version>/api.intercom.io.yaml` of the checkout (placed
//! by `cargo xtask fetch-specs`) or, when that is absent (a git dependency:
//! spec files never enter git), the same file of the mirror that
//! `INTERCOM_OPENAPI_DIR` names. Intercom's override files (and, for a
//! version an override does not target, the target's spec, to compare
//! shapes) and the descriptions of the versions listed before this one (for
//! the pagination they declared) come from `spec/` or the mirror the same
//! way. Every file's sha256 must be the pinned one.
//! The webhook topics come from `spec/webhook-topics.toml`, which is
//! committed (git dependencies have it too).
//! Packaged crates carry the module pre-rendered and have no build script.

use std::path::{Path, PathBuf};
use std::{env, fs};

use codegen::derived_files::Metadata;
use codegen::versions::Pinned;

fn main() {
    if let Err(message) = run() {
        // One line the user can act on; cargo shows it as the build error.
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let root = crate_dir
        .parent()
        .and_then(Path::parent)
        .ok_or("a version crate lives at generated/<feature>/ in the workspace")?;
    let cargo_toml = crate_dir.join("Cargo.toml");
    println!("cargo::rerun-if-changed={}", cargo_toml.display());
    println!("cargo::rustc-check-cfg=cfg(intercom_codegen)");
    let text =
        fs::read_to_string(&cargo_toml).map_err(|e| format!("{}: {e}", cargo_toml.display()))?;
    let metadata =
        Metadata::from_cargo_toml(&text).map_err(|e| format!("{}: {e}", cargo_toml.display()))?;
    let version = &metadata.version;
    let spec_dir = root.join("spec");
    let mut read = |file: &Pinned| -> Result<Vec<u8>, String> {
        let (path, bytes) = pinned_file(&metadata, file, &spec_dir)?;
        file.verify(&path, &bytes).map_err(|e| {
            format!(
                "{e}: run `cargo xtask fetch-specs`, or point INTERCOM_OPENAPI_DIR at a mirror of {} at commit {}",
                metadata.upstream, metadata.commit
            )
        })?;
        Ok(bytes)
    };
    let bytes = read(&version.pinned())?;
    let text = String::from_utf8(bytes).map_err(|e| format!("version {}: {e}", version.name))?;
    let mut inputs = codegen::load_inputs(
        &version.name,
        &metadata.overrides,
        &metadata.earlier,
        &mut read,
    )?;
    // Committed (not a pinned download): present in git-dependency builds too.
    println!(
        "cargo::rerun-if-changed={}",
        spec_dir.join(codegen::webhook_topics::FILE).display()
    );
    inputs.webhook_topics = codegen::webhook_topics::load(&spec_dir)?;
    let output = codegen::generate(version, &text, &inputs)
        .map_err(|e| format!("Intercom API {}: {e}", version.name))?;
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    write(&out_dir.join("generated.rs"), &output.code)?;
    write(&out_dir.join("surface.txt"), &output.surface)?;
    write(&out_dir.join("api.json"), &output.api.to_json())?;
    if env::var_os("INTERCOM_CODEGEN_REPORT").is_some() {
        // Only when asked: cargo shows warnings on every build.
        for line in output.report.to_string().lines() {
            println!("cargo::warning={line}");
        }
    }
    println!("cargo::rustc-cfg=intercom_codegen");
    Ok(())
}

/// A pinned file (a description or an override file): the checkout's copy,
/// else the mirror's.
fn pinned_file(
    metadata: &Metadata,
    file: &Pinned,
    spec_dir: &Path,
) -> Result<(PathBuf, Vec<u8>), String> {
    let local = file.local(spec_dir);
    println!("cargo::rerun-if-changed={}", local.display());
    if let Ok(bytes) = fs::read(&local) {
        return Ok((local, bytes));
    }
    // Only a build that had to use the mirror depends on the variable, so
    // changing it never rebuilds a checkout whose specs are in place.
    println!("cargo::rerun-if-env-changed=INTERCOM_OPENAPI_DIR");
    let Some(mirror) = env::var_os("INTERCOM_OPENAPI_DIR").filter(|d| !d.is_empty()) else {
        return Err(format!(
            "the Intercom OpenAPI file for {} ({}) is not at {}: set INTERCOM_OPENAPI_DIR to a mirror of {} at commit {}, or run `cargo xtask fetch-specs` in the checkout",
            file.label,
            file.upstream_path,
            local.display(),
            metadata.upstream,
            metadata.commit
        ));
    };
    let path = file.mirror(Path::new(&mirror));
    println!("cargo::rerun-if-changed={}", path.display());
    let bytes = fs::read(&path).map_err(|e| {
        format!(
            "INTERCOM_OPENAPI_DIR: {} {}: {e}",
            file.label,
            path.display()
        )
    })?;
    Ok((path, bytes))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
