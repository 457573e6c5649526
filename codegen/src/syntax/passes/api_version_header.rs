//! progenitor's `api-version` request header, removed where it is built.
//!
//! progenitor stamps every request with `api-version: <info.version>`. Intercom
//! reads only `Intercom-Version` (the execution hook sets it), so the header is
//! noise on the wire. Removing it in the hook cost every call a header map
//! (two allocations), a merge into the request's headers, and a parse and a
//! hash of the name to remove it again. This post-pass deletes the statement
//! that appends it in each builder's `send()` and shrinks the map's capacity to
//! match, so an operation without header parameters builds no map at all.

use syn::visit_mut::VisitMut;
use syn::{Expr, Lit, Stmt};

use crate::syntax::index::send_fns_mut;

/// Whether `stmt` is `header_map.append(<…>::from_static("api-version"), …);`.
fn appends_api_version(stmt: &Stmt) -> bool {
    let Stmt::Expr(Expr::MethodCall(call), Some(_)) = stmt else {
        return false;
    };
    let Some(Expr::Call(name)) = call.args.first() else {
        return false;
    };
    call.method == "append"
        && matches!(&*call.receiver, Expr::Path(p) if p.path.is_ident("header_map"))
        && matches!(name.args.first(), Some(Expr::Lit(l)) if matches!(&l.lit, Lit::Str(s) if s.value() == "api-version"))
}

/// Lowers `HeaderMap::with_capacity(N)` in `let mut header_map = …` by one.
struct Shrink;

impl VisitMut for Shrink {
    fn visit_local_mut(&mut self, local: &mut syn::Local) {
        let syn::Pat::Ident(pat) = &mut local.pat else {
            return;
        };
        if pat.ident != "header_map" {
            return;
        }
        let Some(init) = &mut local.init else { return };
        let Expr::Call(call) = &mut *init.expr else {
            return;
        };
        let is_with_capacity = matches!(&*call.func, Expr::Path(p)
            if p.path.segments.last().is_some_and(|s| s.ident == "with_capacity"));
        if let (true, Some(Expr::Lit(lit))) = (is_with_capacity, call.args.first_mut())
            && let Lit::Int(n) = &lit.lit
            && let Ok(n) = n.base10_parse::<usize>()
        {
            let n = n.saturating_sub(1);
            lit.lit = syn::parse_quote!(#n);
            // progenitor sizes the map to the headers it may append: none
            // are left to append.
            if n == 0 {
                pat.mutability = None;
            }
        }
    }
}

/// Removes progenitor's `api-version` header from every builder `send()`;
/// returns how many operations built it.
pub fn drop_api_version_header(file: &mut syn::File) -> usize {
    let mut count = 0;
    for f in send_fns_mut(file) {
        let before = f.block.stmts.len();
        f.block.stmts.retain(|s| !appends_api_version(s));
        if f.block.stmts.len() < before {
            count += 1;
            Shrink.visit_block_mut(&mut f.block);
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn send_with(headers: proc_macro2::TokenStream, capacity: usize) -> syn::File {
        syn::parse_quote! {
            pub mod builder {
                impl<'a> GetThing<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::Thing>, Error<()>> {
                        let mut header_map = ::reqwest::header::HeaderMap::with_capacity(#capacity);
                        header_map
                            .append(
                                ::reqwest::header::HeaderName::from_static("api-version"),
                                ::reqwest::header::HeaderValue::from_static(super::Client::api_version()),
                            );
                        #headers
                        let request = client.client.get(url).headers(header_map).build()?;
                        todo!()
                    }
                }
            }
        }
    }

    #[test]
    fn the_api_version_header_is_not_built() {
        let mut file = send_with(quote::quote!(), 1usize);
        assert_eq!(drop_api_version_header(&mut file), 1);
        let code = file.to_token_stream().to_string();
        assert!(!code.contains("api-version"), "{code}");
        assert!(
            code.contains(
                "let header_map = :: reqwest :: header :: HeaderMap :: with_capacity (0usize)"
            ),
            "{code}"
        );
        // A second run finds nothing to do.
        assert_eq!(drop_api_version_header(&mut file), 0);
        assert!(
            code.contains("HeaderMap :: with_capacity (0usize)"),
            "{code}"
        );
    }

    #[test]
    fn other_header_parameters_are_kept() {
        let mut file = send_with(
            quote::quote!(header_map.append("Accept", accept.to_string().try_into()?);),
            2usize,
        );
        assert_eq!(drop_api_version_header(&mut file), 1);
        let code = file.to_token_stream().to_string();
        assert!(!code.contains("api-version"), "{code}");
        assert!(code.contains("header_map . append (\"Accept\""), "{code}");
        assert!(
            code.contains(
                "let mut header_map = :: reqwest :: header :: HeaderMap :: with_capacity (1usize)"
            ),
            "{code}"
        );
    }
}
