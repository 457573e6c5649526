//! Keeps typify's struct builders (`types::builder::X`) only for the types a
//! request body reaches.
//!
//! typify gives every generated struct a builder, about half of each module's
//! lines. The request builders' `body_map` hands users the body's builder,
//! whose setters take the nested types themselves, so only the types
//! reachable from a request body can ever be built that way; the builders of
//! response-only types are code nobody calls, compiled by every user.

use syn::{ImplItem, Item};

use crate::syntax::index::{last_ident, module_mut};
use crate::syntax::reach::Reach;

/// What pruning did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Builders kept: types reachable from a request body.
    pub kept: usize,
    /// Builders dropped.
    pub dropped: usize,
}

/// Drops every `types::builder` struct (with its impls and the type's
/// `builder()` constructor) that no request body reaches
/// ([`Reach::body_builders`]).
pub fn keep_request_builders(file: &mut syn::File, reach: &Reach) -> Pruned {
    let keep = &reach.body_builders;
    let Some(types) = module_mut(&mut file.items, "types") else {
        return Pruned::default();
    };
    let mut pruned = Pruned::default();
    let items = &mut types.content.as_mut().expect("inline module").1;
    if let Some(builder) = module_mut(items, "builder") {
        let builder_items = &mut builder.content.as_mut().expect("inline module").1;
        builder_items.retain(|item| match subject(item) {
            Some(name) if !keep.contains(&name) => {
                pruned.dropped += usize::from(matches!(item, Item::Struct(_)));
                false
            }
            Some(_) => {
                pruned.kept += usize::from(matches!(item, Item::Struct(_)));
                true
            }
            None => true,
        });
    }
    // `impl X { pub fn builder() -> builder::X }` of the dropped builders.
    items.retain_mut(|item| {
        let Item::Impl(imp) = item else { return true };
        if imp.trait_.is_some() {
            return true;
        }
        let Some(name) = last_ident(&imp.self_ty) else {
            return true;
        };
        if keep.contains(&name) {
            return true;
        }
        imp.items
            .retain(|it| !matches!(it, ImplItem::Fn(f) if f.sig.ident == "builder"));
        !imp.items.is_empty()
    });
    pruned
}

/// The type a `types::builder` item belongs to: the struct itself, or the
/// builder (`Self`) of its impls (`impl From<super::X> for X` included).
fn subject(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Impl(imp) => last_ident(&imp.self_ty),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn keeps_builders_of_body_types_and_what_they_reach() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct CreateTag { pub name: String, pub companies: Vec<CompanyRef> }
                pub struct CompanyRef { pub id: Option<Id> }
                pub type Id = String;
                pub struct TagList { pub data: Vec<Tag> }
                pub struct Tag { pub name: String }
                impl CreateTag { pub fn builder() -> builder::CreateTag { Default::default() } }
                impl CompanyRef { pub fn builder() -> builder::CompanyRef { Default::default() } }
                impl TagList { pub fn builder() -> builder::TagList { Default::default() } }
                impl Tag { pub fn builder() -> builder::Tag { Default::default() } pub fn other(&self) {} }
                impl ::std::convert::From<&Tag> for Tag { fn from(v: &Tag) -> Self { v.clone() } }
                pub mod builder {
                    pub struct CreateTag { name: Result<String, String> }
                    impl CreateTag { pub fn name(self) -> Self { self } }
                    impl ::std::convert::TryFrom<CreateTag> for super::CreateTag { }
                    pub struct CompanyRef { id: Result<Option<super::Id>, String> }
                    impl ::std::convert::From<super::CompanyRef> for CompanyRef { }
                    pub struct TagList { data: Result<Vec<super::Tag>, String> }
                    impl ::std::default::Default for TagList { }
                    impl ::std::convert::From<super::TagList> for TagList { }
                    pub struct Tag { name: Result<String, String> }
                }
            }
            pub mod builder {
                pub struct CreateTagBuilder<'a> { body: Result<types::builder::CreateTag, String> }
            }
        };
        let reach = Reach::new(&file, &[]);
        let pruned = keep_request_builders(&mut file, &reach);
        assert_eq!(
            pruned,
            Pruned {
                kept: 2,
                dropped: 2
            }
        );
        let code = file.to_token_stream().to_string();
        assert!(code.contains("pub struct CompanyRef { id"), "{code}");
        assert!(code.contains("impl CreateTag { pub fn builder"), "{code}");
        assert!(!code.contains("builder :: TagList"), "{code}");
        assert!(!code.contains("builder :: Tag {"), "{code}");
        assert!(!code.contains("impl TagList"), "empty impl dropped: {code}");
        assert!(
            code.contains("impl Tag { pub fn other"),
            "other methods stay: {code}"
        );
        assert!(
            code.contains("From < & Tag > for Tag"),
            "trait impls stay: {code}"
        );
    }
}
