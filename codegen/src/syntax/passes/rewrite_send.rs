//! Decoding in each builder's `send()`: lenient, and naming its operation.
//!
//! progenitor decodes a response inside each builder's `send()`, after the
//! execution hook has returned, so the hook cannot say which operation's
//! payload failed to decode. This post-pass
//! - makes every `ResponseValue::from_response(response)` a
//!   `intercom_client_core::decode_response(response, info.operation_id)`, which decodes
//!   leniently (a misfit field never fails the call) and hands the raw body to
//!   a capturing caller, and
//! - wraps the final `match` of every `send()` in
//!   `intercom_client_core::with_operation(…)`, which adds the operation to a decode
//!   error's message (and to `intercom_client_core::decode_operation`'s answer), and
//! - passes every response that leaves `send()` with its body still to be
//!   read (`Error::UnexpectedResponse(response)`,
//!   `ResponseValue::stream(response)`) through `intercom_client_core::body::restore`,
//!   which puts back a body the runtime already read, and
//! - makes every `send()` return `::intercom_client_core::Error`, the one
//!   error type of every call, instead of progenitor's `Error<E>`: the body
//!   progenitor wrote runs unchanged in an `async` block typed with its old
//!   result, and its error is converted (`From<progenitor_client::Error<E>>`).

use syn::visit_mut::VisitMut;
use syn::{Expr, Stmt};

use crate::syntax::index::send_fns_mut;
use crate::syntax::syn_util::generic_args;

/// Rewrites progenitor's strict decode calls into the lenient one.
struct Lenient {
    count: usize,
}

/// Whether `call` is `ty::function(…)` with one argument.
fn calls(call: &syn::ExprCall, ty: &str, function: &str) -> bool {
    matches!(&*call.func, Expr::Path(p)
        if p.qself.is_none()
            && p.path.segments.len() == 2
            && p.path.segments[0].ident == ty
            && p.path.segments[1].ident == function)
        && call.args.len() == 1
}

impl VisitMut for Lenient {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        if calls(call, "ResponseValue", "from_response") {
            *call.func = syn::parse_quote!(::intercom_client_core::decode_response);
            call.args.push(syn::parse_quote!(info.operation_id));
            self.count += 1;
        }
    }
}

/// Makes each builder `send()` decode through `intercom_client_core::decode_response`;
/// returns how many decode calls were rewritten.
pub fn decode_leniently(file: &mut syn::File) -> usize {
    let mut lenient = Lenient { count: 0 };
    for f in send_fns_mut(file) {
        lenient.visit_block_mut(&mut f.block);
    }
    lenient.count
}

/// Wraps the response in the calls that hand it on unread.
struct Restore {
    count: usize,
}

impl VisitMut for Restore {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let hands_on =
            calls(call, "Error", "UnexpectedResponse") || calls(call, "ResponseValue", "stream");
        if hands_on && matches!(&call.args[0], Expr::Path(a) if a.path.is_ident("response")) {
            call.args[0] = syn::parse_quote!(::intercom_client_core::body::restore(response));
            self.count += 1;
        }
    }
}

/// Makes each builder `send()` restore a buffered body before it hands a
/// response on unread; returns how many places were rewritten.
pub fn restore_bodies_handed_on(file: &mut syn::File) -> usize {
    let mut restore = Restore { count: 0 };
    for f in send_fns_mut(file) {
        restore.visit_block_mut(&mut f.block);
    }
    restore.count
}

/// Wraps each builder `send()`'s result; returns how many were wrapped.
pub fn name_operations_in_decode_errors(file: &mut syn::File) -> usize {
    let mut count = 0;
    for f in send_fns_mut(file) {
        if let Some(Stmt::Expr(last, None)) = f.block.stmts.last_mut()
            && matches!(last, Expr::Match(_))
        {
            let inner = last.clone();
            *last = syn::parse_quote! {
                ::intercom_client_core::with_operation(#inner, super::OPERATIONS, info.operation_id)
            };
            count += 1;
        }
    }
    count
}

/// The one error type every generated `send()` returns.
fn one_error() -> syn::Type {
    syn::parse_quote!(::intercom_client_core::Error)
}

/// Makes each builder `send()` return `::intercom_client_core::Error`:
/// `-> Result<ResponseValue<T>, Error<E>>` becomes
/// `-> Result<ResponseValue<T>, ::intercom_client_core::Error>`, and the body
/// becomes `let result: <old type> = async move { <old body> }.await;
/// result.map_err(::intercom_client_core::Error::from)`. Runs after the other
/// `send()` passes, which read the body's own statements. Returns how many
/// `send()`s were rewritten; a `send()` already returning the one error type
/// is left alone.
pub fn return_one_error_type(file: &mut syn::File) -> usize {
    let one = one_error();
    let mut count = 0;
    for f in send_fns_mut(file) {
        let syn::ReturnType::Type(_, ty) = &f.sig.output else {
            continue;
        };
        let old: syn::Type = (**ty).clone();
        let Some(&[ok, error]) = generic_args(&old, "Result").as_deref() else {
            continue;
        };
        // progenitor's `Error<E>`: its last segment, with a type argument.
        if generic_args(error, "Error").is_none_or(|a| a.len() != 1) {
            continue;
        }
        let new: syn::Type = syn::parse_quote!(Result<#ok, #one>);
        let block = &f.block;
        let body: syn::Block = syn::parse_quote!({
            let result: #old = async move #block.await;
            result.map_err(#one::from)
        });
        f.sig.output = syn::parse_quote!(-> #new);
        f.block = body;
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    #[test]
    fn wraps_the_final_match_of_each_send() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> ListTags<'a> {
                    pub fn new() -> Self { todo!() }
                    pub async fn send(self) -> Result<ResponseValue<types::TagList>, Error<types::Error>> {
                        let info = OperationInfo { operation_id: "list_tags" };
                        let response = result?;
                        match response.status().as_u16() {
                            200u16 => ResponseValue::from_response(response).await,
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
        };
        assert_eq!(name_operations_in_decode_errors(&mut file), 1);
        let code = file.to_token_stream().to_string();
        assert!(
            code.contains(":: intercom_client_core :: with_operation (match response . status ()"),
            "{code}"
        );
        // Idempotent on what it produced: the wrapped call is not a `match`.
        assert_eq!(name_operations_in_decode_errors(&mut file), 0);
    }

    #[test]
    fn responses_handed_on_unread_get_their_body_back() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> GetRecording<'a> {
                    pub fn new() -> Self { Error::UnexpectedResponse(response) }
                    pub async fn send(self) -> Result<ResponseValue<ByteStream>, Error<()>> {
                        let response = result?;
                        match response.status().as_u16() {
                            200u16 => Ok(ResponseValue::stream(response)),
                            204u16 => Ok(ResponseValue::empty(response)),
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
        };
        assert_eq!(restore_bodies_handed_on(&mut file), 2);
        let code = file.to_token_stream().to_string();
        for rewritten in [
            "ResponseValue :: stream (:: intercom_client_core :: body :: restore (response))",
            "Error :: UnexpectedResponse (:: intercom_client_core :: body :: restore (response))",
            // An empty response's body is never read; outside `send()`
            // nothing is rewritten.
            "ResponseValue :: empty (response)",
            "Self { Error :: UnexpectedResponse (response) }",
        ] {
            assert!(code.contains(rewritten), "{rewritten}: {code}");
        }
        // Idempotent: the argument is no longer the bare `response`.
        assert_eq!(restore_bodies_handed_on(&mut file), 0);
    }

    #[test]
    fn every_send_returns_the_one_error_type() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> ListTags<'a> {
                    pub async fn new(self) -> Result<ResponseValue<types::TagList>, Error<types::Error>> { todo!() }
                    pub async fn send(self) -> Result<ResponseValue<types::TagList>, Error<types::Error>> {
                        let response = result?;
                        match response.status().as_u16() {
                            200u16 => ResponseValue::from_response(response).await,
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
                impl<'a> DeleteTag<'a> {
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                        Ok(ResponseValue::empty(result?))
                    }
                }
            }
        };
        assert_eq!(return_one_error_type(&mut file), 2);
        let code = file.to_token_stream().to_string();
        for rewritten in [
            "pub async fn send (self) -> Result < ResponseValue < types :: TagList > , :: intercom_client_core :: Error > { \
             let result : Result < ResponseValue < types :: TagList > , Error < types :: Error > > = async move { \
             let response = result ? ; match response . status () . as_u16 ()",
            "} } . await ; result . map_err (:: intercom_client_core :: Error :: from) }",
            "pub async fn send (self) -> Result < ResponseValue < () > , :: intercom_client_core :: Error > { \
             let result : Result < ResponseValue < () > , Error < () > > = async move { Ok (ResponseValue :: empty (result ?)) } . await ; \
             result . map_err (:: intercom_client_core :: Error :: from) }",
            // Only `send()`.
            "pub async fn new (self) -> Result < ResponseValue < types :: TagList > , Error < types :: Error > > { todo ! () }",
        ] {
            assert!(code.contains(rewritten), "{rewritten}\n{code}");
        }
        // Idempotent: a `send()` that returns the one error type is left alone.
        assert_eq!(return_one_error_type(&mut file), 0);
    }

    #[test]
    fn every_decode_in_send_becomes_the_lenient_one() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> ListTags<'a> {
                    pub fn new() -> Self { ResponseValue::from_response(elsewhere) }
                    pub async fn send(self) -> Result<ResponseValue<types::TagList>, Error<types::Error>> {
                        let info = OperationInfo { operation_id: "list_tags" };
                        let response = result?;
                        match response.status().as_u16() {
                            200u16 => ResponseValue::from_response(response).await,
                            401u16 => Err(Error::ErrorResponse(ResponseValue::from_response(response).await?)),
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
        };
        assert_eq!(decode_leniently(&mut file), 2);
        let code = file.to_token_stream().to_string();
        assert_eq!(
            code.matches(
                ":: intercom_client_core :: decode_response (response , info . operation_id)"
            )
            .count(),
            2,
            "{code}"
        );
        // Only `send()` is rewritten, and a second run finds nothing to do.
        assert!(
            code.contains("ResponseValue :: from_response (elsewhere)"),
            "{code}"
        );
        assert_eq!(decode_leniently(&mut file), 0);
    }
}
