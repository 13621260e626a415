//! Counting matching documents (distinct source files) rather than sections:
//! the number other tools report for a phrase, so the benchmark can compare
//! hit counts and latency with SQLite FTS5, Groonga and ripgrep.
//!
//! Reads the `file` fast column (term ordinals), never the document store.

use anyhow::{bail, Result};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::query::{BooleanQuery, Occur, Query};
use tantivy::schema::Field;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use crate::query::substring_query;
use crate::schema::Fields;
use crate::search::SearchRequest;

/// Number of distinct files with at least one section matching `req`
/// (`limit` is ignored).
pub fn matching_files(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<usize> {
    let query = match_query(searcher, f, req)?;
    Ok(searcher.search(&query, &DistinctFiles)?)
}

/// The sections [`crate::search::build_query`] matches, without what only
/// ranks (word clauses) or is implied (`kind:section`: only sections have
/// body text), so counting does not intersect with every section.
pub fn match_query(searcher: &Searcher, f: &Fields, req: &SearchRequest) -> Result<Box<dyn Query>> {
    let q = &req.query;
    let over = |field: Field| -> Box<dyn Query> {
        let mut c: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for p in &q.must {
            c.push((Occur::Must, substring_query(field, &p.norm)));
        }
        for p in &q.must_not {
            c.push((Occur::MustNot, substring_query(field, &p.norm)));
        }
        if c.len() == 1 {
            return c.pop().map(|(_, q)| q).expect("one clause");
        }
        Box::new(BooleanQuery::new(c))
    };
    let mut user = over(f.body_ngram);
    if req.include_choices {
        user = Box::new(BooleanQuery::new(vec![
            (Occur::Should, user),
            (Occur::Should, over(f.choices_ngram)),
        ]));
    }
    let filters = req.filters.to_queries(searcher, f)?;
    if filters.is_empty() {
        return Ok(user);
    }
    let mut clauses = vec![(Occur::Must, user)];
    clauses.extend(filters.into_iter().map(|q| (Occur::Must, q)));
    Ok(Box::new(BooleanQuery::new(clauses)))
}

/// Collector of the distinct values of the `file` fast column.
struct DistinctFiles;

/// Per segment: the file column and a bitset over its term ordinals.
struct SegmentFiles {
    column: StrColumn,
    seen: Vec<u64>,
}

impl Collector for DistinctFiles {
    type Fruit = usize;
    type Child = SegmentFiles;

    fn for_segment(&self, _: SegmentOrdinal, seg: &SegmentReader) -> tantivy::Result<SegmentFiles> {
        let Some(column) = seg.fast_fields().str("file")? else {
            return Err(tantivy::TantivyError::SchemaError(
                "the index has no `file` fast column (built by an older pia); re-index".into(),
            ));
        };
        let terms = column.dictionary().num_terms();
        Ok(SegmentFiles {
            column,
            seen: vec![0; terms.div_ceil(64)],
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segs: Vec<(StrColumn, Vec<u64>)>) -> tantivy::Result<usize> {
        let ords = |bits: &[u64]| -> Vec<u64> {
            let mut v = Vec::new();
            for (w, &word) in bits.iter().enumerate() {
                let mut x = word;
                while x != 0 {
                    v.push(w as u64 * 64 + u64::from(x.trailing_zeros()));
                    x &= x - 1;
                }
            }
            v
        };
        let non_empty: Vec<_> = segs
            .iter()
            .filter(|(_, b)| b.iter().any(|&w| w != 0))
            .collect();
        if non_empty.len() <= 1 {
            // One segment: ordinals are the files.
            return Ok(non_empty
                .first()
                .map_or(0, |(_, b)| b.iter().map(|w| w.count_ones() as usize).sum()));
        }
        // Several segments may hold sections of the same file only if it was
        // split across indexing threads: compare names.
        let mut names = std::collections::HashSet::new();
        for (col, bits) in non_empty {
            col.dictionary()
                .sorted_ords_to_term_cb(&ords(bits), |t| {
                    names.insert(t.to_vec());
                })
                .map_err(tantivy::TantivyError::from)?;
        }
        Ok(names.len())
    }
}

impl SegmentCollector for SegmentFiles {
    type Fruit = (StrColumn, Vec<u64>);

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(o) = self.column.ords().first(doc) {
            self.seen[(o / 64) as usize] |= 1 << (o % 64);
        }
    }

    fn harvest(self) -> (StrColumn, Vec<u64>) {
        (self.column, self.seen)
    }
}

/// Fails unless the index can count files (its `file` field is a fast field).
pub fn check_countable(searcher: &Searcher) -> Result<()> {
    for seg in searcher.segment_readers() {
        if seg.fast_fields().str("file")?.is_none() {
            bail!("the index has no `file` fast column (built by an older pia); re-index");
        }
    }
    Ok(())
}
