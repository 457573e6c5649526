//! Items appended to every generated module: the version constant, the
//! operation table, the hook that sends every request through the shared
//! transport, and (for tests) response decoders and request round trips.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;

use crate::syntax::operation::Operation;

/// The name of a body type of `mod types` (`types::X`, or a body builder's
/// `types::builder::X`); `None` for other bodies (free-form maps and
/// lists), which keep every field by construction.
pub(crate) fn body_type_name(ty: &Type) -> Option<&syn::Ident> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let segments: Vec<&syn::PathSegment> = p
        .path
        .segments
        .iter()
        .skip_while(|s| s.ident == "super" || s.ident == "types")
        .collect();
    let segments = match segments.split_first() {
        Some((first, rest)) if first.ident == "builder" => rest,
        _ => &segments[..],
    };
    match segments {
        [one] if one.arguments.is_none() => Some(&one.ident),
        _ => None,
    }
}

/// Items appended to every generated module.
/// `feature` names the module as `intercom-api` re-exports it (`v2_16`).
pub fn runtime_items(header: &str, feature: &str, ops: &[Operation]) -> TokenStream {
    let mut by_name: Vec<&Operation> = ops.iter().collect();
    by_name.sort_by(|a, b| a.rust_name.cmp(&b.rust_name));
    let table = by_name.iter().map(|op| {
        let (id, method, path, name) = (op.id(), op.method(), op.path(), &op.rust_name);
        let call = op.spec.call.to_string();
        let op_type = format!(
            "{feature}::ops::{}",
            crate::syntax::emit::ops::marker_name(&op.spec.call)
        );
        quote! {
            ::intercom_client_core::Operation { id: #id, method: #method, path: #path, rust_name: #name, call: #call, version: INTERCOM_VERSION, op_type: #op_type },
        }
    });
    let decoder = |ty: &Option<Type>| -> TokenStream {
        match ty {
            Some(ty) => {
                quote! { Some(|bytes: &[u8]| ::intercom_client_core::lenient::decode::<#ty>(bytes).map(|(_, m)| m)) }
            }
            None => quote! { None },
        }
    };
    let decoders = ops.iter().map(|op| {
        let id = op.id();
        let (success, error) = (decoder(&op.success), decoder(&op.error));
        quote! {
            ::intercom_client_core::ResponseDecoders { operation_id: #id, success: #success, error: #error },
        }
    });
    let round_trips = ops
        .iter()
        .filter_map(|op| Some((op, body_type_name(op.param("body")?)?)))
        .map(|(op, ident)| {
            let id = op.id();
            let ty = quote!(types::#ident);
            quote! {
                ::intercom_client_core::RequestRoundTrip {
                    operation_id: #id,
                    round_trip: |bytes: &[u8]| ::serde_json::from_slice::<#ty>(bytes).and_then(|body| ::serde_json::to_value(&body)),
                },
            }
        });
    quote! {
        /// Value of the `Intercom-Version` header every request of this module carries.
        pub const INTERCOM_VERSION: &str = #header;

        /// Every operation of this version, sorted by Rust method name.
        pub static OPERATIONS: &[::intercom_client_core::Operation] = &[#(#table)*];

        impl ClientHooks<::intercom_client_core::Transport> for Client {
            async fn exec(
                &self,
                mut request: reqwest::Request,
                info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                // Constants, so the name and value are checked at compile time
                // rather than on every call. (progenitor's own `api-version`
                // header is never built: see `codegen::syntax::passes::api_version_header`.)
                const NAME: reqwest::header::HeaderName =
                    reqwest::header::HeaderName::from_static("intercom-version");
                const VALUE: reqwest::header::HeaderValue =
                    reqwest::header::HeaderValue::from_static(INTERCOM_VERSION);
                request.headers_mut().insert(NAME, VALUE);
                let operation = ::intercom_client_core::Operation::find(OPERATIONS, info.operation_id);
                self.inner.execute(request, operation).await
            }
        }

        /// Decoders for each operation's success and error payloads, for
        /// checking recorded examples against the generated types.
        #[cfg(feature = "response-decoders")]
        #[doc(hidden)]
        pub static RESPONSE_DECODERS: &[::intercom_client_core::ResponseDecoders] = &[#(#decoders)*];

        /// Request body round trips of every operation with a typed body,
        /// for checking recorded request examples against the generated types.
        #[cfg(feature = "response-decoders")]
        #[doc(hidden)]
        pub static REQUEST_ROUND_TRIPS: &[::intercom_client_core::RequestRoundTrip] = &[#(#round_trips)*];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_types_of_mod_types_are_named_and_others_are_not() {
        let name = |ty: Type| body_type_name(&ty).map(ToString::to_string);
        assert_eq!(
            name(syn::parse_quote!(types::CreateTag)),
            Some("CreateTag".into())
        );
        assert_eq!(
            name(syn::parse_quote!(types::builder::CreateTag)),
            Some("CreateTag".into())
        );
        assert_eq!(
            name(syn::parse_quote!(::serde_json::Map<String, Value>)),
            None
        );
        assert_eq!(name(syn::parse_quote!(::std::vec::Vec<types::Tag>)), None);
    }
}
