//! Unions that only say which properties are required.

use serde_json::Value;

use super::{Normalisation, Spec, walk_objects};

/// Drops `anyOf`/`oneOf` lists whose members only list `required`
/// properties of their parent object.
pub const DROP_REQUIRED_ONLY_UNIONS: Normalisation = Normalisation {
    name: "drop_required_only_unions",
    fixes: "an object whose `anyOf` members only say which of its properties is required (create_contact_request: `email`, `external_id` or `role`) becomes untagged variants that each lack the others' fields, so `{role, email}` fits no variant (or, read leniently, loses `role`); the object keeps every property, optional, and Intercom still checks that one is present",
    apply: drop_required_only_unions,
};

fn drop_required_only_unions(spec: &mut Spec) -> usize {
    let mut count = 0;
    walk_objects(&mut spec.doc, &mut |map| {
        let Some(Value::Object(props)) = map.get("properties") else {
            return;
        };
        let props: Vec<String> = props.keys().cloned().collect();
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
                                .is_some_and(|names| {
                                    names.iter().all(|n| {
                                        n.as_str().is_some_and(|n| props.iter().any(|p| p == n))
                                    })
                                })
                    })
                });
            if required_only {
                map.remove(key);
                count += 1;
            }
        }
    });
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalise::spec;

    #[test]
    fn a_union_of_required_lists_leaves_one_object_with_every_property() {
        let mut s = spec(
            "paths: {}\ncomponents:\n  schemas:\n    create_contact_request:\n      type: object\n      properties: {role: {type: string}, email: {type: string}, external_id: {type: string}}\n      anyOf:\n        - required: [email]\n        - required: [external_id]\n          title: by id\n        - required: [role]\n    real_union:\n      type: object\n      properties: {a: {type: string}}\n      oneOf:\n        - required: [a]\n        - properties: {b: {type: string}}\n    unknown_name:\n      type: object\n      properties: {a: {type: string}}\n      anyOf:\n        - required: [z]\n",
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
        // A member with properties of its own, or requiring a property the
        // object does not declare, is a real union: kept.
        assert!(schemas["real_union"].get("oneOf").is_some());
        assert!(schemas["unknown_name"].get("anyOf").is_some());
    }
}
