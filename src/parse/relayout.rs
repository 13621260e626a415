//! Layout normaliser (issue 16): the same official form reaches users through
//! different extractors — one table cell per line, whole pages collapsed into
//! one line, labels and values on one line. The section parser reads the
//! PDF-extracted layout (labels on lines of their own, led by one space; top
//! headings unindented), so any other rendering is first rewritten into it:
//! the text is cut into cells at every blank, the form's labels are found
//! wherever they stand (also when a label was cut into several cells), and
//! each label is put back on a line of its own. Text between labels keeps its
//! order; nothing is dropped.

use std::borrow::Cow;
use std::collections::HashSet;

use once_cell::sync::Lazy;
use regex::Regex;

use super::form::{is_answer_option, is_any_option, is_radio_option, Kind, Schema};
use super::{block_header, fuzzy_risk, is_changes_head, lfold, opens_top_heading, GROUPING_CELL};
use crate::normalize::is_digit;

/// Space-led label lines that mark the PDF-extracted layout the parser knows.
const CANONICAL_LABELS: usize = 8;

/// Average bytes per non-empty line above which a text counts as collapsed:
/// PDF lines hold ≤ ~50 characters (150 bytes), export rows a few hundred.
const COLLAPSED_LINE_BYTES: usize = 1000;

/// Empty lines that end a page in the PDF layout.
const PAGE_BLANKS: usize = 3;

/// Most cells one label is allowed to span (`Ⅰ` `基本情報`, wrapped labels).
const MAX_LABEL_CELLS: usize = 8;

/// A piece of text between blanks, with what the layout said around it.
#[derive(Debug, Clone)]
struct Cell<'a> {
    text: &'a str,
    /// The text folded for label matching ([`lfold`]), computed once.
    fold: String,
    /// First cell of a line of the input.
    line_start: bool,
    /// Empty lines right before this cell's line.
    blanks_before: usize,
}

/// What a run of cells is in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `Ⅰ 基本情報`, `（別添１）…`, `変更箇所`: printed unindented.
    Top,
    /// A field, numbered heading, block header or risk heading.
    Label,
}

/// Rewrites `text` into the PDF-extracted layout when it is rendered
/// otherwise; `None` when it already is (or holds no label of the form).
pub fn canonical(text: &str, schema: &Schema) -> Option<String> {
    if is_canonical(text, schema) {
        return None;
    }
    let cells = cells(text);
    let labels = Labels::new(schema);
    // Collapsed text: line breaks no longer say where a cell ended.
    let collapsed = is_collapsed(text);
    let mut out = Layout::default();
    let mut i = 0;
    let mut found = 0;
    let mut toc = false;
    // In collapsed text a bare answer (`十分である`) is a block of its own,
    // as the form prints it in its own box.
    let mut after_answer = false;
    while i < cells.len() {
        // A page break the rendering kept (pages collapsed one by one).
        if collapsed && cells[i].blanks_before >= PAGE_BLANKS {
            out.page_break();
        }
        // After an option number (`9)`) comes the option's text, even where
        // it reads like a label (`9) 従業者に対する教育・啓発`).
        let option_text = collapsed && out.ends_with_option_number();
        if let Some((role, n)) = label_at(&labels, &cells[i..]).filter(|_| !option_text) {
            found += 1;
            let parts: Vec<&str> = cells[i..i + n].iter().map(|c| c.text).collect();
            let mut line = match role {
                Role::Top => parts.join("\u{3000}"),
                Role::Label => format!(" {}", parts.concat()),
            };
            i += n;
            if collapsed {
                // Page breaks are lost with the line breaks. Three are put
                // back, where the form says a page ends: after the cover
                // (before the first label), after the table of contents, and
                // before the change history, so that those regions stay
                // bounded; other top headings share their page with values
                // printed before them.
                let in_toc = toc && role == Role::Top;
                let left_toc = toc && !in_toc;
                toc = in_toc || line == "項目一覧";
                if found == 1
                    || left_toc
                    || (role == Role::Top && !in_toc && is_changes_head(&line))
                {
                    out.page_break();
                }
                if out.takes_heading(&line) {
                    out.append(line.trim_start());
                    out.flush();
                    continue;
                }
                out.block(&line);
                continue;
            }
            // Line by line, the label keeps the blank lines before it and
            // the value printed after it on its line.
            for _ in 0..cells[i - n].blanks_before {
                out.blank();
            }
            let inline = i < cells.len() && !cells[i].line_start;
            while i < cells.len() && !cells[i].line_start {
                line.push(' ');
                line.push_str(cells[i].text);
                i += 1;
            }
            // An inline value cut into one cell per line goes on until the
            // next blank line or label.
            while inline
                && i < cells.len()
                && cells[i].blanks_before == 0
                && label_at(&labels, &cells[i..]).is_none()
            {
                line.push('\u{3000}');
                line.push_str(cells[i].text);
                i += 1;
            }
            if cells[i - n].blanks_before == 0 && out.takes_heading(&line) {
                out.append(line.trim_start());
            } else {
                out.start(&line);
            }
            continue;
        }
        let c = &cells[i];
        if collapsed && toc {
            out.page_break();
        }
        toc = false;
        if collapsed {
            let repeats = out.repeats_mark(c.text);
            let joins = (is_mark(c.text) || out.ends_with_mark()) && !repeats;
            let answer = !joins && is_answer_option(c.text);
            // A repeated mark goes on a line of its own in the same block.
            if (answer || after_answer || starts_block(c.text))
                && !(joins && out.ends_with_mark())
                && !repeats
            {
                out.block_break();
            }
            after_answer = answer;
            if joins {
                out.append(c.text);
            } else {
                out.start(c.text);
            }
        } else if c.line_start
            && c.blanks_before == 0
            // The form's grouping cell heads rows: never part of a value.
            && c.fold != GROUPING_CELL
            && (out.only_marks()
                || (out.ends_with_mark() && fits_a_box(c.text))
                || out.ends_with_enumerator()
                || (is_short_cell(&out.line) && is_short_cell(c.text)))
        {
            // `[ ○ ］` / `自己点検 ］`: a box and its text, cut into two lines.
            out.append(c.text);
        } else if c.line_start {
            for _ in 0..c.blanks_before {
                out.blank();
            }
            out.start(c.text);
        } else {
            // A cell split off its line by a blank stays on that line.
            out.append(c.text);
        }
        i += 1;
    }
    let out = out.finish();
    (found > 0).then_some(out)
}

/// Rewrites a table export (label TAB value, one row per line) whose line
/// breaks and TABs were collapsed back into rows: each label of the form
/// found outside HTML markup starts a row, and what follows it up to the
/// next label is its value. `None` when the text still has its lines.
pub fn canonical_rows(text: &str, schema: &Schema) -> Option<String> {
    // Rows keep their TAB between label and value unless the TABs were
    // collapsed or cut into lines of their own (one cell per line).
    let tabs = text.bytes().filter(|&b| b == b'\t').take(MIN_TABS).count();
    if !is_collapsed(text) && tabs >= MIN_TABS {
        return None;
    }
    let cells = cells(text);
    let labels = Labels::new(schema);
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    let mut in_tag = false;
    let mut i = 0;
    let mut found = 0;
    let mut answered = false;
    while i < cells.len() {
        if !in_tag {
            if let Some((_, n)) = label_at(&labels, &cells[i..]) {
                found += 1;
                answered = false;
                let parts: Vec<&str> = cells[i..i + n].iter().map(|c| c.text).collect();
                out.push('\n');
                out.push_str(&parts.join(" "));
                out.push('\t');
                i += n;
                continue;
            }
        }
        let t = cells[i].text;
        // The form's grouping cell heads the rows after it: a row of its own,
        // not more of the value before it.
        if !in_tag && cells[i].fold == GROUPING_CELL {
            out.push('\n');
            out.push_str(t);
            out.push('\n');
            i += 1;
            continue;
        }
        // A field takes one answer: a second `[…]` is the value of a row
        // whose label cell is empty (`対象となる本人の数` under ②).
        let answer = !in_tag && is_bracketed_answer(t);
        if answer && answered {
            out.push_str("\n\t");
        } else if !out.ends_with(['\t', '\n']) && !out.is_empty() {
            out.push(' ');
        }
        answered |= answer;
        out.push_str(t);
        if let Some(k) = t.rfind(['<', '>']) {
            in_tag = t[k..].starts_with('<');
        }
        i += 1;
    }
    (found > 0).then_some(out)
}

static BRACKETED: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\[[^\[\]]+\]$").unwrap());

/// A table export's selected answer (`[10万人以上100万人未満]`, also inside
/// `<p>…</p>`).
fn is_bracketed_answer(cell: &str) -> bool {
    BRACKETED.is_match(super::meta::TAG.replace_all(cell, "").trim())
}

/// TABs a table export with its rows intact has at least.
const MIN_TABS: usize = 20;

/// Line breaks gone: lines far longer than any extractor prints.
fn is_collapsed(text: &str) -> bool {
    // `len / lines > COLLAPSED_LINE_BYTES` for the non-blank lines, counted
    // only until there are too many for that: a text with its line breaks
    // is decided within its first pages, not after reading all of it.
    let most = text.len() / (COLLAPSED_LINE_BYTES + 1);
    let lines = text.lines().filter(|l| !l.trim().is_empty());
    lines.take(most + 1).count().max(1) <= most
}

/// Share of pages (percent) a line must open or close to count as a running
/// header or footer of the body.
const RUNNING_SHARE: usize = 80;

/// Drops page-number lines (`- 3 -`, `3 / 18`) and running headers and
/// footers, which extractors put between the cells of a page and which would
/// otherwise split blocks and rows; in collapsed text, page numbers among
/// the cells.
pub fn strip_page_furniture(text: &str) -> Cow<'_, str> {
    strip_page_furniture_given(text, &super::meta::RunningLines::of(text))
}

/// [`strip_page_furniture`] with the page ends of `text` already counted.
pub(crate) fn strip_page_furniture_given<'t>(
    text: &'t str,
    page_ends: &super::meta::RunningLines,
) -> Cow<'t, str> {
    // Collapsed text has no lines of their own: its page numbers stand
    // among the cells (`… 対象とする。 - 3 - ８．監査 …`).
    if is_collapsed(text) && super::meta::INLINE_PAGE.is_match(text) {
        let inline = super::meta::INLINE_PAGE.replace_all(text, " ");
        return Cow::Owned(match strip_page_furniture(&inline) {
            Cow::Owned(o) => o,
            Cow::Borrowed(_) => inline.into_owned(),
        });
    }
    let running = page_ends.at_least(RUNNING_SHARE);
    let furniture = |l: &str| {
        let t = l.trim();
        !t.is_empty() && (super::meta::PAGE_LINE.is_match(t) || running.contains(t))
    };
    if !text.lines().any(furniture) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for l in text.split_inclusive('\n') {
        if !furniture(l) {
            out.push_str(l);
        }
    }
    Cow::Owned(out)
}

static SPACED_IN_WORDS: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"([\p{Han}\p{Hiragana}\p{Katakana}]) ([0-9０-９][0-9０-９,，]*) ([\p{Han}\p{Hiragana}\p{Katakana}])").unwrap()
});
static SPACED_COUNT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(^|[\s\[\]［］()（）])([0-9０-９][0-9０-９,，]*) ([万千百人年月日件項条号回名歳])")
        .unwrap()
});

/// In collapsed text: a number already joined to its counter, still spaced
/// from the range word, era or date part before it (`以上 30万人`,
/// `令和 6年`, `年 12月`, `年 1回`). Any other word before it may end the
/// previous cell (`…医療 1万人未満`).
static SPACED_BEFORE_COUNT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(以上|未満|超|から|[～〜年月第和成毎約計去]) ([0-9０-９][0-9０-９,，]*[万千百人年月日件項条号回名歳])",
    )
    .unwrap()
});
/// In collapsed text: a number spaced from the particle or mark after it
/// (`30 の項`, `1 、`), which never starts a cell of the form.
static SPACED_PARTICLE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"([0-9０-９][0-9０-９,，]*) ([の、。，])").unwrap());
/// In collapsed text: a number spaced from the 第 or 、 before it (`第 1`,
/// `、 2`), unless it numbers a heading (`、 ２．`: a lost line break).
static SPACED_AFTER_MARK: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"([第、]) ([0-9０-９][0-9０-９,，]*)([^0-9０-９,，．.]|$)").unwrap());
/// A heading's number spaced from its point (`８ ．監査`).
static SPACED_NUMBERING: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(^|\s)([0-9０-９]{1,2}) ([．.])").unwrap());
/// A number spaced inside its brackets (`（ 3 ）`): no line breaks there.
static SPACED_IN_BRACKETS: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"([(（]) ?([0-9０-９]+) ?([)）])").unwrap());

/// Joins digits that an extractor spaced out of the words around them
/// (`平成 27 年 5 月`, `1 万人以上 10 万人未満`), so that answers match their
/// option lists; line structure and all other blanks stay. A number between
/// two words is joined to both only in text whose numbers are mostly
/// spaced ([`digits_mostly_spaced`]). In collapsed
/// text a blank may be a lost line break between a number and the next cell
/// (`評価書名 10 後期高齢者…`), so there a number is joined only to its
/// counter (`10 万人未満`), to a particle (`30 の項`), to a range word or
/// era before it (`以上 10万人`, `令和 6年`) and after 第 or 、;
/// a number inside brackets (`（ 3 ）`) and a heading's number and point
/// (`８ ．`) are joined in any text.
pub fn unspace_digits(text: &str) -> Cow<'_, str> {
    // Every pattern has a blank next to a number and lies within a line,
    // so only lines with such a blank are searched and rewritten.
    let lines: Vec<(&str, bool)> = text
        .split_inclusive('\n')
        .map(|l| (l, has_spaced_number(l)))
        .collect();
    let candidates = || lines.iter().filter(|(_, s)| *s).map(|(l, _)| *l);
    let collapsed = is_collapsed(text);
    // The lines first: a pass over every character (1 % of ingest) only
    // for text that has a number between words at all.
    let in_words = !collapsed
        && candidates().any(|l| SPACED_IN_WORDS.is_match(l))
        && digits_mostly_spaced(text);
    let in_brackets =
        candidates().any(|l| SPACED_IN_BRACKETS.is_match(l) || SPACED_NUMBERING.is_match(l));
    if !in_words && !in_brackets && !candidates().any(|l| SPACED_COUNT.is_match(l)) {
        return Cow::Borrowed(text);
    }
    // Numbers inside words first, so that `年 5 月` is not left half-joined.
    let passes: &[&Regex] = if in_words {
        &[
            &SPACED_NUMBERING,
            &SPACED_IN_BRACKETS,
            &SPACED_IN_WORDS,
            &SPACED_COUNT,
        ]
    } else if collapsed {
        &[
            &SPACED_NUMBERING,
            &SPACED_IN_BRACKETS,
            &SPACED_COUNT,
            &SPACED_PARTICLE,
            &SPACED_AFTER_MARK,
            &SPACED_BEFORE_COUNT,
        ]
    } else {
        &[&SPACED_NUMBERING, &SPACED_IN_BRACKETS, &SPACED_COUNT]
    };
    let mut out = String::with_capacity(text.len());
    for &(line, spaced) in &lines {
        if !spaced {
            out.push_str(line);
            continue;
        }
        let mut t = Cow::Borrowed(line);
        for re in passes {
            // Twice: neighbouring matches share a character (`年 5 月 28 日`);
            // a pass that found nothing would find nothing again.
            if let Cow::Owned(o) = re.replace_all(&t, "$1$2$3") {
                t = match re.replace_all(&o, "$1$2$3") {
                    Cow::Owned(again) => Cow::Owned(again),
                    Cow::Borrowed(_) => Cow::Owned(o),
                };
            }
        }
        out.push_str(&t);
    }
    Cow::Owned(out)
}

/// Whether the text's numbers are mostly spaced from the words beside them
/// (`平成 27 年`), as an extractor that spaces digits does everywhere. Only
/// then is a number between words joined to both: in other text such a
/// blank is written (`②システムの機能 3 収滞納`, an item number's ideographic
/// space after NFKC), and joining it hides the item's number.
fn digits_mostly_spaced(text: &str) -> bool {
    let word = |c: char| !c.is_ascii() && !c.is_whitespace() && !is_digit(c);
    let boundary = |x: char, y: char| (is_digit(x) && word(y)) || (word(x) && is_digit(y));
    let (mut spaced, mut joined) = (0usize, 0usize);
    // The two characters before `c`.
    let (mut a, mut b) = ('\n', '\n');
    for c in text.chars() {
        if boundary(b, c) {
            joined += 1;
        } else if b == ' ' && boundary(a, c) {
            spaced += 1;
        }
        (a, b) = (b, c);
    }
    spaced > 0 && spaced >= joined
}

/// A number that may have been a circled item number, where a cell starts
/// (line start, TAB, blank or markup), right before the item's words.
static BARE_ITEM: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(^|[\t \n>])(1[0-9]|20|[1-9])([\p{Han}\p{Hiragana}\p{Katakana}])").unwrap()
});

/// Least folded characters of an item's words that must follow a bare
/// number for it to be taken as the item's circled number.
const MIN_ITEM_CHARS: usize = 2;

/// Puts back circled item numbers that a compatibility normalisation
/// (NFKC, as some sites apply to all text) made plain digits:
/// `1事務の名称` is `①事務の名称` when the form has that item. Without its
/// circle the item is not a label, and its value lands on another field.
/// Text holding any circled number is left alone; a number is circled only
/// before the words of an item of that number (`1被保険者…` stays).
pub fn recircle<'t>(text: &'t str, schema: &Schema) -> Cow<'t, str> {
    if text.chars().any(|c| ('①'..='⑳').contains(&c)) || !BARE_ITEM.is_match(text) {
        return Cow::Borrowed(text);
    }
    // Per number, the folded words of the items it numbers.
    let mut items: Vec<Vec<&str>> = vec![Vec::new(); 21];
    for n in &schema.nodes {
        let mut chars = n.fold.chars();
        if let Some(c @ '①'..='⑳') = chars.next() {
            let words = chars.as_str();
            if words.chars().count() >= MIN_ITEM_CHARS {
                items[c as usize - '①' as usize + 1].push(words);
            }
        }
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut last = 0;
    for m in BARE_ITEM.captures_iter(text) {
        let (Some(num), Some(word)) = (m.get(2), m.get(3)) else {
            continue;
        };
        let Ok(n) = num.as_str().parse::<usize>() else {
            continue;
        };
        // The item's words, as far as this line goes (a label may wrap).
        let rest = &text[word.start()..];
        let line = rest.split(['\n', '\t']).next().unwrap_or(rest);
        let head: String = line.chars().take(60).collect();
        let folded = lfold(&head);
        let is_item = items[n].iter().any(|w| {
            folded.starts_with(w)
                || (folded.chars().count() >= MIN_ITEM_CHARS && w.starts_with(folded.as_str()))
        });
        if is_item {
            out.push_str(&text[last..num.start()]);
            out.push(char::from_u32('①' as u32 + n as u32 - 1).unwrap_or('①'));
            last = num.end();
        }
    }
    if last == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Half-width katakana (`ｼｽﾃﾑ`, JIS X 0201 as older systems print it) in
/// its full-width form, voiced marks composed (`ｻｰﾊﾞｰ` → `サーバー`), as NFKC
/// writes it: the labels and the forms' words are matched in full width
/// (seeds in half-width katakana: 126 of 144 fields before). Other
/// half-width punctuation and the rest of the text stay as printed.
pub fn widen_kana(text: &str) -> Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    // Letters, sound marks and the middle dot of lists (･); the other
    // half-width punctuation (｢｣､) is no label's and stays as printed.
    let half = |c: char| ('\u{FF65}'..='\u{FF9F}').contains(&c);
    if !text.contains(half) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut run = String::new();
    for c in text.chars() {
        if half(c) {
            run.push(c);
            continue;
        }
        out.extend(run.nfkc());
        run.clear();
        out.push(c);
    }
    out.extend(run.nfkc());
    Cow::Owned(out)
}

/// Text whose every character is set apart by a blank
/// (`① 事 務 の 名 称   後 期 高 齢 者`), as the extraction of spaced-out type
/// prints it: in such a document, every line with no two characters side
/// by side loses the blanks between its characters, and a wider gap (a
/// blank of the text itself) stays as one. Labels so printed matched no
/// field (seeds with every line spaced: 87 of 144 fields before). Decided
/// per document, as a short line (`項 目 一 覧`) alone does not tell.
pub fn unspace_letters(text: &str) -> Cow<'_, str> {
    if text.split('\n').filter(|l| letter_spaced(l)).count() < MIN_SPACED_LINES {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<str>> = text
        .split('\n')
        .map(|l| {
            let body = l.trim_start();
            if side_by_side(body.trim_end()) || !body.trim_end().contains(' ') {
                return Cow::Borrowed(l);
            }
            let indent = &l[..l.len() - body.len()];
            let words: Vec<String> = body
                .split("  ")
                .map(str::trim)
                .filter(|w| !w.is_empty())
                .map(|w| w.split(' ').collect())
                .collect();
            Cow::Owned(format!("{indent}{}", words.join(" ")))
        })
        .collect();
    Cow::Owned(lines.join("\n"))
}

/// Letter-spaced lines ([`letter_spaced`]) that make a document's text
/// spaced out: a document printed normally has none.
const MIN_SPACED_LINES: usize = 10;

/// Letters of Japanese text (kana, kanji, the prolonged sound mark).
fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}')
}

/// Whether two characters of `t` stand side by side, with no blank between.
fn side_by_side(t: &str) -> bool {
    let mut prev = ' ';
    t.chars().any(|c| {
        let both = !prev.is_whitespace() && !c.is_whitespace();
        prev = c;
        both
    })
}

/// A line of single characters one blank apart, with at least four such
/// gaps between Japanese letters (`事 務 の 名 称`): Japanese text sets no
/// blank between its letters.
fn letter_spaced(line: &str) -> bool {
    let t = line.trim();
    if side_by_side(t) {
        return false;
    }
    let cs: Vec<char> = t.chars().collect();
    cs.windows(3)
        .filter(|w| w[1] == ' ' && is_japanese(w[0]) && is_japanese(w[2]))
        .count()
        >= 4
}

/// Text as `pdftotext` prints it by default, a form feed after each page,
/// with the page break of the seeds instead ([`super::PAGE_SEPARATOR`]):
/// the parser places values page by page, and without the breaks a
/// scrambled page's values went to the fields of the pages around it
/// (seeds with form feeds: 121 of 144 fields before).
pub fn form_feeds_as_page_breaks(text: &str) -> Cow<'_, str> {
    if !text.contains('\u{c}') {
        return Cow::Borrowed(text);
    }
    let pages: Vec<&str> = form_feed_pages(text)
        .map(|p| p.trim_matches(['\n', '\r']))
        .collect();
    Cow::Owned(pages.join(super::PAGE_SEPARATOR) + "\n")
}

/// The pages of text with a form feed after each page (`pdftotext`'s
/// output): the last form feed ends the last page and opens none.
pub fn form_feed_pages(text: &str) -> impl Iterator<Item = &str> {
    text.strip_suffix('\u{c}').unwrap_or(text).split('\u{c}')
}

/// The text of an answer box left open at a line's end (`… [ 500人`).
fn open_box(line: &str) -> Option<&str> {
    let at = line.rfind(['[', '［'])?;
    let rest = line[at..].trim_start_matches(['[', '［']).trim();
    (!rest.is_empty() && !rest.contains([']', '］'])).then_some(rest)
}

/// The rest of a box's text up to its close at a line's start (`未満 ]`).
static BOX_TAIL: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^\s*([^\[\]［］]{1,30}?)\s*[\]］]").unwrap());

/// Closes answer boxes wrapped over two lines: a narrow box breaks its
/// option anywhere (`[ 500人` / `未満 ]`, `[ 10万人以上30万` / `人未満 ]`), and
/// neither half is an answer. The box is rejoined on the first line only
/// when the two halves make an option of the forms.
pub fn rejoin_boxes(text: &str) -> Cow<'_, str> {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut out: Vec<Cow<str>> = Vec::new();
    for i in 0..lines.len().saturating_sub(1) {
        let current = out.get(i).map_or(lines[i], |l| l.as_ref());
        let Some(head) = open_box(current) else {
            continue;
        };
        let Some(tail) = BOX_TAIL.captures(lines[i + 1]) else {
            continue;
        };
        let option = format!("{head}{}", tail[1].trim());
        if !super::form::is_any_option(&option) {
            continue;
        }
        let (close, after) = lines[i + 1].split_at(tail.get(0).map_or(0, |m| m.end()));
        let joined = format!("{}{}", current.trim_end(), close.trim_start());
        if out.is_empty() {
            out = lines.iter().map(|l| Cow::Borrowed(*l)).collect();
        }
        out[i] = Cow::Owned(joined);
        out[i + 1] = Cow::Borrowed(after);
    }
    if out.is_empty() {
        return Cow::Borrowed(text);
    }
    Cow::Owned(out.join("\n"))
}

/// A digit (ASCII or full width) right before or after an ASCII blank.
fn has_spaced_number(line: &str) -> bool {
    line.match_indices(' ').any(|(i, _)| {
        line[..i].chars().next_back().is_some_and(is_digit)
            || line[i + 1..].chars().next().is_some_and(is_digit)
    })
}

/// The parser's own layout: enough space-led lines that are labels.
fn is_canonical(text: &str, schema: &Schema) -> bool {
    text.lines()
        .filter(|l| l.starts_with(' ') && !l.starts_with("  "))
        .filter(|l| {
            let f = lfold(l);
            !f.is_empty() && !super::match_label(schema, &f).0.is_empty()
        })
        .take(CANONICAL_LABELS)
        .count()
        >= CANONICAL_LABELS
}

/// Cuts the text at every run of blanks (ASCII, U+3000, TAB, line breaks).
fn cells(text: &str) -> Vec<Cell<'_>> {
    let mut out = Vec::new();
    let mut blanks = 0;
    for line in text.lines() {
        let mut first = true;
        for w in line.split_whitespace() {
            out.push(Cell {
                text: w,
                fold: lfold(w),
                line_start: first,
                blanks_before: if first { blanks } else { 0 },
            });
            first = false;
        }
        blanks = if first { blanks + 1 } else { 0 };
    }
    out
}

/// The rewritten text, built line by line.
#[derive(Default)]
struct Layout {
    out: String,
    line: String,
}

impl Layout {
    fn flush(&mut self) {
        if !self.line.is_empty() {
            self.out.push_str(&self.line);
            self.out.push('\n');
            self.line.clear();
        }
    }
    /// Ends the current line and begins a new one with `t`.
    fn start(&mut self, t: &str) {
        self.flush();
        self.line.push_str(t);
    }
    /// Continues the current line with `t` after a blank.
    fn append(&mut self, t: &str) {
        if !self.line.is_empty() {
            self.line.push(' ');
        }
        self.line.push_str(t);
    }
    /// An empty line (a block boundary of the PDF layout).
    fn blank(&mut self) {
        self.flush();
        self.out.push('\n');
    }
    /// Three empty lines: the PDF layout's page break.
    fn page_break(&mut self) {
        self.flush();
        while !self.out.ends_with("\n\n\n\n") && !self.out.is_empty() {
            self.out.push('\n');
        }
    }
    /// One empty line, unless one is already there.
    fn block_break(&mut self) {
        self.flush();
        if !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
    }
    /// A line of its own between empty lines, as labels are printed.
    fn block(&mut self, line: &str) {
        self.flush();
        if !self.out.ends_with("\n\n") {
            self.out.push('\n');
        }
        self.out.push_str(line);
        self.out.push_str("\n\n");
    }
    /// `t` would open or close a box twice (`[` `[`, `]` `]`: boxes of
    /// different rows, each printed on its own line), or is an answer after
    /// closing marks only.
    fn repeats_mark(&self, t: &str) -> bool {
        let only =
            |m: &str, marks: [char; 2]| !m.is_empty() && m.chars().all(|c| marks.contains(&c));
        let closer = |m: &str| only(m, [']', '］']);
        let opener = |m: &str| only(m, ['[', '［']);
        let last = self.line.split(' ').next_back().unwrap_or("");
        (closer(t) && closer(last))
            || (opener(t) && opener(last))
            || (is_radio_option(t) && !self.line.is_empty() && self.line.split(' ').all(closer))
    }
    /// `［ ○ ４．特定個人情報ファイルの取扱いの委託`: a ticked box right
    /// before a numbered heading is that heading's しない box, so the
    /// heading is read on the box's line.
    fn takes_heading(&self, label_line: &str) -> bool {
        self.ends_with_tick() && NUMBERED_LABEL.is_match(label_line.trim_start())
    }
    /// A ticked box whose line ends in a mark (`［ ○`, `○］接続しない（入手）［`).
    fn ends_with_tick(&self) -> bool {
        self.line.contains(['○', '〇']) && self.line.ends_with(['[', ']', '［', '］', '○', '〇'])
    }
    fn ends_with_option_number(&self) -> bool {
        self.line
            .split(' ')
            .next_back()
            .is_some_and(|m| OPTION_START.find(m).is_some_and(|x| x.end() == m.len()))
    }
    fn ends_with_enumerator(&self) -> bool {
        self.line
            .split(' ')
            .next_back()
            .is_some_and(|m| ENUMERATOR.is_match(m))
    }
    fn only_marks(&self) -> bool {
        !self.line.is_empty() && self.line.split(' ').all(is_mark)
    }
    fn ends_with_mark(&self) -> bool {
        self.line.split(' ').next_back().is_some_and(is_mark)
    }
    fn finish(mut self) -> String {
        self.flush();
        self.out
    }
}

/// Box and bracket marks and option numbers, which belong to the cell next
/// to them (`[ ○ ] 宛名システム等`, `1) 実施する`).
fn is_mark(t: &str) -> bool {
    t.chars()
        .all(|c| matches!(c, '[' | ']' | '［' | '］' | '○' | '〇'))
        || OPTION_START.find(t).is_some_and(|m| m.end() == t.len())
        || ENUMERATOR.is_match(t)
}

/// A list item's number standing alone (`１`, `（２）`, `③`), cut from its
/// item's text by a wide blank; ASCII digits are counts, not enumerators.
static ENUMERATOR: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^(?:[０-９]{1,2}|[（(][0-9０-９]{1,2}[）)]|[①-⑳])$").unwrap());

static NUMBERED_LABEL: Lazy<Regex> = Lazy::new(|| Regex::new(r"^[0-9０-９]{1,2}[．.]").unwrap());

static OPTION_START: Lazy<Regex> = Lazy::new(|| Regex::new(r"^[0-9０-９]{1,2}[)）]").unwrap());

/// In collapsed text, cells that begin a block of their own in the form:
/// checkboxes, option lists, list items.
fn starts_block(t: &str) -> bool {
    t.starts_with(['[', ']', '［', '］', '＜', '<', '・', '（', '(']) || OPTION_START.is_match(t)
}

/// The label that the cells at the start of `cells` spell, and how many
/// cells it takes: the longest run whose folded text is exactly a label.
fn label_at(labels: &Labels, cells: &[Cell]) -> Option<(Role, usize)> {
    let mut joined = String::new();
    let mut f = String::new();
    let mut best = None;
    for (k, c) in cells.iter().take(MAX_LABEL_CELLS).enumerate() {
        if k > 0 {
            joined.push('\u{3000}');
        }
        joined.push_str(c.text);
        f.push_str(&c.fold);
        if let Some(role) = role_of(labels, &joined, &f) {
            best = Some((role, k + 1));
        } else if k > 0 && !labels.is_prefix(&f) {
            break;
        }
    }
    best
}

/// The form's labels, folded, for matching cell after cell: built once per
/// rewritten document instead of scanning the form tree for every cell.
struct Labels<'s> {
    schema: &'s Schema,
    /// Every beginning of every label.
    prefixes: HashSet<String>,
    /// Top headings (`Ⅰ 基本情報`).
    tops: HashSet<&'s str>,
    /// Fields, numbered headings, risk headings.
    fields: HashSet<&'s str>,
}

impl<'s> Labels<'s> {
    fn new(schema: &'s Schema) -> Self {
        let mut l = Labels {
            schema,
            prefixes: HashSet::new(),
            tops: HashSet::new(),
            fields: HashSet::new(),
        };
        for n in &schema.nodes {
            if n.fold.is_empty() || n.kind == Kind::Cover {
                continue;
            }
            for (i, _) in n.fold.char_indices().skip(1) {
                l.prefixes.insert(n.fold[..i].to_string());
            }
            l.prefixes.insert(n.fold.clone());
            match n.kind {
                Kind::Top => l.tops.insert(n.fold.as_str()),
                Kind::Block => false,
                _ => l.fields.insert(n.fold.as_str()),
            };
        }
        l
    }

    /// Whether the folded text is the beginning of some label of the form.
    fn is_prefix(&self, f: &str) -> bool {
        self.prefixes.contains(f) || f.starts_with("リスク")
    }
}

/// The role of `joined` (folded: `f`) if it is exactly a label of the form.
fn role_of(labels: &Labels, joined: &str, f: &str) -> Option<Role> {
    if opens_top_heading(joined) && labels.tops.contains(f) {
        return Some(Role::Top);
    }
    if is_changes_head(joined) || joined == "項目一覧" {
        return Some(Role::Top);
    }
    if let Some((_, _, _, len)) = block_header(labels.schema, joined) {
        return (len == joined.len()).then_some(Role::Label);
    }
    if labels.fields.contains(f)
        || (joined.starts_with("リスク") && fuzzy_risk(labels.schema, joined).is_some())
    {
        return Some(Role::Label);
    }
    None
}

/// Text a box mark may stand next to: an option of the forms, or a short
/// name (a system, a checkbox text), not a list item or a paragraph line.
fn fits_a_box(t: &str) -> bool {
    is_any_option(t) || (t.chars().count() <= BOX_TEXT_CHARS && !starts_block(t))
}

/// A short piece of a name or value with no sentence in it
/// (`株式会社` / `アイネス`): one cell per line cut it from the rest of its
/// cell at a wide blank.
fn is_short_cell(t: &str) -> bool {
    !t.is_empty()
        && t.chars().count() <= SHORT_CELL_CHARS
        && !t.contains(['。', '、', ' '])
        && !starts_block(t)
        && !is_mark(t)
}

/// Longest piece [`is_short_cell`] takes.
const SHORT_CELL_CHARS: usize = 12;

/// Longest text taken as a box's own (`住民基本台帳ネットワークシステム`).
const BOX_TEXT_CHARS: usize = 25;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::form::{schema, Variant};
    use proptest::prelude::*;

    proptest! {
        /// Counting lines only until the text cannot be collapsed decides
        /// as the average over all of them does.
        #[test]
        fn collapsed_is_the_average_line_of_all(lines in prop::collection::vec(("[ \u{3000}]{0,2}", 0usize..1500), 0..40)) {
            let text: String = lines
                .iter()
                .map(|(pad, n)| format!("{pad}{}\n", "あ".repeat(*n)))
                .collect();
            let all = text.lines().filter(|l| !l.trim().is_empty()).count().max(1);
            prop_assert_eq!(is_collapsed(&text), text.len() / all > COLLAPSED_LINE_BYTES);
        }
    }

    #[test]
    fn labels_cut_into_cells_get_their_own_lines_back() {
        let s = schema(Variant::Juten);
        let text = "Ⅰ 基本情報 １．特定個人情報ファイルを取り扱う 事務 ①事務の名称 後期高齢者医療制度に関する事務 ②事務の内容 ".repeat(30);
        let out = canonical(&text, s).expect("collapsed text is rewritten");
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.contains(&"Ⅰ\u{3000}基本情報"), "{out}");
        // A label wrapped into two cells is joined back, led by one space.
        assert!(
            lines.contains(&" １．特定個人情報ファイルを取り扱う事務"),
            "{out}"
        );
        assert!(lines.contains(&" ①事務の名称"), "{out}");
        assert!(lines.contains(&"後期高齢者医療制度に関する事務"), "{out}");
        // Nothing is lost.
        let squash = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squash(&out), squash(&text));
    }

    #[test]
    fn boxes_of_other_rows_keep_their_own_lines() {
        let s = schema(Variant::KisoR6);
        // Collapsed: the open halves of other rows' boxes run into a
        // selected answer (`[ ]十分である`), as three PDF lines did.
        let text = "Ⅳ リスク対策 [ [ [ ]十分である ］ 内部監査 ］ 外部監査 ".repeat(40);
        let out = canonical(&text, s).expect("collapsed text is rewritten");
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.contains(&"[ ]十分である"), "{out}");
        assert!(!out.contains("[ [ ]"), "{out}");
        assert!(!out.contains("］ ］"), "{out}");
    }

    #[test]
    fn pages_collapsed_one_by_one_keep_their_breaks() {
        let s = schema(Variant::Juten);
        let page = "Ⅰ 基本情報 ①事務の名称 後期高齢者医療制度に関する事務 ".repeat(40);
        let text = format!("{page}\n\n\n\n{page}");
        let out = canonical(&text, s).expect("collapsed text is rewritten");
        let first = out.find("後期高齢者医療制度に関する事務").unwrap();
        let last = out.rfind("後期高齢者医療制度に関する事務").unwrap();
        let breaks = out[first..last].matches("\n\n\n\n").count();
        assert_eq!(breaks, 1, "{out}");
    }

    #[test]
    fn the_pdf_layout_is_left_alone() {
        let s = schema(Variant::Juten);
        let text = " ①事務の名称\n\n後期高齢者医療制度に関する事務\n\n ②事務の内容\n\n".repeat(5);
        assert!(canonical(&text, s).is_none());
    }

    /// `text` at the start of a collapsed document has its digits
    /// unspaced into `want`.
    fn assert_unspaced_when_collapsed(text: &str, want: &str) {
        let got = unspace_digits(&format!("{text} {}", "あ".repeat(2000))).into_owned();
        assert!(got.starts_with(want), "{got}");
    }

    /// NFKC turns an item number's ideographic space into a blank
    /// (`３　収滞納` → `3 収滞納`): in text whose numbers are joined to their
    /// words elsewhere, that blank is the text's own and stays.
    #[test]
    fn a_blank_after_an_item_number_stays_where_digits_are_not_spaced() {
        let nfkc = " 2システムの機能 3 収滞納\n平成25年5月31日、令和2年8月13日に変更\n";
        assert_eq!(unspace_digits(nfkc), nfkc);
        let spaced = " システムの機能 3 収滞納\n平成 25 年 5 月 31 日\n";
        assert_eq!(
            unspace_digits(spaced),
            " システムの機能3収滞納\n平成25年5月31日\n"
        );
    }

    #[test]
    fn spaced_digits_are_joined_but_not_across_lost_line_breaks() {
        assert_eq!(
            unspace_digits("公表日\n平成 27 年 5 月 28 日\n1) 1 万人以上 10 万人未満\n"),
            "公表日\n平成27年5月28日\n1) 1万人以上10万人未満\n"
        );
        assert_unspaced_when_collapsed(
            "評価書名 10 後期高齢者医療 1 万人未満",
            "評価書名 10 後期高齢者医療 1万人未満",
        );
        // What binds a number in any text: its brackets and a heading's point.
        assert_eq!(
            unspace_digits("（ 3 ）中間サーバ\n ８ ．監査\n"),
            "（3）中間サーバ\n ８．監査\n"
        );
        // In collapsed text: ranges, eras, particles and lists, but not a
        // heading after a lost line break.
        assert_unspaced_when_collapsed(
            "1 万人以上 10 万人未満 令和 6 年 12 月 別表第一 30 の項 第 1 、 2 、 3 条 対象とする、 ２ ．特定",
            "1万人以上10万人未満 令和6年12月 別表第一 30の項 第1、2、3条 対象とする、 ２．特定",
        );
    }

    #[test]
    fn circled_item_numbers_come_back_only_before_their_items() {
        let s = schema(Variant::KisoH31);
        assert_eq!(
            recircle(
                " 1事務の名称 後期\n 2事務の概要\n1被保険者の資格\n<p>1部署</p>\n",
                s
            ),
            " ①事務の名称 後期\n ②事務の概要\n1被保険者の資格\n<p>①部署</p>\n"
        );
        // A number that is not that item's (②部署 is no item) stays.
        assert_eq!(recircle(" 2部署\n", s), " 2部署\n");
        // Text that kept its circles is not touched.
        let kept = " ①事務の名称\n 2事務の概要\n";
        assert!(matches!(recircle(kept, s), Cow::Borrowed(_)));
    }

    #[test]
    fn half_width_katakana_is_widened_and_nothing_else() {
        assert_eq!(
            widen_kana(" ①ｼｽﾃﾑの名称 ｻｰﾊﾞｰ 1)"),
            " ①システムの名称 サーバー 1)"
        );
        // Brackets and commas in half width stay as printed.
        assert_eq!(widen_kana("｢ﾃﾞｰﾀ･ﾌｧｲﾙ｣､"), "｢データ・ファイル｣､");
        assert!(matches!(widen_kana("サーバー（１）"), Cow::Borrowed(_)));
    }

    #[test]
    fn letters_set_apart_are_joined_and_words_stay_apart() {
        let line = " ① 事 務 の 名 称   後 期 高 齢 者 医 療";
        let spaced = format!(
            "{}\n項 目 一 覧\n[   ○   ]   紙\n本市 の",
            [line; 10].join("\n")
        );
        let joined = format!(
            "{}\n項目一覧\n[ ○ ] 紙\n本市 の",
            [" ①事務の名称 後期高齢者医療"; 10].join("\n")
        );
        assert_eq!(unspace_letters(&spaced), joined);
        // A few spaced lines do not make a document spaced out.
        let few = [line; 3].join("\n");
        assert!(matches!(unspace_letters(&few), Cow::Borrowed(_)));
    }

    #[test]
    fn form_feeds_are_page_breaks() {
        assert_eq!(
            form_feeds_as_page_breaks(" ①部署 保険課\n\u{c} ②役職 課長\n\n\u{c}"),
            " ①部署 保険課\n\n\n\n ②役職 課長\n"
        );
        let plain = "a\n\n\n\nb\n";
        assert!(matches!(form_feeds_as_page_breaks(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn an_answer_box_wrapped_over_two_lines_is_closed_on_the_first() {
        let wrapped = " 取扱者数は500人以上か [ 500人\n未満 ] ＜選択肢＞\n";
        assert_eq!(
            rejoin_boxes(wrapped),
            " 取扱者数は500人以上か [ 500人未満 ]\n ＜選択肢＞\n"
        );
        // Halves that make no option of the forms stay apart.
        let other = "[ 500人\n以上の職員 ]\n［ 十分で\nある ］";
        assert_eq!(
            rejoin_boxes(other),
            "[ 500人\n以上の職員 ]\n［ 十分である ］\n"
        );
    }

    proptest::proptest! {
        /// Any mix of labels, marks, answers, numbers, markup and blanks,
        /// in any rendering: no panic, and no text is lost or invented
        /// (blanks aside; page furniture is not in the mix).
        #[test]
        fn never_panics_and_keeps_every_character(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "Ⅰ", "基本情報", "１．特定個人情報ファイルを取り扱う", "事務", "①事務の名称",
                "[", "]", "○", "500人", "未満", "1)", "十分である", "１", "資格", "・項目", "システム", "2",
                "<p>[30万人以上]</p>", "項目一覧", "（別添２）", "変更箇所", "平成", "27", "年",
                "株式会社", "アイネス", "リスク：", "目的外の入手が行われるリスク", "。",
            ]), 0..400),
            seps in proptest::collection::vec(proptest::sample::select(vec![" ", "\n", "\n\n\n\n", "\u{3000}", "\t"]), 0..400),
        ) {
            let s = schema(Variant::Juten);
            let mut text = String::new();
            for (k, p) in parts.iter().enumerate() {
                text.push_str(p);
                text.push_str(seps.get(k).copied().unwrap_or(" "));
            }
            let squash = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            // As rendered, and with all whitespace collapsed.
            let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for t in [&text, &one_line] {
                for out in [canonical(t, s), canonical_rows(t, s)].into_iter().flatten() {
                    proptest::prop_assert_eq!(squash(&out), squash(t));
                }
                proptest::prop_assert_eq!(squash(&rejoin_boxes(t)), squash(t));
                proptest::prop_assert_eq!(squash(&unspace_letters(t)), squash(t));
                let _ = crate::parse::parse_document(t);
            }
        }
    }

    #[test]
    fn page_numbers_and_running_headers_are_dropped() {
        let page = "公開用ヘッダ\n本文の一行\n- 3 -\n\n\n\n";
        let text = page.repeat(5);
        let got = strip_page_furniture(&text);
        assert!(
            !got.contains("- 3 -") && !got.contains("公開用ヘッダ"),
            "{got}"
        );
        assert_eq!(got.matches("本文の一行").count(), 5);
    }
}
