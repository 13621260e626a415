//! Finds the input documents under a file or directory.
//!
//! The indexer needs a complete, deterministic list of what it will read and
//! an account of everything it will not (skipped files and errors), so that a
//! run over a large, messy tree never stops half-way and never silently drops
//! a document.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};

use thiserror::Error;
use walkdir::{DirEntry, WalkDir};

/// Default size limit for PDFs: larger files are almost certainly not single
/// documents (a PDF's size is mostly images and fonts, so the limit is high).
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;

/// Default size limit for text files. The longest published assessments have
/// well under 2 MiB of text, and indexing needs tens of times a file's size
/// in memory (a 200 MiB text took 71 s and 8 GiB), so a bigger text file is
/// skipped as a mistake (a concatenation or a log) rather than read.
pub const DEFAULT_MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;

/// Knobs for [`walk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkOptions {
    /// PDFs larger than this many bytes are skipped instead of read.
    pub max_bytes: u64,
    /// Text files larger than this many bytes are skipped instead of read.
    pub max_text_bytes: u64,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_text_bytes: DEFAULT_MAX_TEXT_BYTES,
        }
    }
}

/// How an input file must be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// Plain text in some encoding (`.txt`, `.text`).
    Text,
    /// A PDF whose text layer must be extracted.
    Pdf,
}

impl InputKind {
    /// The reader for a file named explicitly (`pia show FILE`, a served
    /// document): PDF by extension, anything else as text.
    pub fn of(path: &Path) -> InputKind {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
        {
            InputKind::Pdf
        } else {
            InputKind::Text
        }
    }
}

/// A file the indexer should read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Path as found under the walk root (symlinks not resolved).
    pub path: PathBuf,
    /// Which reader to use.
    pub kind: InputKind,
    /// Size in bytes at walk time.
    pub size: u64,
}

/// Why a path was deliberately not taken as input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The extension is not one of the supported ones (lower-cased, no dot).
    UnknownExtension(String),
    /// The file name has no extension at all.
    NoExtension,
    /// The name starts with a dot; hidden directories are not descended into.
    Hidden,
    /// The file exceeds [`WalkOptions::max_bytes`] or [`WalkOptions::max_text_bytes`].
    TooLarge {
        /// Actual size in bytes.
        size: u64,
        /// The limit in force.
        max: u64,
    },
    /// A FIFO, socket or device: reading it could block or never end.
    NotRegularFile,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownExtension(ext) => write!(f, "unknown extension .{ext}"),
            Self::NoExtension => f.write_str("no file extension"),
            Self::Hidden => f.write_str("hidden (name starts with a dot)"),
            Self::TooLarge { size, max } => {
                write!(f, "too large ({size} bytes, limit {max} bytes)")
            }
            Self::NotRegularFile => f.write_str("not a regular file (FIFO, socket or device)"),
        }
    }
}

/// A path that was not taken as input, and why; reported so users can check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The skipped path.
    pub path: PathBuf,
    /// Why it was skipped.
    pub reason: SkipReason,
}

/// A path that could not be examined; the walk goes on past it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}: {reason}", path.display())]
pub struct WalkError {
    /// The path that failed.
    pub path: PathBuf,
    /// Human-readable cause (I/O error text, symlink loop …).
    pub reason: String,
}

/// Everything a walk found, each list sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkResult {
    /// Files to index.
    pub files: Vec<InputFile>,
    /// Paths deliberately left out.
    pub skipped: Vec<Skipped>,
    /// Paths that could not be examined.
    pub errors: Vec<WalkError>,
}

/// Lists the input files under `root` (a file or a directory), following
/// symlinks, skipping hidden names, and never stopping on an error.
pub fn walk(root: &Path, opts: &WalkOptions) -> WalkResult {
    let mut result = WalkResult::default();
    let mut it = WalkDir::new(root).follow_links(true).into_iter();
    while let Some(item) = it.next() {
        match item {
            Ok(entry) if entry.depth() > 0 && is_hidden(&entry) => {
                if entry.file_type().is_dir() {
                    it.skip_current_dir();
                }
                let path = entry.into_path();
                result.skipped.push(Skipped {
                    path,
                    reason: SkipReason::Hidden,
                });
            }
            Ok(entry) => visit(&entry, opts, &mut result),
            Err(err) => result.errors.push(walk_error(root, &err)),
        }
    }
    sort_and_dedup(&mut result);
    result
}

/// True for dot-names (but not `.` or `..`, which can be a root).
fn is_hidden(entry: &DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    name.starts_with('.') && name != "." && name != ".."
}

/// Classifies one entry the walker yielded.
fn visit(entry: &DirEntry, opts: &WalkOptions, result: &mut WalkResult) {
    let file_type = entry.file_type();
    if file_type.is_dir() {
        return;
    }
    let path = entry.path().to_path_buf();
    let kind = match kind_for(&path) {
        Ok(kind) => kind,
        Err(reason) => return result.skipped.push(Skipped { path, reason }),
    };
    if !file_type.is_file() {
        let reason = SkipReason::NotRegularFile;
        return result.skipped.push(Skipped { path, reason });
    }
    match check_file(entry, kind, opts) {
        Ok(size) => result.files.push(InputFile { path, kind, size }),
        Err(Outcome::Skip(reason)) => result.skipped.push(Skipped { path, reason }),
        Err(Outcome::Fail(reason)) => result.errors.push(WalkError { path, reason }),
    }
}

/// Maps a path's extension (case-insensitive) to an input kind.
fn kind_for(path: &Path) -> Result<InputKind, SkipReason> {
    let ext = path.extension().ok_or(SkipReason::NoExtension)?;
    let ext = ext.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        // Table exports (.tsv/.csv) beside a corpus are usually listings such
        // as manifests, not assessments: only text and PDF are documents.
        "txt" | "text" => Ok(InputKind::Text),
        "pdf" => Ok(InputKind::Pdf),
        _ => Err(SkipReason::UnknownExtension(ext)),
    }
}

/// Why a regular file with a good extension is still not taken.
enum Outcome {
    Skip(SkipReason),
    Fail(String),
}

/// Checks size and readability; returns the size of a usable file.
fn check_file(entry: &DirEntry, kind: InputKind, opts: &WalkOptions) -> Result<u64, Outcome> {
    let meta = entry.metadata().map_err(|e| Outcome::Fail(io_reason(&e)))?;
    let size = meta.len();
    let max = match kind {
        InputKind::Text => opts.max_text_bytes,
        InputKind::Pdf => opts.max_bytes,
    };
    if size > max {
        return Err(Outcome::Skip(SkipReason::TooLarge { size, max }));
    }
    File::open(entry.path()).map_err(|e| Outcome::Fail(format!("cannot open: {e}")))?;
    Ok(size)
}

/// Turns a walkdir error (I/O failure or symlink loop) into a [`WalkError`].
fn walk_error(root: &Path, err: &walkdir::Error) -> WalkError {
    let path = err.path().unwrap_or(root).to_path_buf();
    let reason = match err.loop_ancestor() {
        Some(ancestor) => format!(
            "symlink loop: points back to {}, not followed",
            ancestor.display()
        ),
        None => io_reason(err),
    };
    WalkError { path, reason }
}

/// Text of an I/O error without walkdir's own path prefix.
fn io_reason(err: &walkdir::Error) -> String {
    match err.io_error() {
        Some(io) if io.kind() == std::io::ErrorKind::NotFound => {
            format!("not found (dangling symlink or removed during the walk): {io}")
        }
        Some(io) => io.to_string(),
        None => err.to_string(),
    }
}

/// Sorts every list by path and drops duplicate errors (a loop seen twice).
fn sort_and_dedup(result: &mut WalkResult) {
    result.files.sort_by(|a, b| a.path.cmp(&b.path));
    result.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    result
        .errors
        .sort_by(|a, b| (&a.path, &a.reason).cmp(&(&b.path, &b.reason)));
    result.errors.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;
    use tempfile::TempDir;

    fn touch(dir: &Path, rel: &str, content: &[u8]) -> PathBuf {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        path
    }

    fn rel_files(root: &Path, r: &WalkResult) -> Vec<String> {
        r.files
            .iter()
            .map(|f| f.path.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    fn reason_of(r: &WalkResult, path: &Path) -> String {
        let s = r.skipped.iter().find(|s| s.path == path);
        s.unwrap_or_else(|| panic!("{} not skipped: {r:?}", path.display()))
            .reason
            .to_string()
    }

    #[test]
    fn classifies_extensions_case_insensitively() {
        let tmp = TempDir::new().unwrap();
        let root = tmp.path();
        for name in [
            "a.txt",
            "b.TXT",
            "c.Text",
            "d.text",
            "e.PDF",
            "sub/f.pdf",
            "m.tsv",
        ] {
            touch(root, name, b"x");
        }
        let doc = touch(root, "g.docx", b"x");
        let bare = touch(root, "README", b"x");
        let r = walk(root, &WalkOptions::default());
        assert_eq!(
            rel_files(root, &r),
            ["a.txt", "b.TXT", "c.Text", "d.text", "e.PDF", "sub/f.pdf"]
        );
        let kinds: Vec<InputKind> = r.files.iter().map(|f| f.kind).collect();
        use InputKind::{Pdf, Text};
        assert_eq!(kinds, [Text, Text, Text, Text, Pdf, Pdf]);
        assert_eq!(reason_of(&r, &doc), "unknown extension .docx");
        assert_eq!(reason_of(&r, &bare), "no file extension");
        assert!(r.errors.is_empty(), "{:?}", r.errors);
    }

    #[test]
    fn reports_sizes_and_skips_large_files() {
        let tmp = TempDir::new().unwrap();
        let small = touch(tmp.path(), "small.txt", b"12345");
        let big = touch(tmp.path(), "big.txt", &[b'a'; 100]);
        let pdf = touch(tmp.path(), "big.pdf", &[b'a'; 100]);
        let opts = WalkOptions {
            max_bytes: 1000,
            max_text_bytes: 10,
        };
        let r = walk(tmp.path(), &opts);
        assert_eq!(r.files.len(), 2);
        assert_eq!((&r.files[0].path, r.files[0].size), (&pdf, 100));
        assert_eq!((&r.files[1].path, r.files[1].size), (&small, 5));
        assert_eq!(reason_of(&r, &big), "too large (100 bytes, limit 10 bytes)");
        let opts = WalkOptions {
            max_bytes: 50,
            ..opts
        };
        assert_eq!(
            reason_of(&walk(tmp.path(), &opts), &pdf),
            "too large (100 bytes, limit 50 bytes)"
        );
    }

    #[test]
    fn hidden_entries_are_skipped_and_not_descended() {
        let tmp = TempDir::new().unwrap();
        let root = tmp.path();
        touch(root, "visible.txt", b"x");
        let hidden_file = touch(root, ".hidden.txt", b"x");
        touch(root, ".git/objects/a.txt", b"x");
        touch(root, "sub/.cache/b.txt", b"x");
        let r = walk(root, &WalkOptions::default());
        assert_eq!(rel_files(root, &r), ["visible.txt"]);
        let skipped: Vec<_> = r.skipped.iter().map(|s| s.path.clone()).collect();
        assert_eq!(
            skipped,
            [root.join(".git"), hidden_file, root.join("sub/.cache")]
        );
        assert!(r.skipped.iter().all(|s| s.reason == SkipReason::Hidden));
    }

    #[test]
    fn a_single_file_root_is_walked_even_if_hidden() {
        let tmp = TempDir::new().unwrap();
        let file = touch(tmp.path(), ".only.pdf", b"%PDF");
        let r = walk(&file, &WalkOptions::default());
        assert_eq!(r.files.len(), 1);
        assert_eq!((&r.files[0].path, r.files[0].kind), (&file, InputKind::Pdf));
    }

    #[test]
    fn missing_root_is_an_error_not_a_panic() {
        let tmp = TempDir::new().unwrap();
        let missing = tmp.path().join("nope");
        let r = walk(&missing, &WalkOptions::default());
        assert!(r.files.is_empty());
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].path, missing);
        assert!(r.errors[0].reason.contains("not found"), "{}", r.errors[0]);
    }

    #[test]
    fn symlink_loop_is_reported_once_and_walk_continues() {
        let tmp = TempDir::new().unwrap();
        let root = tmp.path();
        touch(root, "a/doc.txt", b"x");
        touch(root, "z.txt", b"x");
        let link = root.join("a/back");
        symlink(root, &link).unwrap();
        let r = walk(root, &WalkOptions::default());
        assert_eq!(rel_files(root, &r), ["a/doc.txt", "z.txt"]);
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(r.errors[0].path, link);
        assert!(
            r.errors[0].reason.contains("symlink loop"),
            "{}",
            r.errors[0]
        );
    }

    #[test]
    fn symlinked_files_and_dirs_are_followed() {
        let tmp = TempDir::new().unwrap();
        let outside = TempDir::new().unwrap();
        touch(outside.path(), "ext/in.txt", b"abc");
        let root = tmp.path();
        symlink(outside.path().join("ext"), root.join("linked")).unwrap();
        symlink(outside.path().join("ext/in.txt"), root.join("alias.text")).unwrap();
        let r = walk(root, &WalkOptions::default());
        assert_eq!(rel_files(root, &r), ["alias.text", "linked/in.txt"]);
        assert!(r.files.iter().all(|f| f.size == 3));
    }

    #[test]
    fn dangling_symlink_is_an_error_and_walk_continues() {
        let tmp = TempDir::new().unwrap();
        let root = tmp.path();
        touch(root, "ok.txt", b"x");
        let dangling = root.join("gone.txt");
        symlink(root.join("does-not-exist.txt"), &dangling).unwrap();
        let r = walk(root, &WalkOptions::default());
        assert_eq!(rel_files(root, &r), ["ok.txt"]);
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(r.errors[0].path, dangling);
    }

    #[test]
    fn fifo_named_txt_is_skipped_not_opened() {
        let tmp = TempDir::new().unwrap();
        let fifo = tmp.path().join("pipe.txt");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(status.unwrap().success(), "mkfifo failed");
        // Opening a FIFO without a writer would block: the test would hang.
        let r = walk(tmp.path(), &WalkOptions::default());
        assert!(r.files.is_empty());
        assert_eq!(reason_of(&r, &fifo), SkipReason::NotRegularFile.to_string());
    }

    #[test]
    fn directory_named_txt_is_descended_not_read() {
        let tmp = TempDir::new().unwrap();
        let root = tmp.path();
        touch(root, "dir.txt/inner.pdf", b"x");
        let r = walk(root, &WalkOptions::default());
        assert_eq!(rel_files(root, &r), ["dir.txt/inner.pdf"]);
    }

    #[test]
    fn unreadable_directory_is_an_error_and_walk_continues() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = TempDir::new().unwrap();
        let root = tmp.path();
        touch(root, "locked/secret.txt", b"x");
        touch(root, "open/doc.txt", b"x");
        let locked = root.join("locked");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        let blocked = fs::read_dir(&locked).is_err();
        let r = walk(root, &WalkOptions::default());
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        if blocked {
            assert_eq!(rel_files(root, &r), ["open/doc.txt"]);
            assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
            assert_eq!(r.errors[0].path, locked);
        } else {
            // Running as root: permissions do not block, so everything is found.
            assert_eq!(rel_files(root, &r), ["locked/secret.txt", "open/doc.txt"]);
            assert!(r.errors.is_empty());
        }
    }

    #[test]
    fn order_is_sorted_by_path() {
        let tmp = TempDir::new().unwrap();
        let root = tmp.path();
        for name in ["b/z.txt", "a-b.txt", "a/b.txt", "B.txt", "a/a.txt"] {
            touch(root, name, b"x");
        }
        let r = walk(root, &WalkOptions::default());
        let paths: Vec<_> = r.files.iter().map(|f| f.path.clone()).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted);
        assert_eq!(paths.len(), 5);
    }

    #[test]
    fn hundred_thousand_files() {
        let tmp = TempDir::new().unwrap();
        let root = tmp.path();
        for i in 0..100_000 {
            let ext = if i % 10 == 0 { "pdf" } else { "txt" };
            fs::write(root.join(format!("{i:06}.{ext}")), b"x").unwrap();
        }
        let started = std::time::Instant::now();
        let r = walk(root, &WalkOptions::default());
        eprintln!("walked 100k files in {:?}", started.elapsed());
        assert_eq!(r.files.len(), 100_000);
        assert!(r.skipped.is_empty() && r.errors.is_empty());
        assert_eq!(r.files[0].path, root.join("000000.pdf"));
        assert_eq!(r.files[99_999].path, root.join("099999.txt"));
        let pdfs = r.files.iter().filter(|f| f.kind == InputKind::Pdf).count();
        assert_eq!(pdfs, 10_000);
    }
}
