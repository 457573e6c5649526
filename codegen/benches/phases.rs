//! `cargo bench -p intercom-codegen --bench phases`: prints, from one run,
//! codegen milliseconds per API version for each phase (parse, normalise,
//! generate, format; medians of N runs), with spec operations and output
//! lines, and each version's growth relative to 2.7 — does codegen time grow
//! with the spec, or faster?
//!
//! Options (after `--`): `--iterations N` (default 3, or
//! `CODEGEN_BENCH_ITERATIONS`) and `--only VERSION` (e.g. `--only 2.16`).
//! Versions run one after another on one thread, so each row is a solo timing.
//!
//! Under `cargo test` (no `--bench` argument) it runs once on 2.7 only, so the
//! target stays compiled and working.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use codegen::{Manifest, Timings};

/// Ratios are relative to this version (the oldest and smallest spec).
const BASELINE: &str = "2.7";

struct Row {
    version: String,
    spec_operations: usize,
    lines: usize,
    /// Medians, ms: parse, normalise, generate, format, total.
    ms: [f64; 5],
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn phases(t: &Timings) -> [Duration; 5] {
    [t.parse, t.normalise, t.generate, t.format, t.total()]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let iterations: usize = match flag("--iterations")
        .or_else(|| std::env::var("CODEGEN_BENCH_ITERATIONS").ok())
    {
        Some(n) => match n.parse() {
            Ok(n) if n > 0 => n,
            _ => {
                eprintln!(
                    "--iterations / CODEGEN_BENCH_ITERATIONS must be a positive integer, got `{n}`"
                );
                return ExitCode::FAILURE;
            }
        },
        None if bench => 3,
        None => 1,
    };
    let only = flag("--only").or_else(|| (!bench).then(|| BASELINE.to_owned()));

    let spec_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let manifest = match Manifest::load(&spec_dir.join("versions.toml")) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let versions: Vec<_> = manifest
        .versions
        .iter()
        .filter(|v| {
            only.as_deref()
                .is_none_or(|o| v.name == o || v.feature == o)
        })
        .collect();
    if versions.is_empty() {
        eprintln!(
            "no version `{}` in spec/versions.toml",
            only.unwrap_or_default()
        );
        return ExitCode::FAILURE;
    }

    let mut rows = Vec::new();
    for version in versions {
        let path = version.local_path(&spec_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!(
                    "{}: {e}; run `cargo xtask fetch-specs` to download the specs",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
        };
        let sources = manifest.override_sources();
        let mut read =
            |file: &codegen::versions::Pinned| codegen::versions::read_local(&spec_dir, file);
        let earlier = manifest.earlier_sources(&version.name);
        let inputs = match codegen::load_inputs(&version.name, &sources, &earlier, &mut read) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
        let mut samples: [Vec<f64>; 5] = Default::default();
        let mut report = None;
        for _ in 0..iterations {
            let out = match codegen::generate(version, &text, &inputs) {
                Ok(out) => out,
                Err(e) => {
                    eprintln!("version {}: {e}", version.name);
                    return ExitCode::FAILURE;
                }
            };
            for (s, d) in samples.iter_mut().zip(phases(&out.report.timings)) {
                s.push(d.as_secs_f64() * 1e3);
            }
            report = Some(out.report);
        }
        let report = report.expect("at least one iteration");
        rows.push(Row {
            version: version.name.clone(),
            spec_operations: report.spec_operations,
            lines: report.lines,
            ms: samples.map(median),
        });
    }

    let build = if cfg!(debug_assertions) {
        " (debug build)"
    } else {
        ""
    };
    println!(
        "codegen phases{build}: median ms of {iterations} run(s) per version, one version at a time"
    );
    println!("version    ops   lines    parse normalise generate   format    total ms/1k lines");
    let print = |name: &str, ops: usize, lines: usize, ms: &[f64; 5]| {
        println!(
            "{name:<8} {ops:>5} {lines:>7} {:>8.1} {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>11.2}",
            ms[0],
            ms[1],
            ms[2],
            ms[3],
            ms[4],
            ms[4] * 1000.0 / lines as f64
        );
    };
    for r in &rows {
        print(&r.version, r.spec_operations, r.lines, &r.ms);
    }
    // The total row sums the per-version medians: codegen of every version.
    if rows.len() > 1 {
        let mut sum = [0.0; 5];
        for r in &rows {
            sum.iter_mut().zip(r.ms).for_each(|(s, m)| *s += m);
        }
        let ops = rows.iter().map(|r| r.spec_operations).sum();
        let lines = rows.iter().map(|r| r.lines).sum();
        print("total", ops, lines, &sum);
    }

    let Some(base) = rows.iter().find(|r| r.version == BASELINE) else {
        return ExitCode::SUCCESS;
    };
    if rows.len() > 1 {
        println!();
        println!(
            "growth relative to {BASELINE} (time ratio ≈ lines ratio means codegen scales linearly with output)"
        );
        println!("version      ops ×     lines ×     time ×");
        for r in &rows {
            println!(
                "{:<8} {:>9.2} {:>11.2} {:>10.2}",
                r.version,
                r.spec_operations as f64 / base.spec_operations as f64,
                r.lines as f64 / base.lines as f64,
                r.ms[4] / base.ms[4]
            );
        }
    }
    ExitCode::SUCCESS
}
