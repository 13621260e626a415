//! Query-string parameters: parsed leniently (unknown keys ignored, the last
//! of repeated keys wins) and validated with messages a user can act on, and
//! turned back into URLs so every state of a page is a shareable link.

use super::Error;
use crate::model::FormType;
use crate::query::filter;

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// Most results on one page.
pub const MAX_PAGE_SIZE: usize = 100;
/// Most results one request may ask for (page × size, `limit`, exports).
pub const MAX_RESULTS: usize = 10_000;
/// Results per page unless the URL says otherwise.
pub const DEFAULT_PAGE_SIZE: usize = 20;

/// Raw `key=value` pairs of a query string, as axum decodes them.
pub type Pairs = Vec<(String, String)>;

/// The value of `key` (last wins), trimmed; None when absent or blank.
pub fn get(pairs: &Pairs, key: &str) -> Option<String> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A flag: present with any value but `0`/`false`/`off`.
pub fn flag(pairs: &Pairs, key: &str) -> bool {
    get(pairs, key).is_some_and(|v| !matches!(v.as_str(), "0" | "false" | "off"))
}

/// A positive number no larger than `max`; `what` names it in the message.
pub fn number(pairs: &Pairs, key: &str, default: usize, max: usize) -> Result<usize, Error> {
    let Some(v) = get(pairs, key) else {
        return Ok(default);
    };
    let n: usize = v
        .parse()
        .map_err(|_| Error::bad(format!("{key}={v:?} is not a positive whole number")))?;
    if n == 0 {
        return Err(Error::bad(format!("{key} must be at least 1")));
    }
    if n > max {
        return Err(Error::bad(format!("{key}={n} is too large: at most {max}")));
    }
    Ok(n)
}

/// A free-text parameter capped at [`MAX_QUERY_CHARS`].
pub fn text(pairs: &Pairs, key: &str) -> Result<Option<String>, Error> {
    match get(pairs, key) {
        Some(v) if v.chars().count() > MAX_QUERY_CHARS => Err(Error::bad(format!(
            "{key} is too long ({} characters; at most {MAX_QUERY_CHARS})",
            v.chars().count()
        ))),
        v => Ok(v),
    }
}

/// The document filters every list page accepts (search, compare).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocFilters {
    /// Section path prefix or canonical key.
    pub section: Option<String>,
    /// Municipality (part of the name).
    pub city: Option<String>,
    /// Prefecture (part of the name).
    pub prefecture: Option<String>,
    /// Form type as typed.
    pub form: Option<String>,
    /// 事務 (part of the name).
    pub affair: Option<String>,
}

impl DocFilters {
    /// Reads and length-checks the filter parameters.
    pub fn parse(pairs: &Pairs) -> Result<DocFilters, Error> {
        let f = DocFilters {
            section: text(pairs, "section")?,
            city: text(pairs, "city")?,
            prefecture: text(pairs, "prefecture")?,
            form: text(pairs, "form")?,
            affair: text(pairs, "affair")?,
        };
        f.form_type()?;
        Ok(f)
    }

    /// The form filter as the library's type.
    pub fn form_type(&self) -> Result<Option<FormType>, Error> {
        self.form
            .as_deref()
            .map(|s| FormType::parse_user(s).map_err(Error::bad))
            .transpose()
    }

    /// The library's filters (the form checked).
    pub fn to_filters(&self) -> Result<filter::Filters, Error> {
        Ok(filter::Filters {
            section: self.section.clone(),
            city: self.city.clone(),
            prefecture: self.prefecture.clone(),
            form: self.form_type()?,
            affair: self.affair.clone(),
        })
    }

    /// `(name, value)` of each active filter, in display order.
    pub fn active(&self) -> Vec<(&'static str, &str)> {
        [
            ("prefecture", &self.prefecture),
            ("city", &self.city),
            ("form", &self.form),
            ("affair", &self.affair),
            ("section", &self.section),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }

    /// The value of a filter by its parameter name (None: not set).
    pub fn get(&self, name: &str) -> Option<&str> {
        match name {
            "section" => &self.section,
            "city" => &self.city,
            "prefecture" => &self.prefecture,
            "form" => &self.form,
            "affair" => &self.affair,
            _ => return None,
        }
        .as_deref()
    }

    /// Mutable slot of a filter by its parameter name.
    pub fn slot(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "section" => &mut self.section,
            "city" => &mut self.city,
            "prefecture" => &mut self.prefecture,
            "form" => &mut self.form,
            "affair" => &mut self.affair,
            _ => return None,
        })
    }

    /// The same filters with `name` set to `value` (None: removed).
    pub fn with(&self, name: &str, value: Option<&str>) -> DocFilters {
        let mut f = self.clone();
        if let Some(s) = f.slot(name) {
            *s = value.map(str::to_string);
        }
        f
    }
}

/// Percent-encodes a URL query value or path segment (everything but
/// unreserved ASCII).
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&…` from the non-empty pairs.
pub fn url(path: &str, pairs: &[(&str, String)]) -> String {
    let qs: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect();
    if qs.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", qs.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Pairs {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn numbers_are_checked_with_messages() {
        let p = pairs(&[("size", "1000"), ("page", "x")]);
        assert_eq!(number(&p, "limit", 10, 100).unwrap(), 10);
        assert!(number(&p, "size", 10, 100)
            .unwrap_err()
            .message
            .contains("at most 100"));
        assert!(number(&p, "page", 1, 100).is_err());
    }

    #[test]
    fn urls_round_trip_japanese_and_reserved_characters() {
        assert_eq!(
            url(
                "/search",
                &[("q", "委託 &x".into()), ("page", String::new())]
            ),
            "/search?q=%E5%A7%94%E8%A8%97%20%26x"
        );
    }
}
