//! Pagination: which list operations page, in which of Intercom's shapes, and
//! the code that lets each one stream its pages and items.
//!
//! Detection reads the normalised spec (parameters, request body, response
//! schema); emission then reads the generated syntax tree to find the Rust
//! fields those JSON names became, and writes one
//! `impl generated::pagination::Paginate` plus an `into_paginator()` per
//! operation into the generated `builder` module (where the builders' private
//! fields are visible). An operation that looks paginated but fits no shape is
//! reported with the reason, never silently skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::{Map, Value};
use syn::Type;

use crate::index::{Index, last_ident};
use crate::normalise::METHODS;
use crate::schema;
use crate::surface::{Operation, generic_args, type_text};

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
    /// `generated::pagination::Shape::ALL` names the same ones).
    pub const ALL: [Shape; 5] = [
        Shape::Cursor,
        Shape::PageNumber,
        Shape::SearchBody,
        Shape::Scroll,
        Shape::NextCursor,
    ];

    /// The runtime's `generated::pagination::Shape` for this shape.
    fn runtime(self) -> TokenStream {
        match self {
            Shape::Cursor => quote!(::generated::pagination::Shape::Cursor),
            Shape::PageNumber => quote!(::generated::pagination::Shape::PageNumber),
            Shape::SearchBody => quote!(::generated::pagination::Shape::SearchBody),
            Shape::Scroll => quote!(::generated::pagination::Shape::Scroll),
            Shape::NextCursor => quote!(::generated::pagination::Shape::NextCursor),
        }
    }
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

/// Where a cursor-paged response names the next page.
pub const CURSOR_NEXT: [&str; 3] = ["pages", "next", "starting_after"];

/// Query parameters that position a request in a list, in order of
/// precedence, with the shape each means and where the response must say
/// what comes next (the first of the candidate paths it has).
const POSITIONS: &[(&str, Shape, &[&[&str]])] = &[
    ("starting_after", Shape::Cursor, &[&CURSOR_NEXT]),
    ("cursor", Shape::NextCursor, &[&["next_cursor"]]),
    ("scroll_param", Shape::Scroll, &[&["scroll_param"]]),
    (
        "page",
        Shape::PageNumber,
        &[&["pages", "total_pages"], &["total_pages"]],
    ),
];

/// The query parameters that position a request in a list.
pub fn position_params() -> impl Iterator<Item = &'static str> {
    POSITIONS.iter().map(|(param, _, _)| *param)
}
const RESPONSE_HINTS: &[&str] = &["pages", "next_cursor", "scroll_param", "total_pages"];

/// Detects the paging of every operation: `(METHOD, path)` → [`Paging`].
pub fn detect(doc: &Value) -> BTreeMap<(String, String), Paging> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            if let Some(op) = item.get(*method).and_then(Value::as_object) {
                out.insert(
                    (method.to_ascii_uppercase(), path.clone()),
                    detect_one(doc, op),
                );
            }
        }
    }
    out
}

/// The member of a union told apart by `type` that holds an array (the
/// list), or `schema` itself.
fn list_member<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let resolved = schema::resolve(doc, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(members) = resolved.get(key).and_then(Value::as_array)
            && crate::normalise::told_apart_by_type(doc, members)
            && let Some(list) = members.iter().find(|m| {
                schema::properties(doc, m)
                    .values()
                    .any(|p| schema::is_array(doc, p))
            })
        {
            return list;
        }
    }
    schema
}

/// Detects the paging of one operation.
pub fn detect_one(doc: &Value, op: &Map<String, Value>) -> Paging {
    let query: BTreeSet<String> = schema::parameters(doc, op)
        .into_iter()
        .filter(|(_, at)| at == "query")
        .map(|(name, _)| name)
        .collect();
    // A union told apart by `type` (one company or a list of them) pages
    // through its list member.
    let response = schema::success_schema(op).map(|r| list_member(doc, r));
    let response_props = response
        .map(|r| schema::properties(doc, r))
        .unwrap_or_default();
    let body_pagination = schema::request_schema(doc, op)
        .and_then(|b| schema::at_path(doc, b, &["pagination"]))
        .filter(|p| schema::properties(doc, p).contains_key("starting_after"));
    let looks = position_params()
        .chain(["per_page"])
        .any(|q| query.contains(q))
        || body_pagination.is_some()
        || RESPONSE_HINTS
            .iter()
            .any(|r| response_props.contains_key(*r));
    if !looks {
        return Paging::None;
    }
    let Some(response) = response else {
        return Paging::Unhandled("no JSON success response".into());
    };
    let arrays: Vec<&String> = response_props
        .iter()
        .filter(|(_, s)| schema::is_array(doc, s))
        .map(|(k, _)| k)
        .collect();
    let items = match arrays.as_slice() {
        [one] => (*one).clone(),
        many if many.iter().any(|k| *k == "data") => "data".to_owned(),
        [] => return Paging::Unhandled("the response has no array of items".into()),
        _ => return Paging::Unhandled("the response has several arrays of items".into()),
    };
    let has = |path: &[&str]| schema::at_path(doc, response, path).is_some();
    let owned = |p: &[&str]| p.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let detected = |shape, next: &[&str], page_size| {
        Paging::Paginated(Detected {
            shape,
            items,
            next: owned(next),
            page_size,
        })
    };
    let per_page = query.contains("per_page").then(|| "per_page".to_owned());
    // The first position parameter the operation declares decides its shape.
    if let Some((param, shape, candidates)) = POSITIONS
        .iter()
        .find(|(param, _, _)| query.contains(*param))
    {
        return match candidates.iter().find(|next| has(next)) {
            Some(next) => detected(*shape, next, per_page),
            // Page numbers need no cursor: without a total, the list ends
            // at the first empty page.
            None if *shape == Shape::PageNumber => detected(*shape, &[], per_page),
            None => Paging::Unhandled(format!(
                "`{param}` parameter but no `{}` in the response",
                candidates.last().map_or(String::new(), |p| p.join("."))
            )),
        };
    }
    let Some(pagination) = body_pagination else {
        return Paging::Unhandled(
            "the response is paged but the operation declares no page or cursor parameter".into(),
        );
    };
    if !has(&CURSOR_NEXT) {
        return Paging::Unhandled(
            "`pagination` in the body but no `pages.next.starting_after` in the response".into(),
        );
    }
    let size = schema::properties(doc, &pagination)
        .contains_key("per_page")
        .then(|| "pagination.per_page".to_owned());
    detected(Shape::SearchBody, &CURSOR_NEXT, size)
}

/// Strips `Option<…>` / `Box<…>`: (inner type, was optional).
fn peel(ty: &Type) -> (Type, bool) {
    let mut optional = false;
    let mut ty = ty.clone();
    loop {
        if let Some(inner) = generic_args(&ty, "Option").and_then(|a| a.first().cloned().cloned()) {
            optional = true;
            ty = inner;
        } else if let Some(inner) =
            generic_args(&ty, "Box").and_then(|a| a.first().cloned().cloned())
        {
            ty = inner;
        } else {
            return (ty, optional);
        }
    }
}

const INTEGERS: &[&str] = &["i64", "i32", "u64", "u32", "NonZeroU64", "NonZeroU32"];

/// Statements binding `leaf` to a reference to the value at `path` of `page`,
/// returning `None` from the enclosing fn when a step is absent.
fn walk(index: &Index<'_>, page_ty: &Type, path: &[String]) -> Result<(TokenStream, Type), String> {
    let mut stmts = quote! { let v = page; };
    let mut ty = page_ty.clone();
    for step in path {
        let (field, field_ty) = index.field(&ty, step)?;
        let (inner, optional) = peel(&field_ty);
        stmts.extend(if optional {
            quote! { let v = v.#field.as_ref()?; }
        } else {
            quote! { let v = &v.#field; }
        });
        ty = inner;
    }
    stmts.extend(quote! { let leaf = v; });
    Ok((stmts, ty))
}

/// The generated code for one paginated operation, or why it cannot be made.
pub fn emit(index: &Index<'_>, op: &Operation, detected: &Detected) -> Result<TokenStream, String> {
    emit_with(index, op, detected)
}

/// The type a builder's field holds.
fn builder_param(index: &Index<'_>, builder: &str, field: &str) -> Option<Type> {
    index.builder(builder)?.param(field)
}

fn emit_with(index: &Index<'_>, op: &Operation, d: &Detected) -> Result<TokenStream, String> {
    let page_ty: Type = syn::parse_str(op.success.as_deref().ok_or("no typed success body")?)
        .map_err(|e| e.to_string())?;
    // A union (one item, or a list of them): the variant wrapping the list
    // pages; one wrapping an item is that item alone, and the last page.
    let union = index.union(&page_ty).map(|variants| {
        let list = variants
            .iter()
            .find(|(_, ty)| index.field(ty, &d.items).is_ok())
            .cloned();
        (variants.to_vec(), list)
    });
    let (page_ty, union) = match union {
        Some((variants, Some((list_variant, list_ty)))) => {
            (list_ty, Some((page_ty, variants, list_variant)))
        }
        Some((_, None)) => return Err("no member of the union has the items".into()),
        None => (page_ty, None),
    };
    let error_ty: Type = match &op.error {
        Some(e) => syn::parse_str(e).map_err(|e| e.to_string())?,
        None => syn::parse_quote!(()),
    };
    let builder = format_ident!("{}", op.builder);
    let operation = &op.operation_id;
    let shape = d.shape.runtime();

    // Items.
    let (items_field, items_ty) = index.field(&page_ty, &d.items)?;
    let (vec_ty, items_optional) = peel(&items_ty);
    let item_ty = generic_args(&vec_ty, "Vec")
        .and_then(|a| a.first().cloned().cloned())
        .ok_or_else(|| format!("`{}` is not a list", d.items))?;
    let item_ty = index.qualify(&item_ty);
    let (items_ref, into_items) = if items_optional {
        (
            quote! { page.#items_field.as_deref().unwrap_or_default() },
            quote! { page.#items_field.unwrap_or_default() },
        )
    } else {
        (
            quote! { page.#items_field.as_slice() },
            quote! { page.#items_field },
        )
    };

    // The next position.
    let (walk_stmts, leaf_ty) = walk(index, &page_ty, &d.next)?;
    let leaf_name = last_ident(&leaf_ty).unwrap_or_default();
    let next_body = match d.shape {
        Shape::PageNumber if d.next.is_empty() => quote! {
            let current = current.page()?;
            (!#items_ref.is_empty())
                .then_some(::generated::pagination::Position::Page(current + 1))
        },
        Shape::PageNumber => {
            if !INTEGERS.contains(&leaf_name.as_str()) {
                return Err(format!("`total_pages` is a `{}`", type_text(&leaf_ty)));
            }
            // Without `total_pages` (absent, null, or set aside by lenient
            // decoding), a page with items may have a successor: ask for it,
            // and stop on the first empty page, rather than end early.
            quote! {
                let total = (|| -> Option<u64> {
                    #walk_stmts
                    u64::try_from(*leaf).ok()
                })();
                let current = current.page()?;
                let more = match total {
                    Some(total) => current < total,
                    None => !#items_ref.is_empty(),
                };
                more.then_some(::generated::pagination::Position::Page(current + 1))
            }
        }
        Shape::Scroll => {
            string_leaf(&leaf_name)?;
            quote! {
                if #items_ref.is_empty() {
                    return None;
                }
                #walk_stmts
                ::generated::pagination::Position::cursor(leaf)
            }
        }
        Shape::Cursor | Shape::SearchBody | Shape::NextCursor => {
            string_leaf(&leaf_name)?;
            quote! {
                #walk_stmts
                ::generated::pagination::Position::cursor(leaf)
            }
        }
    };

    // Request side: where the position and the page size go.
    let set_query = |field: &str, value: TokenStream| -> Result<TokenStream, String> {
        let ty = builder_param(index, &op.builder, field)
            .ok_or_else(|| format!("builder has no `{field}`"))?;
        let ident = format_ident!("{field}");
        let (inner, optional) = match generic_args(&ty, "Option") {
            Some(a) => ((*a.first().ok_or("bad Option")?).clone(), true),
            None => (ty.clone(), false),
        };
        let wrap = if optional {
            quote!(.map(Some))
        } else {
            quote!()
        };
        Ok(quote! {
            self.#ident = <#inner as ::std::convert::TryFrom<_>>::try_from(#value)
                #wrap
                .map_err(|e| ::std::string::ToString::to_string(&e));
        })
    };
    let body_call = |cursor: TokenStream, size: TokenStream| -> Result<TokenStream, String> {
        let body_ty = builder_param(index, &op.builder, "body").ok_or("builder has no `body`")?;
        let typed = unbuilder(&body_ty);
        Ok(quote! {
            self.body = self.body.and_then(|b| {
                ::generated::pagination::set_body_pagination::<#typed, _>(b, #cursor, #size)
            });
        })
    };
    let (at_body, first_body) = match d.shape {
        Shape::Cursor => (
            set_query("starting_after", quote!(c.clone()))?,
            quote!(::generated::pagination::Position::Start),
        ),
        Shape::NextCursor => (
            set_query("cursor", quote!(c.clone()))?,
            quote!(::generated::pagination::Position::Start),
        ),
        Shape::Scroll => (
            set_query("scroll_param", quote!(c.clone()))?,
            quote!(::generated::pagination::Position::Start),
        ),
        Shape::SearchBody => (
            body_call(quote!(Some(c.as_str())), quote!(None))?,
            quote!(::generated::pagination::Position::Start),
        ),
        Shape::PageNumber => {
            let ty = builder_param(index, &op.builder, "page").ok_or("builder has no `page`")?;
            let start = if generic_args(&ty, "Option").is_some() {
                quote! { self.page.as_ref().ok().and_then(|p| p.as_ref()).and_then(|p| u64::try_from(*p).ok()) }
            } else {
                quote! { self.page.as_ref().ok().and_then(|p| u64::try_from(*p).ok()) }
            };
            (
                set_query("page", quote!(*n))?,
                quote!(::generated::pagination::Position::Page(#start.unwrap_or(1))),
            )
        }
    };
    let at_pattern = match d.shape {
        Shape::PageNumber => quote!(::generated::pagination::Position::Page(n)),
        _ => quote!(::generated::pagination::Position::Cursor(c)),
    };
    let page_size_body = match (d.shape, &d.page_size) {
        (_, None) => quote! { let _ = size; },
        (Shape::SearchBody, Some(_)) => body_call(quote!(None), quote!(Some(size)))?,
        (_, Some(field)) => set_query(field, quote!(u64::from(size)))?,
    };
    let has_page_size = d.page_size.is_some();
    let doc = format!(
        "Pages through `{operation}` ({} pagination): see [`::generated::pagination::Paginator`].",
        d.shape
    );

    let (whole_ty, items_ref, into_items, next_body) = match &union {
        None => (page_ty.clone(), items_ref, into_items, next_body),
        Some((whole, variants, list)) => {
            let singles: Vec<&syn::Ident> = variants
                .iter()
                .filter(|(_, ty)| last_ident(ty) == last_ident(&item_ty))
                .map(|(v, _)| v)
                .collect();
            (
                whole.clone(),
                quote! {
                    match page {
                        #whole::#list(page) => #items_ref,
                        #(#whole::#singles(item) => ::std::slice::from_ref(item),)*
                        #[allow(unreachable_patterns)]
                        _ => &[],
                    }
                },
                quote! {
                    match page {
                        #whole::#list(page) => #into_items,
                        #(#whole::#singles(item) => vec![item],)*
                        #[allow(unreachable_patterns)]
                        _ => Vec::new(),
                    }
                },
                quote! {
                    match page {
                        #whole::#list(page) => { #next_body }
                        #[allow(unreachable_patterns)]
                        _ => None,
                    }
                },
            )
        }
    };
    let page_ty = whole_ty;

    Ok(quote! {
        impl<'a> #builder<'a> {
            #[doc = #doc]
            pub fn into_paginator(self) -> ::generated::pagination::Paginator<Self> {
                ::generated::pagination::Paginator::new(self)
            }
        }

        impl<'a> ::generated::pagination::Paginate<'a> for #builder<'a> {
            type Page = #page_ty;
            type Item = #item_ty;
            type Error = #error_ty;
            const OPERATION: &'static str = #operation;
            const SHAPE: ::generated::pagination::Shape = #shape;
            const PAGE_SIZE: bool = #has_page_size;

            fn first(&self) -> ::generated::pagination::Position {
                #first_body
            }

            #[allow(unused_mut)]
            fn with_page_size(mut self, size: u32) -> Self {
                #page_size_body
                self
            }

            fn at(mut self, position: &::generated::pagination::Position) -> Self {
                if let #at_pattern = position {
                    #at_body
                }
                self
            }

            fn fetch(self) -> ::generated::pagination::PageFuture<'a, Self::Page, Self::Error> {
                ::std::boxed::Box::pin(self.send())
            }

            fn next(
                page: &Self::Page,
                current: &::generated::pagination::Position,
            ) -> Option<::generated::pagination::Position> {
                let _ = current;
                #next_body
            }

            fn items(page: &Self::Page) -> &[Self::Item] {
                #items_ref
            }

            fn into_items(page: Self::Page) -> Vec<Self::Item> {
                #into_items
            }
        }
    })
}

fn string_leaf(name: &str) -> Result<(), String> {
    if name == "String" {
        Ok(())
    } else {
        Err(format!("the cursor is a `{name}`, not a string"))
    }
}

/// `types::builder::X` → `types::X` (the typed body behind a body builder).
fn unbuilder(ty: &Type) -> Type {
    let mut ty = ty.clone();
    if let Type::Path(p) = &mut ty {
        let segments: syn::punctuated::Punctuated<syn::PathSegment, syn::Token![::]> = p
            .path
            .segments
            .iter()
            .filter(|s| s.ident != "builder")
            .cloned()
            .collect();
        p.path.segments = segments;
    }
    ty
}

/// Fills in each operation's [`Paging`] and returns the code for every
/// paginated one, to append to the generated `builder` module. An operation
/// whose detected shape cannot be emitted becomes [`Paging::Unhandled`].
pub fn apply(
    index: &Index<'_>,
    ops: &mut [Operation],
    detected: &BTreeMap<(String, String), Paging>,
) -> TokenStream {
    let mut code = TokenStream::new();
    for op in ops {
        let paging = detected
            .get(&(op.method.clone(), op.path.clone()))
            .cloned()
            .unwrap_or(Paging::None);
        op.paging = match paging {
            Paging::Paginated(d) => match emit_with(index, op, &d) {
                Ok(tokens) => {
                    code.extend(tokens);
                    Paging::Paginated(d)
                }
                Err(reason) => Paging::Unhandled(format!("{} shape: {reason}", d.shape)),
            },
            other => other,
        };
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op_of(doc: &Value, path: &str, method: &str) -> Paging {
        detect_one(doc, doc["paths"][path][method].as_object().unwrap())
    }

    fn list_doc() -> Value {
        json!({
            "paths": {
                "/contacts": {"get": {
                    "parameters": [{"name": "per_page", "in": "query"}, {"$ref": "#/components/parameters/after"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/contact_list"}}}}}
                }},
                "/contacts/search": {"post": {
                    "requestBody": {"content": {"application/json": {"schema": {"properties": {"pagination": {"properties": {"per_page": {}, "starting_after": {}}}}}}}},
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/contact_list"}}}}}
                }},
                "/calls": {"get": {
                    "parameters": [{"name": "page", "in": "query"}, {"name": "per_page", "in": "query"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"total_pages": {"type": "integer"}, "data": {"type": "array", "items": {}}}}}}}}
                }},
                "/help_centers": {"get": {
                    "parameters": [{"name": "page", "in": "query"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"data": {"type": "array", "items": {}}}}}}}}
                }},
                "/companies/scroll": {"get": {
                    "parameters": [{"name": "scroll_param", "in": "query"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"scroll_param": {"type": "string"}, "data": {"type": "array", "items": {}}}}}}}}
                }},
                "/merge_history": {"get": {
                    "parameters": [{"name": "cursor", "in": "query"}],
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"next_cursor": {"type": "string"}, "data": {"type": "array", "items": {}}}}}}}}
                }},
                "/notes": {"get": {
                    "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/contact_list"}}}}}
                }},
                "/tags": {"get": {
                    "responses": {"200": {"content": {"application/json": {"schema": {"properties": {"data": {"type": "array", "items": {}}}}}}}}
                }}
            },
            "components": {
                "parameters": {"after": {"name": "starting_after", "in": "query"}},
                "schemas": {
                    "contact_list": {"properties": {"type": {}, "data": {"type": "array", "items": {}}, "pages": {"$ref": "#/components/schemas/pages"}}},
                    "pages": {"properties": {"total_pages": {"type": "integer"}, "next": {"nullable": true, "allOf": [{"$ref": "#/components/schemas/next"}]}}},
                    "next": {"properties": {"starting_after": {"type": "string"}}}
                }
            }
        })
    }

    #[test]
    fn detects_each_shape_from_the_spec() {
        let doc = list_doc();
        let shape = |path, method| match op_of(&doc, path, method) {
            Paging::Paginated(d) => (d.shape, d.items, d.next.join("."), d.page_size),
            other => panic!("{path}: {other:?}"),
        };
        assert_eq!(
            shape("/contacts", "get"),
            (
                Shape::Cursor,
                "data".into(),
                "pages.next.starting_after".into(),
                Some("per_page".into())
            )
        );
        assert_eq!(
            shape("/contacts/search", "post"),
            (
                Shape::SearchBody,
                "data".into(),
                "pages.next.starting_after".into(),
                Some("pagination.per_page".into())
            )
        );
        assert_eq!(shape("/calls", "get").0, Shape::PageNumber);
        assert_eq!(shape("/calls", "get").2, "total_pages");
        // No total: the list ends at the first empty page.
        assert_eq!(
            shape("/help_centers", "get"),
            (Shape::PageNumber, "data".into(), String::new(), None)
        );
        assert_eq!(shape("/companies/scroll", "get").0, Shape::Scroll);
        assert_eq!(shape("/merge_history", "get").0, Shape::NextCursor);
        assert!(
            matches!(op_of(&doc, "/notes", "get"), Paging::Unhandled(r) if r.contains("no page or cursor parameter"))
        );
        assert_eq!(op_of(&doc, "/tags", "get"), Paging::None);
    }

    #[test]
    fn emits_a_paginator_against_generated_types() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct ContactList {
                    #[serde(default, skip_serializing_if = "Vec::is_empty")]
                    pub data: ::std::vec::Vec<Contact>,
                    #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub pages: ::std::option::Option<CursorPages>,
                }
                pub struct CursorPages { pub next: ::std::option::Option<::std::boxed::Box<Next>> }
                pub struct Next {
                    #[serde(rename = "starting_after")]
                    pub after: ::std::option::Option<::std::string::String>
                }
                pub struct Contact {}
            }
            pub mod builder {
                pub struct ListContacts<'a> {
                    client: &'a super::Client,
                    per_page: Result<Option<i64>, String>,
                    starting_after: Result<Option<::std::string::String>, String>,
                }
            }
        };
        let op = Operation {
            operation_id: "ListContacts".into(),
            method: "GET".into(),
            path: "/contacts".into(),
            rust_name: "list_contacts".into(),
            builder: "ListContacts".into(),
            params: vec![],
            success: Some("types::ContactList".into()),
            error: Some("types::Error".into()),
            paging: Paging::None,
        };
        let d = Detected {
            shape: Shape::Cursor,
            items: "data".into(),
            next: vec!["pages".into(), "next".into(), "starting_after".into()],
            page_size: Some("per_page".into()),
        };
        let index = Index::new(&file);
        let code = emit(&index, &op, &d).unwrap().to_string();
        assert!(code.contains("type Item = types :: Contact"), "{code}");
        assert!(code.contains("let v = v . pages . as_ref () ?"), "{code}");
        assert!(code.contains("let v = v . after . as_ref () ?"), "{code}");
        assert!(code.contains("self . starting_after ="), "{code}");
        // A cursor field that is not a string is refused with the reason.
        let bad = Detected {
            next: vec!["pages".into()],
            ..d
        };
        assert!(
            emit(&index, &op, &bad)
                .unwrap_err()
                .contains("not a string")
        );
    }
}
