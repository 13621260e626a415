//! Side-by-side comparison of one form item across documents: how each city
//! words the same risk measure. Items are addressed by canonical key, so the
//! same content is found under its different numbers in each form type and
//! version. Three views answer "how do cities word this?": the selected
//! answers tallied (`十分である` × 12 …), the wording split into sentences and
//! clustered across documents ([`crate::reports::wording`]: shared
//! boilerplate, variants, unique sentences), and whole texts grouped by
//! near-identity, each diffed against the most common wording.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use once_cell::sync::Lazy;
use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;
use similar::{capture_diff_slices_deadline, Algorithm, ChangeTag, DiffTag, TextDiff};
use tantivy::query::{BooleanQuery, Occur, Query};

use crate::index::indexer::doc_records;
use crate::index::store::Store;
use crate::model::Location;
use crate::normalize::fold;
use crate::parse::form::{comparable_items, key_has_prefix, lookup_keys};
use crate::query::filter::{any_of, Filters};
use crate::query::search::{sections_where, SectionRecord};
use crate::query::syntax::UserQuery;
use crate::reports::wording::{
    leader_clusters, sentence_matrix, Background, Cluster, DocText, Mark, MarkedSentence, OwnNames,
    SentenceMatrix, TEXT_SIMILARITY,
};

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
    /// The text as sentences, each marked shared / variant / unique with
    /// its cluster in [`Comparison::clusters`].
    pub sentences: Vec<MarkedSentence>,
}

impl CompareEntry {
    /// How this document uses sentence cluster `cluster`: `None` when it has
    /// no sentence in it, a variant when any of its sentences there is one.
    pub fn mark_in(&self, cluster: usize) -> Option<Mark> {
        let mut marks = self
            .sentences
            .iter()
            .filter(|s| s.cluster == cluster)
            .map(|s| s.mark);
        let first = marks.next()?;
        Some(
            if first == Mark::Variant || marks.any(|m| m == Mark::Variant) {
                Mark::Variant
            } else {
                first
            },
        )
    }
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

/// A set of documents whose whole wording is nearly the same (similarity at
/// least [`TEXT_SIMILARITY`] to the group's most common wording).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Group number, by size.
    pub group: usize,
    /// Documents in it.
    pub size: usize,
    /// The group's most common wording.
    pub text: String,
}

/// One selected answer of a choice item and the documents that gave it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AnswerCount {
    /// The answer (`十分に行っている`); `(none)` when a document selected none.
    pub answer: String,
    /// Number of documents.
    pub count: usize,
    /// The documents.
    pub files: Vec<String>,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The item as asked.
    pub item: String,
    /// Canonical key patterns it resolved to.
    pub keys: Vec<String>,
    /// Selected answers, most documents first; empty for an item that no
    /// document answers from a choice (free text).
    pub answers: Vec<AnswerCount>,
    /// Sentence clusters across documents, most shared first.
    pub clusters: Vec<Cluster>,
    /// Whole-text wording groups, largest first.
    pub groups: Vec<Group>,
    /// One entry per document, by group then file.
    pub entries: Vec<CompareEntry>,
}

impl Comparison {
    /// The compared item as readers name it: a key (typed, or linked from
    /// the list) says little to most of them, so an item that resolved to
    /// one form item is titled by its label and where it stands
    /// (`具体的な方法 — 従業者に対する教育・啓発`); otherwise as asked.
    pub fn title(&self) -> String {
        let [key] = self.keys.as_slice() else {
            return self.item.clone();
        };
        match comparable_items().into_iter().find(|i| &i.key == key) {
            Some(i) if i.context.is_empty() => i.label,
            Some(i) => format!("{} — {}", i.label, i.context),
            None => self.item.clone(),
        }
    }

    /// The entries of wording `group`, by place. [`compare`] leaves the
    /// entries sorted by group, so a wording's entries are one run, found
    /// by binary search rather than by a scan of every entry per wording.
    pub fn entries_of(&self, group: usize) -> &[CompareEntry] {
        let from = self.entries.partition_point(|e| e.group < group);
        let to = self.entries.partition_point(|e| e.group <= group);
        &self.entries[from..to]
    }

    /// Documents compared (a document with several 特定個人情報ファイル has
    /// an entry per file's block).
    pub fn documents(&self) -> usize {
        distinct_files(&self.entries)
    }
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

/// Compares the item across every indexed document that passes `filters`
/// (optionally only those whose field text contains every part of `query`).
pub fn compare(
    store: &Store,
    item: &str,
    query: Option<&UserQuery>,
    filters: &Filters,
) -> Result<Comparison> {
    let keys = resolve_item(store, item)?;
    let matches = |k: &str| keys.iter().any(|p| key_has_prefix(k, p));
    let restrict: Option<Box<dyn Query>> = if filters.is_empty() {
        None
    } else {
        let searcher = store.reader()?.searcher();
        let clauses = filters
            .to_queries(&searcher, &store.fields)?
            .into_iter()
            .map(|q| (Occur::Must, q))
            .collect();
        Some(Box::new(BooleanQuery::new(clauses)))
    };
    let sections = sections_where(store, Some(&matches), restrict)?;
    let mut entries: Vec<CompareEntry> = by_document(sections)
        .into_values()
        .filter_map(|secs| pick(&secs, item))
        .filter(|e| query.is_none_or(|q| q.matches(&fold(&e.text))))
        .collect();
    let groups = group(&mut entries);
    let answers = tally(&entries);
    let corpus = store.bigram_share()?;
    let matrix = sentences(&mut entries, &|g| corpus.of(g));
    Ok(Comparison {
        item: item.to_string(),
        keys,
        answers,
        clusters: matrix.clusters,
        groups,
        entries,
    })
}

/// Clusters the entries' sentences and gives each entry its marked
/// sentences. A bare answer (`十分に行っている` as the whole text) is
/// tallied, not a sentence of the wording.
fn sentences(entries: &mut [CompareEntry], background: Background) -> SentenceMatrix {
    let prose = |e: &CompareEntry| {
        let bare = e.value.as_deref().is_some_and(|v| fold(v) == fold(&e.text));
        if bare {
            String::new()
        } else {
            without_answers(&e.text).to_string()
        }
    };
    let docs: Vec<DocText> = entries
        .iter()
        .map(|e| DocText {
            file: e.location.file.clone(),
            text: prose(e),
            names: own_names(e),
        })
        .collect();
    let mut matrix = sentence_matrix(&docs, background);
    for (e, d) in entries
        .iter_mut()
        .zip(std::mem::take(&mut matrix.documents))
    {
        e.sentences = d.sentences;
    }
    matrix
}

/// Answers tallied over the entries, most documents first.
fn tally(entries: &[CompareEntry]) -> Vec<AnswerCount> {
    // A free-text item has no answers: a lone `(none)` row for every
    // document would only be noise.
    if entries.iter().all(|e| e.value.is_none()) {
        return Vec::new();
    }
    let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in entries {
        let answer = e.value.clone().unwrap_or_else(|| "(none)".to_string());
        by.entry(answer).or_default().push(e.location.file.clone());
    }
    let mut out: Vec<AnswerCount> = by
        .into_iter()
        .map(|(answer, files)| AnswerCount {
            answer,
            count: files.len(),
            files,
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.answer.cmp(&b.answer)));
    out
}

/// Documents among the entries (a document with several 特定個人情報ファイル
/// has an entry per file's block).
fn distinct_files(entries: &[CompareEntry]) -> usize {
    entries
        .iter()
        .map(|e| &e.location.file)
        .collect::<BTreeSet<_>>()
        .len()
}

/// The sections of each document, and of each 特定個人情報ファイル's block
/// apart in a document that repeats the form's sections per file
/// ([`Location::file_block`]): each file's wording is compared on its own.
fn by_document(
    sections: Vec<SectionRecord>,
) -> BTreeMap<(String, Option<String>), Vec<SectionRecord>> {
    let mut by: BTreeMap<(String, Option<String>), Vec<SectionRecord>> = BTreeMap::new();
    for s in sections {
        let block = s.location.file_block.clone();
        by.entry((s.location.file.clone(), block))
            .or_default()
            .push(s);
    }
    by
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
        sentences: Vec::new(),
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

/// Selected answers printed in brackets before the wording (`[十分に行っている]`
/// or `［ 十分である ］`): the answers table tallies them, and left in the
/// first sentence they made a city whose wording is word for word the
/// common one a variant of it. A bracket of marks alone (`[ ○ ]`, `[]`) is
/// part of a choice list and stays.
static LEADING_ANSWERS: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^(?:\s*[\[［]\s*[^\[\]［］○〇◯\s][^\[\]［］○〇◯]{1,40}[\]］])+\s*")
        .expect("a valid pattern")
});

/// `text` after the bracketed answers it starts with ([`LEADING_ANSWERS`]).
fn without_answers(text: &str) -> &str {
    LEADING_ANSWERS
        .find(text)
        .map_or(text, |m| &text[m.end()..])
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

/// The names a document's text calls its author by.
fn own_names(e: &CompareEntry) -> Vec<String> {
    [&e.location.municipality, &e.location.prefecture]
        .into_iter()
        .flatten()
        .cloned()
        .collect()
}

/// Assigns whole-text groups (nearly identical wording, largest first) and
/// diffs every entry against group 0's wording. As in the sentences, each
/// document's own names stand as [`crate::reports::wording::OWN_NAME`]: two
/// cities that word a measure alike, each naming itself, word it the same.
fn group(entries: &mut [CompareEntry]) -> Vec<Group> {
    let own: Vec<OwnNames> = entries
        .iter()
        .map(|e| OwnNames::new(&own_names(e)))
        .collect();
    let texts: Vec<String> = entries
        .iter()
        .zip(&own)
        .map(|(e, o)| o.masked_text(&e.text).into_owned())
        .collect();
    // Distinct wordings, most used first, lead their groups.
    let folded: Vec<String> = entries
        .iter()
        .zip(&own)
        .map(|(e, o)| o.masked_key(&fold(&e.text)).into_owned())
        .collect();
    let mut uses: HashMap<String, (usize, usize)> = HashMap::new();
    for (i, k) in folded.iter().enumerate() {
        uses.entry(k.clone()).or_insert((0, i)).0 += 1;
    }
    let mut distinct: Vec<(String, usize, usize)> = uses
        .into_iter()
        .map(|(k, (n, first))| (k, n, first))
        .collect();
    distinct.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
    let keys: Vec<String> = distinct.iter().map(|d| d.0.clone()).collect();
    let assigned = leader_clusters(&keys, TEXT_SIMILARITY);
    let clusters = assigned.iter().max().map_or(0, |m| m + 1);
    let mut size = vec![0usize; clusters];
    let mut leader: Vec<Option<usize>> = vec![None; clusters];
    for (d, &c) in assigned.iter().enumerate() {
        size[c] += distinct[d].1;
        leader[c].get_or_insert(distinct[d].2);
    }
    let mut order: Vec<usize> = (0..clusters).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(size[c]), leader[c]));
    let mut renumber = vec![0usize; clusters];
    for (new, &old) in order.iter().enumerate() {
        renumber[old] = new;
    }
    let groups: Vec<Group> = order
        .iter()
        .enumerate()
        .map(|(g, &c)| Group {
            group: g,
            size: size[c],
            text: leader[c].map_or_else(String::new, |i| texts[i].clone()),
        })
        .collect();
    let group_of: HashMap<String, usize> = distinct
        .into_iter()
        .zip(&assigned)
        .map(|(d, &c)| (d.0, renumber[c]))
        .collect();
    // One diff per distinct wording (most documents share one word for
    // word), on all cores: diffing every entry took an item of 11 286
    // documents 6.7 s, 85 % of it in Myers' algorithm.
    let base = groups.first().map(|g| g.text.clone()).unwrap_or_default();
    let wordings: BTreeSet<&str> = texts.iter().map(String::as_str).collect();
    let diffs: HashMap<&str, Vec<DiffSpan>> = wordings
        .into_par_iter()
        .map(|t| (t, diff(&base, t)))
        .collect();
    for ((e, k), text) in entries.iter_mut().zip(folded).zip(&texts) {
        e.group = group_of[&k];
        e.diff = diffs[text.as_str()].clone();
    }
    // Each wording's documents by place, north to south; a wording's
    // entries are then one run (`Comparison::entries_of`).
    entries.sort_by_cached_key(|e| (e.group, super::by_place(&e.location)));
    groups
}

/// How long one diff may look for the least edit: two long texts that
/// share little can take Myers' algorithm seconds, and past this it returns
/// a correct but coarser diff (longer runs marked inserted and deleted).
const DIFF_TIMEOUT: Duration = Duration::from_millis(100);

/// Bytes at the start of `a` and `b` that they share, whole characters.
fn common_prefix(a: &str, b: &str) -> usize {
    a.chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum()
}

/// Bytes at the end of `a` and `b` that they share, whole characters.
fn common_suffix(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum()
}

/// Replaced sentences longer than this together are marked deleted and
/// inserted whole rather than compared character by character: about two
/// sentences a side, the length of an edit a reader compares by eye, where a
/// character diff of long runs is slow and marks scattered coincidences.
const MAX_CHAR_DIFF_BYTES: usize = 1_200;

/// Character diff of `text` against `base`, as merged runs: sentences
/// (`。` or a line break ends one) are matched first, and characters are
/// compared only within the sentences replaced. Two cities' wordings share
/// most sentences whole, and a character diff of whole texts took an item
/// of 11 286 documents seconds (85 % of `pia compare` in Myers' algorithm).
pub fn diff(base: &str, text: &str) -> Vec<DiffSpan> {
    let deadline = Instant::now() + DIFF_TIMEOUT;
    fn sentences(s: &str) -> Vec<&str> {
        s.split_inclusive(['。', '\n']).collect()
    }
    let (old, new) = (sentences(base), sentences(text));
    let mut out: Vec<DiffSpan> = Vec::new();
    let mut push = |op: &'static str, text: &str| {
        if text.is_empty() {
            return;
        }
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(text),
            _ => out.push(DiffSpan {
                op,
                text: text.to_string(),
            }),
        }
    };
    for op in capture_diff_slices_deadline(Algorithm::Myers, &old, &new, Some(deadline)) {
        let (tag, o, n) = op.as_tag_tuple();
        let (was, now) = (old[o].concat(), new[n].concat());
        match tag {
            DiffTag::Equal => push("equal", &was),
            DiffTag::Delete => push("delete", &was),
            DiffTag::Insert => push("insert", &now),
            DiffTag::Replace => {
                // What the two keep at either end (a word changed in a long
                // sentence) is equal; only the middle is compared.
                let head = common_prefix(&was, &now);
                let tail = common_suffix(&was[head..], &now[head..]);
                let (mid_was, mid_now) =
                    (&was[head..was.len() - tail], &now[head..now.len() - tail]);
                push("equal", &was[..head]);
                if mid_was.len() + mid_now.len() > MAX_CHAR_DIFF_BYTES {
                    // Sentences reordered or rewritten at length: whole runs.
                    push("delete", mid_was);
                    push("insert", mid_now);
                } else {
                    let chars = TextDiff::configure()
                        .deadline(deadline)
                        .diff_chars(mid_was, mid_now);
                    for change in chars.iter_all_changes() {
                        let op = match change.tag() {
                            ChangeTag::Equal => "equal",
                            ChangeTag::Insert => "insert",
                            ChangeTag::Delete => "delete",
                        };
                        push(op, change.value());
                    }
                }
                push("equal", &was[was.len() - tail..]);
            }
        }
    }
    out
}

/// Most documents `pia compare --list` reads per item: the variation of a
/// corpus-wide ranking is estimated on a fixed pseudo-random sample (by hash
/// of the file name), so memory and time stay bounded at national scale.
pub const LIST_SAMPLE: usize = 400;

/// What readers of the list are told when its figures come from the sample:
/// a document count of 51 next to an index of 11 286 documents reads as a
/// total.
pub fn sample_note() -> String {
    format!(
        "Document counts and wordings per document in this list come from a fixed sample of \
         {LIST_SAMPLE} documents of the index (the same each time); a comparison itself reads \
         every document."
    )
}

/// One comparable item across the corpus: how many documents have it and
/// how much their wording varies.
#[derive(Debug, Clone, Serialize)]
pub struct ItemVariation {
    /// Canonical key (`N` = any block number).
    pub key: String,
    /// Label as printed in the first form that has it.
    pub label: String,
    /// Its ancestors' labels in that form ([`crate::parse::form::ComparableItem::context`]).
    pub context: String,
    /// Documents that have the item (within the sample, see `sampled`).
    pub documents: usize,
    /// Distinct selected answers.
    pub answers: usize,
    /// Sentence clusters of the item's wording across those documents.
    pub clusters: usize,
    /// Sentence clusters per document: 0 = no prose; about 1 = everyone
    /// says about the same; higher = cities word it their own way.
    pub variation: f64,
    /// True when the index holds more than [`LIST_SAMPLE`] documents and
    /// the figures come from that sample.
    pub sampled: bool,
}

/// `pia compare --list`: every form item present in the index, ranked by how
/// much the wording varies across documents (sentence clusters per
/// document; items found in one document only come last), so a reader finds
/// where cities differ most. One item at a time, on at most [`LIST_SAMPLE`]
/// documents.
pub fn list(store: &Store) -> Result<Vec<ItemVariation>> {
    let mut files: Vec<String> = doc_records(store)?.into_iter().map(|d| d.file).collect();
    let sampled = files.len() > LIST_SAMPLE;
    if sampled {
        files.sort_by_cached_key(|f| blake3::hash(f.as_bytes()).to_hex().to_string());
        files.truncate(LIST_SAMPLE);
    }
    let terms: BTreeSet<Vec<u8>> = files.into_iter().map(String::into_bytes).collect();
    let within = sampled.then(|| any_of(store.fields.file, terms, false));
    // Items are independent: they run on all cores, each rayon job with
    // its own memo of bigram shares (the memo is not shared across threads).
    let items: Vec<Option<ItemVariation>> = comparable_items()
        .into_par_iter()
        .map_init(
            || store.bigram_share().map_err(|e| format!("{e:#}")),
            |corpus, item| -> Result<Option<ItemVariation>> {
                let corpus = match corpus {
                    Ok(c) => c,
                    Err(e) => bail!("cannot read the index's bigram statistics: {e}"),
                };
                let pred = |k: &str| key_has_prefix(k, &item.key);
                let by_file = by_document(sections_where(
                    store,
                    Some(&pred),
                    within.as_ref().map(|q| q.box_clone()),
                )?);
                if by_file.is_empty() {
                    return Ok(None);
                }
                let mut entries: Vec<CompareEntry> = by_file
                    .into_values()
                    .filter_map(|secs| pick(&secs, &item.label))
                    .collect();
                let documents = distinct_files(&entries);
                let answers = tally(&entries).len();
                let matrix = sentences(&mut entries, &|g| corpus.of(g));
                Ok(Some(ItemVariation {
                    key: item.key,
                    label: item.label,
                    context: item.context,
                    documents,
                    answers,
                    clusters: matrix.clusters.len(),
                    variation: matrix.clusters.len() as f64 / documents.max(1) as f64,
                    sampled,
                }))
            },
        )
        .collect::<Result<_>>()?;
    let mut out: Vec<ItemVariation> = items.into_iter().flatten().collect();
    // An item only one document has cannot vary across documents: last.
    out.sort_by(|a, b| {
        (b.documents > 1)
            .cmp(&(a.documents > 1))
            .then(b.variation.total_cmp(&a.variation))
            .then(b.documents.cmp(&a.documents))
            .then(a.key.cmp(&b.key))
    });
    Ok(out)
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

    /// The text a diff gives for one side: its equal runs and that side's.
    fn side(d: &[DiffSpan], op: &str) -> String {
        d.iter()
            .filter(|s| s.op == "equal" || s.op == op)
            .map(|s| s.text.as_str())
            .collect()
    }

    #[test]
    fn a_word_changed_in_a_long_sentence_is_all_that_is_marked() {
        let long = "情報セキュリティに関する研修を実施し、".repeat(40);
        let base = format!("{long}年1回の受講を必須としている");
        let text = format!("{long}年2回の受講を必須としている");
        assert!(base.len() > MAX_CHAR_DIFF_BYTES, "{}", base.len());
        let d = diff(&base, &text);
        let changed: Vec<&str> = d
            .iter()
            .filter(|s| s.op != "equal")
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(changed, ["1", "2"], "{d:?}");
    }

    #[test]
    fn unrelated_long_wordings_are_one_deletion_and_one_insertion() {
        let base = "中間サーバー・プラットフォームの運用に携わる職員に対し研修を行う".repeat(30);
        let text = "本市における措置として担当部署が情報セキュリティ研修を実施する".repeat(30);
        let d = diff(&base, &text);
        let ops: Vec<&str> = d.iter().map(|s| s.op).collect();
        assert_eq!(ops, ["delete", "insert"], "{d:?}");
    }

    proptest::proptest! {
        /// Whatever the texts, a diff gives back both of them.
        #[test]
        fn a_diff_gives_back_both_texts(
            base in "[あいう。\n漢a]{0,300}",
            text in "[あいう。\n漢b]{0,300}",
        ) {
            let d = diff(&base, &text);
            proptest::prop_assert_eq!(side(&d, "delete"), base);
            proptest::prop_assert_eq!(side(&d, "insert"), text);
        }
    }

    #[test]
    fn answers_before_the_wording_are_not_part_of_it() {
        assert_eq!(
            without_answers("[十分に行っている][十分である]マイナンバー利用事務において…"),
            "マイナンバー利用事務において…"
        );
        assert_eq!(without_answers("［ 十分である ］ 施錠する。"), "施錠する。");
        // Marks of a choice list, and brackets later in the text, stay.
        assert_eq!(without_answers("[ ○ ]紙 [ ]その他"), "[ ○ ]紙 [ ]その他");
        assert_eq!(without_answers("施錠する[十分]。"), "施錠する[十分]。");
    }

    #[test]
    fn bare_answers_are_not_prose() {
        assert_eq!(prose_len("[ 十分である ]"), 0);
        assert!(prose_len("施錠できるキャビネットに保管する。") >= MIN_PROSE_CHARS);
    }
}
