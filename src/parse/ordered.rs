//! Parser for the TSV+HTML table export (R8): rows come in form order, so a
//! stack of the current place suffices; the first TSV cell of a row is its
//! leaf label when it is a label of the form.

use std::collections::HashMap;

use once_cell::sync::Lazy;
use regex::Regex;

use super::form::{Kind, Schema};
use super::scrambled::{toc_range, toc_slot};
use super::{
    block_header, changes_node, cover_node, fuzzy_risk, is_changes_head, is_choice_line, lfold,
    match_label, meta, top_heading, Builder, Place, SlotKey,
};
use crate::model::Section;

static INPUT_CHECKED: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?i)\[?<input[^<>]*\bchecked[^<>]*>\]?").unwrap());
static INPUT: Lazy<Regex> = Lazy::new(|| Regex::new(r"(?i)\[?<input[^<>]*>\]?").unwrap());
static TAG: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)</?(?:p|ul|ol|li|table|tr|td|th|div|span|br|b|i|u|strong|em|font|thead|tbody)(?:\s[^<>]*)?/?>")
        .unwrap()
});
static OPTIONS: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"[<＜]選択肢[>＞](?:\s*(?:\(\s*[0-9]+\s*\)\s*件|[0-9]+\s*[)）]\s*[^\s<]+))*")
        .unwrap()
});

/// R1 for table exports: checkboxes to `[○]`/`[ ]`, real tags removed,
/// pseudo-tags such as `<選択肢>` kept.
pub fn strip_html(line: &str) -> String {
    if !line.contains('<') {
        return line.to_string();
    }
    let s = INPUT_CHECKED.replace_all(line, "[○]");
    let s = INPUT.replace_all(&s, "[ ]");
    TAG.replace_all(&s, " ").into_owned()
}

/// Splits the TSV+HTML export into sections of `schema`'s form.
pub fn parse(text: &str, schema: &Schema) -> Vec<Section> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let cover_end = lines
        .iter()
        .position(|l| l.trim() == "項目一覧" || top_heading(schema, &strip_html(l)).is_some())
        .unwrap_or(0);
    let toc = toc_range(&lines, schema, cover_end);
    let changes_start = (cover_end..lines.len())
        .find(|&i| !toc.contains(&i) && is_changes_head(&strip_html(lines[i])))
        .unwrap_or(lines.len());
    let mut b = Builder::new(schema);
    let cover: Vec<String> = lines[..cover_end].iter().map(|l| strip_html(l)).collect();
    let cover_refs: Vec<&str> = cover.iter().map(String::as_str).collect();
    meta::cover_sections(&cover_refs, &mut b, cover_node(schema));
    for i in toc.clone() {
        b.body(toc_slot(schema), lines[i]);
    }
    let mut st = Stack::default();
    for (i, raw) in lines.iter().enumerate().take(changes_start).skip(cover_end) {
        if toc.contains(&i) {
            continue;
        }
        row(schema, raw, &mut b, &mut st);
    }
    let changes = match changes_node(schema) {
        Some(n) => SlotKey::Form(Place { node: n, block: 0 }),
        None => SlotKey::Extra("変更箇所".into()),
    };
    for l in lines.iter().skip(changes_start) {
        let clean = strip_html(l);
        let cells: Vec<&str> = clean
            .split('\t')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        b.body(changes.clone(), &cells.join("\t"));
    }
    b.finish()
}

/// Current position in the form tree.
#[derive(Debug, Default)]
struct Stack {
    place: Option<Place>,
    blocks: HashMap<usize, u32>,
    display: Option<(usize, String)>,
}

/// Handles one TSV row.
fn row(schema: &Schema, raw: &str, b: &mut Builder, st: &mut Stack) {
    let clean = strip_html(raw);
    let cells: Vec<&str> = clean
        .split('\t')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if cells.is_empty() {
        return;
    }
    let in_appendix = st.place.is_some_and(|p| {
        schema.nodes[schema.top_of(p.node)]
            .key
            .starts_with("appendix")
    });
    let label = cells
        .iter()
        .take(2)
        .find(|c| lfold(c) != "再委託")
        .and_then(|c| find_label(schema, c, st, in_appendix));
    if let Some(p) = label {
        st.place = Some(p);
    }
    if let Some((n, d)) = st.display.take() {
        b.display.insert(n, d);
    }
    let target = st.place.map(SlotKey::Form).unwrap_or_else(|| {
        SlotKey::Form(Place {
            node: cover_node(schema),
            block: 0,
        })
    });
    let text = cells.join("\t");
    if is_choice_line(&text) {
        b.choice(target, &text);
        return;
    }
    let mut body = String::new();
    let mut last = 0;
    for m in OPTIONS.find_iter(&text) {
        body.push_str(&text[last..m.start()]);
        b.choice(target.clone(), m.as_str());
        last = m.end();
    }
    body.push_str(&text[last..]);
    b.body(target, &body);
}

/// Resolves a cell to a form place using the stack context (R8).
fn find_label(schema: &Schema, cell: &str, st: &mut Stack, in_appendix: bool) -> Option<Place> {
    if let Some(n) = top_heading(schema, cell) {
        return Some(Place { node: n, block: 0 });
    }
    if in_appendix {
        return None;
    }
    if let Some((node, num, placeholder, _)) = block_header(schema, cell) {
        if !placeholder {
            st.blocks.insert(node, num);
        }
        return Some(Place { node, block: num });
    }
    let (mut cands, _) = match_label(schema, &lfold(cell));
    let mut display = None;
    if cands.is_empty() {
        if let Some((c, disp)) = fuzzy_risk(schema, cell) {
            cands = c;
            display = Some(disp);
        }
    }
    let node = pick(schema, &cands, st.place.map(|p| p.node))?;
    st.display = display.map(|d| (node, d));
    let block = schema
        .block_of(node)
        .map_or(0, |bn| st.blocks.get(&bn).copied().unwrap_or(1));
    Some(Place { node, block })
}

/// Candidate nearest to the context: deepest shared ancestor, then the first
/// one at or after the current position in form order.
fn pick(schema: &Schema, cands: &[usize], ctx: Option<usize>) -> Option<usize> {
    let ctx = ctx.unwrap_or(0);
    let cc = schema.chain(ctx);
    cands.iter().copied().max_by_key(|&c| {
        let chain = schema.chain(c);
        let shared = chain
            .iter()
            .take(chain.len() - 1)
            .zip(&cc)
            .take_while(|(a, b)| a == b)
            .count();
        let forward = c >= ctx;
        let top_level = schema.nodes[c].kind == Kind::Top;
        (shared, forward, top_level, usize::MAX - c)
    })
}
