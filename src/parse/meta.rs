//! Cover (表紙) splitting and document metadata. Cover labels and values are
//! interleaved in PDF text, so every field is found by pattern, not position.

use once_cell::sync::Lazy;
use regex::Regex;

use super::form::Schema;
use super::{lfold, Builder, Place, SlotKey};
use crate::model::{DocMeta, FormType, Municipality, Prefecture, Section};

/// Bundled `prefecture<TAB>municipality` table, to infer a prefecture that the
/// document does not print.
const MUNICIPALITIES: &str = include_str!("../../data/municipalities.tsv");

static PREF_OF: Lazy<Vec<(&'static str, &'static str)>> = Lazy::new(|| {
    MUNICIPALITIES
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(p, m)| (p.trim(), m.trim()))
        .collect()
});

/// Prefecture of a municipality from the bundled table.
pub fn prefecture_of(municipality: &str) -> Option<&'static str> {
    PREF_OF
        .iter()
        .find(|(_, m)| *m == municipality)
        .map(|(p, _)| *p)
}

/// Which cover field a cover line belongs to.
fn cover_field(schema: &Schema, cover: usize, label: &str) -> SlotKey {
    let node = schema
        .nodes
        .iter()
        .position(|n| n.parent == Some(cover) && n.label == label)
        .unwrap_or(cover);
    SlotKey::Form(Place { node, block: 0 })
}

static DATE_LINE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"^(令和|平成)\s*([0-9０-９]{1,2}|元)\s*年\s*[0-9０-９]{1,2}\s*月\s*[0-9０-９]{1,2}\s*日$",
    )
    .unwrap()
});
static NUMBER_LINE: Lazy<Regex> = Lazy::new(|| Regex::new(r"^[0-9０-９]{1,4}$").unwrap());

/// Splits the cover lines into the cover fields of the form (R3).
pub fn cover_sections(lines: &[&str], b: &mut Builder, cover: usize) {
    let schema = b.schema();
    let field = |l: &str| cover_field(schema, cover, l);
    let labels = [
        "評価書番号",
        "評価書名",
        "個人のプライバシー等の権利利益の保護の宣言",
        "特記事項",
        "評価実施機関名",
        "個人情報保護委員会 承認日【行政機関等のみ】",
        "公表日",
    ];
    let mut decl = false;
    for (i, raw) in lines.iter().enumerate() {
        let t = raw.trim();
        if t.is_empty() {
            decl = false;
            continue;
        }
        let f = lfold(t);
        let next = lines.get(i + 1).map(|n| n.trim()).unwrap_or("");
        let prev = if i > 0 { lines[i - 1].trim() } else { "" };
        let key = if let Some(l) = labels.iter().find(|l| f.starts_with(&lfold(l))) {
            field(l)
        } else if decl || t.contains("宣言") || next_block_declares(lines, i) {
            decl = true;
            field("個人のプライバシー等の権利利益の保護の宣言")
        } else if DATE_LINE.is_match(t) {
            field("公表日")
        } else if NUMBER_LINE.is_match(t) {
            field("評価書番号")
        } else if f.starts_with("特定個人情報保護評価書") || is_title(&f, next, prev) {
            // The form's title line names the document as much as 評価書名.
            field("評価書名")
        } else if t.ends_with('長') && t.chars().count() <= 30 {
            field("評価実施機関名")
        } else {
            SlotKey::Form(Place {
                node: cover,
                block: 0,
            })
        };
        b.body(key, raw);
    }
}

/// A declaration paragraph: some line of this block says 宣言する.
fn next_block_declares(lines: &[&str], i: usize) -> bool {
    lines[i..]
        .iter()
        .take(12)
        .take_while(|l| !l.trim().is_empty())
        .any(|l| l.contains("宣言"))
}

/// The 評価書名 line (`… 事務 基礎項目評価書`), possibly wrapped (`…重点項目評` / `価書`).
fn is_title(f: &str, next: &str, prev: &str) -> bool {
    if f.starts_with("特定個人情報保護評価書(") {
        return false;
    }
    let joined = format!("{f}{}", lfold(next));
    let with_prev = format!("{}{f}", lfold(prev));
    (f.contains("事務") && joined.contains("項目評価書"))
        || (f.chars().count() <= 4
            && with_prev.contains("項目評価書")
            && with_prev.contains("事務"))
}

static VERSION: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"[\[［]\s*([^\[\]［］]*?様式\s*[0-9０-９][^\[\]［］]*?)\s*[\]］]").unwrap()
});
static DECL: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?m)^[\s　]*([^\s、。，は]{1,10}?[市区町村])は[、，]").unwrap());
static AGENCY: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^(?:(北海道|東京都|大阪府|京都府|[^\s]{2,3}県))?([^\s]{1,10}?[市区町村])長$")
        .unwrap()
});
static AFFAIR: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"([^\s　]+事務)[\s　]*(?:基礎|重点|全)項目評").unwrap());
static WAREKI: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(令和|平成)\s*([0-9０-９]{1,2}|元)\s*年\s*([0-9０-９]{1,2})\s*月\s*([0-9０-９]{1,2})\s*日").unwrap()
});

/// Reads the cover metadata (FORMS.md §1) from the cover sections, with the
/// whole text as fallback for the municipality.
pub fn extract(text: &str, sections: &[Section], form: FormType) -> DocMeta {
    let field = |label: &str| -> String {
        sections
            .iter()
            .filter(|s| s.path.0.len() == 2 && s.path.0[0] == "表紙" && s.path.0[1] == label)
            .map(|s| s.body.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let cover_all: String = sections
        .iter()
        .filter(|s| s.path.top() == "表紙")
        .map(|s| s.body.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let head: String = text.chars().take(30_000).collect();
    let agency = value_lines(&field("評価実施機関名"), "評価実施機関名")
        .into_iter()
        .find(|l| AGENCY.is_match(l));
    let published = value_lines(&field("公表日"), "公表日")
        .into_iter()
        .find_map(|l| to_iso(&l));
    let number = value_lines(&field("評価書番号"), "評価書番号")
        .into_iter()
        .chain(value_lines(&field("評価書名"), "評価書名"))
        .find_map(|l| leading_number(&l));
    let title = field("評価書名").replace(['\n', '\r'], "");
    let affair = AFFAIR
        .captures(&title)
        .map(|c| c[1].to_string())
        .or_else(|| affair_from_field(sections));
    let mut municipality = DECL
        .captures(&cover_all)
        .or_else(|| DECL.captures(&head))
        .map(|c| c[1].to_string());
    let mut prefecture = None;
    if let Some(c) = agency.as_deref().and_then(|a| AGENCY.captures(a)) {
        municipality.get_or_insert_with(|| c[2].to_string());
        prefecture = c.get(1).map(|p| p.as_str().to_string());
    }
    let affair = affair.map(|a| strip_municipality(&a, municipality.as_deref()));
    if prefecture.is_none() {
        prefecture = municipality
            .as_deref()
            .and_then(prefecture_of)
            .map(str::to_string);
    }
    DocMeta {
        municipality: municipality.map(Municipality),
        prefecture: prefecture.map(Prefecture),
        affair,
        form,
        form_version: VERSION
            .captures(&cover_all)
            .map(|c| c[1].split_whitespace().collect::<Vec<_>>().join(" ")),
        number,
        published,
        agency,
    }
}

/// Non-label lines of a cover field.
fn value_lines(body: &str, label: &str) -> Vec<String> {
    body.lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty() && !lfold(l).starts_with(&lfold(label)))
        .collect()
}

/// `10 後期高齢者…` / `7` → the 評価書番号.
fn leading_number(l: &str) -> Option<String> {
    let digits: String = l
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .collect();
    let rest = l.trim()[digits.len()..].chars().next();
    if digits.is_empty() || rest.is_some_and(|c| !c.is_whitespace()) {
        return None;
    }
    Some(crate::normalize::fold(&digits))
}

/// ①事務の名称's inline value.
fn affair_from_field(sections: &[Section]) -> Option<String> {
    let s = sections.iter().find(|s| s.key.0 == "basic.affair.name")?;
    let l = s.body.lines().next()?;
    let v = l.trim().trim_start_matches("①事務の名称").trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// `本市国民健康保険事務` stays; a leading municipality name is removed.
fn strip_municipality(a: &str, m: Option<&str>) -> String {
    match m {
        Some(m) => a.strip_prefix(m).unwrap_or(a).trim().to_string(),
        None => a.to_string(),
    }
}

/// Converts a Japanese era date (令和/平成, 元年) to ISO `YYYY-MM-DD`.
pub fn to_iso(s: &str) -> Option<String> {
    let c = WAREKI.captures(s)?;
    let base = if &c[1] == "令和" { 2018 } else { 1988 };
    let num = |x: &str| -> Option<u32> {
        if x == "元" {
            Some(1)
        } else {
            crate::normalize::fold(x).parse().ok()
        }
    };
    let y = base + num(&c[2])?;
    let m = num(&c[3])?;
    let d = num(&c[4])?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then(|| format!("{y:04}-{m:02}-{d:02}"))
}
