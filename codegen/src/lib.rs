//! Code generation for intercom-rs: Intercom's OpenAPI descriptions in, one
//! formatted Rust module per API version out.
//!
//! Two stages that never import each other, and one model between them
//! (see `ARCHITECTURE.md` at the repository root):
//! - [`spec`] works on the OpenAPI document as JSON: [`spec::load`],
//!   Intercom's overrides ([`spec::overrides`]), paging parameters inherited
//!   from earlier versions ([`spec::inherit_paging_params`]), the
//!   normalisations ([`spec::normalise::ALL`]), and paging detection
//!   ([`spec::paging`]). It yields a [`model::SpecOperations`] map.
//! - [`model`] holds what both stages share: routes, operations, paging,
//!   what was dropped. It is a leaf.
//! - [`syntax`] works on progenitor's output as a syn tree: it drives
//!   progenitor ([`syntax::progenitor`]), reads the output once
//!   ([`syntax::index`], the one place that knows progenitor's layout), runs
//!   the registered passes ([`syntax::passes::ALL`]), emits paginators,
//!   dispatch and runtime items ([`syntax::emit`]), and renders the surface
//!   snapshot ([`syntax::surface`]).
//!
//! - [`api`] is the structured API model of a generated version (built by
//!   [`syntax::api_model`]), and [`diff`] compares two of them: what breaks
//!   and what is added for a Rust caller (`cargo xtask diff`, `MIGRATING.md`).
//!
//! This file is the pipeline, and the only module that uses both stages
//! (with [`report`], which gathers what each did). Beside it,
//! [`versions`] reads `spec/versions.toml` and [`derived_files`] writes the
//! files that follow from it.
//! [`webhook_topics`] reads `spec/webhook-topics.toml` (a leaf too), from
//! which [`syntax::emit::webhooks`] writes each module's `mod webhooks`.

#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::time::Instant;

pub mod api;
pub mod derived_files;
pub mod diff;
pub mod error;
pub mod model;
pub mod report;
pub mod spec;
pub mod syntax;
pub mod versions;
pub mod webhook_topics;

pub use error::{Error, panic_message};
pub use report::{Report, Timings};
pub use versions::{Manifest, Version};

use syntax::passes::{self, Phase};

/// The output of codegen for one version.
#[derive(Debug, Clone)]
pub struct Output {
    /// Formatted Rust source of the module.
    pub code: String,
    /// The API surface snapshot text.
    pub surface: String,
    /// The structured API model ([`api::ApiModel`]): what [`diff`] compares.
    pub api: api::ApiModel,
    /// The report.
    pub report: Report,
}

/// A description as codegen generates from it, and what made it so.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The description: Intercom's overrides applied, position parameters
    /// inherited, normalised.
    pub spec: spec::normalise::Spec,
    /// What each override file did.
    pub overrides: Vec<spec::overrides::Report>,
    /// Position parameters taken from earlier versions.
    pub inherited: Vec<spec::inherit_paging_params::Inherited>,
    /// What each normalisation did.
    pub applied: Vec<spec::normalise::Applied>,
}

/// Prepares a parsed description of `version` for generation: the whole
/// spec stage but the reading off of operations.
pub fn prepare(version: &str, doc: serde_json::Value, inputs: &Inputs) -> Prepared {
    let mut spec = spec::normalise::Spec {
        doc,
        dropped: Vec::new(),
    };
    let overrides = spec::overrides::apply(&mut spec.doc, version, &inputs.overrides);
    let inherited =
        spec::inherit_paging_params::inherit_position_params(&mut spec.doc, &inputs.earlier);
    let applied = spec::normalise::normalise(&mut spec);
    Prepared {
        spec,
        overrides,
        inherited,
        applied,
    }
}

/// Loads and prepares a description of `version` (see [`prepare`]).
pub fn normalised(version: &str, text: &str, inputs: &Inputs) -> Result<Prepared, Error> {
    let doc = spec::load(text).map_err(|e| Error::Parse(e.0))?;
    Ok(prepare(version, doc, inputs))
}

/// What codegen reads for a version besides its own description.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// Intercom's override files, in order.
    pub overrides: Vec<spec::overrides::Overrides>,
    /// The versions listed before it, oldest first.
    pub earlier: Vec<spec::inherit_paging_params::Earlier>,
    /// Every webhook topic of `spec/webhook-topics.toml` (the emitter picks
    /// the version's own); empty: the module's `Event` knows no topic.
    pub webhook_topics: Vec<webhook_topics::Topic>,
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
        let doc = spec::load(&text(&file)?).map_err(|e| format!("{}: {e}", file.label))?;
        docs.insert(file.local_path, doc.clone());
        Ok(doc)
    };
    let earlier = earlier_sources
        .iter()
        .map(|source| {
            Ok(spec::inherit_paging_params::Earlier {
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
            spec::overrides::Overrides::parse(&source.name, &source.target, &body, target_doc)
                .map(|o| o.only_target(source.only_target))
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Inputs {
        overrides,
        earlier,
        webhook_topics: Vec::new(),
    })
}

/// Runs the whole pipeline for one version, with what it reads besides
/// its description ([`Inputs`]).
pub fn generate(version: &Version, text: &str, inputs: &Inputs) -> Result<Output, Error> {
    let mut timings = Timings::default();

    // The spec stage.
    let t = Instant::now();
    let doc = spec::load(text).map_err(|e| Error::Parse(e.0))?;
    let spec_operations = spec::count_operations(&doc);
    timings.parse = t.elapsed();
    let t = Instant::now();
    let Prepared {
        spec,
        overrides: overridden,
        inherited,
        applied,
    } = prepare(&version.name, doc, inputs);
    let sdk_names: Vec<spec::names::SdkName> = inputs
        .overrides
        .iter()
        .filter(|o| !o.only_target || o.target == version.name)
        .flat_map(|o| o.sdk_names())
        .collect();
    let spec_ops = spec::operations(&spec.doc, &spec::names::Namer::new(&sdk_names));
    let collisions = spec::names::collisions(&spec_ops);
    if !collisions.is_empty() {
        return Err(Error::Generate(format!(
            "two calls of the grouped client share a name: {}",
            collisions.join("; ")
        )));
    }
    let mut sdk_paginated: Vec<(String, String)> = inputs
        .overrides
        .iter()
        .flat_map(|o| o.paginated())
        .collect();
    sdk_paginated.sort();
    sdk_paginated.dedup();
    let examples = spec::examples::response_examples(&spec.doc);
    let openapi: openapiv3::OpenAPI =
        serde_json::from_value(spec.doc).map_err(|e| Error::Parse(e.to_string()))?;
    let dropped = spec.dropped;
    timings.normalise = t.elapsed();

    // The syntax stage: from here on, the model and syn only.
    let t = Instant::now();
    let (tokens, types) = syntax::progenitor::progenitor(&openapi)?;
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| Error::Generate(e.to_string()))?;
    let index = syntax::index::Index::new(&file);
    let mut operations = syntax::index::operations(&index, &spec_ops).map_err(Error::Generate)?;
    let reach = syntax::reach::Reach::new(&file, &operations);
    drop(index);
    let mut applied_passes = {
        let cx = passes::Context {
            operations: &operations,
            reach: &reach,
        };
        passes::run(Phase::Types, &mut file, &cx).map_err(Error::Generate)?
    };
    syntax::inhabited::check(&file, &operations).map_err(Error::Generate)?;
    // The emitters read the module the type passes shaped.
    let index = syntax::index::Index::new(&file);
    let paginators = syntax::emit::paginators::apply(&index, &mut operations);
    let dispatch =
        syntax::emit::dispatch::emit(&operations, &syntax::emit::dispatch::setters(&index));
    let grouped = syntax::emit::groups::emit(&index, &operations).map_err(Error::Generate)?;
    let webhooks = syntax::emit::webhooks::emit(
        &index,
        &webhook_topics::for_version(&inputs.webhook_topics, &version.name),
        &version.name,
    )
    .map_err(Error::Generate)?;
    drop(index);
    let cx = passes::Context {
        operations: &operations,
        reach: &reach,
    };
    applied_passes.extend(passes::run(Phase::Requests, &mut file, &cx).map_err(Error::Generate)?);
    syntax::index::append_to_builder(&mut file, paginators).map_err(Error::Generate)?;
    syntax::index::append_to_builder(&mut file, dispatch).map_err(Error::Generate)?;
    applied_passes.extend(passes::run(Phase::Sends, &mut file, &cx).map_err(Error::Generate)?);
    let glue: syn::File = syn::parse2(syntax::emit::runtime_items::runtime_items(
        &version.header,
        &version.feature,
        &operations,
    ))
    .map_err(|e| Error::Generate(e.to_string()))?;
    file.items.extend(glue.items);
    let grouped: syn::File = syn::parse2(grouped).map_err(|e| Error::Generate(e.to_string()))?;
    file.items.extend(grouped.items);
    let ops = syntax::emit::ops::emit(&operations, &examples).map_err(Error::Generate)?;
    let ops: syn::File = syn::parse2(ops).map_err(|e| Error::Generate(e.to_string()))?;
    file.items.extend(ops.items);
    let webhook_topics = (webhooks.typed, webhooks.topics);
    let webhooks: syn::File =
        syn::parse2(webhooks.tokens).map_err(|e| Error::Generate(e.to_string()))?;
    file.items.extend(webhooks.items);
    timings.generate = t.elapsed();

    let api = syntax::api_model::build(&version.name, &file, &operations);
    let t = Instant::now();
    let code = prettyplease::unparse(&file);
    timings.format = t.elapsed();

    let surface = syntax::surface::render(&version.name, &operations, &dropped, &sdk_paginated);
    let report = Report {
        version: version.name.clone(),
        spec_operations,
        operations: operations.len(),
        types,
        overrides: overridden,
        inherited,
        applied,
        passes: applied_passes,
        dropped,
        paging: operations
            .iter()
            .filter(|op| op.paging != model::Paging::None)
            .map(|op| (op.id().to_owned(), op.paging.clone()))
            .collect(),
        calls: operations.iter().map(|op| op.spec.call.clone()).collect(),
        lines: code.lines().count(),
        webhooks: webhook_topics,
        timings,
    };
    Ok(Output {
        code,
        surface,
        api,
        report,
    })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Every `.rs` file under `dir`.
    fn sources(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(sources(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
        out.sort();
        out
    }

    /// The files under `dir` (or the file `dir`) that name any of `names`
    /// (`crate::spec`…) outside comments.
    fn naming(dir: &Path, names: &[&str]) -> Vec<String> {
        let files = if dir.is_dir() {
            sources(dir)
        } else {
            vec![dir.to_owned()]
        };
        let mut out = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                if let Some(name) = names.iter().find(|name| code.contains(*name)) {
                    out.push(format!("{}:{}: names `{name}`", file.display(), n + 1));
                }
            }
        }
        out
    }

    #[test]
    fn the_stages_never_name_each_other_and_the_model_names_neither() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let syntax_names = ["crate::syntax", "super::syntax", "syntax::"];
        let spec_names = ["crate::spec", "super::spec", "spec::", "use serde_json"];
        assert_eq!(
            naming(&src.join("spec"), &syntax_names),
            Vec::<String>::new()
        );
        assert_eq!(
            naming(&src.join("syntax"), &spec_names),
            Vec::<String>::new()
        );
        for leaf in ["model.rs", "error.rs", "versions.rs", "webhook_topics.rs"] {
            let both: Vec<&str> = syntax_names.iter().chain(&spec_names).copied().collect();
            assert_eq!(
                naming(&src.join(leaf), &both),
                Vec::<String>::new(),
                "{leaf}"
            );
        }
        // The check sees what it looks for.
        assert!(!naming(&src.join("lib.rs"), &["crate::spec", "spec::"]).is_empty());
    }
}
