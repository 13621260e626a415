//! Form-aware section parser: turns the text of one 特定個人情報保護評価書 into
//! sections addressed by their place in the official form (FORMS.md R0–R9).
//!
//! Two input layouts exist: text extracted from PDFs (scrambled within pages,
//! labels marked by one leading space; [`scrambled`]) and TSV+HTML table exports
//! (ordered; [`ordered`]). Both resolve labels against the form trees of
//! [`form`] and share the section builder of this module.

pub mod answer;
pub mod attach;
pub mod form;
pub mod meta;
pub mod ordered;
pub mod relayout;
pub mod scrambled;

use std::collections::{HashMap, HashSet};

use once_cell::sync::Lazy;
use regex::Regex;

use crate::model::{CanonicalKey, FormType, ParsedDoc, Section, SectionPath};
use form::{Kind, Schema, Variant};

/// Put between pages by the PDF extraction and for form feeds: three blank
/// lines, the page break convention of the corpus seeds (which
/// `parse::scrambled` splits pages on).
pub const PAGE_SEPARATOR: &str = "\n\n\n\n";

/// Parses one document: detects layout and form, splits it into sections of
/// the official form and reads the cover metadata. Never panics.
pub fn parse_document(original: &str) -> ParsedDoc {
    let paged = relayout::form_feeds_as_page_breaks(original);
    let widened = relayout::widen_kana(&paged);
    let joined = relayout::unspace_letters(&widened);
    let original: &str = &joined;
    let page_ends = meta::RunningLines::of(original);
    let plain = relayout::strip_page_furniture_given(original, &page_ends);
    let unspaced = relayout::unspace_digits(&plain);
    let variant = detect_variant(&unspaced);
    let schema = form::schema(variant.unwrap_or(Variant::Zenkomoku));
    let recircled = relayout::recircle(&unspaced, schema);
    let rejoined = relayout::rejoin_boxes(&recircled);
    let text: &str = &rejoined;
    let mut sections = if is_ordered(text) {
        match relayout::canonical_rows(text, schema) {
            Some(rows) => ordered::parse(&rows, schema),
            None => ordered::parse(text, schema),
        }
    } else {
        match relayout::canonical(text, schema) {
            Some(relaid) => scrambled::parse(&relaid, schema),
            None => scrambled::parse(text, schema),
        }
    };
    if sections.iter().all(|s| s.body.trim().is_empty()) && !text.trim().is_empty() {
        sections.push(Section {
            path: SectionPath::new(["本文"]),
            key: CanonicalKey("body".into()),
            body: text.to_string(),
            ..Default::default()
        });
    }
    let meta = meta::extract(original, &page_ends, &sections, form_of(variant));
    ParsedDoc { meta, sections }
}

/// Detects the form type (R0) from the cover title, the `[… 様式N]` marker or
/// structural markers, so that numbering can be interpreted.
pub fn detect_form(text: &str) -> FormType {
    form_of(detect_variant(text))
}

/// The form type of a detected form tree.
fn form_of(variant: Option<Variant>) -> FormType {
    match variant {
        Some(Variant::KisoR6 | Variant::KisoH31) => FormType::Kiso,
        Some(Variant::Juten) => FormType::Juten,
        Some(Variant::Zenkomoku) => FormType::Zenkomoku,
        None => FormType::Unknown,
    }
}

static YOSHIKI: Lazy<Regex> = Lazy::new(|| Regex::new(r"様式\s*([2-4２-４])").unwrap());

/// The 基礎 form's version that `text` follows.
fn kiso(text: &str) -> Variant {
    if text.contains("人手を介在させる作業") || r6_marker(text) {
        Variant::KisoR6
    } else {
        Variant::KisoH31
    }
}

/// Detects the form tree to use, including the 基礎 version.
pub fn detect_variant(text: &str) -> Option<Variant> {
    // The 基礎 title, checked first below, is on the cover: most documents
    // are decided without folding their first pages.
    let cover = chars_prefix(text, 2_000);
    if cover.len() < text.len()
        && !opens_tag(text, cover.len())
        && lfold(cover).contains("(基礎項目評価書)")
    {
        return Some(kiso(text));
    }
    let head = chars_prefix(text, 20_000);
    let fh = lfold(head);
    if fh.contains("(基礎項目評価書)") {
        return Some(kiso(text));
    }
    if fh.contains("(全項目評価書)") {
        return Some(Variant::Zenkomoku);
    }
    if fh.contains("(重点項目評価書)") {
        return Some(Variant::Juten);
    }
    if let Some(c) = YOSHIKI.captures(head) {
        return Some(match c[1].chars().next() {
            Some('2' | '２') => kiso(text),
            Some('3' | '３') => Variant::Juten,
            _ => Variant::Zenkomoku,
        });
    }
    let f = lfold(chars_prefix(text, 2_000_000));
    if f.contains("取扱いプロセスにおけるリスク対策") || f.contains("(任意に全項目評価を実施)")
    {
        Some(Variant::Zenkomoku)
    } else if f.contains("IIしきい値判断項目") {
        Some(kiso(text))
    } else if f.contains("IIIリスク対策")
        || f.contains("(任意に重点項目評価を実施)")
        || (f.contains("重点項目評価書") && !f.contains("基礎項目評価書及び重点項目評価書"))
    {
        Some(Variant::Juten)
    } else {
        None
    }
}

/// Whether the folded `text` holds the 基礎 R6 form's version marker
/// `[令和6年10月`. Only the text around each 令 (or ㋿, or the compatibility
/// ideograph of 令, the only characters that fold into one) is folded: a
/// 基礎 document of the older version has no marker, and folding all of it
/// to find none was a tenth of parsing it.
fn r6_marker(text: &str) -> bool {
    const MARKER: &str = "[令和6年10月";
    text.char_indices()
        .filter(|&(_, c)| matches!(c, '令' | '㋿' | '\u{F9A8}'))
        .any(|(at, _)| {
            // The bracket before, the date after, with room for blanks
            // and a wrapped line.
            let from = text[..at]
                .char_indices()
                .rev()
                .nth(15)
                .map_or(0, |(i, _)| i);
            let to = text[at..]
                .char_indices()
                .nth(64)
                .map_or(text.len(), |(i, _)| at + i);
            lfold(&text[from..to]).contains(MARKER)
        })
}

/// The first `n` characters of `text`, without copying them.
fn chars_prefix(text: &str, n: usize) -> &str {
    text.char_indices().nth(n).map_or(text, |(i, _)| &text[..i])
}

/// R0: the TSV+HTML export has many TABs or `<p>` tags.
pub fn is_ordered(text: &str) -> bool {
    text.bytes().filter(|&b| b == b'\t').take(201).count() > 200
        || text.matches("<p>").take(51).count() > 50
}

/// Folds a label for matching (R1): like [`crate::normalize::fold`] but keeps
/// circled numbers (NFKC would turn ① into 1) and drops `※` and `【任意】`.
pub fn lfold(s: &str) -> String {
    // ※ goes before folding, as a reader skips it (ア※ー is アー).
    let without;
    let s = if s.contains('※') {
        without = s.replace('※', "");
        without.as_str()
    } else {
        s
    };
    let mut out = String::with_capacity(s.len());
    crate::normalize::fold_into(s, |c| ('①'..='⑳').contains(&c), &mut out);
    if out.contains("【任意】") {
        out = out.replace("【任意】", "");
    }
    out
}

/// False when [`lfold`]`(text)` cannot be `folded`, without folding `text`
/// (most bodies are far longer than a label): each kanji or kana of `text`
/// comes out of folding as at least one character, except ー (dropped
/// after katakana), 任意 (dropped within 【任意】) and whatever lies between
/// `<` and `>` (markup that folding may cut out), none of which is counted.
fn may_fold_to(text: &str, folded: &str) -> bool {
    let most = folded.chars().count();
    let mut in_angle = false;
    text.chars()
        .filter(|&c| {
            match c {
                '<' | '＜' => in_angle = true,
                '>' | '＞' => in_angle = false,
                _ => {}
            }
            !in_angle && crate::normalize::is_nfkc_stable(c) && !matches!(c, 'ー' | '任' | '意')
        })
        .nth(most)
        .is_none()
}

/// A label of the form recognised in a document, with its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Place {
    /// Schema node index.
    pub node: usize,
    /// Block number of the enclosing repeated block (0 if none).
    pub block: u32,
}

/// Collects text per form place and renders the sections (R9 paths).
#[derive(Debug)]
pub struct Builder<'a> {
    schema: &'a Schema,
    order: Vec<Slot>,
    index: HashMap<(SlotKey, u32), usize>,
    /// Per top-level section that repeats per 特定個人情報ファイル
    /// ([`Schema::file_scope`]), the file whose block the text now belongs
    /// to (1, 2, …; 0 before its first `特定個人情報ファイル名` heading).
    files: HashMap<usize, u32>,
    /// Printed label overrides (typos of the document kept in the path).
    pub display: HashMap<usize, String>,
    /// Table exports: a field left empty keeps its printed label with the
    /// boilerplate (searchable with the choices), so that a search for the
    /// label finds the fields that answer it, not the empty ones.
    pub empty_label_is_boilerplate: bool,
}

/// Identity of a section slot.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SlotKey {
    /// A form place.
    Form(Place),
    /// A path outside the form tree (e.g. 項目一覧 of a 基礎 document).
    Extra(String),
}

#[derive(Debug, Default)]
struct Slot {
    key: Option<SlotKey>,
    /// The 特定個人情報ファイル whose block holds it (0: a section that does
    /// not repeat per file).
    file: u32,
    body: Vec<String>,
    choices: Vec<String>,
    why: Vec<String>,
    value: Option<String>,
}

/// A section's lines, once: a whole block printed twice in a row (a table
/// export repeats a block on its next page, a page printed twice; FORMS.md
/// trap 20) fills each of its sections with the same lines twice, which
/// compare and the contractor listing then showed doubled
/// (`共通基盤システムの開発・保守・運用 共通基盤システムの開発・保守・運用`).
fn once(lines: &[String]) -> &[String] {
    let half = lines.len() / 2;
    if half > 0 && lines.len().is_multiple_of(2) && lines[..half] == lines[half..] {
        &lines[..half]
    } else {
        lines
    }
}

impl<'a> Builder<'a> {
    /// A builder for one document of `schema`'s form.
    pub fn new(schema: &'a Schema) -> Self {
        Builder {
            schema,
            order: Vec::new(),
            index: HashMap::new(),
            files: HashMap::new(),
            display: HashMap::new(),
            empty_label_is_boilerplate: false,
        }
    }

    /// The schema in use.
    pub fn schema(&self) -> &'a Schema {
        self.schema
    }

    fn slot(&mut self, k: SlotKey) -> &mut Slot {
        let file = self.file_of(&k);
        let i = *self.index.entry((k.clone(), file)).or_insert_with(|| {
            self.order.push(Slot {
                key: Some(k),
                file,
                ..Default::default()
            });
            self.order.len() - 1
        });
        &mut self.order[i]
    }

    /// The file block that text for `k` goes to now (0: none).
    fn file_of(&self, k: &SlotKey) -> u32 {
        match k {
            SlotKey::Form(p) => self
                .schema
                .file_scope(p.node)
                .map_or(0, |top| self.files.get(&top).copied().unwrap_or(0).max(1)),
            SlotKey::Extra(_) => 0,
        }
    }

    /// Form node `node` was printed as a heading. When it is the
    /// `特定個人情報ファイル名` heading of a section the form repeats per file
    /// (FORMS.md 2.3), the text from here on belongs to the next file's
    /// block, and the block's top-level section is returned. A heading
    /// printed again before its block holds any field's text (a label cut
    /// in two, a page that prints it twice) opens no new block.
    pub fn heading_printed(&mut self, node: usize) -> Option<usize> {
        let top = self.schema.opens_file_block(node)?;
        let now = self.files.get(&top).copied().unwrap_or(0);
        let filled = self.order.iter().any(|s| {
            s.file == now.max(1)
                && !s.body.is_empty()
                && matches!(&s.key, Some(SlotKey::Form(p))
                    if p.node != node && self.schema.file_scope(p.node) == Some(top))
        });
        if now == 0 || filled {
            self.files.insert(top, now + 1);
        }
        Some(top)
    }

    /// Appends body text to a section.
    pub fn body(&mut self, k: SlotKey, text: &str) {
        if !text.trim().is_empty() {
            self.slot(k).body.push(text.trim_end().to_string());
        } else {
            self.slot(k);
        }
    }

    /// Sets the value of a section that is not a choice (a block's title).
    pub fn set_value(&mut self, k: SlotKey, value: &str) {
        let v = value.trim();
        if !v.is_empty() {
            self.slot(k).value.get_or_insert_with(|| v.to_string());
        }
    }

    /// Records why text was placed in a section (see [`Section::why`]).
    pub fn note(&mut self, k: SlotKey, why: String) {
        let w = &mut self.slot(k).why;
        if !w.contains(&why) {
            w.push(why);
        }
    }

    /// Appends choice-list / checkbox boilerplate to a section.
    pub fn choice(&mut self, k: SlotKey, text: &str) {
        if !text.trim().is_empty() {
            self.slot(k).choices.push(text.trim().to_string());
        }
    }

    /// Renders the sections in form order.
    pub fn finish(mut self) -> Vec<Section> {
        let order = std::mem::take(&mut self.order);
        let mut slots = self.merge_repeated_headings(order);
        slots.sort_by(|a, b| {
            self.order_of(a)
                .cmp(&self.order_of(b))
                .then_with(|| a.key.cmp(&b.key))
        });
        let files = self.file_names(&slots);
        slots
            .into_iter()
            .filter_map(|s| {
                let file = files
                    .as_ref()
                    .zip(self.block_place(&s))
                    .and_then(|(names, (top, _))| names.get(&(top, s.file)).cloned());
                let key = s.key?;
                let (path, ckey) = self.render(&key);
                let mut body = once(&s.body).join("\n");
                let mut choices = once(&s.choices).join("\n");
                if self.empty_label_is_boilerplate && self.is_bare_label(&key, &body) {
                    choices = [body.as_str(), choices.as_str()]
                        .iter()
                        .filter(|t| !t.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join("\n");
                    body.clear();
                }
                let value = s
                    .value
                    .or_else(|| selected_value(&body))
                    .or_else(|| self.is_choice(&key).then(|| answer::bare_answer(&body))?);
                Some(Section {
                    path,
                    key: CanonicalKey(ckey),
                    body,
                    choices,
                    value,
                    why: s.why,
                    file,
                })
            })
            .collect()
    }

    /// A file's block that prints the same file name as the block before
    /// it is that block's continuation, not another file: a table repeats
    /// its heading row `特定個人情報ファイル名 | 住民基本台帳ファイル` at the top of
    /// a page, as table exports repeat page titles (FORMS.md trap 20). Its
    /// slots join the earlier block's.
    fn merge_repeated_headings(&self, slots: Vec<Slot>) -> Vec<Slot> {
        if slots.iter().all(|s| s.file < 2) {
            return slots;
        }
        // The name each block prints, without its number.
        let printed: HashMap<(usize, u32), String> = slots
            .iter()
            .filter_map(|s| {
                let (top, _) = self.block_place(s)?;
                let name = self.printed_name(s)?;
                Some((
                    (top, s.file),
                    FILE_NUMBER.replace(&name, "").trim().to_string(),
                ))
            })
            .collect();
        let mut blocks: Vec<(usize, u32)> = slots
            .iter()
            .filter_map(|s| Some((self.block_place(s)?.0, s.file)))
            .collect();
        blocks.sort_unstable();
        blocks.dedup();
        let mut renumbered: HashMap<(usize, u32), u32> = HashMap::new();
        // The block being continued: its top, number and printed name.
        let mut open: Option<(usize, u32, Option<&String>)> = None;
        for (top, file) in blocks {
            let name = printed.get(&(top, file));
            let continued =
                matches!(open, Some((t, _, Some(prev))) if t == top && name == Some(prev));
            let to = match open {
                Some((t, n, _)) if t == top => n + u32::from(!continued),
                _ => 1,
            };
            if !continued {
                open = Some((top, to, name));
            }
            renumbered.insert((top, file), to);
        }
        let mut out: Vec<Slot> = Vec::with_capacity(slots.len());
        let mut at: HashMap<(Option<SlotKey>, u32), usize> = HashMap::new();
        for mut s in slots {
            if let Some((top, _)) = self.block_place(&s) {
                s.file = renumbered.get(&(top, s.file)).copied().unwrap_or(s.file);
            }
            match at.get(&(s.key.clone(), s.file)) {
                Some(&i) => {
                    let into = &mut out[i];
                    into.body.append(&mut s.body);
                    into.choices.append(&mut s.choices);
                    for w in s.why {
                        if !into.why.contains(&w) {
                            into.why.push(w);
                        }
                    }
                    if into.value.is_none() {
                        into.value = s.value;
                    }
                }
                None => {
                    at.insert((s.key.clone(), s.file), out.len());
                    out.push(s);
                }
            }
        }
        out
    }

    /// The top-level section and form node of a slot in a file's block.
    fn block_place(&self, s: &Slot) -> Option<(usize, usize)> {
        match &s.key {
            Some(SlotKey::Form(p)) if s.file > 0 => {
                self.schema.file_scope(p.node).map(|top| (top, p.node))
            }
            _ => None,
        }
    }

    /// The file's name that a block's `特定個人情報ファイル名` slot prints.
    fn printed_name(&self, s: &Slot) -> Option<String> {
        let (top, node) = self.block_place(s)?;
        if self.schema.file_heading(top) != Some(node) {
            return None;
        }
        file_name(&s.body, s.file)
    }

    /// Where a slot goes in form order: a section that repeats per file
    /// sorts by its file first, within its top-level section.
    fn order_of(&self, s: &Slot) -> (bool, usize, u32, usize, u32) {
        match &s.key {
            Some(SlotKey::Form(p)) => match self.schema.file_scope(p.node) {
                Some(top) => (false, top, s.file, p.node, p.block),
                None => (false, p.node, 0, p.node, p.block),
            },
            _ => (true, 0, 0, 0, 0),
        }
    }

    /// The name of each file's block ([`Section::file`]), by top-level
    /// section and file, for the sections a document repeats for two files
    /// or more (None when it repeats none): the file's name as its
    /// `特定個人情報ファイル名` prints it (`(2) 本人確認情報ファイル`), or its
    /// number.
    fn file_names(&self, slots: &[Slot]) -> Option<HashMap<(usize, u32), String>> {
        let repeated: HashSet<usize> = slots
            .iter()
            .filter(|s| s.file > 1)
            .filter_map(|s| self.block_place(s).map(|(top, _)| top))
            .collect();
        let mut names = HashMap::new();
        for s in slots {
            let Some((top, _)) = self
                .block_place(s)
                .filter(|(top, _)| repeated.contains(top))
            else {
                continue;
            };
            let printed = self.printed_name(s);
            let name = names
                .entry((top, s.file))
                .or_insert_with(|| format!("({}) 特定個人情報ファイル", s.file));
            if let Some(n) = printed {
                *name = n;
            }
        }
        (!names.is_empty()).then_some(names)
    }

    /// True if `body` is nothing but the printed label of a leaf field.
    fn is_bare_label(&self, k: &SlotKey, body: &str) -> bool {
        let SlotKey::Form(p) = k else { return false };
        let n = &self.schema.nodes[p.node];
        let leaf = self
            .schema
            .nodes
            .get(p.node + 1)
            .is_none_or(|c| c.parent != Some(p.node));
        n.kind == Kind::Field
            && leaf
            && !body.is_empty()
            && may_fold_to(body, &n.fold)
            && lfold(body) == n.fold
    }

    /// A choice field answered by an option (R6 typed slot).
    fn is_choice(&self, k: &SlotKey) -> bool {
        matches!(k, SlotKey::Form(p) if self.schema.nodes[p.node].choice)
    }

    /// Path and canonical key of a slot.
    fn render(&self, k: &SlotKey) -> (SectionPath, String) {
        match k {
            SlotKey::Extra(p) => (
                SectionPath::parse(p),
                if p == "項目一覧" {
                    "toc".into()
                } else {
                    "extra".into()
                },
            ),
            SlotKey::Form(pl) => {
                let chain = self.schema.chain(pl.node);
                let parts: Vec<String> =
                    chain.iter().map(|&i| self.label_of(i, pl.block)).collect();
                let key = self.schema.nodes[pl.node]
                    .key
                    .split('.')
                    .map(|p| {
                        if p == "N" {
                            pl.block.to_string()
                        } else {
                            p.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(".");
                (SectionPath(parts), key)
            }
        }
    }

    fn label_of(&self, i: usize, block: u32) -> String {
        let n = &self.schema.nodes[i];
        if let Some(d) = self.display.get(&i) {
            return d.clone();
        }
        match n.kind {
            Kind::Block => format!("{}{}", n.label.trim_end_matches('N'), block),
            _ => n.label.clone(),
        }
    }
}

/// A file's name as its block's `特定個人情報ファイル名` prints it
/// ([`Section::file`]): the first text beside or below the heading, up to
/// the word ファイル (the system names in parentheses after it are left
/// out), with its number `(n)` in front.
fn file_name(body: &[String], file: u32) -> Option<String> {
    let text = body
        .iter()
        .flat_map(|b| b.lines())
        .map(|l| {
            let l = l.trim();
            l.split_once("特定個人情報ファイル名")
                .map_or(l, |(_, rest)| rest)
                .trim_matches(|c: char| c.is_whitespace() || c == '※')
        })
        .find(|l| !l.is_empty())?;
    let name = match text.find("ファイル") {
        Some(i) => &text[..i + "ファイル".len()],
        None => text,
    };
    let name: String = name.chars().take(40).collect();
    Some(if is_file_level(&name) {
        name
    } else {
        format!("({file}) {name}")
    })
}

/// Whether a file's name opens with its number in parentheses (`(2) …`,
/// `（２）…`).
fn is_file_level(name: &str) -> bool {
    FILE_NUMBER.is_match(name)
}

static FILE_NUMBER: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^[(（]\s*[0-9０-９]+\s*[)）]").unwrap());

static BRACKET_VALUE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"[\[［]\s*([^\[\]［］○〇\s<>][^\[\]［］<>]*?)\s*(?:[\]］]|$)").unwrap()
});

/// Where a bracketed value runs into an option list (`十分である 2） 十分である`,
/// `定めている ＜選択肢＞`): the rest is not part of the value.
static OPTION_TAIL: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"\s*(?:＜選択肢＞|<選択肢>|[0-9０-９]{1,2}\s*[)）])").unwrap());

/// The first selected value printed in brackets (`[ 十分である ]`).
pub fn selected_value(text: &str) -> Option<String> {
    for line in text.lines().take(400) {
        if let Some(c) = BRACKET_VALUE.captures(line) {
            let v = OPTION_TAIL.split(&c[1]).next().unwrap_or("").trim();
            if !v.is_empty() && v.chars().count() <= 40 {
                return Some(v.to_string());
            }
        }
    }
    None
}

static OPTION_LINE: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\s*[0-9０-９]{1,2}\s*[)）]").unwrap());

/// A numbered option line of a choice list (`1) 十分である`).
pub fn is_option_line(line: &str) -> bool {
    OPTION_LINE.is_match(line.trim())
}

/// R7: is this line choice-list or checkbox boilerplate rather than content?
/// Ticked checkbox lines (`[ ○ ] …`) are content.
pub fn is_choice_line(line: &str) -> bool {
    let t = line.trim();
    if t.starts_with("＜選択肢＞")
        || t.starts_with("<選択肢>")
        || OPTION_LINE.is_match(t)
        || (t.contains('再') && is_grouping_cell(t))
    {
        return true;
    }
    if is_ticked(t) {
        return false;
    }
    // Brackets, ticks and dashes of boxes, and the 件 of a count box whose
    // number was printed elsewhere (`） 件 [`).
    const BOX_DEBRIS: &str = "[]［］()（）○〇―—-件";
    let rest = t.trim_start_matches(|c: char| BOX_DEBRIS.contains(c) || c.is_whitespace());
    let fragment = rest.is_empty();
    // A box's bracket before the list's marker (`[ ＜選択肢＞`, where collapsed
    // text put the two on one line).
    fragment
        || rest.starts_with("＜選択肢＞")
        || rest.starts_with("<選択肢>")
        || t.starts_with(']')
        || t.starts_with('］')
        || t.starts_with("[ ]")
        || t.starts_with("［ ］")
}

/// The form's grouping cell over ⑦再委託の有無 … ⑨再委託事項 (FORMS.md): a
/// row header of the table, no field's value. Alone on a line (a table
/// export cut into cells) it ran on into the value above, `⑥委託先名`.
pub(crate) const GROUPING_CELL: &str = "再委託";

/// Whether a table cell is the form's grouping cell ([`GROUPING_CELL`]).
pub fn is_grouping_cell(cell: &str) -> bool {
    // Every cell of a table export is asked, most of them long values:
    // folding each whole was a part of parsing an export.
    may_fold_to(cell, GROUPING_CELL) && lfold(cell) == GROUPING_CELL
}

/// Characters from which a numbered line is a form's note rather than an
/// option (the longest option, `100万人以上1,000万人未満`, has 18).
const NOTE_CHARS: usize = 30;

/// Lines a form note's wrapped tail may take (the notes fill two lines of
/// a page at most).
const NOTE_TAIL_LINES: usize = 1;

/// [`is_choice_line`] for each line of a block of consecutive lines, with
/// the grouping cell printed vertically and the wrapped tail of a form's
/// numbered note counted as boilerplate too: the
/// forms print `2)又は3)を選択した評価実施機関については、…記載` over two
/// lines, and the tail (`されている。`) is no field's value. Alone it went to
/// the nearest empty prose field once the page was lost (collapsed text).
pub fn choice_mask(lines: &[&str]) -> Vec<bool> {
    let mut mask: Vec<bool> = lines.iter().map(|l| is_choice_line(l)).collect();
    // The grouping cell printed vertically, one character per line (再 / 委 / 託).
    let height = GROUPING_CELL.chars().count();
    for (i, run) in lines.windows(height).enumerate() {
        let vertical = run.iter().zip(GROUPING_CELL.chars()).all(|(l, c)| {
            let mut l = l.trim().chars();
            l.next() == Some(c) && l.next().is_none()
        });
        if vertical {
            mask[i..i + height].fill(true);
        }
    }
    for i in 0..lines.len() {
        let t = lines[i].trim();
        let note = mask[i]
            && OPTION_LINE.is_match(t)
            && t.chars().count() >= NOTE_CHARS
            && !t.ends_with('。');
        if !note {
            continue;
        }
        // The tail: content lines right after it, up to the one that ends
        // the sentence; none when no line ends it (then they are values).
        let end = (i + 1..lines.len().min(i + 1 + NOTE_TAIL_LINES))
            .take_while(|&j| !mask[j] && !lines[j].trim().is_empty())
            .find(|&j| lines[j].trim_end().ends_with('。'));
        if let Some(end) = end {
            mask[i + 1..=end].fill(true);
        }
    }
    mask
}

static TICKED: Lazy<Regex> = Lazy::new(|| Regex::new(r"[\[［]\s*[○〇]\s*[\]］]").unwrap());

/// True for a checkbox line with a ticked box (`[ ○ ] 紙`).
pub fn is_ticked(line: &str) -> bool {
    TICKED.is_match(line)
}

/// Short organisation-looking text, the typed slot of 委託先名 (R6).
pub fn looks_like_org(text: &str) -> bool {
    let t = text.trim();
    let n = t.chars().count();
    (2..=40).contains(&n)
        && !t.contains('。')
        && [
            "株式会社",
            "有限会社",
            "合同会社",
            "連合会",
            "中央会",
            "基金",
            "機構",
            "（株）",
            "(株)",
        ]
        .iter()
        .any(|w| t.contains(w))
}

/// Candidate schema nodes whose label the folded text starts with; the
/// longest match wins. Returns the nodes and the matched length in bytes of
/// the fold.
pub fn match_label(schema: &Schema, fold: &str) -> (Vec<usize>, usize) {
    let mut best = 0;
    let mut out = Vec::new();
    let Some(first) = fold.chars().next() else {
        return (out, best);
    };
    let candidates = schema
        .by_first_char
        .get(&first)
        .map_or(&[][..], Vec::as_slice);
    for &i in candidates {
        let n = &schema.nodes[i];
        if fold.starts_with(n.fold.as_str()) {
            match n.fold.len().cmp(&best) {
                std::cmp::Ordering::Greater => {
                    best = n.fold.len();
                    out = vec![i];
                }
                std::cmp::Ordering::Equal => out.push(i),
                std::cmp::Ordering::Less => {}
            }
        }
    }
    (out, best)
}

/// Folded bytes past the longest label that [`label_head`] makes sure of:
/// cutting a text can change only the last few characters of its fold (a
/// `【任意】` cut in two, a mark cut from its letter).
const HEAD_MARGIN: usize = 48;

/// [`lfold`] of the start of `text`, at least as far as `schema`'s longest
/// label reaches into it (all of `text` when that is shorter), for
/// [`match_label`]: a table's value cells are long, and folding each whole
/// to compare its first characters was a tenth of parsing an export.
pub fn label_head(schema: &Schema, text: &str) -> String {
    let need = schema.longest_fold + HEAD_MARGIN;
    let mut chars = need;
    loop {
        let head = chars_prefix(text, chars);
        // Markup is cut out of the whole text at once (`fold`'s tags); a
        // `＜` before a word (`＜選択肢＞`) opens none.
        if head.len() == text.len() || opens_tag(text, head.len()) {
            return lfold(text);
        }
        let folded = lfold(head);
        if folded.len() >= need {
            return folded;
        }
        chars *= 2;
    }
}

/// Whether a `<` (or `＜`) before byte `end` of `text` may open a tag that
/// folding cuts out, judged by the character after it in the whole text.
fn opens_tag(text: &str, end: usize) -> bool {
    text[..end]
        .match_indices(['<', '＜'])
        .any(|(i, m)| crate::normalize::may_open_tag(text[i + m.len()..].chars().next()))
}

/// Nodes whose label starts with the folded text (a wrapped or truncated label).
pub fn prefix_of_labels(schema: &Schema, fold: &str) -> Vec<usize> {
    if fold.chars().count() < 3 {
        return Vec::new();
    }
    schema
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            n.kind != Kind::Block
                && n.kind != Kind::Cover
                && n.fold.starts_with(fold)
                && n.fold != fold
        })
        .map(|(i, _)| i)
        .collect()
}

static BLOCK_HEADER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"^(システム|委託事項|提供先|移転先)\s*([0-9０-９]{1,3})\s*([～~〜\-－]\s*[0-9０-９]{1,3})?")
        .unwrap()
});

/// A repeated-block header (`システム2`, `委託事項1 …`): its schema node,
/// number, whether it is an empty placeholder (`システム2～5`) and the byte
/// length of the header in `text`.
pub fn block_header(schema: &Schema, text: &str) -> Option<(usize, u32, bool, usize)> {
    let c = BLOCK_HEADER.captures(text)?;
    let name = c.get(1)?.as_str();
    let node = schema
        .nodes
        .iter()
        .position(|n| n.kind == Kind::Block && n.label.trim_end_matches('N') == name)?;
    let num: u32 = crate::normalize::fold(&c[2]).parse().ok()?;
    Some((node, num, c.get(3).is_some(), c.get(0)?.end()))
}

static RISK_HEAD: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^リスク\s*([0-9０-９]*)\s*[：:]\s*(.*)$").unwrap());

/// Fuzzy match of a printed risk heading with a typo (`… that 不正確…`):
/// candidates are risk nodes with the same number whose title shares most
/// characters. Returns the nodes and the canonical printed display.
pub fn fuzzy_risk(schema: &Schema, text: &str) -> Option<(Vec<usize>, String)> {
    let c = RISK_HEAD.captures(text.trim())?;
    let num = crate::normalize::fold(&c[1]);
    let title: String = c[2].split_whitespace().collect::<Vec<_>>().join(" ");
    // Conversion artefacts are ASCII words inside the Japanese title
    // (`特定個人情報 that 不正確`): matched without them, shown canonically.
    let artefact = title
        .split_whitespace()
        .any(|w| w.chars().all(|c| c.is_ascii_alphabetic()));
    let clean: String = title
        .split_whitespace()
        .filter(|w| !w.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    let title_f = lfold(&clean);
    if title_f.chars().count() < 6 {
        return None;
    }
    let mut scored: Vec<(usize, usize)> = Vec::new();
    for (i, n) in schema.nodes.iter().enumerate() {
        if n.kind != Kind::Risk {
            continue;
        }
        let Some(m) = RISK_HEAD.captures(&n.label) else {
            continue;
        };
        if crate::normalize::fold(&m[1]) != num {
            continue;
        }
        let nf = lfold(&m[2]);
        let common = lcs_len(&title_f, &nf);
        let longest = title_f.chars().count().max(nf.chars().count());
        if common * 100 >= longest * 85 {
            scored.push((i, common));
        }
    }
    let best = scored.iter().map(|s| s.1).max()?;
    let nodes: Vec<usize> = scored.iter().filter(|s| s.1 == best).map(|s| s.0).collect();
    let digits = schema.nodes[nodes[0]]
        .label
        .split('：')
        .next()
        .unwrap_or("リスク")
        .to_string();
    if artefact {
        return Some((nodes.clone(), schema.nodes[nodes[0]].label.clone()));
    }
    let title_disp: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    Some((nodes, format!("{digits}：{title_disp}")))
}

/// Length of the longest common subsequence (labels are short).
fn lcs_len(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(200).collect();
    let b: Vec<char> = b.chars().take(200).collect();
    let mut prev = vec![0usize; b.len() + 1];
    for x in &a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                cur[j].max(prev[j + 1])
            };
        }
        prev = cur;
    }
    prev[b.len()]
}

static CHANGES_HEAD: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^[（(]?\s*(別添\s*[0-9０-９]?)?\s*[）)]?\s*変更箇所\s*$").unwrap());

/// R3: a 変更箇所 heading line (or the change-table header row).
pub fn is_changes_head(line: &str) -> bool {
    let t = line.trim();
    CHANGES_HEAD.is_match(t) || (t.contains("変更前の記載") && t.contains("変更後の記載"))
}

/// Place of the 変更箇所 top-level node (or `None` if the form has none).
pub fn changes_node(schema: &Schema) -> Option<usize> {
    schema.nodes.iter().position(|n| n.key == "changes")
}

/// Place of the cover node.
pub fn cover_node(schema: &Schema) -> usize {
    schema
        .nodes
        .iter()
        .position(|n| n.key == "cover")
        .unwrap_or(0)
}

/// A top heading starts with a Roman numeral (`Ⅰ`, or Latin `I`/`V` from
/// some extractors) or a bracket (`（別添１）`).
pub fn opens_top_heading(t: &str) -> bool {
    t.starts_with(|c: char| matches!(c, 'Ⅰ'..='Ⅵ' | 'I' | 'V' | '（' | '('))
}

/// Top-level heading line (Roman numeral + title) of the schema, if any.
pub fn top_heading(schema: &Schema, line: &str) -> Option<usize> {
    let t = line.trim();
    if !opens_top_heading(t) {
        return None;
    }
    let f = lfold(t);
    let (cands, _) = match_label(schema, &f);
    cands.into_iter().find(|&i| is_top_node(schema, i))
}

/// A top-level section of the form's body (the change history is an
/// appendix, not one of them).
fn is_top_node(schema: &Schema, i: usize) -> bool {
    schema.nodes[i].kind == Kind::Top && schema.nodes[i].key != "changes"
}

/// How many of `lines` (two or three) print one label wrapped over them,
/// and the label's candidates: a narrow page or cell breaks a long title
/// anywhere (`Ⅲ 特定個人情報ファイルの取扱いプロセスにおけるリスク対` / `策`).
/// The first line begins a label without holding one, each line joined
/// still begins one, and none holds a TAB (a table's next row).
pub fn wrapped_label(schema: &Schema, lines: &[&str]) -> Option<(usize, Vec<usize>)> {
    let first = lines.first()?.trim();
    let next = lines.get(1)?.trim();
    if first.is_empty() || first.contains('\t') || next.is_empty() || next.contains('\t') {
        return None;
    }
    let f = lfold(first);
    if !match_label(schema, &f).0.is_empty() || prefix_of_labels(schema, &f).is_empty() {
        return None;
    }
    join_wrapped(
        lines,
        |next| next.contains('\t'),
        |joined| {
            let f = lfold(joined);
            let (cands, _) = match_label(schema, &f);
            if !cands.is_empty() {
                Joined::Done(cands)
            } else if prefix_of_labels(schema, &f).is_empty() {
                Joined::Stop
            } else {
                Joined::More
            }
        },
    )
}

/// Lines a wrapped heading, label or contents entry may run on to after
/// its first: a title cut by a narrow column takes two more at most.
const MAX_WRAPPED_LINES: usize = 2;

/// What [`join_wrapped`]'s judge makes of the lines joined so far.
pub(crate) enum Joined<T> {
    /// They are the whole thing: this.
    Done(T),
    /// They may be its start: join the next line.
    More,
    /// They cannot be.
    Stop,
}

/// Joins `lines[0]` with the lines after it one at a time (at most
/// [`MAX_WRAPPED_LINES`]) until `judge` says the joined text is done:
/// how many lines it took, and what `judge` found. An empty line, or one
/// that `stops` (a cell of its own, a heading of its own), ends the search
/// with nothing. The one loop of every wrapped title the parsers rejoin.
pub(crate) fn join_wrapped<T>(
    lines: &[&str],
    stops: impl Fn(&str) -> bool,
    mut judge: impl FnMut(&str) -> Joined<T>,
) -> Option<(usize, T)> {
    let mut joined = lines.first()?.trim().to_string();
    for (n, next) in lines.iter().enumerate().skip(1).take(MAX_WRAPPED_LINES) {
        let next = next.trim();
        if next.is_empty() || stops(next) {
            return None;
        }
        joined.push_str(next);
        match judge(&joined) {
            Joined::Done(t) => return Some((n + 1, t)),
            Joined::More => {}
            Joined::Stop => return None,
        }
    }
    None
}

/// [`wrapped_label`] for a top-level heading: how many lines, and its node.
pub fn wrapped_top_heading(schema: &Schema, lines: &[&str]) -> Option<(usize, usize)> {
    if !opens_top_heading(lines.first()?.trim()) {
        return None;
    }
    let (n, cands) = wrapped_label(schema, lines)?;
    let top = cands.into_iter().find(|&i| is_top_node(schema, i))?;
    Some((n, top))
}

#[cfg(test)]
mod tests;
