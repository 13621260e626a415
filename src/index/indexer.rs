//! The ingest pipeline: walk → read → decode → parse → normalise → index, in
//! parallel over files (rayon), incremental by content hash, committed once so
//! an interrupted run leaves the previous commit intact.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;
use tantivy::collector::DocSetCollector;
use tantivy::indexer::UserOperation;
use tantivy::query::TermQuery;
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::{doc, DocSet, IndexWriter, TantivyDocument, Term, TERMINATED};

use crate::index::analysis::{self, body_hash, fold_cached};
use crate::index::schema::{weight_to_column, Fields, KIND_DOC, KIND_SECTION, KIND_TEXT};
use crate::index::store::{read_stored, Store};
use crate::index::texts;
use crate::ingest;
use crate::ingest::walk::{self, InputFile, InputKind, WalkOptions};
use crate::model::{DocMeta, FormType, ParsedDoc, Section};
use crate::normalize::fold;
use crate::parse;

/// Per-thread memory budget of an indexing run when none is given, in MiB.
pub const DEFAULT_MEMORY_MIB: usize = 256;
/// Smallest per-thread budget: tantivy needs 15 MB of arena per thread.
pub const MIN_MEMORY_MIB: usize = 32;
/// Largest per-thread budget: tantivy's arena of a thread stays below 4 GB.
pub const MAX_MEMORY_MIB: usize = 4096;

/// How to run an indexing job.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Threads for parsing, and as many for tantivy's analysis.
    pub threads: usize,
    /// Show a progress bar (only honoured on a terminal).
    pub progress: bool,
    /// Memory budget per thread, MiB (see [`IndexOptions::budget`]).
    pub memory_mib: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            progress: true,
            memory_mib: DEFAULT_MEMORY_MIB,
        }
    }
}

/// Where an indexing run's memory goes, derived from the per-thread budget
/// so that peak memory is about `threads × memory_mib` plus a fixed ~100 MiB
/// (program, dictionary, tantivy's queue of documents), whatever the corpus
/// size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Threads used (parsing and tantivy).
    pub threads: usize,
    /// tantivy's indexing arena per thread: three eighths of the budget (a
    /// segment is written when it is full).
    pub arena: usize,
    /// Memos of normalised text and word spans, all threads together: a
    /// quarter of the budget.
    pub memos: usize,
    /// Source bytes parsed per batch: a sixty-fourth of the budget per
    /// thread. Each batch indexes its distinct texts once
    /// ([`crate::index::texts`]), so larger batches give a smaller index
    /// (100 MiB corpus, 2 threads: 8 MiB batches 59.7 MiB without the
    /// stored text, 16 MiB 57.2 MiB), but at one thread a 16 MiB batch
    /// took unique prose 18.1–18.4 → 21.6 s and 370 → 657 MiB.
    /// A parsed file's documents hold its text about four times
    /// (the section text, the normalised text for two fields, and the
    /// metadata in each section) until written,
    /// and up to three batches are alive at once (one being parsed, one
    /// waiting, one being written); small batches keep both sides busy.
    /// The first batches are smaller still (they ramp up to this).
    pub batch: u64,
    /// Bytes of input segments that the merges running at once may read
    /// together: three eighths of the budget. A merge maps its inputs,
    /// which counts as resident memory while it runs.
    pub merge_bytes: u64,
    /// Merges that run at once: one per 8 threads (at most 4), as the last
    /// merges after the final commit otherwise run alone on one core (at 16
    /// threads, 4 s of a 10 s run over 256 MiB).
    pub merge_threads: usize,
}

impl IndexOptions {
    /// The run's memory split, or a clear error for a budget out of range.
    pub fn budget(&self) -> Result<Budget> {
        if !(MIN_MEMORY_MIB..=MAX_MEMORY_MIB).contains(&self.memory_mib) {
            bail!(
                "memory budget must be {MIN_MEMORY_MIB}–{MAX_MEMORY_MIB} MiB per thread (got {})",
                self.memory_mib
            );
        }
        let threads = self.threads.clamp(1, 256);
        let per_thread = self.memory_mib << 20;
        Ok(Budget {
            threads,
            arena: per_thread * 3 / 8,
            memos: threads * per_thread / 4,
            batch: (threads * per_thread / 64) as u64,
            merge_bytes: (threads * per_thread * 3 / 8) as u64,
            merge_threads: (threads / 8).clamp(1, 4),
        })
    }
}

/// A file that could not be indexed, with the reason, as reported to the user.
#[derive(Debug, Clone, Serialize)]
pub struct FileProblem {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub reason: String,
}

/// Why a file is listed in [`IndexReport::unrecognised`].
const UNRECOGNISED: &str =
    "no assessment form recognised (no 基礎項目/重点項目/全項目評価書 title or \
     form headings); indexed as plain text under the form 不明";

/// What an indexing run did; printed as the run's summary.
#[derive(Debug, Default, Serialize)]
pub struct IndexReport {
    /// Files newly indexed.
    pub added: usize,
    /// Files re-indexed because their content changed.
    pub updated: usize,
    /// Files removed from the index because they are gone.
    pub removed: usize,
    /// Files whose content hash was already indexed.
    pub unchanged: usize,
    /// Sections written by this run.
    pub sections: usize,
    /// Text records written by this run: the distinct section texts of
    /// each batch ([`crate::index::texts`]).
    pub texts: usize,
    /// Bytes of source read and parsed.
    pub bytes: u64,
    /// Files not indexed on purpose (unknown extension, too large …).
    pub skipped: Vec<FileProblem>,
    /// Files that failed (binary, undecodable, unreadable …).
    pub failed: Vec<FileProblem>,
    /// Files indexed whose text shows none of the three forms (no title,
    /// no form headings): searchable as plain text under the form 不明, and
    /// named so that a folder's stray notes or a wrong file are noticed.
    pub unrecognised: Vec<FileProblem>,
    /// Wall time.
    pub seconds: f64,
    /// Where the wall time went, to see which stage bounds a run.
    pub stages: Stages,
}

/// Wall-clock split of an indexing run, seconds: with more threads the
/// parallel stages shrink, and whatever stays large here is what limits
/// scaling (shown with `pia index --json`).
#[derive(Debug, Default, Serialize)]
pub struct Stages {
    /// Walking the tree and reading which files the index already holds.
    pub walk: f64,
    /// Until the first parsed batch reached the writer (parsing alone).
    pub first_batch: f64,
    /// Writer side waiting for parsed batches after the first one.
    pub wait_parse: f64,
    /// Writer side handing sections to tantivy (blocks when tantivy lags).
    pub feed: f64,
    /// Final commit: tantivy finishing its segments.
    pub commit: f64,
    /// Waiting for the last segment merges.
    pub merge: f64,
}

impl IndexReport {
    /// Files in the index after the run.
    pub fn indexed(&self) -> usize {
        self.added + self.updated + self.unchanged
    }
}

/// One file, read and parsed, ready to be written.
struct Prepared {
    rel: String,
    bytes: u64,
    /// The file's record, then one document per section: built here on the
    /// parsing threads, so that the one thread feeding tantivy only hands
    /// them over (building them there bounded ingest at 16 threads).
    docs: Vec<TantivyDocument>,
    /// Each section's text, for its text record.
    texts: Vec<SectionText>,
    /// Whether the texts' words were segmented ahead
    /// ([`analysis::segment_ahead`]).
    ahead: bool,
    /// Whether the parser recognised one of the forms.
    recognised: bool,
}

/// What the text record of a section's text holds, computed on the
/// parsing threads.
struct SectionText {
    /// The hash of `norm` ([`body_hash`]).
    hash: u64,
    /// What a batch groups sections by: the hash of `norm` and `choices`.
    key: u64,
    norm: Arc<str>,
    /// The normalised choice list: a text record holds a text and a
    /// choice list, since choice lists are boilerplate too.
    choices: Arc<str>,
    /// The section's weight as the column stores it: the text record
    /// carries the largest of its sections' ([`crate::query::topk`] bounds
    /// a text's sections by it).
    weight: u64,
    chars: u64,
}

/// One parse batch as tantivy operations, handed over in one
/// `IndexWriter::run` call so that tantivy keeps them in one segment, in
/// order: the deletions of the files it replaces, the files' records, then
/// each distinct text's record followed by the sections with that text
/// ([`crate::index::texts`]).
#[derive(Default)]
struct Batch {
    deletes: Vec<Term>,
    records: Vec<TantivyDocument>,
    /// Per distinct text in order of first appearance: the text, and its
    /// sections.
    groups: Vec<(SectionText, Vec<TantivyDocument>)>,
    group_of: HashMap<u64, usize, std::hash::BuildHasherDefault<analysis::HashBits>>,
}

impl Batch {
    /// Adds one prepared file's documents.
    fn add(&mut self, p: Prepared) {
        let mut docs = p.docs.into_iter();
        self.records.extend(docs.next());
        for (d, t) in docs.zip(p.texts) {
            let same = |g: &usize| {
                let (u, _) = &self.groups[*g];
                u.norm == t.norm && u.choices == t.choices
            };
            match self.group_of.get(&t.key).filter(|g| same(g)) {
                Some(&g) => {
                    let (text, sections) = &mut self.groups[g];
                    text.weight = text.weight.max(t.weight);
                    sections.push(d);
                    // Its words were segmented for an indexing that will
                    // not happen: the first section's text is indexed.
                    if p.ahead && !t.norm.is_empty() {
                        analysis::release_ahead(&t.norm);
                    }
                }
                None => {
                    // (A key of another text: the texts' 64-bit hashes
                    // collide, and this one gets a record of its own.)
                    self.group_of.entry(t.key).or_insert(self.groups.len());
                    self.groups.push((t, vec![d]));
                }
            }
        }
    }

    /// Distinct texts so far.
    fn texts(&self) -> usize {
        self.groups.len()
    }

    /// The batch as one `run` of operations.
    fn operations(self, f: &Fields) -> Vec<UserOperation> {
        let sections: usize = self.groups.iter().map(|(_, s)| s.len()).sum();
        let mut ops = Vec::with_capacity(
            self.deletes.len() + self.records.len() + self.groups.len() + sections,
        );
        ops.extend(self.deletes.into_iter().map(UserOperation::Delete));
        ops.extend(self.records.into_iter().map(UserOperation::Add));
        for (t, docs) in self.groups {
            ops.push(UserOperation::Add(text_record(f, &t)));
            ops.extend(docs.into_iter().map(UserOperation::Add));
        }
        ops
    }
}

/// The record of one distinct text: the only document with its terms.
/// It has a value in every column, as the other records do, and the file
/// name "" (it belongs to no file, and a dense `file` column reads faster).
fn text_record(f: &Fields, t: &SectionText) -> TantivyDocument {
    let mut d = doc!(
        f.kind => KIND_TEXT,
        f.file => "",
        f.ordinal => 0u64,
        f.weight => t.weight,
        f.body_chars => t.chars,
        f.body_hash => t.hash,
    );
    d.add_text(f.body_ja, &*t.norm);
    d.add_text(f.body_ngram, &*t.norm);
    if !t.choices.is_empty() {
        d.add_text(f.choices_ngram, &*t.choices);
    }
    d
}

/// Indexes the files under `root` into `store`, incrementally.
pub fn index_dir(store: &Store, root: &Path, opts: &IndexOptions) -> Result<IndexReport> {
    let start = Instant::now();
    let budget = opts.budget()?;
    analysis::set_memo_budget(budget.memos);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(budget.threads)
        .build()
        .context("cannot start indexing threads")?;
    let mut report = IndexReport::default();
    let walked = walk::walk(root, &WalkOptions::default());
    for s in &walked.skipped {
        report.skipped.push(FileProblem {
            path: s.path.clone(),
            reason: s.reason.to_string(),
        });
    }
    for e in &walked.errors {
        report.failed.push(FileProblem {
            path: e.path.clone(),
            reason: e.reason.clone(),
        });
    }

    let existing = indexed_hashes(store)?;
    let seen: HashSet<String> = walked
        .files
        .iter()
        .map(|f| relative_name(root, &f.path))
        .collect();
    let mut gone: Vec<String> = existing
        .keys()
        .filter(|k| !seen.contains(*k))
        .cloned()
        .collect();
    report.stages.walk = start.elapsed().as_secs_f64();
    let bar = progress_bar(opts.progress, walked.files.len() as u64);
    // Only a run that changes something takes the writer lock.
    let mut writer: Option<IndexWriter> = None;
    let f = store.fields;
    // Batches bound memory: parsed text of three batches at a time, not the
    // corpus. The next batches are parsed while this thread feeds the last
    // one to the writer, so that parsing and tantivy's analysis overlap.
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    let balance = WordBalance::new(budget.threads);
    let texts_before = analysis::word_texts();
    std::thread::scope(|scope| -> Result<()> {
        let (pool, bar, existing, balance) = (&pool, &bar, &existing, &balance);
        let files = &walked.files;
        scope.spawn(move || {
            for batch in batches(files, budget.batch) {
                let results: Vec<Result<Option<Prepared>, FileProblem>> = pool.install(|| {
                    batch
                        .par_iter()
                        .enumerate()
                        .map(|(i, input)| {
                            let ahead = balance.ahead(i);
                            let r = prepare(root, &input.path, input.kind, existing, &f, ahead);
                            bar.inc(1);
                            r
                        })
                        .collect()
                });
                // The writer side stopped on an error: nothing more to parse.
                if tx.send(results).is_err() {
                    break;
                }
            }
        });
        let mut waited = Instant::now();
        let mut first = true;
        for results in rx {
            let t = waited.elapsed().as_secs_f64();
            if std::mem::take(&mut first) {
                report.stages.first_batch = t;
            } else {
                report.stages.wait_parse += t;
                // Texts handed to tantivy that it has not analysed yet.
                let analysed = analysis::word_texts().saturating_sub(texts_before);
                balance.update((report.texts as u64).saturating_sub(analysed));
            }
            let fed = Instant::now();
            let mut batch = Batch::default();
            for r in results {
                let p = match r {
                    Err(p) => {
                        // A file that turned bad must not keep its old text searchable.
                        let rel = relative_name(root, &p.path);
                        if existing.contains_key(&rel) {
                            gone.push(rel);
                        }
                        report.failed.push(p);
                        continue;
                    }
                    Ok(None) => {
                        report.unchanged += 1;
                        continue;
                    }
                    Ok(Some(p)) => p,
                };
                if existing.contains_key(&p.rel) {
                    batch.deletes.push(Term::from_field_text(f.file, &p.rel));
                    report.updated += 1;
                } else {
                    report.added += 1;
                }
                if !p.recognised {
                    report.unrecognised.push(FileProblem {
                        path: root.join(&p.rel),
                        reason: UNRECOGNISED.to_string(),
                    });
                }
                report.bytes += p.bytes;
                report.sections += p.texts.len();
                batch.add(p);
            }
            report.texts += batch.texts();
            let ops = batch.operations(&f);
            if !ops.is_empty() {
                let w = match &mut writer {
                    Some(w) => w,
                    None => writer.insert(open_writer(store, &budget)?),
                };
                w.run(ops)?;
            }
            report.stages.feed += fed.elapsed().as_secs_f64();
            waited = Instant::now();
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    if writer.is_none() && !gone.is_empty() {
        writer = Some(open_writer(store, &budget)?);
    }
    if let Some(mut w) = writer {
        for g in &gone {
            w.delete_term(Term::from_field_text(f.file, g));
            report.removed += 1;
        }
        let t = Instant::now();
        w.commit()?;
        if report.updated + report.removed > 0 {
            // The run's own deletions apply at its commit: the text records
            // they left without a live section go in a second one.
            w.delete_query(orphan_texts(store))?;
            w.commit()?;
        }
        report.stages.commit = t.elapsed().as_secs_f64();
        let t = Instant::now();
        w.wait_merging_threads()?;
        report.stages.merge = t.elapsed().as_secs_f64();
    }
    // Also after a run that changed nothing: an index written by an older
    // pia gets its numbering. Only a cache: where it cannot be written (an
    // index directory others made read-only) searches number the files
    // themselves, so the run does not fail for it.
    let _ = store.save_numbering();
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// The index writer of a run that changes something. Its first operation
/// deletes the text records left without a live section
/// ([`texts::OrphanTexts`]) by a run that ended before its own clean-up
/// (the run deletes those it made after its commit).
fn open_writer(store: &Store, budget: &Budget) -> Result<IndexWriter> {
    let w = store.writer(budget)?;
    w.delete_query(orphan_texts(store))?;
    Ok(w)
}

/// The delete query of text records without a live section.
fn orphan_texts(store: &Store) -> Box<texts::OrphanTexts> {
    Box::new(texts::OrphanTexts {
        kind: store.fields.kind,
    })
}

/// Which side segments the word field with lindera, its costliest analysis:
/// the parsing threads ahead of tantivy ([`analysis::segment_ahead`]), or
/// tantivy's own tokenizer. Whichever side waits for the other should do
/// it: on prose that repeats, parsing is the slower side (one thread,
/// plain corpus: the writer waited for parsing 10.7 of 11.5 s); on unique
/// prose, tantivy is. Kept as the quarters of a batch's files that are
/// segmented ahead (0–4), moved one quarter as each batch arrives: up when
/// tantivy still has more than [`WordBalance::LAG`] sections per thread of
/// the earlier ones to analyse, down when it has (nearly) caught up, as it
/// then waits for parsing. Both give the same index: spans depend on the
/// text only.
struct WordBalance {
    share: AtomicUsize,
    /// Sections tantivy may have in hand before it counts as lagging.
    lag: u64,
}

impl WordBalance {
    /// Sections per indexing thread (a few hundredths of a second of
    /// tantivy's work on one thread) still queued when the next batch
    /// arrives before tantivy counts as the slower side.
    const LAG: u64 = 500;

    fn new(threads: usize) -> Self {
        Self {
            share: AtomicUsize::new(4),
            lag: Self::LAG * threads as u64,
        }
    }

    /// Whether the `i`-th file of a batch is segmented ahead.
    fn ahead(&self, i: usize) -> bool {
        i % 4 < self.share.load(Ordering::Relaxed)
    }

    /// As a batch arrives: tantivy has `queued` sections handed over but
    /// not yet analysed.
    fn update(&self, queued: u64) {
        let share = self.share.load(Ordering::Relaxed);
        let next = if queued > self.lag {
            (share + 1).min(4)
        } else {
            share.saturating_sub(1)
        };
        self.share.store(next, Ordering::Relaxed);
    }
}

/// Consecutive runs of `files` of at most `bytes` in all (at least one file each).
/// The first batch is an eighth of that and each next one twice the last,
/// up to `bytes`: tantivy's threads idle until the first batch is parsed
/// (0.7 s of 7.3 at 16 threads over 256 MiB with full-size batches).
fn batches(files: &[InputFile], bytes: u64) -> impl Iterator<Item = &[InputFile]> {
    let mut rest = files;
    let mut size = (bytes / 8).max(1);
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut sum = 0u64;
        let n = rest
            .iter()
            .take_while(|f| {
                sum += f.size;
                sum <= size
            })
            .count()
            .max(1);
        let (batch, tail) = rest.split_at(n);
        rest = tail;
        size = (size * 2).min(bytes);
        Some(batch)
    })
}

fn progress_bar(wanted: bool, len: u64) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed_precise} eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// File name as stored: relative to the indexed root, `/`-separated.
fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    if s.is_empty() {
        path.file_name()
            .map_or_else(|| s.clone(), |n| n.to_string_lossy().into_owned())
    } else {
        s
    }
}

/// Reads, hashes, decodes and parses one file; `Ok(None)` when unchanged.
fn prepare(
    root: &Path,
    path: &Path,
    kind: InputKind,
    existing: &HashMap<String, String>,
    fields: &Fields,
    segment_ahead: bool,
) -> Result<Option<Prepared>, FileProblem> {
    let problem = |reason: String| FileProblem {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| problem(format!("cannot read: {e}")))?;
    let hash = content_hash(&bytes);
    let rel = relative_name(root, path);
    if existing.get(&rel) == Some(&hash) {
        return Ok(None);
    }
    let text = ingest::text_of(path, kind, &bytes).map_err(|e| problem(e.to_string()))?;
    let doc = parse::parse_document(&text);
    let norms: Vec<_> = doc
        .sections
        .iter()
        .map(|s| (fold_cached(&s.body), fold_cached(&s.choices)))
        .collect();
    let (docs, texts) = documents(fields, &rel, &hash, &doc, &norms)
        .map_err(|e| problem(format!("cannot encode its metadata: {e}")))?;
    // The word field's segmentation, here on the parsing threads rather
    // than on tantivy's: lindera is the costliest part of analysis, and
    // tantivy's threads were the slower side (unique prose, 1 thread: 30.5
    // → 22.7 s). Only once the documents exist, as each announced text must
    // be indexed once or its spans stay in memory.
    if segment_ahead {
        for (body, _) in &norms {
            if !body.is_empty() {
                analysis::segment_ahead(body);
            }
        }
    }
    Ok(Some(Prepared {
        rel,
        bytes: bytes.len() as u64,
        docs,
        texts,
        ahead: segment_ahead,
        recognised: doc.meta.form != FormType::Unknown,
    }))
}

/// Identity of what a file contributes to the index: its bytes and the code
/// that parsed them, so an upgraded parser re-indexes unchanged files.
fn content_hash(bytes: &[u8]) -> String {
    format!(
        "{}-{}",
        blake3::hash(bytes).to_hex(),
        env!("PIA_ANALYSIS_FINGERPRINT")
    )
}

/// Map file → content hash of what the last commit holds, read from the
/// `file` and `hash` columns of the per-file records: reading them from the
/// document store instead touches a store block per file, which made an
/// unchanged re-run of a national corpus map over a GiB of it.
fn indexed_hashes(store: &Store) -> Result<HashMap<String, String>> {
    let reader = store.reader()?;
    let searcher = reader.searcher();
    let kind = Term::from_field_text(store.fields.kind, KIND_DOC);
    let mut out = HashMap::new();
    for seg in searcher.segment_readers() {
        let columns = seg.fast_fields();
        let (Some(files), Some(hashes)) = (columns.str("file")?, columns.str("hash")?) else {
            // A segment without file records (only sections) has no hash column.
            continue;
        };
        let Some(mut docs) = seg
            .inverted_index(store.fields.kind)?
            .read_postings(&kind, IndexRecordOption::Basic)?
        else {
            continue;
        };
        let (mut file, mut hash) = (String::new(), String::new());
        let mut doc = docs.doc();
        while doc != TERMINATED {
            let ords = (files.term_ords(doc).next(), hashes.term_ords(doc).next());
            if let (false, (Some(f), Some(h))) = (seg.is_deleted(doc), ords) {
                file.clear();
                hash.clear();
                files.ord_to_str(f, &mut file)?;
                hashes.ord_to_str(h, &mut hash)?;
                out.insert(file.clone(), hash.clone());
            }
            doc = docs.advance();
        }
    }
    Ok(out)
}

/// What the index knows of one source file.
#[derive(Debug, Clone, Serialize)]
pub struct DocRecord {
    /// File name relative to the indexed directory.
    pub file: String,
    /// Content hash (blake3, hex).
    pub hash: String,
    /// Cover facts.
    pub meta: DocMeta,
}

/// Every file record of the last commit, sorted by file name (for `pia docs`
/// and incremental indexing).
pub fn doc_records(store: &Store) -> Result<Vec<DocRecord>> {
    let reader = store.reader()?;
    let searcher = reader.searcher();
    let f = store.fields;
    let q = TermQuery::new(
        Term::from_field_text(f.kind, KIND_DOC),
        IndexRecordOption::Basic,
    );
    let addrs = searcher.search(&q, &DocSetCollector)?;
    let mut out = read_stored(&searcher, addrs, |d| {
        let get = |field| {
            d.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        DocRecord {
            file: get(f.file),
            hash: get(f.hash),
            meta: serde_json::from_str(&get(f.meta)).unwrap_or_default(),
        }
    })?;
    out.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(out)
}

/// Score multiplier of a section. Change history and the table of contents
/// repeat other sections' wording, so they rank below current content; among
/// sections of one document, earlier ones rank a little higher, because a
/// document names a thing first where it defines it (システムの名称 before
/// the risk measures that mention it).
pub fn section_weight(s: &Section, ordinal: usize, count: usize) -> f64 {
    let top = s.path.top();
    let base = if top.contains("変更箇所") {
        0.3
    } else if top.contains("項目一覧") {
        0.05
    } else {
        1.0
    };
    base * (1.0 - 0.3 * ordinal as f64 / count.max(1) as f64)
}

/// The tantivy documents of one parsed file: its record (with the content
/// hash that incremental runs compare), then its sections in order, each
/// with its text for the text record ([`Batch`]).
fn documents(
    f: &Fields,
    rel: &str,
    hash: &str,
    doc: &ParsedDoc,
    norms: &[(Arc<str>, Arc<str>)],
) -> Result<(Vec<TantivyDocument>, Vec<SectionText>)> {
    let meta = &doc.meta;
    let meta_json = serde_json::to_string(meta)?;
    let opt_fold = |o: Option<&str>| o.map(fold).unwrap_or_default();
    let municipality = opt_fold(meta.municipality.as_ref().map(|m| m.0.as_str()));
    let prefecture = opt_fold(meta.prefecture.as_ref().map(|m| m.0.as_str()));
    let affair = opt_fold(meta.affair.as_deref());
    let form = meta.form.name();
    let common = |mut d: TantivyDocument| {
        d.add_text(f.file, rel);
        d.add_text(f.municipality, &municipality);
        d.add_text(f.prefecture, &prefecture);
        d.add_text(f.affair, &affair);
        d.add_text(f.form, form);
        d.add_text(f.meta, &meta_json);
        d
    };
    let mut out = Vec::with_capacity(doc.sections.len() + 1);
    let mut texts = Vec::with_capacity(doc.sections.len());
    // Only the per-file record carries the file's content hash (incremental
    // indexing).
    // It has a value in the numeric columns that sections have (weight,
    // length, ordinal), so that they are dense: tantivy reads a column that
    // some documents lack through a rank lookup (3.6 % of a ranked pass
    // with exact totals). `body_hash` is on text records only.
    out.push(common(doc!(
        f.kind => KIND_DOC,
        f.hash => hash,
        f.ordinal => 0u64,
        f.weight => weight_to_column(0.0),
        f.body_chars => 0u64,
    )));
    for (i, (s, (norm, choices_norm))) in doc.sections.iter().zip(norms).enumerate() {
        let weight = weight_to_column(section_weight(s, i, doc.sections.len()));
        let hash = body_hash(norm);
        let text = SectionText {
            hash,
            key: if choices_norm.is_empty() {
                hash
            } else {
                hash ^ body_hash(choices_norm).rotate_left(1)
            },
            norm: norm.clone(),
            choices: choices_norm.clone(),
            weight,
            chars: norm.chars().count() as u64,
        };
        let mut d = common(doc!(
            f.kind => KIND_SECTION,
            f.path => s.path.to_string(),
            f.facet => path_facet(&s.path.0),
            f.top => s.path.top(),
            f.key => s.key.0.as_str(),
            f.body => s.body.as_str(),
            f.ordinal => i as u64,
            f.weight => weight,
        ));
        d.add_u64(f.body_chars, text.chars);
        texts.push(text);
        if !s.choices.is_empty() {
            d.add_text(f.choices, &s.choices);
        }
        if let Some(v) = &s.value {
            d.add_text(f.value, v);
        }
        if let Some(b) = &s.file {
            d.add_text(f.block, b);
        }
        out.push(d);
    }
    Ok((out, texts))
}

/// The facet of a section path; `/` inside a label becomes `／` so it cannot
/// split a component.
pub fn path_facet(parts: &[String]) -> Facet {
    if parts.is_empty() {
        return Facet::root();
    }
    Facet::from_path(parts.iter().map(|p| p.replace('/', "／")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(size: u64) -> InputFile {
        InputFile {
            path: PathBuf::from("x.txt"),
            kind: InputKind::Text,
            size,
        }
    }

    #[test]
    fn words_move_to_the_side_that_waits() {
        let b = WordBalance::new(2);
        let ahead = |b: &WordBalance| (0..8).filter(|&i| b.ahead(i)).count();
        // At first the parsing threads segment every file ahead.
        assert_eq!(ahead(&b), 8);
        // tantivy caught up before the batch came: parsing is slower, so
        // tantivy's tokenizer takes a quarter more of the files each time.
        b.update(0);
        assert_eq!(ahead(&b), 6);
        for _ in 0..5 {
            b.update(2 * WordBalance::LAG);
        }
        assert_eq!(ahead(&b), 0, "never below none");
        // tantivy lags by more than LAG sections per thread: back to parsing.
        b.update(2 * WordBalance::LAG + 1);
        assert_eq!(ahead(&b), 2);
        for _ in 0..9 {
            b.update(u64::MAX);
        }
        assert_eq!(ahead(&b), 8, "never above all");
    }

    #[test]
    fn batches_hold_at_most_the_budget_and_at_least_one_file() {
        let files: Vec<InputFile> = [5, 5, 5, 5, 20, 1, 2, 3].into_iter().map(file).collect();
        let sizes: Vec<Vec<u64>> = batches(&files, 40)
            .map(|b| b.iter().map(|f| f.size).collect())
            .collect();
        // Budgets 5, 10, 20, 40, 40: the first batches ramp up.
        assert_eq!(sizes, vec![vec![5], vec![5, 5], vec![5], vec![20, 1, 2, 3]]);
        let sizes: Vec<Vec<u64>> = batches(&files, 8)
            .map(|b| b.iter().map(|f| f.size).collect())
            .collect();
        assert_eq!(
            sizes,
            vec![vec![5], vec![5], vec![5], vec![5], vec![20], vec![1, 2, 3]]
        );
    }

    #[test]
    fn budget_out_of_range_is_a_clear_error() {
        let opts = |memory_mib| IndexOptions {
            threads: 2,
            progress: false,
            memory_mib,
        };
        let e = opts(8).budget().unwrap_err().to_string();
        assert!(e.contains("32–4096 MiB per thread"), "{e}");
        let b = opts(256).budget().unwrap();
        assert_eq!(b.arena, 96 << 20);
        assert_eq!(b.memos, 128 << 20);
    }
}
