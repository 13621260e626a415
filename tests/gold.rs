//! The evaluation set on the bundled corpus: for every phrase, normalisation
//! and negative row, the set of documents hit equals the expected set.

mod common;

use common::{files, gold, search_all};
use pia_search::filter::Filters;

#[test]
fn phrase_normalization_and_negative_rows_hit_exactly_the_expected_files() {
    let rows: Vec<_> = gold()
        .into_iter()
        .filter(|r| matches!(r.kind.as_str(), "phrase" | "normalization" | "negative"))
        .collect();
    assert!(rows.len() >= 30, "gold rows found: {}", rows.len());
    let mut failures = Vec::new();
    for r in &rows {
        let hits = search_all(&r.query, Filters::default());
        let got = files(&hits);
        if got != r.files {
            failures.push(format!(
                "{} {:?}: expected {:?}, got {:?}",
                r.id, r.query, r.files, got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows wrong:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}

/// Section rows name a filter in brackets; this maps each to `--section`.
fn section_filter(query: &str) -> Option<(String, &'static str)> {
    let (phrase, bracket) = query.split_once(" [")?;
    let filter = match bracket.trim_end_matches(']') {
        b if b.starts_with("risk-measure") => "risk",
        b if b.starts_with("変更箇所") => "変更箇所",
        b if b.starts_with("Ⅰ") => "Ⅰ",
        b if b.starts_with("document type") => "表紙",
        _ => return None,
    };
    Some((phrase.to_string(), filter))
}

#[test]
fn section_rows_with_a_filter_hit_exactly_the_expected_files() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for r in gold().into_iter().filter(|r| r.kind == "section") {
        let Some((phrase, section)) = section_filter(&r.query) else {
            continue;
        };
        checked += 1;
        let hits = search_all(
            &phrase,
            Filters {
                section: Some(section.to_string()),
                ..Default::default()
            },
        );
        let got = files(&hits);
        if got != r.files {
            failures.push(format!(
                "{} {:?} --section {section}: expected {:?}, got {:?}",
                r.id, phrase, r.files, got
            ));
        }
    }
    assert!(checked >= 5, "section rows checked: {checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
