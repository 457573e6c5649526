//! Calls any operation by `operationId` with JSON arguments.
//!
//! Conformance tests drive every operation from the spec's own request
//! examples. They could not name each generated builder by hand for every
//! version, so codegen emits one `dispatch` function per module: a `match` on
//! the `operationId` whose arms start the operation's builder, decode each
//! argument present (keyed by the spec's parameter name, `body` for the
//! request body) into the setter's own Rust type, and send. Arguments thus go
//! through the same types and serialisation as a user's call.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::syntax::index::{Index, Setter};
use crate::syntax::operation::Operation;

/// Setters of each builder struct, by struct name (see
/// [`crate::syntax::index::Builder::setters`]).
pub fn setters(index: &Index<'_>) -> BTreeMap<String, Vec<Setter>> {
    index
        .builders()
        .map(|(name, b)| (name.to_owned(), b.setters()))
        .filter(|(_, setters)| !setters.is_empty())
        .collect()
}

/// Comparison key for a parameter name: progenitor snake-cases spec names.
fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The `dispatch` function, for the generated `builder` module. Setters are
/// matched to the spec's parameter names (from the model), so callers pass
/// arguments under the names the spec documents.
pub fn emit(ops: &[Operation], setters: &BTreeMap<String, Vec<Setter>>) -> TokenStream {
    let mut arms = Vec::new();
    for op in ops {
        let spec_names: BTreeMap<String, String> = op
            .spec
            .params
            .iter()
            .map(|p| (key(&p.name), p.name.clone()))
            .collect();
        let builder = format_ident!("{}", op.builder);
        let setters = setters
            .get(&op.builder)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let sets = setters.iter().map(|s| {
            let json = spec_names
                .get(&key(&s.name))
                .cloned()
                .unwrap_or_else(|| s.name.clone());
            let (method, ty) = (format_ident!("{}", s.name), &s.ty);
            quote! {
                let request = match args.get(#json) {
                    Some(value) => request.#method(::intercom_client_core::dispatch::argument::<#ty>(#json, value)?),
                    None => request,
                };
            }
        });
        let id = op.id();
        arms.push(quote! {
            #id => Box::pin(async move {
                let request = #builder::new(client);
                #(#sets)*
                ::intercom_client_core::dispatch::sent(request.send().await)
            }),
        });
    }
    quote! {
        /// Starts the operation `operation_id` with JSON arguments keyed by
        /// the spec's parameter names (`body` for the request body); `None`
        /// if this version has no such operation. For conformance tests.
        #[cfg(feature = "dispatch")]
        #[doc(hidden)]
        pub fn dispatch<'a>(
            client: &'a super::Client,
            operation_id: &str,
            args: &'a ::intercom_client_core::dispatch::Args,
        ) -> Option<::intercom_client_core::dispatch::Call<'a>> {
            Some(match operation_id {
                #(#arms)*
                _ => return None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Paging, Route, SpecOperation, SpecParam};

    #[test]
    fn matches_spec_names_to_setters_and_decodes_into_their_types() {
        let file: syn::File = syn::parse_quote! {
            pub mod builder {
                pub struct UpdateContact<'a> { client: &'a super::Client }
                impl<'a> UpdateContact<'a> {
                    pub fn new(client: &'a super::Client) -> Self { todo!() }
                    pub fn contact_id<V>(mut self, value: V) -> Self
                    where V: std::convert::TryInto<::std::string::String> { self }
                    pub fn body<V>(mut self, value: V) -> Self
                    where
                        V: std::convert::TryInto<types::UpdateContactRequest>,
                        <V as std::convert::TryInto<types::UpdateContactRequest>>::Error: std::fmt::Display,
                    { self }
                    pub fn body_map<F>(mut self, f: F) -> Self
                    where F: std::ops::FnOnce(types::builder::UpdateContactRequest) -> types::builder::UpdateContactRequest { self }
                    pub async fn send(self) {}
                }
            }
        };
        let setters = setters(&Index::new(&file));
        let names: Vec<&str> = setters["UpdateContact"]
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["contact_id", "body"]);

        let op = Operation {
            spec: SpecOperation {
                id: "UpdateContact".into(),
                route: Route::new("PUT", "/contacts/{Contact-Id}"),
                params: vec![SpecParam {
                    name: "Contact-Id".into(),
                    location: "path".into(),
                }],
                paging: Paging::None,
                call: crate::model::CallName::parse(
                    "contacts.update",
                    crate::model::NameSource::Fern,
                ),
            },
            rust_name: "update_contact".into(),
            builder: "UpdateContact".into(),
            params: vec![],
            success: None,
            error: None,
            paging: Paging::None,
        };
        let code = emit(&[op], &setters).to_string();
        // The spec's name is the key; the setter's type is the decode target.
        assert!(code.contains(r#"args . get ("Contact-Id")"#), "{code}");
        assert!(code.contains("argument :: < :: std :: string :: String > (\"Contact-Id\""));
        assert!(code.contains("argument :: < types :: UpdateContactRequest > (\"body\""));
        assert!(code.contains("\"UpdateContact\" => Box :: pin"));
    }
}
