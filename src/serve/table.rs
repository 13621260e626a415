//! CSV exports: RFC 4180 quoting, UTF-8 with a BOM (so spreadsheet programs
//! read the Japanese text), and formula-looking cells defused.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::model::Location;

/// A CSV download named `name`.
pub fn csv(
    name: &str,
    header_row: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Response {
    let mut out = String::from("\u{feff}");
    push_row(&mut out, header_row.iter().map(|s| s.to_string()));
    for r in rows {
        push_row(&mut out, r);
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        out,
    )
        .into_response()
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let cells: Vec<String> = cells.into_iter().map(|c| cell(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// One quoted cell; a leading `= + - @` gets a `'` so a spreadsheet shows
/// document text instead of evaluating it.
fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The columns every export starts with: where the row sits
/// ([`Location`], in its JSON field order).
pub const LOCATION_COLUMNS: [&str; 5] =
    ["file", "municipality", "prefecture", "form", "section_path"];

/// A row: the location's cells, then `rest`.
pub fn row(l: Location, rest: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut cells = vec![
        l.file,
        opt(&l.municipality),
        opt(&l.prefecture),
        l.form,
        l.section_path,
    ];
    cells.extend(rest);
    cells
}

/// A header: the location's columns, then `rest`.
pub fn header(rest: &[&'static str]) -> Vec<&'static str> {
    LOCATION_COLUMNS
        .iter()
        .copied()
        .chain(rest.iter().copied())
        .collect()
}

/// An optional value as a cell.
pub fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("a\"b"), "\"a\"\"b\"");
        assert_eq!(cell("=1+1"), "\"'=1+1\"");
    }
}
