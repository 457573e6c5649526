//! Keeps typify's struct builders (`types::builder::X`) only for the types a
//! request body reaches.
//!
//! typify gives every generated struct a builder, about half of each module's
//! lines. The request builders' `body_map` hands users the body's builder,
//! whose setters take the nested types themselves, so only the types
//! reachable from a request body can ever be built that way; the builders of
//! response-only types are code nobody calls, compiled by every user.

use std::collections::{BTreeMap, BTreeSet};

use syn::visit::Visit;
use syn::{ImplItem, Item};

use crate::index::{items_of, last_ident, module_mut};

/// What pruning did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pruned {
    /// Builders kept: types reachable from a request body.
    pub kept: usize,
    /// Builders dropped.
    pub dropped: usize,
}

/// Drops every `types::builder` struct (with its impls and the type's
/// `builder()` constructor) that no request body reaches.
pub fn keep_request_builders(file: &mut syn::File) -> Pruned {
    let roots = body_builders(&file.items);
    let Some(types) = module_mut(&mut file.items, "types") else {
        return Pruned::default();
    };
    let graph = type_graph(items_of(types));
    let keep = closure(&roots, &graph);
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

/// The names `X` of every `types::builder::X` outside `mod types`: the
/// request bodies' builders.
pub(crate) fn body_builders(items: &[Item]) -> BTreeSet<String> {
    #[derive(Default)]
    struct Roots(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Roots {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            if let Some(i) = names
                .windows(2)
                .position(|w| w[0] == "types" && w[1] == "builder")
                && let Some(name) = names.get(i + 2)
            {
                self.0.insert(name.clone());
            }
            syn::visit::visit_path(self, path);
        }
    }
    let mut roots = Roots::default();
    for item in items {
        if !matches!(item, Item::Mod(m) if m.ident == "types") {
            roots.visit_item(item);
        }
    }
    roots.0
}

/// For each type of `mod types`, the names of the module's types its
/// definition mentions.
pub(crate) fn type_graph(items: &[Item]) -> BTreeMap<String, BTreeSet<String>> {
    #[derive(Default)]
    struct Idents(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Idents {
        fn visit_path_segment(&mut self, segment: &'ast syn::PathSegment) {
            self.0.insert(segment.ident.to_string());
            syn::visit::visit_path_segment(self, segment);
        }
    }
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items {
        let (name, mut idents) = match item {
            Item::Struct(s) => {
                let mut v = Idents::default();
                v.visit_fields(&s.fields);
                (s.ident.to_string(), v)
            }
            Item::Enum(e) => {
                let mut v = Idents::default();
                for variant in &e.variants {
                    v.visit_fields(&variant.fields);
                }
                (e.ident.to_string(), v)
            }
            Item::Type(t) => {
                let mut v = Idents::default();
                v.visit_type(&t.ty);
                (t.ident.to_string(), v)
            }
            _ => continue,
        };
        idents.0.remove(&name);
        graph.entry(name).or_default().append(&mut idents.0);
    }
    // Only edges to the module's own types matter.
    let names: BTreeSet<String> = graph.keys().cloned().collect();
    for edges in graph.values_mut() {
        edges.retain(|n| names.contains(n));
    }
    graph
}

pub(crate) fn closure(
    roots: &BTreeSet<String>,
    graph: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeSet<String> {
    let mut keep = BTreeSet::new();
    let mut stack: Vec<String> = roots.iter().cloned().collect();
    while let Some(name) = stack.pop() {
        if keep.insert(name.clone())
            && let Some(edges) = graph.get(&name)
        {
            stack.extend(edges.iter().filter(|n| !keep.contains(*n)).cloned());
        }
    }
    keep
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
        let pruned = keep_request_builders(&mut file);
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
