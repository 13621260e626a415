//! What every search reads from each segment of an index snapshot, opened
//! once per snapshot instead of once per search: one numbering of the source
//! files across segments (each segment has its own dictionary of file
//! names; counting distinct documents needs one set of numbers), and the
//! columns that ranking reads. Building the numbering reads every file name
//! and opening a column decodes its block index, both work that grows with
//! the corpus, so [`crate::index::store::Store::snapshot`] keeps one, and
//! `pia index` saves the numbering of its last commit beside the index
//! ([`Snapshot::save`]) so that a search process reads it in one file.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use tantivy::columnar::{Column, StrColumn};
use tantivy::directory::OwnedBytes;
use tantivy::fastfield::FastFieldReaders;
use tantivy::index::SegmentId;
use tantivy::{DocId, Searcher, SegmentOrdinal, SegmentReader};

use crate::index::schema::weight_from_column;

/// The columns of one segment that searches read.
#[derive(Clone)]
pub struct SegmentColumns {
    /// The source file of each section (term ordinals into the segment's
    /// file dictionary).
    pub file: StrColumn,
    /// Position of the section in its document, opened on first use: only
    /// the hits shown read it, and opening a column costs about 40 µs a
    /// segment (1.6 ms of every search process over the 41 segments of
    /// 4 GiB).
    ordinal: OnceLock<Option<Column<u64>>>,
    /// Where the lazily opened columns come from.
    fast: FastFieldReaders,
    /// Length of the section's normalised text, in characters.
    pub body_chars: Column<u64>,
    /// The hash of a text record's text, opened on first use (only phrase
    /// checks read it).
    body_hash: OnceLock<Option<Column<u64>>>,
    /// The section's ranking weight, as
    /// [`crate::index::schema::weight_to_column`] stores it.
    weight: Column<u64>,
}

impl SegmentColumns {
    fn open(seg: &SegmentReader) -> Result<SegmentColumns> {
        let ff = seg.fast_fields();
        let stale =
            || anyhow!("the index lacks a column this pia reads (built by an older pia); re-index");
        Ok(SegmentColumns {
            file: ff.str("file")?.ok_or_else(stale)?,
            ordinal: OnceLock::new(),
            fast: ff.clone(),
            body_chars: ff.u64("body_chars")?,
            body_hash: OnceLock::new(),
            weight: ff.u64("weight")?,
        })
    }

    /// The section's position in its document (a file record holds 0, or
    /// None in an index written before file records filled the columns).
    pub fn ordinal(&self, doc: DocId) -> Option<u64> {
        self.lazy(&self.ordinal, "ordinal")?.first(doc)
    }

    /// Each text record's hash of its text
    /// ([`crate::index::analysis::body_hash`]; sections and file records
    /// have none).
    pub fn body_hashes(&self) -> Option<&Column<u64>> {
        self.lazy(&self.body_hash, "body_hash")
    }

    /// The u64 column `name`, opened the first time it is asked for and
    /// kept in `cell` (None: the index lacks it).
    fn lazy<'c>(
        &self,
        cell: &'c OnceLock<Option<Column<u64>>>,
        name: &str,
    ) -> Option<&'c Column<u64>> {
        cell.get_or_init(|| self.fast.u64(name).ok()).as_ref()
    }

    /// The section's score multiplier (file records hold 0, or None in an
    /// index written before they filled the columns).
    pub fn weight(&self, doc: DocId) -> Option<f32> {
        self.weight.first(doc).map(weight_from_column)
    }

    /// The largest score multiplier of the segment's sections.
    pub fn max_weight(&self) -> f32 {
        weight_from_column(self.weight.max_value())
    }
}

/// Per-segment columns and the file numbering of one snapshot.
pub struct Snapshot {
    /// Per segment ordinal: its id and columns.
    segments: Vec<(SegmentId, SegmentColumns)>,
    /// Per segment ordinal: `file` term ordinal → snapshot-wide file number.
    global: Vec<Vec<u32>>,
    /// Per snapshot-wide number: the file's name.
    names: Names,
    /// Whether the numbering was read from a saved file
    /// ([`Snapshot::open`]) rather than built from the dictionaries.
    read_saved: bool,
}

impl Snapshot {
    /// Opens the columns of every segment of `searcher` and numbers its files.
    pub fn new(searcher: &Searcher) -> Result<Snapshot> {
        Snapshot::open(searcher, None)
    }

    /// [`Snapshot::new`], taking the numbering from `saved` (written by
    /// [`Snapshot::save`]) when it was made for the same segments: reading
    /// every segment's file dictionary was a third of a rare `pia search`
    /// over 40 segments. Any other file (missing, stale, damaged) is
    /// ignored and the files are numbered afresh.
    pub fn open(searcher: &Searcher, saved: Option<&Path>) -> Result<Snapshot> {
        let segments = searcher
            .segment_readers()
            .iter()
            .map(|seg| Ok((seg.segment_id(), SegmentColumns::open(seg)?)))
            .collect::<Result<Vec<_>>>()?;
        let loaded = saved.and_then(|p| saved::load(p, &segments));
        let read_saved = loaded.is_some();
        let Numbering { global, names } = match loaded {
            Some(n) => n,
            None => number_files(&segments)?,
        };
        Ok(Snapshot {
            segments,
            global,
            names,
            read_saved,
        })
    }

    /// Writes the numbering to `path` for later searches of the same
    /// segments ([`Snapshot::open`]), atomically (a reader sees the old file
    /// or the new one).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        saved::save(path, &self.segments, &self.global, &self.names)
    }

    /// Whether the numbering came from the file given to
    /// [`Snapshot::open`] (it was made for exactly these segments), so
    /// that there is nothing to save.
    pub fn read_saved(&self) -> bool {
        self.read_saved
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
        self.names.get(file as usize)
    }

    /// Whether segment `seg` holds records of file `file` (a snapshot-wide
    /// number): a search that revisits a few documents skips the segments
    /// without them instead of looking their names up in each.
    pub fn holds(&self, seg: SegmentOrdinal, file: u32) -> bool {
        // Term ordinals and snapshot numbers both follow name order.
        self.global
            .get(seg as usize)
            .is_some_and(|g| g.binary_search(&file).is_ok())
    }

    /// Distinct files in the snapshot (numbers are below this).
    pub fn files(&self) -> usize {
        self.names.len()
    }
}

/// Numbers the files named in the segments' `file` dictionaries, in name
/// order: each dictionary is sorted, so one merge of them gives every name
/// its number without hashing it, and each name is copied once, not once
/// per segment. (A hash map of copied names cost five times the reading of
/// the dictionaries: 7 of the 14 ms of a rare `pia search` over 1 GiB.) The
/// streams are merged through a heap of their current names: comparing
/// every stream's name for each file was a sixth of a rare `pia search`
/// over 40 segments (4 GiB).
fn number_files(segments: &[(SegmentId, SegmentColumns)]) -> Result<Numbering> {
    let mut streams = segments
        .iter()
        .map(|(_, c)| c.file.dictionary().stream())
        .collect::<std::io::Result<Vec<_>>>()?;
    let mut global: Vec<Vec<u32>> = segments
        .iter()
        .map(|(_, c)| Vec::with_capacity(c.file.dictionary().num_terms()))
        .collect();
    let mut heap: Vec<usize> = Vec::with_capacity(streams.len());
    for (i, s) in streams.iter_mut().enumerate() {
        if s.advance() {
            heap.push(i);
        }
    }
    for i in (0..heap.len() / 2).rev() {
        sift_down(&mut heap, i, |a, b| streams[a].key() < streams[b].key());
    }
    let mut text = String::new();
    let mut ends = Vec::new();
    let mut name = Vec::new();
    while let Some(&least) = heap.first() {
        name.clear();
        name.extend_from_slice(streams[least].key());
        let number = ends.len() as u32;
        // Every stream on this name (a file split across segments).
        while let Some(&top) = heap.first() {
            if streams[top].key() != name.as_slice() {
                break;
            }
            global[top].push(number);
            if !streams[top].advance() {
                let last = heap.len() - 1;
                heap.swap(0, last);
                heap.pop();
            }
            sift_down(&mut heap, 0, |a, b| streams[a].key() < streams[b].key());
        }
        text.push_str(&String::from_utf8_lossy(&name));
        ends.push(text.len() as u32);
    }
    let names = Names {
        text: OwnedBytes::new(text.into_bytes()),
        ends,
    };
    Ok(Numbering { global, names })
}

/// Restores the min-heap order of `heap` below `i` (`less`: the order).
fn sift_down(heap: &mut [usize], mut i: usize, less: impl Fn(usize, usize) -> bool) {
    loop {
        let (l, r) = (2 * i + 1, 2 * i + 2);
        let mut m = i;
        if l < heap.len() && less(heap[l], heap[m]) {
            m = l;
        }
        if r < heap.len() && less(heap[r], heap[m]) {
            m = r;
        }
        if m == i {
            return;
        }
        heap.swap(i, m);
        i = m;
    }
}

/// The file numbers of [`number_files`].
struct Numbering {
    /// Per segment, the number of each of its `file` term ordinals.
    global: Vec<Vec<u32>>,
    /// Per number, the file's name.
    names: Names,
}

/// File names by number, in one buffer: 45 000 names are one allocation
/// to build, and loading them maps the saved file rather than copying it
/// (reading, copying and checking 2.2 MB of names was a fifth of a rare
/// `pia search` over 4 GiB).
struct Names {
    /// The names one after another, UTF-8.
    text: OwnedBytes,
    /// End of each name in `text`.
    ends: Vec<u32>,
}

impl Names {
    /// Names of a saved `text` ending at `ends`, None unless `text` is
    /// UTF-8 and every end lies on a char boundary, in order.
    fn checked(text: OwnedBytes, ends: Vec<u32>) -> Option<Names> {
        let mut start = 0;
        for &e in &ends {
            let e = e as usize;
            let inside_char = text.get(e).is_some_and(|&b| b & 0xC0 == 0x80);
            if e < start || e > text.len() || inside_char {
                return None;
            }
            start = e;
        }
        if start != text.len() || simdutf8::basic::from_utf8(&text).is_err() {
            return None;
        }
        Some(Names { text, ends })
    }

    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        std::str::from_utf8(self.text.get(start..end)?).ok()
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// The numbering saved beside the index ([`Snapshot::save`]). Little-endian:
/// magic, segment count, then per segment its id (32 hex digits), term
/// count and each term's number; then the names' count, their ends and
/// their text. It is checked against the segments it is loaded for (ids,
/// term counts, numbers in range, names on char boundaries) and ignored
/// when anything differs.
mod saved {
    use std::io::Write;
    use std::path::Path;

    use tantivy::directory::{Directory, MmapDirectory};
    use tantivy::index::SegmentId;

    use super::{Names, Numbering, SegmentColumns};

    const MAGIC: &[u8; 8] = b"PIAFNUM1";

    pub(super) fn save(
        path: &Path,
        segments: &[(SegmentId, SegmentColumns)],
        global: &[Vec<u32>],
        names: &Names,
    ) -> std::io::Result<()> {
        let mut out: Vec<u8> = Vec::with_capacity(names.text.len() + names.ends.len() * 8 + 64);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(segments.len() as u32).to_le_bytes());
        for ((id, _), numbers) in segments.iter().zip(global) {
            out.extend_from_slice(id.uuid_string().as_bytes());
            out.extend_from_slice(&(numbers.len() as u32).to_le_bytes());
            for n in numbers {
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
        out.extend_from_slice(&(names.ends.len() as u32).to_le_bytes());
        for e in &names.ends {
            out.extend_from_slice(&e.to_le_bytes());
        }
        out.extend_from_slice(&names.text);
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&out)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }

    /// Reads little-endian values off the front of a byte slice.
    struct Reader<'a>(&'a [u8]);

    impl<'a> Reader<'a> {
        fn take(&mut self, n: usize) -> Option<&'a [u8]> {
            if self.0.len() < n {
                return None;
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Some(head)
        }

        fn u32(&mut self) -> Option<u32> {
            Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
        }

        fn u32s(&mut self, n: usize) -> Option<Vec<u32>> {
            let bytes = self.take(n.checked_mul(4)?)?;
            Some(
                bytes
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            )
        }
    }

    pub(super) fn load(path: &Path, segments: &[(SegmentId, SegmentColumns)]) -> Option<Numbering> {
        // Mapped, not read: a search touches the names of the few files it
        // shows, and the rest need not be copied into fresh memory.
        let dir = MmapDirectory::open(path.parent()?).ok()?;
        let bytes = dir
            .open_read(Path::new(path.file_name()?))
            .ok()?
            .read_bytes()
            .ok()?;
        let mut r = Reader(&bytes);
        if r.take(MAGIC.len())? != MAGIC || r.u32()? as usize != segments.len() {
            return None;
        }
        let mut global = Vec::with_capacity(segments.len());
        for (id, columns) in segments {
            if r.take(32)? != id.uuid_string().as_bytes() {
                return None;
            }
            let n = r.u32()? as usize;
            if n != columns.file.dictionary().num_terms() {
                return None;
            }
            global.push(r.u32s(n)?);
        }
        let count = r.u32()? as usize;
        let ends = r.u32s(count)?;
        let text = bytes.slice(bytes.len() - r.0.len()..bytes.len());
        let names = Names::checked(text, ends)?;
        if global.iter().flatten().any(|&n| n as usize >= count) {
            return None;
        }
        Some(Numbering { global, names })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use tantivy::{doc, IndexWriter};

    use super::*;
    use crate::index::schema::weight_to_column;
    use crate::index::store::Store;

    /// The tests' one writer: one indexing thread, so that each commit is
    /// one segment, and no merges, so that segments stay as committed. One
    /// writer for all of a test's commits: a writer opened right after the
    /// last one was dropped could find the index lock still held (seen
    /// once in a full test run on 2 cores).
    fn writer(store: &Store) -> IndexWriter {
        let w: IndexWriter = store.index.writer_with_num_threads(1, 15_000_000).unwrap();
        w.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        w
    }

    /// Commits one segment of sections of `files`.
    fn commit(w: &mut IndexWriter, store: &Store, files: &[&str]) {
        let f = &store.fields;
        for (i, name) in files.iter().enumerate() {
            w.add_document(doc!(
                f.file => *name,
                f.ordinal => i as u64,
                f.body_chars => 10u64,
                f.weight => weight_to_column(1.0),
            ))
            .unwrap();
        }
        w.commit().unwrap();
    }

    #[test]
    fn files_are_numbered_in_name_order_across_many_segments() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_or_create(dir.path()).unwrap();
        let mut w = writer(&store);
        // Nine segments, names shared between some of them, in no order.
        let names: Vec<String> = (0..40)
            .map(|i| format!("f{:02}.txt", (i * 17) % 40))
            .collect();
        for seg in 0..9 {
            let files: Vec<&str> = names
                .iter()
                .enumerate()
                .filter(|(i, _)| (i + seg) % 3 == 0 || i % 9 == seg)
                .map(|(_, n)| n.as_str())
                .collect();
            commit(&mut w, &store, &files);
        }
        let reader = store.reader().unwrap();
        reader.reload().unwrap();
        let searcher = reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 9);
        let snap = Snapshot::new(&searcher).unwrap();
        let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
        expected.sort_unstable();
        expected.dedup();
        let numbered: Vec<&str> = (0..snap.files() as u32)
            .map(|n| snap.file_name(n).unwrap())
            .collect();
        assert_eq!(numbered, expected);
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            let files = seg.fast_fields().str("file").unwrap().unwrap();
            for doc in 0..seg.max_doc() {
                let mut name = String::new();
                files
                    .ord_to_str(files.ords().first(doc).unwrap(), &mut name)
                    .unwrap();
                let number = snap.file_of(ord as u32, doc).unwrap();
                assert_eq!(snap.file_name(number), Some(name.as_str()));
            }
        }
    }

    /// Every section's file number and name, segment by segment.
    fn numbers(snap: &Snapshot, searcher: &Searcher) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            for doc in 0..seg.max_doc() {
                let n = snap.file_of(ord as u32, doc).unwrap();
                out.push((n, snap.file_name(n).unwrap().to_string()));
            }
        }
        out
    }

    #[test]
    fn a_saved_numbering_is_read_back_only_for_its_own_segments() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_or_create(dir.path()).unwrap();
        let mut w = writer(&store);
        commit(&mut w, &store, &["b.txt", "a.txt", "b.txt"]);
        commit(&mut w, &store, &["d.txt", "b.txt", "äé.txt"]);
        let reader = store.reader().unwrap();
        reader.reload().unwrap();
        let searcher = reader.searcher();
        let fresh = Snapshot::new(&searcher).unwrap();
        assert!(!fresh.read_saved());
        let path = dir.path().join("numbering.bin");
        assert!(!Snapshot::open(&searcher, Some(&path)).unwrap().read_saved());
        fresh.save(&path).unwrap();
        let loaded = Snapshot::open(&searcher, Some(&path)).unwrap();
        assert!(loaded.read_saved());
        assert_eq!(numbers(&loaded, &searcher), numbers(&fresh, &searcher));
        assert_eq!(loaded.files(), 4);
        // Damaged: every truncation and a changed name length are ignored,
        // and the files are numbered afresh.
        let good = std::fs::read(&path).unwrap();
        for cut in [0, 8, 12, 40, good.len() / 2, good.len() - 1] {
            std::fs::write(&path, &good[..cut]).unwrap();
            let s = Snapshot::open(&searcher, Some(&path)).unwrap();
            assert!(!s.read_saved(), "cut at {cut}");
            assert_eq!(numbers(&s, &searcher), numbers(&fresh, &searcher));
        }
        let mut bad = good.clone();
        let ends = bad.len() - "a.txtb.txtd.txtäé.txt".len() - 4;
        bad[ends..ends + 4].copy_from_slice(&16u32.to_le_bytes());
        std::fs::write(&path, &bad).unwrap();
        assert!(
            !Snapshot::open(&searcher, Some(&path)).unwrap().read_saved(),
            "an end inside a character"
        );
        // Stale: a later commit has a segment the file does not know.
        std::fs::write(&path, &good).unwrap();
        commit(&mut w, &store, &["c.txt"]);
        reader.reload().unwrap();
        let searcher = reader.searcher();
        let now = Snapshot::open(&searcher, Some(&path)).unwrap();
        assert!(!now.read_saved());
        assert_eq!(now.files(), 5);
        assert_eq!(
            numbers(&now, &searcher),
            numbers(&Snapshot::new(&searcher).unwrap(), &searcher)
        );
    }

    #[test]
    fn a_file_has_one_number_in_every_segment() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_or_create(dir.path()).unwrap();
        let mut w = writer(&store);
        commit(&mut w, &store, &["b.txt", "a.txt", "b.txt"]);
        commit(&mut w, &store, &["d.txt", "b.txt"]);
        commit(&mut w, &store, &["c.txt"]);
        let reader = store.reader().unwrap();
        reader.reload().unwrap();
        let searcher = reader.searcher();
        assert_eq!(searcher.segment_readers().len(), 3);
        let snap = Snapshot::new(&searcher).unwrap();
        assert_eq!(snap.files(), 4);
        // Every section's number names its own file.
        let mut numbers: HashMap<String, u32> = HashMap::new();
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            let files = seg.fast_fields().str("file").unwrap().unwrap();
            for doc in 0..seg.max_doc() {
                let mut name = String::new();
                let term = files.ords().first(doc).unwrap();
                files.ord_to_str(term, &mut name).unwrap();
                let number = snap.file_of(ord as u32, doc).unwrap();
                assert_eq!(snap.file_name(number), Some(name.as_str()));
                assert_eq!(*numbers.entry(name).or_insert(number), number);
            }
        }
        assert_eq!(numbers.len(), 4);
        // A segment holds exactly the files whose sections it has.
        for (ord, seg) in searcher.segment_readers().iter().enumerate() {
            let files = seg.fast_fields().str("file").unwrap().unwrap();
            let here: std::collections::HashSet<u32> = (0..seg.max_doc())
                .filter_map(|doc| snap.file_of(ord as u32, doc))
                .collect();
            assert_eq!(here.len() as u64, files.num_terms() as u64);
            for number in 0..snap.files() as u32 {
                assert_eq!(
                    snap.holds(ord as u32, number),
                    here.contains(&number),
                    "segment {ord}, file {number}"
                );
            }
        }
    }
}
