//! Every request body can be built with the compiler checking it.
//!
//! progenitor and typify leave no typed way to build a body: typify's
//! struct builders (`types::builder::X`) find a missing required field only
//! when the request is sent, an untagged union (`CreateTagBody`,
//! `ReplyConversationRequest`, …) has no builder at all, and a struct
//! literal spells out every optional field. For every type a caller must
//! build to send a body (the operations' body types and every struct and
//! enum of `mod types` they contain, shared with responses or not), this
//! pass emits
//! - for a struct, `new(required…)`, every optional field unset (`None`, or
//!   empty where typify skips it when empty; never a schema default, so the
//!   request carries exactly what the caller set), and one chainable setter
//!   per optional field named like the field (`set_<field>` where the name
//!   is taken: progenitor's `builder()`, `new`, or a trait method such as
//!   `from` or `clone` that an inherent method would shadow);
//! - for an enum, a constructor per struct-like variant (the variant's name
//!   in snake case) taking its required fields, and a setter per optional
//!   field of those variants (it sets the field of whichever of them the
//!   value is). A newtype variant is built through typify's `From` or its
//!   own tuple constructor, a unit variant needs nothing.
//!
//! Arguments take `impl Into<T>` (so a `&str` for a `String`, a member for
//! a union); numbers and booleans take themselves, so a literal fits.
//!
//! A guard follows ([`untyped_bodies`]): every operation's body type must
//! have such a way (a struct with `new`, an enum whose every variant is a
//! unit, a tuple or has a constructor, down through the required fields),
//! or generation fails naming it and its operations.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::ext::IdentExt;
use syn::{Field, Fields, Ident, ImplItem, Item, Type};

use crate::syntax::index::{last_ident, module_mut};
use crate::syntax::inhabited::needs;
use crate::syntax::operation::Operation;
use crate::syntax::reach::Reach;
use crate::syntax::syn_util::generic_args;

/// Names a method must not take besides the type's own: `new` and
/// progenitor's `builder()`, and the methods of the traits every type has
/// (conversions, `ToOwned`, `ToString`, …), which an inherent method of the
/// same name would shadow in `x.f()` and `X::f()` alike.
const TAKEN: &[&str] = &[
    "new",
    "builder",
    "borrow",
    "borrow_mut",
    "clone_into",
    "from",
    "into",
    "to_owned",
    "to_string",
    "try_from",
    "try_into",
    "type_id",
];

/// The methods of the derivable traits, by the derive's name.
const DERIVED: &[(&str, &[&str])] = &[
    ("Clone", &["clone", "clone_from"]),
    ("Debug", &["fmt"]),
    ("Default", &["default"]),
    ("PartialEq", &["eq", "ne"]),
    ("PartialOrd", &["partial_cmp", "lt", "le", "gt", "ge"]),
    ("Ord", &["cmp", "max", "min", "clamp"]),
    ("Hash", &["hash", "hash_slice"]),
    ("Serialize", &["serialize"]),
    ("Deserialize", &["deserialize", "deserialize_in_place"]),
];

/// The methods `attrs`' derives give a type.
fn derived(attrs: &[syn::Attribute]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            if let Some(last) = meta.path.segments.last()
                && let Some((_, methods)) = DERIVED.iter().find(|(d, _)| last.ident == d)
            {
                out.extend(methods.iter().map(|m| (*m).to_owned()));
            }
            Ok(())
        });
    }
    out
}

/// Types taken by value: a literal (`5`, `true`) has no `Into` to infer.
const PRIMITIVES: &[&str] = &[
    "bool", "char", "f32", "f64", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32",
    "u64", "u128", "usize",
];

/// What the pass did, and what the guard found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Constructors {
    /// Types given constructors or setters.
    pub types: usize,
    /// `new`s and variant constructors emitted.
    pub constructors: usize,
    /// Setters emitted.
    pub setters: usize,
    /// Setters named `set_<field>` because the field's name is taken
    /// (`Type.field`).
    pub renamed: Vec<String>,
    /// Optional fields or variants left without a method, and why.
    pub skipped: Vec<String>,
    /// Distinct operation body types.
    pub bodies: usize,
    /// Of them, those with a typed way to be built.
    pub typed: usize,
    /// `From` impls added through a nested union (`Outer` ← `Inner`'s member).
    pub nested_froms: usize,
    /// Unions given `From<String>` and `From<&str>` for their string member.
    pub string_froms: usize,
}

/// How an optional field starts in `new`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unset {
    /// `None` (skipped when `None`).
    None,
    /// Its empty `Default` (skipped when empty).
    Empty,
}

/// What the serde attributes of `field` say: its `skip_serializing_if`
/// and whether it is flattened.
fn serde_of(field: &Field) -> (Option<String>, bool) {
    let (mut skip, mut flatten) = (None, false);
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("skip_serializing_if") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                skip = Some(lit.value().replace(' ', ""));
            } else if meta.path.is_ident("flatten") {
                flatten = true;
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    (skip, flatten)
}

fn is_map(ty: &Type) -> bool {
    ["HashMap", "BTreeMap", "Map"]
        .iter()
        .any(|m| generic_args(ty, m).is_some())
}

/// How `field` starts unset, or `None` if it is required: a field the
/// value always carries (no `skip_serializing_if` that its unset value
/// meets) is the caller's to set, whatever default the schema names.
fn unset(field: &Field) -> Option<Unset> {
    let optional = generic_args(&field.ty, "Option").is_some();
    match serde_of(field) {
        (Some(skip), _) if skip.ends_with("Option::is_none") && optional => Some(Unset::None),
        (Some(skip), _) if skip.ends_with("::is_empty") => Some(Unset::Empty),
        (None, true) if optional => Some(Unset::None),
        (None, true) if is_map(&field.ty) => Some(Unset::Empty),
        _ => None,
    }
}

fn primitive(ty: &Type) -> bool {
    let inner = generic_args(ty, "Option")
        .and_then(|args| args.first().copied())
        .unwrap_or(ty);
    matches!(inner, Type::Path(p) if p.qself.is_none()
        && p.path.segments.len() == 1
        && PRIMITIVES.contains(&p.path.segments[0].ident.to_string().as_str()))
}

/// The parameter type taking a `ty`, and the expression turning
/// `name` into one.
fn argument(ty: &Type, name: &TokenStream) -> (TokenStream, TokenStream) {
    if primitive(ty) {
        (ty.to_token_stream(), name.clone())
    } else {
        (
            quote!(impl ::std::convert::Into<#ty>),
            quote!(::std::convert::Into::into(#name)),
        )
    }
}

/// The first sentence of the doc comment in `attrs`, on one line.
fn first_sentence(attrs: &[syn::Attribute]) -> Option<String> {
    let doc = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .find_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })?;
    let line = doc.lines().map(str::trim).find(|l| !l.is_empty())?;
    // Up to the first full stop that ends a sentence (not `e.g.`).
    let end = line.match_indices(". ").map(|(i, _)| i).find(|&i| {
        !["e.g", "i.e", "etc", "vs"]
            .iter()
            .any(|abbreviation| line[..i].ends_with(abbreviation))
    });
    let sentence = end.map_or(line, |end| &line[..=end]);
    // typify's bare `` `TypeName` `` says nothing.
    if sentence.starts_with('`') && sentence.ends_with('`') {
        return None;
    }
    let mut sentence = sentence.trim_end().to_owned();
    if !sentence.ends_with(['.', '!', '?', ':']) {
        sentence.push('.');
    }
    Some(sentence)
}

/// A one-line doc comment (`/// text`).
fn doc_line(text: &str) -> syn::Attribute {
    let text = format!(" {text}");
    syn::parse_quote!(#[doc = #text])
}

/// The doc of a constructor of `name` (a type or variant).
fn builds(name: &str, nothing_required: bool) -> String {
    if nothing_required {
        format!(
            "Builds `{name}` with every field unset (a field with one possible value, such as a `type` tag, set to it)."
        )
    } else {
        format!(
            "Builds `{name}` from its required fields (a field with one possible value, such as a `type` tag, set to it); the optional ones are left unset."
        )
    }
}

/// `name` as an identifier (raw if a keyword, `name_` if not even that).
fn ident(name: &str) -> Ident {
    if syn::parse_str::<Ident>(name).is_ok() {
        Ident::new(name, Span::call_site())
    } else if !matches!(name, "self" | "Self" | "super" | "crate" | "_") {
        Ident::new_raw(name, Span::call_site())
    } else {
        format_ident!("{name}_")
    }
}

/// `VariantName` → `variant_name` (`Variant1` → `variant1`).
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let after_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let acronym_end = i > 0
                && chars[i - 1].is_uppercase()
                && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if after_lower || acronym_end {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The associated names each type of `items` already has, from its impls
/// (inherent and trait).
fn associated(items: &[Item]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in items {
        let Item::Impl(imp) = item else { continue };
        let Some(name) = last_ident(&imp.self_ty) else {
            continue;
        };
        let names = out.entry(name).or_default();
        for it in &imp.items {
            let id = match it {
                ImplItem::Fn(f) => &f.sig.ident,
                ImplItem::Const(c) => &c.ident,
                ImplItem::Type(t) => &t.ident,
                _ => continue,
            };
            names.insert(id.unraw().to_string());
        }
    }
    out
}

/// The names one type's methods may take.
struct Names<'a> {
    ty: &'a str,
    taken: BTreeSet<String>,
}

impl Names<'_> {
    /// `wanted`, or `fallback` if `wanted` is taken, or `None`; the name
    /// returned is taken from then on.
    fn claim(&mut self, wanted: &str, fallback: &str) -> Option<String> {
        let name = [wanted, fallback]
            .into_iter()
            .find(|n| !self.taken.contains(*n) && !TAKEN.contains(n))?
            .to_owned();
        self.taken.insert(name.clone());
        Some(name)
    }
}

/// One optional field a setter sets.
struct Optional<'a> {
    field: &'a Field,
    unset: Unset,
}

impl Optional<'_> {
    fn ident(&self) -> &Ident {
        self.field.ident.as_ref().expect("a named field")
    }

    /// The setter's parameter type and the value it stores.
    fn argument(&self) -> (TokenStream, TokenStream) {
        let value = quote!(value);
        match self.unset {
            Unset::None => {
                let inner = generic_args(&self.field.ty, "Option")
                    .and_then(|args| args.first().copied())
                    .expect("an `Option`");
                let (param, expr) = argument(inner, &value);
                (param, quote!(::std::option::Option::Some(#expr)))
            }
            Unset::Empty => argument(&self.field.ty, &value),
        }
    }

    /// The value it starts with.
    fn unset_value(&self) -> TokenStream {
        match self.unset {
            Unset::None => quote!(::std::option::Option::None),
            Unset::Empty => quote!(::std::default::Default::default()),
        }
    }
}

/// Enums of `mod types` with one known value (a unit variant, beside
/// `Unrecognized(String)` at most): a required field of such a type is the
/// tag of the struct's form (`type: "admin"`), so constructors set it.
type Singles = BTreeMap<String, Ident>;

/// The [`Singles`] among `items`.
fn singles(items: &[Item]) -> Singles {
    items
        .iter()
        .filter_map(|item| {
            let Item::Enum(e) = item else { return None };
            let known: Vec<&syn::Variant> = e
                .variants
                .iter()
                .filter(|v| v.ident != "Unrecognized")
                .collect();
            match known[..] {
                [one] if matches!(one.fields, Fields::Unit) => {
                    Some((e.ident.to_string(), one.ident.clone()))
                }
                _ => None,
            }
        })
        .collect()
}

/// The parameters and field initialisers of a constructor over `fields`
/// (a field whose type has one value is set to it, not asked for), and
/// their optional fields.
fn constructor_parts<'f>(
    fields: &'f Fields,
    singles: &Singles,
) -> (Vec<TokenStream>, Vec<TokenStream>, Vec<Optional<'f>>) {
    let (mut params, mut inits, mut optional) = (Vec::new(), Vec::new(), Vec::new());
    for field in fields {
        let Some(name) = &field.ident else { continue };
        // A required field of a type with one value (a `type` tag) takes it.
        if let Type::Path(p) = &field.ty
            && p.qself.is_none()
            && p.path.segments.len() == 1
            && let Some(variant) = singles.get(&p.path.segments[0].ident.to_string())
        {
            let ty = &p.path.segments[0].ident;
            inits.push(quote!(#name: #ty::#variant));
            continue;
        }
        match unset(field) {
            Some(unset) => {
                let opt = Optional { field, unset };
                let value = opt.unset_value();
                inits.push(quote!(#name: #value));
                optional.push(opt);
            }
            None => {
                let (param, expr) = argument(&field.ty, &name.to_token_stream());
                params.push(quote!(#name: #param));
                inits.push(if primitive(&field.ty) {
                    quote!(#name)
                } else {
                    quote!(#name: #expr)
                });
            }
        }
    }
    (params, inits, optional)
}

fn setter_doc(field: &Field) -> String {
    let name = field.ident.as_ref().expect("a named field").unraw();
    first_sentence(&field.attrs).unwrap_or_else(|| format!("Sets `{name}`."))
}

/// A setter's name for `field`, or `None` (recorded) if both its names are
/// taken.
fn setter_name(names: &mut Names<'_>, field: &Ident, out: &mut Constructors) -> Option<Ident> {
    let wanted = field.unraw().to_string();
    let fallback = format!("set_{wanted}");
    match names.claim(&wanted, &fallback) {
        Some(name) if name == wanted => Some(field.clone()),
        Some(name) => {
            out.renamed.push(format!("{}.{wanted} → {name}", names.ty));
            Some(ident(&name))
        }
        None => {
            out.skipped.push(format!(
                "{}.{wanted}: `{wanted}` and `{fallback}` taken",
                names.ty
            ));
            None
        }
    }
}

/// `new` and the setters of a struct.
fn for_struct(
    s: &syn::ItemStruct,
    names: &mut Names<'_>,
    out: &mut Constructors,
    singles: &Singles,
) -> Vec<TokenStream> {
    let Fields::Named(_) = &s.fields else {
        return Vec::new();
    };
    let ty = &s.ident;
    let (params, inits, optional) = constructor_parts(&s.fields, singles);
    let mut fns = Vec::new();
    if names.taken.insert("new".to_owned()) {
        let doc = doc_line(&builds(&ty.to_string(), params.is_empty()));
        fns.push(quote! {
            #doc
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
        });
        out.constructors += 1;
    } else {
        out.skipped.push(format!("{ty}::new: already defined"));
    }
    for opt in &optional {
        let Some(name) = setter_name(names, opt.ident(), out) else {
            continue;
        };
        let field = opt.ident();
        let (param, value) = opt.argument();
        let doc = doc_line(&setter_doc(opt.field));
        fns.push(quote! {
            #doc
            pub fn #name(mut self, value: #param) -> Self {
                self.#field = #value;
                self
            }
        });
        out.setters += 1;
    }
    fns
}

/// The constructors of an enum's struct-like variants, and the setters of
/// their optional fields; records the variants given a constructor.
fn for_enum(
    e: &syn::ItemEnum,
    names: &mut Names<'_>,
    out: &mut Constructors,
    built: &mut BTreeSet<(String, String)>,
    singles: &Singles,
) -> Vec<TokenStream> {
    let ty = &e.ident;
    let mut fns = Vec::new();
    // Field name → (variants holding it, the field as the first declares it).
    let mut setters: BTreeMap<String, (Vec<&Ident>, Optional<'_>, bool)> = BTreeMap::new();
    for variant in &e.variants {
        let Fields::Named(_) = &variant.fields else {
            continue;
        };
        let v = &variant.ident;
        let snake = snake_case(&v.to_string());
        let (params, inits, optional) = constructor_parts(&variant.fields, singles);
        match names.claim(&snake, &format!("new_{snake}")) {
            Some(name) => {
                let name = ident(&name);
                let doc = doc_line(
                    &first_sentence(&variant.attrs)
                        .unwrap_or_else(|| builds(&v.to_string(), params.is_empty())),
                );
                fns.push(quote! {
                    #doc
                    pub fn #name(#(#params),*) -> Self {
                        Self::#v { #(#inits),* }
                    }
                });
                out.constructors += 1;
                built.insert((ty.to_string(), v.to_string()));
            }
            None => out
                .skipped
                .push(format!("{ty}::{v}: `{snake}` and `new_{snake}` taken")),
        }
        for opt in optional {
            let key = opt.ident().unraw().to_string();
            match setters.get_mut(&key) {
                Some((variants, first, same)) => {
                    *same &= first.unset == opt.unset
                        && first.field.ty.to_token_stream().to_string()
                            == opt.field.ty.to_token_stream().to_string();
                    variants.push(v);
                }
                None => {
                    setters.insert(key, (vec![v], opt, true));
                }
            }
        }
    }
    for (key, (variants, opt, same)) in &setters {
        if !same {
            out.skipped
                .push(format!("{ty}.{key}: its variants give it different types"));
            continue;
        }
        let Some(name) = setter_name(names, opt.ident(), out) else {
            continue;
        };
        let field = opt.ident();
        let (param, value) = opt.argument();
        let doc = doc_line(&if variants.len() == e.variants.len() {
            setter_doc(opt.field)
        } else {
            let of: Vec<String> = variants.iter().map(|v| format!("`{v}`")).collect();
            format!(
                "Sets `{key}` of {}; any other variant is left as it is.",
                of.join(" or ")
            )
        });
        // Every variant holds it, or only some (and the others ignore it).
        let set = if variants.len() == e.variants.len() {
            quote! {
                let (#(Self::#variants { #field: slot, .. })|*) = &mut self;
                *slot = #value;
            }
        } else {
            quote! {
                if let #(Self::#variants { #field: slot, .. })|* = &mut self {
                    *slot = #value;
                }
            }
        };
        fns.push(quote! {
            #doc
            pub fn #name(mut self, value: #param) -> Self {
                #set
                self
            }
        });
        out.setters += 1;
    }
    fns
}

/// The types a caller must build to send some operation's body: the body
/// types and every type of `mod types` they reach, shared with a response
/// or not ([`Reach::request_only`] of the requests alone).
pub fn body_types(file: &syn::File, operations: &[Operation]) -> BTreeSet<String> {
    let requests: Vec<Operation> = operations
        .iter()
        .map(|op| Operation {
            success: None,
            error: None,
            ..op.clone()
        })
        .collect();
    Reach::new(file, &requests).request_only
}

/// `(T, U)` for every `impl From<T> for U` among `items`, as token text.
fn from_impls(items: &[Item]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .filter_map(|item| {
            let Item::Impl(imp) = item else { return None };
            let (path, _) = imp.trait_.as_ref()?;
            let last = path.segments.last()?;
            if last.ident != "From" {
                return None;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return None;
            };
            let Some(syn::GenericArgument::Type(from)) = args.args.first() else {
                return None;
            };
            Some((
                from.to_token_stream().to_string(),
                imp.self_ty.to_token_stream().to_string(),
            ))
        })
        .collect()
}

/// A union whose member is itself a union converts from that union's
/// members too: `impl From<Inner> for Outer` through the member. Fixes:
/// typify converts only one level, so `ReplyTicketBody` (whose first member
/// is the union of the contact reply forms) took a contact reply only
/// through an explicit `ReplyTicketBodyVariant0::from(reply)`. Skipped where
/// the outer union already converts from that type, or two routes would.
fn nested_froms(items: &[Item], reached: &BTreeSet<String>) -> Vec<Item> {
    let froms = from_impls(items);
    // Newtype variants of each enum: (variant, wrapped type as text).
    let unions: BTreeMap<String, Vec<(Ident, Type)>> = items
        .iter()
        .filter_map(|item| {
            let Item::Enum(e) = item else { return None };
            let variants = e
                .variants
                .iter()
                .filter_map(|v| match &v.fields {
                    Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                        Some((v.ident.clone(), f.unnamed[0].ty.clone()))
                    }
                    _ => None,
                })
                .collect();
            Some((e.ident.to_string(), variants))
        })
        .collect();
    // (outer, member) → each route in: (outer's variant, inner union, member).
    type Route = (Ident, Type, Type);
    let mut candidates: BTreeMap<(String, String), Vec<Route>> = BTreeMap::new();
    for (outer, variants) in &unions {
        if !reached.contains(outer) {
            continue;
        }
        for (variant, inner) in variants {
            let Some(inner_name) = last_ident(inner) else {
                continue;
            };
            let Some(members) = unions.get(&inner_name) else {
                continue;
            };
            let inner_text = inner.to_token_stream().to_string();
            for (_, member) in members {
                let member_text = member.to_token_stream().to_string();
                // The inner union must convert from it (one route in), the
                // outer must not already.
                if froms.contains(&(member_text.clone(), inner_text.clone()))
                    && !froms.contains(&(member_text.clone(), outer.clone()))
                    && member_text != *outer
                {
                    candidates
                        .entry((outer.clone(), member_text))
                        .or_default()
                        .push((variant.clone(), inner.clone(), member.clone()));
                }
            }
        }
    }
    candidates
        .into_iter()
        .filter(|(_, routes)| routes.len() == 1)
        .map(|((outer, _), routes)| {
            let (variant, inner, member) = &routes[0];
            let outer = ident(&outer);
            syn::parse_quote! {
                impl ::std::convert::From<#member> for #outer {
                    fn from(value: #member) -> Self {
                        Self::#variant(<#inner as ::std::convert::From<#member>>::from(value))
                    }
                }
            }
        })
        .collect()
}

/// A union with one string member converts from `String` and `&str`.
/// Fixes: typify converts a union from its other members (`i64`, `bool`)
/// but not from its string one, so a text search filter read
/// `.value(SingleFilterSearchRequestValue::String("open".into()))`. Skipped
/// where the union already converts from, or parses, a string.
fn string_froms(items: &[Item], reached: &BTreeSet<String>) -> Vec<Item> {
    let taken: BTreeSet<String> = items
        .iter()
        .filter_map(|item| {
            let Item::Impl(imp) = item else { return None };
            let (path, _) = imp.trait_.as_ref()?;
            let last = path.segments.last()?;
            let stringy = ["From", "TryFrom", "FromStr"].contains(&last.ident.to_string().as_str())
                && (last.ident == "FromStr"
                    || last.arguments.to_token_stream().to_string().contains("str")
                    || last
                        .arguments
                        .to_token_stream()
                        .to_string()
                        .contains("String"));
            stringy.then(|| imp.self_ty.to_token_stream().to_string())
        })
        .collect();
    let mut out = Vec::new();
    for item in items {
        let Item::Enum(e) = item else { continue };
        let name = e.ident.to_string();
        if !reached.contains(&name) || taken.contains(&name) {
            continue;
        }
        let strings: Vec<&Ident> = e
            .variants
            .iter()
            .filter(|v| match &v.fields {
                Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                    last_ident(&f.unnamed[0].ty).as_deref() == Some("String")
                }
                _ => false,
            })
            .map(|v| &v.ident)
            .collect();
        // `Unrecognized(String)` of an open enum is not a member to convert into.
        let [variant] = strings[..] else { continue };
        if variant == "Unrecognized" {
            continue;
        }
        let ty = &e.ident;
        out.push(syn::parse_quote! {
            impl ::std::convert::From<::std::string::String> for #ty {
                fn from(value: ::std::string::String) -> Self {
                    Self::#variant(value)
                }
            }
        });
        out.push(syn::parse_quote! {
            impl ::std::convert::From<&str> for #ty {
                fn from(value: &str) -> Self {
                    Self::#variant(value.to_owned())
                }
            }
        });
    }
    out
}

/// Emits the constructors and setters of the types request bodies reach,
/// then fails if an operation's body type still has no typed way to be
/// built.
pub fn emit(file: &mut syn::File, operations: &[Operation]) -> Result<Constructors, String> {
    let reached = body_types(file, operations);
    let mut out = Constructors::default();
    let mut built = BTreeSet::new();
    let Some(types) = module_mut(&mut file.items, "types") else {
        return Ok(out);
    };
    let items = &mut types.content.as_mut().expect("inline module").1;
    let mut associated = associated(items);
    let singles = singles(items);
    let mut with = Vec::with_capacity(items.len());
    for item in std::mem::take(items) {
        let (name, fns) = match &item {
            Item::Struct(s) if reached.contains(&s.ident.to_string()) => {
                let name = s.ident.to_string();
                let mut taken = associated.remove(&name).unwrap_or_default();
                taken.extend(derived(&s.attrs));
                let mut names = Names { ty: &name, taken };
                let fns = for_struct(s, &mut names, &mut out, &singles);
                associated.insert(name.clone(), names.taken);
                (s.ident.clone(), fns)
            }
            Item::Enum(e) if reached.contains(&e.ident.to_string()) => {
                let name = e.ident.to_string();
                let mut taken = associated.remove(&name).unwrap_or_default();
                taken.extend(derived(&e.attrs));
                let mut names = Names { ty: &name, taken };
                let fns = for_enum(e, &mut names, &mut out, &mut built, &singles);
                associated.insert(name.clone(), names.taken);
                (e.ident.clone(), fns)
            }
            _ => {
                with.push(item);
                continue;
            }
        };
        with.push(item);
        if !fns.is_empty() {
            out.types += 1;
            with.push(syn::parse_quote! {
                impl #name {
                    #(#fns)*
                }
            });
        }
    }
    *items = with;
    let nested = nested_froms(items, &reached);
    out.nested_froms = nested.len();
    items.extend(nested);
    let strings = string_froms(items, &reached);
    out.string_froms = strings.len() / 2;
    items.extend(strings);

    let (bodies, untyped) = untyped_bodies(items, operations, &built);
    out.bodies = bodies;
    out.typed = bodies - untyped.len();
    if !untyped.is_empty() {
        return Err(format!(
            "{} request body types have no typed way to be built (a struct with `new`, an enum whose every variant is a unit, a tuple or has a constructor): {}",
            untyped.len(),
            untyped.join("; ")
        ));
    }
    Ok(out)
}

/// The guard: how many distinct body types the operations take, and those
/// of them (with the operations taking each) that have no typed way to be
/// built ([`typed`]), given the struct-like `variants` that have a
/// constructor.
pub fn untyped_bodies(
    items: &[Item],
    operations: &[Operation],
    variants: &BTreeSet<(String, String)>,
) -> (usize, Vec<String>) {
    let names: BTreeSet<String> = items.iter().filter_map(item_name).collect();
    let mut bodies: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for op in operations {
        if let Some(ty) = op.param("body") {
            for name in idents(ty).into_iter().filter(|n| names.contains(n)) {
                bodies.entry(name).or_default().push(op.id());
            }
        }
    }
    let typed = typed(items, variants);
    let untyped = bodies
        .iter()
        .filter(|(name, _)| !typed.contains(*name))
        .map(|(name, ops)| format!("{name} (body of {})", ops.join(", ")))
        .collect();
    (bodies.len(), untyped)
}

fn item_name(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Enum(e) => Some(e.ident.to_string()),
        Item::Type(t) => Some(t.ident.to_string()),
        _ => None,
    }
}

/// The last identifier of every path in `ty`.
fn idents(ty: &Type) -> BTreeSet<String> {
    struct Idents(BTreeSet<String>);
    impl<'ast> syn::visit::Visit<'ast> for Idents {
        fn visit_path(&mut self, path: &'ast syn::Path) {
            if let Some(last) = path.segments.last() {
                self.0.insert(last.ident.to_string());
            }
            syn::visit::visit_path(self, path);
        }
    }
    let mut v = Idents(BTreeSet::new());
    syn::visit::Visit::visit_type(&mut v, ty);
    v.0
}

/// What building a value with `fields` needs: the types of its required
/// fields (all of a tuple's).
fn fields_need(fields: &Fields) -> Vec<String> {
    let mut out = Vec::new();
    for field in fields {
        if field.ident.is_none() || unset(field).is_none() {
            needs(&field.ty, &mut out);
        }
    }
    out
}

/// The types of `items` with a typed way to be built: a struct with an
/// inherent `new` (a tuple or unit struct as it is), an enum whose every
/// variant is a unit, a tuple or one of `variants` (given a constructor),
/// an alias of such a type; each only if what its required fields need
/// is such a type too (or not one of the module's).
fn typed(items: &[Item], variants: &BTreeSet<(String, String)>) -> BTreeSet<String> {
    let names: BTreeSet<String> = items.iter().filter_map(item_name).collect();
    let with_new: BTreeSet<String> = items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(imp)
                if imp.trait_.is_none()
                    && imp
                        .items
                        .iter()
                        .any(|it| matches!(it, ImplItem::Fn(f) if f.sig.ident == "new")) =>
            {
                last_ident(&imp.self_ty)
            }
            _ => None,
        })
        .collect();
    let mut typed = BTreeSet::new();
    loop {
        let before = typed.len();
        let ok = |needed: Vec<String>, typed: &BTreeSet<String>| {
            needed
                .iter()
                .all(|n| !names.contains(n) || typed.contains(n))
        };
        for item in items {
            let Some(name) = item_name(item) else {
                continue;
            };
            if typed.contains(&name) {
                continue;
            }
            let buildable = match item {
                Item::Struct(s) => {
                    (!matches!(s.fields, Fields::Named(_)) || with_new.contains(&name))
                        && ok(fields_need(&s.fields), &typed)
                }
                Item::Enum(e) => e.variants.iter().all(|v| {
                    (!matches!(v.fields, Fields::Named(_))
                        || variants.contains(&(name.clone(), v.ident.to_string())))
                        && ok(fields_need(&v.fields), &typed)
                }),
                Item::Type(t) => {
                    let mut needed = Vec::new();
                    needs(&t.ty, &mut needed);
                    ok(needed, &typed)
                }
                _ => false,
            };
            if buildable {
                typed.insert(name);
            }
        }
        if typed.len() == before {
            return typed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `code` (token text) holds `fragment`, spacing aside.
    fn holds(code: &str, fragment: &str) -> bool {
        let bare = |s: &str| s.split_whitespace().collect::<String>();
        bare(code).contains(&bare(fragment))
    }

    #[test]
    fn every_body_gets_a_typed_constructor_and_setters() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct CreateOrUpdateTag {
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub id: ::std::option::Option<::std::string::String>,
                    pub name: ::std::string::String,
                }
                impl CreateOrUpdateTag {
                    pub fn builder() -> builder::CreateOrUpdateTag { Default::default() }
                }
                pub struct TagCompany {
                    pub companies: ::std::vec::Vec<CompanyRef>,
                    pub name: ::std::string::String,
                }
                #[derive(::serde::Serialize, Clone, PartialOrd)]
                pub struct CompanyRef {
                    ///The company's id. Intercom's, not yours.
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub id: ::std::option::Option<::std::string::String>,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub tags: ::std::vec::Vec<::std::string::String>,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub from: ::std::option::Option<i64>,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub builder: ::std::option::Option<bool>,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub lt: ::std::option::Option<::std::string::String>,
                    #[serde(rename = "type")]
                    pub r#type: ::std::option::Option<::std::string::String>,
                    pub count: i64,
                }
                #[serde(untagged)]
                pub enum CreateTagBody {
                    CreateOrUpdateTag(CreateOrUpdateTag),
                    TagCompany(TagCompany),
                }
                impl ::std::convert::From<CreateOrUpdateTag> for CreateTagBody {
                    fn from(value: CreateOrUpdateTag) -> Self { Self::CreateOrUpdateTag(value) }
                }
                #[serde(untagged)]
                pub enum ReplyBody {
                    Contact(ContactReply),
                    ///An admin's reply. In full.
                    AdminReply {
                        admin_id: ::std::string::String,
                        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                        body: ::std::option::Option<::std::string::String>,
                        #[serde(default, skip_serializing_if = "::std::option::Option::is_none")]
                        attachment_urls: ::std::option::Option<::std::vec::Vec<::std::string::String>>,
                    },
                    BotReply {
                        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                        body: ::std::option::Option<::std::string::String>,
                    },
                }
                pub struct ContactReply {
                    pub body: ::std::string::String,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub lt: ::std::option::Option<::std::string::String>,
                }
                pub enum UpdateAttribute {
                    Archived {
                        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                        archived: ::std::option::Option<bool>,
                        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                        description: ::std::option::Option<::std::string::String>,
                    },
                    Described {
                        #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                        description: ::std::option::Option<::std::string::String>,
                    },
                }
                pub enum Kind { Admin, Unrecognized(::std::string::String) }
                pub struct Tag {
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub id: ::std::option::Option<::std::string::String>,
                }
            }
        };
        let ops = [
            Operation::for_test(
                "createTag",
                Some(syn::parse_quote!(types::CreateTagBody)),
                Some(syn::parse_quote!(types::Tag)),
            ),
            Operation::for_test(
                "replyTicket",
                Some(syn::parse_quote!(types::ReplyBody)),
                // A response reaches `CompanyRef` too: a caller still
                // builds it to tag companies.
                Some(syn::parse_quote!(types::CompanyRef)),
            ),
            Operation::for_test(
                "updateAttribute",
                Some(syn::parse_quote!(types::UpdateAttribute)),
                None,
            ),
        ];
        let done = emit(&mut file, &ops).unwrap();
        let code = file.to_token_stream().to_string();
        for expected in [
            // Required fields in `new`, optional ones unset; setters chain.
            "impl CreateOrUpdateTag {
                #[doc = \" Builds `CreateOrUpdateTag` from its required fields (a field with one possible value, such as a `type` tag, set to it); the optional ones are left unset.\"]
                pub fn new(name: impl ::std::convert::Into<::std::string::String>) -> Self {
                    Self { id: ::std::option::Option::None, name: ::std::convert::Into::into(name) }
                }
                #[doc = \" Sets `id`.\"]
                pub fn id(mut self, value: impl ::std::convert::Into<::std::string::String>) -> Self {
                    self.id = ::std::option::Option::Some(::std::convert::Into::into(value));
                    self
                }
            }",
            // A list skipped when empty starts empty, and is set whole.
            "tags: ::std::default::Default::default()",
            "pub fn tags(mut self, value: impl ::std::convert::Into<::std::vec::Vec<::std::string::String>>) -> Self {
                self.tags = ::std::convert::Into::into(value);
                self
            }",
            // A field always sent (`type`, nullable) is required; a
            // number takes itself.
            "pub fn new(r#type: impl ::std::convert::Into<::std::option::Option<::std::string::String>>, count: i64) -> Self",
            // The first sentence of the field's doc.
            "#[doc = \" The company's id.\"]
            pub fn id",
            // Names a trait's method or progenitor's `builder()` holds.
            "pub fn set_from(mut self, value: i64) -> Self {
                self.from = ::std::option::Option::Some(value);
                self
            }",
            "pub fn set_builder(mut self, value: bool) -> Self",
            // A derived trait's method (`PartialOrd::lt`) is taken; where
            // the trait is not derived, the name is free.
            "pub fn set_lt(mut self",
            "impl ContactReply { #[doc = \" Builds `ContactReply` from its required fields (a field with one possible value, such as a `type` tag, set to it); the optional ones are left unset.\"] pub fn new(body: impl ::std::convert::Into<::std::string::String>) -> Self { Self { body: ::std::convert::Into::into(body), lt: ::std::option::Option::None } } #[doc = \" Sets `lt`.\"] pub fn lt(mut self",
            // Every variant holds `description`: the pattern cannot fail.
            "pub fn description(mut self, value: impl ::std::convert::Into<::std::string::String>) -> Self {
                let (Self::Archived { description: slot, .. } | Self::Described { description: slot, .. }) = &mut self;
                *slot = ::std::option::Option::Some(::std::convert::Into::into(value));
                self
            }",
            // The variant `Archived` took `archived()`.
            "pub fn set_archived(mut self, value: bool) -> Self {
                if let Self::Archived { archived: slot, .. } = &mut self {
                    *slot = ::std::option::Option::Some(value);
                }
                self
            }",
            // A struct-like variant: a constructor, and setters on the
            // variants that hold the field.
            "#[doc = \" An admin's reply.\"]
            pub fn admin_reply(admin_id: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self::AdminReply {
                    admin_id: ::std::convert::Into::into(admin_id),
                    body: ::std::option::Option::None,
                    attachment_urls: ::std::option::Option::None
                }
            }",
            "pub fn bot_reply() -> Self { Self::BotReply { body: ::std::option::Option::None } }",
            "#[doc = \" Sets `body` of `AdminReply` or `BotReply`; any other variant is left as it is.\"]
            pub fn body(mut self, value: impl ::std::convert::Into<::std::string::String>) -> Self {
                if let Self::AdminReply { body: slot, .. } | Self::BotReply { body: slot, .. } = &mut self {
                    *slot = ::std::option::Option::Some(::std::convert::Into::into(value));
                }
                self
            }",
            "pub fn attachment_urls(mut self, value: impl ::std::convert::Into<::std::vec::Vec<::std::string::String>>) -> Self",
        ] {
            assert!(holds(&code, expected), "{expected}\nnot in\n{code}");
        }
        // A response-only type, a union of newtypes and a string enum get
        // nothing.
        for absent in ["impl Tag {", "impl CreateTagBody {", "impl Kind {"] {
            assert!(!code.contains(absent), "{absent} in\n{code}");
        }
        assert_eq!(
            done,
            Constructors {
                types: 6,
                constructors: 8,
                setters: 11,
                renamed: vec![
                    "CompanyRef.from → set_from".into(),
                    "CompanyRef.builder → set_builder".into(),
                    "CompanyRef.lt → set_lt".into(),
                    "UpdateAttribute.archived → set_archived".into(),
                ],
                skipped: vec![],
                bodies: 3,
                typed: 3,
                nested_froms: 0,
                string_froms: 0,
            }
        );
        // What it emits is Rust.
        syn::parse_file(&prettyplease::unparse(&file)).unwrap();
    }

    #[test]
    fn a_body_without_a_typed_way_fails_generation_naming_it() {
        // A struct-like variant whose names are all taken gets no
        // constructor, so its enum has no typed way to be built.
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub enum Redact {
                    Source { id: ::std::string::String },
                    Part { id: ::std::string::String },
                }
                impl Redact {
                    pub fn source() {}
                    pub fn new_source() {}
                }
                pub struct Note { pub body: Inner }
                // Has `new`, but its required field cannot be built.
                pub struct Wrapper {
                    pub redact: Redact,
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub also: ::std::option::Option<Redact>,
                }
                pub struct Inner(pub ::std::string::String);
            }
        };
        let ops = [
            Operation::for_test("redact", Some(syn::parse_quote!(types::Redact)), None),
            Operation::for_test("wrap", Some(syn::parse_quote!(types::Wrapper)), None),
            Operation::for_test("note", Some(syn::parse_quote!(types::builder::Note)), None),
        ];
        let err = emit(&mut file, &ops).unwrap_err();
        assert_eq!(
            err,
            "2 request body types have no typed way to be built (a struct with `new`, an enum whose every variant is a unit, a tuple or has a constructor): Redact (body of redact); Wrapper (body of wrap)"
        );
    }

    #[test]
    fn names() {
        assert_eq!(snake_case("Variant1"), "variant1");
        assert_eq!(snake_case("ConversationPart"), "conversation_part");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
        assert_eq!(ident("type").to_string(), "r#type");
        assert_eq!(ident("self").to_string(), "self_");
        let field: Field = syn::parse_quote! {
            ///The text body of the reply. Notes accept some HTML formatting.
            pub body: String
        };
        assert_eq!(
            first_sentence(&field.attrs).as_deref(),
            Some("The text body of the reply.")
        );
        let field: Field = syn::parse_quote! {
            ///The source, e.g. a URL. Or a file
            pub source: String
        };
        assert_eq!(
            first_sentence(&field.attrs).as_deref(),
            Some("The source, e.g. a URL.")
        );
        let bare: Field = syn::parse_quote! {
            ///`CompanyRef`
            pub company: CompanyRef
        };
        assert_eq!(first_sentence(&bare.attrs), None);
    }

    #[test]
    fn a_field_with_one_possible_value_is_set_not_asked_for() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub enum AdminType { Admin, Unrecognized(::std::string::String) }
                pub enum MessageType { Comment, Note }
                pub struct AdminReply {
                    pub admin_id: ::std::string::String,
                    pub message_type: MessageType,
                    #[serde(rename = "type")]
                    pub type_: AdminType,
                }
            }
        };
        let ops = [Operation::for_test(
            "replyConversation",
            Some(syn::parse_quote!(types::AdminReply)),
            None,
        )];
        emit(&mut file, &ops).unwrap();
        let code = file.to_token_stream().to_string();
        let expected: TokenStream = syn::parse_quote! {
            pub fn new(admin_id: impl ::std::convert::Into<::std::string::String>, message_type: impl ::std::convert::Into<MessageType>) -> Self {
                Self { admin_id: ::std::convert::Into::into(admin_id), message_type: ::std::convert::Into::into(message_type), type_: AdminType::Admin }
            }
        };
        assert!(code.contains(&expected.to_string()), "{code}");
    }

    #[test]
    fn a_union_inside_a_union_converts_from_its_members() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct ContactReply { pub body: ::std::string::String }
                pub struct ContactEmailReply { pub email: ::std::string::String }
                pub struct AdminReply { pub admin_id: ::std::string::String }
                pub enum ContactReplies { ContactReply(ContactReply), ContactEmailReply(ContactEmailReply) }
                impl ::std::convert::From<ContactReply> for ContactReplies {
                    fn from(value: ContactReply) -> Self { Self::ContactReply(value) }
                }
                impl ::std::convert::From<ContactEmailReply> for ContactReplies {
                    fn from(value: ContactEmailReply) -> Self { Self::ContactEmailReply(value) }
                }
                pub enum ReplyBody { Variant0(ContactReplies), Variant1(AdminReply) }
                impl ::std::convert::From<ContactReplies> for ReplyBody {
                    fn from(value: ContactReplies) -> Self { Self::Variant0(value) }
                }
                impl ::std::convert::From<AdminReply> for ReplyBody {
                    fn from(value: AdminReply) -> Self { Self::Variant1(value) }
                }
            }
        };
        let ops = [Operation::for_test(
            "replyTicket",
            Some(syn::parse_quote!(types::ReplyBody)),
            None,
        )];
        let done = emit(&mut file, &ops).unwrap();
        assert_eq!(done.nested_froms, 2);
        let code = file.to_token_stream().to_string();
        for expected in [
            "impl :: std :: convert :: From < ContactReply > for ReplyBody { fn from (value : ContactReply) -> Self { Self :: Variant0 (< ContactReplies as :: std :: convert :: From < ContactReply > > :: from (value)) } }",
            "impl :: std :: convert :: From < ContactEmailReply > for ReplyBody",
        ] {
            assert!(code.contains(expected), "{expected}\nin\n{code}");
        }
        // The one it converts from already is not added twice.
        assert_eq!(code.matches("From < AdminReply > for ReplyBody").count(), 1);
    }

    #[test]
    fn a_union_with_one_string_member_converts_from_text() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Filter {
                    #[serde(skip_serializing_if = "::std::option::Option::is_none")]
                    pub value: ::std::option::Option<FilterValue>,
                }
                pub enum FilterValue { String(::std::string::String), Integer(i64) }
                impl ::std::convert::From<i64> for FilterValue {
                    fn from(value: i64) -> Self { Self::Integer(value) }
                }
                pub enum Parsed { String(::std::string::String), Integer(i64) }
                impl ::std::str::FromStr for Parsed {
                    type Err = ();
                    fn from_str(_: &str) -> Result<Self, ()> { todo!() }
                }
                pub struct Other { pub parsed: Parsed }
            }
        };
        let ops = [
            Operation::for_test("search", Some(syn::parse_quote!(types::Filter)), None),
            Operation::for_test("other", Some(syn::parse_quote!(types::Other)), None),
        ];
        let done = emit(&mut file, &ops).unwrap();
        assert_eq!(done.string_froms, 1);
        let code = file.to_token_stream().to_string();
        assert!(
            code.contains("impl :: std :: convert :: From < & str > for FilterValue { fn from (value : & str) -> Self { Self :: String (value . to_owned ()) } }"),
            "{code}"
        );
        assert!(code.contains("From < :: std :: string :: String > for FilterValue"));
        // A union that parses strings already is left alone.
        assert!(!code.contains("From < & str > for Parsed"), "{code}");
    }
}
