//! Seed-based tests: metadata of the four seeds (FORMS.md §1) and the
//! gold-set section accuracy (eval/gold.tsv).

use std::path::PathBuf;

use super::*;
use crate::normalize::fold;

/// Directory holding the seed copies (`corpus/`), in the main crate or when
/// this module is compiled from elsewhere.
fn corpus_dir() -> PathBuf {
    let here = PathBuf::from(file!());
    let cands = [
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/corpus")),
        here.join("../../../corpus"),
        PathBuf::from("/work/main/corpus"),
    ];
    cands.into_iter().find(|p| p.is_dir()).expect("corpus dir")
}

fn gold_path() -> PathBuf {
    let here = PathBuf::from(file!());
    let cands = [
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/eval/gold.tsv"
        )),
        here.join("../../../../shared/eval/gold.tsv"),
        PathBuf::from("/work/shared/eval/gold.tsv"),
    ];
    cands.into_iter().find(|p| p.is_file()).expect("gold.tsv")
}

fn seed(prefix: &str) -> (String, String) {
    let dir = corpus_dir();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".txt"))
        .collect();
    names.sort();
    let name = names.into_iter().next().expect("seed");
    (
        name.clone(),
        std::fs::read_to_string(dir.join(name)).unwrap(),
    )
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

#[test]
fn metadata_of_the_seeds() {
    let want = [
        (
            "000",
            FormType::Kiso,
            "伊勢原市",
            "神奈川県",
            "後期高齢者医療制度に関する事務",
            s("令和6年10月 様式2"),
            "10",
            s("2024-12-27"),
            s("神奈川県伊勢原市長"),
        ),
        (
            "001",
            FormType::Juten,
            "松戸市",
            "千葉県",
            "後期高齢者医療制度に関する事務",
            None,
            "7",
            None,
            None,
        ),
        (
            "002",
            FormType::Kiso,
            "いわき市",
            "福島県",
            "国民健康保険事務",
            s("平成31年1月 様式2"),
            "6",
            s("2024-05-24"),
            s("いわき市長"),
        ),
        (
            "003",
            FormType::Zenkomoku,
            "相模原市",
            "神奈川県",
            "国民健康保険事務",
            s("平成30年5月 様式4"),
            "5",
            s("2023-12-28"),
            s("相模原市長"),
        ),
    ];
    for (p, form, muni, pref, affair, ver, num, date, agency) in want {
        let (_, text) = seed(p);
        let m = parse_document(&text).meta;
        assert_eq!(m.form, form, "{p}");
        assert_eq!(m.municipality.map(|x| x.0).as_deref(), Some(muni), "{p}");
        assert_eq!(m.prefecture.map(|x| x.0).as_deref(), Some(pref), "{p}");
        assert_eq!(m.affair.as_deref(), Some(affair), "{p}");
        assert_eq!(m.form_version, ver, "{p}");
        assert_eq!(m.number.as_deref(), Some(num), "{p}");
        assert_eq!(m.published, date, "{p}");
        assert_eq!(m.agency, agency, "{p}");
    }
}

/// A block printed twice in a row (a table export repeats it on its next
/// page, FORMS.md trap 20) gives the same sections as printed once: seed
/// 003's 委託事項4 block, rows 委託事項4 to before 委託事項5, doubled.
#[test]
fn a_block_printed_twice_reads_as_printed_once() {
    let (_, text) = seed("003");
    let lines: Vec<&str> = text.lines().collect();
    let at = |head: &str| lines.iter().position(|l| l.starts_with(head)).unwrap();
    let (from, to) = (at("委託事項4\t"), at("委託事項5\t"));
    let doubled: Vec<&str> = lines[..to].iter().chain(&lines[from..]).copied().collect();
    let once = parse_document(&text).sections;
    let twice = parse_document(&doubled.join("\n")).sections;
    let block = |secs: &[Section]| -> Vec<(String, String, String)> {
        secs.iter()
            .filter(|s| s.key.0.starts_with("file.entrust.4"))
            .map(|s| (s.key.0.clone(), s.body.clone(), s.choices.clone()))
            .collect()
    };
    assert!(block(&once).len() > 5, "{:?}", block(&once));
    assert_eq!(block(&twice), block(&once));
}

#[test]
fn era_dates() {
    assert_eq!(
        meta::to_iso("令和元年5月1日").as_deref(),
        Some("2019-05-01")
    );
    assert_eq!(
        meta::to_iso("平成３１年１月７日").as_deref(),
        Some("2019-01-07")
    );
    assert_eq!(meta::to_iso("平成1年1月8日").as_deref(), Some("1989-01-08"));
}

#[test]
fn count_box_debris_is_boilerplate() {
    // The 件 of a count box whose number and brackets were printed apart.
    assert!(is_choice_line("） 件 ["));
    assert!(is_choice_line("）　件"));
    assert!(is_choice_line("[ ]"));
    // A count with its number, and text that merely ends in 件, are content.
    assert!(!is_choice_line("（ 3 ）件"));
    assert!(!is_choice_line("提供先 2 件"));
    assert!(!is_choice_line("[ ○ ] 紙"));
}

/// A form's numbered note wraps (`…リスク対策の詳細が記載` / `されている。`):
/// its tail is boilerplate like the note, not a value for the nearest
/// empty field; a line after a short option is not. A box's bracket before
/// the list marker (collapsed text) is boilerplate too.
#[test]
fn a_form_notes_wrapped_tail_is_boilerplate() {
    let note = "2)又は3)を選択した評価実施機関については、それぞれ重点項目評価書又は全項目評価書において、リスク対策の詳細が記載";
    assert_eq!(
        choice_mask(&[note, "されている。", "十分である"]),
        [true, true, false]
    );
    assert_eq!(
        choice_mask(&["2) 十分である", "されている。"]),
        [true, false]
    );
    // Only a tail that ends the sentence: an answer after the note stays.
    assert_eq!(
        choice_mask(&[note, "十分である", "されている。"]),
        [true, false, false]
    );
    assert!(is_choice_line("[ ＜選択肢＞"));
    assert!(!is_choice_line("[ 十分である ]＜選択肢＞"));
}

#[test]
fn never_panics_on_garbage() {
    for t in [
        "",
        "\n\n\n\n",
        " ①",
        "\t\t\t<p>",
        "Ⅰ　関連情報\n ①事務の名称",
        "\u{0}\u{1}ÿ\n\n\n\n x",
    ] {
        let d = parse_document(t);
        let _ = d.sections.len();
    }
    let big: String = "あ\t<p>".repeat(300);
    let _ = parse_document(&big);
}

/// Expected paths of one gold row for one file.
fn expected_for(spec: &str, file: &str) -> Vec<String> {
    let mut out = Vec::new();
    for alt in spec.split(" | ") {
        let alt = alt.trim();
        let (files, path) = match alt.split_once(": ") {
            Some((f, p))
                if f.split('/')
                    .all(|x| x.len() == 3 && x.chars().all(|c| c.is_ascii_digit())) =>
            {
                (
                    Some(f.split('/').map(str::to_string).collect::<Vec<_>>()),
                    p,
                )
            }
            _ => (None, alt),
        };
        if files.is_none_or(|fs| fs.iter().any(|f| f == file)) {
            out.push(path.trim().to_string());
        }
    }
    out
}

/// Gold query without English annotations (`中間サーバー [risk-measure …]`).
fn clean_query(q: &str) -> String {
    let mut q = q.trim().to_string();
    for (o, c) in [(" [", ']'), (" (", ')')] {
        if let Some(p) = q.find(o) {
            if q.ends_with(c) && q[p..].chars().any(|ch| ch.is_ascii_alphabetic()) {
                q.truncate(p);
            }
        }
    }
    q
}

/// Path component equality; an expected `委託事項N` matches any number.
fn comp_eq(want: &str, got: &str) -> bool {
    match want.strip_suffix('N') {
        Some(stem) if want.ends_with("事項N") || want.ends_with("先N") || want.ends_with("ムN") => {
            got.strip_prefix(stem)
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()))
        }
        _ => want == got,
    }
}

fn path_eq(want: &str, got: &str) -> bool {
    let (w, g) = (SectionPath::parse(want), SectionPath::parse(got));
    w.0.len() == g.0.len() && w.0.iter().zip(&g.0).all(|(a, b)| comp_eq(a, b))
}

#[test]
fn gold_section_accuracy() {
    let gold = std::fs::read_to_string(gold_path()).unwrap();
    let mut docs = std::collections::HashMap::new();
    for p in ["000", "001", "002", "003"] {
        docs.insert(p.to_string(), parse_document(&seed(p).1));
    }
    // per seed: [pairs, top, numbered, full]
    let mut per: std::collections::BTreeMap<String, [usize; 4]> = Default::default();
    let (mut rows, mut rows_ok) = (0, 0);
    for line in gold.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 5 || f[4].trim().is_empty() || f[1] == "negative" {
            continue;
        }
        rows += 1;
        let mut row_ok = true;
        for file in f[3].split(',') {
            let p = &file[..3];
            let doc = &docs[p];
            let exp = expected_for(f[4], p);
            let hits: Vec<&Section> = if let Some(item) = f[2].strip_prefix("compare: ") {
                let keys = form::lookup_keys(item);
                doc.sections
                    .iter()
                    .filter(|s| keys.iter().any(|k| form::key_has_prefix(&s.key.0, k)))
                    .collect()
            } else {
                let q = fold(&clean_query(f[2]));
                doc.sections
                    .iter()
                    .filter(|s| fold(&s.body).contains(&q))
                    .collect()
            };
            let paths: Vec<String> = hits.iter().map(|s| s.path.to_string()).collect();
            let lvl = |n: usize| {
                exp.iter().any(|e| {
                    let ep = SectionPath::parse(e);
                    let k = n.min(ep.0.len());
                    hits.iter().any(|h| {
                        h.path.0.len() >= k
                            && h.path.0[..k]
                                .iter()
                                .zip(&ep.0[..k])
                                .all(|(a, b)| comp_eq(b, a))
                    })
                })
            };
            let full = exp.iter().any(|e| paths.iter().any(|p| path_eq(e, p)));
            let e = per.entry(p.to_string()).or_default();
            e[0] += 1;
            e[1] += lvl(1) as usize;
            e[2] += lvl(2) as usize;
            e[3] += full as usize;
            if !full {
                row_ok = false;
                println!(
                    "FAIL {} {} q={:?}\n   want {:?}\n   got  {:?}",
                    f[0], p, f[2], exp, paths
                );
            }
        }
        rows_ok += row_ok as usize;
    }
    let mut tot = [0usize; 4];
    for (p, e) in &per {
        println!(
            "seed {p}: pairs {} top {} numbered {} full {}",
            e[0], e[1], e[2], e[3]
        );
        for i in 0..4 {
            tot[i] += e[i];
        }
    }
    println!(
        "total pairs {} top {} numbered {} full {}; rows {rows} full-ok {rows_ok}",
        tot[0], tot[1], tot[2], tot[3]
    );
    assert_eq!(tot[1], tot[0], "top level must be 100%");
    assert!(
        rows_ok * 100 >= rows * 95,
        "full path rows {rows_ok}/{rows} < 95%"
    );
}

#[test]
fn every_seed_has_cover_and_sections() {
    for p in ["000", "001", "002", "003"] {
        let d = parse_document(&seed(p).1);
        assert!(d.sections.iter().any(|s| s.path.top() == "表紙"), "{p}");
        assert!(d.sections.len() > 20, "{p}");
    }
}

/// Checks a generated corpus (`gen_corpus.py … --out DIR`; set `PIA_GEN_DIR`):
/// every document parses, with form, municipality and prefecture of the
/// manifest and non-empty sections.
#[test]
fn generated_corpus_if_present() {
    let Ok(dir) = std::env::var("PIA_GEN_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let mut bad = 0;
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let text = std::fs::read_to_string(dir.join(f[0])).unwrap();
        let d = parse_document(&text);
        let ok = d.meta.form.name().starts_with(f[4])
            && d.meta.municipality.as_ref().map(|m| m.0.as_str()) == Some(f[1])
            && d.meta.prefecture.as_ref().map(|m| m.0.as_str()) == Some(f[2])
            && d.sections
                .iter()
                .filter(|s| !s.body.trim().is_empty())
                .count()
                > 10;
        if !ok {
            bad += 1;
            println!(
                "GEN FAIL {} form={:?} muni={:?} pref={:?} n={}",
                f[0],
                d.meta.form,
                d.meta.municipality,
                d.meta.prefecture,
                d.sections.len()
            );
        }
    }
    assert_eq!(bad, 0);
}

/// Every non-blank line of a seed lands in some body or choices (R: nothing lost).
#[test]
fn nothing_is_lost() {
    for p in ["000", "001", "002", "003"] {
        let text = seed(p).1;
        let d = parse_document(&text);
        let all: String = d
            .sections
            .iter()
            .flat_map(|s| [s.body.as_str(), s.choices.as_str()])
            .collect::<Vec<_>>()
            .join("\n");
        let have = fold(&all);
        let mut lost = 0;
        for l in text.lines() {
            let clean = ordered::strip_html(l);
            let missing = clean.split_whitespace().any(|t| !have.contains(&fold(t)));
            if missing {
                lost += 1;
                if lost < 5 {
                    println!("LOST {p}: {l:.80}");
                }
            }
        }
        assert_eq!(lost, 0, "{p}");
    }
}

/// A document many times the size of a real one (a seed's body pages
/// repeated to 2 MB) parses without loss: each of a few lines that occur
/// once in the body is in the output once per copy, so no copy was dropped
/// or merged away. Its speed is measured by `pia-bench stages`.
#[test]
fn every_copy_of_a_huge_document_is_kept() {
    for p in ["001", "003"] {
        let full = seed(p).1;
        // Body pages only (no change history): every copy is parsed for labels.
        let body: String = full[..full.rfind("変更箇所").unwrap_or(full.len())]
            .lines()
            .map(|l| format!("{l}\n"))
            .collect();
        let copies = 2_000_000 / body.len() + 1;
        let d = parse_document(&body.repeat(copies));
        let out: String = d
            .sections
            .iter()
            .flat_map(|s| [fold(&s.body), fold(&s.choices)])
            .collect();
        let folded_body = fold(&body);
        let once: Vec<String> = body
            .lines()
            .map(fold)
            .filter(|l| l.chars().count() >= 30 && folded_body.matches(l.as_str()).count() == 1)
            .take(5)
            .collect();
        assert_eq!(once.len(), 5, "{p}: lines to count");
        for l in &once {
            assert_eq!(out.matches(l.as_str()).count(), copies, "{p}: {l}");
        }
    }
}

proptest::proptest! {
    /// The bound that spares `is_bare_label` a fold never rules out a text
    /// that does fold to the label: marks that folding drops or joins
    /// (ー after katakana, ※, 【任意】, markup, half-width kana with voicing
    /// marks, combining marks, circled numbers) in any mix.
    #[test]
    fn the_label_bound_never_rules_out_a_text_that_folds_to_it(
        parts in proptest::collection::vec(proptest::sample::select(vec![
            "評価", "サーバー", "ー", "※", "【任意】", "任意", "<p>", "</p>", "<br>", "<p class=\"表\">",
            "＜", "＞", "<選択肢>", "ｶﾞ", "ﾞ", "か", "\u{3099}", "゛", "①", "⑳", "（１）", "　", " ",
            "\n", "ア", "、", "。", "ＩＣ",
        ]), 0..40),
    ) {
        let text: String = parts.concat();
        proptest::prop_assert!(may_fold_to(&text, &lfold(&text)), "{text:?}");
    }
}

#[test]
fn the_kiso_version_comes_from_its_marker_wherever_it_is_printed() {
    let kiso = |tail: &str| {
        let text = format!(
            "特定個人情報保護評価書（基礎項目評価書）\n公表日 令和５年１１月２１日\n{}\n項目一覧\n",
            tail
        );
        super::detect_variant(&text)
    };
    assert_eq!(kiso("［令和６年１０月 様式２］"), Some(Variant::KisoR6));
    // Wrapped, spaced, after a page of other text.
    let far = format!("{}[令和 6 年\n10 月　様式2]", "事務の内容。\n".repeat(3000));
    assert_eq!(kiso(&far), Some(Variant::KisoR6));
    assert_eq!(
        kiso("㋿6年10月"),
        Some(Variant::KisoH31),
        "no bracket, no marker"
    );
    assert_eq!(kiso("[平成31年4月 様式2]"), Some(Variant::KisoH31));
    assert_eq!(kiso("令和６年１０月１日施行"), Some(Variant::KisoH31));
}

#[test]
fn a_file_block_is_named_as_its_heading_prints_the_file() {
    let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // The systems in parentheses after the name are left out.
    let printed = lines(&[
        "1. 特定個人情報ファイル名",
        "(2) 収納・滞納情報ファイル(総合収納システム、中間サーバー)",
    ]);
    assert_eq!(
        file_name(&printed, 2).as_deref(),
        Some("(2) 収納・滞納情報ファイル")
    );
    // A name beside its label, printed without a number, gets the file's.
    let beside = lines(&[" １．特定個人情報ファイル名 本人確認情報ファイル"]);
    assert_eq!(
        file_name(&beside, 3).as_deref(),
        Some("(3) 本人確認情報ファイル")
    );
    assert_eq!(file_name(&lines(&["１．特定個人情報ファイル名"]), 1), None);
    for level in ["(2) 収納・滞納情報ファイル", "（２）　送付先情報ファイル"]
    {
        assert!(is_file_level(level), "{level}");
    }
    for level in [
        "１．特定個人情報ファイル名",
        "システム1",
        "(別添1) 事務の内容",
        "()",
    ] {
        assert!(!is_file_level(level), "{level}");
    }
}

/// Equivalence of the parser's shortcuts with what they stand for, on
/// texts built from the pieces whose fold depends on their neighbours.
mod shortcuts {
    use super::*;
    use crate::parse::form::{schema, VARIANTS};
    use proptest::prelude::*;

    /// A piece of a table cell: a label of some form, or text whose fold
    /// reaches across a cut (`【任意】`, tags, `＜選択肢＞`, a voiced mark
    /// after its kana, `ー` after katakana, blanks, `※`).
    fn piece() -> impl Strategy<Value = String> {
        let labels: Vec<String> = VARIANTS
            .iter()
            .flat_map(|&v| schema(v).nodes.iter().map(|n| n.label.clone()))
            .collect();
        prop_oneof![
            4 => proptest::sample::select(labels),
            4 => "[ぁ-んァ-ン亜-腕A-Za-z0-9（）()]{0,24}",
            1 => proptest::sample::select(vec![
                "【任意】", "＜選択肢＞", "<br>", "<", "＜", "ｶﾞ", "ｶ", "\u{3099}", "※",
                " ", "\u{3000}", "ー", "サーバー", "\n", "（基礎項目評価書）",
            ])
            .prop_map(str::to_string),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// A label is matched on the head of a cell as on all of it.
        #[test]
        fn a_label_is_matched_on_the_head_of_a_cell(pieces in prop::collection::vec(piece(), 0..60)) {
            let text: String = pieces.concat();
            for v in VARIANTS {
                let s = schema(v);
                prop_assert_eq!(match_label(s, &label_head(s, &text)), match_label(s, &lfold(&text)));
            }
        }

        /// The form is told from the cover as from the first pages.
        #[test]
        fn the_form_is_told_from_the_cover_as_from_the_pages(pieces in prop::collection::vec(piece(), 0..400)) {
            let text: String = pieces.concat();
            let marker = "(基礎項目評価書)";
            let cover = chars_prefix(&text, 2_000);
            let head = lfold(chars_prefix(&text, 20_000));
            // The cover's fold finds the title only where the pages' does.
            if !opens_tag(&text, cover.len()) && lfold(cover).contains(marker) {
                prop_assert!(head.contains(marker));
            }
            if head.contains(marker) {
                prop_assert_eq!(detect_variant(&text), Some(kiso(&text)));
            }
        }
    }
}
