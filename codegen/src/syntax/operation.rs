//! One generated operation as the syntax stage sees it: the spec's facts
//! (from the model) beside the Rust names and types progenitor gave it.

use syn::Type;

use crate::model::{Paging, SpecOperation};

/// One generated operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// What the spec says about it: id, route, parameters, detected paging.
    pub spec: SpecOperation,
    /// The `Client` method that starts the request builder.
    pub rust_name: String,
    /// Builder struct name.
    pub builder: String,
    /// Parameters (path, query, body) and their Rust types, in builder order.
    pub params: Vec<(String, Type)>,
    /// Success payload type (`None` for no body or a raw stream).
    pub success: Option<Type>,
    /// Error payload type (`None` for no body or a raw stream).
    pub error: Option<Type>,
    /// How it pages as generated: the spec's paging, or why no paginator
    /// could be emitted.
    pub paging: Paging,
}

impl Operation {
    /// The spec's `operationId`.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// HTTP method, upper case.
    pub fn method(&self) -> &str {
        &self.spec.route.method
    }

    /// Path template.
    pub fn path(&self) -> &str {
        &self.spec.route.path
    }

    /// The type of its parameter `name`.
    pub fn param(&self, name: &str) -> Option<&Type> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, ty)| ty)
    }
}

#[cfg(test)]
impl Operation {
    /// A `POST /tags`-like operation for unit tests: `id`, its body type and
    /// its success type, no paging.
    pub(crate) fn for_test(id: &str, body: Option<Type>, success: Option<Type>) -> Self {
        Operation {
            spec: SpecOperation {
                id: id.into(),
                route: crate::model::Route::new("POST", "/tags"),
                params: vec![],
                paging: Paging::None,
                call: crate::model::CallName::parse(
                    &format!("tags.{id}"),
                    crate::model::NameSource::Tag,
                ),
            },
            rust_name: id.into(),
            builder: id.into(),
            params: body.map(|b| ("body".to_owned(), b)).into_iter().collect(),
            success,
            error: None,
            paging: Paging::None,
        }
    }
}
