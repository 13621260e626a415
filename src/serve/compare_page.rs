//! Compare: pick a form item, see how documents word it, grouped by wording,
//! each group side by side with the most common wording and the character
//! diff marked; filters by prefecture and form; CSV and JSON.

use axum::extract::{Query, State};
use axum::response::{Html, Response};
use maud::{html, Markup, PreEscaped};

use super::contractors_page::section_href;
use super::html::{form_select, page as frame, place};
use super::params::{self, url, DocFilters, Pairs};
use super::{blocking, json, table, Answer, App, Error};
use crate::present;
use crate::query::syntax;
use crate::reports::compare;

/// The compare picker lists every item with its document count and how much
/// its wording varies (the library's `pia compare --list`).
pub type Item = compare::ItemVariation;

fn items(app: &App) -> Answer<Vec<Item>> {
    let items = app
        .compare_items
        .get_or_make(app.store.commit_key()?, || compare::list(&app.store))?;
    Ok(items.as_ref().clone())
}

/// What the compare URL says.
struct Ask {
    item: String,
    q: Option<String>,
    filters: DocFilters,
}

impl Ask {
    fn parse(p: &Pairs) -> Answer<Option<Ask>> {
        let Some(item) = params::text(p, "item")? else {
            return Ok(None);
        };
        Ok(Some(Ask {
            item,
            q: params::text(p, "q")?,
            filters: DocFilters::parse(p)?,
        }))
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![
            ("item", self.item.clone()),
            ("q", self.q.clone().unwrap_or_default()),
        ];
        for (k, val) in self.filters.active() {
            v.push((k, val.to_string()));
        }
        v
    }
}

/// The comparison of the documents that pass the asked filters (groups,
/// answers and sentence clusters are computed over those documents only).
fn run(app: &App, ask: &Ask) -> Answer<compare::Comparison> {
    let q = ask
        .q
        .as_deref()
        .map(syntax::UserQuery::parse)
        .transpose()
        .map_err(|e| Error::bad(e.to_string()))?;
    let filters = ask.filters.to_filters()?;
    let c = compare::compare(&app.store, &ask.item, q.as_ref(), &filters)
        .map_err(|e| Error::missing(format!("{e:#}")))?;
    Ok(c)
}

/// `/compare` (item list) and `/compare?item=…` (the comparison).
pub async fn page(State(app): State<App>, Query(p): Query<Pairs>) -> Answer<Html<String>> {
    let Some(ask) = Ask::parse(&p)? else {
        let list = blocking(move || items(&app)).await?;
        return Ok(frame(
            "比較",
            "",
            &[],
            item_list(&list, "", &DocFilters::default()),
        ));
    };
    let pairs = ask.pairs();
    let item = ask.item.clone();
    let filters = ask.filters.clone();
    let (c, list) = blocking(move || Ok((run(&app, &ask)?, items(&app)?))).await?;
    let body = html! {
        (item_list(&list, &item, &filters))
        (comparison(&c, &pairs, &filters))
    };
    Ok(frame(&format!("{item} — 比較"), "", &[], body))
}

/// The picker: a GET form with the item names as suggestions, and the
/// table of items (narrowed as one types when JavaScript is on).
fn item_list(list: &[Item], current: &str, filters: &DocFilters) -> Markup {
    let form = filters.form_type().ok().flatten();
    html! {
        h1 { "比較 Compare wording" }
        form #pick action="/compare" method="get" {
            label for="item" { "item (label, key or path fragment): " }
            input #item name="item" list="item-names" value=(current) maxlength="500";
            datalist #item-names {
                @for i in list { option value=(i.key) { (i.label) @if !i.context.is_empty() { " — " (i.context) } } }
            }
            " " label { "prefecture " input name="prefecture" size="8"
                value=(filters.prefecture.as_deref().unwrap_or("")); }
            " " label { "form " (form_select(form)) }
            " " button type="submit" { "compare" }
        }
        @if current.is_empty() {
            p { input #item-filter type="search" placeholder="filter the list" aria-label="filter items"; }
            p.muted { "Items whose wording differs most between documents first "
                "(distinct wordings per document; 1 or less: nearly everyone words it alike)." }
            @if list.iter().any(|i| i.sampled) {
                p.notice #sampled { (compare::sample_note()) }
            }
            table #items {
                thead { tr { th { "item" } th { "key" } th { "documents" } th { "wordings per document" } } }
                tbody {
                    @for i in list {
                        tr {
                            td {
                                a href=(url("/compare", &[("item", i.key.clone())])) { (i.label) }
                                @if !i.context.is_empty() { br; small.muted { (i.context) } }
                            }
                            td { code { (i.key) } }
                            td.num { (i.documents) }
                            td.num { (format!("{:.2}", i.variation)) }
                        }
                    }
                }
            }
            p { a href="/api/compare/items" { "JSON" } }
        }
    }
}

fn diff(spans: &[compare::DiffSpan]) -> Markup {
    html! {
        @for s in spans {
            @match s.op {
                "insert" => ins { (s.text) },
                "delete" => del { (s.text) },
                _ => (s.text),
            }
        }
    }
}

fn comparison(
    c: &compare::Comparison,
    pairs: &[(&'static str, String)],
    filters: &DocFilters,
) -> Markup {
    let base = c.groups.first().map(|g| g.text.as_str()).unwrap_or("");
    html! {
        h2 #compared { (c.title()) }
        p.muted { "keys: " (c.keys.join(", ")) " · " (c.documents()) " documents, "
            (c.groups.len()) " wordings · "
            a #export-csv href=(url("/compare.csv", pairs)) { "CSV" } " · "
            a href=(url("/api/compare", pairs)) { "JSON" } }
        @if !filters.active().is_empty() {
            div.chips {
                @for (name, value) in filters.active() {
                    @let without: Vec<(&'static str, String)> = pairs.iter().filter(|(k, _)| *k != name).cloned().collect();
                    a.chip href=(url("/compare", &without)) { (name) ": " (value) " ×" }
                }
            }
        }
        @if c.entries.is_empty() { p.notice { "No document has this item under these filters." } }
        @else { (PreEscaped(present::html::compare_tables(c))) h2 { "Whole texts" } }
        @for g in &c.groups {
            section.group {
                h3 { "wording " (g.group + 1) " — " (g.size) " documents" }
                @if g.group == 0 {
                    p { (g.text) }
                } @else {
                div.side {
                    div { h4 { "most common wording" } p { (base) } }
                    div { h4 { "this wording (differences marked)" } p {
                        @match c.entries_of(g.group).first() {
                            Some(e) => (diff(&e.diff)),
                            None => (g.text),
                        }
                    } }
                }
                }
                table {
                    thead { tr { th { "place" } th { "form" } th { "value" } th { "section" } } }
                    tbody {
                        @for e in c.entries_of(g.group).iter().take(GROUP_ROWS) {
                            tr {
                                td { (place(e.location.municipality.as_deref(), e.location.prefecture.as_deref())) }
                                td { (e.location.form) }
                                td { (e.value.as_deref().unwrap_or("-")) }
                                td { a href=(section_href(&e.location.file, &e.location.section_path)) { (e.location.shown_path()) } }
                            }
                        }
                        @let rest = c.entries_of(g.group).len().saturating_sub(GROUP_ROWS);
                        @if rest > 0 {
                            tr.more { td colspan="4" {
                                "… and " (rest) " more ("
                                a href=(url("/compare.csv", pairs)) { "CSV" } " lists every document)"
                            } }
                        }
                    }
                }
            }
        }
    }
}

/// Documents listed under each wording on the page (all of them in the
/// CSV): an item of a national index has tens of thousands, and listing
/// every one made the page of one item 3.8 MB at 1 GiB.
const GROUP_ROWS: usize = 50;

/// `/compare.csv?item=…`: one row per document.
pub async fn csv(State(app): State<App>, Query(p): Query<Pairs>) -> Answer<Response> {
    let ask =
        Ask::parse(&p)?.ok_or_else(|| Error::bad("item is required, e.g. item=risk.training"))?;
    let c = blocking(move || run(&app, &ask)).await?;
    Ok(table::csv(
        "pia-compare.csv",
        &table::header(&["key", "group", "value", "text"]),
        c.entries.into_iter().map(|e| {
            table::row(
                e.location,
                [
                    e.key,
                    (e.group + 1).to_string(),
                    table::opt(&e.value),
                    e.text,
                ],
            )
        }),
    ))
}

/// `/api/compare?item=…`: the whole comparison (`pia compare --json`'s
/// entries plus keys and groups).
pub async fn api(State(app): State<App>, Query(p): Query<Pairs>) -> Response {
    let run_it = async {
        let ask = Ask::parse(&p)?
            .ok_or_else(|| Error::bad("item is required, e.g. item=risk.training"))?;
        blocking(move || run(&app, &ask)).await
    };
    json(run_it.await)
}

/// `/api/compare/items`: `pia compare --list --json`.
pub async fn items_api(State(app): State<App>) -> Response {
    json(blocking(move || items(&app)).await)
}
