//! `pia compare` on the bundled corpus: answers tallied, sentence clusters
//! with marks, filters, views, the corpus-wide variation list and the HTML
//! report.

mod common;

use std::collections::BTreeSet;
use std::ffi::OsStr;

use pia_search::query::filter::Filters;
use pia_search::reports::compare;
use pia_search::reports::wording::Mark;

/// The bundled corpus's 従業者に対する教育・啓発 item.
fn training() -> compare::Comparison {
    compare::compare(
        common::store(),
        "従業者に対する教育・啓発",
        None,
        &Filters::default(),
    )
    .unwrap()
}

#[test]
fn training_answers_are_tallied_for_every_document() {
    let c = training();
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

/// Each wording's entries are exactly the entries of its group, as many as
/// the group counts, for every item of the corpus: the page and the CLI
/// list a wording's documents from `entries_of`.
#[test]
fn each_wording_lists_its_own_entries() {
    let items = compare::list(common::store()).unwrap();
    let mut split = 0;
    for item in &items {
        let c = compare::compare(common::store(), &item.key, None, &Filters::default()).unwrap();
        split += usize::from(c.groups.len() >= 2);
        let mut seen = 0;
        for g in &c.groups {
            let of = c.entries_of(g.group);
            assert_eq!(of.len(), g.size, "{} wording {}", item.key, g.group);
            assert!(of.iter().all(|e| e.group == g.group), "{}", item.key);
            seen += of.len();
        }
        assert_eq!(seen, c.entries.len(), "{}", item.key);
    }
    assert!(split >= 5, "{split} items with several wordings");
}

/// A free-text item (the training's 具体的な方法) has prose and no answers:
/// no `(none)` row per document.
#[test]
fn a_free_text_item_has_no_answers_tally() {
    let c = compare::compare(
        common::store(),
        "risk.training.method",
        None,
        &Filters::default(),
    )
    .unwrap();
    assert!(c.entries.len() >= 2, "{}", c.entries.len());
    assert!(c.entries.iter().any(|e| !e.sentences.is_empty()));
    assert!(c.answers.is_empty(), "{:?}", c.answers);
    assert_eq!(c.title(), "具体的な方法 — 従業者に対する教育・啓発");
}

#[test]
fn disciplinary_sentences_are_one_cluster_and_nothing_else_joins() {
    let c = training();
    // 松戸市 `…地方公務員法による懲戒処分の対象とする。` and 相模原市 `…違反行為の程度
    // によっては懲戒の対象となりうる。`: one cluster, by their distinctive words.
    let holding = |needle: &str| -> BTreeSet<usize> {
        c.entries
            .iter()
            .flat_map(|e| &e.sentences)
            .filter(|s| s.text.contains(needle))
            .map(|s| s.cluster)
            .collect()
    };
    let discipline = holding("懲戒");
    assert_eq!(discipline.len(), 1, "{discipline:?}");
    let k = &c.clusters[*discipline.first().unwrap()];
    assert_eq!(k.documents, 2);
    assert_eq!(k.variants.len(), 2);
    let seeds: BTreeSet<String> = k
        .variants
        .iter()
        .flat_map(|v| &v.files)
        .map(|f| pia_search::reports::eval::seed_of(f))
        .collect();
    assert_eq!(seeds, BTreeSet::from(["001".into(), "003".into()]));
    assert!(k.variants[1]
        .diff
        .iter()
        .any(|d| d.op == "equal" && d.text.contains("懲戒")));
    // The only other cluster both documents have is the heading `２本市における
    // 教育・啓発` / `<本市における措置>`: the training sentences stay apart.
    let shared: Vec<&str> = c
        .clusters
        .iter()
        .filter(|k| k.documents > 1)
        .map(|k| k.variants[0].text.as_str())
        .collect();
    assert_eq!(shared.len(), 2, "{shared:?}");
    assert!(
        shared.iter().any(|t| t.contains("本市における")),
        "{shared:?}"
    );
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
    // Items that share a label (every risk has its `リスクに対する措置の内容`)
    // are told apart by where they stand in the form.
    let measures: Vec<_> = items
        .iter()
        .filter(|i| i.label == "リスクに対する措置の内容")
        .collect();
    assert!(measures.len() > 3, "{}", measures.len());
    let contexts: std::collections::HashSet<&str> =
        measures.iter().map(|i| i.context.as_str()).collect();
    assert_eq!(contexts.len(), measures.len(), "{contexts:?}");
    assert!(
        measures.iter().all(|i| i.context.contains("リスク")),
        "{contexts:?}"
    );
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

/// Seed 000 and the same document as another city publishes it (every
/// `伊勢原` made `厚木`): each names itself in its wording of the measure
/// (`「伊勢原市特定個人情報に関する安全措置」`), and nothing else differs, so
/// the two word it alike: every sentence shared, one wording group, the
/// name shown as 〇〇.
#[test]
fn two_cities_naming_themselves_word_a_measure_alike() {
    let seed = std::fs::read_to_string(common::corpus().join("000_db110713dcb7ac82.txt")).unwrap();
    let corpus = tempfile::tempdir().unwrap();
    std::fs::write(corpus.path().join("000_isehara.txt"), &seed).unwrap();
    std::fs::write(
        corpus.path().join("001_atsugi.txt"),
        seed.replace("伊勢原", "厚木"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = pia_search::index::store::Store::open_or_create(dir.path()).unwrap();
    let opts = pia_search::index::indexer::IndexOptions {
        progress: false,
        threads: 1,
        ..Default::default()
    };
    pia_search::index::indexer::index_dir(&store, corpus.path(), &opts).unwrap();
    let c = compare::compare(&store, "risk.priority.grounds", None, &Filters::default()).unwrap();
    let cities: Vec<Option<&str>> = c
        .entries
        .iter()
        .map(|e| e.location.municipality.as_deref())
        .collect();
    // By place: 厚木市 (code 14212) before 伊勢原市 (14214).
    assert_eq!(cities, [Some("厚木市"), Some("伊勢原市")]);
    assert!(c.entries[0]
        .text
        .contains("「厚木市特定個人情報に関する安全措置」"));
    let measure = c
        .clusters
        .iter()
        .find(|k| k.variants[0].text.contains("特定個人情報に関する安全措置"))
        .expect("the measure's sentence");
    assert_eq!(measure.documents, 2);
    assert_eq!(measure.variants.len(), 1, "{:?}", measure.variants);
    assert!(measure.variants[0]
        .text
        .contains("「〇〇市特定個人情報に関する安全措置」"));
    for e in &c.entries {
        assert!(
            e.sentences.iter().all(|s| s.mark == Mark::Shared),
            "{:?}",
            e.sentences
        );
        // Each keeps its own name in its own text.
        assert!(e
            .sentences
            .iter()
            .any(|s| s.text.contains(e.location.municipality.as_deref().unwrap())));
    }
    assert_eq!(c.groups.len(), 1);
}

/// Over more documents than the list samples (`LIST_SAMPLE`), the list's
/// figures come from the sample and say so: counts stay within it, and the
/// CLI prints the note on stderr (a count of 51 next to an index of 11 286
/// documents read as a total).
#[test]
fn a_list_over_a_sample_says_so() {
    let seed = std::fs::read_to_string(common::corpus().join("002_72349b560cd020d7.txt")).unwrap();
    let corpus = tempfile::tempdir().unwrap();
    let n = compare::LIST_SAMPLE + 20;
    for i in 0..n {
        std::fs::write(corpus.path().join(format!("d{i:04}.txt")), &seed).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let idx = dir.path().join("idx");
    let store = pia_search::index::store::Store::open_or_create(&idx).unwrap();
    let opts = pia_search::index::indexer::IndexOptions {
        progress: false,
        ..Default::default()
    };
    let r = pia_search::index::indexer::index_dir(&store, corpus.path(), &opts).unwrap();
    assert_eq!(r.added, n, "{:?}", r.failed);
    let items = compare::list(&store).unwrap();
    assert!(!items.is_empty());
    assert!(
        items.iter().all(|i| i.sampled),
        "every item's figures are the sample's"
    );
    assert!(
        items.iter().map(|i| i.documents).max() == Some(compare::LIST_SAMPLE),
        "{:?}",
        items.iter().map(|i| i.documents).max()
    );
    drop(store);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pia"))
        .args(["compare", "--list", "--index"])
        .arg(&idx)
        .output()
        .unwrap();
    common::assert_success(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    let sample = format!("sample of {} documents", compare::LIST_SAMPLE);
    assert!(
        err.contains("note: Document counts") && err.contains(&sample),
        "{err}"
    );
}
