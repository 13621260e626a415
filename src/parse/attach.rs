//! Page-level refinements of R6 that follow the form tree rather than the
//! print order: answers go to the questions that can take them, and prose
//! never stays on a grouping heading or a choice field when the form has a
//! free-text field for it on the same page.

use std::collections::{HashMap, HashSet};

use super::answer::{question_class, Class};
use super::form::{Kind, Schema};
use super::Place;
use crate::normalize::is_digit;

/// Answers after which a question's sub-fields stay empty (they are only
/// filled for the positive answer, e.g. その内容 after 発生あり).
const NEGATIVE: [&str; 4] = [
    "発生なし",
    "定めていない",
    "行っていない",
    "再委託していない",
];

/// What the content blocks of one page have filled so far.
#[derive(Debug, Default)]
pub struct PageFill {
    /// Checkbox texts ticked in the document (`委託しない`): the questions
    /// under a node printed with such a box stay unanswered.
    pub ticked: HashSet<String>,
    filled: HashSet<Place>,
    answered: HashMap<Place, String>,
    descended: HashMap<Place, Place>,
}

impl PageFill {
    /// Marks a place as holding content.
    pub fn fill(&mut self, p: Place) {
        self.filled.insert(p);
    }

    /// True if the place holds content.
    pub fn is_filled(&self, p: Place) -> bool {
        self.filled.contains(&p)
    }

    /// Records the answer of a question.
    pub fn answer(&mut self, p: Place, value: &str) {
        self.answered.insert(p, value.to_string());
    }

    /// True if the place is a sub-field of a question answered negatively.
    pub fn is_moot(&self, schema: &Schema, p: Place) -> bool {
        if schema.chain(p.node).iter().any(|&a| {
            schema.nodes[a]
                .boxes
                .iter()
                .any(|b| self.ticked.contains(b))
        }) {
            return true;
        }
        schema.nodes[p.node].parent.is_some_and(|q| {
            let qp = Place {
                node: q,
                block: p.block,
            };
            self.answered
                .get(&qp)
                .is_some_and(|a| NEGATIVE.contains(&a.as_str()))
        })
    }
}

/// A free-text field (not a choice, name, date or count).
pub fn is_prose(schema: &Schema, node: usize) -> bool {
    let n = &schema.nodes[node];
    n.kind == Kind::Field
        && !n.choice
        && !n.checkbox
        && !n.org
        && !["名", "名称", "日", "数", "部署", "役職名", "期間", "機関"]
            .iter()
            .any(|s| n.label.ends_with(s))
}

/// True if the form node has no child fields (a leaf heading such as
/// `３．特定個人情報ファイル名` takes its value directly).
pub fn is_leaf(schema: &Schema, node: usize) -> bool {
    schema
        .nodes
        .get(node + 1)
        .is_none_or(|n| n.parent != Some(node))
}

/// What kind of value a field takes, from the official form: a choice or a
/// checkbox (answered by its options only), a name (one short line), a date,
/// or free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Answered only by one of its options (or ticked boxes).
    Choice,
    /// A name: one short line (事務の名称, ファイル名, 委託先名, 部署).
    Name,
    /// A date (使用開始日, 実施日).
    Date,
    /// Free text.
    Text,
    /// A grouping node: takes no value of its own.
    Group,
}

/// The value kind of a node.
pub fn value_kind(schema: &Schema, node: usize) -> ValueKind {
    let n = &schema.nodes[node];
    // Numbered headings with sub-fields group them; fields with sub-fields
    // (⑤使用方法 > 情報の突合) have a value of their own unless the form
    // marks them as a pure group (`grp`).
    let group = match n.kind {
        Kind::Field => n.group,
        Kind::Numbered => !is_leaf(schema, node),
        // 委託事項N / 提供先N / 移転先N headers carry a title or a name.
        Kind::Block => n.label.starts_with("システム"),
        _ => true,
    };
    if group {
        return ValueKind::Group;
    }
    if n.choice || n.checkbox {
        return ValueKind::Choice;
    }
    let label = n.label.trim_end_matches('※').trim();
    // `６．他の評価実施機関` lists agencies: names too.
    if n.org
        || n.kind == Kind::Block
        || ["名", "名称", "部署", "役職名", "機関"]
            .iter()
            .any(|s| label.ends_with(s))
    {
        ValueKind::Name
    } else if label.ends_with('日') {
        ValueKind::Date
    } else {
        ValueKind::Text
    }
}

/// Can a field of `node` hold this block of content lines (choice lists
/// removed)? Names are one short line, dates carry a digit, choices and
/// groups take no free text.
pub fn accepts(schema: &Schema, node: usize, content: &[&str]) -> bool {
    let one_line = content.len() == 1;
    if content.iter().any(|l| is_box_line(l)) {
        return false;
    }
    let first = content.first().map_or("", |l| l.trim());
    match value_kind(schema, node) {
        ValueKind::Choice | ValueKind::Group => false,
        // A name, or a list of names (システムの名称, ファイル名); a note in
        // parentheses does not make a name prose.
        ValueKind::Name => names(content)
            .iter()
            .all(|n| own_chars(n) <= 60 && !n.ends_with('。')),
        ValueKind::Date => one_line && first.chars().any(is_digit),
        ValueKind::Text => true,
    }
}

/// Whether `content` is a list of names of the kind `node` names, every
/// line one of them (`中間サーバー` for システムの名称, `収納ファイル` for
/// ファイル名, `…広域連合` for 他の評価実施機関, `…に関する事務` for
/// 事務の名称): evidence that holds wherever the page printed the list,
/// even right under another label.
pub fn names_fit(schema: &Schema, node: usize, content: &[&str]) -> bool {
    let hints = schema.nodes[node].hints;
    names_a_kind(schema, node)
        && !content.is_empty()
        && accepts(schema, node, content)
        && names(content)
            .iter()
            .all(|n| hints.iter().any(|h| n.contains(h)))
}

/// The names `content` lists, one per line, except that a name wrapped in
/// its cell runs on while a parenthesis it opened is open
/// (`(1) 資格・賦課・給付情報ファイル(国民健康保険シ` / `ステム、…等)`): the
/// lines after the first need not hold the kind's word themselves.
fn names(content: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut depth = 0usize;
    for l in content {
        let t = l.trim();
        match out.last_mut() {
            Some(name) if depth > 0 => name.push_str(t),
            _ => out.push(t.to_string()),
        }
        t.chars().for_each(|c| {
            nest(&mut depth, c);
        });
    }
    out
}

/// Characters of a name outside parentheses: its own words, without the
/// notes it carries (`(以下「国保総合システム」という。)`).
fn own_chars(name: &str) -> usize {
    let mut depth = 0usize;
    name.chars()
        .filter(|&c| {
            let outside = depth == 0;
            !nest(&mut depth, c) && outside
        })
        .count()
}

/// Whether `c` is a parenthesis (half or full width), with `depth`, the
/// parentheses open before it, moved past it.
fn nest(depth: &mut usize, c: char) -> bool {
    match c {
        '(' | '（' => *depth += 1,
        ')' | '）' => *depth = depth.saturating_sub(1),
        _ => return false,
    }
    true
}

/// A name field whose names are of a kind its typical words tell
/// (システムの名称, ファイル名, 他の評価実施機関, 事務の名称).
fn names_a_kind(schema: &Schema, node: usize) -> bool {
    value_kind(schema, node) == ValueKind::Name && !schema.nodes[node].hints.is_empty()
}

/// Can a field of `node` hold `content` that only its place on the page
/// ties to it (the nearest label, a run continued)? As [`accepts`], and a
/// field of names of a kind takes only such names: on a scrambled page a
/// legal basis or an answer printed next to `２．特定個人情報ファイル名`
/// is not a file name, and taking it would leave the list of files
/// nowhere to go.
pub fn takes_nearby(schema: &Schema, node: usize, content: &[&str]) -> bool {
    if names_a_kind(schema, node) {
        names_fit(schema, node, content)
    } else {
        accepts(schema, node, content)
    }
}

/// A line of checkbox boxes and box texts (`○ ] 紙 [ ] フラッシュメモリ`):
/// every text piece is a checkbox option of the forms.
pub fn is_box_line(line: &str) -> bool {
    if is_box_fragment(line) {
        return true;
    }
    if !line.contains(BOX_MARKS) {
        return false;
    }
    let mut pieces = box_piece_strs(line).peekable();
    pieces.peek().is_some() && pieces.all(super::form::is_box_option)
}

/// The brackets and ticks of a checkbox line.
const BOX_MARKS: [char; 6] = ['[', ']', '［', '］', '○', '〇'];

/// The detail of a ticked `その他` box cut from its box
/// (`○ 庁内連携共通基盤システム ）`): a tick and an unopened parenthesis.
pub fn is_box_fragment(line: &str) -> bool {
    let t = line.trim();
    if !t.starts_with(['○', '〇']) {
        return false;
    }
    let opens = t.matches(['（', '(']).count();
    let closes = t.matches(['）', ')']).count();
    closes > opens
}

/// The text pieces of a checkbox line (brackets, ticks and `（ ）` removed).
pub fn box_pieces(line: &str) -> Vec<String> {
    box_piece_strs(line).map(str::to_string).collect()
}

/// [`box_pieces`] without copying them.
fn box_piece_strs(line: &str) -> impl Iterator<Item = &str> {
    line.split(BOX_MARKS)
        .map(|p| {
            // `その他 （ ）`: the empty detail parentheses of a box.
            let mut p = p.trim();
            for suffix in ["（ ）", "( )", "（ )", "（", "("] {
                p = p.strip_suffix(suffix).unwrap_or(p).trim();
            }
            if matches!(p, "）" | ")") {
                ""
            } else {
                p
            }
        })
        .filter(|p| !p.is_empty())
}

/// How strongly a block's text matches the typical words of a field
/// (total length of the hint words it contains).
pub fn hint_score(schema: &Schema, node: usize, text: &str) -> usize {
    schema.nodes[node]
        .hints
        .iter()
        .filter(|h| text.contains(*h))
        .map(|h| h.chars().count())
        .sum()
}

/// The question an answer `value` (of family `class`) belongs to: a choice
/// field of the page whose official options include the value (by wording
/// for fields without a known list), still unanswered and not voided by a
/// ticked box; the default target if it is such a question, else the first
/// one of the page in print order (answers and questions are printed in the
/// same order).
pub fn answer_target(
    schema: &Schema,
    targets: &[(usize, Place)],
    fill: &PageFill,
    value: &str,
    class: Class,
    default: Option<usize>,
) -> Option<usize> {
    let takes = |i: usize| {
        let n = &schema.nodes[targets[i].1.node];
        let fits = if n.options.is_empty() {
            n.kind == Kind::Field && question_class(&n.label) == class
        } else {
            n.has_option(value)
        };
        n.choice
            && fits
            && !fill.answered.contains_key(&targets[i].1)
            && !fill.is_moot(schema, targets[i].1)
    };
    if let Some(d) = default.filter(|&d| takes(d)) {
        return Some(d);
    }
    (0..targets.len())
        .filter(|&i| takes(i))
        .min_by_key(|&i| targets[i].0)
}

/// Where prose that landed on `p` (line `at`) belongs: a grouping heading
/// passes it to its first free-text child while that is empty; a choice
/// field passes it to the empty free-text field of the page that is nearest
/// in the form tree (then on the page).
pub fn refine(
    schema: &Schema,
    targets: &[(usize, Place)],
    fill: &mut PageFill,
    p: Place,
    at: usize,
) -> Place {
    let n = &schema.nodes[p.node];
    if n.kind == Kind::Field && (n.choice || n.checkbox) {
        return nearest_prose(schema, targets, fill, p, at).unwrap_or(p);
    }
    descend(schema, fill, p)
}

/// First free-text child of a grouping node (risk heading, numbered heading
/// with fields), if it is still empty or already took this heading's prose.
fn descend(schema: &Schema, fill: &mut PageFill, p: Place) -> Place {
    let n = &schema.nodes[p.node];
    if !matches!(n.kind, Kind::Risk | Kind::Numbered) {
        return p;
    }
    let Some(child) = (p.node + 1..schema.nodes.len())
        .take_while(|&j| schema.nodes[j].depth > n.depth)
        .find(|&j| schema.nodes[j].parent == Some(p.node) && is_prose(schema, j))
    else {
        return p;
    };
    let c = Place {
        node: child,
        block: p.block,
    };
    if fill.descended.get(&p) == Some(&c) || !fill.is_filled(c) {
        fill.descended.insert(p, c);
        return c;
    }
    p
}

/// The empty free-text field of the page closest to `p` in the form tree
/// (deepest common ancestor), then in print distance.
fn nearest_prose(
    schema: &Schema,
    targets: &[(usize, Place)],
    fill: &PageFill,
    p: Place,
    at: usize,
) -> Option<Place> {
    let chain = schema.chain(p.node);
    targets
        .iter()
        .filter(|(_, q)| {
            is_prose(schema, q.node) && !fill.is_filled(*q) && !fill.is_moot(schema, *q)
        })
        .map(|&(l, q)| {
            let common = chain
                .iter()
                .zip(schema.chain(q.node))
                .take_while(|(a, b)| **a == *b)
                .count();
            (common, l.abs_diff(at), q)
        })
        .filter(|&(common, _, _)| common >= 1)
        .max_by_key(|&(common, d, _)| (common, std::cmp::Reverse(d)))
        .map(|(_, _, q)| q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::form::{schema, Variant};

    fn node(key: &str) -> usize {
        let s = schema(Variant::KisoR6);
        s.nodes
            .iter()
            .position(|n| n.key == key)
            .unwrap_or_else(|| panic!("no node {key}"))
    }

    #[test]
    fn a_list_of_names_fits_the_field_of_its_kind_only() {
        let s = schema(Variant::KisoR6);
        let systems = node("basic.systems");
        let files = node("basic.files");
        let list = ["後期高齢者医療システム", "中間サーバー"];
        assert!(names_fit(s, systems, &list));
        assert!(!names_fit(s, files, &list));
        assert!(names_fit(s, files, &["資格ファイル", "賦課ファイル"]));
        // One line that is no system, or a sentence, is no such list.
        assert!(!names_fit(
            s,
            systems,
            &["中間サーバー", "番号法第９条第１項"]
        ));
        assert!(!names_fit(s, systems, &["システムで管理する。"]));
        // A field without a kind of names (the affair's name) has no list.
        assert!(!names_fit(
            s,
            node("basic.affair.name"),
            &["後期高齢者医療システム"]
        ));
    }

    #[test]
    fn a_name_wrapped_in_its_parentheses_is_one_name() {
        let s = schema(Variant::KisoR6);
        let files = node("basic.files");
        // A file's name with the systems that hold it, wrapped in its cell:
        // the lines after the first do not name a file of their own.
        let wrapped = [
            "(1) 資格・賦課・給付情報ファイル(国民健康保険シ",
            "ステム、国保総合(国保集約)システム、医療保険",
            "者等向け中間サーバー等)",
        ];
        assert!(names_fit(s, files, &wrapped));
        // On one line, its note does not make it too long for a name.
        assert!(names_fit(s, files, &[&wrapped.concat()]));
        // Lines out of parentheses still name one each.
        assert!(!names_fit(
            s,
            files,
            &["資格ファイル", "システム、国保総合"]
        ));
    }

    #[test]
    fn only_names_of_its_kind_join_a_field_by_nearness() {
        let s = schema(Variant::KisoR6);
        let files = node("basic.files");
        let legal = ["番号法第９条第１項 別表８５の項"];
        // Printed right under the label it would be taken (`accepts`); by
        // nearness alone it is not.
        assert!(accepts(s, files, &legal));
        assert!(!takes_nearby(s, files, &legal));
        assert!(takes_nearby(s, files, &["収納ファイル"]));
        // Other agencies are public bodies, not a legal basis.
        let others = node("basic.other_agencies");
        assert!(!takes_nearby(s, others, &legal));
        assert!(takes_nearby(s, others, &["神奈川県後期高齢者医療広域連合"]));
        // Fields of other kinds take by nearness what they accept.
        let purpose = node("basic.affair.description");
        assert!(takes_nearby(s, purpose, &legal));
    }
}
