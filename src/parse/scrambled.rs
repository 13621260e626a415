//! Parser for PDF-extracted text (R2–R7): text is scrambled within a page but
//! pages keep their order, and form-label cells start with one ASCII space.
//! Labels are resolved against the form tree page by page (by the distance to
//! unambiguous labels of the same subtree), not by the nearest heading above.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use once_cell::sync::Lazy;
use regex::Regex;

use super::attach::is_prose;
use super::form::{Kind, Schema};
use super::{answer, attach};
use super::{
    block_header, changes_node, choice_mask, cover_node, fuzzy_risk, is_changes_head, is_ticked,
    lfold, looks_like_org, match_label, meta, prefix_of_labels, top_heading, wrapped_top_heading,
    Builder, Place, SlotKey,
};
use crate::model::Section;

/// Splits PDF text into sections of `schema`'s form.
pub fn parse(text: &str, schema: &Schema) -> Vec<Section> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let pages = split_pages(&lines);
    let reg = Regions::find(&lines, &pages, schema);
    let mut b = Builder::new(schema);
    meta::cover_sections(&lines[..reg.cover_end], &mut b, cover_node(schema));
    for &i in &reg.toc {
        b.body(toc_slot(schema), lines[i]);
    }
    let mut state = PageState::default();
    (state.ticked, state.unticked) = ticked_boxes(schema, &lines[reg.changes_start..]);
    for page in &pages {
        let start = page.start.max(reg.cover_end);
        let end = page.end.min(reg.changes_start);
        if start >= end {
            continue;
        }
        let idx: Vec<usize> = (start..end)
            .filter(|i| reg.toc.binary_search(i).is_err())
            .collect();
        process_page(&lines, &idx, &mut b, &mut state);
    }
    let changes = match changes_node(schema) {
        Some(n) => SlotKey::Form(Place { node: n, block: 0 }),
        None => SlotKey::Extra("変更箇所".into()),
    };
    for l in lines.iter().skip(reg.changes_start) {
        b.body(changes.clone(), l);
    }
    b.finish()
}

/// Slot of the table of contents.
pub(crate) fn toc_slot(schema: &Schema) -> SlotKey {
    match schema.nodes.iter().position(|n| n.key == "toc") {
        Some(n) => SlotKey::Form(Place { node: n, block: 0 }),
        None => SlotKey::Extra("項目一覧".into()),
    }
}

/// Longest page considered; longer runs are cut so that page-level work
/// (quadratic in the labels of a page) stays bounded on malformed input.
const MAX_PAGE_LINES: usize = 400;

/// R2: pages are separated by runs of ≥3 empty lines.
fn split_pages(lines: &[&str]) -> Vec<Range<usize>> {
    let mut pages = Vec::new();
    let mut start = 0;
    let mut blanks = 0;
    for (i, l) in lines.iter().enumerate() {
        if l.trim().is_empty() {
            blanks += 1;
            continue;
        }
        if (blanks >= 3 && i - blanks > start)
            || (blanks > 0 && i - start > MAX_PAGE_LINES)
            || i - start > 2 * MAX_PAGE_LINES
        {
            pages.push(start..i - blanks);
            start = i;
        }
        blanks = 0;
    }
    pages.push(start..lines.len());
    pages
}

/// R3 special regions: cover, table of contents, change history.
#[derive(Debug)]
pub(crate) struct Regions {
    pub cover_end: usize,
    /// Lines of the table of contents, ascending.
    pub toc: Vec<usize>,
    pub changes_start: usize,
}

impl Regions {
    fn find(lines: &[&str], pages: &[Range<usize>], schema: &Schema) -> Regions {
        let first_head = lines.iter().position(|l| {
            !l.starts_with(' ') && (l.trim() == "項目一覧" || top_heading(schema, l).is_some())
        });
        let cover_end = match first_head {
            Some(h) => pages
                .iter()
                .find(|p| p.contains(&h))
                .map(|p| if p.start > 0 { p.start } else { h })
                .unwrap_or(h),
            None => 0,
        };
        let toc = toc_lines(lines, pages, schema, cover_end);
        let changes_start = (cover_end..lines.len())
            .find(|&i| toc.binary_search(&i).is_err() && is_changes_head(lines[i]))
            .map(|h| {
                pages
                    .iter()
                    .find(|p| p.contains(&h))
                    .map_or(h, |p| p.start.max(cover_end))
            })
            .unwrap_or(lines.len());
        Regions {
            cover_end,
            toc,
            changes_start,
        }
    }
}

/// The lines of the table of contents: [`toc_range`], and on a scrambled
/// page also the entries printed before 項目一覧 or apart from it (headings
/// come after their content as often as before). Such a line is an entry
/// when the same heading stands again after the page (before the change
/// history): the document's own heading; one that does not is kept as a
/// heading, as a section may start on the page of the contents.
fn toc_lines(lines: &[&str], pages: &[Range<usize>], schema: &Schema, from: usize) -> Vec<usize> {
    let range = toc_range(lines, schema, from);
    let mut toc: Vec<usize> = range.clone().collect();
    let Some(page) = pages.iter().find(|p| p.contains(&range.start)) else {
        return toc;
    };
    if range.is_empty() {
        return toc;
    }
    // Up to the change history, whose rows name sections too.
    let history = (page.end..lines.len()).find(|&i| is_changes_head(lines[i]));
    let later: HashSet<HeadingKey> = lines[page.end..history.unwrap_or(lines.len())]
        .iter()
        .filter_map(|l| heading_key(schema, l))
        .chain(history.map(|_| HeadingKey::Changes))
        .collect();
    toc.extend(page.clone().filter(|i| {
        !range.contains(i) && heading_key(schema, lines[*i]).is_some_and(|k| later.contains(&k))
    }));
    toc.sort_unstable();
    toc
}

/// What a table-of-contents entry names: a top-level section, the change
/// history, or an appendix (by its folded text).
#[derive(Debug, PartialEq, Eq, Hash)]
enum HeadingKey {
    Top(usize),
    Changes,
    Appendix(String),
}

/// The heading `line` is, if it could be an entry of the contents.
fn heading_key(schema: &Schema, line: &str) -> Option<HeadingKey> {
    let t = line.trim();
    if let Some(n) = top_heading(schema, t) {
        return Some(HeadingKey::Top(n));
    }
    if is_changes_head(t) {
        return Some(HeadingKey::Changes);
    }
    (t.starts_with("（別添") || t.starts_with("(別添")).then(|| HeadingKey::Appendix(lfold(t)))
}

/// The 項目一覧 line and the heading lines that follow it.
pub(crate) fn toc_range(lines: &[&str], schema: &Schema, from: usize) -> Range<usize> {
    let Some(s) = (from..lines.len()).find(|&i| lines[i].trim() == "項目一覧") else {
        return bare_contents(lines, schema, from);
    };
    let mut e = s + 1;
    let mut blanks = 0;
    // The entry of the lines before, joined: a narrow page or cell wraps a
    // long title anywhere (`II 特定個人情報ファイルの` / `概要`).
    let mut entry = String::new();
    while e < lines.len() {
        let t = lines[e].trim();
        blanks = if t.is_empty() { blanks + 1 } else { 0 };
        if blanks >= 3 || (!t.is_empty() && e > s + 1 && next_is_numbered(lines, e)) {
            break;
        }
        if t.is_empty() || heading_key(schema, t).is_some() {
            entry = t.to_string();
        } else if !entry.is_empty() && heading_key(schema, &format!("{entry}{t}")).is_some() {
            entry.push_str(t);
        } else {
            match wrapped_entry(schema, &lines[e..]) {
                Some((n, joined)) => {
                    entry = joined;
                    e += n;
                    continue;
                }
                None => break,
            }
        }
        e += 1;
    }
    while e > s + 1 && lines[e - 1].trim().is_empty() {
        e -= 1;
    }
    s..e
}

/// Entries of a contents without its 項目一覧 line that must stand again
/// later: more than a section or two that may start on the cover's page.
const MIN_BARE_ENTRIES: usize = 3;

/// A contents whose 項目一覧 line is missing (drawn as an image, or lost by
/// the extractor): the run of headings from the first at or after `from`
/// (single blank lines between them, no section named twice) when
/// [`MIN_BARE_ENTRIES`] of them or more stand again later, as the
/// document's own headings. Taken for headings, its `（別添３） 変更箇所`
/// opened the change history there, and the whole document went into it.
fn bare_contents(lines: &[&str], schema: &Schema, from: usize) -> Range<usize> {
    let Some(start) = (from..lines.len()).find(|&i| !lines[i].trim().is_empty()) else {
        return 0..0;
    };
    let mut keys = Vec::new();
    let mut end = start;
    let mut blanks = 0;
    for (i, l) in lines.iter().enumerate().skip(start) {
        let t = l.trim();
        if t.is_empty() {
            blanks += 1;
            if blanks > 1 {
                break;
            }
            continue;
        }
        // Each section has one entry: a heading named again is the
        // document's own.
        let Some(k) = heading_key(schema, t).filter(|k| !keys.contains(k)) else {
            break;
        };
        keys.push(k);
        end = i + 1;
        blanks = 0;
    }
    let later: HashSet<HeadingKey> = lines[end..]
        .iter()
        .filter_map(|l| heading_key(schema, l))
        .collect();
    if keys.iter().filter(|k| later.contains(k)).count() >= MIN_BARE_ENTRIES {
        start..end
    } else {
        0..0
    }
}

/// How many of `lines` (two or three) are one entry of the contents wrapped
/// over them, and the entry: an entry when joined, none of the following
/// lines an entry of its own.
fn wrapped_entry(schema: &Schema, lines: &[&str]) -> Option<(usize, String)> {
    super::join_wrapped(
        lines,
        |next| heading_key(schema, next).is_some(),
        |joined| {
            if heading_key(schema, joined).is_some() {
                super::Joined::Done(joined.to_string())
            } else {
                super::Joined::More
            }
        },
    )
}

static NUMBERED: Lazy<Regex> = Lazy::new(|| Regex::new(r"^\s?[0-9０-９]{1,2}\s*[．.]").unwrap());

/// The next non-empty line after `e` is a numbered heading (ends a ToC).
fn next_is_numbered(lines: &[&str], e: usize) -> bool {
    lines[e + 1..]
        .iter()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| NUMBERED.is_match(l))
}

/// A recognised label on a page.
#[derive(Debug, Clone)]
struct Occ {
    start: usize,
    end: usize,
    cands: Vec<usize>,
    block: Option<u32>,
    placeholder: bool,
    prefix: String,
    display: Option<String>,
    place: Option<Place>,
}

/// What carries over from one page to the next.
#[derive(Debug, Default)]
struct PageState {
    last: Option<SlotKey>,
    blocks: HashMap<usize, u32>,
    /// Checkbox texts known to be ticked (see [`ticked_boxes`]).
    ticked: HashSet<String>,
    /// Checkbox texts the change history shows unticked.
    unticked: HashSet<String>,
}

static CHECKBOX_HEADING: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^(.*?[\[\]［］○〇].*?)\s*([0-9０-９]{1,2}[．.].+)$").unwrap());

/// Recognises a label starting at line `i` (R4).
fn detect(schema: &Schema, lines: &[&str], i: usize, end: usize) -> Option<Occ> {
    let l = lines[i];
    let mk = |cands: Vec<usize>, e: usize| Occ {
        start: i,
        end: e,
        cands,
        block: None,
        placeholder: false,
        prefix: String::new(),
        display: None,
        place: None,
    };
    let space_led = l.starts_with(' ') && !l.starts_with("  ");
    let t = l.trim();
    if t.is_empty() {
        return None;
    }
    if let Some((node, num, ph, _)) = block_header(schema, t) {
        if space_led || t.len() == l.len() {
            let mut o = mk(vec![node], i + 1);
            o.block = Some(num);
            o.placeholder = ph;
            return Some(o);
        }
    }
    if !space_led {
        if let Some(n) = top_heading(schema, l) {
            return Some(mk(vec![n], i + 1));
        }
        // A title wrapped onto the next line (`Ⅲ …におけるリスク対` / `策`).
        if let Some((n, node)) = wrapped_top_heading(schema, &lines[i..end]) {
            return Some(mk(vec![node], i + n));
        }
    }
    if space_led || t.starts_with("リスク") {
        if let Some(o) = match_at(schema, lines, i, end, t) {
            return Some(o);
        }
    }
    if space_led {
        return None;
    }
    if let Some(c) = CHECKBOX_HEADING.captures(t) {
        if let Some(mut o) = match_at(schema, lines, i, end, &c[2]) {
            if o.cands
                .iter()
                .all(|&n| schema.nodes[n].kind == Kind::Numbered)
            {
                o.prefix = c[1].to_string();
                return Some(o);
            }
        }
    }
    value_then_label(schema, t).map(|(cands, _)| mk(cands, i + 1))
}

/// Label at the start of `t` (line `i`), joining wrapped continuation lines.
fn match_at(schema: &Schema, lines: &[&str], i: usize, end: usize, t: &str) -> Option<Occ> {
    let mut joined = t.to_string();
    let mut j = i + 1;
    loop {
        let f = lfold(&joined);
        let (cands, _) = match_label(schema, &f);
        if !cands.is_empty() {
            return Some(occ(i, j, cands, None));
        }
        let next = lines
            .get(j)
            .filter(|n| j < end && !n.trim().is_empty() && !n.starts_with(' '));
        if let Some((cands, disp)) = fuzzy_risk(schema, &joined) {
            // A title wrapped before its end (`…が行われるリ` / `スク`) is
            // close enough to match, but the label is the whole title.
            if let Some(n) = next {
                let (whole, _) = match_label(schema, &lfold(&format!("{joined}{}", n.trim())));
                if !whole.is_empty() {
                    return Some(occ(i, j + 1, whole, None));
                }
            }
            return Some(occ(i, j, cands, Some(disp)));
        }
        let pre = prefix_of_labels(schema, &f);
        if pre.is_empty() {
            return None;
        }
        match next {
            Some(n) if j < i + 4 => {
                joined.push_str(n.trim());
                j += 1;
            }
            _ => {
                return (f.chars().count() >= 8).then(|| occ(i, j, pre, None));
            }
        }
    }
}

fn occ(start: usize, end: usize, cands: Vec<usize>, display: Option<String>) -> Occ {
    Occ {
        start,
        end,
        cands,
        block: None,
        placeholder: false,
        prefix: String::new(),
        display,
        place: None,
    }
}

/// `十分に行っている 従業者に対する教育・啓発`: a short value printed before
/// a field label on the same line.
fn value_then_label(schema: &Schema, t: &str) -> Option<(Vec<usize>, String)> {
    let p = t.rfind(|c: char| c.is_whitespace())?;
    let (val, lab) = t.split_at(p);
    let lab = lab.trim();
    if val.trim().chars().count() > 20 || lab.chars().count() < 6 {
        return None;
    }
    let f = lfold(lab);
    let cands: Vec<usize> = schema
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == Kind::Field && n.fold == f)
        .map(|(i, _)| i)
        .collect();
    (!cands.is_empty()).then(|| (cands, val.trim().to_string()))
}

/// Detects, resolves and fills the labels of one page.
fn process_page(lines: &[&str], idx: &[usize], b: &mut Builder, st: &mut PageState) {
    let schema = b.schema();
    let Some(&page_end) = idx.last() else { return };
    let page_end = page_end + 1;
    let mut occs: Vec<Occ> = Vec::new();
    let mut k = 0;
    while k < idx.len() {
        let i = idx[k];
        match detect(schema, lines, i, page_end) {
            Some(o) => {
                let e = o.end;
                occs.push(o);
                while k < idx.len() && idx[k] < e {
                    k += 1;
                }
            }
            None => k += 1,
        }
    }
    resolve(schema, &mut occs, st);
    note_ticked_headings(schema, &occs, st);
    // A page that heads a file's block starts it: the form prints each
    // file's block from a new page, so the page's text is the new file's.
    for p in occs.iter().filter_map(|o| o.place) {
        b.heading_printed(p.node);
    }
    for o in &occs {
        if let (Some(d), Some(p)) = (&o.display, o.place) {
            b.display.insert(p.node, d.clone());
        }
    }
    emit(lines, idx, &occs, b, st);
}

/// The change history states the new wording of checkboxes
/// (`[ 〇 ]接続しない（提供）`): the last printed state of each box of the form.
/// Returns the ticked and the unticked box texts (as the form prints them).
/// Both sides are compared folded: text that went through NFKC (as some
/// extractors and document sites emit it) prints `接続しない(提供)`.
fn ticked_boxes(schema: &Schema, changes: &[&str]) -> (HashSet<String>, HashSet<String>) {
    let text = lfold(&changes.join("\n"));
    let (mut on, mut off) = (HashSet::new(), HashSet::new());
    for b in schema.nodes.iter().flat_map(|n| n.boxes.iter()) {
        let folded = lfold(b);
        // Most boxes are not mentioned at all: no regex for them.
        if !text.contains(folded.as_str()) {
            continue;
        }
        match last_box_state(&text, &folded) {
            Some(true) => {
                on.insert(b.clone());
            }
            Some(false) => {
                off.insert(b.clone());
            }
            None => {}
        }
    }
    (on, off)
}

/// Whether the last printed state of box `text` in `history` (`[○]`
/// before its text, both folded) is ticked; None when it is not printed
/// with a state.
/// The pattern is compiled once per box text and thread: compiling it per
/// document was a tenth of parsing time.
fn last_box_state(history: &str, text: &str) -> Option<bool> {
    thread_local! {
        static COMPILED: std::cell::RefCell<HashMap<String, Option<Regex>>> =
            std::cell::RefCell::new(HashMap::new());
    }
    COMPILED.with(|c| {
        let mut c = c.borrow_mut();
        let re = c.entry(text.to_string()).or_insert_with(|| {
            let pat = format!(
                r"[\[［]([^\[\]［］]{{0,12}})[\]］]\s*{}",
                regex::escape(text)
            );
            Regex::new(&pat).ok()
        });
        let last = re.as_ref()?.captures_iter(history).last()?;
        Some(last[1].contains(['○', '〇']))
    })
}

/// A heading printed with a ticked box (`［ ○ ５．特定個人情報の提供・移転…`):
/// when the heading's subtree has exactly one box, that box is ticked.
fn note_ticked_headings(schema: &Schema, occs: &[Occ], st: &mut PageState) {
    for o in occs {
        let Some(p) = o.place else { continue };
        if !o.prefix.contains(['○', '〇']) {
            continue;
        }
        let boxes: Vec<&String> = (p.node..schema.nodes.len())
            .take_while(|&j| j == p.node || schema.nodes[j].depth > schema.nodes[p.node].depth)
            .flat_map(|j| schema.nodes[j].boxes.iter())
            .collect();
        if let [b] = boxes[..] {
            if !st.unticked.contains(b) {
                st.ticked.insert(b.clone());
            }
        }
    }
}

/// R5: resolves each label to one schema place using page context.
fn resolve(schema: &Schema, occs: &mut [Occ], st: &mut PageState) {
    // Phase 1: unambiguous labels are anchors.
    for o in occs.iter_mut() {
        if o.cands.len() == 1 {
            o.place = Some(Place {
                node: o.cands[0],
                block: 0,
            });
        }
    }
    let anchors: Vec<(usize, usize)> = occs
        .iter()
        .filter_map(|o| o.place.map(|p| (o.start, p.node)))
        .collect();
    let majority = majority_top(schema, &anchors);
    // Phase 2: ambiguous labels, greedily by (level, distance).
    let mut pairs: Vec<((usize, usize), usize, usize)> = Vec::new();
    for (oi, o) in occs.iter().enumerate() {
        if o.place.is_some() {
            continue;
        }
        for &c in &o.cands {
            pairs.push((score(schema, c, o.start, &anchors, majority), oi, c));
        }
    }
    pairs.sort();
    let mut used: Vec<usize> = Vec::new();
    for &(_, oi, c) in &pairs {
        if occs[oi].place.is_none() && !used.contains(&c) {
            occs[oi].place = Some(Place { node: c, block: 0 });
            used.push(c);
        }
    }
    for &(_, oi, c) in &pairs {
        if occs[oi].place.is_none() {
            occs[oi].place = Some(Place { node: c, block: 0 });
        }
    }
    assign_blocks(schema, occs, st);
}

/// The most frequent top-level section among the anchors of a page.
fn majority_top(schema: &Schema, anchors: &[(usize, usize)]) -> Option<usize> {
    let mut count: HashMap<usize, usize> = HashMap::new();
    for &(_, n) in anchors {
        *count.entry(schema.top_of(n)).or_default() += 1;
    }
    count
        .into_iter()
        .max_by_key(|&(t, c)| (c, usize::MAX - t))
        .map(|(t, _)| t)
}

/// Score of a candidate (lower is better): the lowest ancestor level with an
/// anchor on the page, then the distance to that anchor (preceding wins ties).
fn score(
    schema: &Schema,
    c: usize,
    line: usize,
    anchors: &[(usize, usize)],
    majority: Option<usize>,
) -> (usize, usize) {
    let chain = schema.chain(c);
    for lvl in 1..chain.len() {
        let a = chain[chain.len() - 1 - lvl];
        let best = anchors
            .iter()
            .filter(|&&(l, n)| l != line && n != c && schema.is_ancestor_or_self(a, n))
            .map(|&(l, _)| {
                if l < line {
                    (line - l) * 2
                } else {
                    (l - line) * 2 + 1
                }
            })
            .min();
        if let Some(d) = best {
            return (lvl, d);
        }
    }
    if majority == Some(chain[0]) {
        (98, c)
    } else {
        (99, c)
    }
}

/// Block numbers: the nearest non-placeholder header of the same block type
/// on the page (preceding first), else the last one of earlier pages.
fn assign_blocks(schema: &Schema, occs: &mut [Occ], st: &mut PageState) {
    let headers: Vec<(usize, usize, u32)> = occs
        .iter()
        .filter(|o| !o.placeholder)
        .filter_map(|o| Some((o.start, o.place?.node, o.block?)))
        .collect();
    for o in occs.iter_mut() {
        let Some(p) = o.place.as_mut() else { continue };
        let Some(bn) = schema.block_of(p.node) else {
            continue;
        };
        if let Some(n) = o.block {
            p.block = n;
            continue;
        }
        let same: Vec<&(usize, usize, u32)> = headers.iter().filter(|h| h.1 == bn).collect();
        let pre = same.iter().filter(|h| h.0 < o.start).max_by_key(|h| h.0);
        let post = same.iter().filter(|h| h.0 > o.start).min_by_key(|h| h.0);
        p.block = pre
            .or(post)
            .map(|h| h.2)
            .or_else(|| st.blocks.get(&bn).copied())
            .unwrap_or(1);
    }
    for h in headers {
        st.blocks.insert(h.1, h.2);
    }
}

/// R6: writes label lines and attaches content blocks to labels.
fn emit(lines: &[&str], idx: &[usize], occs: &[Occ], b: &mut Builder, st: &mut PageState) {
    let slot_of = |o: &Occ| o.place.map(SlotKey::Form);
    let mut label_line = vec![false; idx.len()];
    for o in occs {
        let Some(s) = slot_of(o) else { continue };
        if o.placeholder {
            for l in &lines[o.start..o.end] {
                b.choice(s.clone(), l);
            }
        } else {
            b.choice(s.clone(), &o.prefix);
            let text: Vec<&str> = lines[o.start..o.end].iter().map(|l| l.trim()).collect();
            let first = text.join("");
            let first = first.strip_prefix(o.prefix.trim()).unwrap_or(&first);
            b.body(s, first.trim());
        }
        for (k, &i) in idx.iter().enumerate() {
            if (o.start..o.end).contains(&i) {
                label_line[k] = true;
            }
        }
    }
    attach_blocks(lines, idx, occs, &label_line, b, st);
}

/// The lines of a block that are not choice-list boilerplate ([`choice_mask`]).
fn content_of<'l>(lines: &[&'l str]) -> Vec<&'l str> {
    lines
        .iter()
        .zip(choice_mask(lines))
        .filter(|(_, choice)| !choice)
        .map(|(l, _)| *l)
        .collect()
}

/// One content block of a page: its lines and first line number.
struct Block<'l> {
    lines: Vec<&'l str>,
    at: usize,
    /// Which lines are choice-list boilerplate ([`choice_mask`]), worked
    /// out once: the placement asks a block for its content several times.
    choice: Vec<bool>,
}

impl<'l> Block<'l> {
    fn new(lines: Vec<&'l str>, at: usize) -> Self {
        let choice = choice_mask(&lines);
        Block { lines, at, choice }
    }

    /// The lines that are not choice-list boilerplate.
    fn content(&self) -> Vec<&'l str> {
        self.lines
            .iter()
            .zip(&self.choice)
            .filter(|(_, &choice)| !choice)
            .map(|(l, _)| *l)
            .collect()
    }

    /// The block's answer, if it is nothing but one (page position `s`).
    fn answer(&self, lines: &[&str], idx: &[usize], s: usize) -> Option<(String, answer::Class)> {
        answer::answer_of_block(&self.lines, isolated(lines, idx, s, self.lines.len()))
    }

    /// True for free text (not only choice boilerplate, ticks or an answer).
    fn is_prose(&self) -> bool {
        let content = self.content();
        !content.is_empty()
            && !content
                .iter()
                .all(|l| is_ticked(l) || attach::is_box_line(l))
            && answer::answer_of_block(&self.lines, false).is_none()
    }
}

/// Content blocks of a page (runs of consecutive non-label lines).
fn blocks<'l>(lines: &[&'l str], idx: &[usize], label_line: &[bool]) -> Vec<(usize, Block<'l>)> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < idx.len() {
        if label_line[k] || lines[idx[k]].trim().is_empty() {
            k += 1;
            continue;
        }
        let s = k;
        while k < idx.len()
            && !label_line[k]
            && !lines[idx[k]].trim().is_empty()
            && (k == s || idx[k] == idx[k - 1] + 1)
        {
            k += 1;
        }
        let block = Block::new(idx[s..k].iter().map(|&i| lines[i]).collect(), idx[s]);
        out.push((s, block));
    }
    out
}

/// A page's non-blank lines counted up to each line: every block asks of
/// every label whether only blank lines part them, and reading the lines
/// between each time cost blocks × labels × lines per page (3 % of the
/// ingest stages' samples in a profile over 150 bench documents).
struct Blanks(Vec<u32>);

impl Blanks {
    fn of(lines: &[&str]) -> Blanks {
        let mut counts = Vec::with_capacity(lines.len() + 1);
        let mut n = 0;
        counts.push(n);
        for l in lines {
            n += u32::from(!l.trim().is_empty());
            counts.push(n);
        }
        Blanks(counts)
    }

    /// Whether only blank lines (or none) stand between label `o` and
    /// line `at`.
    fn only_between(&self, o: &Occ, at: usize) -> bool {
        o.end <= at && self.0[o.end] == self.0[at]
    }
}

/// Splits a block printed under a name field's label that starts with a
/// list of names of the field's kind and goes on with prose: the names are
/// the field's, the prose a block of its own. The PDF sets them apart with
/// a blank line (`２．特定個人情報ファイル名`, its files, then the paragraph
/// of `②事務の概要` printed after them); collapsed text rewritten into
/// lines has lost it. Only prose splits off (two lines or more, or a
/// sentence), not the end of a name wrapped onto the next line.
fn split_names_from_prose<'l>(
    schema: &Schema,
    all: Vec<(usize, Block<'l>)>,
    blanks: &Blanks,
    targets: &[(usize, &Occ)],
) -> Vec<(usize, Block<'l>)> {
    let mut out = Vec::with_capacity(all.len());
    for (s, block) in all {
        let field = targets
            .iter()
            .find(|(_, o)| blanks.only_between(o, block.at))
            .and_then(|(_, o)| o.place);
        let names = field.map_or(0, |p| {
            (1..block.lines.len())
                .rev()
                .find(|&k| attach::names_fit(schema, p.node, &block.lines[..k]))
                .unwrap_or(0)
        });
        let rest = &block.lines[names..];
        let prose = rest.len() >= 2 || rest.iter().any(|l| l.contains('。'));
        if names == 0 || !prose {
            out.push((s, block));
            continue;
        }
        let (head, tail) = block.lines.split_at(names);
        out.push((s, Block::new(head.to_vec(), block.at)));
        out.push((s + names, Block::new(tail.to_vec(), block.at + names)));
    }
    out
}

/// Attaches every content block of a page to a form place (R6 + typed slots).
fn attach_blocks(
    lines: &[&str],
    idx: &[usize],
    occs: &[Occ],
    label_line: &[bool],
    b: &mut Builder,
    st: &mut PageState,
) {
    let schema = b.schema();
    let targets: Vec<(usize, &Occ)> = occs
        .iter()
        .filter(|o| o.place.is_some() && !o.placeholder)
        .map(|o| (o.start, o))
        .collect();
    let places: Vec<(usize, Place)> = targets
        .iter()
        .filter_map(|(l, o)| Some((*l, o.place?)))
        .collect();
    let mut fill = initial_fill(schema, lines, &targets);
    fill.ticked = st.ticked.clone();
    let blanks = Blanks::of(lines);
    let all = split_names_from_prose(schema, blocks(lines, idx, label_line), &blanks, &targets);
    // First lines of the values seen so far (list continuation).
    let mut heads: Vec<(Place, Vec<String>)> = targets
        .iter()
        .filter(|(_, o)| has_inline(schema, lines, o))
        .filter_map(|(_, o)| Some((o.place?, vec![inline_value(schema, lines, o)])))
        .collect();
    for (p, h) in &heads {
        let snippet: String = h[0].chars().take(24).collect();
        b.note(
            SlotKey::Form(*p),
            format!("printed on the label's line: {snippet}"),
        );
    }
    // Pass 1 (adjacency): a block printed right under a label that can take
    // it belongs to that label, whatever else the page holds.
    let mut adjacent: HashMap<usize, Place> = HashMap::new();
    for (s, block) in &all {
        let content = block.content();
        if content.is_empty() || block.answer(lines, idx, *s).is_some() {
            continue;
        }
        // Right under: on the next line; or, for a list of names of the
        // field's kind, also after blank lines. Collapsed text rewritten
        // into lines sets a label's value apart by a blank line (the PDF
        // prints `①システムの名称 番号管理システム` on one line); free text
        // after a blank line is not taken, since on a scrambled page it is
        // as often another field's.
        let under = targets.iter().find(|(_, o)| {
            o.end == block.at
                || (blanks.only_between(o, block.at)
                    && o.place
                        .is_some_and(|p| attach::names_fit(schema, p.node, &content)))
        });
        // A list of names of another empty field's kind is that field's,
        // wherever it was printed, when the page has one such field.
        let named_elsewhere = |p: Place| {
            let empty = places.iter().copied().filter(|&(_, q)| !fill.is_filled(q));
            !attach::names_fit(schema, p.node, &content)
                && names_target(schema, empty, &content).is_some()
        };
        if let Some(p) = under
            .and_then(|(_, o)| o.place)
            .filter(|&p| !named_elsewhere(p))
        {
            let text = attach::value_kind(schema, p.node) == attach::ValueKind::Text;
            if attach::accepts(schema, p.node, &content) && (text || !fill.is_filled(p)) {
                adjacent.insert(block.at, p);
                fill.fill(p);
                add_head(&mut heads, p, &content);
            }
        }
    }
    let lists = enumerated_lists(&all, &adjacent);
    let mut list_place: HashMap<usize, Place> = HashMap::new();
    let mut redirected: Option<(Place, usize)> = None;
    for (s, block) in all {
        let list = lists.get(&block.at).copied();
        let def = default_target(&targets, block.at);
        let answer = block.answer(lines, idx, s);
        let paired = answer
            .as_ref()
            .and_then(|(v, c)| attach::answer_target(schema, &places, &fill, v, *c, def));
        let content = block.content();
        let mut why = String::new();
        let place = if let Some(i) = paired {
            why = match schema.nodes[places[i].1.node].options.is_empty() {
                true => "answer (question wording)".into(),
                false => "option of this field".into(),
            };
            Some(places[i].1)
        } else if let Some(&p) = adjacent.get(&block.at) {
            why = "printed right under the label".into();
            Some(p)
        } else if let Some(&p) = list.and_then(|l| list_place.get(&l)) {
            why = "next item of a numbered list placed here".into();
            Some(p)
        } else if let Some(p) = list_continuation(&content, &heads) {
            why = "continues the list of this field".into();
            Some(p)
        } else {
            let cont = redirected.filter(|&(_, e)| !(e..s).any(|k| label_line[k]));
            // Only a field labelled above continues: blocks placed on a label
            // printed below them are single values, not the start of a run.
            let above = |p: &Place| {
                targets
                    .iter()
                    .find(|t| t.1.place == Some(*p))
                    .is_none_or(|t| t.0 < block.at)
            };
            let cont = cont.map(|(p, _)| p).filter(above).filter(|p| {
                continues(label_line, lines, idx, s)
                    && (attach::takes_nearby(schema, p.node, &content)
                        || attach::value_kind(schema, p.node) == attach::ValueKind::Group)
            });
            let filled: Vec<bool> = places
                .iter()
                .map(|t| fill.is_filled(t.1) || fill.is_moot(schema, t.1))
                .collect();
            let t = pick_target(
                schema,
                &block.lines,
                block.at,
                &targets,
                &filled,
                cont,
                &mut why,
            );
            t.map(|p| match block.is_prose() && why != UNPLACED {
                true => attach::refine(schema, &places, &mut fill, p, block.at),
                false => p,
            })
        };
        if answer.is_none() && !content.is_empty() {
            redirected = place.map(|p| (p, s + block.lines.len()));
            if let (Some(l), Some(p)) = (list, place) {
                list_place.entry(l).or_insert(p);
            }
        }
        if let Some(p) = place {
            if let Some((v, _)) = &answer {
                fill.answer(p, v);
            }
            if !content.is_empty() || block.lines.iter().any(|l| is_dash(l)) {
                fill.fill(p);
            }
            if !adjacent.contains_key(&block.at) {
                add_head(&mut heads, p, &content);
            }
        }
        // A block's title (`委託事項1` … `帳票作成等業務委託`) is the header's
        // value; its text is kept with the block's first field, which it
        // summarises, so that the header's body stays the bare label.
        let place = match place {
            Some(p) if schema.nodes[p.node].kind == Kind::Block && !content.is_empty() => {
                b.set_value(SlotKey::Form(p), content[0]);
                b.note(
                    SlotKey::Form(p),
                    format!("{why}: title {}", content[0].trim()),
                );
                let first = (p.node + 1..schema.nodes.len())
                    .find(|&j| schema.nodes[j].parent == Some(p.node));
                first
                    .map(|node| Place {
                        node,
                        block: p.block,
                    })
                    .or(Some(p))
            }
            other => other,
        };
        // Text on a page without labels goes to the heading of the last
        // label of earlier pages, marked unplaced.
        // (A free-text field continues there: long values run over pages.)
        let last_text = matches!(st.last, Some(SlotKey::Form(p))
            if attach::value_kind(schema, p.node) == attach::ValueKind::Text);
        let last = match st.last.clone() {
            Some(SlotKey::Form(p)) if !last_text => Some(SlotKey::Form(heading_of(schema, p))),
            other => other,
        };
        let target = place.map(SlotKey::Form).or(last).unwrap_or_else(|| {
            SlotKey::Form(Place {
                node: cover_node(schema),
                block: 0,
            })
        });
        if !content.is_empty() || answer.is_some() {
            if place.is_none() {
                why = match last_text {
                    true => "continues the last field of the previous page".into(),
                    false => "unplaced: no label on the page".into(),
                };
            }
            let snippet: String = content
                .first()
                .map_or_else(
                    || answer.as_ref().map_or("", |a| a.0.as_str()),
                    |l| l.trim(),
                )
                .chars()
                .take(24)
                .collect();
            b.note(target.clone(), format!("{why}: {snippet}"));
        }
        let mut answered = false;
        for (l, choice) in block.lines.into_iter().zip(block.choice) {
            let ans = answer.as_ref().and_then(|_| answer::answer_of_line(l));
            answered |= ans.is_some();
            if let Some((v, _)) = ans {
                // The answer as a bracketed value; the printed line stays
                // with the boilerplate.
                b.body(target.clone(), &format!("[ {v} ]"));
                b.choice(target.clone(), l);
            } else if choice {
                b.choice(target.clone(), l);
            } else {
                b.body(target.clone(), l);
            }
        }
        if let Some((v, _)) = answer.as_ref().filter(|_| !answered) {
            b.body(target.clone(), &format!("[ {v} ]"));
        }
    }
    if let Some(last) = targets.iter().max_by_key(|t| t.0) {
        st.last = last.1.place.map(SlotKey::Form);
    }
}

/// True if the non-empty lines around a block (page positions `s..s+len`)
/// are not option-list lines.
fn isolated(lines: &[&str], idx: &[usize], s: usize, len: usize) -> bool {
    let listy = |k: usize| {
        let t = lines[idx[k]].trim();
        super::is_option_line(t) || t.starts_with("＜選択肢＞") || t.starts_with("<選択肢>")
    };
    let before = (0..s).rev().find(|&k| !lines[idx[k]].trim().is_empty());
    let after = (s + len..idx.len()).find(|&k| !lines[idx[k]].trim().is_empty());
    !before.is_some_and(listy) && !after.is_some_and(listy)
}

/// Text after the label on a label line (`①部署 保健福祉部`).
fn inline_value(schema: &Schema, lines: &[&str], o: &Occ) -> String {
    let text = lines[o.start..o.end].concat();
    let Some(p) = o.place else { return text };
    let n = schema.nodes[p.node].label.chars().count();
    text.trim()
        .chars()
        .skip(n)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Numbered items of one list printed apart (`１　…`, `２　…`, `３　…` in
/// scrambled order): item n joins the list whose last number is n−1 (the
/// nearest in print); returns the list id of each block (by its first line)
/// that belongs to a list of two or more items.
fn enumerated_lists(
    all: &[(usize, Block)],
    adjacent: &HashMap<usize, Place>,
) -> HashMap<usize, usize> {
    let mut items: Vec<(u32, u32, String, usize)> = Vec::new();
    for (_, b) in all {
        if adjacent.contains_key(&b.at) || !b.is_prose() {
            continue;
        }
        let content = b.content();
        let Some(c) = content.first().and_then(|f| ENUM_HEAD.captures(f)) else {
            continue;
        };
        let Ok(n) = crate::normalize::fold(&c[1]).parse::<u32>() else {
            continue;
        };
        // Digit width varies inside one list (`1　…`, `２　…`); the
        // separator does not.
        let style = c[2].to_string();
        // Items of the same list printed inside this block.
        let mut last = n;
        for l in content.iter().skip(1) {
            if let Some(m) = ENUM_HEAD.captures(l).filter(|m| m[2] == style) {
                if crate::normalize::fold(&m[1]).parse::<u32>() == Ok(last + 1) {
                    last += 1;
                }
            }
        }
        items.push((n, last, style, b.at));
    }
    // lists: (style, last number, last position, members)
    let mut lists: Vec<(String, u32, usize, Vec<usize>)> = Vec::new();
    let mut by_number = items.clone();
    by_number.sort_by_key(|i| (i.0, i.3));
    for (n, last, style, at) in by_number {
        let open = (0..lists.len())
            .filter(|&l| lists[l].0 == style && lists[l].1 + 1 == n)
            .min_by_key(|&l| lists[l].2.abs_diff(at));
        match open {
            Some(l) if n > 1 => {
                lists[l].1 = last;
                lists[l].2 = at;
                lists[l].3.push(at);
            }
            _ => lists.push((style, last, at, vec![at])),
        }
    }
    let mut out = HashMap::new();
    for (id, l) in lists.iter().enumerate().filter(|(_, l)| l.3.len() > 1) {
        for &at in &l.3 {
            out.insert(at, id);
        }
    }
    out
}

/// Records the first lines of a field's value.
fn add_head(heads: &mut Vec<(Place, Vec<String>)>, p: Place, content: &[&str]) {
    let i = match heads.iter().position(|h| h.0 == p) {
        Some(i) => i,
        None => {
            heads.push((p, Vec::new()));
            heads.len() - 1
        }
    };
    for l in content {
        if heads[i].1.len() < 2 {
            heads[i].1.push(l.trim().to_string());
        }
    }
}

/// A dash standing for "none" (`―`), a value of its own.
fn is_dash(line: &str) -> bool {
    matches!(line.trim(), "―" | "－" | "-" | "—" | "ー")
}

static ENUM_HEAD: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^\s*([0-9０-９]{1,2})([　 ．.、）)]+)\S").unwrap());

/// An enumerated item (`１　資格` / `・…`) printed apart from the rest of its
/// list: the field whose value starts with an item of the same style.
fn list_continuation(content: &[&str], heads: &[(Place, Vec<String>)]) -> Option<Place> {
    let shape = |t: &str| {
        let c = ENUM_HEAD.captures(t)?;
        let wide = c[1].chars().any(|ch| ('０'..='９').contains(&ch));
        Some((wide, c[2].trim().to_string(), c[2].contains('　')))
    };
    let first = content.first()?;
    let mine = shape(first)?;
    // Only short item heads followed by bullet lines are list items.
    let bullets = content.len() > 1
        && content[1..]
            .iter()
            .all(|l| l.trim_start().starts_with('・'));
    if first.trim().chars().count() > 12 || !bullets {
        return None;
    }
    let mut hits = heads.iter().filter(|(_, h)| {
        h.len() > 1 && h[1].starts_with('・') && shape(&h[0]).as_ref() == Some(&mine)
    });
    let one = hits.next()?;
    hits.next().is_none().then_some(one.0)
}

/// Labels printed with their value on the same line are filled (and
/// answered, for choice questions) before any block is attached.
fn initial_fill(schema: &Schema, lines: &[&str], targets: &[(usize, &Occ)]) -> attach::PageFill {
    let mut fill = attach::PageFill::default();
    for (_, o) in targets {
        let Some(p) = o.place.filter(|_| has_inline(schema, lines, o)) else {
            continue;
        };
        fill.fill(p);
        if schema.nodes[p.node].choice {
            let text = lines[o.start..o.end].join(" ");
            // Only a real answer closes the question: `②… ＜選択肢＞` has none.
            if let Some(v) = super::selected_value(&text).or_else(|| answer::bare_answer(&text)) {
                fill.answer(p, &v);
            }
        }
    }
    fill
}

/// True if no label lies between the previous content block and line `s`.
fn continues(label_line: &[bool], lines: &[&str], idx: &[usize], s: usize) -> bool {
    (0..s)
        .rev()
        .find(|&j| label_line[j] || !lines[idx[j]].trim().is_empty())
        .is_some_and(|j| !label_line[j])
}

/// Index of the nearest preceding target, else the nearest following one.
fn default_target(targets: &[(usize, &Occ)], at: usize) -> Option<usize> {
    let pre = (0..targets.len())
        .filter(|&i| targets[i].0 < at)
        .max_by_key(|&i| targets[i].0);
    pre.or_else(|| {
        (0..targets.len())
            .filter(|&i| targets[i].0 > at)
            .min_by_key(|&i| targets[i].0)
    })
}

/// True if the label line(s) carry a value after the label itself.
fn has_inline(schema: &Schema, lines: &[&str], o: &Occ) -> bool {
    let Some(p) = o.place else { return false };
    // The option-list marker after a label is not a value.
    let text: String = lines[o.start..o.end]
        .concat()
        .replace("＜選択肢＞", "")
        .replace("<選択肢>", "");
    lfold(&text).len() > schema.nodes[p.node].fold.len() + o.prefix.len() + 3
}

/// Chooses the label a content block belongs to (R6 with typed slots):
/// organisation names to 委託先名, ticked boxes to checkbox fields, prose
/// printed before its section's heading to the continued previous section,
/// prose after an already filled short field to the nearest empty prose field.
fn pick_target(
    schema: &Schema,
    block: &[&str],
    at: usize,
    targets: &[(usize, &Occ)],
    filled: &[bool],
    cont: Option<Place>,
    why: &mut String,
) -> Option<Place> {
    let place = |i: usize| targets[i].1.place.unwrap_or(Place { node: 0, block: 0 });
    let content = content_of(block);
    let node_of = |i: usize| targets[i].1.place.map_or(0, |p| p.node);
    let nearest = |pred: &dyn Fn(usize) -> bool| {
        (0..targets.len())
            .filter(|&i| pred(i))
            .min_by_key(|&i| targets[i].0.abs_diff(at))
    };
    // A name cut over a few lines (`株式会社` / `アイネス ]`, as a collapsed
    // page is cut into cells at its blanks) is one name.
    if content.len() <= 3 && looks_like_org(&content.concat()) {
        if let Some(i) = nearest(&|i| schema.nodes[node_of(i)].org) {
            *why = "organisation name".into();
            return Some(place(i));
        }
    }
    if let Some(i) = typed_target(schema, &content, at, targets, why) {
        return Some(place(i));
    }
    let empty = (0..targets.len())
        .filter(|&i| !filled[i])
        .map(|i| (i, place(i)));
    if let Some(i) = names_target(schema, empty, &content) {
        *why = "a list of names of this field's kind".into();
        return Some(place(i));
    }
    let mut kwhy = String::new();
    let (k, k_line) = match cont {
        Some(c) => {
            kwhy = "continues the previous block".into();
            (
                Some(c),
                targets.iter().find(|t| t.1.place == Some(c)).map(|t| t.0),
            )
        }
        None => match untyped_target(schema, &content, at, targets, filled, &mut kwhy) {
            Some(i) => (Some(place(i)), Some(targets[i].0)),
            None => (None, None),
        },
    };
    // Typical words: the one empty field of the page whose words the text
    // uses wins over a field that expects other words, or over a label
    // printed below the text.
    let text: String = content.concat();
    // The score first: most fields have no typical word in the text, and
    // then whether they could hold it is not asked.
    let scored: Vec<(usize, usize)> = (0..targets.len())
        .filter(|&i| !filled[i])
        .map(|i| (attach::hint_score(schema, node_of(i), &text), i))
        .filter(|&(sc, i)| sc > 0 && attach::accepts(schema, node_of(i), &content))
        .collect();
    if let Some(&(best, i)) = scored.iter().max_by_key(|s| s.0) {
        let unique = scored.iter().filter(|s| s.0 == best).count() == 1;
        let k_score = k.map_or(0, |p| attach::hint_score(schema, p.node, &text));
        let k_weak = k.is_none_or(|p| !schema.nodes[p.node].hints.is_empty())
            || k_line.is_some_and(|l| l > at);
        // Strong evidence (several or long typical words) decides alone.
        let strong = best >= 5 && best >= 2 * k_score.max(1);
        if unique && best > k_score && (k_weak || strong) {
            *why = "uses the typical words of this field".into();
            return Some(place(i));
        }
        // Several empty fields of one kind (請求先 and 連絡先 both take an
        // office's address) beat a field that expects other words and
        // finds none of them: the nearest of them takes it, when more than
        // one character of typical words says so (`者` alone is in any
        // text about the insured).
        let k_other = k.is_some_and(|p| !schema.nodes[p.node].hints.is_empty()) && k_score == 0;
        let tied: Vec<usize> = scored.iter().filter(|s| s.0 == best).map(|s| s.1).collect();
        let one_kind = tied
            .windows(2)
            .all(|w| schema.nodes[node_of(w[0])].hints == schema.nodes[node_of(w[1])].hints);
        if !unique && k_other && one_kind && best >= 2 {
            if let Some(&i) = tied.iter().min_by_key(|&&i| targets[i].0.abs_diff(at)) {
                *why = "uses the typical words of this field (the nearest of several)".into();
                return Some(place(i));
            }
        }
    }
    if let Some(i) = filled_of_its_words(schema, &content, &text, targets, filled, k) {
        *why = "uses the typical words of this field (its second block)".into();
        return Some(place(i));
    }
    if kwhy == UNPLACED {
        *why = kwhy;
        return k.map(|p| heading_of(schema, p));
    }
    // Subject: text that never names the subject of the section it would
    // join, but names another section's subject, goes to that section's
    // nearest empty general field.
    if let Some(p) = k.filter(|_| cont.is_none()) {
        if let Some(i) = other_subject(schema, &content, &text, at, targets, filled, p) {
            *why = "names the subject of this section".into();
            return Some(place(i));
        }
    }
    *why = kwhy;
    k
}

/// A field already filled whose typical words `text` uses strongly (five
/// characters of them or more, twice as many as of the words of `k`, the
/// field the block would join otherwise, which expects words of its own):
/// a value printed as two blocks (a legal basis as `【情報提供の根拠】…` and
/// `【情報照会の根拠】…`) keeps its second block when the page is scrambled,
/// instead of giving it to the next legal basis, which cites other articles.
fn filled_of_its_words(
    schema: &Schema,
    content: &[&str],
    text: &str,
    targets: &[(usize, &Occ)],
    filled: &[bool],
    k: Option<Place>,
) -> Option<usize> {
    let k = k.filter(|p| !schema.nodes[p.node].hints.is_empty())?;
    let k_score = attach::hint_score(schema, k.node, text);
    let node_of = |i: usize| targets[i].1.place.map_or(0, |p| p.node);
    let scored: Vec<(usize, usize)> = (0..targets.len())
        .filter(|&i| {
            filled[i]
                && node_of(i) != k.node
                && attach::value_kind(schema, node_of(i)) == attach::ValueKind::Text
        })
        .map(|i| (attach::hint_score(schema, node_of(i), text), i))
        .filter(|&(sc, i)| {
            sc >= 5 && sc >= 2 * k_score.max(1) && attach::accepts(schema, node_of(i), content)
        })
        .collect();
    let &(best, i) = scored.iter().max_by_key(|s| s.0)?;
    (scored.iter().filter(|s| s.0 == best).count() == 1).then_some(i)
}

/// The numbered section of a node and its subject words.
fn subject(schema: &Schema, node: usize) -> Option<(usize, &'static [&'static str])> {
    schema
        .chain(node)
        .into_iter()
        .find(|&a| !schema.nodes[a].topic.is_empty())
        .map(|a| (a, schema.nodes[a].topic))
}

/// See the subject rule of [`pick_target`].
fn other_subject(
    schema: &Schema,
    content: &[&str],
    text: &str,
    at: usize,
    targets: &[(usize, &Occ)],
    filled: &[bool],
    k: Place,
) -> Option<usize> {
    let (sec, words) = subject(schema, k.node)?;
    if words.iter().any(|w| text.contains(w)) {
        return None;
    }
    let node_of = |i: usize| targets[i].1.place.map_or(0, |p| p.node);
    (0..targets.len())
        .filter(|&i| {
            let n = node_of(i);
            !filled[i]
                && schema.nodes[n].hints.is_empty()
                && attach::value_kind(schema, n) == attach::ValueKind::Text
                && attach::accepts(schema, n, content)
                && subject(schema, n)
                    .is_some_and(|(s, w)| s != sec && w.iter().any(|w| text.contains(w)))
        })
        // Measures of the section's named risk before its catch-all
        // `…その他のリスク及びそのリスクに対する措置`, then the nearest.
        .min_by_key(|&i| {
            (
                std::cmp::Reverse(schema.nodes[node_of(i)].depth),
                targets[i].0.abs_diff(at),
            )
        })
}

/// Typed slots (R6): organisation names to 委託先名, box texts and ticked
/// boxes to the checkbox field that offers them.
fn typed_target(
    schema: &Schema,
    content: &[&str],
    at: usize,
    targets: &[(usize, &Occ)],
    why: &mut String,
) -> Option<usize> {
    let node_of = |i: usize| targets[i].1.place.map_or(0, |p| p.node);
    let nearest = |pred: &dyn Fn(usize) -> bool| {
        (0..targets.len())
            .filter(|&i| pred(i))
            .min_by_key(|&i| targets[i].0.abs_diff(at))
    };
    let def = default_target(targets, at);
    if !content.is_empty() && content.iter().all(|l| attach::is_box_line(l)) {
        let texts: Vec<String> = content.iter().flat_map(|l| attach::box_pieces(l)).collect();
        let fits = |i: usize| {
            let n = &schema.nodes[node_of(i)];
            n.checkbox && texts.iter().all(|t| n.has_option(t))
        };
        if let Some(i) = nearest(&fits) {
            *why = "box texts of this checkbox field".into();
            return Some(i);
        }
    }
    let ticks = |l: &&str| is_ticked(l) || attach::is_box_fragment(l);
    if !content.is_empty() && content.iter().all(ticks) {
        // A ticked box whose text is one of a checkbox field's options.
        let texts: Vec<String> = content.iter().flat_map(|l| ticked_texts(l)).collect();
        let fits = |i: usize| {
            let n = &schema.nodes[node_of(i)];
            n.checkbox && texts.iter().any(|t| n.has_option(t))
        };
        if let Some(i) = nearest(&fits) {
            *why = "ticked box of this field".into();
            return Some(i);
        }
        *why = "ticked box near a checkbox field".into();
        if def.is_some_and(|d| schema.nodes[node_of(d)].checkbox && targets[d].0 < at) {
            return def;
        }
        if let Some(i) = nearest(&|i| schema.nodes[node_of(i)].checkbox) {
            return Some(i);
        }
    }
    None
}

/// Of the empty fields `empty` (line or index, place), the one whose kind
/// of names `content` lists ([`attach::names_fit`]); None when there are
/// several (システム1 … システム4 each have a ①システムの名称: which one a
/// list belongs to is the layout's to say) or none.
fn names_target(
    schema: &Schema,
    empty: impl IntoIterator<Item = (usize, Place)>,
    content: &[&str],
) -> Option<usize> {
    let mut fits = empty
        .into_iter()
        .filter(|&(_, q)| attach::names_fit(schema, q.node, content));
    let first = fits.next()?;
    fits.next().is_none().then_some(first.0)
}

/// The rest of R6: free text to the nearest field that can take it.
fn untyped_target(
    schema: &Schema,
    content: &[&str],
    at: usize,
    targets: &[(usize, &Occ)],
    filled: &[bool],
    why: &mut String,
) -> Option<usize> {
    let node_of = |i: usize| targets[i].1.place.map_or(0, |p| p.node);
    let def = default_target(targets, at);
    let d = def?;
    *why = "nearest label".into();
    if content.is_empty() {
        return def;
    }
    if targets[d].0 < at {
        if let Some(i) = continued_section(schema, targets, at, node_of(d)) {
            *why = "continues the section of the previous page".into();
            return Some(i);
        }
    }
    // The nearest label (above first, then below) whose field can take a
    // value of this shape and is still empty.
    let above = (0..targets.len()).filter(|&i| targets[i].0 < at).rev();
    let below = (0..targets.len()).filter(|&i| targets[i].0 > at);
    let mut order: Vec<usize> = above.collect();
    order.sort_by_key(|&i| std::cmp::Reverse(targets[i].0));
    let mut after: Vec<usize> = below.collect();
    after.sort_by_key(|&i| targets[i].0);
    // Above: free text may join a field that already has text; names,
    // dates and single values take one value. Below: only empty fields.
    let takes = |i: usize, above: bool| {
        let n = node_of(i);
        attach::takes_nearby(schema, n, content)
            && (!filled[i] || (above && attach::value_kind(schema, n) == attach::ValueKind::Text))
    };
    if let Some(i) = order
        .iter()
        .map(|&i| (i, true))
        .chain(after.iter().map(|&i| (i, false)))
        .find(|&(i, above)| takes(i, above))
        .map(|(i, _)| i)
    {
        *why = "nearest field that takes this kind of value".into();
        return Some(i);
    }
    // No field of the page can take it: never silently a wrong field.
    *why = UNPLACED.into();
    def
}

/// Why-note of text that no field could take (see [`Section::low_confidence`]).
const UNPLACED: &str = "unplaced: no field of the page takes this kind of value";

/// The heading a text that could not be placed goes to: the nearest
/// numbered, risk or top-level heading above the nearest label.
fn heading_of(schema: &Schema, p: Place) -> Place {
    let node = schema
        .chain(p.node)
        .into_iter()
        .rev()
        .skip(1)
        .find(|&a| {
            matches!(
                schema.nodes[a].kind,
                Kind::Numbered | Kind::Risk | Kind::Top
            )
        })
        .unwrap_or(p.node);
    Place {
        node,
        block: if schema.block_of(node).is_some() {
            p.block
        } else {
            0
        },
    }
}

static TICKED_TEXT: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"[\[［]\s*[○〇]\s*[\]］]\s*([^\[\]［］（(]+)").unwrap());

/// Texts of the ticked boxes of a line (`[ ○ ] 評価実施機関内の他部署 （ ）`).
fn ticked_texts(line: &str) -> Vec<String> {
    TICKED_TEXT
        .captures_iter(line)
        .map(|c| c[1].trim().to_string())
        .collect()
}

/// Prose printed before the heading of its label's numbered section, on a
/// page that continues the previous numbered section (whose heading is not
/// on the page): it belongs to a prose field of that previous section.
fn continued_section(
    schema: &Schema,
    targets: &[(usize, &Occ)],
    at: usize,
    node: usize,
) -> Option<usize> {
    let chain = schema.chain(node);
    let sec = *chain
        .iter()
        .find(|&&a| schema.nodes[a].kind == Kind::Numbered)?;
    if sec == node {
        return None;
    }
    let node_at = |i: usize| targets[i].1.place.map_or(usize::MAX, |p| p.node);
    let heading_after = (0..targets.len()).any(|i| node_at(i) == sec && targets[i].0 > at);
    let parent = schema.nodes[sec].parent;
    let prev = (0..sec)
        .rev()
        .find(|&j| schema.nodes[j].parent == parent && schema.nodes[j].kind == Kind::Numbered)?;
    let prev_heading = (0..targets.len()).any(|i| node_at(i) == prev);
    if !heading_after || prev_heading {
        return None;
    }
    (0..targets.len())
        .filter(|&i| {
            let n = node_at(i);
            n != usize::MAX && schema.is_ancestor_or_self(prev, n) && is_prose(schema, n)
        })
        .min_by_key(|&i| targets[i].0.abs_diff(at))
}
