//! Request types keep every field or fail.
//!
//! serde ignores fields a struct does not declare, and an untagged enum takes
//! the first variant that fits: parsing `{"name": "t", "companies": [...]}`
//! into a tag request read it as "create a tag" and dropped `companies`. This
//! post-pass marks every struct and enum that only requests reach (not any
//! response: those stay tolerant) `#[serde(deny_unknown_fields)]`, so such a
//! body picks the variant that holds all of its fields, or fails with an
//! error naming the field.

use std::collections::BTreeSet;

use syn::Item;

use crate::syntax::index::module_mut;

/// Marks the request-only types (see [`crate::syntax::reach::Reach`]); returns how many
/// were marked.
pub fn deny_unknown_request_fields(file: &mut syn::File, request_only: &BTreeSet<String>) -> usize {
    let Some(types) = module_mut(&mut file.items, "types") else {
        return 0;
    };
    let items = &mut types.content.as_mut().expect("inline module").1;
    let mut marked = 0;
    for item in items.iter_mut() {
        let (name, attrs) = match item {
            Item::Struct(s) if matches!(s.fields, syn::Fields::Named(_)) => {
                (s.ident.to_string(), &mut s.attrs)
            }
            Item::Enum(e) => (e.ident.to_string(), &mut e.attrs),
            _ => continue,
        };
        if request_only.contains(&name) && derives_deserialize(attrs) && !denies(attrs) {
            attrs.push(syn::parse_quote!(#[serde(deny_unknown_fields)]));
            marked += 1;
        }
    }
    marked
}

fn derives_deserialize(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive") && quote::quote!(#a).to_string().contains("Deserialize")
    })
}

fn denies(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && quote::quote!(#a)
                .to_string()
                .contains("deny_unknown_fields")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::operation::Operation;
    use crate::syntax::reach::Reach;
    use quote::ToTokens;

    #[test]
    fn marks_types_only_requests_reach() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize)]
                #[serde(untagged)]
                pub enum CreateTagBody { Create(CreateTag), TagCompanies(TagCompanies) }
                #[derive(::serde::Deserialize)]
                pub struct CreateTag { pub name: String }
                #[derive(::serde::Deserialize)]
                pub struct TagCompanies { pub name: String, pub companies: Vec<CompanyRef> }
                #[derive(::serde::Deserialize)]
                pub struct CompanyRef { pub id: Option<String> }
                #[derive(::serde::Deserialize)]
                pub struct Tag { pub name: String, pub company: Option<CompanyRef> }
            }
        };
        let ops = [Operation::for_test(
            "op",
            Some(syn::parse_quote!(types::CreateTagBody)),
            Some(syn::parse_quote!(types::Tag)),
        )];
        let only = Reach::new(&file, &ops).request_only;
        assert_eq!(deny_unknown_request_fields(&mut file, &only), 3);
        let Item::Mod(types) = &file.items[0] else {
            unreachable!()
        };
        let strict: Vec<String> = types
            .content
            .as_ref()
            .unwrap()
            .1
            .iter()
            .filter_map(|item| match item {
                Item::Struct(s) if denies(&s.attrs) => Some(s.ident.to_string()),
                Item::Enum(e) if denies(&e.attrs) => Some(e.ident.to_string()),
                _ => None,
            })
            .collect();
        // Shared with a response (`CompanyRef`), and the response (`Tag`): tolerant.
        assert_eq!(
            strict,
            ["CreateTagBody", "CreateTag", "TagCompanies"],
            "{}",
            file.to_token_stream()
        );
        // Idempotent.
        let only = Reach::new(&file, &ops).request_only;
        assert_eq!(deny_unknown_request_fields(&mut file, &only), 0);
    }
}
