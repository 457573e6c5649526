//! Every JSON request example in every enabled version's spec parses into its
//! operation's generated body type and writes back exactly what it had
//! (nulls aside): request types keep every field and add none (no schema
//! default is sent that the caller did not set), or reject the body with an
//! error naming why.
//!
//! Intercom's examples contradict their own schemas in a few recurring ways.
//! Each way is a reviewed class in `tests/known-request-example-failures.toml`
//! (what the error says, why the example and not the type is wrong, and how
//! many examples of each version fall in it). The test fails on a failure no
//! class explains and on any count that moves, so the list stays exact.

use std::collections::BTreeMap;

use intercom_tests::{RoundTrip, enabled, request_examples, round_trip, version_of};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Known {
    class: Vec<Class>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Class {
    /// Short name, printed in the report.
    name: String,
    /// Text of the error (or of the written-back body) that identifies it.
    error: String,
    /// Why the example, not the generated type, is wrong.
    reason: String,
    /// Examples per version in the class.
    counts: BTreeMap<String, usize>,
}

#[test]
fn every_request_example_keeps_its_fields() {
    let path = intercom_tests::workspace_root().join("tests/known-request-example-failures.toml");
    let known: Known = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(
        known
            .class
            .iter()
            .all(|c| !c.reason.trim().is_empty() && !c.error.is_empty()),
        "every class has an error text and a reason"
    );
    // `INTERCOM_LIST_REQUEST_EXAMPLES=1` prints every example of every class, for review.
    let verbose = std::env::var_os("INTERCOM_LIST_REQUEST_EXAMPLES").is_some();
    let mut problems = Vec::new();
    for module in enabled() {
        let version = version_of(&module);
        let spec = intercom_tests::prepared(&version).spec;
        let examples = request_examples(&spec.doc);
        assert!(
            !examples.is_empty(),
            "{}: no request examples found",
            version.name
        );
        let (mut same, mut untyped) = (0, 0);
        let mut by_class: BTreeMap<&str, usize> = BTreeMap::new();
        for example in &examples {
            let problem = match round_trip(&module, example) {
                RoundTrip::Same => {
                    same += 1;
                    continue;
                }
                RoundTrip::Untyped => {
                    untyped += 1;
                    continue;
                }
                RoundTrip::Rejected(e) => format!("rejected: {e}"),
                RoundTrip::Changed(back) => format!("written back as {back}"),
            };
            match known.class.iter().find(|c| problem.contains(&c.error)) {
                Some(class) => {
                    *by_class.entry(&class.name).or_default() += 1;
                    if verbose {
                        println!(
                            "{} {} example `{}` ({}): {problem}\n    sent {}",
                            version.name,
                            example.operation_id,
                            example.name,
                            class.name,
                            example.value
                        );
                    }
                }
                None => problems.push(format!(
                    "{} {} example `{}` {problem}\n    sent {}",
                    version.name, example.operation_id, example.name, example.value
                )),
            }
        }
        for class in &known.class {
            let listed = class.counts.get(&version.name).copied().unwrap_or(0);
            let found = by_class.get(class.name.as_str()).copied().unwrap_or(0);
            if listed != found {
                problems.push(format!(
                    "{}: {found} examples are `{}`, the list says {listed}: review them and update tests/known-request-example-failures.toml",
                    version.name, class.name
                ));
            }
        }
        let failed: usize = by_class.values().sum();
        println!(
            "{:8} {} request examples: {same} written back exactly, {untyped} untyped (raw body), {failed} contradict their schema ({})",
            version.name,
            examples.len(),
            by_class
                .iter()
                .map(|(c, n)| format!("{c}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    assert!(
        problems.is_empty(),
        "{} request example problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The case: a body that tags companies, parsed as a tag request,
/// keeps its companies (it used to come back as `{"name": "test"}`, "create
/// a tag"); a body with a field no variant declares is rejected, not trimmed.
#[test]
fn a_tag_request_keeps_its_companies_or_fails() {
    let mut checked = 0;
    for module in enabled() {
        let example = |value: serde_json::Value| intercom_tests::Example {
            method: "POST".into(),
            path: "/tags".into(),
            operation_id: "createTag".into(),
            status: "request".into(),
            name: "issue".into(),
            value,
        };
        let tagging = serde_json::json!({"name": "test", "companies": [{"company_id": "123"}]});
        match round_trip(&module, &example(tagging)) {
            RoundTrip::Same => {}
            other => panic!("{}: {other:?}", module.feature),
        }
        let stray = serde_json::json!({"name": "test", "colour": "red"});
        match round_trip(&module, &example(stray)) {
            RoundTrip::Rejected(e) => assert!(
                e.contains("did not match any variant") || e.contains("colour"),
                "{}: {e}",
                module.feature
            ),
            other => panic!(
                "{}: a stray field must be rejected: {other:?}",
                module.feature
            ),
        }
        checked += 1;
    }
    assert!(checked > 0, "no version enabled");
}

/// A value for `schema` made of its required parts only, or `None` where
/// the schema gives no way to make one. Unions give one value per member.
fn minimal(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    depth: usize,
) -> Vec<serde_json::Value> {
    use serde_json::{Value, json};
    if depth > 12 {
        return Vec::new();
    }
    let schema = codegen::spec::schema::resolve(doc, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(members) = schema.get(key).and_then(Value::as_array)
            && schema.get("properties").is_none()
        {
            return members
                .iter()
                .flat_map(|m| minimal(doc, m, depth + 1))
                .collect();
        }
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.iter().find(|v| !v.is_null()))
    {
        return vec![first.clone()];
    }
    let kind = schema.get("type").and_then(Value::as_str);
    let object = kind == Some("object")
        || schema.get("properties").is_some()
        || schema.get("allOf").is_some();
    if object {
        let props = codegen::spec::schema::properties(doc, schema);
        let mut required: Vec<String> = Vec::new();
        let mut collect = |s: &Value| {
            for name in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(n) = name.as_str()
                    && !required.iter().any(|r| r == n)
                {
                    required.push(n.to_owned());
                }
            }
        };
        collect(schema);
        for part in schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            collect(codegen::spec::schema::resolve(doc, part));
        }
        let mut out = serde_json::Map::new();
        for name in required {
            let Some(prop) = props.get(&name) else {
                return Vec::new();
            };
            let Some(value) = minimal(doc, prop, depth + 1).into_iter().next() else {
                return Vec::new();
            };
            out.insert(name, value);
        }
        return vec![Value::Object(out)];
    }
    let example = schema.get("example").filter(|e| !e.is_null());
    vec![match kind {
        Some("string") => {
            match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => json!("2024-01-02T03:04:05Z"),
                Some("date") => json!("2024-01-02"),
                Some("uuid") => json!("0df48b85-9a93-4c66-a167-753eff0baaec"),
                Some("uri") => json!("https://example.com/a"),
                _ => match example.filter(|e| e.is_string()) {
                    Some(e) => e.clone(),
                    None => json!("x".repeat(
                        schema.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize
                    )),
                },
            }
        }
        Some("integer") => json!(schema.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        _ => json!({}),
    }]
}

/// The rule: a request carries exactly what the caller set. For
/// every typed request body of every version, a value made of its required
/// fields only (one per union member) is written back as exactly those
/// fields: no schema default, no empty value the caller did not set.
#[test]
fn a_body_of_required_fields_only_is_sent_as_exactly_those_fields() {
    let mut problems = Vec::new();
    for module in enabled() {
        let version = version_of(&module);
        let doc = intercom_tests::prepared(&version).spec.doc;
        let (mut checked, mut bodies) = (0, 0);
        for rt in module.round_trips {
            let Some(schema) = find_body_schema(&doc, rt.operation_id) else {
                continue;
            };
            bodies += 1;
            for value in minimal(&doc, &schema, 0) {
                let example = intercom_tests::Example {
                    method: String::new(),
                    path: String::new(),
                    operation_id: rt.operation_id.to_owned(),
                    status: "request".into(),
                    name: "required fields only".into(),
                    value: value.clone(),
                };
                match round_trip(&module, &example) {
                    RoundTrip::Same => checked += 1,
                    other => problems.push(format!(
                        "{} {}: {value} -> {other:?}",
                        version.name, rt.operation_id
                    )),
                }
            }
        }
        println!(
            "{:8} {bodies} typed request bodies: {checked} required-only values sent as exactly themselves",
            version.name
        );
        assert!(checked > 0, "{}: nothing checked", version.name);
    }
    assert!(
        problems.is_empty(),
        "{} bodies not sent as set:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The JSON request body schema of `operation_id` in the prepared spec.
fn find_body_schema(doc: &serde_json::Value, operation_id: &str) -> Option<serde_json::Value> {
    let paths = doc.get("paths")?.as_object()?;
    for item in paths.values() {
        for method in codegen::model::METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            if op.get("operationId").and_then(serde_json::Value::as_str) != Some(operation_id) {
                continue;
            }
            let body = op.get("requestBody")?;
            let body = codegen::spec::schema::resolve(doc, body);
            let content = body.get("content")?.as_object()?;
            return content
                .iter()
                .find(|(media, _)| media.contains("json"))
                .and_then(|(_, m)| m.get("schema").cloned());
        }
    }
    None
}
