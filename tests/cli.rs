//! The command line as a user runs it.

mod common;

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::process::Command;

fn pia() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pia"))
}

#[test]
fn search_without_an_index_builds_the_default_one_and_finds_all_four_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["search", "中間サーバー", "--limit", "1000"].map(OsStr::new);
    let mut files = BTreeSet::new();
    for v in common::pia_json(&args, tmp.path()) {
        let line = v.to_string();
        for k in ["file", "section_path", "score", "snippet"] {
            assert!(v.get(k).is_some(), "missing {k} in {line}");
        }
        assert!(!v["section_path"].as_str().unwrap().is_empty());
        let snippet = v["snippet"].as_str().expect("snippet is a string");
        let (a, b) = (
            v["highlights"][0][0].as_u64().unwrap(),
            v["highlights"][0][1].as_u64().unwrap(),
        );
        let marked: String = snippet
            .chars()
            .skip(a as usize)
            .take((b - a) as usize)
            .collect();
        assert!(marked.starts_with("中間サーバ"), "{marked} in {snippet}");
        files.insert(v["file"].as_str().unwrap().to_string());
    }
    assert_eq!(files.len(), 4, "{files:?}");
}

#[test]
fn text_output_shows_path_and_highlighted_snippet() {
    let tmp = tempfile::tempdir().unwrap();
    let idx = tmp.path().join("idx");
    let st = pia()
        .args(["index", "corpus", "--index"])
        .arg(&idx)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    common::assert_success(&st);
    assert!(String::from_utf8_lossy(&st.stdout).contains("indexed 4 files"));
    let out = pia()
        .args(["search", "\"株式会社 アイネス\"", "--index"])
        .arg(&idx)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("001_254e73f7c39d389b.txt"), "{text}");
    assert!(text.contains("【株式会社　アイネス】"), "{text}");
    // The summary line; the seeds are far below the exact-count budget, so
    // --exact-totals changes nothing and no total is a lower bound ("+").
    let summary = |extra: &[&str]| {
        let out = pia()
            .args(["search", "委託", "--index"])
            .arg(&idx)
            .args(extra)
            .output()
            .unwrap();
        common::assert_success(&out);
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .find(|l| l.contains("matching sections"))
            .unwrap_or_else(|| panic!("no summary in {text}"))
            .to_string()
    };
    let plain = summary(&[]);
    assert!(
        plain.starts_with("10 of ") && !plain.contains('+'),
        "{plain}"
    );
    assert_eq!(plain, summary(&["--exact-totals"]));
    assert!(plain.ends_with("(--limit N shows more)"), "{plain}");
    // A complete list does not offer more, and nothing found says so.
    let all = summary(&["--limit", "10000"]);
    assert!(all.ends_with(" shown"), "{all}");
    let out = pia()
        .args(["search", "存在しない語句", "--index"])
        .arg(&idx)
        .output()
        .unwrap();
    common::assert_success(&out);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "no matching sections\n"
    );
}

#[test]
fn errors_are_one_clear_line_and_nonzero() {
    let tmp = tempfile::tempdir().unwrap();
    let out = pia()
        .args(["search", "中間", "--index"])
        .arg(tmp.path().join("none"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("pia: no index at"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    let out = pia()
        .args(["search", "  "])
        .env("PIA_INDEX", tmp.path().join("i2"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty query"));
}

/// A name found in two prefectures gets none, and `pia show` says why
/// instead of a bare dash (issue 16).
#[test]
fn show_says_when_the_prefecture_cannot_be_decided() {
    let tmp = tempfile::tempdir().unwrap();
    let doc = tmp.path().join("fuchu.txt");
    std::fs::write(
        &doc,
        "特定個人情報保護評価書(基礎項目評価書) 評価書番号 3 評価書名 府中市 介護保険に関する事務 \
         基礎項目評価書 個人のプライバシー等の権利利益の保護の宣言 府中市は、… 特記事項 なし \
         評価実施機関名 府中市長 公表日 令和5年4月1日 Ⅰ 関連情報 1.特定個人情報ファイルを取り扱う事務 …",
    )
    .unwrap();
    let out = pia().arg("show").arg(&doc).output().unwrap();
    common::assert_success(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("municipality: 府中市"), "{text}");
    let line = text.lines().find(|l| l.starts_with("prefecture:")).unwrap();
    assert!(
        line.contains("府中市 exists in") && line.contains("東京都") && line.contains("広島県"),
        "{line}"
    );
}

/// The `documents` of a `--where --json` line.
fn documents(line: &serde_json::Value) -> usize {
    line["documents"].as_u64().unwrap() as usize
}

/// The `path` of a `--where --json` line.
fn components(line: &serde_json::Value) -> Vec<&str> {
    line["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect()
}

/// `--where`: the matching sections under each section one level down,
/// each count what `--section` with that path finds; `--section` on one
/// of them goes a level deeper.
#[test]
fn where_counts_the_matches_under_each_section() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| common::pia_json_of(args, tmp.path());
    // (sections, documents) that --section with that path finds.
    let total = |section: &str| -> (usize, usize) {
        let hits = run(&["search", "委託", "--limit", "10000", "--section", section]);
        let files: BTreeSet<&str> = hits.iter().map(|h| h["file"].as_str().unwrap()).collect();
        (hits.len(), files.len())
    };
    let all = run(&["search", "委託", "--limit", "10000"]).len();
    let tops = run(&["search", "委託", "--where"]);
    assert!(tops.len() >= 3, "{tops:?}");
    let mut sum = 0;
    for t in &tops {
        let path = components(t);
        assert_eq!(path.len(), 1, "{t}");
        let n = t["sections"].as_u64().unwrap() as usize;
        assert_eq!(total(path[0]), (n, documents(t)), "{t}");
        sum += n;
    }
    assert!(sum <= all, "{sum} > {all}");
    // Most first, and one level deeper under the first.
    let counts: Vec<u64> = tops
        .iter()
        .map(|t| t["sections"].as_u64().unwrap())
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let first = tops[0]["path"][0].as_str().unwrap();
    let below = run(&["search", "委託", "--where", "--section", first]);
    assert!(!below.is_empty());
    for b in &below {
        let path = components(b);
        assert_eq!(path.len(), 2, "{b}");
        assert_eq!(path[0], first);
        let n = b["sections"].as_u64().unwrap() as usize;
        assert_eq!(total(&path.join(" > ")), (n, documents(b)), "{b}");
    }
}

/// `pia search 委託 -再委託` excludes as `--exclude 再委託` does; an ASCII
/// option after it is still an option.
#[test]
fn a_japanese_word_after_a_dash_is_an_exclusion() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| common::pia_json_of(args, tmp.path());
    let all = run(&["search", "委託", "--limit", "10000"]);
    let dashed = run(&["search", "委託", "-再委託", "--limit", "10000"]);
    let option = run(&["search", "委託", "--exclude", "再委託", "--limit", "10000"]);
    assert!(
        dashed.len() < all.len(),
        "{} vs {}",
        dashed.len(),
        all.len()
    );
    assert_eq!(dashed, option);
    let n = run(&["search", "-再委託", "委託", "-n", "1"]);
    assert_eq!(n.len(), 1);
}
