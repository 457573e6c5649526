//! The flat methods' rustdoc shows the grouped call. Fixes: progenitor's
//! example on every `Client` method (`client.show_contact().contact_id(…)`)
//! documents the flat name, so the grouped client would be the undocumented
//! path.

use syn::{ImplItem, Item};

use crate::syntax::operation::Operation;

/// The comparison key of a parameter name (progenitor snake-cases spec names).
fn key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The grouped call of `op` as a user writes it, path parameters as
/// arguments (`contacts().find(contact_id)`), and the builder setters those
/// arguments replace.
pub fn grouped_call(op: &Operation) -> (String, Vec<String>) {
    let path_params: Vec<String> = op
        .path()
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .filter_map(|name| {
            op.params
                .iter()
                .find(|(rust, _)| key(rust) == key(name))
                .map(|(rust, _)| rust.clone())
        })
        .collect();
    let groups: String = op
        .spec
        .call
        .groups
        .iter()
        .map(|g| format!("{g}()."))
        .collect();
    let call = format!(
        "{groups}{}({})",
        op.spec.call.method,
        path_params.join(", ")
    );
    (call, path_params)
}

/// Rewrites the example of one flat method's doc; whether it changed.
fn rewrite(doc: &str, op: &Operation) -> Option<String> {
    let flat = format!("```ignore\nlet response = client.{}()\n", op.rust_name);
    let at = doc.find(&flat)?;
    let (call, replaced) = grouped_call(op);
    let (head, rest) = doc.split_at(at);
    let rest = &rest[flat.len()..];
    let kept: Vec<&str> = rest
        .split_inclusive('\n')
        .filter(|line| {
            !replaced
                .iter()
                .any(|p| line.trim_end() == format!("    .{p}({p})"))
        })
        .collect();
    Some(format!(
        "{head}The same request through the grouped client:\n```ignore\nlet response = client.{call}\n{}",
        kept.concat()
    ))
}

/// Rewrites the example in each flat `Client` method's doc to the grouped
/// call; returns how many it rewrote.
pub fn document_grouped_calls(file: &mut syn::File, ops: &[Operation]) -> usize {
    let by_name: std::collections::BTreeMap<&str, &Operation> =
        ops.iter().map(|op| (op.rust_name.as_str(), op)).collect();
    let mut count = 0;
    for item in &mut file.items {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some()
            || !matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"))
        {
            continue;
        }
        for it in &mut imp.items {
            let ImplItem::Fn(f) = it else { continue };
            let Some(op) = by_name.get(f.sig.ident.to_string().as_str()) else {
                continue;
            };
            for attr in &mut f.attrs {
                let syn::Meta::NameValue(nv) = &mut attr.meta else {
                    continue;
                };
                if !nv.path.is_ident("doc") {
                    continue;
                }
                let syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = &mut nv.value
                else {
                    continue;
                };
                if let Some(doc) = rewrite(&s.value(), op) {
                    *s = syn::LitStr::new(&doc, s.span());
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
    use crate::model::{CallName, NameSource, Route};

    #[test]
    fn the_flat_example_becomes_the_grouped_call() {
        let mut op = Operation::for_test("showContact", None, None);
        op.rust_name = "show_contact".into();
        op.spec.route = Route::new("GET", "/contacts/{contact-id}");
        op.spec.call = CallName::parse("contacts.find", NameSource::Fern);
        op.params = vec![
            ("contact_id".into(), syn::parse_quote!(String)),
            ("include".into(), syn::parse_quote!(Option<bool>)),
        ];
        let mut file: syn::File = syn::parse_quote! {
            impl Client {
                #[doc = "Show a contact\n\n```ignore\nlet response = client.show_contact()\n    .contact_id(contact_id)\n    .include(include)\n    .send()\n    .await;\n```"]
                pub fn show_contact(&self) -> builder::ShowContact<'_> { todo!() }
                #[doc = "Not an operation"]
                pub fn other(&self) {}
            }
        };
        assert_eq!(document_grouped_calls(&mut file, &[op]), 1);
        let Item::Impl(imp) = &file.items[0] else {
            panic!()
        };
        let ImplItem::Fn(f) = &imp.items[0] else {
            panic!()
        };
        let syn::Meta::NameValue(nv) = &f.attrs[0].meta else {
            panic!()
        };
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) = &nv.value
        else {
            panic!()
        };
        assert_eq!(
            s.value(),
            "Show a contact\n\nThe same request through the grouped client:\n```ignore\nlet response = client.contacts().find(contact_id)\n    .include(include)\n    .send()\n    .await;\n```"
        );
    }
}
