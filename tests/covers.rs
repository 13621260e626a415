//! Metamorphic tests of cover metadata (issue 16): the same document reaches
//! users through different extractors, so each seed is re-rendered here in
//! other layouts (collapsed whitespace, one cell per line, spaced digits,
//! page-number lines, CRLF) and must give the same `DocMeta` as the original.
//! Plus made-up covers in the collapsed style and the body / date rules.

mod common;

use pia_search::model::DocMeta;
use pia_search::parse::{meta, parse_document};

/// The four seeds, by file name.
fn seeds() -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(common::corpus())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert_eq!(v.len(), 4);
    v
}

use common::layouts::{cells, collapsed, VARIANTS};

/// DocMeta's fields, by name, for field-level comparison.
fn fields(m: &DocMeta) -> Vec<(&'static str, String)> {
    vec![
        ("municipality", format!("{:?}", m.municipality)),
        ("prefecture", format!("{:?}", m.prefecture)),
        ("affair", format!("{:?}", m.affair)),
        ("form", format!("{:?}", m.form)),
        ("form_version", format!("{:?}", m.form_version)),
        ("number", format!("{:?}", m.number)),
        ("published", format!("{:?}", m.published)),
        ("agency", format!("{:?}", m.agency)),
    ]
}

/// Every variant of every seed gives the original's metadata, field by field.
#[test]
fn metadata_does_not_depend_on_the_layout() {
    let seeds = seeds();
    let originals: Vec<DocMeta> = seeds.iter().map(|(_, t)| parse_document(t).meta).collect();
    let mut failures = Vec::new();
    for (name, render) in VARIANTS {
        let mut same = 0;
        let mut total = 0;
        for ((file, text), orig) in seeds.iter().zip(&originals) {
            let got = parse_document(&render(text)).meta;
            for ((f, a), (_, b)) in fields(orig).into_iter().zip(fields(&got)) {
                total += 1;
                if a == b {
                    same += 1;
                } else {
                    failures.push(format!("{name} {file} {f}: {a} → {b}"));
                }
            }
        }
        println!("VARIANT {name}: {same}/{total} fields as the original");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The made-up cover of issue 16, every value on the line of its label.
const COLLAPSED_COVER: &str = "特定個人情報保護評価書(基礎項目評価書) 評価書番号 15 評価書名 ○○に関する事務 \
基礎項目評価書 個人のプライバシー等の権利利益の保護の宣言 ○○市は、… 特記事項 なし 評価実施機関名 ○○市長 \
公表日 平成28年7月27日 [平成28年1月 様式2] Ⅰ 関連情報 1.特定個人情報ファイルを取り扱う事務 …";

fn opt(s: &str) -> Option<String> {
    Some(s.to_string())
}

#[test]
fn collapsed_cover_of_the_issue() {
    let m = parse_document(COLLAPSED_COVER).meta;
    assert_eq!(m.municipality.map(|x| x.0), opt("○○市"));
    assert_eq!(m.prefecture, None, "an unknown name gets no prefecture");
    assert_eq!(m.affair, opt("○○に関する事務"));
    assert_eq!(m.form, pia_search::model::FormType::Kiso);
    assert_eq!(m.form_version, opt("平成28年1月 様式2"));
    assert_eq!(m.number, opt("15"));
    assert_eq!(m.published, opt("2016-07-27"));
    assert_eq!(m.agency, opt("○○市長"));
}

#[test]
fn collapsed_cover_with_real_names() {
    let t = COLLAPSED_COVER
        .replace("○○市", "伊勢原市")
        .replace("○○に関する事務", "伊勢原市 住民基本台帳に関する事務");
    let m = parse_document(&t).meta;
    assert_eq!(m.municipality.map(|x| x.0), opt("伊勢原市"));
    assert_eq!(m.prefecture.map(|x| x.0), opt("神奈川県"));
    assert_eq!(m.affair, opt("住民基本台帳に関する事務"));
    assert_eq!(m.agency, opt("伊勢原市長"));
    // Spaced, full-width and 元年 dates; a page number between label and value.
    let t2 = t.replace("平成28年7月27日", "- 2 - 令和 元 年 ７ 月 ２７ 日");
    assert_eq!(parse_document(&t2).meta.published, opt("2019-07-27"));
    // Labels glued to their values and split by line breaks.
    let t3 = t
        .replace(" 15 ", "15\n")
        .replace("評価実施機関名 ", "評価実施\n機関名");
    let m3 = parse_document(&t3).meta;
    assert_eq!(m3.number, opt("15"));
    assert_eq!(m3.agency, opt("伊勢原市長"));
}

/// Two sources agreeing outvote the third; a date after 公表日 beats others,
/// the 承認日 never counts.
#[test]
fn agreeing_sources_win() {
    let t = COLLAPSED_COVER
        .replace("○○市は、", "松戸市は、")
        .replace("○○市長", "伊勢原市長")
        .replace("○○に関する事務", "松戸市 後期高齢者医療制度に関する事務")
        .replace("特記事項 なし", "特記事項 令和2年4月1日に再評価")
        .replace(
            "公表日",
            "個人情報保護委員会 承認日【行政機関等のみ】 令和3年1月5日 公表日",
        );
    let m = parse_document(&t).meta;
    assert_eq!(m.municipality.map(|x| x.0), opt("松戸市"));
    assert_eq!(m.prefecture.map(|x| x.0), opt("千葉県"));
    assert_eq!(m.affair, opt("後期高齢者医療制度に関する事務"));
    assert_eq!(m.agency, opt("伊勢原市長"), "the agency stays as printed");
    assert_eq!(m.published, opt("2016-07-27"));
}

/// Separators after labels, a note after the declaring body, a version
/// marker without its brackets.
#[test]
fn separators_notes_and_bare_version() {
    let t = COLLAPSED_COVER
        .replace(
            "○○市は、",
            "厚木市（以下「本市」という。）は、…を宣言する。",
        )
        .replace("評価実施機関名 ○○市長", "評価実施機関名：厚木市長")
        .replace("公表日 ", "公表日：")
        .replace("[平成28年1月 様式2]", "平成28年1月 様式2");
    let m = parse_document(&t).meta;
    assert_eq!(m.municipality.map(|x| x.0), opt("厚木市"));
    assert_eq!(m.prefecture.map(|x| x.0), opt("神奈川県"));
    assert_eq!(m.agency, opt("厚木市長"));
    assert_eq!(m.published, opt("2016-07-27"));
    assert_eq!(m.form_version, opt("平成28年1月 様式2"));
    // The subject of a declaration printed apart from its label.
    let t2 = t
        .replace("個人のプライバシー等の権利利益の保護の宣言 ", "")
        .replace("評価実施機関名：厚木市長 ", "");
    let m2 = parse_document(&t2).meta;
    assert_eq!(m2.municipality.map(|x| x.0), opt("厚木市"));
    assert_eq!(m2.agency, None);
}

/// A numbered 評価書番号, a title without its form name, an empty 特記事項
/// printed before the title.
#[test]
fn title_and_number_forms() {
    let t = COLLAPSED_COVER
        .replace("評価書番号 15", "評価書番号 第１５号")
        .replace(" 基礎項目評価書 個人", " 個人");
    let m = parse_document(&t).meta;
    assert_eq!(m.number, opt("15"));
    assert_eq!(m.affair, opt("○○に関する事務"));
    let scrambled = "○○町は、…を宣言する。 特記事項 なし ○○町 介護保険に関する事務 \
基礎項目評価書 評価書番号 評価書名 評価実施機関名 ○○町長 公表日 令和2年3月4日";
    let m = parse_document(scrambled).meta;
    assert_eq!(m.affair, opt("介護保険に関する事務"));
    assert_eq!(m.municipality.map(|x| x.0), opt("○○町"));
    assert_eq!(m.number, None);
}

/// A board of education is a body of its own even where the declaration and
/// the title name its city; the prefecture printed by any of them counts.
#[test]
fn board_of_education_is_recorded_as_such() {
    let t = COLLAPSED_COVER
        .replace("○○市は、", "東京都府中市は、")
        .replace("○○市長", "府中市教育委員会教育長")
        .replace("○○に関する事務", "府中市 学齢簿の編製に関する事務");
    let m = parse_document(&t).meta;
    assert_eq!(m.municipality.map(|x| x.0), opt("府中市教育委員会"));
    assert_eq!(m.prefecture.map(|x| x.0), opt("東京都"));
    assert_eq!(m.affair, opt("学齢簿の編製に関する事務"));
    assert_eq!(m.agency, opt("府中市教育委員会教育長"));
}

fn body(s: &str) -> Option<(String, Option<String>)> {
    meta::issuing_body(s).map(|b| (b.name, b.prefecture))
}

#[test]
fn issuing_body_from_the_agency_name() {
    let b = |n: &str, p: Option<&str>| Some((n.to_string(), p.map(str::to_string)));
    assert_eq!(body("伊勢原市長"), b("伊勢原市", None));
    assert_eq!(body("神奈川県伊勢原市長"), b("伊勢原市", Some("神奈川県")));
    assert_eq!(body("東京都府中市長"), b("府中市", Some("東京都")));
    assert_eq!(body("森町長"), b("森町", None));
    assert_eq!(body("昭和村長"), b("昭和村", None));
    assert_eq!(body("世田谷区長"), b("世田谷区", None));
    assert_eq!(body("神奈川県知事"), b("神奈川県", Some("神奈川県")));
    assert_eq!(body("北海道知事"), b("北海道", Some("北海道")));
    assert_eq!(body("相模原市長 本村賢太郎"), b("相模原市", None));
    assert_eq!(
        body("北海道虻田郡倶知安町長"),
        b("倶知安町", Some("北海道"))
    );
    assert_eq!(body("郡山市長"), b("郡山市", None));
    // Bodies of their own keep their whole name.
    assert_eq!(body("相模原市教育委員会"), b("相模原市教育委員会", None));
    assert_eq!(
        body("相模原市教育委員会教育長"),
        b("相模原市教育委員会", None)
    );
    assert_eq!(
        body("神奈川県後期高齢者医療広域連合長"),
        b("神奈川県後期高齢者医療広域連合", Some("神奈川県"))
    );
    assert_eq!(body("地方職員共済組合理事長"), b("地方職員共済組合", None));
    assert_eq!(
        body("○○環境衛生一部事務組合管理者"),
        b("○○環境衛生一部事務組合", None)
    );
    // Never a punctuation fragment, a generic word or a department.
    for bad in [
        "・市町村",
        "市町村",
        "本市",
        "当町",
        "、伊勢原市",
        "国保年金課長",
        "保険年金課長",
        "○○県知事",
    ] {
        assert_eq!(body(bad), None, "{bad}");
    }
}

#[test]
fn prefecture_of_bodies() {
    let p = |name: &str, text: &str| {
        meta::issuing_body(name).and_then(|b| meta::prefecture_for(&b, text))
    };
    assert_eq!(p("伊勢原市長", "").as_deref(), Some("神奈川県"));
    assert_eq!(p("相模原市教育委員会", "").as_deref(), Some("神奈川県"));
    assert_eq!(p("千代田区長", "").as_deref(), Some("東京都"));
    assert_eq!(p("大宜味村長", "").as_deref(), Some("沖縄県"));
    assert_eq!(p("横浜市中区長", "").as_deref(), Some("神奈川県"));
    assert_eq!(p("神奈川県知事", "").as_deref(), Some("神奈川県"));
    // Names in several prefectures: only a clue decides, never a guess.
    for dup in ["府中市長", "伊達市長", "森町長", "美郷町長"] {
        assert_eq!(p(dup, "").as_deref(), None, "{dup}");
    }
    assert_eq!(p("東京都府中市長", "").as_deref(), Some("東京都"));
    assert_eq!(
        p("府中市長", "〒726-8601 広島県府中市府川町315").as_deref(),
        Some("広島県")
    );
    assert_eq!(
        p("伊達市長", "… 福島県後期高齢者医療広域連合 …").as_deref(),
        Some("福島県")
    );
    assert_eq!(
        p("森町長", "北海道 森町 と 静岡県 森町").as_deref(),
        None,
        "two clues: undecided"
    );
}

#[test]
fn prefecture_table_is_complete() {
    assert_eq!(meta::prefecture_of("いわき市"), Some("福島県"));
    assert_eq!(meta::prefecture_of("大宜味村"), Some("沖縄県"));
    assert_eq!(meta::prefecture_of("府中市"), None);
    assert_eq!(meta::prefectures_of("府中市"), vec!["東京都", "広島県"]);
    assert_eq!(meta::prefectures_of("美郷町").len(), 3);
    assert!(meta::is_prefecture("沖縄県"));
    let rows = include_str!("../data/municipalities.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .count();
    assert_eq!(rows, 1788, "47 prefectures and 1,741 municipalities");
}

#[test]
fn dates_of_every_layout() {
    let d = |s: &str| meta::to_iso(s);
    assert_eq!(d("平成 27 年 5 月 28 日").as_deref(), Some("2015-05-28"));
    assert_eq!(d("令和元年5月1日").as_deref(), Some("2019-05-01"));
    assert_eq!(d("令和 元 年 5 月 1 日").as_deref(), Some("2019-05-01"));
    assert_eq!(d("令和５年１２月２８日").as_deref(), Some("2023-12-28"));
    assert_eq!(d("2024年1月2日").as_deref(), Some("2024-01-02"));
    assert_eq!(d("令和5年13月1日"), None);
}

#[test]
fn cover_text_ignores_page_numbers_and_markup() {
    let t =
        "特記事項\r\n- 1 -\r\n<p>評価書番号</p>\r\n<td>3 / 18</td>\r\n 7\r\n項目一覧\r\nⅠ 基本情報";
    assert_eq!(meta::cover_text(t), "特記事項 評価書番号 7");
}

/// `pia docs` lists a 事務 for every seed (read from the index, as it does).
#[test]
fn docs_give_an_affair_for_every_seed() {
    let recs = pia_search::index::indexer::doc_records(common::store()).unwrap();
    assert_eq!(recs.len(), 4);
    for r in recs {
        assert!(
            r.meta
                .affair
                .as_deref()
                .is_some_and(|a| a.ends_with("事務")),
            "{}: {:?}",
            r.file,
            r.meta
        );
    }
}

/// A scrambled cover (values printed apart from their labels, as in PDF text)
/// of a town whose name exists in two prefectures: the printed prefecture
/// decides; without it the prefecture stays unknown.
#[test]
fn scrambled_cover_of_a_duplicate_name() {
    let t = "\n府中市は、住民基本台帳に関する事務における特定個人情報ファイルの取扱いに\n\
あたり、適切な措置を講じ、もって個人のプライバシー等の権利利益の保護に取り組んでいることを宣言する。\n\n\
特記事項\n\n12 住民基本台帳に関する事務　基礎項目評価書\n\n 個人のプライバシー等の権利利益の保護の宣言\n\n\
特定個人情報保護評価書（基礎項目評価書）\n\n評価書番号  評価書名\n\n東京都府中市長\n\n 公表日\n\n 評価実施機関名\n\n\
[令和６年10月　様式２]\n\n  令和 6 年 4 月 1 日\n\n\n\n ②所属長の役職名 市民課長\n";
    for variant in [t.to_string(), collapsed(t), cells(t)] {
        let m = parse_document(&variant).meta;
        assert_eq!(m.municipality.map(|x| x.0), opt("府中市"));
        assert_eq!(m.prefecture.map(|x| x.0), opt("東京都"));
        assert_eq!(m.affair, opt("住民基本台帳に関する事務"));
        assert_eq!(m.number, opt("12"));
        assert_eq!(m.published, opt("2024-04-01"));
        assert_eq!(m.agency, opt("東京都府中市長"));
        assert_eq!(m.form_version, opt("令和6年10月 様式2"));
    }
    let bare = t.replace("東京都府中市長", "府中市長");
    let m = parse_document(&bare).meta;
    assert_eq!(m.municipality.map(|x| x.0), opt("府中市"));
    assert_eq!(
        m.prefecture, None,
        "府中市 of 東京都 or of 広島県: undecidable"
    );
    // The body's own address decides: the postal code printed before its
    // name (開示請求先), in any layout and digit width.
    let with = |address: &str| {
        format!("{bare}\n ７．特定個人情報の開示・訂正・利用停止請求\n\n 請求先\n\n{address}\n")
    };
    for (address, want) in [
        ("〒183-8703　府中市宮西町２丁目２４番地", opt("東京都")),
        ("〒７２６－８６０１ 府中市府川町３１５", opt("広島県")),
        // Both codes: no single answer.
        ("〒183-8703 府中市宮西町 〒726-8601 府中市府川町", None),
        // A phone number's tail is no postal code.
        ("電話 042-335-4111 府中市役所", None),
    ] {
        for text in [with(address), collapsed(&with(address))] {
            let m = parse_document(&text).meta;
            assert_eq!(m.prefecture.map(|x| x.0), want, "{address}");
        }
    }
}

/// `pia docs` on re-rendered seeds lists the same metadata as on the seeds.
#[test]
fn docs_of_the_variants_equal_docs_of_the_seeds() {
    use pia_search::index::indexer::{self, IndexOptions};
    use pia_search::index::store::Store;
    let want = indexer::doc_records(common::store()).unwrap();
    for (name, render) in [VARIANTS[0], VARIANTS[1], VARIANTS[6]] {
        let dir = tempfile::tempdir().unwrap();
        let docs = dir.path().join("docs");
        std::fs::create_dir(&docs).unwrap();
        for (file, text) in seeds() {
            std::fs::write(docs.join(file), render(&text)).unwrap();
        }
        let store = Store::open_or_create(&dir.path().join("index")).unwrap();
        let opts = IndexOptions {
            progress: false,
            ..Default::default()
        };
        indexer::index_dir(&store, &docs, &opts).unwrap();
        let got = indexer::doc_records(&store).unwrap();
        let metas = |r: &[indexer::DocRecord]| {
            r.iter()
                .map(|d| (d.file.clone(), d.meta.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(metas(&got), metas(&want), "{name}");
    }
}
