//! Contractors (委託先): the table of every contractor and one contractor's
//! page, each with CSV and JSON (`pia contractors [NAME] --json`).

use axum::extract::{Query, State};
use axum::response::{Html, Response};
use maud::html;

use super::html::{page as frame, place};
use super::params::{self, url, Pairs};
use super::{blocking, json, table, Answer, App, Error};
use crate::reports::contractors;

fn summary(app: &App) -> Answer<Vec<contractors::Summary>> {
    let rows = app
        .contractor_summary
        .get_or_make(app.store.commit_key()?, || {
            contractors::summary(&app.store, &app.aliases)
        })?;
    Ok(rows.as_ref().clone())
}

/// The `name` parameter, required and length-capped.
fn name_of(p: &Pairs) -> Answer<String> {
    params::text(p, "name")?
        .ok_or_else(|| Error::bad("name is required: the contractor, e.g. name=国保連合会"))
}

fn entries(app: &App, name: &str) -> Answer<Vec<contractors::Entry>> {
    Ok(contractors::lookup(&app.store, &app.aliases, name, true)?)
}

fn role(r: contractors::Role) -> String {
    format!("{r:?}").to_lowercase()
}

/// Link to one contractor's page.
fn contractor_href(name: &str) -> String {
    url("/contractor", &[("name", name.to_string())])
}

/// `/contractors`.
pub async fn list(State(app): State<App>) -> Answer<Html<String>> {
    let rows = blocking(move || summary(&app)).await?;
    let body = html! {
        h1 { "委託先 Contractors (" (rows.len()) ")" }
        p.muted { "Named in the 委託先名 fields; spellings and known aliases are folded. "
            a href="/contractors.csv" { "CSV" } " · " a href="/api/contractors" { "JSON" } }
        table #contractors {
            thead { tr { th { "contractor" } th { "documents" } th { "cities" } th { "spellings" } } }
            tbody {
                @for r in &rows {
                    tr {
                        td { a href=(contractor_href(&r.contractor)) { (r.contractor) } }
                        td.num { (r.documents) }
                        td.num { (r.cities) }
                        td { (r.printed.join(" / ")) }
                    }
                }
            }
        }
    };
    Ok(frame("委託先", "", &[], body))
}

/// `/contractors.csv`.
pub async fn list_csv(State(app): State<App>) -> Answer<Response> {
    let rows = blocking(move || summary(&app)).await?;
    Ok(table::csv(
        "pia-contractors.csv",
        &["contractor", "documents", "cities", "spellings"],
        rows.into_iter().map(|r| {
            vec![
                r.contractor,
                r.documents.to_string(),
                r.cities.to_string(),
                r.printed.join(" / "),
            ]
        }),
    ))
}

/// `/api/contractors`.
pub async fn list_api(State(app): State<App>) -> Response {
    json(blocking(move || summary(&app)).await)
}

/// `/contractor?name=…`: every document naming it.
pub async fn one(State(app): State<App>, Query(p): Query<Pairs>) -> Answer<Html<String>> {
    let name = name_of(&p)?;
    let n = name.clone();
    let rows = blocking(move || entries(&app, &n)).await?;
    let csv = url("/contractor.csv", &[("name", name.clone())]);
    let json = url("/api/contractor", &[("name", name.clone())]);
    let docs: std::collections::BTreeSet<&str> =
        rows.iter().map(|e| e.location.file.as_str()).collect();
    let body = html! {
        h1 { (name) }
        p { (rows.len()) " places in " (docs.len()) " documents · "
            a href=(csv) { "CSV" } " · " a href=(json) { "JSON" } " · " a href="/contractors" { "all contractors" } }
        @if rows.is_empty() { p.notice { "No indexed document names " (name) "." } }
        table #entries {
            thead { tr { th { "place" } th { "role" } th { "委託事項" } th { "printed" } th { "section" } } }
            tbody {
                @for e in &rows {
                    tr {
                        td { (place(e.location.municipality.as_deref(), e.location.prefecture.as_deref())) br; span.muted { (e.location.file) } }
                        td { (role(e.role)) }
                        td { (e.entrusted_work.as_deref().unwrap_or("-")) }
                        td { (e.printed) }
                        td { a href=(section_href(&e.location.file, &e.location.section_path)) { (e.location.shown_path()) } }
                    }
                }
            }
        }
    };
    Ok(frame(&name, "", &[], body))
}

/// Link to a document opened at the section printed as `path`.
pub fn section_href(file: &str, path: &str) -> String {
    let doc = super::html::doc_href(file, None, "");
    url(&doc, &[("path", path.to_string())])
}

/// `/contractor.csv?name=…`.
pub async fn one_csv(State(app): State<App>, Query(p): Query<Pairs>) -> Answer<Response> {
    let name = name_of(&p)?;
    let rows = blocking(move || entries(&app, &name)).await?;
    Ok(table::csv(
        "pia-contractor.csv",
        &table::header(&["contractor", "printed", "role", "entrusted_work"]),
        rows.into_iter().map(|e| {
            table::row(
                e.location,
                [
                    e.contractor,
                    e.printed,
                    role(e.role),
                    table::opt(&e.entrusted_work),
                ],
            )
        }),
    ))
}

/// `/api/contractor?name=…`.
pub async fn one_api(State(app): State<App>, Query(p): Query<Pairs>) -> Response {
    let run = async {
        let name = name_of(&p)?;
        blocking(move || entries(&app, &name)).await
    };
    json(run.await)
}
