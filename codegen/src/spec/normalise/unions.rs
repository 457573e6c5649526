//! Unions that only say which properties are required.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{Normalisation, Spec, component_schemas, schema_ref_name, walk_objects};

/// Drops `anyOf`/`oneOf` lists whose members only list `required`
/// properties of their parent object, declaring (free-form) any name such a
/// list requires that the object does not declare.
pub const DROP_REQUIRED_ONLY_UNIONS: Normalisation = Normalisation {
    name: "drop_required_only_unions",
    fixes: "an object whose `anyOf` members only say which of its properties is required (create_contact_request: `email`, `external_id` or `role`) becomes untagged variants that each lack the others' fields, so `{role, email}` fits no variant (or, read leniently, loses `role`); where a member requires a property the object never declares (create_message_request's WhatsApp member: `components`), typify cannot merge the members at all and makes each an empty enum, so the operation cannot be called; the object keeps every property, optional, the undeclared ones declared free-form, and Intercom still checks that one set is present",
    apply: drop_required_only_unions,
};

fn drop_required_only_unions(spec: &mut Spec) -> usize {
    let mut count = 0;
    walk_objects(&mut spec.doc, &mut |map| {
        if !matches!(map.get("properties"), Some(Value::Object(_))) {
            return;
        }
        for key in ["anyOf", "oneOf"] {
            let Some(Value::Array(members)) = map.get(key) else {
                continue;
            };
            let required_only = !members.is_empty()
                && members.iter().all(|m| {
                    m.as_object().is_some_and(|m| {
                        m.keys()
                            .all(|k| k == "required" || k == "title" || k == "description")
                            && m.get("required")
                                .and_then(Value::as_array)
                                .is_some_and(|names| names.iter().all(Value::is_string))
                    })
                });
            if !required_only {
                continue;
            }
            let names: Vec<String> = members
                .iter()
                .filter_map(|m| m.get("required").and_then(Value::as_array))
                .flatten()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect();
            let members = map.remove(key).expect("matched above");
            let Some(Value::Object(props)) = map.get_mut("properties") else {
                unreachable!("checked above");
            };
            for name in names {
                if props.contains_key(&name) {
                    continue;
                }
                let by: Vec<String> = members
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|m| {
                        m.get("required")
                            .and_then(Value::as_array)
                            .is_some_and(|r| r.iter().any(|n| n == name.as_str()))
                    })
                    .map(|m| {
                        m.get("title")
                            .and_then(Value::as_str)
                            .map_or_else(|| "one of its forms".to_owned(), str::to_owned)
                    })
                    .collect();
                props.insert(
                    name,
                    json!({
                        "description": format!(
                            "Required by {} ({}), whose schema the spec does not give: any JSON value.",
                            if by.len() == 1 { "this form" } else { "these forms" },
                            by.join("; ")
                        )
                    }),
                );
            }
            count += 1;
        }
    });
    count
}

/// Moves properties declared beside a union of references into its members.
pub const DISTRIBUTE_UNION_SIBLINGS: Normalisation = Normalisation {
    name: "distribute_union_siblings",
    fixes: "properties declared beside a `oneOf`/`anyOf` whose members are references (reply_ticket's body: `skip_notifications` beside contact and admin replies, the contact reply itself a `oneOf` of `allOf`-based objects) are merged by typify into nothing: each contact variant becomes an empty enum and no contact can reply to a ticket; each member object gets the properties itself (a component used elsewhere is copied, not changed)",
    apply: distribute_union_siblings,
};

/// How many `$ref`s name each component schema (examples aside).
fn ref_counts(doc: &Value) -> BTreeMap<String, usize> {
    fn walk(value: &Value, out: &mut BTreeMap<String, usize>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => {
                            if let Some(name) = schema_ref_name(r) {
                                *out.entry(name.to_owned()).or_default() += 1;
                            }
                        }
                        ("example" | "examples" | "x-examples", _) => {}
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(doc, &mut out);
    out
}

/// Adds `siblings` (and `required`) to the object `member`, or to each
/// member of the union `member` is; a referenced component is changed in
/// place when only this union names it, and copied inline otherwise.
/// Returns false where a member is neither an object nor a union.
fn distribute(
    member: &mut Value,
    siblings: &Map<String, Value>,
    required: &[Value],
    schemas: &mut Map<String, Value>,
    refs: &BTreeMap<String, usize>,
) -> bool {
    if let Some(name) = member
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(schema_ref_name)
        .map(str::to_owned)
    {
        let Some(mut target) = schemas.get(&name).cloned() else {
            return false;
        };
        if !distribute(&mut target, siblings, required, schemas, refs) {
            return false;
        }
        if refs.get(&name).copied().unwrap_or(0) <= 1 {
            schemas.insert(name, target);
        } else {
            *member = target;
        }
        return true;
    }
    let Some(map) = member.as_object_mut() else {
        return false;
    };
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(members)) = map.get_mut(key) {
            return members
                .iter_mut()
                .all(|m| distribute(m, siblings, required, schemas, refs));
        }
    }
    let object = map.get("type").is_none_or(|t| t == "object")
        && (map.contains_key("properties") || map.contains_key("allOf"));
    if !object {
        return false;
    }
    let props = map
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(props) = props.as_object_mut() else {
        return false;
    };
    for (name, schema) in siblings {
        props.entry(name.clone()).or_insert_with(|| schema.clone());
    }
    if !required.is_empty() {
        let list = map
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(list) = list.as_array_mut() {
            for name in required {
                if !list.contains(name) {
                    list.push(name.clone());
                }
            }
        }
    }
    true
}

/// Distributes the union at `map`, if it is one of references with
/// properties beside it; all or nothing. Returns whether it did.
fn distribute_at(
    map: &mut Map<String, Value>,
    schemas: &mut Map<String, Value>,
    refs: &BTreeMap<String, usize>,
) -> bool {
    let Some(Value::Object(siblings)) = map.get("properties") else {
        return false;
    };
    let Some((key, Value::Array(members))) = ["oneOf", "anyOf"]
        .into_iter()
        .find_map(|key| map.get(key).map(|members| (key, members)))
    else {
        return false;
    };
    if !members.iter().any(|m| m.get("$ref").is_some()) {
        return false;
    }
    let siblings = siblings.clone();
    let required: Vec<Value> = map
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut members = members.clone();
    let mut trial = schemas.clone();
    if !members
        .iter_mut()
        .all(|m| distribute(m, &siblings, &required, &mut trial, refs))
    {
        return false;
    }
    *schemas = trial;
    map.insert(key.into(), Value::Array(members));
    map.remove("properties");
    map.remove("required");
    if map.get("type").is_some_and(|t| t == "object") {
        map.remove("type");
    }
    true
}

fn distribute_union_siblings(spec: &mut Spec) -> usize {
    let refs = ref_counts(&spec.doc);
    // Taken out so that the walk over the document can change components.
    let mut schemas = std::mem::take(component_schemas(&mut spec.doc));
    let mut count = 0;
    walk_objects(&mut spec.doc, &mut |map| {
        count += usize::from(distribute_at(map, &mut schemas, &refs));
    });
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let Some(mut schema) = schemas.get(&name).cloned() else {
            continue;
        };
        let mut here = 0;
        walk_objects(&mut schema, &mut |map| {
            here += usize::from(distribute_at(map, &mut schemas, &refs));
        });
        if here > 0 {
            schemas.insert(name, schema);
            count += here;
        }
    }
    *component_schemas(&mut spec.doc) = schemas;
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn a_union_of_required_lists_leaves_one_object_with_every_property() {
        let mut s = spec(
            "paths: {}\ncomponents:\n  schemas:\n    create_contact_request:\n      type: object\n      properties: {role: {type: string}, email: {type: string}, external_id: {type: string}}\n      anyOf:\n        - required: [email]\n        - required: [external_id]\n          title: by id\n        - required: [role]\n    real_union:\n      type: object\n      properties: {a: {type: string}}\n      oneOf:\n        - required: [a]\n        - properties: {b: {type: string}}\n",
        );
        assert_eq!(drop_required_only_unions(&mut s), 1);
        let schemas = &s.doc["components"]["schemas"];
        assert!(schemas["create_contact_request"].get("anyOf").is_none());
        assert_eq!(
            schemas["create_contact_request"]["properties"]
                .as_object()
                .unwrap()
                .len(),
            3
        );
        // A member with properties of its own is a real union: kept.
        assert!(schemas["real_union"].get("oneOf").is_some());
    }

    #[test]
    fn a_required_name_the_object_never_declares_is_declared_free_form() {
        let mut s = spec(
            "paths: {}\ncomponents:\n  schemas:\n    create_message_request:\n      type: object\n      properties: {message_type: {type: string}, body: {type: string}, template: {type: string}}\n      anyOf:\n        - title: in app\n          required: [message_type, body]\n        - title: whatsapp\n          required: [message_type, template, components]\n",
        );
        assert_eq!(drop_required_only_unions(&mut s), 1);
        let schema = &s.doc["components"]["schemas"]["create_message_request"];
        assert!(schema.get("anyOf").is_none());
        let props = schema["properties"].as_object().unwrap();
        assert_eq!(
            props.keys().collect::<Vec<_>>(),
            ["body", "components", "message_type", "template"]
        );
        // Free-form: no type, any JSON value; the doc says which form needs it.
        assert_eq!(
            props["components"],
            json!({"description": "Required by this form (whatsapp), whose schema the spec does not give: any JSON value."})
        );
        assert!(schema.get("required").is_none());
    }

    #[test]
    fn properties_beside_a_union_of_references_move_into_each_member_object() {
        let mut s = spec(
            "paths:\n  /reply:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              oneOf:\n                - $ref: '#/components/schemas/contact'\n                - $ref: '#/components/schemas/admin'\n              properties:\n                skip: {type: boolean}\ncomponents:\n  schemas:\n    contact:\n      oneOf:\n        - $ref: '#/components/schemas/by_id'\n        - $ref: '#/components/schemas/by_email'\n    by_id:\n      type: object\n      allOf: [{$ref: '#/components/schemas/base'}]\n      properties: {id: {type: string}}\n      required: [id]\n    by_email:\n      type: object\n      properties: {email: {type: string}}\n    base:\n      type: object\n      properties: {body: {type: string}}\n    admin:\n      type: object\n      properties: {admin_id: {type: string}}\n    other:\n      type: object\n      properties: {a: {$ref: '#/components/schemas/by_email'}}\n    inline_union:\n      type: object\n      properties: {name: {type: string}}\n      oneOf:\n        - properties: {options: {type: array}}\n        - title: other\n",
        );
        assert_eq!(distribute_union_siblings(&mut s), 1);
        let body = &s.doc["paths"]["/reply"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"];
        assert!(body.get("properties").is_none());
        let schemas = &s.doc["components"]["schemas"];
        // Only this union names them: changed in place.
        assert_eq!(
            schemas["by_id"]["properties"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["id", "skip"]
        );
        assert_eq!(schemas["by_id"]["required"], json!(["id"]));
        assert!(schemas["admin"]["properties"].get("skip").is_some());
        // `by_email` is used elsewhere too: this union gets a copy, the
        // component stays as it was.
        assert!(schemas["by_email"]["properties"].get("skip").is_none());
        assert_eq!(
            schemas["contact"]["oneOf"][1],
            json!({"type": "object", "properties": {"email": {"type": "string"}, "skip": {"type": "boolean"}}})
        );
        // Unions of inline members are typify's to merge: left alone.
        assert!(schemas["inline_union"].get("properties").is_some());
    }

    #[test]
    fn a_member_that_is_no_object_leaves_the_union_as_it_was() {
        let mut s = spec(
            "paths: {}\ncomponents:\n  schemas:\n    u:\n      oneOf: [{$ref: '#/components/schemas/s'}, {$ref: '#/components/schemas/o'}]\n      properties: {skip: {type: boolean}}\n    s: {type: string}\n    o: {type: object, properties: {a: {type: string}}}\n",
        );
        let before = s.doc.clone();
        assert_eq!(distribute_union_siblings(&mut s), 0);
        assert_eq!(s.doc, before);
    }
}
