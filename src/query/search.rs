//! Running a query: filters and the user query combined, ranked by BM25 on
//! lindera terms times the section's weight, turned into [`Hit`]s that say
//! which document, which city and where in the form.

use std::collections::HashMap;

use anyhow::Result;
use serde::Serialize;
use tantivy::collector::{Count, DocSetCollector, TopDocs};
use tantivy::columnar::{Column, StrColumn};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Score, Searcher, SegmentReader, TantivyDocument, Term};

use super::SearchRequest;
use crate::index::schema::{Fields, KIND_SECTION};
use crate::index::store::Store;
use crate::model::{DocMeta, Location};
use crate::normalize::fold;
use crate::query::count::{FileCounter, Hidden};
use crate::query::filter::{any_of, matching_terms};
use crate::query::snippet::{self, Snippet};

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
    /// What the request's options hid (choice lists, filters); filled by
    /// [`with_hidden`] for front ends that tell the user, None otherwise.
    pub hidden: Option<Hidden>,
    /// The commit the counts came from and the files shown, so that
    /// [`with_hidden`] counts the same commit (even when an indexing run
    /// commits in between) without a second pass over the shown matches.
    #[serde(skip)]
    pub seen: Option<Seen>,
}

/// A search's commit and the bitset of its matching files
/// ([`FileCounter::collector`]).
#[derive(Debug, Clone)]
pub struct Seen {
    searcher: Searcher,
    /// Its file numbering (reading every file name is work per file of
    /// the index, done once per search).
    counter: FileCounter,
    files: Vec<u64>,
}

/// Adds to `res` what `req` hid ([`Hidden`]): extra exhaustive counts, so
/// only front ends that show it pay for them (not the benchmark).
pub fn with_hidden(
    store: &Store,
    req: &SearchRequest,
    mut res: SearchResults,
) -> Result<SearchResults> {
    res.hidden = Some(match &res.seen {
        Some(seen) => crate::query::count::hidden_beside(
            &seen.searcher,
            &seen.counter,
            &store.fields,
            req,
            &seen.files,
        )?,
        None => crate::query::count::hidden(&store.reader()?.searcher(), &store.fields, req)?,
    });
    Ok(res)
}

/// The complete tantivy query of a request: sections only, the user query
/// (over body text, and choice lists when asked), and the filters.
pub fn build_query(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<Box<dyn Query>> {
    let mut user = req.query.to_query(f.body_ngram, f.body_ja);
    if req.include_choices {
        let choices = req.query.to_query(f.choices_ngram, f.body_ja);
        user = Box::new(BooleanQuery::new(vec![
            (Occur::Should, user),
            (Occur::Should, choices),
        ]));
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
        (
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(f.kind, KIND_SECTION),
                IndexRecordOption::Basic,
            )),
        ),
        (Occur::Must, user),
    ];
    for q in req.filters.to_queries(searcher, f)? {
        clauses.push((Occur::Must, q));
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
    /// Searcher-wide file number ([`FileCounter::file_number`]).
    file: u32,
    ordinal: u64,
}

/// Every matching section's count, the distinct documents, and the best
/// `want` sections re-ranked, from one pass over the last commit.
struct Ranked {
    candidates: Vec<Candidate>,
    total: usize,
    seen: Seen,
}

/// Ranks `req`'s matches: BM25 × section weight in tantivy, then × (1 +
/// coverage of the section by the query), then the earliest of a document's
/// near-best sections first.
fn rank(store: &Store, req: &SearchRequest, want: usize) -> Result<Ranked> {
    let reader = store.reader()?;
    let searcher = reader.searcher();
    let f = store.fields;
    let query = build_query(&searcher, &f, req)?;
    // Candidates beyond `want` are re-ranked by how much of the section the
    // match covers (a field whose whole value is the phrase beats prose that
    // mentions it).
    // tantivy preallocates the top-k heap: never ask for more than exist.
    let candidates = want
        .saturating_mul(5)
        .max(200)
        .min(searcher.num_docs() as usize)
        .max(1);
    let top = TopDocs::with_limit(candidates).tweak_score(move |seg: &SegmentReader| {
        let weight = seg
            .fast_fields()
            .f64("weight")
            .ok()
            .map(|c| c.first_or_default_col(1.0));
        move |doc, score: Score| {
            let w = weight.as_ref().map_or(1.0, |c| c.get_val(doc));
            score * w as Score
        }
    });
    // One pass ranks, counts sections and counts distinct documents (the
    // phrase positions are the expensive part; read them once).
    let counter = FileCounter::of(store, &searcher)?;
    let (top, total, files) = searcher.search(&query, &(top, Count, counter.collector()))?;
    let matched: usize = req.query.must.iter().map(|p| p.norm.chars().count()).sum();
    let mut columns: HashMap<u32, SegmentColumns> = HashMap::new();
    let mut ranked = Vec::with_capacity(top.len());
    for (score, addr) in top {
        let c = match columns.entry(addr.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(SegmentColumns::open(
                searcher.segment_reader(addr.segment_ord),
            )?),
        };
        let chars = c.body_chars.first(addr.doc_id).unwrap_or(0);
        ranked.push(Candidate {
            score: score * (1.0 + coverage(chars, matched)),
            addr,
            file: c
                .file
                .ords()
                .first(addr.doc_id)
                .and_then(|o| counter.file_number(addr.segment_ord, o))
                .unwrap_or(u32::MAX),
            ordinal: c.ordinal.first(addr.doc_id).unwrap_or(0),
        });
    }
    prefer_first_occurrence(&mut ranked);
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(Ranked {
        candidates: ranked,
        total,
        seen: Seen {
            searcher,
            counter,
            files,
        },
    })
}

/// The columns of one segment that re-ranking reads.
struct SegmentColumns {
    file: StrColumn,
    ordinal: Column<u64>,
    body_chars: Column<u64>,
}

impl SegmentColumns {
    fn open(seg: &SegmentReader) -> Result<SegmentColumns> {
        let ff = seg.fast_fields();
        Ok(SegmentColumns {
            file: ff
                .str("file")?
                .ok_or_else(|| anyhow::anyhow!("the index has no `file` column; re-index"))?,
            ordinal: ff.u64("ordinal")?,
            body_chars: ff.u64("body_chars")?,
        })
    }
}

/// Runs a search on the last commit of `store`.
pub fn search(store: &Store, req: &SearchRequest) -> Result<SearchResults> {
    let limit = req.limit.max(1);
    let mut r = rank(store, req, limit)?;
    r.candidates.truncate(limit);
    results(store, req, r)
}

/// Reads the stored text of the chosen candidates into [`SearchResults`].
fn results(store: &Store, req: &SearchRequest, r: Ranked) -> Result<SearchResults> {
    let needles: Vec<&str> = req.query.must.iter().map(|p| p.norm.as_str()).collect();
    let hits = r
        .candidates
        .iter()
        .map(|c| to_hit(&r.seen.searcher, &store.fields, c, &needles))
        .collect::<Result<Vec<_>>>()?;
    Ok(SearchResults {
        hits,
        total: r.total,
        documents: Some(FileCounter::files_in(&r.seen.files)),
        hidden: None,
        seen: Some(r.seen),
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

/// Share of a section's normalised text (`body_chars` characters) that
/// query parts of `matched` characters in all cover (0–1).
fn coverage(body_chars: u64, matched: usize) -> f32 {
    if body_chars == 0 {
        return 0.0;
    }
    (matched as f32 / body_chars as f32).min(1.0)
}

/// One hit per document (its best section), for "where does each city say
/// this": every matching section is ranked, then documents keep their first.
pub fn search_per_file(store: &Store, req: &SearchRequest) -> Result<SearchResults> {
    let mut r = rank(store, req, usize::MAX / 8)?;
    let mut seen = std::collections::HashSet::new();
    r.candidates.retain(|c| seen.insert(c.file));
    r.candidates.truncate(req.limit.max(1));
    results(store, req, r)
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
    let mut out = addrs
        .into_iter()
        .map(|a| Ok(SectionRecord::read(&searcher.doc(a)?, &f)))
        .collect::<Result<Vec<_>>>()?;
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
