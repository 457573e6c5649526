//! The spec stage: works on the OpenAPI document as JSON, and only on it.
//!
//! It loads a description ([`load`]), applies Intercom's own corrections
//! ([`overrides`]), inherits position parameters an earlier version
//! documented ([`inherit_paging_params`]), repairs known defects one named
//! normalisation at a time ([`normalise`]), and reads off what the syntax
//! stage needs as one [`SpecOperations`] map ([`operations`]): each
//! operation's id, route, parameters and paging ([`paging`]).
//!
//! Nothing here names the syntax stage (a test in `lib.rs` checks it).

use serde_json::Value;

use crate::model::{METHODS, Route, SpecOperation, SpecOperations, SpecParam};

pub mod examples;
pub mod inherit_paging_params;
pub(crate) mod json;
pub mod names;
pub mod normalise;
pub mod overrides;
pub mod paging;
pub mod schema;

/// Why a document cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub String);

/// Parses a spec (YAML or JSON) into a raw document.
pub fn load(text: &str) -> Result<Value, LoadError> {
    let doc: Value = serde_yaml_ng::from_str(text).map_err(|e| LoadError(e.to_string()))?;
    if !doc.is_object() || doc.get("paths").is_none() {
        return Err(LoadError("not an OpenAPI document (no `paths`)".into()));
    }
    Ok(doc)
}

/// How many operations `doc` declares (one per method of each path item).
pub fn count_operations(doc: &Value) -> usize {
    doc.get("paths")
        .and_then(Value::as_object)
        .map_or(0, |paths| {
            paths
                .values()
                .map(|item| METHODS.iter().filter(|m| item.get(**m).is_some()).count())
                .sum()
        })
}

/// Every operation of `doc`: id (the `operationId`, or `METHOD path` when
/// there is none), route, parameters (the body last, as `body`) and paging.
///
/// `namer` names each operation's call on the grouped client.
pub fn operations(doc: &Value, namer: &names::Namer) -> SpecOperations {
    let mut out = SpecOperations::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(*method).and_then(Value::as_object) else {
                continue;
            };
            let route = Route::new(method, path);
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map_or_else(|| format!("{method} {path}"), str::to_owned);
            let mut params: Vec<SpecParam> = schema::parameters(doc, op)
                .into_iter()
                .map(|(name, location)| SpecParam { name, location })
                .collect();
            if op.contains_key("requestBody") {
                params.push(SpecParam {
                    name: "body".into(),
                    location: "body".into(),
                });
            }
            let paging = paging::detect_one(doc, op);
            let call = namer.name(&route, op);
            out.insert(
                route.clone(),
                SpecOperation {
                    id,
                    route,
                    params,
                    paging,
                    call,
                },
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Paging;

    #[test]
    fn operations_carry_id_route_params_and_paging() {
        let doc = load(
            r#"
paths:
  /tags/{id}:
    put:
      operationId: updateTag
      parameters: [{name: id, in: path}]
      requestBody: {content: {application/json: {schema: {type: object}}}}
      responses: {"200": {description: ok}}
  /notes:
    get:
      responses: {"200": {description: ok}}
"#,
        )
        .unwrap();
        let ops = operations(&doc, &names::Namer::default());
        assert_eq!(count_operations(&doc), ops.len());
        let put = &ops[&Route::new("put", "/tags/{id}")];
        assert_eq!(put.id, "updateTag");
        let names: Vec<(&str, &str)> = put
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.location.as_str()))
            .collect();
        assert_eq!(names, [("id", "path"), ("body", "body")]);
        assert_eq!(put.paging, Paging::None);
        assert_eq!(ops[&Route::new("get", "/notes")].id, "get /notes");
        assert!(load("paths_missing: 1").is_err());
    }
}
