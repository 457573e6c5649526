//! Operations without an `operationId`.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Normalisation, Spec, for_each_operation};

/// Gives every operation lacking one an `operationId` derived from its method
/// and path.
pub const SYNTHESIZE_OPERATION_IDS: Normalisation = Normalisation {
    name: "synthesize_operation_ids",
    fixes: "2.14+ have operations (reporting-data export) without an `operationId`, which names the Rust method",
    apply: synthesize_operation_ids,
};

fn synthesize_operation_ids(spec: &mut Spec) -> usize {
    let mut taken = BTreeSet::new();
    for_each_operation(&mut spec.doc, |_, _, op| {
        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
            taken.insert(id.to_owned());
        }
    });
    let mut count = 0;
    for_each_operation(&mut spec.doc, |path, method, op| {
        if op.get("operationId").and_then(Value::as_str).is_some() {
            return;
        }
        let base = id_from(method, path);
        let mut id = base.clone();
        let mut n = 2;
        while taken.contains(&id) {
            id = format!("{base}{n}");
            n += 1;
        }
        taken.insert(id.clone());
        op.insert("operationId".into(), Value::String(id));
        count += 1;
    });
    count
}

/// `get /export/reporting_data/{job_identifier}` →
/// `getExportReportingDataByJobIdentifier`.
fn id_from(method: &str, path: &str) -> String {
    let mut id = method.to_ascii_lowercase();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        let (segment, by) = match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => (param, true),
            None => (segment, false),
        };
        if by {
            id.push_str("By");
        }
        for word in segment
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
        {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                id.push(first.to_ascii_uppercase());
                id.extend(chars);
            }
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn names_missing_ids_from_method_and_path_uniquely() {
        let mut s = spec(
            r#"
paths:
  /export/reporting_data/{job_identifier}:
    get: {responses: {}}
  /export/reporting_data/enqueue:
    post: {responses: {}}
    get: {operationId: getExportReportingDataEnqueue, responses: {}}
  /export/reporting-data/enqueue:
    get: {responses: {}}
"#,
        );
        assert_eq!(synthesize_operation_ids(&mut s), 3);
        let p = &s.doc["paths"];
        assert_eq!(
            p["/export/reporting_data/{job_identifier}"]["get"]["operationId"],
            "getExportReportingDataByJobIdentifier"
        );
        assert_eq!(
            p["/export/reporting_data/enqueue"]["post"]["operationId"],
            "postExportReportingDataEnqueue"
        );
        assert_eq!(
            p["/export/reporting-data/enqueue"]["get"]["operationId"],
            "getExportReportingDataEnqueue2"
        );
    }
}
