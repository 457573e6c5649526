//! Builds the structured API model ([`crate::api::ApiModel`]) of a generated
//! module from the operations the index read and the module's final syntax
//! tree: the same sources as the surface snapshot, read as data.

use std::collections::{BTreeMap, BTreeSet};

use syn::{Fields, Item, Type};

use crate::api::{
    ApiField, ApiModel, ApiOperation, ApiParam, ApiType, ApiVariant, Direction, TypeShape,
};
use crate::model::Paging;
use crate::syntax::index::module;
use crate::syntax::operation::Operation;
use crate::syntax::reach::{closure, idents, type_graph};
use crate::syntax::syn_util::{generic_args, type_text};

/// The API model of `file` (the finished module) for `version`.
pub fn build(version: &str, file: &syn::File, ops: &[Operation]) -> ApiModel {
    let items = module(file, "types");
    let graph = type_graph(items);
    let mut request_roots = BTreeSet::new();
    let mut response_roots = BTreeSet::new();
    let mut operations = BTreeMap::new();
    for op in ops {
        for (_, ty) in &op.params {
            request_roots.extend(idents(ty));
        }
        for ty in [&op.success, &op.error].into_iter().flatten() {
            response_roots.extend(idents(ty));
        }
        operations.insert(op.spec.call.to_string(), operation(op));
    }
    let requests = closure(&request_roots, &graph);
    let responses = closure(&response_roots, &graph);
    let mut types = BTreeMap::new();
    for item in items {
        let (name, shape) = match item {
            Item::Struct(s) => (s.ident.to_string(), TypeShape::Struct(fields(&s.fields))),
            Item::Enum(e) => (
                e.ident.to_string(),
                TypeShape::Enum(
                    e.variants
                        .iter()
                        .map(|v| ApiVariant {
                            name: v.ident.to_string(),
                            fields: variant_fields(&v.fields),
                        })
                        .collect(),
                ),
            ),
            Item::Type(t) => (t.ident.to_string(), TypeShape::Alias(type_text(&t.ty))),
            _ => continue,
        };
        let direction = Direction {
            request: requests.contains(&name),
            response: responses.contains(&name),
        };
        if direction.request || direction.response {
            types.insert(name, ApiType { direction, shape });
        }
    }
    ApiModel {
        version: version.to_owned(),
        operations,
        types,
    }
}

/// Comparison key for a parameter name: progenitor snake-cases spec names.
fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `T` for `Option<T>` (and `false`: not required), else the type itself.
fn optional(ty: &Type) -> (String, bool) {
    match generic_args(ty, "Option").as_deref() {
        Some([inner]) => (type_text(inner), false),
        _ => (type_text(ty), true),
    }
}

/// One operation of the model.
fn operation(op: &Operation) -> ApiOperation {
    let mut body = None;
    let mut params = Vec::new();
    for (name, ty) in &op.params {
        if name == "body" {
            let (text, _) = optional(ty);
            body = Some(text.trim_start_matches("builder::").to_owned());
            continue;
        }
        let (ty, required) = optional(ty);
        // A placeholder of the path is a path parameter whatever the spec
        // declares (the grouped call matches them the same way).
        let in_path = op.path().split('/').any(|segment| {
            segment
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .is_some_and(|p| key(p) == key(name))
        });
        let location = if in_path {
            Some("path".to_owned())
        } else {
            op.spec
                .params
                .iter()
                .find(|p| key(&p.name) == key(name))
                .map(|p| p.location.clone())
        };
        params.push(ApiParam {
            name: name.clone(),
            location,
            ty,
            required,
        });
    }
    ApiOperation {
        id: op.id().to_owned(),
        method: op.method().to_owned(),
        path: op.path().to_owned(),
        params,
        body,
        success: op.success.as_ref().map(type_text),
        error: op.error.as_ref().map(type_text),
        paging: match &op.paging {
            Paging::Paginated(d) => Some(format!("{}, items {}", d.shape, d.items)),
            Paging::None | Paging::Unhandled(_) => None,
        },
    }
}

/// Whether a field has a serde default (`#[serde(default)]`,
/// `#[serde(default = "…")]`): a caller may leave it out.
fn serde_default(field: &syn::Field) -> bool {
    field.attrs.iter().any(|a| {
        a.path().is_ident("serde")
            && a.meta.require_list().is_ok_and(|l| {
                l.tokens
                    .clone()
                    .into_iter()
                    .any(|t| t.to_string() == "default")
            })
    })
}

/// A struct's (or a variant's) fields.
fn fields(fields: &Fields) -> Vec<ApiField> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let name = f.ident.as_ref().map_or_else(
                || i.to_string(),
                |id| id.to_string().trim_start_matches("r#").to_owned(),
            );
            let (ty, required) = optional(&f.ty);
            ApiField {
                name,
                ty,
                required: required && !serde_default(f),
            }
        })
        .collect()
}

/// What a variant carries, as text.
fn variant_fields(fields: &Fields) -> String {
    match fields {
        Fields::Unit => String::new(),
        Fields::Unnamed(u) => format!(
            "({})",
            u.unnamed
                .iter()
                .map(|f| type_text(&f.ty))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Fields::Named(n) => format!(
            "{{ {} }}",
            n.named
                .iter()
                .map(|f| format!(
                    "{}: {}",
                    f.ident
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    type_text(&f.ty)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Detected, Shape, SpecParam};
    use quote::quote;
    use syn::parse_quote;

    #[test]
    fn reads_operations_types_and_directions() {
        let file: syn::File = syn::parse2(quote! {
            pub mod types {
                pub struct CreateTag {
                    pub name: ::std::string::String,
                    pub company: ::std::option::Option<CompanyRef>,
                    #[serde(default, skip_serializing_if = "Vec::is_empty")]
                    pub labels: Vec<String>,
                }
                pub struct CompanyRef { pub id: String }
                pub struct Tag { pub kind: Kind }
                pub enum Kind { Manual, Auto(String), Rule { id: i64 } }
                pub type Unused = String;
                pub mod builder { pub struct CreateTag {} }
            }
        })
        .unwrap();
        let mut op = Operation::for_test(
            "create",
            Some(parse_quote!(builder::CreateTag)),
            Some(parse_quote!(types::Tag)),
        );
        op.spec.params = vec![SpecParam {
            name: "per-page".into(),
            location: "query".into(),
        }];
        op.params
            .insert(0, ("per_page".into(), parse_quote!(Option<i64>)));
        op.spec.route = crate::model::Route::new("POST", "/tags/{tag_id}");
        op.params.insert(0, ("tag_id".into(), parse_quote!(String)));
        op.paging = Paging::Paginated(Detected {
            shape: Shape::Cursor,
            items: "data".into(),
            next: vec![],
            page_size: None,
        });
        let model = build("2.16", &file, &[op]);
        let create = &model.operations["tags.create"];
        assert_eq!(create.body.as_deref(), Some("CreateTag"));
        assert_eq!(create.success.as_deref(), Some("Tag"));
        assert_eq!(create.paging.as_deref(), Some("cursor, items data"));
        assert_eq!(
            create.params,
            vec![
                ApiParam {
                    name: "tag_id".into(),
                    location: Some("path".into()),
                    ty: "String".into(),
                    required: true,
                },
                ApiParam {
                    name: "per_page".into(),
                    location: Some("query".into()),
                    ty: "i64".into(),
                    required: false,
                }
            ]
        );
        assert_eq!(
            model.types.keys().collect::<Vec<_>>(),
            ["CompanyRef", "CreateTag", "Kind", "Tag"]
        );
        let TypeShape::Struct(f) = &model.types["CreateTag"].shape else {
            panic!("a struct")
        };
        let req: Vec<(&str, &str, bool)> = f
            .iter()
            .map(|f| (f.name.as_str(), f.ty.as_str(), f.required))
            .collect();
        assert_eq!(
            req,
            [
                ("name", "String", true),
                ("company", "CompanyRef", false),
                ("labels", "Vec<String>", false)
            ]
        );
        assert_eq!(
            model.types["CompanyRef"].direction,
            Direction {
                request: true,
                response: false
            }
        );
        assert_eq!(
            model.types["Kind"].direction,
            Direction {
                request: false,
                response: true
            }
        );
        let TypeShape::Enum(v) = &model.types["Kind"].shape else {
            panic!("an enum")
        };
        let variants: Vec<(&str, &str)> = v
            .iter()
            .map(|v| (v.name.as_str(), v.fields.as_str()))
            .collect();
        assert_eq!(
            variants,
            [
                ("Manual", ""),
                ("Auto", "(String)"),
                ("Rule", "{ id: i64 }")
            ]
        );
    }
}
