//! Intercom's webhook topics, read from `spec/webhook-topics.toml` (committed
//! research data with its sources; the one home of the topic list).
//!
//! A leaf like [`crate::model`]: the pipeline reads the file into
//! [`crate::Inputs::webhook_topics`], and the syntax stage's webhook emitter
//! picks the topics of the version it generates ([`for_version`]).

use serde::Deserialize;

/// The file's name under `spec/`.
pub const FILE: &str = "webhook-topics.toml";

/// The version name of Preview in `spec/versions.toml`.
const PREVIEW: &str = "preview";

/// One webhook topic.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// The topic, e.g. `conversation.user.created`.
    pub name: String,
    /// The docs' group, e.g. `conversation`.
    pub group: String,
    /// The kind of `data.item`, snake_case, e.g. `conversation`.
    pub object: String,
    /// The docs' "Object" column, verbatim.
    pub doc_object: String,
    /// The first 2.x version that has it (`<=2.7`: before our first);
    /// `None` for Preview-only topics.
    #[serde(default)]
    pub since: Option<String>,
    /// Our version names that have it (`Preview` for Preview-only topics).
    pub versions: Vec<String>,
    /// The page the topic was read from.
    pub source: String,
    /// Other pages that confirm it.
    #[serde(default)]
    pub also_sources: Vec<String>,
    /// What is uncertain about it.
    #[serde(default)]
    pub note: Option<String>,
    /// The first version whose `data.item` is not the object itself (it
    /// nests it, say): from it on, the item stays JSON.
    #[serde(default)]
    pub untyped_since: Option<String>,
    /// Whether the file lists it as a `[[preview_topic]]`.
    #[serde(skip)]
    pub preview_only: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    topic: Vec<Topic>,
    #[serde(default)]
    preview_topic: Vec<Topic>,
}

/// Parses the file: the 2.x topics, then the Preview-only ones. Fails on an
/// unknown field, a topic listed twice, or a topic with no version.
pub fn parse(text: &str) -> Result<Vec<Topic>, String> {
    let file: File = toml::from_str(text).map_err(|e| format!("{FILE}: {e}"))?;
    let mut topics = file.topic;
    topics.extend(file.preview_topic.into_iter().map(|t| Topic {
        preview_only: true,
        ..t
    }));
    let mut seen = std::collections::BTreeSet::new();
    for t in &topics {
        if !seen.insert(t.name.as_str()) {
            return Err(format!("{FILE}: topic `{}` is listed twice", t.name));
        }
        if t.versions.is_empty() {
            return Err(format!("{FILE}: topic `{}` lists no version", t.name));
        }
    }
    Ok(topics)
}

/// Reads and parses `<spec_dir>/webhook-topics.toml`.
pub fn load(spec_dir: &std::path::Path) -> Result<Vec<Topic>, String> {
    let path = spec_dir.join(FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse(&text)
}

impl Topic {
    /// Whether `data.item` is the topic's object in `version` (see
    /// [`Topic::untyped_since`]; Preview counts as the newest version).
    pub fn item_is_object(&self, version: &str) -> bool {
        match &self.untyped_since {
            None => true,
            Some(since) => match (numeric(version), numeric(since)) {
                (Some(v), Some(s)) => v < s,
                _ => false,
            },
        }
    }
}

/// `2.16` → `(2, 16)`; `None` for names that are not `<major>.<minor>`.
fn numeric(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The topics of `version` (a name of `spec/versions.toml`, e.g. `2.16` or
/// `preview`), in the file's order.
///
/// A 2.x version has the topics whose `versions` name it. Preview has every
/// topic of the newest 2.x version the file names (Intercom's Preview page
/// lists all current topics) plus the Preview-only ones.
pub fn for_version<'t>(topics: &'t [Topic], version: &str) -> Vec<&'t Topic> {
    if !version.eq_ignore_ascii_case(PREVIEW) {
        return topics
            .iter()
            .filter(|t| t.versions.iter().any(|v| v == version))
            .collect();
    }
    let newest = topics
        .iter()
        .flat_map(|t| &t.versions)
        .filter_map(|v| Some((numeric(v)?, v.as_str())))
        .max()
        .map(|(_, v)| v);
    topics
        .iter()
        .filter(|t| {
            t.preview_only
                || t.versions.iter().any(|v| v.eq_ignore_ascii_case(PREVIEW))
                || newest.is_some_and(|n| t.versions.iter().any(|v| v == n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
[[topic]]
name = "ping"
group = "ping"
object = "ping"
doc_object = "Ping"
since = "<=2.7"
versions = ["2.7", "2.16"]
source = "https://example.com/a"

[[topic]]
name = "ticket.created"
group = "ticket"
object = "ticket"
doc_object = "Ticket"
since = "2.9"
versions = ["2.9", "2.10"]
source = "https://example.com/b"
note = "gone from 2.16 in this test"
untyped_since = "2.10"

[[preview_topic]]
name = "audience.created"
group = "audience"
object = "audience"
doc_object = "Audience"
versions = ["Preview"]
source = "https://example.com/c"
"#;

    fn names(topics: &[&Topic]) -> Vec<String> {
        topics.iter().map(|t| t.name.clone()).collect()
    }

    #[test]
    fn topics_parse_and_split_by_version() {
        let topics = parse(TEXT).unwrap();
        assert_eq!(topics.len(), 3);
        assert_eq!(topics[1].since.as_deref(), Some("2.9"));
        assert_eq!(
            topics[1].note.as_deref(),
            Some("gone from 2.16 in this test")
        );
        assert_eq!(
            (topics[0].preview_only, topics[2].preview_only),
            (false, true)
        );
        assert_eq!(names(&for_version(&topics, "2.7")), ["ping"]);
        let ticket = &topics[1];
        assert!(ticket.item_is_object("2.9") && topics[0].item_is_object("preview"));
        assert!(!ticket.item_is_object("2.10") && !ticket.item_is_object("preview"));
        assert_eq!(names(&for_version(&topics, "2.10")), ["ticket.created"]);
        assert_eq!(names(&for_version(&topics, "2.8")), Vec::<String>::new());
        // Preview: the newest 2.x version's topics (2.16 here, not 2.10),
        // then the Preview-only ones.
        assert_eq!(
            names(&for_version(&topics, "preview")),
            ["ping", "audience.created"]
        );
    }

    #[test]
    fn bad_files_are_refused() {
        let twice = format!(
            "{TEXT}{}",
            &TEXT[..TEXT.find("[[topic]]\nname = \"ticket").unwrap()]
        );
        assert!(
            parse(&twice)
                .unwrap_err()
                .contains("`ping` is listed twice")
        );
        let unknown = TEXT.replace("group = \"ping\"", "group = \"ping\"\ncolour = \"red\"");
        assert!(parse(&unknown).unwrap_err().contains("colour"));
        let empty = TEXT.replace("versions = [\"2.9\", \"2.10\"]", "versions = []");
        assert!(parse(&empty).unwrap_err().contains("lists no version"));
    }

    #[test]
    fn the_committed_file_parses() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../spec")
            .join(FILE);
        let topics = parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert!(topics.iter().any(|t| t.name == "conversation.user.created"));
        assert!(topics.iter().any(|t| t.preview_only));
        let preview = for_version(&topics, "preview");
        let latest = for_version(&topics, "2.16");
        assert!(latest.iter().all(|t| preview.contains(t)));
        assert!(preview.len() > latest.len());
    }
}
