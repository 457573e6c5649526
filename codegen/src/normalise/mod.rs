//! Spec normalisations: each repairs one known defect of Intercom's published
//! descriptions so that progenitor can generate a faithful client.
//!
//! Every normalisation is a plain function over the raw document (a
//! [`serde_json::Value`], because some defects — such as siblings of `$ref` —
//! are lost by a typed parse), returns how many places it touched, and is
//! unit-tested on a tiny inline spec. [`ALL`] lists them in the order they run.

use serde_json::{Map, Value};

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

pub use unions::told_apart_by_type;

/// An operation normalisation removed because it cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// `operationId` of the dropped operation.
    pub operation_id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Why it cannot be generated.
    pub reason: String,
}

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

/// HTTP methods that carry operations in a path item.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Calls `f(path, method, operation)` for every operation in the document.
pub(crate) fn for_each_operation(
    doc: &mut Value,
    mut f: impl FnMut(&str, &str, &mut Map<String, Value>),
) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if let (true, Some(op)) = (METHODS.contains(&method.as_str()), op.as_object_mut()) {
                f(path, method, op);
            }
        }
    }
}

/// Calls `f` on every JSON object in `value`, parents before children.
pub(crate) fn walk_objects(value: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            f(map);
            for v in map.values_mut() {
                walk_objects(v, f);
            }
        }
        Value::Array(items) => {
            for v in items {
                walk_objects(v, f);
            }
        }
        _ => {}
    }
}

/// Calls `f` on every schema object of the document, parents before
/// children: the schemas of parameters, bodies, responses and components,
/// and every subschema below them (`properties`, `items`,
/// `additionalProperties`, `allOf`/`oneOf`/`anyOf`, `not`). Unlike
/// [`walk_objects`] it never mistakes data for a schema: a property named
/// `default` or `example` is visited, a schema's `default` or `example`
/// value is not.
pub(crate) fn for_each_schema(doc: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    fn schema(value: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
        let Value::Object(map) = value else {
            return;
        };
        f(map);
        for (key, child) in map.iter_mut() {
            match (key.as_str(), child) {
                ("properties", Value::Object(props)) => {
                    props.values_mut().for_each(|p| schema(p, f));
                }
                ("items" | "additionalProperties" | "not", child) => schema(child, f),
                ("allOf" | "oneOf" | "anyOf", Value::Array(members)) => {
                    members.iter_mut().for_each(|m| schema(m, f));
                }
                _ => {}
            }
        }
    }
    fn document(value: &mut Value, in_schemas: bool, f: &mut impl FnMut(&mut Map<String, Value>)) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    match key.as_str() {
                        _ if in_schemas => schema(child, f),
                        "schema" => schema(child, f),
                        "example" | "examples" | "x-examples" => {}
                        "schemas" => document(child, true, f),
                        _ => document(child, false, f),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| document(v, false, f)),
            _ => {}
        }
    }
    document(doc, false, f);
}

/// Name of the component schema a `#/components/schemas/...` reference names.
pub(crate) fn schema_ref_name(reference: &str) -> Option<&str> {
    reference.strip_prefix("#/components/schemas/")
}

/// The `components.schemas` map, created if absent.
pub(crate) fn component_schemas(doc: &mut Value) -> &mut Map<String, Value> {
    let root = doc
        .as_object_mut()
        .expect("an OpenAPI document is an object");
    let components = root
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    if !components.is_object() {
        *components = Value::Object(Map::new());
    }
    let schemas = components
        .as_object_mut()
        .expect("just made an object")
        .entry("schemas")
        .or_insert_with(|| Value::Object(Map::new()));
    if !schemas.is_object() {
        *schemas = Value::Object(Map::new());
    }
    schemas.as_object_mut().expect("just made an object")
}

#[cfg(test)]
pub(crate) fn spec(yaml: &str) -> Spec {
    Spec {
        doc: serde_yaml_ng::from_str(yaml).expect("test spec parses"),
        dropped: Vec::new(),
    }
}
