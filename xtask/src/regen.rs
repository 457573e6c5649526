//! `cargo xtask regen`: run codegen for every version, print the report, keep
//! the generated code for inspection and refresh the surface snapshots.

use std::fs;
use std::path::Path;
use std::time::Instant;

use codegen::{Manifest, Output, Version};

/// Options of `regen`.
#[derive(clap::Args, Debug)]
pub struct RegenArgs {
    #[command(flatten)]
    fetch: crate::fetch::FetchArgs,
    /// Only print the report; do not touch snapshots.
    #[arg(long)]
    no_snapshots: bool,
}

/// Runs the task.
pub fn run(args: &RegenArgs) -> Result<(), String> {
    crate::fetch::run(&args.fetch)?;
    let root = crate::root();
    let manifest = Manifest::load(&root.join("spec/versions.toml")).map_err(|e| e.to_string())?;
    write_layout(&root, &manifest)?;
    let out_dir = root.join("target/regen");
    fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let selected: Vec<_> = manifest
        .versions
        .iter()
        .filter(|v| {
            args.fetch.only.is_empty()
                || args
                    .fetch
                    .only
                    .iter()
                    .any(|k| *k == v.name || *k == v.feature)
        })
        .collect();

    let started = Instant::now();
    let results = generate_each(&root, &manifest, &selected);
    let mut failures = Vec::new();
    let (mut ops, mut spec_ops, mut types, mut lines, mut dropped) = (0, 0, 0, 0, 0);
    let mut paginated = 0;
    let mut surfaces = Vec::new();
    for (version, result) in selected.iter().zip(results) {
        match result {
            Ok(out) => {
                print!("{}", out.report);
                surfaces.push((version.name.clone(), out.surface.clone()));
                ops += out.report.operations;
                spec_ops += out.report.spec_operations;
                types += out.report.types;
                lines += out.report.lines;
                dropped += out.report.dropped.len();
                paginated += out.report.paginated();
                let code = out_dir.join(format!("{}.rs", version.feature));
                fs::write(&code, &out.code).map_err(|e| format!("{}: {e}", code.display()))?;
            }
            Err(e) => {
                println!("{}: FAILED: {e}", version.name);
                failures.push(version.name.clone());
            }
        }
    }
    println!(
        "total: {ops}/{spec_ops} operations, {dropped} dropped, {paginated} paginated, {types} types, {lines} lines in {} ms wall ({} versions); code in {}",
        started.elapsed().as_millis(),
        selected.len(),
        out_dir.display()
    );
    if !failures.is_empty() {
        return Err(format!("codegen failed for {}", failures.join(", ")));
    }
    if surfaces.len() == manifest.versions.len() {
        let rows: Vec<(&str, &str)> = surfaces
            .iter()
            .map(|(v, s)| (v.as_str(), s.as_str()))
            .collect();
        let (sdk_path, sdk_version) = codegen::derived_files::NODE_SDK_METHODS;
        let sdk =
            fs::read_to_string(root.join(sdk_path)).map_err(|e| format!("{sdk_path}: {e}"))?;
        let sdk_surface = rows
            .iter()
            .find(|(v, _)| *v == sdk_version)
            .map(|(_, s)| *s)
            .ok_or_else(|| format!("no {sdk_version} surface for the parity table"))?;
        for (block, text) in [
            (
                codegen::derived_files::PAGINATION_TABLE,
                codegen::syntax::surface::pagination_table(&rows),
            ),
            (
                codegen::derived_files::CALLS_TABLE,
                codegen::syntax::surface::calls_table(&rows),
            ),
            (
                codegen::derived_files::PARITY_TABLE,
                codegen::syntax::surface::parity_table(&sdk, sdk_surface),
            ),
        ] {
            let piece = codegen::derived_files::Piece {
                path: "intercom-api/README.md".into(),
                block: Some(block),
                text,
            };
            if write_piece(&root, &piece)? {
                println!("wrote intercom-api/README.md ({block})");
            }
        }
    }
    if args.no_snapshots {
        return Ok(());
    }
    // Build every version and write changed surfaces as `.snap.new` files.
    crate::cargo(
        &[
            "test",
            "-p",
            "intercom-tests",
            "--all-features",
            "--test",
            "surface",
        ],
        &[("INSTA_UPDATE", "new"), ("INSTA_FORCE_PASS", "1")],
    )?;
    let pending = count_pending(&root.join("tests/tests/snapshots"));
    if pending == 0 {
        println!("API surface unchanged.");
    } else {
        println!("{pending} API surface snapshot(s) changed: review with `cargo insta review`.");
    }
    Ok(())
}

fn count_pending(dir: &std::path::Path) -> usize {
    fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".snap.new"))
                .count()
        })
        .unwrap_or(0)
}

/// Writes every file (or block) that follows from `spec/versions.toml`:
/// the version crates' manifests, the feature and dependency tables, the
/// version macro and the README's table; removes crates of dropped versions.
pub fn write_layout(root: &Path, manifest: &Manifest) -> Result<(), String> {
    let package_version = codegen::derived_files::package_version(root)?;
    let mut changed = 0;
    for piece in codegen::derived_files::pieces(manifest, &package_version) {
        if write_piece(root, &piece)? {
            println!("wrote {}", piece.path.display());
            changed += 1;
        }
    }
    for stale in codegen::derived_files::stale_crates(root, manifest) {
        fs::remove_dir_all(&stale).map_err(|e| format!("{}: {e}", stale.display()))?;
        println!(
            "removed {} (no such version in spec/versions.toml)",
            stale.display()
        );
        changed += 1;
    }
    if changed == 0 {
        println!("layout matches spec/versions.toml");
    }
    Ok(())
}

/// Puts `piece` into its file; returns whether the file changed.
fn write_piece(root: &Path, piece: &codegen::derived_files::Piece) -> Result<bool, String> {
    let path = root.join(&piece.path);
    let current = fs::read_to_string(&path).ok();
    let text = codegen::derived_files::apply(piece, current.as_deref())?;
    if current.as_deref() == Some(text.as_str()) {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(true)
}

/// Runs codegen for each version in parallel, on the checkout's pinned specs.
fn generate_each(
    root: &Path,
    manifest: &Manifest,
    versions: &[&Version],
) -> Vec<Result<Output, String>> {
    let spec_dir = root.join("spec");
    let sources = manifest.override_sources();
    let manifest = &manifest;
    std::thread::scope(|scope| {
        let handles: Vec<_> = versions
            .iter()
            .map(|v| {
                let (spec_dir, sources) = (&spec_dir, &sources);
                scope.spawn(move || {
                    let mut read = |file: &codegen::versions::Pinned| {
                        codegen::versions::read_local(spec_dir, file)
                    };
                    let text = String::from_utf8(read(&v.pinned())?)
                        .map_err(|e| format!("version {}: {e}", v.name))?;
                    let earlier = manifest.earlier_sources(&v.name);
                    let inputs = codegen::load_inputs(&v.name, sources, &earlier, &mut read)?;
                    codegen::generate(v, &text, &inputs)
                        .map_err(|e| format!("Intercom API {}: {e}", v.name))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|payload| {
                    Err(format!(
                        "codegen panicked: {}",
                        codegen::panic_message(payload.as_ref())
                    ))
                })
            })
            .collect()
    })
}

/// Runs codegen for each version; the first failure is the error.
pub fn generate_all(
    root: &Path,
    manifest: &Manifest,
    versions: &[&Version],
) -> Result<Vec<Output>, String> {
    generate_each(root, manifest, versions)
        .into_iter()
        .collect()
}
