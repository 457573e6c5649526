//! Read-only navigation of a raw OpenAPI document: following `$ref`s, reading
//! an object schema's properties and an operation's parameters. Shared by the
//! normalisations and the pagination detector.

use serde_json::{Map, Value};

/// Deepest chain of `$ref`s followed before giving up (a cycle).
const MAX_HOPS: usize = 32;

/// Follows `$ref`s (to `#/components/...`) and one-element `allOf` / `oneOf`
/// / `anyOf` wrappers (how nullable references are spelled) to the schema
/// they stand for.
pub fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> &'a Value {
    for _ in 0..MAX_HOPS {
        if let Some(target) = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| doc.pointer(pointer))
        {
            schema = target;
            continue;
        }
        let single = ["allOf", "oneOf", "anyOf"].iter().find_map(|k| {
            let parts = schema.get(*k)?.as_array()?;
            let real: Vec<&Value> = parts.iter().filter(|p| !is_null_schema(p)).collect();
            (real.len() == 1).then(|| real[0])
        });
        match single {
            Some(inner) if schema.get("properties").is_none() => schema = inner,
            _ => return schema,
        }
    }
    schema
}

fn is_null_schema(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
        || schema
            .get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e == &[Value::Null])
}

/// The properties of an object schema, merging `allOf` parts.
pub fn properties<'a>(doc: &'a Value, schema: &'a Value) -> Map<String, Value> {
    let schema = resolve(doc, schema);
    let mut out = Map::new();
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.extend(properties(doc, part));
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        out.extend(props.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    out
}

/// The schema found by walking `path` through nested object properties.
pub fn at_path(doc: &Value, schema: &Value, path: &[&str]) -> Option<Value> {
    let mut current = resolve(doc, schema).clone();
    for step in path {
        let next = properties(doc, &current).get(*step)?.clone();
        current = resolve(doc, &next).clone();
    }
    Some(current)
}

/// Whether a (resolved) schema is an array.
pub fn is_array(doc: &Value, schema: &Value) -> bool {
    let schema = resolve(doc, schema);
    schema.get("type").and_then(Value::as_str) == Some("array") || schema.get("items").is_some()
}

/// Names and locations (`query`, `path`, …) of an operation's parameters,
/// following `$ref`s to shared parameters.
pub fn parameters(doc: &Value, op: &Map<String, Value>) -> Vec<(String, String)> {
    op.get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let p = resolve(doc, p);
            Some((
                p.get("name")?.as_str()?.to_owned(),
                p.get("in")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// The JSON schema of an operation's `200` (else first 2xx) response.
pub fn success_schema(op: &Map<String, Value>) -> Option<&Value> {
    let responses = op.get("responses")?.as_object()?;
    let response = responses.get("200").or_else(|| {
        responses
            .iter()
            .find(|(c, _)| c.starts_with('2'))
            .map(|(_, r)| r)
    })?;
    json_schema(response)
}

/// The JSON schema of an operation's request body.
pub fn request_schema<'a>(doc: &'a Value, op: &'a Map<String, Value>) -> Option<&'a Value> {
    json_schema(resolve(doc, op.get("requestBody")?))
}

fn json_schema(holder: &Value) -> Option<&Value> {
    let content = holder.get("content")?.as_object()?;
    content
        .iter()
        .find(|(ct, _)| ct.starts_with("application/json"))
        .and_then(|(_, media)| media.get("schema"))
}

/// Whether each of `members` is an object whose `type` allows one value of
/// its own, no two alike: a union serde can tell apart by `type` once
/// codegen reads it first (`tagged_unions`).
pub fn told_apart_by_type(doc: &Value, members: &[Value]) -> bool {
    let mut seen: Vec<String> = Vec::new();
    members.len() >= 2
        && members.iter().all(|member| {
            let props = properties(doc, member);
            let tag = props.get("type").and_then(|t| {
                let t = resolve(doc, t);
                match t.get("enum").and_then(Value::as_array).map(Vec::as_slice) {
                    Some([Value::String(only)]) => Some(only.clone()),
                    _ => None,
                }
            });
            match tag {
                Some(tag) if !seen.contains(&tag) => {
                    seen.push(tag);
                    true
                }
                _ => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follows_refs_nullable_wrappers_and_all_of() {
        let doc = json!({"components": {"schemas": {
            "pages": {"type": "object", "properties": {"next": {"allOf": [{"$ref": "#/components/schemas/next"}], "nullable": true}}},
            "next": {"allOf": [{"properties": {"per_page": {"type": "integer"}}}], "properties": {"starting_after": {"type": "string"}}},
            "list": {"properties": {"pages": {"$ref": "#/components/schemas/pages"}, "data": {"type": "array", "items": {}}}}
        }}});
        let list = json!({"$ref": "#/components/schemas/list"});
        let next = at_path(&doc, &list, &["pages", "next"]).unwrap();
        let keys: Vec<String> = properties(&doc, &next).keys().cloned().collect();
        assert_eq!(keys, ["per_page", "starting_after"]);
        assert!(at_path(&doc, &list, &["pages", "missing"]).is_none());
        assert!(is_array(&doc, &properties(&doc, &list)["data"]));
        // A reference cycle ends instead of looping.
        let cyclic = json!({"components": {"schemas": {"a": {"$ref": "#/components/schemas/a"}}}});
        let _ = resolve(&cyclic, &json!({"$ref": "#/components/schemas/a"}));
    }

    #[test]
    fn members_with_a_type_of_their_own_are_told_apart() {
        let doc: Value = serde_yaml_ng::from_str(
            "paths: {}\ncomponents:\n  schemas:\n    company: {type: object, properties: {type: {type: string, enum: [company]}}}\n    company_list: {type: object, properties: {type: {type: string, enum: [list]}, data: {type: array}}}\n    other_list: {type: object, properties: {type: {type: string, enum: [list]}}}\n    loose: {type: object, properties: {type: {type: string}}}\n",
        )
        .unwrap();
        let r = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
        assert!(told_apart_by_type(&doc, &[r("company"), r("company_list")]));
        assert!(!told_apart_by_type(
            &doc,
            &[r("company_list"), r("other_list")]
        ));
        assert!(!told_apart_by_type(&doc, &[r("company"), r("loose")]));
        assert!(!told_apart_by_type(&doc, &[r("company")]));
    }
}
