//! The API surface snapshot of a generated module: one line per operation
//! (its grouped call and flat method, what it takes and returns, how it
//! pages), the
//! operations the spec stage dropped, and how this version covers the
//! official SDKs' paginated operations. Rendered from the operations the
//! index read ([`crate::syntax::index::operations`]).

use syn::Type;

use crate::model::{Dropped, NameSource, Paging, template_shape};
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
        "{} {} {} -> {} [{}] = {}({}) -> {} ! {}",
        op.id(),
        op.method(),
        op.path(),
        op.spec.call,
        source_mark(op.spec.call.source),
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

/// How a surface line says who named the grouped call.
fn source_mark(source: NameSource) -> &'static str {
    match source {
        NameSource::Fern => "sdk",
        NameSource::Tag => "tag",
        NameSource::Pinned => "pinned",
    }
}

/// One operation as a surface line gives it: id, method, path, grouped call
/// and who named it.
struct Line<'a> {
    id: &'a str,
    call: &'a str,
    source: &'a str,
}

/// The operation lines of a surface.
fn lines(surface: &str) -> Vec<Line<'_>> {
    surface
        .lines()
        .filter_map(|l| {
            let (head, rest) = l.split_once(" -> ")?;
            let (call, rest) = rest.split_once(" [")?;
            let (source, _) = rest.split_once("] = ")?;
            let id = head.split(' ').next()?;
            Some(Line { id, call, source })
        })
        .collect()
}

/// The README's table of grouped calls per version, from each version's
/// surface text (`(version, surface)`, oldest first).
pub fn calls_table(surfaces: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "| version | operations | groups | named by Intercom's SDK names | named by tag | pinned |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for (version, surface) in surfaces {
        let lines = lines(surface);
        let groups: std::collections::BTreeSet<&str> = lines
            .iter()
            .filter_map(|l| l.call.split('.').next())
            .collect();
        let by = |mark: NameSource| {
            lines
                .iter()
                .filter(|l| l.source == source_mark(mark))
                .count()
        };
        out.push_str(&format!(
            "| {version} | {} | {} | {} | {} | {} |\n",
            lines.len(),
            groups.len(),
            by(NameSource::Fern),
            by(NameSource::Tag),
            by(NameSource::Pinned),
        ));
    }
    out
}

/// `listCalls` → `list_calls`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The README's parity table: each method of Intercom's official Node SDK
/// (`sdk`: lines `<group path> <method>`, `#` comments) against the grouped
/// calls of the same API version's surface.
pub fn parity_table(sdk: &str, surface: &str) -> String {
    let ours = lines(surface);
    let (mut same, mut renamed, mut missing) = (0, Vec::new(), Vec::new());
    let methods: Vec<(&str, &str)> = sdk
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .collect();
    for (group, method) in &methods {
        let groups: Vec<String> = group.split('.').map(snake).collect();
        let name = format!("{}.{}", groups.join("."), snake(method));
        if ours.iter().any(|l| l.call == name) {
            same += 1;
        } else if let Some(l) = ours.iter().find(|l| snake(l.id) == snake(method)) {
            renamed.push(format!("`{name}` → `{}`", l.call));
        } else {
            missing.push(format!("`{name}`"));
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "—".to_owned()
        } else {
            v.join(", ")
        }
    };
    format!(
        "| Node SDK methods | same group and method here | same operation (its `operationId`), named otherwise here | no operation of that name here | our operations |\n| --- | --- | --- | --- | --- |\n| {} | {same} | {} | {} | {} |\n\nNamed otherwise here: {}.\n\nNo operation of that name here: {}.\n",
        methods.len(),
        renamed.len(),
        missing.len(),
        ours.len(),
        list(&renamed),
        list(&missing),
    )
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
    fn calls_and_parity_tables_read_the_surface() {
        let surface = "# Intercom API 2.14: 3 operations\n\
            listTags GET /tags -> tags.list [sdk] = list_tags() -> TagList ! Error\n\
            listCalls GET /calls -> calls.list [tag] = list_calls() -> CallList ! Error\n\
            findVersion GET /a/{}/v/{} -> articles.retrieve_version [pinned] = find_version() -> V ! Error\n";
        assert_eq!(
            calls_table(&[("2.14", surface)]).lines().last(),
            Some("| 2.14 | 3 | 3 | 1 | 1 | 1 |")
        );
        let sdk = "# from reference.md\ntags list\ncalls listCalls\nhelpCenters.collections list\n";
        let table = parity_table(sdk, surface);
        assert!(table.contains("| 3 | 1 | 1 | 1 | 3 |"), "{table}");
        assert!(
            table.contains("`calls.list_calls` → `calls.list`"),
            "{table}"
        );
        assert!(table.contains("`help_centers.collections.list`"), "{table}");
    }

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
                call: crate::model::CallName::parse(
                    "contacts.list",
                    crate::model::NameSource::Fern,
                ),
            },
        )]);
        let ops = operations(&Index::new(&file), &spec).unwrap();
        assert_eq!(ops.len(), 1);
        assert_eq!(
            line(&ops[0]),
            "ListContacts GET /contacts -> contacts.list [sdk] = list_contacts(per_page: Option<i64>, email: String) -> ContactList ! Error"
        );
        assert!(
            operations(&Index::new(&file), &SpecOperations::new())
                .unwrap_err()
                .contains("not in the spec")
        );
    }
}
