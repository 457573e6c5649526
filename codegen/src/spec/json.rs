//! Helpers over the raw OpenAPI document (a [`serde_json::Value`]) that
//! the spec stage's modules share: walking operations, objects and schemas,
//! and reaching component schemas.

use serde_json::{Map, Value};

use crate::model::METHODS;

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
