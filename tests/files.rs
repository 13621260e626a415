//! Sections that the forms repeat per 特定個人情報ファイル (FORMS.md 2.3: Ⅱ
//! and Ⅲ of the 重点 and 全項目 forms, each file's block opened by
//! `１．特定個人情報ファイル名`). The seeds have one file each; a document
//! with two keeps the form's paths, but each file's block is sections of
//! its own, named as the block prints the file (`Section::file`), so that a
//! hit says which file it is about and the second file's text does not run
//! into the first's sections.
//!
//! The two-file documents are the seeds with their block printed twice: a
//! table export (003, the block's rows again, without the top heading) and
//! a PDF extraction (001, the block's pages again, with it).

use std::collections::HashMap;

use pia_search::index::indexer::{self, IndexOptions};
use pia_search::index::store::Store;
use pia_search::model::Section;
use pia_search::parse::parse_document;
use pia_search::query::filter::Filters;
use pia_search::query::{search, syntax::UserQuery, SearchRequest};
use pia_search::reports::compare;

fn seed(prefix: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let path = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no seed {prefix} in {}", dir.display()));
    std::fs::read_to_string(path).unwrap()
}

fn renamed(lines: &[&str], subs: &[(&str, &str)]) -> Vec<String> {
    lines
        .iter()
        .map(|l| subs.iter().fold(l.to_string(), |l, (a, b)| l.replace(a, b)))
        .collect()
}

/// The lines from the heading of a top-level section (its last line that
/// `is_head`, past the contents) up to the next line that `is_end`.
fn block(
    lines: &[&str],
    is_head: impl Fn(&str) -> bool,
    is_end: impl Fn(&str) -> bool,
) -> (usize, usize) {
    let start = lines
        .iter()
        .rposition(|l| is_head(l.trim()))
        .expect("section heading");
    let end = (start + 1..lines.len())
        .find(|&i| is_end(lines[i].trim()))
        .expect("end of the section");
    (start, end)
}

/// A table export with the rows of each listed section (heading excluded)
/// printed again for a second file, after the first file's.
fn table_with_second_file(text: &str, sections: &[(&str, &str)], subs: &[(&str, &str)]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for &(head, end) in sections {
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (start, stop) = block(&refs, |l| l.starts_with(head), |l| l.starts_with(end));
        let copy = renamed(&refs[start + 1..stop], subs);
        lines.splice(stop..stop, copy);
    }
    lines.join("\n")
}

/// A PDF extraction (pages apart by three blank lines) with the pages of
/// section `head` printed again for a second file, after the first file's.
fn pages_with_second_file(text: &str, head: &str, end: &str, subs: &[(&str, &str)]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    // Page starts: the first line after a run of three blank lines or more.
    let mut starts = vec![0];
    let mut blanks = 0;
    for (i, l) in lines.iter().enumerate() {
        if l.trim().is_empty() {
            blanks += 1;
        } else {
            if blanks >= 3 {
                starts.push(i);
            }
            blanks = 0;
        }
    }
    let page_of = |i: usize| starts.partition_point(|&s| s <= i) - 1;
    let (h, e) = block(&lines, |l| l.starts_with(head), |l| l.starts_with(end));
    let (from, to) = (starts[page_of(h)], starts[page_of(e)]);
    let mut out: Vec<String> = lines[..to].iter().map(|l| l.to_string()).collect();
    out.extend(["", "", ""].map(String::from));
    out.extend(renamed(&lines[from..to], subs));
    out.extend(["", "", ""].map(String::from));
    out.extend(lines[to..].iter().map(|l| l.to_string()));
    out.join("\n")
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Checks the two-file parse against the one-file parse: every section of
/// the repeated top-level sections (`tops`, by label) is there twice, at the
/// same path and with the same key, once in file (1)'s block with its text
/// and once in file (2)'s with the renamed text; every other section is as
/// it was and in no file's block.
fn assert_split(one: &[Section], two: &[Section], tops: &[&str], subs: &[(&str, &str)]) {
    let mut by_path: HashMap<Vec<String>, Vec<&Section>> = HashMap::new();
    for s in two {
        by_path.entry(s.path.parts().to_vec()).or_default().push(s);
    }
    let mut repeated = 0;
    for s in one {
        let parts = s.path.parts();
        let there = by_path
            .get(parts)
            .unwrap_or_else(|| panic!("{} lost", s.path));
        if !tops.contains(&s.path.top()) {
            assert_eq!(there.len(), 1, "{}", s.path);
            assert_eq!(squeeze(&there[0].body), squeeze(&s.body), "{}", s.path);
            assert_eq!(there[0].file, None, "{}", s.path);
            continue;
        }
        if parts.len() == 1 {
            // The top heading's own text (printed once or twice).
            continue;
        }
        assert_eq!(there.len(), 2, "{}: one section per file", s.path);
        let files: Vec<&str> = there
            .iter()
            .map(|t| t.file.as_deref().unwrap_or(""))
            .collect();
        assert!(
            files[0].starts_with("(1)") && files[1].starts_with("(2)"),
            "{}: {files:?}",
            s.path
        );
        let renamed = subs
            .iter()
            .fold(squeeze(&s.body), |b, (x, y)| b.replace(x, y));
        assert_eq!(
            squeeze(&there[0].body),
            squeeze(&s.body),
            "{} in {}",
            s.path,
            files[0]
        );
        assert_eq!(
            squeeze(&there[1].body),
            renamed,
            "{} in {}",
            s.path,
            files[1]
        );
        assert!(
            there.iter().all(|t| t.key == s.key),
            "{}: the same field of the form",
            s.path
        );
        repeated += 1;
    }
    assert!(repeated >= 50, "only {repeated} sections repeated");
    assert_eq!(two.len(), one.len() + repeated);
}

/// The names of the file blocks of the sections under `top`.
fn blocks<'s>(sections: &'s [Section], top: &str) -> Vec<&'s str> {
    let mut v: Vec<&str> = sections
        .iter()
        .filter(|s| s.path.top() == top)
        .filter_map(|s| s.file.as_deref())
        .collect();
    v.dedup();
    v
}

#[test]
fn a_table_export_with_two_files_gives_each_file_its_sections() {
    let text = seed("003_");
    let subs = [
        (
            "(1) 資格・賦課・給付情報ファイル",
            "(2) 収納・滞納情報ファイル",
        ),
        ("国民健康保険", "国保税収納"),
    ];
    let two = table_with_second_file(
        &text,
        &[
            ("II 特定個人情報ファイルの概要", "(別添2)"),
            ("Ⅲ 特定個人情報ファイルの取扱い", "IV "),
        ],
        &subs,
    );
    let one = parse_document(&text).sections;
    let two = parse_document(&two).sections;
    let tops = [
        "Ⅱ 特定個人情報ファイルの概要",
        "Ⅲ 特定個人情報ファイルの取扱いプロセスにおけるリスク対策",
    ];
    assert_split(&one, &two, &tops, &subs);
    // A block is named as printed, without the systems in parentheses.
    for top in tops {
        assert_eq!(
            blocks(&two, top),
            [
                "(1) 資格・賦課・給付情報ファイル",
                "(2) 収納・滞納情報ファイル"
            ]
        );
    }
}

#[test]
fn a_pdf_extraction_with_two_files_gives_each_file_its_sections() {
    let text = seed("001_");
    let subs = [
        ("後期高齢者医療ファイル", "保険料収納ファイル"),
        ("被保険者", "納付義務者"),
    ];
    let two = pages_with_second_file(&text, "Ⅱ　特定個人情報ファイルの概要", "（別添１）", &subs);
    let one = parse_document(&text).sections;
    let two = parse_document(&two).sections;
    let top = "Ⅱ 特定個人情報ファイルの概要";
    assert_split(&one, &two, &[top], &subs);
    // A name printed without a number gets the file's.
    assert_eq!(
        blocks(&two, top),
        ["(1) 後期高齢者医療ファイル", "(2) 保険料収納ファイル"]
    );
    // Ⅲ, printed once, is no file's block.
    assert!(blocks(&two, "Ⅲ リスク対策").is_empty());
}

/// The 003 seed with its Ⅱ printed again for a second file, indexed alone
/// (the temporary directories live as long as the store is used).
fn two_file_store() -> (Store, [tempfile::TempDir; 2]) {
    let subs = [
        (
            "(1) 資格・賦課・給付情報ファイル",
            "(2) 収納・滞納情報ファイル",
        ),
        ("国民健康保険", "国保税収納"),
    ];
    let two = table_with_second_file(
        &seed("003_"),
        &[("II 特定個人情報ファイルの概要", "(別添2)")],
        &subs,
    );
    let corpus = tempfile::tempdir().unwrap();
    std::fs::write(corpus.path().join("two.txt"), two).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_or_create(dir.path()).unwrap();
    let opts = IndexOptions {
        progress: false,
        threads: 1,
        ..Default::default()
    };
    indexer::index_dir(&store, corpus.path(), &opts).unwrap();
    (store, [corpus, dir])
}

#[test]
fn each_file_block_is_compared_as_a_document_s_own_wording() {
    let (store, _dirs) = two_file_store();
    let c = compare::compare(&store, "対象となる本人の範囲", None, &Filters::default()).unwrap();
    assert_eq!(c.documents(), 1);
    let blocks: Vec<Option<&str>> = c
        .entries
        .iter()
        .map(|e| e.location.file_block.as_deref())
        .collect();
    assert_eq!(
        blocks,
        [
            Some("(1) 資格・賦課・給付情報ファイル"),
            Some("(2) 収納・滞納情報ファイル")
        ]
    );
    assert!(c.entries[0].text.contains("国民健康保険"));
    assert!(c.entries[1].text.contains("国保税収納"));
}

#[test]
fn a_hit_in_the_second_file_says_so_and_keeps_the_form_path() {
    let (store, _dirs) = two_file_store();
    let req = SearchRequest {
        query: UserQuery::parse("本市国保税収納の被保険者").unwrap(),
        filters: Filters::default(),
        limit: 100,
        include_choices: false,
        exact_up_to: usize::MAX,
    };
    let hits = search::search(&store, &req).unwrap().hits;
    assert!(!hits.is_empty());
    let best = &hits[0].location;
    assert_eq!(
        best.file_block.as_deref(),
        Some("(2) 収納・滞納情報ファイル")
    );
    assert_eq!(
        best.section_path,
        "Ⅱ 特定個人情報ファイルの概要 > ２．基本情報 > ③対象となる本人の範囲"
    );
    assert_eq!(
        best.shown_path(),
        "Ⅱ 特定個人情報ファイルの概要 > (2) 収納・滞納情報ファイル > ２．基本情報 > ③対象となる本人の範囲"
    );
    // Every hit is in the second file's block: the first file's sections
    // do not hold its text.
    assert!(hits
        .iter()
        .all(|h| h.location.file_block.as_deref() == Some("(2) 収納・滞納情報ファイル")));
}

/// `text` with the two lines from the one starting with `heading` (the
/// block's file name heading and the name) printed again before the line
/// starting with `before`, both within the section from `head` to `end`:
/// a table that repeats its heading row at the top of a page.
fn heading_repeated(text: &str, (head, end): (&str, &str), heading: &str, before: &str) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    let (start, stop) = block(&lines, |l| l.starts_with(head), |l| l.starts_with(end));
    let at = |p: &str| {
        (start..stop)
            .find(|&i| lines[i].trim().starts_with(p))
            .expect(p)
    };
    let (h, b) = (at(heading), at(before));
    let again = [lines[h], lines[h + 1]];
    lines.splice(b..b, again);
    lines.join("\n")
}

#[test]
fn a_file_heading_printed_again_for_the_same_file_opens_no_block() {
    let text = seed("003_");
    let again = heading_repeated(
        &text,
        ("II 特定個人情報ファイルの概要", "(別添2)"),
        "1. 特定個人情報ファイル名",
        "4. 特定個人情報ファイルの取扱いの委託",
    );
    let one = parse_document(&text).sections;
    let two = parse_document(&again).sections;
    assert!(two.iter().all(|s| s.file.is_none()), "no file blocks");
    assert_eq!(one.len(), two.len());
    for (a, b) in one.iter().zip(&two) {
        assert_eq!(a.path, b.path);
        if a.key.0 != "file.name" {
            assert_eq!(squeeze(&a.body), squeeze(&b.body), "{}", a.path);
        }
    }
}

/// A link to a section by its path (`/doc/FILE?path=…`) opens the file's
/// block the path names, as pages show it; the form's path alone opens the
/// first file's.
#[test]
fn a_section_path_link_opens_the_file_block_it_names() {
    let (store, dirs) = two_file_store();
    let best = |q: &str| {
        let req = SearchRequest {
            query: UserQuery::parse(q).unwrap(),
            filters: Filters::default(),
            limit: 1,
            include_choices: false,
            exact_up_to: usize::MAX,
        };
        search::search(&store, &req).unwrap().hits.remove(0)
    };
    let second = best("本市国保税収納の被保険者");
    let first = best("本市国民健康保険の被保険者");
    assert_eq!(first.location.section_path, second.location.section_path);
    assert_ne!(first.ordinal, second.ordinal);
    let addr = pia_search::serve::spawn(Store::open(dirs[1].path()).unwrap(), None).unwrap();
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let opened = |path: &str| -> String {
        let r =
            pia_search::serve::http_get(addr, &format!("/doc/two.txt?path={}", enc(path))).unwrap();
        assert!(
            matches!(r.status, 302 | 303 | 307),
            "{}: {}",
            r.status,
            r.body
        );
        r.header("location").unwrap().to_string()
    };
    assert!(opened(&second.location.shown_path()).ends_with(&format!("#s-{}", second.ordinal)));
    assert!(opened(&second.location.section_path).ends_with(&format!("#s-{}", first.ordinal)));
}
