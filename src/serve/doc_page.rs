//! The document page (what `pia show --tree` prints, from the index), its
//! JSON, and the original file's text. Only documents the index holds are
//! served: the name in the URL is looked up among indexed file names and
//! never used as a path unless it is one of them.

use std::path::{Path, PathBuf};

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Serialize;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

use super::html::{doc_href, file_path, marked, page as frame, place};
use super::params::{self, Pairs};
use super::{blocking, json, Answer, App, Error};
use crate::index::indexer;
use crate::ingest::{self, walk::InputKind};
use crate::query::search;
use crate::query::snippet;
use crate::query::syntax;

/// `/api/docs`: every indexed document (`pia docs --json`).
pub async fn api_list(State(app): State<App>) -> Response {
    json(blocking(move || Ok(app.docs()?.as_ref().clone())).await)
}

/// One indexed document with its sections in document order.
#[derive(Debug, Serialize)]
pub struct Document {
    /// File name, hash and cover metadata.
    #[serde(flatten)]
    pub record: indexer::DocRecord,
    /// Its sections as indexed.
    pub sections: Vec<search::SectionRecord>,
}

/// The indexed document named `file`, or 404.
fn load(app: &App, file: &str) -> Answer<Document> {
    let record = app
        .docs()?
        .iter()
        .find(|d| d.file == file)
        .cloned()
        .ok_or_else(|| Error::missing(format!("no indexed document is named {file:?}")))?;
    let f = app.store.fields;
    let in_file = TermQuery::new(
        Term::from_field_text(f.file, file),
        IndexRecordOption::Basic,
    );
    let sections = search::sections_where(&app.store, None, Some(Box::new(in_file)))?;
    Ok(Document { record, sections })
}

/// `/api/doc/{file}`: metadata and sections as JSON.
pub async fn api(State(app): State<App>, UrlPath(file): UrlPath<String>) -> Response {
    json(blocking(move || load(&app, &file)).await)
}

/// `/doc/{file}?hit=ORDINAL&q=…`: the document with that section opened,
/// marked and anchored (`#s-ORDINAL`); `?path=SECTION PATH` redirects there
/// (the path as pages show it, which names the 特定個人情報ファイル's block in a
/// document with several, or the form's path: then the first file's).
pub async fn page(
    State(app): State<App>,
    UrlPath(file): UrlPath<String>,
    Query(p): Query<Pairs>,
) -> Answer<Response> {
    let q = params::text(&p, "q")?.unwrap_or_default();
    let hit = params::get(&p, "hit").and_then(|h| h.parse::<u64>().ok());
    let path = params::text(&p, "path")?;
    let doc = blocking(move || load(&app, &file)).await?;
    if let (None, Some(path)) = (hit, path) {
        let shown = doc
            .sections
            .iter()
            .find(|s| s.location.shown_path() == path);
        let form = || {
            doc.sections
                .iter()
                .find(|s| s.location.section_path == path)
        };
        if let Some(s) = shown.or_else(form) {
            let to = doc_href(&doc.record.file, Some(s.ordinal), &q);
            return Ok(Redirect::to(&to).into_response());
        }
    }
    let title = doc.record.file.clone();
    Ok(frame(&title, &q, &[], render(&doc, hit, &q)).into_response())
}

/// Char ranges of `body` where any part of the query occurs.
fn query_marks(body: &str, q: &str) -> Vec<(usize, usize)> {
    let Ok(uq) = syntax::UserQuery::parse(q) else {
        return Vec::new();
    };
    let needles: Vec<&str> = uq.parts().map(|p| p.norm.as_str()).collect();
    let char_of = |b: usize| body[..b].chars().count();
    snippet::match_ranges(body, &needles)
        .into_iter()
        .map(|(a, b)| (char_of(a), char_of(b)))
        .collect()
}

fn render(doc: &Document, target: Option<u64>, q: &str) -> Markup {
    let m = &doc.record.meta;
    let file = &doc.record.file;
    let text_href = format!("/text/{}", file_path(file));
    let json_href = format!("/api/doc/{}", file_path(file));
    // Sections grouped by top-level component, in document order.
    let mut groups: Vec<(String, Vec<&search::SectionRecord>)> = Vec::new();
    for s in &doc.sections {
        let top = s
            .location
            .section_path
            .split(" > ")
            .next()
            .unwrap_or("")
            .to_string();
        match groups.last_mut() {
            Some((t, v)) if *t == top => v.push(s),
            _ => groups.push((top, vec![s])),
        }
    }
    html! {
        h1 { (place(m.municipality.as_ref().map(|x| x.0.as_str()), m.prefecture.as_ref().map(|x| x.0.as_str()))) " " (m.form.name()) }
        dl.meta #meta {
            dt { "file" } dd { (file) }
            dt { "form" } dd { (m.form.name()) }
            dt { "version" } dd { (m.form_version.as_deref().unwrap_or("-")) }
            dt { "municipality" } dd { (m.municipality.as_ref().map(|x| x.0.as_str()).unwrap_or("-")) }
            dt { "prefecture" } dd { (m.prefecture.as_ref().map(|x| x.0.as_str()).unwrap_or("-")) }
            dt { "affair" } dd { (m.affair.as_deref().unwrap_or("-")) }
            dt { "number" } dd { (m.number.as_deref().unwrap_or("-")) }
            dt { "published" } dd { (m.published.as_deref().unwrap_or("-")) }
            dt { "agency" } dd { (m.agency.as_deref().unwrap_or("-")) }
            dt { "sections" } dd { (doc.sections.len()) }
        }
        p { a #original href=(text_href) { "original file text" } " · " a href=(json_href) { "JSON" } }
        @for (top, secs) in &groups {
            @let open = target.is_none_or(|t| secs.iter().any(|s| s.ordinal == t));
            details open[open] {
                summary { (top) }
                @for (heads, s) in tree(secs) {
                    @for (depth, comp) in heads {
                        div.comp style=(format!("margin-left:{depth}em")) { (comp) }
                    }
                    @let is_target = target == Some(s.ordinal);
                    div.sec.target[is_target] id=(format!("s-{}", s.ordinal))
                        style=(format!("margin-left:{}em", s.location.shown_path().split(" > ").count())) data-path=(s.location.section_path) {
                        @if let Some(v) = &s.value { div.value { "= " (v) } }
                        @if is_target && !q.is_empty() {
                            (marked(&s.body, &query_marks(&s.body, q)))
                        } @else {
                            (s.body)
                        }
                    }
                }
            }
        }
    }
}

/// Each section with the path components (depth, title) it opens below the
/// top level: a component is printed once, where it first appears. The
/// path is the one people read ([`crate::model::Location::shown_path`]), so
/// each 特定個人情報ファイル's block of a document with several opens under
/// its name.
fn tree<'a>(
    secs: &[&'a search::SectionRecord],
) -> Vec<(Vec<(usize, String)>, &'a search::SectionRecord)> {
    let mut prev: Vec<String> = Vec::new();
    secs.iter()
        .map(|s| {
            let parts: Vec<String> = s
                .location
                .shown_path()
                .split(" > ")
                .map(String::from)
                .collect();
            let common = parts
                .iter()
                .zip(&prev)
                .take_while(|(a, b)| a == b)
                .count()
                .max(1);
            let heads = parts.iter().cloned().enumerate().skip(common).collect();
            prev = parts;
            (heads, *s)
        })
        .collect()
}

/// `/text/{file}`: the original file's text (decoded as the indexer did),
/// only for indexed files that lie inside the corpus directory.
pub async fn original(State(app): State<App>, UrlPath(file): UrlPath<String>) -> Answer<Response> {
    let text = blocking(move || {
        let known = app.docs()?.iter().any(|d| d.file == file);
        if !known {
            return Err(Error::missing(format!(
                "no indexed document is named {file:?}"
            )));
        }
        let Some(root) = &app.corpus else {
            return Err(Error::missing(
                "the original files are not available: start `pia serve` with --corpus DIR",
            ));
        };
        let path = inside(root, &file)
            .ok_or_else(|| Error::missing(format!("{file:?} is not in the corpus directory")))?;
        read_text(&path)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// `root/file` if it exists and, links resolved, still lies under `root`.
fn inside(root: &Path, file: &str) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    let path = root.join(file).canonicalize().ok()?;
    (path.starts_with(&root) && path.is_file()).then_some(path)
}

fn read_text(path: &Path) -> Answer<String> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::from(anyhow::anyhow!("{shown}: {e}")))?;
    ingest::text_of(path, InputKind::of(path), &bytes)
        .map_err(|e| Error::from(anyhow::anyhow!("{shown}: {e}")))
}
