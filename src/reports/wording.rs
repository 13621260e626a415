//! What documents share in their wording of one item, sentence by sentence.
//!
//! A reader comparing how cities word a risk measure wants to see which
//! sentences are common boilerplate, which are variants of a common sentence
//! and which one city wrote alone — not one giant diff against the most common
//! text. So each document's text is split into sentences and list items, and
//! near-identical sentences across documents are clustered.
//!
//! Similarity is the Dice coefficient of the two sentences' character-bigram
//! multisets after normalisation (NFKC, blanks removed, list markers
//! stripped); a sentence joins the most similar cluster if that is at least
//! [`SENTENCE_SIMILARITY`], else it starts a new one. Candidate clusters are
//! found through an inverted index of bigrams, so the work grows with the
//! number of distinct sentences, not with their square.
//!
//! Cities also make the same point in different words (`違反した職員は…懲戒処分の
//! 対象とする` / `違反行為は…懲戒の対象となりうる`: Dice 0.2), which no threshold
//! on the whole sentence joins without joining unrelated sentences too. So a
//! second pass joins two clusters that share at least [`SHARED_TERMS`]
//! *distinctive terms* and no document. A term is a word — a run of kanji and
//! katakana, the characters that carry the topic — and it is distinctive when
//! one of its bigrams occurs in these two clusters only, among all of the
//! item's clusters, and in at most [`DISTINCTIVE_SHARE`] of the corpus's
//! sections: a word the rest of the item does not use and the corpus rarely
//! does, so two cities using it are most likely making the same point. The
//! authors' own names (`松戸市`) are blanked out first: two documents of one
//! city share them whatever they say. See `join_on_distinctive_terms`.
//!
//! Before any of this, each document's own names stand as `〇〇` (`OwnNames`):
//! a city that words a measure as another does, naming itself where the
//! other names itself, uses the same wording, not a variant of it.

use std::collections::{BTreeSet, HashMap, HashSet};

use once_cell::sync::Lazy;
use regex::Regex;
use serde::Serialize;

use crate::normalize::fold;
use crate::reports::compare::{diff, DiffSpan};

/// Dice similarity (0–1) of character bigrams at or above which two
/// sentences are variants of one another. 0.5 joins sentences that differ in
/// a word or a clause (`…懲戒の対象となりうる。` / `…懲戒処分の対象とする。` within
/// the same sentence frame) and keeps apart sentences that only share
/// function words (`…を実施する。`).
pub const SENTENCE_SIMILARITY: f64 = 0.5;

/// Dice similarity at or above which two whole texts count as nearly the same
/// wording (one group in `pia compare`).
pub const TEXT_SIMILARITY: f64 = 0.8;

/// Most share of the corpus's sections a content bigram may occur in to be
/// distinctive: 1% keeps the words of one risk measure (`懲戒`, `違反` occur
/// in one section of a document that has them, of 150–400) and drops the
/// vocabulary of the whole form (`システム`, `保険`, `管理`, `研修`, in many
/// sections of every document).
pub const DISTINCTIVE_SHARE: f64 = 0.01;

/// Distinctive terms two clusters must share to be joined: one shared rare
/// word is often a coincidence (`運用規則` in two otherwise different
/// sentences), two rarely are.
pub const SHARED_TERMS: usize = 2;

/// How common a text is in the corpus: the share (0–1) of its sections
/// whose normalised text contains a bigram. The background that tells a
/// distinctive term from a common one.
pub type Background<'a> = &'a dyn Fn(&str) -> f64;

/// How a document's sentence relates to the other documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Word for word the wording other documents use (its cluster's most
    /// common wording, found in at least two documents).
    Shared,
    /// Close to a sentence of other documents, but worded differently.
    Variant,
    /// No other document has a sentence like it.
    Unique,
}

/// One wording of a cluster's sentence and the documents that use it.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// The sentence as the first document prints it (blanks folded).
    pub text: String,
    /// Documents using this wording.
    pub files: Vec<String>,
    /// Difference from the cluster's most common wording.
    pub diff: Vec<DiffSpan>,
}

/// Near-identical sentences across documents.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    /// Cluster number: by number of documents, then first appearance.
    pub id: usize,
    /// Documents with a sentence in the cluster.
    pub documents: usize,
    /// True when at least half of the compared documents (and two) have it.
    pub boilerplate: bool,
    /// Wordings, most documents first; the first is the cluster's text.
    pub variants: Vec<Variant>,
}

/// A document's sentence, in its own order, marked.
#[derive(Debug, Clone, Serialize)]
pub struct MarkedSentence {
    /// The sentence (blanks folded).
    pub text: String,
    /// Its cluster.
    pub cluster: usize,
    /// Shared, variant or unique.
    pub mark: Mark,
}

/// One document's text as marked sentences.
#[derive(Debug, Clone, Serialize)]
pub struct DocSentences {
    /// The document.
    pub file: String,
    /// Its sentences in reading order.
    pub sentences: Vec<MarkedSentence>,
}

/// One document's wording of an item, as [`sentence_matrix`] takes it.
#[derive(Debug, Clone, Default)]
pub struct DocText {
    /// The document.
    pub file: String,
    /// Its text for the item.
    pub text: String,
    /// Its author's names (municipality, prefecture): they say who wrote a
    /// sentence, not what it says, so they never count as shared terms
    /// (two documents of one city both name it, rarely elsewhere).
    pub names: Vec<String>,
}

/// Sentence clusters of a set of documents and each document's marked text.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SentenceMatrix {
    /// Clusters, shared by most documents first.
    pub clusters: Vec<Cluster>,
    /// Documents in input order.
    pub documents: Vec<DocSentences>,
}

static BOUNDARY: Lazy<Regex> = Lazy::new(|| {
    Regex::new(concat!(
        r"(?:^|\s)[0-9０-９]{1,2}[\s．.]", // "１ 所管課における措置"
        r"|[①-⑳]",
        r"|[（(][0-9０-９一二三四五六七八九十]{1,2}[）)]",
        r"|(?:^|[\s。])・",
        r"|[<＜][^<>＜＞\n]{1,30}[>＞]",
    ))
    .unwrap()
});

/// List markers stripped before sentences are compared (`①`, `・`, `（２）`).
static MARKER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^(?:[0-9]{1,2}[.．]?|[①-⑳]|[(][0-9一二三四五六七八九十]{1,2}[)]|・)+").unwrap()
});

/// Splits free text into sentences and list items: after `。`, and before
/// list markers (`・`, `①`, `（１）`, a number at the start of a line or after
/// a blank, `<見出し>`). Blanks inside a sentence (PDF line wraps) are
/// removed between Japanese characters.
pub fn split_sentences(text: &str) -> Vec<String> {
    keyed_sentences(text).into_iter().map(|(s, _)| s).collect()
}

/// [`split_sentences`] with each sentence's comparison key, normalised once
/// (sentences whose key is empty — markers or punctuation only — dropped).
fn keyed_sentences(text: &str) -> Vec<(String, String)> {
    let mut cuts: BTreeSet<usize> = BTreeSet::new();
    for m in BOUNDARY.find_iter(text) {
        let start = m.start() + m.as_str().len() - m.as_str().trim_start().len();
        // A boundary that begins with 。 cuts after it.
        let start = if text[start..].starts_with('。') {
            start + '。'.len_utf8()
        } else {
            start
        };
        cuts.insert(start);
    }
    for (i, _) in text.match_indices('。') {
        let after = i + '。'.len_utf8();
        // `（…第1号。）`: a full stop inside brackets does not end the sentence.
        if !text[after..].starts_with(['）', ')', '」', '』']) {
            cuts.insert(after);
        }
    }
    cuts.insert(text.len());
    let mut out = Vec::new();
    let mut prev = 0;
    for c in cuts {
        if c <= prev {
            continue;
        }
        let s = compact(&text[prev..c]);
        prev = c;
        let k = key(&s);
        if !k.is_empty() {
            out.push((s, k));
        }
    }
    out
}

/// Removes blanks except between two ASCII alphanumerics (`IPA (情報…` keeps
/// none, `ISO 27001` keeps one).
fn compact(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut out = String::new();
    for w in words {
        let glue = out
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            && w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if glue {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// What sentences are compared by: normalised, list markers stripped.
fn key(sentence: &str) -> String {
    let f = fold(sentence);
    MARKER.replace(&f, "").into_owned()
}

/// Character bigrams of `s` with their counts, sorted by bigram (a lone
/// character is its own "bigram", so one-character sentences still compare).
/// Sorted vectors, not hash maps: similarity is a linear merge.
fn bigrams(s: &str) -> Vec<(u64, u32)> {
    let chars: Vec<char> = s.chars().collect();
    let mut grams: Vec<u64> = if chars.len() == 1 {
        vec![u64::from(chars[0]) << 32]
    } else {
        chars
            .windows(2)
            .map(|w| (u64::from(w[0]) << 32) | u64::from(w[1]))
            .collect()
    };
    grams.sort_unstable();
    let mut out: Vec<(u64, u32)> = Vec::with_capacity(grams.len());
    for g in grams {
        match out.last_mut() {
            Some((last, n)) if *last == g => *n += 1,
            _ => out.push((g, 1)),
        }
    }
    out
}

/// Number of bigrams (with multiplicity).
fn size(a: &[(u64, u32)]) -> u32 {
    a.iter().map(|&(_, n)| n).sum()
}

/// Dice coefficient of two bigram multisets.
fn dice(a: &[(u64, u32)], b: &[(u64, u32)]) -> f64 {
    let total = size(a) + size(b);
    if total == 0 {
        return 1.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0u32);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += a[i].1.min(b[j].1);
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * f64::from(shared) / f64::from(total)
}

/// Dice similarity of two texts after normalisation.
pub fn similarity(a: &str, b: &str) -> f64 {
    dice(&bigrams(&fold(a)), &bigrams(&fold(b)))
}

/// Leader clustering over an inverted bigram index: items are visited in
/// the order given (most frequent first), each joins the most similar
/// existing cluster at or above `threshold`, else founds one. Returns the
/// cluster of each item.
///
/// The postings hold each leader's bigram counts, so one pass over an item's
/// bigrams accumulates its overlap with every candidate leader at once.
pub fn leader_clusters(keys: &[String], threshold: f64) -> Vec<usize> {
    let mut leader_size: Vec<u32> = Vec::new();
    let mut postings: HashMap<u64, Vec<(u32, u32)>> = HashMap::new();
    let mut shared: Vec<u32> = Vec::new();
    let mut touched: Vec<u32> = Vec::new();
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let g = bigrams(k);
        let me = size(&g);
        for &(gram, n) in &g {
            for &(c, m) in postings.get(&gram).map_or(&[][..], Vec::as_slice) {
                if shared[c as usize] == 0 {
                    touched.push(c);
                }
                shared[c as usize] += n.min(m);
            }
        }
        let mut best: Option<(u32, f64)> = None;
        for &c in &touched {
            let total = me + leader_size[c as usize];
            let sim = 2.0 * f64::from(shared[c as usize]) / f64::from(total.max(1));
            let better = best.is_none_or(|(bc, bs)| sim > bs || (sim == bs && c < bc));
            if sim >= threshold && better {
                best = Some((c, sim));
            }
        }
        for &c in &touched {
            shared[c as usize] = 0;
        }
        touched.clear();
        match best {
            Some((c, _)) => out.push(c as usize),
            None => {
                let c = leader_size.len() as u32;
                leader_size.push(me);
                shared.push(0);
                for &(gram, n) in &g {
                    postings.entry(gram).or_default().push((c, n));
                }
                out.push(c as usize);
            }
        }
    }
    out
}

/// Characters that carry a sentence's topic: kanji and katakana words.
/// Hiragana, digits and punctuation carry grammar and numbering, which every
/// sentence shares.
fn is_content(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '々' | '\u{30A1}'..='\u{30FA}' | 'ー')
}

/// Bigrams of `key` whose two characters are content characters.
fn content_bigrams(key: &str) -> impl Iterator<Item = u64> + '_ {
    let mut chars = key.chars().peekable();
    std::iter::from_fn(move || loop {
        let a = chars.next()?;
        let &b = chars.peek()?;
        if is_content(a) && is_content(b) {
            return Some((u64::from(a) << 32) | u64::from(b));
        }
    })
}

/// The text of a bigram code of [`bigrams`].
fn bigram_text(g: u64) -> String {
    [g >> 32, g & 0xFFFF_FFFF]
        .iter()
        .filter_map(|&c| char::from_u32(c as u32))
        .collect()
}

/// Distinct words of `key` (runs of content characters: `違反行為`,
/// `懲戒処分`) that contain a bigram of `grams`: the shared terms as the
/// sentence spells them, a word counted once however many of its bigrams are
/// shared (`株式会社アイネス` is one term).
fn terms_in(key: &str, grams: &HashSet<u64>) -> usize {
    let mut words: HashSet<&str> = HashSet::new();
    for word in key.split(|c: char| !is_content(c)) {
        if content_bigrams(word).any(|g| grams.contains(&g)) {
            words.insert(word);
        }
    }
    words.len()
}

/// Which clusters hold a term: the first two, and whether there are more.
#[derive(Clone, Copy)]
struct Holders {
    first: usize,
    second: Option<usize>,
    more: bool,
}

/// The second clustering pass (see the module doc): joins clusters that
/// share at least [`SHARED_TERMS`] distinctive terms and no document.
/// `keys` are the distinct sentences (authors' names blanked out), `users`
/// the documents of each, `clusters` the first pass's members.
///
/// Pairs are joined most shared terms first, and a join that would bring two
/// sentences of one document together is skipped, so a chain of pairs cannot
/// sweep a document's different sentences into one cluster. The work is one
/// pass over the distinct sentences' bigrams plus one background look-up per
/// bigram found in exactly two clusters. Returns the joined clusters in
/// first-pass order, each with its members most used first.
fn join_on_distinctive_terms(
    keys: &[String],
    users: &[BTreeSet<usize>],
    clusters: Vec<Vec<usize>>,
    background: Background,
) -> Vec<Vec<usize>> {
    let mut holders: HashMap<u64, Holders> = HashMap::new();
    for (c, m) in clusters.iter().enumerate() {
        let mut grams: Vec<u64> = m.iter().flat_map(|&i| content_bigrams(&keys[i])).collect();
        grams.sort_unstable();
        grams.dedup();
        for g in grams {
            holders
                .entry(g)
                .and_modify(|h| match h.second {
                    None => h.second = Some(c),
                    Some(_) => h.more = true,
                })
                .or_insert(Holders {
                    first: c,
                    second: None,
                    more: false,
                });
        }
    }
    let mut docs: Vec<BTreeSet<usize>> = clusters
        .iter()
        .map(|m| m.iter().flat_map(|&i| users[i].iter().copied()).collect())
        .collect();
    let mut shared: HashMap<(usize, usize), HashSet<u64>> = HashMap::new();
    for (&g, h) in &holders {
        let Some(b) = h.second.filter(|_| !h.more) else {
            continue;
        };
        let a = h.first;
        if docs[a].is_disjoint(&docs[b]) && background(&bigram_text(g)) <= DISTINCTIVE_SHARE {
            shared.entry((a, b)).or_default().insert(g);
        }
    }
    // Terms are counted as words, on each side in its best sentence.
    let terms = |c: usize, grams: &HashSet<u64>| {
        clusters[c]
            .iter()
            .map(|&i| terms_in(&keys[i], grams))
            .max()
            .unwrap_or(0)
    };
    let mut pairs: Vec<((usize, usize), usize)> = shared
        .into_iter()
        .filter(|(_, grams)| grams.len() >= SHARED_TERMS)
        .map(|((a, b), grams)| ((a, b), terms(a, &grams).min(terms(b, &grams))))
        .filter(|&(_, n)| n >= SHARED_TERMS)
        .collect();
    pairs.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let mut root: Vec<usize> = (0..clusters.len()).collect();
    let find = |root: &[usize], mut c: usize| {
        while root[c] != c {
            c = root[c];
        }
        c
    };
    for ((a, b), _) in pairs {
        let (ra, rb) = (find(&root, a), find(&root, b));
        if ra == rb || !docs[ra].is_disjoint(&docs[rb]) {
            continue;
        }
        let (keep, gone) = (ra.min(rb), ra.max(rb));
        root[gone] = keep;
        let moved = std::mem::take(&mut docs[gone]);
        docs[keep].extend(moved);
    }
    let mut joined: Vec<Vec<usize>> = vec![Vec::new(); clusters.len()];
    for (c, m) in clusters.into_iter().enumerate() {
        joined[find(&root, c)].extend(m);
    }
    joined.retain(|m| !m.is_empty());
    for m in &mut joined {
        m.sort_by_key(|&i| (std::cmp::Reverse(users[i].len()), i));
    }
    joined
}

/// `key` with every name in `names` (normalised) blanked out, so that no
/// bigram of a name, or across its edge, remains.
fn without_names<'a>(key: &str, names: impl Iterator<Item = &'a str>) -> String {
    let mut out = key.to_string();
    for n in names {
        if out.contains(n) {
            out = out.replace(n, " ");
        }
    }
    out
}

/// What a document's sentences call their author by (municipality,
/// prefecture), and how they stand in a compared wording: `〇〇` followed by
/// the name's suffix (`石巻市` → `〇〇市`, `神奈川県` → `〇〇県`), so that two
/// cities that word a measure alike, each naming itself, share the wording.
/// Whole names only: a stem (`中央` of `中央区`) also occurs in other words
/// (`国民健康保険中央会`).
pub(crate) struct OwnNames {
    /// (name as printed, its normalised form, the replacement), longest first.
    names: Vec<(String, String, String)>,
}

impl OwnNames {
    /// The names of one document (names of one character are left alone:
    /// as text they are too likely to be something else).
    pub(crate) fn new(names: &[String]) -> OwnNames {
        let mut names: Vec<(String, String, String)> = names
            .iter()
            .filter(|n| n.chars().count() >= 2)
            .map(|n| {
                let suffix: String = n
                    .chars()
                    .last()
                    .filter(|c| NAME_SUFFIXES.contains(c))
                    .into_iter()
                    .collect();
                (n.clone(), fold(n), format!("{OWN_NAME}{suffix}"))
            })
            .collect();
        names.sort_by_key(|(n, _, _)| std::cmp::Reverse(n.chars().count()));
        OwnNames { names }
    }

    /// A comparison key with the names masked.
    pub(crate) fn masked_key<'a>(&self, key: &'a str) -> std::borrow::Cow<'a, str> {
        mask(
            key,
            self.names.iter().map(|(_, f, r)| (f.as_str(), r.as_str())),
        )
    }

    /// A printed sentence with the names masked.
    pub(crate) fn masked_text<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        mask(
            text,
            self.names.iter().map(|(n, _, r)| (n.as_str(), r.as_str())),
        )
    }
}

/// What stands for a document's own name in a compared wording.
pub const OWN_NAME: &str = "〇〇";

/// The suffixes of municipality and prefecture names, kept after [`OWN_NAME`].
const NAME_SUFFIXES: [char; 8] = ['市', '区', '町', '村', '都', '道', '府', '県'];

/// `s` with each (name, replacement) applied in turn; borrowed when no name
/// occurs (most sentences).
fn mask<'a, 'n>(
    s: &'a str,
    names: impl Iterator<Item = (&'n str, &'n str)>,
) -> std::borrow::Cow<'a, str> {
    let mut out = std::borrow::Cow::Borrowed(s);
    for (name, with) in names {
        if out.contains(name) {
            out = std::borrow::Cow::Owned(out.replace(name, with));
        }
    }
    out
}

/// A name as it is matched in sentences: normalised, and without its
/// `市`/`県`… suffix when two characters remain (`松戸市` also blanks `松戸`).
fn name_stem(name: &str) -> String {
    let f = fold(name);
    let stem = f.trim_end_matches(NAME_SUFFIXES);
    if stem.chars().count() >= 2 {
        stem.to_string()
    } else {
        f
    }
}

/// Splits every document's text into sentences and clusters them across
/// documents; `background` says how common a bigram is in the corpus (for
/// the second pass, see the module doc).
pub fn sentence_matrix(docs: &[DocText], background: Background) -> SentenceMatrix {
    // Each sentence with its comparison key, normalised once.
    let split: Vec<Vec<(String, String)>> = docs.iter().map(|d| keyed_sentences(&d.text)).collect();
    // Each document's own names stand as 〇〇 in its keys and in the
    // wordings shown for a cluster: `石巻市情報セキュリティポリシーに従い` and
    // `和歌山市情報セキュリティポリシーに従い` are one wording, each city's own.
    let own: Vec<OwnNames> = docs.iter().map(|d| OwnNames::new(&d.names)).collect();
    // Distinct normalised sentences, with the documents using each and the
    // first printed form.
    let mut distinct: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut printed: Vec<String> = Vec::new();
    let mut users: Vec<BTreeSet<usize>> = Vec::new();
    // Per document, each sentence's place among the distinct ones.
    let mut placed: Vec<Vec<usize>> = Vec::with_capacity(docs.len());
    for (d, sentences) in split.iter().enumerate() {
        let mut places = Vec::with_capacity(sentences.len());
        for (s, k) in sentences {
            let k = own[d].masked_key(k);
            let i = match index.get(k.as_ref()) {
                Some(&i) => i,
                None => {
                    index.insert(k.to_string(), distinct.len());
                    distinct.push(k.into_owned());
                    printed.push(own[d].masked_text(s).into_owned());
                    users.push(BTreeSet::new());
                    distinct.len() - 1
                }
            };
            users[i].insert(d);
            places.push(i);
        }
        placed.push(places);
    }
    // Most used wordings lead their clusters.
    let mut order: Vec<usize> = (0..distinct.len()).collect();
    order.sort_by(|&a, &b| users[b].len().cmp(&users[a].len()).then(a.cmp(&b)));
    let keys: Vec<String> = order.iter().map(|&i| distinct[i].clone()).collect();
    let assigned = leader_clusters(&keys, SENTENCE_SIMILARITY);
    let mut first: Vec<Vec<usize>> = Vec::new();
    for (pos, &c) in assigned.iter().enumerate() {
        if first.len() <= c {
            first.resize(c + 1, Vec::new());
        }
        first[c].push(order[pos]);
    }
    let stems: Vec<Vec<String>> = docs
        .iter()
        .map(|d| d.names.iter().map(|n| name_stem(n)).collect())
        .collect();
    let topics: Vec<String> = distinct
        .iter()
        .zip(&users)
        .map(|(k, u)| {
            let names: BTreeSet<&str> = u
                .iter()
                .flat_map(|&d| stems[d].iter().map(String::as_str))
                .collect();
            without_names(k, names.into_iter())
        })
        .collect();
    let members = join_on_distinctive_terms(&topics, &users, first, background);
    let mut cluster_of = vec![0usize; distinct.len()];
    for (c, m) in members.iter().enumerate() {
        for &i in m {
            cluster_of[i] = c;
        }
    }
    // Clusters by documents (desc), then first appearance.
    let docs_of = |m: &Vec<usize>| -> BTreeSet<usize> {
        m.iter().flat_map(|&i| users[i].iter().copied()).collect()
    };
    let mut ranked: Vec<usize> = (0..members.len()).collect();
    ranked.sort_by_key(|&c| (std::cmp::Reverse(docs_of(&members[c]).len()), members[c][0]));
    let mut renumber = vec![0usize; members.len()];
    for (new, &old) in ranked.iter().enumerate() {
        renumber[old] = new;
    }
    let n = docs.len();
    let clusters: Vec<Cluster> = ranked
        .iter()
        .enumerate()
        .map(|(id, &c)| {
            let documents = docs_of(&members[c]).len();
            let base = &printed[members[c][0]];
            Cluster {
                id,
                documents,
                boilerplate: documents >= 2 && documents * 2 >= n,
                variants: members[c]
                    .iter()
                    .map(|&i| Variant {
                        text: printed[i].clone(),
                        files: users[i].iter().map(|&d| docs[d].file.clone()).collect(),
                        diff: diff(base, &printed[i]),
                    })
                    .collect(),
            }
        })
        .collect();
    let documents = split
        .iter()
        .enumerate()
        .map(|(d, sentences)| DocSentences {
            file: docs[d].file.clone(),
            sentences: sentences
                .iter()
                .zip(&placed[d])
                .map(|((s, _), &i)| {
                    let c = renumber[cluster_of[i]];
                    let mark = if clusters[c].documents < 2 {
                        Mark::Unique
                    } else if members[cluster_of[i]][0] == i {
                        Mark::Shared
                    } else {
                        Mark::Variant
                    };
                    MarkedSentence {
                        text: s.clone(),
                        cluster: c,
                        mark,
                    }
                })
                .collect(),
        })
        .collect();
    SentenceMatrix {
        clusters,
        documents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Documents from (file, text) pairs, without author names.
    fn texts(docs: &[(&str, &str)]) -> Vec<DocText> {
        docs.iter()
            .map(|(f, t)| DocText {
                file: f.to_string(),
                text: t.to_string(),
                names: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn sentences_split_at_full_stops_and_list_markers() {
        let s = split_sentences(
            "<本市における措置> ①担当部署において研修を実施して いる。・新規採用職員の基礎研修 ・全職員の研修 （２）違反者は懲戒処分の対象とする。",
        );
        assert_eq!(
            s,
            vec![
                "<本市における措置>",
                "①担当部署において研修を実施している。",
                "・新規採用職員の基礎研修",
                "・全職員の研修",
                "（２）違反者は懲戒処分の対象とする。",
            ]
        );
    }

    #[test]
    fn numbered_headings_start_items() {
        let s = split_sentences("１ 所管課における措置 研修を行う。 ２ 本市における教育・啓発");
        assert_eq!(
            s,
            vec![
                "１所管課における措置研修を行う。",
                "２本市における教育・啓発"
            ]
        );
    }

    #[test]
    fn clusters_and_marks_come_out_exactly() {
        let docs = texts(&[
            ("a", "研修を年1回実施する。違反者は懲戒処分の対象とする。Aだけの独自の取組を行っている。"),
            ("b", "研修を年１回実施する。\n違反者は懲戒の対象となりうる。"),
            ("c", "・研修を年1回 実施する。違反者は懲戒処分の対象とする。外部監査を毎年受けている。"),
        ]);
        // Every word counts as rare: the second pass still keeps these apart.
        let m = sentence_matrix(&docs, &|_| 0.0);
        let summary: Vec<(usize, bool, Vec<&str>)> = m
            .clusters
            .iter()
            .map(|c| {
                (
                    c.documents,
                    c.boilerplate,
                    c.variants.iter().map(|v| v.text.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (3, true, vec!["研修を年1回実施する。"]),
                (
                    3,
                    true,
                    vec![
                        "違反者は懲戒処分の対象とする。",
                        "違反者は懲戒の対象となりうる。"
                    ]
                ),
                (1, false, vec!["Aだけの独自の取組を行っている。"]),
                (1, false, vec!["外部監査を毎年受けている。"]),
            ]
        );
        let marks: Vec<Vec<(usize, Mark)>> = m
            .documents
            .iter()
            .map(|d| d.sentences.iter().map(|s| (s.cluster, s.mark)).collect())
            .collect();
        use Mark::*;
        assert_eq!(
            marks,
            vec![
                vec![(0, Shared), (1, Shared), (2, Unique)],
                vec![(0, Shared), (1, Variant)],
                vec![(0, Shared), (1, Shared), (3, Unique)],
            ]
        );
        // The variant's diff shows what it changed.
        let v = &m.clusters[1].variants[1];
        let of = |op: &str| -> String {
            v.diff
                .iter()
                .filter(|d| d.op == op)
                .map(|d| d.text.as_str())
                .collect()
        };
        assert!(of("delete").contains("処分"), "{:?}", v.diff);
        assert!(of("insert").contains("なりう"), "{:?}", v.diff);
        assert_eq!(v.files, vec!["b".to_string()]);
    }

    #[test]
    fn full_stops_inside_brackets_do_not_split() {
        assert_eq!(
            split_sentences("通知（平成27年保国発第1号。）に該当する。次の文。"),
            vec!["通知（平成27年保国発第1号。）に該当する。", "次の文。"]
        );
    }

    #[test]
    fn variants_are_similar_and_unrelated_sentences_are_not() {
        assert!(
            similarity(
                "違反した職員は、懲戒処分の対象とする。",
                "違反した職員は、懲戒の対象となりうる。"
            ) >= SENTENCE_SIMILARITY
        );
        assert!(
            similarity("職員に研修を実施する。", "施錠できる書庫に保管する。")
                < SENTENCE_SIMILARITY
        );
    }

    /// A background where only the listed bigrams are rare.
    fn rare_only(rare: &'static [&'static str]) -> impl Fn(&str) -> f64 {
        move |g| if rare.contains(&g) { 0.0 } else { 0.5 }
    }

    /// The clusters' wordings, most shared first.
    fn clusters_of(docs: &[DocText], background: Background) -> Vec<Vec<String>> {
        sentence_matrix(docs, background)
            .clusters
            .into_iter()
            .map(|c| c.variants.into_iter().map(|v| v.text).collect())
            .collect()
    }

    #[test]
    fn sentences_sharing_two_distinctive_words_are_variants() {
        let a = "違反した職員及びその監督責任者は、事案の状況等に応じて、懲戒処分の対象とする。";
        let b = "違反行為を行ったものに対しては、都度指導の上、懲戒の対象となりうる。";
        assert!(
            similarity(a, b) < SENTENCE_SIMILARITY,
            "{}",
            similarity(a, b)
        );
        let docs = texts(&[("a", a), ("b", b)]);
        let rare = rare_only(&["違反", "懲戒"]);
        let c = clusters_of(&docs, &rare);
        assert_eq!(c, vec![vec![a.to_string(), b.to_string()]]);
        // The variant's diff is inside the cluster.
        let m = sentence_matrix(&docs, &rare);
        let marks: Vec<Mark> = m.documents.iter().map(|d| d.sentences[0].mark).collect();
        assert_eq!(marks, vec![Mark::Shared, Mark::Variant]);
        assert!(m.clusters[0].variants[1]
            .diff
            .iter()
            .any(|d| d.op == "delete" && d.text.contains("処分")));
    }

    #[test]
    fn common_words_one_rare_word_or_one_document_do_not_join() {
        // Only common words shared (everything but `懲戒`/`違反` is common).
        let common = texts(&[
            ("a", "個人情報の取扱いについて、システム管理者が確認する。"),
            ("b", "システムの個人情報は管理者のみが扱う。"),
        ]);
        assert_eq!(clusters_of(&common, &rare_only(&["違反", "懲戒"])).len(), 2);
        // (Were `個人情報` and `システム` rare, they would be variants.)
        assert_eq!(clusters_of(&common, &|_| 0.0).len(), 1);
        // Every word rare, but one word shared (`運用規則`, three bigrams).
        let one = texts(&[
            ("a", "あらかじめ運用規則等について研修を行う。"),
            ("b", "接続運用規則に基づく教育を年次実施している。"),
        ]);
        assert_eq!(clusters_of(&one, &|_| 0.0).len(), 2);
        // Two rare words, but both sentences are one document's.
        let same = texts(&[(
            "a",
            "違反した職員は懲戒処分の対象とする。違反行為は程度により懲戒の対象となりうる。",
        )]);
        assert_eq!(clusters_of(&same, &|_| 0.0).len(), 2);
    }

    #[test]
    fn cities_naming_themselves_in_one_wording_share_it() {
        let mut docs = texts(&[
            (
                "a",
                "業者の選定に際しては石巻市情報セキュリティポリシーに従う。石巻市長に報告する。",
            ),
            (
                "b",
                "業者の選定に際しては津市情報セキュリティポリシーに従う。",
            ),
            (
                "c",
                "業者の選定に際しては和歌山市情報セキュリティポリシーに従う。",
            ),
        ]);
        let names = [
            ("石巻市", "宮城県"),
            ("津市", "三重県"),
            ("和歌山市", "和歌山県"),
        ];
        for (d, (city, pref)) in docs.iter_mut().zip(names) {
            d.names = vec![city.into(), pref.into()];
        }
        let m = sentence_matrix(&docs, &|_| 0.5);
        let first = &m.clusters[0];
        assert_eq!(first.documents, 3);
        assert_eq!(first.variants.len(), 1, "{:?}", first.variants);
        assert_eq!(
            first.variants[0].text,
            "業者の選定に際しては〇〇市情報セキュリティポリシーに従う。"
        );
        // Each document keeps its own name in its own text, marked shared.
        for d in &m.documents {
            assert_eq!(d.sentences[0].mark, Mark::Shared);
        }
        assert!(m.documents[1].sentences[0].text.contains("津市"));
        // Another city's name is no placeholder: it stays a difference.
        docs[2].names = vec!["新宮市".into()];
        let m = sentence_matrix(&docs, &|_| 0.5);
        assert_eq!(m.clusters[0].variants.len(), 2);
    }

    #[test]
    fn the_authors_names_are_not_shared_terms() {
        let mut docs = texts(&[
            ("a", "松戸市の担当課が監査を受ける。"),
            ("b", "監査結果は松戸市へ報告される。"),
        ]);
        // Without names, `松戸市` and `監査` are two shared rare words.
        assert_eq!(clusters_of(&docs, &|_| 0.0).len(), 1);
        for d in &mut docs {
            d.names = vec!["松戸市".into(), "千葉県".into()];
        }
        assert_eq!(clusters_of(&docs, &|_| 0.0).len(), 2);
    }
}
