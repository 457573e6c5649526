//! Opens the generated string enums: a value Intercom adds after the spec was
//! published deserialises into an `Unrecognized(String)` variant instead of
//! failing the whole response.
//!
//! typify only emits closed enums, so this is a pass over the generated syntax
//! tree rather than over the spec.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::{Arm, Expr, Fields, Ident, ImplItem, Item, ItemEnum, ItemImpl, Path, Token, parse_quote};

/// Name of the variant that carries values the spec does not list.
pub const UNRECOGNIZED: &str = "Unrecognized";

/// Error when an enum already has a variant named [`UNRECOGNIZED`].
#[derive(Debug, thiserror::Error)]
#[error(
    "enum `{0}` already has a variant named `{UNRECOGNIZED}`; pick another name for the open-enum variant"
)]
pub struct VariantClash(pub String);

fn derives(attrs: &[syn::Attribute]) -> Vec<Path> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .flat_map(|a| {
            a.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
                .map(|p| p.into_iter().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

fn ends_with(path: &Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

fn has_serde_container_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("serde"))
}

/// A plain string enum: unit variants only, serde-derived, externally tagged.
fn is_string_enum(e: &ItemEnum) -> bool {
    let d = derives(&e.attrs);
    !e.variants.is_empty()
        && e.variants.iter().all(|v| matches!(v.fields, Fields::Unit))
        && d.iter().any(|p| ends_with(p, "Deserialize"))
        && d.iter().any(|p| ends_with(p, "Serialize"))
        && !has_serde_container_attr(&e.attrs)
}

fn open_enum(e: &mut ItemEnum) -> Result<(), VariantClash> {
    if e.variants.iter().any(|v| v.ident == UNRECOGNIZED) {
        return Err(VariantClash(e.ident.to_string()));
    }
    // A `String` payload is not `Copy`.
    let kept: Vec<Path> = derives(&e.attrs)
        .into_iter()
        .filter(|p| !ends_with(p, "Copy"))
        .collect();
    e.attrs.retain(|a| !a.path().is_ident("derive"));
    e.attrs.insert(0, parse_quote!(#[derive(#(#kept),*)]));
    let ident = Ident::new(UNRECOGNIZED, Span::call_site());
    e.variants.push(parse_quote! {
        /// A value this version of the spec does not list.
        #[serde(untagged)]
        #ident(::std::string::String)
    });
    Ok(())
}

fn impl_of<'a>(item: &'a mut Item, trait_name: &str, ty: &str) -> Option<&'a mut ItemImpl> {
    let Item::Impl(imp) = item else { return None };
    let is_trait = imp
        .trait_
        .as_ref()
        .is_some_and(|(p, _)| ends_with(p, trait_name));
    let is_type = matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident(ty));
    (is_trait && is_type).then_some(imp)
}

fn first_match(imp: &mut ItemImpl) -> Option<&mut syn::ExprMatch> {
    imp.items.iter_mut().find_map(|item| match item {
        ImplItem::Fn(f) => f.block.stmts.iter_mut().find_map(|s| match s {
            syn::Stmt::Expr(Expr::Match(m), _) => Some(m),
            _ => None,
        }),
        _ => None,
    })
}

/// Opens every plain string enum in `file`; returns how many it opened.
pub fn open_enums(file: &mut syn::File) -> Result<usize, VariantClash> {
    let ident = Ident::new(UNRECOGNIZED, Span::call_site());
    let mut count = 0;
    visit_item_lists(&mut file.items, &mut |items| {
        let names: Vec<String> = items
            .iter_mut()
            .filter_map(|item| match item {
                Item::Enum(e) if is_string_enum(e) => Some(e),
                _ => None,
            })
            .map(|e| open_enum(e).map(|()| e.ident.to_string()))
            .collect::<Result<_, _>>()?;
        for item in items.iter_mut() {
            for name in &names {
                if let Some(m) = impl_of(item, "Display", name).and_then(first_match) {
                    let arm: Arm = parse_quote!(Self::#ident(ref value) => f.write_str(value),);
                    m.arms.push(arm);
                }
                if let Some(m) = impl_of(item, "FromStr", name).and_then(first_match)
                    && let Some(last) = m.arms.last_mut()
                {
                    *last.body = parse_quote!(Ok(Self::#ident(value.to_owned())));
                }
            }
        }
        count += names.len();
        Ok(())
    })?;
    Ok(count)
}

/// Calls `f` on the item list of the file and of every inline module in it.
fn visit_item_lists<E>(
    items: &mut Vec<Item>,
    f: &mut impl FnMut(&mut Vec<Item>) -> Result<(), E>,
) -> Result<(), E> {
    f(items)?;
    for item in items.iter_mut() {
        if let Item::Mod(syn::ItemMod {
            content: Some((_, inner)),
            ..
        }) = item
        {
            visit_item_lists(inner, f)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn opens_plain_string_enums_and_their_impls() {
        let mut file: syn::File = syn::parse2(quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug, PartialEq)]
                pub enum State { #[serde(rename = "open")] Open, #[serde(rename = "closed")] Closed }
                impl ::std::fmt::Display for State {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self { Self::Open => f.write_str("open"), Self::Closed => f.write_str("closed"), }
                    }
                }
                impl ::std::str::FromStr for State {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                        match value { "open" => Ok(Self::Open), "closed" => Ok(Self::Closed), _ => Err("invalid value".into()), }
                    }
                }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(untagged)]
                pub enum Either { A(String), B(i64) }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy, Debug)]
                pub enum Payload { A(i64) }
            }
        })
        .unwrap();
        assert_eq!(open_enums(&mut file).unwrap(), 1);
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("Unrecognized(::std::string::String)"),
            "{text}"
        );
        assert!(
            text.contains("#[serde(untagged)]\n        Unrecognized"),
            "{text}"
        );
        assert!(
            text.contains("Self::Unrecognized(ref value) => f.write_str(value)"),
            "{text}"
        );
        assert!(
            text.contains("_ => Ok(Self::Unrecognized(value.to_owned()))"),
            "{text}"
        );
        assert!(!text.contains("Err(\"invalid value\""), "{text}");
        let state = text.split("pub enum State").next().unwrap();
        assert!(
            !state.rsplit("#[derive").next().unwrap().contains("Copy"),
            "{text}"
        );
        // Untagged and data-carrying enums are left alone.
        assert_eq!(text.matches("Unrecognized(").count(), 3, "{text}");
    }

    #[test]
    fn refuses_to_shadow_an_existing_variant() {
        let mut file: syn::File = syn::parse2(quote! {
            #[derive(::serde::Deserialize, ::serde::Serialize)]
            pub enum Odd { Unrecognized }
        })
        .unwrap();
        assert_eq!(open_enums(&mut file).unwrap_err().0, "Odd");
    }
}
