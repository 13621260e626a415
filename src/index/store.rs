//! Opening the on-disk index: where it lives by default, creating it with our
//! schema, registering our tokenizers, and turning tantivy's errors into ones
//! a user can act on.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use anyhow::{anyhow, bail, Context, Result};
use rayon::prelude::*;
use tantivy::directory::MmapDirectory;
use tantivy::index::{SegmentComponent, SegmentId};
use tantivy::indexer::{IndexWriterOptions, LogMergePolicy, MergeCandidate, MergePolicy};
use tantivy::schema::Field;
use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, SegmentMeta,
    TantivyDocument, TantivyError, Term,
};

use crate::index::analysis;
use crate::index::indexer::Budget;
use crate::index::schema::{self, Fields};
use crate::index::snapshot::Snapshot;
use crate::index::texts;

/// The corpus bundled with the crate: what `pia index` and `pia search` work
/// on when no directory is given.
pub fn default_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The default index location: `$PIA_INDEX`, else inside the crate's target
/// directory (in-repo, ignored by git, removed by `cargo clean`).
pub fn default_index() -> PathBuf {
    if let Some(p) = std::env::var_os("PIA_INDEX") {
        return PathBuf::from(p);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pia-index")
}

/// The share of the index's texts (text records: the distinct section
/// texts of each indexing batch) that contain a character bigram: how
/// common a word is across the corpus (compare tells
/// an item's distinctive words from the form's vocabulary with it). One
/// term-dictionary look-up per bigram, memoised (`pia compare --list` asks
/// about the same bigrams item after item).
pub struct BigramShare {
    searcher: Searcher,
    ngram: Field,
    texts: f64,
    memo: RefCell<HashMap<String, f64>>,
}

impl BigramShare {
    /// Share (0–1) of the texts containing `bigram`; 1 when the index
    /// cannot say.
    pub fn of(&self, bigram: &str) -> f64 {
        *self
            .memo
            .borrow_mut()
            .entry(bigram.to_string())
            .or_insert_with(|| {
                let term = Term::from_field_text(self.ngram, bigram);
                self.searcher
                    .doc_freq(&term)
                    .map_or(1.0, |n| n as f64 / self.texts)
            })
    }
}

/// What tells one meta.json from another without reading it: tantivy
/// replaces the file on every commit (a new inode), and its time and length
/// change with it where inodes are not available.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MetaStamp {
    modified: SystemTime,
    len: u64,
    inode: u64,
}

impl MetaStamp {
    fn of(path: &Path) -> Option<MetaStamp> {
        let m = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let inode = 0;
        Some(MetaStamp {
            modified: m.modified().ok()?,
            len: m.len(),
            inode,
        })
    }
}

/// Which commit a searcher sees: its segments and their deletes. What a
/// value computed from the whole index stays valid for ([`PerCommit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitKey(Vec<(SegmentId, Option<tantivy::Opstamp>)>);

impl CommitKey {
    /// The commit `searcher` sees.
    pub fn of(searcher: &Searcher) -> CommitKey {
        CommitKey(
            searcher
                .segment_readers()
                .iter()
                .map(|s| (s.segment_id(), s.delete_opstamp()))
                .collect(),
        )
    }
}

/// A value computed from the whole index, kept until a commit changes the
/// index: the columns and file numbering of a snapshot ([`Store::snapshot`]),
/// and the web UI's lists of every contractor and of every comparable item,
/// which take up to seconds over the national corpus (0.5 and 2.4 s at
/// 4 GiB) and would be computed again for every page that shows them. A caller that
/// finds another computing the value waits for it rather than computing it
/// twice.
pub struct PerCommit<T> {
    slot: Mutex<Option<(CommitKey, Arc<T>)>>,
}

impl<T> Default for PerCommit<T> {
    fn default() -> Self {
        PerCommit {
            slot: Mutex::new(None),
        }
    }
}

impl<T> PerCommit<T> {
    /// The value for commit `key`: the kept one when it was made at that
    /// commit, else `make`'s.
    pub fn get_or_make(&self, key: CommitKey, make: impl FnOnce() -> Result<T>) -> Result<Arc<T>> {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((k, v)) = slot.as_ref() {
            if *k == key {
                return Ok(v.clone());
            }
        }
        let v = Arc::new(make()?);
        *slot = Some((key, v.clone()));
        Ok(v)
    }
}

/// File name of the saved file numbering in an index directory.
const NUMBERING_FILE: &str = "pia-files.bin";

/// An open index with its field handles.
pub struct Store {
    /// The tantivy index.
    pub index: Index,
    /// Field handles.
    pub fields: Fields,
    /// Where it lives.
    pub path: PathBuf,
    /// One reader for the store's life, reloaded on use: opening a reader
    /// per query costs more than many queries do at national scale.
    reader: std::sync::OnceLock<IndexReader>,
    /// meta.json as last loaded ([`MetaStamp`]): a reload reopens
    /// every segment, so it is done only when a commit changed the file.
    loaded: Mutex<Option<MetaStamp>>,
    /// The columns and file numbering of the last snapshot searched.
    snapshot: PerCommit<Snapshot>,
}

impl Store {
    /// Opens the index at `path`, creating an empty one if there is none.
    pub fn open_or_create(path: &Path) -> Result<Store> {
        std::fs::create_dir_all(path)
            .with_context(|| format!("cannot create index directory {}", path.display()))?;
        let dir = MmapDirectory::open(path)
            .with_context(|| format!("cannot open index directory {}", path.display()))?;
        let (schema, _) = schema::build();
        if Index::exists(&dir)? {
            let index = Index::open(dir).map_err(|e| open_error(path, e))?;
            if index.schema() == schema {
                return Self::wrap(index, path);
            }
            // An index of an older pia: it only holds derived data, so it is
            // rebuilt (its files are tantivy's, checked by the open above).
            eprintln!(
                "pia: {} was built by an older version; rebuilding it",
                path.display()
            );
            drop(index);
            std::fs::remove_dir_all(path)
                .with_context(|| format!("cannot remove old index {}", path.display()))?;
            return Self::open_or_create(path);
        }
        let index = Index::create(dir, schema, Default::default())
            .with_context(|| format!("cannot create index in {}", path.display()))?;
        Self::wrap(index, path)
    }

    /// Opens an existing index; a missing one is an error naming the path.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.join("meta.json").is_file() {
            bail!(
                "no index at {} (build one with `pia index [DIR] --index {}`)",
                path.display(),
                path.display()
            );
        }
        let index = Index::open_in_dir(path).map_err(|e| open_error(path, e))?;
        if index.schema() != schema::build().0 {
            bail!(
                "{} was built by an older version of pia; run `pia index DIR --index {}` again",
                path.display(),
                path.display()
            );
        }
        Self::wrap(index, path)
    }

    fn wrap(index: Index, path: &Path) -> Result<Store> {
        analysis::register(&index);
        let fields = schema::fields_of(&index.schema()).map_err(|_| {
            anyhow!(
                "{} holds an index of another program or version; remove it and re-index",
                path.display()
            )
        })?;
        Ok(Store {
            index,
            fields,
            path: path.to_path_buf(),
            reader: std::sync::OnceLock::new(),
            loaded: Mutex::new(None),
            snapshot: PerCommit::default(),
        })
    }

    /// A reader that always sees the last commit (safe during indexing).
    pub fn reader(&self) -> Result<IndexReader> {
        let stamp = MetaStamp::of(&self.path.join("meta.json"));
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = self.reader.get() {
            if stamp.is_none() || *loaded != stamp {
                r.reload()?;
                *loaded = stamp;
            }
            return Ok(r.clone());
        }
        let r: IndexReader = self
            .index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        *loaded = stamp;
        Ok(self.reader.get_or_init(|| r).clone())
    }

    /// The commit the index is at now (reloading the reader if one
    /// happened).
    pub fn commit_key(&self) -> Result<CommitKey> {
        Ok(CommitKey::of(&self.reader()?.searcher()))
    }

    /// The columns and file numbering of `searcher`'s snapshot, opened once
    /// per snapshot.
    pub fn snapshot(&self, searcher: &Searcher) -> Result<Arc<Snapshot>> {
        self.snapshot.get_or_make(CommitKey::of(searcher), || {
            Snapshot::open(searcher, Some(&self.numbering_path()))
        })
    }

    /// Where [`Store::save_numbering`] keeps the file numbering: beside
    /// tantivy's files, which it does not manage (its garbage collection
    /// leaves it alone).
    fn numbering_path(&self) -> PathBuf {
        self.path.join(NUMBERING_FILE)
    }

    /// Saves the file numbering of the last commit for later searches
    /// ([`Snapshot::open`]), unless the snapshot was read from it already:
    /// a search process then reads one file instead of every segment's
    /// file dictionary.
    pub fn save_numbering(&self) -> Result<()> {
        let searcher = self.reader()?.searcher();
        let snapshot = self.snapshot(&searcher)?;
        let path = self.numbering_path();
        if !snapshot.read_saved() {
            snapshot
                .save(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    /// How common each character bigram is in the index (see [`BigramShare`]).
    pub fn bigram_share(&self) -> Result<BigramShare> {
        let searcher = self.reader()?.searcher();
        // Bigrams are indexed once per text record: shares are of texts.
        let texts = texts::text_records(&searcher, self.fields.kind)?;
        Ok(BigramShare {
            searcher,
            ngram: self.fields.body_ngram,
            texts: (texts as f64).max(1.0),
            memo: RefCell::new(HashMap::new()),
        })
    }

    /// The single writer, sized by `budget`; a second concurrent writer gets
    /// a clear message.
    pub fn writer(&self, budget: &Budget) -> Result<IndexWriter> {
        let options = IndexWriterOptions::builder()
            // As many of tantivy's threads as parsing threads: capped at
            // tantivy's default of 8, they bounded ingest at 16 cores.
            .num_worker_threads(budget.threads)
            .memory_budget_per_thread(budget.arena.max(15 << 20))
            // The merges' share of the budget is split between them (see
            // `Budget::merge_bytes`).
            .num_merge_threads(budget.merge_threads)
            .build();
        let writer = self
            .index
            .writer_with_options(options)
            .map_err(|e| match e {
                TantivyError::LockFailure(..) => anyhow!(
                    "another `pia index` is writing to {} (lock held); wait for it to finish",
                    self.path.display()
                ),
                e => anyhow!("cannot open index writer on {}: {e}", self.path.display()),
            })?;
        writer.set_merge_policy(Box::new(BoundedMerges::new(
            self.path.clone(),
            budget.merge_bytes / budget.merge_threads as u64,
            budget.merge_threads,
        )));
        Ok(writer)
    }
}

/// The stored documents at `addrs`, each mapped by `read`: each segment's on
/// a thread of its own, in document order, so that every compressed block
/// of the store is decompressed once (a collector's hash order decompressed
/// blocks again and again: the contractor summary over 4 GiB took 17.1 s
/// instead of 6.0). Grouped by segment, in document order within each.
pub fn read_stored<T: Send>(
    searcher: &Searcher,
    addrs: impl IntoIterator<Item = DocAddress>,
    read: impl Fn(&TantivyDocument) -> T + Sync,
) -> Result<Vec<T>> {
    let mut by_segment: Vec<Vec<DocAddress>> = vec![Vec::new(); searcher.segment_readers().len()];
    for a in addrs {
        if let Some(v) = by_segment.get_mut(a.segment_ord as usize) {
            v.push(a);
        }
    }
    let per_segment = by_segment
        .into_par_iter()
        .map(|mut addrs| {
            addrs.sort_unstable();
            addrs
                .into_iter()
                .map(|a| Ok(read(&searcher.doc(a)?)))
                .collect::<Result<Vec<T>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(per_segment.into_iter().flatten().collect())
}

/// tantivy's log merge policy with merges of at most `max_bytes` of input
/// segments in all: a merge reads its inputs through memory maps, and what
/// it touched counts as the process's resident memory until it ends, so an
/// unbounded merge made peak memory grow with the corpus. Bytes, not
/// documents: a section of unique prose takes three times the index of a
/// repeated one (a merge bounded by documents took 2 × 256 MiB runs over
/// unique prose to 981 MiB). A merge of many segments is split in `ways`
/// so that the merge threads share it: the merge after the final commit
/// otherwise runs on one core while the rest wait (at 16 threads, 4 of the
/// 10 s over 256 MiB).
#[derive(Debug)]
struct BoundedMerges {
    log: LogMergePolicy,
    /// The index folder, where the segments' files are measured.
    dir: PathBuf,
    max_bytes: u64,
    ways: usize,
}

impl BoundedMerges {
    fn new(dir: PathBuf, max_bytes: u64, ways: usize) -> Self {
        BoundedMerges {
            log: LogMergePolicy::default(),
            dir,
            max_bytes,
            ways: ways.max(1),
        }
    }

    /// Bytes of a segment's files on disk (what a merge maps).
    fn bytes(&self, s: &SegmentMeta) -> u64 {
        [
            SegmentComponent::Postings,
            SegmentComponent::Positions,
            SegmentComponent::Terms,
            SegmentComponent::Store,
            SegmentComponent::FastFields,
            SegmentComponent::FieldNorms,
        ]
        .into_iter()
        .filter_map(|c| std::fs::metadata(self.dir.join(s.relative_path(c))).ok())
        .map(|m| m.len())
        .sum()
    }

    /// `group` as merges of at least two segments each, in up to `ways`
    /// parts of about equal count.
    fn split(&self, group: Vec<SegmentId>, out: &mut Vec<MergeCandidate>) {
        let n = group.len();
        if n < 2 {
            return;
        }
        let ways = self.ways.min(n / 2);
        for w in 0..ways {
            out.push(MergeCandidate(
                group[w * n / ways..(w + 1) * n / ways].to_vec(),
            ));
        }
    }

    /// The log policy's candidates cut into merges of at most `max_bytes`
    /// (`sizes`: bytes of each segment), each split in `ways`.
    fn bound(
        &self,
        candidates: Vec<MergeCandidate>,
        sizes: &HashMap<SegmentId, u64>,
    ) -> Vec<MergeCandidate> {
        let mut out = Vec::new();
        for MergeCandidate(ids) in candidates {
            let mut group = Vec::new();
            let mut sum = 0;
            for id in ids {
                let n = sizes.get(&id).copied().unwrap_or(0);
                // A segment of more than half the bound would merge with
                // little else: it stays as it is.
                if n > self.max_bytes / 2 {
                    continue;
                }
                if sum + n > self.max_bytes && group.len() >= 2 {
                    self.split(std::mem::take(&mut group), &mut out);
                    sum = 0;
                }
                sum += n;
                group.push(id);
            }
            self.split(group, &mut out);
        }
        out
    }
}

impl MergePolicy for BoundedMerges {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let sizes: HashMap<SegmentId, u64> =
            segments.iter().map(|s| (s.id(), self.bytes(s))).collect();
        self.bound(self.log.compute_merge_candidates(segments), &sizes)
    }
}

fn open_error(path: &Path, e: TantivyError) -> anyhow::Error {
    anyhow!("cannot open index at {}: {e}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sizes(ways: usize, segments: usize) -> Vec<usize> {
        let policy = BoundedMerges::new(PathBuf::new(), 1 << 20, ways);
        let ids = (0..segments)
            .map(|_| SegmentId::generate_random())
            .collect();
        let mut out = Vec::new();
        policy.split(ids, &mut out);
        out.iter().map(|MergeCandidate(c)| c.len()).collect()
    }

    #[test]
    fn a_wide_merge_is_shared_between_merge_threads() {
        assert_eq!(sizes(2, 16), vec![8, 8]);
        assert_eq!(sizes(4, 10), vec![2, 3, 2, 3]);
        // Never a merge of one segment, nor of none.
        assert_eq!(sizes(2, 3), vec![3]);
        assert_eq!(sizes(1, 9), vec![9]);
        assert!(sizes(2, 1).is_empty());
        assert!(sizes(2, 0).is_empty());
    }
}
