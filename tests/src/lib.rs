//! Shared helpers for the end-to-end and snapshot tests in `tests/tests/`:
//! which generated modules this build enabled, where their specs live, and
//! the response examples each spec carries.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use intercom_client_core::{Operation, ResponseDecoders};

pub mod conformance;
use serde_json::Value;

/// One generated module enabled in this build.
#[derive(Debug, Clone, Copy)]
pub struct Module {
    /// Cargo feature, e.g. `v2_11`.
    pub feature: &'static str,
    /// `Intercom-Version` header value of the module.
    pub header: &'static str,
    /// Rendered API surface.
    pub surface: &'static str,
    /// The structured API model, JSON (`codegen::api::ApiModel`).
    pub api_model: &'static str,
    /// Operation table.
    pub operations: &'static [Operation],
    /// Payload decoders per operation.
    pub decoders: &'static [ResponseDecoders],
    /// Request body round trips per operation with a typed body.
    pub round_trips: &'static [intercom_client_core::RequestRoundTrip],
}

include!("../../intercom-api/src/versions.rs");

macro_rules! enabled_modules {
    ($($feature:ident = $name:literal => $krate:ident, $version:literal, $header:literal;)*) => {
        /// The generated modules compiled into this build, oldest first.
        #[allow(clippy::vec_init_then_push)]
        pub fn enabled() -> Vec<Module> {
            #[allow(unused_mut)]
            let mut out = Vec::new();
            $(
                #[cfg(feature = $name)]
                out.push(Module {
                    feature: $name,
                    header: $krate::INTERCOM_VERSION,
                    surface: $krate::SURFACE,
                    api_model: $krate::API_MODEL,
                    operations: $krate::OPERATIONS,
                    decoders: $krate::RESPONSE_DECODERS,
                    round_trips: $krate::REQUEST_ROUND_TRIPS,
                });
            )*
            out
        }
    };
}

for_each_version!(enabled_modules);

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// The pinned version manifest.
pub fn manifest() -> codegen::Manifest {
    codegen::Manifest::load(&workspace_root().join("spec/versions.toml"))
        .expect("spec/versions.toml loads")
}

/// The manifest entry of an enabled module.
pub fn version_of(module: &Module) -> codegen::Version {
    manifest()
        .versions
        .into_iter()
        .find(|v| v.feature == module.feature)
        .unwrap_or_else(|| panic!("feature {} is not in spec/versions.toml", module.feature))
}

/// The fetched spec text of a version (`cargo xtask fetch-specs` puts it there).
pub fn spec_text(version: &codegen::Version) -> String {
    let path = version.local_path(&workspace_root().join("spec"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `cargo xtask fetch-specs` first",
            path.display()
        )
    })
}

/// A version's description as codegen generated from it: Intercom's
/// overrides applied, position parameters inherited, normalised.
pub fn prepared(version: &codegen::Version) -> codegen::Prepared {
    codegen::normalised(&version.name, &spec_text(version), &inputs(version))
        .expect("spec normalises")
}

/// What codegen reads for a version besides its description: Intercom's
/// override files and the earlier versions' descriptions.
pub fn inputs(version: &codegen::Version) -> codegen::Inputs {
    let manifest = manifest();
    let spec_dir = workspace_root().join("spec");
    let mut read =
        |file: &codegen::versions::Pinned| codegen::versions::read_local(&spec_dir, file);
    codegen::load_inputs(
        &version.name,
        &manifest.override_sources(),
        &manifest.earlier_sources(&version.name),
        &mut read,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// One example of a response payload in a spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// `operationId` of the operation.
    pub operation_id: String,
    /// Response status key (`200`, `404`, …).
    pub status: String,
    /// Example name (`example` for a media type's single `example`).
    pub name: String,
    /// The example payload.
    pub value: Value,
}

impl Example {
    /// Whether the status is a success (2xx).
    pub fn is_success(&self) -> bool {
        self.status.starts_with('2')
    }

    /// Identity used in the reviewed failure list.
    pub fn key(&self) -> (String, String, String) {
        (
            self.operation_id.clone(),
            self.status.clone(),
            self.name.clone(),
        )
    }
}

/// Every JSON request body example of every operation of a spec (`status`
/// is `request`), example `$ref`s resolved.
pub fn request_examples(doc: &Value) -> Vec<Example> {
    examples(doc, |op| {
        op.get("requestBody")
            .map(|body| vec![("request".to_owned(), resolve(doc, body, "requestBodies"))])
            .unwrap_or_default()
    })
}

/// `value`, or what its `$ref` to `#/components/<kind>/…` names.
fn resolve<'d>(doc: &'d Value, value: &'d Value, kind: &str) -> &'d Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix(&format!("#/components/{kind}/"))
            .and_then(|name| doc.get("components")?.get(kind)?.get(name))
            .unwrap_or(&Value::Null),
        None => value,
    }
}

/// Every JSON example (a media type's `example` and each `examples` entry)
/// of each operation's bodies: `bodies` lists the objects holding `content`
/// (a request body, each response) with the status they stand under.
fn examples<'d>(
    doc: &'d Value,
    bodies: impl Fn(&'d Value) -> Vec<(String, &'d Value)>,
) -> Vec<Example> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in codegen::model::METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            let operation_id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{method} {path}"), str::to_owned);
            for (status, holder) in bodies(op) {
                let Some(content) = holder.get("content").and_then(Value::as_object) else {
                    continue;
                };
                for (media, body) in content {
                    if !media.contains("json") {
                        continue;
                    }
                    let mut push = |name: String, value: Value| {
                        out.push(Example {
                            method: method.to_ascii_uppercase(),
                            path: path.clone(),
                            operation_id: operation_id.clone(),
                            status: status.clone(),
                            name,
                            value,
                        });
                    };
                    if let Some(value) = body.get("example") {
                        push("example".into(), value.clone());
                    }
                    for (name, ex) in body
                        .get("examples")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(value) = resolve(doc, ex, "examples").get("value") {
                            push(name.clone(), value.clone());
                        }
                    }
                }
            }
        }
    }
    out
}

/// `value` without its `null` members (at any depth): what a round trip
/// through types whose absent fields are skipped gives back.
pub use codegen::spec::overrides::without_nulls;

/// What became of one request example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoundTrip {
    /// Parsed into the body type and written back the same (nulls aside):
    /// nothing lost, nothing added.
    Same,
    /// The operation takes no typed body (or is not generated).
    Untyped,
    /// Parsing failed with this message.
    Rejected(String),
    /// Written back differently: what came back.
    Changed(String),
}

/// Parses a request example into its operation's body type and back.
pub fn round_trip(module: &Module, example: &Example) -> RoundTrip {
    let Some(rt) = module
        .round_trips
        .iter()
        .find(|r| r.operation_id == example.operation_id)
    else {
        return RoundTrip::Untyped;
    };
    let bytes = serde_json::to_vec(&example.value).expect("a JSON value serializes");
    match (rt.round_trip)(&bytes) {
        Err(e) => RoundTrip::Rejected(e.to_string()),
        Ok(back) if same_json(&without_nulls(&back), &without_nulls(&example.value)) => {
            RoundTrip::Same
        }
        Ok(back) => RoundTrip::Changed(back.to_string()),
    }
}

/// Whether `back` is `sent` again: the same members (none lost, none
/// added), the same values; a number may be written in another equal
/// spelling (`1.0` for `1`), and so may a date-time (`.000Z` → `Z`).
pub fn same_json(back: &Value, sent: &Value) -> bool {
    match (back, sent) {
        (Value::Object(b), Value::Object(s)) => {
            b.len() == s.len()
                && s.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|bv| same_json(bv, v)))
        }
        (Value::Array(b), Value::Array(s)) => {
            b.len() == s.len() && b.iter().zip(s).all(|(bv, sv)| same_json(bv, sv))
        }
        (Value::Number(b), Value::Number(s)) => b == s || b.as_f64() == s.as_f64(),
        // A date-time written back in another (equal) spelling: `.000Z` → `Z`.
        (Value::String(b), Value::String(s)) => {
            b == s
                || matches!(
                    (
                        chrono::DateTime::parse_from_rfc3339(b),
                        chrono::DateTime::parse_from_rfc3339(s),
                    ),
                    (Ok(b), Ok(s)) if b == s
                )
        }
        (b, s) => b == s,
    }
}

/// Every JSON response example of every operation of a spec: a media type's
/// `example` and each `examples` entry, response and example `$ref`s resolved.
pub fn response_examples(doc: &Value) -> Vec<Example> {
    examples(doc, |op| {
        op.get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(status, response)| (status.clone(), resolve(doc, response, "responses")))
            .collect()
    })
}

/// What became of one example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It deserialized into the operation's generated type.
    Decoded,
    /// The operation has no typed payload for this status (raw body).
    Untyped,
    /// It did not fit its type; lenient decoding (as calls decode) repaired
    /// this many values, the first described.
    Lenient {
        /// Values coerced or kept aside.
        hits: usize,
        /// The first repair.
        first: String,
    },
    /// Deserialization failed, even leniently, with this message.
    Failed(String),
}

impl Outcome {
    /// Whether the example fit its type strictly.
    pub fn fits(&self) -> bool {
        matches!(self, Outcome::Decoded | Outcome::Untyped)
    }
}

/// Decodes an example with its operation's generated success or error type.
pub fn decode(module: &Module, example: &Example) -> Outcome {
    let Some(decoders) = module
        .decoders
        .iter()
        .find(|d| d.operation_id == example.operation_id)
    else {
        return Outcome::Failed(format!(
            "operation {} is not generated",
            example.operation_id
        ));
    };
    let decoder = if example.is_success() {
        decoders.success
    } else {
        decoders.error
    };
    let Some(decoder) = decoder else {
        return Outcome::Untyped;
    };
    let bytes = serde_json::to_vec(&example.value).expect("a JSON value serializes");
    match decoder(&bytes) {
        Ok(repairs) if repairs.is_empty() => Outcome::Decoded,
        Ok(repairs) => Outcome::Lenient {
            hits: repairs.len(),
            first: repairs[0].to_string(),
        },
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// A reviewed example failure: the spec's example contradicts its schema.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFailure {
    /// Version name as in `spec/versions.toml` (`2.16`, `preview`).
    pub version: String,
    /// `operationId`.
    pub operation: String,
    /// Response status.
    pub status: String,
    /// Example name.
    pub example: String,
    /// Why the example, not the generated type, is wrong.
    pub reason: String,
}

/// The reviewed list in `tests/known-example-failures.toml`, by version.
pub fn known_failures() -> BTreeMap<String, Vec<KnownFailure>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        failure: Vec<KnownFailure>,
    }
    let path = workspace_root().join("tests/known-example-failures.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out: BTreeMap<String, Vec<KnownFailure>> = BTreeMap::new();
    for f in file.failure {
        out.entry(f.version.clone()).or_default().push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_are_collected_from_example_examples_and_refs() {
        let doc = serde_json::json!({
            "paths": {"/a": {"get": {"operationId": "getA", "responses": {
                "400": {"$ref": "#/components/responses/Bad"},
                "200": {"content": {"application/json": {
                    "example": {"x": 1},
                    "examples": {"one": {"value": {"x": 2}}, "two": {"$ref": "#/components/examples/Two"}}
                }}},
                "404": {"content": {"application/json": {"examples": {"nf": {"value": {"type": "error.list"}}}}}},
                "204": {"description": "no body"}
            }}}},
            "components": {
                "examples": {"Two": {"value": {"x": 3}}},
                "responses": {"Bad": {"content": {"application/json": {"example": {"type": "error.list"}}}}}
            }
        });
        let found = response_examples(&doc);
        let summary: Vec<_> = found
            .iter()
            .map(|e| {
                (
                    e.status.as_str(),
                    e.name.as_str(),
                    e.value.clone(),
                    e.is_success(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("200", "example", serde_json::json!({"x": 1}), true),
                ("200", "one", serde_json::json!({"x": 2}), true),
                ("200", "two", serde_json::json!({"x": 3}), true),
                (
                    "400",
                    "example",
                    serde_json::json!({"type": "error.list"}),
                    false
                ),
                (
                    "404",
                    "nf",
                    serde_json::json!({"type": "error.list"}),
                    false
                ),
            ]
        );
    }
}
