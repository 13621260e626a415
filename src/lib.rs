//! pia-search: full-text search over Japanese 特定個人情報保護評価書 (My Number
//! Act privacy impact assessments), section by section.
//!
//! The data flows through one folder per stage, each taking what the previous
//! one gives:
//!
//! | stage | takes | gives |
//! |---|---|---|
//! | [`ingest`] | a path | document texts (walk, decode, PDF text) |
//! | [`parse`] | one text | sections of the official form + cover metadata |
//! | [`index`] | parsed documents | the tantivy index (analysis, schema, store, indexer) |
//! | [`query`] | a user query + filters | ranked hits, counts, snippets |
//! | [`reports`] | the index | contractors, cross-city compare, gold evaluation |
//! | [`present`] | results | text for people, JSON lines for programs, HTML |
//! | [`serve`] | HTTP requests | the same library calls as web pages and a JSON API |
//!
//! Two modules are shared vocabulary rather than stages: [`model`] (the types
//! every stage passes on: [`model::SectionPath`], [`model::Location`], …) and
//! [`normalize`] (the one definition of "the same text" that the parser, the
//! index and the query side must agree on).

pub mod index;
pub mod ingest;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod present;
pub mod query;
pub mod reports;
pub mod serve;

pub mod alloc;

/// mimalloc for the commands that ingest, the system allocator for the
/// rest: see [`alloc`].
#[global_allocator]
static GLOBAL: alloc::PerCommand = alloc::PerCommand;
