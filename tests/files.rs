//! Sections that the forms repeat per 特定個人情報ファイル (FORMS.md 2.3: Ⅱ
//! and Ⅲ of the 重点 and 全項目 forms, each file's block opened by
//! `１．特定個人情報ファイル名`). The seeds have one file each; a document
//! with two gets each file's block a path level of its own, named as the
//! block prints it, so that a hit says which file it is about and the
//! second file's text does not run into the first's sections.
//!
//! The two-file documents are the seeds with their block printed twice: a
//! table export (003, the block's rows again, without the top heading) and
//! a PDF extraction (001, the block's pages again, with it).

use std::collections::HashMap;

use pia_search::model::Section;
use pia_search::parse::parse_document;

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
/// the repeated top-level sections (`tops`, by label) is there twice, under
/// the level of file (1) with its text and of file (2) with the renamed
/// text, with the same key; every other section is as it was.
fn assert_split(one: &[Section], two: &[Section], tops: &[&str], subs: &[(&str, &str)]) {
    let by_path: HashMap<Vec<String>, &Section> =
        two.iter().map(|s| (s.path.parts().to_vec(), s)).collect();
    let levels = |top: &str| -> Vec<String> {
        let mut v: Vec<String> = two
            .iter()
            .filter(|s| s.path.top() == top && s.path.parts().len() > 1)
            .map(|s| s.path.parts()[1].clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let mut repeated = 0;
    for s in one {
        let parts = s.path.parts();
        if !tops.contains(&s.path.top()) {
            let t = by_path
                .get(parts)
                .unwrap_or_else(|| panic!("{} lost", s.path));
            assert_eq!(squeeze(&t.body), squeeze(&s.body), "{}", s.path);
            continue;
        }
        if parts.len() == 1 {
            // The top heading's own text (printed once or twice).
            continue;
        }
        let files = levels(parts[0].as_str());
        assert_eq!(
            files.len(),
            2,
            "{}: one level per file, got {files:?}",
            parts[0]
        );
        assert!(
            files[0].starts_with("(1)") && files[1].starts_with("(2)"),
            "{files:?}"
        );
        for (n, file) in files.iter().enumerate() {
            let mut path = parts.to_vec();
            path.insert(1, file.clone());
            let t = by_path
                .get(&path)
                .unwrap_or_else(|| panic!("{} missing in file {file}", s.path));
            let want = if n == 0 {
                squeeze(&s.body)
            } else {
                subs.iter()
                    .fold(squeeze(&s.body), |b, (x, y)| b.replace(x, y))
            };
            assert_eq!(squeeze(&t.body), want, "{} in file {file}", s.path);
            assert_eq!(t.key, s.key, "{}: the same field of the form", s.path);
        }
        repeated += 1;
    }
    assert!(repeated >= 50, "only {repeated} sections repeated");
    assert_eq!(two.len(), one.len() + repeated);
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
    // The level is the name as printed, without its systems in parentheses.
    assert!(two
        .iter()
        .any(|s| s.path.parts().get(1).map(String::as_str) == Some("(2) 収納・滞納情報ファイル")));
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
    // The name printed without a number gets the file's.
    let names: Vec<&str> = two
        .iter()
        .filter(|s| s.path.top() == top)
        .filter_map(|s| s.path.parts().get(1).map(String::as_str))
        .collect();
    assert!(names.contains(&"(1) 後期高齢者医療ファイル"), "{names:?}");
    assert!(names.contains(&"(2) 保険料収納ファイル"), "{names:?}");
}
