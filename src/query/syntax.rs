//! From what the user typed to a tantivy query. tantivy's QueryParser would
//! turn any multi-token Japanese word into a phrase of lindera tokens, which
//! fails whenever the query is segmented differently from the document; we
//! build the query ourselves instead:
//!
//! * every part (a word, or a `"quoted phrase"` in which spaces are ignored)
//!   MUST occur as a substring of the normalised section text — a phrase of
//!   character bigrams at fixed offsets, which is exact;
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
    /// None of these may occur.
    pub must_not: Vec<Phrase>,
}

impl UserQuery {
    /// Parses a query: whitespace separates parts outside quotes; an unclosed
    /// quote runs to the end; control characters count as spaces.
    pub fn parse(input: &str) -> Result<UserQuery, QueryError> {
        let mut must = Vec::new();
        let mut must_not = Vec::new();
        for (raw, negated) in split_parts(input) {
            let norm = fold(&raw);
            if norm.is_empty() {
                continue;
            }
            let n = norm.chars().count();
            if n > MAX_PHRASE_CHARS {
                return Err(QueryError::TooLong(n));
            }
            let p = Phrase { raw, norm };
            if negated {
                must_not.push(p);
            } else {
                must.push(p);
            }
        }
        if must.is_empty() {
            return Err(if must_not.is_empty() {
                QueryError::Empty
            } else {
                QueryError::OnlyExclusions
            });
        }
        Ok(UserQuery { must, must_not })
    }

    /// Characters the query's parts match in all: ranking's coverage of a
    /// section by the query.
    pub fn matched_chars(&self) -> usize {
        self.must.iter().map(|p| p.norm.chars().count()).sum()
    }

    /// The query that decides what matches (over a bigram field): every
    /// `must` part as a substring, no `must_not` part. Scores nothing useful.
    pub fn match_query(&self, ngram: Field) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for p in &self.must {
            clauses.push((Occur::Must, substring_query(ngram, &p.norm)));
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
        for p in &self.must {
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

/// Splits on whitespace and control characters outside quotes; `-` before a
/// part negates it. Quotes may be ASCII or Japanese (「」 “” ＂).
fn split_parts(input: &str) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut negated = false;
    let mut in_quote = false;
    let flush = |cur: &mut String, negated: &mut bool, parts: &mut Vec<(String, bool)>| {
        if !cur.is_empty() {
            parts.push((std::mem::take(cur), *negated));
        }
        *negated = false;
    };
    for c in input.chars() {
        let is_quote = matches!(c, '"' | '“' | '”' | '＂' | '「' | '」');
        if is_quote {
            in_quote = !in_quote;
            continue;
        }
        if !in_quote && (c.is_whitespace() || c.is_control()) {
            flush(&mut cur, &mut negated, &mut parts);
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
    flush(&mut cur, &mut negated, &mut parts);
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
    fn odd_queries_are_clear_errors() {
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
