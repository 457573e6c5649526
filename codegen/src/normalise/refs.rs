//! Broken and lossy `$ref`s.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{Normalisation, Spec, component_schemas, schema_ref_name, walk_objects};

/// Defines every component schema that is referenced but never declared.
pub const DEFINE_UNDEFINED_SCHEMAS: Normalisation = Normalisation {
    name: "define_undefined_schemas",
    fixes: "2.7–2.11 reference `#/components/schemas/custom_attributes` without defining it",
    apply: define_undefined_schemas,
};

/// Adds a free-form object schema for each dangling schema reference. Intercom
/// uses `custom_attributes` for a string-keyed map of arbitrary JSON values,
/// which is exactly what a free-form object deserialises to.
fn define_undefined_schemas(spec: &mut Spec) -> usize {
    let mut referenced = BTreeSet::new();
    walk_objects(&mut spec.doc, &mut |map| {
        if let Some(name) = map.get("$ref").and_then(Value::as_str).and_then(schema_ref_name) {
            referenced.insert(name.to_owned());
        }
    });
    let schemas = component_schemas(&mut spec.doc);
    let mut added = 0;
    for name in referenced {
        if !schemas.contains_key(&name) {
            schemas.insert(
                name.clone(),
                json!({
                    "type": "object",
                    "description": format!("`{name}`: free-form object (undefined in the published spec)."),
                    "additionalProperties": true,
                }),
            );
            added += 1;
        }
    }
    added
}

/// Turns `{$ref, nullable: true}` into `{allOf: [{$ref}], nullable: true}`.
pub const NULLABLE_REFS: Normalisation = Normalisation {
    name: "nullable_refs",
    fixes: "`nullable: true` beside a `$ref` is ignored by OpenAPI 3.0 parsers, so a field that is null in real responses would fail to deserialise",
    apply: nullable_refs,
};

fn nullable_refs(spec: &mut Spec) -> usize {
    let mut count = 0;
    walk_objects(&mut spec.doc, &mut |map| {
        if map.contains_key("$ref") && map.get("nullable") == Some(&Value::Bool(true)) {
            let reference = map.remove("$ref").expect("checked above");
            map.insert("allOf".into(), json!([{ "$ref": reference }]));
            count += 1;
        }
    });
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::spec;

    #[test]
    fn defines_dangling_custom_attributes_once() {
        let mut s = spec(
            r##"
paths: {}
components:
  schemas:
    contact:
      properties:
        custom_attributes: {$ref: "#/components/schemas/custom_attributes"}
        other: {$ref: "#/components/schemas/custom_attributes"}
        owner: {$ref: "#/components/schemas/admin"}
    admin: {type: object}
"##,
        );
        assert_eq!(define_undefined_schemas(&mut s), 1);
        let defined = &s.doc["components"]["schemas"]["custom_attributes"];
        assert_eq!(defined["type"], "object");
        assert_eq!(defined["additionalProperties"], true);
        assert_eq!(define_undefined_schemas(&mut s), 0, "idempotent");
    }

    #[test]
    fn wraps_nullable_refs_in_all_of() {
        let mut s = spec(
            r##"
components:
  schemas:
    a:
      properties:
        x: {$ref: "#/components/schemas/b", nullable: true, description: kept}
        y: {$ref: "#/components/schemas/b"}
    b: {type: object}
"##,
        );
        assert_eq!(nullable_refs(&mut s), 1);
        let x = &s.doc["components"]["schemas"]["a"]["properties"]["x"];
        assert_eq!(x["allOf"][0]["$ref"], "#/components/schemas/b");
        assert_eq!(x["nullable"], true);
        assert_eq!(x["description"], "kept");
        assert!(x.get("$ref").is_none());
        let y = &s.doc["components"]["schemas"]["a"]["properties"]["y"];
        assert_eq!(y["$ref"], "#/components/schemas/b");
    }
}
