//! The structured API model of one generated version: every operation of the
//! grouped client (keyed by its call name, `contacts.list`) with its
//! parameters, body, success and error types and paging, and every named
//! payload type those reach, with its fields or variants.
//!
//! It is computed from the same operations and the same generated syntax
//! tree as the surface snapshot (`syntax::api_model::build`), not parsed
//! from text, and is serde-serialisable: a version crate carries it as JSON
//! (`API_MODEL`, under its `surface` feature) so tests can compare versions
//! without running codegen. [`crate::diff`] compares two of them.
//!
//! This module is a leaf: plain data, no stage named.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One version's API as a Rust caller sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiModel {
    /// Version name (`2.16`, `Preview`).
    pub version: String,
    /// Operations by grouped call name (`help_centers.collections.list`).
    pub operations: BTreeMap<String, ApiOperation>,
    /// Named payload types (`mod types`) the operations reach, by name.
    pub types: BTreeMap<String, ApiType>,
}

impl ApiModel {
    /// Reads a model from the JSON [`ApiModel::to_json`] wrote.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| format!("API model: {e}"))
    }

    /// The model as stable, pretty JSON (maps are ordered).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// One operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    /// The spec's `operationId`.
    pub id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Parameters other than the body, in builder order.
    pub params: Vec<ApiParam>,
    /// The request body's type (`None` without a body).
    pub body: Option<String>,
    /// The success payload's type (`None` for no body or a raw stream).
    pub success: Option<String>,
    /// The error payload's type.
    pub error: Option<String>,
    /// How it pages, when a paginator is generated: shape and items
    /// (`cursor, items data`).
    pub paging: Option<String>,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiParam {
    /// Its Rust name (the builder's setter).
    pub name: String,
    /// `path`, `query` or `header`, when the spec says.
    pub location: Option<String>,
    /// Its Rust type, without the `Option` of an optional one.
    pub ty: String,
    /// Whether the call cannot go without it.
    pub required: bool,
}

/// Which way a named type travels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Direction {
    /// A request (a body or a parameter) reaches it: callers build it.
    pub request: bool,
    /// A response reaches it: callers read it.
    pub response: bool,
}

/// One named payload type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiType {
    /// Which way it travels.
    pub direction: Direction,
    /// What it is.
    pub shape: TypeShape,
}

/// What a named type is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeShape {
    /// A struct with its fields (a tuple struct's are `0`, `1`…).
    Struct(Vec<ApiField>),
    /// An enum with its variants.
    Enum(Vec<ApiVariant>),
    /// A type alias, and what it names.
    Alias(String),
}

impl Default for TypeShape {
    fn default() -> Self {
        TypeShape::Struct(Vec::new())
    }
}

/// One field of a struct (or of a struct-like variant).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiField {
    /// Its Rust name.
    pub name: String,
    /// Its Rust type, without the `Option` of an optional field.
    pub ty: String,
    /// Whether it must be given (not `Option`, no serde default).
    pub required: bool,
}

/// One variant of an enum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiVariant {
    /// Its Rust name.
    pub name: String,
    /// What it carries, as text: empty for a unit variant, `(T)` for a
    /// tuple, `{ a: T, b: Option<U> }` for a struct-like one.
    pub fields: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() {
        let mut model = ApiModel {
            version: "2.16".into(),
            ..ApiModel::default()
        };
        model.operations.insert(
            "tags.list".into(),
            ApiOperation {
                id: "listTags".into(),
                method: "GET".into(),
                path: "/tags".into(),
                params: vec![ApiParam {
                    name: "page".into(),
                    location: Some("query".into()),
                    ty: "i64".into(),
                    required: false,
                }],
                success: Some("TagList".into()),
                ..ApiOperation::default()
            },
        );
        model.types.insert(
            "Kind".into(),
            ApiType {
                direction: Direction {
                    request: true,
                    response: false,
                },
                shape: TypeShape::Enum(vec![ApiVariant {
                    name: "A".into(),
                    fields: String::new(),
                }]),
            },
        );
        let json = model.to_json();
        assert!(json.contains("\"tags.list\""), "{json}");
        assert_eq!(ApiModel::from_json(&json), Ok(model));
        assert!(ApiModel::from_json("{").is_err());
    }
}
