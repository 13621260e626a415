//! HTML output: pages that open in any browser without a server or network,
//! so a comparison can be mailed or archived as one file. Every piece of
//! document text goes through [`escape`].

use crate::reports::compare::Comparison;

/// Escapes text for HTML element content and attribute values: document
/// text is untrusted (it can contain `<script>` or quotes).
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A self-contained HTML page: one row per document, side by side with the
/// most common wording, differences marked.
pub fn compare_html(c: &Comparison) -> String {
    let esc = escape;
    let mut rows = String::new();
    let base = c.groups.first().map(|g| g.text.as_str()).unwrap_or("");
    for e in &c.entries {
        let mut marked = String::new();
        for s in &e.diff {
            match s.op {
                "insert" => marked.push_str(&format!("<ins>{}</ins>", esc(&s.text))),
                "delete" => marked.push_str(&format!("<del>{}</del>", esc(&s.text))),
                _ => marked.push_str(&esc(&s.text)),
            }
        }
        rows.push_str(&format!(
            "<tr class=\"g{}\"><td>{}</td><td>{}<br><small>{}</small></td><td><small>{}</small></td><td>{}</td><td>{}</td></tr>\n",
            e.group.min(9),
            e.group,
            esc(&e.location.file),
            esc(e.location.municipality.as_deref().unwrap_or("-")),
            esc(&e.location.section_path),
            esc(e.value.as_deref().unwrap_or("")),
            marked
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>pia compare: {item}</title>\n\
<style>body{{font-family:sans-serif;margin:1em}}table{{border-collapse:collapse;width:100%}}\
td,th{{border:1px solid #ccc;padding:4px;vertical-align:top}}ins{{background:#cfc;text-decoration:none}}\
del{{background:#fcc}}tr.g0{{background:#f8fff8}}.base{{white-space:pre-wrap;background:#eef}}</style></head><body>\n\
<h1>{item}</h1><p>keys: {keys} — {n} documents, {g} distinct wordings</p>\n\
<p>Most common wording (group 0):</p><div class=\"base\">{base}</div>\n\
<table><tr><th>group</th><th>document</th><th>section</th><th>value</th><th>wording (diff to group 0)</th></tr>\n{rows}</table></body></html>\n",
        item = esc(&c.item),
        keys = esc(&c.keys.join(", ")),
        n = c.entries.len(),
        g = c.groups.len(),
        base = esc(base),
    )
}
