//! `pia compare` on the bundled corpus: answers tallied, sentence clusters
//! with marks, filters, views, the corpus-wide variation list and the HTML
//! report.

mod common;

use std::collections::BTreeSet;
use std::ffi::OsStr;

use pia_search::query::filter::Filters;
use pia_search::reports::compare;
use pia_search::reports::wording::Mark;

#[test]
fn training_answers_are_tallied_for_every_document() {
    let c = compare::compare(
        common::store(),
        "従業者に対する教育・啓発",
        None,
        &Filters::default(),
    )
    .unwrap();
    assert_eq!(c.entries.len(), 4);
    assert_eq!(c.answers.len(), 1, "{:?}", c.answers);
    assert_eq!(c.answers[0].answer, "十分に行っている");
    assert_eq!(c.answers[0].count, 4);
    // Bare answers are not sentences; the two documents with prose have
    // sentences, and every sentence's cluster lists its document.
    let with_prose: BTreeSet<String> = c
        .entries
        .iter()
        .filter(|e| !e.sentences.is_empty())
        .map(|e| pia_search::reports::eval::seed_of(&e.location.file))
        .collect();
    assert_eq!(with_prose, BTreeSet::from(["001".into(), "003".into()]));
    for e in &c.entries {
        for s in &e.sentences {
            let k = &c.clusters[s.cluster];
            assert!(k
                .variants
                .iter()
                .any(|v| v.files.contains(&e.location.file)));
            assert_eq!(s.mark == Mark::Unique, k.documents == 1, "{s:?}");
        }
    }
    // Clusters come most shared first.
    assert!(c
        .clusters
        .windows(2)
        .all(|w| w[0].documents >= w[1].documents));
}

#[test]
fn filters_restrict_the_compared_documents() {
    let only = Filters {
        form: pia_search::model::FormType::from_user("基礎"),
        ..Default::default()
    };
    let c = compare::compare(common::store(), "従業者に対する教育・啓発", None, &only).unwrap();
    let seeds: BTreeSet<String> = c
        .entries
        .iter()
        .map(|e| pia_search::reports::eval::seed_of(&e.location.file))
        .collect();
    assert_eq!(seeds, BTreeSet::from(["000".into(), "002".into()]));
    let by_pref = Filters {
        prefecture: Some("神奈川".into()),
        ..Default::default()
    };
    let c = compare::compare(common::store(), "従業者に対する教育・啓発", None, &by_pref).unwrap();
    assert!(c
        .entries
        .iter()
        .all(|e| e.location.prefecture.as_deref() == Some("神奈川県")));
    assert_eq!(c.entries.len(), 2);
}

#[test]
fn list_ranks_items_by_variation() {
    let items = compare::list(common::store()).unwrap();
    assert!(items.len() > 20);
    let multi: Vec<_> = items.iter().take_while(|i| i.documents > 1).collect();
    assert!(!multi.is_empty());
    assert!(items[multi.len()..].iter().all(|i| i.documents == 1));
    assert!(multi.windows(2).all(|w| w[0].variation >= w[1].variation));
    for i in &items {
        assert!((i.variation - i.clusters as f64 / i.documents as f64).abs() < 1e-9);
    }
}

#[test]
fn compare_views_and_html() {
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("r.html");
    let answers = common::pia_json(
        &[
            OsStr::new("compare"),
            OsStr::new("従業者に対する教育・啓発"),
            OsStr::new("--view"),
            OsStr::new("answers"),
            OsStr::new("--html"),
            html.as_os_str(),
        ],
        tmp.path(),
    );
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["answer"], "十分に行っている");
    assert_eq!(answers[0]["count"], 4);
    let clusters = common::pia_json(
        &[
            OsStr::new("compare"),
            OsStr::new("risk.training"),
            OsStr::new("--view"),
            OsStr::new("clusters"),
        ],
        tmp.path(),
    );
    assert!(!clusters.is_empty());
    for k in &clusters {
        assert!(k["documents"].as_u64().unwrap() >= 1);
        assert!(!k["variants"].as_array().unwrap().is_empty());
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<h2>Answers</h2>") && page.contains("<h2>Sentences</h2>"));
}
