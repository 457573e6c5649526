//! Lenient decoding: a response field whose JSON does not fit its Rust type
//! never fails the call, and nothing is lost.
//!
//! Intercom's responses often differ from its specs: ids arrive as strings
//! where the spec says integer (and the reverse), a contact's `avatar` is a
//! URL string where the spec declares an object. Every generated `send()`
//! decodes through [`crate::decode_response`]:
//!
//! 1. the body is decoded strictly, as progenitor would; a body that fits
//!    costs nothing more;
//! 2. otherwise each misfit is repaired where the error points, one at a
//!    time: a numeric string becomes a number (or a number or boolean a
//!    string) when that is what the field wants and the text round-trips
//!    exactly; anything else is taken out of the document, so its (optional)
//!    field is left empty;
//! 3. each repair is a [`Mismatch`] that keeps the original JSON value, is
//!    reported as a `tracing` warning, and is handed to the caller through
//!    [`crate::raw`] together with the raw body.
//!
//! A body that is not JSON, or whose misfit cannot be taken out (the
//! document itself, or a field the type cannot go without), fails as before,
//! with the strict error and the raw body.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Upper bound on passes over one body (each repairs at least one value).
const MAX_PASSES: usize = 10_000;

/// Upper bound on the bytes all passes over one body decode: past it, the
/// call fails with the strict error rather than spend unbounded time.
const MAX_WORK: usize = 256 << 20;

/// One value of a response that did not fit its Rust type.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// Where the value is, e.g. `conversations[3].team_assignee_id`.
    pub path: String,
    /// What the type expected (serde's message for the strict failure).
    pub error: String,
    /// The value as Intercom sent it.
    pub value: Value,
    /// What decoding did about it.
    pub repair: Repair,
}

/// What lenient decoding did with a value that did not fit.
#[derive(Debug, Clone, PartialEq)]
pub enum Repair {
    /// Read as this value instead: a numeric string as a number, or a
    /// number or boolean as a string; nothing is lost.
    Coerced(Value),
    /// Left out: its field is empty (`None`, or dropped from a list or map),
    /// and the value is kept here in [`Mismatch::value`].
    Kept,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repair {
            Repair::Coerced(to) => write!(
                f,
                "{}: read {} as {to} ({})",
                self.path, self.value, self.error
            ),
            Repair::Kept => write!(
                f,
                "{}: kept aside, field left empty ({})",
                self.path, self.error
            ),
        }
    }
}

/// Decodes `bytes` as `T`, strictly when it fits and leniently when it does
/// not; returns the value and the mismatches repaired on the way (none when
/// the strict decode succeeded). Fails with the strict error when the body
/// cannot be repaired.
///
/// Every pass decodes with the same `serde_json::from_slice::<T>` as the
/// strict decode, over the repaired document written out again, so lenient
/// decoding adds no code per generated type (compile time); the error's
/// position, looked up in the spans of the written document, says which
/// value did not fit.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, Vec<Mismatch>), serde_json::Error> {
    let strict = match serde_json::from_slice::<T>(bytes) {
        Ok(value) => return Ok((value, Vec::new())),
        Err(e) => e,
    };
    let Ok(mut doc) = serde_json::from_slice::<Value>(bytes) else {
        return Err(strict);
    };
    let mut repairs = Repairs::default();
    let mut work = 0;
    for _ in 0..MAX_PASSES {
        work += bytes.len();
        if work > MAX_WORK {
            break;
        }
        let failure = match attempt::<T>(&doc, &repairs.holes) {
            Ok(value) => return Ok((value, repairs.done)),
            Err(failure) => failure,
        };
        let path = blame::<T>(&doc, &repairs.holes, &failure);
        if path.is_empty() {
            return Err(strict);
        }
        let Some(node) = locate(&mut doc, &path) else {
            return Err(strict);
        };
        if !repairs.coerced(&path)
            && let Some(to) = coercion(node)
        {
            let from = std::mem::replace(node, to.clone());
            repairs.record(&path, &failure.message, from, Repair::Coerced(to));
            // The same field of the other members of the same lists has the
            // same type: coerce its values of the same kind now, not one
            // pass each (a wrong guess fails later and is undone).
            for other in members_alike(&doc, &path) {
                if repairs.coerced(&other) || repairs.left_out(&other) {
                    continue;
                }
                let Some(node) = locate(&mut doc, &other) else {
                    continue;
                };
                if let Some(to) = coercion(node)
                    .filter(|to| same_kind(to, &repairs.done.last().expect("just recorded").repair))
                {
                    let from = std::mem::replace(node, to.clone());
                    repairs.record(&other, &failure.message, from, Repair::Coerced(to));
                }
            }
        } else {
            let kind = locate_ref(&doc, &path).map(kind_of);
            repairs.leave_out(&mut doc, path.clone(), &failure.message);
            // serde's "invalid type" depends on the JSON kind alone: the same
            // field of the other members of the same lists fails alike for
            // every value of that kind that cannot be coerced.
            if failure.message.starts_with("invalid type: ") {
                for other in members_alike(&doc, &path) {
                    if repairs.left_out(&other) {
                        continue;
                    }
                    if locate_ref(&doc, &other)
                        .is_some_and(|v| Some(kind_of(v)) == kind && coercion(v).is_none())
                    {
                        repairs.leave_out(&mut doc, other, &failure.message);
                    }
                }
            }
        }
    }
    Err(strict)
}

/// Every other path that differs from `path` in list indices only.
fn members_alike(doc: &Value, path: &[Step]) -> Vec<Vec<Step>> {
    if !path.iter().any(|s| matches!(s, Step::Index(_))) {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut prefix = Vec::new();
    alike(doc, path, &mut prefix, &mut found);
    found.retain(|p| p.as_slice() != path);
    found
}

fn alike(node: &Value, rest: &[Step], prefix: &mut Vec<Step>, found: &mut Vec<Vec<Step>>) {
    let Some((step, rest)) = rest.split_first() else {
        found.push(prefix.clone());
        return;
    };
    match (node, step) {
        (Value::Object(map), Step::Key(k)) => {
            if let Some(child) = map.get(k) {
                prefix.push(step.clone());
                alike(child, rest, prefix, found);
                prefix.pop();
            }
        }
        (Value::Array(items), Step::Index(_)) => {
            for (i, child) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                alike(child, rest, prefix, found);
                prefix.pop();
            }
        }
        _ => {}
    }
}

/// The JSON kind of a value.
fn kind_of(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// Whether a coercion to `to` is of the same kind as `repair` (both to a
/// number, or both to a string).
fn same_kind(to: &Value, repair: &Repair) -> bool {
    matches!(
        (to, repair),
        (Value::Number(_), Repair::Coerced(Value::Number(_)))
            | (Value::String(_), Repair::Coerced(Value::String(_)))
    )
}

/// The repairs of one body. Values left out stay in the document, as holes
/// the written document skips, so every path is a path of the body as sent.
#[derive(Default)]
struct Repairs {
    done: Vec<Mismatch>,
    /// The path of each repair in `done`.
    steps: Vec<Vec<Step>>,
    holes: HashSet<Vec<Step>>,
    coerced: HashSet<Vec<Step>>,
}

impl Repairs {
    fn record(&mut self, path: &[Step], error: &str, value: Value, repair: Repair) {
        if matches!(repair, Repair::Coerced(_)) {
            self.coerced.insert(path.to_vec());
        }
        self.done.push(Mismatch {
            path: render(path),
            error: error.to_owned(),
            value,
            repair,
        });
        self.steps.push(path.to_vec());
    }

    /// Whether the value at `path` was coerced already (a second failure
    /// there leaves it out).
    fn coerced(&self, path: &[Step]) -> bool {
        self.coerced.contains(path)
    }

    /// Whether the value at `path` is in a value left out.
    fn left_out(&self, path: &[Step]) -> bool {
        (0..=path.len()).any(|n| self.holes.contains(&path[..n]))
    }

    /// Leaves the value at `path` out. Repairs inside it are undone (a
    /// coerced value gets its original back), so the value kept is the one
    /// sent, recorded once.
    fn leave_out(&mut self, doc: &mut Value, path: Vec<Step>, error: &str) {
        if self.steps.iter().any(|p| p.starts_with(&path)) {
            let (mut done, mut steps) = (Vec::new(), Vec::new());
            for (inner, m) in std::mem::take(&mut self.steps)
                .into_iter()
                .zip(std::mem::take(&mut self.done))
            {
                if !inner.starts_with(&path) {
                    steps.push(inner);
                    done.push(m);
                } else if let (Repair::Coerced(_), Some(node)) = (&m.repair, locate(doc, &inner)) {
                    *node = m.value;
                    self.coerced.remove(&inner);
                }
            }
            (self.done, self.steps) = (done, steps);
            self.holes.retain(|hole| !hole.starts_with(&path));
        }
        let sent = locate(doc, &path).cloned().unwrap_or(Value::Null);
        self.record(&path, error, sent, Repair::Kept);
        self.holes.insert(path);
    }
}

/// Why one pass failed: serde's message without its position, and the path
/// of the innermost value whose written span holds the position.
struct Failure {
    message: String,
    node: Vec<Step>,
    /// The error sits at the end of a container with members: a misfit of
    /// its last member, or of the container itself (e.g. a missing field).
    at_container_end: bool,
}

/// One pass: writes `doc` out without its holes and decodes it as `T`.
fn attempt<T: DeserializeOwned>(doc: &Value, holes: &HashSet<Vec<Step>>) -> Result<T, Failure> {
    let mut writer = Writer {
        holes,
        path: Vec::new(),
        text: Vec::new(),
        spans: Vec::new(),
    };
    writer.write(doc);
    let Writer { text, spans, .. } = writer;
    serde_json::from_slice::<T>(&text).map_err(|e| {
        let position = format!(" at line {} column {}", e.line(), e.column());
        let full = e.to_string();
        let message = full.strip_suffix(&position).unwrap_or(&full).to_owned();
        // One line: the column is the count of bytes read when serde failed.
        let column = e.column();
        let innermost = spans
            .iter()
            .enumerate()
            .filter(|(_, s)| s.start <= column && column <= s.end)
            .max_by_key(|(_, s)| s.depth)
            .map_or(0, |(i, _)| i);
        let span = &spans[innermost];
        // A union told apart by `type` says where inside it the value that
        // did not fit is (its error is raised at the union's end).
        if let Some((inner, below)) = crate::tagged::split(&message) {
            return Failure {
                message: inner.to_owned(),
                node: below_written(doc, holes, &span.path, &below),
                at_container_end: false,
            };
        }
        Failure {
            message,
            node: span.path.clone(),
            at_container_end: column == span.end && span.last_member.is_some(),
        }
    })
}

/// The path in `doc` of the value `below` names relative to `base` in the
/// written document: a list index there counts only the members written
/// (holes are left out).
fn below_written(
    doc: &Value,
    holes: &HashSet<Vec<Step>>,
    base: &[Step],
    below: &[Value],
) -> Vec<Step> {
    let mut path = base.to_vec();
    for step in below {
        match step {
            Value::String(key) => path.push(Step::Key(key.clone())),
            Value::Number(n) => {
                let Some(written) = n.as_u64().and_then(|n| usize::try_from(n).ok()) else {
                    break;
                };
                let Some(Value::Array(items)) = locate_ref(doc, &path) else {
                    break;
                };
                let original = (0..items.len())
                    .filter(|i| {
                        let mut p = path.clone();
                        p.push(Step::Index(*i));
                        !holes.contains(&p)
                    })
                    .nth(written);
                match original {
                    Some(i) => path.push(Step::Index(i)),
                    None => break,
                }
            }
            _ => break,
        }
    }
    path
}

/// The value to repair. serde positions an error it raises itself (a wrong
/// JSON type) at the value; an error a type raises (an untagged enum that
/// fits no variant, a missing field) at the end of the value, and that end
/// is also its container's when it was the container's last member: then
/// leaving the last member out tells which of the two failed.
fn blame<T: DeserializeOwned>(
    doc: &Value,
    holes: &HashSet<Vec<Step>>,
    failure: &Failure,
) -> Vec<Step> {
    if !failure.at_container_end || failure.message.starts_with("missing field") {
        return failure.node.clone();
    }
    let Some(last) = last_member(doc, holes, &failure.node) else {
        return failure.node.clone();
    };
    let mut trial = holes.clone();
    trial.insert(last.clone());
    match attempt::<T>(doc, &trial) {
        Err(again) if again.message == failure.message && again.node == failure.node => {
            failure.node.clone()
        }
        _ => last,
    }
}

/// The path of the last member of the container at `path` that is not a hole.
fn last_member(doc: &Value, holes: &HashSet<Vec<Step>>, path: &[Step]) -> Option<Vec<Step>> {
    let child = |step: Step| {
        let mut p = path.to_vec();
        p.push(step);
        p
    };
    match locate_ref(doc, path)? {
        Value::Object(map) => map
            .keys()
            .rev()
            .map(|k| child(Step::Key(k.clone())))
            .find(|p| !holes.contains(p)),
        Value::Array(items) => (0..items.len())
            .rev()
            .map(|i| child(Step::Index(i)))
            .find(|p| !holes.contains(p)),
        _ => None,
    }
}

/// Where one value of the written document is.
struct Span {
    start: usize,
    end: usize,
    depth: usize,
    path: Vec<Step>,
    /// For a container with members written: that it has some.
    last_member: Option<()>,
}

/// Writes a document as compact JSON (one line) without its holes,
/// recording every value's span and path (as sent).
struct Writer<'a> {
    holes: &'a HashSet<Vec<Step>>,
    path: Vec<Step>,
    text: Vec<u8>,
    spans: Vec<Span>,
}

impl Writer<'_> {
    fn write(&mut self, value: &Value) {
        let index = self.spans.len();
        self.spans.push(Span {
            start: self.text.len(),
            end: 0,
            depth: self.path.len(),
            path: self.path.clone(),
            last_member: None,
        });
        let mut members = 0;
        match value {
            Value::Object(map) => {
                self.text.push(b'{');
                for (key, member) in map {
                    self.path.push(Step::Key(key.clone()));
                    if !self.holes.contains(&self.path) {
                        if members > 0 {
                            self.text.push(b',');
                        }
                        serde_json::to_writer(&mut self.text, key)
                            .expect("a string writes to memory");
                        self.text.push(b':');
                        self.write(member);
                        members += 1;
                    }
                    self.path.pop();
                }
                self.text.push(b'}');
            }
            Value::Array(items) => {
                self.text.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    self.path.push(Step::Index(i));
                    if !self.holes.contains(&self.path) {
                        if members > 0 {
                            self.text.push(b',');
                        }
                        self.write(item);
                        members += 1;
                    }
                    self.path.pop();
                }
                self.text.push(b']');
            }
            scalar => {
                serde_json::to_writer(&mut self.text, scalar).expect("a scalar writes to memory")
            }
        }
        let span = &mut self.spans[index];
        span.end = self.text.len();
        span.last_member = (members > 0).then_some(());
    }
}

/// [`decode`] for a value already parsed (a webhook's `data.item`): the
/// value is written out once and decoded as a response body would be, so
/// the mismatches are the same.
pub fn from_value<T: DeserializeOwned>(
    value: &Value,
) -> Result<(T, Vec<Mismatch>), serde_json::Error> {
    decode(&serde_json::to_vec(value)?)
}

/// Emits one `tracing` warning per distinct field (list indices folded), so a
/// long list with the same misfit warns once, with its count.
pub fn trace(operation: &str, mismatches: &[Mismatch]) {
    let mut by_field: BTreeMap<String, (usize, &Mismatch)> = BTreeMap::new();
    for m in mismatches {
        by_field.entry(fold_indices(&m.path)).or_insert((0, m)).0 += 1;
    }
    for (field, (count, first)) in by_field {
        let repair = match first.repair {
            Repair::Coerced(_) => "coerced",
            Repair::Kept => "kept aside, field left empty",
        };
        tracing::warn!(
            operation,
            field = %field,
            count,
            repair,
            expected = %first.error,
            "intercom: response value does not fit the spec's type"
        );
    }
}

/// `data[3].id` → `data[].id`.
fn fold_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push_str("[]");
            }
            ']' => in_index = false,
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

/// One step into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    Key(String),
    Index(usize),
}

fn render(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

fn locate_ref<'a>(doc: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(doc, |node, step| match (node, step) {
        (Value::Object(map), Step::Key(k)) => map.get(k),
        (Value::Array(items), Step::Index(i)) => items.get(*i),
        _ => None,
    })
}

fn locate<'a>(doc: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(doc, |node, step| match (node, step) {
        (Value::Object(map), Step::Key(k)) => map.get_mut(k),
        (Value::Array(items), Step::Index(i)) => items.get_mut(*i),
        _ => None,
    })
}

/// The value read the other way, when that loses nothing: a string that is
/// exactly a number's text, or a number or boolean as its text.
fn coercion(value: &Value) -> Option<Value> {
    match value {
        Value::String(s) => {
            let number: serde_json::Number = s.parse().ok()?;
            (number.to_string() == *s).then_some(Value::Number(number))
        }
        Value::Number(n) => Some(Value::String(n.to_string())),
        Value::Bool(b) => Some(Value::String(b.to_string())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    struct Avatar {
        image_url: Option<String>,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    struct Conversation {
        id: Option<String>,
        team_assignee_id: Option<i64>,
        avatar: Option<Avatar>,
        tags: Option<Vec<String>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct List {
        data: Vec<Conversation>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Required {
        count: i64,
    }

    fn bytes(v: Value) -> Vec<u8> {
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn a_body_that_fits_decodes_strictly_with_no_mismatch() {
        let (c, m) =
            decode::<Conversation>(&bytes(json!({"id": "1", "team_assignee_id": 5}))).unwrap();
        assert_eq!(c.team_assignee_id, Some(5));
        assert!(m.is_empty());
    }

    #[test]
    fn values_decode_like_bodies() {
        let value = json!({"id": 42, "avatar": "https://x/y.png", "tags": ["a"]});
        let (c, m) = from_value::<Conversation>(&value).unwrap();
        let (c2, m2) = decode::<Conversation>(&bytes(value)).unwrap();
        assert_eq!((&c, &m), (&c2, &m2));
        assert_eq!(c.id.as_deref(), Some("42"));
        assert_eq!(c.tags, Some(vec!["a".to_owned()]));
        assert_eq!(c.avatar, None);
        assert_eq!(m.len(), 2);
        let avatar = m.iter().find(|m| m.path == "avatar").unwrap();
        assert_eq!(avatar.repair, Repair::Kept);
        assert_eq!(avatar.value, json!("https://x/y.png"));
        assert!(from_value::<Required>(&json!({"count": "x"})).is_err());
    }

    #[test]
    fn numeric_strings_and_numbers_are_read_the_other_way() {
        let (c, m) =
            decode::<Conversation>(&bytes(json!({"id": 42, "team_assignee_id": "5017691"})))
                .unwrap();
        assert_eq!(c.id.as_deref(), Some("42"));
        assert_eq!(c.team_assignee_id, Some(5_017_691));
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].path, "id");
        assert_eq!(m[0].repair, Repair::Coerced(json!("42")));
        assert_eq!(m[1].path, "team_assignee_id");
        assert_eq!(m[1].value, json!("5017691"));
    }

    #[test]
    fn a_value_of_no_fitting_shape_is_kept_aside_and_its_field_left_empty() {
        let url = "https://example.org/a.png";
        let (c, m) = decode::<Conversation>(&bytes(json!({"id": "1", "avatar": url}))).unwrap();
        assert_eq!(c.id.as_deref(), Some("1"));
        assert_eq!(c.avatar, None);
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].path.as_str(), &m[0].value, &m[0].repair),
            ("avatar", &json!(url), &Repair::Kept)
        );
    }

    #[test]
    fn text_that_would_change_is_not_coerced() {
        // "007" is not the text of 7: reading it as 7 would lose the zeros.
        let (c, m) = decode::<Conversation>(&bytes(json!({"team_assignee_id": "007"}))).unwrap();
        assert_eq!(c.team_assignee_id, None);
        assert_eq!(m[0].value, json!("007"));
        assert_eq!(m[0].repair, Repair::Kept);
    }

    #[test]
    fn a_failed_coercion_keeps_the_original_value() {
        // A boolean coerced to "true" still does not fit an i64.
        let (_, m) = decode::<Conversation>(&bytes(json!({"team_assignee_id": true}))).unwrap();
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!((&m[0].value, &m[0].repair), (&json!(true), &Repair::Kept));
    }

    #[test]
    fn misfits_deep_in_lists_are_repaired_in_every_item() {
        let body = json!({"data": [
            {"id": "1", "team_assignee_id": "11"},
            {"id": "2", "tags": ["a", 7, {"x": 1}]},
            {"id": "3", "team_assignee_id": "33", "avatar": {"image_url": 9}}
        ]});
        let (list, m) = decode::<List>(&bytes(body)).unwrap();
        assert_eq!(list.data.len(), 3);
        assert_eq!(list.data[0].team_assignee_id, Some(11));
        assert_eq!(
            list.data[1].tags.as_deref(),
            Some(&["a".to_owned(), "7".to_owned()][..])
        );
        assert_eq!(list.data[2].team_assignee_id, Some(33));
        assert_eq!(
            list.data[2].avatar,
            Some(Avatar {
                image_url: Some("9".into())
            })
        );
        let mut paths: Vec<_> = m.iter().map(|m| m.path.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(
            paths,
            [
                "data[0].team_assignee_id",
                "data[1].tags[1]",
                "data[1].tags[2]",
                "data[2].avatar.image_url",
                "data[2].team_assignee_id"
            ]
        );
        let kept: Vec<_> = m.iter().filter(|m| m.repair == Repair::Kept).collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(
            (kept[0].path.as_str(), &kept[0].value),
            ("data[1].tags[2]", &json!({"x": 1}))
        );
    }

    #[test]
    fn what_cannot_be_left_out_fails_with_the_strict_error() {
        let strict = serde_json::from_slice::<Required>(b"{\"count\": \"many\"}").unwrap_err();
        let lenient = decode::<Required>(b"{\"count\": \"many\"}").unwrap_err();
        assert_eq!(lenient.to_string(), strict.to_string());
        // The document itself of the wrong shape, and a body that is not JSON.
        assert!(decode::<List>(b"[1, 2]").is_err());
        assert!(decode::<List>(b"{\"data\": [").is_err());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(untagged)]
    enum Id {
        Number(i64),
        Many(Vec<i64>),
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    struct Typed {
        a: Option<Id>,
        b: Option<String>,
        nested: Option<Required>,
        z: Option<Id>,
    }

    #[test]
    fn a_type_that_fails_at_its_end_is_blamed_whether_or_not_it_is_the_last_member() {
        // `a` is first: serde places the error right after its value.
        let (t, m) = decode::<Typed>(&bytes(json!({"a": "x", "b": "kept"}))).unwrap();
        assert_eq!((t.a, t.b.as_deref()), (None, Some("kept")));
        assert_eq!((m[0].path.as_str(), &m[0].value), ("a", &json!("x")));
        // `z` is last: its end is also the document's; the document is not blamed.
        let (t, m) = decode::<Typed>(&bytes(json!({"a": 1, "z": {"k": 1}}))).unwrap();
        assert_eq!((t.a, t.z), (Some(Id::Number(1)), None));
        assert_eq!((m[0].path.as_str(), &m[0].value), ("z", &json!({"k": 1})));
        // A map that fits no variant is blamed itself, not its last member.
        let (_, m) = decode::<Typed>(&bytes(json!({"a": {"k": 1}, "b": "x"}))).unwrap();
        assert_eq!((m[0].path.as_str(), &m[0].value), ("a", &json!({"k": 1})));
    }

    #[test]
    fn a_nested_object_missing_a_field_it_needs_is_kept_aside_whole() {
        let (t, m) = decode::<Typed>(&bytes(json!({"nested": {"other": 1}, "b": "x"}))).unwrap();
        assert_eq!((t.nested, t.b.as_deref()), (None, Some("x")));
        assert_eq!(
            (m[0].path.as_str(), &m[0].value),
            ("nested", &json!({"other": 1}))
        );
        assert_eq!(m[0].repair, Repair::Kept);
        // Coerced inside it when that is enough.
        let (t, _) = decode::<Typed>(&bytes(json!({"nested": {"count": "3"}}))).unwrap();
        assert_eq!(t.nested, Some(Required { count: 3 }));
    }

    #[test]
    fn map_values_are_repaired_by_key() {
        let (t, m) = decode::<std::collections::BTreeMap<String, i64>>(&bytes(
            json!({"a": 1, "b": "2", "c": [3]}),
        ))
        .unwrap();
        assert_eq!(
            t.into_iter().collect::<Vec<_>>(),
            [("a".to_owned(), 1), ("b".to_owned(), 2)]
        );
        assert_eq!(
            m.iter().map(|m| m.path.as_str()).collect::<Vec<_>>(),
            ["b", "c"]
        );
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            "[a-z0-9 ]{0,6}".prop_map(Value::from),
            any::<u32>().prop_map(|n| Value::from(n.to_string())),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Whatever a response holds in fields that are all optional, it
        /// decodes, and every value left out is kept, exactly as sent.
        #[test]
        fn any_values_decode_and_nothing_is_lost(fields in proptest::collection::btree_map(
            proptest::sample::select(vec!["id", "team_assignee_id", "avatar", "tags", "zzz"]),
            json_value(),
            0..5,
        )) {
            let doc = Value::Object(fields.clone().into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            let (_, mismatches) = decode::<Conversation>(&bytes(doc.clone())).expect("optional fields never fail");
            for m in &mismatches {
                let sent = locate_ref(&doc, &parse_path(&m.path)).expect("a mismatch names a path of the document");
                proptest::prop_assert_eq!(sent, &m.value);
            }
        }
    }

    fn conversation_fields() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        proptest::collection::btree_map(
            proptest::sample::select(vec!["id", "team_assignee_id", "avatar", "tags", "zzz"]),
            json_value(),
            0..5,
        )
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()))
    }

    proptest::proptest! {
        /// In a list, every item decodes or is kept aside whole, and paths
        /// name items as they were sent, whatever was left out before them.
        #[test]
        fn list_items_keep_their_sent_positions(items in proptest::collection::vec(
            proptest::prop_oneof![conversation_fields(), json_value()],
            0..6,
        )) {
            let doc = json!({ "data": items });
            let sent: Value = serde_json::from_slice(&bytes(doc.clone())).unwrap();
            let (list, mismatches) = decode::<List>(&bytes(doc)).expect("the list itself fits");
            for m in &mismatches {
                let at = locate_ref(&sent, &parse_path(&m.path)).expect("a mismatch names a path of the body");
                proptest::prop_assert_eq!(at, &m.value);
            }
            let whole = mismatches.iter().filter(|m| m.repair == Repair::Kept && parse_path(&m.path).len() == 2).count();
            proptest::prop_assert_eq!(list.data.len() + whole, items.len());
        }
    }

    /// `a.b[2].c` → steps (test helper: keys here have no dots or brackets).
    fn parse_path(path: &str) -> Vec<Step> {
        let mut steps = Vec::new();
        for part in path.split('.') {
            let mut pieces = part.split('[');
            let key = pieces.next().unwrap();
            if !key.is_empty() {
                steps.push(Step::Key(key.to_owned()));
            }
            for index in pieces {
                steps.push(Step::Index(index.trim_end_matches(']').parse().unwrap()));
            }
        }
        steps
    }

    #[test]
    fn a_long_list_with_the_same_misfit_is_repaired_in_few_passes() {
        let items: Vec<Value> = (0..5_000)
            .map(|i| json!({"id": "x", "team_assignee_id": i.to_string(), "avatar": "https://a/b.png"}))
            .collect();
        let body = bytes(json!({ "data": items }));
        let (list, m) = decode::<List>(&body).unwrap();
        assert_eq!(list.data.len(), 5_000);
        assert_eq!(list.data[4_999].team_assignee_id, Some(4_999));
        assert_eq!(m.len(), 10_000, "an id and an avatar for each item");
        // Coercions go all at once; the 5,000 avatars are set aside one pass
        // each, within the work bound.
        assert!(m.iter().all(|m| m.path.starts_with("data[")));
    }

    #[test]
    fn warnings_fold_list_indices() {
        assert_eq!(fold_indices("data[12].tags[3].id"), "data[].tags[].id");
        assert_eq!(fold_indices("id"), "id");
    }
}
