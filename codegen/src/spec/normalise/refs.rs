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
        if let Some(name) = map
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(schema_ref_name)
        {
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

/// Moves `nullable: true` from component schemas onto the references to them.
pub const NULLABLE_COMPONENTS: Normalisation = Normalisation {
    name: "nullable_components",
    fixes: "component schemas marked `nullable: true` at the top (e.g. `activity_log`, `admin`) make typify emit a wrapper and a struct with the same name; nullability belongs to the places that reference them",
    apply: nullable_components,
};

fn nullable_components(spec: &mut Spec) -> usize {
    let schemas = component_schemas(&mut spec.doc);
    let mut names = BTreeSet::new();
    for (name, schema) in schemas.iter_mut() {
        if let Some(map) = schema.as_object_mut()
            && map.get("nullable") == Some(&Value::Bool(true))
            && !map.contains_key("$ref")
        {
            map.remove("nullable");
            names.insert(format!("#/components/schemas/{name}"));
        }
    }
    if !names.is_empty() {
        mark_refs_nullable(&mut spec.doc, None, &names);
    }
    names.len()
}

/// Adds `nullable: true` beside references to `names`, except where the
/// reference is a whole request/response/parameter schema (`schema:`), whose
/// type must stay the component itself.
fn mark_refs_nullable(value: &mut Value, parent_key: Option<&str>, names: &BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            let targets = map
                .get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|r| names.contains(r));
            if targets && parent_key != Some("schema") {
                map.insert("nullable".into(), Value::Bool(true));
            }
            for (k, v) in map.iter_mut() {
                if !matches!(k.as_str(), "example" | "examples") {
                    mark_refs_nullable(v, Some(k), names);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| mark_refs_nullable(v, parent_key, names)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

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

    #[test]
    fn nullable_components_move_to_their_references() {
        let mut s = spec(
            r##"
paths:
  /admins/me:
    get:
      responses:
        '200': {content: {application/json: {schema: {$ref: "#/components/schemas/admin"}}}}
components:
  schemas:
    admin: {type: object, nullable: true, properties: {id: {type: string}}}
    team:
      properties:
        lead: {$ref: "#/components/schemas/admin"}
        members: {type: array, items: {$ref: "#/components/schemas/admin"}}
        other: {$ref: "#/components/schemas/team"}
"##,
        );
        assert_eq!(nullable_components(&mut s), 1);
        let c = &s.doc["components"]["schemas"];
        assert!(c["admin"].get("nullable").is_none());
        assert_eq!(c["team"]["properties"]["lead"]["nullable"], true);
        assert_eq!(
            c["team"]["properties"]["members"]["items"]["nullable"],
            true
        );
        assert!(c["team"]["properties"]["other"].get("nullable").is_none());
        let body = &s.doc["paths"]["/admins/me"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert!(
            body.get("nullable").is_none(),
            "whole-body schemas keep the component type"
        );
    }
}
