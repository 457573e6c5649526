//! `mod ops`: one unit struct per operation, implementing
//! `intercom_client_core::Op`, named after its grouped call (`tags.list` is
//! `ops::TagsList`), with its success and body types and, under the version
//! crate's `examples` feature, the spec's response examples. Generic code
//! keys on these types; the test kit registers replies by them.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::{CallName, ResponseExamples};
use crate::syntax::emit::runtime_items::body_type_name;
use crate::syntax::operation::Operation;

/// The marker's name: the grouped call's parts in UpperCamelCase, joined.
pub fn marker_name(call: &CallName) -> String {
    call.groups
        .iter()
        .chain(std::iter::once(&call.method))
        .flat_map(|part| part.split('_'))
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// `mod ops` for these operations; `Err` names two calls whose markers
/// would share a name.
pub fn emit(ops: &[Operation], examples: &ResponseExamples) -> Result<TokenStream, String> {
    // The index of each operation in `OPERATIONS`, which is sorted by Rust name.
    let mut by_name: Vec<&Operation> = ops.iter().collect();
    by_name.sort_by(|a, b| a.rust_name.cmp(&b.rust_name));
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut markers = Vec::new();
    for (index, op) in by_name.iter().enumerate() {
        let name = marker_name(&op.spec.call);
        if let Some(other) = seen.insert(name.clone(), op.spec.call.to_string()) {
            return Err(format!(
                "ops::{name} would name both `{other}` and `{}`",
                op.spec.call
            ));
        }
        let ident = format_ident!("{name}");
        let output = match &op.success {
            Some(ty) => quote!(#ty),
            None => quote!(()),
        };
        let body = match op.param("body") {
            Some(ty) => match body_type_name(ty) {
                Some(name) => quote!(types::#name),
                None => quote!(#ty),
            },
            None => quote!(()),
        };
        let accessor = op
            .spec
            .call
            .groups
            .iter()
            .map(|g| format!("{g}()."))
            .collect::<String>()
            + &op.spec.call.method;
        let doc = format!(
            " `{} {}` (`{}`): `client.{accessor}()`, [`Client::{}`].",
            op.method(),
            op.path(),
            op.id(),
            op.rust_name
        );
        let found = examples
            .get(&op.spec.route)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let entries = found.iter().map(|e| {
            let (status, name, json) = (&e.status, &e.name, &e.json);
            quote! { ::intercom_client_core::ResponseExample { status: #status, name: #name, json: #json }, }
        });
        markers.push(quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
            pub struct #ident;

            impl ::intercom_client_core::Op for #ident {
                type Output = #output;
                type Body = #body;
                fn operation() -> &'static ::intercom_client_core::Operation {
                    &super::OPERATIONS[#index]
                }
                fn examples() -> &'static [::intercom_client_core::ResponseExample] {
                    #[cfg(feature = "examples")]
                    {
                        &[#(#entries)*]
                    }
                    #[cfg(not(feature = "examples"))]
                    {
                        &[]
                    }
                }
            }
        });
    }
    Ok(quote! {
        /// Every operation as a type ([`intercom_client_core::Op`]), named
        /// after its grouped call: `tags.list` is [`ops::TagsList`](self).
        /// The test kit registers replies by them.
        pub mod ops {
            use super::*;
            #(#markers)*
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NameSource, ResponseExample, Route};

    #[test]
    fn markers_are_named_after_the_call_and_point_into_the_table() {
        assert_eq!(
            marker_name(&CallName::parse(
                "help_centers.collections.list",
                NameSource::Fern
            )),
            "HelpCentersCollectionsList"
        );
        // `for_test` names the call `tags.<id>`, on `POST /tags`.
        let ops = vec![
            Operation::for_test(
                "zeta",
                Some(syn::parse_quote!(types::builder::CreateTag)),
                Some(syn::parse_quote!(types::Tag)),
            ),
            Operation::for_test("alpha", None, None),
        ];
        let mut examples = ResponseExamples::new();
        examples.insert(
            Route::new("POST", "/tags"),
            vec![ResponseExample {
                status: "200".into(),
                name: "ok".into(),
                json: "{}".into(),
            }],
        );
        let text = emit(&ops, &examples).unwrap().to_string();
        let zeta = text.find("pub struct TagsZeta").unwrap();
        let alpha = text.find("pub struct TagsAlpha").unwrap();
        assert!(alpha < zeta, "sorted as OPERATIONS is");
        let zeta_impl = &text[zeta..];
        assert!(
            zeta_impl.contains("type Output = types :: Tag"),
            "{zeta_impl}"
        );
        assert!(
            zeta_impl.contains("type Body = types :: CreateTag"),
            "{zeta_impl}"
        );
        assert!(zeta_impl.contains("OPERATIONS [1usize]"), "{zeta_impl}");
        let alpha_impl = &text[alpha..zeta];
        assert!(alpha_impl.contains("type Output = ()"), "{alpha_impl}");
        assert!(alpha_impl.contains("OPERATIONS [0usize]"), "{alpha_impl}");
        assert!(text.contains("status : \"200\""), "{text}");
    }

    #[test]
    fn two_calls_with_one_marker_name_fail() {
        let mut a = Operation::for_test("a", None, None);
        a.spec.call = CallName::parse("help_centers.list", NameSource::Tag);
        let mut b = Operation::for_test("b", None, None);
        b.rust_name = "b".into();
        b.spec.call = CallName::parse("help.centers_list", NameSource::Tag);
        let err = emit(&[a, b], &ResponseExamples::new()).unwrap_err();
        assert!(err.contains("HelpCentersList"), "{err}");
    }
}
