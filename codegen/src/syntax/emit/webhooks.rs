//! `mod webhooks`: one `Event` variant per webhook topic of the version
//! (from `spec/webhook-topics.toml`), carrying the version's generated type
//! for the topic's object when it has one, else the item as JSON; a
//! `TOPICS` table; and `intercom_client_core::webhook::WebhookEvent` for it.

use std::collections::BTreeMap;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::syntax::index::Index;
use crate::webhook_topics::Topic;

/// A webhook object (`data.item`'s kind) and the `mod types` struct that
/// describes it, where a version's spec has one. Objects not listed are
/// webhook-only (`contact_tag`, `content_stat`, `subscription`, `ping`, …):
/// no spec describes them, so they stay JSON.
pub const OBJECT_TYPES: &[(&str, &str)] = &[
    ("admin", "Admin"),
    ("article", "Article"),
    ("audience", "Audience"),
    ("call", "Call"),
    ("company", "Company"),
    ("contact", "Contact"),
    ("content_import_source", "ContentImportSource"),
    ("content_snippet", "ContentSnippet"),
    ("conversation", "Conversation"),
    ("conversation_part", "ConversationPart"),
    ("event", "DataEvent"),
    ("job", "Jobs"),
    ("ticket", "Ticket"),
    ("visitor", "Visitor"),
];

/// Variant names the emitter writes itself.
const RESERVED: &[&str] = &["Unknown", "Undecoded"];

/// `conversation.user.created` → `ConversationUserCreated`.
pub fn variant_name(topic: &str) -> String {
    topic
        .split(['.', '_', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The `mod types` struct for the topic's item in this module, if any.
fn rust_type<'a>(index: &Index<'_>, topic: &Topic, version: &str) -> Option<&'a str> {
    OBJECT_TYPES
        .iter()
        .find(|(o, _)| *o == topic.object)
        .map(|(_, t)| *t)
        .filter(|t| index.has_struct(t) && topic.item_is_object(version))
}

/// What [`emit`] wrote: the module, and how many topics it has, typed or not.
#[derive(Debug, Clone)]
pub struct Emitted {
    /// `pub mod webhooks`.
    pub tokens: TokenStream,
    /// Topics whose item decodes into a generated type.
    pub typed: usize,
    /// Every topic of the version.
    pub topics: usize,
}

/// Writes `pub mod webhooks` for `topics` (those of `version`, see
/// `webhook_topics::for_version`). Fails when two topics would share a
/// variant name.
pub fn emit(index: &Index<'_>, topics: &[&Topic], version: &str) -> Result<Emitted, String> {
    let mut names: BTreeMap<String, &str> = BTreeMap::new();
    for t in topics {
        let v = variant_name(&t.name);
        if v.is_empty() || RESERVED.contains(&v.as_str()) {
            return Err(format!("webhook topic `{}` cannot name a variant", t.name));
        }
        if let Some(other) = names.insert(v.clone(), &t.name) {
            return Err(format!(
                "webhook topics `{other}` and `{}` would both be `Event::{v}`",
                t.name
            ));
        }
    }
    let core = quote!(::intercom_client_core::webhook);
    let rows: Vec<_> = topics
        .iter()
        .map(|t| {
            let variant = variant_name(&t.name);
            (
                t,
                format_ident!("{variant}"),
                variant,
                rust_type(index, t, version),
            )
        })
        .collect();
    let variants = rows.iter().map(|(t, ident, _, ty)| {
        let name = &t.name;
        match ty {
            Some(ty) => {
                let doc = format!(
                    "`{name}`: the item as [`types::{ty}`](super::types::{ty}) (object `{}`).",
                    t.object
                );
                let ty = format_ident!("{ty}");
                quote! { #[doc = #doc] #ident(#core::Typed<super::types::#ty>), }
            }
            None if !t.item_is_object(version) => {
                let doc = format!(
                    "`{name}`: the item as JSON (in this version it is not the `{}` itself: {}).",
                    t.object,
                    t.note.as_deref().unwrap_or("see spec/webhook-topics.toml")
                );
                quote! { #[doc = #doc] #ident(::serde_json::Value), }
            }
            None => {
                let doc = format!(
                    "`{name}`: the item as JSON (object `{}`: this version's spec has no type for it).",
                    t.object
                );
                quote! { #[doc = #doc] #ident(::serde_json::Value), }
            }
        }
    });
    let table = rows.iter().map(|(t, _, variant, ty)| {
        let (name, object, source) = (&t.name, &t.object, &t.source);
        let ty = match ty {
            Some(ty) => {
                let ty = format!("types::{ty}");
                quote!(Some(#ty))
            }
            None => quote!(None),
        };
        let since = match &t.since {
            Some(s) => quote!(Some(#s)),
            None => quote!(None),
        };
        quote! {
            #core::TopicInfo { name: #name, variant: #variant, object: #object, rust_type: #ty, since: #since, source: #source },
        }
    });
    let decode_arms = rows.iter().map(|(t, ident, _, ty)| {
        let name = &t.name;
        match ty {
            Some(ty) => {
                let path = format!("types::{ty}");
                let ty = format_ident!("{ty}");
                quote! {
                    #name => #core::decode_typed::<super::types::#ty, _>(topic, #path, item, Self::#ident, Self::Undecoded),
                }
            }
            None => quote! { #name => Self::#ident(item), },
        }
    });
    let topic_arms = rows.iter().map(|(t, ident, _, _)| {
        let name = &t.name;
        quote! { Self::#ident(_) => #name, }
    });
    let variant_arms = rows.iter().map(|(_, ident, variant, _)| {
        quote! { Self::#ident(_) => #variant, }
    });
    let kind_arms = rows.iter().map(|(_, ident, _, ty)| {
        let kind = if ty.is_some() {
            quote!(Typed)
        } else {
            quote!(Untyped)
        };
        quote! { Self::#ident(_) => #core::EventKind::#kind, }
    });
    let raw_arms = rows.iter().map(|(_, ident, _, ty)| {
        if ty.is_some() {
            quote! { Self::#ident(t) => &t.raw, }
        } else {
            quote! { Self::#ident(v) => v, }
        }
    });
    let mismatch_arms = rows
        .iter()
        .filter(|(_, _, _, ty)| ty.is_some())
        .map(|(_, ident, _, _)| quote! { Self::#ident(t) => &t.mismatches, });
    let typed_idents: Vec<_> = rows
        .iter()
        .filter(|(_, _, _, ty)| ty.is_some())
        .map(|(_, ident, _, _)| ident)
        .collect();
    let json_arms = typed_idents
        .iter()
        .map(|ident| quote! { Self::#ident(t) => ::serde_json::to_value(&*t.item).ok(), });
    let unkept_arms = typed_idents
        .iter()
        .map(|ident| quote! { Self::#ident(t) => t.unkept(), });
    let count = topics.len();
    let typed = rows.iter().filter(|r| r.3.is_some()).count();
    let module_doc = format!(
        "Typed webhook events of this version: {count} topics, {typed} of them typed (from `spec/webhook-topics.toml`).\n\n\
         Decode a notification's item with `intercom_api::webhook::Notification::event::<Event>()`, or \
         `WebhookEvent::decode(topic, item)`."
    );
    let tokens = quote! {
        #[doc = #module_doc]
        pub mod webhooks {
            pub use ::intercom_client_core::webhook::WebhookEvent;

            /// A webhook notification's item, by topic. Decoding never fails:
            /// an unknown topic is [`Event::Unknown`], a known topic whose item
            /// does not decode even leniently is [`Event::Undecoded`].
            #[derive(Debug, Clone)]
            #[non_exhaustive]
            pub enum Event {
                #(#variants)*
                /// A topic this version does not know, as received.
                Unknown(#core::RawEvent),
                /// A known topic whose item did not decode into its type even
                /// leniently: as received, with the reason.
                Undecoded(#core::Undecoded),
            }

            /// Every topic this version knows, in `spec/webhook-topics.toml`'s order.
            pub static TOPICS: &[#core::TopicInfo] = &[#(#table)*];

            impl #core::WebhookEvent for Event {
                #[allow(clippy::too_many_lines)]
                fn decode(topic: &str, item: ::serde_json::Value) -> Self {
                    match topic {
                        #(#decode_arms)*
                        _ => Self::Unknown(#core::RawEvent { topic: topic.to_owned(), item }),
                    }
                }

                fn topics() -> &'static [#core::TopicInfo] {
                    TOPICS
                }

                fn topic(&self) -> &str {
                    match self {
                        #(#topic_arms)*
                        Self::Unknown(r) => &r.topic,
                        Self::Undecoded(u) => &u.topic,
                    }
                }

                fn variant(&self) -> &'static str {
                    match self {
                        #(#variant_arms)*
                        Self::Unknown(_) => "Unknown",
                        Self::Undecoded(_) => "Undecoded",
                    }
                }

                fn kind(&self) -> #core::EventKind {
                    match self {
                        #(#kind_arms)*
                        Self::Unknown(_) => #core::EventKind::Unknown,
                        Self::Undecoded(_) => #core::EventKind::Undecoded,
                    }
                }

                fn raw(&self) -> &::serde_json::Value {
                    match self {
                        #(#raw_arms)*
                        Self::Unknown(r) => &r.item,
                        Self::Undecoded(u) => &u.item,
                    }
                }

                fn mismatches(&self) -> &[::intercom_client_core::lenient::Mismatch] {
                    match self {
                        #(#mismatch_arms)*
                        _ => &[],
                    }
                }

                fn typed_json(&self) -> ::std::option::Option<::serde_json::Value> {
                    match self {
                        #(#json_arms)*
                        _ => None,
                    }
                }

                fn unkept(&self) -> ::std::vec::Vec<::std::string::String> {
                    match self {
                        #(#unkept_arms)*
                        _ => ::std::vec::Vec::new(),
                    }
                }
            }

            impl Event {
                /// The topic, e.g. `conversation.user.created`.
                pub fn topic(&self) -> &str {
                    #core::WebhookEvent::topic(self)
                }
            }
        }
    };
    Ok(Emitted {
        tokens,
        typed,
        topics: count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(name: &str, object: &str) -> Topic {
        Topic {
            name: name.into(),
            group: name.split('.').next().unwrap().into(),
            object: object.into(),
            doc_object: object.into(),
            since: Some("2.9".into()),
            versions: vec!["2.9".into()],
            source: "https://example.com".into(),
            also_sources: Vec::new(),
            note: None,
            untyped_since: None,
            preview_only: false,
        }
    }

    /// The module's code, and its (typed, topics) counts.
    fn generate(topics: &[Topic]) -> Result<(String, (usize, usize)), String> {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Conversation { pub id: Option<String> }
                pub enum Ticket { A }
            }
        };
        let index = Index::new(&file);
        let refs: Vec<&Topic> = topics.iter().collect();
        let emitted = emit(&index, &refs, "2.9")?;
        let code = prettyplease::unparse(&syn::parse2(emitted.tokens).unwrap());
        Ok((code, (emitted.typed, emitted.topics)))
    }

    #[test]
    fn topics_become_variants_typed_where_the_module_has_the_type() {
        let (code, counts) = generate(&[
            topic("conversation.user.created", "conversation"),
            topic("ping", "ping"),
            // Mapped, but this module's `Ticket` is no struct: JSON.
            topic("ticket.created", "ticket"),
            topic("admin.away_mode_updated", "admin"),
            Topic {
                untyped_since: Some("2.9".into()),
                note: Some("nested".into()),
                ..topic("conversation.admin.closed", "conversation")
            },
        ])
        .unwrap();
        let flat: String = code.split_whitespace().collect();
        let has = |s: &str| flat.contains(&s.split_whitespace().collect::<String>());
        assert!(has(
            "ConversationUserCreated(::intercom_client_core::webhook::Typed<super::types::Conversation>,)"
        ));
        assert!(has("Ping(::serde_json::Value)"));
        assert!(has("TicketCreated(::serde_json::Value)"));
        assert!(has("AdminAwayModeUpdated(::serde_json::Value)"));
        assert!(has("\"conversation.user.created\" => {"));
        assert!(has("rust_type: Some(\"types::Conversation\")"));
        assert!(has("variant: \"TicketCreated\""));
        assert!(has("Unknown(::intercom_client_core::webhook::RawEvent)"));
        assert!(has("Undecoded(::intercom_client_core::webhook::Undecoded)"));
        assert!(has("ConversationAdminClosed(::serde_json::Value)"));
        assert!(has("it is not the `conversation` itself: nested"));
        assert!(has("5 topics, 1 of them typed"));
        assert_eq!(counts, (1, 5));
    }

    #[test]
    fn variant_names_follow_the_topic_and_never_collide() {
        assert_eq!(
            variant_name("conversation.user.created"),
            "ConversationUserCreated"
        );
        assert_eq!(
            variant_name("admin.added_to_workspace"),
            "AdminAddedToWorkspace"
        );
        assert_eq!(variant_name("ping"), "Ping");
        let err = generate(&[topic("a.b_c", "x"), topic("a_b.c", "x")]).unwrap_err();
        assert!(err.contains("would both be `Event::ABC`"), "{err}");
        assert!(generate(&[topic("unknown", "x")]).is_err());
    }
}
