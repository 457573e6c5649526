//! Small helpers over syn types that the syntax stage's modules share.

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

/// Compact, stable rendering of a Rust type for humans.
pub fn type_text(ty: &Type) -> String {
    tidy(&ty.to_token_stream().to_string())
}

/// Tidies token text of a type (`:: std :: string :: String` → `String`).
pub(crate) fn tidy(raw: &str) -> String {
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
