//! PDF → text, by running poppler's `pdftotext`.
//!
//! Why poppler and not a pure-Rust crate: Japanese assessment PDFs use CID
//! fonts. `pdf-extract` 0.10 handled an embedded Identity-H font but
//! *panicked* ("unsupported encoding UniJIS-UCS2-H") on a non-embedded font
//! with a predefined Adobe-Japan1 CMap, which Japanese office software emits;
//! `pdftotext` (poppler-utils + poppler-data) extracted both exactly (same
//! characters as the source, whitespace aside) in about 35 ms each.
//! Needs the Debian packages `poppler-utils` and `poppler-data`.
//!
//! Mode: `-raw` (content-stream order). On the fixture it gave the source
//! lines 1:1 (only U+3000 / leading spaces became plain spaces); the default
//! mode split lines at wide gaps, and `-layout` pads table columns with runs
//! of spaces and interleaves the lines of side-by-side cells.
//!
//! Fixtures in tests/fixtures/ (fonts-ipafont-gothic, PyPI fpdf2 2.8.9 and
//! reportlab), made from the repository root with:
//!
//! ```sh
//! head -n 150 corpus/000_db110713dcb7ac82.txt > tests/fixtures/sample.txt
//! python3 -c '
//! import sys; from fpdf import FPDF
//! p = FPDF(format="A4"); p.add_font("IPAGothic", fname="/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")
//! p.set_font("IPAGothic", size=10); p.add_page()
//! for line in open(sys.argv[1], encoding="utf-8"): p.cell(0, 5, line.rstrip("\n"), new_x="LMARGIN", new_y="NEXT")
//! p.output(sys.argv[2])' tests/fixtures/sample.txt tests/fixtures/sample.pdf
//! python3 -c '
//! from reportlab.pdfgen import canvas; from reportlab.pdfbase import pdfmetrics
//! from reportlab.pdfbase.cidfonts import UnicodeCIDFont
//! pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
//! c = canvas.Canvas("tests/fixtures/sample_cid_nonembedded.pdf"); c.setFont("HeiseiKakuGo-W5", 12)
//! for i, l in enumerate(open("tests/fixtures/sample.txt", encoding="utf-8").read().splitlines()[:30]): c.drawString(40, 800 - 16 * i, l)
//! c.save()'
//! python3 -c '
//! from fpdf import FPDF
//! p = FPDF(); p.add_page(); p.set_font("Helvetica", size=12); p.cell(0, 10, "Encrypted test document")
//! p.set_encryption(owner_password="owner", user_password="secret"); p.output("tests/fixtures/encrypted.pdf")'
//! ```

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use thiserror::Error;

/// Default limit for one extraction; a pathological PDF must not hang a run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How to run the extractor; tests and callers may point at another binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfOptions {
    /// The `pdftotext` executable (looked up on `PATH` if not absolute).
    pub tool: PathBuf,
    /// The child is killed and [`PdfError::Timeout`] returned after this.
    pub timeout: Duration,
}

impl Default for PdfOptions {
    fn default() -> Self {
        Self {
            tool: PathBuf::from("pdftotext"),
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// Why a PDF yielded no text; messages tell the user what to do.
#[derive(Debug, Error)]
pub enum PdfError {
    /// `pdftotext` is not installed or not on `PATH`.
    #[error(
        "`{}` not found: install poppler-utils and poppler-data \
         (e.g. `apt-get install poppler-utils poppler-data`)",
        .0.display()
    )]
    ToolMissing(PathBuf),
    /// The PDF needs a password to be opened.
    #[error("{}: the PDF is encrypted (password protected); decrypt it first", .0.display())]
    Encrypted(PathBuf),
    /// The PDF opened but has no text at all: typically a scanned image.
    #[error(
        "{}: no text layer in {pages} page(s); it is probably a scanned image (OCR it first)",
        path.display()
    )]
    NoTextLayer {
        /// The PDF.
        path: PathBuf,
        /// Number of pages seen by the extractor.
        pages: usize,
    },
    /// Extraction took longer than [`PdfOptions::timeout`]; the child was killed.
    #[error("{}: text extraction timed out after {} s", path.display(), timeout.as_secs_f32())]
    Timeout {
        /// The PDF.
        path: PathBuf,
        /// The limit that was exceeded.
        timeout: Duration,
    },
    /// The extractor failed, e.g. on a damaged or non-PDF file.
    #[error("{}: could not extract text ({status}): {message}", path.display())]
    Failed {
        /// The PDF.
        path: PathBuf,
        /// The extractor's exit status.
        status: ExitStatus,
        /// The last lines of its error output.
        message: String,
    },
    /// The PDF could not be read or the extractor could not be run.
    #[error("{}: {source}", path.display())]
    Io {
        /// The PDF.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
}

pub use crate::parse::PAGE_SEPARATOR;

/// Extracts the text of a PDF with default options, pages separated by
/// [`PAGE_SEPARATOR`]; every line ends with `\n`.
pub fn extract_text(path: &Path) -> Result<String, PdfError> {
    extract_text_with(path, &PdfOptions::default())
}

/// Like [`extract_text`], with an explicit tool and timeout.
pub fn extract_text_with(path: &Path, opts: &PdfOptions) -> Result<String, PdfError> {
    let pages = extract_pages_with(path, opts)?;
    let trimmed: Vec<&str> = pages.iter().map(|p| p.trim_end_matches('\n')).collect();
    Ok(trimmed.join(PAGE_SEPARATOR) + "\n")
}

/// Extracts the text of each page, so callers can cite page numbers.
pub fn extract_pages_with(path: &Path, opts: &PdfOptions) -> Result<Vec<String>, PdfError> {
    std::fs::metadata(path).map_err(|source| io_error(path, source))?;
    let output = run_tool(path, opts, RAW_ARGS)?;
    if !output.status.success() {
        return Err(classify_failure(path, output));
    }
    let mut pages = split_pages(&String::from_utf8_lossy(&output.stdout));
    if pages.iter().all(|p| p.trim().is_empty()) {
        let pages = pages.len();
        return Err(PdfError::NoTextLayer {
            path: path.to_path_buf(),
            pages,
        });
    }
    // Without positions the text is still usable, only label cells are less
    // certain; a failure of the second run is therefore not an error.
    if let Ok(out) = run_tool(path, opts, BBOX_ARGS) {
        if out.status.success() {
            restore_indents(
                &mut pages,
                &parse_bbox(&String::from_utf8_lossy(&out.stdout)),
            );
        }
    }
    Ok(pages)
}

/// Arguments of the text run: raw (content-stream) order keeps table cells
/// on their own lines.
const RAW_ARGS: &[&str] = &["-raw", "-enc", "UTF-8"];
/// Arguments of the position run: the same words in the same order, as XML
/// with bounding boxes.
const BBOX_ARGS: &[&str] = &["-raw", "-bbox", "-enc", "UTF-8"];

/// Most leading spaces restored: the parser only distinguishes none, one
/// (a label cell) and more (indented text).
const MAX_INDENT: usize = 2;

/// One word of `pdftotext -raw -bbox` output.
#[derive(Debug, Clone, PartialEq)]
struct Word {
    text: String,
    /// Left edge in points.
    x: f64,
    /// Top edge in points (from the top of the page).
    y: f64,
    /// Height in points (about the font size).
    height: f64,
}

/// The words of each page, in raw order.
fn parse_bbox(xml: &str) -> Vec<Vec<Word>> {
    let mut pages = Vec::new();
    for page in xml.split("<page ").skip(1) {
        let mut words = Vec::new();
        for w in page.split("<word ").skip(1) {
            let Some((attrs, rest)) = w.split_once('>') else {
                continue;
            };
            let Some((text, _)) = rest.split_once("</word>") else {
                continue;
            };
            let (Some(x), Some(y0), Some(y1)) = (
                attr(attrs, "xMin"),
                attr(attrs, "yMin"),
                attr(attrs, "yMax"),
            ) else {
                continue;
            };
            words.push(Word {
                text: unescape_xml(text),
                x,
                y: y0,
                height: y1 - y0,
            });
        }
        pages.push(words);
    }
    pages
}

/// The numeric value of `name="…"` in an XML start tag.
fn attr(attrs: &str, name: &str) -> Option<f64> {
    let key = format!("{name}=\"");
    let start = attrs.find(&key)? + key.len();
    let len = attrs[start..].find('"')?;
    attrs[start..start + len].parse().ok()
}

/// Undoes the five XML escapes pdftotext writes.
fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// `-raw` drops leading whitespace and blank lines, but the parser
/// recognises form-label cells by one leading space and cell boundaries by
/// blank lines (the conventions of text extracted from the published PDFs).
/// Restores both from the position of each line's first word: one space per
/// half em right of the document's left margin (at most [`MAX_INDENT`]), and
/// one blank line where the next line is not the next line of a paragraph
/// (more than two line heights below, or above). A page whose words cannot
/// be matched with its lines is left as it is.
fn restore_indents(pages: &mut [String], words: &[Vec<Word>]) {
    if pages.len() != words.len() {
        return;
    }
    let margin = words
        .iter()
        .flatten()
        .map(|w| w.x)
        .fold(f64::INFINITY, f64::min);
    if !margin.is_finite() {
        return;
    }
    let pitch = line_pitch(words);
    for (page, words) in pages.iter_mut().zip(words) {
        if let Some(indented) = indent_page(page, words, margin, pitch) {
            *page = indented;
        }
    }
}

/// Most blank lines restored for one vertical gap: three (the page break
/// convention of the corpus) is the most the parser distinguishes.
const MAX_BLANKS: usize = 3;

/// The usual advance from one line of a paragraph to the next (the median of
/// the small downward steps between consecutive words), or `None`.
fn line_pitch(words: &[Vec<Word>]) -> Option<f64> {
    let mut steps: Vec<f64> = words
        .iter()
        .flat_map(|page| page.windows(2))
        .map(|w| (w[1].y - w[0].y, w[0].height.max(w[1].height)))
        .filter(|&(dy, h)| dy > 0.5 * h && dy <= 2.0 * h)
        .map(|(dy, _)| dy)
        .collect();
    steps.sort_by(f64::total_cmp);
    steps.get(steps.len() / 2).copied()
}

/// Blank lines that stand for the vertical gap from `prev` to `next`: one per
/// missing line pitch below, one for a jump upwards (a new column or cell).
fn blanks_between(prev: &Word, next: &Word, pitch: Option<f64>) -> usize {
    let dy = next.y - prev.y;
    let h = prev.height.max(next.height);
    if dy < -0.5 * h {
        return 1;
    }
    let pitch = pitch.unwrap_or(1.4 * h).max(0.5 * h);
    if dy <= 1.5 * pitch {
        return 0;
    }
    ((dy / pitch).round() as usize)
        .saturating_sub(1)
        .clamp(1, MAX_BLANKS)
}

/// One page with restored indents, or `None` when words and lines disagree.
fn indent_page(page: &str, words: &[Word], margin: f64, pitch: Option<f64>) -> Option<String> {
    let squeeze = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let mut out = String::with_capacity(page.len() + page.len() / 16);
    let mut it = words.iter().filter(|w| !squeeze(&w.text).is_empty());
    let mut prev: Option<&Word> = None;
    for line in page.split_inclusive('\n') {
        let want = squeeze(line);
        if want.is_empty() {
            out.push_str(line);
            continue;
        }
        let first = it.next()?;
        let mut got = squeeze(&first.text);
        while got.len() < want.len() {
            got.push_str(&squeeze(&it.next()?.text));
        }
        if got != want {
            return None;
        }
        if let Some(p) = prev {
            let had = out.len() - out.trim_end_matches('\n').len();
            let want = blanks_between(p, first, pitch) + 1;
            out.extend(std::iter::repeat_n('\n', want.saturating_sub(had)));
        }
        prev = Some(first);
        let half_em = (first.height / 2.0).max(0.5);
        let n = ((first.x - margin) / half_em)
            .round()
            .clamp(0.0, MAX_INDENT as f64) as usize;
        out.extend(std::iter::repeat_n(' ', n));
        out.push_str(line.trim_start());
    }
    it.next().is_none().then_some(out)
}

/// What the child produced.
struct ToolOutput {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs `pdftotext ARGS FILE -` under the timeout.
fn run_tool(path: &Path, opts: &PdfOptions, args: &[&str]) -> Result<ToolOutput, PdfError> {
    let mut child = Command::new(&opts.tool)
        .args(args)
        .arg(safe_arg(path))
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(path, opts, e))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = wait_with_timeout(&mut child, opts.timeout)
        .map_err(|source| io_error(path, source))?
        .ok_or_else(|| PdfError::Timeout {
            path: path.to_path_buf(),
            timeout: opts.timeout,
        })?;
    Ok(ToolOutput {
        status,
        stdout: join(stdout),
        stderr: join(stderr),
    })
}

/// Keeps a relative path that starts with `-` from being read as an option.
fn safe_arg(path: &Path) -> PathBuf {
    if path.to_string_lossy().starts_with('-') {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// Maps a spawn failure; "not found" means the tool is not installed.
fn spawn_error(path: &Path, opts: &PdfOptions, e: io::Error) -> PdfError {
    if e.kind() == io::ErrorKind::NotFound {
        PdfError::ToolMissing(opts.tool.clone())
    } else {
        io_error(path, e)
    }
}

/// Builds [`PdfError::Io`].
fn io_error(path: &Path, source: io::Error) -> PdfError {
    PdfError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads a child pipe to the end on its own thread (avoids pipe deadlock).
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut pipe) = pipe {
            // A read error just truncates the output; the exit status decides.
            let _ = pipe.read_to_end(&mut buf);
        }
        buf
    })
}

/// Collects what a [`drain`] thread read.
fn join(handle: JoinHandle<Vec<u8>>) -> Vec<u8> {
    handle.join().unwrap_or_default()
}

/// Waits for the child; on timeout kills and reaps it and returns `None`.
fn wait_with_timeout(child: &mut Child, timeout: Duration) -> io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        if Instant::now() >= deadline {
            child.kill()?;
            child.wait()?;
            return Ok(None);
        }
        thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Turns a non-zero exit into the most specific error.
fn classify_failure(path: &Path, output: ToolOutput) -> PdfError {
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("Incorrect password") {
        return PdfError::Encrypted(path.to_path_buf());
    }
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let message = lines[lines.len().saturating_sub(3)..].join("; ");
    PdfError::Failed {
        path: path.to_path_buf(),
        status: output.status,
        message,
    }
}

/// Splits pdftotext output at form feeds (one after every page).
fn split_pages(text: &str) -> Vec<String> {
    crate::parse::relayout::form_feed_pages(text)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    /// Fixture paths relative to /work/main when built from a scratch crate.
    fn main_fixture(name: &str) -> PathBuf {
        let local = fixture(name);
        if local.exists() {
            local
        } else {
            Path::new(file!())
                .parent()
                .and_then(Path::parent)
                .unwrap()
                .join("tests/fixtures")
                .join(name)
        }
    }

    fn squeeze(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    #[test]
    fn japanese_text_round_trips() {
        let text = extract_text(&main_fixture("sample.pdf")).unwrap();
        let source = fs::read_to_string(main_fixture("sample.txt")).unwrap();
        assert_eq!(squeeze(&text), squeeze(&source));
        assert!(text.contains("ファイルの取扱いにあたり、特定個人情報ファイルの取扱いが"));
    }

    #[test]
    fn raw_mode_keeps_source_lines() {
        let text = extract_text(&main_fixture("sample.pdf")).unwrap();
        let source = fs::read_to_string(main_fixture("sample.txt")).unwrap();
        let norm = |s: &str| -> Vec<String> {
            s.lines()
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|l| !l.is_empty())
                .collect()
        };
        assert_eq!(norm(&text), norm(&source));
    }

    #[test]
    fn label_indents_are_restored_from_positions() {
        // -raw alone drops the leading space that marks a label cell.
        let text = extract_text(&main_fixture("sample.pdf")).unwrap();
        let source = fs::read_to_string(main_fixture("sample.txt")).unwrap();
        let indents = |s: &str| -> Vec<(usize, String)> {
            s.lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    // In half ems: an ideographic space is as wide as two.
                    let lead = l.chars().take_while(|c| c.is_whitespace());
                    let width = lead.map(|c| if c == ' ' { 1 } else { 2 }).sum::<usize>();
                    (width, l.trim().to_owned())
                })
                .collect()
        };
        let (got, want) = (indents(&text), indents(&source));
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.0, w.0.min(MAX_INDENT), "{g:?} vs {w:?}");
        }
        assert!(want.iter().filter(|w| w.0 == 1).count() > 20);
    }

    #[test]
    fn mismatched_positions_leave_the_page_alone() {
        let word = |text: &str, x: f64| Word {
            text: text.into(),
            x,
            y: x,
            height: 10.0,
        };
        let mut pages = vec!["ab\ncd\n".to_owned()];
        restore_indents(&mut pages, &[vec![word("ab", 10.0), word("cd", 15.0)]]);
        assert_eq!(pages, ["ab\n cd\n"]);
        let mut pages = vec!["ab\ncd\n".to_owned()];
        restore_indents(&mut pages, &[vec![word("ab", 10.0), word("xx", 15.0)]]);
        assert_eq!(pages, ["ab\ncd\n"]);
        let words = parse_bbox(
            "<page w=\"1\"><word xMin=\"1.5\" yMin=\"2\" yMax=\"12\">a&amp;&lt;b</word></page>",
        );
        assert_eq!(
            words,
            [vec![Word {
                text: "a&<b".into(),
                x: 1.5,
                y: 2.0,
                height: 10.0
            }]]
        );
    }

    #[test]
    fn pages_are_split() {
        let pages = extract_pages_with(&main_fixture("sample.pdf"), &PdfOptions::default());
        let pages = pages.unwrap();
        assert_eq!(pages.len(), 3);
        assert!(pages[0].contains("伊勢原市"));
    }

    #[test]
    fn non_embedded_cid_font_is_extracted() {
        let text = extract_text(&main_fixture("sample_cid_nonembedded.pdf")).unwrap();
        let source = fs::read_to_string(main_fixture("sample.txt")).unwrap();
        let first30: String = source.lines().take(30).collect();
        assert_eq!(squeeze(&text), squeeze(&first30));
    }

    #[test]
    fn encrypted_pdf_is_reported() {
        let err = extract_text(&main_fixture("encrypted.pdf")).unwrap_err();
        assert!(matches!(err, PdfError::Encrypted(_)), "{err:?}");
        assert!(err.to_string().contains("encrypted"));
    }

    #[test]
    fn pdf_without_text_is_no_text_layer() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("scan.pdf");
        fs::write(&path, minimal_pdf("0 0 1 rg 100 100 200 200 re f")).unwrap();
        let err = extract_text(&path).unwrap_err();
        assert!(
            matches!(err, PdfError::NoTextLayer { pages: 1, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("scanned"));
    }

    #[test]
    fn hand_written_pdf_with_text_works() {
        // Guards the no-text test: the same generator with text does extract.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("-dash.pdf");
        fs::write(
            &path,
            minimal_pdf("BT /F1 24 Tf 72 700 Td (Hello PIA) Tj ET"),
        )
        .unwrap();
        let cwd_relative = path.strip_prefix(tmp.path()).unwrap();
        assert!(safe_arg(cwd_relative).starts_with("."));
        assert_eq!(extract_text(&path).unwrap().trim(), "Hello PIA");
    }

    #[test]
    fn garbage_is_a_failure_with_message() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("bad.pdf");
        fs::write(&path, b"this is not a pdf").unwrap();
        let err = extract_text(&path).unwrap_err();
        let PdfError::Failed { message, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(!message.is_empty());
    }

    #[test]
    fn missing_file_is_io_error() {
        let err = extract_text(Path::new("/nonexistent/x.pdf")).unwrap_err();
        assert!(matches!(err, PdfError::Io { .. }), "{err:?}");
    }

    #[test]
    fn missing_tool_says_what_to_install() {
        let opts = PdfOptions {
            tool: PathBuf::from("/nonexistent/pdftotext"),
            ..PdfOptions::default()
        };
        let err = extract_text_with(&main_fixture("sample.pdf"), &opts).unwrap_err();
        assert!(matches!(err, PdfError::ToolMissing(_)), "{err:?}");
        assert!(err.to_string().contains("install poppler-utils"));
    }

    #[test]
    fn slow_tool_is_killed_after_timeout() {
        let tmp = tempfile::tempdir().unwrap();
        let tool = tmp.path().join("slow-pdftotext");
        fs::write(&tool, "#!/bin/sh\nexec sleep 30\n").unwrap();
        fs::set_permissions(&tool, fs::Permissions::from_mode(0o755)).unwrap();
        let opts = PdfOptions {
            tool,
            timeout: Duration::from_millis(300),
        };
        let started = Instant::now();
        let err = extract_text_with(&main_fixture("sample.pdf"), &opts).unwrap_err();
        assert!(matches!(err, PdfError::Timeout { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn pages_are_joined_with_three_blank_lines() {
        let text = extract_text(&main_fixture("sample.pdf")).unwrap();
        let pages = extract_pages_with(&main_fixture("sample.pdf"), &PdfOptions::default());
        let pages = pages.unwrap();
        assert!(pages.len() > 1);
        // Restored blank lines may also separate parts of one page (a large
        // vertical gap), so the join itself is checked.
        let trimmed: Vec<&str> = pages.iter().map(|p| p.trim_end_matches('\n')).collect();
        assert_eq!(text, trimmed.join(PAGE_SEPARATOR) + "\n");
        assert!(!text.contains("\n\n\n\n\n") && !text.contains('\u{c}'));
        assert!(pages.iter().all(|p| !p.starts_with('\n')));
        let second_start = pages[1].lines().next().unwrap();
        assert!(text.contains(&format!("\n\n\n\n{second_start}\n")));
    }

    #[test]
    fn split_pages_drops_only_the_final_form_feed() {
        assert_eq!(split_pages("a\u{c}\u{c}b\u{c}"), ["a", "", "b"]);
        assert_eq!(split_pages(""), [""]);
    }

    /// A one-page PDF with the given content stream and a correct xref table.
    fn minimal_pdf(content: &str) -> Vec<u8> {
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
             /Resources << /Font << /F1 5 0 R >> >> >>"
                .to_owned(),
            format!(
                "<< /Length {} >>\nstream\n{content}\nendstream",
                content.len() + 1
            ),
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        ];
        let mut out = b"%PDF-1.4\n".to_vec();
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
        }
        let xref = out.len();
        out.extend_from_slice(
            format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
        );
        for off in offsets {
            out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
        let trailer = format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        );
        out.extend_from_slice(trailer.as_bytes());
        out
    }
}
