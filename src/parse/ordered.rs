//! Parser for the TSV+HTML table export (R8): rows come in form order, so a
//! stack of the current place suffices; the first TSV cell of a row is its
//! leaf label when it is a label of the form.

use std::collections::{HashMap, HashSet};

use once_cell::sync::Lazy;
use regex::Regex;

use super::form::{Kind, Schema};
use super::scrambled::{toc_range, toc_slot};
use super::{
    block_header, changes_node, cover_node, fuzzy_risk, is_changes_head, is_choice_line,
    is_grouping_cell, label_head, match_label, meta, top_heading, wrapped_label, Builder, Place,
    SlotKey,
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
    b.empty_label_is_boilerplate = true;
    let cover: Vec<String> = lines[..cover_end].iter().map(|l| strip_html(l)).collect();
    let cover_refs: Vec<&str> = cover.iter().map(String::as_str).collect();
    meta::cover_sections(&cover_refs, &mut b, cover_node(schema));
    for i in toc.clone() {
        b.body(toc_slot(schema), lines[i]);
    }
    let mut st = Stack::default();
    let mut i = cover_end;
    while i < changes_start {
        if toc.contains(&i) {
            i += 1;
            continue;
        }
        if let Some((n, _)) = wrapped_label(schema, &lines[i..changes_start]) {
            let joined: String = lines[i..i + n].iter().map(|l| l.trim()).collect();
            row(schema, &joined, &mut b, &mut st);
            i += n;
            continue;
        }
        row(schema, lines[i], &mut b, &mut st);
        i += 1;
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
    /// Label of the previous labelled row.
    prev_leaf: Option<Place>,
    /// Places that received value text.
    valued: HashSet<Place>,
    blocks: HashMap<usize, u32>,
    display: Option<(usize, String)>,
}

/// Handles one TSV row.
fn row(schema: &Schema, raw: &str, b: &mut Builder, st: &mut Stack) {
    let clean = strip_html(raw);
    // The grouping cell heads rows of the table wherever an export (or its
    // cells, one per line) puts it: boilerplate of the row's field, never
    // part of its value (it ran on into `⑥委託先名`'s).
    let (grouping, cells): (Vec<&str>, Vec<&str>) = clean
        .split('\t')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .partition(|c| is_grouping_cell(c));
    if cells.is_empty() {
        let place = st.place.unwrap_or(Place {
            node: cover_node(schema),
            block: 0,
        });
        for g in grouping {
            b.choice(SlotKey::Form(place), g);
        }
        return;
    }
    let in_appendix = st.place.is_some_and(|p| {
        schema.nodes[schema.top_of(p.node)]
            .key
            .starts_with("appendix")
    });
    let label = find_label(schema, cells[0], st, in_appendix);
    // A field whose first child is printed in the row's second cell
    // (`⑦使用の主体 | 使用部署 ※ 国保年金課…`, `②保管期間 | 期間 | [6年以上…]`):
    // two rows, the field's label and the child's, so that the value is the
    // child's (as when the cells are cut one per line).
    if let (Some(p), Some(second)) = (label, cells.get(1)) {
        let (cands, _) = match_label(schema, &label_head(schema, second));
        if cands
            .iter()
            .any(|&c| schema.nodes[c].parent == Some(p.node))
        {
            for g in grouping {
                b.choice(SlotKey::Form(p), g);
            }
            row(schema, cells[0], b, st);
            row(schema, &cells[1..].join("\t"), b, st);
            return;
        }
    }
    let text = cells.join("\t");
    let value = match label {
        Some(_) => cells[1..].join("\t"),
        None => text.clone(),
    };
    let prev = st.prev_leaf.take();
    let mut place = label.or(st.place);
    if let Some(p) = label {
        if let Some(top) = b.heading_printed(p.node) {
            // The next file's block (FORMS.md 2.3): its fields are empty again.
            st.valued.retain(|q| schema.top_of(q.node) != top);
        }
        st.place = Some(p);
        st.prev_leaf = Some(p);
        // R8 type check: a row whose value fits the previous (still empty)
        // field and not its own label is shifted by one (the export moved the
        // values of a block down a row).
        if let Some(q) = prev.filter(|q| {
            q.block == p.block
                && schema.nodes[q.node].parent == schema.nodes[p.node].parent
                && !st.valued.contains(q)
        }) {
            if fit(schema, p.node, &value) == Some(false)
                && fit(schema, q.node, &value) == Some(true)
            {
                place = Some(q);
                let label = &schema.nodes[p.node].label;
                b.note(
                    SlotKey::Form(q),
                    format!("shifted row: printed in the row of {label}, fits this field"),
                );
            }
        }
    } else if let Some(p) = st.place {
        // A row that lost its label: its selected option names the field
        // (the next fields of the form that offer it).
        if let Some(v) = super::selected_value(&value) {
            if !schema.nodes[p.node].has_option(&v) {
                let owner = (p.node + 1..schema.nodes.len().min(p.node + 5)).find(|&j| {
                    schema.block_of(j) == schema.block_of(p.node) && schema.nodes[j].has_option(&v)
                });
                if let Some(j) = owner {
                    place = Some(Place {
                        node: j,
                        block: p.block,
                    });
                    st.place = place;
                    b.note(
                        SlotKey::Form(Place {
                            node: j,
                            block: p.block,
                        }),
                        format!("row without label: {v} is an option of this field"),
                    );
                }
            }
        }
    }
    if let Some((n, d)) = st.display.take() {
        b.display.insert(n, d);
    }
    if let Some(p) = place.filter(|_| !content_of(&value).is_empty()) {
        st.valued.insert(p);
    }
    let target = place.map(SlotKey::Form).unwrap_or_else(|| {
        SlotKey::Form(Place {
            node: cover_node(schema),
            block: 0,
        })
    });
    for g in grouping {
        b.choice(target.clone(), g);
    }
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

/// Value text of a row without option lists and boxes-only boilerplate.
fn content_of(value: &str) -> String {
    let v = OPTIONS.replace_all(value, " ");
    if is_choice_line(&v) {
        return String::new();
    }
    v.trim().to_string()
}

static BOX: Lazy<Regex> = Lazy::new(|| Regex::new(r"\[\s*[○〇]?\s*\]").unwrap());

/// Does a row value fit the kind of field `node` (R8)? `None` when the value
/// says nothing (empty, or a field without a known kind).
fn fit(schema: &Schema, node: usize, value: &str) -> Option<bool> {
    let c = content_of(value);
    if c.is_empty() {
        return None;
    }
    let n = &schema.nodes[node];
    let boxes = BOX.is_match(&c);
    if n.checkbox && !n.options.is_empty() {
        let opts = BOX
            .split(&c)
            .skip(1)
            .any(|t| n.has_option(t.trim().split(['(', '（']).next().unwrap_or("")));
        return Some(boxes && opts);
    }
    if n.org {
        return Some(
            !boxes && super::looks_like_org(c.split([' ', '(', '（']).next().unwrap_or("")),
        );
    }
    if n.choice && !n.options.is_empty() {
        let v = super::selected_value(&c).unwrap_or_else(|| c.clone());
        return Some(n.has_option(&v));
    }
    if super::attach::is_prose(schema, node) {
        return Some(!boxes);
    }
    None
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
    let (mut cands, _) = match_label(schema, &label_head(schema, cell));
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
