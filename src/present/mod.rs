//! Printing results for people (aligned text, colour only on a terminal) and
//! for programs (one JSON object per line), so the CLI only wires stages.
//!
//! Takes results of the query and reports stages, gives bytes on a writer:
//! text and JSON lines here, self-contained HTML in [`html`].

pub mod html;

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};

use anyhow::Result;
use serde::Serialize;

use crate::index::indexer::{DocRecord, IndexReport};
use crate::model::{DocMeta, ParsedDoc, PATH_SEP};
use crate::query::count::{Hidden, SectionCount};
use crate::query::search::{Hit, SearchResults};
use crate::reports::compare::{Comparison, DiffSpan, ItemVariation};
use crate::reports::contractors::{Entry, Role, Summary};
use crate::reports::eval::{EvalReport, Levels};
use crate::reports::wording::{Mark, OWN_NAME};

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// One JSON object per line instead of text.
    pub json: bool,
    /// ANSI colours (only when stdout is a terminal and NO_COLOR is unset).
    pub color: bool,
}

impl Style {
    /// Decides colour from the environment.
    pub fn detect(json: bool) -> Style {
        let color = !json && io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Style { json, color }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// Writes `items` as JSON lines.
pub fn json_lines<T: Serialize>(
    out: &mut impl Write,
    items: impl IntoIterator<Item = T>,
) -> Result<()> {
    for item in items {
        serde_json::to_writer(&mut *out, &item)?;
        writeln!(out)?;
    }
    Ok(())
}

/// What a search hid, in words with the option that shows it; `None` when
/// nothing was hidden. Text output prints it after the hits, JSON output on
/// stderr (stdout stays one hit per line).
pub fn hidden_note(h: &Hidden) -> Option<String> {
    let mut parts = Vec::new();
    let include = "add --choices to include them";
    match (h.choice_only_documents, h.choice_only_sections) {
        (0, 0) => {}
        // Sections of documents already counted.
        (0, n) => parts.push(format!(
            "{n} more sections of these documents mention it only in choice lists (＜選択肢＞): {include}"
        )),
        (d, n) => parts.push(format!(
            "{d} more documents ({n} sections) mention it only in choice lists (＜選択肢＞): {include}"
        )),
    }
    if h.filtered_out_documents > 0 {
        parts.push(format!(
            "{} more documents match outside the --section/--city/--prefecture/--form/--affair filters",
            h.filtered_out_documents
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Where matches sit ([`crate::query::count::below`]): one line per section
/// path with its matching sections, or one JSON object per line.
pub fn section_counts(out: &mut impl Write, counts: &[SectionCount], style: Style) -> Result<()> {
    if style.json {
        return json_lines(out, counts);
    }
    if !counts.is_empty() {
        writeln!(out, "{:>8} {:>9}  section", "sections", "documents")?;
    }
    for c in counts {
        writeln!(
            out,
            "{:>8} {:>9}  {}",
            c.sections,
            c.documents,
            style.paint("32", &c.path.join(PATH_SEP))
        )?;
    }
    if counts.is_empty() {
        writeln!(out, "no matching section")?;
    }
    Ok(())
}

/// Prints search results.
pub fn hits(out: &mut impl Write, res: &SearchResults, style: Style) -> Result<()> {
    if style.json {
        return json_lines(out, &res.hits);
    }
    for h in &res.hits {
        hit(out, h, style)?;
    }
    // A wide query's totals may be lower bounds (see `query::topk`).
    let more = if res.totals_exact { "" } else { "+" };
    let docs = res
        .documents
        .map_or_else(String::new, |d| format!(" in {d}{more} documents"));
    if res.total == 0 {
        writeln!(out, "no matching sections")?;
    } else {
        // Only a list cut short says how to see the rest.
        let cut = if res.hits.len() < res.total || !res.totals_exact {
            " (--limit N shows more)"
        } else {
            ""
        };
        writeln!(
            out,
            "{} of {}{more} matching sections{docs} shown{cut}",
            res.hits.len(),
            res.total,
        )?;
    }
    if let Some(note) = res.hidden.as_ref().and_then(hidden_note) {
        writeln!(out, "{note}")?;
    }
    Ok(())
}

fn hit(out: &mut impl Write, h: &Hit, style: Style) -> Result<()> {
    let place = match (&h.location.municipality, &h.location.prefecture) {
        (Some(m), Some(p)) => format!("{p} {m}"),
        (Some(m), None) => m.clone(),
        _ => String::new(),
    };
    writeln!(
        out,
        "{}  {}  {}  score {:.2}",
        style.paint("35", &h.location.file),
        place,
        h.location.form,
        h.score
    )?;
    writeln!(out, "  {}", style.paint("32", &h.location.shown_path()))?;
    let (open, close) = if style.color {
        ("\x1b[1;31m", "\x1b[0m")
    } else {
        ("【", "】")
    };
    writeln!(out, "  {}", h.snippet.marked(open, close))?;
    if let Some(v) = &h.value {
        writeln!(out, "  value: {v}")?;
    }
    writeln!(out)?;
    Ok(())
}

/// Prints the summary of an indexing run (problems go to stderr, once each).
pub fn index_report(out: &mut impl Write, r: &IndexReport, json: bool) -> Result<()> {
    let mut err = io::stderr();
    for p in &r.skipped {
        writeln!(err, "skipped: {}: {}", p.path.display(), p.reason)?;
    }
    for p in &r.failed {
        writeln!(err, "failed: {}: {}", p.path.display(), p.reason)?;
    }
    for p in &r.unrecognised {
        writeln!(err, "note: {}: {}", p.path.display(), p.reason)?;
    }
    if json {
        serde_json::to_writer(&mut *out, r)?;
        writeln!(out)?;
        return Ok(());
    }
    let mib = r.bytes as f64 / (1024.0 * 1024.0);
    let unrecognised = match r.unrecognised.len() {
        0 => String::new(),
        n => format!(", {n} with no form recognised"),
    };
    writeln!(
        out,
        "indexed {} files ({} added, {} updated, {} unchanged, {} removed), {} sections written \
         ({} texts indexed), {} skipped, {} failed{unrecognised}, {:.2} s ({:.1} MiB parsed, {:.1} MiB/s)",
        r.indexed(),
        r.added,
        r.updated,
        r.unchanged,
        r.removed,
        r.sections,
        r.texts,
        r.skipped.len(),
        r.failed.len(),
        r.seconds,
        mib,
        if r.seconds > 0.0 {
            mib / r.seconds
        } else {
            0.0
        }
    )?;
    Ok(())
}

/// Prints the indexed documents as a table or JSON lines.
pub fn docs(out: &mut impl Write, docs: &[DocRecord], json: bool) -> Result<()> {
    if json {
        return json_lines(out, docs);
    }
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
    writeln!(
        out,
        "file\tmunicipality\tprefecture\tform\tversion\tnumber\tpublished\taffair\tagency"
    )?;
    for d in docs {
        let m = &d.meta;
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            d.file,
            dash(&m.municipality.as_ref().map(|x| x.0.clone())),
            dash(&m.prefecture.as_ref().map(|x| x.0.clone())),
            m.form,
            dash(&m.form_version),
            dash(&m.number),
            dash(&m.published),
            dash(&m.affair),
            dash(&m.agency),
        )?;
    }
    Ok(())
}

/// `pia show --explain`: for each section, why the parser put its text
/// there, then the text it could not place (kept on the nearest heading).
pub fn explain(out: &mut impl Write, doc: &ParsedDoc) -> Result<()> {
    let mut unplaced = Vec::new();
    for s in doc.sections.iter().filter(|s| !s.why.is_empty()) {
        writeln!(out, "{}", s.path)?;
        for w in &s.why {
            if w.starts_with("unplaced") {
                unplaced.push((s.path.to_string(), w));
            }
            writeln!(out, "  - {w}")?;
        }
    }
    writeln!(out)?;
    writeln!(out, "unplaced text: {}", unplaced.len())?;
    for (path, w) in unplaced {
        writeln!(out, "  {path}: {w}")?;
    }
    Ok(())
}

/// The prefecture, or why there is none: a name found in several
/// prefectures (府中市, 伊達市 …) is never guessed, and the reader is told so.
fn prefecture_line(m: &DocMeta) -> String {
    if let Some(p) = &m.prefecture {
        return p.0.clone();
    }
    let Some(city) = &m.municipality else {
        return "-".into();
    };
    match crate::parse::meta::prefectures_of(&city.0).as_slice() {
        [] | [_] => "-".into(),
        several => format!(
            "- ({} exists in {}; the document does not say which)",
            city.0,
            several.join(" and ")
        ),
    }
}

/// Prints a parsed document: metadata, then every section (`tree`: as an
/// indented tree of path components with values, else path, key and text).
pub fn parsed(out: &mut impl Write, doc: &ParsedDoc, tree: bool) -> Result<()> {
    let m = &doc.meta;
    let show = |o: Option<&str>| o.unwrap_or("-").to_string();
    writeln!(out, "form:         {}", m.form)?;
    writeln!(out, "version:      {}", show(m.form_version.as_deref()))?;
    writeln!(
        out,
        "municipality: {}",
        show(m.municipality.as_ref().map(|x| x.0.as_str()))
    )?;
    writeln!(out, "prefecture:   {}", prefecture_line(m))?;
    writeln!(out, "affair:       {}", show(m.affair.as_deref()))?;
    writeln!(out, "number:       {}", show(m.number.as_deref()))?;
    writeln!(out, "published:    {}", show(m.published.as_deref()))?;
    writeln!(out, "agency:       {}", show(m.agency.as_deref()))?;
    writeln!(out, "sections:     {}", doc.sections.len())?;
    writeln!(out)?;
    let mut prev: Vec<String> = Vec::new();
    for s in &doc.sections {
        // Each 特定個人情報ファイル's block of a document with several under
        // its name, as people read the path.
        let parts: Vec<String> = s.shown_path().split(PATH_SEP).map(String::from).collect();
        if tree {
            let common = parts.iter().zip(&prev).take_while(|(a, b)| a == b).count();
            for (depth, comp) in parts.iter().enumerate().skip(common) {
                writeln!(out, "{}{}", "  ".repeat(depth), comp)?;
            }
            let body = one_line(&s.body, 100);
            let indent = "  ".repeat(parts.len());
            if let Some(v) = &s.value {
                writeln!(out, "{indent}= {v}")?;
            }
            if !body.is_empty() {
                writeln!(out, "{indent}| {body}")?;
            }
            prev = parts;
        } else {
            let flag = if s.low_confidence() {
                "  (low confidence: holds text that could not be placed)"
            } else {
                ""
            };
            writeln!(out, "{}  [{}]{flag}", s.path, s.key.0)?;
            if let Some(file) = &s.file {
                writeln!(out, "  file: {file}")?;
            }
            if let Some(v) = &s.value {
                writeln!(out, "  value: {v}")?;
            }
            for line in s.body.lines().filter(|l| !l.trim().is_empty()) {
                writeln!(out, "  | {line}")?;
            }
            if !s.choices.is_empty() {
                writeln!(out, "  choices: {}", one_line(&s.choices, 200))?;
            }
        }
    }
    Ok(())
}

/// Text on one line, blanks folded, cut to `max` chars with an ellipsis.
fn one_line(s: &str, max: usize) -> String {
    let folded = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.chars().count() > max {
        let cut: String = folded.chars().take(max).collect();
        format!("{cut}…")
    } else {
        folded
    }
}

/// Prints an evaluation: file-set agreement, then section accuracy per seed
/// and level.
pub fn eval_report(out: &mut impl Write, r: &EvalReport, verbose: bool, json: bool) -> Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, r)?;
        writeln!(out)?;
        return Ok(());
    }
    let n = r.files_ok.len() + r.files_wrong.len();
    writeln!(out, "file sets: {}/{} rows exact", r.files_ok.len(), n)?;
    for (id, want, got) in &r.files_wrong {
        writeln!(out, "  {id}: expected {want:?}, got {got:?}")?;
    }
    let pct = |a: usize, b: usize| {
        if b == 0 {
            0.0
        } else {
            100.0 * a as f64 / b as f64
        }
    };
    writeln!(out, "section paths (best hit per expected file):")?;
    writeln!(
        out,
        "  seed   pairs  top-level  numbered  full path  full path (any hit in file)"
    )?;
    let mut rows: Vec<(String, Levels)> = r
        .per_seed
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    rows.push(("all".into(), r.total()));
    for (seed, l) in rows {
        writeln!(
            out,
            "  {seed:<5} {:>6}  {:>8.1}%  {:>7.1}%  {:>8.1}%  {:>8.1}%",
            l.pairs,
            pct(l.top, l.pairs),
            pct(l.numbered, l.pairs),
            pct(l.full, l.pairs),
            pct(l.any, l.pairs)
        )?;
    }
    for p in r.pairs.iter().filter(|p| verbose || !p.ok) {
        writeln!(
            out,
            "  {} {} {}: got {}\n      expected {}",
            if p.ok { "ok  " } else { "MISS" },
            p.id,
            p.seed,
            p.got.as_deref().unwrap_or("(no hit)"),
            p.expected.join(" | ")
        )?;
    }
    Ok(())
}

/// `pia contractors`: name, documents, cities.
pub fn contractor_summary(out: &mut impl Write, rows: &[Summary], json: bool) -> Result<()> {
    if json {
        return json_lines(out, rows);
    }
    writeln!(out, "documents\tcities\tcontractor\tprinted as")?;
    for r in rows {
        writeln!(
            out,
            "{}\t{}\t{}\t{}",
            r.documents,
            r.cities,
            r.contractor,
            r.printed.join(" / ")
        )?;
    }
    Ok(())
}

/// `pia contractors NAME`: field entries, then mentions elsewhere.
pub fn contractor_entries(out: &mut impl Write, entries: &[Entry], style: Style) -> Result<()> {
    if style.json {
        return json_lines(out, entries);
    }
    let (fields, mentions): (Vec<&Entry>, Vec<&Entry>) = entries.iter().partition(|e| e.field);
    let docs = |v: &[&Entry]| {
        v.iter()
            .map(|e| e.location.file.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    writeln!(
        out,
        "named in a contractor field: {} documents",
        docs(&fields)
    )?;
    for e in &fields {
        writeln!(
            out,
            "  {}  {}  {} ({})  {}\n    {}  {}",
            style.paint("35", &e.location.file),
            e.location.municipality.as_deref().unwrap_or("-"),
            e.contractor,
            if e.role == Role::Subcontractor {
                "再委託先"
            } else {
                "委託先"
            },
            e.entrusted_work.as_deref().unwrap_or(""),
            style.paint("32", &e.location.shown_path()),
            e.printed,
        )?;
    }
    writeln!(out, "mentioned elsewhere: {} documents", docs(&mentions))?;
    for e in &mentions {
        writeln!(
            out,
            "  {}  {}  {}",
            style.paint("35", &e.location.file),
            e.location.municipality.as_deref().unwrap_or("-"),
            style.paint("32", &e.location.shown_path())
        )?;
    }
    Ok(())
}

/// `pia compare --list`.
pub fn compare_items(out: &mut impl Write, items: &[ItemVariation], json: bool) -> Result<()> {
    if items.iter().any(|i| i.sampled) {
        writeln!(
            io::stderr(),
            "note: {}",
            crate::reports::compare::sample_note()
        )?;
    }
    if json {
        return json_lines(out, items);
    }
    writeln!(
        out,
        "variation\tclusters\tanswers\tdocuments\tkey\tlabel\tcontext"
    )?;
    for i in items {
        writeln!(
            out,
            "{:.2}\t{}\t{}\t{}\t{}\t{}\t{}",
            i.variation, i.clusters, i.answers, i.documents, i.key, i.label, i.context
        )?;
    }
    Ok(())
}

/// Which part of a comparison `pia compare --json` prints, one object per
/// line; text output shows them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompareView {
    /// One object per document: its wording, answer, group, diff and marked sentences.
    Documents,
    /// One object per selected answer: count and documents.
    Answers,
    /// One object per sentence cluster: documents, wordings with their diffs.
    Clusters,
}

/// Most documents for which text output draws the cluster × document matrix
/// and each document's marked text (beyond that, use `--json`).
pub(crate) const MATRIX_DOCS: usize = 12;

/// Prints a comparison: answers tallied, sentence clusters × documents, each
/// document's text marked, then whole-text groups with diffs.
pub fn comparison(
    out: &mut impl Write,
    c: &Comparison,
    view: CompareView,
    style: Style,
) -> Result<()> {
    if style.json {
        return match view {
            CompareView::Documents => json_lines(out, &c.entries),
            CompareView::Answers => json_lines(out, &c.answers),
            CompareView::Clusters => json_lines(out, &c.clusters),
        };
    }
    let title = c.title();
    let named = if title == c.item {
        String::new()
    } else {
        format!(" ({title})")
    };
    writeln!(out, "item {:?}{named} → keys {}", c.item, c.keys.join(", "))?;
    let documents = c.documents();
    let blocks = if c.entries.len() > documents {
        format!(" ({} file blocks)", c.entries.len())
    } else {
        String::new()
    };
    writeln!(
        out,
        "{documents} documents{blocks}, {} sentence clusters, {} wording groups",
        c.clusters.len(),
        c.groups.len()
    )?;
    let cities = Cities::of(c);
    if !c.answers.is_empty() {
        writeln!(out, "\n== answers")?;
    }
    for a in &c.answers {
        writeln!(
            out,
            "   {:>4}  {}  ({})",
            a.count,
            a.answer,
            cities.who(&a.files)
        )?;
    }
    let small = c.entries.len() <= MATRIX_DOCS;
    writeln!(
        out,
        "\n== sentences (● same wording as the cluster, ◐ variant, · absent; * = boilerplate; \
         {OWN_NAME} = the document's own city or prefecture)"
    )?;
    if small {
        // Columns are numbered: file names are long, and Japanese ones do
        // not fit a three-column cell. The numbers are those of the
        // documents listed below.
        let heads: Vec<String> = (1..=c.entries.len()).map(|n| format!("{n:^3}")).collect();
        writeln!(out, "   {:>3} {:>5}  {}", "#", "docs", heads.join(" "))?;
    }
    for k in &c.clusters {
        let cells = if small {
            c.entries
                .iter()
                .map(|e| {
                    let cell = match e.mark_in(k.id) {
                        None => "·",
                        Some(Mark::Variant) => "◐",
                        Some(_) => "●",
                    };
                    format!("{cell:^3}")
                })
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            String::new()
        };
        let star = if k.boilerplate { "*" } else { " " };
        let text = k.variants.first().map_or("", |v| v.text.as_str());
        writeln!(
            out,
            "   {:>3} {:>4}{star}  {cells}  {}",
            k.id,
            k.documents,
            one_line(text, 70)
        )?;
        for v in k.variants.iter().skip(1) {
            writeln!(out, "            variant: {}", diff_text(&v.diff, style))?;
        }
    }
    if small {
        writeln!(out, "\n== each document in its own order")?;
        for (n, e) in c.entries.iter().enumerate() {
            writeln!(
                out,
                "   {:>2} {}{}  {}",
                n + 1,
                style.paint("35", &e.location.file),
                e.location
                    .file_block
                    .as_deref()
                    .map(|b| format!(" {b}"))
                    .unwrap_or_default(),
                e.location.municipality.as_deref().unwrap_or("-")
            )?;
            for s in &e.sentences {
                let mark = match s.mark {
                    Mark::Shared => "shared ",
                    Mark::Variant => "variant",
                    Mark::Unique => "unique ",
                };
                writeln!(
                    out,
                    "     {mark} #{:<3} {}",
                    s.cluster,
                    one_line(&s.text, 70)
                )?;
            }
        }
    }
    writeln!(out, "\n== whole-text groups (nearly the same wording)")?;
    for g in &c.groups {
        writeln!(out, "\n   group {} ({} documents)", g.group, g.size)?;
        writeln!(out, "   {}", one_line(&g.text, 200))?;
        for e in c.entries_of(g.group) {
            writeln!(
                out,
                "   - {}  {}  {}\n     {}",
                style.paint("35", &e.location.file),
                e.location.municipality.as_deref().unwrap_or("-"),
                e.value
                    .as_deref()
                    .map(|v| format!("[{v}]"))
                    .unwrap_or_default(),
                style.paint("32", &e.location.shown_path()),
            )?;
            if g.group > 0 {
                writeln!(out, "     diff: {}", diff_text(&e.diff, style))?;
            }
        }
    }
    Ok(())
}

/// Most names [`Cities::who`] lists before it counts the rest.
const NAMES_SHOWN: usize = 8;

/// The compared documents' cities, by file: a comparison's answers and
/// wordings are listed by the cities that use them.
pub(crate) struct Cities<'c>(HashMap<&'c str, &'c str>);

impl<'c> Cities<'c> {
    /// The cities of `c`'s documents.
    pub(crate) fn of(c: &'c Comparison) -> Cities<'c> {
        Cities(
            c.entries
                .iter()
                .filter_map(|e| {
                    Some((
                        e.location.file.as_str(),
                        e.location.municipality.as_deref()?,
                    ))
                })
                .collect(),
        )
    }

    /// `files` as people know them: their cities (the file where none is
    /// known), each once, the first [`NAMES_SHOWN`] named and the rest
    /// counted. A tally over hundreds of documents listed every file.
    pub(crate) fn who(&self, files: &[String]) -> String {
        let mut seen = std::collections::HashSet::new();
        let names: Vec<&str> = files
            .iter()
            .map(|f| self.0.get(f.as_str()).copied().unwrap_or(f.as_str()))
            .filter(|name| seen.insert(*name))
            .collect();
        let rest = names.len().saturating_sub(NAMES_SHOWN);
        let mut shown = names[..names.len() - rest].join(", ");
        if rest > 0 {
            shown.push_str(&format!(" … and {rest} more"));
        }
        shown
    }
}

fn diff_text(spans: &[DiffSpan], style: Style) -> String {
    spans
        .iter()
        .map(|s| match (s.op, style.color) {
            ("insert", true) => format!("\x1b[32m{}\x1b[0m", s.text),
            ("delete", true) => format!("\x1b[31;9m{}\x1b[0m", s.text),
            ("insert", false) => format!("{{+{}+}}", s.text),
            ("delete", false) => format!("[-{}-]", s.text),
            _ => s.text.clone(),
        })
        .collect()
}
