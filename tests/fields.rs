//! Field-level accuracy of the form parser (issue 10): for every row of
//! `fields.tsv` (file, section path, expected text or `EMPTY`), the sections
//! the parser gives that path must hold the expected text (or none). The
//! logic follows `../shared/eval/fields_check.py`: paths and texts compared
//! after NFKC with all whitespace removed, the optional level `再委託`
//! ignored; `EMPTY` means no letter or digit after the label.
//!
//! Thresholds are the figures reached when the placement logic was built;
//! a change that lowers them puts values under wrong fields again.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use unicode_normalization::UnicodeNormalization;

use pia_search::model::Section;
use pia_search::parse::parse_document;

/// NFKC, then all whitespace removed (as fields_check.py).
fn norm(s: &str) -> String {
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

fn norm_path(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| norm(p))
        .filter(|p| !p.is_empty() && p != "再委託")
        .collect::<Vec<_>>()
        .join(" > ")
}

/// Text after the first occurrence of `label` (compared normalised); the
/// whole text when the label does not occur.
fn after_label(text: &str, label: &str) -> String {
    let lab = norm(label);
    if lab.is_empty() {
        return text.to_string();
    }
    let mut stream = String::new();
    let mut pos = Vec::new();
    for (i, ch) in text.char_indices() {
        for c in norm(&ch.to_string()).chars() {
            stream.push(c);
            pos.push(i);
        }
    }
    let Some(k) = stream.find(&lab) else {
        return text.to_string();
    };
    let end = stream[..k].chars().count() + lab.chars().count();
    match pos.get(end) {
        Some(&b) => text[b..].to_string(),
        None => String::new(),
    }
}

fn has_text(s: &str) -> bool {
    s.nfkc().any(|c| c.is_alphanumeric())
}

/// First existing candidate of a shared file, else the copy under tests/data.
fn shared(rel: &str, fallback: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = root.join("..").join("shared").join(rel);
    if p.exists() {
        p
    } else {
        root.join(fallback)
    }
}

struct Row {
    file: String,
    path: Vec<String>,
    expect: String,
    hard: bool,
}

fn load_rows() -> Vec<Row> {
    let text = std::fs::read_to_string(shared("eval/fields.tsv", "tests/data/fields.tsv"))
        .expect("fields.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.len() >= 3).then(|| Row {
                file: c[0].trim().to_string(),
                path: c[1].split(" > ").map(str::to_string).collect(),
                expect: c[2].trim().to_string(),
                hard: c
                    .get(3)
                    .is_some_and(|n| n.trim_start().starts_with("[hard]")),
            })
        })
        .collect()
}

fn check(row: &Row, index: &HashMap<String, Vec<&Section>>) -> bool {
    let matches = index
        .get(&norm_path(&row.path))
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let label = row.path.last().map(String::as_str).unwrap_or("");
    if row.expect == "EMPTY" {
        return matches.iter().all(|s| {
            !has_text(&after_label(&s.body, label)) && !s.value.as_deref().is_some_and(has_text)
        });
    }
    let exp = norm(&row.expect);
    matches.iter().any(|s| {
        norm(&s.body).contains(&exp) || s.value.as_deref().is_some_and(|v| norm(v).contains(&exp))
    })
}

/// Accuracy of the parser on every seed rendered by `render`.
struct Accuracy {
    pct: f64,
    hard_pct: f64,
    report: Vec<String>,
}

/// A seed's text (`seeds/` of the shared kit, or the copy in `corpus/`).
fn seed_text(file: &str) -> String {
    let path = shared(&format!("seeds/{file}"), &format!("corpus/{file}"));
    std::fs::read_to_string(&path).expect("seed file")
}

/// The seeds that `fields.tsv` has rows of, in its order.
fn seed_files() -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for r in load_rows() {
        if !files.contains(&r.file) {
            files.push(r.file);
        }
    }
    files
}

/// The seeds as extracted, beside the renderings of `common::layouts`.
const ORIGINAL: (&str, fn(&str) -> String) = ("original", |t| t.to_string());

fn accuracy(render: fn(&str) -> String) -> Accuracy {
    accuracy_of(render, |_| true)
}

/// Accuracy on the rows `keep` selects.
fn accuracy_of(render: fn(&str) -> String, keep: fn(&Row) -> bool) -> Accuracy {
    let all = load_rows();
    assert!(all.len() >= 140, "rows: {}", all.len());
    let rows: Vec<Row> = all.into_iter().filter(keep).collect();
    let mut per_file: Vec<(String, usize, usize)> = Vec::new();
    let (mut ok, mut hard_ok, mut hard) = (0, 0, 0);
    let mut misses = Vec::new();
    let mut docs: HashMap<String, Vec<Section>> = HashMap::new();
    for row in &rows {
        let secs = docs
            .entry(row.file.clone())
            .or_insert_with(|| parse_document(&render(&seed_text(&row.file))).sections);
        let mut index: HashMap<String, Vec<&Section>> = HashMap::new();
        for s in secs.iter() {
            index.entry(norm_path(s.path.parts())).or_default().push(s);
        }
        let good = check(row, &index);
        ok += good as usize;
        hard += row.hard as usize;
        hard_ok += (good && row.hard) as usize;
        match per_file.iter_mut().find(|f| f.0 == row.file) {
            Some(f) => {
                f.1 += good as usize;
                f.2 += 1;
            }
            None => per_file.push((row.file.clone(), good as usize, 1)),
        }
        if !good {
            misses.push(format!("MISS {} {}", row.file, row.path.join(" > ")));
        }
    }
    let mut report: Vec<String> = per_file
        .iter()
        .map(|(f, g, n)| format!("{f:34} {g:3}/{n:<3} {:5.1}%", 100.0 * *g as f64 / *n as f64))
        .collect();
    let pct = 100.0 * ok as f64 / rows.len() as f64;
    let hard_pct = 100.0 * hard_ok as f64 / hard.max(1) as f64;
    report.push(format!(
        "TOTAL {ok}/{} {pct:.1}%  [hard] {hard_ok}/{hard} {hard_pct:.1}%",
        rows.len()
    ));
    report.extend(misses);
    Accuracy {
        pct,
        hard_pct,
        report,
    }
}

#[test]
fn every_value_under_its_own_field() {
    let a = accuracy(ORIGINAL.1);
    println!("{}", a.report.join("\n"));
    assert!(a.pct >= 99.0, "fields {:.1}% < 99 %", a.pct);
    assert!(
        a.hard_pct >= 98.0,
        "[hard] fields {:.1}% < 98 %",
        a.hard_pct
    );
}

/// Issue 16's metamorphic check: each seed re-rendered as other extractors
/// print it must keep its values under the same fields. The target
/// is the original's figure minus 2 points, and minus 10 for fully collapsed
/// text (line structure gone); collapsed text with other habits on top
/// keeps within 14.
#[test]
fn fields_do_not_depend_on_the_layout() {
    let original = accuracy(ORIGINAL.1).pct;
    let floors: [(&str, f64); 16] = [
        ("collapsed", original - 10.0),
        ("spaced-digits", original - 2.0),
        ("page-numbers", original - 2.0),
        ("crlf", original - 2.0),
        ("running-header", original - 2.0),
        ("cells", original - 2.0),
        ("contents-scrambled", original - 2.0),
        // 84.0 % before form feeds were read as page breaks.
        ("form-feeds", original - 2.0),
        // 46.5 % before a contents was found by its entries alone (seeds
        // 001 and 003 kept 1 and 2 of their 40 fields: the whole text went
        // into the change history).
        ("contents-unnamed", original - 2.0),
        // 60.4 % before spaced-out lines were joined again.
        ("letter-spaced", original - 2.0),
        // 87.5 % before half-width katakana was widened.
        ("half-width-kana", original - 2.0),
        // Habits combined: 88.9 % each (87.5 % before name lists were kept
        // apart from the prose after them); 77.8 % and 73.6 % before spaced
        // digits and page numbers were read in collapsed text.
        ("collapsed+spaced", original - 14.0),
        ("collapsed+spaced+paged", original - 14.0),
        // 50.7 % before circled item numbers were put back.
        ("nfkc", original - 4.0),
        // Blocks in another order within each page: 93.1 % both; 91.7 %
        // and 92.4 % before each legal basis went by the article it cites;
        // 85.4 % both before the values that say what they are found their
        // fields (lists of systems and files, the affair's name, addresses,
        // reference dates, other agencies) and count-box debris (`） 件 [`)
        // stopped taking fields.
        ("blocks-shuffled", original - 6.5),
        ("blocks-shuffled-again", original - 6.5),
    ];
    let mut failures = Vec::new();
    for (name, render) in common::layouts::VARIANTS {
        let floor = floors.iter().find(|f| f.0 == name).map(|f| f.1);
        let a = accuracy(render);
        let shown = floor.map_or("no floor".into(), |f| format!("floor {f:.1} %"));
        println!("== {name} ({shown})\n{}", a.report.join("\n"));
        if let Some(floor) = floor.filter(|&f| a.pct < f) {
            failures.push(format!("{name}: {:.1}% < {floor:.1}%", a.pct));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// Titles wrapped by a narrower page keep the document's structure. A
/// long entry of the contents cut over two or three lines
/// (`III 特定個人情報ファイルの取扱いプロセスにおけるリスク対` / `策`) once
/// ended the contents there: its remaining entries were taken for the
/// document's own headings, and the 全項目 export kept 13 of its 380
/// sections (2 of its 40 fields). Each seed cut at 30 characters a line
/// must give the sections of the original, path for path, and lose at most
/// two fields of 144 more than the original does: an answer box wrapped
/// over two lines (`[ 500人` / `未満 ]`) is closed again, as its halves make
/// an option of the forms (both 500人 rows were lost before).
#[test]
fn titles_wrapped_by_a_narrow_page_keep_every_section() {
    let mut failures = Vec::new();
    for file in seed_files() {
        let text = seed_text(&file);
        let paths = |t: &str| -> BTreeSet<String> {
            parse_document(t)
                .sections
                .iter()
                .map(|s| norm_path(s.path.parts()))
                .collect()
        };
        let (original, narrow) = (paths(&text), paths(&common::layouts::narrow(&text)));
        assert!(original.len() >= 50, "{file}: {} sections", original.len());
        for p in original.symmetric_difference(&narrow) {
            let side = if original.contains(p) { "lost" } else { "new" };
            failures.push(format!("{file}: {side} {p}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let (original, narrow) = (accuracy(ORIGINAL.1), accuracy(common::layouts::narrow));
    println!("{}", narrow.report.join("\n"));
    assert!(
        narrow.pct >= original.pct - 1.5,
        "narrow {:.1}% < original {:.1}% − 1.5",
        narrow.pct,
        original.pct
    );
}

/// A row of a name field (システムの名称, ファイル名, 事務の名称, 他の評価実施機関).
fn is_name_field(r: &Row) -> bool {
    r.path.last().is_some_and(|l| {
        [
            "システムの名称",
            "ファイル名",
            "事務の名称",
            "他の評価実施機関",
        ]
        .iter()
        .any(|n| l.ends_with(n))
    })
}

/// Name fields hold their names in every rendering that keeps each page's
/// blocks in order. Collapsed text, rewritten into lines, sets a name apart
/// from its label by a blank line, and runs a file list into the paragraph
/// printed after it; the names must still go to their own field, not to
/// another empty field of their kind on the page (システム4's name went to
/// システム2's functions) nor into the paragraph. With a page's blocks
/// shuffled, which of システム1 … システム4 a name belongs to is not in
/// the text: those renderings keep their floors above.
#[test]
fn name_fields_keep_their_names_in_every_rendering() {
    let rows = load_rows().into_iter().filter(is_name_field).count();
    assert!(rows >= 20, "{rows} name rows");
    let mut failures = Vec::new();
    let in_order = common::layouts::VARIANTS
        .into_iter()
        .filter(|(name, _)| !name.starts_with("blocks-shuffled"));
    for (name, render) in std::iter::once(ORIGINAL).chain(in_order) {
        let a = accuracy_of(render, is_name_field);
        if a.pct < 100.0 {
            failures.push(format!("{name}: {}", a.report.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Width forms do not change where a value lands: text that went through
/// NFKC (as some extractors and document sites emit it) parses like the
/// original, field for field. NFKC prints the change history's
/// `[ 〇 ]接続しない（提供）` as `[ ○ ]接続しない(提供)`, which must still tick
/// the box (or the connection section's answer moves to the question the
/// box leaves unasked), and an item number's ideographic space as a blank
/// (`②システムの機能 ３　収滞納` → `2システムの機能 3 収滞納`), which is not an
/// extractor's spaced digit (joined, the item lost its number and its list).
#[test]
fn width_forms_do_not_move_any_value() {
    let original = accuracy(ORIGINAL.1);
    let nfkc = accuracy(common::layouts::nfkc);
    let misses = |a: &Accuracy| -> Vec<String> {
        a.report
            .iter()
            .filter(|l| l.starts_with("MISS"))
            .cloned()
            .collect()
    };
    assert_eq!(misses(&nfkc), misses(&original), "{:#?}", nfkc.report);
}

/// The form's grouping cell over ⑦再委託の有無 … ⑨再委託事項 (`再委託`, a
/// table's row header; printed vertically in the PDFs, 再 / 委 / 託) is no
/// field's value in any rendering: cut into one cell per line, it ran on
/// into `⑥委託先名` (`株式会社中電シーティーアイ 再委託`, which a contractor
/// listing would show), and the vertical one sat in `③提供する情報`.
#[test]
fn the_grouping_cell_is_no_fields_value() {
    let mut seen = 0;
    for (name, render) in std::iter::once(ORIGINAL).chain(common::layouts::VARIANTS) {
        for seed in ["001_254e73f7c39d389b.txt", "003_2bb90e44d61317a5.txt"] {
            let text = seed_text(seed);
            seen += text.matches("再委託\t").count() + text.matches("\n再\n委\n託").count();
            for s in parse_document(&render(&text)).sections {
                let lines: Vec<&str> = s.body.lines().map(str::trim).collect();
                let vertical = lines.windows(3).any(|w| w == ["再", "委", "託"]);
                let cell = lines
                    .iter()
                    .any(|l| l.split(['\t', ' ', '\u{3000}']).any(|c| c == "再委託"));
                assert!(!vertical && !cell, "{name} {seed} {}: {:?}", s.path, s.body);
            }
        }
    }
    assert!(seen > 0, "the seeds print the grouping cell");
}

/// A table export prints a field's first child in the row's second cell
/// (`⑦使用の主体 | 使用部署 ※ 国保年金課…`, `②保管期間 | 期間 | [6年以上10年未満]`).
/// The value is the child's, as the PDF seeds (001's `④使用の主体 > 使用部署`)
/// and the same export cut into one cell per line have it.
#[test]
fn a_child_printed_in_its_parents_row_takes_the_value() {
    let text = seed_text("003_2bb90e44d61317a5.txt");
    for (name, render) in [ORIGINAL, ("cells", common::layouts::cells)] {
        let secs = parse_document(&render(&text)).sections;
        let at = |tail: &str| {
            secs.iter()
                .find(|s| s.path.to_string().ends_with(tail))
                .unwrap_or_else(|| panic!("{name}: no {tail}"))
        };
        let period = at("②保管期間 > 期間");
        assert_eq!(period.value.as_deref(), Some("6年以上10年未満"), "{name}");
        assert!(
            at("⑦使用の主体 > 使用部署").body.contains("国保年金課"),
            "{name}"
        );
        assert!(!at("⑦使用の主体").body.contains("国保年金課"), "{name}");
    }
}

/// A contractor's name cut into cells at its blank (`株式会社　アイネス`
/// becomes `[ 株式会社` / `アイネス ]` when a collapsed page is cut at its
/// blanks) is still an organisation name, and goes to `③委託先名`: it sat
/// under `②提供先における用途` in seed 001 collapsed and cut into cells.
#[test]
fn a_contractor_cut_at_its_blank_is_still_the_contractor() {
    let text = seed_text("001_254e73f7c39d389b.txt");
    for (name, render) in [
        ORIGINAL,
        ("collapsed", common::layouts::collapsed),
        ("cells", common::layouts::cells),
    ] {
        let secs = parse_document(&render(&text)).sections;
        let holders: Vec<String> = secs
            .iter()
            .filter(|s| norm(&s.body).contains("アイネス"))
            .map(|s| s.path.to_string())
            .collect();
        assert!(
            holders.iter().any(|p| p.ends_with("③委託先名")),
            "{name}: アイネス under {holders:?}"
        );
        assert!(
            !holders.iter().any(|p| p.contains("提供先")),
            "{name}: アイネス under {holders:?}"
        );
    }
}

/// The forms ask for a legal basis under 個人番号の利用 and under 情報連携
/// on one page of the 基礎項目 form, and a scrambled page prints them in
/// any order. Each goes where the article it cites belongs (article 9 and
/// 別表第一 for using the number, article 19 and 別表第二 for linkage),
/// and a basis printed as two blocks (`【情報提供の根拠】…`,
/// `【情報照会の根拠】…`) keeps both. Seed 002 with its page's blocks in
/// another order put the 照会 block under 個人番号の利用 and the 別表第一
/// one under ②事務の概要.
#[test]
fn each_legal_basis_goes_where_its_article_belongs() {
    let text = seed_text("002_72349b560cd020d7.txt");
    for (name, render) in [
        ORIGINAL,
        (
            "blocks-shuffled",
            common::layouts::blocks_shuffled as fn(&str) -> String,
        ),
    ] {
        let secs = parse_document(&render(&text)).sections;
        let body = |tail: &str| -> String {
            secs.iter()
                .filter(|s| s.path.to_string().ends_with(tail))
                .map(|s| norm(&s.body))
                .collect()
        };
        let (usage, link) = (
            body("個人番号の利用 > 法令上の根拠"),
            body("情報連携 > ②法令上の根拠"),
        );
        assert!(usage.contains("別表第一30の項"), "{name}: {usage}");
        assert!(!usage.contains("第19条"), "{name}: {usage}");
        assert!(link.contains("別表第二(第42、43の項)"), "{name}: {link}");
        assert!(link.contains("情報提供の根拠"), "{name}: {link}");
    }
}
