//! Text analysis for the index: a lindera (IPADIC) word tokenizer whose terms
//! feed BM25 ranking, and a character-bigram tokenizer whose positions give
//! exact substring recall however the query happens to be segmented.
//!
//! Both run on text already passed through [`crate::normalize`], so the index
//! holds one spelling of サーバー/サーバ, full-width/half-width and wrapped lines.

use std::borrow::Cow;
use std::sync::OnceLock;

use lindera::dictionary::Dictionary;
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

lindera_dictionary::embedded_dictionary!("/lindera-ipadic", IpadicLoader);

/// Name under which the word tokenizer is registered in tantivy.
pub const JA: &str = "pia_ja";
/// Name under which the bigram tokenizer is registered in tantivy.
pub const BIGRAM: &str = "pia_bigram";

/// The embedded IPADIC dictionary, loaded once per process (about 1–2 ms).
fn dictionary() -> &'static Dictionary {
    static DICT: OnceLock<Dictionary> = OnceLock::new();
    DICT.get_or_init(|| load().expect("the embedded IPADIC dictionary is built by build.rs"))
}

/// A lindera segmenter over the embedded dictionary.
pub fn segmenter() -> Segmenter {
    Segmenter::new(Mode::Normal, dictionary().clone(), None)
}

/// Registers both tokenizers with an index, which must be done on every open.
pub fn register(index: &tantivy::Index) {
    let m = index.tokenizers();
    m.register(JA, TextAnalyzer::builder(JapaneseTokenizer::new()).build());
    m.register(BIGRAM, TextAnalyzer::builder(BigramTokenizer).build());
}

/// Word-level terms of normalised text, as the index sees them (for queries).
pub fn words(normalized: &str) -> Vec<String> {
    let mut tok = JapaneseTokenizer::new();
    let mut stream = tok.token_stream(normalized);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// True for tokens worth ranking on: not punctuation or symbols alone.
fn is_word(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

/// tantivy tokenizer around lindera's segmenter.
#[derive(Clone)]
pub struct JapaneseTokenizer {
    segmenter: Segmenter,
}

impl JapaneseTokenizer {
    /// A tokenizer over the embedded dictionary.
    pub fn new() -> Self {
        JapaneseTokenizer {
            segmenter: segmenter(),
        }
    }
}

impl Default for JapaneseTokenizer {
    fn default() -> Self {
        Self::new()
    }
}

/// Tokens of one text, materialised (lindera segments whole strings).
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for JapaneseTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut tokens = Vec::new();
        // lindera reports byte offsets into its input, which is what tantivy wants.
        if let Ok(segs) = self.segmenter.segment(Cow::Borrowed(text)) {
            for t in segs {
                if !is_word(&t.surface) {
                    continue;
                }
                tokens.push(Token {
                    offset_from: t.byte_start,
                    offset_to: t.byte_end,
                    position: tokens.len(),
                    text: t.surface.to_lowercase(),
                    position_length: 1,
                });
            }
        }
        VecTokenStream { tokens, next: 0 }
    }
}

/// Emits every pair of adjacent characters at the position of its first
/// character, and the last character alone, so that a phrase of bigrams at the
/// right offsets is exactly a substring test (tantivy's own NgramTokenizer puts
/// every gram at position 0, tantivy #2471).
#[derive(Clone, Copy, Default)]
pub struct BigramTokenizer;

/// Streams bigrams of a text without allocating per token beyond the token text.
pub struct BigramStream<'a> {
    text: &'a str,
    /// Byte offset of the next gram's first char.
    at: usize,
    position: usize,
    token: Token,
}

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = BigramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> BigramStream<'a> {
        BigramStream {
            text,
            at: 0,
            position: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for BigramStream<'_> {
    fn advance(&mut self) -> bool {
        let rest = &self.text[self.at..];
        let mut it = rest.chars();
        let Some(a) = it.next() else {
            return false;
        };
        let end = match it.next() {
            Some(b) => a.len_utf8() + b.len_utf8(),
            None => a.len_utf8(),
        };
        self.token.text.clear();
        self.token.text.push_str(&rest[..end]);
        self.token.offset_from = self.at;
        self.token.offset_to = self.at + end;
        self.token.position = self.position;
        self.token.position_length = 1;
        self.position += 1;
        self.at += a.len_utf8();
        true
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The bigram terms (with their offset in chars) that pin down a substring of
/// `normalized`: non-overlapping pairs plus the final pair for odd lengths.
/// Empty for strings shorter than two chars.
pub fn phrase_bigrams(normalized: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = normalized.chars().collect();
    let n = chars.len();
    if n < 2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 <= n {
        out.push((i, chars[i..i + 2].iter().collect()));
        i += 2;
    }
    if n % 2 == 1 {
        out.push((n - 2, chars[n - 2..].iter().collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bigrams(s: &str) -> Vec<(String, usize)> {
        let mut t = BigramTokenizer;
        let mut st = t.token_stream(s);
        let mut v = Vec::new();
        while st.advance() {
            v.push((st.token().text.clone(), st.token().position));
        }
        v
    }

    #[test]
    fn bigrams_have_one_position_per_char() {
        assert_eq!(
            bigrams("中間サバ"),
            vec![
                ("中間".to_string(), 0),
                ("間サ".to_string(), 1),
                ("サバ".to_string(), 2),
                ("バ".to_string(), 3)
            ]
        );
        assert!(bigrams("").is_empty());
    }

    #[test]
    fn phrase_bigrams_cover_the_string() {
        assert_eq!(
            phrase_bigrams("abcde"),
            vec![(0, "ab".into()), (2, "cd".into()), (3, "de".into())]
        );
        assert_eq!(phrase_bigrams("ab"), vec![(0, "ab".into())]);
        assert!(phrase_bigrams("a").is_empty());
    }

    #[test]
    fn lindera_segments_japanese() {
        let w = words("特定個人情報の漏えい");
        assert!(w.contains(&"特定".to_string()), "{w:?}");
        assert!(!w.iter().any(|t| t == "、"));
    }
}
