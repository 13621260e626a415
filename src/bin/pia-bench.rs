//! `pia-bench`: measurements for `bench/run.sh`, printed as the TSV rows of the
//! shared benchmark kit (`../shared/bench/benchlib.py`) so that pia sits in
//! the same tables as SQLite FTS5, Groonga and ripgrep.
//!
//! * `queries`: opens the index once and times each query in-process
//!   (median of `--repeat` warm rounds after one warm-up round);
//! * `build-row`: the `build` row of an index built from a corpus;
//! * `space`: bytes per index component and field (where the size goes);
//! * `check`: the engine's document counts against a brute-force scan of the
//!   stored section texts with the normative definition;
//! * `stages`: one thread's seconds per ingest stage before tantivy (read,
//!   decode, parse, normalise, segment words), to show where parsing goes.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use tantivy::schema::Value;
use tantivy::{DocSet, TantivyDocument, TERMINATED};

use pia_search::index::store::Store;
use pia_search::normalize::fold;
use pia_search::query::count::{matching_files, FileCounter};
use pia_search::query::filter::Filters;
use pia_search::query::search;
use pia_search::query::syntax::UserQuery;
use pia_search::query::topk::EXACT_TOTAL;
use pia_search::query::SearchRequest;

#[derive(Parser)]
#[command(name = "pia-bench", about = "Benchmark rows for bench/run.sh")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Time every query of FILE in-process; print `query` rows.
    Queries {
        /// Queries, one per line (`#` lines and blank lines ignored).
        file: PathBuf,
        #[arg(long)]
        index: PathBuf,
        /// Corpus label (column `corpus`).
        #[arg(long)]
        corpus: String,
        /// Timed rounds after the warm-up round.
        #[arg(long, default_value_t = 10)]
        repeat: usize,
        /// Also time the ranked top-10 search with snippets (`pia search`).
        #[arg(long)]
        top10: bool,
        /// Sections that cannot rank a top-10 search still checks for exact
        /// totals (`pia search` uses 10000; `--exact-totals` all). Rows of
        /// another value are labelled `top10-exactN`.
        #[arg(long, default_value_t = EXACT_TOTAL)]
        exact_up_to: usize,
        /// Time only the top-10 search (the counts are taken once, for the
        /// `hits` column): a profile of the ranked pass then shows nothing
        /// else.
        #[arg(long, requires = "top10")]
        only_top10: bool,
    },
    /// Print the `build` row of an index built from CORPUS in BUILD_S seconds.
    BuildRow {
        /// The corpus directory that was indexed.
        corpus: PathBuf,
        #[arg(long)]
        index: PathBuf,
        /// Wall time of the build.
        #[arg(long)]
        build_s: f64,
        /// Free text for the `notes` column.
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Bytes per index component and field.
    Space {
        #[arg(long)]
        index: PathBuf,
    },
    /// Compare document counts with a brute-force scan of the stored sections.
    Check {
        /// Queries file.
        file: PathBuf,
        #[arg(long)]
        index: PathBuf,
    },
    /// One thread's seconds per ingest stage before tantivy, over a corpus.
    Stages {
        /// Corpus directory (or one file).
        corpus: PathBuf,
        /// Passes over the corpus; the fastest is printed (later passes hit
        /// the memos the way repeated prose does in a large corpus).
        #[arg(long, default_value_t = 1)]
        repeat: usize,
    },
}

fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Queries {
            file,
            index,
            corpus,
            repeat,
            top10,
            exact_up_to,
            only_top10,
        } => queries(
            &file,
            &index,
            &corpus,
            repeat.max(1),
            top10.then_some(exact_up_to),
            only_top10,
        ),
        Cmd::BuildRow {
            corpus,
            index,
            build_s,
            notes,
        } => build_row(&corpus, &index, build_s, &notes),
        Cmd::Space { index } => space(&index),
        Cmd::Check { file, index } => check(&file, &index),
        Cmd::Stages { corpus, repeat } => stages(&corpus, repeat.max(1)),
    }
}

/// Queries of a file, as the peers' harnesses read them.
fn read_queries(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// A request for one benchmark query: the whole line is one phrase, as the
/// peers search it (`"Q"`), no filters.
fn request(q: &str, limit: usize) -> Result<SearchRequest> {
    Ok(SearchRequest {
        query: UserQuery::parse(&format!("\"{q}\""))?,
        filters: Filters::default(),
        limit,
        exact_up_to: EXACT_TOTAL,
        include_choices: false,
    })
}

/// Timing statistics in the kit's format.
struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    Stats {
        median,
        min: v[0],
        max: v[n - 1],
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// `top10`: time the ranked top 10 too, with this exact-count budget;
/// `only_top10`: time nothing else.
fn queries(
    file: &Path,
    index: &Path,
    corpus: &str,
    repeat: usize,
    top10: Option<usize>,
    only_top10: bool,
) -> Result<()> {
    let qs = read_queries(file)?;
    let store = Store::open(index)?;
    let reader = store.reader()?;
    let searcher = reader.searcher();
    let f = store.fields;
    // Per index snapshot, as a server keeps it (and the top-10 searches
    // below use); fails, naming the cause, on an index without the columns.
    let counter = FileCounter::of(&store, &searcher)?;
    // One warm-up round over all queries, then `repeat` timed rounds, like the peers.
    let count = |q: &str| -> Result<usize> { counter.count(&searcher, &f, &request(q, 10)?) };
    let mut hits = vec![0usize; qs.len()];
    let mut first = vec![0f64; qs.len()];
    let mut times = vec![Vec::new(); qs.len()];
    for (i, q) in qs.iter().enumerate() {
        let t = Instant::now();
        hits[i] = count(q)?;
        first[i] = ms(t);
    }
    let count_rounds = if only_top10 { 0 } else { repeat };
    for _ in 0..count_rounds {
        for (i, q) in qs.iter().enumerate() {
            let t = Instant::now();
            let h = count(q)?;
            times[i].push(ms(t));
            if h != hits[i] {
                bail!("{q}: {h} hits, earlier {}", hits[i]);
            }
        }
    }
    println!(
        "#query\ttool\tvariant\tcorpus\tquery\thits\tmedian_ms\tmin_ms\tmax_ms\tfirst_ms\truns"
    );
    let row = |variant: &str, i: usize, first: f64, t: &[f64]| {
        let s = stats(t.to_vec());
        println!(
            "query\tpia\t{variant}\t{corpus}\t{}\t{}\t{:.4}\t{:.4}\t{:.4}\t{:.4}\t{}",
            qs[i],
            hits[i],
            s.median,
            s.min,
            s.max,
            first,
            t.len()
        );
    };
    if !only_top10 {
        for i in 0..qs.len() {
            row("count", i, first[i], &times[i]);
        }
    }
    if let Some(exact_up_to) = top10 {
        // What `pia search` does after opening the index: ranked top 10 with
        // snippets (re-opens a reader per search, as the library call does).
        let ranked = |q: &str| -> Result<SearchRequest> {
            Ok(SearchRequest {
                exact_up_to,
                ..request(q, 10)?
            })
        };
        let variant = if exact_up_to == EXACT_TOTAL {
            "top10".to_string()
        } else {
            format!("top10-exact{exact_up_to}")
        };
        let mut first = vec![0f64; qs.len()];
        let mut times = vec![Vec::new(); qs.len()];
        for (i, q) in qs.iter().enumerate() {
            let t = Instant::now();
            search::search(&store, &ranked(q)?)?;
            first[i] = ms(t);
        }
        for _ in 0..repeat {
            for (i, q) in qs.iter().enumerate() {
                let t = Instant::now();
                search::search(&store, &ranked(q)?)?;
                times[i].push(ms(t));
            }
        }
        for i in 0..qs.len() {
            row(&variant, i, first[i], &times[i]);
        }
    }
    Ok(())
}

/// Allocated bytes of a file (blocks, as `du` counts).
fn allocated(path: &Path) -> Result<u64> {
    use std::os::unix::fs::MetadataExt;
    Ok(std::fs::metadata(path)?.blocks() * 512)
}

fn build_row(corpus: &Path, index: &Path, build_s: f64, notes: &str) -> Result<()> {
    let mut docs = 0u64;
    let mut corpus_bytes = 0u64;
    for e in std::fs::read_dir(corpus)? {
        let e = e?;
        if e.file_name().to_string_lossy().ends_with(".txt") && e.file_type()?.is_file() {
            docs += 1;
            corpus_bytes += e.metadata()?.len();
        }
    }
    let (mut index_bytes, mut store_bytes) = (0u64, 0u64);
    for e in std::fs::read_dir(index)? {
        let e = e?;
        if !e.file_type()?.is_file() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let a = allocated(&e.path())?;
        store_bytes += a;
        // Search structures: segment components except the document store.
        let is_segment_part = name.len() > 33 && name.as_bytes()[32] == b'.';
        if is_segment_part && !name.ends_with(".store") {
            index_bytes += a;
        }
    }
    let label = corpus
        .canonicalize()?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mib = corpus_bytes as f64 / 1048576.0;
    println!("#build\ttool\tvariant\tcorpus\tdocs\tcorpus_bytes\tbuild_s\tmib_per_s\tindex_bytes\tindex_ratio\tstore_bytes\tnotes");
    println!(
        "build\tpia\ttantivy-lindera\t{label}\t{docs}\t{corpus_bytes}\t{build_s:.2}\t{:.2}\t{index_bytes}\t{:.4}\t{store_bytes}\t{notes}",
        mib / build_s,
        index_bytes as f64 / corpus_bytes as f64
    );
    Ok(())
}

fn space(index: &Path) -> Result<()> {
    let store = Store::open(index)?;
    let searcher = store.reader()?.searcher();
    let u = searcher.space_usage()?;
    println!("total {} bytes, {} segments", u.total(), u.segments().len());
    let mut per: std::collections::BTreeMap<String, u64> = Default::default();
    for seg in u.segments() {
        let parts = [
            ("termdict", seg.termdict()),
            ("postings", seg.postings()),
            ("positions", seg.positions()),
            ("fast", seg.fast_fields()),
            ("fieldnorms", seg.fieldnorms()),
        ];
        for (kind, p) in parts {
            for fu in p.fields() {
                *per.entry(format!("{kind}\t{}", fu.field_name()))
                    .or_default() += fu.total().get_bytes();
            }
        }
        *per.entry("store\t*".into()).or_default() += seg.store().total().get_bytes();
    }
    for (k, v) in per {
        println!("{k}\t{v}");
    }
    Ok(())
}

fn check(file: &Path, index: &Path) -> Result<()> {
    let qs = read_queries(file)?;
    let store = Store::open(index)?;
    let searcher = store.reader()?.searcher();
    let f = store.fields;
    // Every section's folded body, read back from the store.
    let mut sections: Vec<(String, String)> = Vec::new();
    for (ord, seg) in searcher.segment_readers().iter().enumerate() {
        let alive = seg.alive_bitset();
        let mut docs = seg.inverted_index(f.kind)?.read_postings(
            &tantivy::Term::from_field_text(f.kind, pia_search::index::schema::KIND_SECTION),
            tantivy::schema::IndexRecordOption::Basic,
        )?;
        let Some(postings) = docs.as_mut() else {
            continue;
        };
        let mut d = postings.doc();
        while d != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(d)) {
                let doc: TantivyDocument = searcher.doc(tantivy::DocAddress::new(ord as u32, d))?;
                let get = |field| {
                    doc.get_first(field)
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_string()
                };
                sections.push((get(f.file), fold(&get(f.body))));
            }
            d = postings.advance();
        }
    }
    println!("#check\tquery\tengine_docs\tbrute_docs\tequal");
    let mut bad = 0;
    for q in &qs {
        let engine = matching_files(&searcher, &f, &request(q, 10)?)?;
        let n = fold(q);
        let brute: HashSet<&str> = sections
            .iter()
            .filter(|(_, b)| b.contains(&n))
            .map(|(file, _)| file.as_str())
            .collect();
        let ok = engine == brute.len();
        bad += usize::from(!ok);
        println!("check\t{q}\t{engine}\t{}\t{ok}", brute.len());
    }
    if bad > 0 {
        bail!("{bad} queries differ");
    }
    Ok(())
}

/// Seconds per stage of one pass of `prepare` over `corpus` on this thread:
/// where the parsing side of an ingest goes, without tantivy's threads
/// competing for the cores.
fn stages(corpus: &Path, repeat: usize) -> Result<()> {
    use pia_search::index::analysis;
    use pia_search::ingest::{self, walk};
    let files = walk::walk(corpus, &walk::WalkOptions::default()).files;
    let mut best: Option<[f64; 5]> = None;
    let mut bytes = 0u64;
    for _ in 0..repeat {
        let mut t = [0f64; 5];
        bytes = 0;
        for f in &files {
            let mut lap = Instant::now();
            let mut stage = |i: usize| {
                t[i] += lap.elapsed().as_secs_f64();
                lap = Instant::now();
            };
            let raw = std::fs::read(&f.path).with_context(|| f.path.display().to_string())?;
            bytes += raw.len() as u64;
            stage(0);
            let Ok(text) = ingest::text_of(&f.path, f.kind, &raw) else {
                continue;
            };
            stage(1);
            let doc = pia_search::parse::parse_document(&text);
            stage(2);
            let norms: Vec<_> = doc
                .sections
                .iter()
                .map(|s| analysis::fold_cached(&s.body))
                .collect();
            stage(3);
            for n in &norms {
                std::hint::black_box(analysis::words(n).len());
            }
            stage(4);
        }
        if best.is_none_or(|b| t.iter().sum::<f64>() < b.iter().sum::<f64>()) {
            best = Some(t);
        }
    }
    let t = best.unwrap_or_default();
    let mib = bytes as f64 / (1 << 20) as f64;
    println!("#stage\tseconds\tshare\tmib_per_s");
    let total: f64 = t.iter().sum();
    for (name, s) in ["read", "decode", "parse", "normalise", "words"]
        .iter()
        .zip(t)
    {
        println!("{name}\t{s:.3}\t{:.1}%\t{:.1}", 100.0 * s / total, mib / s);
    }
    println!("total\t{total:.3}\t100%\t{:.1}", mib / total);
    Ok(())
}
