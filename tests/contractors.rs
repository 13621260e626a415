//! Contractors and comparisons on real documents and on a generated corpus.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use pia_search::index::indexer::{self, IndexOptions};
use pia_search::index::store::Store;
use pia_search::model::SectionPath;
use pia_search::reports::contractors::{self, Aliases, Role};
use pia_search::reports::eval::{same_prefix, seed_of};

#[test]
fn gold_contractor_rows_list_every_document_at_the_expected_field() {
    let aliases = Aliases::load(None).unwrap();
    let rows: Vec<_> = common::gold()
        .into_iter()
        .filter(|r| r.kind == "contractor")
        .collect();
    assert!(rows.len() >= 8);
    let mut failures = Vec::new();
    for r in &rows {
        let entries = contractors::lookup(common::store(), &aliases, &r.query, true).unwrap();
        let files: BTreeSet<String> = entries.iter().map(|e| seed_of(&e.location.file)).collect();
        if files != r.files {
            failures.push(format!(
                "{} {}: files {:?}, expected {:?}",
                r.id, r.query, files, r.files
            ));
        }
        for seed in &r.files {
            let want = r.expected_paths(seed);
            let ok = entries
                .iter()
                .filter(|e| seed_of(&e.location.file) == *seed)
                .any(|e| {
                    let got = SectionPath::parse(&e.location.section_path);
                    want.iter().any(|w| {
                        got.parts().len() == w.parts().len()
                            && same_prefix(&got, w, w.parts().len())
                    })
                });
            if !ok {
                failures.push(format!(
                    "{} {} in {seed}: no entry at {:?}",
                    r.id, r.query, want
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn contractor_fields_give_names_roles_and_entrusted_work() {
    let aliases = Aliases::load(None).unwrap();
    let all = contractors::field_entries(common::store(), &aliases).unwrap();
    let ines = all
        .iter()
        .find(|e| e.contractor == "株式会社アイネス")
        .expect("アイネス in 001");
    assert!(ines.location.file.starts_with("001"));
    assert!(
        ines.entrusted_work
            .as_deref()
            .unwrap_or("")
            .contains("納入通知書作成"),
        "{ines:?}"
    );
    let nec: BTreeSet<&str> = all
        .iter()
        .filter(|e| e.contractor == "日本電気株式会社")
        .map(|e| e.location.section_path.as_str())
        .collect();
    assert_eq!(nec.len(), 2, "委託事項1 and 委託事項4 of 003: {nec:?}");
    assert!(all
        .iter()
        .any(|e| e.contractor == "国民健康保険中央会" && e.role == Role::Subcontractor));
    // 基礎 documents have no contractor field.
    assert!(all
        .iter()
        .all(|e| !e.location.file.starts_with("000") && !e.location.file.starts_with("002")));
    // Aliases fold: 国保連合会 and 国保団体連合会 are one contractor.
    let summary = contractors::summarize(&all);
    let kokuho = summary
        .iter()
        .find(|s| s.contractor == "国民健康保険団体連合会")
        .unwrap();
    assert!(kokuho.printed.len() >= 2, "{kokuho:?}");
    // The list, which reads no 委託事項, is the summary of the entries.
    let listed = contractors::summary(common::store(), &aliases).unwrap();
    assert_eq!(
        serde_json::to_string(&listed).unwrap(),
        serde_json::to_string(&summary).unwrap()
    );
}

#[test]
fn compare_cli_writes_json_and_an_html_report() {
    let tmp = tempfile::tempdir().unwrap();
    let html = tmp.path().join("r.html");
    let args = [
        OsStr::new("compare"),
        OsStr::new("従業者に対する教育・啓発"),
        OsStr::new("--html"),
        html.as_os_str(),
    ];
    let lines = common::pia_json(&args, tmp.path());
    assert_eq!(lines.len(), 4, "one object per document");
    for l in &lines {
        for k in ["file", "municipality", "section_path", "text", "group"] {
            assert!(l.get(k).is_some(), "{k} missing in {l}");
        }
    }
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<table>") && page.contains("003_2bb90e44d61317a5.txt"));
}

/// The generator's manifest lists every vendor name that occurs verbatim in
/// each file: at 2,000 documents `pia contractors NAME --no-aliases` must
/// return exactly those files, and with aliases exactly the files of all the
/// vendor's spellings (a subsidiary such as NECネクサソリューションズ, whose
/// name holds the alias NEC, is not 日本電気株式会社), entry for entry the
/// same as reading every 委託先名 field.
#[test]
fn generated_corpus_contractor_lookup_equals_the_manifest() {
    const DOCS: usize = 2000;
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_corpus.py");
    assert!(
        shared.is_file(),
        "{} missing: the shared bench kit must sit beside the repository",
        shared.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let st = Command::new("python3")
        .arg(&shared)
        .args(["--seed", "11", "--docs", &DOCS.to_string(), "--out"])
        .arg(&corpus)
        .output()
        .expect("python3 runs the corpus generator");
    common::assert_success(&st);
    let store = Store::open_or_create(&tmp.path().join("idx")).unwrap();
    let opts = IndexOptions {
        progress: false,
        ..Default::default()
    };
    let r = indexer::index_dir(&store, &corpus, &opts).unwrap();
    assert_eq!(r.added, DOCS, "{:?}", r.failed);

    let manifest = std::fs::read_to_string(corpus.join("manifest.tsv")).unwrap();
    let mut truth: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in manifest.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        for v in c[9].split('|').filter(|v| !v.is_empty()) {
            truth
                .entry(v.to_string())
                .or_default()
                .insert(c[0].to_string());
        }
    }
    assert!(truth.len() >= 30, "vendors in manifest: {}", truth.len());
    let aliases = Aliases::load(None).unwrap();
    // With aliases a vendor is every manifest name with the same canonical name.
    let mut by_canonical: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (vendor, files) in &truth {
        by_canonical
            .entry(aliases.canonical(vendor))
            .or_default()
            .extend(files.iter().cloned());
    }
    let mut failures = Vec::new();
    for (vendor, files) in &truth {
        for use_aliases in [false, true] {
            let want = if use_aliases {
                &by_canonical[&aliases.canonical(vendor)]
            } else {
                files
            };
            let entries = contractors::lookup(&store, &aliases, vendor, use_aliases).unwrap();
            // Reading only the fields that hold a part of a spelling finds
            // what reading every 委託先名 field finds, roles included.
            let every =
                contractors::lookup_reading_every_field(&store, &aliases, vendor, use_aliases)
                    .unwrap();
            if format!("{entries:?}") != format!("{every:?}") {
                failures.push(format!(
                    "{vendor} (aliases {use_aliases}): the narrowed lookup differs from a scan of every field"
                ));
            }
            let got: BTreeSet<String> = entries.into_iter().map(|e| e.location.file).collect();
            if &got != want {
                let missing: Vec<_> = want.difference(&got).collect();
                let extra: Vec<_> = got.difference(want).collect();
                failures.push(format!(
                    "{vendor} (aliases {use_aliases}): missing {missing:?}, extra {extra:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A 委託先名 field may print a legal form short (`(株)`, `㈱`): a lookup
/// reads only the fields holding a part of a spelling, and that part must be
/// one that such a field still holds (not the whole `株式会社…` spelling).
#[test]
fn short_legal_forms_in_a_field_are_found_by_the_narrowed_lookup() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/003_2bb90e44d61317a5.txt");
    let text = std::fs::read_to_string(&seed).unwrap();
    let nec = "⑥委託先名\t日本電気株式会社\t";
    let shinnihon = "株式会社新日本コンピュータサービス";
    assert!(text.contains(nec) && text.contains(shinnihon));
    let text = text
        .replacen(nec, "⑥委託先名\t日本電気㈱　東京支社\t", 1)
        .replace(shinnihon, "(株)新日本コンピュータサービス");
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    std::fs::write(corpus.join("003_short_forms.txt"), text).unwrap();
    let store = Store::open_or_create(&tmp.path().join("idx")).unwrap();
    let opts = IndexOptions {
        progress: false,
        ..Default::default()
    };
    let r = indexer::index_dir(&store, &corpus, &opts).unwrap();
    assert_eq!(r.added, 1, "{:?}", r.failed);
    let aliases = Aliases::load(None).unwrap();
    for (name, fields) in [
        ("日本電気株式会社", 2),
        (shinnihon, 1),
        ("(株)新日本コンピュータサービス", 1),
    ] {
        for use_aliases in [false, true] {
            let got = contractors::lookup(&store, &aliases, name, use_aliases).unwrap();
            let in_fields = got.iter().filter(|e| e.field).count();
            assert_eq!(in_fields, fields, "{name} (aliases {use_aliases}): {got:?}");
            let every =
                contractors::lookup_reading_every_field(&store, &aliases, name, use_aliases)
                    .unwrap();
            assert_eq!(format!("{got:?}"), format!("{every:?}"));
        }
    }
}
