//! Evaluation against a gold set (`gold.tsv`): which files each query hits and
//! whether the engine's best hit in each expected file sits in the expected
//! section. Shared by `pia eval` and the tests, so both measure the same thing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::index::store::Store;
use crate::model::SectionPath;
use crate::normalize::fold;
use crate::query::filter::Filters;
use crate::query::search::{self, Hit};
use crate::query::syntax::UserQuery;
use crate::query::SearchRequest;

/// One row of the gold set.
#[derive(Debug, Clone, Serialize)]
pub struct GoldRow {
    /// Row id (`p01`).
    pub id: String,
    /// phrase, contractor, section, compare, negative, normalization.
    pub kind: String,
    /// The query as written (may carry a bracketed filter or `compare: `).
    pub query: String,
    /// Expected files, by seed prefix (`000`).
    pub files: BTreeSet<String>,
    /// Expected section paths (` | ` alternatives, `000:` prefixes).
    pub section: String,
}

/// Seed prefix (`000`) of a file name: gold.tsv names files by it.
pub fn seed_of(file: &str) -> String {
    file.rsplit('/')
        .next()
        .unwrap_or(file)
        .chars()
        .take(3)
        .collect()
}

impl GoldRow {
    /// Expected section paths for one seed (`000`).
    pub fn expected_paths(&self, seed: &str) -> Vec<SectionPath> {
        let mut out = Vec::new();
        for alt in self
            .section
            .split(" | ")
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            match alt.split_once(": ") {
                Some((pre, path)) if is_seed_list(pre) => {
                    if pre.split('/').any(|s| s == seed) {
                        out.push(SectionPath::parse(path));
                    }
                }
                _ => out.push(SectionPath::parse(alt)),
            }
        }
        out
    }

    /// The phrase to search and the section filter the row asks for, if it
    /// is a search row (not `compare`).
    pub fn search_spec(&self) -> Option<(String, Option<String>)> {
        if self.kind == "compare" {
            return None;
        }
        let q = self.query.trim();
        if let Some((phrase, bracket)) = q.split_once(" [") {
            return Some((phrase.to_string(), bracket_filter(bracket)));
        }
        if let Some((phrase, _note)) = q.split_once(" (") {
            // `委託先名 (values of the contractor-name field)`: the field itself.
            return Some((
                phrase.to_string(),
                Some(format!("file.entrust.N.{}", field_key(phrase)?)),
            ));
        }
        Some((q.to_string(), None))
    }
}

fn is_seed_list(s: &str) -> bool {
    s.split('/')
        .all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// The `--section` value for the English notes of the gold set's brackets.
fn bracket_filter(bracket: &str) -> Option<String> {
    let b = bracket.trim_end_matches(']');
    Some(
        match b {
            _ if b.starts_with("risk-measure") => "risk",
            _ if b.contains("変更箇所") => "変更箇所",
            _ if b.starts_with('Ⅰ') => "Ⅰ",
            _ if b.starts_with("document type") => "表紙",
            _ => return None,
        }
        .to_string(),
    )
}

/// Canonical key leaf of the 委託 fields named in the gold set's notes.
fn field_key(label: &str) -> Option<&'static str> {
    match label {
        "委託先名" => Some("contractor"),
        "再委託の許諾方法" => Some("subcontract_approval"),
        _ => None,
    }
}

/// The gold set shipped beside the crate (`../shared/eval/gold.tsv`), else
/// the copy in `tests/data`.
pub fn default_gold_path() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared/eval/gold.tsv");
    if shared.is_file() {
        shared
    } else {
        root.join("tests/data/gold.tsv")
    }
}

/// Reads a gold.tsv file.
pub fn load_gold(path: &Path) -> Result<Vec<GoldRow>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
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
                    .map(seed_of)
                    .collect(),
                section: get(4),
            }
        })
        .collect())
}

/// Whether two paths agree on their first `depth` components (after
/// normalisation; `委託事項N` in the expected path matches any number).
pub fn same_prefix(got: &SectionPath, want: &SectionPath, depth: usize) -> bool {
    let (g, w) = (got.parts(), want.parts());
    if g.len() < depth.min(w.len()) {
        return false;
    }
    g.iter().zip(w).take(depth).all(|(a, b)| component_eq(a, b))
}

fn component_eq(got: &str, want: &str) -> bool {
    let (g, w) = (fold(got), fold(want));
    if g == w {
        return true;
    }
    match w.strip_suffix('N') {
        Some(stem) => g
            .strip_prefix(stem)
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())),
        None => false,
    }
}

/// Correct counts at the three levels the parser is judged on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Levels {
    /// (row, file) pairs checked.
    pub pairs: usize,
    /// Top-level section right.
    pub top: usize,
    /// Numbered level (first two components) right.
    pub numbered: usize,
    /// Whole path right.
    pub full: usize,
    /// Some hit in the file (not only the best) has the whole path right.
    pub any: usize,
}

/// Outcome of one (row, expected file) pair.
#[derive(Debug, Clone, Serialize)]
pub struct PairResult {
    /// Gold row id.
    pub id: String,
    /// Seed prefix.
    pub seed: String,
    /// Path of the engine's best hit in that file (None: no hit).
    pub got: Option<String>,
    /// Expected alternatives.
    pub expected: Vec<String>,
    /// Whole path right.
    pub ok: bool,
}

/// Evaluation result: file-set agreement per row and section accuracy.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    /// Rows whose hit files equal the expected files.
    pub files_ok: Vec<String>,
    /// Rows whose hit files differ: (id, expected, got).
    pub files_wrong: Vec<(String, Vec<String>, Vec<String>)>,
    /// Section accuracy per seed.
    pub per_seed: BTreeMap<String, Levels>,
    /// Every checked pair.
    pub pairs: Vec<PairResult>,
}

impl EvalReport {
    /// Totals over all seeds.
    pub fn total(&self) -> Levels {
        let mut t = Levels::default();
        for l in self.per_seed.values() {
            t.pairs += l.pairs;
            t.top += l.top;
            t.numbered += l.numbered;
            t.full += l.full;
            t.any += l.any;
        }
        t
    }
}

/// Every hit of one phrase under an optional `--section` filter.
pub fn hits_for(store: &Store, phrase: &str, section: Option<String>) -> Result<Vec<Hit>> {
    let req = SearchRequest {
        query: UserQuery::phrase(phrase),
        filters: Filters {
            section,
            ..Default::default()
        },
        limit: 100_000,
        include_choices: false,
        exact_up_to: crate::query::topk::EXACT_TOTAL,
    };
    Ok(search::search(store, &req)?.hits)
}

/// Runs every row of the gold set (search rows through search, compare rows
/// through `compare`) and scores file sets and section paths.
pub fn evaluate(store: &Store, rows: &[GoldRow]) -> Result<EvalReport> {
    let mut report = EvalReport::default();
    for row in rows {
        let found: Vec<(String, String)> = match row.search_spec() {
            Some((phrase, section)) => hits_for(store, &phrase, section)?
                .into_iter()
                .map(|h| (h.location.file, h.location.section_path))
                .collect(),
            None => {
                let item = row.query.trim_start_matches("compare:").trim();
                crate::reports::compare::compare(store, item, None, &Default::default())?
                    .entries
                    .into_iter()
                    .map(|e| (e.location.file, e.location.section_path))
                    .collect()
            }
        };
        record(&mut report, row, &found);
    }
    Ok(report)
}

/// Scores one row given the engine's ranked `(file, section path)` results.
pub fn record(report: &mut EvalReport, row: &GoldRow, hits: &[(String, String)]) {
    let got: BTreeSet<String> = hits.iter().map(|h| seed_of(&h.0)).collect();
    {
        // Compare rows may add documents that word the item differently (the
        // gold notes allow it); every expected one must be there.
        let ok = if row.kind == "compare" {
            row.files.is_subset(&got)
        } else {
            got == row.files
        };
        if ok {
            report.files_ok.push(row.id.clone());
        } else {
            report.files_wrong.push((
                row.id.clone(),
                row.files.iter().cloned().collect(),
                got.iter().cloned().collect(),
            ));
        }
    }
    for seed in &row.files {
        let expected = row.expected_paths(seed);
        if expected.is_empty() {
            continue;
        }
        let best = hits.iter().find(|h| seed_of(&h.0) == *seed);
        let path = best.map(|h| SectionPath::parse(&h.1));
        let levels = report.per_seed.entry(seed.clone()).or_default();
        levels.pairs += 1;
        let at = |depth: usize| {
            path.as_ref().is_some_and(|p| {
                expected
                    .iter()
                    .any(|e| same_prefix(p, e, depth.min(e.parts().len())))
            })
        };
        let is_expected = |p: &SectionPath| {
            expected
                .iter()
                .any(|e| p.parts().len() == e.parts().len() && same_prefix(p, e, e.parts().len()))
        };
        let full = path.as_ref().is_some_and(is_expected);
        let any = hits
            .iter()
            .filter(|h| seed_of(&h.0) == *seed)
            .any(|h| is_expected(&SectionPath::parse(&h.1)));
        levels.top += usize::from(at(1));
        levels.numbered += usize::from(at(2));
        levels.full += usize::from(full);
        levels.any += usize::from(any);
        report.pairs.push(PairResult {
            id: row.id.clone(),
            seed: seed.clone(),
            got: path.map(|p| p.to_string()),
            expected: expected.iter().map(ToString::to_string).collect(),
            ok: full,
        });
    }
}
