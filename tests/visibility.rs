//! Nothing indexed is invisible, and nothing hidden goes untold (issue 13):
//! - every search reports how many more documents and sections match only
//!   inside choice lists (＜選択肢＞) or outside its filters, and the counts
//!   equal a brute-force scan of the parsed documents;
//! - every character of a document is findable: for random substrings of
//!   random lines of the corpus files, the engine (with choice lists) finds
//!   every file that holds the substring within one run of a line (runs are
//!   split at blanks and at brackets, where the parser may separate a field's
//!   answer `[ … ]` from its choice list `＜選択肢＞`). (That the engine
//!   finds nothing more than its sections hold is `tests/oracle.rs`; the
//!   parser may join a label and its answer printed lines apart, so a hit
//!   need not be contiguous in the file.)

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use pia_search::ingest::decode;
use pia_search::normalize::fold;
use pia_search::parse::parse_document;
use pia_search::query::count;
use pia_search::query::filter::Filters;
use pia_search::query::search;
use pia_search::query::syntax::UserQuery;
use pia_search::query::SearchRequest;

fn phrase(q: &str, include_choices: bool, filters: Filters) -> SearchRequest {
    SearchRequest {
        query: UserQuery::phrase(q),
        filters,
        limit: 1_000_000,
        include_choices,
        exact_up_to: pia_search::query::topk::EXACT_TOTAL,
    }
}

/// The bundled corpus files: name, decoded text.
fn files() -> Vec<(String, String)> {
    files_in(&common::corpus())
}

#[test]
fn choice_only_and_filtered_matches_are_counted_exactly() {
    let docs: Vec<(String, Vec<(String, String)>)> = files()
        .into_iter()
        .map(|(name, text)| {
            let secs = parse_document(&text)
                .sections
                .into_iter()
                .map(|s| (fold(&s.body), fold(&s.choices)))
                .collect();
            (name, secs)
        })
        .collect();
    let store = common::store();
    let reader = store.reader().unwrap();
    let searcher = reader.searcher();
    let mut nonzero = 0;
    for q in [
        "住民基本台帳ネットワークシステム",
        "特に力を入れている",
        "再委託",
        "課題が残されている",
        "委託しない",
        "中間サーバー",
    ] {
        let n = fold(q);
        // Brute force over the parsed sections: body matches, and sections
        // that match only in their choice list.
        let mut body_docs = BTreeSet::new();
        let mut any_docs = BTreeSet::new();
        let mut choice_only_sections = 0;
        for (file, secs) in &docs {
            for (body, choices) in secs {
                if body.contains(&n) {
                    body_docs.insert(file.clone());
                    any_docs.insert(file.clone());
                } else if choices.contains(&n) {
                    any_docs.insert(file.clone());
                    choice_only_sections += 1;
                }
            }
        }
        let h = count::hidden(
            &searcher,
            &store.fields,
            &phrase(q, false, Filters::default()),
        )
        .unwrap();
        assert_eq!(
            h.choice_only_documents,
            any_docs.len() - body_docs.len(),
            "{q}: choice-only documents"
        );
        assert_eq!(
            h.choice_only_sections, choice_only_sections,
            "{q}: sections"
        );
        assert_eq!(
            h.filtered_out_documents, 0,
            "{q}: no filter, nothing filtered"
        );
        nonzero += usize::from(h.choice_only_sections > 0);
        // With --choices nothing is hidden by choice lists.
        let h = count::hidden(
            &searcher,
            &store.fields,
            &phrase(q, true, Filters::default()),
        )
        .unwrap();
        assert_eq!((h.choice_only_documents, h.choice_only_sections), (0, 0));
        // A form filter hides the other forms' documents.
        let only = Filters {
            form: pia_search::model::FormType::from_user("基礎"),
            ..Default::default()
        };
        let shown = search::search(store, &phrase(q, false, only.clone()))
            .unwrap()
            .documents
            .unwrap();
        let h = count::hidden(&searcher, &store.fields, &phrase(q, false, only)).unwrap();
        assert_eq!(
            h.filtered_out_documents,
            body_docs.len() - shown,
            "{q}: filtered"
        );
    }
    assert!(nonzero >= 3, "the queries exercise choice lists: {nonzero}");
}

/// The hidden counts of a search are those of [`count::hidden`] whenever
/// its totals are exact, whether they were counted beside the ranking (its
/// reach within the exact-total budget) or after it (beyond the budget, but
/// every match could rank); a search whose totals turned into lower bounds
/// reports none.
#[test]
fn hidden_counts_follow_exact_totals_whatever_the_budget() {
    let store = common::store();
    let reader = store.reader().unwrap();
    let searcher = reader.searcher();
    let q = "住民基本台帳ネットワークシステム";
    let expected = count::hidden(
        &searcher,
        &store.fields,
        &phrase(q, false, Filters::default()),
    )
    .unwrap();
    assert!(expected.choice_only_sections > 0, "{expected:?}");
    for exact_up_to in [pia_search::query::topk::EXACT_TOTAL, 0] {
        let req = SearchRequest {
            exact_up_to,
            ..phrase(q, false, Filters::default())
        };
        let r = search::search_with_hidden(store, &req, false).unwrap();
        assert!(r.totals_exact, "budget {exact_up_to}: every match can rank");
        assert_eq!(r.hidden, Some(expected), "budget {exact_up_to}");
    }
    // A wide query's best section only, no budget: most matches are
    // skipped unchecked.
    let req = SearchRequest {
        exact_up_to: 0,
        limit: 1,
        ..phrase("情報", false, Filters::default())
    };
    let r = search::search_with_hidden(store, &req, false).unwrap();
    assert!(!r.totals_exact, "{} sections counted", r.total);
    assert_eq!(r.hidden, None);
}

#[test]
fn search_output_tells_about_choice_only_matches() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pia"))
        .args(["search", "特に力を入れている"])
        .env("PIA_INDEX", dir.path().join("idx"))
        .output()
        .unwrap();
    // The index is built from the bundled corpus on first use.
    common::assert_success(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("only in choice lists") && text.contains("--choices"),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_pia"))
        .args(["search", "特に力を入れている", "--json"])
        .env("PIA_INDEX", dir.path().join("idx"))
        .output()
        .unwrap();
    common::assert_success(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("only in choice lists"), "{err}");
    // stdout stays one hit per line.
    for v in common::json_lines(&out.stdout) {
        assert!(v.get("file").is_some(), "{v}");
    }
}

/// The text files of `dir`: name, decoded text.
fn files_in(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, decode::decode(&bytes).unwrap().text)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_line_of_every_file_is_findable() {
    findable(common::store(), &files(), 600);
}

/// The same on 40 generated documents of all three forms (other cities,
/// other renderings of the same forms).
#[test]
fn every_line_of_generated_documents_is_findable() {
    let gen =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_corpus.py");
    assert!(gen.is_file(), "{} missing", gen.display());
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let st = Command::new("python3")
        .arg(&gen)
        .args(["--seed", "7", "--docs", "40", "--out"])
        .arg(&corpus)
        .output()
        .expect("python3 runs the generator");
    common::assert_success(&st);
    let store = pia_search::index::store::Store::open_or_create(&tmp.path().join("idx")).unwrap();
    let opts = pia_search::index::indexer::IndexOptions {
        progress: false,
        ..Default::default()
    };
    let r = pia_search::index::indexer::index_dir(&store, &corpus, &opts).unwrap();
    assert_eq!(r.added, 40, "{:?}", r.failed);
    findable(&store, &files_in(&corpus), 600);
}

/// Random substrings of random runs of `files` are found in every file
/// holding them within a run.
fn findable(store: &pia_search::index::store::Store, files: &[(String, String)], cases: u32) {
    // Table-export HTML tags are not text (the normative definition drops them).
    let tags = regex::Regex::new(r"(?i)</?[a-z]+(\s[^<>]*)?/?>").unwrap();
    let runs_of = |t: &str| -> Vec<String> {
        let t = tags.replace_all(t, " ");
        t.split(|c: char| c.is_whitespace() || "[]［］<>＜＞".contains(c))
            .map(fold)
            .filter(|r| r.chars().count() >= 2)
            .collect()
    };
    let lines: Vec<(usize, String)> = files
        .iter()
        .enumerate()
        .flat_map(|(i, (_, t))| runs_of(t).into_iter().map(move |r| (i, r)))
        .collect();
    let by_line: Vec<Vec<String>> = files.iter().map(|(_, t)| runs_of(t)).collect();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0..lines.len(), any::<prop::sample::Index>(), 2usize..12);
    runner
        .run(&strategy, |(li, start, len)| {
            let chars: Vec<char> = lines[li].1.chars().collect();
            let s = start.index(chars.len() - 1);
            let e = (s + len).min(chars.len());
            prop_assume!(e - s >= 2);
            let q: String = chars[s..e].iter().collect();
            let got: BTreeSet<String> =
                search::search(store, &phrase(&q, true, Filters::default()))
                    .unwrap()
                    .hits
                    .into_iter()
                    .map(|h| h.location.file)
                    .collect();
            let must: BTreeSet<String> = (0..files.len())
                .filter(|&i| by_line[i].iter().any(|l| l.contains(&q)))
                .map(|i| files[i].0.clone())
                .collect();
            prop_assert!(
                must.is_subset(&got),
                "{q:?} (line of {}): not found in {:?}",
                files[lines[li].0].0,
                must.difference(&got).collect::<Vec<_>>()
            );
            Ok(())
        })
        .unwrap();
}
