//! Drives progenitor and adds what every generated module needs on top: the
//! version constant, the operation table, the hook that sends every request
//! through the shared transport, and (for tests) response decoders.

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::TokenStream;
use progenitor_impl::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use crate::Error;
use crate::surface::Operation;

/// Runs progenitor over a normalised spec.
pub fn progenitor(spec: &openapiv3::OpenAPI) -> Result<(TokenStream, usize), Error> {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(::generated::Transport));
    let mut generator = Generator::new(&settings);
    // progenitor reports some unsupported constructs by panicking; turn that
    // into an error naming the cause rather than aborting the build script.
    let tokens = catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(spec)))
        .map_err(|panic| {
            Error::Generate(format!(
                "progenitor panicked: {}",
                crate::panic_message(panic.as_ref())
            ))
        })?
        .map_err(|e| Error::Generate(e.to_string()))?;
    let types = generator.get_type_space().iter_types().count();
    Ok((tokens, types))
}

/// Items appended to every generated module.
pub fn runtime_items(header: &str, ops: &[Operation]) -> Result<TokenStream, Error> {
    let mut by_name: Vec<&Operation> = ops.iter().collect();
    by_name.sort_by(|a, b| a.rust_name.cmp(&b.rust_name));
    let table = by_name.iter().map(|op| {
        let (id, method, path, name) = (&op.operation_id, &op.method, &op.path, &op.rust_name);
        quote! {
            ::generated::Operation { id: #id, method: #method, path: #path, rust_name: #name, version: INTERCOM_VERSION },
        }
    });
    let decoder = |ty: &Option<String>| -> Result<TokenStream, Error> {
        Ok(match ty {
            Some(ty) => {
                let ty: syn::Type =
                    syn::parse_str(ty).map_err(|e| Error::Generate(e.to_string()))?;
                quote! { Some(|bytes: &[u8]| ::generated::lenient::decode::<#ty>(bytes).map(|(_, m)| m)) }
            }
            None => quote! { None },
        })
    };
    let decoders = ops
        .iter()
        .map(|op| {
            let id = &op.operation_id;
            let (success, error) = (decoder(&op.success)?, decoder(&op.error)?);
            Ok(quote! {
                ::generated::ResponseDecoders { operation_id: #id, success: #success, error: #error },
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let round_trips = ops
        .iter()
        .filter_map(|op| {
            let ty = &op.params.iter().find(|(name, _)| name == "body")?.1;
            Some((op, ty))
        })
        // The surface names a body type of `mod types` by its bare name
        // (a body builder's as `builder::X`); other bodies (free-form maps)
        // keep every field by construction.
        .filter_map(|(op, ty)| {
            let name = ty.strip_prefix("builder::").unwrap_or(ty);
            syn::parse_str::<syn::Ident>(name).ok().map(|ident| (op, ident))
        })
        .map(|(op, ident)| {
            let id = &op.operation_id;
            let ty = quote!(types::#ident);
            Ok::<_, Error>(quote! {
                ::generated::RequestRoundTrip {
                    operation_id: #id,
                    round_trip: |bytes: &[u8]| ::serde_json::from_slice::<#ty>(bytes).and_then(|body| ::serde_json::to_value(&body)),
                },
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(quote! {
        /// Value of the `Intercom-Version` header every request of this module carries.
        pub const INTERCOM_VERSION: &str = #header;

        /// Every operation of this version, sorted by Rust method name.
        pub static OPERATIONS: &[::generated::Operation] = &[#(#table)*];

        impl ClientHooks<::generated::Transport> for Client {
            async fn exec(
                &self,
                mut request: reqwest::Request,
                info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                // Constants, so the name and value are checked at compile time
                // rather than on every call. (progenitor's own `api-version`
                // header is never built: see `codegen::api_version_header`.)
                const NAME: reqwest::header::HeaderName =
                    reqwest::header::HeaderName::from_static("intercom-version");
                const VALUE: reqwest::header::HeaderValue =
                    reqwest::header::HeaderValue::from_static(INTERCOM_VERSION);
                request.headers_mut().insert(NAME, VALUE);
                let operation = ::generated::Operation::find(OPERATIONS, info.operation_id);
                self.inner.execute(request, operation).await
            }
        }

        /// Decoders for each operation's success and error payloads, for
        /// checking recorded examples against the generated types.
        #[cfg(feature = "response-decoders")]
        #[doc(hidden)]
        pub static RESPONSE_DECODERS: &[::generated::ResponseDecoders] = &[#(#decoders)*];

        /// Request body round trips of every operation with a typed body,
        /// for checking recorded request examples against the generated types.
        #[cfg(feature = "response-decoders")]
        #[doc(hidden)]
        pub static REQUEST_ROUND_TRIPS: &[::generated::RequestRoundTrip] = &[#(#round_trips)*];
    })
}
