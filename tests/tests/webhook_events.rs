//! Every webhook topic of every enabled version decodes into its own
//! `webhooks::Event` variant, and loses nothing.
//!
//! Fixtures come from the version's spec: the richest object among its
//! response examples whose `type` is the topic's object (read at test time,
//! never copied here); objects the spec has no example of (webhook-only ones
//! such as `contact_tag`) get a small hand-written payload. For each topic:
//! the exact variant, typed when the version has a type for the object,
//! the id read, nothing the typed object does not carry besides reported
//! mismatches; an unknown extra field keeps it typed; an item that is not
//! an object stays raw with the reason; and the version's topics are those
//! `spec/webhook-topics.toml` gives it.

use intercom_client_core::webhook::{EventKind, WebhookEvent};
use intercom_tests::{prepared, response_examples, version_of, workspace_root};
use serde_json::{Value, json};

include!("../../intercom-api/src/versions.rs");

type Check = fn(&codegen::Version) -> Vec<String>;

macro_rules! checks {
    ($($feature:ident = $name:literal => $krate:ident, $version:literal, $header:literal;)*) => {
        /// The check of each enabled version's `Event`.
        #[allow(clippy::vec_init_then_push)]
        fn checks() -> Vec<(&'static str, Check)> {
            #[allow(unused_mut)]
            let mut out: Vec<(&'static str, Check)> = Vec::new();
            $(
                #[cfg(feature = $name)]
                out.push(($name, check::<$krate::webhooks::Event>));
            )*
            out
        }
    };
}

for_each_version!(checks);

/// `conversation.user.created` → `ConversationUserCreated` (written here
/// again, not taken from codegen, so a naming slip there fails).
fn camel(topic: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in topic.chars() {
        if c == '.' || c == '_' {
            upper = true;
        } else if upper {
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The object with the most members whose `type` is `object`, anywhere in
/// the spec's response examples.
fn spec_fixture(examples: &[Value], object: &str) -> Option<Value> {
    fn walk<'a>(v: &'a Value, object: &str, best: &mut Option<&'a Value>) {
        match v {
            Value::Object(map) => {
                if map.get("type").and_then(Value::as_str) == Some(object)
                    && best.is_none_or(|b| b.as_object().map_or(0, |b| b.len()) < map.len())
                {
                    *best = Some(v);
                }
                map.values().for_each(|c| walk(c, object, best));
            }
            Value::Array(items) => items.iter().for_each(|c| walk(c, object, best)),
            _ => {}
        }
    }
    let mut best = None;
    examples.iter().for_each(|e| walk(e, object, &mut best));
    best.cloned()
}

/// A small payload for an object no spec example shows.
fn hand_fixture(object: &str) -> Value {
    match object {
        "ping" => json!({"type": "ping", "message": "Hi from the test"}),
        "event" => json!({
            "type": "event", "event_name": "ordered-item", "created_at": 1_700_000_000,
            "user_id": "u-1", "metadata": {"order_id": "o-9"},
        }),
        "contact_tag" => json!({
            "type": "contact_tag", "created_at": 1_700_000_000,
            "tag": {"type": "tag", "id": "81", "name": "vip"},
            "contact": {"type": "contact", "id": "c-1", "role": "user"},
        }),
        "content_stat" => json!({
            "type": "content_stat.series",
            "content_stat": {"id": "s-1", "content_type": "series"},
            "contact": {"type": "contact", "id": "c-1"},
        }),
        "subscription" => json!({
            "type": "subscription",
            "contact": {"type": "contact", "id": "c-1"},
            "subscription_types": {"type": "list", "data": [{"type": "subscription", "id": "3"}]},
        }),
        other => json!({"type": other, "id": "fixture-1", "created_at": 1_700_000_000}),
    }
}

/// Fields the spec's own examples show but its schema for the object lacks
/// (so its type does not carry them; they stay in the event's raw item):
/// object, path, versions. Exact: an entry no longer seen fails.
#[rustfmt::skip]
const DRIFT: &[(&str, &str, &[&str])] = &[
    ("article", "statistics.conversations", &["2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "preview"]),
    ("company", "notes.has_more", &["preview"]),
    ("company", "notes.total_count", &["preview"]),
    ("company", "notes.url", &["preview"]),
    ("contact", "companies.type", &["2.7", "2.8", "2.9", "2.10", "2.12", "2.13", "2.14", "2.15", "2.16", "preview"]),
    ("contact", "notes.type", &["2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "preview"]),
    ("contact", "opted_in_subscription_types", &["2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "preview"]),
    ("contact", "opted_out_subscription_types", &["2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "preview"]),
    ("contact", "social_profiles.type", &["2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "preview"]),
    ("contact", "tags.type", &["2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "preview"]),
    ("ticket", "contacts.contacts[0].role", &["2.9"]),
    ("ticket", "ticket_state_external_label", &["2.16", "preview"]),
    ("ticket", "ticket_state_internal_label", &["2.16", "preview"]),
    ("ticket", "ticket_type.is_internal", &["2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16", "preview"]),
    ("ticket", "ticket_type.ticket_type_attributes.data", &["2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15"]),
];

fn drift(version: &str, object: &str, path: &str) -> bool {
    DRIFT
        .iter()
        .any(|(o, p, v)| *o == object && *p == path && v.contains(&version))
}

fn check<E: WebhookEvent>(version: &codegen::Version) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail =
        |topic: &str, what: String| problems.push(format!("{} {topic}: {what}", version.name));
    let spec = prepared(version).spec.doc;
    let examples: Vec<Value> = response_examples(&spec)
        .into_iter()
        .map(|e| e.value)
        .collect();

    // The version's topics are the file's, in its order.
    let topics = codegen::webhook_topics::load(&workspace_root().join("spec")).unwrap();
    let expected: Vec<&str> = codegen::webhook_topics::for_version(&topics, &version.name)
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    let known: Vec<&str> = E::topics().iter().map(|t| t.name).collect();
    assert_eq!(known, expected, "{}: topics", version.name);
    assert!(!known.is_empty(), "{}: no topics", version.name);

    let (mut typed, mut from_spec, mut repaired) = (0, 0, 0);
    let mut untyped_objects = std::collections::BTreeSet::new();
    let mut seen_drift = std::collections::BTreeSet::new();
    let mut repaired_objects = std::collections::BTreeSet::new();
    for info in E::topics() {
        let name = info.name;
        let spec_item = info
            .rust_type
            .and_then(|_| spec_fixture(&examples, info.object));
        from_spec += usize::from(spec_item.is_some());
        let fixture = spec_item.unwrap_or_else(|| hand_fixture(info.object));
        let event = E::decode(name, fixture.clone());
        if event.topic() != name {
            fail(name, format!("topic() is {}", event.topic()));
        }
        if event.variant() != camel(name) || info.variant != camel(name) {
            fail(
                name,
                format!("variant {} / {}", event.variant(), info.variant),
            );
        }
        if event.raw() != &fixture {
            fail(name, "the raw item differs from what was sent".into());
        }
        let want = if info.rust_type.is_some() {
            EventKind::Typed
        } else {
            untyped_objects.insert(info.object);
            EventKind::Untyped
        };
        if event.kind() != want {
            fail(
                name,
                format!("{:?}, expected {want:?}: {event:?}", event.kind()),
            );
            continue;
        }
        if want == EventKind::Untyped {
            continue;
        }
        typed += 1;
        if let Some(m) = event.mismatches().first() {
            repaired += 1;
            repaired_objects.insert(format!("{} ({})", info.object, m.path));
        }
        // Nothing sent is missing from the typed item, bar reported misfits
        // and the fields the spec's examples show but its schema lacks.
        let unkept = event.unkept();
        let lost: Vec<&String> = unkept
            .iter()
            .filter(|path| !drift(&version.name, info.object, path))
            .collect();
        if !lost.is_empty() {
            fail(name, format!("the typed item lost {lost:?}"));
        }
        let drifted = unkept.len();
        for path in unkept {
            seen_drift.insert((info.object, path));
        }
        let back = event.typed_json().expect("typed");
        if let Some(id) = fixture.get("id").filter(|id| !id.is_null())
            && back.get("id") != Some(id)
            && !event.mismatches().iter().any(|m| m.path == "id")
        {
            fail(name, format!("id {id} read as {:?}", back.get("id")));
        }
        // An unknown extra field keeps it typed, and is named.
        let mut extra = fixture.clone();
        extra["zz_not_in_any_spec"] = json!({"nested": [1, 2]});
        let event = E::decode(name, extra.clone());
        let unkept = event.unkept();
        if event.kind() != EventKind::Typed
            || !unkept.iter().any(|p| p == "zz_not_in_any_spec")
            || unkept.len() != drifted + 1
        {
            fail(
                name,
                format!("extra field: {:?} {:?}", event.kind(), event.unkept()),
            );
        }
        if event.raw() != &extra {
            fail(name, "extra field: raw item differs".into());
        }
        // An item that is not an object stays raw, with the reason.
        let event = E::decode(name, json!("not an object"));
        if event.kind() != EventKind::Undecoded || event.raw() != &json!("not an object") {
            fail(name, format!("non-object: {event:?}"));
        }
        if !format!("{event:?}").contains("invalid type") {
            fail(name, format!("non-object gives no reason: {event:?}"));
        }
    }
    // An unknown topic stays raw.
    let item = json!({"type": "unheard_of", "id": "u1"});
    let event = E::decode("unheard_of.created", item.clone());
    assert_eq!(
        (event.kind(), event.topic(), event.raw()),
        (EventKind::Unknown, "unheard_of.created", &item)
    );
    // The drift list stays exact: every entry for this version is seen.
    for (object, path, versions) in DRIFT {
        if versions.contains(&version.name.as_str())
            && E::topics()
                .iter()
                .any(|i| i.object == *object && i.rust_type.is_some())
            && !seen_drift.contains(&(*object, (*path).to_owned()))
        {
            problems.push(format!(
                "{}: DRIFT lists {object} {path}, which no longer occurs",
                version.name
            ));
        }
    }
    eprintln!(
        "{}: {} topics, {typed} typed ({from_spec} from spec examples, {repaired} with lenient repairs: {:?}), {} as JSON (objects {:?})",
        version.name,
        known.len(),
        repaired_objects,
        known.len() - typed,
        untyped_objects
    );
    problems
}

#[test]
fn every_topic_of_every_enabled_version_decodes_into_its_variant() {
    let mut problems = Vec::new();
    let checks = checks();
    assert!(!checks.is_empty(), "no version enabled");
    for module in intercom_tests::enabled() {
        let (_, check) = checks
            .iter()
            .find(|(feature, _)| *feature == module.feature)
            .expect("every enabled module has a check");
        problems.extend(check(&version_of(&module)));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
