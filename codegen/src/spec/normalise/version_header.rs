//! The `Intercom-Version` header parameter.

use serde_json::Value;

use super::{Normalisation, Spec, walk_objects};

/// Removes the `Intercom-Version` header parameter from every operation.
pub const STRIP_VERSION_HEADER: Normalisation = Normalisation {
    name: "strip_version_header",
    fixes: "every operation declares an optional `Intercom-Version` header; the version is a property of the generated module, sent by its client on every request, never a per-call argument",
    apply: strip_version_header,
};

const HEADER: &str = "intercom-version";

fn is_version_header(param: &Value, doc_params: Option<&Value>) -> bool {
    let resolved = match param.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix("#/components/parameters/")
            .and_then(|name| doc_params?.get(name)),
        None => Some(param),
    };
    resolved.is_some_and(|p| {
        p.get("in").and_then(Value::as_str) == Some("header")
            && p.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(HEADER))
    })
}

fn strip_version_header(spec: &mut Spec) -> usize {
    let doc_params = spec.doc.pointer("/components/parameters").cloned();
    let mut count = 0;
    let Some(paths) = spec.doc.get_mut("paths") else {
        return 0;
    };
    // Path items and operations both carry `parameters` arrays; no other
    // object under `paths` has a `parameters` array of parameter objects.
    walk_objects(paths, &mut |map| {
        if let Some(Value::Array(params)) = map.get_mut("parameters") {
            let before = params.len();
            params.retain(|p| !is_version_header(p, doc_params.as_ref()));
            count += before - params.len();
        }
    });
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn strips_inline_and_referenced_version_headers_only() {
        let mut s = spec(
            r##"
paths:
  /a:
    parameters:
    - {$ref: "#/components/parameters/v"}
    get:
      parameters:
      - {name: Intercom-Version, in: header, schema: {type: string}}
      - {name: Intercom-Version, in: query, schema: {type: string}}
      - {name: id, in: query, schema: {type: string}}
      responses: {}
components:
  parameters:
    v: {name: intercom-version, in: header, schema: {type: string}}
"##,
        );
        assert_eq!(strip_version_header(&mut s), 2);
        let params = s.doc["paths"]["/a"]["get"]["parameters"]
            .as_array()
            .unwrap();
        let names: Vec<_> = params.iter().map(|p| p["in"].as_str().unwrap()).collect();
        assert_eq!(names, ["query", "query"]);
        assert!(
            s.doc["paths"]["/a"]["parameters"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }
}
