//! The pruned ranked pass (`query::topk`) against an exhaustive one, on a
//! corpus wide enough that it skips sections: the seeds, each also in
//! variants with a share of its lines dropped (so that sections differ in
//! length and wording, and scores spread as in a real corpus).

mod common;

use std::sync::OnceLock;

use pia_search::index::indexer::{self, IndexOptions};
use pia_search::index::store::Store;
use pia_search::query::filter::Filters;
use pia_search::query::search::{self, SearchResults};
use pia_search::query::syntax::UserQuery;
use pia_search::query::SearchRequest;

/// Copies of each seed: enough that common phrases match thousands of
/// sections, more than a ranked pass keeps.
const VARIANTS: usize = 24;

fn wide_store() -> &'static Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE.get_or_init(|| {
        let docs = tempfile::tempdir().expect("tempdir").keep();
        for entry in std::fs::read_dir(common::corpus()).expect("corpus") {
            let path = entry.expect("entry").path();
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            for v in 0..VARIANTS {
                // Variant v drops every line whose number is ≡ 0 mod (v + 3),
                // past the cover page (metadata stays parseable).
                let kept: Vec<&str> = text
                    .lines()
                    .enumerate()
                    .filter(|(i, _)| v == 0 || *i < 40 || i % (v + 3) != 0)
                    .map(|(_, l)| l)
                    .collect();
                let out = docs.join(format!("v{v:02}_{name}"));
                std::fs::write(&out, kept.join("\n")).expect("write variant");
            }
        }
        let index = tempfile::tempdir().expect("tempdir").keep();
        let store = Store::open_or_create(&index).expect("create index");
        let opts = IndexOptions {
            progress: false,
            ..Default::default()
        };
        let r = indexer::index_dir(&store, &docs, &opts).expect("index variants");
        assert!(r.failed.is_empty(), "{:?}", r.failed);
        store
    })
}

fn run(store: &Store, query: &str, filters: Filters, limit: usize, up_to: usize) -> SearchResults {
    let req = SearchRequest {
        query: UserQuery::parse(query).expect("query parses"),
        filters,
        limit,
        include_choices: false,
        exact_up_to: up_to,
    };
    search::search(store, &req).expect("search")
}

/// What identifies a ranking: each hit's section and score.
fn ranking(r: &SearchResults) -> Vec<(String, u64, u32)> {
    r.hits
        .iter()
        .map(|h| (h.location.file.clone(), h.ordinal, h.score.to_bits()))
        .collect()
}

const QUERIES: &[&str] = &[
    "委託",
    "中間サーバー",
    "特定個人情報",
    "情報提供ネットワークシステム",
    "リスク 措置",
    "\"アクセス権限\"",
    "住民",
];

#[test]
fn skipping_sections_that_cannot_rank_changes_no_hit() {
    let store = wide_store();
    let mut skipped_somewhere = false;
    for q in QUERIES {
        for limit in [1, 10, 40] {
            let exact = run(store, q, Filters::default(), limit, usize::MAX);
            assert!(exact.totals_exact, "{q}: unlimited checks count exactly");
            let pruned = run(store, q, Filters::default(), limit, 0);
            assert_eq!(
                ranking(&pruned),
                ranking(&exact),
                "{q} limit {limit}: the pruned pass ranks as the exhaustive one"
            );
            assert!(pruned.total <= exact.total, "{q}: a lower bound");
            assert!(pruned.documents <= exact.documents, "{q}: a lower bound");
            if pruned.totals_exact {
                assert_eq!(pruned.total, exact.total, "{q}: exact means exact");
                assert_eq!(pruned.documents, exact.documents, "{q}");
            } else {
                skipped_somewhere = true;
            }
        }
    }
    assert!(
        skipped_somewhere,
        "the corpus is wide enough that some query skips sections"
    );
}

#[test]
fn a_short_list_is_the_head_of_the_full_ranking() {
    // Hits within a document are reordered (its earliest near-best section
    // first); a top 10 must still be the first ten of ranking every match,
    // whatever sections outside the best ten that reordering needs. Where
    // several sections tie at the last score shown, either may be shown
    // (as in any top-k), so those places only need the same score.
    let store = wide_store();
    for q in QUERIES {
        let full = run(store, q, Filters::default(), 1_000_000, usize::MAX);
        assert!(full.hits.len() > 40, "{q}: wide enough to need pruning");
        let full = ranking(&full);
        for limit in [1, 3, 10, 40] {
            let head = &full[..limit];
            let cut = head[limit - 1].2;
            let above = |r: &[(String, u64, u32)]| -> Vec<(String, u64, u32)> {
                r.iter().filter(|h| h.2 != cut).cloned().collect()
            };
            let scores = |r: &[(String, u64, u32)]| -> Vec<u32> { r.iter().map(|h| h.2).collect() };
            for up_to in [0, usize::MAX] {
                let short = ranking(&run(store, q, Filters::default(), limit, up_to));
                assert_eq!(
                    scores(&short),
                    scores(head),
                    "{q} limit {limit}: the same scores"
                );
                assert_eq!(
                    above(&short),
                    above(head),
                    "{q} limit {limit}: the same sections above the last score"
                );
            }
        }
    }
}

#[test]
fn filtered_searches_prune_alike() {
    let store = wide_store();
    let filters = Filters {
        section: Some("Ⅲ".into()),
        ..Default::default()
    };
    for q in ["委託", "特定個人情報", "住民"] {
        let exact = run(store, q, filters.clone(), 10, usize::MAX);
        let pruned = run(store, q, filters.clone(), 10, 0);
        assert!(!exact.hits.is_empty(), "{q} matches under Ⅲ");
        assert_eq!(ranking(&pruned), ranking(&exact), "{q} under Ⅲ");
        assert!(exact
            .hits
            .iter()
            .all(|h| h.location.section_path.starts_with("Ⅲ")));
    }
}

#[test]
fn the_pruned_pass_scores_as_tantivy_does() {
    // An exclusion of a phrase no document has sends the request through
    // tantivy's own query machinery, which checks and scores every match.
    let store = wide_store();
    for q in QUERIES {
        let all = run(store, q, Filters::default(), 1_000_000, usize::MAX);
        let general = run(
            store,
            &format!("{q} -ゐゑゐゑゐゑ"),
            Filters::default(),
            1_000_000,
            usize::MAX,
        );
        assert!(!all.hits.is_empty(), "{q} matches");
        assert_eq!(all.total, general.total, "{q}");
        assert_eq!(all.documents, general.documents, "{q}");
        let mut a = ranking(&all);
        let mut g = ranking(&general);
        a.sort();
        g.sort();
        // Scores of the same sections agree to float rounding.
        assert_eq!(a.len(), g.len(), "{q}");
        for (x, y) in a.iter().zip(&g) {
            assert_eq!((&x.0, x.1), (&y.0, y.1), "{q}");
            let (fx, fy) = (f32::from_bits(x.2), f32::from_bits(y.2));
            assert!(
                (fx - fy).abs() <= 1e-4 * fx.abs().max(1.0),
                "{q}: {fx} vs {fy}"
            );
        }
    }
}

#[test]
fn the_default_counts_the_seeds_exactly() {
    // The bundled corpus is far below the exact-count budget.
    let r = run(
        common::store(),
        "委託",
        Filters::default(),
        10,
        pia_search::query::topk::EXACT_TOTAL,
    );
    assert!(r.totals_exact);
    assert_eq!(r.hits.len(), 10);
    assert_eq!(
        r.total,
        run(
            common::store(),
            "委託",
            Filters::default(),
            100_000,
            usize::MAX
        )
        .total
    );
}

/// Each distinct text of a batch is indexed once, as a text record that
/// the sections with that text follow (`index::texts`): a section must
/// follow the record of exactly its own text, or a search would give it
/// another text's matches. And a search checks each distinct text once and
/// reuses the answer for every text record with the same `body_hash`
/// (`query::topk`), so the column must hash exactly the text the section
/// holds; and this corpus must repeat texts, or the tests above would not
/// exercise the reuse.
#[test]
fn every_section_follows_the_record_of_its_own_text() {
    use pia_search::index::analysis::body_hash;
    use pia_search::index::texts::TextRuns;
    use pia_search::normalize::fold;
    use tantivy::schema::Value;
    use tantivy::{DocAddress, TantivyDocument};

    let store = wide_store();
    let searcher = store.reader().expect("reader").searcher();
    let (mut sections, mut texts, mut distinct) = (0, 0, std::collections::HashSet::new());
    for (ord, seg) in searcher.segment_readers().iter().enumerate() {
        let hashes = seg
            .fast_fields()
            .u64("body_hash")
            .expect("body_hash column");
        let runs = TextRuns::read(seg, store.fields.kind).expect("runs");
        texts += runs.texts();
        for doc in 0..seg.max_doc() {
            if runs.is_text(doc) {
                assert!(hashes.first(doc).is_some(), "text record {doc} has no hash");
                continue;
            }
            // Sections and file records: only text records hold a hash.
            assert_eq!(hashes.first(doc), None, "record {doc}");
            let stored: TantivyDocument = searcher
                .doc(DocAddress::new(ord as u32, doc))
                .expect("stored record");
            // A file record has no body.
            let Some(body) = stored.get_first(store.fields.body).and_then(|v| v.as_str()) else {
                continue;
            };
            let hash = body_hash(&fold(body));
            let (text, _) = runs
                .text_holding(doc)
                .unwrap_or_else(|| panic!("section {doc} follows no text record"));
            assert_eq!(hashes.first(text), Some(hash), "section {doc}: {body}");
            sections += 1;
            distinct.insert(hash);
        }
    }
    assert!(sections > 10_000, "{sections} sections");
    assert!(
        distinct.len() * 2 < sections,
        "{} texts in {sections} sections: the variants repeat most of them",
        distinct.len()
    );
    assert!(
        texts * 2 < sections,
        "{texts} text records for {sections} sections"
    );
}

/// The ranked pass reads a candidate's weight, length and text hash from
/// columns; a column that some documents lack (the per-file records) is
/// read through a rank lookup on every access, so the indexer gives every
/// document a value and the columns stay dense.
#[test]
fn the_ranking_columns_have_a_value_for_every_document() {
    let store = wide_store();
    let searcher = store.reader().expect("reader").searcher();
    for seg in searcher.segment_readers() {
        for name in ["weight", "body_chars", "ordinal"] {
            let column = seg.fast_fields().u64(name).expect("column");
            assert_eq!(
                column.get_cardinality(),
                tantivy::columnar::Cardinality::Full,
                "{name}"
            );
        }
    }
}
