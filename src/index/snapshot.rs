//! What every search reads from each segment of an index snapshot, opened
//! once per snapshot instead of once per search: one numbering of the source
//! files across segments (each segment has its own dictionary of file
//! names; counting distinct documents needs one set of numbers), and the
//! columns that ranking reads. Building the numbering reads every file name
//! and opening a column decodes its block index, both work that grows with
//! the corpus, so [`crate::index::store::Store::snapshot`] keeps one.

use std::collections::HashMap;

use anyhow::{anyhow, Result};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentOrdinal, SegmentReader};

/// The columns of one segment that searches read.
#[derive(Clone)]
pub struct SegmentColumns {
    /// The source file of each section (term ordinals into the segment's
    /// file dictionary).
    pub file: StrColumn,
    /// Position of the section in its document.
    pub ordinal: Column<u64>,
    /// Length of the section's normalised text, in characters.
    pub body_chars: Column<u64>,
    /// The section's ranking weight.
    pub weight: Column<f64>,
}

impl SegmentColumns {
    fn open(seg: &SegmentReader) -> Result<SegmentColumns> {
        let ff = seg.fast_fields();
        let stale =
            || anyhow!("the index lacks a column this pia reads (built by an older pia); re-index");
        Ok(SegmentColumns {
            file: ff.str("file")?.ok_or_else(stale)?,
            ordinal: ff.u64("ordinal")?,
            body_chars: ff.u64("body_chars")?,
            weight: ff.f64("weight")?,
        })
    }
}

/// Per-segment columns and the file numbering of one snapshot.
pub struct Snapshot {
    /// Per segment ordinal: its id and columns.
    segments: Vec<(SegmentId, SegmentColumns)>,
    /// Per segment ordinal: `file` term ordinal → snapshot-wide file number.
    global: Vec<Vec<u32>>,
    /// Per snapshot-wide number: the file's name.
    names: Vec<Box<str>>,
}

impl Snapshot {
    /// Opens the columns of every segment of `searcher` and numbers its files.
    pub fn new(searcher: &Searcher) -> Result<Snapshot> {
        let mut ids: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut segments = Vec::new();
        let mut global = Vec::new();
        let mut names = Vec::new();
        for seg in searcher.segment_readers() {
            let columns = SegmentColumns::open(seg)?;
            let dict = columns.file.dictionary();
            let mut map = Vec::with_capacity(dict.num_terms());
            let mut stream = dict.stream()?;
            while stream.advance() {
                let next = ids.len() as u32;
                let id = *ids.entry(stream.key().to_vec()).or_insert_with(|| {
                    names.push(String::from_utf8_lossy(stream.key()).into());
                    next
                });
                map.push(id);
            }
            global.push(map);
            segments.push((seg.segment_id(), columns));
        }
        Ok(Snapshot {
            segments,
            global,
            names,
        })
    }

    /// The columns of segment `seg` (its ordinal in the searcher).
    pub fn columns(&self, seg: SegmentOrdinal) -> Option<&SegmentColumns> {
        self.segments.get(seg as usize).map(|(_, c)| c)
    }

    /// The columns of the segment with id `id` (for callbacks that are
    /// handed a segment reader, not its ordinal).
    pub fn columns_of(&self, id: SegmentId) -> Option<&SegmentColumns> {
        self.segments.iter().find(|(s, _)| *s == id).map(|(_, c)| c)
    }

    /// The snapshot-wide number of the file of section `doc` in segment
    /// `seg` (ranking, counting documents and pruning all need it).
    pub fn file_of(&self, seg: SegmentOrdinal, doc: DocId) -> Option<u32> {
        let ord = self.columns(seg)?.file.ords().first(doc)?;
        self.global.get(seg as usize)?.get(ord as usize).copied()
    }

    /// The name of file `file` (a snapshot-wide number): the same term in
    /// every segment's `file` field, so a search that revisits a document
    /// finds its sections there.
    pub fn file_name(&self, file: u32) -> Option<&str> {
        self.names.get(file as usize).map(|n| &**n)
    }

    /// Distinct files in the snapshot (numbers are below this).
    pub fn files(&self) -> usize {
        self.names.len()
    }
}
