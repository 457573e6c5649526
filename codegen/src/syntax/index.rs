//! One index of the code progenitor generated for a version, built once and
//! read by every post-pass that reads it (surface, pagination, dispatch),
//! plus the module accessors the passes that rewrite it (decode context,
//! struct-builder pruning, request strictness, appending) use.
//!
//! This is the one place that knows how progenitor lays its output out:
//! - `impl Client`: one method per operation, returning its builder;
//! - `mod builder`: per operation, a struct whose fields hold
//!   `Result<T, String>`, setters `fn x<V>(self, value: V) where V:
//!   std::convert::TryInto<T>`, and an async `send()` documented "Sends a
//!   `GET` request to `/path`";
//! - `mod types`: the payload types (with typify's struct builders in
//!   `types::builder`).
//!
//! When progenitor's output changes, this module is what to adapt.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::visit_mut::VisitMut;
use syn::{
    Fields, GenericArgument, ImplItem, ImplItemFn, Item, ItemMod, ItemStruct, PathArguments,
    ReturnType, Type, TypeParamBound, WherePredicate,
};

use crate::model::{Route, SpecOperations};
use crate::syntax::operation::Operation;
use crate::syntax::syn_util::{generic_args, type_text};

/// One operation builder of `mod builder`.
#[derive(Debug, Clone)]
pub struct Builder<'f> {
    /// Its struct.
    pub item: &'f ItemStruct,
    /// The methods of its inherent impls.
    pub methods: Vec<&'f ImplItemFn>,
    /// The `Client` method that starts it.
    pub starter: Option<String>,
    /// The first line of that method's doc (the spec's summary).
    pub summary: String,
}

/// One builder setter: the method and the Rust type its value converts into.
#[derive(Debug, Clone)]
pub struct Setter {
    /// Setter (and builder field) name.
    pub name: String,
    /// `T` of the setter's `V: TryInto<T>` bound.
    pub ty: Type,
}

impl Builder<'_> {
    /// Its async `send()`.
    pub fn send(&self) -> Option<&ImplItemFn> {
        self.methods
            .iter()
            .copied()
            .find(|f| f.sig.ident == "send" && f.sig.asyncness.is_some())
    }

    /// Its parameters: every field but `client`, with the type it holds
    /// (without the `Result<_, String>`).
    pub fn params(&self) -> Vec<(String, &Type)> {
        let Fields::Named(named) = &self.item.fields else {
            return Vec::new();
        };
        named
            .named
            .iter()
            .filter_map(|f| Some((f.ident.as_ref()?.to_string(), &f.ty)))
            .filter(|(name, _)| name != "client")
            .map(|(name, ty)| {
                let inner = generic_args(ty, "Result")
                    .and_then(|a| a.first().copied())
                    .unwrap_or(ty);
                (name, inner)
            })
            .collect()
    }

    /// The type its field `name` holds.
    pub fn param(&self, name: &str) -> Option<Type> {
        self.params()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, ty)| ty.clone())
    }

    /// Its setters: every method whose one type parameter `V` is bound by
    /// `std::convert::TryInto<T>` (so not `body_map`, `new` or `send`).
    pub fn setters(&self) -> Vec<Setter> {
        self.methods
            .iter()
            .filter_map(|f| {
                Some(Setter {
                    name: f.sig.ident.to_string(),
                    ty: try_into_target(&f.sig.generics)?,
                })
            })
            .collect()
    }
}

/// The generated module, indexed.
#[derive(Debug)]
pub struct Index<'f> {
    /// Structs of `mod types` by name.
    types: BTreeMap<String, &'f ItemStruct>,
    /// Enums of `mod types` whose every variant wraps one type: variant
    /// names and the types they wrap.
    unions: BTreeMap<String, Vec<(syn::Ident, Type)>>,
    /// Every item name of `mod types` (to qualify paths as `types::X`).
    type_names: BTreeSet<String>,
    /// Operation builders of `mod builder` by struct name.
    builders: BTreeMap<String, Builder<'f>>,
}

impl<'f> Index<'f> {
    /// Indexes a generated module.
    pub fn new(file: &'f syn::File) -> Self {
        let type_items = module(file, "types");
        let types = type_items
            .iter()
            .filter_map(|i| match i {
                Item::Struct(s) => Some((s.ident.to_string(), s)),
                _ => None,
            })
            .collect();
        let unions = type_items
            .iter()
            .filter_map(|i| match i {
                Item::Enum(e) => {
                    let variants = e
                        .variants
                        .iter()
                        .map(|v| match &v.fields {
                            Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                                Some((v.ident.clone(), f.unnamed[0].ty.clone()))
                            }
                            _ => None,
                        })
                        .collect::<Option<Vec<_>>>()?;
                    Some((e.ident.to_string(), variants))
                }
                _ => None,
            })
            .collect();
        let type_names = type_items
            .iter()
            .filter_map(|i| match i {
                Item::Struct(s) => Some(s.ident.to_string()),
                Item::Enum(e) => Some(e.ident.to_string()),
                Item::Type(t) => Some(t.ident.to_string()),
                _ => None,
            })
            .collect();
        let starters = starters(file);
        let builder_items = module(file, "builder");
        let mut builders: BTreeMap<String, Builder<'f>> = builder_items
            .iter()
            .filter_map(|i| match i {
                Item::Struct(s) => {
                    let starter = starters.get(&s.ident.to_string());
                    Some((
                        s.ident.to_string(),
                        Builder {
                            item: s,
                            methods: Vec::new(),
                            starter: starter.map(|(name, _)| name.clone()),
                            summary: starter.map(|(_, doc)| doc.clone()).unwrap_or_default(),
                        },
                    ))
                }
                _ => None,
            })
            .collect();
        for item in builder_items {
            let Item::Impl(imp) = item else { continue };
            if imp.trait_.is_some() {
                continue;
            }
            let Some(name) = last_ident(&imp.self_ty) else {
                continue;
            };
            if let Some(builder) = builders.get_mut(&name) {
                builder
                    .methods
                    .extend(imp.items.iter().filter_map(|it| match it {
                        ImplItem::Fn(f) => Some(f),
                        _ => None,
                    }));
            }
        }
        Self {
            types,
            unions,
            type_names,
            builders,
        }
    }

    /// Every operation builder, by struct name.
    pub fn builders(&self) -> impl Iterator<Item = (&str, &Builder<'f>)> {
        self.builders.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether `mod types` has a struct named `name`.
    pub fn has_struct(&self, name: &str) -> bool {
        self.types.contains_key(name)
    }

    /// The operation builder named `name`.
    pub fn builder(&self, name: &str) -> Option<&Builder<'f>> {
        self.builders.get(name)
    }

    /// The variants of a `types` enum whose every variant wraps one type.
    pub fn union(&self, ty: &Type) -> Option<&[(syn::Ident, Type)]> {
        self.unions.get(&last_ident(ty)?).map(Vec::as_slice)
    }

    /// The field of a `types` struct that serialises as `json_name`.
    pub fn field(&self, ty: &Type, json_name: &str) -> Result<(syn::Ident, Type), String> {
        let name =
            last_ident(ty).ok_or_else(|| format!("`{}` is not a named type", type_text(ty)))?;
        let st = self
            .types
            .get(&name)
            .ok_or_else(|| format!("`{name}` is not a generated struct"))?;
        let Fields::Named(fields) = &st.fields else {
            return Err(format!("`{name}` has no named fields"));
        };
        fields
            .named
            .iter()
            .find(|f| serde_name(f).as_deref() == Some(json_name))
            .map(|f| (f.ident.clone().expect("named field"), f.ty.clone()))
            .ok_or_else(|| format!("`{name}` has no field for `{json_name}`"))
    }

    /// `Vec<Contact>` → `Vec<types::Contact>`: paths emitted in `mod builder`.
    pub fn qualify(&self, ty: &Type) -> Type {
        struct Q<'a>(&'a BTreeSet<String>);
        impl VisitMut for Q<'_> {
            fn visit_path_mut(&mut self, path: &mut syn::Path) {
                if path.leading_colon.is_none()
                    && path.segments.len() == 1
                    && self.0.contains(&path.segments[0].ident.to_string())
                {
                    path.segments.insert(
                        0,
                        syn::PathSegment::from(syn::Ident::new("types", Span::call_site())),
                    );
                }
                syn::visit_mut::visit_path_mut(self, path);
            }
        }
        let mut ty = ty.clone();
        Q(&self.type_names).visit_type_mut(&mut ty);
        ty
    }
}

/// Builder struct name → the `Client` method returning it.
fn starters(file: &syn::File) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for item in &file.items {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || imp.self_ty.to_token_stream().to_string() != "Client" {
            continue;
        }
        for it in &imp.items {
            if let ImplItem::Fn(f) = it
                && let ReturnType::Type(_, ret) = &f.sig.output
                && let Some(builder) = last_ident(ret)
            {
                out.insert(builder, (f.sig.ident.to_string(), summary(&f.attrs)));
            }
        }
    }
    out
}

/// The first non-empty line of an item's doc.
fn summary(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|doc| {
            doc.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .next()
        .unwrap_or_default()
}

/// The items of the inline module `name` of a file (empty if none).
pub fn module<'f>(file: &'f syn::File, name: &str) -> &'f [Item] {
    file.items
        .iter()
        .find_map(|i| match i {
            Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, i)| i.as_slice()),
            _ => None,
        })
        .unwrap_or_default()
}

/// The inline module `name` among `items`.
pub fn module_mut<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut ItemMod> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name && m.content.is_some() => Some(m),
        _ => None,
    })
}

/// The items of an inline module.
pub fn items_of(module: &ItemMod) -> &[Item] {
    module
        .content
        .as_ref()
        .map_or(&[], |(_, items)| items.as_slice())
}

/// Every async `send()` of the `builder` module, to rewrite.
pub fn send_fns_mut(file: &mut syn::File) -> impl Iterator<Item = &mut ImplItemFn> {
    module_mut(&mut file.items, "builder")
        .and_then(|m| m.content.as_mut())
        .into_iter()
        .flat_map(|(_, items)| items.iter_mut())
        .filter_map(|item| match item {
            Item::Impl(imp) => Some(imp.items.iter_mut()),
            _ => None,
        })
        .flatten()
        .filter_map(|it| match it {
            ImplItem::Fn(f) if f.sig.ident == "send" && f.sig.asyncness.is_some() => Some(f),
            _ => None,
        })
}

/// Appends items to the generated `mod builder`.
pub fn append_to_builder(file: &mut syn::File, code: TokenStream) -> Result<(), String> {
    let items: syn::File = syn::parse2(code).map_err(|e| e.to_string())?;
    let module = module_mut(&mut file.items, "builder")
        .and_then(|m| m.content.as_mut())
        .ok_or("the generated code has no `builder` module")?;
    module.1.extend(items.items);
    Ok(())
}

/// The last identifier of a path type (`builder::ListTags<'_>` → `ListTags`).
pub fn last_ident(ty: &Type) -> Option<String> {
    let Type::Path(p) = ty else { return None };
    p.path.segments.last().map(|s| s.ident.to_string())
}

/// The name a field (de)serialises under: its `serde(rename)` or its ident.
pub fn serde_name(field: &syn::Field) -> Option<String> {
    for attr in &field.attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let mut renamed = None;
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                renamed = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
        if renamed.is_some() {
            return renamed;
        }
    }
    let ident = field.ident.as_ref()?.to_string();
    Some(ident.strip_prefix("r#").unwrap_or(&ident).to_owned())
}

/// `T` of a `where V: std::convert::TryInto<T>` predicate on the method's
/// one type parameter (other predicates, such as `Error: Display`, ignored).
fn try_into_target(generics: &syn::Generics) -> Option<Type> {
    let [syn::GenericParam::Type(param)] = generics.params.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    generics
        .where_clause
        .as_ref()?
        .predicates
        .iter()
        .find_map(|predicate| {
            let WherePredicate::Type(predicate) = predicate else {
                return None;
            };
            let Type::Path(bounded) = &predicate.bounded_ty else {
                return None;
            };
            if !bounded.path.is_ident(&param.ident) {
                return None;
            }
            predicate.bounds.iter().find_map(|bound| {
                let TypeParamBound::Trait(bound) = bound else {
                    return None;
                };
                let last = bound.path.segments.last()?;
                let PathArguments::AngleBracketed(args) = &last.arguments else {
                    return None;
                };
                match (last.ident == "TryInto", args.args.first()?) {
                    (true, GenericArgument::Type(t)) => Some(t.clone()),
                    _ => None,
                }
            })
        })
}

/// A payload type worth decoding: not `()` and not a raw byte stream.
fn payload(ty: Option<&Type>) -> Option<Type> {
    let ty = ty?;
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => None,
        Type::Path(p)
            if p.path
                .segments
                .last()
                .is_some_and(|s| s.ident == "ByteStream") =>
        {
            None
        }
        _ => Some(ty.clone()),
    }
}

fn operation_id_in(tokens: &str) -> Option<String> {
    let at = tokens.find("operation_id : \"")? + "operation_id : \"".len();
    let rest = &tokens[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Reads every operation out of a generated (builder-style) module, each
/// joined to the spec's operation on the same route.
pub fn operations(index: &Index<'_>, spec: &SpecOperations) -> Result<Vec<Operation>, String> {
    let mut out = Vec::new();
    for (builder, b) in index.builders() {
        let Some(f) = b.send() else { continue };
        let body = f.block.to_token_stream().to_string();
        let rust_name = operation_id_in(&body)
            .ok_or_else(|| format!("builder `{builder}`: no operation id in send()"))?;
        if b.starter.as_ref() != Some(&rust_name) {
            return Err(format!(
                "builder `{builder}` is not started by `Client::{rust_name}`"
            ));
        }
        let (method, path) = send_route(&f.attrs)
            .ok_or_else(|| format!("`{builder}::send` does not document its route"))?;
        let spec = spec
            .get(&Route::new(&method, &path))
            .cloned()
            .ok_or_else(|| format!("operation `{method} {path}` is not in the spec"))?;
        let ReturnType::Type(_, ret) = &f.sig.output else {
            return Err(format!("`{builder}::send` returns nothing"));
        };
        let [ok, err] = generic_args(ret, "Result").unwrap_or_default()[..] else {
            return Err(format!("`{builder}::send` does not return a Result"));
        };
        let success = payload(generic_args(ok, "ResponseValue").and_then(|a| a.first().copied()));
        let error = payload(generic_args(err, "Error").and_then(|a| a.first().copied()));
        out.push(Operation {
            paging: spec.paging.clone(),
            spec,
            rust_name,
            params: b
                .params()
                .into_iter()
                .map(|(name, ty)| (name, ty.clone()))
                .collect(),
            builder: builder.to_owned(),
            success,
            error,
        });
    }
    out.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
    Ok(out)
}

/// `(METHOD, path)` from progenitor's "Sends a `GET` request to `/x`" doc.
fn send_route(attrs: &[syn::Attribute]) -> Option<(String, String)> {
    attrs.iter().find_map(|a| {
        let syn::Meta::NameValue(nv) = &a.meta else {
            return None;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &nv.value
        else {
            return None;
        };
        let doc = s.value();
        let rest = doc.trim().strip_prefix("Sends a `")?;
        let (method, rest) = rest.split_once("` request to `")?;
        let path = rest.strip_suffix('`')?;
        Some((method.to_owned(), path.to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_builders_their_starters_setters_send_and_the_types() {
        let file: syn::File = syn::parse_quote! {
            impl Client {
                pub fn list_contacts(&self) -> builder::ListContacts<'_> { builder::ListContacts::new(self) }
            }
            pub mod types {
                pub struct ContactList {
                    #[serde(rename = "type")]
                    pub type_: Option<String>,
                    pub data: Vec<Contact>,
                }
                pub struct Contact {}
                pub enum Role { User }
            }
            pub mod builder {
                pub struct ListContacts<'a> {
                    client: &'a super::Client,
                    per_page: Result<Option<i64>, String>,
                }
                impl<'a> ListContacts<'a> {
                    pub fn new(client: &'a super::Client) -> Self { todo!() }
                    pub fn per_page<V>(mut self, value: V) -> Self
                    where V: std::convert::TryInto<i64>, { todo!() }
                    pub async fn send(self) -> Result<(), ()> { todo!() }
                }
                impl<'a> ::std::fmt::Debug for ListContacts<'a> {
                    fn fmt(&self) {}
                }
            }
        };
        let index = Index::new(&file);
        let (name, b) = index.builders().next().unwrap();
        assert_eq!(name, "ListContacts");
        assert_eq!(b.starter.as_deref(), Some("list_contacts"));
        assert_eq!(b.methods.len(), 3, "inherent methods only");
        assert!(b.send().is_some());
        let params: Vec<_> = b
            .params()
            .into_iter()
            .map(|(n, t)| (n, type_text(t)))
            .collect();
        assert_eq!(params, [("per_page".to_owned(), "Option<i64>".to_owned())]);
        let setters: Vec<_> = b.setters().into_iter().map(|s| s.name).collect();
        assert_eq!(setters, ["per_page"]);
        let list: Type = syn::parse_quote!(ContactList);
        let (field, _) = index.field(&list, "type").unwrap();
        assert_eq!(field, "type_");
        let vec: Type = syn::parse_quote!(Vec<Contact>);
        assert_eq!(
            index.qualify(&vec).to_token_stream().to_string(),
            "Vec < types :: Contact >"
        );
        assert!(index.field(&list, "nope").is_err());
    }
}
