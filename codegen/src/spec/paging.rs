//! Pagination detection: which list operations page, and in which of
//! Intercom's shapes, read from the normalised spec (parameters, request
//! body, response schema). The syntax stage's paginator emitter
//! (`syntax::emit::paginators`) turns each [`Paging::Paginated`] into code;
//! an operation that looks paginated but fits no shape is reported with the
//! reason, never silently skipped.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::model::{Detected, Paging, Shape};
use crate::spec::schema;

/// Where a cursor-paged response names the next page.
pub const CURSOR_NEXT: [&str; 3] = ["pages", "next", "starting_after"];

/// Query parameters that position a request in a list, in order of
/// precedence, with the shape each means and where the response must say
/// what comes next (the first of the candidate paths it has).
const POSITIONS: &[(&str, Shape, &[&[&str]])] = &[
    ("starting_after", Shape::Cursor, &[&CURSOR_NEXT]),
    ("cursor", Shape::NextCursor, &[&["next_cursor"]]),
    ("scroll_param", Shape::Scroll, &[&["scroll_param"]]),
    (
        "page",
        Shape::PageNumber,
        &[&["pages", "total_pages"], &["total_pages"]],
    ),
];

/// The query parameters that position a request in a list.
pub fn position_params() -> impl Iterator<Item = &'static str> {
    POSITIONS.iter().map(|(param, _, _)| *param)
}
const RESPONSE_HINTS: &[&str] = &["pages", "next_cursor", "scroll_param", "total_pages"];

/// The member of a union told apart by `type` that holds an array (the
/// list), or `schema` itself.
fn list_member<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let resolved = schema::resolve(doc, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(members) = resolved.get(key).and_then(Value::as_array)
            && crate::spec::schema::told_apart_by_type(doc, members)
            && let Some(list) = members.iter().find(|m| {
                schema::properties(doc, m)
                    .values()
                    .any(|p| schema::is_array(doc, p))
            })
        {
            return list;
        }
    }
    schema
}

/// Detects the paging of one operation.
pub fn detect_one(doc: &Value, op: &Map<String, Value>) -> Paging {
    let query: BTreeSet<String> = schema::parameters(doc, op)
        .into_iter()
        .filter(|(_, at)| at == "query")
        .map(|(name, _)| name)
        .collect();
    // A union told apart by `type` (one company or a list of them) pages
    // through its list member.
    let response = schema::success_schema(op).map(|r| list_member(doc, r));
    let response_props = response
        .map(|r| schema::properties(doc, r))
        .unwrap_or_default();
    let body_pagination = schema::request_schema(doc, op)
        .and_then(|b| schema::at_path(doc, b, &["pagination"]))
        .filter(|p| schema::properties(doc, p).contains_key("starting_after"));
    let looks = position_params()
        .chain(["per_page"])
        .any(|q| query.contains(q))
        || body_pagination.is_some()
        || RESPONSE_HINTS
            .iter()
            .any(|r| response_props.contains_key(*r));
    if !looks {
        return Paging::None;
    }
    let Some(response) = response else {
        return Paging::Unhandled("no JSON success response".into());
    };
    let arrays: Vec<&String> = response_props
        .iter()
        .filter(|(_, s)| schema::is_array(doc, s))
        .map(|(k, _)| k)
        .collect();
    let items = match arrays.as_slice() {
        [one] => (*one).clone(),
        many if many.iter().any(|k| *k == "data") => "data".to_owned(),
        [] => return Paging::Unhandled("the response has no array of items".into()),
        _ => return Paging::Unhandled("the response has several arrays of items".into()),
    };
    let has = |path: &[&str]| schema::at_path(doc, response, path).is_some();
    let owned = |p: &[&str]| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let detected = |shape, next: &[&str], page_size| {
        Paging::Paginated(Detected {
            shape,
            items,
            next: owned(next),
            page_size,
        })
    };
    let per_page = query.contains("per_page").then(|| "per_page".to_owned());
    // The first position parameter the operation declares decides its shape.
    if let Some((param, shape, candidates)) = POSITIONS
        .iter()
        .find(|(param, _, _)| query.contains(*param))
    {
        return match candidates.iter().find(|next| has(next)) {
            Some(next) => detected(*shape, next, per_page),
            // Page numbers need no cursor: without a total, the list ends
            // at the first empty page.
            None if *shape == Shape::PageNumber => detected(*shape, &[], per_page),
            None => Paging::Unhandled(format!(
                "`{param}` parameter but no `{}` in the response",
                candidates.last().map_or(String::new(), |p| p.join("."))
            )),
        };
    }
    let Some(pagination) = body_pagination else {
        return Paging::Unhandled(
            "the response is paged but the operation declares no page or cursor parameter".into(),
        );
    };
    if !has(&CURSOR_NEXT) {
        return Paging::Unhandled(
            "`pagination` in the body but no `pages.next.starting_after` in the response".into(),
        );
    }
    let size = schema::properties(doc, &pagination)
        .contains_key("per_page")
        .then(|| "pagination.per_page".to_owned());
    detected(Shape::SearchBody, &CURSOR_NEXT, size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op_of(doc: &Value, path: &str, method: &str) -> Paging {
        detect_one(doc, doc["paths"][path][method].as_object().unwrap())
    }

    fn list_doc() -> Value {
        json!({
            "paths": {
                "/contacts": {"get": {
                    "parameters": [{"name": "per_page", "in": "query"}, {"$ref": "#/components/parameters/after"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/contact_list"}}}}}
                }},
                "/contacts/search": {"post": {
                    "requestBody": {"content": {"application/json": {"schema": {"properties": {"pagination": {"properties": {"per_page": {}, "starting_after": {}}}}}}}},
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/contact_list"}}}}}
                }},
                "/calls": {"get": {
                    "parameters": [{"name": "page", "in": "query"}, {"name": "per_page", "in": "query"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"total_pages": {"type": "integer"}, "data": {"type": "array", "items": {}}}}}}}}
                }},
                "/help_centers": {"get": {
                    "parameters": [{"name": "page", "in": "query"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"data": {"type": "array", "items": {}}}}}}}}
                }},
                "/companies/scroll": {"get": {
                    "parameters": [{"name": "scroll_param", "in": "query"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"scroll_param": {"type": "string"}, "data": {"type": "array", "items": {}}}}}}}}
                }},
                "/merge_history": {"get": {
                    "parameters": [{"name": "cursor", "in": "query"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"next_cursor": {"type": "string"}, "data": {"type": "array", "items": {}}}}}}}}
                }},
                "/notes": {"get": {
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/contact_list"}}}}}
                }},
                "/tags": {"get": {
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"data": {"type": "array", "items": {}}}}}}}}
                }}
            },
            "components": {
                "parameters": {"after": {"name": "starting_after", "in": "query"}},
                "schemas": {
                    "contact_list": {"properties": {"type": {}, "data": {"type": "array", "items": {}}, "pages": {"$ref": "#/components/schemas/pages"}}},
                    "pages": {"properties": {"total_pages": {"type": "integer"}, "next": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/next"}]}}},
                    "next": {"properties": {"starting_after": {"type": "string"}}}
                }
            }
        })
    }

    #[test]
    fn detects_each_shape_from_the_spec() {
        let doc = list_doc();
        let shape = |path, method| match op_of(&doc, path, method) {
            Paging::Paginated(d) => (d.shape, d.items, d.next.join("."), d.page_size),
            other => panic!("{path}: {other:?}"),
        };
        assert_eq!(
            shape("/contacts", "get"),
            (
                Shape::Cursor,
                "data".into(),
                "pages.next.starting_after".into(),
                Some("per_page".into())
            )
        );
        assert_eq!(
            shape("/contacts/search", "post"),
            (
                Shape::SearchBody,
                "data".into(),
                "pages.next.starting_after".into(),
                Some("pagination.per_page".into())
            )
        );
        assert_eq!(shape("/calls", "get").0, Shape::PageNumber);
        assert_eq!(shape("/calls", "get").2, "total_pages");
        // No total: the list ends at the first empty page.
        assert_eq!(
            shape("/help_centers", "get"),
            (Shape::PageNumber, "data".into(), String::new(), None)
        );
        assert_eq!(shape("/companies/scroll", "get").0, Shape::Scroll);
        assert_eq!(shape("/merge_history", "get").0, Shape::NextCursor);
        assert!(
            matches!(op_of(&doc, "/notes", "get"), Paging::Unhandled(r) if r.contains("no page or cursor parameter"))
        );
        assert_eq!(op_of(&doc, "/tags", "get"), Paging::None);
    }
}
