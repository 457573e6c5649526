//! Paginators: for each operation the spec stage found paginated
//! ([`Paging::Paginated`]), the code that lets it stream its pages and items.
//!
//! The emitter reads the generated syntax tree to find the Rust fields the
//! spec's JSON names became, and writes one
//! `impl intercom_client_core::pagination::Paginate` plus an `into_paginator()` per
//! operation into the generated `builder` module (where the builders' private
//! fields are visible). A detected shape that cannot be emitted becomes
//! [`Paging::Unhandled`] with the reason, never silently skipped.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Type;

use crate::model::{Detected, Paging, Shape};
use crate::syntax::index::{Index, last_ident};
use crate::syntax::operation::Operation;
use crate::syntax::syn_util::{generic_args, type_text};

/// The runtime's `intercom_client_core::pagination::Shape` for a shape.
fn runtime_shape(shape: Shape) -> TokenStream {
    match shape {
        Shape::Cursor => quote!(::intercom_client_core::pagination::Shape::Cursor),
        Shape::PageNumber => quote!(::intercom_client_core::pagination::Shape::PageNumber),
        Shape::SearchBody => quote!(::intercom_client_core::pagination::Shape::SearchBody),
        Shape::Scroll => quote!(::intercom_client_core::pagination::Shape::Scroll),
        Shape::NextCursor => quote!(::intercom_client_core::pagination::Shape::NextCursor),
    }
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
    let page_ty: Type = op.success.clone().ok_or("no typed success body")?;
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
    let builder = format_ident!("{}", op.builder);
    let operation = op.id();
    let shape = runtime_shape(d.shape);

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
                .then_some(::intercom_client_core::pagination::Position::Page(current + 1))
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
                more.then_some(::intercom_client_core::pagination::Position::Page(current + 1))
            }
        }
        Shape::Scroll => {
            string_leaf(&leaf_name)?;
            quote! {
                if #items_ref.is_empty() {
                    return None;
                }
                #walk_stmts
                ::intercom_client_core::pagination::Position::cursor(leaf)
            }
        }
        Shape::Cursor | Shape::SearchBody | Shape::NextCursor => {
            string_leaf(&leaf_name)?;
            quote! {
                #walk_stmts
                ::intercom_client_core::pagination::Position::cursor(leaf)
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
                ::intercom_client_core::pagination::set_body_pagination::<#typed, _>(b, #cursor, #size)
            });
        })
    };
    let (at_body, first_body) = match d.shape {
        Shape::Cursor => (
            set_query("starting_after", quote!(c.clone()))?,
            quote!(::intercom_client_core::pagination::Position::Start),
        ),
        Shape::NextCursor => (
            set_query("cursor", quote!(c.clone()))?,
            quote!(::intercom_client_core::pagination::Position::Start),
        ),
        Shape::Scroll => (
            set_query("scroll_param", quote!(c.clone()))?,
            quote!(::intercom_client_core::pagination::Position::Start),
        ),
        Shape::SearchBody => (
            body_call(quote!(Some(c.as_str())), quote!(None))?,
            quote!(::intercom_client_core::pagination::Position::Start),
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
                quote!(::intercom_client_core::pagination::Position::Page(#start.unwrap_or(1))),
            )
        }
    };
    let at_pattern = match d.shape {
        Shape::PageNumber => quote!(::intercom_client_core::pagination::Position::Page(n)),
        _ => quote!(::intercom_client_core::pagination::Position::Cursor(c)),
    };
    let page_size_body = match (d.shape, &d.page_size) {
        (_, None) => quote! { let _ = size; },
        (Shape::SearchBody, Some(_)) => body_call(quote!(None), quote!(Some(size)))?,
        (_, Some(field)) => set_query(field, quote!(u64::from(size)))?,
    };
    let has_page_size = d.page_size.is_some();
    let doc = format!(
        "Pages through `{operation}` ({} pagination): see [`::intercom_client_core::pagination::Paginator`].",
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
            pub fn into_paginator(self) -> ::intercom_client_core::pagination::Paginator<Self> {
                ::intercom_client_core::pagination::Paginator::new(self)
            }
        }

        impl<'a> ::intercom_client_core::pagination::Paginate<'a> for #builder<'a> {
            type Page = #page_ty;
            type Item = #item_ty;
            const OPERATION: &'static str = #operation;
            const SHAPE: ::intercom_client_core::pagination::Shape = #shape;
            const PAGE_SIZE: bool = #has_page_size;

            fn first(&self) -> ::intercom_client_core::pagination::Position {
                #first_body
            }

            #[allow(unused_mut)]
            fn with_page_size(mut self, size: u32) -> Self {
                #page_size_body
                self
            }

            fn at(mut self, position: &::intercom_client_core::pagination::Position) -> Self {
                if let #at_pattern = position {
                    #at_body
                }
                self
            }

            fn fetch(self) -> ::intercom_client_core::pagination::PageFuture<'a, Self::Page> {
                ::std::boxed::Box::pin(self.send())
            }

            fn next(
                page: &Self::Page,
                current: &::intercom_client_core::pagination::Position,
            ) -> Option<::intercom_client_core::pagination::Position> {
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

/// Emits a paginator for every operation the spec stage found paginated
/// and returns their code, to append to the generated `builder` module. An
/// operation whose detected shape cannot be emitted has its
/// [`Operation::paging`] become [`Paging::Unhandled`].
pub fn apply(index: &Index<'_>, ops: &mut [Operation]) -> TokenStream {
    let mut code = TokenStream::new();
    for op in ops {
        op.paging = match op.spec.paging.clone() {
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
    use crate::model::{Route, SpecOperation};

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
            spec: SpecOperation {
                id: "ListContacts".into(),
                route: Route::new("GET", "/contacts"),
                params: vec![],
                paging: Paging::None,
                call: crate::model::CallName::parse(
                    "contacts.list",
                    crate::model::NameSource::Fern,
                ),
            },
            rust_name: "list_contacts".into(),
            builder: "ListContacts".into(),
            params: vec![],
            success: Some(syn::parse_quote!(types::ContactList)),
            error: Some(syn::parse_quote!(types::Error)),
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
        // Pages come from `send()`, whose error is the one error type.
        assert!(
            code.contains("PageFuture < 'a , Self :: Page >") && !code.contains("type Error"),
            "{code}"
        );
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
