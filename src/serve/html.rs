//! The page frame, shared fragments and the embedded assets. maud escapes
//! every interpolated string, so document text can never become markup;
//! highlights are built as elements around escaped text, never as HTML strings.

use axum::http::header;
use axum::response::{Html, IntoResponse};
use maud::{html, Markup, DOCTYPE};

use super::params::enc;

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");

/// `/assets/app.css`.
pub async fn css() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], CSS)
}

/// `/assets/app.js`: `/` focuses the search box.
pub async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JS,
    )
}

/// A whole page: header with navigation and the search box (keeping `q`).
/// `hidden` carries the current filters and toggles through a new query.
pub fn page(title: &str, q: &str, hidden: &[(&str, String)], body: Markup) -> Html<String> {
    let m = html! {
        (DOCTYPE)
        html lang="ja" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — pia" }
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body {
                header {
                    a.brand href="/" { "pia" }
                    nav {
                        a href="/" { "検索 Search" }
                        a href="/contractors" { "委託先 Contractors" }
                        a href="/compare" { "比較 Compare" }
                    }
                    form.top action="/search" method="get" role="search" {
                        input #q type="search" name="q" value=(q) placeholder="検索語 (/ で移動)"
                            aria-label="search" maxlength="500";
                        @for (k, v) in hidden { input type="hidden" name=(k) value=(v); }
                        button type="submit" { "検索" }
                    }
                }
                main { (body) }
            }
        }
    };
    Html(m.into_string())
}

/// The body of an error page.
pub fn error_body(title: &str, message: &str) -> Markup {
    html! {
        h1 { (title) }
        p.error { (message) }
        p { a href="/" { "検索に戻る (back to search)" } }
    }
}

/// `text` split at the char ranges `marks` into (piece, highlighted) runs.
pub fn segments(text: &str, marks: &[(usize, usize)]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    for (i, c) in text.chars().enumerate() {
        let on = marks.iter().any(|&(a, b)| a <= i && i < b);
        match out.last_mut() {
            Some((s, m)) if *m == on => s.push(c),
            _ => out.push((c.to_string(), on)),
        }
    }
    out
}

/// Text with `<mark>` around the given char ranges.
pub fn marked(text: &str, marks: &[(usize, usize)]) -> Markup {
    html! {
        @for (piece, on) in segments(text, marks) {
            @if on { mark { (piece) } } @else { (piece) }
        }
    }
}

/// An indexed file name as a URL path (each segment percent-encoded).
pub fn file_path(file: &str) -> String {
    file.split('/').map(enc).collect::<Vec<_>>().join("/")
}

/// Link to a document page, opened at section `ordinal` when given.
pub fn doc_href(file: &str, ordinal: Option<u64>, q: &str) -> String {
    let mut url = format!("/doc/{}", file_path(file));
    if let Some(o) = ordinal {
        url.push_str(&format!("?hit={o}"));
        if !q.is_empty() {
            url.push_str(&format!("&q={}", enc(q)));
        }
        url.push_str(&format!("#s-{o}"));
    }
    url
}

/// "Prefecture Municipality", whichever is known.
pub fn place(municipality: Option<&str>, prefecture: Option<&str>) -> String {
    [prefecture, municipality]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `form` select of the three forms, `chosen` selected: the list pages'
/// filter forms (start page, compare) offer the same choice.
pub fn form_select(chosen: Option<crate::model::FormType>) -> Markup {
    html! {
        select name="form" {
            option value="" { "any" }
            @for f in ["基礎", "重点", "全項目"] {
                @let on = chosen.is_some_and(|t| crate::model::FormType::from_user(f) == Some(t));
                option value=(f) selected[on] { (f) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_split_text_and_escape() {
        let m = marked("a<b>c", &[(1, 4)]).into_string();
        assert_eq!(m, "a<mark>&lt;b&gt;</mark>c");
    }
}
