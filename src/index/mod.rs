//! Stage 3, index: **takes** parsed documents (sections with paths, keys and
//! metadata), **gives** an on-disk tantivy index in which every section is a
//! tantivy document.
//!
//! - [`analysis`]: the lindera word tokenizer (ranking) and the per-character
//!   bigram tokenizer (exact substring recall);
//! - [`schema`]: the fields, one per section attribute;
//! - [`snapshot`]: what searches read from every segment, opened once per
//!   index snapshot (file numbering, ranking columns);
//! - [`texts`]: text records, each distinct section text of a batch indexed
//!   once, and the runs of sections that follow them;
//! - [`store`]: opening/creating the index where it lives, with our tokenizers;
//! - [`indexer`]: the parallel, incremental, crash-safe pipeline that drives
//!   ingest → parse → analysis → commit.

pub mod analysis;
pub mod indexer;
pub mod schema;
pub mod snapshot;
pub mod store;
pub mod texts;
