//! Running a query: filters and the user query combined, ranked by BM25 on
//! lindera terms times the section's weight, turned into [`Hit`]s that say
//! which document, which city and where in the form.

use std::collections::HashMap;

use anyhow::Result;
use serde::Serialize;
use tantivy::collector::{Collector, Count, DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, EnableScoring, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Score, Searcher, SegmentReader, TantivyDocument, Term};

use super::SearchRequest;
use crate::index::analysis::phrase_bigrams;
use crate::index::schema::{Fields, KIND_SECTION};
use crate::index::store::{read_stored, Store};
use crate::model::{DocMeta, Location};
use crate::normalize::fold;
use crate::query::count::{FileCounter, Hidden};
use crate::query::filter::{any_of, matching_terms};
use crate::query::join::{SectionsOf, TextStats};
use crate::query::snippet::{self, Snippet};
use crate::query::{bits, topk};

/// One matching section.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Which document and where in its form.
    #[serde(flatten)]
    pub location: Location,
    /// Canonical key of the section.
    pub key: String,
    /// Position of the section in its document (identifies it with `file`).
    pub ordinal: u64,
    /// Relevance.
    pub score: f32,
    /// Text around the first match (`snippet`) and the matches in it
    /// (`highlights`: char ranges), flattened into the hit's JSON.
    #[serde(flatten)]
    pub snippet: Snippet,
    /// Selected choice value of the field, if any.
    pub value: Option<String>,
}

/// Hits plus the total number of matching sections and documents.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Ranked hits, at most `limit`.
    pub hits: Vec<Hit>,
    /// Matching sections in all.
    pub total: usize,
    /// Distinct documents with a matching section (None on an index built
    /// before documents could be counted).
    pub documents: Option<usize>,
    /// False when a wide ranked search stopped checking sections that could
    /// not rank ([`topk::EXACT_TOTAL`]): `total` and `documents` are then
    /// lower bounds. Counting queries are always exact.
    pub totals_exact: bool,
    /// What the request's options hid (choice lists, filters); filled by
    /// [`search_with_hidden`] for front ends that tell the user, None
    /// otherwise.
    pub hidden: Option<Hidden>,
}

/// The complete tantivy query of a request: the user query (over body
/// text, and choice lists when asked) and the filters.
pub fn build_query(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<Box<dyn Query>> {
    let mut text = req.query.to_query(f.body_ngram, f.body_ja);
    if req.include_choices {
        let choices = req.query.to_query(f.choices_ngram, f.body_ja);
        text = Box::new(BooleanQuery::new(vec![
            (Occur::Should, text),
            (Occur::Should, choices),
        ]));
    }
    // Text fields are on text records: the join turns their matches into
    // the sections that hold them.
    let user = SectionsOf::boxed(text, f.kind);
    // No `kind:section` clause: the join yields sections only, and every
    // user query goes through it (intersecting with every section cost
    // each search a pass over the longest posting list).
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, user)];
    // Filters restrict, they do not rank (as in the pruned pass, [`topk`]).
    for q in req.filters.to_queries(searcher, f)? {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
    }
    Ok(Box::new(BooleanQuery::new(clauses)))
}

/// A ranked section before its stored text is read: re-ranking takes what
/// it needs from columns, so only the hits shown touch the document store
/// (reading and normalising 200 stored candidates was most of a `pia
/// search` process).
struct Candidate {
    score: Score,
    addr: DocAddress,
    /// Snapshot-wide file number ([`Snapshot::file_of`]).
    file: u32,
    ordinal: u64,
}

/// The best sections with their final scores, the matching sections
/// counted, the distinct documents, from one pass over the last commit.
struct Ranked {
    candidates: Vec<Candidate>,
    total: usize,
    /// Bitset of the matching files ([`FileCounter::collector`]).
    files: Vec<u64>,
    /// Whether `total` and `files` are complete ([`topk`]).
    exact: bool,
}

/// What one ranked pass over all segments found: the best sections by
/// final score, before the near-best reordering.
struct Pass {
    scored: Vec<(Score, DocAddress)>,
    total: usize,
    files: Vec<u64>,
    exact: bool,
}

/// Ranks `req`'s matches: BM25 × section weight × (1 + coverage of the
/// section by the query), then the earliest of a document's near-best
/// sections first.
fn rank(
    searcher: &Searcher,
    counter: &FileCounter,
    f: &Fields,
    req: &SearchRequest,
    plan: Option<topk::Plan>,
    want: usize,
) -> Result<Ranked> {
    let reach = match &plan {
        Some(plan) => plan.reach(),
        None => reach(searcher, f, req),
    };
    let threads = threads_for(searcher, work(reach, req.exact_up_to as u64));
    let pass = match plan {
        Some(plan) => {
            // The best `want` exactly, then what the reordering within their
            // documents needs: no pool, so the hits are those of ranking
            // every match, and pruning works against the `want`-th best. A
            // query that can match only a few texts keeps all their
            // sections instead: one pass, no second visit. (How many
            // sections the texts have is not known before the pass.)
            let k = if reach < FEW_TEXTS { usize::MAX } else { want };
            let k = k.max(want).min(searcher.num_docs() as usize).max(1);
            let mut pass = pruned_pass(searcher, counter, &plan, req, k, threads)?;
            if pass.scored.len() >= k {
                add_near_best(searcher, counter, &plan, &mut pass, threads)?;
            }
            pass
        }
        None => {
            // More candidates than shown, for the near-best reordering
            // within a document; tantivy preallocates the top-k heap: never
            // ask for more than exist.
            let pool = want
                .saturating_mul(5)
                .max(200)
                .min(searcher.num_docs() as usize)
                .max(1);
            tantivy_pass(searcher, counter, f, req, pool, threads)?
        }
    };
    let snapshot = counter.snapshot();
    let mut ranked = Vec::with_capacity(pass.scored.len());
    for (score, addr) in pass.scored {
        let c = snapshot
            .columns(addr.segment_ord)
            .ok_or_else(|| anyhow::anyhow!("a hit in a segment the search did not open"))?;
        ranked.push(Candidate {
            score,
            addr,
            file: snapshot
                .file_of(addr.segment_ord, addr.doc_id)
                .unwrap_or(u32::MAX),
            ordinal: c.ordinal(addr.doc_id).unwrap_or(0),
        });
    }
    prefer_first_occurrence(&mut ranked);
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.addr.cmp(&b.addr)));
    Ok(Ranked {
        candidates: ranked,
        total: pass.total,
        files: pass.files,
        exact: pass.exact,
    })
}

/// Adds to `pass` every section of the documents it ranked that scores
/// within [`NEAR_BEST`] of its document's best: [`prefer_first_occurrence`]
/// may give such a section its document's best score, wherever it ranked.
/// A document's best is among the best `k` whenever another of its sections
/// is, so the thresholds are exact.
fn add_near_best(
    searcher: &Searcher,
    counter: &FileCounter,
    plan: &topk::Plan,
    pass: &mut Pass,
    threads: usize,
) -> Result<()> {
    let snapshot = counter.snapshot();
    // Each file's best (the first seen is its best: scores descend).
    let mut files: Vec<topk::NearFile> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (score, addr) in &pass.scored {
        let Some(file) = snapshot.file_of(addr.segment_ord, addr.doc_id) else {
            continue;
        };
        if !seen.insert(file) {
            continue;
        }
        if let Some(name) = snapshot.file_name(file) {
            files.push(topk::NearFile {
                file,
                name,
                threshold: score * NEAR_BEST,
            });
        }
    }
    files.sort_by_key(|f| f.file);
    let found = per_segment(searcher, threads, |ord, seg| {
        plan.near_best(snapshot, ord, seg, &files)
    })?;
    let have: std::collections::HashSet<DocAddress> =
        pass.scored.iter().map(|(_, addr)| *addr).collect();
    for (ord, near) in found.into_iter().enumerate() {
        for s in near {
            let addr = DocAddress::new(ord as u32, s.doc);
            if !have.contains(&addr) {
                pass.scored.push((s.score, addr));
            }
        }
    }
    Ok(())
}

/// The pass of plain phrase queries ([`topk`]): sections that cannot rank
/// are skipped once the exact-count budget is spent.
fn pruned_pass(
    searcher: &Searcher,
    counter: &FileCounter,
    plan: &topk::Plan,
    req: &SearchRequest,
    pool: usize,
    threads: usize,
) -> Result<Pass> {
    let snapshot = counter.snapshot();
    let shared = topk::Shared::new(req.exact_up_to);
    let tops = per_segment(searcher, threads, |ord, seg| {
        plan.scan(snapshot, ord, seg, pool, &shared)
    })?;
    let mut pass = Pass {
        scored: Vec::new(),
        total: 0,
        files: bits::empty(snapshot.files()),
        exact: true,
    };
    for (ord, t) in tops.into_iter().enumerate() {
        pass.total += t.matched;
        pass.exact &= t.skipped == 0;
        bits::union_into(&mut pass.files, &t.files);
        pass.scored.extend(
            t.best
                .into_iter()
                .map(|s| (s.score, DocAddress::new(ord as u32, s.doc))),
        );
    }
    // The best `pool` of the search, as tantivy's merge keeps them: what
    // each segment kept beyond them depends on when the shared floor rose.
    pass.scored
        .sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    pass.scored.truncate(pool);
    Ok(pass)
}

/// The general pass, through tantivy's query machinery (exclusions, choice
/// lists, one-character parts): every match is checked, so the counts are
/// exact. tantivy ranks by BM25 × weight; coverage multiplies the pool.
fn tantivy_pass(
    searcher: &Searcher,
    counter: &FileCounter,
    f: &Fields,
    req: &SearchRequest,
    pool: usize,
    threads: usize,
) -> Result<Pass> {
    let query = build_query(searcher, f, req)?;
    let snapshot = counter.snapshot().clone();
    let top = TopDocs::with_limit(pool).tweak_score(move |seg: &SegmentReader| {
        let columns = snapshot.columns_of(seg.segment_id()).cloned();
        move |doc, score: Score| {
            let w = columns.as_ref().and_then(|c| c.weight(doc)).unwrap_or(1.0);
            score * w
        }
    });
    // One pass ranks, counts sections and counts distinct documents (the
    // phrase positions are the expensive part; read them once).
    let collector = (top, Count, counter.collector());
    let stats = TextStats::new(searcher, f.kind)?;
    let weight = query.weight(EnableScoring::enabled_from_statistics_provider(
        &stats, searcher,
    ))?;
    let fruits = per_segment(searcher, threads, |ord, seg| {
        Ok(collector.collect_segment(weight.as_ref(), ord, seg)?)
    })?;
    let (top, total, files) = collector.merge_fruits(fruits)?;
    let snapshot = counter.snapshot();
    let matched = req.query.matched_chars();
    let scored = top
        .into_iter()
        .map(|(score, addr)| {
            let chars = snapshot
                .columns(addr.segment_ord)
                .and_then(|c| c.body_chars.first(addr.doc_id))
                .unwrap_or(0);
            (score * (1.0 + topk::coverage(chars, matched)), addr)
        })
        .collect();
    Ok(Pass {
        scored,
        total,
        files,
        exact: true,
    })
}

/// Below this many texts of its rarest bigram, a ranked query keeps every
/// matching section rather than pruning to the best `limit` and revisiting
/// their documents (the second pass costs more than the few checks it
/// saves: at 1 GiB it was a fifth of 日本電気株式会社's ranked search).
const FEW_TEXTS: u64 = 200;

/// Work ([`work`]) a ranked pass must have before its segments are searched
/// on several threads: below it the whole pass takes well under a
/// millisecond, less than handing it to other threads costs.
const PARALLEL_WORK: u64 = 2500;

/// A pass's work in units of a candidate section ruled out by its bound: a
/// query that can match `reach` sections visits them all, and checks the
/// positions of up to `exact_up_to` of them for exact totals, which costs
/// about one and a half visits more (100 MiB corpus: with totals, two
/// threads pay from about 1 000 sections on; without, from 2 500).
fn work(reach: u64, exact_up_to: u64) -> u64 {
    reach.saturating_add(reach.min(exact_up_to).saturating_mul(3) / 2)
}

/// Whether `req`'s totals will be exact whatever the ranking finds: it
/// does not take the pruned pass (`plan`), counts every match, or cannot
/// match more texts than it checks sections for exact totals (a text has
/// a section at least; one with more may still spend the checks, and the
/// totals then say so).
fn totals_certainly_exact(plan: Option<&topk::Plan>, req: &SearchRequest) -> bool {
    plan.is_none_or(|p| req.exact_up_to == usize::MAX || p.reach() <= req.exact_up_to as u64)
}

/// Texts the query can match at most ([`topk::Plan::reach`]), for
/// requests that take the general path.
fn reach(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> u64 {
    let of_part = |norm: &str| {
        let terms: Vec<Term> = phrase_bigrams(norm)
            .iter()
            .map(|(_, b)| Term::from_field_text(f.body_ngram, b))
            .collect();
        topk::rarest(searcher, &terms).unwrap_or(0)
    };
    // A group of alternatives reaches the sections of any of its parts.
    let groups = req
        .query
        .any
        .iter()
        .map(|g| g.iter().map(|p| of_part(&p.norm)).sum::<u64>());
    req.query
        .must
        .iter()
        .map(|p| of_part(&p.norm))
        .chain(groups)
        .min()
        .unwrap_or(0)
}

/// Threads for a ranked pass of `work`: several when the index has several
/// segments and the query matches widely (its phrase positions are then
/// most of a search), else one.
fn threads_for(searcher: &Searcher, work: u64) -> usize {
    let segments = searcher.segment_readers().len();
    let cores = cores();
    if segments < 2 || cores < 2 || work < PARALLEL_WORK {
        1
    } else {
        cores.min(segments)
    }
}

/// Cores this process may use, looked up once: the standard library reads
/// the cgroup files on every call, which was a third of a rare query's time.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// `scan` run on every segment of `searcher`, the segments shared out among
/// `threads` scoped threads (balanced by size); results in segment order.
/// Threads live for one search only: a pool's idle workers spin and slow
/// the searches that stay on one thread.
fn per_segment<T: Send>(
    searcher: &Searcher,
    threads: usize,
    scan: impl Fn(u32, &SegmentReader) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let readers = searcher.segment_readers();
    if threads <= 1 || readers.len() < 2 {
        return readers
            .iter()
            .enumerate()
            .map(|(i, s)| scan(i as u32, s))
            .collect();
    }
    let mut segments: Vec<(u32, &SegmentReader)> = readers
        .iter()
        .enumerate()
        .map(|(i, s)| (i as u32, s))
        .collect();
    segments.sort_by_key(|(_, s)| std::cmp::Reverse(s.num_docs()));
    // Largest first, each to the least loaded thread.
    let mut shares: Vec<(u64, Vec<(u32, &SegmentReader)>)> = vec![(0, Vec::new()); threads];
    for seg in segments {
        let least = shares
            .iter_mut()
            .min_by_key(|(docs, _)| *docs)
            .expect("threads ≥ 1");
        least.0 += u64::from(seg.1.num_docs());
        least.1.push(seg);
    }
    let collect = |segs: &[(u32, &SegmentReader)]| {
        segs.iter()
            .map(|&(ord, seg)| Ok((ord, scan(ord, seg)?)))
            .collect::<Result<Vec<_>>>()
    };
    // The first share on this thread, the others on threads of their own.
    let (first, rest) = shares.split_first().expect("threads ≥ 1");
    let results = std::thread::scope(|scope| {
        let workers: Vec<_> = rest
            .iter()
            .map(|(_, segs)| scope.spawn(|| collect(segs)))
            .collect();
        let mut results = vec![collect(&first.1)];
        results.extend(
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        results.into_iter().collect::<Result<Vec<_>>>()
    })?;
    let mut results: Vec<_> = results.into_iter().flatten().collect();
    results.sort_by_key(|(ord, _)| *ord);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// Runs a search on the last commit of `store`.
pub fn search(store: &Store, req: &SearchRequest) -> Result<SearchResults> {
    run(store, req, false, false)
}

/// One hit per document (its best section), for "where does each city say
/// this": every matching section is ranked, then documents keep their first.
pub fn search_per_file(store: &Store, req: &SearchRequest) -> Result<SearchResults> {
    run(store, req, true, false)
}

/// [`search`] or [`search_per_file`], also counting what the request's
/// options hid ([`Hidden`]) for front ends that tell the user. The hidden
/// counts are passes of their own that do not depend on the hits, so they
/// run on a second thread over the same commit while the search ranks.
pub fn search_with_hidden(
    store: &Store,
    req: &SearchRequest,
    per_file: bool,
) -> Result<SearchResults> {
    run(store, req, per_file, true)
}

fn run(store: &Store, req: &SearchRequest, per_file: bool, hidden: bool) -> Result<SearchResults> {
    let searcher = store.reader()?.searcher();
    let counter = FileCounter::of(store, &searcher)?;
    let f = &store.fields;
    let limit = req.limit.max(1);
    let want = if per_file { usize::MAX / 8 } else { limit };
    // The hidden counts are shown only beside exact totals. When the
    // totals may turn into lower bounds, they wait for the ranking: run
    // beside it, a pass that is then thrown away took a core from it (a
    // third of 情報提供ネットワークシステム's process).
    let plan = topk::Plan::new(&searcher, f, req)?;
    let beside = hidden && totals_certainly_exact(plan.as_ref(), req);
    let (ranked, counts) = std::thread::scope(|s| {
        let counts = beside.then(|| s.spawn(|| counter.hidden_counts(&searcher, f, req)));
        let ranked = rank(&searcher, &counter, f, req, plan, want);
        let counts = counts.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        (ranked, counts)
    });
    let mut r = ranked?;
    let counts = match counts {
        None if hidden && r.exact => Some(counter.hidden_counts(&searcher, f, req)),
        counts => counts,
    };
    if per_file {
        let mut seen = std::collections::HashSet::new();
        r.candidates.retain(|c| seen.insert(c.file));
    }
    r.candidates.truncate(limit);
    let needles: Vec<&str> = req.query.parts().map(|p| p.norm.as_str()).collect();
    let hits = r
        .candidates
        .iter()
        .map(|c| to_hit(&searcher, f, c, &needles))
        .collect::<Result<Vec<_>>>()?;
    Ok(SearchResults {
        hits,
        total: r.total,
        documents: Some(FileCounter::files_in(&r.files)),
        // Subtracting a lower bound of the shown files would overstate
        // what was hidden.
        hidden: counts
            .transpose()?
            .filter(|_| r.exact)
            .map(|c| c.beside(&r.files)),
        totals_exact: r.exact,
    })
}

/// Hits of one document scoring within this share of its best hit are
/// considered equally good answers to "where does it say this".
const NEAR_BEST: f32 = 0.7;

/// Within each document, among hits nearly as good as its best, the earliest
/// section gets the best score (a document names a thing first where it
/// defines it); the scores themselves are only permuted, so ranking across
/// documents is unchanged.
fn prefer_first_occurrence(hits: &mut [Candidate]) {
    let mut by_file: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, h) in hits.iter().enumerate() {
        by_file.entry(h.file).or_default().push(i);
    }
    for idx in by_file.into_values() {
        let best = idx.iter().map(|&i| hits[i].score).fold(f32::MIN, f32::max);
        let mut near: Vec<usize> = idx
            .into_iter()
            .filter(|&i| hits[i].score >= best * NEAR_BEST)
            .collect();
        let mut scores: Vec<f32> = near.iter().map(|&i| hits[i].score).collect();
        scores.sort_by(|a, b| b.total_cmp(a));
        near.sort_by_key(|&i| hits[i].ordinal);
        for (i, sc) in near.into_iter().zip(scores) {
            hits[i].score = sc;
        }
    }
}

/// A section as stored, for exhaustive listings (contractors, compare).
#[derive(Debug, Clone, Serialize)]
pub struct SectionRecord {
    /// Which document and where in its form.
    pub location: Location,
    /// Canonical key.
    pub key: String,
    /// Original text.
    pub body: String,
    /// Position in the document.
    pub ordinal: u64,
    /// Selected choice value.
    pub value: Option<String>,
}

impl SectionRecord {
    /// Reads a stored section.
    fn read(d: &TantivyDocument, f: &Fields) -> SectionRecord {
        let text = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let meta: DocMeta = serde_json::from_str(&text(f.meta)).unwrap_or_default();
        SectionRecord {
            location: Location {
                file: text(f.file),
                municipality: meta.municipality.map(|m| m.0),
                prefecture: meta.prefecture.map(|p| p.0),
                form: meta.form.name().to_string(),
                section_path: text(f.path),
                file_block: Some(text(f.block)).filter(|b| !b.is_empty()),
            },
            key: text(f.key),
            body: text(f.body),
            ordinal: d.get_first(f.ordinal).and_then(|v| v.as_u64()).unwrap_or(0),
            value: Some(text(f.value)).filter(|v| !v.is_empty()),
        }
    }

    /// The field's label: the last path component.
    pub fn label(&self) -> String {
        self.location
            .section_path
            .rsplit(" > ")
            .next()
            .unwrap_or("")
            .to_string()
    }

    /// The text without its printed label (a line or word of its own
    /// anywhere, or the start of the first line), blanks folded.
    pub fn value_text(&self) -> String {
        let label = fold(&self.label());
        // Drop the label where it stands alone: a line, or a blank-separated
        // word (answers are often printed before it: `十分に行っている 従業者…`).
        let kept: Vec<String> = self
            .body
            .lines()
            .filter(|l| fold(l) != label)
            .map(|l| {
                l.split([' ', '\u{3000}', '\t'])
                    .filter(|w| fold(w) != label)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let body = kept.join("\n");
        let body = body.trim();
        // The label may also start a line that holds the value: find the
        // shortest prefix folding to it (folding works on whole strings).
        let mut rest = body;
        for (i, _) in body.char_indices().skip(1).chain([(body.len(), ' ')]) {
            let f = fold(&body[..i]);
            if f == label {
                rest = &body[i..];
                break;
            }
            if !label.starts_with(&f) {
                break;
            }
        }
        rest.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// Every section (exhaustively, in file and document order) whose key is
/// accepted by `key` (all when None) and that matches `extra` (when given).
pub fn sections_where(
    store: &Store,
    key: Option<&dyn Fn(&str) -> bool>,
    extra: Option<Box<dyn Query>>,
) -> Result<Vec<SectionRecord>> {
    let reader = store.reader()?;
    let searcher = reader.searcher();
    let f = store.fields;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
        Occur::Must,
        Box::new(TermQuery::new(
            Term::from_field_text(f.kind, KIND_SECTION),
            IndexRecordOption::Basic,
        )),
    )];
    if let Some(pred) = key {
        let terms = matching_terms(&searcher, f.key, |t| std::str::from_utf8(t).is_ok_and(pred))?;
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        clauses.push((Occur::Must, any_of(f.key, terms, false)));
    }
    if let Some(q) = extra {
        clauses.push((Occur::Must, q));
    }
    let addrs = searcher.search(&BooleanQuery::new(clauses), &DocSetCollector)?;
    let mut out = read_stored(&searcher, addrs, |d| SectionRecord::read(d, &f))?;
    out.sort_by(|a, b| (&a.location.file, a.ordinal).cmp(&(&b.location.file, b.ordinal)));
    Ok(out)
}

/// Reads the stored fields of one hit and makes its snippet.
fn to_hit(searcher: &Searcher, f: &Fields, c: &Candidate, needles: &[&str]) -> Result<Hit> {
    let d: TantivyDocument = searcher.doc(c.addr)?;
    let r = SectionRecord::read(&d, f);
    let mut snip = snippet::make(&r.body, needles);
    if snip.highlights.is_empty() {
        // The match was in the choice list.
        let choices = d
            .get_first(f.choices)
            .and_then(|v| v.as_str())
            .unwrap_or_default();
        let c = snippet::make(choices, needles);
        if !c.highlights.is_empty() {
            snip = c;
        }
    }
    Ok(Hit {
        location: r.location,
        key: r.key,
        ordinal: r.ordinal,
        score: c.score,
        snippet: snip,
        value: r.value,
    })
}
