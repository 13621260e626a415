//! The search page, its exports and `/api/search`: one [`execute`] behind
//! all three, so the page, the CSV and the JSON always agree.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::{Query, State};
use axum::response::{Html, Response};
use maud::{html, Markup};
use serde::Serialize;
use tantivy::collector::Count;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

use super::html::{doc_href, form_select, marked, page as frame, place};
use super::params::{self, url, DocFilters, Pairs, MAX_PAGE_SIZE, MAX_RESULTS};
use super::{blocking, json, table, Answer, App, Error};
use crate::index::indexer;
use crate::index::schema;
use crate::index::store::Store;
use crate::model::PATH_SEP;
use crate::parse::meta::{place_order, prefecture_order};
use crate::query::count::{self, MatchSet};
use crate::query::filter;
use crate::query::search;
use crate::query::syntax;
use crate::{model, normalize};

/// What the search URL says: query, filters, toggles, page.
#[derive(Debug, Clone)]
pub struct SearchState {
    q: String,
    filters: DocFilters,
    choices: bool,
    per_doc: bool,
    /// Count every match (`exact=1`), as `pia search --exact-totals`.
    exact: bool,
    page: usize,
    size: usize,
}

impl SearchState {
    fn parse(p: &Pairs) -> Answer<SearchState> {
        let size = params::number(p, "size", params::DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
        let page = params::number(p, "page", 1, MAX_RESULTS)?;
        if page.saturating_mul(size) > MAX_RESULTS {
            return Err(Error::bad(format!(
                "page {page} is beyond the first {MAX_RESULTS} results: narrow the search"
            )));
        }
        Ok(SearchState {
            q: params::text(p, "q")?.unwrap_or_default(),
            filters: DocFilters::parse(p)?,
            choices: params::flag(p, "choices"),
            per_doc: params::flag(p, "per_doc") || params::flag(p, "per_file"),
            exact: params::flag(p, "exact"),
            page,
            size,
        })
    }

    /// URL parameters of this state (page and size only when not default).
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut v = vec![("q", self.q.clone())];
        for (k, val) in self.filters.active() {
            v.push((k, val.to_string()));
        }
        if self.choices {
            v.push(("choices", "1".into()));
        }
        if self.per_doc {
            v.push(("per_doc", "1".into()));
        }
        if self.exact {
            v.push(("exact", "1".into()));
        }
        if self.page > 1 {
            v.push(("page", self.page.to_string()));
        }
        if self.size != params::DEFAULT_PAGE_SIZE {
            v.push(("size", self.size.to_string()));
        }
        v
    }

    fn href(&self) -> String {
        url("/search", &self.pairs())
    }

    /// The same search, first page, with `change` applied.
    fn variant(&self, change: impl FnOnce(&mut SearchState)) -> String {
        let mut s = self.clone();
        s.page = 1;
        change(&mut s);
        s.href()
    }

    fn request(&self, limit: usize) -> Answer<crate::query::SearchRequest> {
        let query = syntax::UserQuery::parse(&self.q).map_err(|e| Error::bad(e.to_string()))?;
        Ok(crate::query::SearchRequest {
            query,
            filters: self.filters.to_filters()?,
            limit,
            exact_up_to: crate::query::topk::exact_up_to(self.exact),
            include_choices: self.choices,
        })
    }
}

/// One value of a facet with its count under the other active filters.
#[derive(Debug, Clone, Serialize)]
pub struct FacetValue {
    /// The value as indexed (what the filter link sets).
    pub value: String,
    /// How the page shows it, when not as `value` (a subsection by its own
    /// title, not its whole path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shown: Option<String>,
    /// Matching sections with this value.
    pub count: usize,
    /// Whether the active filter selects it.
    pub selected: bool,
}

/// A facet: the filter parameter it sets and its values.
#[derive(Debug, Clone, Serialize)]
pub struct Facet {
    /// Filter parameter (`prefecture`, `form`, `affair`, `section`).
    pub param: &'static str,
    /// Heading shown on the page.
    pub label: &'static str,
    /// Every indexed value, zero counts included (facets do not jump).
    pub values: Vec<FacetValue>,
}

/// Everything one search produced, as `/api/search` returns it.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// The query as typed.
    pub query: String,
    /// The hits of the requested page (the objects of `pia search --json`).
    pub hits: Vec<search::Hit>,
    /// Matching sections in all.
    pub total: usize,
    /// Distinct documents with a matching section.
    pub documents: Option<usize>,
    /// False when `total` and `documents` are lower bounds (a wide query
    /// whose sections that could not rank were not all checked).
    pub totals_exact: bool,
    /// Page number (1-based) and size the hits are cut to.
    pub page: usize,
    /// Hits per page.
    pub size: usize,
    /// Server time for search and facets.
    pub elapsed_ms: f64,
    /// Facet counts.
    pub facets: Vec<Facet>,
    /// Why nothing matched (which filter emptied the result), when empty.
    pub why_empty: Vec<String>,
    /// Documents that match only inside choice lists (not searched unless
    /// `choices=1`).
    pub choice_only_documents: usize,
    /// Filter names whose removal would give results (for links).
    #[serde(skip)]
    emptied_by: Vec<&'static str>,
}

/// Runs the search of `state`: `all` returns every hit (up to
/// [`MAX_RESULTS`]) instead of one page.
fn execute(app: &App, state: &SearchState, all: Option<usize>) -> Answer<Outcome> {
    let start = Instant::now();
    let fetch = all.unwrap_or(state.page * state.size);
    let req = state.request(fetch)?;
    let store = &app.store;
    let reader = store.reader()?;
    let searcher = reader.searcher();
    let f = store.fields;
    let mut why_empty = Vec::new();
    let res = match req.filters.to_queries(&searcher, &f) {
        Err(e) => {
            why_empty.push(format!("{e:#}"));
            search::SearchResults {
                hits: Vec::new(),
                total: 0,
                documents: Some(0),
                hidden: None,
                totals_exact: true,
            }
        }
        Ok(_) => search::search_with_hidden(store, &req, state.per_doc)?,
    };
    let mut emptied_by = Vec::new();
    if res.total == 0 && why_empty.is_empty() {
        (why_empty, emptied_by) = diagnose(&searcher, &f, state, &req);
    }
    let choice_only_documents = res.hidden.map_or(0, |h| h.choice_only_documents);
    let facets = facets(store, &searcher, state, &req);
    let skip = if all.is_some() {
        0
    } else {
        (state.page - 1) * state.size
    };
    Ok(Outcome {
        query: state.q.clone(),
        hits: res.hits.into_iter().skip(skip).collect(),
        total: res.total,
        documents: res.documents,
        totals_exact: res.totals_exact,
        page: state.page,
        size: state.size,
        elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
        facets,
        why_empty,
        choice_only_documents,
        emptied_by,
    })
}

/// Matching sections of `req` (0 when a filter names nothing indexed).
fn sections(searcher: &Searcher, f: &schema::Fields, req: &crate::query::SearchRequest) -> usize {
    search::build_query(searcher, f, req)
        .and_then(|q| Ok(searcher.search(&q, &Count)?))
        .unwrap_or(0)
}

/// Says why a search found nothing: the words themselves, or the filters
/// without which it would find something.
fn diagnose(
    searcher: &Searcher,
    f: &schema::Fields,
    state: &SearchState,
    req: &crate::query::SearchRequest,
) -> (Vec<String>, Vec<&'static str>) {
    let active = state.filters.active();
    let mut unfiltered = req.clone();
    unfiltered.filters = Default::default();
    if active.is_empty() || sections(searcher, f, &unfiltered) == 0 {
        return (
            vec![format!(
                "no section contains 「{}」 anywhere in the index",
                state.q
            )],
            Vec::new(),
        );
    }
    let mut why = Vec::new();
    let mut names = Vec::new();
    for (name, value) in active {
        let without = SearchState {
            filters: state.filters.with(name, None),
            ..state.clone()
        };
        let Ok(r) = without.request(1) else { continue };
        let n = sections(searcher, f, &r);
        if n > 0 {
            why.push(format!(
                "the filter {name}={value} emptied the result: {n} sections match without it"
            ));
            names.push(name);
        }
    }
    if why.is_empty() {
        why.push(format!(
            "the filters together emptied the result: {} sections match without any",
            sections(searcher, f, &unfiltered)
        ));
    }
    (why, names)
}

/// The active filters of a facet's base, to find facets that share one.
type FilterKey = Vec<(&'static str, String)>;

/// Facet counts: for each facet, every indexed value counted against the
/// query and the *other* active filters. The sections those match are found
/// once per set of other filters (once in all when no filter is active),
/// and each value's count is a walk over its postings.
fn facets(
    store: &Store,
    searcher: &Searcher,
    state: &SearchState,
    req: &crate::query::SearchRequest,
) -> Vec<Facet> {
    let f = &store.fields;
    let dims: [(&'static str, &'static str, Field); 4] = [
        ("prefecture", "都道府県 Prefecture", f.prefecture),
        ("form", "様式 Form", f.form),
        ("affair", "事務 Affair", f.affair),
        ("section", "大項目 Top-level section", f.top),
    ];
    let mut bases: Vec<(FilterKey, Option<MatchSet>)> = Vec::new();
    let mut out: Vec<Facet> = dims
        .into_iter()
        .map(|(param, label, field)| {
            let chosen = state.filters.get(param);
            let others = state.filters.with(param, None);
            let key: FilterKey = others
                .active()
                .into_iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect();
            let at = match bases.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    let set = others.to_filters().ok().and_then(|filters| {
                        let req = crate::query::SearchRequest {
                            filters,
                            ..req.clone()
                        };
                        MatchSet::of(searcher, f, &req).ok()
                    });
                    bases.push((key, set));
                    bases.len() - 1
                }
            };
            let base = bases[at].1.as_ref();
            let terms =
                filter::matching_terms(searcher, field, |t| !t.is_empty()).unwrap_or_default();
            let mut values = terms
                .into_iter()
                .filter_map(|t| String::from_utf8(t).ok())
                .map(|value| {
                    let count = base.map_or(0, |b| {
                        b.count_with(searcher, &Term::from_field_text(field, &value))
                            .unwrap_or(0)
                    });
                    let selected = chosen.is_some_and(|c| selects(param, c, &value));
                    FacetValue {
                        value,
                        shown: None,
                        count,
                        selected,
                    }
                })
                .collect::<Vec<_>>();
            if param == "prefecture" {
                // North to south, as every Japanese list of them runs.
                values.sort_by_key(|v| prefecture_order(&v.value).unwrap_or(usize::MAX));
            }
            Facet {
                param,
                label,
                values,
            }
        })
        .collect();
    out.extend(subsections(store, searcher, state, &bases));
    out
}

/// The heading of the [`subsections`] facet.
const SUBSECTIONS_LABEL: &str = "小項目 Within the section";

/// Most subsections [`subsections`] lists.
const SUBSECTIONS_SHOWN: usize = 30;

/// Where in the chosen section the query matches: the subsections one
/// level below a chosen section path (`section=Ⅲ リスク対策`), each with
/// its matching sections, most first. Each sets the path one level deeper,
/// so a reader walks down to where a phrase sits across every document.
/// None without a section path (a key, or no section chosen).
fn subsections(
    store: &Store,
    searcher: &Searcher,
    state: &SearchState,
    bases: &[(FilterKey, Option<MatchSet>)],
) -> Option<Facet> {
    let chosen = state.filters.get("section")?;
    let wanted = filter::path_parts(Some(chosen)).ok()?;
    if wanted.is_empty() {
        return None;
    }
    let others: FilterKey = state
        .filters
        .with("section", None)
        .active()
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let base = bases.iter().find(|(k, _)| *k == others)?.1.as_ref()?;
    let snapshot = store.snapshot(searcher).ok()?;
    let mut counts = count::below(searcher, &store.fields, &snapshot, base, &wanted).ok()?;
    counts.truncate(SUBSECTIONS_SHOWN);
    // Shown by its own title; under its parent's too where the chosen path
    // names several parents (`リスク対策`: Ⅲ of one form, Ⅳ of another).
    let parents: std::collections::BTreeSet<&[String]> = counts
        .iter()
        .map(|c| &c.path[..c.path.len().saturating_sub(1)])
        .collect();
    let levels = if parents.len() > 1 { 2 } else { 1 };
    let values = counts
        .iter()
        .map(|c| FacetValue {
            value: c.path.join(PATH_SEP),
            shown: Some(c.path[c.path.len().saturating_sub(levels)..].join(PATH_SEP)),
            count: c.sections,
            selected: false,
        })
        .collect();
    Some(Facet {
        param: "section",
        label: SUBSECTIONS_LABEL,
        values,
    })
}

/// Whether the filter value the user gave selects the indexed `value`
/// (the same rules the library applies: substring for names, the form's
/// type, the top-level path component).
fn selects(param: &str, given: &str, value: &str) -> bool {
    match param {
        "form" => model::FormType::from_user(given).is_some_and(|t| t.name() == value),
        // A deeper path selects its top level too (`Ⅲ リスク対策 > ７．…`).
        "section" => given
            .split('>')
            .next()
            .is_some_and(|top| filter::path_prefix_matches(&[top.trim()], &[value])),
        _ => {
            let g = normalize::fold(given);
            !g.is_empty() && normalize::fold(value).contains(&g)
        }
    }
}

/// `/` and `/search`: the landing page without a query, else results.
pub async fn page(State(app): State<App>, Query(p): Query<Pairs>) -> Answer<Html<String>> {
    if params::text(&p, "q")?.unwrap_or_default().is_empty() {
        // The document list pages on past a search's first results.
        let filters = DocFilters::parse(&p)?;
        let page = params::number(&p, "page", 1, u32::MAX as usize)?;
        let size = params::number(&p, "size", DOCS_PER_PAGE, MAX_PAGE_SIZE)?;
        let docs = blocking(move || Ok(app.docs()?)).await?;
        return Ok(frame("検索", "", &[], landing(&filters, page, size, &docs)));
    }
    let state = SearchState::parse(&p)?;
    let st = state.clone();
    let out = blocking(move || execute(&app, &st, None)).await?;
    let hidden = state
        .pairs()
        .into_iter()
        .filter(|(k, _)| !matches!(*k, "q" | "page"))
        .collect::<Vec<_>>();
    Ok(frame(
        &format!("{} — 検索", state.q),
        &state.q,
        &hidden,
        results(&state, &out),
    ))
}

/// `/api/search`: the page's data as JSON; `limit` (default 10, like the
/// CLI) or `page`/`size` choose the hits.
pub async fn api(State(app): State<App>, Query(p): Query<Pairs>) -> Response {
    let run = async {
        let mut state = SearchState::parse(&p)?;
        if state.q.is_empty() {
            return Err(Error::bad("q is required: the query, e.g. q=委託"));
        }
        let limit = if params::get(&p, "page").is_some() || params::get(&p, "size").is_some() {
            None
        } else {
            state.page = 1;
            Some(params::number(&p, "limit", 10, MAX_RESULTS)?)
        };
        blocking(move || execute(&app, &state, limit)).await
    };
    json(run.await)
}

/// `/search.csv`: every hit of the search (up to [`MAX_RESULTS`]).
pub async fn csv(State(app): State<App>, Query(p): Query<Pairs>) -> Answer<Response> {
    let state = SearchState::parse(&p)?;
    if state.q.is_empty() {
        return Err(Error::bad("q is required: the query, e.g. q=委託"));
    }
    let limit = params::number(&p, "limit", MAX_RESULTS, MAX_RESULTS)?;
    let out = blocking(move || execute(&app, &state, Some(limit))).await?;
    let rows = out.hits.into_iter().map(|h| {
        table::row(
            h.location,
            [
                h.key,
                h.ordinal.to_string(),
                format!("{:.3}", h.score),
                h.snippet.text,
                table::opt(&h.value),
            ],
        )
    });
    Ok(table::csv(
        "pia-search.csv",
        &table::header(&["key", "ordinal", "score", "snippet", "value"]),
        rows,
    ))
}

/// Documents listed per page of the start page (`size` lowers it).
const DOCS_PER_PAGE: usize = MAX_PAGE_SIZE;

/// The start page: how to search, then the indexed documents by prefecture
/// (north to south) and city, a page at a time and narrowed by the same
/// filters as a search (a national index lists 45 000; all on one page
/// made 15 MB of HTML).
fn landing(filters: &DocFilters, page: usize, size: usize, docs: &[indexer::DocRecord]) -> Markup {
    let name = |o: Option<&str>| o.unwrap_or("-").to_string();
    fn pref(d: &indexer::DocRecord) -> Option<&str> {
        d.meta.prefecture.as_ref().map(|p| p.0.as_str())
    }
    fn city(d: &indexer::DocRecord) -> Option<&str> {
        d.meta.municipality.as_ref().map(|m| m.0.as_str())
    }
    let holds = |param: &str, value: Option<&str>| {
        filters
            .get(param)
            .is_none_or(|given| value.is_some_and(|v| selects(param, given, v)))
    };
    let mut shown: Vec<&indexer::DocRecord> = docs
        .iter()
        .filter(|d| {
            holds("prefecture", pref(d))
                && holds("city", city(d))
                && holds("form", Some(d.meta.form.name()))
                && holds("affair", d.meta.affair.as_deref())
        })
        .collect();
    shown.sort_by_cached_key(|d| (place_order(pref(d), city(d)), name(city(d)), d.file.clone()));
    // Documents per prefecture, north to south, for the links above the list.
    let mut per_pref: BTreeMap<(usize, &str), usize> = BTreeMap::new();
    for d in docs {
        let p = pref(d).unwrap_or("-");
        *per_pref
            .entry((prefecture_order(p).unwrap_or(usize::MAX), p))
            .or_default() += 1;
    }
    let pages = shown.len().div_ceil(size).max(1);
    let page = page.min(pages);
    let on_page = shown.iter().skip((page - 1) * size).take(size);
    let active = filters.active();
    let at = |page: usize, filters: &DocFilters| -> String {
        let mut pairs: Vec<(&str, String)> = filters
            .active()
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        if size != DOCS_PER_PAGE {
            pairs.push(("size", size.to_string()));
        }
        url("/", &pairs)
    };
    html! {
        h1 { "特定個人情報保護評価書の検索" }
        p.muted {
            "Words are ANDed; \"quoted phrases\" match as written; a OR b needs either; -word excludes. "
            "Press " kbd { "/" } " to jump to the search box."
        }
        p { "例: "
            @for ex in ["委託", "\"アクセス権限\"", "バックアップ -外部", "再委託"] {
                a href=(url("/search", &[("q", ex.to_string())])) { (ex) } " "
            }
        }
        h2 { "Indexed documents (" (docs.len()) ")" }
        p #prefectures {
            @for ((_, p), n) in &per_pref {
                @if *p == "-" {
                    "(prefecture unknown) (" (n) ") "
                } @else {
                    a href=(at(1, &DocFilters::default().with("prefecture", Some(p)))) { (p) } " (" (n) ") "
                }
            }
        }
        form #doc-filter action="/" method="get" {
            label { "city " input name="city" size="10" value=(filters.city.as_deref().unwrap_or("")); }
            " " label { "prefecture " input name="prefecture" size="8" value=(filters.prefecture.as_deref().unwrap_or("")); }
            " " label { "form " (form_select(filters.form_type().ok().flatten())) }
            " " button type="submit" { "list" }
        }
        @if !active.is_empty() {
            div.chips {
                @for (param, value) in &active {
                    a.chip href=(at(1, &filters.with(param, None))) { (param) ": " (value) " ×" }
                }
            }
            p #doc-count { (shown.len()) " of " (docs.len()) " documents" }
        }
        table #docs {
            thead { tr { th { "file" } th { "municipality" } th { "prefecture" } th { "form" } th { "affair" } } }
            tbody {
                @for d in on_page {
                    tr {
                        td { a href=(doc_href(&d.file, None, "")) { (d.file) } }
                        td { (name(city(d))) }
                        td { (name(pref(d))) }
                        td { (d.meta.form.name()) }
                        td { (name(d.meta.affair.as_deref())) }
                    }
                }
            }
        }
        @if pages > 1 {
            nav.pager {
                @if page > 1 { a rel="prev" href=(at(page - 1, filters)) { "← prev" } }
                span { "page " (page) " of " (pages) }
                @if page < pages { a rel="next" href=(at(page + 1, filters)) { "next →" } }
            }
        }
        p { a href="/api/docs" { "JSON" } " (every document)" }
    }
}

fn results(state: &SearchState, out: &Outcome) -> Markup {
    let shown_total = if state.per_doc {
        out.documents.unwrap_or(out.total)
    } else {
        out.total
    };
    let pages = shown_total.min(MAX_RESULTS).div_ceil(state.size).max(1);
    let first = (state.page - 1) * state.size;
    let mut export = state.clone();
    export.page = 1;
    export.size = params::DEFAULT_PAGE_SIZE;
    let export_pairs = export.pairs();
    let mut json_pairs = export_pairs.clone();
    json_pairs.push(("limit", MAX_RESULTS.to_string()));
    html! {
        div.layout {
            aside.facets { (facet_list(state, &out.facets)) }
            section.results {
                @let active = state.filters.active();
                @if !active.is_empty() {
                    div.chips {
                        @for (name, value) in &active {
                            a.chip href=(state.variant(|s| s.filters = s.filters.with(name, None)))
                                title="remove this filter" { (name) ": " (value) " ×" }
                        }
                        a href=(url("/search", &[("q", state.q.clone())])) { "clear all" }
                    }
                }
                p #summary {
                    @let more = if out.totals_exact { "" } else { "+" };
                    strong #count { (out.total) (more) } " sections"
                    @if let Some(d) = out.documents { " in " strong { (d) (more) } " documents" }
                    @if !out.totals_exact {
                        " (at least: " a #count-all href=(state.variant(|s| s.exact = true)) { "count all" } ")"
                    }
                    span.muted { " — " (format!("{:.1}", out.elapsed_ms)) " ms" }
                }
                p.toggles {
                    @if state.per_doc {
                        a href=(state.variant(|s| s.per_doc = false)) { "☑ one hit per document" }
                    } @else {
                        a href=(state.variant(|s| s.per_doc = true)) { "☐ one hit per document" }
                    }
                    " · "
                    @if state.choices {
                        a href=(state.variant(|s| s.choices = false)) { "☑ include choice lists" }
                    } @else {
                        a href=(state.variant(|s| s.choices = true)) { "☐ include choice lists" }
                    }
                    " · export: "
                    a #export-csv href=(url("/search.csv", &export_pairs)) { "CSV" } " "
                    a #export-json href=(url("/api/search", &json_pairs)) { "JSON" }
                }
                @if out.choice_only_documents > 0 {
                    p.notice #choices-offer {
                        a href=(state.variant(|s| s.choices = true)) {
                            (out.choice_only_documents) " more documents mention it only in choice lists"
                        }
                        " (＜選択肢＞, not searched by default)"
                    }
                }
                @if out.hits.is_empty() {
                    div #no-results {
                        h2 { "No results for 「" (state.q) "」" }
                        @for w in &out.why_empty { p.notice { (w) } }
                        @for name in &out.emptied_by {
                            p { a href=(state.variant(|s| s.filters = s.filters.with(name, None))) {
                                "search without the " (name) " filter" } }
                        }
                    }
                }
                @for (i, h) in out.hits.iter().enumerate() {
                    div.hit {
                        div.path {
                            span.muted { (first + i + 1) ". " }
                            a.section href=(doc_href(&h.location.file, Some(h.ordinal), &state.q)) { (h.location.shown_path()) }
                        }
                        div.meta {
                            @let at = place(h.location.municipality.as_deref(), h.location.prefecture.as_deref());
                            @if !at.is_empty() { (at) " · " }
                            (h.location.form) " · "
                            a href=(doc_href(&h.location.file, None, "")) { (h.location.file) }
                        }
                        p.snippet { (marked(&h.snippet.text, &h.snippet.highlights)) }
                        @if let Some(v) = &h.value { p.value { "選択: " (v) } }
                    }
                }
                @if pages > 1 {
                    nav.pager {
                        @if state.page > 1 {
                            a rel="prev" href=(url("/search", &SearchState { page: state.page - 1, ..state.clone() }.pairs())) { "← prev" }
                        }
                        span { "page " (state.page) " of " (pages) }
                        @if state.page < pages {
                            a rel="next" href=(url("/search", &SearchState { page: state.page + 1, ..state.clone() }.pairs())) { "next →" }
                        }
                    }
                }
            }
        }
    }
}

fn facet_list(state: &SearchState, facets: &[Facet]) -> Markup {
    // The subsections of a chosen section first: they are where the reader
    // is going (the other facets keep their order).
    let (within, rest): (Vec<&Facet>, Vec<&Facet>) =
        facets.iter().partition(|f| f.label == SUBSECTIONS_LABEL);
    html! {
        @for f in within.into_iter().chain(rest) {
            h3 { (f.label) }
            ul data-facet=(f.param) {
                @for v in &f.values {
                    @let class = if v.selected { "on" } else if v.count == 0 { "zero" } else { "" };
                    @let shown = v.shown.as_deref().unwrap_or(&v.value);
                    li class=(class) {
                        @if v.selected {
                            a href=(state.variant(|s| s.filters = s.filters.with(f.param, None))) title="remove" {
                                (shown) " (" (v.count) ") ×"
                            }
                        } @else if f.param == "form" && model::FormType::from_user(&v.value).is_none() {
                            (shown) " (" (v.count) ")"
                        } @else {
                            a href=(state.variant(|s| s.filters = s.filters.with(f.param, Some(&v.value)))) title=(v.value) {
                                (shown) " (" (v.count) ")"
                            }
                        }
                    }
                }
            }
        }
    }
}
