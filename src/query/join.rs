//! From text records to sections: a query over section text matches text
//! records ([`crate::index::texts`]), and [`SectionsOf`] turns each match
//! into the sections that follow it, scored as their text. A text's
//! sections follow it in doc order and texts ascend, so the sections come
//! out ascending too, and the join composes with filters, exclusions and
//! choice-list clauses as any tantivy query does.
//!
//! Scores are BM25 over texts ([`TextStats`]): a text's frequency is the
//! number of texts that hold a term, and the average length is over texts.

use std::sync::Arc;

use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::Field;
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, Term, TERMINATED};

use crate::index::texts::{text_records, TextRuns};

/// The sections of the text records `inner` matches, each with its text's
/// score.
#[derive(Debug)]
pub struct SectionsOf {
    inner: Box<dyn Query>,
    kind: Field,
}

impl SectionsOf {
    /// Sections whose text `inner` (a query over text fields) matches;
    /// `kind` is the schema's `kind` field, which marks the text records.
    pub fn new(inner: Box<dyn Query>, kind: Field) -> SectionsOf {
        SectionsOf { inner, kind }
    }

    /// [`SectionsOf::new`], boxed as the query combinators want it.
    pub fn boxed(inner: Box<dyn Query>, kind: Field) -> Box<dyn Query> {
        Box::new(SectionsOf::new(inner, kind))
    }
}

impl Clone for SectionsOf {
    fn clone(&self) -> SectionsOf {
        SectionsOf {
            inner: self.inner.box_clone(),
            kind: self.kind,
        }
    }
}

impl Query for SectionsOf {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(SectionsWeight {
            inner: self.inner.weight(scoring)?,
            kind: self.kind,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct SectionsWeight {
    inner: Box<dyn Weight>,
    kind: Field,
}

impl Weight for SectionsWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inner = self.inner.scorer(reader, boost)?;
        let runs = TextRuns::of(reader, self.kind)?;
        Ok(Box::new(SectionsScorer::new(inner, runs)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let runs = TextRuns::of(reader, self.kind)?;
        let Some((text, _)) = runs.text_holding(doc) else {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} is not a section"
            )));
        };
        let mut e = Explanation::new("the section's text", 0.0);
        e.add_detail(self.inner.explain(reader, text)?);
        Ok(e)
    }
}

/// Walks the inner scorer's texts and, for each, the sections after it.
struct SectionsScorer {
    inner: Box<dyn Scorer>,
    runs: Arc<TextRuns>,
    doc: DocId,
    /// End (exclusive) of the current text's sections.
    end: DocId,
    /// The current text's score.
    score: Score,
}

impl SectionsScorer {
    fn new(inner: Box<dyn Scorer>, runs: Arc<TextRuns>) -> SectionsScorer {
        let mut s = SectionsScorer {
            inner,
            runs,
            doc: 0,
            end: 0,
            score: 0.0,
        };
        s.enter();
        s
    }

    /// Moves to the first section of the inner scorer's current text, or of
    /// the first text after it that has sections.
    fn enter(&mut self) -> DocId {
        loop {
            let text = self.inner.doc();
            if text == TERMINATED {
                self.doc = TERMINATED;
                self.end = TERMINATED;
                return TERMINATED;
            }
            let end = self.runs.end_of(text);
            if text + 1 < end {
                self.doc = text + 1;
                self.end = end;
                self.score = self.inner.score();
                return self.doc;
            }
            self.inner.advance();
        }
    }
}

impl DocSet for SectionsScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.doc += 1;
        if self.doc < self.end {
            return self.doc;
        }
        self.inner.advance();
        self.enter()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc == TERMINATED || target <= self.doc {
            return self.doc;
        }
        if target < self.end {
            self.doc = target;
            return target;
        }
        if let Some((text, end)) = self.runs.text_holding(target) {
            if self.inner.doc() < text {
                self.inner.seek(text);
            }
            if self.inner.doc() == text {
                self.doc = target;
                self.end = end;
                self.score = self.inner.score();
                return target;
            }
            // The inner scorer is past that text, so past `target`.
            return self.enter();
        }
        if self.inner.doc() < target {
            self.inner.seek(target);
        }
        self.enter()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    /// The texts' sections at the segment's mean per text (the hints
    /// order intersections).
    fn size_hint(&self) -> u32 {
        self.inner
            .size_hint()
            .saturating_mul(self.runs.sections_per_text())
    }
}

impl Scorer for SectionsScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

/// BM25 statistics over text records: the documents counted are the texts,
/// since only they hold the text fields (counting every section and file
/// record as a document would put the average text length at a fraction of
/// the real one).
pub struct TextStats<'s> {
    searcher: &'s Searcher,
    texts: u64,
}

impl<'s> TextStats<'s> {
    /// The statistics of `searcher`'s texts (`kind`: the schema's `kind` field).
    pub fn new(searcher: &'s Searcher, kind: Field) -> tantivy::Result<TextStats<'s>> {
        let texts = text_records(searcher, kind)?;
        Ok(TextStats { searcher, texts })
    }
}

impl Bm25StatisticsProvider for TextStats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        self.searcher.total_num_tokens(field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.texts.max(1))
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.searcher.doc_freq(term)
    }
}
