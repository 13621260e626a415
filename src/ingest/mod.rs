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

use std::path::Path;

use walk::InputKind;

/// The text of one input file whose bytes were already read (the indexer
/// hashes them first): PDFs through `pdftotext`, anything else decoded. The
/// one place that picks the reader, for the indexer, `pia show` and the web
/// UI's original-text page alike.
pub fn text_of(path: &Path, kind: InputKind, bytes: &[u8]) -> anyhow::Result<String> {
    Ok(match kind {
        InputKind::Pdf => pdftext::extract_text(path)?,
        InputKind::Text => decode::decode(bytes)?.text,
    })
}
