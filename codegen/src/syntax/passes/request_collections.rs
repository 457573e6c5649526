//! An empty list or map the caller sets is sent.
//!
//! typify gives an optional array or object property a plain `Vec` (or map)
//! with `#[serde(default, skip_serializing_if = "Vec::is_empty")]`: a caller
//! who sets `tags: vec![]` to clear a list sends nothing, and Intercom keeps
//! the old list. In the types only requests reach, such a field becomes
//! `Option<Vec<_>>`: `None` is not sent, `Some(vec![])` is sent as `[]`. The
//! struct builders' fields and setters follow (a setter still takes a `Vec`,
//! which converts into `Some`). Response types keep typify's form: a list
//! Intercom omits decodes empty.

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;
use syn::{Field, Fields, Item, Type};

use crate::syntax::index::{last_ident, module_mut};

/// Whether `field` is skipped when empty (typify's `…::is_empty`).
fn skipped_when_empty(field: &Field) -> bool {
    field.attrs.iter().any(|attr| {
        let mut empty = false;
        if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("skip_serializing_if") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    empty |= lit.value().ends_with("::is_empty");
                } else if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
        }
        empty
    })
}

fn optional(ty: &Type) -> Type {
    syn::parse_quote!(::std::option::Option<#ty>)
}

/// Rewrites the fields of `fields` that are skipped when empty; returns
/// their names and former types.
fn rewrite_fields(fields: &mut Fields) -> Vec<(String, Type)> {
    let mut out = Vec::new();
    for field in fields.iter_mut() {
        if !skipped_when_empty(field) {
            continue;
        }
        field.attrs.retain(|a| !a.path().is_ident("serde"));
        field
            .attrs
            .push(syn::parse_quote!(#[serde(default, skip_serializing_if = "::std::option::Option::is_none")]));
        let before = field.ty.clone();
        field.ty = optional(&before);
        if let Some(ident) = &field.ident {
            out.push((ident.to_string(), before));
        }
    }
    out
}

/// In a struct builder: `Result<T, String>` fields and `TryInto<T>` setters
/// of the rewritten fields take `Option<T>` (`T` as the builder spells it).
struct Builder<'a>(&'a [(String, Type)]);

impl Builder<'_> {
    fn rewritten(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// `T` of the first generic argument of `args`, made `Option<T>`.
fn wrap_first(args: &mut syn::PathArguments) {
    if let syn::PathArguments::AngleBracketed(args) = args
        && let Some(syn::GenericArgument::Type(ty)) = args.args.first_mut()
    {
        *ty = optional(ty);
    }
}

impl VisitMut for Builder<'_> {
    fn visit_field_mut(&mut self, field: &mut Field) {
        let rewritten = field
            .ident
            .as_ref()
            .is_some_and(|i| self.rewritten(&i.to_string()));
        if rewritten
            && let Type::Path(p) = &mut field.ty
            && let Some(result) = p.path.segments.last_mut()
        {
            wrap_first(&mut result.arguments);
        }
    }

    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        if !self.rewritten(&f.sig.ident.to_string()) {
            return;
        }
        let Some(clause) = &mut f.sig.generics.where_clause else {
            return;
        };
        for predicate in &mut clause.predicates {
            let syn::WherePredicate::Type(p) = predicate else {
                continue;
            };
            for bound in &mut p.bounds {
                if let syn::TypeParamBound::Trait(t) = bound
                    && let Some(last) = t.path.segments.last_mut()
                    && last.ident == "TryInto"
                {
                    wrap_first(&mut last.arguments);
                }
            }
        }
    }
}

/// Makes the empty-skipped collections of the request-only types optional;
/// returns how many fields it changed.
pub fn send_empty_collections(file: &mut syn::File, request_only: &BTreeSet<String>) -> usize {
    let Some(types) = module_mut(&mut file.items, "types") else {
        return 0;
    };
    let items = &mut types.content.as_mut().expect("inline module").1;
    let mut changed: Vec<(String, Vec<(String, Type)>)> = Vec::new();
    let mut count = 0;
    for item in items.iter_mut() {
        match item {
            Item::Struct(s) if request_only.contains(&s.ident.to_string()) => {
                let fields = rewrite_fields(&mut s.fields);
                count += fields.len();
                if !fields.is_empty() {
                    changed.push((s.ident.to_string(), fields));
                }
            }
            Item::Enum(e) if request_only.contains(&e.ident.to_string()) => {
                for v in &mut e.variants {
                    count += rewrite_fields(&mut v.fields).len();
                }
            }
            _ => {}
        }
    }
    if let Some(builder) = module_mut(items, "builder") {
        for item in &mut builder.content.as_mut().expect("inline module").1 {
            let name = match item {
                Item::Struct(s) => Some(s.ident.to_string()),
                Item::Impl(imp) if imp.trait_.is_none() => last_ident(&imp.self_ty),
                _ => None,
            };
            if let Some((_, fields)) = changed.iter().find(|(n, _)| Some(n) == name.as_ref()) {
                Builder(fields).visit_item_mut(item);
            }
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn an_empty_list_set_by_the_caller_is_sent() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct UpdateTicket {
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub tags: ::std::vec::Vec<::std::string::String>,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub name: ::std::option::Option<::std::string::String>,
                }
                pub struct Ticket {
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub tags: ::std::vec::Vec<::std::string::String>,
                }
                pub mod builder {
                    pub struct UpdateTicket {
                        tags: ::std::result::Result<::std::vec::Vec<super::Tag>, ::std::string::String>,
                    }
                    impl UpdateTicket {
                        pub fn tags<T>(mut self, value: T) -> Self
                        where
                            T: ::std::convert::TryInto<::std::vec::Vec<super::Tag>>,
                            T::Error: ::std::fmt::Display,
                        {
                            self
                        }
                    }
                }
            }
        };
        let only: BTreeSet<String> = ["UpdateTicket".to_owned()].into();
        assert_eq!(send_empty_collections(&mut file, &only), 1);
        let code = file.to_token_stream().to_string();
        assert!(code.contains("# [serde (default , skip_serializing_if = \"::std::option::Option::is_none\")] pub tags : :: std :: option :: Option < :: std :: vec :: Vec < :: std :: string :: String > >"), "{code}");
        // A response type keeps its form.
        assert!(code.contains("pub struct Ticket { # [serde (default , skip_serializing_if = \"::std::vec::Vec::is_empty\")] pub tags : :: std :: vec :: Vec"), "{code}");
        // The builder keeps its own spelling of the type (`super::Tag`).
        assert!(code.contains("tags : :: std :: result :: Result < :: std :: option :: Option < :: std :: vec :: Vec < super :: Tag > > , :: std :: string :: String >"), "{code}");
        assert!(code.contains("T : :: std :: convert :: TryInto < :: std :: option :: Option < :: std :: vec :: Vec < super :: Tag > > >"), "{code}");
        assert!(
            code.contains("T :: Error : :: std :: fmt :: Display"),
            "{code}"
        );
    }
}
