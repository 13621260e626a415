//! `pia serve` over HTTP: pages, JSON API, exports, escaping, path
//! traversal, input caps and bad input (never a 5xx).

mod serve_support;

use serve_support::{enc, get, get_json, XSS_FILE, XSS_PAYLOAD, XSS_WORD};

/// Markup of the payload must never reach a page unescaped.
fn assert_no_live_markup(body: &str, what: &str) {
    for bad in ["<script>window", "<img src=x", "onerror=\"window", "<b>x"] {
        assert!(!body.contains(bad), "{what}: unescaped {bad:?} in the page");
    }
}

#[test]
fn search_page_shows_highlighted_hits_with_section_links() {
    let r = get(&format!("/search?q={}", enc("委託")));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("<mark>委託</mark>"), "highlighted snippet");
    assert!(
        r.body.contains("class=\"section\" href=\"/doc/"),
        "section path links to the document"
    );
    assert!(r.body.contains("#s-"), "link opens the section");
    assert!(
        r.body.contains("value=\"委託\""),
        "the query stays in the box"
    );
    assert!(r.body.contains("data-facet=\"prefecture\""), "facets");
    assert!(r
        .header("content-security-policy")
        .unwrap()
        .contains("script-src 'self'"));
}

#[test]
fn landing_page_lists_documents() {
    let r = get("/");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("003_2bb90e44d61317a5.txt"));
    assert!(r.body.contains("Indexed documents (5)"));
}

/// The files of the start page's document table, in order.
fn listed(body: &str) -> Vec<&str> {
    let table = &body[body.find("id=\"docs\"").expect("document table")..];
    table
        .split("href=\"/doc/")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect()
}

/// [`listed`] without the hostile test document.
fn seeds(body: &str) -> Vec<&str> {
    listed(body)
        .into_iter()
        .filter(|f| !f.starts_with("900_"))
        .collect()
}

/// The start page lists documents by prefecture and city in the official
/// order (not by file name), narrows them by the search filters, and pages.
#[test]
fn landing_page_lists_documents_in_order_by_filter_and_page() {
    let r = get(&format!("/?prefecture={}", enc("神奈川県")));
    assert_eq!(r.status, 200, "{}", r.body);
    // Two seeds and the hostile copy of 003 (相模原市).
    assert!(r.body.contains("3 of 5 documents"), "{}", r.body);
    // 相模原市 (code 14150) before 伊勢原市 (14214).
    assert_eq!(
        seeds(&r.body),
        ["003_2bb90e44d61317a5.txt", "000_db110713dcb7ac82.txt"]
    );
    // Prefectures north to south: 福島県 (07), 千葉県 (12), 神奈川県 (14).
    let all = get("/");
    assert_eq!(
        seeds(&all.body),
        [
            "002_72349b560cd020d7.txt",
            "001_254e73f7c39d389b.txt",
            "003_2bb90e44d61317a5.txt",
            "000_db110713dcb7ac82.txt"
        ]
    );
    // Two to a page: three pages, the second linked both ways.
    let p2 = get("/?size=2&page=2");
    assert_eq!(p2.status, 200);
    assert_eq!(listed(&p2.body), listed(&all.body)[2..4]);
    assert!(p2.body.contains("page 2 of 3"), "{}", p2.body);
    assert!(
        p2.body.contains("href=\"/?page=3&amp;size=2\""),
        "{}",
        p2.body
    );
    assert!(p2.body.contains("href=\"/?size=2\""), "{}", p2.body);
    // Bad paging is a clear 400.
    assert_eq!(get("/?page=0").status, 400);
    assert_eq!(get("/?size=1000").status, 400);
}

#[test]
fn api_search_returns_cli_hits_and_facets() {
    let (status, v) = get_json(&format!("/api/search?q={}&limit=3", enc("委託")));
    assert_eq!(status, 200, "{v}");
    let hits = v["hits"].as_array().unwrap();
    assert!(!hits.is_empty() && hits.len() <= 3);
    for key in [
        "file",
        "municipality",
        "prefecture",
        "form",
        "section_path",
        "key",
        "ordinal",
        "score",
        "snippet",
        "highlights",
    ] {
        assert!(hits[0].get(key).is_some(), "hit has {key}: {}", hits[0]);
    }
    assert!(v["total"].as_u64().unwrap() >= hits.len() as u64);
    let facets = v["facets"].as_array().unwrap();
    let params: Vec<&str> = facets
        .iter()
        .map(|f| f["param"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["prefecture", "form", "affair", "section"]);
    let form = &facets[1]["values"];
    let sum: u64 = form
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        sum,
        v["total"].as_u64().unwrap(),
        "form counts add up to the total"
    );
    // The seeds are counted exactly; `exact=1` (count all) agrees.
    assert_eq!(v["totals_exact"], true, "{v}");
    let (_, exact) = get_json(&format!("/api/search?q={}&limit=3&exact=1", enc("委託")));
    assert_eq!(exact["total"], v["total"]);
    assert_eq!(exact["documents"], v["documents"]);
}

#[test]
fn facet_filters_narrow_results_and_keep_zero_values() {
    let (_, all) = get_json(&format!("/api/search?q={}&limit=100", enc("委託")));
    let (_, kana) = get_json(&format!(
        "/api/search?q={}&prefecture={}&limit=100",
        enc("委託"),
        enc("神奈川県")
    ));
    assert!(kana["total"].as_u64().unwrap() < all["total"].as_u64().unwrap());
    for h in kana["hits"].as_array().unwrap() {
        assert_eq!(h["prefecture"], "神奈川県");
    }
    let pref = kana["facets"][0]["values"].as_array().unwrap();
    assert!(pref
        .iter()
        .any(|v| v["value"] == "神奈川県" && v["selected"] == true));
    assert!(pref.len() >= 3, "other prefectures stay listed: {pref:?}");
    // North to south (prefecture codes 07, 12, 14), not by character code
    // (千葉県 < 神奈川県 < 福島県).
    let order: Vec<&str> = pref.iter().map(|v| v["value"].as_str().unwrap()).collect();
    assert_eq!(order, ["福島県", "千葉県", "神奈川県"], "{pref:?}");
    // A form facet value with zero hits under this query is greyed, not dropped.
    let page = get(&format!("/search?q={}&form={}", enc("委託"), enc("基礎")));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("class=\"chip\""),
        "active filter shown as a chip"
    );
}

/// With a section path chosen, the subsections one level down are a facet
/// of their own: each value is a path one level deeper with the count that
/// choosing it gives, so a reader walks down to where a phrase sits.
#[test]
fn a_chosen_section_lists_its_subsections_with_counts() {
    let total_in = |section: &str| -> (u64, serde_json::Value) {
        let (status, v) = get_json(&format!(
            "/api/search?q={}&section={}",
            enc("委託"),
            enc(section)
        ));
        assert_eq!(status, 200, "{section}");
        (v["total"].as_u64().unwrap(), v)
    };
    let sub = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["facets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["label"].as_str().unwrap().starts_with("小項目"))
            .map(|f| f["values"].as_array().unwrap().clone())
            .unwrap_or_default()
    };
    let (_, none) = get_json(&format!("/api/search?q={}", enc("委託")));
    assert!(sub(&none).is_empty(), "no section chosen, no subsections");
    let top = "Ⅱ 特定個人情報ファイルの概要";
    let (total, v) = total_in(top);
    let children = sub(&v);
    assert!(children.len() >= 2, "{children:?}");
    let mut sum = 0;
    for c in &children {
        let path = c["value"].as_str().unwrap();
        assert!(path.starts_with(&format!("{top} > ")), "{path}");
        assert_eq!(path.matches(" > ").count(), 1, "{path}");
        let count = c["count"].as_u64().unwrap();
        assert!(count > 0);
        assert_eq!(total_in(path).0, count, "{path}");
        sum += count;
    }
    assert!(sum <= total, "{sum} > {total}");
    // One level further down, the top level stays chosen.
    let deeper = children[0]["value"].as_str().unwrap();
    let (_, v) = total_in(deeper);
    assert!(sub(&v).iter().all(|c| c["value"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{deeper} > "))));
    let tops = v["facets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["param"] == "section")
        .unwrap();
    assert!(tops["values"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["value"] == top && t["selected"] == true));
}

#[test]
fn no_results_page_names_the_filter_that_emptied_it() {
    // 国保団体連合会 is named only by the 全項目 document (相模原市).
    let r = get(&format!(
        "/search?q={}&form={}",
        enc("国保団体連合会"),
        enc("基礎")
    ));
    assert_eq!(r.status, 200);
    assert!(r.body.contains("id=\"no-results\""), "{}", r.body);
    assert!(
        r.body.contains("the filter form=基礎 emptied the result"),
        "{}",
        r.body
    );
    let r = get(&format!("/search?q=x&prefecture={}", enc("存在しない県")));
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .contains("no indexed document has a prefecture matching"),
        "{}",
        r.body
    );
    let r = get(&format!("/search?q={}", enc("ぬるぽがっ")));
    assert!(r.body.contains("anywhere in the index"), "{}", r.body);
}

#[test]
fn choice_list_only_matches_are_offered() {
    // Find a word present only in choice lists: compare counts with and without.
    for word in ["十分である", "特に力を入れている", "発生なし", "選択肢"] {
        let (_, v) = get_json(&format!("/api/search?q={}", enc(word)));
        if v["choice_only_documents"].as_u64().unwrap_or(0) > 0 {
            let r = get(&format!("/search?q={}", enc(word)));
            assert!(r.body.contains("only in choice lists"), "{}", r.body);
            assert!(r.body.contains("choices=1"));
            return;
        }
    }
    panic!("no probe word matches only inside choice lists");
}

#[test]
fn pagination_and_per_document_toggle() {
    let (_, p1) = get_json(&format!("/api/search?q={}&size=2&page=1", enc("委託")));
    let (_, p2) = get_json(&format!("/api/search?q={}&size=2&page=2", enc("委託")));
    assert_eq!(p1["hits"].as_array().unwrap().len(), 2);
    assert_ne!(p1["hits"][0], p2["hits"][0]);
    let r = get(&format!("/search?q={}&size=2", enc("委託")));
    assert!(r.body.contains("rel=\"next\""));
    let (_, per) = get_json(&format!(
        "/api/search?q={}&per_doc=1&limit=100",
        enc("委託")
    ));
    let files: Vec<&str> = per["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["file"].as_str().unwrap())
        .collect();
    let mut dedup = files.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(files.len(), dedup.len(), "one hit per document");
}

#[test]
fn exports_are_csv_and_json() {
    let r = get(&format!("/search.csv?q={}", enc("委託")));
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    assert!(r
        .header("content-disposition")
        .unwrap()
        .contains("attachment"));
    let mut lines = r.body.lines();
    assert!(lines.next().unwrap().contains("\"section_path\""));
    assert!(lines.count() > 1);
    for path in [
        "/contractors.csv",
        &format!("/contractor.csv?name={}", enc("国保連合会")),
        "/compare.csv?item=risk.training",
    ] {
        let r = get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(
            r.header("content-type").unwrap().starts_with("text/csv"),
            "{path}"
        );
        assert!(r.body.lines().count() >= 2, "{path}: {}", r.body);
    }
}

#[test]
fn document_page_opens_the_hit_section() {
    let (_, v) = get_json(&format!("/api/search?q={}&limit=1", enc("委託")));
    let h = &v["hits"][0];
    let file = h["file"].as_str().unwrap();
    let ord = h["ordinal"].as_u64().unwrap();
    let r = get(&format!("/doc/{}?hit={ord}&q={}", enc(file), enc("委託")));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body
            .contains(&format!("class=\"sec target\" id=\"s-{ord}\"")),
        "target section marked"
    );
    assert!(r.body.contains("<mark>委託</mark>"));
    assert!(r.body.contains("id=\"meta\""));
    assert!(r.body.contains("/text/"), "link to the original text");
    let t = get(&format!("/text/{}", enc(file)));
    assert_eq!(t.status, 200);
    assert!(t.header("content-type").unwrap().starts_with("text/plain"));
    assert!(t.body.contains("評価"));
    let (status, j) = get_json(&format!("/api/doc/{}", enc(file)));
    assert_eq!(status, 200);
    assert_eq!(j["file"], file);
    assert!(!j["sections"].as_array().unwrap().is_empty());
}

#[test]
fn section_path_links_redirect_to_the_anchor() {
    let (_, v) = get_json(&format!("/api/contractor?name={}", enc("国保連合会")));
    let e = &v[0];
    let r = get(&format!(
        "/doc/{}?path={}",
        enc(e["file"].as_str().unwrap()),
        enc(e["section_path"].as_str().unwrap())
    ));
    assert!(matches!(r.status, 303 | 302 | 307), "{}", r.status);
    assert!(r.header("location").unwrap().contains("#s-"));
}

#[test]
fn documents_are_served_only_from_the_index() {
    for path in [
        "/doc/../../../../etc/passwd",
        "/doc/..%2F..%2F..%2Fetc%2Fpasswd",
        "/doc/%2e%2e/%2e%2e/etc/passwd",
        "/doc//etc/passwd",
        "/doc/%2Fetc%2Fpasswd",
        "/doc/000_db110713dcb7ac82.txt%00",
        "/text/../Cargo.toml",
        "/text/..%2FCargo.toml",
        "/text/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/text//etc/passwd",
        "/text/%2Fetc%2Fpasswd",
        "/text/not-indexed.txt",
        "/api/doc/..%2F..%2Fetc%2Fpasswd",
        "/assets/..%2F..%2FCargo.toml",
    ] {
        let r = get(path);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
        assert!(!r.body.contains("root:"), "{path}");
        assert!(!r.body.contains("[package]"), "{path}");
    }
}

#[test]
fn document_text_is_escaped_everywhere() {
    let word = enc(XSS_WORD);
    let r = get(&format!("/search?q={word}"));
    assert_eq!(r.status, 200);
    assert!(
        r.body
            .contains("&lt;script&gt;window.__xss=1&lt;/script&gt;"),
        "shown as text: {}",
        r.body
    );
    assert_no_live_markup(&r.body, "search");
    let doc = get(&format!("/doc/{}?q={word}", enc(XSS_FILE)));
    assert_eq!(doc.status, 200, "{}", doc.body);
    assert!(doc.body.contains("&lt;img src=x"));
    assert_no_live_markup(&doc.body, "document");
    for path in [
        "/contractors".to_string(),
        format!(
            "/contractor?name={}",
            enc(&format!("{XSS_WORD}{XSS_PAYLOAD}"))
        ),
        format!("/compare?item=risk&q={word}"),
        format!("/search?q={}", enc(XSS_PAYLOAD)),
        format!("/doc/{}", enc(XSS_PAYLOAD)),
    ] {
        let r = get(&path);
        assert!(r.status < 500, "{path}: {}", r.status);
        assert_no_live_markup(&r.body, &path);
    }
    let csv = get(&format!("/search.csv?q={word}"));
    assert!(csv.body.contains("<script>"), "CSV keeps the text as is");
}

#[test]
fn caps_give_clear_messages() {
    let long = "あ".repeat(501);
    let r = get(&format!("/search?q={}", enc(&long)));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("too long"), "{}", r.body);
    let r = get(&format!("/search?q={}&size=1000", enc("委託")));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("at most 100"), "{}", r.body);
    let (status, v) = get_json(&format!("/api/search?q={}&limit=99999999", enc("委託")));
    assert_eq!(status, 400);
    assert!(
        v["error"].as_str().unwrap().contains("at most 10000"),
        "{v}"
    );
    let r = get(&format!("/search?q={}&page=999999", enc("委託")));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("at most 10000"), "{}", r.body);
    let r = get(&format!("/search?q={}&page=600", enc("委託")));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("narrow the search"), "{}", r.body);
}

#[test]
fn bad_input_never_breaks_the_server() {
    let odd = [
        "/search?q=%22",
        "/search?q=-%E5%A7%94%E8%A8%97",
        "/search?q=%FF%FE",
        "/search?q=%E5%A7%94&page=abc",
        "/search?q=%E5%A7%94&page=0",
        "/search?q=%E5%A7%94&size=-1",
        "/search?q=%E5%A7%94&form=zzz",
        "/search?q=%E5%A7%94&section=%E2%85%A9%E2%85%A9",
        "/search?q=((((&q=))))",
        "/search?q=%E5%A7%94&&&=&==",
        "/search?%zz",
        "/api/search",
        "/api/search?q=%22%22",
        "/contractor",
        "/contractor?name=%E3%81%AA%E3%81%84",
        "/compare?item=%E5%AD%98%E5%9C%A8%E3%81%97%E3%81%AA%E3%81%84%E9%A0%85%E7%9B%AE",
        "/compare?item=risk.training&form=x",
        "/api/compare",
        "/doc/",
        "/doc/x?hit=99999999999999999999999",
        "/nope",
        "/api/nope",
    ];
    for path in odd {
        let r = get(path);
        assert!(r.status < 500, "{path}: {} {}", r.status, r.body);
        assert!(!r.body.is_empty(), "{path}: a message");
        if path.starts_with("/api/") && r.status >= 400 {
            let v: serde_json::Value = serde_json::from_str(&r.body).expect("JSON error");
            assert!(v["error"].is_string(), "{path}: {v}");
        }
    }
    assert_eq!(get("/search?q=%22").status, 400);
    assert_eq!(get("/nope").status, 404);
    assert_eq!(get("/search?q=ok").status, 200, "still serving");
}

#[test]
fn contractors_pages_and_api() {
    let r = get("/contractors");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("国民健康保険団体連合会"));
    let (_, list) = get_json("/api/contractors");
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["contractor"] == "国民健康保険団体連合会"));
    let r = get(&format!("/contractor?name={}", enc("国保連合会")));
    assert_eq!(r.status, 200);
    assert!(r.body.contains("id=\"entries\""));
    assert!(r.body.contains("contractor"), "role shown");
    let (_, one) = get_json(&format!("/api/contractor?name={}", enc("国保連合会")));
    let e = &one.as_array().unwrap()[0];
    assert!(e["entrusted_work"].is_string(), "{e}");
}

#[test]
fn compare_pages_and_api() {
    let r = get("/compare");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("id=\"items\""));
    let (_, items) = get_json("/api/compare/items");
    assert!(items
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["key"] == "risk.training"));
    let r = get("/compare?item=risk.training");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("id=\"compared\""));
    // A key is titled by the item's label; one under a parent by both.
    assert!(
        r.body
            .contains("<h2 id=\"compared\">従業者に対する教育・啓発</h2>"),
        "{}",
        r.body
    );
    let r = get("/compare?item=risk.training.method");
    assert!(
        r.body
            .contains("<h2 id=\"compared\">具体的な方法 — 従業者に対する教育・啓発</h2>"),
        "{}",
        r.body
    );
    let (status, c) = get_json("/api/compare?item=risk.training");
    assert_eq!(status, 200);
    let n = c["entries"].as_array().unwrap().len();
    let (_, kiso) = get_json(&format!(
        "/api/compare?item=risk.training&form={}",
        enc("全項目")
    ));
    let k = kiso["entries"].as_array().unwrap();
    assert!(
        k.len() < n && k.iter().all(|e| e["form"] == "全項目評価書"),
        "{kiso}"
    );
    let (status, _) = get_json(
        "/api/compare?item=%E5%AD%98%E5%9C%A8%E3%81%97%E3%81%AA%E3%81%84%E9%A0%85%E7%9B%AE",
    );
    assert_eq!(status, 404);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    use std::io::{BufRead, BufReader};
    let store = serve_support::store();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pia"))
        .args(["serve", "--listen", "127.0.0.1:0", "--index"])
        .arg(&store.path)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr: std::net::SocketAddr = line
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("address in {line:?}"));
    assert_eq!(pia_search::serve::http_get(addr, "/").unwrap().status, 200);
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert!(rest.contains("stopped"), "{rest}");
}

/// The lists of every contractor and every comparable item are kept between
/// requests (they take seconds over the national corpus), but only until a
/// commit changes the index: a document indexed while the server runs shows
/// in both on the next request.
#[test]
fn whole_index_lists_follow_each_commit() {
    use pia_search::index::indexer::{self, IndexOptions};
    use pia_search::index::store::Store;
    use pia_search::serve;

    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let seed =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/003_2bb90e44d61317a5.txt");
    let text = std::fs::read_to_string(&seed).unwrap();
    std::fs::write(corpus.join("003.txt"), &text).unwrap();
    let path = tmp.path().join("idx");
    let opts = IndexOptions {
        progress: false,
        ..Default::default()
    };
    let index = |store: &Store| {
        let r = indexer::index_dir(store, &corpus, &opts).unwrap();
        assert!(r.failed.is_empty(), "{:?}", r.failed);
    };
    index(&Store::open_or_create(&path).unwrap());
    let addr = serve::spawn(Store::open(&path).unwrap(), None).unwrap();
    let json = |p: &str| -> serde_json::Value {
        let r = serve::http_get(addr, p).unwrap();
        assert_eq!(r.status, 200, "{p}: {}", r.body);
        serde_json::from_str(&r.body).unwrap()
    };
    let documents_of = |list: &serde_json::Value, name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["contractor"] == name)
            .map(|c| c["documents"].as_u64().unwrap())
    };
    let items_documents = |items: &serde_json::Value| -> u64 {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["documents"].as_u64().unwrap())
            .max()
            .unwrap()
    };
    let new_name = "架空計算株式会社";
    for _ in 0..2 {
        let list = json("/api/contractors");
        assert_eq!(documents_of(&list, "日本電気株式会社"), Some(1));
        assert_eq!(documents_of(&list, new_name), None);
        assert_eq!(items_documents(&json("/api/compare/items")), 1);
    }
    std::fs::write(
        corpus.join("004.txt"),
        text.replace("日本電気株式会社", new_name),
    )
    .unwrap();
    index(&Store::open_or_create(&path).unwrap());
    let list = json("/api/contractors");
    assert_eq!(documents_of(&list, new_name), Some(1));
    assert_eq!(items_documents(&json("/api/compare/items")), 2);
}
