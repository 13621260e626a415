//! Oracle property test: for random substrings of random sections and their
//! variants (line breaks inserted, width changed, ー dropped), the engine's
//! hits equal a brute-force scan with the normative definition
//! (`norm(query)` is a substring of `norm(section text)`).

mod common;

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use unicode_normalization::UnicodeNormalization;

use pia_search::model::Section;
use pia_search::query::filter::Filters;
use pia_search::query::search;
use pia_search::query::syntax::UserQuery;
use pia_search::query::SearchRequest;

/// The normative definition written out independently of `normalize.rs`.
fn norm(s: &str) -> String {
    let nfkc: String = s.nfkc().map(|c| if c == '〇' { '○' } else { c }).collect();
    let tags = regex::Regex::new(
        r"(?i)</?(p|ul|ol|li|table|tr|td|th|div|span|input|br|b|i|u|strong|em|font|thead|tbody)(\s[^<>]*)?/?>",
    )
    .unwrap();
    let no_tags = tags.replace_all(&nfkc, "");
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in no_tags.chars().filter(|c| !c.is_whitespace()) {
        let kata =
            |p: char| matches!(p as u32, 0x30A1..=0x30FA | 0x30FD..=0x30FF | 0x31F0..=0x31FF);
        if c == 'ー' && prev.is_some_and(kata) {
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// Every (file, ordinal) whose section text contains `q` by the definition.
fn brute_force(sections: &[(String, u64, String)], q: &str) -> BTreeSet<(String, u64)> {
    sections
        .iter()
        .filter(|(_, _, body)| body.contains(q))
        .map(|(f, o, _)| (f.clone(), *o))
        .collect()
}

fn engine(q: &str) -> BTreeSet<(String, u64)> {
    engine_query(UserQuery::phrase(q))
}

fn engine_query(query: UserQuery) -> BTreeSet<(String, u64)> {
    let req = SearchRequest {
        query,
        filters: Filters::default(),
        limit: 1_000_000,
        include_choices: false,
        exact_up_to: pia_search::query::topk::EXACT_TOTAL,
    };
    search::search(common::store(), &req)
        .expect("search")
        .hits
        .into_iter()
        .map(|h| (h.location.file, h.ordinal))
        .collect()
}

/// Sections of the corpus as the parser produces them, with normalised text.
fn sections() -> Vec<(String, u64, String, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(common::corpus()).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let doc = pia_search::parse::parse_document(&text);
        for (i, Section { body, .. }) in doc.sections.into_iter().enumerate() {
            out.push((name.clone(), i as u64, norm(&body), body));
        }
    }
    out
}

/// Every section as (file, ordinal, normalised text), and those whose
/// text has two characters or more: where queries are cut from.
type Indexed = Vec<(String, u64, String)>;

fn indexed_and_candidates() -> (Indexed, Vec<(String, u64, String, String)>) {
    let all = sections();
    let indexed = all
        .iter()
        .map(|(f, o, n, _)| (f.clone(), *o, n.clone()))
        .collect();
    let candidates = all
        .into_iter()
        .filter(|s| s.2.chars().count() >= 2)
        .collect();
    (indexed, candidates)
}

/// A proptest runner of `cases` cases that keeps no failure file (the
/// corpus, not a seed file, is what the cases are drawn from).
fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// Full-width form of ASCII, the way PDFs print digits and letters.
fn widen(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[test]
fn normative_definitions_agree() {
    for (_, _, n, body) in sections() {
        assert_eq!(pia_search::normalize::fold(&body), n);
    }
}

#[test]
fn engine_hits_equal_brute_force_for_random_substrings() {
    let (indexed, candidates) = indexed_and_candidates();
    assert!(
        candidates.len() > 50,
        "sections with text: {}",
        candidates.len()
    );

    let mut runner = runner(400);
    let strategy = (
        0..candidates.len(),
        any::<prop::sample::Index>(),
        2usize..=20,
        0u8..4,
        any::<prop::sample::Index>(),
    );
    runner
        .run(&strategy, |(si, start, len, variant, cut)| {
            let chars: Vec<char> = candidates[si].2.chars().collect();
            let len = len.min(chars.len());
            let from = start.index(chars.len() - len + 1);
            let sub: String = chars[from..from + len].iter().collect();
            let query = match variant {
                0 => sub.clone(),
                1 => {
                    // a line break and indentation inside the phrase
                    let k = cut.index(len);
                    let mut v: String = chars[from..from + k].iter().collect();
                    v.push_str("\n\u{3000} ");
                    v.extend(&chars[from + k..from + len]);
                    v
                }
                2 => widen(&sub),
                _ => sub.replace('ー', ""),
            };
            let q = norm(&query);
            prop_assume!(!q.is_empty());
            let expected = brute_force(&indexed, &q);
            let got = engine(&query);
            prop_assert_eq!(&got, &expected, "query {:?} (norm {:?})", query, q);
            Ok(())
        })
        .unwrap();
}

/// `"a" OR "b" "c"`: the sections holding a or b, and c; the engine's hits
/// equal the brute-force sets combined the same way.
#[test]
fn alternatives_match_the_union_of_their_parts() {
    let (indexed, candidates) = indexed_and_candidates();
    let mut runner = runner(150);
    let pick = (
        0..candidates.len(),
        any::<prop::sample::Index>(),
        1usize..=8,
    );
    runner
        .run(
            &(pick.clone(), pick.clone(), pick, any::<bool>()),
            |(a, b, c, with_c)| {
                let sub = |(si, start, len): (usize, prop::sample::Index, usize)| -> String {
                    let chars: Vec<char> = candidates[si].2.chars().collect();
                    let len = len.min(chars.len());
                    let from = start.index(chars.len() - len + 1);
                    chars[from..from + len].iter().collect()
                };
                let (a, b, c) = (sub(a), sub(b), sub(c));
                let quotes = ['"', '“', '”', '＂', '「', '」'];
                prop_assume!([&a, &b, &c].iter().all(|p| !p.contains(quotes)));
                let mut input = format!("\"{a}\" OR \"{b}\"");
                let mut expected: BTreeSet<(String, u64)> = brute_force(&indexed, &a)
                    .union(&brute_force(&indexed, &b))
                    .cloned()
                    .collect();
                if with_c {
                    input.push_str(&format!(" \"{c}\""));
                    let in_c = brute_force(&indexed, &c);
                    expected.retain(|s| in_c.contains(s));
                }
                let query = UserQuery::parse(&input).expect("a valid query");
                prop_assert_eq!(query.any.len(), 1);
                let got = engine_query(query);
                prop_assert_eq!(&got, &expected, "query {:?}", input);
                Ok(())
            },
        )
        .unwrap();
}
