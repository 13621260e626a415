//! Stage 1, ingest: **takes** a file or directory path, **gives** the list of
//! input documents and each one's text as a Rust `String`.
//!
//! Everything that depends on how a file is stored (which files count as
//! documents, byte encodings, PDF text extraction) stays here, so the parser
//! only ever sees text.
//!
//! - [`walk`]: which files under a root are documents (and which are skipped, and why);
//! - [`decode`]: bytes in an undeclared encoding (UTF-8/16, Shift_JIS, EUC-JP) → text;
//! - [`pdftext`]: PDF → text through poppler's `pdftotext`, with indentation restored.

pub mod decode;
pub mod pdftext;
pub mod walk;
