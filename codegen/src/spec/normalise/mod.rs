//! Spec normalisations: each repairs one known defect of Intercom's published
//! descriptions so that progenitor can generate a faithful client.
//!
//! Every normalisation is a plain function over the raw document (a
//! [`serde_json::Value`], because some defects — such as siblings of `$ref` —
//! are lost by a typed parse), returns how many places it touched, and is
//! unit-tested on a tiny inline spec. [`ALL`] lists them in the order they run.

use serde_json::Value;

pub use crate::model::Dropped;
pub(crate) use crate::model::METHODS;
pub(crate) use crate::spec::json::{
    component_schemas, for_each_operation, for_each_schema, schema_ref_name, walk_objects,
};

mod defaults;
mod drop_unsupported;
mod enums;
mod formats;
mod names;
mod operation_ids;
mod pagination;
mod path_params;
mod refs;
mod responses;
mod tolerance;
mod unions;
mod version_header;

/// A spec being normalised, plus what normalisation had to give up.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The raw OpenAPI document.
    pub doc: Value,
    /// Operations removed because generation cannot express them.
    pub dropped: Vec<Dropped>,
}

/// One named normalisation.
pub struct Normalisation {
    /// Short stable name, printed in reports.
    pub name: &'static str,
    /// The spec defect it repairs.
    pub fixes: &'static str,
    /// Applies it; returns how many places it touched.
    pub apply: fn(&mut Spec) -> usize,
}

/// What one normalisation did to one spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The normalisation's name.
    pub name: &'static str,
    /// Places touched.
    pub count: usize,
}

/// Every normalisation, in the order they run.
pub const ALL: &[Normalisation] = &[
    refs::DEFINE_UNDEFINED_SCHEMAS,
    operation_ids::SYNTHESIZE_OPERATION_IDS,
    version_header::STRIP_VERSION_HEADER,
    path_params::MATCH_PATH_PARAMS,
    drop_unsupported::DROP_MULTIPART_OPERATIONS,
    refs::NULLABLE_COMPONENTS,
    refs::NULLABLE_REFS,
    enums::DROP_NULL_FROM_ENUMS,
    enums::DROP_NON_STRING_ENUMS,
    enums::DROP_UNNAMEABLE_ENUMS,
    formats::DROP_CONTAINER_FORMATS,
    unions::DROP_REQUIRED_ONLY_UNIONS,
    unions::DISTRIBUTE_UNION_SIBLINGS,
    defaults::DEFAULTS_INTO_DOCS,
    responses::INLINE_RESPONSE_REFS,
    responses::FILL_SCHEMALESS_JSON,
    responses::DROP_DEFAULT_RESPONSES,
    responses::UNIFY_RESPONSE_TYPES,
    pagination::DOCUMENTED_CURSOR_PARAMS,
    names::STRIP_INLINE_TITLES,
    names::RENAME_COLLIDING_INLINE_TYPES,
    tolerance::ALLOW_UNKNOWN_FIELDS,
    tolerance::OPAQUE_UUIDS,
    tolerance::FREE_FORM_CUSTOM_ATTRIBUTES,
    tolerance::OPTIONAL_RESPONSE_FIELDS,
];

/// Runs every normalisation in [`ALL`] over `spec`.
pub fn normalise(spec: &mut Spec) -> Vec<Applied> {
    ALL.iter()
        .map(|n| Applied {
            name: n.name,
            count: (n.apply)(spec),
        })
        .collect()
}

#[cfg(test)]
pub(crate) fn spec(yaml: &str) -> Spec {
    Spec {
        doc: serde_yaml_ng::from_str(yaml).expect("test spec parses"),
        dropped: Vec::new(),
    }
}
