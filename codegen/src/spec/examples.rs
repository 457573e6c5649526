//! The response examples the spec documents for each operation, for the
//! test kit (`intercom-api`'s `test-util`), which serves them by status and
//! name. Read from the normalised document, so they are the examples the
//! generated types were checked against.

use serde_json::Value;

use crate::model::{METHODS, ResponseExample, ResponseExamples, Route};

/// Every operation's JSON response examples: `examples` by name, or a lone
/// `example` (named `"example"`), of each status's `application/json`
/// content, following `$ref`s to `#/components/...`, by status then name
/// (the document's maps are sorted). An operation without any has no entry.
pub fn response_examples(doc: &Value) -> ResponseExamples {
    let mut out = ResponseExamples::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(responses) = item
                .get(*method)
                .and_then(|op| op.get("responses"))
                .and_then(Value::as_object)
            else {
                continue;
            };
            let mut examples = Vec::new();
            for (status, response) in responses {
                let response = follow(doc, response);
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    continue;
                };
                let Some(json) = content
                    .iter()
                    .find(|(ct, _)| ct.contains("json"))
                    .map(|(_, c)| c)
                else {
                    continue;
                };
                let mut push = |name: &str, value: &Value| {
                    examples.push(ResponseExample {
                        status: status.clone(),
                        name: name.to_owned(),
                        json: value.to_string(),
                    });
                };
                if let Some(named) = json.get("examples").and_then(Value::as_object) {
                    for (name, example) in named {
                        if let Some(value) = follow(doc, example).get("value") {
                            push(name, value);
                        }
                    }
                } else if let Some(value) = json.get("example") {
                    push("example", value);
                }
            }
            if !examples.is_empty() {
                out.insert(Route::new(method, path), examples);
            }
        }
    }
    out
}

/// Follows `$ref`s to `#/components/...` (at most a few hops).
fn follow<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| doc.pointer(pointer))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_lone_and_referenced_examples_are_read_by_status_then_name() {
        let doc = serde_json::json!({
            "paths": {"/tags": {
                "get": {"responses": {
                    "200": {"content": {"application/json": {"examples": {
                        "Successful response": {"value": {"type": "list", "data": []}},
                        "Shared": {"$ref": "#/components/examples/tag"}
                    }}}},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "204": {"description": "no content"}
                }},
                "post": {"responses": {"200": {"content": {"text/plain": {"example": "x"}}}}}
            }},
            "components": {
                "examples": {"tag": {"value": {"type": "tag", "id": "1"}}},
                "responses": {"Unauthorized": {"content": {"application/json": {
                    "example": {"type": "error.list"}
                }}}}
            }
        });
        let examples = response_examples(&doc);
        let tags = &examples[&Route::new("get", "/tags")];
        let seen: Vec<(&str, &str, &str)> = tags
            .iter()
            .map(|e| (e.status.as_str(), e.name.as_str(), e.json.as_str()))
            .collect();
        assert_eq!(
            seen,
            [
                ("200", "Shared", r#"{"id":"1","type":"tag"}"#),
                ("200", "Successful response", r#"{"data":[],"type":"list"}"#),
                ("401", "example", r#"{"type":"error.list"}"#),
            ]
        );
        assert!(
            !examples.contains_key(&Route::new("post", "/tags")),
            "not JSON"
        );
    }
}
