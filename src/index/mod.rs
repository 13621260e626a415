//! Stage 3, index: **takes** parsed documents (sections with paths, keys and
//! metadata), **gives** an on-disk tantivy index in which every section is a
//! tantivy document.
//!
//! - [`analysis`]: the lindera word tokenizer (ranking) and the per-character
//!   bigram tokenizer (exact substring recall);
//! - [`schema`]: the fields, one per section attribute;
//! - [`files`]: one numbering of the source files across segments;
//! - [`store`]: opening/creating the index where it lives, with our tokenizers;
//! - [`indexer`]: the parallel, incremental, crash-safe pipeline that drives
//!   ingest → parse → analysis → commit.

pub mod analysis;
pub mod files;
pub mod indexer;
pub mod schema;
pub mod store;
