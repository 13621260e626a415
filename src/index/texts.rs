//! Text records: each distinct section text of an indexing batch is indexed
//! once, as a record of its own that holds the text's bigrams and words,
//! and the sections with that text follow it as the next documents of the
//! same segment, without any of the text's terms. Most section text of a
//! corpus of assessments repeats (form boilerplate, vendors' standard
//! wording): at 100 MiB the 158 159 sections get 42 515 text records
//! (8 MiB batches), and indexing every section's bigram positions had made
//! the index half as large again as Groonga's.
//!
//! A segment then reads as runs: `[file records…] text sections… text
//! sections… [file records…] text sections…`. tantivy keeps the documents
//! of one `IndexWriter::run` call together in one segment, in order, and a
//! merge stacks segments without reordering them (the index is not
//! sorted), so a text's sections are exactly the documents after it up to
//! the next text or file record. Text records belong to no file: updating
//! or removing a file deletes its sections, never a text another file's
//! sections still follow. A text whose sections have all been deleted
//! matches nothing (no section follows it); the run that deleted its last
//! section deletes it after its commit ([`OrphanTexts`]), so that it does
//! not stay in the postings and in BM25's statistics (a run stopped
//! between the two commits leaves it to the next run that writes).
//! [`TextRuns`] finds the runs of a segment.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use once_cell::sync::Lazy;
use tantivy::index::SegmentId;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EnableScoring, Explanation, Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, DocSet, Score, Searcher, SegmentReader, Term, TERMINATED};

use crate::index::schema::{KIND_DOC, KIND_TEXT};

/// Where a segment's runs start: every text record and file record, in
/// doc order. A text's sections are the documents after it up to the next
/// start.
#[derive(Debug, Default)]
pub struct TextRuns {
    /// `doc << 1 | is_text`, ascending.
    starts: Vec<u32>,
    /// Documents of the segment (deleted ones included).
    max_doc: DocId,
    /// Text records among `starts`.
    texts: usize,
}

impl TextRuns {
    /// The runs of `seg`, from the postings of its `kind` terms.
    pub fn read(seg: &SegmentReader, kind: Field) -> tantivy::Result<TextRuns> {
        let inv = seg.inverted_index(kind)?;
        let mut lists = [Vec::new(), Vec::new()];
        for (value, list) in [KIND_DOC, KIND_TEXT].into_iter().zip(&mut lists) {
            let term = Term::from_field_text(kind, value);
            if let Some(mut p) = inv.read_postings(&term, IndexRecordOption::Basic)? {
                let mut d = p.doc();
                while d != TERMINATED {
                    list.push(d);
                    d = p.advance();
                }
            }
        }
        // Both lists ascend: merged, not sorted (a sort was 6 % of a
        // search process).
        let [docs, texts] = lists;
        let mut starts = Vec::with_capacity(docs.len() + texts.len());
        let (mut i, mut j) = (0, 0);
        while i < docs.len() || j < texts.len() {
            if j == texts.len() || (i < docs.len() && docs[i] < texts[j]) {
                starts.push(docs[i] << 1);
                i += 1;
            } else {
                starts.push(texts[j] << 1 | 1);
                j += 1;
            }
        }
        Ok(TextRuns {
            starts,
            max_doc: seg.max_doc(),
            texts: texts.len(),
        })
    }

    /// The runs of `seg`, read once per segment and process: tantivy hands
    /// a query's weight only the segment reader, and reading the runs is a
    /// walk over a tenth of the segment's documents.
    pub fn of(seg: &SegmentReader, kind: Field) -> tantivy::Result<Arc<TextRuns>> {
        static CACHE: Lazy<Mutex<RunsCache>> =
            Lazy::new(|| Mutex::new(RunsCache::new(CACHED_RUNS_BYTES)));
        let id = seg.segment_id();
        if let Some(r) = CACHE.lock().ok().and_then(|mut c| c.get(id)) {
            return Ok(r);
        }
        let runs = Arc::new(TextRuns::read(seg, kind)?);
        if let Ok(mut c) = CACHE.lock() {
            c.insert(id, runs.clone());
        }
        Ok(runs)
    }

    /// Memory the runs take (what [`RunsCache`] counts).
    fn bytes(&self) -> usize {
        self.starts.len() * std::mem::size_of::<u32>()
    }

    /// The end (exclusive) of the sections that follow text record `text`.
    pub fn end_of(&self, text: DocId) -> DocId {
        self.start_or_end(self.starts.partition_point(|&s| s >> 1 <= text))
    }

    /// The document where start `i` is, or the segment's end past the last.
    fn start_or_end(&self, i: usize) -> DocId {
        self.starts.get(i).map_or(self.max_doc, |&s| s >> 1)
    }

    /// The text record whose sections include `doc`, and the end of them;
    /// None when `doc` is a text or file record itself, or a section of
    /// an index without text records.
    pub fn text_holding(&self, doc: DocId) -> Option<(DocId, DocId)> {
        let i = self.starts.partition_point(|&s| s >> 1 <= doc);
        let start = *self.starts.get(i.checked_sub(1)?)?;
        if start & 1 == 0 || start >> 1 == doc {
            return None;
        }
        Some((start >> 1, self.start_or_end(i)))
    }

    /// Whether `doc` is a text record.
    pub fn is_text(&self, doc: DocId) -> bool {
        self.starts.binary_search(&(doc << 1 | 1)).is_ok()
    }

    /// The text records of `seg` none of whose sections is alive.
    pub fn orphans(&self, seg: &SegmentReader) -> Vec<DocId> {
        let alive = seg.alive_bitset();
        let is_alive = |d: DocId| alive.is_none_or(|a| a.is_alive(d));
        let mut out = Vec::new();
        for (i, &s) in self.starts.iter().enumerate() {
            if s & 1 == 0 {
                continue;
            }
            let text = s >> 1;
            if !(text + 1..self.start_or_end(i + 1)).any(is_alive) {
                out.push(text);
            }
        }
        out
    }

    /// Text records in the segment.
    pub fn texts(&self) -> usize {
        self.texts
    }

    /// Documents per text record that are neither text nor file records
    /// (deleted ones included), rounded up, at least 1: 3.7 on the 100 MiB
    /// corpus indexed at two threads, 4.0 at 1 GiB.
    pub fn sections_per_text(&self) -> u32 {
        let texts = self.texts.max(1) as u32;
        let sections = self.max_doc.saturating_sub(self.starts.len() as u32);
        sections.div_ceil(texts).max(1)
    }
}

/// Text records in `searcher`'s segments (deleted ones included until a
/// merge drops them, as [`Searcher::doc_freq`] counts): BM25 and bigram
/// shares count texts, since only text records hold the text fields.
pub fn text_records(searcher: &Searcher, kind: Field) -> tantivy::Result<u64> {
    searcher.doc_freq(&Term::from_field_text(kind, KIND_TEXT))
}

/// Matches the text records whose sections have all been deleted, as a
/// delete query. tantivy evaluates a delete query against the deletions
/// committed before it, so `pia index` issues it after the commit of a run
/// that deleted sections (and, for a run stopped before that, when the
/// next run starts writing, before any document of its own).
#[derive(Clone, Debug)]
pub struct OrphanTexts {
    /// The schema's `kind` field.
    pub kind: Field,
}

impl Query for OrphanTexts {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.clone()))
    }
}

impl Weight for OrphanTexts {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let runs = TextRuns::read(reader, self.kind)?;
        let mut docs = tantivy::BitSet::with_max_value(reader.max_doc());
        for d in runs.orphans(reader) {
            docs.insert(d);
        }
        Ok(Box::new(ConstScorer::new(BitSetDocSet::from(docs), boost)))
    }

    fn explain(&self, _: &SegmentReader, _: DocId) -> tantivy::Result<Explanation> {
        Ok(Explanation::new(
            "a text record without a live section",
            1.0,
        ))
    }
}

/// Bytes of runs [`TextRuns::of`] keeps: the 1 GiB corpus's segments hold
/// 430 882 starts (1.6 MiB), so a server keeps the runs of several commits
/// of a national index (its readers may still search an older one) and no
/// more.
const CACHED_RUNS_BYTES: usize = 64 << 20;

/// The runs of recently searched segments, the least recently used
/// dropped beyond a budget of bytes: segments of old commits are not told
/// apart from live ones (tantivy hands a weight only the segment), and
/// each commit of a long-running server brings new segments.
struct RunsCache {
    /// Each segment's runs and when they were last asked for.
    map: HashMap<SegmentId, (Arc<TextRuns>, u64)>,
    /// Ticks at every look-up.
    clock: u64,
    bytes: usize,
    budget: usize,
}

impl RunsCache {
    fn new(budget: usize) -> RunsCache {
        RunsCache {
            map: HashMap::new(),
            clock: 0,
            bytes: 0,
            budget,
        }
    }

    fn get(&mut self, id: SegmentId) -> Option<Arc<TextRuns>> {
        self.clock += 1;
        let (runs, used) = self.map.get_mut(&id)?;
        *used = self.clock;
        Some(runs.clone())
    }

    /// Adds `runs`, then drops the least recently used others while the
    /// budget is exceeded (the runs just read stay, whatever their size).
    fn insert(&mut self, id: SegmentId, runs: Arc<TextRuns>) {
        self.clock += 1;
        self.bytes += runs.bytes();
        if let Some((old, _)) = self.map.insert(id, (runs, self.clock)) {
            self.bytes -= old.bytes();
        }
        while self.bytes > self.budget {
            let oldest = self
                .map
                .iter()
                .filter(|(k, _)| **k != id)
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| *k);
            let Some(oldest) = oldest else { break };
            if let Some((gone, _)) = self.map.remove(&oldest) {
                self.bytes -= gone.bytes();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(starts: &[(DocId, bool)], max_doc: DocId) -> TextRuns {
        TextRuns {
            starts: starts.iter().map(|&(d, t)| d << 1 | u32::from(t)).collect(),
            max_doc,
            texts: starts.iter().filter(|&&(_, t)| t).count(),
        }
    }

    #[test]
    fn a_text_holds_the_documents_up_to_the_next_start() {
        // file record 0, text 1 with 2–3, text 4 with 5, file 6, text 7 with 8–9.
        let r = runs(
            &[(0, false), (1, true), (4, true), (6, false), (7, true)],
            10,
        );
        assert_eq!(r.end_of(1), 4);
        assert_eq!(r.end_of(4), 6);
        assert_eq!(r.end_of(7), 10);
        assert_eq!(r.text_holding(2), Some((1, 4)));
        assert_eq!(r.text_holding(3), Some((1, 4)));
        assert_eq!(r.text_holding(5), Some((4, 6)));
        assert_eq!(r.text_holding(9), Some((7, 10)));
        for start in [0, 1, 4, 6, 7] {
            assert_eq!(r.text_holding(start), None);
        }
        assert_eq!(r.texts(), 3);
        // 5 sections over 3 texts.
        assert_eq!(r.sections_per_text(), 2);
        assert!(r.is_text(4) && !r.is_text(5) && !r.is_text(6));
    }

    #[test]
    fn the_cache_drops_the_least_recently_used_runs_beyond_its_budget() {
        // Three segments of 4 starts (16 bytes) each, a budget of 40 bytes.
        let mut cache = RunsCache::new(40);
        let ids: Vec<SegmentId> = (0..4).map(|_| SegmentId::generate_random()).collect();
        let four = || Arc::new(runs(&[(0, false), (1, true), (3, true), (5, true)], 8));
        cache.insert(ids[0], four());
        cache.insert(ids[1], four());
        assert_eq!(cache.bytes, 32);
        // The first is used again: the second is now the least recent.
        assert!(cache.get(ids[0]).is_some());
        cache.insert(ids[2], four());
        assert!(cache.get(ids[1]).is_none());
        assert!(cache.get(ids[0]).is_some() && cache.get(ids[2]).is_some());
        assert_eq!(cache.bytes, 32);
        // Runs larger than the whole budget stay alone.
        let big = Arc::new(runs(&(0..20).map(|d| (d, true)).collect::<Vec<_>>(), 40));
        cache.insert(ids[3], big);
        assert_eq!(cache.map.len(), 1);
        assert_eq!(cache.bytes, 80);
        assert!(cache.get(ids[3]).is_some());
    }
}
