//! Cover (表紙) splitting and document metadata. Cover labels and values are
//! interleaved in PDF text, so every field is found by pattern, not position.

use std::collections::HashMap;

use once_cell::sync::Lazy;
use regex::Regex;

use super::form::Schema;
use super::{lfold, Builder, Place, SlotKey};
use crate::model::{DocMeta, FormType, Municipality, Prefecture, Section};
use crate::normalize::is_digit;

/// Bundled table of Japan's local governments (`code<TAB>prefecture<TAB>
/// municipality`, the official 全国地方公共団体コード list; see the header of
/// the file), to infer a prefecture that the document does not print.
const MUNICIPALITIES: &str = include_str!("../../data/municipalities.tsv");

/// `(prefecture, municipality)` rows of the table; prefecture rows have an
/// empty municipality.
static TABLE: Lazy<Vec<(&'static str, &'static str)>> = Lazy::new(|| {
    MUNICIPALITIES
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let _code = f.next()?;
            Some((f.next()?.trim(), f.next().unwrap_or("").trim()))
        })
        .collect()
});

/// The 47 prefectures.
static PREFECTURES: Lazy<Vec<&'static str>> = Lazy::new(|| {
    TABLE
        .iter()
        .filter(|(_, m)| m.is_empty())
        .map(|(p, _)| *p)
        .collect()
});

/// The prefectures of each municipality's name, in the table's order: the
/// cover's reader asks for every prefix of a name that ends in 市, 町, 村
/// or 区, and a scan of the whole table for each was a part of parsing.
static BY_MUNICIPALITY: Lazy<HashMap<&'static str, Vec<&'static str>>> = Lazy::new(|| {
    let mut map: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    for &(p, m) in TABLE.iter().filter(|(_, m)| !m.is_empty()) {
        map.entry(m).or_default().push(p);
    }
    map
});

/// Every prefecture that has a municipality of this name (several for the 25
/// names such as 府中市 or 森町). A designated city's ward (`横浜市中区`) is
/// found through its city.
pub fn prefectures_of(municipality: &str) -> Vec<&'static str> {
    let direct: Vec<&'static str> = BY_MUNICIPALITY
        .get(municipality)
        .cloned()
        .unwrap_or_default();
    if !direct.is_empty() || !municipality.ends_with('区') {
        return direct;
    }
    match municipality.find('市') {
        Some(i) if i + '市'.len_utf8() < municipality.len() => {
            prefectures_of(&municipality[..i + '市'.len_utf8()])
        }
        _ => direct,
    }
}

/// Prefecture of a municipality from the bundled table, or `None` when the
/// name is unknown or exists in several prefectures (the document must then
/// say which: see [`extract`]); never guessed.
pub fn prefecture_of(municipality: &str) -> Option<&'static str> {
    match prefectures_of(municipality).as_slice() {
        [p] => Some(p),
        _ => None,
    }
}

/// Is this a prefecture name (`神奈川県`, `東京都`, `北海道`)?
pub fn is_prefecture(name: &str) -> bool {
    PREFECTURES.contains(&name)
}

/// Where a place stands in the official order, prefecture then
/// municipality ([`prefecture_order`], [`municipality_order`]); unknown
/// names after the known ones. Lists of documents sort by it so that a
/// reader finds a city where Japanese lists put it.
pub fn place_order(prefecture: Option<&str>, municipality: Option<&str>) -> (usize, usize) {
    let p = prefecture.unwrap_or("");
    (
        prefecture_order(p).unwrap_or(usize::MAX),
        municipality
            .and_then(|m| municipality_order(p, m))
            .unwrap_or(usize::MAX),
    )
}

/// Where a municipality stands in the official order (its 全国地方公共団体コード:
/// within a prefecture, the designated cities first, then cities, then
/// towns and villages by county), as the prefectures' own lists run. None
/// for a name the table lacks.
pub fn municipality_order(prefecture: &str, municipality: &str) -> Option<usize> {
    static ORDER: Lazy<HashMap<(&'static str, &'static str), usize>> = Lazy::new(|| {
        TABLE
            .iter()
            .enumerate()
            .map(|(i, &(p, m))| ((p, m), i))
            .collect()
    });
    ORDER.get(&(prefecture, municipality)).copied()
}

/// Where a prefecture stands in the official order (全国地方公共団体コード:
/// 北海道 first, 沖縄県 last), the order Japanese readers scan a list of
/// prefectures in; sorted by character code they come out scrambled
/// (三重県, 京都府, 佐賀県 …). None for a name that is not a prefecture.
pub fn prefecture_order(name: &str) -> Option<usize> {
    PREFECTURES.iter().position(|p| *p == name)
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
/// The version marker when an extractor dropped its brackets.
static BARE_VERSION: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"((?:令和|平成)\s*(?:[0-9０-９]{1,2}|元)\s*年\s*[0-9０-９]{1,2}\s*月\s*様式\s*[0-9０-９])",
    )
    .unwrap()
});
static WAREKI: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(令和|平成)\s*([0-9０-９]{1,2}|元)\s*年\s*([0-9０-９]{1,2})\s*月\s*([0-9０-９]{1,2})\s*日").unwrap()
});
static SEIREKI: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"((?:19|20|１９|２０)[0-9０-９]{2})\s*年\s*([0-9０-９]{1,2})\s*月\s*([0-9０-９]{1,2})\s*日")
        .unwrap()
});
/// A whole line that is only a page number (`- 3 -`, `3 / 18`, `3ページ`);
/// a bare number is not one (it may be the 評価書番号, as in 001).
pub(crate) static PAGE_LINE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"^(?:[-－−‐]\s*[0-9０-９]{1,4}\s*[-－−‐]|[0-9０-９]{1,4}\s*[/／]\s*[0-9０-９]{1,4}|[0-9０-９]{1,4}\s*(?:ページ|頁))$",
    )
    .unwrap()
});
/// A page number printed inside running text (collapsed extractions).
pub(crate) static INLINE_PAGE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?:^|\s)[-－−‐]\s?[0-9０-９]{1,4}\s?[-－−‐](?:\s|$)").unwrap());
/// HTML table markup of exports (003); pseudo-tags like `<選択肢>` are text.
pub(crate) static TAG: Lazy<Regex> = Lazy::new(|| Regex::new(r"</?[a-zA-Z][^<>]{0,200}>").unwrap());
/// Where the cover ends: the table of contents or the first heading / item
/// of the form body (Roman top heading, circled item).
static COVER_END: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"項\s?目\s?一\s?覧|[ⅠⅡⅢⅣⅤⅥ]|[①-⑳]|(?:^|\s)I{1,3}\s*(?:基本情報|関連情報)").unwrap()
});
/// A cover longer than this (in characters) has lost its end marker.
const MAX_COVER: usize = 3000;

/// The cover as one line (issue 16): text before the table of contents or the
/// first form heading, without CRs, markup or page numbers, whitespace runs made
/// one space. Every layout of the same cover gives the same string up to
/// spaces, so fields are read from it by label and by value type, not by line.
pub fn cover_text(text: &str) -> String {
    cover_text_given(text, &RunningLines::of(text))
}

/// [`cover_text`] with the document's page ends already counted.
fn cover_text_given(text: &str, page_ends: &RunningLines) -> String {
    let running = page_ends.at_least(0);
    let mut flat = String::new();
    let mut chars = 0;
    for line in text.lines() {
        let l = TAG.replace_all(line, " ");
        let l = l.trim();
        if PAGE_LINE.is_match(l) || running.contains(l) {
            continue;
        }
        flat.push_str(l);
        flat.push(' ');
        chars += l.chars().count();
        if chars > 4 * MAX_COVER {
            break;
        }
    }
    let flat = INLINE_PAGE.replace_all(&flat, " ");
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = COVER_END.find(&flat).map_or(flat.len(), |m| m.start());
    flat[..end]
        .chars()
        .take(MAX_COVER)
        .collect::<String>()
        .trim()
        .to_string()
}

/// How often each line opens or closes a page (pages: form feeds or runs
/// of ≥3 blank lines), counted once per document: the cover (every running
/// line) and the body (lines on most pages) both ask, and counting them
/// twice walked every line of every document twice.
pub(crate) struct RunningLines<'t> {
    count: std::collections::HashMap<&'t str, usize>,
    pages: usize,
}

impl<'t> RunningLines<'t> {
    /// The page ends of `text`.
    pub(crate) fn of(text: &'t str) -> Self {
        // (first, last) non-empty line of each page.
        let mut ends: Vec<(&str, &str)> = Vec::new();
        let mut cur: Option<(&str, &str)> = None;
        let mut blanks = 0;
        for raw in text.lines().take(200_000) {
            let l = raw.trim();
            if raw.contains('\u{c}') || blanks >= 3 && !l.is_empty() {
                ends.extend(cur.take());
            }
            if l.is_empty() {
                blanks += 1;
            } else {
                blanks = 0;
                cur = Some(cur.map_or((l, l), |(f, _)| (f, l)));
            }
        }
        ends.extend(cur);
        let pages = ends.len();
        let mut count: std::collections::HashMap<&str, usize> = Default::default();
        for (f, l) in ends {
            *count.entry(f).or_default() += 1;
            if l != f {
                *count.entry(l).or_default() += 1;
            }
        }
        RunningLines { count, pages }
    }

    /// Running headers and footers: lines that open or close at least
    /// three pages and at least `share` percent of them, unless they hold a
    /// cover label or are a bare number. In the body, form elements
    /// (`＜選択肢＞`, `(備考)`) open many pages too, while a running header
    /// opens nearly every page; the cover takes any share.
    pub(crate) fn at_least(&self, share: usize) -> std::collections::HashSet<&'t str> {
        self.count
            .iter()
            .filter(|&(l, &n)| {
                n >= 3
                    && n * 100 >= self.pages * share
                    && l.chars().count() <= 60
                    && !is_number_token(l)
                    && !LABELS.iter().any(|(lab, _)| l.contains(lab))
            })
            .map(|(&l, _)| l)
            .collect()
    }
}

/// Cover labels of the form (FORMS.md §2), found wherever they stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Head,
    Number,
    Title,
    Declaration,
    Notes,
    Agency,
    Approval,
    Published,
    Version,
}

const LABELS: [(&str, Label); 8] = [
    ("評価書番号", Label::Number),
    ("評価書名", Label::Title),
    (
        "個人のプライバシー等の権利利益の保護の宣言",
        Label::Declaration,
    ),
    ("特記事項", Label::Notes),
    ("評価実施機関名", Label::Agency),
    (
        "個人情報保護委員会承認日【行政機関等のみ】",
        Label::Approval,
    ),
    ("個人情報保護委員会承認日", Label::Approval),
    ("公表日", Label::Published),
];

/// The flat cover without spaces, each character mapped back to its byte
/// offset, so that labels broken by a line or cell boundary still match.
struct Compact {
    chars: Vec<char>,
    at: Vec<usize>,
    len: usize,
}

impl Compact {
    fn new(flat: &str) -> Self {
        let (mut chars, mut at) = (Vec::new(), Vec::new());
        for (i, c) in flat.char_indices() {
            if c.is_whitespace() {
                continue;
            }
            // Full-width ASCII (（）［］) compares as ASCII.
            let c = match c as u32 {
                0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            chars.push(c);
            at.push(i);
        }
        Compact {
            chars,
            at,
            len: flat.len(),
        }
    }

    /// Byte range in the flat text of compact characters `a..b`.
    fn bytes(&self, a: usize, b: usize, flat: &str) -> (usize, usize) {
        let start = self.at.get(a).copied().unwrap_or(self.len);
        let end = match b.checked_sub(1).and_then(|i| self.at.get(i)) {
            Some(&i) => i + flat[i..].chars().next().map_or(0, char::len_utf8),
            None => start,
        };
        (start, end)
    }

    /// Compact-index ranges where `needle` (spaces ignored) occurs.
    fn find(&self, needle: &str) -> Vec<(usize, usize)> {
        let n: Vec<char> = needle.chars().filter(|c| !c.is_whitespace()).collect();
        if n.is_empty() || n.len() > self.chars.len() {
            return Vec::new();
        }
        (0..=self.chars.len() - n.len())
            .filter(|&i| self.chars[i..i + n.len()] == n[..])
            .map(|i| (i, i + n.len()))
            .collect()
    }

    fn before(&self, i: usize, s: &str) -> bool {
        let s: Vec<char> = s.chars().collect();
        i >= s.len() && self.chars[i - s.len()..i] == s[..]
    }
}

/// The cover split at its labels: `(start, end, label)` byte spans in the
/// flat cover, in order.
fn label_hits(flat: &str, c: &Compact) -> Vec<(usize, usize, Label)> {
    let mut hits = Vec::new();
    for (text, label) in LABELS {
        for (a, b) in c.find(text) {
            // `…項目評価書名古屋…`: the title's end, not the label 評価書名.
            if label == Label::Title && c.before(a, "項目") {
                continue;
            }
            let (s, e) = c.bytes(a, b, flat);
            hits.push((s, e, label));
        }
    }
    for (a, _) in c.find("特定個人情報保護評価書(") {
        let close = (a..c.chars.len().min(a + 24)).find(|&i| c.chars[i] == ')');
        if let Some(z) = close {
            let (s, e) = c.bytes(a, z + 1, flat);
            hits.push((s, e, Label::Head));
        }
    }
    for m in VERSION.find_iter(flat).chain(BARE_VERSION.find_iter(flat)) {
        hits.push((m.start(), m.end(), Label::Version));
    }
    // Longest first at the same start, then drop overlaps.
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut out: Vec<(usize, usize, Label)> = Vec::new();
    for h in hits {
        if out.last().is_none_or(|l| h.0 >= l.1) {
            out.push(h);
        }
    }
    out
}

/// The text between a label and the next label (the collapsed and the
/// ordered layouts print each value right after its label).
fn slot<'a>(flat: &'a str, hits: &[(usize, usize, Label)], label: Label) -> Option<&'a str> {
    let i = hits.iter().position(|h| h.2 == label)?;
    let end = hits.get(i + 1).map_or(flat.len(), |h| h.0);
    // `公表日：令和…`, `評価書番号: 15`: separators are not part of the value.
    let v = flat[hits[i].1..end].trim_start_matches(|c: char| {
        c.is_whitespace() || matches!(c, ':' | '：' | '・' | '-' | '－')
    });
    let v = v.trim();
    (!v.is_empty()).then_some(v)
}

/// The label whose slot holds byte offset `at`.
fn slot_of(hits: &[(usize, usize, Label)], at: usize) -> Option<Label> {
    hits.iter().rev().find(|h| h.1 <= at).map(|h| h.2)
}

fn is_number_token(t: &str) -> bool {
    (1..=4).contains(&t.chars().count()) && t.chars().all(is_digit)
}

/// Full-width digits as ASCII: one version reads the same from every
/// rendering (`様式２` and `様式2`).
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Removes spaces between a digit and Japanese text (`令和 6 年` → `令和6年`),
/// so that spaced-digit extractions read the same; other blanks become one
/// space. A cover's line, unlike [`super::relayout::unspace_digits`]'s whole
/// document, holds no lost line break to keep apart.
fn join_digits_to_words(s: &str) -> String {
    let jp = |c: char| !c.is_ascii() && !c.is_whitespace();
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let (p, n) = (
                words[i - 1].chars().last().unwrap_or(' '),
                w.chars().next().unwrap_or(' '),
            );
            if !((is_digit(p) && jp(n)) || (jp(p) && is_digit(n))) {
                out.push(' ');
            }
        }
        out.push_str(w);
    }
    out
}

/// Removes the spaces of a Japanese phrase (a wrapped title); a space stays
/// only between two ASCII letters or digits.
fn unspace(s: &str) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0
            && out
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric())
            && w.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Heads of an issuing body, as 評価実施機関名 prints them.
const HEADS: [&str; 11] = [
    "市長",
    "町長",
    "村長",
    "区長",
    "知事",
    "教育長",
    "教育委員会",
    "広域連合長",
    "管理者",
    "理事長",
    "組合長",
];

/// Names that look like a municipality but name none (`本市`, `・市町村`).
fn is_generic(name: &str) -> bool {
    let stem: String = name
        .chars()
        .take(name.chars().count().saturating_sub(1))
        .collect();
    stem.is_empty()
        || name.contains("市町村")
        || name.contains("都道府県")
        || name.contains("区市町")
        || ["本", "当", "各", "同", "貴", "全"].contains(&stem.as_str())
}

/// A character that a body's name may start with (not punctuation).
fn name_char(c: char) -> bool {
    c.is_alphabetic() || c == '○' || c == '〇'
}

/// An issuing body: its name (a municipality, or a body of its own such as an
/// 教育委員会, 広域連合, 一部事務組合 or 共済組合) and the prefecture the
/// printed name states (`神奈川県伊勢原市長` → 伊勢原市, 神奈川県).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    /// The body's name, without a printed prefecture for municipalities.
    pub name: String,
    /// Prefecture printed with the name, or the body itself for `X県知事`.
    pub prefecture: Option<String>,
}

/// The issuing body of a 評価実施機関名 (`X市長` → X市, `X町長`, `X村長`,
/// `X区長`, `X県知事` → X県; `…教育委員会`, `…広域連合`, `…組合`, `…企業団`
/// are bodies of their own), a declaration's subject (`X市`) or a title's
/// first word. `None` for anything else, and never for a punctuation fragment
/// or a generic word (`・市町村`, `本市`).
pub fn issuing_body(printed: &str) -> Option<Body> {
    // A person's name may follow the head (`相模原市長 本村賢太郎`).
    let mut name = String::new();
    for t in printed.split_whitespace() {
        name.push_str(t);
        if HEADS.iter().any(|h| name.ends_with(h)) {
            break;
        }
    }
    if name.chars().count() > 40
        || !name.chars().next().is_some_and(name_char)
        || name
            .chars()
            .any(|c| "、。，．「」『』（）()：:；;？！".contains(c))
    {
        return None;
    }
    let upto = |w: &str| name.find(w).map(|i| name[..i + w.len()].to_string());
    let (body, own) = if let Some(p) = name.strip_suffix("知事") {
        if !is_prefecture(p) {
            return None;
        }
        (p.to_string(), false)
    } else if let Some(b) = upto("教育委員会")
        .or_else(|| upto("広域連合"))
        .or_else(|| upto("組合"))
        .or_else(|| upto("企業団"))
    {
        (b, true)
    } else if let Some(b) = ["市長", "町長", "村長", "区長"].iter().find_map(|h| {
        name.strip_suffix(h)
            .map(|s| format!("{s}{}", &h[..h.len() - "長".len()]))
    }) {
        (b, false)
    } else if name.ends_with(['市', '町', '村', '区', '都', '道', '府', '県'])
        && name.chars().count() <= 12
    {
        // A bare name (declaration, title): short, or it is other text.
        (name.clone(), false)
    } else {
        return None;
    };
    let pref = PREFECTURES
        .iter()
        .find(|p| body.starts_with(**p))
        .map(|p| p.to_string());
    let mut name = match &pref {
        // A municipality printed with its prefecture (`神奈川県伊勢原市`);
        // a body of its own keeps the prefecture in its proper name.
        Some(p) if !own && body.len() > p.len() => body[p.len()..].to_string(),
        _ => body,
    };
    // `虻田郡倶知安町` is the town 倶知安町 (the district is no body; 郡山市
    // starts with 郡 and stays).
    if !own {
        if let Some(i) = name.find('郡').filter(|&i| i > 0) {
            let rest = &name[i + '郡'.len_utf8()..];
            if rest.chars().count() >= 2 && rest.ends_with(['町', '村']) {
                name = rest.to_string();
            }
        }
    }
    if !name.chars().next().is_some_and(name_char) || (!own && is_generic(&name)) {
        return None;
    }
    Some(Body {
        name,
        prefecture: pref,
    })
}

/// The municipality a body belongs to (`相模原市教育委員会` → 相模原市): the
/// longest leading part that the table knows.
fn leading_municipality(body: &str) -> Option<&str> {
    body.char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .filter(|&e| body[..e].ends_with(['市', '町', '村', '区']))
        .filter(|&e| !prefectures_of(&body[..e]).is_empty())
        .max()
        .map(|e| &body[..e])
}

/// The prefecture of a body: printed with it, the body itself, or from the
/// table. A name found in several prefectures (府中市, 伊達市, 森町 …) is
/// decided only by a clue in the document — the name printed with one of those
/// prefectures, or that prefecture's 後期高齢者医療広域連合 / 国民健康保険団体
/// 連合会 named in it, or the postal code printed before its name (the body's
/// own address, given as 開示請求先 in most assessments) — and otherwise
/// stays `None`: never guessed. (Phone area codes are not used.)
pub fn prefecture_for(body: &Body, text: &str) -> Option<String> {
    if let Some(p) = &body.prefecture {
        return Some(p.clone());
    }
    if is_prefecture(&body.name) {
        return Some(body.name.clone());
    }
    let m = leading_municipality(&body.name)?;
    let cands = prefectures_of(m);
    if cands.len() == 1 {
        return Some(cands[0].to_string());
    }
    let compact: String = text
        .chars()
        .take(2_000_000)
        .filter(|c| !c.is_whitespace())
        .collect();
    let hinted: Vec<&str> = cands
        .iter()
        .copied()
        .filter(|p| {
            compact.contains(&format!("{p}{m}"))
                || compact.contains(&format!("{p}後期高齢者医療広域連合"))
                || compact.contains(&format!("{p}国民健康保険団体連合会"))
        })
        .collect();
    match hinted.as_slice() {
        [p] => Some(p.to_string()),
        [] => {
            let mut postal = postal_prefectures(&compact, m);
            postal.retain(|p| cands.contains(p));
            postal.sort_unstable();
            postal.dedup();
            match postal.as_slice() {
                [p] => Some(p.to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Prefectures of the postal codes printed right before `municipality` in
/// `compact` (the text without blanks): `〒183-8703府中市宮西町…`.
fn postal_prefectures(compact: &str, municipality: &str) -> Vec<&'static str> {
    let Ok(re) = Regex::new(&format!(
        r"(?:^|[^0-9０-９\-－‐‑–—ー−])〒?([0-9０-９]{{3}})[-－‐‑–—ー−][0-9０-９]{{4}}{}",
        regex::escape(municipality)
    )) else {
        return Vec::new();
    };
    re.captures_iter(compact)
        .filter_map(|c| postal_prefecture(&c[1]))
        .collect()
}

/// The prefecture whose delivery area a postal code's first digits name
/// (Japan Post allots the first two digits by prefecture: 10–20 東京都,
/// 72–73 広島県 …). A few codes cross a border (〒498 is also 木曽岬町, 三重県);
/// that never decides between the far-apart prefectures that share a
/// municipality's name (府中市: 183 東京都 / 726 広島県).
fn postal_prefecture(first3: &str) -> Option<&'static str> {
    let n: u32 = crate::normalize::fold(first3).get(..2)?.parse().ok()?;
    // First two digits: (lowest, highest, prefecture).
    const AREAS: [(u32, u32, &str); 48] = [
        (0, 0, "北海道"),
        (1, 1, "秋田県"),
        (2, 2, "岩手県"),
        (3, 3, "青森県"),
        (4, 9, "北海道"),
        (10, 20, "東京都"),
        (21, 25, "神奈川県"),
        (26, 29, "千葉県"),
        (30, 31, "茨城県"),
        (32, 32, "栃木県"),
        (33, 36, "埼玉県"),
        (37, 37, "群馬県"),
        (38, 39, "長野県"),
        (40, 40, "山梨県"),
        (41, 43, "静岡県"),
        (44, 49, "愛知県"),
        (50, 50, "岐阜県"),
        (51, 51, "三重県"),
        (52, 52, "滋賀県"),
        (53, 59, "大阪府"),
        (60, 62, "京都府"),
        (63, 63, "奈良県"),
        (64, 64, "和歌山県"),
        (65, 67, "兵庫県"),
        (68, 68, "鳥取県"),
        (69, 69, "島根県"),
        (70, 71, "岡山県"),
        (72, 73, "広島県"),
        (74, 75, "山口県"),
        (76, 76, "香川県"),
        (77, 77, "徳島県"),
        (78, 78, "高知県"),
        (79, 79, "愛媛県"),
        (80, 83, "福岡県"),
        (84, 84, "佐賀県"),
        (85, 85, "長崎県"),
        (86, 86, "熊本県"),
        (87, 87, "大分県"),
        (88, 88, "宮崎県"),
        (89, 89, "鹿児島県"),
        (90, 90, "沖縄県"),
        (91, 91, "福井県"),
        (92, 92, "石川県"),
        (93, 93, "富山県"),
        (94, 95, "新潟県"),
        (96, 97, "福島県"),
        (98, 98, "宮城県"),
        (99, 99, "山形県"),
    ];
    AREAS
        .iter()
        .find(|(lo, hi, _)| (*lo..=*hi).contains(&n))
        .map(|(_, _, p)| *p)
}

/// The 評価実施機関名 as printed: the value after its label, or else (labels
/// and values printed apart) a cover word naming a body's head (`X市長`).
fn agency_of(flat: &str, hits: &[(usize, usize, Label)]) -> Option<String> {
    let from_slot = slot(flat, hits, Label::Agency).and_then(|v| {
        let cut = [WAREKI.find(v), SEIREKI.find(v)]
            .into_iter()
            .flatten()
            .map(|m| m.start())
            .min()
            .unwrap_or(v.len());
        let v = v[..cut].trim();
        (!v.is_empty() && v.chars().count() <= 40 && issuing_body(v).is_some())
            .then(|| v.to_string())
    });
    from_slot.or_else(|| {
        flat.split_whitespace()
            .find(|t| HEADS.iter().any(|h| t.ends_with(h)) && issuing_body(t).is_some())
            .map(str::to_string)
    })
}

/// The declaration's subject (`X市は、…を宣言する。`): after the 宣言 label,
/// or at the start of the sentence that declares.
fn declarer(flat: &str, hits: &[(usize, usize, Label)]) -> Option<Body> {
    let subject = |seg: &str| -> Option<Body> {
        let i = seg.find("は、").or_else(|| seg.find("は，"))?;
        // `○○広域連合（以下「広域連合」という。）は、`: the name before the note.
        let name = |s: &str| -> Option<Body> {
            let s = s.split(['（', '(']).next().unwrap_or("");
            (s.chars().count() <= 30).then(|| issuing_body(s))?
        };
        // The whole run (a name wrapped over lines), else its last word
        // (other cover text printed before the declaration).
        name(&unspace(&seg[..i])).or_else(|| name(seg[..i].split_whitespace().last()?))
    };
    if let Some(b) = slot(flat, hits, Label::Declaration).and_then(subject) {
        return Some(b);
    }
    for (at, _) in flat.match_indices("宣言") {
        let start = [
            sentence_end_before(&flat[..at]),
            hits.iter().rev().find(|h| h.1 <= at).map(|h| h.1),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0);
        if let Some(b) = subject(&flat[start..at]) {
            return Some(b);
        }
    }
    None
}

/// End of the last sentence in `s` (a `。` not closing a parenthetical note,
/// `（以下「本市」という。）`).
fn sentence_end_before(s: &str) -> Option<usize> {
    s.rmatch_indices('。')
        .map(|(i, _)| i + '。'.len_utf8())
        .find(|&e| !s[e..].trim_start().starts_with(['）', ')', '」']))
}

/// The 評価書名 (`[番号] [団体名] …事務 基礎項目評価書`, possibly wrapped): its
/// number, its leading body word and the rest.
struct Title {
    number: Option<String>,
    words: Vec<String>,
}

fn title_of(flat: &str, c: &Compact, hits: &[(usize, usize, Label)]) -> Option<Title> {
    let mut names: Vec<(usize, usize)> = ["基礎項目評価書", "重点項目評価書", "全項目評価書"]
        .iter()
        .flat_map(|n| c.find(n))
        // Not the heading `特定個人情報保護評価書(基礎項目評価書)`, not `基礎項目`
        // inside `…及び重点項目…`.
        .filter(|&(a, b)| !c.before(a, "(") && !c.before(a, "基礎") && c.chars.get(b) != Some(&')'))
        .collect();
    names.sort();
    let Some(&(a, _)) = names.first() else {
        // A title printed without its form name: the 評価書名 value.
        return slot(flat, hits, Label::Title).map(|v| title_words(v.split_whitespace().collect()));
    };
    let (s, _) = c.bytes(a, a + 1, flat);
    let label = hits.iter().rev().find(|h| h.1 <= s);
    let start = [
        flat[..s]
            .rfind(['。', ']', '］'])
            .map(|i| i + flat[i..].chars().next().map_or(0, char::len_utf8)),
        label.map(|h| h.1),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0);
    let mut words: Vec<&str> = flat[start..s].split_whitespace().collect();
    // Scrambled covers may print the 特記事項 value (`なし`) right before.
    if label.is_some_and(|h| h.2 == Label::Notes && h.1 == start) {
        while words.len() > 1 && is_no_note(words[0]) {
            words.remove(0);
        }
    }
    Some(title_words(words))
}

/// `なし`, `―`: an empty 特記事項.
fn is_no_note(w: &str) -> bool {
    [
        "なし",
        "無し",
        "特になし",
        "該当なし",
        "―",
        "-",
        "－",
        "ー",
        "—",
        "‐",
    ]
    .contains(&w)
}

/// A title's words: a number (評価書番号) then the name.
fn title_words(words: Vec<&str>) -> Title {
    let k = words.iter().rposition(|w| is_number_token(w));
    let number = k.map(|k| crate::normalize::fold(words[k]));
    let words = words[k.map_or(0, |k| k + 1)..]
        .iter()
        .map(|w| w.to_string())
        .collect();
    Title { number, words }
}

/// Reads the cover metadata (FORMS.md §1, issue 16) from the cover text itself,
/// whatever its layout (scrambled lines, one line, one cell per line, spaced
/// digits, page numbers): values are taken after their label when one is
/// printed there, otherwise by their form (a number before the title, an era
/// date, a word ending in 市長). The body is the one its sources agree on
/// (評価実施機関名, declaration, title). `sections` serve only as a fallback
/// for the 事務. `page_ends` are the document's, counted once for this and
/// for the body's running lines.
pub(crate) fn extract(
    text: &str,
    page_ends: &RunningLines,
    sections: &[Section],
    form: FormType,
) -> DocMeta {
    let flat = cover_text_given(text, page_ends);
    let c = Compact::new(&flat);
    let hits = label_hits(&flat, &c);

    let agency = agency_of(&flat, &hits);
    let dates: Vec<(usize, String)> = WAREKI
        .find_iter(&flat)
        .chain(SEIREKI.find_iter(&flat))
        .filter_map(|m| Some((m.start(), to_iso(m.as_str())?)))
        .collect();
    // The date after 公表日; else one printed apart from its label, least
    // likely one of 特記事項 or the declaration; never the 承認日.
    let published = dates
        .iter()
        .filter_map(|d| {
            let rank = match slot_of(&hits, d.0) {
                Some(Label::Published) => 0,
                Some(Label::Approval) => return None,
                Some(Label::Notes | Label::Declaration) => 2,
                _ => 1,
            };
            Some((rank, d))
        })
        .min_by_key(|(rank, d)| (*rank, d.0))
        .map(|(_, d)| d.1.clone());
    let title = title_of(&flat, &c, &hits);
    // `15`, `１５`, `第15号`.
    let number = slot(&flat, &hits, Label::Number)
        .and_then(|v| v.split_whitespace().next())
        .map(|w| w.trim_start_matches('第').trim_end_matches('号'))
        .filter(|w| is_number_token(w))
        .map(crate::normalize::fold)
        .or_else(|| title.as_ref().and_then(|t| t.number.clone()));

    // The body: 評価実施機関名, declaration and title vote; agreeing sources win.
    let from_agency = agency.as_deref().and_then(issuing_body);
    let from_decl = declarer(&flat, &hits);
    let from_title = title.as_ref().and_then(|t| {
        let b = issuing_body(t.words.first()?)?;
        (t.words.len() > 1 && leading_municipality(&b.name).is_some()).then_some(b)
    });
    let sources = [from_agency, from_decl, from_title];
    // A source naming the same body, or the municipality a body of its own
    // belongs to (`相模原市` for `相模原市教育委員会`), agrees with it.
    let agrees = |b: &Body, o: &Body| b.name.starts_with(o.name.as_str());
    let votes = |b: &Body| sources.iter().flatten().filter(|o| agrees(b, o)).count();
    let body = sources
        .iter()
        .flatten()
        .max_by_key(|b| votes(b))
        .and_then(|best| {
            // The first source (agency, declaration, title) among the most
            // voted; the prefecture printed by any source agreeing with it.
            let n = votes(best);
            let first = sources
                .iter()
                .flatten()
                .find(|b| votes(b) == n)?
                .name
                .clone();
            let pref = sources
                .iter()
                .flatten()
                .filter(|b| first.starts_with(b.name.as_str()))
                .find_map(|b| b.prefecture.clone());
            Some(Body {
                name: first,
                prefecture: pref,
            })
        })
        .or_else(|| head_declarer(text));

    let affair = title
        .as_ref()
        .and_then(|t| {
            let mut words: &[String] = &t.words;
            if let Some(first) = words.first() {
                let b = issuing_body(first);
                if words.len() > 1
                    && b.is_some_and(|b| {
                        Some(&b.name) == body.as_ref().map(|x| &x.name)
                            || leading_municipality(&b.name).is_some()
                    })
                {
                    words = &words[1..];
                }
            }
            let a = unspace(&words.join(" "));
            let a = strip_body(&a, body.as_ref());
            (!a.is_empty()).then_some(a)
        })
        .or_else(|| affair_from_field(sections));

    let prefecture = body.as_ref().and_then(|b| prefecture_for(b, text));
    DocMeta {
        municipality: body.map(|b| Municipality(b.name)),
        prefecture: prefecture.map(Prefecture),
        affair,
        form,
        form_version: VERSION
            .captures(&flat)
            .or_else(|| BARE_VERSION.captures(&flat))
            .map(|c| ascii_digits(&join_digits_to_words(&c[1]))),
        number,
        published,
        agency,
    }
}

/// Old-style fallback when the cover names no body: a declaration-like
/// `X市は、` anywhere near the start whose name the table knows.
fn head_declarer(text: &str) -> Option<Body> {
    static DECL: Lazy<Regex> = Lazy::new(|| {
        Regex::new(r"(?:^|[\s。])([^\s、。，は・]{1,10}?[市区町村])は[、，]").unwrap()
    });
    let head: String = text.chars().take(30_000).collect();
    DECL.captures_iter(&head)
        .filter_map(|c| issuing_body(&c[1]))
        .find(|b| !prefectures_of(&b.name).is_empty())
}

/// `伊勢原市後期高齢者…` → `後期高齢者…` (`本市…` stays).
fn strip_body(a: &str, body: Option<&Body>) -> String {
    let Some(b) = body else {
        return a.to_string();
    };
    let mut a = a;
    if let Some(p) = &b.prefecture {
        a = a.strip_prefix(p.as_str()).unwrap_or(a);
    }
    a.strip_prefix(b.name.as_str()).unwrap_or(a).to_string()
}

/// ①事務の名称's inline value.
fn affair_from_field(sections: &[Section]) -> Option<String> {
    let s = sections.iter().find(|s| s.key.0 == "basic.affair.name")?;
    let l = s.body.lines().next()?;
    let v = l.trim().trim_start_matches("①事務の名称").trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Converts a Japanese era date (令和/平成, 元年, full- or half-width, spaced
/// digits) or a `2024年…` date to ISO `YYYY-MM-DD`.
pub fn to_iso(s: &str) -> Option<String> {
    if let Some(c) = SEIREKI.captures(s) {
        let n = |x: &str| crate::normalize::fold(x).parse::<u32>().ok();
        let (y, m, d) = (n(&c[1])?, n(&c[2])?, n(&c[3])?);
        return ((1..=12).contains(&m) && (1..=31).contains(&d))
            .then(|| format!("{y:04}-{m:02}-{d:02}"));
    }
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
