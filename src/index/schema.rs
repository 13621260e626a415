//! The tantivy schema: one tantivy document per section (so a hit says where
//! in the form it is), one record per source file (for incremental
//! indexing and `pia docs`), and one per distinct section text of an
//! indexing batch, which alone holds the text's terms
//! ([`crate::index::texts`]).

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, FAST, STORED,
};

use crate::index::analysis::{BIGRAM, JA};

/// Value of [`Fields::kind`] for section records.
pub const KIND_SECTION: &str = "section";
/// Value of [`Fields::kind`] for per-file records.
pub const KIND_DOC: &str = "doc";
/// Value of [`Fields::kind`] for text records ([`crate::index::texts`]).
pub const KIND_TEXT: &str = "text";

/// A section's score multiplier as the `weight` column stores it: the bits
/// of the f32 that ranking multiplies by. As an f64 column the weight took
/// seven bytes a section (11.7 MB at 1 GiB), and reading it at random was a
/// quarter of a ranked query's time; the f32's bits take 26 (weights lie in
/// 0.03–1.0, and the bits of non-negative floats order as their values).
/// Ranking sees exactly the value it saw before, so no tie moves.
pub fn weight_to_column(weight: f64) -> u64 {
    u64::from((weight.max(0.0) as f32).to_bits())
}

/// A `weight` column value as a score multiplier.
pub fn weight_from_column(value: u64) -> f32 {
    u32::try_from(value).map_or(1.0, f32::from_bits)
}

/// Handles of every field, resolved once per index open.
#[derive(Clone, Copy, Debug)]
pub struct Fields {
    /// `section`, `doc` or `text`.
    pub kind: Field,
    /// File name relative to the indexed directory.
    pub file: Field,
    /// Content hash of the source file (incremental indexing); per-file
    /// records only.
    pub hash: Field,
    /// Section path as printed (`Ⅳ リスク対策 > …`).
    pub path: Field,
    /// Section path as a facet: every ancestor is indexed, so a path prefix
    /// filter is a term lookup.
    pub facet: Field,
    /// Top-level section, the parser's most reliable level.
    pub top: Field,
    /// Canonical, form-independent key.
    pub key: Field,
    /// Original section text, for snippets.
    pub body: Field,
    /// Normalised text, lindera terms: ranking. Text records only.
    pub body_ja: Field,
    /// Normalised text, char bigrams with positions: exact substring
    /// recall. Text records only.
    pub body_ngram: Field,
    /// Choice lists and boilerplate, stored; searchable only on request.
    pub choices: Field,
    /// Choice lists as bigrams. Text records only.
    pub choices_ngram: Field,
    /// Selected choice value.
    pub value: Field,
    /// The 特定個人情報ファイル's block of a document with several
    /// ([`crate::model::Section::file`]), stored for display.
    pub block: Field,
    /// Section ordinal within its document.
    pub ordinal: Field,
    /// Score multiplier (change history ranks below current content), as
    /// [`weight_to_column`] stores it.
    pub weight: Field,
    /// Characters of the normalised body: ranking's coverage of a section
    /// by the query, read from a column instead of the stored text.
    pub body_chars: Field,
    /// A 64-bit hash of the normalised body ([`crate::index::analysis::body_hash`]),
    /// on text records only: a text recurs as a record in each indexing
    /// batch that holds it, and matches a phrase the same way in each, so
    /// a search checks the bigram positions of each text once per segment
    /// ([`crate::query::topk`]). Only text records: on every section it
    /// took 1.3 MB of a 100 MiB corpus's index, which nothing read.
    pub body_hash: Field,
    /// Municipality, normalised for filtering.
    pub municipality: Field,
    /// Prefecture, normalised for filtering.
    pub prefecture: Field,
    /// Form type name.
    pub form: Field,
    /// Affair, normalised for filtering.
    pub affair: Field,
    /// The whole [`crate::model::DocMeta`] as JSON, for display.
    pub meta: Field,
}

/// Builds the schema and its field handles.
pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    // Exact-value fields only filter (their queries never score), so they
    // need no field norms: one byte per record and field saved (1.4 MB of a
    // 100 MiB corpus's index).
    let exact = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    let string_stored = exact.clone() | STORED;
    let ja = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(JA)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let ngram = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(BIGRAM)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    b.add_text_field("kind", exact.clone());
    // FAST: counting matching documents (distinct files) reads a column, not the store.
    b.add_text_field("file", string_stored.clone() | FAST);
    // FAST: an incremental run reads every file's hash from a column, not the store.
    b.add_text_field("hash", string_stored.clone() | FAST);
    b.add_text_field("path", STORED);
    b.add_facet_field("facet", tantivy::schema::FacetOptions::default());
    b.add_text_field("top", string_stored.clone());
    b.add_text_field("key", string_stored.clone());
    b.add_text_field("body", STORED);
    // Named for what holds them: an index whose sections held these
    // fields (`body_ja`, `body_ngram`) has another schema and is rebuilt.
    b.add_text_field("text_ja", ja);
    b.add_text_field("text_ngram", ngram.clone());
    b.add_text_field("choices", STORED);
    b.add_text_field("choices_ngram", ngram);
    b.add_text_field("value", STORED);
    b.add_text_field("block", STORED);
    b.add_u64_field("ordinal", NumericOptions::default() | STORED | FAST);
    b.add_u64_field("weight", NumericOptions::default() | FAST);
    b.add_u64_field("body_chars", NumericOptions::default() | FAST);
    b.add_u64_field("body_hash", NumericOptions::default() | FAST);
    b.add_text_field("municipality", exact.clone());
    b.add_text_field("prefecture", exact.clone());
    b.add_text_field("form", exact.clone());
    b.add_text_field("affair", exact.clone());
    b.add_text_field("meta", STORED);
    let schema = b.build();
    let fields = fields_of(&schema).expect("every field was just added");
    (schema, fields)
}

/// Resolves field handles of an existing index by name.
pub fn fields_of(schema: &Schema) -> tantivy::Result<Fields> {
    let f = |name: &str| schema.get_field(name);
    Ok(Fields {
        kind: f("kind")?,
        file: f("file")?,
        hash: f("hash")?,
        path: f("path")?,
        facet: f("facet")?,
        top: f("top")?,
        key: f("key")?,
        body: f("body")?,
        body_ja: f("text_ja")?,
        body_ngram: f("text_ngram")?,
        choices: f("choices")?,
        choices_ngram: f("choices_ngram")?,
        value: f("value")?,
        block: f("block")?,
        ordinal: f("ordinal")?,
        weight: f("weight")?,
        body_chars: f("body_chars")?,
        body_hash: f("body_hash")?,
        municipality: f("municipality")?,
        prefecture: f("prefecture")?,
        form: f("form")?,
        affair: f("affair")?,
        meta: f("meta")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Ranking must see the weight it multiplied by before the column
        /// held bits, and the column's largest value must be the largest
        /// weight (a segment's bound uses it).
        #[test]
        fn weights_keep_their_value_and_order(a in 0.0f64..=1.0, b in 0.0f64..=1.0) {
            prop_assert_eq!(weight_from_column(weight_to_column(a)), a as f32);
            if a <= b {
                prop_assert!(weight_to_column(a) <= weight_to_column(b));
            }
        }
    }

    #[test]
    fn section_weights_fit_in_the_column_as_ranked() {
        for w in [0.0, 0.05 * 0.7, 0.3, 0.7, 1.0] {
            assert_eq!(weight_from_column(weight_to_column(w)), w as f32);
        }
        // Not a weight: never below zero.
        assert_eq!(weight_from_column(weight_to_column(-1.0)), 0.0);
    }
}
