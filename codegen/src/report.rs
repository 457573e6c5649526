//! What codegen did to one version, for `cargo xtask regen` and build logs.

use std::fmt;
use std::time::Duration;

use crate::model::{CallName, Dropped, NameSource, Paging};
use crate::spec::inherit_paging_params::Inherited;
use crate::spec::normalise::Applied;
use crate::spec::overrides;
use crate::syntax::passes;

/// Time spent in each codegen phase.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// YAML parse.
    pub parse: Duration,
    /// All normalisations.
    pub normalise: Duration,
    /// progenitor plus our post-passes.
    pub generate: Duration,
    /// prettyplease.
    pub format: Duration,
}

impl Timings {
    /// Sum of all phases.
    pub fn total(&self) -> Duration {
        self.parse + self.normalise + self.generate + self.format
    }
}

/// Per-version codegen report.
#[derive(Debug, Clone)]
pub struct Report {
    /// Version name (`2.11`, `preview`).
    pub version: String,
    /// Operations in the published spec.
    pub spec_operations: usize,
    /// Operations generated.
    pub operations: usize,
    /// Types generated.
    pub types: usize,
    /// What each of Intercom's override files did.
    pub overrides: Vec<overrides::Report>,
    /// Position parameters taken from earlier versions.
    pub inherited: Vec<Inherited>,
    /// Each normalisation and how many places it touched.
    pub applied: Vec<Applied>,
    /// Each syntax pass and what it did.
    pub passes: Vec<passes::Applied>,
    /// Operations that could not be generated.
    pub dropped: Vec<Dropped>,
    /// Each list operation (`operationId`) and how it pages, or why not.
    pub paging: Vec<(String, Paging)>,
    /// Every operation's call on the grouped client.
    pub calls: Vec<CallName>,
    /// Lines of formatted Rust.
    pub lines: usize,
    /// Webhook topics whose item decodes into a generated type, and all
    /// the version's topics (`mod webhooks`).
    pub webhooks: (usize, usize),
    /// Phase timings.
    pub timings: Timings,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_millis();
        writeln!(
            f,
            "{}: {}/{} operations, {} types, {} lines; codegen {} ms (parse {}, normalise {}, generate {}, format {})",
            self.version,
            self.operations,
            self.spec_operations,
            self.types,
            self.lines,
            ms(self.timings.total()),
            ms(self.timings.parse),
            ms(self.timings.normalise),
            ms(self.timings.generate),
            ms(self.timings.format),
        )?;
        writeln!(
            f,
            "  webhooks: {} topics, {} typed (the rest carry JSON)",
            self.webhooks.1, self.webhooks.0
        )?;
        for o in &self.overrides {
            write!(f, "{o}")?;
        }
        for i in &self.inherited {
            writeln!(
                f,
                "  inherited from {}: {} takes {}",
                i.from,
                i.operation,
                i.params.join(", ")
            )?;
        }
        let touched: Vec<String> = self
            .applied
            .iter()
            .filter(|a| a.count > 0)
            .map(|a| format!("{}×{}", a.name, a.count))
            .collect();
        writeln!(
            f,
            "  normalised: {}",
            if touched.is_empty() {
                "nothing".into()
            } else {
                touched.join(", ")
            }
        )?;
        let passes: Vec<String> = self
            .passes
            .iter()
            .map(|p| format!("{}×{}", p.name, p.count))
            .collect();
        writeln!(f, "  passes: {}", passes.join(", "))?;
        for line in self.passes.iter().flat_map(|p| &p.detail) {
            writeln!(f, "    {line}")?;
        }
        if self.dropped.is_empty() {
            writeln!(f, "  dropped: none")?;
        }
        for d in &self.dropped {
            writeln!(
                f,
                "  dropped: {} {} {} ({})",
                d.operation_id, d.method, d.path, d.reason
            )?;
        }
        let by = |source: NameSource| self.calls.iter().filter(|c| c.source == source).count();
        let groups: std::collections::BTreeSet<&String> =
            self.calls.iter().filter_map(|c| c.groups.first()).collect();
        writeln!(
            f,
            "  grouped calls: {} in {} groups; named by Intercom's SDK names {}, by tag {}, pinned {}",
            self.calls.len(),
            groups.len(),
            by(NameSource::Fern),
            by(NameSource::Tag),
            by(NameSource::Pinned),
        )?;
        let paginated = self.paginated();
        writeln!(
            f,
            "  paginated: {paginated} operations; {} look paginated but are not handled",
            self.paging.len() - paginated
        )?;
        for (id, paging) in &self.paging {
            writeln!(f, "    {id}: {paging}")?;
        }
        Ok(())
    }
}

impl Report {
    /// Operations with a generated paginator.
    pub fn paginated(&self) -> usize {
        self.paging
            .iter()
            .filter(|(_, p)| matches!(p, Paging::Paginated(_)))
            .count()
    }

    /// This version's figures at a glance, for `cargo xtask regen`'s summary
    /// table (the [`Display`](fmt::Display) form is the full detail).
    pub fn summary(&self) -> Summary {
        let pass = |name: &str| self.passes.iter().find(|p| p.name == name);
        Summary {
            version: self.version.clone(),
            operations: self.operations,
            spec_operations: self.spec_operations,
            types: self.types,
            lines: self.lines,
            paginated: self.paginated(),
            overrides_applied: self.overrides.iter().map(|o| o.applied.len()).sum(),
            overrides_skipped: self.overrides.iter().map(|o| o.skipped.len()).sum(),
            lenient_decodes: pass(LENIENT_DECODES).map_or(0, |p| p.count),
            typed_bodies: pass(CONSTRUCTORS).and_then(|p| {
                p.detail
                    .iter()
                    .find_map(|line| parse_ratio(line.strip_prefix(TYPED_BODIES)?))
            }),
            webhooks: self.webhooks,
            codegen: self.timings.total(),
        }
    }
}

/// The syntax pass that makes every `send()` decode leniently; its count is
/// the version's lenient decode sites.
const LENIENT_DECODES: &str = "lenient_decodes";
/// The syntax pass that writes request bodies' constructors, and the prefix
/// of its detail line counting the bodies it typed.
const CONSTRUCTORS: &str = "constructors";
/// See [`CONSTRUCTORS`].
const TYPED_BODIES: &str = "typed bodies: ";

/// `"12/14"` as `(12, 14)`.
fn parse_ratio(text: &str) -> Option<(usize, usize)> {
    let (done, of) = text.split_once('/')?;
    Some((done.trim().parse().ok()?, of.trim().parse().ok()?))
}

/// One version's figures at a glance: what `cargo xtask regen` puts in a
/// row of its summary table. Built by [`Report::summary`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Version name (`2.11`, `preview`).
    pub version: String,
    /// Operations generated.
    pub operations: usize,
    /// Operations in the published spec.
    pub spec_operations: usize,
    /// Types generated.
    pub types: usize,
    /// Lines of formatted Rust.
    pub lines: usize,
    /// Operations with a generated paginator.
    pub paginated: usize,
    /// Units of Intercom's override files applied, over all files.
    pub overrides_applied: usize,
    /// Units of Intercom's override files skipped, over all files.
    pub overrides_skipped: usize,
    /// `send()`s rewritten to decode leniently (the `lenient_decodes` pass).
    pub lenient_decodes: usize,
    /// Request bodies with typed constructors, of all request bodies
    /// (the `constructors` pass's "typed bodies: N/N").
    pub typed_bodies: Option<(usize, usize)>,
    /// Webhook topics typed, of all the version's topics.
    pub webhooks: (usize, usize),
    /// Codegen time (every phase).
    pub codegen: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_adds_up_override_files_and_reads_the_passes() {
        let applied = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        let report = Report {
            version: "2.16".into(),
            spec_operations: 3,
            operations: 2,
            types: 7,
            overrides: vec![
                overrides::Report {
                    applied: applied(&["GET /a", "schema b"]),
                    skipped: vec![("GET /c".into(), overrides::Skip::Absent)],
                    ..overrides::Report::default()
                },
                overrides::Report {
                    applied: applied(&["GET /d"]),
                    ..overrides::Report::default()
                },
            ],
            inherited: Vec::new(),
            applied: Vec::new(),
            passes: vec![
                passes::Applied {
                    name: CONSTRUCTORS,
                    count: 4,
                    detail: vec!["typed bodies: 5/6".into(), "constructors: 9".into()],
                },
                passes::Applied {
                    name: LENIENT_DECODES,
                    count: 2,
                    detail: Vec::new(),
                },
            ],
            dropped: Vec::new(),
            paging: Vec::new(),
            calls: Vec::new(),
            lines: 100,
            webhooks: (3, 4),
            timings: Timings {
                parse: Duration::from_millis(5),
                format: Duration::from_millis(7),
                ..Timings::default()
            },
        };
        assert_eq!(
            report.summary(),
            Summary {
                version: "2.16".into(),
                operations: 2,
                spec_operations: 3,
                types: 7,
                lines: 100,
                paginated: 0,
                overrides_applied: 3,
                overrides_skipped: 1,
                lenient_decodes: 2,
                typed_bodies: Some((5, 6)),
                webhooks: (3, 4),
                codegen: Duration::from_millis(12),
            }
        );
    }

    #[test]
    fn the_summary_reads_passes_that_exist() {
        for name in [LENIENT_DECODES, CONSTRUCTORS] {
            assert!(passes::ALL.iter().any(|p| p.name == name), "{name}");
        }
        assert_eq!(parse_ratio("12/14"), Some((12, 14)));
        assert_eq!(parse_ratio("12"), None);
    }
}
