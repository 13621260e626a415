//! One numbering of the source files of an index snapshot: every segment
//! holds its own dictionary of file names, and counting distinct documents
//! (or keeping one hit per document) needs them merged into one set of
//! numbers. Building it reads every file name, which grows with the corpus,
//! so [`crate::index::store::Store::file_numbering`] keeps it per snapshot.

use std::collections::HashMap;

use anyhow::{bail, Result};
use tantivy::{Searcher, SegmentOrdinal};

/// Per segment: `file` term ordinal → snapshot-wide file number.
#[derive(Debug)]
pub struct FileNumbering {
    global: Vec<Vec<u32>>,
    files: usize,
}

impl FileNumbering {
    /// Reads the file names of every segment of `searcher` once.
    pub fn new(searcher: &Searcher) -> Result<FileNumbering> {
        let mut ids: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut global = Vec::new();
        for seg in searcher.segment_readers() {
            let Some(col) = seg.fast_fields().str("file")? else {
                bail!("the index has no `file` fast column (built by an older pia); re-index");
            };
            let mut map = Vec::with_capacity(col.dictionary().num_terms());
            let mut stream = col.dictionary().stream()?;
            while stream.advance() {
                let next = ids.len() as u32;
                map.push(*ids.entry(stream.key().to_vec()).or_insert(next));
            }
            global.push(map);
        }
        Ok(FileNumbering {
            global,
            files: ids.len(),
        })
    }

    /// The snapshot-wide number of the file with term ordinal `ord` in
    /// segment `seg`.
    pub fn file_number(&self, seg: SegmentOrdinal, ord: u64) -> Option<u32> {
        self.global.get(seg as usize)?.get(ord as usize).copied()
    }

    /// Distinct files in the snapshot (numbers are below this).
    pub fn files(&self) -> usize {
        self.files
    }
}
