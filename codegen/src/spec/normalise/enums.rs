//! Enumerations the generator cannot name.

use serde_json::Value;

use super::{Normalisation, Spec, walk_objects};

/// Moves `null` out of `enum` lists into `nullable: true`.
pub const DROP_NULL_FROM_ENUMS: Normalisation = Normalisation {
    name: "drop_null_from_enums",
    fixes: "string enums listing `null` as a value (e.g. `ai_agent.resolution_state`) have a variant that cannot be named; null is what `nullable` is for",
    apply: drop_null_from_enums,
};

fn drop_null_from_enums(spec: &mut Spec) -> usize {
    let mut count = 0;
    walk_objects(&mut spec.doc, &mut |map| {
        let Some(Value::Array(values)) = map.get_mut("enum") else {
            return;
        };
        if !values.iter().any(Value::is_null) || !map.contains_key("type") {
            return;
        }
        let Some(Value::Array(values)) = map.get_mut("enum") else {
            return;
        };
        values.retain(|v| !v.is_null());
        if values.is_empty() {
            map.remove("enum");
        }
        map.insert("nullable".into(), Value::Bool(true));
        count += 1;
    });
    count
}

/// Removes `enum` from schemas that are not strings.
pub const DROP_NON_STRING_ENUMS: Normalisation = Normalisation {
    name: "drop_non_string_enums",
    fixes: "single-value boolean enums (`allowed: [true]`) used as discriminators cannot become Rust variants; the field stays a plain bool",
    apply: drop_non_string_enums,
};

fn drop_non_string_enums(spec: &mut Spec) -> usize {
    let mut count = 0;
    walk_objects(&mut spec.doc, &mut |map| {
        let typed_non_string = map
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t != "string");
        if typed_non_string && map.get("enum").is_some_and(Value::is_array) {
            map.remove("enum");
            count += 1;
        }
    });
    count
}

/// Drops `enum` lists whose values cannot all become distinct Rust names.
pub const DROP_UNNAMEABLE_ENUMS: Normalisation = Normalisation {
    name: "drop_unnameable_enums",
    fixes: "operator enums (`=`, `!=`, `<`, `~`, `^`, `$`) have values with no letters, so no variant names can be derived; the field stays a plain string",
    apply: drop_unnameable_enums,
};

/// The letters and digits of a value, lower-cased: what a variant name keeps.
fn name_core(value: &str) -> String {
    value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn drop_unnameable_enums(spec: &mut Spec) -> usize {
    let mut count = 0;
    walk_objects(&mut spec.doc, &mut |map| {
        let Some(Value::Array(values)) = map.get("enum") else {
            return;
        };
        if map.get("type").and_then(Value::as_str) != Some("string") {
            return;
        }
        let mut cores = std::collections::BTreeSet::new();
        let nameable = values.iter().all(|v| {
            v.as_str()
                .map(name_core)
                .is_some_and(|core| !core.is_empty() && cores.insert(core))
        });
        if !nameable {
            map.remove("enum");
            count += 1;
        }
    });
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn null_becomes_nullable() {
        let mut s = spec(
            r#"
components:
  schemas:
    a:
      properties:
        state: {type: string, enum: [open, null, closed]}
        only_null: {type: string, enum: [null]}
        fine: {type: string, enum: [x]}
"#,
        );
        assert_eq!(drop_null_from_enums(&mut s), 2);
        let p = &s.doc["components"]["schemas"]["a"]["properties"];
        assert_eq!(p["state"]["enum"], serde_json::json!(["open", "closed"]));
        assert_eq!(p["state"]["nullable"], true);
        assert!(p["only_null"].get("enum").is_none());
        assert_eq!(p["only_null"]["nullable"], true);
        assert!(p["fine"].get("nullable").is_none());
    }

    #[test]
    fn boolean_enums_become_plain() {
        let mut s = spec(
            r#"
components:
  schemas:
    a:
      properties:
        allowed: {type: boolean, enum: [true]}
        kind: {type: string, enum: [a]}
"#,
        );
        assert_eq!(drop_non_string_enums(&mut s), 1);
        let p = &s.doc["components"]["schemas"]["a"]["properties"];
        assert!(p["allowed"].get("enum").is_none());
        assert_eq!(p["kind"]["enum"][0], "a");
    }

    #[test]
    fn symbol_enums_become_plain_strings() {
        let mut s = spec(
            r#"
components:
  schemas:
    filter:
      properties:
        operator: {type: string, enum: ["=", "!=", "<", "~"]}
        clash: {type: string, enum: ["a-b", "a_b"]}
        field: {type: string, enum: [name, email, "3rd_party"]}
"#,
        );
        assert_eq!(drop_unnameable_enums(&mut s), 2);
        let p = &s.doc["components"]["schemas"]["filter"]["properties"];
        assert!(p["operator"].get("enum").is_none());
        assert!(p["clash"].get("enum").is_none());
        assert_eq!(p["field"]["enum"].as_array().unwrap().len(), 3);
        assert_eq!(p["operator"]["type"], "string");
    }
}
