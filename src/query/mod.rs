//! Stage 4, query: **takes** what the user typed (a query string, filters,
//! options) and the index, **gives** ranked hits with section paths and
//! snippets, or exact counts of matching documents.
//!
//! - [`syntax`]: the user's query string → phrases of bigrams and lindera words;
//! - [`filter`]: `--section` / `--city` / `--prefecture` / `--form` / `--affair`
//!   restrictions as tantivy sub-queries;
//! - [`search`]: ranked search (BM25 × section weight × coverage) → [`search::Hit`]s;
//! - [`count`]: distinct matching documents, exhaustively, for counts and benchmarks;
//! - [`snippet`]: the original text around a match, with highlights.

pub mod count;
pub mod filter;
pub mod search;
pub mod snippet;
pub mod syntax;

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
}
