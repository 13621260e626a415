//! Renderings of one document as other extractors and sites print it
//! (issue 16): the metamorphic tests parse each seed in each of them.
#![allow(dead_code)]

/// Every line joined, all whitespace runs made one space.
pub fn collapsed(t: &str) -> String {
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One table cell per line: lines split at TABs, U+3000 and runs of ≥2 spaces.
pub fn cells(t: &str) -> String {
    let mut out = Vec::new();
    for line in t.lines() {
        let mut cur = String::new();
        let mut spaces = 0;
        let mut parts = Vec::new();
        for c in line.chars() {
            if c == '\t' || c == '\u{3000}' {
                parts.push(std::mem::take(&mut cur));
                spaces = 0;
            } else if c == ' ' {
                spaces += 1;
                if spaces == 2 {
                    parts.push(std::mem::take(&mut cur));
                } else if spaces < 2 {
                    cur.push(c);
                }
            } else {
                if spaces >= 2 {
                    cur.clear();
                }
                spaces = 0;
                cur.push(c);
            }
        }
        parts.push(cur);
        let parts: Vec<String> = parts
            .into_iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            out.push(String::new());
        } else {
            out.extend(parts);
        }
    }
    out.join("\n")
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Digits spaced from the letters around them (`平成 27 年 5 月 28 日`).
pub fn spaced_digits(t: &str) -> String {
    let mut out = String::with_capacity(t.len() * 2);
    let mut prev: Option<char> = None;
    for c in t.chars() {
        if let Some(p) = prev {
            let cjk = |x: char| !x.is_ascii() && !x.is_whitespace() && !is_digit(x);
            if (is_digit(p) && cjk(c)) || (cjk(p) && is_digit(c)) {
                out.push(' ');
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// Page-number lines (`- 3 -`) before every page break (≥3 blank lines)
/// and after every 20th line of long pages.
pub fn page_numbers(t: &str) -> String {
    let lines: Vec<&str> = t.lines().collect();
    let mut out: Vec<String> = Vec::new();
    let mut page = 1;
    let mut since = 0;
    for (i, l) in lines.iter().enumerate() {
        let starts_break = l.trim().is_empty()
            && (i == 0 || !lines[i - 1].trim().is_empty())
            && lines[i..]
                .iter()
                .take(3)
                .filter(|x| x.trim().is_empty())
                .count()
                == 3;
        if starts_break || since >= 20 {
            out.push(format!("- {page} -"));
            page += 1;
            since = 0;
        }
        out.push(l.to_string());
        if !l.trim().is_empty() {
            since += 1;
        }
    }
    out.push(format!("- {page} -"));
    out.join("\n")
}

/// A running header on top of every page (after each run of ≥3 blank
/// lines) and at the start.
pub fn running_header(t: &str) -> String {
    const HEADER: &str = "公開用 令和7年1月6日版 特定個人情報保護評価書";
    let lines: Vec<&str> = t.lines().collect();
    let mut out = vec![HEADER.to_string()];
    let mut blanks = 0;
    for l in lines {
        if l.trim().is_empty() {
            blanks += 1;
        } else {
            if blanks >= 3 {
                out.push(HEADER.to_string());
            }
            blanks = 0;
        }
        out.push(l.to_string());
    }
    out.join("\n")
}

pub fn crlf(t: &str) -> String {
    t.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// The page of the contents (項目一覧) printed bottom up, as a scrambled
/// PDF page can print it: the entries before their heading, in reverse.
/// PDF-extracted text only (a table export, with TABs, is not scrambled).
pub fn contents_scrambled(t: &str) -> String {
    let lines: Vec<&str> = t.lines().collect();
    if t.contains('\t') {
        return t.to_string();
    }
    let Some(at) = lines.iter().position(|l| l.trim() == "項目一覧") else {
        return t.to_string();
    };
    // The page: between runs of ≥3 empty lines.
    let blank = |i: usize| lines[i].trim().is_empty();
    let breaks_before = |i: usize| i >= 3 && (i - 3..i).all(blank);
    let start = (0..=at)
        .rev()
        .find(|&i| !blank(i) && breaks_before(i))
        .unwrap_or(0);
    let end = (at + 1..lines.len())
        .find(|&i| i + 3 <= lines.len() && (i..i + 3).all(blank))
        .unwrap_or(lines.len());
    let mut page: Vec<&str> = lines[start..end].to_vec();
    let full: Vec<usize> = (0..page.len())
        .filter(|&i| !page[i].trim().is_empty())
        .collect();
    let reversed: Vec<&str> = full.iter().rev().map(|&i| page[i]).collect();
    for (&i, l) in full.iter().zip(reversed) {
        page[i] = l;
    }
    let mut out: Vec<&str> = lines[..start].to_vec();
    out.extend(page);
    out.extend(&lines[end..]);
    out.join("\n")
}

/// Compatibility characters normalised (NFKC), as some sites store all
/// text: full-width digits and brackets made ASCII, U+3000 a blank, and
/// circled item numbers plain digits (`①事務の名称` → `1事務の名称`).
pub fn nfkc(t: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    t.nfkc().collect()
}

/// The contents without its title: the `項目一覧` line dropped (drawn as
/// an image, or lost by the extractor), its entries kept where they were.
pub fn contents_unnamed(t: &str) -> String {
    t.lines()
        .filter(|l| l.trim() != "項目一覧")
        .collect::<Vec<_>>()
        .join("\n")
}

/// Spaced-out type as some PDFs' extraction prints it: a blank after every
/// character of a line (`① 事 務 の 名 称`). A table export (with TABs) is
/// not printed type and stays.
pub fn letter_spaced(t: &str) -> String {
    if t.contains('\t') {
        return t.to_string();
    }
    t.lines()
        .map(|l| {
            let body = l.trim_start();
            let indent = &l[..l.len() - body.len()];
            let chars: Vec<String> = body.chars().map(String::from).collect();
            format!("{indent}{}", chars.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Katakana in half width (`ｼｽﾃﾑ`, `ｻｰﾊﾞｰ`), as older systems print it.
pub fn half_width_kana(t: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // Each half-width katakana and mark under the full-width text NFKC
    // makes of it (voiced ones as the pair: `ﾊﾞ` → `バ`).
    let mut table: Vec<(String, String)> = ('\u{FF61}'..='\u{FF9F}')
        .map(|h| (h.to_string().nfkc().collect::<String>(), h.to_string()))
        .collect();
    for base in '\u{FF66}'..='\u{FF9D}' {
        for mark in ['\u{FF9E}', '\u{FF9F}'] {
            let pair = format!("{base}{mark}");
            let full: String = pair.nfkc().collect();
            if full.chars().count() == 1 {
                table.push((full, pair));
            }
        }
    }
    t.chars()
        .map(|c| {
            let key = c.to_string();
            let katakana = ('\u{30A1}'..='\u{30FC}').contains(&c);
            table
                .iter()
                .find(|(full, _)| katakana && *full == key)
                .map_or(key.clone(), |(_, half)| half.clone())
        })
        .collect()
}

/// Pages ended by form feeds, as `pdftotext` prints them by default,
/// instead of the seeds' three blank lines.
pub fn form_feeds(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut blanks = 0;
    for line in t.split_inclusive('\n') {
        if line.trim().is_empty() {
            blanks += 1;
            continue;
        }
        if blanks >= 3 {
            out.push('\u{c}');
        } else {
            out.push_str(&"\n".repeat(blanks));
        }
        blanks = 0;
        out.push_str(line);
    }
    out
}

/// A narrower page or cell than the seeds': every line longer than 30
/// characters cut into lines of 30, titles and the contents included. A
/// table export's rows (with TABs) are rows of cells, not lines, and stay.
pub fn narrow(t: &str) -> String {
    const WIDTH: usize = 30;
    let mut out = Vec::new();
    for line in t.lines() {
        let chars: Vec<char> = line.chars().collect();
        if line.contains('\t') || chars.len() <= WIDTH {
            out.push(line.to_string());
        } else {
            out.extend(chars.chunks(WIDTH).map(|c| c.iter().collect::<String>()));
        }
    }
    out.join("\n")
}

/// A document site's habits: whitespace collapsed, digits spaced.
pub fn collapsed_spaced(t: &str) -> String {
    collapsed(&spaced_digits(t))
}

/// Several extractor habits at once.
pub fn collapsed_spaced_paged(t: &str) -> String {
    collapsed(&spaced_digits(&page_numbers(t)))
}

pub fn cells_crlf_paged(t: &str) -> String {
    crlf(&page_numbers(&cells(t)))
}

/// The blocks of each page (runs of non-empty lines) in another order, as
/// PDF generators emit a page's cells in drawing order: a value no longer
/// follows its label, and only what the value says can place it. The
/// cover page stays; a table export (with TABs) is not scrambled. The order
/// is a fixed pseudo-random permutation per page (splitmix64, Fisher–Yates),
/// the same on every run.
pub fn blocks_shuffled(t: &str) -> String {
    shuffle_blocks(t, 0x5EED)
}

/// [`blocks_shuffled`] in another order.
pub fn blocks_shuffled_again(t: &str) -> String {
    shuffle_blocks(t, 1)
}

fn shuffle_blocks(t: &str, seed: u64) -> String {
    if t.contains('\t') {
        return t.to_string();
    }
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut pages: Vec<Vec<Vec<&str>>> = vec![Vec::new()];
    let mut blanks = 0;
    for line in t.lines() {
        if line.trim().is_empty() {
            blanks += 1;
            continue;
        }
        if blanks >= 3 {
            pages.push(Vec::new());
        }
        let page = pages.last_mut().expect("a page");
        if blanks >= 1 || page.is_empty() {
            page.push(Vec::new());
        }
        page.last_mut().expect("a block").push(line);
        blanks = 0;
    }
    let mut out = Vec::new();
    for (i, mut page) in pages.into_iter().enumerate() {
        if i > 0 {
            for k in (1..page.len()).rev() {
                let j = (next() % (k as u64 + 1)) as usize;
                page.swap(k, j);
            }
        }
        let blocks: Vec<String> = page.iter().map(|b| b.join("\n")).collect();
        out.push(blocks.join("\n\n"));
    }
    out.join("\n\n\n\n")
}

pub type Variant = (&'static str, fn(&str) -> String);

pub const VARIANTS: [Variant; 17] = [
    ("collapsed", collapsed),
    ("cells", cells),
    ("spaced-digits", spaced_digits),
    ("page-numbers", page_numbers),
    ("crlf", crlf),
    ("collapsed+spaced+paged", collapsed_spaced_paged),
    ("cells+crlf+paged", cells_crlf_paged),
    ("running-header", running_header),
    ("contents-scrambled", contents_scrambled),
    ("collapsed+spaced", collapsed_spaced),
    ("nfkc", nfkc),
    ("blocks-shuffled", blocks_shuffled),
    ("blocks-shuffled-again", blocks_shuffled_again),
    ("form-feeds", form_feeds),
    ("contents-unnamed", contents_unnamed),
    ("letter-spaced", letter_spaced),
    ("half-width-kana", half_width_kana),
];
