//! Text analysis for the index: a lindera (IPADIC) word tokenizer whose terms
//! feed BM25 ranking, and a character-bigram tokenizer whose positions give
//! exact substring recall however the query happens to be segmented.
//!
//! Both run on text already passed through [`crate::normalize`], so the index
//! holds one spelling of サーバー/サーバ, full-width/half-width and wrapped lines.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

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

/// Loads the dictionary now, so that a caller can do it on a thread of its
/// own while it opens the index (`pia search`: the load is about a quarter
/// of a rare query's process).
pub fn preload() {
    dictionary();
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
    /// Made on first use: registering the tokenizer with an index that is
    /// opened only to be read must not wait for the dictionary.
    segmenter: Option<Segmenter>,
}

impl JapaneseTokenizer {
    /// A tokenizer over the embedded dictionary.
    pub fn new() -> Self {
        JapaneseTokenizer { segmenter: None }
    }
}

impl Default for JapaneseTokenizer {
    fn default() -> Self {
        Self::new()
    }
}

/// Process-wide memo of a pure function of text, keyed by a 128-bit hash of
/// the text. Assessments share most of their wording (templates, boilerplate
/// risk measures), so most sections of a corpus were already normalised and
/// segmented once; the memo stops growing at `cap` units of weight so that a
/// corpus without repetition costs memory only up to that bound.
pub struct Memo<V> {
    shards: Shards<V>,
    weight: AtomicUsize,
    cap: AtomicUsize,
}

impl<V: Clone> Memo<V> {
    /// An empty memo holding at most about `cap` units of weight.
    pub fn new(cap: usize) -> Self {
        Memo {
            shards: Shards::new(),
            weight: AtomicUsize::new(0),
            cap: AtomicUsize::new(cap),
        }
    }

    /// Changes the bound; what is stored already stays.
    pub fn set_cap(&self, cap: usize) {
        self.cap.store(cap, Ordering::Relaxed);
    }

    /// The value for `text`, computed by `make` (which also returns its
    /// weight) unless a previous call stored it.
    pub fn get_or(&self, text: &str, make: impl FnOnce(&str) -> (V, usize)) -> V {
        let key = text_key(text);
        let shard = self.shards.of(key);
        if let Some(v) = shard.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return v;
        }
        let (v, w) = make(text);
        if self.weight.load(Ordering::Relaxed) + w <= self.cap.load(Ordering::Relaxed) {
            if let Ok(mut m) = shard.lock() {
                if m.insert(key, v.clone()).is_none() {
                    self.weight.fetch_add(w, Ordering::Relaxed);
                }
            }
        }
        v
    }
}

/// The hasher of maps keyed by hashes that are already uniform (a text's
/// BLAKE3 hash, [`body_hash`]): the key is used as it is (SipHash of each
/// key was a tenth of the cost of a ranked search's text lookups).
#[derive(Default)]
pub struct HashBits(u64);

impl Hasher for HashBits {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    /// The high half: [`Shards`] picks a part by the low bits, which are
    /// then alike for every key of a part.
    fn write_u128(&mut self, n: u128) {
        self.0 = (n >> 64) as u64;
    }
}

/// A map keyed by a text's hash ([`text_key`]), in 16 separately locked
/// parts so that the indexing threads seldom wait on one another.
struct Shards<V>(Vec<Mutex<KeyMap<V>>>);

/// One part of [`Shards`].
type KeyMap<V> = HashMap<u128, V, BuildHasherDefault<HashBits>>;

impl<V> Shards<V> {
    fn new() -> Self {
        Shards((0..16).map(|_| Mutex::new(KeyMap::default())).collect())
    }

    /// The part that holds `key`.
    fn of(&self, key: u128) -> &Mutex<KeyMap<V>> {
        &self.0[(key & 15) as usize]
    }
}

/// A 128-bit hash of `text`, the key of the memos and of the hand-off.
fn text_key(text: &str) -> u128 {
    let h = blake3::hash(text.as_bytes());
    u128::from_le_bytes(h.as_bytes()[..16].try_into().expect("16 bytes"))
}

/// The `body_hash` of a section whose normalised body is `norm`: the
/// first 64 bits of its BLAKE3 hash. Two different texts share one with a
/// chance of about n²/2⁶⁵ for n distinct texts: below 10⁻⁶ for the few
/// million sections of the whole country's assessments.
pub fn body_hash(norm: &str) -> u64 {
    text_key(norm) as u64
}

/// Bytes of memo entry besides its text or spans: hash map slot, `Arc`
/// header, allocator rounding.
const ENTRY_BYTES: usize = 64;

/// Bounds both memos together to about `bytes` (half each), as the indexer's
/// memory budget says; until called, 128 MiB each.
pub fn set_memo_budget(bytes: usize) {
    fold_memo().set_cap(bytes / 2);
    span_memo().set_cap(bytes / 2);
}

fn fold_memo() -> &'static Memo<Arc<str>> {
    static MEMO: OnceLock<Memo<Arc<str>>> = OnceLock::new();
    MEMO.get_or_init(|| Memo::new(128 << 20))
}

/// [`crate::normalize::fold`], memoised (weight: bytes).
pub fn fold_cached(s: &str) -> Arc<str> {
    fold_memo().get_or(s, |s| {
        let n: Arc<str> = crate::normalize::fold(s).into();
        let w = n.len() + ENTRY_BYTES;
        (n, w)
    })
}

/// A word token as a byte range of the segmented text; the high bit of `to`
/// says that the surface has upper-case letters to lower.
type Span = (u32, u32);
const LOWER: u32 = 1 << 31;

/// Word spans of a text: lindera segmentation, minus tokens that are not words.
fn word_spans(segmenter: &Segmenter, text: &str) -> Arc<[Span]> {
    let mut v = Vec::new();
    if let Ok(segs) = segmenter.segment(Cow::Borrowed(text)) {
        for t in segs {
            if !is_word(&t.surface) {
                continue;
            }
            let lower = t.surface.to_lowercase() != t.surface;
            v.push((
                t.byte_start as u32,
                t.byte_end as u32 | if lower { LOWER } else { 0 },
            ));
        }
    }
    v.into()
}

/// Word spans of a whole text: segmented piece by piece ([`piece_ends`]:
/// sentences, clauses, bracketed cells), each piece memoised. Pieces recur
/// across assessments far more than whole sections do (a section differs
/// as soon as one sentence names the city): on the 100 MiB bench corpus
/// lindera reads 10.7 MB instead of the 25 MB it read cut at `。` only, and
/// a one-thread ingest takes 8.1–8.4 s instead of 9.2–11.0. lindera ends a
/// word at each cut anyway, but for 11 of the seeds' 61 551 words; the word
/// field only ranks, so this cannot change what matches.
fn text_spans(segmenter: &Segmenter, text: &str) -> Arc<[Span]> {
    let memo = span_memo();
    let spans_of = |t: &str| {
        memo.get_or(t, |t| {
            let s = word_spans(segmenter, t);
            let n = s.len() * std::mem::size_of::<Span>() + ENTRY_BYTES;
            (s, n)
        })
    };
    let mut cuts = piece_ends(text).peekable();
    if cuts.peek().is_none_or(|&c| c == text.len()) {
        return spans_of(text);
    }
    let mut out: Vec<Span> = Vec::new();
    let mut start = 0;
    for end in cuts.chain(std::iter::once(text.len())) {
        if end > start {
            let base = start as u32;
            out.extend(
                spans_of(&text[start..end])
                    .iter()
                    .map(|&(a, b)| (a + base, b + base)),
            );
        }
        start = end;
    }
    out.into()
}

/// Where [`text_spans`] cuts a text: after each sentence or clause end
/// and closing bracket, before each opening bracket. lindera ends a word
/// at all of them (they are symbols of their own), and a clause or a
/// bracketed cell recurs where the sentence around it does not (`（１）`,
/// `[ ○ ]`, a city's name in a sentence of boilerplate).
fn piece_ends(text: &str) -> impl Iterator<Item = usize> + '_ {
    const AFTER: &[char] = &['。', '、', '，', ']', '）', ')', '」', '』', '】'];
    const BEFORE: &[char] = &['[', '（', '(', '「', '『', '【'];
    let mut last = 0;
    text.char_indices().filter_map(move |(i, c)| {
        let cut = if AFTER.contains(&c) {
            i + c.len_utf8()
        } else if BEFORE.contains(&c) {
            i
        } else {
            return None;
        };
        (cut > last).then(|| {
            last = cut;
            cut
        })
    })
}

/// Word spans of texts seen before (weight: bytes).
fn span_memo() -> &'static Memo<Arc<[Span]>> {
    static MEMO: OnceLock<Memo<Arc<[Span]>>> = OnceLock::new();
    MEMO.get_or_init(|| Memo::new(128 << 20))
}

/// Word spans segmented ahead on the parsing threads, waiting for tantivy's
/// analysis thread to take them: lindera is the costliest part of analysis,
/// and an indexing run is only as fast as tantivy's threads. Keyed by the
/// text's hash with a count of the texts waiting, so that an entry lives
/// from [`segment_ahead`] until the writer has tokenised the text as often
/// as it was announced; spans are a pure function of the text, so a stale
/// entry can only be right.
struct Handoff {
    shards: Shards<Waiting>,
}

/// Spans of a text, and how many indexings of it are still to come.
type Waiting = (Arc<[Span]>, usize);

fn handoff() -> &'static Handoff {
    static HANDOFF: OnceLock<Handoff> = OnceLock::new();
    HANDOFF.get_or_init(|| Handoff {
        shards: Shards::new(),
    })
}

impl Handoff {
    fn put(&self, key: u128, spans: Arc<[Span]>) {
        if let Ok(mut m) = self.shards.of(key).lock() {
            m.entry(key).or_insert((spans, 0)).1 += 1;
        }
    }

    fn take(&self, key: u128) -> Option<Arc<[Span]>> {
        let mut m = self.shards.of(key).lock().ok()?;
        let (spans, waiting) = m.get_mut(&key)?;
        *waiting -= 1;
        let spans = spans.clone();
        if *waiting == 0 {
            m.remove(&key);
        }
        Some(spans)
    }

    /// Forgets one announcement of `key`, whose indexing will not happen.
    fn release(&self, key: u128) {
        let Ok(mut m) = self.shards.of(key).lock() else {
            return;
        };
        if let Some((_, waiting)) = m.get_mut(&key) {
            *waiting -= 1;
            if *waiting == 0 {
                m.remove(&key);
            }
        }
    }
}

/// Texts the word tokenizer has been given in this process: the indexer
/// compares it with the sections it handed tantivy to see how far
/// tantivy's analysis lags. Runs at once in one process share it; it only
/// steers where lindera runs, never what is indexed.
static WORD_TEXTS: AtomicU64 = AtomicU64::new(0);

/// How many texts the word tokenizer has been given so far (every section
/// indexed is one).
pub fn word_texts() -> u64 {
    WORD_TEXTS.load(Ordering::Relaxed)
}

/// Segments `text` (normalised section text for the word field) now, on the
/// calling thread, for the index writer's tokenizer to pick up when it
/// indexes the same text; every call must be followed by one indexing of
/// the text, or its spans stay in memory until the process ends.
pub fn segment_ahead(text: &str) {
    thread_local! {
        static SEGMENTER: Segmenter = segmenter();
    }
    let spans = SEGMENTER.with(|s| text_spans(s, text));
    handoff().put(text_key(text), spans);
}

/// Takes back one [`segment_ahead`] of `text` that no indexing will
/// follow: the indexer indexes a text once per batch, however many of the
/// batch's sections announced it.
pub fn release_ahead(text: &str) {
    handoff().release(text_key(text));
}

/// Word tokens of one text, produced from its (memoised) spans.
pub struct WordStream<'a> {
    text: &'a str,
    spans: Arc<[Span]>,
    next: usize,
    token: Token,
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(&(from, to)) = self.spans.get(self.next) else {
            return false;
        };
        let (from, end) = (from as usize, (to & !LOWER) as usize);
        let surface = &self.text[from..end];
        self.token.text.clear();
        if to & LOWER != 0 {
            self.token.text.push_str(&surface.to_lowercase());
        } else {
            self.token.text.push_str(surface);
        }
        self.token.offset_from = from;
        self.token.offset_to = end;
        self.token.position = self.next;
        self.token.position_length = 1;
        self.next += 1;
        true
    }
    fn token(&self) -> &Token {
        &self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Tokenizer for JapaneseTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        WORD_TEXTS.fetch_add(1, Ordering::Relaxed);
        // lindera reports byte offsets into its input, which is what tantivy wants.
        let spans = match handoff().take(text_key(text)) {
            Some(spans) => spans,
            None => text_spans(self.segmenter.get_or_insert_with(segmenter), text),
        };
        WordStream {
            text,
            spans,
            next: 0,
            token: Token::default(),
        }
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

/// The bigrams of `normalized` that [`phrase_bigrams`] leaves out (those
/// at odd offsets inside the string): not needed to pin a substring down,
/// but one of them can be much rarer than any of the cover (帳ネ in
/// 住民基本台帳ネットワークシステム), and so a better list to find
/// candidates with.
pub fn bridging_bigrams(normalized: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = normalized.chars().collect();
    let cover: Vec<usize> = phrase_bigrams(normalized).iter().map(|(o, _)| *o).collect();
    (0..chars.len().saturating_sub(1))
        .filter(|o| !cover.contains(o))
        .map(|o| (o, chars[o..o + 2].iter().collect()))
        .collect()
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
        // What the cover leaves out: the pairs across its joins.
        assert_eq!(
            bridging_bigrams("abcdef"),
            vec![(1, "bc".into()), (3, "de".into())]
        );
        assert!(bridging_bigrams("abc").is_empty());
    }

    #[test]
    fn lindera_segments_japanese() {
        let w = words("特定個人情報の漏えい");
        assert!(w.contains(&"特定".to_string()), "{w:?}");
        assert!(!w.iter().any(|t| t == "、"));
    }

    #[test]
    fn pieces_end_at_clauses_and_around_brackets() {
        let t = "本市は、[○]紙（１）を保管する。残り";
        let ends: Vec<&str> = {
            let mut at = 0;
            piece_ends(t)
                .map(|e| {
                    let p = &t[at..e];
                    at = e;
                    p
                })
                .collect()
        };
        assert_eq!(ends, ["本市は、", "[○]", "紙", "（１）", "を保管する。"]);
        assert_eq!(piece_ends("").count(), 0);
        // A text opening with a bracket is not cut before its first char.
        assert_eq!(piece_ends("（注）").collect::<Vec<_>>(), ["（注）".len()]);
    }

    /// The premise of [`piece_ends`]: lindera segments the seeds' sections
    /// cut into pieces as it does them whole, but for a handful of words
    /// whose reading the cut's context changes.
    #[test]
    fn cut_texts_keep_nearly_all_words_of_whole_ones() {
        let dir = crate::index::store::default_corpus();
        let seg = segmenter();
        let (mut words, mut changed, mut sections) = (0usize, 0usize, 0usize);
        for e in std::fs::read_dir(dir).expect("corpus/") {
            let text = std::fs::read_to_string(e.expect("entry").path()).expect("seed");
            for s in crate::parse::parse_document(&text).sections {
                let norm = crate::normalize::fold(&s.body);
                let whole = word_spans(&seg, &norm);
                let cut = text_spans(&seg, &norm);
                let whole_set: std::collections::HashSet<_> = whole.iter().collect();
                sections += 1;
                words += whole.len();
                changed += cut.iter().filter(|w| !whole_set.contains(w)).count();
            }
        }
        assert!(
            sections > 500 && words > 50_000,
            "{sections} sections, {words} words"
        );
        assert!(
            changed * 1000 <= words,
            "{changed} of {words} words differ when cut"
        );
    }
}
