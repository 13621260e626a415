//! Snippets: the part of a section's original text around the first match,
//! with every match in it marked. Matching happens on the normalised text and
//! is mapped back through [`crate::normalize::Normalized::original_range`], so a phrase wrapped over two
//! lines is highlighted where the document prints it.

use serde::Serialize;

use crate::normalize::normalize;

/// Characters of context shown before the first match.
const BEFORE: usize = 30;
/// Characters shown in all.
const WIDTH: usize = 120;

/// A window of original text with highlighted ranges.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Snippet {
    /// The window, line breaks and runs of blanks folded to one space
    /// (`snippet` in JSON output, a plain string other tools can show).
    #[serde(rename = "snippet")]
    pub text: String,
    /// Highlighted ranges as char offsets into `text`, `[start, end)`.
    pub highlights: Vec<(usize, usize)>,
}

/// Byte ranges of `body` where any of the (normalised) `needles` matches,
/// mapped back to the original text, extended over dropped prolonged-sound
/// marks, sorted and merged: what every highlighter marks (snippets, the web
/// UI's document page).
pub fn match_ranges(body: &str, needles: &[&str]) -> Vec<(usize, usize)> {
    let norm = normalize(body);
    let mut ranges: Vec<(usize, usize)> = needles
        .iter()
        .flat_map(|n| norm.find_all(n))
        .filter_map(|(a, b)| norm.original_range(a, b))
        .map(|(a, b)| (a, extend_over_dropped_marks(body, b)))
        .collect();
    ranges.sort_unstable();
    merge(ranges)
}

/// Builds the snippet of `body` for the (normalised) `needles`.
pub fn make(body: &str, needles: &[&str]) -> Snippet {
    let ranges = match_ranges(body, needles);
    let first = ranges.first().map_or(0, |r| r.0);
    let (start, end) = window(body, first);
    render(body, start, end, &ranges)
}

/// Moves a match end past prolonged sound marks that normalisation dropped
/// (`サーバー` matches as `サーバ`, but the user wants the whole word marked).
fn extend_over_dropped_marks(body: &str, mut end: usize) -> usize {
    while let Some(c) = body[end..]
        .chars()
        .next()
        .filter(|c| matches!(c, 'ー' | 'ｰ'))
    {
        end += c.len_utf8();
    }
    end
}

/// Merges overlapping or touching ranges (sorted input).
fn merge(ranges: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.0 <= last.1 => last.1 = last.1.max(r.1),
            _ => out.push(r),
        }
    }
    out
}

/// Byte range of the window: `BEFORE` chars before `anchor`, `WIDTH` in all.
fn window(body: &str, anchor: usize) -> (usize, usize) {
    let before: Vec<usize> = body[..anchor].char_indices().map(|(i, _)| i).collect();
    let start = before.len().checked_sub(BEFORE).map_or(0, |k| before[k]);
    let end = body[start..]
        .char_indices()
        .nth(WIDTH)
        .map_or(body.len(), |(i, _)| start + i);
    (start, end)
}

/// Copies `body[start..end]` folding whitespace runs, translating highlight
/// byte ranges into char offsets of the output.
fn render(body: &str, start: usize, end: usize, ranges: &[(usize, usize)]) -> Snippet {
    let mut text = String::new();
    let mut highlights = Vec::new();
    let mut open: Option<usize> = None;
    let mut count = 0usize;
    let mut ri = 0;
    let mut chars = body[start..end].char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let b = start + i;
        while ri < ranges.len() && ranges[ri].1 <= b {
            if let Some(o) = open.take() {
                highlights.push((o, count));
            }
            ri += 1;
        }
        let inside = ri < ranges.len() && ranges[ri].0 <= b && b < ranges[ri].1;
        if inside && open.is_none() {
            open = Some(count);
        }
        if c.is_whitespace() {
            // A run of blanks: a wrapped line inside a match disappears,
            // elsewhere it becomes one space; a lone blank (U+3000 in a name)
            // is shown as printed.
            let mut newline = c == '\n';
            while let Some(&(_, n)) = chars.peek().filter(|(_, n)| n.is_whitespace()) {
                newline |= n == '\n';
                chars.next();
            }
            if text.is_empty() || (inside && newline) {
                continue;
            }
            text.push(if newline { ' ' } else { c });
            count += 1;
            continue;
        }
        text.push(c);
        count += 1;
    }
    if let Some(o) = open {
        highlights.push((o, count));
    }
    highlights.dedup();
    Snippet { text, highlights }
}

impl Snippet {
    /// The snippet with highlights wrapped in `open`/`close` markers (ANSI
    /// colours on a terminal, 【】 or nothing elsewhere).
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::new();
        let mut hi = self.highlights.iter().peekable();
        let mut cur: Option<(usize, usize)> = None;
        for (i, c) in self.text.chars().enumerate() {
            if cur.is_some_and(|(_, e)| e == i) {
                out.push_str(close);
                cur = None;
            }
            if cur.is_none() {
                if let Some(&&(s, e)) = hi.peek() {
                    if s == i {
                        out.push_str(open);
                        cur = Some((s, e));
                        hi.next();
                    }
                }
            }
            out.push(c);
        }
        if cur.is_some() {
            out.push_str(close);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::fold;

    #[test]
    fn highlights_a_phrase_wrapped_over_lines() {
        let body = "権限のない職員等）によって不正に使用されるリスク。アク\nセス権限の管理";
        let s = make(body, &[&fold("アクセス権限")]);
        assert_eq!(
            s.marked("[", "]"),
            "権限のない職員等）によって不正に使用されるリスク。[アクセス権限]の管理"
        );
    }

    #[test]
    fn no_match_gives_the_start() {
        let s = make("abc def", &["zzz"]);
        assert_eq!(s.text, "abc def");
        assert!(s.highlights.is_empty());
    }
}
