//! Conformance against an independent mock: Stoplight Prism serves a
//! published spec, validates each request against it and reports deviations
//! (a 422 or another error status for an invalid request, `sl-violations` for
//! each violation). This module plans which operations to call with which
//! arguments (from the spec's own examples), runs Prism, and records what it
//! said about every request the generated clients sent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use intercom_client_core::dispatch::Args;
use intercom_client_core::{Execute, Operation, ResponseFuture};
use serde_json::{Value, json};

use crate::workspace_root;

/// The `Authorization` value sent to Prism (it checks the scheme, not the token).
const BEARER: &str = "Bearer conformance-test-token";

/// One call to make: an operation with the arguments taken from its spec.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The tag it represents.
    pub tag: String,
    /// `operationId` (as generated: synthesised where the spec has none).
    pub operation_id: String,
    /// Upper-case method and path template.
    pub route: String,
    /// Arguments by spec parameter name (without the body).
    pub args: Args,
    /// The spec's request body examples, by name: each is tried in turn
    /// (specs also carry deliberately invalid ones, to illustrate a 400).
    pub examples: Vec<(String, Value)>,
}

impl Planned {
    /// The argument sets to try: one per request example, else the
    /// parameters alone.
    pub fn attempts(&self) -> Vec<(Option<&str>, Args)> {
        if self.examples.is_empty() {
            return vec![(None, self.args.clone())];
        }
        self.examples
            .iter()
            .map(|(name, body)| {
                let mut args = self.args.clone();
                args.insert("body".into(), body.clone());
                (Some(name.as_str()), args)
            })
            .collect()
    }
}

/// Picks one operation per tag and builds its arguments from the normalised
/// spec: an operation with a request example first, else one without a
/// required body (preferring `GET`), in path order. Path and required query
/// and header parameters take the parameter's example, else its schema's, else a value
/// made from its schema (the first enum value, `1` for numbers, …).
pub fn plan(doc: &Value) -> Vec<Planned> {
    let mut candidates: BTreeMap<String, Vec<(u8, Planned)>> = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    for (path, item) in paths {
        for method in codegen::model::METHODS {
            let Some(op) = item.get(*method).and_then(Value::as_object) else {
                continue;
            };
            let Some(operation_id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let tag = op
                .get("tags")
                .and_then(|t| t.get(0))
                .and_then(Value::as_str)
                .unwrap_or("(untagged)");
            let mut args = Args::new();
            // Path-item parameters apply to every operation of the path.
            let parameters = item
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .chain(op.get("parameters").and_then(Value::as_array))
                .flatten();
            for p in parameters {
                let p = codegen::spec::schema::resolve(doc, p);
                let (Some(name), Some(location)) = (
                    p.get("name").and_then(Value::as_str),
                    p.get("in").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let required = p.get("required").and_then(Value::as_bool) == Some(true);
                if location == "path" || (matches!(location, "query" | "header") && required) {
                    args.insert(name.to_owned(), parameter_value(doc, p));
                }
            }
            let body = op
                .get("requestBody")
                .map(|b| codegen::spec::schema::resolve(doc, b));
            let examples = body.map(|b| request_examples(doc, b)).unwrap_or_default();
            let body_required =
                body.is_some_and(|b| b.get("required").and_then(Value::as_bool) == Some(true));
            let rank = match (examples.is_empty(), body_required, *method) {
                (false, _, _) => 0,
                (true, false, "get") => 1,
                (true, false, _) => 2,
                (true, true, _) => continue,
            };
            candidates.entry(tag.to_owned()).or_default().push((
                rank,
                Planned {
                    tag: tag.to_owned(),
                    operation_id: operation_id.to_owned(),
                    route: format!("{} {path}", method.to_ascii_uppercase()),
                    args,
                    examples,
                },
            ));
        }
    }
    candidates
        .into_values()
        .filter_map(|mut ops| {
            ops.sort_by_key(|(rank, _)| *rank);
            ops.into_iter().next().map(|(_, p)| p)
        })
        .collect()
}

/// Tags of a spec that have at least one operation.
pub fn tags(doc: &Value) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    for item in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|p| p.values())
    {
        for method in codegen::model::METHODS {
            if let Some(op) = item.get(*method) {
                let tag = op
                    .get("tags")
                    .and_then(|t| t.get(0))
                    .and_then(Value::as_str);
                out.insert(tag.unwrap_or("(untagged)").to_owned());
            }
        }
    }
    out
}

/// Request body examples: the media type's `example` and its `examples`
/// entries (by name), `$ref`s to `components/examples` resolved.
fn request_examples(doc: &Value, body: &Value) -> Vec<(String, Value)> {
    let Some(media) = body.get("content").and_then(|c| c.get("application/json")) else {
        return Vec::new();
    };
    let single = media
        .get("example")
        .map(|v| ("example".to_owned(), v.clone()));
    let named = media
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, example)| {
            let example = codegen::spec::schema::resolve(doc, example);
            Some((name.clone(), example.get("value")?.clone()))
        });
    single.into_iter().chain(named).collect()
}

/// A value for a parameter: its example, its schema's, or one made from its schema.
fn parameter_value(doc: &Value, p: &Value) -> Value {
    if let Some(v) = p.get("example") {
        return v.clone();
    }
    if let Some(v) = p
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|e| e.values().next())
        .map(|e| codegen::spec::schema::resolve(doc, e))
        .and_then(|e| e.get("value"))
    {
        return v.clone();
    }
    let schema = codegen::spec::schema::resolve(doc, p.get("schema").unwrap_or(&Value::Null));
    schema
        .get("example")
        .cloned()
        .unwrap_or_else(|| value_for(doc, schema))
}

/// A plain value that satisfies a simple schema.
fn value_for(doc: &Value, schema: &Value) -> Value {
    let schema = codegen::spec::schema::resolve(doc, schema);
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(first) = ["oneOf", "anyOf", "allOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(|v| v.get(0)))
    {
        return value_for(doc, first);
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        let required = schema.get("required").and_then(Value::as_array);
        return required
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|name| Some((name.to_owned(), value_for(doc, properties.get(name)?))))
            .collect::<serde_json::Map<_, _>>()
            .into();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("integer" | "number") => json!(1),
        Some("boolean") => json!(true),
        Some("array") => json!([value_for(doc, schema.get("items").unwrap_or(&Value::Null))]),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some("uuid") => json!("123e4567-e89b-12d3-a456-426614174000"),
            Some("date-time") => json!("2024-01-01T00:00:00Z"),
            _ => json!("123"),
        },
    }
}

/// What Prism said about one request.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The generated operation that sent it.
    pub operation: &'static Operation,
    /// Response status.
    pub status: u16,
    /// Violations Prism found in the request (from `sl-violations` and a
    /// 422's `validation` list), as `location: message`.
    pub request_violations: Vec<String>,
    /// How many violations Prism found in its own (example) response.
    pub response_violations: usize,
}

impl Exchange {
    /// Prism accepted the request: a success status, no request violations.
    pub fn validated(&self) -> bool {
        (200..300).contains(&self.status) && self.request_violations.is_empty()
    }
}

/// An executor that sends with bearer auth and keeps Prism's verdicts.
#[derive(Clone, Default)]
pub struct Recorder {
    http: reqwest::Client,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Recorder {
    /// Every exchange so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges.lock().expect("not poisoned").clone()
    }
}

impl Execute for Recorder {
    fn execute<'a>(
        &'a self,
        mut request: reqwest::Request,
        operation: &'static Operation,
    ) -> ResponseFuture<'a> {
        Box::pin(async move {
            request.headers_mut().insert(
                reqwest::header::AUTHORIZATION,
                reqwest::header::HeaderValue::from_static(BEARER),
            );
            let response = self.http.execute(request).await?;
            let (status, version, headers) = (
                response.status(),
                response.version(),
                response.headers().clone(),
            );
            let body = response.bytes().await?;
            let mut request_violations = Vec::new();
            let mut response_violations = 0;
            let listed = headers
                .get("sl-violations")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| serde_json::from_str::<Vec<Value>>(v).ok())
                .unwrap_or_default();
            let from_422 = if status.as_u16() == 422 {
                serde_json::from_slice::<Value>(&body)
                    .ok()
                    .and_then(|b| b.get("validation").and_then(Value::as_array).cloned())
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            for violation in listed.iter().chain(&from_422) {
                let location: Vec<String> = violation
                    .get("location")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|l| l.as_str().map_or_else(|| l.to_string(), str::to_owned))
                    .collect();
                if location.first().is_some_and(|l| l == "response") {
                    response_violations += 1;
                } else {
                    let message = violation
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    request_violations.push(format!("{}: {message}", location.join(".")));
                }
            }
            if status.as_u16() == 422 && request_violations.is_empty() {
                request_violations.push(format!("422: {}", String::from_utf8_lossy(&body)));
            }
            self.exchanges.lock().expect("not poisoned").push(Exchange {
                operation,
                status: status.as_u16(),
                request_violations,
                response_violations,
            });
            // Hand the response on unchanged for the generated code to decode.
            let mut rebuilt = http::Response::new(body);
            *rebuilt.status_mut() = status;
            *rebuilt.version_mut() = version;
            *rebuilt.headers_mut() = headers;
            Ok(reqwest::Response::from(rebuilt))
        })
    }
}

/// Where the Prism CLI is: `PRISM_BIN`, else the copy `.ci/run` installs
/// with npm under `tests/prism/node_modules`.
pub fn prism_bin() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("PRISM_BIN") {
        return Some(PathBuf::from(bin));
    }
    let local = workspace_root().join("tests/prism/node_modules/.bin/prism");
    local.exists().then_some(local)
}

/// A Prism mock server on a free loopback port, stopped (by its PID) on drop.
pub struct Prism {
    child: Child,
    /// Its base URL.
    pub url: String,
    log: PathBuf,
}

impl Prism {
    /// Serves `spec` (a JSON document written to a temporary file) and waits
    /// until the port accepts connections.
    pub fn start(bin: &Path, name: &str, spec: &Value) -> Result<Prism, String> {
        let dir =
            std::env::temp_dir().join(format!("intercom-prism-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let spec_path = dir.join("spec.json");
        std::fs::write(
            &spec_path,
            serde_json::to_vec(spec).map_err(|e| e.to_string())?,
        )
        .map_err(|e| format!("{}: {e}", spec_path.display()))?;
        let log = dir.join("prism.log");
        let log_file =
            std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        // Port 0: Prism binds a free port itself and logs the URL, so no
        // other test can take the port between our choosing and its binding.
        let child = Command::new(bin)
            .args(["mock", "--host", "127.0.0.1", "--port", "0"])
            .arg(&spec_path)
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut prism = Prism {
            child,
            url: String::new(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            if let Ok(Some(status)) = prism.child.try_wait() {
                return Err(format!(
                    "Prism exited ({status}) before listening:\n{}",
                    prism.log_tail()
                ));
            }
            if let Some(url) =
                listening_url(&std::fs::read_to_string(&prism.log).unwrap_or_default())
            {
                prism.url = url;
                return Ok(prism);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "Prism did not listen within 180 s:\n{}",
                    prism.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The end of Prism's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(dir) = self.log.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The URL from Prism's "Prism is listening on http://127.0.0.1:PORT" line.
fn listening_url(log: &str) -> Option<String> {
    const MARK: &str = "Prism is listening on ";
    let line = log.lines().find(|l| l.contains(MARK))?;
    let url = line[line.find(MARK)? + MARK.len()..].trim();
    url.starts_with("http://127.0.0.1:").then(|| url.to_owned())
}

/// The published spec as Prism serves it: upstream text plus only our
/// overlay for schemas the spec references without defining (2.7–2.11's
/// `custom_attributes`), which no validator could resolve.
pub fn served_spec(text: &str) -> Value {
    let mut spec = codegen::spec::normalise::Spec {
        doc: codegen::spec::load(text).expect("spec loads"),
        dropped: Vec::new(),
    };
    let overlay = codegen::spec::normalise::ALL
        .iter()
        .find(|n| n.name == "define_undefined_schemas")
        .expect("the overlay normalisation exists");
    (overlay.apply)(&mut spec);
    spec.doc
}

/// A reviewed conformance failure: the spec contradicts itself.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownRejection {
    /// Version name as in `spec/versions.toml`.
    pub version: String,
    /// `operationId`.
    pub operation: String,
    /// Why the request Prism rejects follows the spec's own example.
    pub reason: String,
}

/// The reviewed list in `tests/known-conformance-failures.toml`.
pub fn known_rejections() -> Vec<KnownRejection> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        rejection: Vec<KnownRejection>,
    }
    let path = workspace_root().join("tests/known-conformance-failures.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: File = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.rejection
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_one_operation_per_tag_preferring_request_examples() {
        let doc = json!({
            "paths": {
                "/contacts": {
                    "get": {"operationId": "listContacts", "tags": ["Contacts"]},
                    "post": {"operationId": "createContact", "tags": ["Contacts"],
                        "requestBody": {"required": true, "content": {"application/json": {
                            "examples": {"b": {"value": {"email": "b"}}, "a": {"$ref": "#/components/examples/A"}}}}}}
                },
                "/contacts/{id}": {"get": {"operationId": "getContact", "tags": ["Contacts"],
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]}},
                "/events": {
                    "post": {"operationId": "createEvent", "tags": ["Events"],
                        "requestBody": {"required": true, "content": {"application/json": {"schema": {}}}}},
                    "get": {"operationId": "listEvents", "tags": ["Events"], "parameters": [
                        {"name": "type", "in": "query", "required": true, "schema": {"enum": ["user"]}},
                        {"name": "summary", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "id", "in": "query", "required": true, "example": "abc"}]}
                }
            },
            "components": {"examples": {"A": {"value": {"email": "a"}}}}
        });
        let planned = plan(&doc);
        let picked: Vec<(&str, &str, usize)> = planned
            .iter()
            .map(|p| (p.tag.as_str(), p.operation_id.as_str(), p.examples.len()))
            .collect();
        assert_eq!(
            picked,
            [
                ("Contacts", "createContact", 2),
                ("Events", "listEvents", 0)
            ]
        );
        let attempts = planned[0].attempts();
        assert_eq!(attempts[0].0, Some("a"));
        assert_eq!(attempts[0].1["body"], json!({"email": "a"}));
        assert_eq!(attempts[1].1["body"], json!({"email": "b"}));
        assert_eq!(planned[1].attempts(), [(None, planned[1].args.clone())]);
        // Required query parameters only, from enum and example.
        assert_eq!(
            Value::Object(planned[1].args.clone()),
            json!({"type": "user", "id": "abc"})
        );
        assert_eq!(tags(&doc).len(), 2);
        assert_eq!(value_for(&doc, &json!({"type": "integer"})), json!(1));
        // A form-exploded object parameter: the first variant's required fields.
        let filter = json!({"type": "object", "oneOf": [
            {"properties": {"user_id": {"type": "string"}, "x": {}}, "required": ["user_id"]},
            {"properties": {"email": {"type": "string"}}, "required": ["email"]}]});
        assert_eq!(value_for(&doc, &filter), json!({"user_id": "123"}));
    }

    #[test]
    fn reads_the_port_prism_chose_from_its_log() {
        let log = "[3:35:44 PM] › [CLI] …  awaiting  Starting Prism…\n\
                   [3:35:49 PM] › [CLI] ▶  start     Prism is listening on http://127.0.0.1:38423\n";
        assert_eq!(
            listening_url(log).as_deref(),
            Some("http://127.0.0.1:38423")
        );
        assert_eq!(listening_url("[CLI] …  awaiting  Starting Prism…"), None);
    }
}
