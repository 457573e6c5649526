//! The API surface of a generated module, read back from its syntax tree: what
//! each operation is called, what it takes and what it returns. It feeds the
//! per-version snapshot, the operation table and the example decoders.

use std::collections::BTreeMap;

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, ReturnType, Type};

/// One generated operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The spec's `operationId`.
    pub operation_id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// The `Client` method that starts the request builder.
    pub rust_name: String,
    /// Builder struct name.
    pub builder: String,
    /// Parameters (path, query, body) and their Rust types, in builder order.
    pub params: Vec<(String, String)>,
    /// Success payload type as Rust tokens (`None` for no body or a raw stream).
    pub success: Option<String>,
    /// Error payload type as Rust tokens (`None` for no body or a raw stream).
    pub error: Option<String>,
    /// How the operation pages, if it is a list.
    pub paging: crate::pagination::Paging,
}

impl Operation {
    /// One compact line for the snapshot.
    pub fn line(&self) -> String {
        let params = self
            .params
            .iter()
            .map(|(n, t)| format!("{n}: {t}"))
            .collect::<Vec<_>>()
            .join(", ");
        let show = |t: &Option<String>| t.as_deref().map_or("()".to_owned(), tidy);
        let mut line = format!(
            "{} {} {} -> {}({}) -> {} ! {}",
            self.operation_id,
            self.method,
            self.path,
            self.rust_name,
            params,
            show(&self.success),
            show(&self.error)
        );
        if self.paging != crate::pagination::Paging::None {
            line.push_str(&format!(" | {}", self.paging));
        }
        line
    }
}

/// Compact, stable rendering of a Rust type for humans.
pub fn type_text(ty: &Type) -> String {
    tidy(&ty.to_token_stream().to_string())
}

/// Tidies token text of a type (`:: std :: string :: String` → `String`).
fn tidy(raw: &str) -> String {
    let mut s = raw
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" < ", "<")
        .replace(" <", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace("& '", "&'");
    for prefix in [
        "::std::string::",
        "::std::vec::",
        "::std::option::",
        "::std::collections::",
        "::serde_json::",
        "::chrono::",
        "super::",
        "types::",
    ] {
        s = s.replace(prefix, "");
    }
    s.trim_start_matches("::").to_owned()
}

/// The type arguments of `ty` if it is `outer<…>` (by last path segment).
pub(crate) fn generic_args<'a>(ty: &'a Type, outer: &str) -> Option<Vec<&'a Type>> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != outer {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
    )
}

/// A payload type worth decoding: not `()` and not a raw byte stream.
fn payload(ty: Option<&Type>) -> Option<String> {
    let ty = ty?;
    match ty {
        Type::Tuple(t) if t.elems.is_empty() => None,
        Type::Path(p)
            if p.path
                .segments
                .last()
                .is_some_and(|s| s.ident == "ByteStream") =>
        {
            None
        }
        _ => Some(ty.to_token_stream().to_string()),
    }
}

fn operation_id_in(tokens: &str) -> Option<String> {
    let at = tokens.find("operation_id : \"")? + "operation_id : \"".len();
    let rest = &tokens[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// Reads every operation out of a generated (builder-style) module.
/// `routes` maps `(METHOD, path)` to the spec's `operationId`.
pub fn operations(
    index: &crate::index::Index<'_>,
    routes: &BTreeMap<(String, String), String>,
) -> Result<Vec<Operation>, String> {
    let mut out = Vec::new();
    for (builder, b) in index.builders() {
        let Some(f) = b.send() else { continue };
        let body = f.block.to_token_stream().to_string();
        let rust_name = operation_id_in(&body)
            .ok_or_else(|| format!("builder `{builder}`: no operation id in send()"))?;
        if b.starter.as_ref() != Some(&rust_name) {
            return Err(format!(
                "builder `{builder}` is not started by `Client::{rust_name}`"
            ));
        }
        let (method, path) = send_route(&f.attrs)
            .ok_or_else(|| format!("`{builder}::send` does not document its route"))?;
        let operation_id = routes
            .get(&(method.clone(), path.clone()))
            .cloned()
            .ok_or_else(|| format!("operation `{method} {path}` is not in the spec"))?;
        let ReturnType::Type(_, ret) = &f.sig.output else {
            return Err(format!("`{builder}::send` returns nothing"));
        };
        let [ok, err] = generic_args(ret, "Result").unwrap_or_default()[..] else {
            return Err(format!("`{builder}::send` does not return a Result"));
        };
        let success = payload(generic_args(ok, "ResponseValue").and_then(|a| a.first().copied()));
        let error = payload(generic_args(err, "Error").and_then(|a| a.first().copied()));
        out.push(Operation {
            operation_id,
            method,
            path,
            rust_name,
            params: b
                .params()
                .into_iter()
                .map(|(name, ty)| (name, type_text(ty)))
                .collect(),
            builder: builder.to_owned(),
            success,
            error,
            paging: crate::pagination::Paging::None,
        });
    }
    out.sort_by(|a, b| a.operation_id.cmp(&b.operation_id));
    Ok(out)
}

/// `(METHOD, path)` from progenitor's "Sends a `GET` request to `/x`" doc.
fn send_route(attrs: &[syn::Attribute]) -> Option<(String, String)> {
    attrs.iter().find_map(|a| {
        let syn::Meta::NameValue(nv) = &a.meta else {
            return None;
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &nv.value
        else {
            return None;
        };
        let doc = s.value();
        let rest = doc.trim().strip_prefix("Sends a `")?;
        let (method, rest) = rest.split_once("` request to `")?;
        let path = rest.strip_suffix('`')?;
        Some((method.to_owned(), path.to_owned()))
    })
}

/// The snapshot text: a header and one line per operation.
pub fn render(
    version: &str,
    ops: &[Operation],
    dropped: &[crate::normalise::Dropped],
    sdk_paginated: &[(String, String)],
) -> String {
    let mut s = format!("# Intercom API {version}: {} operations\n", ops.len());
    for op in ops {
        s.push_str(&op.line());
        s.push('\n');
    }
    for d in dropped {
        s.push_str(&format!(
            "DROPPED {} {} {}: {}\n",
            d.operation_id, d.method, d.path, d.reason
        ));
    }
    s.push_str(&sdk_pagination(ops, sdk_paginated));
    s
}

/// Prefix of the surface lines that say how this version pages each
/// operation Intercom's official SDKs paginate.
pub const SDK_PAGINATED: &str = "SDK-PAGINATED";

/// One line per operation the official SDKs paginate (`x-fern-pagination`
/// in Intercom's override files): whether this version paginates it too.
pub fn sdk_pagination(ops: &[Operation], sdk_paginated: &[(String, String)]) -> String {
    let mut s = String::new();
    for (method, path) in sdk_paginated {
        let shape = crate::overrides::template_shape(path);
        let op = ops
            .iter()
            .find(|op| op.method == *method && crate::overrides::template_shape(&op.path) == shape);
        let verdict = match op {
            None => "not in this version".to_owned(),
            Some(op) if matches!(op.paging, crate::pagination::Paging::Paginated(_)) => {
                format!("{} paginated", op.operation_id)
            }
            Some(op) => format!("{} NOT paginated", op.operation_id),
        };
        s.push_str(&format!("{SDK_PAGINATED} {method} {path}: {verdict}\n"));
    }
    s
}

/// The README's pagination table, from each version's surface text
/// (`(version, surface)`, oldest first): how many operations each version
/// paginates, and how many of those the official SDKs paginate it covers.
pub fn pagination_table(surfaces: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "| version | operations paginated | of the official SDKs' paginated operations in this version | not paginated here |\n| --- | --- | --- | --- |\n",
    );
    for (version, surface) in surfaces {
        let paginated = surface
            .lines()
            .filter(|l| l.contains(" | paginated: "))
            .count();
        let sdk: Vec<&str> = surface
            .lines()
            .filter_map(|l| l.strip_prefix(SDK_PAGINATED))
            .collect();
        let present: Vec<&&str> = sdk
            .iter()
            .filter(|l| !l.ends_with(": not in this version"))
            .collect();
        let missing: Vec<String> = present
            .iter()
            .filter(|l| l.ends_with(" NOT paginated"))
            .map(|l| {
                let route = l.trim().split(": ").next().unwrap_or_default();
                format!("`{route}`")
            })
            .collect();
        out.push_str(&format!(
            "| {version} | {paginated} | {} of {} | {} |\n",
            present.len() - missing.len(),
            present.len(),
            if missing.is_empty() {
                "—".to_owned()
            } else {
                missing.join(", ")
            }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_operations_from_builder_code() {
        let file: syn::File = syn::parse2(quote! {
            impl Client {
                pub fn list_contacts(&self) -> builder::ListContacts<'_> { builder::ListContacts::new(self) }
            }
            pub mod builder {
                pub struct ListContacts<'a> {
                    client: &'a super::Client,
                    per_page: Result<Option<i64>, String>,
                    email: Result<::std::string::String, String>,
                }
                impl<'a> ListContacts<'a> {
                    #[doc = "Sends a `GET` request to `/contacts`"]
                    pub async fn send(self) -> Result<ResponseValue<types::ContactList>, Error<types::Error>> {
                        let info = OperationInfo { operation_id: "list_contacts" };
                        todo!()
                    }
                }
            }
        })
        .unwrap();
        let routes = BTreeMap::from([(
            ("GET".to_owned(), "/contacts".to_owned()),
            "ListContacts".to_owned(),
        )]);
        let ops = operations(&crate::index::Index::new(&file), &routes).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(
            ops[0].line(),
            "ListContacts GET /contacts -> list_contacts(per_page: Option<i64>, email: String) -> ContactList ! Error"
        );
        assert!(
            operations(&crate::index::Index::new(&file), &BTreeMap::new())
                .unwrap_err()
                .contains("not in the spec")
        );
    }
}
