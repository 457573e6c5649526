//! Generates one module per enabled version feature into `OUT_DIR`, from the
//! specs `cargo xtask fetch-specs` placed under `spec/`.

use std::path::{Path, PathBuf};
use std::{env, fs, thread};

use codegen::{Manifest, Version};

fn main() {
    // Codegen turns generator panics into errors naming the cause; keep the
    // build log to that one line.
    std::panic::set_hook(Box::new(|_| {}));
    if let Err(message) = run() {
        // One line the user can act on; cargo shows it as the build error.
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let spec_dir = manifest_dir.join("../spec");
    let manifest_path = spec_dir.join("versions.toml");
    println!("cargo:rerun-if-changed={}", manifest_path.display());
    let manifest = Manifest::load(&manifest_path).map_err(|e| e.to_string())?;
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);

    let enabled: Vec<&Version> = manifest
        .versions
        .iter()
        .filter(|v| env::var_os(format!("CARGO_FEATURE_{}", v.feature.to_uppercase())).is_some())
        .collect();

    let results: Vec<Result<String, String>> = thread::scope(|scope| {
        let handles: Vec<_> = enabled
            .iter()
            .map(|v| scope.spawn(|| generate(v, &spec_dir, &out_dir)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("codegen thread panicked".into()))
            })
            .collect()
    });
    let mut modules = String::new();
    for (version, result) in enabled.iter().zip(results) {
        let report = result?;
        for line in report.lines() {
            println!("cargo:warning={line}");
        }
        let doc = format!(
            "Intercom REST API {} (sends `Intercom-Version: {}`).",
            version.name, version.header
        );
        modules.push_str(&format!(
            "#[doc = {doc:?}]\npub mod {feature} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{feature}.rs\"));\n    /// The API surface snapshot: one line per operation.\n    pub const SURFACE: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/{feature}.surface.txt\"));\n}}\n",
            feature = version.feature
        ));
    }
    write(&out_dir.join("modules.rs"), &modules)
}

fn generate(version: &Version, spec_dir: &Path, out_dir: &Path) -> Result<String, String> {
    let path = version.local_path(spec_dir);
    println!("cargo:rerun-if-changed={}", path.display());
    let bytes = fs::read(&path).map_err(|_| {
        format!(
            "spec for Intercom API {} not found at {}: run `cargo xtask fetch-specs` first",
            version.name,
            path.display()
        )
    })?;
    codegen::versions::verify(version, &path, &bytes)
        .map_err(|e| format!("{e}: run `cargo xtask fetch-specs` to fetch the pinned file"))?;
    let text = String::from_utf8(bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let output = codegen::generate(version, &text)
        .map_err(|e| format!("Intercom API {}: {e}", version.name))?;
    write(
        &out_dir.join(format!("{}.rs", version.feature)),
        &output.code,
    )?;
    write(
        &out_dir.join(format!("{}.surface.txt", version.feature)),
        &output.surface,
    )?;
    // Only print the report when asked: cargo shows warnings on every build.
    Ok(if env::var_os("INTERCOM_CODEGEN_REPORT").is_some() {
        output.report.to_string()
    } else {
        String::new()
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}
