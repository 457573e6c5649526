//! Schema defaults: Intercom's to apply, not the SDK's.

use serde_json::Value;

use super::{Normalisation, Spec, for_each_schema};

/// Moves every schema `default` into its schema's description.
pub const DEFAULTS_INTO_DOCS: Normalisation = Normalisation {
    name: "defaults_into_docs",
    fixes: "typify turns a schema `default` into a non-optional field set to it: a request sends it although the caller never set it (`update_ticket_type` with a new name also resets `icon` and `is_internal`), and a response reports it when Intercom omitted the field; the field becomes optional like any other, and its doc says what Intercom uses when it is absent",
    apply: defaults_into_docs,
};

fn defaults_into_docs(spec: &mut Spec) -> usize {
    let mut count = 0;
    for_each_schema(&mut spec.doc, &mut |schema| {
        let Some(default) = schema.remove("default") else {
            return;
        };
        count += 1;
        let value = match &default {
            Value::String(s) => format!("`{s}`"),
            other => format!("`{other}`"),
        };
        let line = format!("When absent, Intercom uses {value}.");
        let description = match schema.get("description").and_then(Value::as_str) {
            Some(text) if !text.trim().is_empty() => format!("{}\n\n{line}", text.trim_end()),
            _ => line,
        };
        schema.insert("description".into(), Value::String(description));
    });
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn a_default_becomes_a_line_of_its_doc_and_nothing_else() {
        let mut s = spec(
            "paths:\n  /t:\n    put:\n      parameters:\n        - {name: q, in: query, schema: {type: integer, default: 5}}\n      requestBody:\n        content:\n          application/json:\n            schema:\n              type: object\n              properties:\n                icon: {type: string, default: \"🎟️\", description: The icon.}\n                is_internal: {type: boolean, default: false}\n                default: {type: string, example: x}\n              example: {icon: x, default: keep}\ncomponents:\n  schemas:\n    state:\n      type: string\n      enum: [draft, published]\n      default: draft\n      example: draft\n",
        );
        assert_eq!(defaults_into_docs(&mut s), 4);
        let body =
            &s.doc["paths"]["/t"]["put"]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(
            body["properties"]["icon"],
            serde_json::json!({"type": "string", "description": "The icon.\n\nWhen absent, Intercom uses `🎟️`."})
        );
        assert_eq!(
            body["properties"]["is_internal"]["description"],
            "When absent, Intercom uses `false`."
        );
        // A property named `default` is a schema, an example is data: both kept.
        assert_eq!(body["properties"]["default"]["type"], "string");
        assert_eq!(body["example"]["default"], "keep");
        let query = &s.doc["paths"]["/t"]["put"]["parameters"][0]["schema"];
        assert!(query.get("default").is_none());
        let state = &s.doc["components"]["schemas"]["state"];
        assert!(state.get("default").is_none());
        assert_eq!(state["example"], "draft");
        assert_eq!(state["description"], "When absent, Intercom uses `draft`.");
    }
}
