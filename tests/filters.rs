//! Document filters (`--city`, `--prefecture`, `--form`, `--affair`) and the
//! metadata `pia docs` lists, on the bundled corpus.

mod common;

use std::collections::BTreeSet;

use common::{files, search_all};
use pia_search::index::indexer::doc_records;
use pia_search::model::FormType;
use pia_search::query::filter::Filters;

fn hit_files(filters: Filters) -> BTreeSet<String> {
    files(&search_all("中間サーバー", filters))
}

fn set(seeds: &[&str]) -> BTreeSet<String> {
    seeds.iter().map(|s| s.to_string()).collect()
}

#[test]
fn metadata_filters_keep_only_matching_documents() {
    let city = |c: &str| Filters {
        city: Some(c.into()),
        ..Default::default()
    };
    assert_eq!(hit_files(city("松戸")), set(&["001"]));
    assert_eq!(hit_files(city("相模原市")), set(&["003"]));
    let pref = Filters {
        prefecture: Some("神奈川".into()),
        ..Default::default()
    };
    assert_eq!(hit_files(pref), set(&["000", "003"]));
    // いわき市 prints no prefecture: it comes from the bundled table.
    let pref = Filters {
        prefecture: Some("福島県".into()),
        ..Default::default()
    };
    assert_eq!(hit_files(pref), set(&["002"]));
    let form = Filters {
        form: Some(FormType::Kiso),
        ..Default::default()
    };
    assert_eq!(hit_files(form), set(&["000", "002"]));
    let affair = Filters {
        affair: Some("国民健康保険".into()),
        ..Default::default()
    };
    assert_eq!(hit_files(affair), set(&["002", "003"]));
    let both = Filters {
        form: Some(FormType::Zenkomoku),
        section: Some("Ⅰ".into()),
        ..Default::default()
    };
    let hits = search_all("中間サーバー", both);
    assert!(!hits.is_empty());
    assert!(hits
        .iter()
        .all(|h| h.location.file.starts_with("003") && h.location.section_path.starts_with("Ⅰ ")));
}

#[test]
fn section_filter_by_key_and_by_title_agree() {
    let by_key = search_all(
        "中間サーバー",
        Filters {
            section: Some("risk".into()),
            ..Default::default()
        },
    );
    assert!(!by_key.is_empty());
    assert!(
        by_key.iter().all(|h| h.key.starts_with("risk")),
        "{:?}",
        by_key.iter().map(|h| &h.key).collect::<Vec<_>>()
    );
    let by_title = search_all(
        "中間サーバー",
        Filters {
            section: Some("変更箇所".into()),
            ..Default::default()
        },
    );
    assert!(!by_title.is_empty());
    assert!(by_title
        .iter()
        .all(|h| h.location.section_path.contains("変更箇所")));
}

#[test]
fn indexed_metadata_is_what_the_documents_print() {
    let docs = doc_records(common::store()).unwrap();
    let row = |seed: &str| {
        docs.iter()
            .find(|d| d.file.starts_with(seed))
            .unwrap()
            .meta
            .clone()
    };
    let m = row("000");
    assert_eq!(m.municipality.unwrap().0, "伊勢原市");
    assert_eq!(m.prefecture.unwrap().0, "神奈川県");
    assert_eq!(m.form, FormType::Kiso);
    assert_eq!(m.number.as_deref(), Some("10"));
    assert_eq!(m.published.as_deref(), Some("2024-12-27"));
    assert_eq!(m.agency.as_deref(), Some("神奈川県伊勢原市長"));
    let m = row("001");
    assert_eq!(m.form, FormType::Juten);
    assert_eq!(m.published, None, "001 prints no 公表日");
    let m = row("002");
    assert_eq!(m.affair.as_deref(), Some("国民健康保険事務"));
    assert_eq!(m.published.as_deref(), Some("2024-05-24"));
    let m = row("003");
    assert_eq!(m.form, FormType::Zenkomoku);
    assert_eq!(m.number.as_deref(), Some("5"));
    assert_eq!(m.published.as_deref(), Some("2023-12-28"));
}

#[test]
fn an_unknown_city_is_a_clear_error() {
    let req = pia_search::query::SearchRequest {
        query: pia_search::query::syntax::UserQuery::parse("中間").unwrap(),
        filters: Filters {
            city: Some("札幌".into()),
            ..Default::default()
        },
        limit: 10,
        include_choices: false,
        exact_up_to: pia_search::query::topk::EXACT_TOTAL,
    };
    let err = pia_search::query::search::search(common::store(), &req)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("municipality") && err.contains("札幌"),
        "{err}"
    );
}
