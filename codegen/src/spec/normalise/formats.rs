//! String formats on schemas that are not strings.

use serde_json::Value;

use super::{Normalisation, Spec, walk_objects};

/// Removes `format` from object and array schemas.
pub const DROP_CONTAINER_FORMATS: Normalisation = Normalisation {
    name: "drop_container_formats",
    fixes: "a `format` on an `object` or `array` schema (admin `avatar` once Intercom's override makes it an object keeps the published `format: uri`) makes typify panic; a format only describes strings and numbers",
    apply: drop_container_formats,
};

fn drop_container_formats(spec: &mut Spec) -> usize {
    let mut count = 0;
    walk_objects(&mut spec.doc, &mut |map| {
        let container = map
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t == "object" || t == "array");
        if container && map.remove("format").is_some() {
            count += 1;
        }
    });
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::normalise::spec;

    #[test]
    fn formats_leave_objects_and_arrays_only() {
        let mut s = spec(
            "paths: {}\ncomponents:\n  schemas:\n    admin:\n      type: object\n      properties:\n        avatar: {type: object, format: uri, properties: {image_url: {type: string, format: uri}}}\n        seen: {type: integer, format: date-time}\n        tags: {type: array, format: csv, items: {type: string}}\n",
        );
        assert_eq!(drop_container_formats(&mut s), 2);
        let props = &s.doc["components"]["schemas"]["admin"]["properties"];
        assert!(props["avatar"].get("format").is_none());
        assert!(props["tags"].get("format").is_none());
        assert_eq!(props["avatar"]["properties"]["image_url"]["format"], "uri");
        assert_eq!(props["seen"]["format"], "date-time");
    }
}
