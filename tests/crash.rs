//! Crash safety and concurrency of `pia index`: a killed run leaves the last
//! commit intact and a re-run finishes the job; readers see whole commits; a
//! second writer is told clearly that the index is busy (issue 7).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

use pia_search::index::indexer::IndexOptions;
use pia_search::index::store::Store;

fn pia() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pia"));
    c.env("NO_COLOR", "1");
    c
}

fn run(args: &[&str]) -> Output {
    pia().args(args).output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A generated corpus of 600 documents (about 60 MB, several seconds to
/// index), made once per test binary; `None` (test skipped) without python3
/// or the generator.
fn big_corpus() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let gen = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench/gen_corpus.py");
        if !gen.is_file() {
            eprintln!("SKIPPED: {} not found", gen.display());
            return None;
        }
        let out = tempfile::tempdir().unwrap().keep().join("corpus");
        let status = Command::new("python3")
            .arg(&gen)
            .args(["--seed", "3", "--docs", "600", "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match status {
            Ok(st) if st.success() => Some(out),
            Ok(st) => panic!("gen_corpus.py failed: {st}"),
            Err(e) => {
                eprintln!("SKIPPED: python3 not available ({e})");
                None
            }
        }
    })
    .as_deref()
}

/// Number of documents `pia index` takes from `dir` (not the manifest).
fn input_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            let p = e.as_ref().unwrap().path();
            matches!(p.extension().and_then(|e| e.to_str()), Some("txt"))
        })
        .count()
}

/// Documents listed by `pia docs --json`; the command must succeed.
fn doc_count(index: &Path) -> usize {
    let out = run(&["docs", "--json", "--index", s(index)]);
    assert!(out.status.success(), "pia docs: {}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().lines().count()
}

/// `pia search 中間サーバー` must succeed; returns the number of hit lines.
fn search_count(index: &Path) -> usize {
    let out = run(&[
        "search",
        "中間サーバー",
        "--json",
        "-n",
        "100000",
        "--index",
        s(index),
    ]);
    assert!(out.status.success(), "pia search: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    String::from_utf8(out.stdout).unwrap().lines().count()
}

fn spawn_index(dir: &Path, index: &Path) -> Child {
    pia()
        .args(["index", s(dir), "--index", s(index), "--threads", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn killed_index_runs_leave_a_usable_index_and_a_rerun_completes() {
    let Some(dir) = big_corpus() else { return };
    let n = input_count(dir);
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    let mut killed = 0;
    for delay in [0.2, 0.8, 2.0] {
        let mut child = spawn_index(dir, &index);
        sleep(Duration::from_secs_f64(delay));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        if !finished {
            killed += 1;
            assert_eq!(status.code(), None, "killed by a signal");
        }
        // One commit per run: the index holds nothing or everything.
        let docs = doc_count(&index);
        assert!(
            docs == 0 || docs == n,
            "after kill at {delay} s: {docs} docs"
        );
        let hits = search_count(&index);
        assert_eq!(hits == 0, docs == 0, "after kill at {delay} s: {hits} hits");
    }
    assert!(
        killed > 0,
        "no run was interrupted: the corpus indexes too fast"
    );
    let out = run(&["index", s(dir), "--index", s(&index), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["added"].as_u64().unwrap() as usize, n, "{v}");
    assert_eq!(doc_count(&index), n);
    assert!(search_count(&index) > n / 2);
    // Killed runs leave no stale lock: a second run is a clean no-op.
    let out = run(&["index", s(dir), "--index", s(&index), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["unchanged"].as_u64().unwrap() as usize, n, "{v}");
}

#[test]
fn searches_during_indexing_see_the_previous_commit() {
    let Some(dir) = big_corpus() else { return };
    let n = input_count(dir);
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let out = run(&["index", s(&corpus), "--index", s(&index)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let before = (doc_count(&index), search_count(&index));
    assert_eq!(before.0, 4);

    let mut child = spawn_index(dir, &index);
    let mut seen = Vec::new();
    let start = Instant::now();
    loop {
        let running = child.try_wait().unwrap().is_none();
        // Two commands: the commit may land between them, so each is
        // checked on its own against the old and the new commit.
        seen.push((running, doc_count(&index), search_count(&index)));
        if !running {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(300), "indexing hangs");
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let after = (doc_count(&index), search_count(&index));
    assert_eq!(after.0, n);
    assert_ne!(after.1, before.1);
    assert!(seen.iter().any(|o| o.0), "no search ran while indexing");
    for pick in [
        |o: &(bool, usize, usize)| o.1,
        |o: &(bool, usize, usize)| o.2,
    ] {
        let (old, new) = (
            pick(&(false, before.0, before.1)),
            pick(&(false, after.0, after.1)),
        );
        let states: Vec<usize> = seen.iter().map(pick).collect();
        assert!(
            states.iter().all(|&x| x == old || x == new),
            "a partial commit is visible: {states:?} (old {old}, new {new})"
        );
        let first_new = states
            .iter()
            .position(|&x| x == new)
            .unwrap_or(states.len());
        assert!(
            states[first_new..].iter().all(|&x| x == new),
            "went back to the old commit: {states:?}"
        );
    }
}

#[test]
fn a_second_writer_is_told_the_index_is_busy() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let store = Store::open_or_create(&index).unwrap();
    let budget = IndexOptions::default().budget().unwrap();
    let writer = store.writer(&budget).unwrap();
    assert!(index.join(".tantivy-writer.lock").exists());

    let out = run(&["index", s(&corpus), "--index", s(&index)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("pia: another `pia index` is writing to"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    // In-process too, and readers are not blocked by the lock.
    let e = store.writer(&budget).err().expect("second writer refused");
    assert!(e.to_string().contains("another `pia index`"), "{e}");
    assert_eq!(doc_count(&index), 0);

    drop(writer);
    let out = run(&["index", s(&corpus), "--index", s(&index)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(doc_count(&index), 4);
}

#[test]
fn a_concurrent_index_run_fails_cleanly_and_the_first_completes() {
    let Some(dir) = big_corpus() else { return };
    let n = input_count(dir);
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    let mut first = spawn_index(dir, &index);
    // Wait until the first run holds the writer lock (it takes it lazily,
    // once the first files are parsed).
    let lock = index.join(".tantivy-writer.lock");
    let start = Instant::now();
    let mut second = None;
    while first.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(120) {
        if lock.exists() {
            let out = run(&["index", s(dir), "--index", s(&index)]);
            if out.status.code() == Some(1) {
                second = Some(stderr(&out));
                break;
            }
            // The lock file stays after a run; only flock tells who holds it.
        }
        sleep(Duration::from_millis(50));
    }
    let out = first.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = second.expect("a second run overlapped the first");
    assert!(err.contains("another `pia index` is writing"), "{err}");
    assert_eq!(doc_count(&index), n);
}
