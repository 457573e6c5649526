//! The API surface snapshot of a generated module: one line per operation
//! (what it is called, what it takes and returns, how it pages), the
//! operations the spec stage dropped, and how this version covers the
//! official SDKs' paginated operations. Rendered from the operations the
//! index read ([`crate::syntax::index::operations`]).

use syn::Type;

use crate::model::{Dropped, Paging, template_shape};
use crate::syntax::operation::Operation;
use crate::syntax::syn_util::type_text;

/// One compact line of the snapshot for an operation.
pub fn line(op: &Operation) -> String {
    let params = op
        .params
        .iter()
        .map(|(n, t)| format!("{n}: {}", type_text(t)))
        .collect::<Vec<_>>()
        .join(", ");
    let show = |t: &Option<Type>| t.as_ref().map_or("()".to_owned(), type_text);
    let mut line = format!(
        "{} {} {} -> {}({}) -> {} ! {}",
        op.id(),
        op.method(),
        op.path(),
        op.rust_name,
        params,
        show(&op.success),
        show(&op.error)
    );
    if op.paging != Paging::None {
        line.push_str(&format!(" | {}", op.paging));
    }
    line
}

/// The snapshot text: a header and one line per operation.
pub fn render(
    version: &str,
    ops: &[Operation],
    dropped: &[Dropped],
    sdk_paginated: &[(String, String)],
) -> String {
    let mut s = format!("# Intercom API {version}: {} operations\n", ops.len());
    for op in ops {
        s.push_str(&line(op));
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
        let shape = template_shape(path);
        let op = ops
            .iter()
            .find(|op| op.method() == method && op.spec.route.shape() == shape);
        let verdict = match op {
            None => "not in this version".to_owned(),
            Some(op) if matches!(op.paging, Paging::Paginated(_)) => {
                format!("{} paginated", op.id())
            }
            Some(op) => format!("{} NOT paginated", op.id()),
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
    use crate::model::{Route, SpecOperation, SpecOperations};
    use crate::syntax::index::{Index, operations};
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
        let route = Route::new("GET", "/contacts");
        let spec = SpecOperations::from([(
            route.clone(),
            SpecOperation {
                id: "ListContacts".into(),
                route,
                params: vec![],
                paging: Paging::None,
            },
        )]);
        let ops = operations(&Index::new(&file), &spec).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(
            line(&ops[0]),
            "ListContacts GET /contacts -> list_contacts(per_page: Option<i64>, email: String) -> ContactList ! Error"
        );
        assert!(
            operations(&Index::new(&file), &SpecOperations::new())
                .unwrap_err()
                .contains("not in the spec")
        );
    }
}
