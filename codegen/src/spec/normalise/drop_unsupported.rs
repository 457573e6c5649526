//! Operations the generator cannot express.

use serde_json::Value;

use super::{Dropped, METHODS, Normalisation, Spec};

/// Removes operations whose only request body is `multipart/form-data`.
pub const DROP_MULTIPART_OPERATIONS: Normalisation = Normalisation {
    name: "drop_multipart_operations",
    fixes: "progenitor has no multipart/form-data bodies (Preview's catalog upload); the operation is recorded as dropped and written by hand in the façade",
    apply: drop_multipart_operations,
};

fn is_multipart_only(op: &Value) -> bool {
    op.pointer("/requestBody/content")
        .and_then(Value::as_object)
        .is_some_and(|c| !c.is_empty() && c.keys().all(|k| k.starts_with("multipart/")))
}

fn drop_multipart_operations(spec: &mut Spec) -> usize {
    let Some(paths) = spec.doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return 0;
    };
    let mut count = 0;
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let doomed: Vec<String> = item
            .iter()
            .filter(|(m, op)| METHODS.contains(&m.as_str()) && is_multipart_only(op))
            .map(|(m, _)| m.clone())
            .collect();
        for method in doomed {
            let op = item.remove(&method).expect("listed above");
            spec.dropped.push(Dropped {
                operation_id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                method: method.to_ascii_uppercase(),
                path: path.clone(),
                reason: "multipart/form-data request body: progenitor cannot generate it".into(),
            });
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn drops_and_records_multipart_only_operations() {
        let mut s = spec(
            r#"
paths:
  /upload:
    post:
      operationId: upload
      requestBody: {content: {multipart/form-data: {schema: {type: object}}}}
      responses: {}
    get: {operationId: list, responses: {}}
  /both:
    post:
      operationId: both
      requestBody:
        content:
          multipart/form-data: {schema: {type: object}}
          application/json: {schema: {type: object}}
      responses: {}
"#,
        );
        assert_eq!(drop_multipart_operations(&mut s), 1);
        assert!(s.doc["paths"]["/upload"].get("post").is_none());
        assert!(s.doc["paths"]["/upload"].get("get").is_some());
        assert!(s.doc["paths"]["/both"].get("post").is_some());
        assert_eq!(s.dropped.len(), 1);
        assert_eq!(
            (
                s.dropped[0].operation_id.as_str(),
                s.dropped[0].method.as_str(),
                s.dropped[0].path.as_str()
            ),
            ("upload", "POST", "/upload")
        );
    }
}
