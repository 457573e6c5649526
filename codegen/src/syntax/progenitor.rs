//! Drives progenitor: the normalised spec in (as `openapiv3`'s typed
//! document), progenitor's builder-style client out, as tokens. What its
//! output looks like is known in one place only, [`crate::syntax::index`].

use std::panic::{AssertUnwindSafe, catch_unwind};

use proc_macro2::TokenStream;
use progenitor_impl::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;

use crate::error::Error;

/// Runs progenitor over a normalised spec.
pub fn progenitor(spec: &openapiv3::OpenAPI) -> Result<(TokenStream, usize), Error> {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote!(::intercom_client_core::Transport));
    let mut generator = Generator::new(&settings);
    // progenitor reports some unsupported constructs by panicking; turn that
    // into an error naming the cause rather than aborting the build script.
    let tokens = catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(spec)))
        .map_err(|panic| {
            Error::Generate(format!(
                "progenitor panicked: {}",
                crate::error::panic_message(panic.as_ref())
            ))
        })?
        .map_err(|e| Error::Generate(e.to_string()))?;
    let types = generator.get_type_space().iter_types().count();
    Ok((tokens, types))
}
