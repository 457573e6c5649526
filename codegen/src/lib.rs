//! Code generation for intercom-rs: Intercom's OpenAPI descriptions in, one
//! formatted Rust module per API version out.
//!
//! The pipeline is `load → override → normalise → generate → format`:
//! - [`load`] parses the YAML into a raw JSON document;
//! - [`overrides`] applies Intercom's own corrections (the SDK override files);
//! - [`normalise`] repairs known spec defects, one named function each;
//! - [`generate`] drives progenitor and appends the runtime glue;
//! - [`open_enums`] opens closed string enums in the generated code;
//! - the result is formatted with prettyplease, and [`surface`] reads the API
//!   surface back for snapshots and reports.

#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

pub mod api_version_header;
pub mod builders;
pub mod decode_context;
pub mod dispatch;
pub mod earlier;
pub mod generate;
pub mod index;
pub mod inhabited;
pub mod layout;
pub mod normalise;
pub mod open_enums;
pub mod overrides;
pub mod pagination;
pub mod report;
pub mod request_collections;
pub mod schema;
pub mod strict_requests;
pub mod surface;
pub mod tagged_unions;
pub mod versions;

pub use report::{Report, Timings};

/// The text of a panic's payload (a `String` or `&str` message): progenitor
/// and typify report some unsupported constructs by panicking.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".into())
}
pub use versions::{Manifest, Version};

/// Everything that can go wrong between a spec file and a module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `spec/versions.toml` is malformed.
    #[error("{path}: {message}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A spec file's sha256 is not the pinned one.
    #[error("{file}: {path} has sha256 {actual}, expected {expected}")]
    Checksum {
        /// What the file is: `version 2.11`, `override fern`.
        file: String,
        /// The file checked.
        path: PathBuf,
        /// Pinned hash.
        expected: String,
        /// Hash of the file.
        actual: String,
    },
    /// The spec is not valid YAML / OpenAPI 3.0.
    #[error("spec does not parse: {0}")]
    Parse(String),
    /// progenitor or a post-pass failed.
    #[error("generation failed: {0}")]
    Generate(String),
}

/// The output of codegen for one version.
#[derive(Debug, Clone)]
pub struct Output {
    /// Formatted Rust source of the module.
    pub code: String,
    /// The API surface snapshot text.
    pub surface: String,
    /// The report.
    pub report: Report,
    /// The generated operations.
    pub operations: Vec<surface::Operation>,
}

/// Parses a spec (YAML or JSON) into a raw document.
pub fn load(text: &str) -> Result<serde_json::Value, Error> {
    let doc: serde_json::Value =
        serde_yaml_ng::from_str(text).map_err(|e| Error::Parse(e.to_string()))?;
    if !doc.is_object() || doc.get("paths").is_none() {
        return Err(Error::Parse("not an OpenAPI document (no `paths`)".into()));
    }
    Ok(doc)
}

/// A description as codegen generates from it, and what made it so.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The description: Intercom's overrides applied, position parameters
    /// inherited, normalised.
    pub spec: normalise::Spec,
    /// What each override file did.
    pub overrides: Vec<overrides::Report>,
    /// Position parameters taken from earlier versions.
    pub inherited: Vec<earlier::Inherited>,
    /// What each normalisation did.
    pub applied: Vec<normalise::Applied>,
}

/// Prepares a parsed description of `version` for generation.
pub fn prepare(version: &str, doc: serde_json::Value, inputs: &Inputs) -> Prepared {
    let mut spec = normalise::Spec {
        doc,
        dropped: Vec::new(),
    };
    let overrides = overrides::apply(&mut spec.doc, version, &inputs.overrides);
    let inherited = earlier::inherit_position_params(&mut spec.doc, &inputs.earlier);
    let applied = normalise::normalise(&mut spec);
    Prepared {
        spec,
        overrides,
        inherited,
        applied,
    }
}

/// Loads and prepares a description of `version` (see [`prepare`]).
pub fn normalised(version: &str, text: &str, inputs: &Inputs) -> Result<Prepared, Error> {
    Ok(prepare(version, load(text)?, inputs))
}

/// A post-pass's count of places rewritten, checked against what it had to
/// reach.
fn post_pass_reached(
    count: usize,
    expected: impl std::ops::RangeBounds<usize> + std::fmt::Debug,
    what: &str,
) -> Result<(), Error> {
    if expected.contains(&count) {
        Ok(())
    } else {
        Err(Error::Generate(format!(
            "{what}: {count}, expected {expected:?}"
        )))
    }
}

fn count_operations(doc: &serde_json::Value) -> usize {
    routes(doc).len()
}

/// `(METHOD, path)` → `operationId` for every operation of a document.
pub fn routes(doc: &serde_json::Value) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(serde_json::Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in normalise::METHODS {
            if let Some(op) = item.get(*method) {
                let id = op
                    .get("operationId")
                    .and_then(serde_json::Value::as_str)
                    .map_or_else(|| format!("{method} {path}"), str::to_owned);
                out.insert((method.to_ascii_uppercase(), path.clone()), id);
            }
        }
    }
    out
}

/// What codegen reads for a version besides its own description.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Intercom's override files, in order.
    pub overrides: Vec<overrides::Overrides>,
    /// The versions listed before it, oldest first.
    pub earlier: Vec<earlier::Earlier>,
}

/// Reads and parses what generating `version` needs besides its own
/// description: every override file (with its target's description unless
/// `version` is the target) and every earlier version's description.
/// `read` returns a pinned file's bytes, checksum-verified.
pub fn load_inputs(
    version: &str,
    override_sources: &[versions::OverrideSource],
    earlier_sources: &[versions::DescriptionSource],
    read: &mut dyn FnMut(&versions::Pinned) -> Result<Vec<u8>, String>,
) -> Result<Inputs, String> {
    let mut text = |file: &versions::Pinned| -> Result<String, String> {
        String::from_utf8(read(file)?).map_err(|e| format!("{}: {e}", file.label))
    };
    // A description is parsed once, whether earlier, a target, or both.
    let mut docs: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut description = |file: versions::Pinned,
                           text: &mut dyn FnMut(&versions::Pinned) -> Result<String, String>|
     -> Result<serde_json::Value, String> {
        if let Some(doc) = docs.get(&file.local_path) {
            return Ok(doc.clone());
        }
        let doc = load(&text(&file)?).map_err(|e| format!("{}: {e}", file.label))?;
        docs.insert(file.local_path, doc.clone());
        Ok(doc)
    };
    let earlier = earlier_sources
        .iter()
        .map(|source| {
            Ok(earlier::Earlier {
                name: source.name.clone(),
                doc: description(source.pinned(), &mut text)?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let overrides = override_sources
        .iter()
        .map(|source| {
            let target_doc = if source.target == version || source.only_target {
                None
            } else {
                Some(description(source.target_spec(), &mut text)?)
            };
            let body = text(&source.file())?;
            overrides::Overrides::parse(&source.name, &source.target, &body, target_doc)
                .map(|o| o.only_target(source.only_target))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Inputs { overrides, earlier })
}

/// Runs the whole pipeline for one version, with what it reads besides
/// its description ([`Inputs`]).
pub fn generate(version: &Version, text: &str, inputs: &Inputs) -> Result<Output, Error> {
    let overrides = &inputs.overrides;
    let mut timings = Timings::default();
    let t = Instant::now();
    let doc = load(text)?;
    let spec_operations = count_operations(&doc);
    timings.parse = t.elapsed();

    let t = Instant::now();
    let Prepared {
        spec,
        overrides: overridden,
        inherited,
        applied,
    } = prepare(&version.name, doc, inputs);
    let routes = routes(&spec.doc);
    let openapi: openapiv3::OpenAPI =
        serde_json::from_value(spec.doc.clone()).map_err(|e| Error::Parse(e.to_string()))?;
    timings.normalise = t.elapsed();

    let t = Instant::now();
    let (tokens, types) = generate::progenitor(&openapi)?;
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| Error::Generate(e.to_string()))?;
    let open_enums =
        open_enums::open_enums(&mut file).map_err(|e| Error::Generate(e.to_string()))?;
    let tagged = tagged_unions::tag_by_type(&mut file).map_err(Error::Generate)?;
    let builders = builders::keep_request_builders(&mut file);
    // Every pass that reads progenitor's output reads this one index; the
    // passes that rewrite it run after.
    let index = index::Index::new(&file);
    let mut operations = surface::operations(&index, &routes).map_err(Error::Generate)?;
    inhabited::check(&file, &operations).map_err(Error::Generate)?;
    let paginators = pagination::apply(&index, &mut operations, &pagination::detect(&spec.doc));
    let dispatch = dispatch::emit(&spec.doc, &operations, &dispatch::setters(&index))
        .map_err(Error::Generate)?;
    drop(index);
    let request_only = strict_requests::request_only(&file, &operations);
    let strict_requests = strict_requests::deny_unknown_request_fields(&mut file, &request_only);
    let request_collections = request_collections::send_empty_collections(&mut file, &request_only);
    index::append_to_builder(&mut file, paginators).map_err(Error::Generate)?;
    index::append_to_builder(&mut file, dispatch).map_err(Error::Generate)?;
    let lenient_decodes = decode_context::decode_leniently(&mut file);
    let ops = operations.len();
    // Each post-pass below must reach every operation's `send()`.
    let restored = decode_context::restore_bodies_handed_on(&mut file);
    post_pass_reached(
        restored,
        ops..,
        "responses handed on unread (each `send()` has an `UnexpectedResponse`)",
    )?;
    let wrapped = decode_context::name_operations_in_decode_errors(&mut file);
    post_pass_reached(
        wrapped,
        ops..=ops,
        "operations naming themselves in decode errors",
    )?;
    let unversioned = api_version_header::drop_api_version_header(&mut file);
    post_pass_reached(
        unversioned,
        ops..=ops,
        "operations whose progenitor `api-version` header was removed",
    )?;
    let glue: syn::File = syn::parse2(generate::runtime_items(&version.header, &operations)?)
        .map_err(|e| Error::Generate(e.to_string()))?;
    file.items.extend(glue.items);
    timings.generate = t.elapsed();

    let t = Instant::now();
    let code = prettyplease::unparse(&file);
    timings.format = t.elapsed();

    let mut sdk_paginated: Vec<(String, String)> =
        overrides.iter().flat_map(|o| o.paginated()).collect();
    sdk_paginated.sort();
    sdk_paginated.dedup();
    let surface = surface::render(&version.name, &operations, &spec.dropped, &sdk_paginated);
    let report = Report {
        version: version.name.clone(),
        spec_operations,
        operations: operations.len(),
        types,
        open_enums,
        overrides: overridden,
        inherited,
        applied,
        dropped: spec.dropped,
        paging: operations
            .iter()
            .filter(|op| op.paging != pagination::Paging::None)
            .map(|op| (op.operation_id.clone(), op.paging.clone()))
            .collect(),
        lines: code.lines().count(),
        builders,
        lenient_decodes,
        strict_requests,
        request_collections,
        tagged,
        timings,
    };
    Ok(Output {
        code,
        surface,
        report,
        operations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_pass_that_misses_operations_fails_codegen() {
        assert!(post_pass_reached(3, 3..=3, "wrapped").is_ok());
        assert!(post_pass_reached(4, 3.., "restored").is_ok());
        let err = post_pass_reached(2, 3..=3, "wrapped").unwrap_err();
        assert_eq!(
            err.to_string(),
            "generation failed: wrapped: 2, expected 3..=3"
        );
        assert!(post_pass_reached(4, 3..=3, "wrapped").is_err());
        assert!(post_pass_reached(2, 3.., "restored").is_err());
    }
}
