//! `pia serve` under load and while the index changes: a bounded load test
//! (8 clients × 10 s of mixed search and compare requests, run with
//! `bench/load.sh` or `--ignored`), a short smoke version in every test
//! run, and a server that sees `pia index` commits without a restart.

mod serve_support;

use std::time::Duration;

use pia_search::index::indexer::{self, IndexOptions};
use pia_search::index::store::Store;
use pia_search::serve;
use serve_support::{enc, server};

/// Mixed requests: pages, API, filters, per-document, compare.
fn mix() -> Vec<String> {
    let mut v = Vec::new();
    for q in [
        "委託",
        "\"アクセス権限\"",
        "バックアップ -外部",
        "再委託",
        "国保連合会",
        "個人番号 利用",
    ] {
        v.push(format!("/search?q={}", enc(q)));
        v.push(format!("/api/search?q={}&limit=20", enc(q)));
        v.push(format!(
            "/search?q={}&prefecture={}&per_doc=1",
            enc(q),
            enc("神奈川県")
        ));
    }
    for item in ["risk.training", "従業者に対する教育・啓発", "file.entrust"] {
        v.push(format!("/compare?item={}", enc(item)));
        v.push(format!(
            "/api/compare?item={}&form={}",
            enc(item),
            enc("全項目")
        ));
    }
    v
}

#[test]
fn load_smoke_has_no_errors() {
    let r = serve::load_test(server(), &mix(), 2, Duration::from_secs(1));
    eprintln!("smoke: {r}");
    assert!(r.requests > 0);
    assert_eq!(r.errors, 0, "{r}");
}

/// The measured load test (`bench/load.sh`).
#[test]
#[ignore = "10 s load test; run with bench/load.sh"]
fn load_8_clients_10_seconds() {
    let addr = server();
    for p in mix() {
        assert!(serve::http_get(addr, &p).unwrap().status < 400, "{p}");
    }
    let r = serve::load_test(addr, &mix(), 8, Duration::from_secs(10));
    println!("load: {r}");
    println!("{}", serde_json::to_string(&r).unwrap());
    assert_eq!(r.errors, 0, "{r}");
}

#[test]
fn new_commits_are_served_without_restart() {
    let src = tempfile::tempdir().unwrap();
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let first = "000_db110713dcb7ac82.txt";
    std::fs::copy(seeds.join(first), src.path().join(first)).unwrap();
    let idx = tempfile::tempdir().unwrap();
    let store = Store::open_or_create(idx.path()).unwrap();
    let opts = IndexOptions {
        progress: false,
        ..Default::default()
    };
    indexer::index_dir(&store, src.path(), &opts).unwrap();
    let addr = serve::spawn(Store::open(idx.path()).unwrap(), None).unwrap();
    let docs = |addr| -> usize {
        let r = serve::http_get(addr, "/api/docs").unwrap();
        assert_eq!(r.status, 200);
        serde_json::from_str::<serde_json::Value>(&r.body)
            .unwrap()
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(docs(addr), 1);
    // Index the rest while clients keep searching.
    for e in std::fs::read_dir(&seeds).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), src.path().join(e.file_name())).unwrap();
    }
    let paths = vec![
        format!("/search?q={}", enc("委託")),
        "/api/docs".to_string(),
    ];
    let report = std::thread::scope(|s| {
        let load = s.spawn(|| serve::load_test(addr, &paths, 2, Duration::from_secs(2)));
        indexer::index_dir(&store, src.path(), &opts).unwrap();
        load.join().unwrap()
    });
    assert_eq!(report.errors, 0, "{report}");
    assert_eq!(docs(addr), 4, "the new commit is served");
}
