//! `pia`: the command line. It only parses arguments and wires the library's
//! stages (walk → decode → parse → index; query → search → present).

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};

use pia_search::index::indexer::{self, IndexOptions};
use pia_search::index::store::{self, Store};
use pia_search::ingest::{self, walk::InputKind};
use pia_search::model::FormType;
use pia_search::query::filter::{self, Filters};
use pia_search::query::syntax::UserQuery;
use pia_search::query::SearchRequest;
use pia_search::query::{count, search, topk};
use pia_search::reports::{compare, contractors, eval};
use pia_search::{parse, present};

/// Exit code when some input files could not be indexed (the rest was).
const EXIT_SOME_FAILED: u8 = 2;

#[derive(Parser)]
#[command(
    name = "pia",
    version,
    about = "Search Japanese 特定個人情報保護評価書 by phrase, section and city"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Index a directory of assessments (default: the bundled corpus/).
    Index {
        /// Directory or file to index.
        dir: Option<PathBuf>,
        #[command(flatten)]
        index: IndexArg,
        /// Indexing threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Memory budget per thread, MiB (32–4096): peak memory is about
        /// threads × this plus ~100 MiB, whatever the corpus size.
        #[arg(long, value_name = "MIB", default_value_t = indexer::DEFAULT_MEMORY_MIB)]
        memory: usize,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Search sections for words or "quoted phrases" (all parts must occur).
    Search {
        /// Query: words are ANDed; "…" is one phrase; a OR b needs either
        /// (upper case); -word excludes (`pia search 委託 -再委託`; an ASCII
        /// word: --exclude).
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        /// Exclude sections containing this phrase (repeatable).
        #[arg(long, value_name = "PHRASE")]
        exclude: Vec<String>,
        #[command(flatten)]
        index: IndexArg,
        /// Maximum number of hits (use a large value to list everything).
        #[arg(long, short = 'n', default_value_t = 10)]
        limit: usize,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        filters: FilterArgs,
        /// Also match inside choice lists (＜選択肢＞).
        #[arg(long)]
        choices: bool,
        /// One hit per document: its best section (with --limit, documents).
        #[arg(long)]
        per_file: bool,
        /// Count every match exactly, however many (a wide query otherwise
        /// stops checking sections that cannot rank after 10,000 and prints
        /// its totals as lower bounds, "10000+").
        #[arg(long)]
        exact_totals: bool,
        /// Instead of hits, where the matches sit: matching sections under
        /// each section one level below --section (or under each top
        /// level), most first. Run again with --section set to a line's
        /// path to go a level deeper.
        #[arg(long = "where")]
        where_: bool,
    },
    /// List the indexed documents with their metadata.
    Docs {
        #[command(flatten)]
        index: IndexArg,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// List contractors (委託先), or every document that names one.
    Contractors {
        /// Organisation to look up (aliases and spelling variants fold).
        name: Option<String>,
        #[command(flatten)]
        index: IndexArg,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// Extra alias table (lines of canonical name, tab, aliases…), added to the bundled one
        /// (default: $PIA_ALIASES).
        #[arg(long, env = "PIA_ALIASES")]
        aliases: Option<PathBuf>,
        /// Match only the name as given, not its aliases.
        #[arg(long)]
        no_aliases: bool,
    },
    /// Compare how documents word one form item (key, label or path fragment).
    Compare {
        /// The item, e.g. `従業者に対する教育・啓発` or `risk.training`.
        #[arg(required_unless_present = "list")]
        item: Option<String>,
        #[command(flatten)]
        index: IndexArg,
        /// List the comparable items with how many documents have each.
        #[arg(long)]
        list: bool,
        /// Keep documents whose field text contains this query.
        #[arg(long)]
        query: Option<String>,
        #[command(flatten)]
        filters: FilterArgs,
        /// What to print: all views as text, or with --json one object per
        /// document, per answer or per sentence cluster.
        #[arg(long, value_enum, default_value_t = present::CompareView::Documents)]
        view: present::CompareView,
        /// One JSON object per line (of the chosen --view).
        #[arg(long)]
        json: bool,
        /// Also write a self-contained side-by-side HTML report.
        #[arg(long)]
        html: Option<PathBuf>,
    },
    /// Score the engine on a gold set: file sets and section paths.
    Eval {
        /// The gold set (default: ../shared/eval/gold.tsv beside the crate, else tests/data/gold.tsv).
        gold: Option<PathBuf>,
        #[command(flatten)]
        index: IndexArg,
        /// Print every checked pair.
        #[arg(long, short)]
        verbose: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Serve the web UI and JSON API (read-only) until Ctrl-C.
    Serve {
        #[command(flatten)]
        index: IndexArg,
        /// Address to listen on (loopback: the UI has no login).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Directory the index was built from, for the original-text link
        /// (default: the bundled corpus when --index is not given).
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Open the start page in the desktop browser.
        #[arg(long)]
        open: bool,
    },
    /// Show how one file is parsed: metadata and sections.
    Show {
        /// The file.
        file: PathBuf,
        /// Print the section tree with values only.
        #[arg(long)]
        tree: bool,
        /// Print the parse as JSON.
        #[arg(long)]
        json: bool,
        /// Say for each field why it got its text (option match, adjacency,
        /// typical words …) and list the text that could not be placed.
        #[arg(long)]
        explain: bool,
    },
}

#[derive(Args)]
struct IndexArg {
    /// Index directory (default: $PIA_INDEX or target/pia-index of the crate,
    /// kept up to date with the bundled corpus).
    #[arg(long)]
    index: Option<PathBuf>,
}

#[derive(Args)]
struct FilterArgs {
    /// Keep hits whose section path starts with this prefix (`Ⅳ`, `リスク対策`,
    /// `Ⅳ > ７．`) or whose canonical key starts with it (`risk.storage`).
    #[arg(long)]
    section: Option<String>,
    /// Municipality (part of the name is enough).
    #[arg(long)]
    city: Option<String>,
    /// Prefecture.
    #[arg(long)]
    prefecture: Option<String>,
    /// Form type: 基礎, 重点 or 全項目.
    #[arg(long, value_parser = FormType::parse_user)]
    form: Option<FormType>,
    /// Affair (事務), part of the name is enough.
    #[arg(long)]
    affair: Option<String>,
}

impl FilterArgs {
    fn to_filters(&self) -> Filters {
        Filters {
            section: self.section.clone(),
            city: self.city.clone(),
            prefecture: self.prefecture.clone(),
            form: self.form,
            affair: self.affair.clone(),
        }
    }
}

impl IndexArg {
    /// Opens the named index, or brings the default one up to date with the
    /// bundled corpus first.
    fn open(&self) -> Result<Store> {
        match &self.index {
            Some(p) => Store::open(p),
            None => {
                let path = store::default_index();
                let s = Store::open_or_create(&path)?;
                let opts = IndexOptions {
                    progress: false,
                    ..Default::default()
                };
                let r = indexer::index_dir(&s, &store::default_corpus(), &opts)?;
                if r.added + r.updated + r.removed > 0 {
                    eprintln!(
                        "(indexed the bundled corpus into {}: {} files, {} sections)",
                        path.display(),
                        r.indexed(),
                        r.sections
                    );
                }
                Ok(s)
            }
        }
    }
}

/// `pia search 委託 -再委託`: a part written `-word` after `search` is the
/// exclusion the query syntax says it is. The argument parser would read
/// `-再委託` as the short options `-再`, `-委`, … and refuse it; no option
/// starts with a non-ASCII letter, so such a part becomes `--exclude=word`.
/// After `--` everything is the query's already.
fn exclusions_as_options(args: impl Iterator<Item = OsString>) -> Vec<OsString> {
    let args: Vec<OsString> = args.collect();
    if args.get(1).is_none_or(|a| a != "search") {
        return args;
    }
    let mut after_dashes = false;
    args.into_iter()
        .enumerate()
        .map(|(i, a)| {
            let s = a.to_string_lossy();
            if s == "--" {
                after_dashes = true;
            } else if i > 1 && !after_dashes {
                if let Some(word) = s.strip_prefix('-') {
                    if word.starts_with(|c: char| !c.is_ascii()) {
                        return OsString::from(format!("--exclude={word}"));
                    }
                }
            }
            a
        })
        .collect()
}

fn main() -> ExitCode {
    match run(Cli::parse_from(exclusions_as_options(std::env::args_os()))) {
        Ok(code) => code,
        // A closed pipe (`pia … | head`) is the reader's choice, not an error.
        Err(e)
            if e.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pia: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Leaves an index that a command only read to the kernel instead of
/// dropping it. Dropping unmaps every segment file on its own (about 260
/// `munmap` calls for the 40 segments of 4 GiB, each with a TLB flush on
/// every core the process ran on) before the output is flushed; at exit the
/// kernel frees the whole address space in one go. Nothing of a read-only
/// index is left unwritten: it has no writer.
fn release_at_exit(store: Store) {
    std::mem::forget(store);
}

fn run(cli: Cli) -> Result<ExitCode> {
    // Buffered: a listing of thousands of hits is one write, not one per line.
    let mut out = io::BufWriter::new(io::stdout().lock());
    match cli.cmd {
        Cmd::Index {
            dir,
            index,
            threads,
            memory,
            json,
        } => {
            let dir = dir.unwrap_or_else(store::default_corpus);
            if !dir.exists() {
                anyhow::bail!("no such file or directory: {}", dir.display());
            }
            let mut opts = IndexOptions {
                memory_mib: memory,
                ..Default::default()
            };
            if let Some(t) = threads {
                opts.threads = t;
            }
            // A bad budget is refused before an index directory is created.
            opts.budget()?;
            let path = index.index.unwrap_or_else(store::default_index);
            let s = Store::open_or_create(&path)?;
            let r = indexer::index_dir(&s, &dir, &opts)?;
            present::index_report(&mut out, &r, json)?;
            if !r.failed.is_empty() {
                return Ok(ExitCode::from(EXIT_SOME_FAILED));
            }
        }
        Cmd::Search {
            query,
            index,
            limit,
            json,
            filters,
            choices,
            per_file,
            exclude,
            exact_totals,
            where_,
        } => {
            let mut query = UserQuery::parse(&query.join(" "))?;
            for e in &exclude {
                query
                    .must_not
                    .extend(UserQuery::parse(&format!("\"{e}\""))?.must);
            }
            // The query's words need the dictionary, the rest of the search
            // the index: load both at once.
            std::thread::spawn(pia_search::index::analysis::preload);
            let s = index.open()?;
            let req = SearchRequest {
                query,
                filters: filters.to_filters(),
                limit,
                include_choices: choices,
                exact_up_to: topk::exact_up_to(exact_totals),
            };
            if where_ {
                let parent = filter::path_parts(req.filters.section.as_deref())
                    .context("--where with --section")?;
                let searcher = s.reader()?.searcher();
                let matched = count::MatchSet::of(&searcher, &s.fields, &req)?;
                let snapshot = s.snapshot(&searcher)?;
                let counts = count::below(&searcher, &s.fields, &snapshot, &matched, &parent)?;
                release_at_exit(s);
                present::section_counts(&mut out, &counts, present::Style::detect(json))?;
                return Ok(ExitCode::SUCCESS);
            }
            let res = search::search_with_hidden(&s, &req, per_file)?;
            release_at_exit(s);
            let style = present::Style::detect(json);
            present::hits(&mut out, &res, style)?;
            if json {
                if let Some(note) = res.hidden.as_ref().and_then(present::hidden_note) {
                    // After the hits, also where both streams share a terminal.
                    out.flush()?;
                    eprintln!("pia: {note}");
                }
            }
        }
        Cmd::Docs { index, json } => {
            let s = index.open()?;
            let docs = indexer::doc_records(&s)?;
            release_at_exit(s);
            present::docs(&mut out, &docs, json)?;
        }
        Cmd::Show {
            file,
            tree,
            json,
            explain,
        } => show(&mut out, &file, tree, json, explain)?,
        Cmd::Contractors {
            name,
            index,
            json,
            aliases,
            no_aliases,
        } => {
            let s = index.open()?;
            let aliases = contractors::Aliases::load(aliases.as_deref())?;
            match name {
                None => {
                    let summary = contractors::summary(&s, &aliases)?;
                    present::contractor_summary(&mut out, &summary, json)?;
                }
                Some(n) => {
                    let entries = contractors::lookup(&s, &aliases, &n, !no_aliases)?;
                    present::contractor_entries(&mut out, &entries, present::Style::detect(json))?;
                }
            }
            release_at_exit(s);
        }
        Cmd::Compare {
            item,
            index,
            list,
            query,
            filters,
            view,
            json,
            html,
        } => {
            let s = index.open()?;
            if list {
                present::compare_items(&mut out, &compare::list(&s)?, json)?;
            } else {
                let item = item.unwrap_or_default();
                let query = query.map(|q| UserQuery::parse(&q)).transpose()?;
                let c = compare::compare(&s, &item, query.as_ref(), &filters.to_filters())?;
                if let Some(path) = html {
                    std::fs::write(&path, present::html::compare_html(&c))
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                present::comparison(&mut out, &c, view, present::Style::detect(json))?;
            }
            release_at_exit(s);
        }
        Cmd::Serve {
            index,
            listen,
            corpus,
            open,
        } => {
            let corpus = corpus.or_else(|| index.index.is_none().then(store::default_corpus));
            let opts = pia_search::serve::Options {
                listen,
                corpus,
                open,
            };
            pia_search::serve::run(index.open()?, opts)?;
        }
        Cmd::Eval {
            gold,
            index,
            verbose,
            json,
        } => {
            let rows = eval::load_gold(&gold.unwrap_or_else(eval::default_gold_path))?;
            let s = index.open()?;
            let report = eval::evaluate(&s, &rows)?;
            release_at_exit(s);
            present::eval_report(&mut out, &report, verbose, json)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `pia show`: parse one file and print what the parser understood.
fn show(out: &mut impl Write, file: &Path, tree: bool, json: bool, explain: bool) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let text = ingest::text_of(file, InputKind::of(file), &bytes)
        .with_context(|| file.display().to_string())?;
    let doc = parse::parse_document(&text);
    if json {
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)?;
        return Ok(());
    }
    if explain {
        return present::explain(out, &doc);
    }
    present::parsed(out, &doc, tree)
}
