//! Where each operation lives on the resource-grouped client
//! (`contacts().list()`, `help_centers().collections().list()`), decided on
//! the spec. Fixes: progenitor names every call after its `operationId`, in
//! one flat list per version, and those ids are uneven (`lisDataAttributes`)
//! and move between versions, so upgrading breaks code that did not need to
//! break.
//!
//! The rules, in order:
//! 1. [`PINNED`]: a few routes whose derived name would differ between
//!    versions.
//! 2. Intercom's own SDK names: an override unit's
//!    `x-fern-sdk-group-name` / `x-fern-sdk-method-name`, matched by method
//!    and path shape, in every version where the operation exists (an
//!    override file that applies only to its target names only there).
//! 3. Otherwise the first tag is the group (spelled as Intercom's SDK
//!    spells a group of that name, e.g. tag `Help Center` is
//!    `help_centers`), and the method is the `operationId` in snake_case
//!    without the group's noun: `listTags` under `tags` is `list`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::model::{CallName, NameSource, Route, SpecOperations};

/// One operation named by Intercom's SDK metadata, as an override file
/// writes it (camelCase).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkName {
    /// The operation it names.
    pub route: Route,
    /// `x-fern-sdk-group-name`, outermost first (`helpCenters`, `collections`).
    pub groups: Vec<String>,
    /// `x-fern-sdk-method-name` (`list`).
    pub method: String,
}

/// A name codegen decides by hand.
#[derive(Debug, Clone, Copy)]
pub struct Pin {
    /// `METHOD /path` (placeholder names are ignored).
    pub route: &'static str,
    /// The dotted call name, `articles.retrieve_version`.
    pub call: &'static str,
    /// Why the rules cannot decide it.
    pub reason: &'static str,
}

/// Routes whose derived name would differ between versions.
pub const PINNED: &[Pin] = &[Pin {
    route: "GET /articles/{}/versions/{}",
    call: "articles.retrieve_version",
    reason: "its operationId is `findArticleVersion` in some versions and `retrieveArticleVersion` in others",
}];

/// Routes whose operation changed meaning between versions, so their name
/// changes with it: the one exception to "same route, same name in every
/// version" (`tests/tests/surface.rs` checks the rest).
pub const CHANGED_MEANING: &[Pin] = &[Pin {
    route: "GET /custom_object_instances/{}",
    call: "custom_object_instances.get_by_external_id, then custom_object_instances.list",
    reason: "2.13 to 2.15 get one instance by `external_id`; from 2.16 the route lists instances, filtered by `external_id` or references",
}];

/// `listAllActivityLogs`, `Help Center`, `WhatsApp` in snake_case:
/// `list_all_activity_logs`, `help_center`, `whats_app`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 && !out.is_empty() && !out.ends_with('_') {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out.trim_end_matches('_').to_owned()
}

/// The singular and plural spellings a word may take in an id (`tag`,
/// `tags`; `company`, `companies`).
fn forms(word: &str) -> [String; 2] {
    if let Some(stem) = word.strip_suffix("ies") {
        [word.to_owned(), format!("{stem}y")]
    } else if let Some(stem) = word.strip_suffix('s') {
        [word.to_owned(), stem.to_owned()]
    } else if let Some(stem) = word.strip_suffix('y') {
        [word.to_owned(), format!("{stem}ies")]
    } else {
        [word.to_owned(), format!("{word}s")]
    }
}

/// Whether two snake_case names are the same words up to number
/// (`help_center`, `help_centers`).
fn same_noun(a: &str, b: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split('_').collect(), b.split('_').collect());
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| forms(x).iter().any(|f| f == y))
}

/// `words` without the group's noun where it names the call's object:
/// first (`jobs_status`), or right after the verb (`list_tags`,
/// `show_contact_by_external_id`). Never empties the name.
fn without_noun(words: &[&str], noun: &str) -> Vec<String> {
    let noun: Vec<&str> = noun.split('_').collect();
    let at = |i: usize| {
        i + noun.len() <= words.len()
            && noun
                .iter()
                .enumerate()
                .all(|(k, n)| forms(n).iter().any(|f| f == words[i + k]))
    };
    let keep: Vec<&str> = if at(0) && words.len() > noun.len() {
        words[noun.len()..].to_vec()
    } else if words.len() > 1 && at(1) {
        [&words[..1], &words[1 + noun.len()..]].concat()
    } else {
        words.to_vec()
    };
    keep.into_iter().map(str::to_owned).collect()
}

/// What naming reads besides each operation: Intercom's SDK names and the
/// group names its SDK uses.
#[derive(Debug, Clone, Default)]
pub struct Namer {
    by_route: BTreeMap<(String, String), CallName>,
    groups: BTreeSet<String>,
}

impl Namer {
    /// A namer from the SDK names that apply to the version.
    pub fn new(sdk: &[SdkName]) -> Self {
        let mut namer = Namer::default();
        for name in sdk {
            let groups: Vec<String> = name.groups.iter().map(|g| snake(g)).collect();
            if let Some(first) = groups.first() {
                namer.groups.insert(first.clone());
            }
            let call = CallName {
                groups,
                method: snake(&name.method),
                source: NameSource::Fern,
            };
            namer
                .by_route
                .entry((name.route.method.clone(), name.route.shape()))
                .or_insert(call);
        }
        namer
    }

    /// The group of an operation tagged `tag`: the SDK's spelling of the
    /// same noun if it has a group of that name.
    fn group_of_tag(&self, tag: &str) -> String {
        let own = snake(tag);
        self.groups
            .iter()
            .find(|g| same_noun(&own, g))
            .cloned()
            .unwrap_or(own)
    }

    /// The call name of the operation at `route` (`op` is its spec object).
    pub fn name(&self, route: &Route, op: &serde_json::Map<String, Value>) -> CallName {
        let shape = route.shape();
        if let Some(pin) = PINNED.iter().find(|p| {
            p.route
                .split_once(' ')
                .is_some_and(|(m, path)| m == route.method && path == shape)
        }) {
            return CallName::parse(pin.call, NameSource::Pinned);
        }
        if let Some(call) = self.by_route.get(&(route.method.clone(), shape)) {
            return call.clone();
        }
        let tag = op
            .get("tags")
            .and_then(Value::as_array)
            .and_then(|t| t.first())
            .and_then(Value::as_str)
            .unwrap_or("default");
        let group = self.group_of_tag(tag);
        let id = match op.get("operationId").and_then(Value::as_str) {
            Some(id) => snake(id),
            // No id: the last fixed segment of the path names it.
            None => snake(
                route
                    .path
                    .split('/')
                    .rfind(|s| !s.is_empty() && !s.starts_with('{'))
                    .unwrap_or("call"),
            ),
        };
        let words: Vec<&str> = id.split('_').collect();
        CallName {
            method: without_noun(&words, &group).join("_"),
            groups: vec![group],
            source: NameSource::Tag,
        }
    }
}

/// Two operations of one version that would share a call name.
pub fn collisions(ops: &SpecOperations) -> Vec<String> {
    let mut seen: BTreeMap<(Vec<String>, String), &Route> = BTreeMap::new();
    let mut out = Vec::new();
    for (route, op) in ops {
        let key = (op.call.groups.clone(), op.call.method.clone());
        if let Some(first) = seen.insert(key, route) {
            out.push(format!("{first} and {route} are both `{}`", op.call));
        }
    }
    // A group accessor and a method of the same parent with one name.
    let groups: BTreeSet<(Vec<String>, String)> = ops
        .values()
        .flat_map(|op| {
            (0..op.call.groups.len())
                .map(|i| (op.call.groups[..i].to_vec(), op.call.groups[i].clone()))
        })
        .collect();
    for (route, op) in ops {
        if groups.contains(&(op.call.groups.clone(), op.call.method.clone())) {
            out.push(format!("{route}: `{}` is also a group's name", op.call));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(value: Value) -> serde_json::Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn snake_case_of_ids_tags_and_acronyms() {
        assert_eq!(snake("listAllActivityLogs"), "list_all_activity_logs");
        assert_eq!(snake("Help Center"), "help_center");
        assert_eq!(
            snake("RetrieveWhatsAppMessageStatus"),
            "retrieve_whats_app_message_status"
        );
        assert_eq!(snake("IP Allowlist"), "ip_allowlist");
        assert_eq!(snake("helpCenters"), "help_centers");
        assert_eq!(snake("getV2Things"), "get_v2_things");
    }

    #[test]
    fn sdk_names_win_then_tags_name_the_group_without_its_noun() {
        let namer = Namer::new(&[
            SdkName {
                route: Route::new("GET", "/help_center/collections/{id}"),
                groups: vec!["helpCenters".into(), "collections".into()],
                method: "find".into(),
            },
            SdkName {
                route: Route::new("GET", "/tags"),
                groups: vec!["tags".into()],
                method: "list".into(),
            },
        ]);
        let fern = namer.name(
            &Route::new("GET", "/help_center/collections/{collection_id}"),
            &op(json!({"operationId": "retrieveCollection", "tags": ["Help Center"]})),
        );
        assert_eq!(fern.to_string(), "help_centers.collections.find");
        assert_eq!(fern.source, NameSource::Fern);
        let by_tag = |path: &str, id: &str, tag: &str| {
            namer
                .name(
                    &Route::new("GET", path),
                    &op(json!({"operationId": id, "tags": [tag]})),
                )
                .to_string()
        };
        // The tag takes the SDK's spelling of its group.
        assert_eq!(
            by_tag(
                "/help_center/x/{id}/redirects",
                "listHelpCenterRedirects",
                "Help Center"
            ),
            "help_centers.list_redirects"
        );
        assert_eq!(by_tag("/tags/{id}", "findTag", "Tags"), "tags.find");
        assert_eq!(
            by_tag("/audiences", "listAudiences", "Audiences"),
            "audiences.list"
        );
        assert_eq!(
            by_tag("/jobs/status/{id}", "jobsStatus", "Jobs"),
            "jobs.status"
        );
        assert_eq!(
            by_tag("/contacts/x", "ShowContactByExternalId", "Contacts"),
            "contacts.show_by_external_id"
        );
        // The noun stays where it is not the call's object.
        assert_eq!(
            by_tag(
                "/conversations/{id}/side",
                "listSideConversations",
                "Conversations"
            ),
            "conversations.list_side_conversations"
        );
        assert_eq!(
            by_tag("/companies/{id}", "retrieveACompanyById", "Companies"),
            "companies.retrieve_a_company_by_id"
        );
        // Without an id, the path's last fixed segment.
        let anonymous = namer.name(
            &Route::new("POST", "/export/reporting_data/enqueue"),
            &op(json!({"tags": ["Reporting Data Export"]})),
        );
        assert_eq!(anonymous.to_string(), "reporting_data_export.enqueue");
        assert_eq!(anonymous.source, NameSource::Tag);
    }

    #[test]
    fn pinned_routes_win_whatever_the_id() {
        let call = Namer::default().name(
            &Route::new("GET", "/articles/{article_id}/versions/{id}"),
            &op(json!({"operationId": "findArticleVersion", "tags": ["Articles"]})),
        );
        assert_eq!(call.to_string(), "articles.retrieve_version");
        assert_eq!(call.source, NameSource::Pinned);
    }

    #[test]
    fn collisions_are_found() {
        let mut ops = SpecOperations::new();
        for (path, call) in [
            ("/a", "tags.list"),
            ("/b", "tags.list"),
            ("/c", "news.items"),
            ("/d", "news.items.list"),
        ] {
            let route = Route::new("GET", path);
            ops.insert(
                route.clone(),
                crate::model::SpecOperation {
                    id: path.into(),
                    route,
                    params: vec![],
                    paging: crate::model::Paging::None,
                    call: CallName::parse(call, NameSource::Tag),
                },
            );
        }
        assert_eq!(
            collisions(&ops),
            [
                "GET /a and GET /b are both `tags.list`",
                "GET /c: `news.items` is also a group's name"
            ]
        );
    }
}
