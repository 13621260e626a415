//! The best `k` sections of a plain phrase query without reading every
//! match's bigram positions, which are most of a search's time (a doc-id
//! intersection of the bigrams costs a tenth of the phrase check). The
//! bigrams are on text records ([`crate::index::texts`]): the pass walks
//! texts, and a text that matches gives its score to each section that
//! follows it, times the section's weight. A phrase occurs in a text no
//! more often than its least frequent bigram there, so that term frequency
//! bounds the text's score from above, and the text record's weight (the
//! largest of its sections') bounds its sections'; a text whose bound
//! cannot reach the best `k` so far is skipped unchecked. Every candidate
//! of the rarest bigram is still visited (tantivy's block maxima are not
//! guaranteed upper bounds across segments); once the exact-count checks
//! are spent, one that its frequency of that bigram alone rules out is
//! skipped before the other lists are read, and the positions of a
//! skipped text are never read.
//!
//! Totals stay exact while fewer than [`EXACT_TOTAL`] sections that
//! cannot rank have been checked (their texts' phrase); past it, skipped
//! texts' sections are not counted and the totals are lower bounds
//! (`SearchResults::totals_exact` false), as in Lucene and Elasticsearch.
//! Segments searched on several threads share the budget and the floor as
//! they go, so a lower bound can differ between runs; the hits cannot.
//! Counting queries ([`crate::query::count`]) and long listings stay exact.

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::hash::BuildHasherDefault;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering as AtomicOrdering};

use anyhow::Result;
use tantivy::columnar::Column;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::TermInfo;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25StatisticsProvider, Bm25Weight, BooleanQuery, EnableScoring, Occur, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, Term, TERMINATED};

use super::{bits, SearchRequest};
use crate::index::analysis::{bridging_bigrams, phrase_bigrams, words, HashBits};
use crate::index::schema::Fields;
use crate::index::snapshot::{SegmentColumns, Snapshot};
use crate::index::texts::TextRuns;
use crate::query::join::TextStats;
use crate::query::syntax::WORD_BOOST;

/// Sections that cannot rank whose text's phrase is still checked, so that the
/// totals of all but the widest queries stay exact (Elasticsearch's
/// default counts 10 000 documents); beyond it a search checks only what
/// can rank.
pub const EXACT_TOTAL: usize = 10_000;

/// The [`SearchRequest::exact_up_to`] of a search that counts every match
/// when asked (`--exact-totals`, `exact=1`), [`EXACT_TOTAL`] otherwise.
pub const fn exact_up_to(count_all: bool) -> usize {
    if count_all {
        usize::MAX
    } else {
        EXACT_TOTAL
    }
}

/// Every query term's dictionary entry in every segment, looked up once
/// per search: a plan used to look each term up three times per segment
/// (its document frequency for BM25, again for the rarest bigram, and to
/// open its postings, then once more for the near-best pass), and at 4 GiB
/// (40 segments) those lookups were a fifth of a rare query.
#[derive(Default)]
struct TermInfos {
    /// Per term, its entry in each segment (by ordinal; None: absent).
    map: HashMap<Term, Vec<Option<TermInfo>>>,
}

impl TermInfos {
    /// The term's entries, in segment order.
    fn get(&self, term: &Term) -> Option<&[Option<TermInfo>]> {
        self.map.get(term).map(Vec::as_slice)
    }

    /// The term's entry in segment `ord` (None: absent, or never looked up).
    fn in_segment(&self, term: &Term, ord: u32) -> Option<&TermInfo> {
        self.get(term)?.get(ord as usize)?.as_ref()
    }
}

/// The searcher's statistics, with each term looked up once per segment
/// and kept ([`TermInfos`]): BM25 weights, the rarest bigram and the
/// postings opened later all read the same entries.
struct CachedStats<'s> {
    searcher: &'s Searcher,
    /// BM25 counts text records, as [`TextStats`] does for the general
    /// path, so that both give a section the same score.
    texts: TextStats<'s>,
    infos: RefCell<TermInfos>,
}

impl Bm25StatisticsProvider for CachedStats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.searcher.total_num_tokens(field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.texts.total_num_docs()
    }

    /// Documents holding `term`, as [`Searcher::doc_freq`] counts them:
    /// text records, the only ones with the text fields.
    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        if self.infos.borrow().get(term).is_none() {
            let mut v = Vec::with_capacity(self.searcher.segment_readers().len());
            for seg in self.searcher.segment_readers() {
                v.push(seg.inverted_index(term.field())?.get_term_info(term)?);
            }
            self.infos.borrow_mut().map.insert(term.clone(), v);
        }
        Ok(self.infos.borrow().get(term).map_or(0, |v| {
            v.iter().flatten().map(|i| u64::from(i.doc_freq)).sum()
        }))
    }
}

/// One query part: its bigrams (offset in chars, term) and BM25 weight.
struct Part {
    /// The cover ([`phrase_bigrams`]), then at most one bridging bigram.
    grams: Vec<(u32, Term)>,
    /// How many of `grams` are the cover: only they are checked for the
    /// phrase, since they pin every character down; a bridge only finds
    /// candidates, and its positions follow from the cover's.
    cover: usize,
    bm25: Bm25Weight,
}

/// What the pruned pass needs of a request, resolved against one searcher.
pub struct Plan {
    parts: Vec<Part>,
    /// Lindera words of every part, each with its (boosted) BM25 weight:
    /// the SHOULD clauses of [`crate::query::syntax::UserQuery::to_query`].
    words: Vec<(Term, Bm25Weight)>,
    /// The filters, matched as a doc set (they do not score).
    filters: Option<Box<dyn Weight>>,
    body_ngram: tantivy::schema::Field,
    body_ja: tantivy::schema::Field,
    file: tantivy::schema::Field,
    kind: tantivy::schema::Field,
    /// Characters of the query's parts, for the coverage factor.
    matched_chars: usize,
    /// Texts the query can match at most ([`Plan::reach`]).
    reach: u64,
    /// The dictionary entries of every term above, per segment.
    infos: TermInfos,
}

impl Plan {
    /// The plan for `req`, or None when the request needs the general
    /// path: exclusions, choice lists, or a one-character part (a prefix
    /// scan, not a phrase).
    pub fn new(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<Option<Plan>> {
        if !Plan::applies(req) {
            return Ok(None);
        }
        let stats = CachedStats {
            searcher,
            texts: TextStats::new(searcher, f.kind)?,
            infos: RefCell::new(TermInfos::default()),
        };
        let mut parts = Vec::new();
        let mut word_terms = Vec::new();
        let mut reach = u64::MAX;
        for p in &req.query.must {
            let term =
                |(off, g): (usize, String)| (off as u32, Term::from_field_text(f.body_ngram, &g));
            let mut grams: Vec<(u32, Term)> =
                phrase_bigrams(&p.norm).into_iter().map(term).collect();
            if grams.is_empty() {
                return Ok(None);
            }
            // The phrase scores as its cover; a bridging bigram rarer than
            // the whole cover joins the lists only to find fewer candidates.
            let terms: Vec<Term> = grams.iter().map(|(_, t)| t.clone()).collect();
            let bm25 = Bm25Weight::for_terms(&stats, &terms)?;
            let rarest_cover = rarest(&stats, &terms)?;
            reach = reach.min(rarest_cover);
            let cover = grams.len();
            if let Some(bridge) = rarer_bridge(&stats, f.body_ngram, &p.norm, rarest_cover)? {
                grams.push(term(bridge));
            }
            parts.push(Part { grams, cover, bm25 });
            for w in words(&p.norm) {
                let t = Term::from_field_text(f.body_ja, &w);
                let bm25 = Bm25Weight::for_terms(&stats, std::slice::from_ref(&t))?;
                word_terms.push((t, bm25.boost_by(WORD_BOOST)));
            }
        }
        let filters = req.filters.to_queries(searcher, f)?;
        let filters = if filters.is_empty() {
            None
        } else {
            let q = BooleanQuery::new(filters.into_iter().map(|q| (Occur::Must, q)).collect());
            Some(q.weight(EnableScoring::disabled_from_searcher(searcher))?)
        };
        Ok(Some(Plan {
            parts,
            words: word_terms,
            filters,
            body_ngram: f.body_ngram,
            body_ja: f.body_ja,
            file: f.file,
            kind: f.kind,
            matched_chars: req.query.matched_chars(),
            reach,
            infos: stats.infos.into_inner(),
        }))
    }
}

/// Sections the rarest of `terms` is in (`u64::MAX` for none): at most
/// those a phrase they cover can match.
pub fn rarest(stats: &dyn Bm25StatisticsProvider, terms: &[Term]) -> Result<u64> {
    let mut least = u64::MAX;
    for t in terms {
        least = least.min(stats.doc_freq(t)?);
    }
    Ok(least)
}

/// Sections of the cover's rarest bigram below which a bridging bigram is
/// not looked for: its lookups would cost more than the checks it saves.
const BRIDGE_FROM: u64 = 1000;

/// The rarest of `norm`'s bridging bigrams ([`bridging_bigrams`]) in
/// `field` when it is in fewer sections than every bigram of the cover
/// (the rarest of which is in `rarest_cover` sections): 帳ネ (3 776 sections
/// of a 100 MiB corpus) rather than 台帳 (8 371) for
/// 住民基本台帳ネットワークシステム.
fn rarer_bridge(
    stats: &dyn Bm25StatisticsProvider,
    field: tantivy::schema::Field,
    norm: &str,
    rarest_cover: u64,
) -> Result<Option<(usize, String)>> {
    if rarest_cover < BRIDGE_FROM {
        return Ok(None);
    }
    let mut best: Option<((usize, String), u64)> = None;
    for (off, g) in bridging_bigrams(norm) {
        let n = stats.doc_freq(&Term::from_field_text(field, &g))?;
        if n < rarest_cover && best.as_ref().is_none_or(|(_, b)| n < *b) {
            best = Some(((off, g), n));
        }
    }
    Ok(best.map(|(g, _)| g))
}

impl Plan {
    /// Whether `req` takes the pruned pass, whose totals may turn into
    /// lower bounds: plain phrases of two characters or more, without
    /// alternatives, exclusions or choice lists.
    fn applies(req: &SearchRequest) -> bool {
        !req.include_choices
            && req.query.must_not.is_empty()
            && req.query.any.is_empty()
            && req
                .query
                .must
                .iter()
                .all(|p| p.norm.chars().nth(1).is_some())
    }

    /// Texts the query can match at most: those of the rarest cover
    /// bigram of its narrowest part (all parts must match).
    pub fn reach(&self) -> u64 {
        self.reach
    }
}

/// A document already ranked whose near-best sections a search wants
/// ([`Plan::near_best`]).
pub struct NearFile<'a> {
    /// Snapshot-wide file number ([`Snapshot::file_of`]).
    pub file: u32,
    /// Its name, the `file` term of its sections ([`Snapshot::file_name`]).
    pub name: &'a str,
    /// The score a section must reach.
    pub threshold: Score,
}

/// A section that made a segment's best `k`.
#[derive(Clone, Copy, Debug)]
pub struct Scored {
    /// Final score (BM25 × weight × (1 + coverage)).
    pub score: Score,
    /// The section in its segment.
    pub doc: DocId,
}

impl PartialEq for Scored {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scored {
    /// Better first: higher score, then the earlier section (as tantivy's
    /// top-k breaks ties).
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.doc.cmp(&self.doc))
    }
}

/// What one segment's pass found.
pub struct SegmentTop {
    /// The segment's best sections, at most `k`, unordered.
    pub best: Vec<Scored>,
    /// Sections checked and matching.
    pub matched: usize,
    /// Candidates skipped unchecked (their bound was below the best `k`).
    pub skipped: usize,
    /// Bitset of the files of the matching sections (snapshot numbering).
    pub files: Vec<u64>,
}

impl SegmentTop {
    /// Nothing found yet, over a snapshot of `files` files.
    fn empty(files: usize) -> SegmentTop {
        SegmentTop {
            best: Vec::new(),
            matched: 0,
            skipped: 0,
            files: bits::empty(files),
        }
    }
}

/// What the segments of one search share: the checks of sections that
/// cannot rank still made so that the totals stay exact, and the best floor
/// any segment's top `k` has reached (a segment's `k`-th best is a lower
/// bound of the search's, so later segments need not ramp up again).
pub struct Shared {
    /// Checks handed out, in chunks of [`CHECKS_PER_TAKE`]: on a cache
    /// line of its own, as the segments' threads write it while they read
    /// the floor on every candidate.
    used: CacheLine<AtomicUsize>,
    limit: usize,
    /// The best floor as [`floor_key`]: its score and segment.
    floor: CacheLine<AtomicU64>,
}

/// The phrase part of the score of texts, by the hash of the text
/// ([`crate::index::analysis::body_hash`]; None: no match).
type TextScores = HashMap<u64, Option<Score>, BuildHasherDefault<HashBits>>;

/// Checks a segment's scan takes from [`Shared`] at a time. One atomic
/// add per check, on a counter both threads write, was a third of a wide
/// query's pass (再委託 at 100 MiB); per chunk it is not measurable. A
/// scan's unused checks are not handed back, so on several threads a
/// total can turn into a lower bound up to this many checks early per
/// segment.
const CHECKS_PER_TAKE: usize = 64;

/// A value alone on its cache line (no false sharing with its neighbours).
#[repr(align(64))]
struct CacheLine<T>(T);

impl<T> std::ops::Deref for CacheLine<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A floor as one integer whose order is the ranking's: the score's bits
/// (a non-negative f32's bits order as it does), then the lower segment
/// (which wins ties when segments merge).
fn floor_key(score: Score, seg: u32) -> u64 {
    (u64::from(score.max(0.0).to_bits()) << 32) | u64::from(u32::MAX - seg)
}

impl Shared {
    /// The state of a search with `limit` checks
    /// ([`SearchRequest::exact_up_to`]).
    pub fn new(limit: usize) -> Shared {
        Shared {
            used: CacheLine(AtomicUsize::new(0)),
            limit,
            floor: CacheLine(AtomicU64::new(0)),
        }
    }

    /// Up to [`CHECKS_PER_TAKE`] more candidates that may be checked
    /// regardless of their bound (0: none are left).
    fn take(&self) -> usize {
        if self.limit == usize::MAX {
            return usize::MAX;
        }
        if self.spent() {
            // A load, not an add: once the budget is gone, every section
            // that cannot rank asks again.
            return 0;
        }
        let before = self
            .used
            .fetch_add(CHECKS_PER_TAKE, AtomicOrdering::Relaxed);
        self.limit.saturating_sub(before).min(CHECKS_PER_TAKE)
    }

    /// Whether the checks for exact totals are used up: from then on only
    /// sections that may rank are checked.
    fn spent(&self) -> bool {
        self.limit != usize::MAX && self.used.load(AtomicOrdering::Relaxed) >= self.limit
    }

    /// Whether a section of segment `seg` scoring at most `bound` cannot
    /// enter the best `k`, given this segment's `k`-th best `own` (a later
    /// section of the segment loses ties to it) and the best floor of any
    /// segment (a later segment loses ties to it; its own floor is `own`).
    fn cannot_rank(&self, bound: Score, seg: u32, own: Option<Score>) -> bool {
        own.is_some_and(|f| bound <= f)
            || floor_key(bound, seg) <= self.floor.load(AtomicOrdering::Relaxed)
    }

    fn raise_floor(&self, score: Score, seg: u32) {
        self.floor
            .fetch_max(floor_key(score, seg), AtomicOrdering::Relaxed);
    }
}

/// Bigrams of each part that find the candidates (its rarest): the others
/// are only read for sections that are checked. Two suffice: sections that
/// hold a phrase's two rarest bigrams nearly always hold the phrase.
const DRIVING_PER_PART: usize = 2;

/// The bigram postings of every part in one segment, flat, with the range
/// of each part and the order in which the intersection visits them.
struct Lists<'p> {
    postings: Vec<SegmentPostings>,
    /// Offset of each bigram in its part, in chars.
    offsets: Vec<u32>,
    /// Per part: its range in `postings`, and the part.
    parts: Vec<(std::ops::Range<usize>, &'p Part)>,
    /// Whether each list finds candidates ([`DRIVING_PER_PART`]).
    driving: Vec<bool>,
    /// Indices of the driving lists, rarest first: the rarest leads the
    /// intersection.
    order: Vec<usize>,
    /// Indices of the other lists.
    rest: Vec<usize>,
}

impl Lists<'_> {
    /// Occurrences of part `i` in the current section (all postings are on
    /// it): positions of each cover bigram shifted to the phrase start,
    /// intersected from the least frequent in the section up, so that a
    /// mismatch is found before the longest lists are read; `a` and `b`
    /// are scratch buffers, `by_freq` one for the order.
    fn phrase_freq(
        &mut self,
        i: usize,
        a: &mut Vec<u32>,
        b: &mut Vec<u32>,
        by_freq: &mut Vec<(u32, usize)>,
    ) -> u32 {
        let (range, part) = &self.parts[i];
        let cover = range.start..range.start + part.cover;
        let postings = &mut self.postings[cover.clone()];
        let offsets = &self.offsets[cover];
        if postings.len() == 1 {
            return postings[0].term_freq();
        }
        let max_off = offsets.iter().copied().max().unwrap_or(0);
        by_freq.clear();
        by_freq.extend(postings.iter().enumerate().map(|(j, p)| (p.term_freq(), j)));
        by_freq.sort_unstable();
        let mut order = by_freq.iter().map(|&(_, j)| j);
        let first = order.next().unwrap_or(0);
        postings[first].positions_with_offset(max_off - offsets[first], a);
        for j in order {
            postings[j].positions_with_offset(max_off - offsets[j], b);
            retain_common(a, b);
            if a.is_empty() {
                return 0;
            }
        }
        a.len() as u32
    }

    /// The least term frequency of part `i`'s driving bigrams in the
    /// current section: a bound on the phrase's.
    fn freq_bound(&self, i: usize) -> u32 {
        self.parts[i]
            .0
            .clone()
            .filter(|&j| self.driving[j])
            .map(|j| self.postings[j].term_freq())
            .min()
            .unwrap_or(u32::MAX)
    }

    /// Chooses the driving lists: the rarest [`DRIVING_PER_PART`] of each part.
    fn choose_driving(&mut self) {
        self.driving = vec![false; self.postings.len()];
        for (range, _) in &self.parts {
            let mut part: Vec<usize> = range.clone().collect();
            part.sort_by_key(|&j| self.postings[j].size_hint());
            for &j in part.iter().take(DRIVING_PER_PART) {
                self.driving[j] = true;
            }
        }
        let (mut order, rest): (Vec<usize>, Vec<usize>) =
            (0..self.postings.len()).partition(|&j| self.driving[j]);
        order.sort_by_key(|&j| self.postings[j].size_hint());
        self.order = order;
        self.rest = rest;
    }

    /// Moves the other lists to `doc`: whether they all hold it (the
    /// section then holds every bigram of every part).
    fn reach_rest(&mut self, doc: DocId) -> bool {
        for &j in &self.rest {
            if seek_forward(&mut self.postings[j], doc) != doc {
                return false;
            }
        }
        true
    }

    /// Moves every list to `doc`: whether they all hold it.
    fn reach_all(&mut self, doc: DocId) -> bool {
        self.postings
            .iter_mut()
            .all(|p| seek_forward(p, doc) == doc)
    }

    /// Moves every list to the first section at or after the lead's current
    /// one that they all contain, and returns it ([`TERMINATED`] when none).
    fn align(&mut self) -> DocId {
        let mut target = self.postings[self.order[0]].doc();
        'again: loop {
            if target == TERMINATED {
                return TERMINATED;
            }
            for &i in &self.order {
                let d = seek_forward(&mut self.postings[i], target);
                if d != target {
                    target = d;
                    continue 'again;
                }
            }
            return target;
        }
    }
}

/// How often the lead-only bound of [`Plan::scan`] rules a candidate out:
/// where the words weigh much (委託先) it seldom does, and then computing it
/// costs more than the seeks it saves. Judged in windows, not once: the
/// floor rises as the pass goes on, and a bound that rules nothing out
/// while a segment's first sections fill its best `k` may rule most out a
/// few hundred sections later (judged once, the first segment of each
/// thread gave up on it and aligned every candidate, three quarters of the
/// candidates aligned at 1 GiB).
#[derive(Default)]
struct EarlyOuts {
    tried: u32,
    ruled_out: u32,
    /// Candidates still to pass without the bound after a window in which
    /// it did not pay.
    resting: u32,
}

impl EarlyOuts {
    /// Candidates judged per window.
    const WINDOW: u32 = 256;
    /// Candidates passed without the bound after a window that ruled out
    /// less than a quarter, before the next window.
    const REST: u32 = 4 * Self::WINDOW;

    /// Whether to compute the bound for the next candidate.
    fn worth_trying(&mut self) -> bool {
        if self.resting == 0 {
            return true;
        }
        self.resting -= 1;
        false
    }

    fn count(&mut self, ruled_out: bool) {
        self.tried += 1;
        self.ruled_out += u32::from(ruled_out);
        if self.tried == Self::WINDOW {
            if self.ruled_out * 4 < self.tried {
                self.resting = Self::REST;
            }
            self.tried = 0;
            self.ruled_out = 0;
        }
    }
}

/// The score a section must beat to enter a segment's best `k` so far.
fn kth_best(heap: &BinaryHeap<Reverse<Scored>>, k: usize) -> Option<Score> {
    heap.peek()
        .filter(|_| heap.len() >= k)
        .map(|Reverse(s)| s.score)
}

/// Moves `set` to its first section at or after `target`, staying where it
/// is when already there (tantivy's `seek` wants a target past the current
/// section).
fn seek_forward<D: DocSet + ?Sized>(set: &mut D, target: DocId) -> DocId {
    if set.doc() < target {
        set.seek(target)
    } else {
        set.doc()
    }
}

/// Keeps in `a` (sorted) the values also in `b` (sorted).
fn retain_common(a: &mut Vec<u32>, b: &[u32]) {
    let mut j = 0;
    a.retain(|&x| {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        j < b.len() && b[j] == x
    });
}

/// Share of a section's normalised text (`body_chars` characters) that
/// query parts of `matched` characters in all cover (0–1).
pub fn coverage(body_chars: u64, matched: usize) -> f32 {
    if body_chars == 0 {
        return 0.0;
    }
    (matched as f32 / body_chars as f32).min(1.0)
}

/// What a candidate section is checked for.
#[derive(Clone, Copy)]
enum Check {
    /// Only whether it matches, for exact totals: it cannot rank.
    Count,
    /// Its sections' scores too.
    Score {
        /// The words' part of its score.
        words: Score,
    },
}

/// The largest score of a term whatever its frequency and norm (its BM25
/// weight: the tf factor stays below 1).
fn most(bm25: &Bm25Weight) -> Score {
    bm25.score(0, u32::MAX)
}

impl Plan {
    /// The best `k` sections of segment `ord`, pruning by score bounds.
    pub fn scan(
        &self,
        snapshot: &Snapshot,
        ord: u32,
        seg: &SegmentReader,
        k: usize,
        shared: &Shared,
    ) -> Result<SegmentTop> {
        let Some(lists) = self.open_lists(ord, seg)? else {
            return Ok(SegmentTop::empty(snapshot.files()));
        };
        let mut scan = self.segment_scan(snapshot, ord, seg, lists, k, shared)?;
        scan.run();
        let mut top = scan.top;
        top.best = scan.heap.into_iter().map(|Reverse(s)| s).collect();
        Ok(top)
    }

    /// The state of one segment's pass, with no lists open yet.
    fn segment_scan<'a>(
        &'a self,
        snapshot: &'a Snapshot,
        ord: u32,
        seg: &'a SegmentReader,
        lists: Lists<'a>,
        k: usize,
        shared: &'a Shared,
    ) -> Result<SegmentScan<'a>> {
        let Some(columns) = snapshot.columns(ord) else {
            anyhow::bail!("a segment the snapshot did not open");
        };
        let lead_part = lists
            .parts
            .iter()
            .position(|(r, _)| r.contains(&lists.order[0]))
            .unwrap_or(0);
        let ja = seg.inverted_index(self.body_ja)?;
        let mut words = Vec::with_capacity(self.words.len());
        for (term, bm25) in &self.words {
            if let Some(info) = self.infos.in_segment(term, ord) {
                words.push((
                    ja.read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?,
                    bm25,
                ));
            }
        }
        let filter = match &self.filters {
            Some(w) => Some(w.scorer(seg, 1.0)?),
            None => None,
        };
        let words_most = words.iter().map(|(_, bm25)| most(bm25)).sum();
        let max_weight = columns.max_weight().max(1.0);
        let rough = std::array::from_fn(|norm| {
            let chars = u64::from(FieldNormReader::id_to_fieldnorm(norm as u8));
            max_weight * (1.0 + coverage(chars, self.matched_chars))
        });
        Ok(SegmentScan {
            snapshot,
            columns,
            seg,
            ord,
            k,
            shared,
            checks: 0,
            matched_chars: self.matched_chars,
            lists,
            words,
            filter,
            norms_ngram: seg.get_fieldnorms_reader(self.body_ngram)?,
            norms_ja: seg.get_fieldnorms_reader(self.body_ja)?,
            rough: Box::new(rough),
            lead_part,
            words_most,
            // A listing asks for every section: let the heap grow to what
            // matches.
            heap: BinaryHeap::with_capacity((k + 1).min(1024)),
            early: EarlyOuts::default(),
            top: SegmentTop::empty(snapshot.files()),
            scratch: (Vec::new(), Vec::new(), Vec::new()),
            hashes: columns.body_hashes(),
            seen: TextScores::default(),
            runs: TextRuns::of(seg, self.kind)?,
            members: Vec::new(),
        })
    }

    /// The sections of `files` in segment `ord` that match and score at
    /// least their file's threshold: the near-best sections of documents a
    /// search has already ranked, which the reordering within a document
    /// needs whatever their rank. Only those files' sections are visited,
    /// found through their names.
    pub fn near_best(
        &self,
        snapshot: &Snapshot,
        ord: u32,
        seg: &SegmentReader,
        files: &[NearFile<'_>],
    ) -> Result<Vec<Scored>> {
        let mut here = files
            .iter()
            .filter(|f| snapshot.holds(ord, f.file))
            .peekable();
        if here.peek().is_none() {
            return Ok(Vec::new());
        }
        let names = seg.inverted_index(self.file)?;
        let mut docs = Vec::new();
        for f in here {
            let term = Term::from_field_text(self.file, f.name);
            if let Some(mut p) = names.read_postings(&term, IndexRecordOption::Basic)? {
                while p.doc() != TERMINATED {
                    docs.push(p.doc());
                    p.advance();
                }
            }
        }
        if docs.is_empty() {
            return Ok(Vec::new());
        }
        let Some(lists) = self.open_lists(ord, seg)? else {
            return Ok(Vec::new());
        };
        docs.sort_unstable();
        let shared = Shared::new(usize::MAX);
        let mut scan = self.segment_scan(snapshot, ord, seg, lists, usize::MAX, &shared)?;
        Ok(scan.near(&docs, files))
    }

    /// The bigram postings of every part in `seg`, or None when a bigram
    /// is absent there (nothing matches in this segment).
    fn open_lists(&self, ord: u32, seg: &SegmentReader) -> Result<Option<Lists<'_>>> {
        let ngram = seg.inverted_index(self.body_ngram)?;
        let mut lists = Lists {
            postings: Vec::new(),
            offsets: Vec::new(),
            parts: Vec::with_capacity(self.parts.len()),
            driving: Vec::new(),
            order: Vec::new(),
            rest: Vec::new(),
        };
        // Every bigram's entry first: a segment without one of them has no
        // match, and nothing is opened there.
        let found: Option<Vec<Vec<(u32, &TermInfo)>>> = self
            .parts
            .iter()
            .map(|part| {
                part.grams
                    .iter()
                    .map(|(off, term)| Some((*off, self.infos.in_segment(term, ord)?)))
                    .collect()
            })
            .collect();
        let Some(found) = found else {
            return Ok(None);
        };
        for (part, grams) in self.parts.iter().zip(found) {
            let from = lists.postings.len();
            for (off, info) in grams {
                lists.postings.push(
                    ngram.read_postings_from_terminfo(
                        info,
                        IndexRecordOption::WithFreqsAndPositions,
                    )?,
                );
                lists.offsets.push(off);
            }
            lists.parts.push((from..lists.postings.len(), part));
        }
        lists.choose_driving();
        Ok(Some(lists))
    }
}

/// One segment's pruned pass: its postings and readers, and its best `k`
/// so far.
struct SegmentScan<'a> {
    snapshot: &'a Snapshot,
    columns: &'a SegmentColumns,
    seg: &'a SegmentReader,
    ord: u32,
    k: usize,
    shared: &'a Shared,
    /// Checks for exact totals taken from `shared` and not used yet.
    checks: usize,
    /// Characters of the query's parts, for the coverage factor.
    matched_chars: usize,
    lists: Lists<'a>,
    /// The words' postings in the segment, each with its BM25 weight.
    words: Vec<(SegmentPostings, &'a Bm25Weight)>,
    filter: Option<Box<dyn Scorer>>,
    norms_ngram: FieldNormReader,
    norms_ja: FieldNormReader,
    /// Per norm id, a bound of weight × (1 + coverage) without the
    /// columns: the segment's largest weight, and the coverage of the
    /// section's token count (one bigram per char; the stored norm never
    /// exceeds the true count). A table: the lead's bound is computed for
    /// most postings of a wide query, and the division was a part of it.
    rough: Box<[Score; 256]>,
    /// The part whose bigram leads the intersection.
    lead_part: usize,
    /// The words' scores at their largest.
    words_most: Score,
    heap: BinaryHeap<Reverse<Scored>>,
    early: EarlyOuts,
    top: SegmentTop,
    /// Position buffers of the phrase check, and its order of lists.
    scratch: (Vec<u32>, Vec<u32>, Vec<(u32, usize)>),
    /// Each text record's hash of its text (None: an index without
    /// the column).
    hashes: Option<&'a Column<u64>>,
    /// The phrase part of the score of each text checked so far in this
    /// segment: a phrase matches a text the same way in every section that
    /// holds it, and most matches of a wide query are boilerplate that many
    /// documents share (at 100 MiB, 中間サーバー's ~10 000 sections checked
    /// hold ~2 600 texts). Not shared between segments: their threads meet
    /// the same boilerplate at the same time, and a locked map shared by
    /// them made searches slower than checking each segment's texts apart.
    seen: TextScores,
    /// The segment's texts and the sections that follow each.
    runs: std::sync::Arc<TextRuns>,
    /// The live sections of the current text that pass the filters.
    members: Vec<DocId>,
}

impl SegmentScan<'_> {
    /// Visits the candidates of the lead bigram in order, skipping those
    /// that cannot rank once the exact-count checks are spent.
    fn run(&mut self) {
        let mut started = false;
        loop {
            // The lead moves on only once the previous section is done with.
            if std::mem::replace(&mut started, true) {
                self.lists.postings[self.lists.order[0]].advance();
            }
            if self.checks == 0 && self.shared.spent() && self.early.worth_trying() {
                match self.lead_rules_out() {
                    None => break,
                    Some(true) => {
                        self.top.skipped += 1;
                        continue;
                    }
                    Some(false) => {}
                }
            }
            let text = self.lists.align();
            if text == TERMINATED {
                break;
            }
            // With filters most texts have no section that passes: find
            // out before the bound and the phrase are computed.
            let filtered = self.filter.is_some();
            if filtered && !self.collect_members(text) {
                continue;
            }
            let norm = self.norms_ngram.fieldnorm_id(text);
            let Some(check) = self.check_for(text, norm) else {
                self.top.skipped += 1;
                continue;
            };
            if !filtered && !self.collect_members(text) {
                continue;
            }
            if let Check::Count = check {
                self.spend_checks(self.members.len());
            }
            let Some(phrase) = self.phrase_of_text(text, norm) else {
                continue;
            };
            self.top.matched += self.members.len();
            for &s in &self.members {
                if let Some(g) = self.snapshot.file_of(self.ord, s) {
                    bits::set(&mut self.top.files, g);
                }
            }
            if let Check::Score { words } = check {
                // The sections share the text's length: only their weights
                // are read.
                let cover = 1.0 + self.coverage_of(text);
                for i in 0..self.members.len() {
                    let doc = self.members[i];
                    let score = (phrase + words) * self.weighted(doc, cover);
                    self.keep(Scored { score, doc });
                }
            }
        }
    }

    /// Puts in `members` the live sections of `text` that pass the
    /// filters: whether there are any.
    fn collect_members(&mut self, text: DocId) -> bool {
        let end = self.runs.end_of(text);
        self.members.clear();
        match &mut self.filter {
            Some(fs) => {
                let mut d = seek_forward(fs, text + 1);
                while d < end {
                    if !self.seg.is_deleted(d) {
                        self.members.push(d);
                    }
                    d = fs.advance();
                }
            }
            None => self
                .members
                .extend((text + 1..end).filter(|&d| !self.seg.is_deleted(d))),
        }
        !self.members.is_empty()
    }

    /// Most candidates of a wide query cannot rank: whether the lead
    /// bigram's frequency alone rules the lead's section out (the other
    /// parts and the words at their largest), before the other lists move
    /// to it. None when the lead is exhausted.
    fn lead_rules_out(&mut self) -> Option<bool> {
        let lead = &self.lists.postings[self.lists.order[0]];
        let doc = lead.doc();
        if doc == TERMINATED {
            return None;
        }
        let norm = self.norms_ngram.fieldnorm_id(doc);
        let phrase_most: Score = (0..self.lists.parts.len())
            .map(|i| {
                let bm25 = &self.lists.parts[i].1.bm25;
                if i == self.lead_part {
                    bm25.score(norm, lead.term_freq())
                } else {
                    most(bm25)
                }
            })
            .sum();
        let bound = (phrase_most + self.words_most) * self.rough_factor(norm);
        let ruled_out = self
            .shared
            .cannot_rank(bound, self.ord, kth_best(&self.heap, self.k));
        self.early.count(ruled_out);
        Some(ruled_out)
    }

    /// A bound of weight × (1 + coverage) without the columns.
    fn rough_factor(&self, norm: u8) -> Score {
        self.rough[usize::from(norm)]
    }

    fn passes_filters(&mut self, doc: DocId) -> bool {
        self.filter
            .as_mut()
            .is_none_or(|fs| seek_forward(fs, doc) == doc)
    }

    /// The words' part of the section's score (the words it holds).
    fn words_score(&mut self, doc: DocId) -> Score {
        let norms = &self.norms_ja;
        self.words
            .iter_mut()
            .filter_map(|(p, bm25)| {
                (seek_forward(p, doc) == doc)
                    .then(|| bm25.score(norms.fieldnorm_id(doc), p.term_freq()))
            })
            .sum()
    }

    /// What to check the section for, by its bound: None when it cannot
    /// rank and the checks for exact totals are spent (it is skipped). The
    /// words' postings are read only for a section that may rank with the
    /// words at their largest, and the columns only for one that may rank
    /// with its own words: most candidates of a wide query can do neither
    /// (they are only counted, or skipped), and seeking the words' lists to
    /// each of them was a tenth of its time.
    fn check_for(&mut self, doc: DocId, norm: u8) -> Option<Check> {
        let phrase_bound = self.phrase_bound(norm);
        let (shared, ord) = (self.shared, self.ord);
        let own = kth_best(&self.heap, self.k);
        let may_rank = |bound: Score| !shared.cannot_rank(bound, ord, own);
        let rough = self.rough_factor(norm);
        if may_rank((phrase_bound + self.words_most) * rough) {
            let words = self.words_score(doc);
            if may_rank((phrase_bound + words) * rough) {
                let factor = self.factor(doc);
                // The same operations as the score, so that rounding never
                // puts the bound below it.
                if may_rank((phrase_bound + words) * factor) {
                    return Some(Check::Score { words });
                }
            }
        }
        if self.checks == 0 {
            self.checks = self.shared.take();
        }
        (self.checks > 0).then_some(Check::Count)
    }

    /// Takes `n` sections' worth of the checks for exact totals (the
    /// checks count sections, as totals do, though a text is checked once
    /// for all of them): the last text may overdraw.
    fn spend_checks(&mut self, n: usize) {
        let mut need = n;
        while need > 0 {
            if self.checks == 0 {
                self.checks = self.shared.take();
                if self.checks == 0 {
                    return;
                }
            }
            let spent = need.min(self.checks);
            self.checks -= spent;
            need -= spent;
        }
    }

    /// A bound of the phrase part of the section's score, from the least
    /// frequency of each part's driving bigrams (every list on the section).
    fn phrase_bound(&self, norm: u8) -> Score {
        (0..self.lists.parts.len())
            .map(|i| {
                self.lists.parts[i]
                    .1
                    .bm25
                    .score(norm, self.lists.freq_bound(i))
            })
            .sum()
    }

    /// The section's weight × (1 + coverage), from the columns.
    fn factor(&self, doc: DocId) -> Score {
        self.weighted(doc, 1.0 + self.coverage_of(doc))
    }

    /// The section's weight × `cover` (its 1 + coverage): [`Self::factor`]
    /// with the coverage of its text already known.
    fn weighted(&self, doc: DocId, cover: Score) -> Score {
        self.columns.weight(doc).unwrap_or(1.0) * cover
    }

    /// The share of the text of `doc` (a text record or a section) that
    /// the query covers.
    fn coverage_of(&self, doc: DocId) -> Score {
        let chars = self.columns.body_chars.first(doc).unwrap_or(0);
        coverage(chars, self.matched_chars)
    }

    /// Of `docs` (ascending), the sections that match and score at least
    /// their file's threshold ([`Plan::near_best`]; `files` sorted by
    /// number); scores are computed as in [`SegmentScan::run`], so a
    /// section found by both is equal.
    fn near(&mut self, docs: &[DocId], files: &[NearFile]) -> Vec<Scored> {
        let mut found = Vec::new();
        // The text of the sections at `i`, with its phrase and words parts
        // and its 1 + coverage.
        let mut current: Option<(DocId, Score, Score, Score)> = None;
        let mut i = 0;
        while i < docs.len() {
            let doc = docs[i];
            let Some((text, end)) = self.runs.text_holding(doc) else {
                i += 1;
                continue;
            };
            if current.is_none_or(|(t, ..)| t != text) {
                current = None;
                // Only texts of the rarest bigram can match: leap to them,
                // past the sections of the texts in between.
                let lead = seek_forward(&mut self.lists.postings[self.lists.order[0]], text);
                if lead == TERMINATED {
                    break;
                }
                let parts = if lead == text && self.lists.reach_all(text) {
                    let norm = self.norms_ngram.fieldnorm_id(text);
                    let words = self.words_score(text);
                    self.phrase_of_text(text, norm).map(|p| (p, words))
                } else {
                    None
                };
                let Some((phrase, words)) = parts else {
                    let past = if lead == text { end } else { lead };
                    i += docs[i..].partition_point(|&d| d < past);
                    continue;
                };
                current = Some((text, phrase, words, 1.0 + self.coverage_of(text)));
            }
            i += 1;
            let Some((_, phrase, words, cover)) = current else {
                continue;
            };
            let threshold = self
                .snapshot
                .file_of(self.ord, doc)
                .and_then(|g| files.binary_search_by_key(&g, |f| f.file).ok())
                .map(|j| files[j].threshold);
            let Some(threshold) = threshold else {
                continue;
            };
            if self.seg.is_deleted(doc) || !self.passes_filters(doc) {
                continue;
            }
            // As in `run`: the sections share their text's length.
            let score = (phrase + words) * self.weighted(doc, cover);
            if score >= threshold {
                found.push(Scored { score, doc });
            }
        }
        found
    }

    /// The phrase part of the section's score, None when it does not
    /// match; the driving lists are on the section. Its text's positions
    /// are read only the first time the text comes up.
    fn phrase_of_text(&mut self, doc: DocId, norm: u8) -> Option<Score> {
        let Some(hash) = self.hashes.and_then(|c| c.first(doc)) else {
            return self.check_phrase(doc, norm);
        };
        if let Some(&known) = self.seen.get(&hash) {
            return known;
        }
        let phrase = self.check_phrase(doc, norm);
        self.seen.insert(hash, phrase);
        phrase
    }

    /// The phrase part of the section's score from its bigrams' positions.
    fn check_phrase(&mut self, doc: DocId, norm: u8) -> Option<Score> {
        if self.lists.reach_rest(doc) {
            self.phrase_score(norm)
        } else {
            None
        }
    }

    /// The phrase part of the section's score, None when a part does not
    /// occur (every list is on the section).
    fn phrase_score(&mut self, norm: u8) -> Option<Score> {
        let (a, b, by_freq) = &mut self.scratch;
        let mut phrase: Score = 0.0;
        for i in 0..self.lists.parts.len() {
            let tf = self.lists.phrase_freq(i, a, b, by_freq);
            if tf == 0 {
                return None;
            }
            phrase += self.lists.parts[i].1.bm25.score(norm, tf);
        }
        Some(phrase)
    }

    /// Adds a scored section to the best `k`, and shares the floor once
    /// there are `k`.
    fn keep(&mut self, s: Scored) {
        // One that cannot enter a full heap is not pushed only to be popped.
        if self.heap.len() >= self.k && self.heap.peek().is_some_and(|Reverse(w)| s < *w) {
            return;
        }
        self.heap.push(Reverse(s));
        if self.heap.len() > self.k {
            self.heap.pop();
        }
        if self.heap.len() == self.k {
            if let Some(Reverse(min)) = self.heap.peek() {
                self.shared.raise_floor(min.score, self.ord);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_values_are_kept() {
        let mut a = vec![1, 3, 5, 7, 9];
        retain_common(&mut a, &[0, 3, 4, 9, 10]);
        assert_eq!(a, vec![3, 9]);
        let mut a = vec![2, 4];
        retain_common(&mut a, &[]);
        assert!(a.is_empty());
    }

    #[test]
    fn better_sections_order_first() {
        let hi = Scored { score: 2.0, doc: 9 };
        let lo = Scored { score: 1.0, doc: 1 };
        assert!(hi > lo);
        // Ties: the earlier section is better.
        let early = Scored { score: 1.0, doc: 0 };
        assert!(early > lo);
    }

    /// Runs `n` candidates through `e`, each ruled out when `rules_out`
    /// says so: how many had the bound computed.
    fn tried(e: &mut EarlyOuts, n: u32, rules_out: impl Fn(u32) -> bool) -> u32 {
        (0..n)
            .filter(|&i| {
                let t = e.worth_trying();
                if t {
                    e.count(rules_out(i));
                }
                t
            })
            .count() as u32
    }

    #[test]
    fn a_bound_that_starts_paying_late_is_taken_up_again() {
        let mut e = EarlyOuts::default();
        // A window that rules nothing out: the next REST candidates pass
        // without the bound.
        assert_eq!(
            tried(&mut e, EarlyOuts::WINDOW, |_| false),
            EarlyOuts::WINDOW
        );
        assert_eq!(tried(&mut e, EarlyOuts::REST, |_| true), 0);
        // Then it is tried again, and once it pays it is kept.
        let n = 10 * EarlyOuts::WINDOW;
        assert_eq!(tried(&mut e, n, |i| i % 2 == 0), n);
    }

    #[test]
    fn a_bound_that_never_pays_is_computed_for_a_fifth() {
        let mut e = EarlyOuts::default();
        let n = 50 * (EarlyOuts::WINDOW + EarlyOuts::REST);
        assert_eq!(tried(&mut e, n, |_| false), n / 5);
    }
}
