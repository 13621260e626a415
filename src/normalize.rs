//! The one normalisation every stage agrees on, so that a phrase typed by a user
//! matches the text however the PDF extractor wrapped, widened or spelled it.
//!
//! Normative definition (the oracle tests check the engine against it):
//! `norm = NFKC → Roman numerals to Latin (NFKC already does it) → 〇 to ○ →
//! HTML markup of table exports removed → all whitespace removed → ー after
//! katakana removed`. A phrase matches a section iff `norm(query)` is a
//! substring of `norm(section text)`.
//!
//! [`normalize`] also keeps, for every output character, the byte range of the
//! original text it came from, so snippets and highlights point at what the
//! document really prints (tantivy has no character-filter stage, tantivy #409).

use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::UnicodeNormalization;

/// Normalised text plus, for each of its characters, the original byte range.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// `origin[i]` = byte range in the original of the i-th char of `text`.
    pub origin: Vec<(u32, u32)>,
    /// `char_at_byte[b]` lookup: byte offset in `text` of each char, for slicing.
    pub byte_of_char: Vec<u32>,
}

impl Normalized {
    /// Number of characters in the normalised text.
    pub fn char_len(&self) -> usize {
        self.origin.len()
    }

    /// Original byte range covered by normalised chars `[from, to)`.
    pub fn original_range(&self, from: usize, to: usize) -> Option<(usize, usize)> {
        if from >= to || to > self.origin.len() {
            return None;
        }
        Some((self.origin[from].0 as usize, self.origin[to - 1].1 as usize))
    }

    /// Char index of the char that starts at byte `b` of `text`.
    pub fn char_index_of_byte(&self, b: usize) -> usize {
        self.byte_of_char.partition_point(|&x| (x as usize) < b)
    }

    /// All char-index ranges where `needle` (already normalised) occurs, overlapping.
    pub fn find_all(&self, needle: &str) -> Vec<(usize, usize)> {
        let n = needle.chars().count();
        if n == 0 {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut start = 0;
        while let Some(pos) = self.text[start..].find(needle) {
            let b = start + pos;
            let ci = self.char_index_of_byte(b);
            out.push((ci, ci + n));
            // advance by one char to allow overlapping matches
            start = b + self.text[b..].chars().next().map_or(1, char::len_utf8);
        }
        out
    }
}

/// Tags of table exports that carry no text (everything else in `<…>`, such as
/// `<選択肢>`, is part of the document and stays).
const HTML_TAGS: &[&str] = &[
    "p", "ul", "ol", "li", "table", "tr", "td", "th", "div", "span", "input", "br", "b", "i", "u",
    "strong", "em", "font", "thead", "tbody",
];

/// An ASCII or full-width digit: extracted text prints numbers either way,
/// and the parser reads them alike before folding.
pub fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// True for a katakana letter (not the middle dot ・), the context in which the
/// prolonged sound mark ー is folded away.
fn is_katakana(c: char) -> bool {
    matches!(c as u32, 0x30A1..=0x30FA | 0x30FD..=0x30FF | 0x31F0..=0x31FF)
}

/// Normalised text only (no offset map): for queries, labels and comparisons.
///
/// The parser folds every line several times, so this skips the offset maps
/// of [`normalize`] and streams the characters straight out; only text with
/// markup (`<`, which needs lookahead) takes the full path.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, |_| false, &mut out);
    out
}

/// [`fold`] appended to `out`, except that each character `verbatim` picks
/// is copied as it is, and the text on either side of it is folded as if
/// apart: the parser's labels keep circled numbers, which NFKC would turn
/// into digits. One pass, without cutting the text into pieces.
pub fn fold_into(s: &str, verbatim: impl Fn(char) -> bool, out: &mut String) {
    let start = out.len();
    let mut prev: Option<char> = None;
    let mut markup = false;
    // Stage 2 for one character out of stage 1; `tag` says whether a `<`
    // may open a tag (then the text takes the general path).
    let put = |c: char, tag: bool, out: &mut String, prev: &mut Option<char>, markup: &mut bool| {
        if verbatim(c) {
            out.push(c);
            *prev = None;
        } else if c == '<' && tag {
            *markup = true;
        } else if keeps(c, *prev) {
            out.push(c);
            *prev = Some(c);
        }
    };
    let mut i = 0;
    while i < s.len() {
        let run = plain_run(&s[i..], &verbatim);
        if run > 0 {
            // Runs of characters that fold to themselves go out as one slice
            // (most of any text: kanji, kana, ASCII words).
            out.push_str(&s[i..i + run]);
            prev = s[..i + run].chars().next_back();
            i += run;
            continue;
        }
        let end = cluster_end(s, i);
        let mut cluster = s[i..end].chars();
        let (first, second) = (cluster.next(), cluster.next());
        // A `<` that the next character cannot continue into a tag name
        // (`＜選択肢＞`, in most assessments) is a plain character.
        let next_opens_tag = || may_open_tag(s[end..].chars().next());
        match (first, second) {
            // Blanks go; full-width ASCII is ASCII (NFKC), without the
            // general path's lookups.
            (Some(c), None) if c.is_whitespace() && !verbatim(c) => {}
            (Some(c @ '\u{FF01}'..='\u{FF5E}'), None) if !verbatim(c) => {
                let ascii = char::from_u32(c as u32 - 0xFEE0).unwrap_or(c);
                let tag = ascii == '<' && next_opens_tag();
                put(ascii, tag, out, &mut prev, &mut markup);
            }
            // One cluster (a character and the combining marks after it)
            // the general way.
            _ => {
                let tag = second.is_some() || next_opens_tag();
                nfkc_clusters(&s[i..end], &verbatim, |c, _, _| {
                    put(c, tag, out, &mut prev, &mut markup)
                })
            }
        }
        i = end;
    }
    if markup {
        let mut chars = Vec::with_capacity(s.len() / 2);
        nfkc_clusters(s, &verbatim, |c, _, _| chars.push(c));
        out.truncate(start);
        strip(&chars, |&c| c, |&c| out.push(c));
    }
}

/// Whether `next`, the character after a `<`, may begin a tag that
/// [`strip`] removes: anything but a blank, the end of the text, or a kanji,
/// kana or Japanese punctuation (which fold to themselves, never to the
/// ASCII a tag name or `/` needs).
pub(crate) fn may_open_tag(next: Option<char>) -> bool {
    next.is_some_and(|c| !(c.is_whitespace() || is_plain_japanese(c)))
}

/// Kanji, kana (not ー) and the punctuation of Japanese text: characters
/// that NFKC keeps and that never compose with what precedes them.
fn is_plain_japanese(c: char) -> bool {
    match c {
        'ー' => false,
        // 々〆 〈〉《》「」『』【】〒 〔〕 ゝ ・ ヽ: NFKC keeps them too.
        '\u{3005}'..='\u{3006}'
        | '\u{3008}'..='\u{3012}'
        | '\u{3014}'..='\u{3015}'
        | '\u{309D}'
        | '\u{30FB}'
        | '\u{30FD}' => true,
        _ => is_nfkc_stable(c),
    }
}

/// Length in bytes of the run at the start of `s` of characters that fold
/// to themselves whatever precedes them: printable ASCII but `<`, and the
/// kanji and kana of [`is_nfkc_stable`] but ー (dropped after katakana),
/// and the punctuation of Japanese text that NFKC keeps; none of them
/// `verbatim`, the last not followed by a combining mark.
fn plain_run(s: &str, verbatim: impl Fn(char) -> bool) -> usize {
    let mut end = 0;
    let mut last = 0;
    for c in s.chars() {
        let plain = match c {
            '!'..='~' => c != '<',
            _ => is_plain_japanese(c),
        };
        if !plain || verbatim(c) {
            if is_combining(c) {
                // The mark may compose with the run's last character.
                end = last;
            }
            break;
        }
        last = end;
        end += c.len_utf8();
    }
    end
}

/// The byte where the cluster starting at byte `i` of `s` ends: after its
/// first character and the combining marks that follow it.
fn cluster_end(s: &str, i: usize) -> usize {
    let mut chars = s[i..].char_indices();
    let mut end = i + chars.next().map_or(0, |(_, c)| c.len_utf8());
    for (j, c) in chars {
        if !is_combining(c) {
            break;
        }
        end = i + j + c.len_utf8();
    }
    end
}

/// Whether stage 2 keeps character `c` after the kept character `prev`:
/// whitespace goes, and so does ー after katakana.
fn keeps(c: char, prev: Option<char>) -> bool {
    !(c.is_whitespace() || (c == 'ー' && prev.is_some_and(is_katakana)))
}

/// Normalises `s` according to the normative definition, keeping offsets.
pub fn normalize(s: &str) -> Normalized {
    let mut chars: Vec<(char, u32, u32)> = Vec::with_capacity(s.len() / 2);
    nfkc_clusters(s, |_| false, |c, start, end| chars.push((c, start, end)));

    // Stage 2: drop HTML markup, then whitespace, then ー after katakana.
    let mut out = Normalized {
        text: String::with_capacity(s.len()),
        origin: Vec::with_capacity(chars.len()),
        byte_of_char: Vec::with_capacity(chars.len()),
    };
    strip(
        &chars,
        |c| c.0,
        |&(c, from, to)| {
            out.byte_of_char.push(out.text.len() as u32);
            out.text.push(c);
            out.origin.push((from, to));
        },
    );
    out
}

/// Stage 2 over stage 1's characters (each a `T` holding its `char`):
/// drops HTML markup, then whitespace, then ー after katakana; `kept` gets
/// each character that stays, in order.
fn strip<T>(cs: &[T], char_of: impl Fn(&T) -> char, mut kept: impl FnMut(&T)) {
    let mut prev: Option<char> = None;
    let mut i = 0;
    while i < cs.len() {
        let c = char_of(&cs[i]);
        if c == '<' {
            if let Some(len) = html_tag_len(&cs[i..], &char_of) {
                i += len;
                continue;
            }
        }
        if keeps(c, prev) {
            kept(&cs[i]);
            prev = Some(c);
        }
        i += 1;
    }
}

/// Stage 1: NFKC per cluster (a starter plus its following combining marks,
/// so that ｶﾞ composes to ガ), and 〇 to ○; `emit` gets each output character
/// with the byte range of its cluster in `s`. A `verbatim` character is
/// emitted as it is, and takes no combining mark after it.
fn nfkc_clusters(s: &str, verbatim: impl Fn(char) -> bool, mut emit: impl FnMut(char, u32, u32)) {
    let mut it = s.char_indices().peekable();
    let mut cluster = String::new();
    while let Some((start, c)) = it.next() {
        let mut end = start + c.len_utf8();
        if verbatim(c) {
            // As it is, and no combining mark after it joins it.
            emit(c, start as u32, end as u32);
            continue;
        }
        if c.is_ascii() && it.peek().is_none_or(|&(_, n)| n.is_ascii()) {
            // Fast path: ASCII is NFKC-stable and never composes with ASCII.
            emit(c, start as u32, end as u32);
            continue;
        }
        if is_nfkc_stable(c) && it.peek().is_none_or(|&(_, n)| !is_combining(n)) {
            // Fast path for most Japanese text (kanji, kana): NFKC keeps them.
            emit(c, start as u32, end as u32);
            continue;
        }
        cluster.clear();
        cluster.push(c);
        while let Some(&(i, n)) = it.peek() {
            if is_combining(n) {
                cluster.push(n);
                end = i + n.len_utf8();
                it.next();
            } else {
                break;
            }
        }
        for o in cluster.nfkc() {
            let o = if o == '\u{3007}' { '○' } else { o };
            emit(o, start as u32, end as u32);
        }
    }
}

/// Kanji, hiragana, katakana, ー and 、。: characters NFKC maps to
/// themselves when no combining mark follows (the slow path handles が+゛).
pub(crate) fn is_nfkc_stable(c: char) -> bool {
    matches!(c as u32, 0x3001..=0x3002 | 0x3041..=0x3096 | 0x30A1..=0x30FA | 0x30FC | 0x4E00..=0x9FFF)
}

/// A character that NFKC may fold into the preceding one (combining marks,
/// half-width voiced sound marks).
fn is_combining(c: char) -> bool {
    // Most text: no lookup (the stable set holds no combining mark).
    if c.is_ascii() || is_nfkc_stable(c) {
        return false;
    }
    if matches!(c, '\u{FF9E}' | '\u{FF9F}' | '\u{309B}' | '\u{309C}') {
        return true;
    }
    canonical_combining_class(c) != 0
}

/// Length in chars of an HTML tag of [`HTML_TAGS`] starting at `cs[0] == '<'`.
fn html_tag_len<T>(cs: &[T], char_of: impl Fn(&T) -> char) -> Option<usize> {
    let mut j = 1;
    if cs.get(j).map(&char_of) == Some('/') {
        j += 1;
    }
    let name_start = j;
    while j < cs.len() && char_of(&cs[j]).is_ascii_alphanumeric() {
        j += 1;
    }
    if j == name_start || j - name_start > 6 {
        return None;
    }
    let name: String = cs[name_start..j]
        .iter()
        .map(|c| char_of(c).to_ascii_lowercase())
        .collect();
    if !HTML_TAGS.contains(&name.as_str()) {
        return None;
    }
    // Attributes: anything up to '>' on a bounded stretch, no nested '<'.
    let limit = (j + 512).min(cs.len());
    while j < limit {
        match char_of(&cs[j]) {
            '>' => return Some(j + 1),
            '<' => return None,
            c if j == name_start + name.len() && !(c.is_whitespace() || c == '/') => return None,
            _ => j += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_space_and_prolonged_mark() {
        assert_eq!(fold("中間サーバー"), "中間サバ");
        assert_eq!(fold("中間サーバ"), "中間サバ");
        assert_eq!(fold("株式会社　アイネス"), "株式会社アイネス");
        assert_eq!(fold("１３５の項"), "135の項");
        assert_eq!(fold("ＩＣカード"), "ICカド");
        assert_eq!(fold("Ⅱ-1.対象人数"), "II-1.対象人数");
        assert_eq!(fold("アク\nセス権限"), "アクセス権限");
        assert_eq!(fold("ｶﾞｲﾄﾞ"), "ガイド");
        assert_eq!(fold("〇"), "○");
        // ー after a non-katakana char stays
        assert_eq!(fold("あー"), "あー");
    }

    #[test]
    fn strips_table_markup_but_not_pseudo_tags() {
        assert_eq!(fold("a<br>b<p class=\"x\">c</p>"), "abc");
        assert_eq!(fold("<選択肢>1) 十分"), "<選択肢>1)十分");
        assert_eq!(fold("<ID>"), "<ID>");
        assert_eq!(fold("a < b"), "a<b");
    }

    #[test]
    fn verbatim_characters_pass_and_the_rest_folds_around_them() {
        let circled = |c: char| ('①'..='⑳').contains(&c);
        let f = |s: &str| {
            let mut out = String::from("x");
            fold_into(s, circled, &mut out);
            out
        };
        // NFKC would make ① a 1; the text on both sides still folds,
        // markup included, and what `out` held stays.
        assert_eq!(f("①　ＩＣカード②<br>サーバー"), "x①ICカド②サバ");
        assert_eq!(fold("①"), "1");
        // ー after a verbatim character is not after katakana.
        assert_eq!(f("ア①ー"), "xア①ー");
    }

    #[test]
    fn fold_is_the_text_of_normalize() {
        // fold streams and falls back to normalize only for markup.
        for s in [
            "中間サーバー　ｶﾞｲﾄﾞ〇",
            "ア※ー、e\u{301}が\u{3099}か\u{309A}",
            "＜br＞ａ＜／ｐ＞<p>x</p>",
            "ﾃﾞｰﾀ ＩＣカード（任意）①②",
            "",
        ] {
            assert_eq!(fold(s), normalize(s).text, "{s}");
        }
    }

    use proptest::prelude::*;

    /// Pieces of text that fold in every way there is.
    const PIECES: &[&str] = &[
        "中", "間", "サ", "バ", "ー", "ア", "が", "か", "e", "1", "<", "p", ">", "/", "\u{301}",
        "\u{3099}", "\u{309A}", "ｶ", "ﾞ", "ｰ", "〇", "①", "　", " ", "\n", "、", "（", "Ａ", "br",
        "※", "ヴ", "ゝ", "ヽ", "・", "【", "】", "〒", "々", "（", "＜", "ｐ", "＞", "\t",
        "\u{a0}", "～",
    ];

    proptest! {
        /// The runs that [`fold_into`] copies whole fold as the general
        /// path folds them, whatever surrounds them: combining marks,
        /// prolonged sound marks, half-width kana, blanks, markup.
        #[test]
        fn fold_is_the_text_of_normalize_for_any_text(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..40)
        ) {
            let s = pieces.concat();
            prop_assert_eq!(fold(&s), normalize(&s).text);
        }
    }

    #[test]
    fn keeps_offsets_into_the_original() {
        let s = "中間 サー\nバー";
        let n = normalize(s);
        let hits = n.find_all(&fold("サーバー"));
        assert_eq!(hits.len(), 1);
        let (a, b) = n.original_range(hits[0].0, hits[0].1).unwrap();
        assert_eq!(&s[a..b], "サー\nバ");
    }
}
