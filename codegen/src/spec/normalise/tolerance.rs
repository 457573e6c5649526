//! Tolerance for what real Intercom responses do that the spec does not say.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{Normalisation, Spec, for_each_operation, schema_ref_name};

/// Keys under which a schema holds data rather than subschemas.
const DATA_KEYS: &[&str] = &["example", "examples", "default", "enum", "x-examples"];

/// Calls `f` on every schema object in `schema`, skipping example data.
fn walk_schema(schema: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    match schema {
        Value::Object(map) => {
            f(map);
            for (k, v) in map.iter_mut() {
                if !DATA_KEYS.contains(&k.as_str()) {
                    walk_schema(v, f);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| walk_schema(v, f)),
        _ => {}
    }
}

/// Removes `additionalProperties: false`.
pub const ALLOW_UNKNOWN_FIELDS: Normalisation = Normalisation {
    name: "allow_unknown_fields",
    fixes: "`additionalProperties: false` becomes `deny_unknown_fields`, so a field Intercom adds later would break deserialisation of the whole response",
    apply: allow_unknown_fields,
};

fn allow_unknown_fields(spec: &mut Spec) -> usize {
    let mut count = 0;
    walk_schema(&mut spec.doc, &mut |map| {
        if map.get("additionalProperties") == Some(&Value::Bool(false)) {
            map.remove("additionalProperties");
            count += 1;
        }
    });
    count
}

/// Makes every property of every schema a response can contain optional.
pub const OPTIONAL_RESPONSE_FIELDS: Normalisation = Normalisation {
    name: "optional_response_fields",
    fixes: "response schemas mark fields `required` that real responses omit or null; one missing field would fail the whole call, so response-side fields become `Option` (request-only schemas keep `required`)",
    apply: optional_response_fields,
};

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(schema_ref_name)
            {
                out.push(name.to_owned());
            }
            for (k, v) in map {
                if !DATA_KEYS.contains(&k.as_str()) {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn strip_required(schema: &mut Value) -> usize {
    let mut count = 0;
    walk_schema(schema, &mut |map| {
        if let Some(Value::Array(names)) = map.get("required")
            && names.iter().all(Value::is_string)
        {
            count += names.len();
            map.remove("required");
        }
    });
    count
}

fn optional_response_fields(spec: &mut Spec) -> usize {
    // Inline response schemas, and the component schemas they reach.
    let mut pending = Vec::new();
    let mut count = 0;
    for_each_operation(&mut spec.doc, |_, _, op| {
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            return;
        };
        for response in responses.values_mut() {
            if let Some(Value::Object(content)) = response.get_mut("content") {
                for media in content.values_mut() {
                    if let Some(schema) = media.get_mut("schema") {
                        collect_refs(schema, &mut pending);
                        count += strip_required(schema);
                    }
                }
            }
        }
    });
    let Some(schemas) = spec
        .doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return count;
    };
    let mut seen = BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = schemas.get_mut(&name) {
            collect_refs(schema, &mut pending);
            count += strip_required(schema);
        }
    }
    count
}

/// Drops `format: uuid`, leaving plain strings.
pub const OPAQUE_UUIDS: Normalisation = Normalisation {
    name: "opaque_uuids",
    fixes: "ids such as `error.request_id` are declared `format: uuid`, but Intercom's ids (and the spec's own examples) are opaque strings that are not UUIDs, so every error response would fail to decode",
    apply: opaque_uuids,
};

fn opaque_uuids(spec: &mut Spec) -> usize {
    let mut count = 0;
    walk_schema(&mut spec.doc, &mut |map| {
        if map.get("format").and_then(Value::as_str) == Some("uuid") {
            map.remove("format");
            count += 1;
        }
    });
    count
}

/// Makes the values of every `custom_attributes` map free-form JSON.
pub const FREE_FORM_CUSTOM_ATTRIBUTES: Normalisation = Normalisation {
    name: "free_form_custom_attributes",
    fixes: "`custom_attributes` maps restrict values to strings (or an anyOf that rejects plain strings), while workspaces define boolean, float, integer, date and list attributes, as the spec's own examples show",
    apply: free_form_custom_attributes,
};

fn free_form_custom_attributes(spec: &mut Spec) -> usize {
    let mut count = 0;
    let mut loosen = |schema: &mut Value| {
        if let Some(map) = schema.as_object_mut()
            && map
                .get("additionalProperties")
                .is_some_and(|a| a != &Value::Object(Map::new()))
        {
            map.insert("additionalProperties".into(), Value::Object(Map::new()));
            count += 1;
        }
    };
    if let Some(schema) = spec
        .doc
        .pointer_mut("/components/schemas/custom_attributes")
    {
        loosen(schema);
    }
    walk_schema(&mut spec.doc, &mut |map| {
        if let Some(Value::Object(props)) = map.get_mut("properties")
            && let Some(attrs) = props.get_mut("custom_attributes")
        {
            loosen(attrs);
        }
    });
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn unknown_fields_allowed() {
        let mut s = spec(
            r#"
components:
  schemas:
    a: {type: object, additionalProperties: false, example: {additionalProperties: false}}
    b: {type: object, additionalProperties: {type: string}}
"#,
        );
        assert_eq!(allow_unknown_fields(&mut s), 1);
        assert!(
            s.doc["components"]["schemas"]["a"]
                .get("additionalProperties")
                .is_none()
        );
        assert_eq!(
            s.doc["components"]["schemas"]["a"]["example"]["additionalProperties"],
            false
        );
        assert_eq!(
            s.doc["components"]["schemas"]["b"]["additionalProperties"]["type"],
            "string"
        );
    }

    #[test]
    fn only_response_reachable_schemas_lose_required() {
        let mut s = spec(
            r##"
paths:
  /contacts:
    post:
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/create_contact"}}}}
      responses:
        '200':
          content:
            application/json:
              schema:
                type: object
                required: [type]
                properties:
                  type: {type: string}
                  data: {type: array, items: {$ref: "#/components/schemas/contact"}}
components:
  schemas:
    create_contact: {type: object, required: [email], properties: {email: {type: string}}}
    contact:
      type: object
      required: [id, location]
      properties:
        id: {type: string}
        location: {$ref: "#/components/schemas/location"}
    location: {type: object, required: [city], properties: {city: {type: string}}}
"##,
        );
        assert_eq!(optional_response_fields(&mut s), 4);
        let c = &s.doc["components"]["schemas"];
        assert!(c["contact"].get("required").is_none());
        assert!(c["location"].get("required").is_none());
        assert_eq!(c["create_contact"]["required"][0], "email");
    }
    #[test]
    fn uuid_formats_become_plain_strings() {
        let mut s = spec(
            r#"
components:
  schemas:
    error:
      type: object
      properties:
        request_id: {type: string, format: uuid}
        at: {type: string, format: date-time}
      example: {format: uuid}
"#,
        );
        assert_eq!(opaque_uuids(&mut s), 1);
        let e = &s.doc["components"]["schemas"]["error"];
        assert!(e["properties"]["request_id"].get("format").is_none());
        assert_eq!(e["properties"]["at"]["format"], "date-time");
        assert_eq!(e["example"]["format"], "uuid");
    }

    #[test]
    fn custom_attribute_values_become_free_form() {
        let mut s = spec(
            r##"
components:
  schemas:
    custom_attributes:
      type: object
      additionalProperties: {anyOf: [{type: string}, {type: integer}]}
    instance:
      type: object
      properties:
        custom_attributes: {type: object, additionalProperties: {type: string}}
        custom_attributes_ref: {$ref: "#/components/schemas/custom_attributes"}
        tags: {type: object, additionalProperties: {type: string}}
"##,
        );
        assert_eq!(free_form_custom_attributes(&mut s), 2);
        let c = &s.doc["components"]["schemas"];
        assert_eq!(
            c["custom_attributes"]["additionalProperties"],
            serde_json::json!({})
        );
        assert_eq!(
            c["instance"]["properties"]["custom_attributes"]["additionalProperties"],
            serde_json::json!({})
        );
        assert_eq!(
            c["instance"]["properties"]["tags"]["additionalProperties"]["type"],
            "string"
        );
        assert_eq!(free_form_custom_attributes(&mut s), 0);
    }
}
