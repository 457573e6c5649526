//! Names the operation in decode failures.
//!
//! progenitor decodes a response inside each builder's `send()`, after the
//! execution hook has returned, so the hook cannot say which operation's
//! payload failed to decode. This post-pass wraps the final `match` of every
//! `send()` in `generated::with_operation(…)`, which adds the operation to a
//! decode error's message (and to [`generated::decode_operation`]'s answer).

use syn::{Expr, ImplItem, Item, Stmt};

/// Wraps each builder `send()`'s result; returns how many were wrapped.
pub fn name_operations_in_decode_errors(file: &mut syn::File) -> usize {
    let mut count = 0;
    for item in &mut file.items {
        let Item::Mod(m) = item else { continue };
        if m.ident != "builder" {
            continue;
        }
        let Some((_, items)) = m.content.as_mut() else {
            continue;
        };
        for item in items {
            let Item::Impl(imp) = item else { continue };
            for it in &mut imp.items {
                if let ImplItem::Fn(f) = it
                    && f.sig.ident == "send"
                    && f.sig.asyncness.is_some()
                    && let Some(Stmt::Expr(last, None)) = f.block.stmts.last_mut()
                    && matches!(last, Expr::Match(_))
                {
                    let inner = last.clone();
                    *last = syn::parse_quote! {
                        ::generated::with_operation(#inner, super::OPERATIONS, info.operation_id)
                    };
                    count += 1;
                }
            }
        }
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
            code.contains(":: generated :: with_operation (match response . status ()"),
            "{code}"
        );
        // Idempotent on what it produced: the wrapped call is not a `match`.
        assert_eq!(name_operations_in_decode_errors(&mut file), 0);
    }
}
