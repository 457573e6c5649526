//! What reaches what among the generated types, computed once per module:
//! which types the request bodies' struct builders reach, and which types
//! only requests reach (no response does).
//!
//! Three passes read it: [`prune_builders`](crate::syntax::passes::prune_builders)
//! keeps the builders of the first set, and
//! [`strict_requests`](crate::syntax::passes::strict_requests) and
//! [`request_collections`](crate::syntax::passes::request_collections)
//! rewrite the second. (The spec stage's `optional_response_fields` asks a
//! different question, before any Rust exists: which component schemas
//! responses reach, so their `required` lists can be relaxed.)

use std::collections::{BTreeMap, BTreeSet};

use syn::Item;
use syn::visit::Visit;

use crate::syntax::index::module;
use crate::syntax::operation::Operation;

/// The reach of a module's types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Types the request bodies' struct builders (`types::builder::X`
    /// named outside `mod types`) reach.
    pub body_builders: BTreeSet<String>,
    /// Types request bodies reach and no response does.
    pub request_only: BTreeSet<String>,
}

impl Reach {
    /// Computes the reach of `file`'s types from its request builders and
    /// the operations' body, success and error types.
    pub fn new(file: &syn::File, operations: &[Operation]) -> Self {
        let graph = type_graph(module(file, "types"));
        let builder_roots = body_builders(&file.items);
        let mut request_roots = builder_roots.clone();
        let mut response_roots = BTreeSet::new();
        for op in operations {
            if let Some(ty) = op.param("body") {
                request_roots.extend(idents(ty));
            }
            for ty in [&op.success, &op.error].into_iter().flatten() {
                response_roots.extend(idents(ty));
            }
        }
        let responses = closure(&response_roots, &graph);
        Reach {
            body_builders: closure(&builder_roots, &graph),
            request_only: closure(&request_roots, &graph)
                .into_iter()
                .filter(|name| !responses.contains(name))
                .collect(),
        }
    }
}

/// The last identifiers of every path in a Rust type.
pub(crate) fn idents(ty: &syn::Type) -> BTreeSet<String> {
    #[derive(Default)]
    struct Names(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            if let Some(last) = path.segments.last() {
                self.0.insert(last.ident.to_string());
            }
            syn::visit::visit_path(self, path);
        }
    }
    let mut names = Names::default();
    names.visit_type(ty);
    names.0
}

/// The names `X` of every `types::builder::X` outside `mod types`: the
/// request bodies' builders.
fn body_builders(items: &[Item]) -> BTreeSet<String> {
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

/// Every name `roots` reach in `graph`, the roots included.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_only_excludes_what_responses_reach() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct CreateTag { pub name: String, pub company: Option<CompanyRef> }
                pub struct CompanyRef { pub id: String }
                pub struct Tag { pub company: Option<CompanyRef> }
                pub struct Note { pub body: String }
            }
            pub mod builder {
                pub struct CreateNote<'a> { body: Result<types::builder::Note, String> }
            }
        };
        let op = Operation::for_test(
            "createTag",
            Some(syn::parse_quote!(types::CreateTag)),
            Some(syn::parse_quote!(types::Tag)),
        );
        let reach = Reach::new(&file, &[op]);
        let set = |names: &[&str]| {
            names
                .iter()
                .map(|n| (*n).to_owned())
                .collect::<BTreeSet<_>>()
        };
        assert_eq!(reach.body_builders, set(&["Note"]));
        // `CompanyRef` is reached by a response too, so it is not request-only.
        assert_eq!(reach.request_only, set(&["CreateTag", "Note"]));
    }
}
