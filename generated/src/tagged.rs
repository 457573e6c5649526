//! Decoding of unions whose members each carry their own `type` value
//! (`GET /companies` answers `{"type": "company", …}` or
//! `{"type": "list", …}`).
//!
//! serde's untagged enums take the first member that fits, and members whose
//! fields are all optional fit anything: one company decoded as an empty
//! list. Codegen gives each such union a `Deserialize` that reads `type` and
//! decodes the member it names, keeping `type` in the member (nothing is
//! dropped). A value without a known `type` is tried against each member in
//! order, as before, so an unforeseen `type` never fails a call.
//!
//! An error inside the member carries the path to the value that did not
//! fit ([`MARK`]), so that [`crate::lenient`] can repair that value, not the
//! whole union.

use serde::de::{DeserializeOwned, Error};
use serde_json::Value;

/// Separates a member's error message from the JSON path (a JSON array of
/// keys and indices, relative to the union's value) of what did not fit.
pub const MARK: &str = " @ union member path ";

/// The union's `type` value, if it has one.
pub fn tag(value: &Value) -> Option<&str> {
    value.get("type").and_then(Value::as_str)
}

/// Decodes the member `T` that `value`'s `type` names; an error names the
/// path of the value inside that did not fit (see [`MARK`]).
pub fn member<T: DeserializeOwned, E: Error>(value: Value) -> Result<T, E> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut path: Vec<Value> = e
            .path()
            .iter()
            .filter_map(|segment| match segment {
                serde_path_to_error::Segment::Seq { index } => Some(Value::from(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Value::from(key.as_str())),
                _ => None,
            })
            .collect();
        let inner = e.into_inner().to_string();
        // A union inside the member says where inside itself.
        let message = match split(&inner) {
            Some((message, below)) => {
                path.extend(below);
                message.to_owned()
            }
            None => inner,
        };
        E::custom(format!("{message}{MARK}{}", Value::Array(path)))
    })
}

/// Decodes one member of a union from its JSON value.
pub type Member<T> = fn(Value) -> Result<T, serde_json::Error>;

/// Tries each member in order (the value has no `type`, or one no member
/// declares): the first that fits, as an untagged enum would.
pub fn first_fit<T, E: Error>(value: Value, union: &str, members: &[Member<T>]) -> Result<T, E> {
    for decode in members {
        if let Ok(found) = decode(value.clone()) {
            return Ok(found);
        }
    }
    Err(E::custom(format!(
        "data did not match any variant of untagged enum {union} (`type` is {})",
        value
            .get("type")
            .map_or_else(|| "absent".to_owned(), Value::to_string)
    )))
}

/// A member error's message and the path below the union, if it has one.
pub fn split(message: &str) -> Option<(&str, Vec<Value>)> {
    let (message, path) = message.rsplit_once(MARK)?;
    // serde_json may append its own position after the path.
    let path = path.split(" at line ").next().unwrap_or(path);
    match serde_json::from_str::<Value>(path) {
        Ok(Value::Array(steps)) => Some((message, steps)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Company {
        #[serde(rename = "type")]
        kind: Option<String>,
        user_count: Option<i64>,
        tags: Option<Vec<Tag>>,
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Tag {
        id: String,
    }

    #[test]
    fn a_member_error_names_the_path_inside_the_member() {
        let value = serde_json::json!({"type": "company", "tags": [{"id": "1"}, {"id": 2}]});
        let err = member::<Company, serde_json::Error>(value).unwrap_err();
        let text = err.to_string();
        let (message, path) = split(&text).expect("a path");
        assert!(
            message.starts_with("invalid type: integer `2`"),
            "{message}"
        );
        assert_eq!(
            path,
            [Value::from("tags"), Value::from(1), Value::from("id")]
        );
    }

    /// A union decoded through [`member`], inside a member of another.
    #[derive(Debug)]
    struct Inner(#[allow(dead_code)] Tag);

    impl<'de> serde::Deserialize<'de> for Inner {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            member::<Tag, D::Error>(<Value as serde::Deserialize>::deserialize(d)?).map(Inner)
        }
    }

    #[derive(Debug, serde::Deserialize)]
    struct Outer {
        #[allow(dead_code)]
        items: Vec<Inner>,
    }

    #[test]
    fn a_path_nested_in_a_member_error_is_appended() {
        let value = serde_json::json!({"items": [{"id": "a"}, {"id": false}]});
        let err = member::<Outer, serde_json::Error>(value).unwrap_err();
        let text = err.to_string();
        let (message, path) = split(&text).expect("a path");
        assert!(
            message.starts_with("invalid type: boolean `false`"),
            "{message}"
        );
        assert_eq!(
            path,
            [Value::from("items"), Value::from(1), Value::from("id")]
        );
    }

    #[test]
    fn without_a_known_type_the_first_member_that_fits_wins() {
        let members: &[Member<i64>] = &[|v| serde_json::from_value(v)];
        assert_eq!(
            first_fit::<_, serde_json::Error>(Value::from(3), "U", members).unwrap(),
            3
        );
        let err =
            first_fit::<i64, serde_json::Error>(serde_json::json!({"type": "x"}), "U", members)
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "data did not match any variant of untagged enum U (`type` is \"x\")"
        );
    }
}
