//! The evaluation set on the bundled corpus: for every phrase, normalisation,
//! negative and section row, the set of documents hit equals the expected set
//! (section rows with their bracketed filter applied as `--section`).

mod common;

use common::{files, gold, search_all};
use pia_search::query::filter::Filters;

fn check(kinds: &[&str], min_rows: usize) {
    let mut failures = Vec::new();
    let mut checked = 0;
    for r in gold().iter().filter(|r| kinds.contains(&r.kind.as_str())) {
        let Some((phrase, section)) = r.search_spec() else {
            continue;
        };
        checked += 1;
        let filters = Filters {
            section: section.clone(),
            ..Default::default()
        };
        let got = files(&search_all(&phrase, filters));
        if got != r.files {
            failures.push(format!(
                "{} {phrase:?} --section {section:?}: expected {:?}, got {got:?}",
                r.id, r.files
            ));
        }
    }
    assert!(checked >= min_rows, "rows checked: {checked}");
    assert!(
        failures.is_empty(),
        "{} of {checked} rows wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn phrase_normalization_and_negative_rows_hit_exactly_the_expected_files() {
    check(&["phrase", "normalization", "negative"], 30);
}

#[test]
fn section_rows_hit_exactly_the_expected_files() {
    check(&["section"], 7);
}
