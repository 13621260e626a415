//! Contractors (委託先, 再委託先): who handles the data, named in the 委託先名
//! fields of 重点/全項目 assessments. Users ask "every document that names X",
//! so lookups here are exhaustive scans of the index, never top-k, and names
//! are compared after folding spelling variants and known aliases.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::index::store::Store;
use crate::model::Location;
use crate::normalize::fold;
use crate::parse::form::key_has_prefix;
use crate::query::filter::any_of;
use crate::query::join::SectionsOf;
use crate::query::search::{sections_where, SectionRecord};
use crate::query::syntax::substring_query;

/// The bundled alias table (`data/contractors.tsv`).
const BUNDLED: &str = include_str!("../../data/contractors.tsv");

/// Known organisations and their aliases, by normalised name.
#[derive(Debug, Clone, Default)]
pub struct Aliases {
    /// normalised name or alias → canonical display name.
    canon: HashMap<String, String>,
    /// canonical display name → its normalised aliases (itself included).
    groups: BTreeMap<String, BTreeSet<String>>,
}

impl Aliases {
    /// The bundled table plus, if given, a user's file in the same format.
    pub fn load(extra: Option<&Path>) -> Result<Aliases> {
        let mut a = Aliases::default();
        a.add_table(BUNDLED);
        if let Some(p) = extra {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read alias file {}", p.display()))?;
            a.add_table(&text);
        }
        Ok(a)
    }

    /// Adds `canonical<TAB>alias…` lines (`#` comments).
    pub fn add_table(&mut self, text: &str) {
        for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
            let mut names = line.split('\t').map(str::trim).filter(|n| !n.is_empty());
            let Some(canonical) = names.next() else {
                continue;
            };
            let canonical = canonical.to_string();
            for n in std::iter::once(canonical.as_str()).chain(names) {
                let key = normalize_name(n);
                self.canon.insert(key.clone(), canonical.clone());
                self.groups
                    .entry(canonical.clone())
                    .or_default()
                    .insert(key);
            }
        }
    }

    /// The canonical display name of `name` (itself, normalised, if unknown).
    pub fn canonical(&self, name: &str) -> String {
        let n = normalize_name(name);
        self.canon.get(&n).cloned().unwrap_or(n)
    }

    /// Normalised spellings that mean `canonical` (at least itself).
    pub fn spellings(&self, canonical: &str) -> BTreeSet<String> {
        self.groups
            .get(canonical)
            .cloned()
            .unwrap_or_else(|| BTreeSet::from([normalize_name(canonical)]))
    }

    /// Every known normalised name (to tell a name from a longer one holding it).
    fn known(&self) -> impl Iterator<Item = &String> {
        self.canon.keys()
    }
}

/// Folds a company name: width, blanks, and `(株)`/`㈱` = `株式会社`.
pub fn normalize_name(name: &str) -> String {
    let mut n = fold(name);
    for (short, long) in SHORT_FORMS {
        n = n.replace(&format!("({short})"), long);
    }
    n
}

/// Legal forms printed short in brackets (`(株)日立システムズ`, `富士通（株）`)
/// and what they stand for: part of the name, not a note after it.
const SHORT_FORMS: [(&str, &str); 4] = [
    ("株", "株式会社"),
    ("有", "有限会社"),
    ("一財", "一般財団法人"),
    ("一社", "一般社団法人"),
];

/// How an organisation appears in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Named in a 委託先名 field.
    Contractor,
    /// Named in a 委託先名 field as the one the contractor re-entrusts to.
    Subcontractor,
    /// Named elsewhere (prose, other fields).
    Mention,
}

/// One document naming one organisation at one place.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// Which document, and where in its form the name stands.
    #[serde(flatten)]
    pub location: Location,
    /// Canonical name.
    pub contractor: String,
    /// The name as printed.
    pub printed: String,
    /// Field or mention.
    pub role: Role,
    /// True when named in a contractor-name field (contractor or subcontractor).
    pub field: bool,
    /// The 委託事項 the contract serves (fields only).
    pub entrusted_work: Option<String>,
}

/// Canonical-key leaf of the contractor-name fields (③委託先名 / ⑥委託先名).
const CONTRACTOR_KEY: &str = "file.entrust.N.contractor";

/// Every contractor named in a contractor field, across the index, with
/// the 委託事項 each serves.
pub fn field_entries(store: &Store, aliases: &Aliases) -> Result<Vec<Entry>> {
    with_entrusted_work(store, named_in_fields(store, aliases, |_| true, None)?)
}

/// `pia contractors` and the web UI's list: every contractor named in a
/// contractor field, most documents first. The list shows no 委託事項, so
/// none is looked up: over 4 GiB, reading every 委託事項 block for its
/// title was most of the list's time and memory.
pub fn summary(store: &Store, aliases: &Aliases) -> Result<Vec<Summary>> {
    Ok(summarize(&named_in_fields(store, aliases, |_| true, None)?))
}

/// The contractor-field entries whose printed name passes `keep`, without
/// their 委託事項. `narrow`, when given, matches every field that `keep`
/// could accept, so that only those are read from the store.
fn named_in_fields(
    store: &Store,
    aliases: &Aliases,
    keep: impl Fn(&str) -> bool,
    narrow: Option<Box<dyn tantivy::query::Query>>,
) -> Result<Vec<Entry>> {
    let sections = sections_where(store, Some(&|k| key_has_prefix(k, CONTRACTOR_KEY)), narrow)?;
    let mut out = Vec::new();
    for s in &sections {
        for (printed, role) in names_in_field(&s.body, &s.label()) {
            if !keep(&printed) {
                continue;
            }
            out.push(Entry {
                location: s.location.clone(),
                contractor: aliases.canonical(&printed),
                printed,
                role,
                field: true,
                entrusted_work: None,
            });
        }
    }
    Ok(out)
}

/// `entries` with the 委託事項 each serves, looked up only for their
/// documents.
fn with_entrusted_work(store: &Store, mut entries: Vec<Entry>) -> Result<Vec<Entry>> {
    let files: BTreeSet<String> = entries.iter().map(|e| e.location.file.clone()).collect();
    let titles = block_titles(store, &files)?;
    for e in &mut entries {
        e.entrusted_work = parent_path(&e.location.section_path)
            .and_then(|p| titles.get(&(e.location.file.clone(), p)).cloned());
    }
    Ok(entries)
}

/// `(file, block path)` → title of each 委託事項N block of `files` (its
/// header text, or else its ①委託内容).
fn block_titles(
    store: &Store,
    files: &BTreeSet<String>,
) -> Result<HashMap<(String, String), String>> {
    let mut out: HashMap<(String, String), String> = HashMap::new();
    if files.is_empty() {
        return Ok(out);
    }
    let in_files = any_of(
        store.fields.file,
        files.iter().map(|f| f.as_bytes().to_vec()).collect(),
        false,
    );
    let blocks = sections_where(
        store,
        Some(&|k| key_has_prefix(k, "file.entrust.N") && k.split('.').count() <= 4),
        Some(in_files),
    )?;
    for s in blocks {
        let is_block = s.key.split('.').count() == 3;
        let text = s.value_text();
        if text.is_empty() {
            continue;
        }
        let block = if is_block {
            Some(s.location.section_path.clone())
        } else {
            parent_path(&s.location.section_path)
        };
        if let Some(b) = block {
            let slot = out.entry((s.location.file.clone(), b)).or_default();
            if is_block || slot.is_empty() {
                *slot = text;
            }
        }
    }
    Ok(out)
}

/// Where the name at the start of `text` ends: at the first of `stops`,
/// except a bracket that opens a short legal form ([`SHORT_FORMS`]).
fn name_end(text: &str, stops: &[char]) -> usize {
    let mut from = 0;
    while let Some(i) = text[from..].find(stops).map(|i| from + i) {
        let c = text[i..].chars().next().unwrap_or(' ');
        let after = &text[i + c.len_utf8()..];
        let closed_short_form = matches!(c, '(' | '（')
            .then(|| {
                SHORT_FORMS.iter().find_map(|(short, _)| {
                    let rest = after.strip_prefix(short)?;
                    let close = rest.chars().next().filter(|&b| b == ')' || b == '）')?;
                    Some(short.len() + close.len_utf8())
                })
            })
            .flatten();
        match closed_short_form {
            Some(len) => from = i + c.len_utf8() + len,
            None => return i,
        }
    }
    text.len()
}

/// `text` without the labels of other fields at its start: on a scrambled
/// page the next row's label can land before the name (`⑦再委託の有無 ※
/// 国保連合会`), and no organisation's name starts with a circled number.
fn without_leading_labels(mut text: &str) -> &str {
    while text.starts_with(|c: char| ('①'..='⑳').contains(&c)) {
        let Some(i) = text.find(char::is_whitespace) else {
            return "";
        };
        text = text[i..].trim_start_matches(|c: char| c.is_whitespace() || c == '※');
    }
    text
}

fn parent_path(path: &str) -> Option<String> {
    path.rsplit_once(" > ").map(|(p, _)| p.to_string())
}

/// Organisation names in a contractor field: the main name (up to the first
/// bracket or comma), and any `…に再委託` inside the note.
pub fn names_in_field(body: &str, label: &str) -> Vec<(String, Role)> {
    let text = body.trim();
    let text = text
        .strip_prefix(label)
        .unwrap_or(text)
        .trim()
        .trim_start_matches(|c: char| c.is_whitespace());
    let text = without_leading_labels(text);
    let mut out = Vec::new();
    let end = name_end(text, &['(', '（', '、', '，', '。', '\n', '<']);
    let main = text[..end].trim();
    // A sentence (a shifted row holding another field's text) is no name.
    let sentence = text[..name_end(text, &['(', '（'])].contains(['、', '。']);
    if !main.is_empty() && !sentence && main.chars().count() <= 60 {
        out.push((
            main.split_whitespace().collect::<Vec<_>>().join(" "),
            Role::Contractor,
        ));
    }
    let folded = fold(&text[end..]);
    let mut rest = folded.as_str();
    while let Some(pos) = rest.find("に再委託") {
        let before = &rest[..pos];
        let start = before.rfind(['、', '(', '。', ',', 'は']).map_or(0, |i| {
            i + before[i..].chars().next().map_or(1, char::len_utf8)
        });
        let name = &before[start..];
        if !name.is_empty() && name.chars().count() <= 60 {
            out.push((name.to_string(), Role::Subcontractor));
        }
        rest = &rest[pos + "に再委託".len()..];
    }
    out
}

/// Contractors with how many documents and cities name them in a field.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Canonical name.
    pub contractor: String,
    /// Documents naming it in a contractor field.
    pub documents: usize,
    /// Distinct municipalities among them.
    pub cities: usize,
    /// Spellings seen.
    pub printed: Vec<String>,
}

/// `pia contractors`: every contractor, most documents first.
pub fn summarize(entries: &[Entry]) -> Vec<Summary> {
    /// Distinct documents, cities and spellings of one contractor.
    #[derive(Default)]
    struct Seen<'a> {
        docs: BTreeSet<&'a str>,
        cities: BTreeSet<&'a str>,
        printed: BTreeSet<&'a str>,
    }
    let mut by: BTreeMap<&str, Seen> = BTreeMap::new();
    for e in entries {
        let s = by.entry(&e.contractor).or_default();
        s.docs.insert(&e.location.file);
        s.cities.insert(
            e.location
                .municipality
                .as_deref()
                .unwrap_or(&e.location.file),
        );
        s.printed.insert(&e.printed);
    }
    let mut out: Vec<Summary> = by
        .into_iter()
        .map(|(c, s)| Summary {
            contractor: c.to_string(),
            documents: s.docs.len(),
            cities: s.cities.len(),
            printed: s.printed.into_iter().map(str::to_string).collect(),
        })
        .collect();
    out.sort_by(|a, b| {
        b.documents
            .cmp(&a.documents)
            .then(a.contractor.cmp(&b.contractor))
    });
    out
}

/// `pia contractors NAME`: every field entry for the organisation, then every
/// other place any of its spellings occurs (exhaustive). With `use_aliases`
/// false only the name as given counts.
pub fn lookup(
    store: &Store,
    aliases: &Aliases,
    name: &str,
    use_aliases: bool,
) -> Result<Vec<Entry>> {
    lookup_with(store, aliases, name, use_aliases, true)
}

/// [`lookup`] reading every 委託先名 field of the index instead of those that
/// hold a part of a spelling: the reference that the narrowing is checked
/// against.
pub fn lookup_reading_every_field(
    store: &Store,
    aliases: &Aliases,
    name: &str,
    use_aliases: bool,
) -> Result<Vec<Entry>> {
    lookup_with(store, aliases, name, use_aliases, false)
}

fn lookup_with(
    store: &Store,
    aliases: &Aliases,
    name: &str,
    use_aliases: bool,
    narrow: bool,
) -> Result<Vec<Entry>> {
    let canonical = aliases.canonical(name);
    let spellings: BTreeSet<String> = if use_aliases {
        aliases.spellings(&canonical)
    } else {
        BTreeSet::from([normalize_name(name)])
    };
    let narrow = if narrow {
        holding_a_spelling(store, &spellings)
    } else {
        None
    };
    let named = named_in_fields(
        store,
        aliases,
        |printed| {
            let n = normalize_name(printed);
            use_aliases && aliases.canonical(printed) == canonical
                || spellings.iter().any(|s| names_whole(&n, s))
        },
        narrow,
    )?;
    let mut out: Vec<Entry> = with_entrusted_work(store, named)?;
    let in_fields: BTreeSet<(String, String)> = out
        .iter()
        .map(|e| (e.location.file.clone(), e.location.section_path.clone()))
        .collect();
    let longer: Vec<&String> = aliases
        .known()
        .filter(|k| {
            spellings
                .iter()
                .any(|s| k.len() > s.len() && k.contains(s.as_str()))
        })
        .filter(|k| !spellings.contains(*k))
        .collect();
    for s in mention_sections(store, &spellings)? {
        if in_fields.contains(&(s.location.file.clone(), s.location.section_path.clone())) {
            continue;
        }
        let text = fold(&s.body);
        let Some(printed) = spellings.iter().find(|sp| occurs_alone(&text, sp, &longer)) else {
            continue;
        };
        out.push(Entry {
            location: s.location.clone(),
            contractor: canonical.clone(),
            printed: printed.clone(),
            role: Role::Mention,
            field: false,
            entrusted_work: None,
        });
    }
    // Field entries first, then by place in the official order (north to
    // south, as a reader scans for a city) and file; within a file the
    // stable sort keeps document order (委託事項2 before 委託事項10), as
    // both lists above come in it.
    out.sort_by_cached_key(|e| (!e.field, super::by_place(&e.location)));
    Ok(out)
}

/// A query for the sections that hold, for some spelling, its longest part
/// between legal-form words (`日立システムズ` of `株式会社日立システムズ`):
/// every field that [`lookup`] keeps holds one, since a kept name holds a
/// spelling as a whole organisation, and only legal-form words differ
/// between a field's text and its normalised name (`(株)` is `株式会社`).
/// Reading only those fields instead of every 委託先名 field of the index
/// took a lookup over 4 GiB (44 953 documents) from 1.53 to 0.41 s. None
/// when a spelling is all legal forms (`株式会社` alone names every 株式会社).
fn holding_a_spelling(
    store: &Store,
    spellings: &BTreeSet<String>,
) -> Option<Box<dyn tantivy::query::Query>> {
    let mut parts = Vec::with_capacity(spellings.len());
    for s in spellings {
        let mut cut = s.clone();
        for l in LEGAL_FORMS {
            cut = cut.replace(l, "\u{0}");
        }
        let longest = cut
            .split('\u{0}')
            .map(str::trim)
            .max_by_key(|p| p.chars().count())
            .filter(|p| !p.is_empty())?;
        parts.push((
            tantivy::query::Occur::Should,
            SectionsOf::boxed(
                substring_query(store.fields.body_ngram, longest),
                store.fields.kind,
            ),
        ));
    }
    (!parts.is_empty()).then(|| Box::new(tantivy::query::BooleanQuery::new(parts)) as _)
}

/// Sections whose normalised text contains any of the spellings.
fn mention_sections(store: &Store, spellings: &BTreeSet<String>) -> Result<Vec<SectionRecord>> {
    let f = store.fields;
    let q = tantivy::query::BooleanQuery::new(
        spellings
            .iter()
            .map(|s| {
                (
                    tantivy::query::Occur::Should,
                    SectionsOf::boxed(substring_query(f.body_ngram, s), f.kind),
                )
            })
            .collect(),
    );
    sections_where(store, None, Some(Box::new(q)))
}

/// True if `name` occurs in `text` at least once outside every longer known
/// name (`NEC` inside `NECネクサソリューションズ株式会社` does not count).
/// Legal-form words that bound a company name in a 委託先名 field.
const LEGAL_FORMS: [&str; 8] = [
    "株式会社",
    "有限会社",
    "合同会社",
    "一般財団法人",
    "一般社団法人",
    "公益財団法人",
    "公益社団法人",
    "独立行政法人",
];

/// True when the normalised field name `name` names `spelling` as a whole
/// organisation, not as part of a longer one: every occurrence is checked
/// for what stands around it — the start or a legal-form word before it, and
/// the end or a legal-form word after it. A spelling bounded by a legal form
/// itself needs nothing on that side: `日本電気株式会社東京支社` names
/// 日本電気株式会社, and `株式会社` alone names every 株式会社. So `NEC` is not
/// `NECネクサソリューションズ株式会社`, `日立` not `株式会社日立システムズ`,
/// `株式会社NTTデータ` not `株式会社NTTデータ関西`, whether or not the longer
/// name is in the alias table.
pub fn names_whole(name: &str, spelling: &str) -> bool {
    if spelling.is_empty() {
        return false;
    }
    let starts_legal = LEGAL_FORMS.iter().any(|l| spelling.starts_with(l));
    let ends_legal = LEGAL_FORMS.iter().any(|l| spelling.ends_with(l));
    name.match_indices(spelling).any(|(i, m)| {
        let (before, after) = (&name[..i], &name[i + m.len()..]);
        let left =
            before.is_empty() || starts_legal || LEGAL_FORMS.iter().any(|l| before.ends_with(l));
        let right =
            after.is_empty() || ends_legal || LEGAL_FORMS.iter().any(|l| after.starts_with(l));
        left && right
    })
}

fn occurs_alone(text: &str, name: &str, longer: &[&String]) -> bool {
    let covered: Vec<(usize, usize)> = longer
        .iter()
        .flat_map(|l| {
            text.match_indices(l.as_str())
                .map(|(i, m)| (i, i + m.len()))
        })
        .collect();
    text.match_indices(name)
        .any(|(i, m)| !covered.iter().any(|&(a, b)| a <= i && i + m.len() <= b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_match_whole_organisations_only() {
        let n = |s: &str| normalize_name(s);
        let yes = [
            ("日本電気株式会社", "日本電気株式会社"),
            ("日本電気株式会社　東京支社", "日本電気株式会社"),
            ("ＮＥＣ", "NEC"),
            ("株式会社日立システムズ", "株式会社日立システムズ"),
            ("(株)日立システムズ", "日立システムズ"),
            ("富士通株式会社", "富士通"),
            ("富士通Japan株式会社", "株式会社"),
            ("株式会社ＮＴＴデータ", "NTTデータ"),
        ];
        for (name, sp) in yes {
            assert!(names_whole(&n(name), &n(sp)), "{name} should name {sp}");
        }
        let no = [
            ("NECネクサソリューションズ株式会社", "NEC"),
            ("株式会社日立システムズ", "日立"),
            ("株式会社日立システムズ", "株式会社日立"),
            ("富士通Japan株式会社", "富士通"),
            ("富士通Japan株式会社", "富士通株式会社"),
            ("株式会社NTTデータ関西", "株式会社NTTデータ"),
            ("株式会社NTTデータ関西", "NTTデータ"),
            ("東日本電信電話株式会社", "日本電信電話株式会社"),
        ];
        for (name, sp) in no {
            assert!(!names_whole(&n(name), &n(sp)), "{name} must not name {sp}");
        }
    }

    #[test]
    fn names_fold_and_aliases_resolve() {
        let a = Aliases::load(None).unwrap();
        assert_eq!(a.canonical("株式会社　アイネス"), "株式会社アイネス");
        assert_eq!(a.canonical("㈱アイネス"), "株式会社アイネス");
        assert_eq!(a.canonical("国保連合会"), "国民健康保険団体連合会");
        assert_eq!(a.canonical("国保団体連合会"), "国民健康保険団体連合会");
        assert_eq!(a.canonical("支払基金"), "社会保険診療報酬支払基金");
        assert_eq!(a.canonical("ＮＥＣ"), "日本電気株式会社");
        assert_eq!(a.canonical("国保中央会"), "国民健康保険中央会");
    }

    #[test]
    fn field_values_give_contractor_and_subcontractor() {
        let v = names_in_field(
            "⑥委託先名\t国保連合会 (国保連合会は、国保中央会に再委託する)",
            "⑥委託先名",
        );
        assert_eq!(
            v,
            vec![
                ("国保連合会".to_string(), Role::Contractor),
                ("国保中央会".to_string(), Role::Subcontractor)
            ]
        );
        let v = names_in_field("③委託先名\n株式会社　アイネス", "③委託先名");
        assert_eq!(v, vec![("株式会社 アイネス".to_string(), Role::Contractor)]);
    }

    #[test]
    fn a_short_legal_form_in_brackets_is_part_of_the_name() {
        let main = |body: &str| {
            names_in_field(body, "⑥委託先名")
                .first()
                .map(|n| n.0.clone())
        };
        for (body, name) in [
            (
                "⑥委託先名\t(株)新日本コンピュータサービス",
                "(株)新日本コンピュータサービス",
            ),
            ("⑥委託先名 富士通（株） （東京支社）", "富士通（株）"),
            (
                "⑥委託先名 （一財）地方自治情報センター",
                "（一財）地方自治情報センター",
            ),
            // Any other bracket still ends the name.
            ("⑥委託先名 国保連合会（予定）", "国保連合会"),
        ] {
            assert_eq!(main(body).as_deref(), Some(name), "{body}");
        }
        assert_eq!(normalize_name("富士通（株）"), "富士通株式会社");
    }

    #[test]
    fn another_fields_label_before_the_name_is_skipped() {
        let v = names_in_field("⑥委託先名 ⑦再委託の有無 ※ 国保連合会", "⑥委託先名");
        assert_eq!(v, vec![("国保連合会".to_string(), Role::Contractor)]);
        assert!(names_in_field("⑥委託先名 ⑦再委託の有無", "⑥委託先名").is_empty());
    }

    #[test]
    fn a_name_inside_a_longer_known_name_is_not_a_mention() {
        let longer = "NECネクサソリューションズ株式会社".to_string();
        assert!(!occurs_alone(
            "NECネクサソリューションズ株式会社に委託",
            "NEC",
            &[&longer]
        ));
        assert!(occurs_alone("NECに委託", "NEC", &[&longer]));
    }
}
