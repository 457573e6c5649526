//! What the two codegen stages share: the facts the spec stage finds on the
//! OpenAPI document and the syntax stage needs to shape progenitor's output.
//!
//! This module is a leaf: it names neither stage, nor JSON, nor syn. The
//! spec stage ([`crate::spec`]) yields one [`SpecOperations`] map; the syntax
//! stage ([`crate::syntax`]) reads it and never sees the document itself.

use std::collections::BTreeMap;
use std::fmt;

/// HTTP methods that carry operations in an OpenAPI path item (lower case,
/// as the document spells them).
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where an operation lives: method and path template.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Route {
    /// HTTP method, upper case.
    pub method: String,
    /// Path template as the spec writes it (`/contacts/{id}`).
    pub path: String,
}

impl Route {
    /// A route from a method in any case and a path template.
    pub fn new(method: &str, path: &str) -> Self {
        Route {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
        }
    }

    /// The path template with its parameters' names erased (see
    /// [`template_shape`]): two versions may name the same placeholder
    /// differently.
    pub fn shape(&self) -> String {
        template_shape(&self.path)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// A path template with its parameters' names erased: `/a/{}/b`.
pub fn template_shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// One parameter as the spec declares it (the request body is `body`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecParam {
    /// The spec's name for it (`starting_after`, `body`).
    pub name: String,
    /// Where it goes: `path`, `query`, `header` or `body`.
    pub location: String,
}

/// One operation of the normalised spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecOperation {
    /// The `operationId` (synthesised from the route when the spec has none).
    pub id: String,
    /// Method and path template.
    pub route: Route,
    /// Its parameters, path and query first in the spec's order, then `body`.
    pub params: Vec<SpecParam>,
    /// How it pages, as far as the spec tells.
    pub paging: Paging,
    /// Where the call lives on the resource-grouped client.
    pub call: CallName,
}

/// Where the grouped client offers an operation: `help_centers().collections().list()`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CallName {
    /// The group accessors, outermost first, snake_case (`help_centers`, `collections`).
    pub groups: Vec<String>,
    /// The method on the innermost group, snake_case (`list`).
    pub method: String,
    /// Who chose the name.
    pub source: NameSource,
}

impl CallName {
    /// A name from its dotted form, `help_centers.collections.list`.
    pub fn parse(dotted: &str, source: NameSource) -> Self {
        let mut parts: Vec<String> = dotted.split('.').map(str::to_owned).collect();
        let method = parts.pop().unwrap_or_default();
        CallName {
            groups: parts,
            method,
            source,
        }
    }
}

impl fmt::Display for CallName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for group in &self.groups {
            write!(f, "{group}.")?;
        }
        f.write_str(&self.method)
    }
}

/// Who named an operation's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameSource {
    /// Intercom's own SDK names (`x-fern-sdk-group-name` and
    /// `x-fern-sdk-method-name` in its override files).
    Fern,
    /// Derived: the operation's first tag as the group, the `operationId`
    /// without the group's noun as the method.
    Tag,
    /// Pinned by codegen, where derivation would differ between versions.
    Pinned,
}

/// Every operation of a normalised spec, by route.
pub type SpecOperations = BTreeMap<Route, SpecOperation>;

/// A response example the spec documents for an operation (the test kit
/// serves it by status and name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseExample {
    /// The status it is documented under (`"200"`).
    pub status: String,
    /// Its name in the spec, or `"example"` for a lone `example`.
    pub name: String,
    /// The example value, as compact JSON.
    pub json: String,
}

/// Every operation's response examples, by route.
pub type ResponseExamples = BTreeMap<Route, Vec<ResponseExample>>;

/// An operation the spec stage removed because it cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// `operationId` of the dropped operation.
    pub operation_id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Why it cannot be generated.
    pub reason: String,
}

/// How one list operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    /// `starting_after` query parameter; the next cursor is `pages.next.starting_after`.
    Cursor,
    /// `page` query parameter; the last page is `total_pages` (top level or
    /// under `pages`), or, without it, the page before the first empty one.
    PageNumber,
    /// Search: `pagination.starting_after` in the request body; next cursor as for [`Shape::Cursor`].
    SearchBody,
    /// `scroll_param` query parameter echoed back in the response; ends on an empty page.
    Scroll,
    /// `cursor` query parameter; the next one is the response's `next_cursor`.
    NextCursor,
}

impl Shape {
    /// Every shape, in declaration order (a test checks the runtime's
    /// `intercom_client_core::pagination::Shape::ALL` names the same ones).
    pub const ALL: [Shape; 5] = [
        Shape::Cursor,
        Shape::PageNumber,
        Shape::SearchBody,
        Shape::Scroll,
        Shape::NextCursor,
    ];
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Shape::Cursor => "cursor",
            Shape::PageNumber => "page-number",
            Shape::SearchBody => "search-body",
            Shape::Scroll => "scroll",
            Shape::NextCursor => "next-cursor",
        })
    }
}

/// A detected paginated operation, in the spec's (JSON) names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The shape.
    pub shape: Shape,
    /// Response property holding the page's items.
    pub items: String,
    /// Response path to the next cursor, or to `total_pages` for page
    /// numbers (empty when the response has none: the list ends at the
    /// first empty page).
    pub next: Vec<String>,
    /// Query parameter (or body field, for search) setting the page size.
    pub page_size: Option<String>,
}

/// What pagination detection concluded about one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// Not a list operation.
    None,
    /// Paginated, and a paginator is generated.
    Paginated(Detected),
    /// Looks paginated (page parameters or a `pages` response) but is not
    /// handled, with the reason.
    Unhandled(String),
}

impl fmt::Display for Paging {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Paging::None => Ok(()),
            Paging::Paginated(d) if d.next.is_empty() => write!(
                f,
                "paginated: {} (to the first empty page, items {})",
                d.shape, d.items
            ),
            Paging::Paginated(d) => write!(
                f,
                "paginated: {} (next {}, items {})",
                d.shape,
                d.next.join("."),
                d.items
            ),
            Paging::Unhandled(reason) => write!(f, "not paginated: {reason}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_compare_by_method_and_template_shape() {
        let a = Route::new("get", "/contacts/{id}");
        assert_eq!(a.method, "GET");
        assert_eq!(a.to_string(), "GET /contacts/{id}");
        assert_eq!(
            a.shape(),
            Route::new("GET", "/contacts/{contact_id}").shape()
        );
        assert_ne!(a, Route::new("GET", "/contacts/{contact_id}"));
    }
}
