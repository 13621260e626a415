//! Whole-file oracle (issue 10): parsing never loses text. For the seeds and
//! for documents generated from them (`../shared/bench/gen_corpus.py`), every
//! normalised run of characters of the file (whitespace-separated, blank and
//! page-break lines ignored) occurs in the normalised body, value or choices
//! of some section, so everything printed stays searchable — placeholder
//! headings (`システム2～5`) and text that could not be placed included.
//! The generated documents also keep their form, city and prefecture.

use std::path::{Path, PathBuf};
use std::process::Command;

use pia_search::model::ParsedDoc;
use pia_search::normalize::fold;
use pia_search::parse::ordered::strip_html;
use pia_search::parse::parse_document;

/// Runs of the file that no section holds (at most a few, for the message).
fn lost_runs(text: &str, doc: &ParsedDoc) -> Vec<String> {
    // One haystack, sections separated by a character fold never yields.
    let have: String = doc
        .sections
        .iter()
        .map(|s| {
            fold(&format!(
                "{}\n{}\n{}",
                s.body,
                s.value.as_deref().unwrap_or(""),
                s.choices
            ))
        })
        .collect::<Vec<_>>()
        .join("\u{1}");
    let mut lost = Vec::new();
    for line in text.lines() {
        // Markup of table exports is not text (`<p>`, `<input …>` → boxes).
        let clean = strip_html(line);
        for run in clean.split_whitespace() {
            let f = fold(run);
            if f.is_empty() || have.contains(&f) {
                continue;
            }
            lost.push(run.chars().take(40).collect());
        }
    }
    lost
}

fn seeds() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("corpus")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    v.sort();
    v
}

#[test]
fn seeds_lose_no_text() {
    let files = seeds();
    assert!(files.len() >= 4);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lost = lost_runs(&text, &parse_document(&text));
        assert!(
            lost.is_empty(),
            "{}: lost {:?}",
            f.display(),
            &lost[..lost.len().min(5)]
        );
    }
}

/// 40 documents of `gen_corpus.py --seed 7` (skipped when python3 or the
/// generator is not available).
#[test]
fn generated_documents_lose_no_text_and_keep_their_metadata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let gen = root.join("../shared/bench/gen_corpus.py");
    if !gen.exists() {
        eprintln!("skipped: {} not found", gen.display());
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let run = Command::new("python3")
        .arg(&gen)
        .args(["--seed", "7", "--docs", "40", "--out"])
        .arg(out.path())
        .arg("--seeds")
        .arg(root.join("corpus"))
        .output();
    let Ok(run) = run else {
        eprintln!("skipped: python3 not available");
        return;
    };
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let manifest = std::fs::read_to_string(out.path().join("manifest.tsv")).unwrap();
    let mut n = 0;
    for line in manifest.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let (file, city, pref, form) = (c[0], c[1], c[2], c[4]);
        let text = std::fs::read_to_string(out.path().join(file)).unwrap();
        let doc = parse_document(&text);
        let lost = lost_runs(&text, &doc);
        assert!(
            lost.is_empty(),
            "{file}: lost {:?}",
            &lost[..lost.len().min(5)]
        );
        let m = &doc.meta;
        assert!(
            form.contains(m.form.name().trim_end_matches("評価書")),
            "{file}: form {} vs {form}",
            m.form
        );
        assert_eq!(
            m.municipality.as_ref().map(|x| x.0.as_str()),
            Some(city),
            "{file}"
        );
        assert_eq!(
            m.prefecture.as_ref().map(|x| x.0.as_str()),
            Some(pref),
            "{file}"
        );
        n += 1;
    }
    assert_eq!(n, 40);
}
