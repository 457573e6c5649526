//! Intercom's overrides: the corrections Intercom makes to its published
//! descriptions for its official SDKs (`fern/*.yml` upstream, pinned in
//! `spec/versions.toml`), applied to ours before our own normalisations.
//!
//! An override file is a partial OpenAPI document, deep-merged into a
//! description the way Intercom's SDK generator (Fern) merges it: objects
//! merge key by key, `null` deletes, a list of plain values is replaced,
//! and lists of objects merge item by item. One deliberate difference:
//! `parameters` merge by `name` and `in`, not by position, so a version
//! that lists its parameters in another order is still corrected right.
//!
//! Each file is cut into units, one per operation and one per component
//! schema, and each unit is decided on its own (see `decide`):
//! - in the version the file targets, it applies where the operation exists
//!   (a schema may be added);
//! - in every other version, it applies only where the unit has the same
//!   shape as in the target: every value it replaces, adds or deletes is the
//!   same there (prose — descriptions, examples — aside);
//! - a unit that carries only SDK-generator metadata (`x-fern-*` names,
//!   ignores) changes nothing in the document. Its SDK names
//!   ([`Overrides::sdk_names`]) name the grouped calls
//!   ([`crate::spec::names`]); pagination metadata (`x-fern-pagination`) is
//!   kept.
//!
//! Each step that repairs the override files themselves is a named function
//! with the defect it fixes; the report lists, per version, every unit
//! applied and every unit skipped, with the reason.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::model::{METHODS, Route, template_shape};
use crate::spec::json::walk_objects;
use crate::spec::names::SdkName;

/// Keys that carry prose, not shape: ignored when comparing versions.
const PROSE: &[&str] = &["description", "summary", "example", "examples"];

/// The `x-fern-*` key that says how an operation pages, which codegen reads;
/// every other `x-fern-*` key names or hides things in Fern's SDKs only.
pub const PAGINATION_KEY: &str = "x-fern-pagination";

/// The `x-fern-*` keys that name an operation's call in Intercom's SDKs,
/// which codegen reads for the grouped client before stripping them.
pub const SDK_GROUP_KEY: &str = "x-fern-sdk-group-name";
/// See [`SDK_GROUP_KEY`].
pub const SDK_METHOD_KEY: &str = "x-fern-sdk-method-name";

/// One parsed override file, ready to apply.
#[derive(Debug, Clone)]
pub struct Overrides {
    /// Its name in `spec/versions.toml`.
    pub name: String,
    /// The version it targets.
    pub target: String,
    /// The target version's raw description, for shape comparisons; `None`
    /// when only the target itself is generated with it.
    pub target_doc: Option<Value>,
    /// Repairs made to the file itself, for the report.
    pub notes: Vec<String>,
    /// Whether it applies to its target only.
    pub only_target: bool,
    units: Vec<Unit>,
}

/// What a unit corrects.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// `paths.<path>.<method>`, parameters aside.
    Operation { path: String, method: String },
    /// One parameter of `paths.<path>.<method>`, by name and location.
    Parameter {
        path: String,
        method: String,
        name: String,
        location: String,
    },
    /// `components.schemas.<name>`.
    Schema(String),
    /// Anything else: a setting of Fern's, not of the API.
    Setting(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Operation { path, method } => write!(f, "{} {path}", method.to_uppercase()),
            Place::Parameter {
                path,
                method,
                name,
                location,
            } => write!(
                f,
                "{} {path} {location} parameter {name}",
                method.to_uppercase()
            ),
            Place::Schema(name) => write!(f, "schema {name}"),
            Place::Setting(key) => f.write_str(key),
        }
    }
}

#[derive(Debug, Clone)]
struct Unit {
    place: Place,
    /// The correction, without SDK-generator metadata and property deletions.
    patch: Value,
    /// Whether the file's unit had anything besides SDK-generator metadata.
    names_only: bool,
    /// Properties the unit deletes, which are kept (dotted paths).
    kept: Vec<String>,
    /// The SDK's group path and method name for the operation, when the
    /// unit gives them.
    call: Option<(Vec<String>, String)>,
}

/// Why a unit was not applied to a version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Skip {
    /// Only `x-fern-*` names and ignores.
    NamesOnly,
    /// A Fern setting (servers, auth, version header), not part of the API.
    Setting,
    /// It deletes an operation, which we keep.
    DeletesOperation,
    /// The operation or schema is not in this version.
    Absent,
    /// This version differs from the target where the unit applies.
    Differs {
        /// The target version.
        target: String,
        /// The first differing place, as a dotted path in the unit.
        at: String,
    },
    /// It refers to a schema this version does not define.
    UndefinedRef(String),
    /// It writes a union (`anyOf`/`oneOf`) at this dotted path.
    Union(String),
    /// It only deletes declared properties, which are kept.
    OnlyDeletes,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::NamesOnly => {
                f.write_str("only SDK names (x-fern-*): they name the grouped calls")
            }
            Skip::Setting => f.write_str("a setting of Intercom's SDK generator, not of the API"),
            Skip::DeletesOperation => {
                f.write_str("deletes the operation: every published operation is kept")
            }
            Skip::Absent => f.write_str("not in this version"),
            Skip::Differs { target, at } => write!(f, "differs from {target} at `{at}`"),
            Skip::UndefinedRef(name) => {
                write!(f, "refers to `{name}`, which this version does not define")
            }
            Skip::OnlyDeletes => f.write_str(
                "only deletes declared properties, which are kept (a field Intercom does not send is just absent)",
            ),
            Skip::Union(_) => f.write_str(
                "writes a union (`anyOf`/`oneOf`): typify makes it a struct of optional flattened parts, or an untagged enum whose all-optional variants it cannot tell apart (a list would decode as one company), so the published form is kept",
            ),
        }
    }
}

/// What one override file did to one version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The override file's name.
    pub name: String,
    /// The version it targets.
    pub target: String,
    /// Repairs made to the file itself.
    pub notes: Vec<String>,
    /// Units applied, e.g. `GET /articles`, `schema contact`.
    pub applied: Vec<String>,
    /// Applied units that carry pagination metadata.
    pub pagination: usize,
    /// Units skipped, with the reason.
    pub skipped: Vec<(String, Skip)>,
    /// Whether the file corrects its target only, and this is another version.
    pub other_version: bool,
    /// Properties applied units delete, which are kept (`unit: path`).
    pub kept: Vec<String>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.other_version {
            return writeln!(
                f,
                "  override {} (for {}): corrects {} only, not applied",
                self.name, self.target, self.target
            );
        }
        writeln!(
            f,
            "  override {} (for {}): {} applied ({} with pagination), {} skipped",
            self.name,
            self.target,
            self.applied.len(),
            self.pagination,
            self.skipped.len()
        )?;
        for note in &self.notes {
            writeln!(f, "    repaired in the file: {note}")?;
        }
        if !self.applied.is_empty() {
            writeln!(f, "    applied: {}", self.applied.join(", "))?;
        }
        if !self.kept.is_empty() {
            writeln!(
                f,
                "    kept, though the file deletes them (every declared property is kept): {}",
                self.kept.join(", ")
            )?;
        }
        let mut by_reason: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (unit, why) in &self.skipped {
            // One line per reason; where a unit differs varies, so it goes
            // with the unit.
            let (key, unit) = match why {
                Skip::Differs { target, at } => (
                    format!("differs from {target}"),
                    format!("{unit} (at `{at}`)"),
                ),
                other => (other.to_string(), unit.clone()),
            };
            by_reason.entry(key).or_default().push(unit);
        }
        for (why, units) in by_reason {
            writeln!(
                f,
                "    skipped ({}), {why}: {}",
                units.len(),
                units.join(", ")
            )?;
        }
        Ok(())
    }
}

impl Overrides {
    /// Parses an override file (YAML) and repairs its own defects.
    pub fn parse(
        name: &str,
        target: &str,
        text: &str,
        target_doc: Option<Value>,
    ) -> Result<Self, Error> {
        let (mut doc, duplicates) = parse_merging_duplicates(text)
            .map_err(|e| Error::Parse(format!("override `{name}`: {e}")))?;
        let mut notes: Vec<String> = duplicates
            .iter()
            .map(|key| format!("duplicate key `{key}` merged (the later entry wins)"))
            .collect();
        let refs = root_relative_refs(&mut doc);
        if refs > 0 {
            notes.push(format!("{refs} `$ref` without `/` after `#` rooted"));
        }
        Ok(Self {
            name: name.to_owned(),
            target: target.to_owned(),
            target_doc,
            notes,
            only_target: false,
            units: units(&doc),
        })
    }

    /// Makes it apply to its target version only.
    pub fn only_target(mut self, only: bool) -> Self {
        self.only_target = only;
        self
    }

    /// Every operation the file names for Intercom's SDKs
    /// (`x-fern-sdk-group-name` and `x-fern-sdk-method-name`).
    pub fn sdk_names(&self) -> Vec<SdkName> {
        self.units
            .iter()
            .filter_map(|u| match (&u.place, &u.call) {
                (Place::Operation { path, method }, Some((groups, name))) => Some(SdkName {
                    route: Route::new(method, path),
                    groups: groups.clone(),
                    method: name.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// Every operation `(METHOD, path)` the file declares paginated
    /// (`x-fern-pagination`), as written in the file.
    pub fn paginated(&self) -> Vec<(String, String)> {
        self.units
            .iter()
            .filter(|u| u.patch.get(PAGINATION_KEY).is_some())
            .filter_map(|u| match &u.place {
                Place::Operation { path, method } => Some((method.to_uppercase(), path.clone())),
                _ => None,
            })
            .collect()
    }
}

/// Parses YAML into JSON, merging repeated mapping keys rather than keeping
/// only the last one. Fixes: `openapi-overrides.yml` repeats `admin`,
/// `company` and `article_list_item` under `components.schemas`, each time
/// with other corrections.
pub fn parse_merging_duplicates(text: &str) -> Result<(Value, Vec<String>), String> {
    let mut duplicates = Vec::new();
    let de = serde_yaml_ng::Deserializer::from_str(text);
    let value = Merging(&mut duplicates)
        .deserialize(de)
        .map_err(|e| e.to_string())?;
    Ok((value, duplicates))
}

/// Roots `$ref`s written `#components/...` as `#/components/...`. Fixes:
/// `article_list.pages` in `openapi-overrides.yml` refers to
/// `#components/schemas/offset_pages`, which resolves nowhere.
pub fn root_relative_refs(doc: &mut Value) -> usize {
    let mut fixed = 0;
    walk_objects(doc, &mut |map| {
        if let Some(Value::String(r)) = map.get_mut("$ref")
            && let Some(rest) = r.strip_prefix('#')
            && !rest.starts_with('/')
        {
            *r = format!("#/{rest}");
            fixed += 1;
        }
    });
    fixed
}

/// Cuts a file into units: whole schemas, corrections to schemas,
/// operations, then Fern's settings.
fn units(doc: &Value) -> Vec<Unit> {
    let mut schemas = Vec::new();
    let mut operations = Vec::new();
    let mut settings = Vec::new();
    let Some(root) = doc.as_object() else {
        return Vec::new();
    };
    for (key, value) in root {
        match key.as_str() {
            "paths" => {
                for (path, item) in value.as_object().into_iter().flatten() {
                    for (method, patch) in item.as_object().into_iter().flatten() {
                        if !METHODS.contains(&method.as_str()) {
                            let place = Place::Setting(format!("paths.{path}.{method}"));
                            operations.push(unit(place, patch));
                            continue;
                        }
                        operations.extend(operation_units(path, method, patch));
                    }
                }
            }
            "components" => {
                for (kind, entries) in value.as_object().into_iter().flatten() {
                    for (name, patch) in entries.as_object().into_iter().flatten() {
                        let place = if kind == "schemas" {
                            Place::Schema(name.clone())
                        } else {
                            Place::Setting(format!("components.{kind}.{name}"))
                        };
                        schemas.push(unit(place, patch));
                    }
                }
            }
            _ => settings.push(unit(Place::Setting(key.clone()), value)),
        }
    }
    // Whole schemas before corrections, so corrections may refer to them.
    let (mut units, corrections): (Vec<Unit>, Vec<Unit>) = schemas
        .into_iter()
        .partition(|u| defines_a_schema(&u.patch));
    units.extend(corrections);
    units.extend(operations);
    units.extend(settings);
    units
}

/// An operation's units: each named parameter on its own (so a version
/// whose path parameter differs still gets new query parameters), then
/// the rest.
fn operation_units(path: &str, method: &str, patch: &Value) -> Vec<Unit> {
    let mut rest = patch.clone();
    let mut out = Vec::new();
    let params = match rest.as_object_mut().map(|op| op.remove("parameters")) {
        Some(Some(Value::Array(params))) => params,
        Some(Some(other)) => {
            // Not a list: leave it to the operation unit, which will differ.
            rest["parameters"] = other;
            Vec::new()
        }
        _ => Vec::new(),
    };
    for param in params {
        let (Some(name), Some(location)) = (
            param.get("name").and_then(Value::as_str),
            param.get("in").and_then(Value::as_str),
        ) else {
            continue;
        };
        let place = Place::Parameter {
            path: path.to_owned(),
            method: method.to_owned(),
            name: name.to_owned(),
            location: location.to_owned(),
        };
        out.push(unit(place, &param));
    }
    let place = Place::Operation {
        path: path.to_owned(),
        method: method.to_owned(),
    };
    let op = unit(place, &rest);
    // An operation patch that was only parameters leaves nothing to apply.
    if !is_empty(&rest) || out.is_empty() {
        out.insert(0, op);
    }
    out
}

fn unit(place: Place, patch: &Value) -> Unit {
    let call = sdk_call(patch);
    let mut patch = patch.clone();
    let had_content = !is_empty(&patch);
    strip_sdk_names(&mut patch);
    let names_only = had_content && is_empty(&patch);
    let mut kept = Vec::new();
    keep_declared_properties(&mut patch, &mut Vec::new(), &mut kept);
    Unit {
        place,
        names_only,
        patch,
        kept,
        call,
    }
}

/// An operation unit's `x-fern-sdk-group-name` (a name or a list of them)
/// and `x-fern-sdk-method-name`.
fn sdk_call(patch: &Value) -> Option<(Vec<String>, String)> {
    let method = patch.get(SDK_METHOD_KEY)?.as_str()?.to_owned();
    let groups = match patch.get(SDK_GROUP_KEY)? {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .map(|g| g.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    Some((groups, method))
}

/// Drops the deletions of declared properties (`properties: {x: null}`)
/// from a patch, recording each as a dotted path. Our types keep every
/// property a description declares: every response field is optional, so
/// one Intercom does not send is just absent, while deleting it would drop
/// it if sent (a response) or make it unsendable (a request: Preview's file
/// deletes `create_ticket_request.ticket_attributes`).
fn keep_declared_properties(value: &mut Value, at: &mut Vec<String>, kept: &mut Vec<String>) {
    let Value::Object(map) = value else { return };
    for (key, sub) in map.iter_mut() {
        at.push(key.clone());
        if key == "properties"
            && let Value::Object(props) = sub
        {
            props.retain(|name, v| {
                if v.is_null() {
                    kept.push(format!("{}.{name}", at.join(".")));
                }
                !v.is_null()
            });
        }
        keep_declared_properties(sub, at, kept);
        at.pop();
    }
    map.retain(|_, v| !matches!(v, Value::Object(m) if m.is_empty()));
}

/// Removes `x-fern-*` keys other than [`PAGINATION_KEY`], and the objects
/// that held nothing else.
fn strip_sdk_names(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|k, _| !k.starts_with("x-fern-") || k == PAGINATION_KEY);
        for v in map.values_mut() {
            strip_sdk_names(v);
        }
        map.retain(|_, v| !matches!(v, Value::Object(m) if m.is_empty()));
    }
}

fn is_empty(value: &Value) -> bool {
    matches!(value, Value::Object(m) if m.is_empty())
}

/// Applies every override to a raw description of `version`, in order.
pub fn apply(doc: &mut Value, version: &str, overrides: &[Overrides]) -> Vec<Report> {
    if overrides.is_empty() {
        return Vec::new();
    }
    // Shapes are compared against the description as published.
    let published = doc.clone();
    overrides
        .iter()
        .map(|file| {
            let mut report = Report {
                name: file.name.clone(),
                target: file.target.clone(),
                notes: file.notes.clone(),
                ..Report::default()
            };
            if file.only_target && version != file.target {
                report.other_version = true;
                return report;
            }
            let target_doc = (version != file.target)
                .then_some(())
                .map(|()| file.target_doc.as_ref());
            for unit in &file.units {
                match decide(&published, doc, target_doc, &file.target, unit) {
                    Ok(Landing::Node(at)) => {
                        merge_at(doc, &at, &unit.patch);
                        report
                            .kept
                            .extend(unit.kept.iter().map(|k| format!("{}: {k}", unit.place)));
                        report.applied.push(unit.place.to_string());
                        if unit.patch.get(PAGINATION_KEY).is_some() {
                            report.pagination += 1;
                        }
                    }
                    Ok(Landing::Parameter { operation, patch }) => {
                        merge_parameter(doc, &operation, patch);
                        report.applied.push(unit.place.to_string());
                    }
                    Err(why) => report.skipped.push((unit.place.to_string(), why)),
                }
            }
            report
        })
        .collect()
}

/// Where in a description a unit lands: the keys from the root.
type Location = Vec<String>;

/// Where a unit lands.
#[derive(Debug)]
enum Landing {
    /// Merged into the node at this location (created if absent).
    Node(Location),
    /// Merged into the operation's parameter of the same name and location
    /// (added if absent), named as this version names it.
    Parameter { operation: Location, patch: Value },
}

/// The operation `(path, method)` of `doc`, whatever its path parameters are called.
fn find_operation(doc: &Value, path: &str, method: &str) -> Option<Location> {
    let found = find_path(doc, path)?;
    let l = vec!["paths".to_owned(), found, method.to_owned()];
    lookup(doc, &l).map(|_| l)
}

/// The name `doc_path` gives the path parameter `file_path` calls `name`.
fn path_param_name(file_path: &str, doc_path: &str, name: &str) -> String {
    let wanted = format!("{{{name}}}");
    file_path
        .split('/')
        .zip(doc_path.split('/'))
        .find(|(f, _)| *f == wanted)
        .map_or_else(
            || name.to_owned(),
            |(_, d)| d.trim_start_matches('{').trim_end_matches('}').to_owned(),
        )
}

/// The parameter `(name, location)` of the operation at `op` in `doc`,
/// following `$ref`s to `components.parameters`.
fn find_parameter<'d>(
    doc: &'d Value,
    op: &[String],
    name: &str,
    location: &str,
) -> Option<&'d Value> {
    lookup(doc, op)?
        .get("parameters")?
        .as_array()?
        .iter()
        .map(|p| resolve_parameter(doc, p))
        .find(|p| {
            p.get("name").and_then(Value::as_str) == Some(name)
                && p.get("in").and_then(Value::as_str) == Some(location)
        })
}

fn resolve_parameter<'d>(doc: &'d Value, param: &'d Value) -> &'d Value {
    param
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/parameters/"))
        .and_then(|name| lookup(doc, &["components", "parameters", name]))
        .unwrap_or(param)
}

/// Decides a parameter unit: see [`decide`].
fn decide_parameter(
    published: &Value,
    target_doc: Option<Option<&Value>>,
    target: &str,
    unit: &Unit,
) -> Result<Landing, Skip> {
    let Place::Parameter {
        path,
        method,
        name,
        location,
    } = &unit.place
    else {
        unreachable!("only parameter units come here");
    };
    let operation = find_operation(published, path, method).ok_or(Skip::Absent)?;
    let named_in = |op: &Location| {
        if location == "path" {
            path_param_name(path, &op[1], name)
        } else {
            name.clone()
        }
    };
    let ours_name = named_in(&operation);
    if let Some(target_doc) = target_doc {
        let target_doc = target_doc.ok_or_else(|| Skip::Differs {
            target: target.to_owned(),
            at: "(the target's description was not given)".into(),
        })?;
        let there = find_operation(target_doc, path, method).ok_or(Skip::Absent)?;
        let theirs = find_parameter(target_doc, &there, &named_in(&there), location);
        let ours = find_parameter(published, &operation, &ours_name, location);
        // Names differ by version; the rest must not.
        let mut compared = unit.patch.clone();
        if let Some(p) = compared.as_object_mut() {
            p.remove("name");
        }
        let at = match (ours, theirs) {
            (Some(_), None) => Some(String::new()),
            _ => first_difference(ours, theirs, &compared),
        };
        if let Some(at) = at {
            return Err(Skip::Differs {
                target: target.to_owned(),
                at: format!(
                    "parameter {ours_name}{}{at}",
                    if at.is_empty() { "" } else { "." }
                ),
            });
        }
    }
    let mut patch = unit.patch.clone();
    patch["name"] = Value::String(ours_name);
    Ok(Landing::Parameter { operation, patch })
}

fn merge_parameter(doc: &mut Value, operation: &[String], patch: Value) {
    let (name, location) = (patch["name"].clone(), patch["in"].clone());
    let Some(op) = location_mut(doc, operation) else {
        return;
    };
    let params = op.as_object_mut().map(|o| {
        o.entry("parameters")
            .or_insert_with(|| Value::Array(Vec::new()))
    });
    let Some(Value::Array(params)) = params else {
        return;
    };
    match params
        .iter_mut()
        .find(|p| p.get("name") == Some(&name) && p.get("in") == Some(&location))
    {
        Some(existing) => merge(existing, &patch, None),
        None => params.push(without_nulls(&patch)),
    }
}

fn location_mut<'d>(doc: &'d mut Value, location: &[String]) -> Option<&'d mut Value> {
    location
        .iter()
        .try_fold(doc, |v, key| v.as_object_mut()?.get_mut(key))
}

/// Decides whether `unit` applies to a version (`published` as published,
/// `current` after earlier units). `target_doc` is `None` for the target
/// version itself, `Some(None)` when the target's description is unknown.
fn decide(
    published: &Value,
    current: &Value,
    target_doc: Option<Option<&Value>>,
    target: &str,
    unit: &Unit,
) -> Result<Landing, Skip> {
    if unit.names_only {
        return Err(Skip::NamesOnly);
    }
    if is_empty(&unit.patch) && !unit.kept.is_empty() {
        return Err(Skip::OnlyDeletes);
    }
    if let Some(at) = union_in(current, &unit.patch) {
        return Err(Skip::Union(at));
    }
    let (location, target_location) = match &unit.place {
        Place::Setting(_) => return Err(Skip::Setting),
        Place::Parameter { .. } => {
            let landing = decide_parameter(published, target_doc, target, unit)?;
            return match undefined_ref(current, &unit.patch) {
                Some(name) => Err(Skip::UndefinedRef(name)),
                None => Ok(landing),
            };
        }
        Place::Operation { .. } if unit.patch.is_null() => return Err(Skip::DeletesOperation),
        Place::Operation { path, method } => {
            let here = find_operation(published, path, method).ok_or(Skip::Absent)?;
            let there = target_doc
                .flatten()
                .and_then(|t| find_operation(t, path, method));
            (here, there)
        }
        Place::Schema(name) => {
            let l = vec!["components".into(), "schemas".into(), name.clone()];
            // A correction to a schema this version lacks would define a
            // fragment; only a schema the target lacks too is new.
            let lacks = |doc: &Value| lookup(doc, &l).is_none();
            let target_has = target_doc.flatten().is_some_and(|t| !lacks(t));
            if lacks(published) && (target_has || !defines_a_schema(&unit.patch)) {
                return Err(Skip::Absent);
            }
            (l.clone(), Some(l))
        }
    };
    if let Some(target_doc) = target_doc {
        let Some(target_doc) = target_doc else {
            return Err(Skip::Differs {
                target: target.to_owned(),
                at: "(the target's description was not given)".into(),
            });
        };
        let theirs = target_location.and_then(|l| lookup(target_doc, &l));
        let ours = lookup(published, &location);
        // Written for the target: where the target lacks what it corrects,
        // it corrects nothing (a whole new schema aside, lacking in both).
        if theirs.is_none() && (ours.is_some() || !defines_a_schema(&unit.patch)) {
            return Err(Skip::Absent);
        }
        if let Some(at) = first_difference(ours, theirs, &unit.patch) {
            return Err(Skip::Differs {
                target: target.to_owned(),
                at,
            });
        }
        if let Place::Schema(name) = &unit.place
            && unit.patch.pointer("/properties/pages").is_some()
            && let Some(other) = responding_with(published, name)
                .difference(&responding_with(target_doc, name))
                .next()
        {
            // A list's `pages` says how its operations page: another
            // operation returning it may page otherwise.
            return Err(Skip::Differs {
                target: target.to_owned(),
                at: format!("properties.pages (the list also answers {other})"),
            });
        }
    }
    match undefined_ref(current, &unit.patch) {
        Some(name) => Err(Skip::UndefinedRef(name)),
        None => Ok(Landing::Node(location)),
    }
}

/// Where `patch` writes an `anyOf` or `oneOf`, as a dotted path.
fn union_in(doc: &Value, patch: &Value) -> Option<String> {
    fn go(doc: &Value, value: &Value, at: &mut Vec<String>) -> Option<String> {
        let map = value.as_object()?;
        for (key, sub) in map {
            at.push(key.clone());
            let told_apart = sub
                .as_array()
                .is_some_and(|members| crate::spec::schema::told_apart_by_type(doc, members));
            let found = if (key == "anyOf" || key == "oneOf") && !sub.is_null() && !told_apart {
                Some(at.join("."))
            } else {
                go(doc, sub, at)
            };
            at.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }
    go(doc, patch, &mut Vec::new())
}

/// The first schema `patch` refers to that `doc` does not define.
fn undefined_ref(doc: &Value, patch: &Value) -> Option<String> {
    let mut missing = None;
    let mut patch = patch.clone();
    walk_objects(&mut patch, &mut |map| {
        if let Some(Value::String(r)) = map.get("$ref")
            && let Some(name) = crate::spec::json::schema_ref_name(r)
            && lookup(doc, &["components", "schemas", name]).is_none()
            && missing.is_none()
        {
            missing = Some(name.to_owned());
        }
    });
    missing
}

/// The operations (`METHOD /path/{}`) whose success response is the
/// component schema `name` itself.
fn responding_with(doc: &Value, name: &str) -> std::collections::BTreeSet<String> {
    let wanted = format!("#/components/schemas/{name}");
    let mut out = std::collections::BTreeSet::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        for method in METHODS {
            let Some(responses) = item.get(*method).and_then(|op| op.get("responses")) else {
                continue;
            };
            let answers = responses
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(status, _)| status.starts_with('2'))
                .filter_map(|(_, r)| r.pointer("/content/application~1json/schema/$ref"))
                .any(|r| r.as_str() == Some(wanted.as_str()));
            if answers {
                out.insert(format!(
                    "{} {}",
                    method.to_uppercase(),
                    template_shape(path)
                ));
            }
        }
    }
    out
}

/// Whether a patch is a whole schema rather than a correction to one.
fn defines_a_schema(patch: &Value) -> bool {
    ["type", "$ref", "allOf", "anyOf", "oneOf"]
        .iter()
        .any(|k| patch.get(*k).is_some())
}

/// The key of `paths` that is `path` up to the names of its parameters.
fn find_path(doc: &Value, path: &str) -> Option<String> {
    let paths = doc.get("paths")?.as_object()?;
    if paths.contains_key(path) {
        return Some(path.to_owned());
    }
    let shape = template_shape(path);
    paths.keys().find(|k| template_shape(k) == shape).cloned()
}

fn lookup<'v, S: AsRef<str>>(doc: &'v Value, location: &[S]) -> Option<&'v Value> {
    location
        .iter()
        .try_fold(doc, |v, key| v.as_object()?.get(key.as_ref()))
}

/// The first place, as a dotted path, where `ours` and `theirs` differ
/// among the values `patch` replaces, adds or deletes (prose aside).
fn first_difference(ours: Option<&Value>, theirs: Option<&Value>, patch: &Value) -> Option<String> {
    fn go(
        ours: Option<&Value>,
        theirs: Option<&Value>,
        patch: &Value,
        at: &mut Vec<String>,
    ) -> Option<String> {
        match patch {
            Value::Object(p) if !p.is_empty() => {
                for (key, sub) in p {
                    at.push(key.clone());
                    let found = go(
                        ours.and_then(|o| o.get(key)),
                        theirs.and_then(|t| t.get(key)),
                        sub,
                        at,
                    );
                    at.pop();
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            _ => (!same_shape(ours, theirs)).then(|| at.join(".")),
        }
    }
    go(ours, theirs, patch, &mut Vec::new())
}

/// Equality of two optional values, ignoring [`PROSE`] keys.
fn same_shape(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys =
                |m: &Map<String, Value>| m.keys().filter(|k| !PROSE.contains(&k.as_str())).count();
            keys(a) == keys(b)
                && a.iter()
                    .filter(|(k, _)| !PROSE.contains(&k.as_str()))
                    .all(|(k, v)| same_shape(Some(v), b.get(k)))
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_shape(Some(x), Some(y)))
        }
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn merge_at(doc: &mut Value, location: &[String], patch: &Value) {
    let (last, parents) = location.split_last().expect("a location has a key");
    let mut node = doc;
    for key in parents {
        let Value::Object(map) = node else { return };
        node = map
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    let Value::Object(parent) = node else { return };
    match parent.get_mut(last) {
        Some(existing) => merge(existing, patch, Some(last)),
        None => {
            parent.insert(last.clone(), without_nulls(patch));
        }
    }
}

/// Deep-merges `patch` into `base` (see the module docs); `key` is the key
/// `base` sits under.
pub fn merge(base: &mut Value, patch: &Value, key: Option<&str>) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, pv) in p {
                if pv.is_null() {
                    b.remove(k);
                } else if let Some(bv) = b.get_mut(k) {
                    merge(bv, pv, Some(k));
                } else {
                    b.insert(k.clone(), without_nulls(pv));
                }
            }
        }
        (Value::Array(b), Value::Array(p)) if key == Some("parameters") => {
            for pp in p {
                let same = |bp: &&mut Value| {
                    bp.get("name") == pp.get("name") && bp.get("in") == pp.get("in")
                };
                match b.iter_mut().find(same) {
                    Some(bp) if pp.get("name").is_some() => merge(bp, pp, None),
                    _ => b.push(without_nulls(pp)),
                }
            }
        }
        (Value::Array(b), Value::Array(p)) if b.iter().chain(p).all(Value::is_object) => {
            for (i, pv) in p.iter().enumerate() {
                match b.get_mut(i) {
                    Some(bv) => merge(bv, pv, None),
                    None => b.push(without_nulls(pv)),
                }
            }
        }
        (b, p) => *b = without_nulls(p),
    }
}

/// `value` without `null` members of objects, at any depth (in an override
/// a `null` only ever deletes).
pub fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Composes a repeated key's value onto the earlier one: objects merge,
/// anything else (`null` included: it still deletes later) replaces.
fn compose(earlier: &mut Value, later: Value) {
    match (earlier, later) {
        (Value::Object(e), Value::Object(l)) => {
            for (k, v) in l {
                match e.get_mut(&k) {
                    Some(ev) => compose(ev, v),
                    None => {
                        e.insert(k, v);
                    }
                }
            }
        }
        (e, l) => *e = l,
    }
}

/// Deserializes any YAML into JSON, composing repeated keys and recording them.
struct Merging<'a>(&'a mut Vec<String>);

impl<'de> DeserializeSeed<'de> for Merging<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Merging<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(v.into())
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        self.deserialize(de)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Merging(&mut *self.0))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(Merging(&mut *self.0))? {
            let key = match key {
                Value::String(s) => s,
                other => other.to_string(),
            };
            let value = map.next_value_seed(Merging(&mut *self.0))?;
            match out.get_mut(&key) {
                Some(earlier) => {
                    compose(earlier, value);
                    self.0.push(key);
                }
                None => {
                    out.insert(key, value);
                }
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn yaml(text: &str) -> Value {
        serde_yaml_ng::from_str(text).unwrap()
    }

    const TARGET: &str = r#"
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: Intercom-Version, in: header, schema: {type: string}}
      responses: {'200': {description: ok}}
    put:
      operationId: putThings
      responses: {'200': {description: ok}}
components:
  schemas:
    thing:
      type: object
      required: [id, name]
      properties:
        id: {type: string}
        avatar: {type: object, description: the target's words}
"#;

    const FILE: &str = r#"
paths:
  /things:
    get:
      x-fern-sdk-method-name: list
      x-fern-pagination: {offset: $request.page, results: $response.data}
      parameters:
        - {name: page, in: query, schema: {type: integer}}
    put: null
  /things/{id}:
    get:
      x-fern-sdk-method-name: find
components:
  schemas:
    thing:
      required: [id]
      properties:
        avatar: {type: string}
    pages:
      type: object
      properties: {next: {type: string, nullable: true}}
    listing:
      properties:
        pages: {$ref: '#components/schemas/pages'}
servers:
  - url: https://example.test
"#;

    fn file(target_doc: Option<Value>) -> Overrides {
        Overrides::parse("fern", "2.14", FILE, target_doc).unwrap()
    }

    #[test]
    fn the_target_gets_every_api_unit_and_the_report_says_why_not_the_rest() {
        let mut doc = yaml(TARGET);
        let reports = apply(&mut doc, "2.14", &[file(None)]);
        let r = &reports[0];
        assert_eq!(
            r.applied,
            [
                "schema pages",
                "schema thing",
                "GET /things",
                "GET /things query parameter page"
            ],
            "{r}"
        );
        assert_eq!(r.pagination, 1);
        let skipped: BTreeMap<_, _> = r.skipped.iter().cloned().collect();
        assert_eq!(skipped["PUT /things"], Skip::DeletesOperation);
        assert_eq!(skipped["GET /things/{id}"], Skip::NamesOnly);
        assert_eq!(skipped["servers"], Skip::Setting);
        // `listing` is not in the target and the unit is only a correction.
        assert_eq!(skipped["schema listing"], Skip::Absent);
        assert_eq!(r.notes, ["1 `$ref` without `/` after `#` rooted"]);
        // The corrections landed, nothing else moved.
        assert_eq!(
            doc["components"]["schemas"]["thing"]["required"],
            json!(["id"])
        );
        assert_eq!(
            doc["components"]["schemas"]["thing"]["properties"]["avatar"],
            json!({"type": "string", "description": "the target's words"})
        );
        let params = &doc["paths"]["/things"]["get"]["parameters"];
        assert_eq!(params.as_array().unwrap().len(), 2);
        assert_eq!(params[1]["name"], "page");
        assert!(doc["paths"]["/things"]["put"].is_object(), "kept");
        assert!(
            doc["paths"]["/things"]["get"]
                .get("x-fern-sdk-method-name")
                .is_none()
        );
        assert!(doc["paths"]["/things"]["get"].get(PAGINATION_KEY).is_some());
        assert!(doc["components"]["schemas"]["pages"].is_object());
        let text = r.to_string();
        assert!(
            text.contains(
                "skipped (1), deletes the operation: every published operation is kept: PUT /things"
            ),
            "{text}"
        );
    }

    #[test]
    fn another_version_gets_only_units_whose_shape_matches_the_target() {
        // Same parameters and avatar (in other words), another `required`.
        let other = TARGET
            .replace("required: [id, name]", "required: [id, name, extra]")
            .replace("the target's words", "other words");
        let mut doc = yaml(&other);
        let r = &apply(&mut doc, "2.15", &[file(Some(yaml(TARGET)))])[0];
        assert_eq!(
            r.applied,
            [
                "schema pages",
                "GET /things",
                "GET /things query parameter page"
            ],
            "{r}"
        );
        let skipped: BTreeMap<_, _> = r.skipped.iter().cloned().collect();
        assert_eq!(
            skipped["schema thing"],
            Skip::Differs {
                target: "2.14".into(),
                at: "required".into()
            }
        );
        assert_eq!(
            doc["components"]["schemas"]["thing"]["required"],
            json!(["id", "name", "extra"])
        );
        // A file for its target only leaves every other version alone.
        let mut doc = yaml(TARGET);
        let before = doc.clone();
        let r = &apply(
            &mut doc,
            "2.15",
            &[file(Some(yaml(TARGET))).only_target(true)],
        )[0];
        assert_eq!(doc, before);
        assert!(r.applied.is_empty() && r.skipped.is_empty() && r.other_version);
        assert!(r.to_string().contains("corrects 2.14 only"), "{r}");
    }

    #[test]
    fn a_version_whose_schema_is_not_in_the_target_keeps_it() {
        // `listing` exists here but not in the target: its correction was
        // written for another shape.
        let mut doc = yaml(&format!(
            "{TARGET}    listing:\n      type: object\n      properties: {{pages: {{type: object}}}}\n"
        ));
        let r = &apply(&mut doc, "2.15", &[file(Some(yaml(TARGET)))])[0];
        assert!(
            r.skipped.contains(&("schema listing".into(), Skip::Absent)),
            "{r}"
        );
        assert!(
            doc["components"]["schemas"]["listing"]
                .get("properties")
                .is_some()
        );
        assert!(
            doc["components"]["schemas"]["listing"]["properties"]["pages"]
                .get("$ref")
                .is_none()
        );
        // Where neither has it, a correction defines nothing.
        let mut doc = yaml(TARGET);
        let r = &apply(&mut doc, "2.15", &[file(Some(yaml(TARGET)))])[0];
        assert!(
            r.skipped.contains(&("schema listing".into(), Skip::Absent)),
            "{r}"
        );
        assert!(doc["components"]["schemas"].get("listing").is_none());
    }

    #[test]
    fn parameters_apply_one_by_one_under_this_versions_path_names() {
        let target = "paths:\n  /contacts/{contact_id}/notes:\n    get:\n      parameters:\n        - {name: contact_id, in: path, required: true, schema: {type: string}}\n      responses: {}\n";
        let file = "paths:\n  /contacts/{contact_id}/notes:\n    get:\n      x-fern-pagination: {offset: $request.page}\n      parameters:\n        - {name: contact_id, in: path, required: true, description: The id., schema: {type: string}}\n        - {name: page, in: query, schema: {type: integer}}\n";
        // An older version: `{id}`, and an integer.
        let older = "paths:\n  /contacts/{id}/notes:\n    get:\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: integer}}\n      responses: {}\n";
        let file = Overrides::parse("fern", "2.14", file, Some(yaml(target))).unwrap();
        let mut doc = yaml(older);
        let r = &apply(&mut doc, "2.12", &[file])[0];
        assert_eq!(
            r.applied,
            [
                "GET /contacts/{contact_id}/notes",
                "GET /contacts/{contact_id}/notes query parameter page"
            ],
            "{r}"
        );
        assert_eq!(
            r.skipped,
            [(
                "GET /contacts/{contact_id}/notes path parameter contact_id".into(),
                Skip::Differs {
                    target: "2.14".into(),
                    at: "parameter id.schema.type".into()
                }
            )]
        );
        let op = &doc["paths"]["/contacts/{id}/notes"]["get"];
        assert_eq!(
            op["parameters"],
            json!([
                {"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}},
                {"name": "page", "in": "query", "schema": {"type": "integer"}},
            ])
        );
        assert!(op.get(PAGINATION_KEY).is_some());
        assert_eq!(path_param_name("/a/{x}/b", "/a/{y}/b", "x"), "y");
    }

    #[test]
    fn a_lists_pages_change_only_where_the_list_answers_the_same_operations() {
        let target = "paths:\n  /things:\n    get:\n      responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/thing_list'}}}}}\ncomponents:\n  schemas:\n    thing_list:\n      properties: {pages: {type: object}}\n";
        let file =
            "components:\n  schemas:\n    thing_list:\n      properties: {pages: {type: string}}\n";
        let search = "  /things/search:\n    post:\n      responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/thing_list'}}}}}\n";
        let with_search = target.replace("components:", &format!("{search}components:"));
        let file = Overrides::parse("x", "2.14", file, Some(yaml(target))).unwrap();
        let mut doc = yaml(&with_search);
        let r = &apply(&mut doc, "preview", std::slice::from_ref(&file))[0];
        assert_eq!(
            r.skipped,
            [(
                "schema thing_list".into(),
                Skip::Differs {
                    target: "2.14".into(),
                    at: "properties.pages (the list also answers POST /things/search)".into()
                }
            )]
        );
        let mut doc = yaml(target);
        let r = &apply(&mut doc, "2.15", &[file])[0];
        assert_eq!(r.applied, ["schema thing_list"]);
    }

    #[test]
    fn declared_properties_are_kept_where_a_unit_deletes_them() {
        let file = Overrides::parse(
            "x",
            "2.14",
            "components:\n  schemas:\n    thing:\n      properties:\n        id: null\n        admins: {type: array}\n        avatar: {properties: null, type: string}\n    pages:\n      properties: {next: null}\n",
            None,
        )
        .unwrap();
        let mut doc = yaml(TARGET);
        let r = &apply(&mut doc, "2.14", &[file])[0];
        assert_eq!(r.applied, ["schema thing"], "{r}");
        assert_eq!(r.kept, ["schema thing: properties.id"]);
        assert_eq!(r.skipped, [("schema pages".into(), Skip::OnlyDeletes)]);
        let thing = &doc["components"]["schemas"]["thing"]["properties"];
        assert!(thing["id"].is_object(), "kept");
        assert!(thing["admins"].is_object(), "added");
        // `properties: null` deletes the keyword, not a property: applied.
        assert_eq!(
            thing["avatar"],
            json!({"type": "string", "description": "the target's words"})
        );
    }

    #[test]
    fn a_unit_writing_a_union_is_skipped() {
        let file = Overrides::parse(
            "x",
            "2.14",
            "paths:\n  /things:\n    get:\n      responses:\n        '200':\n          content:\n            application/json:\n              schema:\n                $ref: null\n                oneOf: [{$ref: '#/components/schemas/thing'}]\n",
            None,
        )
        .unwrap();
        let mut doc = yaml(TARGET);
        let before = doc.clone();
        let r = &apply(&mut doc, "2.14", &[file])[0];
        assert_eq!(
            r.skipped,
            [(
                "GET /things".into(),
                Skip::Union("responses.200.content.application/json.schema.oneOf".into())
            )]
        );
        assert_eq!(doc, before);
    }

    /// `GET /companies`: one company or a list, each with its own `type`.
    /// codegen tells them apart (`tagged_unions`), so the union applies.
    #[test]
    fn a_unit_writing_a_union_told_apart_by_type_applies() {
        let file = Overrides::parse(
            "x",
            "2.14",
            "paths:\n  /things:\n    get:\n      responses:\n        '200':\n          content:\n            application/json:\n              schema:\n                $ref: null\n                oneOf: [{$ref: '#/components/schemas/thing'}, {$ref: '#/components/schemas/thing_list'}]\n",
            None,
        )
        .unwrap();
        let mut doc = yaml(TARGET);
        let schemas = doc["components"]["schemas"].as_object_mut().unwrap();
        schemas["thing"]["properties"]["type"] = json!({"type": "string", "enum": ["thing"]});
        schemas.insert(
            "thing_list".into(),
            json!({"type": "object", "properties": {"type": {"type": "string", "enum": ["list"]}, "data": {"type": "array", "items": {"$ref": "#/components/schemas/thing"}}}}),
        );
        let r = &apply(&mut doc, "2.14", &[file])[0];
        assert_eq!(r.applied, ["GET /things"], "{r}");
        assert_eq!(
            doc["paths"]["/things"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                ["oneOf"][1],
            json!({"$ref": "#/components/schemas/thing_list"})
        );
    }

    #[test]
    fn a_unit_referring_to_an_undefined_schema_is_skipped() {
        let file = Overrides::parse(
            "x",
            "2.14",
            "components:\n  schemas:\n    thing:\n      properties:\n        avatar: {$ref: '#/components/schemas/nowhere'}\n",
            None,
        )
        .unwrap();
        let mut doc = yaml(TARGET);
        let before = doc.clone();
        let r = &apply(&mut doc, "2.14", &[file])[0];
        assert_eq!(
            r.skipped,
            [("schema thing".into(), Skip::UndefinedRef("nowhere".into()))]
        );
        assert_eq!(doc, before);
    }

    #[test]
    fn operations_are_found_whatever_their_path_parameters_are_called() {
        let spec = yaml("paths:\n  /things/{thing_id}:\n    get: {responses: {}}\n");
        assert_eq!(
            find_path(&spec, "/things/{id}").as_deref(),
            Some("/things/{thing_id}")
        );
        assert_eq!(find_path(&spec, "/things"), None);
    }

    #[test]
    fn merging_follows_fern_but_matches_parameters_by_name() {
        let mut base = json!({
            "parameters": [{"name": "b", "in": "query"}, {"name": "a", "in": "query", "x": 1}],
            "required": ["a", "b"],
            "anyOf": [{"title": "one"}, {"title": "two"}],
            "gone": {"deep": true},
        });
        merge(
            &mut base,
            &json!({
                "parameters": [{"name": "a", "in": "query", "y": 2}, {"name": "c", "in": "query"}],
                "required": ["a"],
                "anyOf": [{"x-note": null, "type": "object"}],
                "gone": null,
                "new": {"kept": 1, "dropped": null},
            }),
            None,
        );
        assert_eq!(
            base,
            json!({
                "parameters": [
                    {"name": "b", "in": "query"},
                    {"name": "a", "in": "query", "x": 1, "y": 2},
                    {"name": "c", "in": "query"},
                ],
                "required": ["a"],
                "anyOf": [{"title": "one", "type": "object"}, {"title": "two"}],
                "new": {"kept": 1},
            })
        );
    }

    #[test]
    fn repeated_keys_are_composed_and_reported() {
        let (doc, dups) = parse_merging_duplicates(
            "schemas:\n  admin:\n    required: [a, b]\n    x: 1\n  other: {}\n  admin:\n    required: [a]\n    properties: {p: null}\n",
        )
        .unwrap();
        assert_eq!(dups, ["admin"]);
        assert_eq!(
            doc["schemas"]["admin"],
            json!({"required": ["a"], "x": 1, "properties": {"p": null}})
        );
        // Plain serde_yaml_ng would have rejected or dropped the first one.
        assert!(parse_merging_duplicates("a: [1, {b: 2}]\n'200': ok\n").is_ok());
    }

    #[test]
    fn unrooted_refs_are_rooted() {
        let mut doc = json!({"a": {"$ref": "#components/schemas/x"}, "b": {"$ref": "#/components/schemas/y"}});
        assert_eq!(root_relative_refs(&mut doc), 1);
        assert_eq!(doc["a"]["$ref"], "#/components/schemas/x");
    }

    #[test]
    fn shapes_ignore_prose_only() {
        let a = json!({"type": "string", "description": "x", "example": "e"});
        let b = json!({"type": "string", "description": "y"});
        assert!(same_shape(Some(&a), Some(&b)));
        let c = json!({"type": "integer", "description": "x"});
        assert!(!same_shape(Some(&a), Some(&c)));
        assert!(!same_shape(Some(&a), None));
    }
}
