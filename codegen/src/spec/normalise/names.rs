//! Type names typify would give twice.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Normalisation, Spec};

/// Rust type name typify derives from a schema name (UpperCamelCase words).
pub(crate) fn pascal(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    let mut start = true;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            start = true;
            prev_lower = false;
            continue;
        }
        if start || (prev_lower && c.is_ascii_uppercase()) {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c.to_ascii_lowercase());
        }
        start = false;
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    out
}

/// Whether typify will emit a named type for this inline schema.
fn becomes_named_type(schema: &Value) -> bool {
    schema.get("$ref").is_none()
        && ["enum", "properties", "oneOf", "anyOf", "allOf"]
            .iter()
            .any(|k| schema.get(k).is_some())
}

/// Titles inline property types whose place-derived name is a component's name.
pub const RENAME_COLLIDING_INLINE_TYPES: Normalisation = Normalisation {
    name: "rename_colliding_inline_types",
    fixes: "an inline property type is named after its place (`ticket.type` → `TicketType`), which collides with a component of that name (`ticket_type`); the inline one becomes `TicketTypeValue`",
    apply: rename_colliding_inline_types,
};

fn rename_colliding_inline_types(spec: &mut Spec) -> usize {
    let Some(Value::Object(schemas)) = spec.doc.pointer_mut("/components/schemas") else {
        return 0;
    };
    let mut taken: BTreeSet<String> = schemas.keys().map(|k| pascal(k)).collect();
    let mut count = 0;
    for (component, schema) in schemas.iter_mut() {
        let Some(Value::Object(props)) = schema.get_mut("properties") else {
            continue;
        };
        for (prop, prop_schema) in props.iter_mut() {
            let (target, place) =
                if prop_schema.get("type").and_then(Value::as_str) == Some("array") {
                    (
                        prop_schema.get_mut("items"),
                        format!("{component}_{prop}_item"),
                    )
                } else {
                    (Some(prop_schema), format!("{component}_{prop}"))
                };
            let Some(target) = target.filter(|t| becomes_named_type(t)) else {
                continue;
            };
            if !taken.contains(&pascal(&place)) {
                continue;
            }
            let mut title = format!("{place}_value");
            let mut n = 2;
            while taken.contains(&pascal(&title)) {
                title = format!("{place}_value{n}");
                n += 1;
            }
            taken.insert(pascal(&title));
            if let Some(map) = target.as_object_mut() {
                map.insert("title".into(), Value::String(title));
                count += 1;
            }
        }
    }
    count
}

/// Removes `title` from inline schemas so typify names them by their place.
pub const STRIP_INLINE_TITLES: Normalisation = Normalisation {
    name: "strip_inline_titles",
    fixes: "inline schemas reuse component titles (`Quick Reply Option` inline in two request schemas and as a component), and typify names types by title, emitting two types with one name; named by their place instead, they are unique",
    apply: strip_inline_titles,
};

fn strip_titles_below(value: &mut Value, count: &mut usize) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if matches!(k.as_str(), "example" | "examples" | "default" | "enum") {
                    continue;
                }
                if let Some(child) = v.as_object_mut()
                    && child.get("title").is_some_and(Value::is_string)
                    && k != "properties"
                {
                    child.remove("title");
                    *count += 1;
                }
                strip_titles_below(v, count);
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                if let Some(child) = v.as_object_mut()
                    && child.get("title").is_some_and(Value::is_string)
                {
                    child.remove("title");
                    *count += 1;
                }
                strip_titles_below(v, count);
            }
        }
        _ => {}
    }
}

fn strip_inline_titles(spec: &mut Spec) -> usize {
    let mut count = 0;
    if let Some(paths) = spec.doc.get_mut("paths") {
        strip_titles_below(paths, &mut count);
    }
    if let Some(Value::Object(schemas)) = spec.doc.pointer_mut("/components/schemas") {
        // A component's own title is harmless: components are named by key.
        for schema in schemas.values_mut() {
            strip_titles_below(schema, &mut count);
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn inline_titles_go_component_titles_and_title_properties_stay() {
        let mut s = spec(
            r##"
paths:
  /reply:
    post:
      requestBody:
        content:
          application/json:
            schema: {title: Reply, type: object}
      responses: {}
components:
  schemas:
    quick_reply_option:
      title: Quick Reply Option
      type: object
      properties:
        title: {type: string}
    reply:
      type: object
      properties:
        options:
          type: array
          items: {title: Quick Reply Option, type: object}
"##,
        );
        assert_eq!(strip_inline_titles(&mut s), 2);
        let c = &s.doc["components"]["schemas"];
        assert_eq!(c["quick_reply_option"]["title"], "Quick Reply Option");
        assert_eq!(
            c["quick_reply_option"]["properties"]["title"]["type"],
            "string"
        );
        assert!(
            c["reply"]["properties"]["options"]["items"]
                .get("title")
                .is_none()
        );
        let body = &s.doc["paths"]["/reply"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"];
        assert!(body.get("title").is_none());
    }

    #[test]
    fn pascal_matches_typify_style() {
        assert_eq!(pascal("ticket_type"), "TicketType");
        assert_eq!(
            pascal("conversation_attribute_list"),
            "ConversationAttributeList"
        );
        assert_eq!(pascal("phoneNumber"), "PhoneNumber");
        assert_eq!(pascal("AI agent"), "AiAgent");
    }

    #[test]
    fn inline_types_named_like_components_get_titles() {
        let mut s = spec(
            r##"
components:
  schemas:
    ticket_type: {type: object}
    ticket:
      properties:
        type: {type: string, enum: [ticket]}
        state: {type: string, enum: [open]}
        id: {type: string}
    thing:
      properties:
        list: {type: array, items: {type: object, properties: {a: {type: string}}}}
    thing_list_item: {type: object}
"##,
        );
        assert_eq!(rename_colliding_inline_types(&mut s), 2);
        let c = &s.doc["components"]["schemas"];
        assert_eq!(
            c["ticket"]["properties"]["type"]["title"],
            "ticket_type_value"
        );
        assert!(c["ticket"]["properties"]["state"].get("title").is_none());
        assert_eq!(
            c["thing"]["properties"]["list"]["items"]["title"],
            "thing_list_item_value"
        );
    }
}
