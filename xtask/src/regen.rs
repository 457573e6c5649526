//! `cargo xtask regen`: run codegen for every version, keep the generated
//! code for inspection, refresh the surface snapshots, and end with one
//! summary table (a row per version). The full report (what each version's
//! codegen did, the surface check's cargo output) goes to
//! [`REPORT_FILE`]; `--verbose` prints it too.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use codegen::report::Summary;
use codegen::{Manifest, Output, Version};

use crate::fetch::{Outcome, Source};

/// Where regen writes its full report, relative to the workspace root.
pub const REPORT_FILE: &str = "target/regen-report.txt";
/// Where the surface snapshots live, relative to the workspace root.
const SNAPSHOTS: &str = "tests/tests/snapshots";
/// The command that builds every version and writes changed surfaces as
/// `.snap.new` files (with `INSTA_UPDATE=new`, `INSTA_FORCE_PASS=1`).
const SURFACE_TEST: &[&str] = &[
    "test",
    "-p",
    "intercom-tests",
    "--all-features",
    "--test",
    "surface",
];

/// Options of `regen`.
#[derive(clap::Args, Debug)]
pub struct RegenArgs {
    #[command(flatten)]
    fetch: crate::fetch::FetchArgs,
    /// Only generate and report; do not build the versions or touch snapshots.
    #[arg(long)]
    no_snapshots: bool,
    /// Also print the full report (written to target/regen-report.txt
    /// either way) and the surface check's cargo output.
    #[arg(long, short)]
    verbose: bool,
}

/// What regen prints: the full report always goes to the report text, the
/// terminal gets it only with `--verbose`, short lines always.
struct Out {
    /// The full report so far.
    detail: String,
    /// Whether the full report is printed too.
    verbose: bool,
}

impl Out {
    /// A line for the terminal (and the report).
    fn say(&mut self, line: &str) {
        println!("{line}");
        self.detail.push_str(line);
        self.detail.push('\n');
    }

    /// Text for the report (and the terminal with `--verbose`).
    fn detail(&mut self, text: &str) {
        if self.verbose {
            print!("{text}");
        }
        self.detail.push_str(text);
    }
}

/// Runs the task.
pub fn run(args: &RegenArgs) -> Result<(), String> {
    let root = crate::root();
    let manifest = Manifest::load(&root.join("spec/versions.toml")).map_err(|e| e.to_string())?;
    let selected = select(&manifest, &args.fetch.only)?;
    let mut out = Out {
        detail: String::new(),
        verbose: args.verbose,
    };
    fetch_specs(&root, &manifest, &args.fetch, &selected, &mut out)?;
    for line in write_layout(&root, &manifest)? {
        out.say(&line);
    }
    let out_dir = root.join("target/regen");
    fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;

    let started = Instant::now();
    let results = generate_each(&root, &manifest, &selected);
    let wall = started.elapsed();
    let mut rows = Vec::new();
    let mut surfaces = Vec::new();
    let mut models = Vec::new();
    for (version, result) in selected.iter().zip(results) {
        let codegen = match result {
            Ok(generated) => {
                out.detail(&generated.report.to_string());
                let code = out_dir.join(format!("{}.rs", version.feature));
                fs::write(&code, &generated.code)
                    .map_err(|e| format!("{}: {e}", code.display()))?;
                surfaces.push((version.name.clone(), generated.surface));
                models.push(generated.api);
                Codegen::Done(generated.report.summary())
            }
            Err(e) => {
                out.detail(&format!("{}: FAILED: {e}\n", version.name));
                Codegen::Failed(e)
            }
        };
        rows.push(Row {
            version: version.name.clone(),
            feature: version.feature.clone(),
            codegen,
            surface: Surface::NotChecked,
        });
    }
    out.detail(&format!("{}\n", totals_line(&rows, wall, &out_dir)));
    let failed = rows.iter().any(|r| matches!(r.codegen, Codegen::Failed(_)));
    if !failed && surfaces.len() == manifest.versions.len() {
        for line in write_readme_tables(&root, &surfaces)? {
            out.say(&line);
        }
    }
    // What changed for a Rust caller, against each version's predecessor.
    let mut api_changes = String::new();
    if !failed && models.len() == manifest.versions.len() {
        let migrating = crate::diff::write_migrating(&root, &models)?;
        if migrating.written {
            out.say(&format!("wrote {}", codegen::diff::MIGRATING_FILE));
        }
        out.detail(&migrating.detail);
        api_changes = render_api_changes(&migrating.summaries);
    }
    let report_path = root.join(REPORT_FILE);
    let mut surface_check = Ok(());
    if !failed && !args.no_snapshots {
        out.say(&format!(
            "building every version to check the API surfaces (`cargo {}`)…",
            SURFACE_TEST.join(" ")
        ));
        let log = write_report(&report_path, &out.detail)?;
        surface_check = cargo_logged(
            &root,
            SURFACE_TEST,
            &[("INSTA_UPDATE", "new"), ("INSTA_FORCE_PASS", "1")],
            &log,
            args.verbose,
        );
        out.detail = fs::read_to_string(&report_path)
            .map_err(|e| format!("{}: {e}", report_path.display()))?;
        if surface_check.is_ok() {
            read_surfaces(&root, &manifest, &mut rows);
        } else {
            for row in &mut rows {
                row.surface = Surface::CheckFailed;
            }
        }
    }
    let mut summary = render_summary(&rows, wall, SNAPSHOTS);
    summary.push_str(&api_changes);
    if args.verbose {
        println!();
    }
    print!("{summary}");
    out.detail.push('\n');
    out.detail.push_str(&summary);
    write_report(&report_path, &out.detail)?;
    if args.verbose {
        println!("full report: {}", report_path.display());
    } else {
        println!(
            "full report: {} (`cargo xtask regen --verbose` prints it too)",
            report_path.display()
        );
    }
    if let Err(e) = surface_check {
        if !args.verbose {
            print_tail(&report_path, 30);
        }
        return Err(format!("{e}; its output is in {REPORT_FILE}"));
    }
    let failures: Vec<&str> = rows
        .iter()
        .filter(|r| matches!(r.codegen, Codegen::Failed(_)))
        .map(|r| r.version.as_str())
        .collect();
    if !failures.is_empty() {
        return Err(format!("codegen failed for {}", failures.join(", ")));
    }
    Ok(())
}

/// The lines under the summary table for the versions whose API changed
/// against their predecessor (`2.15 → 2.16: 3 breaking (…); 9 additive (…)`),
/// or one line saying none did.
pub fn render_api_changes(summaries: &[String]) -> String {
    if summaries.is_empty() {
        return format!(
            "API changes: none against {} as written\n",
            codegen::diff::MIGRATING_FILE
        );
    }
    let mut text = format!(
        "API changes against the previous version (details in {REPORT_FILE} and {}):\n",
        codegen::diff::MIGRATING_FILE
    );
    for line in summaries {
        let _ = writeln!(text, "  {line}");
    }
    text
}

/// The versions `--only` names (by name or feature), in the manifest's
/// order; every version when it names none. An unknown name is an error.
fn select<'m>(manifest: &'m Manifest, only: &[String]) -> Result<Vec<&'m Version>, String> {
    if let Some(unknown) = only.iter().find(|k| manifest.get(k).is_none()) {
        return Err(format!("unknown version `{unknown}`"));
    }
    Ok(manifest
        .versions
        .iter()
        .filter(|v| only.is_empty() || only.iter().any(|k| *k == v.name || *k == v.feature))
        .collect())
}

/// Fetches the selected versions' descriptions and every override file, as
/// `cargo xtask fetch-specs` does: a line per file in the report, one line
/// on the terminal.
fn fetch_specs(
    root: &Path,
    manifest: &Manifest,
    args: &crate::fetch::FetchArgs,
    selected: &[&Version],
    out: &mut Out,
) -> Result<(), String> {
    let source = match &args.from {
        Some(dir) => Source::Mirror(dir.clone()),
        None => Source::Upstream,
    };
    let files: Vec<_> = selected
        .iter()
        .map(|v| v.pinned())
        .chain(manifest.overrides.iter().map(|o| o.pinned()))
        .collect();
    let mut fetched = 0;
    for (i, file) in files.iter().enumerate() {
        let outcome = crate::fetch::fetch_one(manifest, file, &root.join("spec"), &source)
            .map_err(|e| e.to_string())?;
        fetched += usize::from(outcome == Outcome::Fetched);
        out.detail(&format!(
            "[{}/{}] {:<22} {}\n",
            i + 1,
            files.len(),
            file.label,
            match outcome {
                Outcome::Present => "present, verified",
                Outcome::Fetched => "fetched, verified",
            }
        ));
    }
    let from = match &source {
        Source::Mirror(dir) => dir.display().to_string(),
        Source::Upstream => "GitHub".into(),
    };
    if !out.verbose {
        out.say(&format!(
            "specs: {} descriptions and {} override files verified ({})",
            selected.len(),
            manifest.overrides.len(),
            if fetched == 0 {
                "all present".to_owned()
            } else {
                format!("{fetched} fetched from {from}")
            }
        ));
    }
    Ok(())
}

/// Today's `total:` line of the report: the sums over the generated versions.
fn totals_line(rows: &[Row], wall: Duration, out_dir: &Path) -> String {
    let done: Vec<&Summary> = rows
        .iter()
        .filter_map(|r| match &r.codegen {
            Codegen::Done(s) => Some(s),
            _ => None,
        })
        .collect();
    let sum = |f: fn(&Summary) -> usize| done.iter().map(|s| f(s)).sum::<usize>();
    let ops = sum(|s| s.operations);
    let spec_ops = sum(|s| s.spec_operations);
    format!(
        "total: {ops}/{spec_ops} operations, {} dropped, {} paginated, {} types, {} lines in {} ms wall ({} versions); code in {}",
        spec_ops - ops,
        sum(|s| s.paginated),
        sum(|s| s.types),
        sum(|s| s.lines),
        wall.as_millis(),
        rows.len(),
        out_dir.display()
    )
}

/// Writes the README's pagination, calls and Node SDK parity tables from
/// every version's surface; returns a line per block it changed.
fn write_readme_tables(root: &Path, surfaces: &[(String, String)]) -> Result<Vec<String>, String> {
    let rows: Vec<(&str, &str)> = surfaces
        .iter()
        .map(|(v, s)| (v.as_str(), s.as_str()))
        .collect();
    let (sdk_path, sdk_version) = codegen::derived_files::NODE_SDK_METHODS;
    let sdk = fs::read_to_string(root.join(sdk_path)).map_err(|e| format!("{sdk_path}: {e}"))?;
    let sdk_surface = rows
        .iter()
        .find(|(v, _)| *v == sdk_version)
        .map(|(_, s)| *s)
        .ok_or_else(|| format!("no {sdk_version} surface for the parity table"))?;
    let mut wrote = Vec::new();
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
        if write_piece(root, &piece)? {
            wrote.push(format!("wrote intercom-api/README.md ({block})"));
        }
    }
    Ok(wrote)
}

/// Writes `text` as the whole report file; returns it open for appending.
fn write_report(path: &Path, text: &str) -> Result<fs::File, String> {
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io)?;
    }
    let mut file = fs::File::create(path).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    Ok(file)
}

/// Runs `cargo args` in the workspace, appending its output (stdout and
/// stderr, line by line) to `log` and, when `echo`, to the terminal too;
/// fails on a non-zero exit.
fn cargo_logged(
    root: &Path,
    args: &[&str],
    envs: &[(&str, &str)],
    log: &fs::File,
    echo: bool,
) -> Result<(), String> {
    let command = format!("cargo {}", args.join(" "));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let heading = format!("\n$ {command}\n");
    if echo {
        eprint!("{heading}");
    }
    (&*log)
        .write_all(heading.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut child = Command::new(cargo)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let log = std::sync::Mutex::new(log);
    // Each stream is copied line by line, so the two never split a line.
    let copy = |from: &mut dyn Read, to_terminal: &mut dyn Write| {
        for line in BufReader::new(from).split(b'\n').map_while(Result::ok) {
            let mut line = line;
            line.push(b'\n');
            if echo {
                let _ = to_terminal.write_all(&line);
            }
            let _ = log.lock().map(|mut f| f.write_all(&line));
        }
    };
    let (mut stdout, mut stderr) = (
        child.stdout.take().expect("piped"),
        child.stderr.take().expect("piped"),
    );
    std::thread::scope(|scope| {
        scope.spawn(|| copy(&mut stdout, &mut std::io::stdout()));
        copy(&mut stderr, &mut std::io::stderr());
    });
    let status = child.wait().map_err(|e| format!("`{command}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{command}` failed ({status})"))
    }
}

/// Prints the last `n` lines of `path` (a failed command's output).
fn print_tail(path: &Path, n: usize) {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    eprintln!("last lines of {}:", path.display());
    for line in &lines[lines.len().saturating_sub(n)..] {
        eprintln!("  {line}");
    }
}

/// Sets each row's surface from the snapshots the surface test left, and
/// adds a row for each version `--only` left out (the test checks every
/// version) whose surface is not as committed.
fn read_surfaces(root: &Path, manifest: &Manifest, rows: &mut Vec<Row>) {
    let dir = root.join(SNAPSHOTS);
    let uncommitted = uncommitted_snapshots(root);
    for row in rows.iter_mut() {
        row.surface = read_surface(&dir, &row.feature, &uncommitted);
    }
    for version in &manifest.versions {
        if rows.iter().any(|r| r.version == version.name) {
            continue;
        }
        let surface = read_surface(&dir, &version.feature, &uncommitted);
        if surface != Surface::Unchanged {
            rows.push(Row {
                version: version.name.clone(),
                feature: version.feature.clone(),
                codegen: Codegen::NotRun,
                surface,
            });
        }
    }
}

/// File names of the snapshots under [`SNAPSHOTS`] that differ from the
/// committed ones (`git status`: modified, added or untracked), e.g. one
/// accepted with `cargo insta review` but not committed. None when git
/// cannot tell.
fn uncommitted_snapshots(root: &Path) -> BTreeSet<String> {
    let Ok(output) = Command::new("git")
        .args([
            "status",
            "--porcelain",
            "--untracked-files=all",
            "--",
            SNAPSHOTS,
        ])
        .current_dir(root)
        .output()
    else {
        return BTreeSet::new();
    };
    if !output.status.success() {
        return BTreeSet::new();
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.get(3..))
        .filter_map(|path| Path::new(path.trim_matches('"')).file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".snap"))
        .collect()
}

/// Reads `feature`'s snapshot and pending snapshot under `dir` and decides
/// how its surface compares with the committed one.
fn read_surface(dir: &Path, feature: &str, uncommitted: &BTreeSet<String>) -> Surface {
    let snap = snapshot_file(feature);
    let committed = fs::read_to_string(dir.join(&snap)).ok();
    let pending = fs::read_to_string(dir.join(format!("{snap}.new"))).ok();
    decide_surface(
        committed.as_deref(),
        pending.as_deref(),
        uncommitted.contains(&snap),
    )
}

/// The surface snapshot's file name for `feature` (`surface__v2_16.snap`).
fn snapshot_file(feature: &str) -> String {
    format!("surface__{feature}.snap")
}

/// How a surface compares with its committed snapshot, from the `.snap`
/// (`committed`), the `.snap.new` insta left after the surface test
/// (`pending`; it removes a stale one when the surface matches), and
/// whether git sees the `.snap` itself changed.
fn decide_surface(committed: Option<&str>, pending: Option<&str>, uncommitted: bool) -> Surface {
    match (committed, pending) {
        (None, Some(_)) => Surface::New,
        (Some(old), Some(new)) => {
            let (added, removed) = line_changes(snapshot_body(old), snapshot_body(new));
            Surface::Changed { added, removed }
        }
        _ if uncommitted => Surface::Uncommitted,
        _ => Surface::Unchanged,
    }
}

/// A snapshot file's content without insta's `---`-fenced header.
fn snapshot_body(text: &str) -> &str {
    text.strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text, |(_, body)| body)
}

/// Lines `new` has that `old` lacks, and the reverse, each line counted as
/// often as it occurs (a moved line counts as neither).
fn line_changes(old: &str, new: &str) -> (usize, usize) {
    let mut balance: BTreeMap<&str, isize> = BTreeMap::new();
    for line in new.lines() {
        *balance.entry(line).or_default() += 1;
    }
    for line in old.lines() {
        *balance.entry(line).or_default() -= 1;
    }
    let added = balance.values().filter(|n| **n > 0).sum::<isize>();
    let removed = -balance.values().filter(|n| **n < 0).sum::<isize>();
    (added.unsigned_abs(), removed.unsigned_abs())
}

/// What codegen did for one row's version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Codegen {
    /// Generated; its figures.
    Done(Summary),
    /// Failed, with the error.
    Failed(String),
    /// Not generated (left out by `--only`), but its surface was checked.
    NotRun,
}

/// How a version's API surface compares with its committed snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// Not checked: `--no-snapshots`, or codegen failed first.
    NotChecked,
    /// The surface test itself failed (build error…).
    CheckFailed,
    /// Same as the committed `.snap`.
    Unchanged,
    /// Differs: insta left a `.snap.new` beside the `.snap`.
    Changed {
        /// Lines the new surface adds.
        added: usize,
        /// Lines it removes.
        removed: usize,
    },
    /// No `.snap` yet: insta left a `.snap.new` alone.
    New,
    /// Same as the `.snap` in the work tree, which differs from the
    /// committed one (accepted, not committed).
    Uncommitted,
}

impl Surface {
    /// The table cell.
    fn cell(self) -> String {
        match self {
            Surface::NotChecked => "not checked".into(),
            Surface::CheckFailed => "check failed".into(),
            Surface::Unchanged => "unchanged".into(),
            Surface::Changed { added, removed } => format!("CHANGED +{added} -{removed}"),
            Surface::New => "NEW".into(),
            Surface::Uncommitted => "uncommitted".into(),
        }
    }
}

/// One row of the summary table: a version, what codegen did, its surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Version name (`2.16`, `preview`).
    pub version: String,
    /// Its feature, which names its snapshot (`v2_16`).
    pub feature: String,
    /// What codegen did.
    pub codegen: Codegen,
    /// How its surface compares with the committed snapshot.
    pub surface: Surface,
}

/// The summary regen ends with: the table (a row per version and a total,
/// `wall` being codegen's elapsed time), then what needs a look: failed
/// versions with their errors, and changed surfaces with the files to
/// review under `snapshots`.
pub fn render_summary(rows: &[Row], wall: Duration, snapshots: &str) -> String {
    let mut text = render_table(rows, wall);
    for row in rows {
        if let Codegen::Failed(e) = &row.codegen {
            let _ = writeln!(text, "codegen FAILED for {}: {e}", row.version);
        }
    }
    text.push_str(&render_surface_notes(rows, snapshots));
    text
}

/// The summary table: a two-line header, a row per version, a total row;
/// numbers right-aligned, each column as wide as its widest cell.
pub fn render_table(rows: &[Row], wall: Duration) -> String {
    const HEAD: [(&str, &str); 12] = [
        ("version", ""),
        ("operations", ""),
        ("types", ""),
        ("lines", ""),
        ("paginated", ""),
        ("overrides", "applied"),
        ("", "skipped"),
        ("lenient", "decodes"),
        ("typed", "bodies"),
        ("webhooks", "typed"),
        ("codegen", ""),
        ("surface", ""),
    ];
    const LAST: usize = HEAD.len() - 1;
    let ratio = |(done, of): (usize, usize)| format!("{}/{}", thousands(done), thousands(of));
    let figures = |s: &Summary, codegen: String| {
        vec![
            ratio((s.operations, s.spec_operations)),
            thousands(s.types),
            thousands(s.lines),
            thousands(s.paginated),
            thousands(s.overrides_applied),
            thousands(s.overrides_skipped),
            thousands(s.lenient_decodes),
            s.typed_bodies.map_or_else(|| "-".into(), ratio),
            ratio(s.webhooks),
            codegen,
        ]
    };
    // Each line: the version, then its figures or one message spanning
    // them (FAILED…), then the surface.
    let mut lines: Vec<(String, Result<Vec<String>, String>, String)> = Vec::new();
    let mut total = Summary::default();
    let mut typed = (0, 0);
    for row in rows {
        let middle = match &row.codegen {
            Codegen::Done(s) => {
                total.operations += s.operations;
                total.spec_operations += s.spec_operations;
                total.types += s.types;
                total.lines += s.lines;
                total.paginated += s.paginated;
                total.overrides_applied += s.overrides_applied;
                total.overrides_skipped += s.overrides_skipped;
                total.lenient_decodes += s.lenient_decodes;
                total.webhooks = (
                    total.webhooks.0 + s.webhooks.0,
                    total.webhooks.1 + s.webhooks.1,
                );
                if let Some((done, of)) = s.typed_bodies {
                    typed = (typed.0 + done, typed.1 + of);
                }
                Ok(figures(s, seconds(s.codegen)))
            }
            Codegen::Failed(_) => Err("FAILED (error below)".to_owned()),
            Codegen::NotRun => Err("not generated (--only)".to_owned()),
        };
        lines.push((row.version.clone(), middle, row.surface.cell()));
    }
    total.typed_bodies = Some(typed);
    let changed = rows
        .iter()
        .filter(|r| matches!(r.surface, Surface::Changed { .. } | Surface::New))
        .count();
    lines.push((
        "total".into(),
        Ok(figures(&total, format!("{} wall", seconds(wall)))),
        if changed > 0 {
            format!("{changed} changed")
        } else {
            String::new()
        },
    ));

    let mut widths: Vec<usize> = HEAD
        .iter()
        .map(|(a, b)| a.chars().count().max(b.chars().count()))
        .collect();
    for (version, middle, surface) in &lines {
        widths[0] = widths[0].max(version.chars().count());
        if let Ok(cells) = middle {
            for (i, cell) in cells.iter().enumerate() {
                widths[i + 1] = widths[i + 1].max(cell.chars().count());
            }
        }
        widths[LAST] = widths[LAST].max(surface.chars().count());
    }
    let pad = |cell: &str, i: usize| {
        let w = widths[i];
        // Version and surface are text; the columns between, numbers.
        if i == 0 || i == LAST {
            format!("{cell:<w$}")
        } else {
            format!("{cell:>w$}")
        }
    };
    let span = widths[1..LAST].iter().sum::<usize>() + 2 * (LAST - 2);
    let mut text = String::new();
    let mut emit = |cells: Vec<String>| {
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    };
    for part in [0, 1] {
        emit(
            HEAD.iter()
                .enumerate()
                .map(|(i, h)| pad(if part == 0 { h.0 } else { h.1 }, i))
                .collect(),
        );
    }
    for (version, middle, surface) in &lines {
        let mut cells = vec![pad(version, 0)];
        match middle {
            Ok(figures) => cells.extend(figures.iter().enumerate().map(|(i, c)| pad(c, i + 1))),
            Err(message) => cells.push(format!("{message:<span$}")),
        }
        cells.push(pad(surface, LAST));
        emit(cells);
    }
    text
}

/// What the surfaces need: the versions whose surface changed, each with
/// the files to review under `snapshots`, or one line saying none did.
pub fn render_surface_notes(rows: &[Row], snapshots: &str) -> String {
    let mut text = String::new();
    let mut changed = Vec::new();
    let mut files = Vec::new();
    let mut uncommitted = Vec::new();
    for row in rows {
        let snap = format!("{snapshots}/{}", snapshot_file(&row.feature));
        match row.surface {
            Surface::Changed { added, removed } => {
                changed.push(format!("{} (+{added} -{removed} lines)", row.version));
                files.push(format!("  {snap}.new  vs  {snap}"));
            }
            Surface::New => {
                changed.push(format!("{} (new)", row.version));
                files.push(format!("  {snap}.new  (no committed snapshot)"));
            }
            Surface::Uncommitted => uncommitted.push(format!("  {snap}")),
            _ => {}
        }
    }
    if !changed.is_empty() {
        let _ = writeln!(
            text,
            "API surface CHANGED: {}. Review with `cargo insta review` (accept, reject or skip each):",
            changed.join(", ")
        );
        for file in &files {
            let _ = writeln!(text, "{file}");
        }
    }
    if !uncommitted.is_empty() {
        let _ = writeln!(
            text,
            "API surface as accepted, but not committed (see `git diff`):"
        );
        for file in &uncommitted {
            let _ = writeln!(text, "{file}");
        }
    }
    let checked = rows.iter().any(|r| r.surface != Surface::NotChecked);
    if changed.is_empty() && uncommitted.is_empty() {
        let line = if rows.iter().any(|r| r.surface == Surface::CheckFailed) {
            "API surface not known: the surface check failed."
        } else if checked {
            "API surface unchanged: every snapshot matches the committed one."
        } else {
            "API surface not checked."
        };
        let _ = writeln!(text, "{line}");
    }
    text
}

/// `12345` as `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration as seconds with one decimal: `4.2 s`.
fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Writes every file (or block) that follows from `spec/versions.toml`:
/// the version crates' manifests, the feature and dependency tables, the
/// version macro and the README's table; removes crates of dropped versions.
/// Returns a line per change, or one saying there was none.
pub fn write_layout(root: &Path, manifest: &Manifest) -> Result<Vec<String>, String> {
    let package_version = codegen::derived_files::package_version(root)?;
    let mut changes = Vec::new();
    for piece in codegen::derived_files::pieces(manifest, &package_version) {
        if write_piece(root, &piece)? {
            changes.push(format!("wrote {}", piece.path.display()));
        }
    }
    for stale in codegen::derived_files::stale_crates(root, manifest) {
        fs::remove_dir_all(&stale).map_err(|e| format!("{}: {e}", stale.display()))?;
        changes.push(format!(
            "removed {} (no such version in spec/versions.toml)",
            stale.display()
        ));
    }
    if changes.is_empty() {
        changes.push("layout matches spec/versions.toml".into());
    }
    Ok(changes)
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
                    let mut inputs = codegen::load_inputs(&v.name, sources, &earlier, &mut read)?;
                    inputs.webhook_topics = codegen::webhook_topics::load(spec_dir)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(version: &str, operations: usize) -> Summary {
        Summary {
            version: version.into(),
            operations,
            spec_operations: operations + 1,
            types: 1234,
            lines: 98765,
            paginated: 12,
            overrides_applied: 300,
            overrides_skipped: 25,
            lenient_decodes: operations,
            typed_bodies: Some((30, 31)),
            webhooks: (71, 97),
            codegen: Duration::from_millis(4200),
        }
    }

    fn rows() -> Vec<Row> {
        vec![
            Row {
                version: "2.16".into(),
                feature: "v2_16".into(),
                codegen: Codegen::Done(summary("2.16", 120)),
                surface: Surface::Unchanged,
            },
            Row {
                version: "preview".into(),
                feature: "preview".into(),
                codegen: Codegen::Done(summary("preview", 300)),
                surface: Surface::Changed {
                    added: 12,
                    removed: 3,
                },
            },
            Row {
                version: "2.7".into(),
                feature: "v2_7".into(),
                codegen: Codegen::Failed("typify: X is odd".into()),
                surface: Surface::NotChecked,
            },
        ]
    }

    #[test]
    fn the_table_has_a_row_per_version_and_a_total() {
        let table = render_table(&rows(), Duration::from_millis(9050));
        let expected = [
            "version  operations  types    lines  paginated  overrides           lenient   typed  webhooks     codegen  surface",
            "                                                  applied  skipped  decodes  bodies     typed",
            "2.16        120/121  1,234   98,765         12        300       25      120   30/31     71/97       4.2 s  unchanged",
            "preview     300/301  1,234   98,765         12        300       25      300   30/31     71/97       4.2 s  CHANGED +12 -3",
            "2.7      FAILED (error below)                                                                              not checked",
            "total       420/422  2,468  197,530         24        600       50      420   60/62   142/194  9.1 s wall  1 changed",
        ];
        assert_eq!(table, expected.join("\n") + "\n");
    }

    #[test]
    fn the_summary_names_failures_and_the_snapshots_to_review() {
        let summary = render_summary(&rows(), Duration::from_millis(9050), SNAPSHOTS);
        let notes: Vec<&str> = summary.lines().skip(6).collect();
        assert_eq!(
            notes,
            [
                "codegen FAILED for 2.7: typify: X is odd",
                "API surface CHANGED: preview (+12 -3 lines). Review with `cargo insta review` (accept, reject or skip each):",
                "  tests/tests/snapshots/surface__preview.snap.new  vs  tests/tests/snapshots/surface__preview.snap",
            ]
        );
    }

    #[test]
    fn surface_notes_say_what_each_state_needs() {
        let mut rows = rows();
        rows.truncate(2);
        rows[0].surface = Surface::New;
        rows[1].surface = Surface::Uncommitted;
        assert_eq!(
            render_surface_notes(&rows, "snaps"),
            "API surface CHANGED: 2.16 (new). Review with `cargo insta review` (accept, reject or skip each):\n  \
             snaps/surface__v2_16.snap.new  (no committed snapshot)\n\
             API surface as accepted, but not committed (see `git diff`):\n  \
             snaps/surface__preview.snap\n"
        );
        let line = |surface| {
            let rows: Vec<Row> = rows
                .iter()
                .map(|r| Row {
                    surface,
                    ..r.clone()
                })
                .collect();
            render_surface_notes(&rows, "snaps")
        };
        assert_eq!(
            line(Surface::Unchanged),
            "API surface unchanged: every snapshot matches the committed one.\n"
        );
        assert_eq!(line(Surface::NotChecked), "API surface not checked.\n");
        assert_eq!(
            line(Surface::CheckFailed),
            "API surface not known: the surface check failed.\n"
        );
    }

    #[test]
    fn a_surface_is_changed_where_insta_left_a_pending_snapshot() {
        let snap =
            |body: &str| format!("---\nsource: tests/tests/surface.rs\nexpression: x\n---\n{body}");
        let (old, new) = (snap("a\nb\nc\n"), snap("a\nc\nd\ne\n"));
        assert_eq!(
            decide_surface(Some(&old), Some(&new), false),
            Surface::Changed {
                added: 2,
                removed: 1
            }
        );
        assert_eq!(decide_surface(None, Some(&new), false), Surface::New);
        assert_eq!(decide_surface(Some(&old), None, false), Surface::Unchanged);
        assert_eq!(decide_surface(Some(&old), None, true), Surface::Uncommitted);
        assert_eq!(snapshot_body(&old), "a\nb\nc\n");
        assert_eq!(snapshot_body("no header\n"), "no header\n");
        // A moved line is neither added nor removed; a repeated one counts.
        assert_eq!(line_changes("a\nb\n", "b\na\na\n"), (1, 0));
    }

    #[test]
    fn numbers_read_easily() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(seconds(Duration::from_millis(4249)), "4.2 s");
    }

    #[test]
    fn api_changes_are_listed_under_the_table() {
        assert_eq!(
            render_api_changes(&[]),
            "API changes: none against MIGRATING.md as written\n"
        );
        let text = render_api_changes(&[
            "2.15 → 2.16: 1 breaking (1 operation removed); 0 additive (none)".into(),
        ]);
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(
            text.ends_with(
                "\n  2.15 → 2.16: 1 breaking (1 operation removed); 0 additive (none)\n"
            ),
            "{text}"
        );
        assert!(text.contains(REPORT_FILE), "{text}");
    }
}
