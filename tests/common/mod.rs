//! Shared test fixtures: the bundled corpus indexed once per test binary, and
//! the evaluation set (../shared/eval/gold.tsv, or the copy in tests/data).
#![allow(dead_code)]

pub mod layouts;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pia_search::index::indexer::{self, IndexOptions};
use pia_search::index::store::Store;
use pia_search::query::filter::Filters;
use pia_search::query::search::{self, Hit};
use pia_search::query::syntax::UserQuery;
use pia_search::query::SearchRequest;
use pia_search::reports::eval::{self, GoldRow};

/// The bundled corpus.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The corpus indexed into a temporary directory, once per test binary.
pub fn store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.keep();
        let store = Store::open_or_create(&path).expect("create index");
        let opts = IndexOptions {
            progress: false,
            ..Default::default()
        };
        let r = indexer::index_dir(&store, &corpus(), &opts).expect("index corpus");
        assert_eq!(r.added, 4, "all four seeds are indexed: {r:?}");
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        store
    })
}

/// Every hit of `query` (a single phrase) under `filters`.
pub fn search_all(query: &str, filters: Filters) -> Vec<Hit> {
    let req = SearchRequest {
        query: UserQuery::parse(&format!("\"{query}\"")).expect("query parses"),
        filters,
        limit: 100_000,
        include_choices: false,
        exact_up_to: pia_search::query::topk::EXACT_TOTAL,
    };
    search::search(store(), &req).expect("search").hits
}

/// Files (by seed prefix) among hits.
pub fn files(hits: &[Hit]) -> BTreeSet<String> {
    hits.iter()
        .map(|h| eval::seed_of(&h.location.file))
        .collect()
}

/// The gold set: ../shared/eval/gold.tsv when present, else the copy in tests/data.
pub fn gold_path() -> PathBuf {
    eval::default_gold_path()
}

/// The evaluation rows.
pub fn gold() -> Vec<GoldRow> {
    eval::load_gold(&gold_path()).expect("gold.tsv")
}

/// Fails the test with the command's stderr unless it exited with 0.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Parses output of `--json`: one JSON object per line.
pub fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(stdout)
        .expect("UTF-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect()
}

/// [`pia_json`] with the arguments as text.
pub fn pia_json_of(args: &[&str], dir: &Path) -> Vec<serde_json::Value> {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
    pia_json(&args, dir)
}

/// Runs `pia ARGS --json` with `$PIA_INDEX` in `dir` (the default index is
/// built there from the bundled corpus) and parses its JSON lines; panics
/// with stderr when the command fails.
pub fn pia_json(args: &[&std::ffi::OsStr], dir: &Path) -> Vec<serde_json::Value> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pia"))
        .args(args)
        .arg("--json")
        .env("PIA_INDEX", dir.join("idx"))
        .output()
        .unwrap();
    assert_success(&out);
    json_lines(&out.stdout)
}
