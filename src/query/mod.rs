//! Stage 4, query: **takes** what the user typed (a query string, filters,
//! options) and the index, **gives** ranked hits with section paths and
//! snippets, or exact counts of matching documents.
//!
//! - [`syntax`]: the user's query string → phrases of bigrams and lindera words;
//! - [`filter`]: `--section` / `--city` / `--prefecture` / `--form` / `--affair`
//!   restrictions as tantivy sub-queries;
//! - [`join`]: matches of text records turned into the sections with that text;
//! - [`search`]: ranked search (BM25 × section weight × coverage) → [`search::Hit`]s;
//! - [`topk`]: the best sections of a phrase query without checking every
//!   match (score bounds from term frequencies), for ranked search;
//! - [`count`]: distinct matching documents, exhaustively, for counts and benchmarks;
//! - [`bits`]: the bitsets of matching files and sections that passes merge and count;
//! - [`snippet`]: the original text around a match, with highlights.

pub mod bits;
pub mod count;
pub mod filter;
pub mod join;
pub mod search;
pub mod snippet;
pub mod syntax;
pub mod topk;

use filter::Filters;
use syntax::UserQuery;

/// Everything one search needs.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The parsed user query.
    pub query: UserQuery,
    /// Restrictions.
    pub filters: Filters,
    /// Maximum number of hits (large values list everything).
    pub limit: usize,
    /// Also match inside choice lists (＜選択肢＞), which are not ranked text.
    pub include_choices: bool,
    /// Sections a ranked search checks whatever their rank before its
    /// totals may become lower bounds ([`topk`]): [`topk::EXACT_TOTAL`]
    /// normally, `usize::MAX` for exact totals (`--exact-totals`).
    pub exact_up_to: usize,
}
