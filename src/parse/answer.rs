//! Answers of choice questions (R6 typed slots). In PDF text the selected
//! answer (`[ 十分である ]`, `発生なし`, `十分に行っている`) is printed away from
//! its question; which question can take it follows from the question's
//! wording (`…十分か` / `…発生したか` / other choices), not from the print order.

use once_cell::sync::Lazy;
use regex::Regex;

use super::lfold;

/// Which family of options a question offers (and an answer belongs to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `…十分か`: 特に力を入れている / 十分である / 課題が残されている.
    Sufficiency,
    /// `…発生したか`: 発生あり / 発生なし.
    Incident,
    /// Any other choice (定めている, 十分に行っている, 実施する, counts …).
    Other,
}

/// Options of the official choice lists that are printed without brackets
/// in PDF text, with their family.
const VOCABULARY: [(&str, Class); 13] = [
    ("特に力を入れている", Class::Sufficiency),
    ("十分である", Class::Sufficiency),
    ("課題が残されている", Class::Sufficiency),
    ("発生あり", Class::Incident),
    ("発生なし", Class::Incident),
    ("特に力を入れて行っている", Class::Other),
    ("十分に行っている", Class::Other),
    ("十分に行っていない", Class::Other),
    ("定めている", Class::Other),
    ("定めていない", Class::Other),
    ("行っている", Class::Other),
    ("行っていない", Class::Other),
    ("再委託していない", Class::Other),
];

/// The options a question label accepts, from its wording.
pub fn question_class(label: &str) -> Class {
    let f = lfold(label).replace("【再掲】", "");
    if f.ends_with("十分か") {
        Class::Sufficiency
    } else if f.ends_with("発生したか") {
        Class::Incident
    } else {
        Class::Other
    }
}

/// Family of an answer text.
fn class_of(answer: &str) -> Class {
    VOCABULARY
        .iter()
        .find(|(w, _)| *w == answer)
        .map_or(Class::Other, |&(_, c)| c)
}

static NOISE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"＜選択肢＞|<選択肢>|[0-9０-９]{1,2}\s*[)）]|[\[\]［］]").unwrap());

/// The answer a line consists of (`[ 十分である`, `定めている[`,
/// `[ 十分である 2） 十分である`, `［ 実施する ］`), with its family. Lines with
/// other text, ticked boxes or long values are not answers.
pub fn answer_of_line(line: &str) -> Option<(String, Class)> {
    let t = line.trim();
    let t = t
        .strip_prefix("＜選択肢＞")
        .or_else(|| t.strip_prefix("<選択肢>"))
        .unwrap_or(t)
        .trim();
    // `][ 答え`: a box closed on the previous line, then the bracketed answer.
    let t = t
        .strip_prefix([']', '］'])
        .map(str::trim_start)
        .filter(|r| r.starts_with(['[', '［']))
        .unwrap_or(t);
    // `1万人以上10万人未満[ ]`: an empty box glued after the answer.
    let t = EMPTY_BOX
        .find(t)
        .filter(|m| m.end() == t.len() && m.start() > 0)
        .map_or(t, |m| t[..m.start()].trim());
    // `[ ]十分である`: the box halves of a selected radio answer printed
    // together (checkbox texts such as `[ ] 紙` are not answers).
    if let Some(rest) = EMPTY_BOX
        .find(t)
        .filter(|m| m.start() == 0)
        .map(|m| &t[m.end()..])
    {
        let rest = rest.trim();
        if super::form::is_answer_option(rest) {
            return Some((rest.to_string(), class_of(rest)));
        }
    }
    if is_option_fragment(t) {
        return None;
    }
    // `10万人以上30万人未満 ] 2) 1,000人以上1万人未満`: the answer, then the
    // option list it was printed into.
    let t = match OPTION_AFTER.find(t) {
        Some(m) if m.start() > 0 => t[..m.start()].trim(),
        _ => t,
    };
    let bracketed = t.starts_with(['[', '［']);
    let rest = NOISE.replace_all(t, " ");
    let words: Vec<&str> = rest.split_whitespace().collect();
    let first = *words.first()?;
    let known = VOCABULARY.iter().any(|(w, _)| *w == first) || super::form::is_answer_option(first);
    let same = words.iter().all(|w| *w == first);
    // Official options run up to ~40 chars (しきい値判断結果's
    // `基礎項目評価及び重点項目評価の実施が義務付けられる`).
    let short = words.len() == 1 && first.chars().count() <= 40;
    ((known && same) || (bracketed && short)).then(|| (first.to_string(), class_of(first)))
}

static OPTION_AFTER: Lazy<Regex> = Lazy::new(|| Regex::new(r"\s[0-9０-９]{1,2}\s*[)）]").unwrap());

static LONE_OPTION: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"^\s*([0-9０-９]{1,2})\s*[)）]\s*(.+?)\s*$").unwrap());

/// A numbered option printed on its own, away from its list
/// (` 9)　従業者に対する教育・啓発`): long option lists print the selected
/// option with its number. Only options of long lists (≥ 6) with long texts
/// count, so that scattered pieces of short lists are not taken for answers.
fn lone_option(line: &str) -> Option<String> {
    let c = LONE_OPTION.captures(line)?;
    let n: usize = crate::normalize::fold(&c[1]).parse().ok()?;
    let text = c[2].trim();
    if text.chars().count() < 10 || OPTION_AFTER.is_match(text) {
        return None;
    }
    let value = super::form::OptionValue::new(text);
    super::form::OPTION_SETS
        .iter()
        .filter(|(_, o)| o.len() >= 6)
        .find(|(_, o)| value.index_in(o) == Some(n.wrapping_sub(1)))
        .map(|_| text.to_string())
}

static EMPTY_BOX: Lazy<Regex> = Lazy::new(|| Regex::new(r"[\[［]\s*[\]］]").unwrap());

/// Option-list or checkbox text rather than a selected answer: numbered
/// options (`2） 十分である`), boxes (`[ ] 紙`, `[ ○ ] 紙`, `] 行っていない`).
fn is_option_fragment(t: &str) -> bool {
    super::is_option_line(t)
        || t.starts_with([']', '］'])
        || EMPTY_BOX.is_match(t)
        || t.contains(['○', '〇'])
}

/// A block of content lines that is nothing but one answer. `isolated`: no
/// option line is printed next to the block (a lone numbered option is then
/// the selected one, not a piece of its list).
pub fn answer_of_block(lines: &[&str], isolated: bool) -> Option<(String, Class)> {
    let content: Vec<&&str> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
    if let (true, [one]) = (isolated, &content[..]) {
        if let Some(v) = lone_option(one) {
            return Some((v, Class::Other));
        }
    }
    let mut found: Option<(String, Class)> = None;
    for l in lines.iter().filter(|l| !l.trim().is_empty()) {
        match answer_of_line(l) {
            Some(a) if found.is_none() => found = Some(a),
            Some(_) => {}
            None if super::is_choice_line(l) => {}
            None => return None,
        }
    }
    found
}

/// An unbracketed option of the official vocabulary printed in a choice
/// field's body (`十分に行っている 従業者に対する教育・啓発`): its value.
pub fn bare_answer(body: &str) -> Option<String> {
    body.lines().find_map(|l| {
        let rest = NOISE.replace_all(l, " ");
        rest.split_whitespace()
            .find(|w| VOCABULARY.iter().any(|(v, _)| v == w))
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_and_their_questions() {
        assert_eq!(
            answer_of_line("[ 十分である 2） 十分である"),
            Some(("十分である".into(), Class::Sufficiency))
        );
        assert_eq!(
            answer_of_line("定めている["),
            Some(("定めている".into(), Class::Other))
        );
        assert_eq!(answer_of_line("発生なし").unwrap().1, Class::Incident);
        assert_eq!(answer_of_line("[ ○] 内部監査[ ["), None);
        assert_eq!(answer_of_line("3） 課題が残されている"), None);
        assert_eq!(answer_of_line("[ ] 情報提供ネットワークシステム"), None);
        assert_eq!(answer_of_line("] 行っていない"), None);
        assert_eq!(
            answer_of_line("＜選択肢＞[ 行っている").map(|a| a.0),
            Some("行っている".into())
        );
        assert_eq!(
            answer_of_line("申請書等の記載項目について、必要な項目のみ"),
            None
        );
        assert_eq!(
            question_class("当該対策は十分か【再掲】"),
            Class::Sufficiency
        );
        assert_eq!(
            question_class(
                "②過去３年以内に、評価実施機関において、個人情報に関する重大事故が発生したか"
            ),
            Class::Incident
        );
        assert_eq!(
            bare_answer("十分に行っている 従業者に対する教育・啓発").as_deref(),
            Some("十分に行っている")
        );
        // Options of the official lists are answers wherever printed.
        let a = |l: &str| answer_of_line(l).map(|a| a.0);
        assert_eq!(
            a("1万人以上10万人未満 ]").as_deref(),
            Some("1万人以上10万人未満")
        );
        assert_eq!(
            a("10万人以上30万人未満 ] 2) 1,000人以上1万人未満").as_deref(),
            Some("10万人以上30万人未満")
        );
        assert_eq!(
            a("1万人以上10万人未満[ ]").as_deref(),
            Some("1万人以上10万人未満")
        );
        assert_eq!(a(" [ ]十分である").as_deref(), Some("十分である"));
        assert_eq!(a("[ ] 紙"), None);
        // A lone numbered option of a long list is the selected one.
        let lone = [" 9)　従業者に対する教育・啓発"];
        assert_eq!(
            answer_of_block(&lone, true).map(|a| a.0).as_deref(),
            Some("従業者に対する教育・啓発")
        );
        assert_eq!(answer_of_block(&lone, false), None);
        assert_eq!(answer_of_block(&["3) 未定"], true), None);
    }
}
