//! The resource-grouped client: `client.contacts().list()`,
//! `client.help_centers().collections().list()`. Fixes: progenitor offers
//! every call as one flat, alphabetical list of `Client` methods named after
//! uneven `operationId`s.
//!
//! Each group is a `Copy` struct of `mod calls` that borrows the `Client`;
//! each of its methods takes the path's parameters as arguments and starts
//! the same builder as the flat method it names in its doc (which stays, for
//! the dispatch table and compatibility). Names come from the model
//! ([`crate::model::CallName`]).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use crate::syntax::index::{Index, Setter};
use crate::syntax::operation::Operation;

/// A snake_case name as an identifier, raw where it is a keyword (`r#move`).
fn ident(name: &str) -> Result<Ident, String> {
    match syn::parse_str::<Ident>(name) {
        Ok(id) => Ok(id),
        Err(_) => syn::parse_str::<syn::Ident>(&format!("r#{name}"))
            .map_err(|_| format!("`{name}` cannot name a call")),
    }
}

/// `help_centers.collections` as a struct name: `HelpCentersCollections`.
fn struct_name(groups: &[String]) -> Ident {
    let name: String = groups
        .iter()
        .flat_map(|g| g.split('_'))
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect();
    Ident::new(&name, Span::call_site())
}

/// Comparison key for a parameter name: progenitor snake-cases spec names.
fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The path template's parameters, in order, as arguments of the grouped
/// method (`contact_id: impl TryInto<String>`) and the builder calls that
/// set them (`.contact_id(contact_id)`): what a call cannot go without is
/// asked for by the compiler.
fn path_arguments(
    path: &str,
    setters: &[Setter],
) -> Result<(Vec<TokenStream>, Vec<TokenStream>), String> {
    let mut args = Vec::new();
    let mut sets = Vec::new();
    for segment in path.split('/') {
        let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            continue;
        };
        let setter = setters
            .iter()
            .find(|s| key(&s.name) == key(name))
            .ok_or_else(|| format!("`{path}`: no setter for path parameter `{name}`"))?;
        let (arg, ty) = (format_ident!("{}", setter.name), &setter.ty);
        args.push(quote!(#arg: impl ::std::convert::TryInto<#ty>));
        sets.push(quote!(.#arg(#arg)));
    }
    Ok((args, sets))
}

/// One group: its operations by method name, and its nested groups.
#[derive(Default)]
struct Node<'a> {
    calls: BTreeMap<String, &'a Operation>,
    children: BTreeSet<String>,
}

/// The grouped client of a module: `impl Client` with one accessor per
/// top-level group, and `pub mod calls` with the group structs.
pub fn emit(index: &Index<'_>, ops: &[Operation]) -> Result<TokenStream, String> {
    let mut nodes: BTreeMap<Vec<String>, Node<'_>> = BTreeMap::new();
    for op in ops {
        let groups = &op.spec.call.groups;
        if groups.is_empty() {
            return Err(format!("{} has no group", op.id()));
        }
        for depth in 0..groups.len() {
            nodes
                .entry(groups[..depth].to_vec())
                .or_default()
                .children
                .insert(groups[depth].clone());
        }
        let node = nodes.entry(groups.clone()).or_default();
        if let Some(other) = node.calls.insert(op.spec.call.method.clone(), op) {
            return Err(format!(
                "{} and {} are both `{}`",
                other.id(),
                op.id(),
                op.spec.call
            ));
        }
    }
    let flat: BTreeSet<&str> = ops.iter().map(|op| op.rust_name.as_str()).collect();
    let mut accessors = Vec::new();
    let mut structs = Vec::new();
    for (path, node) in &nodes {
        let children = node
            .children
            .iter()
            .map(|child| {
                if node.calls.contains_key(child) {
                    return Err(format!(
                        "`{}` is both a group and a call",
                        [path.as_slice(), std::slice::from_ref(child)]
                            .concat()
                            .join(".")
                    ));
                }
                let name = ident(child)?;
                let full: Vec<String> = path.iter().chain([child]).cloned().collect();
                let ty = struct_name(&full);
                let doc = format!(" The `{}` calls.", full.join("().") + "()");
                Ok(if path.is_empty() {
                    if flat.contains(child.as_str()) {
                        return Err(format!(
                            "group `{child}` has the name of a flat `Client` method"
                        ));
                    }
                    quote! {
                        #[doc = #doc]
                        #[inline]
                        pub fn #name(&self) -> calls::#ty<'_> {
                            calls::#ty { client: self }
                        }
                    }
                } else {
                    quote! {
                        #[doc = #doc]
                        #[inline]
                        pub fn #name(&self) -> #ty<'a> {
                            #ty { client: self.client }
                        }
                    }
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        if path.is_empty() {
            accessors = children;
            continue;
        }
        let calls = node
            .calls
            .iter()
            .map(|(method, op)| {
                let name = ident(method)?;
                let flat = format_ident!("{}", op.rust_name);
                let builder = format_ident!("{}", op.builder);
                let setters = index
                    .builder(&op.builder)
                    .map(|b| b.setters())
                    .unwrap_or_default();
                let (args, sets) = path_arguments(op.path(), &setters)?;
                let summary = index
                    .builder(&op.builder)
                    .map(|b| b.summary.trim_end_matches('.').to_owned())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| op.id().to_owned());
                let summary = format!(" {summary}.");
                let route = format!(
                    " `{} {}` (`{}`); the same call as [`Client::{}`](super::Client::{}).",
                    op.method(),
                    op.path(),
                    op.id(),
                    op.rust_name,
                    op.rust_name
                );
                Ok(quote! {
                    #[doc = #summary]
                    #[doc = ""]
                    #[doc = #route]
                    #[inline]
                    pub fn #name(&self #(, #args)*) -> super::builder::#builder<'a> {
                        self.client.#flat()#(#sets)*
                    }
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let ty = struct_name(path);
        let doc = format!(
            " The `{}` calls: borrows the client, costs nothing to make.",
            path.join("().") + "()"
        );
        let debug = ty.to_string();
        structs.push(quote! {
            #[doc = #doc]
            #[derive(Clone, Copy)]
            pub struct #ty<'a> {
                pub(super) client: &'a super::Client,
            }
            impl ::std::fmt::Debug for #ty<'_> {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(#debug)
                }
            }
            impl<'a> #ty<'a> {
                #(#children)*
                #(#calls)*
            }
        });
    }
    Ok(quote! {
        /// The calls grouped by resource, as Intercom's own SDKs group them.
        impl Client {
            #(#accessors)*
        }
        /// The calls of this version grouped by resource:
        /// `client.contacts().list()`. Each group borrows the client.
        pub mod calls {
            #(#structs)*
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CallName, NameSource};

    fn op(id: &str, call: &str) -> Operation {
        let mut op = Operation::for_test(id, None, None);
        op.rust_name = id
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let sep = (i > 0 && c.is_ascii_uppercase()).then_some('_');
                sep.into_iter().chain([c.to_ascii_lowercase()])
            })
            .collect();
        op.builder = id.to_owned();
        op.spec.call = CallName::parse(call, NameSource::Fern);
        op
    }

    #[test]
    fn groups_nest_and_borrow_the_client() {
        let file: syn::File = syn::parse_quote! {
            pub mod builder {}
        };
        let index = Index::new(&file);
        let ops = [
            op("ListCollections", "help_centers.collections.list"),
            op("FindHelpCenter", "help_centers.find"),
            op("ListTags", "tags.list"),
            op("MoveTag", "tags.move"),
        ];
        let code = emit(&index, &ops).unwrap().to_string();
        for expected in [
            "pub fn help_centers (& self) -> calls :: HelpCenters < '_ >",
            "pub fn collections (& self) -> HelpCentersCollections < 'a > { HelpCentersCollections { client : self . client } }",
            "pub fn list (& self) -> super :: builder :: ListCollections < 'a > { self . client . list_collections () }",
            "pub fn r#move (& self)",
            "pub fn tags (& self) -> calls :: Tags < '_ >",
        ] {
            assert!(code.contains(expected), "{expected}\nin\n{code}");
        }
        syn::parse2::<syn::File>(emit(&index, &ops).unwrap()).unwrap();
    }

    #[test]
    fn path_parameters_are_arguments() {
        let file: syn::File = syn::parse_quote! {
            pub mod builder {
                pub struct FindTag<'a> { client: &'a super::Client }
                impl<'a> FindTag<'a> {
                    pub fn tag_id<V>(mut self, value: V) -> Self
                    where V: std::convert::TryInto<::std::string::String> { self }
                }
            }
        };
        let index = Index::new(&file);
        let mut find = op("FindTag", "tags.find");
        find.spec.route = crate::model::Route::new("GET", "/tags/{tag-id}");
        let code = emit(&index, &[find.clone()]).unwrap().to_string();
        let expected = "pub fn find (& self , tag_id : impl :: std :: convert :: TryInto < :: std :: string :: String >) -> super :: builder :: FindTag < 'a > { self . client . find_tag () . tag_id (tag_id) }";
        assert!(code.contains(expected), "{code}");
        find.spec.route = crate::model::Route::new("GET", "/tags/{other}");
        assert_eq!(
            emit(&index, &[find]).unwrap_err(),
            "`/tags/{other}`: no setter for path parameter `other`"
        );
    }

    #[test]
    fn a_name_used_twice_fails() {
        let file: syn::File = syn::parse_quote! {};
        let index = Index::new(&file);
        let twice = [op("ListTags", "tags.list"), op("GetTags", "tags.list")];
        assert_eq!(
            emit(&index, &twice).unwrap_err(),
            "ListTags and GetTags are both `tags.list`"
        );
        let clash = [
            op("ListNews", "news.items"),
            op("ListItems", "news.items.list"),
        ];
        assert_eq!(
            emit(&index, &clash).unwrap_err(),
            "`news.items` is both a group and a call"
        );
    }
}
