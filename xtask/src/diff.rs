//! `cargo xtask diff <old> <new>`: generate two versions and print what
//! changes for a Rust caller between them ([`codegen::diff`]), and the
//! part of `cargo xtask regen` that writes `MIGRATING.md`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use codegen::Manifest;
use codegen::api::ApiModel;
use codegen::diff::{self, MIGRATING_FILE};

use crate::fetch::{Source, fetch_one};

/// Options of `diff`.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The version to migrate from (name or feature: `2.11`, `v2_11`).
    pub old: String,
    /// The version to migrate to (`2.16`, `preview`).
    pub new: String,
    /// A local mirror of Intercom's OpenAPI repository to fetch missing
    /// specs from (else GitHub).
    #[arg(long = "from", env = "INTERCOM_OPENAPI_DIR", value_name = "DIR")]
    pub from: Option<PathBuf>,
}

/// Runs the task: the Markdown report on stdout, progress on stderr.
pub fn run(args: &DiffArgs) -> Result<(), String> {
    let started = Instant::now();
    let root = crate::root();
    let manifest = Manifest::load(&root.join("spec/versions.toml")).map_err(|e| e.to_string())?;
    let old = manifest
        .get(&args.old)
        .ok_or_else(|| format!("unknown version `{}`", args.old))?;
    let new = manifest
        .get(&args.new)
        .ok_or_else(|| format!("unknown version `{}`", args.new))?;
    let source = args.from.clone().map_or(Source::Upstream, Source::Mirror);
    // Codegen of a version reads every earlier description and every
    // override file.
    let last = manifest
        .versions
        .iter()
        .rposition(|v| v.name == old.name || v.name == new.name)
        .unwrap_or_default();
    for file in manifest.versions[..=last]
        .iter()
        .map(codegen::Version::pinned)
        .chain(manifest.overrides.iter().map(|o| o.pinned()))
    {
        fetch_one(&manifest, &file, &root.join("spec"), &source).map_err(|e| e.to_string())?;
    }
    eprintln!("generating {} and {}…", old.name, new.name);
    let outputs = crate::regen::generate_all(&root, &manifest, &[old, new])?;
    let changes = diff::diff(&outputs[0].api, &outputs[1].api);
    print!("{}", diff::render(&old.name, &new.name, &changes, 1));
    eprintln!(
        "{} ({:.1} s)",
        diff::summary(&old.name, &new.name, &changes),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What [`write_migrating`] did.
pub struct Migrating {
    /// A line per version whose section (against its predecessor) is new
    /// or changed: its counts.
    pub summaries: Vec<String>,
    /// The full report of those sections.
    pub detail: String,
    /// Whether the file was rewritten.
    pub written: bool,
}

/// Writes [`MIGRATING_FILE`] at `root` from every version's model (in the
/// manifest's order) and says which versions' sections changed.
pub fn write_migrating(root: &Path, models: &[ApiModel]) -> Result<Migrating, String> {
    let path = root.join(MIGRATING_FILE);
    let before = fs::read_to_string(&path).unwrap_or_default();
    let text = diff::migrating(models);
    let changed = diff::changed_sections(&before, &text);
    let mut summaries = Vec::new();
    let mut detail = String::new();
    for pair in models.windows(2) {
        let heading = format!("{} → {}", pair[0].version, pair[1].version);
        if changed.contains(&heading) {
            let changes = diff::diff(&pair[0], &pair[1]);
            summaries.push(diff::summary(&pair[0].version, &pair[1].version, &changes));
            detail.push_str(&diff::render(
                &pair[0].version,
                &pair[1].version,
                &changes,
                2,
            ));
            detail.push('\n');
        }
    }
    let written = before != text;
    if written {
        fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(Migrating {
        summaries,
        detail,
        written,
    })
}
