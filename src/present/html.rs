//! HTML output: pages that open in any browser without a server or network,
//! so a comparison can be mailed or archived as one file. Every piece of
//! document text goes through [`escape`].

use crate::reports::compare::{Comparison, DiffSpan};
use crate::reports::wording::Mark;

/// Escapes text for HTML element content and attribute values: document
/// text is untrusted (it can contain `<script>` or quotes).
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Diff runs as HTML: `<ins>` only in this wording, `<del>` only in the base.
fn diff_html(spans: &[DiffSpan]) -> String {
    let mut marked = String::new();
    for s in spans {
        match s.op {
            "insert" => marked.push_str(&format!("<ins>{}</ins>", escape(&s.text))),
            "delete" => marked.push_str(&format!("<del>{}</del>", escape(&s.text))),
            _ => marked.push_str(&escape(&s.text)),
        }
    }
    marked
}

/// The answers tally and the sentence-cluster × document matrix as HTML
/// tables (shared with the web UI's compare page).
pub fn compare_tables(c: &Comparison) -> String {
    let mut h = String::new();
    let cities = super::Cities::of(c);
    if !c.answers.is_empty() {
        h.push_str(
            "<h2>Answers</h2>\n<table><tr><th>answer</th><th>documents</th><th>cities</th></tr>\n",
        );
        for a in &c.answers {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td><small>{}</small></td></tr>\n",
                escape(&a.answer),
                a.count,
                escape(&cities.who(&a.files))
            ));
        }
        h.push_str("</table>\n");
    }
    // One column per document only while the columns fit a page: with
    // more, each wording names its cities under the text instead (a matrix
    // of a hundred narrow columns pushed the sentences off the screen).
    let matrix = c.entries.len() <= super::MATRIX_DOCS;
    h.push_str(&format!(
        "<h2>Sentences</h2>\n<p>● same wording as the cluster · ◐ variant · blank: absent; \
         <b>bold</b>: boilerplate (half the documents or more); {own}: the document's own city or \
         prefecture</p>\n<table><tr><th>#</th><th>docs</th><th>sentence and its variants</th>",
        own = super::OWN_NAME
    ));
    if matrix {
        for e in &c.entries {
            h.push_str(&format!(
                "<th title=\"{}\"><small>{}</small></th>",
                escape(&e.location.file),
                escape(
                    e.location
                        .municipality
                        .as_deref()
                        .unwrap_or(&e.location.file)
                )
            ));
        }
    }
    h.push_str("</tr>\n");
    for k in &c.clusters {
        let text = k.variants.first().map_or("", |v| v.text.as_str());
        let text = if k.boilerplate {
            format!("<b>{}</b>", escape(text))
        } else {
            escape(text)
        };
        let cities = |files: &[String]| {
            if matrix {
                String::new()
            } else {
                format!(
                    " <small class=\"muted\">({})</small>",
                    escape(&cities.who(files))
                )
            }
        };
        let variants: String = k
            .variants
            .iter()
            .skip(1)
            .map(|v| {
                format!(
                    "<br><small>variant: {}</small>{}",
                    diff_html(&v.diff),
                    cities(&v.files)
                )
            })
            .collect();
        let first = k
            .variants
            .first()
            .map_or(String::new(), |v| cities(&v.files));
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{text}{first}{variants}</td>",
            k.id, k.documents
        ));
        if matrix {
            for e in &c.entries {
                let cell = match e.mark_in(k.id) {
                    None => "",
                    Some(Mark::Variant) => "◐",
                    Some(_) => "●",
                };
                h.push_str(&format!("<td>{cell}</td>"));
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    h
}

/// A self-contained HTML page: answers tallied, the sentence matrix, then
/// one row per document side by side with the most common wording,
/// differences marked.
pub fn compare_html(c: &Comparison) -> String {
    let esc = escape;
    let mut rows = String::new();
    let base = c.groups.first().map(|g| g.text.as_str()).unwrap_or("");
    for e in &c.entries {
        let marked = diff_html(&e.diff);
        rows.push_str(&format!(
            "<tr class=\"g{}\"><td>{}</td><td>{}<br><small>{}</small></td><td><small>{}</small></td><td>{}</td><td>{}</td></tr>\n",
            e.group.min(9),
            e.group,
            esc(&e.location.file),
            esc(e.location.municipality.as_deref().unwrap_or("-")),
            esc(&e.location.shown_path()),
            esc(e.value.as_deref().unwrap_or("")),
            marked
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>pia compare: {item}</title>\n\
<style>body{{font-family:sans-serif;margin:1em}}table{{border-collapse:collapse;width:100%}}\
td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}}ins{{background:#cfc;text-decoration:none}}\
del{{background:#fcc}}tr.g0{{background:#f8fff8}}.base{{white-space:pre-wrap;background:#eef}}</style></head><body>\n\
<h1>{item}</h1><p>keys: {keys} — {n} documents, {g} wording groups</p>\n\
{tables}<h2>Whole texts</h2>\n\
<p>Most common wording (group 0):</p><div class=\"base\">{base}</div>\n\
<table><tr><th>group</th><th>document</th><th>section</th><th>value</th><th>wording (diff to group 0)</th></tr>\n{rows}</table></body></html>\n",
        item = esc(&c.item),
        keys = esc(&c.keys.join(", ")),
        n = c.documents(),
        g = c.groups.len(),
        base = esc(base),
        tables = compare_tables(c),
    )
}
