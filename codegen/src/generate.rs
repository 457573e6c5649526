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
                let headers = request.headers_mut();
                // progenitor stamps every request with `api-version: <info.version>`;
                // Intercom reads `Intercom-Version` only.
                headers.remove("api-version");
                headers.insert(
                    reqwest::header::HeaderName::from_static("intercom-version"),
                    reqwest::header::HeaderValue::from_static(INTERCOM_VERSION),
                );
                let operation = ::generated::Operation::find(OPERATIONS, info.operation_id);
                self.inner.execute(request, operation).await
            }
        }

        /// Decoders for each operation's success and error payloads, for
        /// checking recorded examples against the generated types.
        #[cfg(feature = "response-decoders")]
        #[doc(hidden)]
        pub static RESPONSE_DECODERS: &[::generated::ResponseDecoders] = &[#(#decoders)*];
    })
}
