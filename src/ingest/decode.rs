//! Bytes → text for input documents whose encoding is not declared.
//!
//! Japanese government files arrive as UTF-8 (with or without BOM), UTF-16
//! with a BOM, Shift_JIS (really CP932 / windows-31j), EUC-JP and, rarely,
//! ISO-2022-JP. [`decode`] detects which one a file is, decodes it, and
//! normalises line endings to `\n` so that later stages see one kind of text.

use encoding_rs::{Encoding, EUC_JP, ISO_2022_JP, SHIFT_JIS, UTF_16BE, UTF_16LE, UTF_8};
use thiserror::Error;

/// How many leading bytes are inspected for binary content.
const SNIFF_LEN: usize = 8 * 1024;
/// Share of control bytes (per mille) above which a file is called binary.
const MAX_CONTROL_PER_MILLE: usize = 100;
/// Share of replacement characters (per mille) tolerated in a lossy decode.
const MAX_LOSSY_PER_MILLE: usize = 10;

/// Text decoded from a file, with how it was decoded, so callers can report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The decoded text, without BOM, with every line ending as `\n`.
    pub text: String,
    /// Name of the detected encoding, e.g. `"Shift_JIS"` or `"UTF-8 (BOM)"`.
    pub encoding: &'static str,
    /// True when some bytes could not be decoded and became U+FFFD.
    pub lossy: bool,
}

/// Why a file could not be turned into text; messages are meant for users.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// The file has no content worth indexing.
    #[error("the file is empty (or contains only whitespace)")]
    Empty,
    /// The file looks like a binary (image, archive, office file …), not text.
    #[error("the file looks binary ({0}), not like a text file")]
    Binary(&'static str),
    /// No supported encoding decodes the bytes with few enough errors.
    #[error(
        "could not decode the text as UTF-8, Shift_JIS or EUC-JP: \
         {bad} of {total} characters are undecodable"
    )]
    UndecodableText {
        /// Number of characters that became U+FFFD in the best decoding.
        bad: usize,
        /// Number of characters in the best decoding.
        total: usize,
    },
}

/// Detects the encoding of `bytes` and decodes them to normalised text.
pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if bytes.is_empty() {
        return Err(DecodeError::Empty);
    }
    let candidate = match bom_candidate(bytes) {
        Some(c) => c,
        None => {
            check_binary(bytes)?;
            sniff_candidate(bytes)
        }
    };
    finish(candidate)
}

/// One possible decoding of the input, before acceptance checks.
struct Candidate {
    text: String,
    encoding: &'static str,
    bad: usize,
}

/// Decodes `bytes` with `enc` (no BOM sniffing) and counts replacement chars.
fn candidate(enc: &'static Encoding, bytes: &[u8], name: &'static str) -> Candidate {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    let bad = if had_errors {
        text.chars().filter(|&c| c == '\u{FFFD}').count()
    } else {
        0
    };
    Candidate {
        text: text.into_owned(),
        encoding: name,
        bad,
    }
}

/// Decodes files that start with a byte order mark, which is authoritative.
fn bom_candidate(bytes: &[u8]) -> Option<Candidate> {
    let (enc, bom_len) = Encoding::for_bom(bytes)?;
    let rest = &bytes[bom_len..];
    let name = if enc == UTF_8 {
        "UTF-8 (BOM)"
    } else if enc == UTF_16LE {
        "UTF-16LE (BOM)"
    } else {
        debug_assert_eq!(enc, UTF_16BE);
        "UTF-16BE (BOM)"
    };
    Some(candidate(enc, rest, name))
}

/// Rejects content with NUL bytes or many control bytes near the start.
fn check_binary(bytes: &[u8]) -> Result<(), DecodeError> {
    let head = &bytes[..bytes.len().min(SNIFF_LEN)];
    if head.contains(&0) {
        return Err(DecodeError::Binary("contains NUL bytes"));
    }
    let controls = head.iter().filter(|&&b| is_binary_control(b)).count();
    if controls * 1000 > head.len() * MAX_CONTROL_PER_MILLE {
        return Err(DecodeError::Binary("many control bytes"));
    }
    Ok(())
}

/// Control bytes that do not occur in ordinary text (ESC is allowed for ISO-2022-JP).
fn is_binary_control(b: u8) -> bool {
    (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b)) || b == 0x7f
}

/// Picks the most plausible decoding of BOM-less bytes.
fn sniff_candidate(bytes: &[u8]) -> Candidate {
    if let Ok(text) = std::str::from_utf8(bytes) {
        if looks_iso_2022_jp(bytes) {
            return candidate(ISO_2022_JP, bytes, "ISO-2022-JP");
        }
        return Candidate {
            text: text.to_owned(),
            encoding: "UTF-8",
            bad: 0,
        };
    }
    [
        candidate(UTF_8, bytes, "UTF-8"),
        candidate(SHIFT_JIS, bytes, "Shift_JIS"),
        candidate(EUC_JP, bytes, "EUC-JP"),
    ]
    .into_iter()
    .max_by_key(|c| plausibility(&c.text))
    .expect("candidate list is not empty")
}

/// True for 7-bit text that switches to JIS X 0208 with an escape sequence.
fn looks_iso_2022_jp(bytes: &[u8]) -> bool {
    bytes.windows(3).any(|w| w == b"\x1b$B" || w == b"\x1b$@")
}

/// Scores how much `text` looks like real Japanese (higher is better).
///
/// Misdecodings show up as U+FFFD, as half-width katakana (EUC-JP read as
/// Shift_JIS) or as stray C1 controls, while real text is rich in hiragana.
fn plausibility(text: &str) -> i64 {
    text.chars().map(char_score).sum()
}

/// Contribution of one character to [`plausibility`].
fn char_score(c: char) -> i64 {
    match c {
        '\u{FFFD}' => -30,
        '\u{3041}'..='\u{309F}' => 3, // hiragana
        '\u{30A0}'..='\u{30FF}' => 2, // katakana
        '\u{4E00}'..='\u{9FFF}' => 1, // CJK ideographs
        '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF5E}' => 1, // CJK punctuation, full-width forms
        '\u{FF61}'..='\u{FF9F}' => -2, // half-width katakana
        '\u{0080}'..='\u{009F}' => -10, // C1 controls
        ' '..='~' | '\n' | '\r' | '\t' => 0,
        _ => -1,
    }
}

/// Applies the acceptance rules and line-ending normalisation.
fn finish(c: Candidate) -> Result<Decoded, DecodeError> {
    if c.text.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    let total = c.text.chars().count();
    if c.bad * 1000 >= total * MAX_LOSSY_PER_MILLE {
        return Err(DecodeError::UndecodableText { bad: c.bad, total });
    }
    if has_many_controls(&c.text) {
        return Err(DecodeError::Binary("many control characters"));
    }
    Ok(Decoded {
        text: normalize_newlines(&c.text),
        encoding: c.encoding,
        lossy: c.bad > 0,
    })
}

/// Post-decode binary check; needed for UTF-16, whose raw bytes hold NULs.
fn has_many_controls(text: &str) -> bool {
    let head: Vec<char> = text.chars().take(SNIFF_LEN).collect();
    let controls = head
        .iter()
        .filter(|&&c| c == '\0' || (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0c')))
        .count();
    controls * 1000 > head.len() * MAX_CONTROL_PER_MILLE
}

/// Turns CRLF and lone CR into LF.
fn normalize_newlines(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            chars.next_if_eq(&'\n');
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SEED: &str = include_str!("../../corpus/000_db110713dcb7ac82.txt");

    fn seed_head() -> String {
        SEED.lines().take(200).collect::<Vec<_>>().join("\n")
    }

    fn encode(enc: &'static Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = enc.encode(text);
        assert!(!unmappable, "seed must be representable in {}", enc.name());
        bytes.into_owned()
    }

    #[test]
    fn plain_utf8_is_returned_unchanged() {
        let d = decode(SEED.as_bytes()).unwrap();
        assert_eq!(d.encoding, "UTF-8");
        assert!(!d.lossy);
        assert_eq!(d.text, SEED);
    }

    #[test]
    fn shift_jis_seed_round_trips() {
        let text = seed_head();
        let d = decode(&encode(SHIFT_JIS, &text)).unwrap();
        assert_eq!(d.encoding, "Shift_JIS");
        assert!(!d.lossy);
        assert_eq!(d.text, text);
    }

    #[test]
    fn euc_jp_seed_round_trips() {
        let text = seed_head();
        let d = decode(&encode(EUC_JP, &text)).unwrap();
        assert_eq!(d.encoding, "EUC-JP");
        assert!(!d.lossy);
        assert_eq!(d.text, text);
    }

    #[test]
    fn short_shift_jis_and_euc_jp_are_told_apart() {
        let text = "個人番号の取扱い";
        assert_eq!(decode(&encode(SHIFT_JIS, text)).unwrap().text, text);
        assert_eq!(decode(&encode(EUC_JP, text)).unwrap().text, text);
    }

    #[test]
    fn cp932_extensions_decode_as_shift_jis() {
        // ①, Ⅰ and 髙 exist only in the Microsoft extensions of Shift_JIS.
        let text = "①事務の名称　Ⅰ　髙橋";
        let d = decode(&encode(SHIFT_JIS, text)).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (text, "Shift_JIS"));
    }

    #[test]
    fn iso_2022_jp_is_detected() {
        let text = "特定個人情報保護評価書\n";
        let d = decode(&encode(ISO_2022_JP, text)).unwrap();
        assert_eq!((d.text.as_str(), d.encoding), (text, "ISO-2022-JP"));
    }

    #[test]
    fn utf8_bom_is_stripped_and_crlf_normalised() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice("一行目\r\n二行目\r三行目\r\n".as_bytes());
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, "UTF-8 (BOM)");
        assert_eq!(d.text, "一行目\n二行目\n三行目\n");
    }

    #[test]
    fn utf16_with_bom_decodes() {
        let text = "評価書\r\nです";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        let d = decode(&le).unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("評価書\nです", "UTF-16LE (BOM)")
        );
        let d = decode(&be).unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding),
            ("評価書\nです", "UTF-16BE (BOM)")
        );
    }

    #[test]
    fn nul_bytes_mean_binary() {
        let mut bytes = SEED.as_bytes()[..1000].to_vec();
        bytes[500] = 0;
        assert_eq!(
            decode(&bytes),
            Err(DecodeError::Binary("contains NUL bytes"))
        );
    }

    #[test]
    fn control_heavy_garbage_is_binary() {
        let bytes: Vec<u8> = (0..4000u32).map(|i| (i * 7 % 32) as u8 | 1).collect();
        assert!(matches!(decode(&bytes), Err(DecodeError::Binary(_))));
    }

    #[test]
    fn png_header_is_binary() {
        let bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10";
        assert!(matches!(decode(bytes), Err(DecodeError::Binary(_))));
    }

    #[test]
    fn empty_and_whitespace_only_are_empty() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(decode(b" \r\n\t\n"), Err(DecodeError::Empty));
        assert_eq!(decode("\u{3000}\n".as_bytes()), Err(DecodeError::Empty));
        assert_eq!(decode(b"\xEF\xBB\xBF"), Err(DecodeError::Empty));
    }

    #[test]
    fn truncated_utf8_is_lossy_utf8() {
        let text = seed_head() + "評";
        let bytes = text.as_bytes();
        // Cut inside the last (three-byte) character.
        let cut = &bytes[..bytes.len() - 1];
        let d = decode(cut).unwrap();
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.lossy);
        assert_eq!(d.text, seed_head() + "\u{FFFD}");
    }

    #[test]
    fn truncated_shift_jis_is_lossy_shift_jis() {
        let text = seed_head() + "評";
        let bytes = encode(SHIFT_JIS, &text);
        let d = decode(&bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(d.encoding, "Shift_JIS");
        assert!(d.lossy);
        assert_eq!(d.text, seed_head() + "\u{FFFD}");
    }

    #[test]
    fn mostly_invalid_text_is_undecodable() {
        // Lead bytes with no valid trail byte in any Japanese encoding.
        let bytes: Vec<u8> = b"abc "
            .iter()
            .chain([0xFF_u8; 50].iter())
            .copied()
            .collect();
        assert!(matches!(
            decode(&bytes),
            Err(DecodeError::UndecodableText { .. })
        ));
    }

    #[test]
    fn error_messages_are_readable() {
        let msg = DecodeError::UndecodableText { bad: 5, total: 10 }.to_string();
        assert!(msg.contains("5 of 10"), "{msg}");
        assert!(DecodeError::Empty.to_string().contains("empty"));
    }

    #[test]
    fn newline_normalisation() {
        assert_eq!(normalize_newlines("a\r\n\r\nb\rc\n"), "a\n\nb\nc\n");
        assert_eq!(normalize_newlines("\r"), "\n");
    }

    proptest! {
        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            if let Ok(d) = decode(&bytes) {
                prop_assert!(!d.text.contains('\r'));
                prop_assert!(!d.text.trim().is_empty());
            }
        }

        #[test]
        fn any_utf8_string_round_trips(s in "\\PC{1,200}") {
            prop_assume!(!s.trim().is_empty() && !s.contains('\r'));
            prop_assume!(!has_many_controls(&s));
            let d = decode(s.as_bytes()).unwrap();
            prop_assert_eq!(d.text, s);
        }
    }
}
