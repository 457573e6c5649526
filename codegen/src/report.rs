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
}
