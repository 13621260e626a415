//! Shared test fixtures: the bundled corpus indexed once per test binary, and
//! the evaluation set (../shared/eval/gold.tsv, or the copy in tests/data).
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use pia_search::filter::Filters;
use pia_search::indexer::{self, IndexOptions};
use pia_search::query::UserQuery;
use pia_search::search::{self, Hit, SearchRequest};
use pia_search::store::Store;

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
    };
    search::search(store(), &req).expect("search").hits
}

/// Seed prefix (`000`) of a file name.
pub fn seed(file: &str) -> String {
    file.chars().take(3).collect()
}

/// Files (by seed prefix) among hits.
pub fn files(hits: &[Hit]) -> BTreeSet<String> {
    hits.iter().map(|h| seed(&h.file)).collect()
}

/// One row of gold.tsv.
#[derive(Debug, Clone)]
pub struct GoldRow {
    pub id: String,
    pub kind: String,
    pub query: String,
    pub files: BTreeSet<String>,
    pub section: String,
    pub notes: String,
}

impl GoldRow {
    /// Expected section paths for one seed (`000`), from the ` | `-separated
    /// alternatives, some prefixed `000:` or `000/002:`.
    pub fn expected_paths(&self, seed: &str) -> Vec<String> {
        let mut out = Vec::new();
        for alt in self.section.split(" | ") {
            let alt = alt.trim();
            match alt.split_once(": ") {
                Some((pre, path))
                    if pre
                        .split('/')
                        .all(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())) =>
                {
                    if pre.split('/').any(|s| s == seed) {
                        out.push(path.trim().to_string());
                    }
                }
                _ => out.push(alt.to_string()),
            }
        }
        out
    }
}

/// The evaluation rows.
pub fn gold() -> Vec<GoldRow> {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/eval/gold.tsv");
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/gold.tsv");
    let path = if shared.is_file() { shared } else { local };
    let text = std::fs::read_to_string(&path).expect("gold.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let get = |i: usize| c.get(i).copied().unwrap_or("").to_string();
            GoldRow {
                id: get(0),
                kind: get(1),
                query: get(2),
                files: get(3)
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| s.chars().take(3).collect())
                    .collect(),
                section: get(4),
                notes: get(5),
            }
        })
        .collect()
}
