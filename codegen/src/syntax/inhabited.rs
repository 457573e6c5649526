//! Every generated type must have values, and every operation must be
//! callable.
//!
//! typify turns a union it cannot merge into an enum without variants: a type
//! no value can have. An operation whose body (or parameter) needs one can
//! never be sent, yet it compiles and shows in the surface like any other.
//! This guard finds such types in `mod types` and fails generation naming
//! them and the operations that take them.

use std::collections::BTreeSet;

use syn::{Fields, GenericArgument, Item, PathArguments, Type};

use crate::syntax::index::module;
use crate::syntax::operation::Operation;

/// Containers whose empty value exists whatever they hold (`None`, empty).
const ALWAYS_INHABITED: &[&str] = &[
    "Option", "Vec", "HashMap", "BTreeMap", "HashSet", "BTreeSet", "Map",
];

/// The type names a value of `ty` cannot exist without: `X` for `X`,
/// `Box<X>`, `types::X`; nothing for `Option<X>`, `Vec<X>` or a map. The
/// `constructors` pass asks the same of a body's required fields.
pub(crate) fn needs(ty: &Type, out: &mut Vec<String>) {
    match ty {
        Type::Path(path) => {
            let Some(last) = path.path.segments.last() else {
                return;
            };
            let name = last.ident.to_string();
            if ALWAYS_INHABITED.contains(&name.as_str()) {
                return;
            }
            if let PathArguments::AngleBracketed(args) = &last.arguments {
                for arg in &args.args {
                    if let GenericArgument::Type(inner) = arg {
                        needs(inner, out);
                    }
                }
            }
            out.push(name);
        }
        Type::Tuple(tuple) => tuple.elems.iter().for_each(|t| needs(t, out)),
        Type::Array(array) => needs(&array.elem, out),
        Type::Paren(inner) => needs(&inner.elem, out),
        Type::Group(inner) => needs(&inner.elem, out),
        _ => {}
    }
}

fn fields_need(fields: &Fields) -> Vec<String> {
    let mut out = Vec::new();
    for field in fields {
        needs(&field.ty, &mut out);
    }
    out
}

/// The names of the uninhabited types of `mod types`: enums without
/// variants, enums whose every variant needs an uninhabited type, structs
/// with a field that does.
pub fn uninhabited(items: &[Item]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    loop {
        let before = out.len();
        for item in items {
            match item {
                Item::Enum(e) => {
                    let empty = e.variants.iter().all(|v| {
                        fields_need(&v.fields)
                            .iter()
                            .any(|needed| out.contains(needed))
                    });
                    if empty {
                        out.insert(e.ident.to_string());
                    }
                }
                Item::Struct(s) if fields_need(&s.fields).iter().any(|n| out.contains(n)) => {
                    out.insert(s.ident.to_string());
                }
                _ => {}
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// Fails when a generated type is uninhabited, naming each such type and the
/// operations (and parameters) that need one.
pub fn check(file: &syn::File, operations: &[Operation]) -> Result<(), String> {
    let empty = uninhabited(module(file, "types"));
    if empty.is_empty() {
        return Ok(());
    }
    let mut uncallable = Vec::new();
    for op in operations {
        for (param, ty) in &op.params {
            let mut needed = Vec::new();
            needs(ty, &mut needed);
            if let Some(name) = needed.iter().find(|n| empty.contains(*n)) {
                uncallable.push(format!(
                    "`{}` cannot be called: its `{param}` needs `{name}`",
                    op.id()
                ));
            }
        }
    }
    Err(format!(
        "{} generated types have no values (a union typify could not merge becomes an enum without variants): {}{}{}",
        empty.len(),
        empty.iter().cloned().collect::<Vec<_>>().join(", "),
        if uncallable.is_empty() { "" } else { "; " },
        uncallable.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(code: &str) -> Vec<Item> {
        syn::parse_file(code).unwrap().items
    }

    #[test]
    fn empty_enums_and_what_needs_them_are_uninhabited() {
        let found = uninhabited(&items(
            "pub enum Never {}
             pub enum AllNever { A(Never), B { x: Box<Never> } }
             pub enum SomeOk { A(Never), B }
             pub struct Holds { pub x: AllNever }
             pub struct Optional { pub x: Option<Never>, pub y: Vec<Never> }
             pub struct Plain { pub s: String }",
        ));
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            ["AllNever", "Holds", "Never"]
        );
    }

    /// The shape that made `create_message` uncallable, through progenitor
    /// itself: an object whose `anyOf` members require a property it never
    /// declares.
    #[test]
    fn a_spec_that_yields_an_empty_enum_fails_generation_naming_type_and_operation() {
        let spec: openapiv3::OpenAPI = serde_yaml_ng::from_str(
            "openapi: 3.0.1
info: {title: t, version: '1'}
paths:
  /messages:
    post:
      operationId: createMessage
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/create_message_request'}
      responses:
        '200': {description: ok}
components:
  schemas:
    create_message_request:
      type: object
      properties:
        message_type: {type: string, enum: [in_app, whatsapp]}
        body: {type: string}
        template: {type: string}
      anyOf:
        - required: [message_type, body]
        - required: [message_type, template, components]
",
        )
        .unwrap();
        let (tokens, _) = crate::syntax::progenitor::progenitor(&spec).unwrap();
        let file: syn::File = syn::parse2(tokens).unwrap();
        let index = crate::syntax::index::Index::new(&file);
        let route = crate::model::Route::new("POST", "/messages");
        let spec_ops = [(
            route.clone(),
            crate::model::SpecOperation {
                id: "createMessage".into(),
                route,
                params: vec![],
                paging: crate::model::Paging::None,
                call: crate::model::CallName::parse(
                    "messages.create",
                    crate::model::NameSource::Fern,
                ),
            },
        )]
        .into_iter()
        .collect();
        let operations = crate::syntax::index::operations(&index, &spec_ops).unwrap();
        drop(index);
        let err = check(&file, &operations).unwrap_err();
        assert!(err.contains("CreateMessageRequest"), "{err}");
        assert!(
            err.contains(
                "`createMessage` cannot be called: its `body` needs `CreateMessageRequest"
            ),
            "{err}"
        );
    }
}
