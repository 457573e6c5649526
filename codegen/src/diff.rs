//! What changed for a Rust caller between two versions' API models
//! ([`crate::api::ApiModel`]), each change classified as breaking or
//! additive, rendered as Markdown (`cargo xtask diff`, `MIGRATING.md`).
//!
//! # Classification rules
//!
//! The generated code decides them. Payload structs are exhaustive (no
//! `#[non_exhaustive]`) with public fields, enums are exhaustive (string
//! enums a response reaches carry an `Unrecognized(String)` catch-all, but a
//! `match` that names every variant still has to name a new one), every
//! request body has a typed constructor `new(required…)` with one setter per
//! optional field, the grouped call takes the path's parameters as
//! arguments, and every other parameter has a builder setter that takes the
//! inner type whether the parameter is optional or not. So we assume a
//! caller *builds* requests through `new` and setters and *reads* responses
//! (field access, `match`). Building a payload struct by literal breaks on
//! any new field and is not covered: use the constructors.
//!
//! Breaking:
//! - an operation removed (its call is gone; a route renamed shows as
//!   removed and added, the removal naming the new call);
//! - a parameter removed or retyped; a new required parameter (a new path
//!   parameter is a new argument, a new query one fails at `send()` until
//!   set); a parameter made required;
//! - a body removed, added with required fields, or of another type; a
//!   success type removed or renamed (code naming `types::Old` breaks); a
//!   paginator removed, or paging other items;
//! - a named type removed, or turned into another kind (struct, enum,
//!   alias), or an alias retargeted;
//! - a field removed or retyped, or made required or optional (a request's
//!   `new()` gains or loses an argument, a response's `Option<T>` becomes
//!   `T` or the reverse); a required field added to a type a request
//!   reaches (`new()` gains an argument);
//! - a variant removed or carrying something else; a variant added to an
//!   enum a response reaches (exhaustive `match`).
//!
//! Additive: an operation, a named type, an optional parameter, an
//! optional field, a field of a type only responses reach, a variant of an
//! enum only requests reach, a paginator or a success payload added; a
//! parameter made optional (its setter is unchanged); a path parameter
//! renamed (positional in the grouped call); paging by another shape over
//! the same items.
//!
//! A type both requests and responses reach gets the stricter verdict.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};

use crate::api::{ApiField, ApiModel, ApiOperation, ApiParam, ApiType, ApiVariant, TypeShape};

/// How a change affects a Rust caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Code that compiled and worked may not any more.
    Breaking,
    /// Code that compiled keeps compiling and working.
    Additive,
}

/// What kind of change, for the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// An operation added.
    OperationAdded,
    /// An operation removed.
    OperationRemoved,
    /// A parameter added.
    ParamAdded,
    /// A parameter removed.
    ParamRemoved,
    /// A parameter's type changed.
    ParamRetyped,
    /// A path parameter renamed (same position in the grouped call).
    ParamRenamed,
    /// A parameter made required or optional.
    ParamRequiredness,
    /// A request body added, removed or of another type.
    Body,
    /// A success payload added, removed or of another type.
    Success,
    /// A paginator added, removed or changed.
    Paging,
    /// A named type added.
    TypeAdded,
    /// A named type removed.
    TypeRemoved,
    /// A named type turned into another kind, or an alias retargeted.
    TypeRetyped,
    /// A field added.
    FieldAdded,
    /// A field removed.
    FieldRemoved,
    /// A field's type changed.
    FieldRetyped,
    /// A field made required or optional.
    FieldRequiredness,
    /// A variant added.
    VariantAdded,
    /// A variant removed.
    VariantRemoved,
    /// A variant carries something else.
    VariantRetyped,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 20] = [
        Kind::OperationAdded,
        Kind::OperationRemoved,
        Kind::ParamAdded,
        Kind::ParamRemoved,
        Kind::ParamRetyped,
        Kind::ParamRenamed,
        Kind::ParamRequiredness,
        Kind::Body,
        Kind::Success,
        Kind::Paging,
        Kind::TypeAdded,
        Kind::TypeRemoved,
        Kind::TypeRetyped,
        Kind::FieldAdded,
        Kind::FieldRemoved,
        Kind::FieldRetyped,
        Kind::FieldRequiredness,
        Kind::VariantAdded,
        Kind::VariantRemoved,
        Kind::VariantRetyped,
    ];
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::OperationAdded => "operation added",
            Kind::OperationRemoved => "operation removed",
            Kind::ParamAdded => "parameter added",
            Kind::ParamRemoved => "parameter removed",
            Kind::ParamRetyped => "parameter retyped",
            Kind::ParamRenamed => "path parameter renamed",
            Kind::ParamRequiredness => "parameter required-ness",
            Kind::Body => "request body",
            Kind::Success => "success type",
            Kind::Paging => "pagination",
            Kind::TypeAdded => "type added",
            Kind::TypeRemoved => "type removed",
            Kind::TypeRetyped => "type retyped",
            Kind::FieldAdded => "field added",
            Kind::FieldRemoved => "field removed",
            Kind::FieldRetyped => "field retyped",
            Kind::FieldRequiredness => "field required-ness",
            Kind::VariantAdded => "variant added",
            Kind::VariantRemoved => "variant removed",
            Kind::VariantRetyped => "variant retyped",
        })
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// The section it is listed under: an operation's first group
    /// (`contacts`), or, for a type, the one group whose operations reach
    /// it ([`SHARED`] when several do).
    pub group: String,
    /// What changed: a call (`contacts.list`) or a type (`types::Contact`).
    pub subject: String,
    /// Its kind.
    pub kind: Kind,
    /// Breaking or additive.
    pub impact: Impact,
    /// One line saying what changed.
    pub detail: String,
}

/// The section of types that operations of several groups reach.
pub const SHARED: &str = "(shared types)";

/// Every change from `old` to `new`, sorted by group, subject and kind.
pub fn diff(old: &ApiModel, new: &ApiModel) -> Vec<Change> {
    let mut changes = Vec::new();
    operations(old, new, &mut changes);
    let old_groups = type_groups(old);
    let new_groups = type_groups(new);
    let names: BTreeSet<&String> = old.types.keys().chain(new.types.keys()).collect();
    for name in names {
        let groups: BTreeSet<&str> = [&old_groups, &new_groups]
            .iter()
            .filter_map(|g| g.get(name.as_str()))
            .flatten()
            .copied()
            .collect();
        let group = match groups.len() {
            1 => groups.first().copied().unwrap_or(SHARED).to_owned(),
            _ => SHARED.to_owned(),
        };
        let mut push = |kind, impact, detail: String| {
            changes.push(Change {
                group: group.clone(),
                subject: format!("types::{name}"),
                kind,
                impact,
                detail,
            });
        };
        match (old.types.get(name), new.types.get(name)) {
            (Some(_), None) => push(Kind::TypeRemoved, Impact::Breaking, "removed".into()),
            (None, Some(t)) => push(
                Kind::TypeAdded,
                Impact::Additive,
                format!("added ({})", shape_name(&t.shape)),
            ),
            (Some(a), Some(b)) => {
                for (kind, impact, detail) in type_changes(a, b) {
                    push(kind, impact, detail);
                }
            }
            (None, None) => {}
        }
    }
    changes.sort();
    changes
}

/// The operations' changes.
fn operations(old: &ApiModel, new: &ApiModel, changes: &mut Vec<Change>) {
    let calls: BTreeSet<&String> = old.operations.keys().chain(new.operations.keys()).collect();
    for call in calls {
        let group = call.split('.').next().unwrap_or(call).to_owned();
        let mut push = |kind, impact, detail: String| {
            changes.push(Change {
                group: group.clone(),
                subject: call.clone(),
                kind,
                impact,
                detail,
            });
        };
        match (old.operations.get(call), new.operations.get(call)) {
            (Some(a), None) => {
                let now = new
                    .operations
                    .iter()
                    .find(|(_, b)| b.method == a.method && shape(&b.path) == shape(&a.path))
                    .map_or_else(String::new, |(name, _)| format!(", now `{name}`"));
                push(
                    Kind::OperationRemoved,
                    Impact::Breaking,
                    format!("removed (`{} {}`{now})", a.method, a.path),
                );
            }
            (None, Some(b)) => push(
                Kind::OperationAdded,
                Impact::Additive,
                format!("added (`{} {}`)", b.method, b.path),
            ),
            (Some(a), Some(b)) => {
                for (kind, impact, detail) in operation_changes(a, b, old, new) {
                    push(kind, impact, detail);
                }
            }
            (None, None) => {}
        }
    }
}

/// `/a/{id}/b` → `/a/{}/b`.
fn shape(path: &str) -> String {
    crate::model::template_shape(path)
}

/// What changed in one operation, `a` of `old` and `b` of `new` (the
/// models tell whether a new body has required fields, and how a renamed
/// type's fields compare).
fn operation_changes(
    a: &ApiOperation,
    b: &ApiOperation,
    old: &ApiModel,
    new: &ApiModel,
) -> Vec<(Kind, Impact, String)> {
    let mut out = Vec::new();
    let path_params = |op: &ApiOperation| -> Vec<ApiParam> {
        op.params
            .iter()
            .filter(|p| p.location.as_deref() == Some("path"))
            .cloned()
            .collect()
    };
    let (old_path, new_path) = (path_params(a), path_params(b));
    // Path parameters are positional arguments of the grouped call.
    for (i, p) in new_path.iter().enumerate() {
        match old_path.get(i) {
            None => out.push((
                Kind::ParamAdded,
                Impact::Breaking,
                format!(
                    "path parameter `{}: {}` added (a new argument of the call)",
                    p.name, p.ty
                ),
            )),
            Some(q) if q.ty != p.ty => out.push((
                Kind::ParamRetyped,
                Impact::Breaking,
                format!("path parameter `{}`: `{}` → `{}`", p.name, q.ty, p.ty),
            )),
            Some(q) if q.name != p.name => out.push((
                Kind::ParamRenamed,
                Impact::Additive,
                format!(
                    "path parameter `{}` renamed `{}` (same position in the call)",
                    q.name, p.name
                ),
            )),
            Some(_) => {}
        }
    }
    for q in old_path.iter().skip(new_path.len()) {
        out.push((
            Kind::ParamRemoved,
            Impact::Breaking,
            format!("path parameter `{}` removed (one argument fewer)", q.name),
        ));
    }
    let others = |op: &ApiOperation| -> BTreeMap<String, ApiParam> {
        op.params
            .iter()
            .filter(|p| p.location.as_deref() != Some("path"))
            .map(|p| (p.name.clone(), p.clone()))
            .collect()
    };
    let (old_rest, new_rest) = (others(a), others(b));
    for (name, p) in &new_rest {
        let place = p.location.as_deref().unwrap_or("other");
        match old_rest.get(name) {
            None if p.required => out.push((
                Kind::ParamAdded,
                Impact::Breaking,
                format!(
                    "required {place} parameter `{name}: {}` added (`send()` fails until it is set)",
                    p.ty
                ),
            )),
            None => out.push((
                Kind::ParamAdded,
                Impact::Additive,
                format!("optional {place} parameter `{name}: {}` added", p.ty),
            )),
            Some(q) => {
                if q.ty != p.ty {
                    out.push((
                        Kind::ParamRetyped,
                        Impact::Breaking,
                        format!("{place} parameter `{name}`: `{}` → `{}`", q.ty, p.ty),
                    ));
                }
                if q.required != p.required {
                    out.push(if p.required {
                        (
                            Kind::ParamRequiredness,
                            Impact::Breaking,
                            format!(
                                "{place} parameter `{name}` now required (`send()` fails until it is set)"
                            ),
                        )
                    } else {
                        (
                            Kind::ParamRequiredness,
                            Impact::Additive,
                            format!("{place} parameter `{name}` now optional"),
                        )
                    });
                }
            }
        }
    }
    for (name, q) in &old_rest {
        if !new_rest.contains_key(name) {
            let place = q.location.as_deref().unwrap_or("other");
            out.push((
                Kind::ParamRemoved,
                Impact::Breaking,
                format!("{place} parameter `{name}` removed (its setter is gone)"),
            ));
        }
    }
    match (&a.body, &b.body) {
        (Some(x), None) => out.push((
            Kind::Body,
            Impact::Breaking,
            format!("request body `{x}` removed (`.body()` is gone)"),
        )),
        (None, Some(y)) => {
            let required = new.types.get(y).is_none_or(|t| match &t.shape {
                TypeShape::Struct(fields) => fields.iter().any(|f| f.required),
                _ => true,
            });
            out.push(if required {
                (
                    Kind::Body,
                    Impact::Breaking,
                    format!("request body `{y}` added, with required fields"),
                )
            } else {
                (
                    Kind::Body,
                    Impact::Additive,
                    format!("request body `{y}` added, every field optional"),
                )
            });
        }
        (Some(x), Some(y)) if x != y => out.push((
            Kind::Body,
            Impact::Breaking,
            format!("request body `{x}` → `{y}`{}", compare(old, x, new, y)),
        )),
        _ => {}
    }
    match (&a.success, &b.success) {
        (Some(x), None) => out.push((
            Kind::Success,
            Impact::Breaking,
            format!("success payload `{x}` removed"),
        )),
        (None, Some(y)) => out.push((
            Kind::Success,
            Impact::Additive,
            format!("success payload `{y}` added"),
        )),
        (Some(x), Some(y)) if x != y => out.push((
            Kind::Success,
            Impact::Breaking,
            format!("success type `{x}` → `{y}`{}", compare(old, x, new, y)),
        )),
        _ => {}
    }
    match (&a.paging, &b.paging) {
        (Some(x), None) => out.push((
            Kind::Paging,
            Impact::Breaking,
            format!("no longer paginated (was {x})"),
        )),
        (None, Some(y)) => out.push((
            Kind::Paging,
            Impact::Additive,
            format!("now paginated ({y})"),
        )),
        (Some(x), Some(y)) if x != y => {
            let items = |p: &str| p.split_once(", ").map(|(_, i)| i.to_owned());
            let impact = if items(x) == items(y) {
                Impact::Additive
            } else {
                Impact::Breaking
            };
            out.push((Kind::Paging, impact, format!("paging {x} → {y}")));
        }
        _ => {}
    }
    out
}

/// How the fields of struct `x` of `old` compare with those of struct `y`
/// of `new`, for a renamed body or success type: ` (same fields)`,
/// ` (fields: +a, -b, ~c)` (a few names, then a count), or nothing when
/// either is not a struct of its model.
fn compare(old: &ApiModel, x: &str, new: &ApiModel, y: &str) -> String {
    let fields = |m: &ApiModel, name: &str| match m.types.get(name).map(|t| &t.shape) {
        Some(TypeShape::Struct(f)) => Some(f.clone()),
        _ => None,
    };
    let (Some(before), Some(after)) = (fields(old, x), fields(new, y)) else {
        return String::new();
    };
    let mut marks = Vec::new();
    for f in &after {
        match before.iter().find(|g| g.name == f.name) {
            None => marks.push(format!("+{}", f.name)),
            Some(g) if g != f => marks.push(format!("~{}", f.name)),
            Some(_) => {}
        }
    }
    for g in &before {
        if !after.iter().any(|f| f.name == g.name) {
            marks.push(format!("-{}", g.name));
        }
    }
    const SHOWN: usize = 6;
    match marks.len() {
        0 => " (same fields)".to_owned(),
        n if n <= SHOWN => format!(" (fields: {})", marks.join(", ")),
        n => format!(
            " (fields: {}, and {} more)",
            marks[..SHOWN].join(", "),
            n - SHOWN
        ),
    }
}

/// `struct`, `enum` or `alias`.
fn shape_name(shape: &TypeShape) -> &'static str {
    match shape {
        TypeShape::Struct(_) => "struct",
        TypeShape::Enum(_) => "enum",
        TypeShape::Alias(_) => "alias",
    }
}

/// What changed in one named type present in both versions.
fn type_changes(a: &ApiType, b: &ApiType) -> Vec<(Kind, Impact, String)> {
    let request = a.direction.request || b.direction.request;
    let response = a.direction.response || b.direction.response;
    let mut out = Vec::new();
    match (&a.shape, &b.shape) {
        (TypeShape::Struct(x), TypeShape::Struct(y)) => out.extend(field_changes(x, y, request)),
        (TypeShape::Enum(x), TypeShape::Enum(y)) => out.extend(variant_changes(x, y, response)),
        (TypeShape::Alias(x), TypeShape::Alias(y)) if x != y => out.push((
            Kind::TypeRetyped,
            Impact::Breaking,
            format!("alias of `{x}` → `{y}`"),
        )),
        (TypeShape::Alias(_), TypeShape::Alias(_)) => {}
        (x, y) => out.push((
            Kind::TypeRetyped,
            Impact::Breaking,
            format!("{} → {}", shape_name(x), shape_name(y)),
        )),
    }
    out
}

/// A field as the report writes it: `name: T` or `name: Option<T>`.
fn field_text(f: &ApiField) -> String {
    if f.required {
        format!("{}: {}", f.name, f.ty)
    } else {
        format!("{}: Option<{}>", f.name, f.ty)
    }
}

/// Field changes of a struct; `request` says whether a request reaches it.
fn field_changes(old: &[ApiField], new: &[ApiField], request: bool) -> Vec<(Kind, Impact, String)> {
    let mut out = Vec::new();
    for f in new {
        match old.iter().find(|g| g.name == f.name) {
            None if f.required && request => out.push((
                Kind::FieldAdded,
                Impact::Breaking,
                format!(
                    "required field `{}` added (`new()` takes it)",
                    field_text(f)
                ),
            )),
            None => out.push((
                Kind::FieldAdded,
                Impact::Additive,
                format!("field `{}` added", field_text(f)),
            )),
            Some(g) if g.ty != f.ty => out.push((
                Kind::FieldRetyped,
                Impact::Breaking,
                format!("field `{}`: `{}` → `{}`", f.name, g.ty, f.ty),
            )),
            Some(g) if g.required != f.required => out.push((
                Kind::FieldRequiredness,
                Impact::Breaking,
                format!(
                    "field `{}` now {} (`{}` → `{}`)",
                    f.name,
                    if f.required { "required" } else { "optional" },
                    field_text(g),
                    field_text(f)
                ),
            )),
            Some(_) => {}
        }
    }
    for g in old {
        if !new.iter().any(|f| f.name == g.name) {
            out.push((
                Kind::FieldRemoved,
                Impact::Breaking,
                format!("field `{}` removed", field_text(g)),
            ));
        }
    }
    out
}

/// Variant changes of an enum; `response` says whether a response
/// reaches it.
fn variant_changes(
    old: &[ApiVariant],
    new: &[ApiVariant],
    response: bool,
) -> Vec<(Kind, Impact, String)> {
    let mut out = Vec::new();
    for v in new {
        match old.iter().find(|w| w.name == v.name) {
            None if response => out.push((
                Kind::VariantAdded,
                Impact::Breaking,
                format!(
                    "variant `{}{}` added (an exhaustive `match` must name it)",
                    v.name, v.fields
                ),
            )),
            None => out.push((
                Kind::VariantAdded,
                Impact::Additive,
                format!("variant `{}{}` added", v.name, v.fields),
            )),
            Some(w) if w.fields != v.fields => out.push((
                Kind::VariantRetyped,
                Impact::Breaking,
                format!("variant `{}`: `{}` → `{}`", v.name, w.fields, v.fields),
            )),
            Some(_) => {}
        }
    }
    for w in old {
        if !new.iter().any(|v| v.name == w.name) {
            out.push((
                Kind::VariantRemoved,
                Impact::Breaking,
                format!("variant `{}{}` removed", w.name, w.fields),
            ));
        }
    }
    out
}

/// The identifiers a type text mentions (`Vec<Contact>` → `Vec`, `Contact`).
fn mentions(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|s| !s.is_empty())
}

/// For each named type, the groups whose operations reach it.
fn type_groups(model: &ApiModel) -> BTreeMap<&str, BTreeSet<&str>> {
    let edges = |t: &ApiType| -> Vec<String> {
        let texts: Vec<&str> = match &t.shape {
            TypeShape::Struct(fields) => fields.iter().map(|f| f.ty.as_str()).collect(),
            TypeShape::Enum(variants) => variants.iter().map(|v| v.fields.as_str()).collect(),
            TypeShape::Alias(ty) => vec![ty.as_str()],
        };
        texts
            .into_iter()
            .flat_map(mentions)
            .map(str::to_owned)
            .collect()
    };
    let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (call, op) in &model.operations {
        let group = call.split('.').next().unwrap_or(call);
        let mut stack: Vec<String> = op
            .params
            .iter()
            .map(|p| p.ty.as_str())
            .chain(op.body.as_deref())
            .chain(op.success.as_deref())
            .chain(op.error.as_deref())
            .flat_map(mentions)
            .map(str::to_owned)
            .collect();
        let mut seen = BTreeSet::new();
        while let Some(name) = stack.pop() {
            let Some((key, t)) = model.types.get_key_value(&name) else {
                continue;
            };
            if seen.insert(key.as_str()) {
                out.entry(key.as_str()).or_default().insert(group);
                stack.extend(edges(t));
            }
        }
    }
    out
}

/// Counts of `changes` by impact: `(breaking, additive)`.
pub fn counts(changes: &[Change]) -> (usize, usize) {
    let breaking = changes
        .iter()
        .filter(|c| c.impact == Impact::Breaking)
        .count();
    (breaking, changes.len() - breaking)
}

/// The kinds with their counts for one impact, `3 operation removed, …`
/// (`none` when empty), largest first.
fn by_kind(changes: &[Change], impact: Impact) -> String {
    let mut counts: Vec<(usize, Kind)> = Kind::ALL
        .iter()
        .map(|k| {
            let n = changes
                .iter()
                .filter(|c| c.impact == impact && c.kind == *k)
                .count();
            (n, *k)
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts
        .iter()
        .map(|(n, k)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One or two lines for regen's summary: the counts from `old` to `new`.
pub fn summary(old: &str, new: &str, changes: &[Change]) -> String {
    let (breaking, additive) = counts(changes);
    format!(
        "{old} → {new}: {breaking} breaking ({}); {additive} additive ({})",
        by_kind(changes, Impact::Breaking),
        by_kind(changes, Impact::Additive)
    )
}

/// The Markdown report from `old` to `new` (version names): a heading at
/// `level` (`##`), the counts by kind, then the breaking changes and the
/// additive ones, each by group and subject.
pub fn render(old: &str, new: &str, changes: &[Change], level: usize) -> String {
    let h = "#".repeat(level);
    let (breaking, additive) = counts(changes);
    let mut s = format!("{h} {old} → {new}\n\n");
    if changes.is_empty() {
        s.push_str("No change to the Rust API.\n");
        return s;
    }
    let _ = writeln!(
        s,
        "{breaking} breaking and {additive} additive changes for a Rust caller.\n"
    );
    s.push_str("| change | breaking | additive |\n| --- | ---: | ---: |\n");
    for kind in Kind::ALL {
        let n = |impact| {
            changes
                .iter()
                .filter(|c| c.kind == kind && c.impact == impact)
                .count()
        };
        let (b, a) = (n(Impact::Breaking), n(Impact::Additive));
        if b + a > 0 {
            let _ = writeln!(s, "| {kind} | {b} | {a} |");
        }
    }
    for (impact, title) in [
        (Impact::Breaking, "Breaking"),
        (Impact::Additive, "Additive"),
    ] {
        let listed: Vec<&Change> = changes.iter().filter(|c| c.impact == impact).collect();
        if listed.is_empty() {
            continue;
        }
        let _ = write!(s, "\n{h}# {title}\n");
        let mut group = None;
        for c in listed {
            if group != Some(&c.group) {
                let _ = write!(s, "\n{h}## `{}`\n\n", c.group);
                group = Some(&c.group);
            }
            let _ = writeln!(s, "- `{}`: {}", c.subject, c.detail);
        }
    }
    s
}

/// The file regen writes at the repository root.
pub const MIGRATING_FILE: &str = "MIGRATING.md";

/// The preamble of [`MIGRATING_FILE`].
const PREAMBLE: &str = "# Migrating between Intercom API versions

Written by `cargo xtask regen` from each version's generated API model;
do not edit (`tests/tests/migrating.rs` fails when it is stale). For each
pair of adjacent versions in `spec/versions.toml`, what changes for Rust
code that moves from the older version's module to the newer one:
*breaking* changes (the code may stop compiling, or a call fails until a
new required parameter is set) first, then *additive* ones, each listed
under the group of the grouped client it concerns (a type under the one
group whose operations reach it, or under `(shared types)`). The rules are
in the module documentation of `codegen/src/diff.rs`. Compare any two
versions with `cargo xtask diff <old> <new>`.
";

/// The section of [`MIGRATING_FILE`] for one pair: [`render`] at level 2.
pub fn section(old: &ApiModel, new: &ApiModel) -> String {
    render(&old.version, &new.version, &diff(old, new), 2)
}

/// The whole of [`MIGRATING_FILE`] for `models` in the manifest's order:
/// the preamble, then a [`section`] per adjacent pair.
pub fn migrating(models: &[ApiModel]) -> String {
    let mut s = PREAMBLE.to_owned();
    for pair in models.windows(2) {
        s.push('\n');
        s.push_str(&section(&pair[0], &pair[1]));
    }
    s
}

/// The sections of a [`migrating`] text by heading (`2.15 → 2.16`), each
/// as [`section`] renders it (its heading line included).
pub fn sections(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            out.extend(current.take());
            current = Some((heading.to_owned(), String::new()));
        }
        if let Some((_, body)) = &mut current {
            body.push_str(line);
            body.push('\n');
        }
    }
    out.extend(current);
    for body in out.values_mut() {
        let end = body.trim_end().len();
        body.truncate(end);
        body.push('\n');
    }
    out
}

/// The headings of `new`'s sections that `old` lacks or has otherwise.
pub fn changed_sections(old: &str, new: &str) -> Vec<String> {
    let before = sections(old);
    sections(new)
        .into_iter()
        .filter(|(heading, body)| before.get(heading) != Some(body))
        .map(|(heading, _)| heading)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ApiType, Direction};

    fn op(path: &str, params: &[(&str, &str, &str, bool)]) -> ApiOperation {
        ApiOperation {
            id: "x".into(),
            method: "GET".into(),
            path: path.into(),
            params: params
                .iter()
                .map(|(name, loc, ty, required)| ApiParam {
                    name: (*name).into(),
                    location: Some((*loc).into()),
                    ty: (*ty).into(),
                    required: *required,
                })
                .collect(),
            ..ApiOperation::default()
        }
    }

    fn field(name: &str, ty: &str, required: bool) -> ApiField {
        ApiField {
            name: name.into(),
            ty: ty.into(),
            required,
        }
    }

    fn strukt(request: bool, response: bool, fields: Vec<ApiField>) -> ApiType {
        ApiType {
            direction: Direction { request, response },
            shape: TypeShape::Struct(fields),
        }
    }

    fn variants(request: bool, response: bool, names: &[&str]) -> ApiType {
        ApiType {
            direction: Direction { request, response },
            shape: TypeShape::Enum(
                names
                    .iter()
                    .map(|n| ApiVariant {
                        name: (*n).into(),
                        fields: String::new(),
                    })
                    .collect(),
            ),
        }
    }

    fn model(ops: Vec<(&str, ApiOperation)>, types: Vec<(&str, ApiType)>) -> ApiModel {
        ApiModel {
            version: String::new(),
            operations: ops.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            types: types.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }

    /// `(subject, kind, impact)` of each change.
    fn verdicts(changes: &[Change]) -> Vec<(String, Kind, Impact)> {
        changes
            .iter()
            .map(|c| (c.subject.clone(), c.kind, c.impact))
            .collect()
    }

    #[test]
    fn operations_added_removed_and_renamed() {
        let old = model(
            vec![
                ("tags.list", op("/tags", &[])),
                ("tags.find", op("/tags/{id}", &[])),
            ],
            vec![],
        );
        let new = model(
            vec![
                ("tags.list", op("/tags", &[])),
                ("tags.retrieve", op("/tags/{tag_id}", &[])),
                ("notes.list", op("/notes", &[])),
            ],
            vec![],
        );
        let changes = diff(&old, &new);
        assert_eq!(
            verdicts(&changes),
            [
                ("notes.list".into(), Kind::OperationAdded, Impact::Additive),
                ("tags.find".into(), Kind::OperationRemoved, Impact::Breaking),
                (
                    "tags.retrieve".into(),
                    Kind::OperationAdded,
                    Impact::Additive
                ),
            ]
        );
        assert!(
            changes[1].detail.contains("now `tags.retrieve`"),
            "{changes:?}"
        );
        assert_eq!(counts(&changes), (1, 2));
    }

    #[test]
    fn parameters_by_place_and_requiredness() {
        let old = model(
            vec![(
                "c.list",
                op(
                    "/c/{id}",
                    &[
                        ("id", "path", "String", true),
                        ("page", "query", "i64", false),
                        ("order", "query", "String", true),
                        ("gone", "query", "String", false),
                        ("kind", "query", "String", false),
                    ],
                ),
            )],
            vec![],
        );
        let new = model(
            vec![(
                "c.list",
                op(
                    "/c/{contact_id}/{x}",
                    &[
                        ("contact_id", "path", "String", true),
                        ("x", "path", "i64", true),
                        ("page", "query", "i64", true),
                        ("order", "query", "String", false),
                        ("kind", "query", "Kind", false),
                        ("per_page", "query", "i64", false),
                        ("must", "header", "String", true),
                    ],
                ),
            )],
            vec![],
        );
        let got: Vec<(Kind, Impact)> = diff(&old, &new)
            .iter()
            .map(|c| (c.kind, c.impact))
            .collect();
        assert_eq!(
            got,
            [
                (Kind::ParamAdded, Impact::Breaking),        // path x
                (Kind::ParamAdded, Impact::Breaking),        // header must
                (Kind::ParamAdded, Impact::Additive),        // per_page
                (Kind::ParamRemoved, Impact::Breaking),      // gone
                (Kind::ParamRetyped, Impact::Breaking),      // kind
                (Kind::ParamRenamed, Impact::Additive),      // id → contact_id
                (Kind::ParamRequiredness, Impact::Breaking), // page
                (Kind::ParamRequiredness, Impact::Additive), // order
            ]
        );
    }

    #[test]
    fn bodies_successes_and_paging() {
        let mut a = op("/t", &[]);
        a.body = Some("Old".into());
        a.success = Some("Tag".into());
        a.paging = Some("cursor, items data".into());
        let mut b = op("/t", &[]);
        b.body = Some("New".into());
        b.success = Some("Tag".into());
        b.paging = Some("page-number, items data".into());
        let mut c = op("/u", &[]);
        c.paging = Some("cursor, items data".into());
        let mut d = op("/u", &[]);
        d.body = Some("Empty".into());
        d.success = Some("U".into());
        let old = model(vec![("t.a", a), ("t.b", c)], vec![]);
        let new = model(
            vec![("t.a", b), ("t.b", d)],
            vec![("Empty", strukt(true, false, vec![field("x", "i64", false)]))],
        );
        let changes = diff(&old, &new);
        let got: Vec<(&str, Kind, Impact)> = changes
            .iter()
            .filter(|c| c.subject.starts_with("t."))
            .map(|c| (c.subject.as_str(), c.kind, c.impact))
            .collect();
        assert_eq!(
            got,
            [
                ("t.a", Kind::Body, Impact::Breaking),
                ("t.a", Kind::Paging, Impact::Additive),
                ("t.b", Kind::Body, Impact::Additive),
                ("t.b", Kind::Success, Impact::Additive),
                ("t.b", Kind::Paging, Impact::Breaking),
            ]
        );
    }

    #[test]
    fn fields_follow_the_direction_of_their_type() {
        let mut list = op("/t", &[]);
        list.success = Some("Vec<Tag>".into());
        let mut create = op("/t", &[]);
        create.body = Some("CreateTag".into());
        let old = model(
            vec![("tags.list", list.clone()), ("tags.create", create.clone())],
            vec![
                (
                    "Tag",
                    strukt(
                        false,
                        true,
                        vec![field("id", "String", true), field("n", "i64", false)],
                    ),
                ),
                (
                    "CreateTag",
                    strukt(true, false, vec![field("name", "String", true)]),
                ),
                ("Gone", strukt(false, true, vec![])),
            ],
        );
        let new = model(
            vec![("tags.list", list), ("tags.create", create)],
            vec![
                (
                    "Tag",
                    strukt(
                        false,
                        true,
                        vec![
                            field("id", "String", false),
                            field("n", "f64", false),
                            field("extra", "String", true),
                        ],
                    ),
                ),
                (
                    "CreateTag",
                    strukt(
                        true,
                        false,
                        vec![
                            field("name", "String", true),
                            field("color", "String", true),
                            field("note", "String", false),
                        ],
                    ),
                ),
                ("Fresh", strukt(false, true, vec![])),
            ],
        );
        let changes = diff(&old, &new);
        let got: Vec<(&str, Kind, Impact)> = changes
            .iter()
            .map(|c| (c.subject.as_str(), c.kind, c.impact))
            .collect();
        assert_eq!(
            got,
            [
                ("types::Fresh", Kind::TypeAdded, Impact::Additive),
                ("types::Gone", Kind::TypeRemoved, Impact::Breaking),
                ("types::CreateTag", Kind::FieldAdded, Impact::Breaking),
                ("types::CreateTag", Kind::FieldAdded, Impact::Additive),
                ("types::Tag", Kind::FieldAdded, Impact::Additive),
                ("types::Tag", Kind::FieldRetyped, Impact::Breaking),
                ("types::Tag", Kind::FieldRequiredness, Impact::Breaking),
            ]
        );
        // Types the `tags` operations reach are listed under `tags`; the
        // others (reached by none) under the shared section.
        assert_eq!(changes[0].group, SHARED);
        assert_eq!(changes[2].group, "tags");
    }

    #[test]
    fn variants_break_what_responses_match() {
        let old = model(
            vec![],
            vec![
                ("In", variants(true, false, &["A", "B"])),
                ("Out", variants(false, true, &["A", "B"])),
                ("Both", variants(true, true, &["A"])),
                ("Flip", variants(false, true, &[])),
            ],
        );
        let new = model(
            vec![],
            vec![
                ("In", variants(true, false, &["A", "C"])),
                ("Out", variants(false, true, &["A", "B", "C"])),
                ("Both", variants(true, true, &["A", "C"])),
                ("Flip", strukt(false, true, vec![])),
            ],
        );
        assert_eq!(
            verdicts(&diff(&old, &new)),
            [
                ("types::Both".into(), Kind::VariantAdded, Impact::Breaking),
                ("types::Flip".into(), Kind::TypeRetyped, Impact::Breaking),
                ("types::In".into(), Kind::VariantAdded, Impact::Additive),
                ("types::In".into(), Kind::VariantRemoved, Impact::Breaking),
                ("types::Out".into(), Kind::VariantAdded, Impact::Breaking),
            ]
        );
    }

    #[test]
    fn renders_counts_then_breaking_then_additive() {
        let old = model(vec![("tags.find", op("/tags/{id}", &[]))], vec![]);
        let new = model(vec![("notes.list", op("/notes", &[]))], vec![]);
        let changes = diff(&old, &new);
        let text = render("2.15", "2.16", &changes, 2);
        let expected = "## 2.15 → 2.16\n\n\
            1 breaking and 1 additive changes for a Rust caller.\n\n\
            | change | breaking | additive |\n| --- | ---: | ---: |\n\
            | operation added | 0 | 1 |\n\
            | operation removed | 1 | 0 |\n\
            \n### Breaking\n\n#### `tags`\n\n\
            - `tags.find`: removed (`GET /tags/{id}`)\n\
            \n### Additive\n\n#### `notes`\n\n\
            - `notes.list`: added (`GET /notes`)\n";
        assert_eq!(text, expected);
        assert_eq!(
            summary("2.15", "2.16", &changes),
            "2.15 → 2.16: 1 breaking (1 operation removed); 1 additive (1 operation added)"
        );
        assert_eq!(
            render("2.15", "2.16", &[], 2),
            "## 2.15 → 2.16\n\nNo change to the Rust API.\n"
        );
    }

    #[test]
    fn migrating_has_a_section_per_adjacent_pair() {
        let v = |name: &str, calls: &[&str]| ApiModel {
            version: name.into(),
            operations: calls
                .iter()
                .map(|c| ((*c).to_owned(), op("/t", &[])))
                .collect(),
            types: BTreeMap::new(),
        };
        let models = [
            v("2.7", &["tags.list"]),
            v("2.8", &["tags.list"]),
            v("2.9", &["tags.list", "notes.list"]),
        ];
        let text = migrating(&models);
        assert!(text.starts_with(PREAMBLE));
        let found = sections(&text);
        assert_eq!(found.keys().collect::<Vec<_>>(), ["2.7 → 2.8", "2.8 → 2.9"]);
        assert_eq!(found["2.7 → 2.8"], section(&models[0], &models[1]));
        assert!(found["2.8 → 2.9"].contains("`notes.list`: added"));
        // A changed version changes its own section only.
        let changed = migrating(&[
            models[0].clone(),
            v("2.8", &["tags.list"]),
            v("2.9", &["notes.list"]),
        ]);
        assert_eq!(changed_sections(&text, &changed), ["2.8 → 2.9"]);
        assert_eq!(changed_sections(&text, &text), Vec::<String>::new());
        assert_eq!(changed_sections("", &text).len(), 2);
    }

    #[test]
    fn a_renamed_type_says_how_its_fields_compare() {
        let old = model(
            vec![],
            vec![
                (
                    "Old",
                    strukt(
                        true,
                        false,
                        vec![field("a", "i64", true), field("b", "i64", true)],
                    ),
                ),
                ("Same", strukt(true, false, vec![field("a", "i64", true)])),
            ],
        );
        let new = model(
            vec![],
            vec![
                (
                    "New",
                    strukt(
                        true,
                        false,
                        vec![field("a", "String", true), field("c", "i64", false)],
                    ),
                ),
                ("Twin", strukt(true, false, vec![field("a", "i64", true)])),
                ("E", variants(true, false, &["A"])),
            ],
        );
        assert_eq!(compare(&old, "Old", &new, "New"), " (fields: ~a, +c, -b)");
        assert_eq!(compare(&old, "Same", &new, "Twin"), " (same fields)");
        assert_eq!(compare(&old, "Same", &new, "E"), "");
        let many: Vec<ApiField> = (0..8)
            .map(|i| field(&format!("f{i}"), "i64", true))
            .collect();
        let wide = model(vec![], vec![("Wide", strukt(true, false, many))]);
        assert_eq!(
            compare(&old, "Same", &wide, "Wide"),
            " (fields: +f0, +f1, +f2, +f3, +f4, +f5, and 3 more)"
        );
    }
}
