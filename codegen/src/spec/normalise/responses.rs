//! Response declarations progenitor cannot turn into one success type and one
//! error type per operation.

use serde_json::{Map, Value, json};

use super::{Normalisation, Spec, component_schemas, for_each_operation};

/// Replaces `$ref`s to `#/components/responses/...` with the response itself.
pub const INLINE_RESPONSE_REFS: Normalisation = Normalisation {
    name: "inline_response_refs",
    fixes: "2.13+ share responses through `#/components/responses`; inlining them lets the response repairs below see every schema",
    apply: inline_response_refs,
};

fn inline_response_refs(spec: &mut Spec) -> usize {
    let shared = spec.doc.pointer("/components/responses").cloned();
    let mut count = 0;
    for_each_operation(&mut spec.doc, |_, _, op| {
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            return;
        };
        for response in responses.values_mut() {
            let target = response
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/responses/"))
                .and_then(|name| shared.as_ref()?.get(name));
            if let Some(target) = target {
                *response = target.clone();
                count += 1;
            }
        }
    });
    count
}

fn is_json(content_type: &str) -> bool {
    content_type == "application/json" || content_type.starts_with("application/json;")
}

fn is_success(code: &str) -> bool {
    code.starts_with('2')
}

/// JSON schemas of the op's responses in one group (success or not).
fn group_schemas(responses: &Map<String, Value>, success: bool) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for (code, response) in responses {
        if is_success(code) != success {
            continue;
        }
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            continue;
        };
        for (ct, media) in content {
            if let (true, Some(schema)) = (is_json(ct), media.get("schema"))
                && !out.contains(schema)
            {
                out.push(schema.clone());
            }
        }
    }
    out
}

/// Gives JSON responses without a schema the schema of their siblings.
pub const FILL_SCHEMALESS_JSON: Normalisation = Normalisation {
    name: "fill_schemaless_json",
    fixes: "some error responses (e.g. `POST /phone_call_redirects` 400/422) declare application/json with no schema; they carry Intercom's error list like their siblings, else any JSON",
    apply: fill_schemaless_json,
};

fn fill_schemaless_json(spec: &mut Spec) -> usize {
    let mut count = 0;
    for_each_operation(&mut spec.doc, |_, _, op| {
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            return;
        };
        let success_schemas = group_schemas(responses, true);
        let error_schemas = group_schemas(responses, false);
        for (code, response) in responses.iter_mut() {
            let siblings = if is_success(code) {
                &success_schemas
            } else {
                &error_schemas
            };
            let Some(Value::Object(content)) = response.get_mut("content") else {
                continue;
            };
            for (ct, media) in content.iter_mut() {
                let Some(media) = media.as_object_mut() else {
                    continue;
                };
                if is_json(ct) && !media.contains_key("schema") {
                    let schema = match siblings.as_slice() {
                        [one] => one.clone(),
                        _ => json!({}),
                    };
                    media.insert("schema".into(), schema);
                    count += 1;
                }
            }
        }
    });
    count
}

/// Drops `default` responses from operations that list explicit status codes.
pub const DROP_DEFAULT_RESPONSES: Normalisation = Normalisation {
    name: "drop_default_responses",
    fixes: "2.15+ add `default` error responses beside explicit ones; progenitor counts `default` as a success type too, so the operation would have two; other statuses still surface as typed errors",
    apply: drop_default_responses,
};

fn drop_default_responses(spec: &mut Spec) -> usize {
    let mut count = 0;
    for_each_operation(&mut spec.doc, |_, _, op| {
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            return;
        };
        if responses.len() > 1 && responses.remove("default").is_some() {
            count += 1;
        }
    });
    count
}

/// Merges distinct response schemas of one group into one `oneOf` schema.
pub const UNIFY_RESPONSE_TYPES: Normalisation = Normalisation {
    name: "unify_response_types",
    fixes: "operations with several different error schemas (`POST /fin/csat`) or success schemas (Preview's catalog upload); progenitor needs exactly one of each",
    apply: unify_response_types,
};

fn unify_response_types(spec: &mut Spec) -> usize {
    let mut new_schemas = Vec::new();
    for_each_operation(&mut spec.doc, |_, _, op| {
        let op_id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("operation")
            .to_owned();
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            return;
        };
        for (success, suffix) in [(true, "Success"), (false, "Failure")] {
            let schemas = group_schemas(responses, success);
            if schemas.len() < 2 {
                continue;
            }
            let name = format!("{op_id}{suffix}");
            let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
            for (code, response) in responses.iter_mut() {
                if is_success(code) != success {
                    continue;
                }
                if let Some(Value::Object(content)) = response.get_mut("content") {
                    for (ct, media) in content.iter_mut() {
                        if is_json(ct) && media.get("schema").is_some() {
                            media["schema"] = reference.clone();
                        }
                    }
                }
            }
            new_schemas.push((name, json!({ "oneOf": schemas })));
        }
    });
    let count = new_schemas.len();
    let components = component_schemas(&mut spec.doc);
    for (name, schema) in new_schemas {
        components.insert(name, schema);
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    const SPEC: &str = r##"
paths:
  /redirect:
    post:
      operationId: redirect
      responses:
        '200': {content: {application/json: {schema: {type: object}}}}
        '400': {content: {application/json: {}}}
        '401': {$ref: "#/components/responses/Unauthorized"}
        default: {content: {application/json: {schema: {$ref: "#/components/schemas/error"}}}}
  /csat:
    post:
      operationId: rate
      responses:
        '200': {content: {application/json: {schema: {type: object}}}}
        '401': {content: {application/json: {schema: {$ref: "#/components/schemas/error"}}}}
        '422': {content: {application/json: {schema: {type: object, properties: {errors: {type: object}}}}}}
  /lone:
    get:
      operationId: lone
      responses:
        default: {content: {application/json: {}}}
components:
  responses:
    Unauthorized: {content: {application/json: {schema: {$ref: "#/components/schemas/error"}}}}
  schemas:
    error: {type: object}
"##;

    #[test]
    fn inlines_shared_responses() {
        let mut s = spec(SPEC);
        assert_eq!(inline_response_refs(&mut s), 1);
        let r = &s.doc["paths"]["/redirect"]["post"]["responses"]["401"];
        assert_eq!(
            r["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/error"
        );
    }

    #[test]
    fn schemaless_json_takes_sibling_schema_or_any() {
        let mut s = spec(SPEC);
        inline_response_refs(&mut s);
        assert_eq!(fill_schemaless_json(&mut s), 2);
        let r = &s.doc["paths"]["/redirect"]["post"]["responses"]["400"];
        assert_eq!(
            r["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/error"
        );
        let lone = &s.doc["paths"]["/lone"]["get"]["responses"]["default"];
        assert_eq!(lone["content"]["application/json"]["schema"], json!({}));
    }

    #[test]
    fn drops_default_only_beside_explicit_codes() {
        let mut s = spec(SPEC);
        assert_eq!(drop_default_responses(&mut s), 1);
        assert!(
            s.doc["paths"]["/redirect"]["post"]["responses"]
                .get("default")
                .is_none()
        );
        assert!(
            s.doc["paths"]["/lone"]["get"]["responses"]
                .get("default")
                .is_some()
        );
    }

    #[test]
    fn unifies_distinct_error_schemas_into_one_of() {
        let mut s = spec(SPEC);
        assert_eq!(unify_response_types(&mut s), 1);
        let merged = &s.doc["components"]["schemas"]["rateFailure"];
        assert_eq!(merged["oneOf"].as_array().unwrap().len(), 2);
        let r = &s.doc["paths"]["/csat"]["post"]["responses"];
        for code in ["401", "422"] {
            assert_eq!(
                r[code]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/rateFailure"
            );
        }
        assert_eq!(
            r["200"]["content"]["application/json"]["schema"]["type"],
            "object"
        );
    }
}
