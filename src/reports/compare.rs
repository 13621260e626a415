//! Side-by-side comparison of one form item across documents: how each city
//! words the same risk measure. Items are addressed by canonical key, so the
//! same content is found under its different numbers in each form type and
//! version; identical wordings are grouped and each document is diffed
//! against the most common wording.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{bail, Result};
use serde::Serialize;
use similar::{ChangeTag, TextDiff};

use crate::index::store::Store;
use crate::model::Location;
use crate::normalize::fold;
use crate::parse::form::{comparable_items, key_has_prefix, lookup_keys, ComparableItem};
use crate::query::search::{sections_where, SectionRecord};
use crate::query::syntax::UserQuery;

/// Shortest folded text (without bracketed choices) that counts as the
/// field's own wording rather than a bare answer like `[ 十分である ]`.
const MIN_PROSE_CHARS: usize = 10;

/// One document's wording of the item.
#[derive(Debug, Clone, Serialize)]
pub struct CompareEntry {
    /// Which document, and where the item sits in its form.
    #[serde(flatten)]
    pub location: Location,
    /// Canonical key.
    pub key: String,
    /// The field's text (label removed, blanks folded).
    pub text: String,
    /// Selected choice (`十分である`).
    pub value: Option<String>,
    /// Wording group (0 = most common).
    pub group: usize,
    /// Difference from group 0's wording.
    pub diff: Vec<DiffSpan>,
}

/// A run of the character diff against the most common wording.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DiffSpan {
    /// `equal`, `insert` (only in this document) or `delete` (only in the
    /// common wording).
    pub op: &'static str,
    /// The characters.
    pub text: String,
}

/// A set of documents with identical wording (after normalisation).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Group number, by size.
    pub group: usize,
    /// Documents in it.
    pub size: usize,
    /// The wording of its first document.
    pub text: String,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The item as asked.
    pub item: String,
    /// Canonical key patterns it resolved to.
    pub keys: Vec<String>,
    /// Wording groups, largest first.
    pub groups: Vec<Group>,
    /// One entry per document, by group then file.
    pub entries: Vec<CompareEntry>,
}

/// Canonical key patterns for what the user typed: a key, a label or path
/// fragment of the form trees, or else a fragment of indexed section labels.
pub fn resolve_item(store: &Store, item: &str) -> Result<Vec<String>> {
    let item = item.trim();
    if item.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) && item.is_ascii() {
        return Ok(vec![item.to_string()]);
    }
    let keys = lookup_keys(item);
    if !keys.is_empty() {
        return Ok(keys);
    }
    let want = fold(item);
    let mut keys: BTreeSet<String> = BTreeSet::new();
    for s in sections_where(store, None, None)? {
        if fold(&s.label()).contains(&want) && !s.key.is_empty() {
            keys.insert(s.key);
        }
    }
    if keys.is_empty() {
        bail!("no form item matches {item:?} (see `pia compare --list`)");
    }
    Ok(keys.into_iter().collect())
}

/// Compares the item across every indexed document (optionally only those
/// whose field text contains every part of `query`).
pub fn compare(store: &Store, item: &str, query: Option<&UserQuery>) -> Result<Comparison> {
    let keys = resolve_item(store, item)?;
    let matches = |k: &str| keys.iter().any(|p| key_has_prefix(k, p));
    let sections = sections_where(store, Some(&matches), None)?;
    let mut by_file: BTreeMap<String, Vec<SectionRecord>> = BTreeMap::new();
    for s in sections {
        by_file.entry(s.location.file.clone()).or_default().push(s);
    }
    let mut entries: Vec<CompareEntry> = by_file
        .into_values()
        .filter_map(|secs| pick(&secs, item))
        .filter(|e| query.is_none_or(|q| q.must.iter().all(|p| fold(&e.text).contains(&p.norm))))
        .collect();
    let groups = group(&mut entries);
    Ok(Comparison {
        item: item.to_string(),
        keys,
        groups,
        entries,
    })
}

/// The one section of a document that holds the item's wording: the first
/// with prose of its own; else the field whose title is the item itself
/// (`重大事故` is `３．重大事故`, not its question; deepest of equal titles);
/// else the shallowest field with a selected answer.
fn pick(secs: &[SectionRecord], item: &str) -> Option<CompareEntry> {
    let prose = secs
        .iter()
        .find(|s| prose_len(&s.value_text()) >= MIN_PROSE_CHARS);
    let wanted = fold(item.split(" (").next().unwrap_or(item));
    let own = || {
        secs.iter().min_by_key(|s| {
            let exact = fold(crate::query::filter::split_number(&s.label()).1) == wanted;
            let depth = s.key.split('.').count() as i64;
            let depth = if exact { -depth } else { depth };
            (!exact, s.value.is_none(), depth, s.ordinal)
        })
    };
    let s = prose.or_else(own)?;
    let mut text = clean(&s.value_text());
    if text.is_empty() {
        text = s.value.clone().unwrap_or_default();
    }
    Some(CompareEntry {
        location: s.location.clone(),
        key: s.key.clone(),
        text,
        // The item's selected answer, also when the wording is a sibling's.
        value: s
            .value
            .clone()
            .or_else(|| own().and_then(|o| o.value.clone())),
        group: 0,
        diff: Vec::new(),
    })
}

/// The wording without choice-list markers and without the brackets around
/// a bare answer (`[ 十分である ]` reads as `十分である`, as other forms print it).
fn clean(text: &str) -> String {
    let t = text
        .replace("＜選択肢＞", "")
        .replace("<選択肢>", "")
        .trim()
        .to_string();
    match t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        Some(inner) if !inner.contains(['[', ']']) => inner.trim().to_string(),
        _ => t,
    }
}

/// Characters of folded text outside `[…]` answer brackets.
fn prose_len(text: &str) -> usize {
    let mut depth = 0usize;
    fold(text)
        .chars()
        .filter(|&c| {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                _ => return depth == 0,
            }
            false
        })
        .count()
}

/// Assigns groups (largest first) and diffs every entry against group 0.
fn group(entries: &mut [CompareEntry]) -> Vec<Group> {
    let mut sizes: HashMap<String, (usize, usize)> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        sizes.entry(fold(&e.text)).or_insert((0, i)).0 += 1;
    }
    let mut order: Vec<(String, usize, usize)> = sizes
        .into_iter()
        .map(|(k, (n, first))| (k, n, first))
        .collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let groups: Vec<Group> = order
        .iter()
        .enumerate()
        .map(|(g, (_, n, first))| Group {
            group: g,
            size: *n,
            text: entries[*first].text.clone(),
        })
        .collect();
    let index: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(g, (k, _, _))| (k.as_str(), g))
        .collect();
    let base = groups.first().map(|g| g.text.clone()).unwrap_or_default();
    for e in entries.iter_mut() {
        e.group = index[fold(&e.text).as_str()];
        e.diff = diff(&base, &e.text);
    }
    entries.sort_by(|a, b| (a.group, &a.location.file).cmp(&(b.group, &b.location.file)));
    groups
}

/// Character diff of `text` against `base`, as merged runs.
pub fn diff(base: &str, text: &str) -> Vec<DiffSpan> {
    let d = TextDiff::from_chars(base, text);
    let mut out: Vec<DiffSpan> = Vec::new();
    for change in d.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => "equal",
            ChangeTag::Insert => "insert",
            ChangeTag::Delete => "delete",
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => out.push(DiffSpan {
                op,
                text: change.value().to_string(),
            }),
        }
    }
    out
}

/// `pia compare --list`: every form item with the number of indexed
/// documents that have it.
pub fn list(store: &Store) -> Result<Vec<(ComparableItem, usize)>> {
    let mut files_by_key: HashMap<String, BTreeSet<String>> = HashMap::new();
    for s in sections_where(store, None, None)? {
        files_by_key
            .entry(s.key)
            .or_default()
            .insert(s.location.file);
    }
    Ok(comparable_items()
        .into_iter()
        .map(|item| {
            let docs: BTreeSet<&String> = files_by_key
                .iter()
                .filter(|(k, _)| key_has_prefix(k, &item.key))
                .flat_map(|(_, f)| f)
                .collect();
            (item, docs.len())
        })
        .filter(|(_, n)| *n > 0)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_insertions_and_deletions() {
        let d = diff("施錠できる書庫", "施錠できるキャビネット");
        assert_eq!(
            d[0],
            DiffSpan {
                op: "equal",
                text: "施錠できる".into()
            }
        );
        assert!(d
            .iter()
            .any(|s| s.op == "delete" && s.text.contains("書庫")));
        assert!(d
            .iter()
            .any(|s| s.op == "insert" && s.text.contains("キャビネット")));
    }

    #[test]
    fn bare_answers_are_not_prose() {
        assert_eq!(prose_len("[ 十分である ]"), 0);
        assert!(prose_len("施錠できるキャビネットに保管する。") >= MIN_PROSE_CHARS);
    }
}
