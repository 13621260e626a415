//! The document model every stage shares: what the parser produces, the indexer
//! stores and the query side returns. Kept free of tantivy and lindera so the
//! parser can be built and tested on its own.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where in the official form a section sits, as the document prints it:
/// `Ⅳ リスク対策 > ７．特定個人情報の保管・消去 > …`. Users read and filter by
/// it, so it keeps the printed numbering (full-width digits, Roman numerals).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SectionPath(pub Vec<String>);

/// Separator between path components, as in gold.tsv.
pub const PATH_SEP: &str = " > ";

impl SectionPath {
    /// A path from its components.
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(parts: I) -> Self {
        SectionPath(parts.into_iter().map(Into::into).collect())
    }

    /// Parses `a > b > c`.
    pub fn parse(s: &str) -> Self {
        SectionPath(
            s.split('>')
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
        )
    }

    /// The top-level section (`Ⅳ リスク対策`, `表紙`, `変更箇所`), the level the
    /// parser is most sure of.
    pub fn top(&self) -> &str {
        self.0.first().map(String::as_str).unwrap_or("")
    }

    /// The path components.
    pub fn parts(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Display for SectionPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(PATH_SEP))
    }
}

/// The three official form types; numbering differs between them, so every
/// cross-document feature needs to know which one a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum FormType {
    /// 基礎項目評価書 (様式2).
    #[serde(rename = "基礎項目評価書")]
    Kiso,
    /// 重点項目評価書 (様式3).
    #[serde(rename = "重点項目評価書")]
    Juten,
    /// 全項目評価書 (様式4).
    #[serde(rename = "全項目評価書")]
    Zenkomoku,
    /// Not recognised: sections fall back to generic heading splitting.
    #[default]
    #[serde(rename = "不明")]
    Unknown,
}

impl FormType {
    /// The Japanese name users type in `--form`.
    pub fn name(self) -> &'static str {
        match self {
            FormType::Kiso => "基礎項目評価書",
            FormType::Juten => "重点項目評価書",
            FormType::Zenkomoku => "全項目評価書",
            FormType::Unknown => "不明",
        }
    }

    /// [`FormType::from_user`], or the message every front end gives for an
    /// unknown form (the CLI's `--form`, the web UI's `form=`).
    pub fn parse_user(s: &str) -> Result<Self, String> {
        Self::from_user(s).ok_or_else(|| format!("unknown form {s:?}: use 基礎, 重点 or 全項目"))
    }

    /// Parses a user's `--form` value: Japanese name, short name (基礎/重点/全項目)
    /// or ASCII (kiso/juten/zenkomoku).
    pub fn from_user(s: &str) -> Option<Self> {
        let s = s.trim();
        Some(match s {
            _ if s.starts_with("基礎") || s.eq_ignore_ascii_case("kiso") => FormType::Kiso,
            _ if s.starts_with("重点") || s.eq_ignore_ascii_case("juten") => FormType::Juten,
            _ if s.starts_with("全項目") || s.eq_ignore_ascii_case("zenkomoku") => {
                FormType::Zenkomoku
            }
            _ => return None,
        })
    }
}

impl fmt::Display for FormType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A municipality or other 評価実施機関 name (`伊勢原市`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Municipality(pub String);

/// A prefecture (`神奈川県`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Prefecture(pub String);

/// Form-independent identifier of a form field (`risk.storage.leak.sufficient`),
/// so that "the same item" can be addressed in every form type and version.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CanonicalKey(pub String);

/// Cover facts of one document, shown with every hit and used as filters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DocMeta {
    /// Municipality (市区町村) or other body that did the assessment.
    pub municipality: Option<Municipality>,
    /// Prefecture, printed or inferred from the municipality.
    pub prefecture: Option<Prefecture>,
    /// 事務 (affair) the assessment covers.
    pub affair: Option<String>,
    /// Form type.
    pub form: FormType,
    /// Printed form version, digits in ASCII, e.g. `令和6年10月 様式2`.
    pub form_version: Option<String>,
    /// 評価書番号.
    pub number: Option<String>,
    /// 公表日 as ISO date (YYYY-MM-DD).
    pub published: Option<String>,
    /// 評価実施機関名 as printed.
    pub agency: Option<String>,
}

/// One indexed unit: a leaf field of the form with its text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Section {
    /// Full path in the official form.
    pub path: SectionPath,
    /// Form-independent key of the field.
    pub key: CanonicalKey,
    /// The field's text as printed (value text, without choice lists).
    pub body: String,
    /// Option lists and other boilerplate of the field, searchable but kept
    /// out of ranking.
    pub choices: String,
    /// The selected value of a choice field (`十分である`, `保管している`).
    pub value: Option<String>,
    /// Why the parser put each piece of text here (`option`, `adjacent`,
    /// `unplaced` …), for `pia show --explain`: pairing values with labels on
    /// scrambled pages is inference, and users need to see how sure it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub why: Vec<String>,
    /// The 特定個人情報ファイル whose block holds the section, named as the
    /// block prints it (`(2) 本人確認情報ファイル`), in a document that
    /// repeats the form's per-file sections (Ⅱ, Ⅲ of the 重点 and 全項目
    /// forms) for two files or more. The path stays the form's, as every
    /// file's block has the same fields; this tells the blocks apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

impl Section {
    /// The section's path as people read it ([`Location::shown_path`]).
    pub fn shown_path(&self) -> String {
        shown_path(&self.path.to_string(), self.file.as_deref())
    }

    /// True if some text of the section could not be placed with
    /// confidence (it sits on the page's nearest heading instead).
    pub fn low_confidence(&self) -> bool {
        self.why.iter().any(|w| w.starts_with("unplaced"))
    }
}

/// A parsed document: its cover facts and its sections in document order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ParsedDoc {
    /// Cover facts.
    pub meta: DocMeta,
    /// Sections, in order of the official form.
    pub sections: Vec<Section>,
}

/// Where a result sits: which document, whose, which form, and where in it.
/// Search hits, compare entries and contractor entries all answer "where?"
/// the same way, so they share this one type (flattened into their JSON as
/// `file`, `municipality`, `prefecture`, `form`, `section_path`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct Location {
    /// Source file, relative to the indexed directory: the document's identity.
    pub file: String,
    /// Municipality or other body, when the parser found it.
    pub municipality: Option<String>,
    /// Prefecture, printed or inferred from the municipality.
    pub prefecture: Option<String>,
    /// Form type name (`基礎項目評価書`, …).
    pub form: String,
    /// The section path as printed, components joined with [`PATH_SEP`].
    pub section_path: String,
    /// The 特定個人情報ファイル's block of a document with several
    /// ([`Section::file`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_block: Option<String>,
}

impl Location {
    /// The section path as people read it: with the 特定個人情報ファイル's
    /// block after the top level in a document with several
    /// (`Ⅱ 特定個人情報ファイルの概要 > (2) 本人確認情報ファイル > ２．基本情報 > …`).
    /// `section_path` stays the form's, which filters and gold sets use.
    pub fn shown_path(&self) -> String {
        shown_path(&self.section_path, self.file_block.as_deref())
    }
}

/// `path` (components joined with [`PATH_SEP`]) with a file's `block`
/// after its top level, when there is one and the path goes below it.
fn shown_path(path: &str, block: Option<&str>) -> String {
    match (block, path.split_once(PATH_SEP)) {
        (Some(block), Some((top, rest))) => format!("{top}{PATH_SEP}{block}{PATH_SEP}{rest}"),
        _ => path.to_string(),
    }
}
