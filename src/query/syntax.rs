//! From what the user typed to a tantivy query. tantivy's QueryParser would
//! turn any multi-token Japanese word into a phrase of lindera tokens, which
//! fails whenever the query is segmented differently from the document; we
//! build the query ourselves instead:
//!
//! * every part (a word, or a `"quoted phrase"` in which spaces are ignored)
//!   MUST occur as a substring of the normalised section text — a phrase of
//!   character bigrams at fixed offsets, which is exact;
//! * `a OR b` (upper case, unquoted) needs only one of its parts: a group
//!   of alternatives that must occur like a part (`富士通 OR FUJITSU 委託`);
//! * `-part` excludes sections containing it;
//! * lindera terms of each part are SHOULD clauses, so BM25 on words ranks.

use tantivy::query::{
    BooleanQuery, BoostQuery, EmptyQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::Term;
use thiserror::Error;

use crate::index::analysis::{phrase_bigrams, words};
use crate::normalize::fold;

/// Weight of a lindera word clause against the phrase clause: words rank,
/// the phrase decides what matches.
pub const WORD_BOOST: f32 = 2.0;

/// Longest accepted phrase, in normalised characters (a pasted page is not a query).
pub const MAX_PHRASE_CHARS: usize = 1000;

/// Why a query string cannot be searched.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum QueryError {
    /// Nothing left to search for.
    #[error("empty query: type a word or a \"quoted phrase\"")]
    Empty,
    /// Only exclusions.
    #[error("the query only excludes (-word); add something to search for")]
    OnlyExclusions,
    /// `OR` without a part to search for on one side.
    #[error(
        "OR needs a part to search for on each side (a OR b); exclusions (-a) cannot be joined"
    )]
    DanglingOr,
    /// A part is too long.
    #[error(
        "query part too long ({0} characters after normalisation; at most {MAX_PHRASE_CHARS})"
    )]
    TooLong(usize),
}

/// One part of a query: the text as typed and its normalised form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// As typed (for messages).
    pub raw: String,
    /// Normalised ([`fold`]) — what is matched.
    pub norm: String,
}

/// A parsed query: parts that must occur and parts that must not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    /// Every one of these must occur in a section.
    pub must: Vec<Phrase>,
    /// Groups joined by `OR` (two parts or more each): one part of every
    /// group must occur. Apart from `must` so that a query without `OR`
    /// keeps the plain phrase path ([`crate::query::topk`]).
    pub any: Vec<Vec<Phrase>>,
    /// None of these may occur.
    pub must_not: Vec<Phrase>,
}

impl UserQuery {
    /// Parses a query: whitespace separates parts outside quotes; an unclosed
    /// quote runs to the end; control characters count as spaces.
    pub fn parse(input: &str) -> Result<UserQuery, QueryError> {
        // Parts to search for, each group of alternatives in turn.
        let mut groups: Vec<Vec<Phrase>> = Vec::new();
        let mut must_not = Vec::new();
        // An `OR` was read after the last group's part: the next part joins it.
        let mut joining = false;
        // The last thing read was a part to search for (an `OR` may follow).
        let mut after_part = false;
        for part in split_parts(input) {
            if part.is_or() {
                if !after_part || joining {
                    return Err(QueryError::DanglingOr);
                }
                joining = true;
                continue;
            }
            let norm = fold(&part.text);
            if norm.is_empty() {
                continue;
            }
            let n = norm.chars().count();
            if n > MAX_PHRASE_CHARS {
                return Err(QueryError::TooLong(n));
            }
            let p = Phrase {
                raw: part.text,
                norm,
            };
            if part.negated {
                if joining {
                    return Err(QueryError::DanglingOr);
                }
                must_not.push(p);
                after_part = false;
            } else {
                match groups.last_mut() {
                    Some(g) if joining => g.push(p),
                    _ => groups.push(vec![p]),
                }
                joining = false;
                after_part = true;
            }
        }
        if joining {
            return Err(QueryError::DanglingOr);
        }
        if groups.is_empty() {
            return Err(if must_not.is_empty() {
                QueryError::Empty
            } else {
                QueryError::OnlyExclusions
            });
        }
        let (single, any): (Vec<_>, Vec<_>) = groups.into_iter().partition(|g| g.len() == 1);
        let must = single.into_iter().flatten().collect();
        Ok(UserQuery {
            must,
            any,
            must_not,
        })
    }

    /// A query of one plain part (no alternatives, no exclusions).
    pub fn phrase(raw: &str) -> UserQuery {
        UserQuery {
            must: vec![Phrase {
                raw: raw.to_string(),
                norm: fold(raw),
            }],
            any: Vec::new(),
            must_not: Vec::new(),
        }
    }

    /// Every part searched for, alternatives included: what snippets and
    /// highlights mark.
    pub fn parts(&self) -> impl Iterator<Item = &Phrase> {
        self.must.iter().chain(self.any.iter().flatten())
    }

    /// Whether normalised text `folded` matches the query as the index
    /// matches a section's text.
    pub fn matches(&self, folded: &str) -> bool {
        self.must.iter().all(|p| folded.contains(&p.norm))
            && self
                .any
                .iter()
                .all(|g| g.iter().any(|p| folded.contains(&p.norm)))
            && !self.must_not.iter().any(|p| folded.contains(&p.norm))
    }

    /// Characters the query's parts match in all: ranking's coverage of a
    /// section by the query (of a group, its shortest part: what any match
    /// holds at least).
    pub fn matched_chars(&self) -> usize {
        let chars = |p: &Phrase| p.norm.chars().count();
        let must: usize = self.must.iter().map(chars).sum();
        let any: usize = self
            .any
            .iter()
            .map(|g| g.iter().map(chars).min().unwrap_or(0))
            .sum();
        must + any
    }

    /// The query that decides what matches (over a bigram field): every
    /// `must` part as a substring, no `must_not` part. Scores nothing useful.
    pub fn match_query(&self, ngram: Field) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for p in &self.must {
            clauses.push((Occur::Must, substring_query(ngram, &p.norm)));
        }
        for g in &self.any {
            let either = g
                .iter()
                .map(|p| (Occur::Should, substring_query(ngram, &p.norm)))
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(either))));
        }
        for p in &self.must_not {
            clauses.push((Occur::MustNot, substring_query(ngram, &p.norm)));
        }
        if clauses.len() == 1 {
            return clauses.pop().map(|(_, q)| q).expect("one clause");
        }
        Box::new(BooleanQuery::new(clauses))
    }

    /// The ranked query: [`Self::match_query`] plus the lindera words of every
    /// part (field `ja`) as SHOULD clauses for BM25.
    pub fn to_query(&self, ngram: Field, ja: Field) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, self.match_query(ngram))];
        for p in self.parts() {
            for w in words(&p.norm) {
                let t = TermQuery::new(Term::from_field_text(ja, &w), IndexRecordOption::WithFreqs);
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(t), WORD_BOOST)),
                ));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

/// One whitespace-separated part of a query string as typed.
struct RawPart {
    text: String,
    /// Written `-part`.
    negated: bool,
    /// Written (partly) in quotes: `"OR"` is a word, not the operator.
    quoted: bool,
}

impl RawPart {
    /// The `OR` operator (upper case, full width too, unquoted).
    fn is_or(&self) -> bool {
        !self.quoted && !self.negated && matches!(self.text.as_str(), "OR" | "ＯＲ")
    }
}

/// Splits on whitespace and control characters outside quotes; `-` before a
/// part negates it. Quotes may be ASCII or Japanese (「」 “” ＂).
fn split_parts(input: &str) -> Vec<RawPart> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut negated = false;
    let mut quoted = false;
    let mut in_quote = false;
    let flush =
        |cur: &mut String, negated: &mut bool, quoted: &mut bool, parts: &mut Vec<RawPart>| {
            if !cur.is_empty() {
                parts.push(RawPart {
                    text: std::mem::take(cur),
                    negated: *negated,
                    quoted: *quoted,
                });
            }
            *negated = false;
            *quoted = false;
        };
    for c in input.chars() {
        let is_quote = matches!(c, '"' | '“' | '”' | '＂' | '「' | '」');
        if is_quote {
            in_quote = !in_quote;
            quoted = true;
            continue;
        }
        if !in_quote && (c.is_whitespace() || c.is_control()) {
            flush(&mut cur, &mut negated, &mut quoted, &mut parts);
            continue;
        }
        if c.is_control() {
            continue;
        }
        if !in_quote && cur.is_empty() && c == '-' && !negated {
            negated = true;
            continue;
        }
        cur.push(c);
    }
    flush(&mut cur, &mut negated, &mut quoted, &mut parts);
    parts
}

/// A query matching exactly the documents whose `field` (bigram-tokenised,
/// normalised text) contains `norm` as a substring.
pub fn substring_query(field: Field, norm: &str) -> Box<dyn Query> {
    let grams = phrase_bigrams(norm);
    match grams.len() {
        0 => match norm.chars().next() {
            // One char: any bigram starting with it, or the text's last char.
            Some(c) => match RegexQuery::from_pattern(
                &format!("{}.?", regex::escape(&c.to_string())),
                field,
            ) {
                Ok(q) => Box::new(q),
                Err(_) => Box::new(EmptyQuery),
            },
            None => Box::new(EmptyQuery),
        },
        1 => Box::new(TermQuery::new(
            Term::from_field_text(field, &grams[0].1),
            IndexRecordOption::WithFreqs,
        )),
        _ => Box::new(PhraseQuery::new_with_offset(
            grams
                .into_iter()
                .map(|(off, g)| (off, Term::from_field_text(field, &g)))
                .collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(q: &UserQuery) -> Vec<&str> {
        q.must.iter().map(|p| p.norm.as_str()).collect()
    }

    #[test]
    fn parts_quotes_and_exclusions() {
        let q = UserQuery::parse("中間サーバー 委託").unwrap();
        assert_eq!(norms(&q), vec!["中間サバ", "委託"]);
        let q = UserQuery::parse("\"株式会社 アイネス\"").unwrap();
        assert_eq!(norms(&q), vec!["株式会社アイネス"]);
        let q = UserQuery::parse("委託 -再委託").unwrap();
        assert_eq!(q.must_not[0].norm, "再委託");
        // unbalanced quote runs to the end
        let q = UserQuery::parse("\"中間 サーバー").unwrap();
        assert_eq!(norms(&q), vec!["中間サバ"]);
        // half-width katakana
        let q = UserQuery::parse("ｻｰﾊﾞｰ").unwrap();
        assert_eq!(norms(&q), vec!["サバ"]);
    }

    #[test]
    fn or_joins_the_parts_beside_it() {
        let q = UserQuery::parse("富士通 OR ＦＵＪＩＴＳＵ 委託 -再委託").unwrap();
        assert_eq!(norms(&q), vec!["委託"]);
        let group: Vec<&str> = q.any[0].iter().map(|p| p.norm.as_str()).collect();
        assert_eq!(group, vec!["富士通", "FUJITSU"]);
        assert_eq!(q.must_not[0].norm, "再委託");
        // Three alternatives are one group; full-width ＯＲ is the operator too.
        let q = UserQuery::parse("a OR b ＯＲ c").unwrap();
        assert!(q.must.is_empty());
        assert_eq!(q.any.len(), 1);
        assert_eq!(q.any[0].len(), 3);
        // Quoted or lower case, it is a word to search for.
        let q = UserQuery::parse("a \"OR\" b or c").unwrap();
        assert_eq!(norms(&q), vec!["a", "OR", "b", "or", "c"]);
        assert!(q.any.is_empty());
        // What the index matches, on text.
        let q = UserQuery::parse("中間 OR 統合 サーバー -業者").unwrap();
        assert!(q.matches("統合サバ"));
        assert!(!q.matches("中間"));
        assert!(!q.matches("中間サバ業者"));
        // Of a group, its shortest part counts toward coverage.
        assert_eq!(q.matched_chars(), 2 + 2);
    }

    #[test]
    fn odd_queries_are_clear_errors() {
        for q in ["OR", "a OR", "OR a", "a OR OR b", "a OR -b", "-a OR b"] {
            assert_eq!(UserQuery::parse(q), Err(QueryError::DanglingOr), "{q}");
        }
        assert_eq!(UserQuery::parse(""), Err(QueryError::Empty));
        assert_eq!(UserQuery::parse("   \u{3000}\t"), Err(QueryError::Empty));
        assert_eq!(UserQuery::parse("\"\""), Err(QueryError::Empty));
        assert_eq!(UserQuery::parse("\u{7}\u{1b}"), Err(QueryError::Empty));
        assert_eq!(UserQuery::parse("-委託"), Err(QueryError::OnlyExclusions));
        let long = "あ".repeat(10_000);
        assert!(matches!(
            UserQuery::parse(&long),
            Err(QueryError::TooLong(_))
        ));
        // punctuation alone is a sensible (literal) search
        assert!(UserQuery::parse("、。").is_ok());
    }
}
