//! Path templates whose `{placeholders}` do not match the declared parameters.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::{METHODS, Normalisation, Spec};

/// Makes each operation's path parameters exactly the template's placeholders.
pub const MATCH_PATH_PARAMS: Normalisation = Normalisation {
    name: "match_path_params",
    fixes: "some operations (reporting-data export in 2.14+) use `{job_identifier}` in the path without declaring it, and progenitor cannot fill an undeclared placeholder; declared path parameters absent from the template are removed likewise",
    apply: match_path_params,
};

fn placeholders(path: &str) -> Vec<String> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_owned()))
        .collect()
}

fn resolve<'a>(param: &'a Value, shared: Option<&'a Value>) -> &'a Value {
    param
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/parameters/"))
        .and_then(|name| shared?.get(name))
        .unwrap_or(param)
}

fn path_param_name(param: &Value) -> Option<&str> {
    (param.get("in").and_then(Value::as_str) == Some("path"))
        .then(|| param.get("name").and_then(Value::as_str))
        .flatten()
}

fn match_path_params(spec: &mut Spec) -> usize {
    let shared = spec.doc.pointer("/components/parameters").cloned();
    let Some(paths) = spec.doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return 0;
    };
    let mut count = 0;
    for (path, item) in paths.iter_mut() {
        let wanted = placeholders(path);
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        // Path-item parameters apply to every operation: prune them first.
        let mut item_declared = BTreeSet::new();
        if let Some(Value::Array(params)) = item.get_mut("parameters") {
            params.retain(|p| match path_param_name(resolve(p, shared.as_ref())) {
                Some(name) if !wanted.iter().any(|w| w == name) => {
                    count += 1;
                    false
                }
                Some(name) => {
                    item_declared.insert(name.to_owned());
                    true
                }
                None => true,
            });
        }
        for (method, op) in item.iter_mut() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            let params = op.entry("parameters").or_insert_with(|| json!([]));
            let Some(params) = params.as_array_mut() else {
                continue;
            };
            let mut declared = item_declared.clone();
            params.retain(|p| match path_param_name(resolve(p, shared.as_ref())) {
                Some(name) if !wanted.iter().any(|w| w == name) => {
                    count += 1;
                    false
                }
                Some(name) => {
                    declared.insert(name.to_owned());
                    true
                }
                None => true,
            });
            for name in &wanted {
                if !declared.contains(name) {
                    params.push(json!({
                        "name": name,
                        "in": "path",
                        "required": true,
                        "schema": {"type": "string"},
                    }));
                    count += 1;
                }
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn declares_missing_and_removes_stray_path_params() {
        let mut s = spec(
            r##"
paths:
  /export/{job_identifier}:
    get: {responses: {}}
  /objects/{type}/{id}:
    parameters:
    - {name: type, in: path, required: true, schema: {type: string}}
    - {name: gone, in: path, required: true, schema: {type: string}}
    get:
      parameters:
      - {$ref: "#/components/parameters/id"}
      - {name: stray, in: path, required: true, schema: {type: string}}
      - {name: q, in: query, schema: {type: string}}
      responses: {}
components:
  parameters:
    id: {name: id, in: path, required: true, schema: {type: string}}
"##,
        );
        assert_eq!(match_path_params(&mut s), 3);
        let export = &s.doc["paths"]["/export/{job_identifier}"]["get"]["parameters"];
        assert_eq!(export[0]["name"], "job_identifier");
        assert_eq!(export[0]["required"], true);
        let item = &s.doc["paths"]["/objects/{type}/{id}"];
        assert_eq!(item["parameters"].as_array().unwrap().len(), 1);
        let names: Vec<_> = item["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p.get("name")
                    .or(p.get("$ref"))
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(names, ["#/components/parameters/id", "q"]);
        assert_eq!(match_path_params(&mut s), 0, "idempotent");
    }
}
