//! Pagination an earlier version declared. 2.11 declares `page` and
//! `per_page` on list operations whose later descriptions dropped them
//! (`GET /companies/{company_id}/contacts`), although their responses still
//! page and Intercom still reads the parameters. Codegen carries such
//! position parameters forward, so a list paginated in one version stays
//! paginated in every later version that has it.

use serde_json::{Map, Value};

use crate::model::{METHODS, Paging, template_shape};
use crate::spec::{paging, schema};

/// An earlier version's description, as published.
#[derive(Debug, Clone)]
pub struct Earlier {
    /// The version's name.
    pub name: String,
    /// Its raw description.
    pub doc: Value,
}

/// Parameters one operation took from an earlier version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inherited {
    /// `METHOD /path`.
    pub operation: String,
    /// The earlier version they come from.
    pub from: String,
    /// The parameters' names.
    pub params: Vec<String>,
}

/// For every operation of `doc` whose response pages but which declares no
/// position parameter, copies the position parameter (and `per_page`) of the
/// newest earlier version in which the same operation was paginated.
/// `earlier` is oldest first.
pub fn inherit_position_params(doc: &mut Value, earlier: &[Earlier]) -> Vec<Inherited> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    let mut wanted = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(*method).and_then(Value::as_object) else {
                continue;
            };
            let unhandled = matches!(paging::detect_one(doc, op), Paging::Unhandled(_));
            if unhandled && position_params(doc, op).is_empty() {
                wanted.push((path.clone(), (*method).to_owned()));
            }
        }
    }
    for (path, method) in wanted {
        let shape = template_shape(&path);
        let found = earlier.iter().rev().find_map(|e| {
            let (_, op) = find(&e.doc, &shape, &method)?;
            if !matches!(paging::detect_one(&e.doc, op), Paging::Paginated(_)) {
                return None;
            }
            let params = position_params(&e.doc, op);
            (!params.is_empty()).then(|| (e.name.clone(), params))
        });
        let Some((from, params)) = found else {
            continue;
        };
        let Some(op) = doc
            .pointer_mut(&format!(
                "/paths/{}/{method}",
                path.replace('~', "~0").replace('/', "~1")
            ))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let list = op
            .entry("parameters")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = list.as_array_mut() else {
            continue;
        };
        let names = params
            .iter()
            .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_owned))
            .collect();
        list.extend(params);
        out.push(Inherited {
            operation: format!("{} {path}", method.to_uppercase()),
            from,
            params: names,
        });
    }
    out
}

/// The operation `(shape, method)` of `doc`.
fn find<'d>(
    doc: &'d Value,
    shape: &str,
    method: &str,
) -> Option<(&'d String, &'d Map<String, Value>)> {
    doc.get("paths")?
        .as_object()?
        .iter()
        .find(|(p, _)| template_shape(p) == shape)
        .and_then(|(p, item)| Some((p, item.get(method)?.as_object()?)))
}

/// The query parameters of `op` (resolved) that position a list or size its
/// pages, as declared.
fn position_params(doc: &Value, op: &Map<String, Value>) -> Vec<Value> {
    let positions: Vec<&str> = paging::position_params().chain(["per_page"]).collect();
    op.get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| schema::resolve(doc, p).clone())
        // Copied into another description: only self-contained parameters.
        .filter(|p| !p.to_string().contains("\"$ref\""))
        .filter(|p| {
            p.get("in").and_then(Value::as_str) == Some("query")
                && p.get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| positions.contains(&n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        serde_yaml_ng::from_str(text).unwrap()
    }

    const LIST: &str = "{'200': {content: {application/json: {schema: {properties: {data: {type: array, items: {}}, pages: {properties: {total_pages: {type: integer}}}}}}}}}";

    #[test]
    fn a_list_paginated_in_an_earlier_version_keeps_its_parameters() {
        let old = yaml(&format!(
            "paths:\n  /companies/{{id}}/contacts:\n    get:\n      parameters:\n        - {{name: id, in: path}}\n        - {{name: page, in: query, schema: {{type: integer}}}}\n        - {{name: per_page, in: query, schema: {{type: integer}}}}\n      responses: {LIST}\n  /tags:\n    get:\n      responses: {LIST}\n"
        ));
        let mut doc = yaml(&format!(
            "paths:\n  /companies/{{company_id}}/contacts:\n    get:\n      parameters:\n        - {{name: company_id, in: path}}\n      responses: {LIST}\n  /tags:\n    get:\n      responses: {LIST}\n"
        ));
        let earlier = [Earlier {
            name: "2.11".into(),
            doc: old,
        }];
        let inherited = inherit_position_params(&mut doc, &earlier);
        assert_eq!(
            inherited,
            [Inherited {
                operation: "GET /companies/{company_id}/contacts".into(),
                from: "2.11".into(),
                params: vec!["page".into(), "per_page".into()],
            }]
        );
        let op = doc["paths"]["/companies/{company_id}/contacts"]["get"]
            .as_object()
            .unwrap();
        assert!(matches!(paging::detect_one(&doc, op), Paging::Paginated(_)));
        // `/tags` was never paginated: nothing to take.
        assert!(doc["paths"]["/tags"]["get"].get("parameters").is_none());
        // Idempotent: the operation now declares its own.
        assert!(inherit_position_params(&mut doc, &earlier).is_empty());
    }
}
