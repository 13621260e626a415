//! Restricting a search to part of the form (`--section`) or to documents
//! (`--city`, `--prefecture`, `--form`, `--affair`).
//!
//! Users type prefixes loosely (`Ⅳ`, `リスク対策`, `Ⅳ リスク対策 > ７．`, a
//! canonical key such as `risk.storage`), so a filter is resolved against the
//! values the index actually holds (term dictionaries are small: one term per
//! distinct path, key or city) and becomes an OR of exact term queries.

use std::collections::BTreeSet;

use anyhow::{bail, Result};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use crate::index::schema::Fields;
use crate::model::FormType;
use crate::normalize::{fold, is_digit};
use crate::parse::form::key_has_prefix;

/// Document and section restrictions of one search.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Path prefix or canonical key (prefix).
    pub section: Option<String>,
    /// Municipality (substring after normalisation).
    pub city: Option<String>,
    /// Prefecture (substring after normalisation).
    pub prefecture: Option<String>,
    /// Form type.
    pub form: Option<FormType>,
    /// Affair (substring after normalisation).
    pub affair: Option<String>,
}

impl Filters {
    /// True when no restriction is set (every document and section counts).
    pub fn is_empty(&self) -> bool {
        self.section.is_none()
            && self.city.is_none()
            && self.prefecture.is_none()
            && self.form.is_none()
            && self.affair.is_none()
    }

    /// The filter clauses as MUST queries; an empty vector when unrestricted.
    pub fn to_queries(&self, searcher: &Searcher, f: &Fields) -> Result<Vec<Box<dyn Query>>> {
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        if let Some(s) = &self.section {
            out.push(section_query(searcher, f, s)?);
        }
        let contains = |field: Field, user: &str, what: &str| -> Result<Box<dyn Query>> {
            let needle = fold(user);
            let terms = matching_terms(searcher, field, |t| {
                std::str::from_utf8(t).is_ok_and(|t| !t.is_empty() && t.contains(&needle))
            })?;
            if terms.is_empty() {
                bail!("no indexed document has a {what} matching {user:?}");
            }
            Ok(any_of(field, terms, false))
        };
        if let Some(c) = &self.city {
            out.push(contains(f.municipality, c, "municipality")?);
        }
        if let Some(p) = &self.prefecture {
            out.push(contains(f.prefecture, p, "prefecture")?);
        }
        if let Some(a) = &self.affair {
            out.push(contains(f.affair, a, "affair (事務)")?);
        }
        if let Some(form) = self.form {
            out.push(Box::new(TermQuery::new(
                Term::from_field_text(f.form, form.name()),
                IndexRecordOption::Basic,
            )));
        }
        Ok(out)
    }
}

/// Every distinct term of `field` (over all segments) accepted by `pred`.
pub(crate) fn matching_terms(
    searcher: &Searcher,
    field: Field,
    pred: impl Fn(&[u8]) -> bool,
) -> Result<BTreeSet<Vec<u8>>> {
    let mut out = BTreeSet::new();
    for seg in searcher.segment_readers() {
        let inv = seg.inverted_index(field)?;
        let mut stream = inv.terms().stream()?;
        while stream.advance() {
            if pred(stream.key()) {
                out.insert(stream.key().to_vec());
            }
        }
    }
    Ok(out)
}

/// OR of exact term queries over text terms (`facet == false`) or facets.
pub(crate) fn any_of(field: Field, terms: BTreeSet<Vec<u8>>, facet: bool) -> Box<dyn Query> {
    let clauses = terms
        .into_iter()
        .filter_map(|t| {
            let term = if facet {
                Term::from_facet(field, &Facet::from_encoded(t).ok()?)
            } else {
                Term::from_field_text(field, std::str::from_utf8(&t).ok()?)
            };
            let q: Box<dyn Query> = Box::new(TermQuery::new(term, IndexRecordOption::Basic));
            Some((Occur::Should, q))
        })
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

/// `--section`: a canonical key (ASCII, dotted) or a path prefix.
fn section_query(searcher: &Searcher, f: &Fields, user: &str) -> Result<Box<dyn Query>> {
    let user = user.trim();
    let terms = if is_key(user) {
        matching_terms(searcher, f.key, |t| {
            std::str::from_utf8(t).is_ok_and(|k| key_has_prefix(k, user))
        })?
    } else {
        let wanted: Vec<&str> = user.split('>').map(str::trim).collect();
        matching_terms(searcher, f.facet, |t| {
            let facet = Facet::from_encoded(t.to_vec()).ok();
            facet.is_some_and(|fc| path_prefix_matches(&wanted, &fc.to_path()))
        })?
    };
    if terms.is_empty() {
        bail!("--section {user:?} matches no section path or key in the index");
    }
    Ok(if is_key(user) {
        any_of(f.key, terms, false)
    } else {
        any_of(f.facet, terms, true)
    })
}

/// The components of a `--section` path prefix (`Ⅲ リスク対策 > ７．`), for
/// what asks for a path and not a key ([`crate::query::count::below`]);
/// none for no section.
pub fn path_parts(section: Option<&str>) -> Result<Vec<&str>> {
    let Some(section) = section.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Vec::new());
    };
    if is_key(section) {
        bail!("{section:?} is a key; this takes a section path (`Ⅲ リスク対策`)");
    }
    Ok(section
        .split('>')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect())
}

/// Canonical keys are lowercase ASCII words joined by dots (`N` stands for
/// any block number).
fn is_key(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'N'
        })
}

/// True when the path's first components match the user's prefix, each
/// component as a whole or by its number or title alone.
pub fn path_prefix_matches(wanted: &[&str], path: &[&str]) -> bool {
    if wanted.is_empty() || wanted.len() != path.len() {
        return false;
    }
    let last = wanted.len() - 1;
    wanted
        .iter()
        .zip(path)
        .enumerate()
        .all(|(i, (w, p))| component_matches(w, p, i == last))
}

/// One path component against what the user typed.
fn component_matches(wanted: &str, comp: &str, last: bool) -> bool {
    let w = fold(wanted);
    if w.is_empty() {
        return false;
    }
    let (num, title) = split_number(comp);
    let (full, num, title) = (fold(comp), fold(num), fold(title));
    let bare = |s: &str| s.trim_end_matches('.').to_string();
    if w == full || (!num.is_empty() && bare(&w) == bare(&num)) || w == title {
        return true;
    }
    // The last component may be a title prefix of at least two characters,
    // but not a shorter number (`Ⅱ` folds to `II`, which begins `III`).
    last && w.chars().count() >= 2
        && (title.starts_with(&w) || full.starts_with(&w) && !num.starts_with(&w))
}

/// Splits `Ⅳ リスク対策` / `７．特定…` / `①事務の名称` / `（別添３） 変更箇所` into
/// numbering and title.
pub fn split_number(comp: &str) -> (&str, &str) {
    let comp = comp.trim();
    if let Some((head, tail)) = comp.split_once([' ', '\u{3000}']) {
        if head.chars().count() <= 8 {
            return (head, tail.trim());
        }
    }
    if let Some(pos) = comp.find(['．', '.']) {
        let head = &comp[..pos];
        if !head.is_empty() && head.chars().all(is_digit) {
            let dot = comp[pos..].chars().next().map_or(1, char::len_utf8);
            return (&comp[..pos + dot], &comp[pos + dot..]);
        }
    }
    if let Some(c) = comp.chars().next() {
        if ('①'..='⑳').contains(&c) {
            return (&comp[..c.len_utf8()], &comp[c.len_utf8()..]);
        }
    }
    ("", comp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_is_split_from_titles() {
        assert_eq!(split_number("Ⅳ リスク対策"), ("Ⅳ", "リスク対策"));
        assert_eq!(
            split_number("７．特定個人情報の保管・消去"),
            ("７．", "特定個人情報の保管・消去")
        );
        assert_eq!(split_number("①事務の名称"), ("①", "事務の名称"));
        assert_eq!(
            split_number("（別添３） 変更箇所"),
            ("（別添３）", "変更箇所")
        );
        assert_eq!(split_number("変更箇所"), ("", "変更箇所"));
    }

    #[test]
    fn prefixes_match_by_number_title_or_whole() {
        let p = ["Ⅳ リスク対策"];
        assert!(path_prefix_matches(&["Ⅳ"], &p));
        assert!(path_prefix_matches(&["IV"], &p));
        assert!(path_prefix_matches(&["リスク対策"], &p));
        assert!(!path_prefix_matches(&["Ⅰ"], &p));
        // A number is never the start of a longer one.
        let three = ["Ⅲ リスク対策"];
        assert!(!path_prefix_matches(&["Ⅱ"], &three));
        assert!(!path_prefix_matches(&["II"], &three));
        assert!(path_prefix_matches(&["Ⅲ"], &three));
        assert!(path_prefix_matches(&["Ⅲ リスク"], &three));
        assert!(!path_prefix_matches(
            &["I"],
            &["II 特定個人情報ファイルの概要"]
        ));
        assert!(path_prefix_matches(&["変更箇所"], &["（別添３） 変更箇所"]));
        let p2 = ["Ⅳ リスク対策", "７．特定個人情報の保管・消去"];
        assert!(path_prefix_matches(&["Ⅳ", "7"], &p2));
        assert!(path_prefix_matches(
            &["Ⅳ リスク対策", "特定個人情報の保管"],
            &p2
        ));
        assert!(!path_prefix_matches(&["Ⅳ", "8"], &p2));
    }

    #[test]
    fn keys_are_told_from_paths() {
        assert!(is_key("risk.storage"));
        assert!(!is_key("リスク対策"));
        assert!(!is_key("IV"));
    }
}
