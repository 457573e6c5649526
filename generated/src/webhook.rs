//! Typed webhook events: what every version module's `mod webhooks` builds
//! on.
//!
//! Each version module has a `webhooks::Event` enum, one variant per topic of
//! that version (from `spec/webhook-topics.toml`), which implements
//! [`WebhookEvent`]. Decoding never fails and never loses data:
//!
//! - a topic whose object has a generated type decodes leniently (as
//!   responses do, see [`crate::lenient`]) into [`Typed`], which keeps the
//!   item as received beside the typed value and the repairs made;
//! - a topic whose object has no generated type in that version carries the
//!   item as `serde_json::Value`;
//! - a topic the version does not know is [`RawEvent`], and a known topic
//!   whose item does not decode even leniently is [`Undecoded`], with the
//!   reason.

use std::fmt;
use std::ops::Deref;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::lenient::{self, Mismatch};

/// One topic a version module knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicInfo {
    /// The topic, e.g. `conversation.user.created`.
    pub name: &'static str,
    /// The `Event` variant that carries it, e.g. `ConversationUserCreated`.
    pub variant: &'static str,
    /// The kind of `data.item`, e.g. `conversation`.
    pub object: &'static str,
    /// The generated type the item decodes into (`types::Conversation`), or
    /// `None` when the version has none and the item stays JSON.
    pub rust_type: Option<&'static str>,
    /// The first 2.x version that has the topic (`<=2.7`: before the first
    /// this SDK supports); `None` for Preview-only topics.
    pub since: Option<&'static str>,
    /// The documentation page the topic was read from.
    pub source: &'static str,
}

/// How an event was decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// A known topic, its item decoded into the version's generated type
    /// (perhaps leniently: see [`WebhookEvent::mismatches`]).
    Typed,
    /// A known topic whose object the version has no type for: JSON.
    Untyped,
    /// A topic the version does not know: [`RawEvent`].
    Unknown,
    /// A known topic whose item did not decode even leniently: [`Undecoded`].
    Undecoded,
}

/// A typed item, with the item as received and the repairs lenient decoding
/// made. Dereferences to the typed value.
#[derive(Debug, Clone)]
pub struct Typed<T> {
    /// The item, typed.
    pub item: Box<T>,
    /// The item as received (fields the type does not know included).
    pub raw: Value,
    /// Values that did not fit the type, repaired or kept aside (empty when
    /// the item fits).
    pub mismatches: Vec<Mismatch>,
}

impl<T: DeserializeOwned> Typed<T> {
    /// Decodes an item leniently; on failure, gives the item back with the
    /// error.
    pub fn decode(raw: Value) -> Result<Self, (Value, serde_json::Error)> {
        match lenient::from_value::<T>(&raw) {
            Ok((item, mismatches)) => Ok(Self {
                item: Box::new(item),
                raw,
                mismatches,
            }),
            Err(e) => Err((raw, e)),
        }
    }
}

impl<T: Serialize> Typed<T> {
    /// The values of [`Typed::raw`] the typed item does not carry (fields
    /// its type does not know, members dropped), as paths like
    /// `contacts.contacts[0].external_id`, leaving out those kept in
    /// [`Typed::mismatches`]. Empty when the type keeps everything that was
    /// sent (`null`, `[]` and `{}` aside: the type writes those back as an
    /// absent field).
    pub fn unkept(&self) -> Vec<String> {
        let back = serde_json::to_value(&*self.item).unwrap_or(Value::Null);
        let mut out = Vec::new();
        missing(&self.raw, &back, &mut String::new(), &mut out);
        out.retain(|path| {
            !self.mismatches.iter().any(|m| {
                path == &m.path
                    || path
                        .strip_prefix(m.path.as_str())
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
        });
        out
    }
}

/// `null`, `[]` or `{}`: what a type writes back as an absent field (an
/// empty `Option`, list or map).
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// Paths of `sent` whose value `back` lacks.
fn missing(sent: &Value, back: &Value, path: &mut String, out: &mut Vec<String>) {
    match (sent, back) {
        (Value::Null, _) => {}
        (Value::Object(s), Value::Object(b)) => {
            for (key, value) in s {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                match b.get(key) {
                    Some(bv) => missing(value, bv, path, out),
                    None if is_empty(value) => {}
                    None => out.push(path.clone()),
                }
                path.truncate(len);
            }
        }
        (Value::Array(s), Value::Array(b)) => {
            for (i, value) in s.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                match b.get(i) {
                    Some(bv) => missing(value, bv, path, out),
                    None => out.push(path.clone()),
                }
                path.truncate(len);
            }
        }
        // A map or list read as something else, or a scalar gone.
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Null) => out.push(path.clone()),
        // Scalars: kept, perhaps spelled otherwise (`1.0`, a date-time).
        _ => {}
    }
}

impl<T> Deref for Typed<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.item
    }
}

/// A notification whose topic the version does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent {
    /// The topic as received.
    pub topic: String,
    /// The item as received.
    pub item: Value,
}

/// A known topic whose item did not decode into its type even leniently
/// (for instance a required field missing).
#[derive(Debug, Clone, PartialEq)]
pub struct Undecoded {
    /// The topic as received.
    pub topic: String,
    /// The generated type it should have decoded into.
    pub rust_type: &'static str,
    /// The item as received.
    pub item: Value,
    /// Why it did not decode.
    pub error: String,
}

impl fmt::Display for Undecoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "webhook `{}`: item is not a {}: {}",
            self.topic, self.rust_type, self.error
        )
    }
}

/// The typed webhook events of one API version (`v2_16::webhooks::Event`,
/// …), so code can be generic over the version.
pub trait WebhookEvent: Sized + fmt::Debug {
    /// Decodes a notification's `data.item` by its topic. Never fails: an
    /// unknown topic or an item that does not decode stays raw.
    fn decode(topic: &str, item: Value) -> Self;

    /// Every topic the version knows.
    fn topics() -> &'static [TopicInfo];

    /// The topic, e.g. `conversation.user.created`.
    fn topic(&self) -> &str;

    /// The name of the variant, e.g. `ConversationUserCreated`, or
    /// `Unknown` / `Undecoded`.
    fn variant(&self) -> &'static str;

    /// How the event was decoded.
    fn kind(&self) -> EventKind;

    /// The item as received.
    fn raw(&self) -> &Value;

    /// The values of a typed item that did not fit its type (empty for
    /// other events).
    fn mismatches(&self) -> &[Mismatch];

    /// A typed item written back as JSON (`None` for other events).
    fn typed_json(&self) -> Option<Value>;

    /// What a typed item does not carry of the item as received, besides
    /// its mismatches ([`Typed::unkept`]; empty for other events, which
    /// carry the item as received).
    fn unkept(&self) -> Vec<String>;
}

/// Decodes `item` into a typed variant via `typed`, or [`Undecoded`] via
/// `undecoded` (what a generated `Event::decode` does per typed topic).
pub fn decode_typed<T: DeserializeOwned, E>(
    topic: &str,
    rust_type: &'static str,
    item: Value,
    typed: impl FnOnce(Typed<T>) -> E,
    undecoded: impl FnOnce(Undecoded) -> E,
) -> E {
    match Typed::<T>::decode(item) {
        Ok(t) => typed(t),
        Err((item, error)) => undecoded(Undecoded {
            topic: topic.to_owned(),
            rust_type,
            item,
            error: error.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, Serialize)]
    struct Item {
        id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        count: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tags: Option<Vec<Tag>>,
    }

    #[derive(Debug, Deserialize, Serialize)]
    struct Tag {
        name: String,
    }

    #[derive(Debug, Deserialize, Serialize)]
    struct Needs {
        id: String,
    }

    #[test]
    fn typed_items_keep_what_they_were_sent_and_name_what_they_drop() {
        let raw = json!({"id": "7", "count": "12", "extra": {"a": 1}, "gone": null, "none": [], "nil": {},
                          "tags": [{"name": "x", "colour": "red"}]});
        let t = Typed::<Item>::decode(raw.clone()).unwrap();
        assert_eq!(t.id.as_deref(), Some("7"));
        assert_eq!(t.count, Some(12));
        assert_eq!(t.raw, raw);
        assert_eq!(t.mismatches.len(), 1);
        assert_eq!(t.unkept(), ["extra", "tags[0].colour"]);
        // A value kept aside by lenient decoding is not reported twice.
        let t = Typed::<Item>::decode(json!({"id": "1", "tags": "nope"})).unwrap();
        assert_eq!(t.mismatches[0].path, "tags");
        assert!(t.unkept().is_empty());
    }

    #[test]
    fn items_that_do_not_decode_come_back_whole() {
        let item = json!({"name": "no id"});
        let e = decode_typed::<Needs, _>(
            "thing.created",
            "types::Needs",
            item.clone(),
            |_| unreachable!("no id"),
            |u| u,
        );
        assert_eq!(e.item, item);
        assert_eq!(e.topic, "thing.created");
        assert!(e.error.contains("missing field `id`"), "{}", e.error);
        assert!(e.to_string().contains("types::Needs"));
        let ok = decode_typed::<Needs, _>(
            "t",
            "types::Needs",
            json!({"id": "1"}),
            |t| t.id.clone(),
            |_| unreachable!(),
        );
        assert_eq!(ok, "1");
    }
}
