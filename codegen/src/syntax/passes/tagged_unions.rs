//! Unions told apart by their members' `type`.
//!
//! typify makes a `oneOf` of references an untagged enum, and serde decodes
//! an untagged enum as its first variant that fits. Response members have
//! every field optional (see `optional_response_fields`), so the first
//! always fits: `GET /companies` asked for one company decoded it as a
//! `CompanyList` with `type: Unrecognized("company")` and no data, the
//! company dropped without a trace. Where every variant wraps a struct whose
//! `type` field allows one value of its own, this pass replaces the derived
//! `Deserialize` with one that reads `type` and decodes the variant it names
//! (`intercom_client_core::tagged`); a value without a known `type` is still tried
//! variant by variant.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{Fields, Item, ItemEnum, Type};

use crate::syntax::index::{last_ident, module_mut, serde_name};

/// One union rewritten: its name and `(tag, variant)` pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged {
    /// The enum.
    pub name: String,
    /// Each variant's `type` value and name.
    pub variants: Vec<(String, String)>,
    /// Variants renamed from typify's `VariantN` to the type they wrap.
    pub renamed: Vec<(String, String)>,
}

/// The only value an enum allows (besides the `Unrecognized` catch-all that
/// `open_enums` adds): its serde name.
fn single_value(items: &[Item], name: &str) -> Option<String> {
    let e = items.iter().find_map(|item| match item {
        Item::Enum(e) if e.ident == name => Some(e),
        _ => None,
    })?;
    let known: Vec<_> = e
        .variants
        .iter()
        .filter(|v| v.ident != "Unrecognized")
        .collect();
    let [only] = known.as_slice() else {
        return None;
    };
    if !matches!(only.fields, Fields::Unit) {
        return None;
    }
    let mut renamed = None;
    for attr in &only.attrs {
        if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    renamed = Some(lit.value());
                }
                Ok(())
            });
        }
    }
    Some(renamed.unwrap_or_else(|| only.ident.to_string()))
}

/// The `type` value the struct `name` allows, if it allows one.
fn struct_tag(items: &[Item], name: &str) -> Option<String> {
    let s = items.iter().find_map(|item| match item {
        Item::Struct(s) if s.ident == name => Some(s),
        _ => None,
    })?;
    let field = s
        .fields
        .iter()
        .find(|f| serde_name(f).as_deref() == Some("type"))?;
    let inner = crate::syntax::syn_util::generic_args(&field.ty, "Option")
        .and_then(|a| a.first().copied())
        .unwrap_or(&field.ty);
    single_value(items, &last_ident(inner)?)
}

fn is_untagged(e: &ItemEnum) -> bool {
    e.attrs.iter().any(|attr| {
        let mut untagged = false;
        if attr.path().is_ident("serde") {
            let _ = attr.parse_nested_meta(|meta| {
                untagged |= meta.path.is_ident("untagged");
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
        }
        untagged
    })
}

/// A variant's `type` value, its name and the type it wraps.
type Member = (String, syn::Ident, Type);

/// `(tag, variant, member type)` of each variant, when `e` is a union told
/// apart by `type`.
fn tags(items: &[Item], e: &ItemEnum) -> Option<Vec<Member>> {
    if !is_untagged(e) || e.variants.len() < 2 {
        return None;
    }
    let mut out: Vec<Member> = Vec::new();
    for v in &e.variants {
        let Fields::Unnamed(fields) = &v.fields else {
            return None;
        };
        let [field] = fields.unnamed.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let tag = struct_tag(items, &last_ident(&field.ty)?)?;
        if out.iter().any(|(t, _, _)| *t == tag) {
            return None;
        }
        out.push((tag, v.ident.clone(), field.ty.clone()));
    }
    Some(out)
}

/// Drops `Deserialize` from the enum's derives.
fn drop_derived_deserialize(e: &mut ItemEnum) {
    for attr in &mut e.attrs {
        if !attr.path().is_ident("derive") {
            continue;
        }
        let Ok(paths) = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        ) else {
            continue;
        };
        let kept: Vec<&syn::Path> = paths
            .iter()
            .filter(|p| p.segments.last().is_none_or(|s| s.ident != "Deserialize"))
            .collect();
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
}

fn deserialize_impl(e: &ItemEnum, members: &[Member]) -> TokenStream {
    let name = &e.ident;
    let union = name.to_string();
    let arms = members.iter().map(|(tag, variant, ty)| {
        quote! { Some(#tag) => ::intercom_client_core::tagged::member::<#ty, D::Error>(value).map(Self::#variant), }
    });
    let tries = members.iter().map(|(_, variant, ty)| {
        quote! { |v| ::serde_json::from_value::<#ty>(v).map(Self::#variant) }
    });
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                match ::intercom_client_core::tagged::tag(&value) {
                    #(#arms)*
                    _ => ::intercom_client_core::tagged::first_fit(value, #union, &[#(#tries),*]),
                }
            }
        }
    }
}

/// Gives every union of `mod types` told apart by `type` a `Deserialize`
/// that decodes the variant its `type` names.
pub fn tag_by_type(file: &mut syn::File) -> Result<Vec<Tagged>, String> {
    let Some(types) = module_mut(&mut file.items, "types") else {
        return Ok(Vec::new());
    };
    let items = &mut types.content.as_mut().expect("inline module").1;
    let found: Vec<(usize, Vec<Member>)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::Enum(e) => tags(items, e).map(|t| (i, t)),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut impls = Vec::new();
    for (i, mut members) in found {
        let Item::Enum(e) = &mut items[i] else {
            unreachable!("found as an enum");
        };
        drop_derived_deserialize(e);
        let renames = variant_names(&members);
        for v in &mut e.variants {
            if let Some((_, to)) = renames.iter().find(|(from, _)| v.ident == *from) {
                v.ident = to.clone();
            }
        }
        for (_, variant, _) in &mut members {
            if let Some((_, to)) = renames.iter().find(|(from, _)| *variant == *from) {
                *variant = to.clone();
            }
        }
        impls.push(
            syn::parse2::<Item>(deserialize_impl(e, &members)).map_err(|err| err.to_string())?,
        );
        out.push(Tagged {
            renamed: renames
                .iter()
                .map(|(from, to)| (from.to_string(), to.to_string()))
                .collect(),
            name: e.ident.to_string(),
            variants: members
                .iter()
                .map(|(tag, v, _)| (tag.clone(), v.to_string()))
                .collect(),
        });
    }
    // typify's `From` impls name the variants: rename them there too.
    for item in items.iter_mut() {
        if let Item::Impl(imp) = item
            && let Some(name) = last_ident(&imp.self_ty)
            && let Some(t) = out.iter().find(|t| t.name == name)
        {
            RenameVariants(&t.renamed).visit_item_impl_mut(imp);
        }
    }
    items.extend(impls);
    Ok(out)
}

/// typify names the variants of a union of references whose names it
/// cannot use `Variant0`, `Variant1`…; a union told apart by `type` wraps
/// distinct types, whose names say what each variant is
/// (`RetrieveCompanyResponse::Company`, `::CompanyList`).
fn variant_names(members: &[Member]) -> Vec<(syn::Ident, syn::Ident)> {
    let generic = |ident: &syn::Ident| {
        ident
            .to_string()
            .strip_prefix("Variant")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let names: Vec<Option<String>> = members.iter().map(|(_, _, ty)| last_ident(ty)).collect();
    let distinct = names.iter().all(Option::is_some)
        && names
            .iter()
            .enumerate()
            .all(|(i, n)| !names[..i].contains(n));
    if !distinct {
        return Vec::new();
    }
    members
        .iter()
        .zip(names)
        .filter(|((_, variant, _), _)| generic(variant))
        .filter_map(|((_, variant, _), name)| Some((variant.clone(), format_ident!("{}", name?))))
        .collect()
}

/// Rewrites `Self::Old` to `Self::New` in an impl of the renamed enum.
struct RenameVariants<'a>(&'a [(String, String)]);

impl VisitMut for RenameVariants<'_> {
    fn visit_path_mut(&mut self, path: &mut syn::Path) {
        if path.segments.len() == 2 && path.segments[0].ident == "Self" {
            let last = &mut path.segments[1].ident;
            if let Some((_, to)) = self.0.iter().find(|(from, _)| last == from) {
                *last = format_ident!("{to}");
            }
        }
        syn::visit_mut::visit_path_mut(self, path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn a_union_of_members_with_their_own_type_reads_type_first() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(untagged)]
                pub enum RetrieveCompanyResponse {
                    Variant0(Company),
                    Variant1(CompanyList),
                }
                impl ::std::convert::From<Company> for RetrieveCompanyResponse {
                    fn from(value: Company) -> Self {
                        Self::Variant0(value)
                    }
                }
                pub struct Company {
                    #[serde(rename = "type", skip_serializing_if = "::std::option::Option::is_none")]
                    pub type_: ::std::option::Option<CompanyType>,
                }
                pub enum CompanyType {
                    #[serde(rename = "company")]
                    Company,
                    #[serde(untagged)]
                    Unrecognized(::std::string::String),
                }
                pub struct CompanyList {
                    #[serde(rename = "type")]
                    pub type_: CompanyListType,
                }
                pub enum CompanyListType {
                    #[serde(rename = "list")]
                    List,
                }
                // Both members say `list`: not told apart, left alone.
                #[derive(::serde::Deserialize)]
                #[serde(untagged)]
                pub enum Same { A(CompanyList), B(CompanyList) }
                // A member without a single `type`: left alone.
                #[derive(::serde::Deserialize)]
                #[serde(untagged)]
                pub enum Loose { A(Company), B(String) }
            }
        };
        let tagged = tag_by_type(&mut file).unwrap();
        assert_eq!(
            tagged,
            [Tagged {
                name: "RetrieveCompanyResponse".into(),
                variants: vec![
                    ("company".into(), "Company".into()),
                    ("list".into(), "CompanyList".into())
                ],
                renamed: vec![
                    ("Variant0".into(), "Company".into()),
                    ("Variant1".into(), "CompanyList".into())
                ],
            }]
        );
        let code = file.to_token_stream().to_string();
        assert!(
            code.contains("# [derive (:: serde :: Serialize , Clone , Debug)]"),
            "{code}"
        );
        assert!(code.contains("Some (\"company\") => :: intercom_client_core :: tagged :: member :: < Company , D :: Error > (value) . map (Self :: Company)"), "{code}");
        assert_eq!(
            code.matches("impl < 'de > :: serde :: Deserialize").count(),
            1
        );
    }
}
