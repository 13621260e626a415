//! Odd user input never panics: queries typed at the command line, and random
//! bytes fed to the decoder and parser (issue 7).

mod common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use pia_search::index::indexer::{self, IndexOptions};
use pia_search::index::store::Store;
use pia_search::ingest::decode;
use pia_search::parse;
use pia_search::query::search;
use pia_search::query::syntax::UserQuery;
use pia_search::query::SearchRequest;
use proptest::prelude::*;

/// The bundled corpus indexed once per test binary: (index path, store).
fn corpus_index() -> &'static (PathBuf, Store) {
    static IDX: OnceLock<(PathBuf, Store)> = OnceLock::new();
    IDX.get_or_init(|| {
        let path = tempfile::tempdir().unwrap().keep().join("idx");
        let store = Store::open_or_create(&path).unwrap();
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let opts = IndexOptions {
            threads: 2,
            progress: false,
            ..Default::default()
        };
        let r = indexer::index_dir(&store, &corpus, &opts).unwrap();
        assert_eq!(r.added, 4, "{r:?}");
        (path, store)
    })
}

fn search(args: &[&OsStr]) -> Output {
    let (path, _) = corpus_index();
    Command::new(env!("CARGO_BIN_EXE_pia"))
        .args(["search", "--json", "-n", "1000", "--index"])
        .arg(path)
        // After `--`, a query like `-委託` is not taken for an option.
        .arg("--")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn search_str(q: &str) -> Output {
    search(&[OsStr::new(q)])
}

/// Exit code 0 and the hits (one JSON line each).
fn hits(q: &str) -> Vec<serde_json::Value> {
    let out = search_str(q);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{q:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::json_lines(&out.stdout)
}

/// Exit code 1 and a one-line `pia: …` message containing `want`.
fn refused(out: Output, want: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("pia: ") && err.contains(want), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn empty_and_blank_queries_are_refused_clearly() {
    for q in ["", " ", "\u{3000}\t ", "\"\"", "「」", "\u{7}\u{1b}\u{7f}"] {
        refused(search_str(q), "empty query");
    }
    refused(search_str("-委託"), "only excludes");
}

#[test]
fn punctuation_is_a_literal_search() {
    assert!(!hits("、").is_empty());
    assert!(hits("、。").is_empty(), "no section has this sequence");
    // Regex and query-syntax characters are not syntax.
    for q in ["(", "[", "*", ".", "\\", "AND", "+-", "?", "|", "^$", "～"] {
        let out = search_str(q);
        assert_eq!(out.status.code(), Some(0), "{q:?}: {:?}", out);
    }
    // `.` finds only sections that really contain a dot, not everything.
    let all = hits("の").len();
    assert!(hits(".").len() < all);
}

#[test]
fn unbalanced_quotes_run_to_the_end() {
    assert_eq!(hits("「中間 サーバー」").len(), hits("中間サーバー").len());
    let quoted = hits("\"中間 サーバー");
    assert!(!quoted.is_empty());
    assert_eq!(quoted.len(), hits("中間サーバー").len());
    assert!(!hits("中間サーバー\"").is_empty());
}

#[test]
fn long_queries_are_refused_or_searched() {
    refused(search_str(&"あ".repeat(10_000)), "too long");
    // 10 KB of ordinary words: searched (nothing has them all), not a panic.
    let words = ["中間サーバー", "委託", "個人番号", "リスク", "管理"];
    let mut q = String::new();
    while q.len() < 10_000 {
        q.push_str(words[q.len() % words.len()]);
        q.push(' ');
    }
    let out = search_str(&q);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Many distinct words: no section has them all.
    let mut q = String::new();
    for i in 0..1500 {
        q.push_str(&format!("語{i} "));
    }
    assert!(q.len() > 10_000);
    assert!(hits(&q).is_empty());
}

#[test]
fn control_characters_separate_words() {
    let plain = hits("中間サーバー 委託");
    assert!(!plain.is_empty());
    assert_eq!(hits("中間サーバー\u{7}委託\u{1b}[31m").len(), {
        // ESC is a separator, `[31m` a (rare) literal word.
        hits("中間サーバー 委託 [31m").len()
    });
    assert_eq!(hits("中間サーバー\u{85}委託").len(), plain.len());
    assert_eq!(hits("中間\r\nサーバー").len(), hits("中間 サーバー").len());
}

#[test]
fn half_width_katakana_matches_full_width() {
    let full = hits("中間サーバー");
    assert!(!full.is_empty());
    assert_eq!(hits("中間ｻｰﾊﾞｰ").len(), full.len());
    assert_eq!(hits("ＭＩＣＪＥＴ").len(), hits("MICJET").len());
}

#[test]
fn invalid_utf8_arguments_are_an_error_not_a_panic() {
    let out = search(&[OsStr::from_bytes(b"\xff\xfe\x80")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("UTF-8"), "{err}");
}

/// Characters that exercise the decoder, parser and query syntax.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        Just(' '),
        Just('\u{3000}'),
        Just('\n'),
        Just('"'),
        Just('「'),
        Just('-'),
        Just('['),
        Just('○'),
        Just('①'),
        Just('Ⅰ'),
        Just('．'),
        prop::char::range('ぁ', 'ゖ'),
        prop::char::range('ァ', 'ヺ'),
        prop::char::range('ｦ', 'ﾟ'),
        prop::char::range('一', '龥'),
        prop::char::range('\0', '\u{7f}'),
        any::<char>(),
    ]
}

fn tricky_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(tricky_char(), 0..max).prop_map(|v| v.into_iter().collect())
}

/// Lines that look like the form (labels with and without the leading space,
/// page breaks), mixed with noise, so the parser's label logic is reached.
fn formish_text() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just(" ①事務の名称".to_owned()),
        Just("Ⅰ 関連情報".to_owned()),
        Just(" ２．特定個人情報ファイル名".to_owned()),
        Just("システム1".to_owned()),
        Just("リスク１： 目的外の入手が行われるリスク".to_owned()),
        Just("変更箇所".to_owned()),
        Just("項目一覧".to_owned()),
        Just("[ ○ ] 紙".to_owned()),
        Just("特定個人情報保護評価書（全項目評価書）".to_owned()),
        Just(String::new()),
        tricky_string(40),
    ];
    prop::collection::vec(line, 0..60).prop_map(|v| v.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn decode_and_parse_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        if let Ok(d) = decode::decode(&bytes) {
            prop_assert!(!d.text.contains('\r'));
            let _ = parse::parse_document(&d.text);
        }
    }

    #[test]
    fn parse_never_panics_on_form_like_text(text in formish_text()) {
        let doc = parse::parse_document(&text);
        if !text.trim().is_empty() {
            prop_assert!(!doc.sections.is_empty());
        }
        // Encoded and decoded again, it is still parsed the same way.
        let (sjis, _, lossy) = encoding_rs::SHIFT_JIS.encode(&text);
        if !lossy && !text.contains(|c: char| c.is_control() && c != '\n' && c != '\t') {
            if let Ok(d) = decode::decode(&sjis) {
                if d.text == text {
                    let again = serde_json::to_string(&parse::parse_document(&d.text)).unwrap();
                    prop_assert_eq!(again, serde_json::to_string(&doc).unwrap());
                }
            }
        }
    }

    #[test]
    fn any_query_string_is_parsed_and_searched_without_panic(q in tricky_string(30)) {
        let (_, store) = corpus_index();
        if let Ok(query) = UserQuery::parse(&q) {
            let req = SearchRequest {
                query,
                filters: Default::default(),
                limit: 20,
                include_choices: true,
                exact_up_to: pia_search::query::topk::EXACT_TOTAL,
            };
            let res = search::search(store, &req);
            prop_assert!(res.is_ok(), "{:?}: {:?}", q, res.err());
        }
    }
}
