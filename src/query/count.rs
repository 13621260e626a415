//! Counting matching documents (distinct source files) rather than sections:
//! the number other tools report for a phrase, so the benchmark can compare
//! hit counts and latency with SQLite FTS5, Groonga and ripgrep.
//!
//! Reads the `file` fast column (term ordinals), never the document store.

use std::sync::Arc;

use anyhow::Result;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::Field;
use tantivy::{DocId, DocSet, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::{bits, SearchRequest};
use crate::index::schema::Fields;
use crate::index::snapshot::Snapshot;
use crate::index::store::Store;
use crate::query::join::SectionsOf;

/// Number of distinct files with at least one section matching `req`
/// (`limit` is ignored). Builds a [`FileCounter`] each time; keep one per
/// searcher to count many queries.
pub fn matching_files(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<usize> {
    FileCounter::new(searcher)?.count(searcher, f, req)
}

/// Counts distinct files over a snapshot's file numbering ([`Snapshot`]), so
/// counting is a bitset, not a string compare.
#[derive(Clone)]
pub struct FileCounter(Arc<Snapshot>);

impl FileCounter {
    /// Numbers the files of `searcher` afresh (reads every file name);
    /// [`FileCounter::of`] reuses the store's numbering of the snapshot.
    pub fn new(searcher: &Searcher) -> Result<FileCounter> {
        Ok(FileCounter(Arc::new(Snapshot::new(searcher)?)))
    }

    /// The counter of `searcher`'s snapshot of `store`, numbered once per
    /// snapshot.
    pub fn of(store: &Store, searcher: &Searcher) -> Result<FileCounter> {
        Ok(FileCounter(store.snapshot(searcher)?))
    }

    /// The snapshot it numbers the files of, with its columns.
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.0
    }

    /// Number of distinct files with a section matching `req`.
    pub fn count(&self, searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<usize> {
        let query = match_query(searcher, f, req)?;
        let words = searcher.search(&query, &DistinctFiles(self))?;
        Ok(words.iter().map(|w| w.count_ones() as usize).sum())
    }
}

/// The sections [`crate::query::search::build_query`] matches, without what only
/// ranks (word clauses) or is implied (`kind:section`: the join yields
/// sections only), so counting does not intersect with every section.
pub fn match_query(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<Box<dyn Query>> {
    let over = |field: Field| req.query.match_query(field);
    let mut text = over(f.body_ngram);
    if req.include_choices {
        text = Box::new(BooleanQuery::new(vec![
            (Occur::Should, text),
            (Occur::Should, over(f.choices_ngram)),
        ]));
    }
    let user = SectionsOf::boxed(text, f.kind);
    let filters = req.filters.to_queries(searcher, f)?;
    if filters.is_empty() {
        return Ok(user);
    }
    let mut clauses = vec![(Occur::Must, user)];
    clauses.extend(filters.into_iter().map(|q| (Occur::Must, q)));
    Ok(Box::new(BooleanQuery::new(clauses)))
}

impl FileCounter {
    /// Distinct files among the documents `collector` saw: turns the fruit
    /// of [`FileCounter::collector`] into a count.
    pub fn files_in(fruit: &[u64]) -> usize {
        bits::count(fruit)
    }

    /// A collector of the distinct files of the documents it sees, to run
    /// in the same pass as a ranked search instead of a second query.
    pub fn collector(&self) -> impl Collector<Fruit = Vec<u64>> + '_ {
        DistinctFiles(self)
    }
}

/// Collector of the distinct values of the `file` fast column.
struct DistinctFiles<'a>(&'a FileCounter);

/// Per segment: the snapshot's file numbering and the bitset.
struct SegmentFiles {
    snapshot: Arc<Snapshot>,
    segment: SegmentOrdinal,
    seen: Vec<u64>,
}

impl Collector for DistinctFiles<'_> {
    type Fruit = Vec<u64>;
    type Child = SegmentFiles;

    fn for_segment(
        &self,
        ord: SegmentOrdinal,
        seg: &SegmentReader,
    ) -> tantivy::Result<SegmentFiles> {
        let snapshot = &self.0 .0;
        if snapshot.columns_of(seg.segment_id()).is_none() {
            return Err(tantivy::TantivyError::InternalError(
                "a file counter used on a searcher of another commit".into(),
            ));
        }
        Ok(SegmentFiles {
            snapshot: snapshot.clone(),
            segment: ord,
            seen: bits::empty(snapshot.files()),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segs: Vec<Vec<u64>>) -> tantivy::Result<Vec<u64>> {
        let mut all = bits::empty(self.0 .0.files());
        for s in segs {
            bits::union_into(&mut all, &s);
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentFiles {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(g) = self.snapshot.file_of(self.segment, doc) {
            bits::set(&mut self.seen, g);
        }
    }

    fn harvest(self) -> Vec<u64> {
        self.seen
    }
}

/// Matches a search did not show because of its own options: users who
/// compare our counts with `grep` otherwise conclude the index is incomplete.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Hidden {
    /// Extra documents that match only inside unselected choice lists
    /// (＜選択肢＞), shown with `--choices`; 0 when choices were included.
    pub choice_only_documents: usize,
    /// Extra sections that match only inside choice lists.
    pub choice_only_sections: usize,
    /// Extra documents that match outside the `--section` / metadata filters;
    /// 0 when no filter was given.
    pub filtered_out_documents: usize,
}

impl Hidden {
    /// True when nothing was hidden.
    pub fn is_empty(&self) -> bool {
        *self == Hidden::default()
    }
}

/// Counts what `req` hides (see [`Hidden`]), counting its own matches too;
/// a search that already knows its files uses [`FileCounter::hidden_counts`].
pub fn hidden(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<Hidden> {
    let counter = FileCounter::new(searcher)?;
    let query = match_query(searcher, f, req)?;
    let files = searcher.search(&query, &DistinctFiles(&counter))?;
    Ok(counter.hidden_counts(searcher, f, req)?.beside(&files))
}

/// The passes behind [`Hidden`], which do not depend on what the search
/// found, so they can run beside it; [`HiddenCounts::beside`] then
/// subtracts the files the search showed.
#[derive(Debug, Clone, Default)]
pub struct HiddenCounts {
    /// Choice-only sections and their files (when choices were excluded).
    choice_only: Option<(usize, Vec<u64>)>,
    /// Documents matching without the filters (when there were filters).
    unfiltered_documents: Option<usize>,
}

impl HiddenCounts {
    /// What was hidden, given the files the search showed (the bitset of
    /// [`FileCounter::collector`] on the same searcher).
    pub fn beside(self, shown_files: &[u64]) -> Hidden {
        let mut hidden = Hidden::default();
        if let Some((sections, files)) = self.choice_only {
            hidden.choice_only_sections = sections;
            // Documents with a choice-only section and no shown one.
            hidden.choice_only_documents = files
                .iter()
                .zip(shown_files.iter().chain(std::iter::repeat(&0)))
                .map(|(c, s)| (c & !s).count_ones() as usize)
                .sum();
        }
        if let Some(all) = self.unfiltered_documents {
            hidden.filtered_out_documents = all.saturating_sub(FileCounter::files_in(shown_files));
        }
        hidden
    }
}

/// Sections matching `req` only in their choice lists: the query over
/// choice lists, minus the query over the body, with `req`'s filters. The
/// body's phrase is then only checked where a choice list matched, instead
/// of a second full pass over every body match.
fn choice_only_query(
    searcher: &Searcher,
    f: &Fields,
    req: &SearchRequest,
) -> Result<Box<dyn Query>> {
    let text: Box<dyn Query> = Box::new(BooleanQuery::new(vec![
        (Occur::Must, req.query.match_query(f.choices_ngram)),
        (Occur::MustNot, req.query.match_query(f.body_ngram)),
    ]));
    let mut clauses = vec![(Occur::Must, SectionsOf::boxed(text, f.kind))];
    clauses.extend(
        req.filters
            .to_queries(searcher, f)?
            .into_iter()
            .map(|q| (Occur::Must, q)),
    );
    Ok(Box::new(BooleanQuery::new(clauses)))
}

impl FileCounter {
    /// One more pass for choice lists and one for filters, each only when
    /// the request has that restriction: only front ends that tell the user
    /// pay for them.
    pub fn hidden_counts(
        &self,
        searcher: &Searcher,
        f: &Fields,
        req: &SearchRequest,
    ) -> Result<HiddenCounts> {
        let mut counts = HiddenCounts::default();
        if !req.include_choices {
            let query = choice_only_query(searcher, f, req)?;
            counts.choice_only =
                Some(searcher.search(&query, &(tantivy::collector::Count, DistinctFiles(self)))?);
        }
        if !req.filters.is_empty() {
            let unfiltered = SearchRequest {
                filters: Default::default(),
                ..req.clone()
            };
            counts.unfiltered_documents = Some(self.count(searcher, f, &unfiltered)?);
        }
        Ok(counts)
    }
}

/// The sections a request matches, as one bitset per segment: one phrase
/// pass, after which "how many of them have term T" is a walk over T's
/// postings (facet counts: one pass per set of filters instead of one
/// phrase pass per facet value).
pub struct MatchSet {
    /// Per segment ordinal: bit `doc` set when the section matches (empty
    /// when none does).
    segments: Vec<Vec<u64>>,
}

/// Collector of the matching sections of each segment as a bitset.
struct MatchedSections;

/// One segment's bitset under construction.
struct SegmentBits(Vec<u64>);

impl Collector for MatchedSections {
    type Fruit = Vec<Vec<u64>>;
    type Child = SegmentBits;

    fn for_segment(&self, _: SegmentOrdinal, seg: &SegmentReader) -> tantivy::Result<SegmentBits> {
        Ok(SegmentBits(bits::empty(seg.max_doc() as usize)))
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segs: Vec<Vec<u64>>) -> tantivy::Result<Vec<Vec<u64>>> {
        Ok(segs)
    }
}

impl SegmentCollector for SegmentBits {
    type Fruit = Vec<u64>;

    fn collect(&mut self, doc: DocId, _: Score) {
        bits::set(&mut self.0, doc);
    }

    fn harvest(self) -> Vec<u64> {
        self.0
    }
}

impl MatchSet {
    /// The sections `req` matches (its filters included; `limit` ignored).
    pub fn of(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<MatchSet> {
        let query = match_query(searcher, f, req)?;
        // Segments without a match keep an empty bitset: found once here,
        // not again for every term counted.
        let segments = searcher
            .search(&query, &MatchedSections)?
            .into_iter()
            .map(|bits| {
                if bits.iter().any(|w| *w != 0) {
                    bits
                } else {
                    Vec::new()
                }
            })
            .collect();
        Ok(MatchSet { segments })
    }

    /// How many of the matching sections hold `term` (any indexed field).
    pub fn count_with(&self, searcher: &Searcher, term: &tantivy::Term) -> Result<usize> {
        let mut n = 0;
        self.each_with(searcher, term, |_, _| n += 1)?;
        Ok(n)
    }

    /// How many of the matching sections hold `term`, and in how many
    /// documents (`snapshot`'s file numbering).
    pub fn count_documents_with(
        &self,
        searcher: &Searcher,
        snapshot: &Snapshot,
        term: &tantivy::Term,
    ) -> Result<(usize, usize)> {
        let mut sections = 0;
        let mut files = bits::empty(snapshot.files());
        self.each_with(searcher, term, |seg, doc| {
            sections += 1;
            if let Some(g) = snapshot.file_of(seg, doc) {
                bits::set(&mut files, g);
            }
        })?;
        Ok((sections, bits::count(&files)))
    }

    /// Calls `visit` with (segment, section) for each matching section that
    /// holds `term`: a walk over the term's postings.
    fn each_with(
        &self,
        searcher: &Searcher,
        term: &tantivy::Term,
        mut visit: impl FnMut(SegmentOrdinal, DocId),
    ) -> Result<()> {
        for (ord, (seg, marked)) in searcher
            .segment_readers()
            .iter()
            .zip(&self.segments)
            .enumerate()
        {
            if marked.is_empty() {
                continue;
            }
            let inv = seg.inverted_index(term.field())?;
            let Some(mut postings) =
                inv.read_postings(term, tantivy::schema::IndexRecordOption::Basic)?
            else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED {
                if bits::has(marked, doc) {
                    visit(ord as SegmentOrdinal, doc);
                }
                doc = postings.advance();
            }
        }
        Ok(())
    }
}

/// Matching sections under one section path: where a query sits in the
/// form, a level at a time ([`below`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SectionCount {
    /// The section path (components of the form's path).
    pub path: Vec<String>,
    /// Matching sections at or below it.
    pub sections: usize,
    /// Documents with such a section.
    pub documents: usize,
}

/// Of the sections `matched`, how many (and in how many documents) sit
/// under each section one level below the paths that `parent` selects (as
/// `--section` reads a path prefix; empty: the top levels), most first. A section's path is indexed
/// with every ancestor ([`Fields::facet`]), so each count is a walk over
/// one posting list. Paths no matching section sits under are left out.
pub fn below(
    searcher: &Searcher,
    f: &Fields,
    snapshot: &Snapshot,
    matched: &MatchSet,
    parent: &[&str],
) -> Result<Vec<SectionCount>> {
    use tantivy::schema::Facet;
    let terms = super::filter::matching_terms(searcher, f.facet, |t| {
        Facet::from_encoded(t.to_vec()).is_ok_and(|fc| {
            let path = fc.to_path();
            path.len() == parent.len() + 1
                && path.iter().all(|c| !c.is_empty())
                && (parent.is_empty()
                    || super::filter::path_prefix_matches(parent, &path[..parent.len()]))
        })
    })?;
    let mut out = Vec::new();
    for t in terms {
        let facet = Facet::from_encoded(t)?;
        let term = tantivy::Term::from_facet(f.facet, &facet);
        let (sections, documents) = matched.count_documents_with(searcher, snapshot, &term)?;
        if sections > 0 {
            let path = facet.to_path().into_iter().map(str::to_string).collect();
            out.push(SectionCount {
                path,
                sections,
                documents,
            });
        }
    }
    out.sort_by(|a, b| {
        b.sections
            .cmp(&a.sections)
            .then_with(|| a.path.cmp(&b.path))
    });
    Ok(out)
}
