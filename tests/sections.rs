//! Section accuracy on the gold set, measured on the engine's hits (issue:
//! form-aware parser): in every expected file the hit sits in an expected
//! section. Prints the per-seed, per-level table (`cargo test -- --nocapture`).

mod common;

use pia_search::reports::eval;

#[test]
fn engine_hits_sit_in_the_expected_sections() {
    let rows = eval::load_gold(&common::gold_path()).unwrap();
    let report = eval::evaluate(common::store(), &rows).unwrap();
    let mut text = Vec::new();
    pia_search::present::eval_report(&mut text, &report, false, false).unwrap();
    println!("{}", String::from_utf8_lossy(&text));

    assert!(report.files_wrong.is_empty(), "{:?}", report.files_wrong);
    let t = report.total();
    assert!(t.pairs >= 60, "pairs checked: {}", t.pairs);
    let pct = |n: usize| 100.0 * n as f64 / t.pairs as f64;
    // Every expected section is among the file's hits for ≥ 95 % of pairs.
    assert!(pct(t.any) >= 95.0, "full path (any hit) {:.1}%", pct(t.any));
    // The best hit is in the right top-level section almost always …
    assert!(pct(t.top) >= 95.0, "top level {:.1}%", pct(t.top));
    // … and at the full path for most pairs (ranking among sections that all
    // contain the phrase decides the rest).
    assert!(
        pct(t.full) >= 85.0,
        "full path (best hit) {:.1}%",
        pct(t.full)
    );
    for seed in ["000", "002"] {
        let l = &report.per_seed[seed];
        assert_eq!(l.full, l.pairs, "seed {seed}: every best hit exact");
    }
}
