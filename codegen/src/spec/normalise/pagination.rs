//! List operations whose pagination the spec documents in prose but does not
//! declare as parameters.

use serde_json::{Value, json};

use super::{Normalisation, Spec, for_each_operation};
use crate::spec::{paging, schema};

/// Adds `per_page` and `starting_after` query parameters to cursor-paginated
/// list operations that document pagination but do not declare them.
pub const DOCUMENTED_CURSOR_PARAMS: Normalisation = Normalisation {
    name: "documented_cursor_params",
    fixes: "`GET /contacts` (every version but 2.11) documents cursor pagination in its description and returns `pages.next.starting_after`, but declares no `per_page`/`starting_after` parameters, so page 2 could not be requested",
    apply: documented_cursor_params,
};

fn documented_cursor_params(spec: &mut Spec) -> usize {
    let doc = spec.doc.clone();
    let mut count = 0;
    for_each_operation(&mut spec.doc, |_, method, op| {
        let documents = op
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| d.to_ascii_lowercase().contains("pagination"));
        let params = schema::parameters(&doc, op);
        let declares = params
            .iter()
            .any(|(name, at)| at == "query" && paging::position_params().any(|p| p == name));
        let cursor_response = schema::success_schema(op)
            .and_then(|s| schema::at_path(&doc, s, &paging::CURSOR_NEXT))
            .is_some();
        if method != "get" || !documents || declares || !cursor_response {
            return;
        }
        let has_per_page = params
            .iter()
            .any(|(n, at)| n == "per_page" && at == "query");
        let list = op
            .entry("parameters")
            .or_insert_with(|| Value::Array(Vec::new()));
        let Some(list) = list.as_array_mut() else {
            return;
        };
        if !has_per_page {
            list.push(json!({
                "name": "per_page", "in": "query", "required": false,
                "description": "How many results per page.",
                "schema": {"type": "integer"}
            }));
        }
        list.push(json!({
            "name": "starting_after", "in": "query", "required": false,
            "description": "The cursor from the previous page's `pages.next.starting_after`.",
            "schema": {"type": "string"}
        }));
        count += 1;
    });
    count
}

#[cfg(test)]
mod tests {
    use super::super::spec;
    use super::*;

    const SPEC: &str = r##"
paths:
  /contacts:
    get:
      description: "List contacts. {% admonition name=\"Pagination\" %} use pagination {% /admonition %}"
      parameters: [{name: Intercom-Version, in: header, schema: {type: string}}]
      responses:
        "200": {content: {application/json: {schema: {$ref: "#/components/schemas/contact_list"}}}}
  /tags:
    get:
      description: "List tags; no pagination."
      responses:
        "200": {content: {application/json: {schema: {$ref: "#/components/schemas/tag_list"}}}}
  /conversations:
    get:
      description: "Uses pagination."
      parameters: [{name: starting_after, in: query, schema: {type: string}}]
      responses:
        "200": {content: {application/json: {schema: {$ref: "#/components/schemas/contact_list"}}}}
components:
  schemas:
    contact_list: {properties: {pages: {$ref: "#/components/schemas/cursor_pages"}, data: {type: array, items: {}}}}
    cursor_pages: {properties: {next: {properties: {starting_after: {type: string}}}}}
    tag_list: {properties: {data: {type: array, items: {}}}}
"##;

    #[test]
    fn adds_cursor_params_only_where_documented_and_missing() {
        let mut s = spec(SPEC);
        assert_eq!(documented_cursor_params(&mut s), 1);
        let names = |path: &str| -> Vec<String> {
            s.doc["paths"][path]["get"]["parameters"]
                .as_array()
                .map(|p| {
                    p.iter()
                        .map(|p| p["name"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(
            names("/contacts"),
            ["Intercom-Version", "per_page", "starting_after"]
        );
        assert!(names("/tags").is_empty());
        assert_eq!(names("/conversations"), ["starting_after"]);
        // Idempotent: a second pass finds the parameters declared.
        assert_eq!(documented_cursor_params(&mut s), 0);
    }
}
