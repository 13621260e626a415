//! The official form trees (FORMS.md §2) as data, with a form-independent
//! canonical key per node so that the same content can be compared across
//! 基礎/重点/全項目 forms and versions (cross-walk FORMS.md §2.4).
//!
//! Tree syntax: two spaces per depth, `label|slug[|flags]`. A slug starting
//! with `=` is an absolute key; otherwise it is appended to the parent's key.
//! Flags: `R6` (基礎 令和6年10月 only), `H31=<label>` (label in the 平成31年
//! version), `cb` (checkbox field), `org` (organisation-name field), `ch`
//! (choice field answered by a bracketed value), `opt=NAME` (the official
//! option list [`OPTION_SETS`] the field is answered from; implies `ch` or, for
//! checkbox fields, names the boxes), `grp` (a field that only groups its
//! sub-fields), `box=TEXT` (a checkbox printed with the
//! node, e.g. `委託しない`: when ticked, the node's questions stay unanswered).

use once_cell::sync::Lazy;
use std::collections::BTreeMap;

use super::lfold;
use crate::normalize::is_digit;

/// Which official form (and version) a document follows; selects the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variant {
    /// 基礎項目評価書, 令和6年10月 version (Ⅰ９, Ⅳ８, Ⅳ１１ present).
    KisoR6,
    /// 基礎項目評価書, 平成31年1月 version.
    KisoH31,
    /// 重点項目評価書.
    Juten,
    /// 全項目評価書.
    Zenkomoku,
}

/// What a node is, which decides how it is recognised and displayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Cover (表紙) and its fields.
    Cover,
    /// Roman top-level heading or appendix.
    Top,
    /// `１．…` numbered heading.
    Numbered,
    /// Repeated block header (`システムN`); display gets the block number.
    Block,
    /// `リスク１：…` risk heading.
    Risk,
    /// Any other field label.
    Field,
}

/// One node of a form tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// Label as the form prints it (canonical display form).
    pub label: String,
    /// Label folded for matching ([`lfold`]).
    pub fold: String,
    /// Depth (0 = top level).
    pub depth: usize,
    /// Index of the parent node.
    pub parent: Option<usize>,
    /// Canonical key (`N` stands for a block number).
    pub key: String,
    /// Node kind.
    pub kind: Kind,
    /// Checkbox field: ticked option lines belong here.
    pub checkbox: bool,
    /// Organisation-name field (委託先名).
    pub org: bool,
    /// Choice field answered by a bracketed value.
    pub choice: bool,
    /// The official options the field is answered from (radio options of a
    /// choice field, box texts of a checkbox field), as printed.
    pub options: &'static [&'static str],
    /// Words typical of the field's values in the official instructions
    /// (`時期・頻度`: 随時, 日次 …), used to place free text that the PDF
    /// printed away from its label.
    pub hints: &'static [&'static str],
    /// Words naming the subject of a numbered section (`４．…委託`: 委託),
    /// which the free text of its fields mentions.
    pub topic: &'static [&'static str],
    /// A field that only groups sub-fields (`④使用の主体`): no value of its own.
    pub group: bool,
    /// Checkboxes printed with the node (`委託しない`): when one is ticked,
    /// the questions under the node stay unanswered.
    pub boxes: Vec<String>,
}

impl Node {
    /// True if `value` is one of the field's official options (compared
    /// folded; an option's trailing parenthetical such as `（任意実施）` may be
    /// left out by the document).
    pub fn has_option(&self, value: &str) -> bool {
        option_index(self.options, value).is_some()
    }
}

/// Position of `value` in an option list (see [`Node::has_option`]).
pub fn option_index(options: &[&str], value: &str) -> Option<usize> {
    OptionValue::new(value).index_in(options)
}

/// A value folded once, to be looked up in many option lists: a line is
/// asked about against every list of the forms, and folding it per list was
/// a tenth of indexing time.
pub struct OptionValue(String);

impl OptionValue {
    /// Folds `value` for option lookups.
    pub fn new(value: &str) -> OptionValue {
        OptionValue(lfold(value))
    }

    /// Position of the value in `options` (see [`Node::has_option`]).
    pub fn index_in(&self, options: &[&str]) -> Option<usize> {
        match OPTION_SETS
            .iter()
            .position(|(_, o)| std::ptr::eq(*o, options))
        {
            Some(set) => self.index_in_set(set),
            None => options.iter().position(|o| self.is(&lfold(o))),
        }
    }

    /// Position of the value in set `set` of [`OPTION_SETS`], against its
    /// texts folded once per process.
    fn index_in_set(&self, set: usize) -> Option<usize> {
        let folded = &folded_sets()[set];
        if self.0.len() > folded.longest {
            return None;
        }
        folded.options.iter().position(|f| self.is(f))
    }

    /// Whether the folded option `f` is the value: equal, or the value plus
    /// a parenthetical the document left out.
    fn is(&self, f: &str) -> bool {
        let v = self.0.as_str();
        !v.is_empty()
            && (f == v
                || (f.starts_with(v) && f[v.len()..].starts_with('(') && v.chars().count() >= 3))
    }

    /// Whether the value is an option of some set that `keep` accepts (by name).
    fn in_any_set(&self, keep: impl Fn(&str) -> bool) -> bool {
        OPTION_SETS
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| keep(n))
            .any(|(set, _)| self.index_in_set(set).is_some())
    }
}

/// One option set's texts, folded.
struct FoldedSet {
    options: Vec<String>,
    /// Byte length of the longest: a longer value matches none.
    longest: usize,
}

/// Every set of [`OPTION_SETS`] folded, once per process (a few hundred
/// fixed strings).
fn folded_sets() -> &'static [FoldedSet] {
    static SETS: std::sync::OnceLock<Vec<FoldedSet>> = std::sync::OnceLock::new();
    SETS.get_or_init(|| {
        OPTION_SETS
            .iter()
            .map(|(_, o)| {
                let options: Vec<String> = o.iter().map(|t| lfold(t)).collect();
                let longest = options.iter().map(String::len).max().unwrap_or(0);
                FoldedSet { options, longest }
            })
            .collect()
    })
}

/// The options of the forms' effort questions (従業者に対する教育・啓発,
/// ⑤物理的対策, ⑥技術的対策): the same three in each.
const EFFORT: &[&str] = &[
    "特に力を入れて行っている",
    "十分に行っている",
    "十分に行っていない",
];

/// The official option lists of the choice and checkbox fields (the
/// `＜選択肢＞` lists and box texts of the forms), by the name the trees use in
/// `opt=NAME`. Data, not per-document rules: a value that is one of a field's
/// options is that field's answer wherever the PDF text prints it.
pub const OPTION_SETS: &[(&str, &[&str])] = &[
    ("sufficiency", &["特に力を入れている", "十分である", "課題が残されている"]),
    ("incident", &["発生あり", "発生なし"]),
    (
        "population",
        &[
            "1,000人未満（任意実施）",
            "1,000人以上1万人未満",
            "1万人以上10万人未満",
            "10万人以上30万人未満",
            "30万人以上",
        ],
    ),
    ("handlers500", &["500人以上", "500人未満"]),
    (
        "subjects",
        &[
            "1万人未満",
            "1万人以上10万人未満",
            "10万人以上100万人未満",
            "100万人以上1,000万人未満",
            "1,000万人以上",
        ],
    ),
    (
        "items",
        &[
            "10項目未満",
            "10項目以上50項目未満",
            "50項目以上100項目未満",
            "100項目以上",
        ],
    ),
    (
        "staff",
        &[
            "10人未満",
            "10人以上50人未満",
            "50人以上100人未満",
            "100人以上500人未満",
            "500人以上1,000人未満",
            "1,000人以上",
        ],
    ),
    ("implement", &["実施する", "実施しない", "未定"]),
    ("entrust", &["委託する", "委託しない"]),
    ("subcontract", &["再委託する", "再委託しない"]),
    ("training", EFFORT),
    ("measures", EFFORT),
    (
        "assurance",
        &[
            "特に力を入れて行っている",
            "十分に行っている",
            "十分に行っていない",
            "十分にしている",
            "十分にしていない",
            "再委託していない",
        ],
    ),
    ("rules", &["定めている", "定めていない"]),
    ("doing", &["行っている", "行っていない"]),
    ("record", &["記録を残している", "記録を残していない"]),
    ("restrict", &["制限している", "制限していない"]),
    ("hold", &["保管している", "保管していない"]),
    ("fees", &["有料", "無料"]),
    (
        "nisc",
        &[
            "特に力を入れて遵守している",
            "十分に遵守している",
            "十分に遵守していない",
            "政府機関ではない",
        ],
    ),
    (
        "maintain",
        &["特に力を入れて整備している", "十分に整備している", "十分に整備していない"],
    ),
    (
        "inform",
        &["特に力を入れて周知している", "十分に周知している", "十分に周知していない"],
    ),
    (
        "forms",
        &[
            "基礎項目評価書",
            "基礎項目評価書及び重点項目評価書",
            "基礎項目評価書及び全項目評価書",
        ],
    ),
    (
        "threshold",
        &[
            "基礎項目評価の実施が義務付けられる",
            "基礎項目評価及び重点項目評価の実施が義務付けられる",
            "基礎項目評価及び全項目評価の実施が義務付けられる",
            "特定個人情報保護評価の実施が義務付けられない",
        ],
    ),
    (
        "file_type",
        &["システム用ファイル", "その他の電子ファイル（表計算ファイル等）", "紙ファイル"],
    ),
    (
        "file_scope",
        &["特定個人情報ファイルの全体", "特定個人情報ファイルの一部"],
    ),
    (
        "period",
        &[
            "1年未満",
            "1年",
            "2年",
            "3年",
            "4年",
            "5年",
            "6年以上10年未満",
            "10年以上20年未満",
            "20年以上",
            "定められていない",
        ],
    ),
    (
        "priority",
        &[
            "目的外の入手が行われるリスクへの対策",
            "目的を超えた紐付け、事務に必要のない情報との紐付けが行われるリスクへの対策",
            "権限のない者によって不正に使用されるリスクへの対策",
            "委託先における不正な使用等のリスクへの対策",
            "不正な提供・移転が行われるリスクへの対策（委託や情報提供ネットワークシステムを通じた提供を除く。）",
            "情報提供ネットワークシステムを通じて目的外の入手が行われるリスクへの対策",
            "情報提供ネットワークシステムを通じて不正な提供が行われるリスクへの対策",
            "特定個人情報の漏えい・滅失・毀損リスクへの対策",
            "従業者に対する教育・啓発",
        ],
    ),
    (
        "sources",
        &[
            "本人又は本人の代理人",
            "評価実施機関内の他部署",
            "行政機関・独立行政法人等",
            "地方公共団体・地方独立行政法人",
            "民間事業者",
            "その他",
        ],
    ),
    (
        "delivery",
        &[
            "紙",
            "電子記録媒体（フラッシュメモリを除く。）",
            "フラッシュメモリ",
            "電子メール",
            "専用線",
            "庁内連携システム",
            "情報提供ネットワークシステム",
            "その他",
        ],
    ),
    (
        "connections",
        &[
            "情報提供ネットワークシステム",
            "庁内連携システム",
            "住民基本台帳ネットワークシステム",
            "既存住民基本台帳システム",
            "宛名システム等",
            "税務システム",
            "その他",
        ],
    ),
    ("audit", &["自己点検", "内部監査", "外部監査"]),
    ("provision", &["提供を行っている", "移転を行っている", "行っていない"]),
];

/// An office's address and telephone number (請求先, 連絡先).
const OFFICE: &[&str] = &["〒", "電話", "番地", "役所", "役場", "TEL", "内線"];

/// Words typical of the values of fields, by the end of the field's label
/// (all forms): what the form asks for in each field.
const HINTS: &[(&str, &[&str])] = &[
    (
        "時期・頻度",
        &[
            "随時",
            "日次",
            "週次",
            "月次",
            "年次",
            "毎日",
            "毎月",
            "毎年",
            "都度",
            "頻度",
            "適宜",
            "発生時",
        ],
    ),
    ("再委託の許諾方法", &["承諾", "許諾", "申請", "書面"]),
    ("法令上の根拠", LAW),
    // Where to send a request or question: an office, its address and
    // telephone number.
    ("請求先", OFFICE),
    ("連絡先", OFFICE),
    // A count's reference date (`令和6年4月1日時点`).
    ("いつ時点の計数か", &["時点"]),
    // Names of a kind: every line of the value names one (see
    // `attach::names_fit`): systems, files, public bodies (other agencies
    // that assess the same affair), an affair (`…に関する事務`).
    ("システムの名称", &["システム", "サーバ"]),
    ("ファイル名", &["ファイル"]),
    ("他の評価実施機関", &["連合", "機構", "組合", "協議会"]),
    ("事務の名称", &["事務"]),
    ("再委託事項", &["業務"]),
    ("委託事項", &["業務委託"]),
    ("提供する情報", &["情報"]),
    ("移転する情報", &["情報"]),
    ("本人の範囲", &["者"]),
    // Contract clauses are written as prohibitions (…してはならない).
    (
        "規定の内容",
        &["規定", "契約", "禁止", "義務", "てはならない"],
    ),
];

/// The words of any legal basis (法令上の根拠), then `$w`.
macro_rules! law {
    ($($w:literal),*) => {
        &["法律", "法第", "条", "政令", "省令", "規則", $($w),*]
    };
}

/// Words of any legal basis.
const LAW: &[&str] = law!();

/// A legal basis for using the number: the My Number Act's article 9 and
/// its first annexed table (別表第一), which list the affairs that may use
/// it (an in-house transfer is such a use).
const LAW_OF_USE: &[&str] = law!("第9条", "第９条", "別表第一", "別表第１");

/// A legal basis for providing the information to another body: the Act's
/// article 19, its second annexed table (別表第二) and the ministerial order
/// that replaced the table in 2024 (主務省令), as information linkage
/// through the network system and provision to another body cite them.
const LAW_OF_PROVISION: &[&str] = law!("第19条", "第１９条", "別表第二", "別表第２", "主務省令");

/// Typical words of a field that depend on the section it is in, by the
/// end of the parent's label (a block's `N` left out) and of the field's:
/// the forms ask for a legal basis in four places, and two bases printed
/// on one page in another order (個人番号の利用 and 情報連携 in 基礎項目;
/// 提供先 and 移転先 in 全項目) are told apart by the article they cite.
const PLACED_HINTS: &[(&str, &str, &[&str])] = &[
    ("個人番号の利用", "法令上の根拠", LAW_OF_USE),
    ("情報連携", "法令上の根拠", LAW_OF_PROVISION),
    ("提供先", "法令上の根拠", LAW_OF_PROVISION),
    ("移転先", "法令上の根拠", LAW_OF_USE),
];

/// Subjects of the risk sections (all forms), by the end of the heading.
const TOPICS: &[(&str, &[&str])] = &[
    ("取扱いの委託", &["委託"]),
    (
        "（委託や情報提供ネットワークシステムを通じた提供を除く。）",
        &["提供", "移転"],
    ),
    (
        "情報提供ネットワークシステムとの接続",
        &["情報提供ネットワーク", "中間サーバ"],
    ),
    (
        "特定個人情報の保管・消去",
        &["保管", "消去", "物理的", "技術的"],
    ),
];

/// Topic words of a numbered heading (see [`Node::topic`]).
fn topic_of(label: &str) -> &'static [&'static str] {
    TOPICS
        .iter()
        .find(|(k, _)| label.ends_with(k))
        .map_or(&[], |(_, t)| *t)
}

/// Hints of a label under a parent labelled `parent` (see [`Node::hints`]).
fn hints_of(parent: &str, label: &str, kind: Kind) -> &'static [&'static str] {
    let l = label.trim_end_matches(['※', 'N', ' ']);
    let parent = parent.trim_end_matches(['※', 'N', ' ']);
    if let Some((_, _, h)) = PLACED_HINTS
        .iter()
        .find(|(p, k, _)| parent.ends_with(p) && l.ends_with(k))
    {
        return h;
    }
    HINTS
        .iter()
        .find(|(k, _)| l.ends_with(k) && (kind != Kind::Block || *k == "委託事項"))
        .map_or(&[], |(_, h)| *h)
}

/// The options of a named set (empty if unknown).
fn option_set(name: &str) -> &'static [&'static str] {
    OPTION_SETS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[], |(_, o)| *o)
}

/// Every radio option of every form (the values an answer can take), for
/// recognising an answer before knowing its question.
pub fn is_radio_option(value: &str) -> bool {
    OptionValue::new(value).is_radio()
}

/// True if `value` is the text of some checkbox of the forms.
pub fn is_box_option(value: &str) -> bool {
    OptionValue::new(value).is_box()
}

/// True if `value` can answer a choice field: a radio option of some field
/// that is not also a checkbox text.
pub fn is_answer_option(value: &str) -> bool {
    let v = OptionValue::new(value);
    v.is_radio() && !v.is_box()
}

/// True if `value` is any option of the forms, radio or checkbox.
pub fn is_any_option(value: &str) -> bool {
    let v = OptionValue::new(value);
    v.is_radio() || v.is_box()
}

impl OptionValue {
    /// True if the value is a radio option of some field ([`is_radio_option`]).
    pub fn is_radio(&self) -> bool {
        self.in_any_set(|n| !CHECKBOX_SETS.contains(&n))
    }

    /// True if the value is a checkbox text ([`is_box_option`]).
    pub fn is_box(&self) -> bool {
        self.in_any_set(|n| CHECKBOX_SETS.contains(&n))
    }
}

/// Option sets that are checkbox texts, not radio answers.
const CHECKBOX_SETS: [&str; 5] = ["sources", "delivery", "connections", "audit", "provision"];

/// A parsed form tree.
#[derive(Debug)]
pub struct Schema {
    /// Form variant.
    pub variant: Variant,
    /// Nodes in form order.
    pub nodes: Vec<Node>,
    /// Bytes of the longest folded label: [`crate::parse::match_label`]
    /// reads no further into a text, so a long cell is folded only that far.
    pub longest_fold: usize,
    /// The nodes that [`crate::parse::match_label`] may match, by the first
    /// character of their folded label, in form order: it is asked for every
    /// row and cell of a document, and comparing each with all of the form's
    /// labels was a twentieth of parsing.
    pub by_first_char: BTreeMap<char, Vec<usize>>,
}

impl Schema {
    /// Ancestors of `i`, from the top level down to `i` itself.
    pub fn chain(&self, i: usize) -> Vec<usize> {
        let mut v = vec![i];
        let mut c = i;
        while let Some(p) = self.nodes[c].parent {
            v.push(p);
            c = p;
        }
        v.reverse();
        v
    }

    /// True if `a` is `d` or an ancestor of `d`.
    pub fn is_ancestor_or_self(&self, a: usize, d: usize) -> bool {
        let mut c = Some(d);
        while let Some(x) = c {
            if x == a {
                return true;
            }
            c = self.nodes[x].parent;
        }
        false
    }

    /// The repeated-block ancestor of `i`, if any.
    pub fn block_of(&self, i: usize) -> Option<usize> {
        self.chain(i)
            .into_iter()
            .find(|&a| self.nodes[a].kind == Kind::Block)
    }

    /// Top-level ancestor of `i`.
    pub fn top_of(&self, i: usize) -> usize {
        let mut c = i;
        while let Some(p) = self.nodes[c].parent {
            c = p;
        }
        c
    }

    /// The top-level section that `i` lies in when that section repeats
    /// per 特定個人情報ファイル (FORMS.md 2.3: Ⅱ and Ⅲ of the 重点 and
    /// 全項目 forms, whose first heading is `１．特定個人情報ファイル名`), None
    /// otherwise and for the top heading itself. A rule of the form trees:
    /// the 基礎 forms name their files once, under Ⅰ, and do not repeat.
    pub fn file_scope(&self, i: usize) -> Option<usize> {
        let top = self.top_of(i);
        (top != i && self.file_heading(top).is_some()).then_some(top)
    }

    /// The top-level section whose file's block node `i` opens, when `i` is
    /// its `特定個人情報ファイル名` heading.
    pub fn opens_file_block(&self, i: usize) -> Option<usize> {
        let top = self.top_of(i);
        (self.file_heading(top) == Some(i)).then_some(top)
    }

    /// The `特定個人情報ファイル名` heading that opens each file's block of
    /// top-level section `top`, if the section repeats per file.
    pub fn file_heading(&self, top: usize) -> Option<usize> {
        let first = self.nodes.get(top + 1)?;
        (first.parent == Some(top) && strip_number(&first.fold) == FILE_NAME).then_some(top + 1)
    }
}

/// The folded label of the heading that opens a file's block.
const FILE_NAME: &str = "特定個人情報ファイル名";

const COVER: &str = "
表紙|=cover
  評価書番号|number
  評価書名|title
  個人のプライバシー等の権利利益の保護の宣言|declaration
  特記事項|notes
  評価実施機関名|agency
  個人情報保護委員会 承認日【行政機関等のみ】|approval
  公表日|published
";

const KISO: &str = "
Ⅰ 関連情報|=basic
  １．特定個人情報ファイルを取り扱う事務|affair
    ①事務の名称|name
    ②事務の概要|description
    ③システムの名称|=basic.systems
  ２．特定個人情報ファイル名|=basic.files
  ３．個人番号の利用|number_use
    法令上の根拠|legal_basis
  ４．情報提供ネットワークシステムによる情報連携|network_link
    ①実施の有無|implemented|opt=implement
    ②法令上の根拠|legal_basis
  ５．評価実施機関における担当部署|department
    ①部署|unit
    ②所属長の役職名|head
  ６．他の評価実施機関|other_agencies
  ７．特定個人情報の開示・訂正・利用停止請求|=disclosure
    請求先|contact
  ８．特定個人情報ファイルの取扱いに関する問合せ|=inquiry
    連絡先|contact
  ９．規則第９条第２項の適用|rule9|R6,box=適用した
    適用した理由|reason
Ⅱ しきい値判断項目|=threshold
  １．対象人数|=basic.affair.population
    評価対象の事務の対象人数は何人か|count|opt=population
    いつ時点の計数か|as_of
  ２．取扱者数|=threshold.handlers
    特定個人情報ファイル取扱者数は500人以上か|count|opt=handlers500
    いつ時点の計数か|as_of
  ３．重大事故|=threshold.accident
    過去１年以内に、評価実施機関において特定個人情報に関する重大事故が発生したか|occurred|opt=incident
Ⅲ しきい値判断結果|=threshold.judgement
  しきい値判断結果|=threshold.result|opt=threshold
Ⅳ リスク対策|=risk
  １．提出する特定個人情報保護評価書の種類|submitted_forms|opt=forms
  ２．特定個人情報の入手（情報提供ネットワークシステムを通じた入手を除く。）|acquire
    目的外の入手が行われるリスクへの対策は十分か|purpose.sufficient|opt=sufficiency
  ３．特定個人情報の使用|use
    目的を超えた紐付け、事務に必要のない情報との紐付けが行われるリスクへの対策は十分か|linkage.sufficient|opt=sufficiency
    権限のない者（元職員、アクセス権限のない職員等）によって不正に使用されるリスクへの対策は十分か|unauthorized.sufficient|opt=sufficiency
  ４．特定個人情報ファイルの取扱いの委託|entrust|box=委託しない
    委託先における不正な使用等のリスクへの対策は十分か|misuse.sufficient|opt=sufficiency
  ５．特定個人情報の提供・移転（委託や情報提供ネットワークシステムを通じた提供を除く。）|provide|box=提供・移転しない
    不正な提供・移転が行われるリスクへの対策は十分か|improper.sufficient|opt=sufficiency
  ６．情報提供ネットワークシステムとの接続|network
    目的外の入手が行われるリスクへの対策は十分か|purpose.sufficient|opt=sufficiency,box=接続しない（入手）
    不正な提供が行われるリスクへの対策は十分か|improper_provision.sufficient|opt=sufficiency,box=接続しない（提供）
  ７．特定個人情報の保管・消去|storage
    特定個人情報の漏えい・滅失・毀損リスクへの対策は十分か|leak.sufficient|opt=sufficiency
  ８．人手を介在させる作業|manual|R6,box=人手を介在させる作業はない
    人為的ミスが発生するリスクへの対策は十分か|human_error.sufficient|R6,opt=sufficiency
    判断の根拠|grounds|R6
  ９．監査|audit|H31=８．監査
    実施の有無|implemented|cb,opt=audit
  １０．従業者に対する教育・啓発|training|H31=９．従業者に対する教育・啓発
    従業者に対する教育・啓発|level|opt=training
  １１．最も優先度が高いと考えられる対策|priority|R6,box=全項目評価又は重点項目評価を実施する
    最も優先度が高いと考えられる対策|measure|R6,opt=priority
    当該対策は十分か【再掲】|sufficient|R6,opt=sufficiency
    判断の根拠|grounds|R6
変更箇所|=changes
";

const SYSTEMS: &str = "
  ２．特定個人情報ファイルを取り扱う事務において使用するシステム|=basic.systems
    システムN|N
      ①システムの名称|name
      ②システムの機能|function
      ③他のシステムとの接続|connections|cb,opt=connections
";

const FILE_HEAD: &str = "
  １．特定個人情報ファイル名|=file.name
  ２．基本情報|basic
    ①ファイルの種類|type|opt=file_type
    ②対象となる本人の数|subjects|opt=subjects
    ③対象となる本人の範囲|scope
      その必要性|necessity
    ④記録される項目|items|opt=items
      主な記録項目|main|cb
      その妥当性|validity
      全ての記録項目|all
    ⑤保有開始日|since
    ⑥事務担当部署|department
";

const PROVIDE: &str = "
    提供・移転の有無|present|cb,opt=provision
    提供先N|provide.N
      ①法令上の根拠|legal_basis
      ②提供先における用途|purpose
      ③提供する情報|information
      ④提供する情報の対象となる本人の数|subjects|opt=subjects
      ⑤提供する情報の対象となる本人の範囲|scope
      ⑥提供方法|method|cb,opt=delivery
      ⑦時期・頻度|frequency
    移転先N|transfer.N
      ①法令上の根拠|legal_basis
      ②移転先における用途|purpose
      ③移転する情報|information
      ④移転する情報の対象となる本人の数|subjects|opt=subjects
      ⑤移転する情報の対象となる本人の範囲|scope
      ⑥移転方法|method|cb,opt=delivery
      ⑦時期・頻度|frequency
";

const JUTEN_1: &str = "
Ⅰ 基本情報|=basic
  １．特定個人情報ファイルを取り扱う事務|affair
    ①事務の名称|name
    ②事務の内容|description
    ③対象人数|population|opt=population
";

const JUTEN_2: &str = "
  ３．特定個人情報ファイル名|=basic.files
  ４．個人番号の利用|number_use
    法令上の根拠|legal_basis
  ５．情報提供ネットワークシステムによる情報連携|network_link
    ①実施の有無|implemented|opt=implement
    ②法令上の根拠|legal_basis
  ６．評価実施機関における担当部署|department
    ①部署|unit
    ②所属長の役職名|head
  ７．他の評価実施機関|other_agencies
Ⅱ 特定個人情報ファイルの概要|=file
";

const JUTEN_3: &str = "
  ３．特定個人情報の入手・使用|acquire_use
    ①入手元|sources|cb,opt=sources
    ②入手方法|methods|cb,opt=delivery
    ③使用目的|purpose
    ④使用の主体|users|grp
      使用部署|departments
      使用者数|count|opt=staff
    ⑤使用方法|method
      情報の突合|matching
    ⑥使用開始日|since
  ４．特定個人情報ファイルの取扱いの委託|entrust
    委託の有無|present|opt=entrust
    委託事項N|N
      ①委託内容|content
      ②委託先における取扱者数|handlers|opt=staff
      ③委託先名|contractor|org
      ④再委託の有無|subcontract|opt=subcontract
      ⑤再委託の許諾方法|subcontract_approval
      ⑥再委託事項|subcontract_content
  ５．特定個人情報の提供・移転（委託に伴うものを除く。）|transfer
";

const JUTEN_4: &str = "
  ６．特定個人情報の保管・消去|storage
    保管場所|location
  ７．備考|remarks
（別添１） 特定個人情報ファイル記録項目|=appendix.record_items
Ⅲ リスク対策|=risk
  １．特定個人情報ファイル名|=risk.file
  ２．特定個人情報の入手（情報提供ネットワークシステムを通じた入手を除く。）|acquire
    リスク：目的外の入手が行われるリスク|purpose
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    特定個人情報の入手（情報提供ネットワークシステムを通じた入手を除く。）におけるその他のリスク及びそのリスクに対する措置|other
  ３．特定個人情報の使用|use
    リスク１：目的を超えた紐付け、事務に必要のない情報との紐付けが行われるリスク|linkage
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク２：権限のない者（元職員、アクセス権限のない職員等）によって不正に使用されるリスク|unauthorized
      ユーザ認証の管理|user_auth|opt=doing
      具体的な管理方法|user_auth.method
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    特定個人情報の使用におけるその他のリスク及びそのリスクに対する措置|other
  ４．特定個人情報ファイルの取扱いの委託|entrust|box=委託しない
    リスク：委託先における不正な使用等のリスク|misuse
      委託契約書中の特定個人情報ファイルの取扱いに関する規定|contract_rules|opt=rules
      規定の内容|contract_rules.content
      再委託先による特定個人情報ファイルの適切な取扱いの担保|subcontract_assurance|opt=assurance
      具体的な方法|subcontract_assurance.method
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    特定個人情報ファイルの取扱いの委託におけるその他のリスク及びそのリスクに対する措置|other
  ５．特定個人情報の提供・移転（委託や情報提供ネットワークシステムを通じた提供を除く。）|provide|box=提供・移転しない
    リスク：不正な提供・移転が行われるリスク|improper
      特定個人情報の提供・移転に関するルール|rules|opt=rules
      ルールの内容及びルール遵守の確認方法|rules.content
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    特定個人情報の提供・移転（委託や情報提供ネットワークシステムを通じた提供を除く。）におけるその他のリスク及びそのリスクに対する措置|other
  ６．情報提供ネットワークシステムとの接続|network
    リスク１：目的外の入手が行われるリスク|purpose
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク２：不正な提供が行われるリスク|improper_provision
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    情報提供ネットワークシステムとの接続に伴うその他のリスク及びそのリスクに対する措置|other
  ７．特定個人情報の保管・消去|storage
    リスク：特定個人情報の漏えい・滅失・毀損リスク|leak
      ①事故発生時手順の策定・周知|incident_procedure|opt=rules
      ②過去３年以内に、評価実施機関において、個人情報に関する重大事故が発生したか|accident|opt=incident
        その内容|detail
        再発防止策の内容|prevention
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    特定個人情報の保管・消去におけるその他のリスク及びそのリスクに対する措置|other
  ８．監査|audit
    実施の有無|implemented|cb,opt=audit
  ９．従業者に対する教育・啓発|training
    従業者に対する教育・啓発|level|opt=training
    具体的な方法|method
  １０．その他のリスク対策|other
Ⅳ 開示請求、問合せ|=disclosure_inquiry
  １．特定個人情報の開示・訂正・利用停止請求|=disclosure
    ①請求先|contact
    ②請求方法|method
    ③法令による特別の手続|special_procedure
    ④個人情報ファイル簿への不記載等|not_listed
  ２．特定個人情報ファイルの取扱いに関する問合せ|=inquiry
    ①連絡先|contact
    ②対応方法|handling
Ⅴ 評価実施手続|=procedure
  １．基礎項目評価|kiso
    ①実施日|date
    ②しきい値判断結果|=threshold.result|opt=threshold
  ２．国民・住民等からの意見の聴取|public_comment
    ①方法|method
    ②実施日・期間|period
    ③主な意見の内容|opinions
  ３．第三者点検|third_party
    ①実施日|date
    ②方法|method
    ③結果|result
（別添２） 変更箇所|=changes
";

const ZEN_1: &str = "
Ⅰ 基本情報|=basic
  １．特定個人情報ファイルを取り扱う事務|affair
    ①事務の名称|name
    ②事務の内容|description
    ③対象人数|population|opt=population
";

const ZEN_2: &str = "
  ３．特定個人情報ファイル名|=basic.files
  ４．特定個人情報ファイルを取り扱う理由|reason
    ①事務実施上の必要性|necessity
    ②実現が期待されるメリット|merit
  ５．個人番号の利用|number_use
    法令上の根拠|legal_basis
  ６．情報提供ネットワークシステムによる情報連携|network_link
    ①実施の有無|implemented|opt=implement
    ②法令上の根拠|legal_basis
  ７．評価実施機関における担当部署|department
    ①部署|unit
    ②所属長の役職名|head
  ８．他の評価実施機関|other_agencies
（別添1） 事務の内容|=appendix.affair_diagram
Ⅱ 特定個人情報ファイルの概要|=file
";

const ZEN_3: &str = "
  ３．特定個人情報の入手・使用|acquire_use
    ①入手元|sources|cb,opt=sources
    ②入手方法|methods|cb,opt=delivery
    ③入手の時期・頻度|timing
    ④入手に係る妥当性|validity
    ⑤本人への明示|notice
    ⑥使用目的|purpose
      変更の妥当性|change_validity
    ⑦使用の主体|users|grp
      使用部署|departments
      使用者数|count|opt=staff
    ⑧使用方法|method
      情報の突合|matching
      情報の統計分析|statistics
      権利利益に影響を与え得る決定|decisions
    ⑨使用開始日|since
  ４．特定個人情報ファイルの取扱いの委託|entrust
    委託の有無|present|opt=entrust
    委託事項N|N
      ①委託内容|content
      ②取扱いを委託する特定個人情報ファイルの範囲|file_scope|opt=file_scope
        対象となる本人の数|subjects|opt=subjects
        対象となる本人の範囲|scope
        その妥当性|validity
      ③委託先における取扱者数|handlers|opt=staff
      ④委託先への特定個人情報ファイルの提供方法|delivery|cb,opt=delivery
      ⑤委託先名の確認方法|contractor_disclosure
      ⑥委託先名|contractor|org
      ⑦再委託の有無|subcontract|opt=subcontract
      ⑧再委託の許諾方法|subcontract_approval
      ⑨再委託事項|subcontract_content
  ５．特定個人情報の提供・移転（委託に伴うものを除く。）|transfer
";

const ZEN_4: &str = "
  ６．特定個人情報の保管・消去|storage
    ①保管場所|location
    ②保管期間|period|opt=period
      期間|length
      その妥当性|validity
    ③消去方法|erasure
  ７．備考|remarks
（別添2） 特定個人情報ファイル記録項目|=appendix.record_items
Ⅲ 特定個人情報ファイルの取扱いプロセスにおけるリスク対策|=risk
  １．特定個人情報ファイル名|=risk.file
  ２．特定個人情報の入手（情報提供ネットワークシステムを通じた入手を除く。）|acquire
    リスク1：目的外の入手が行われるリスク|purpose
      対象者以外の情報の入手を防止するための措置の内容|non_subjects
      必要な情報以外を入手することを防止するための措置の内容|unneeded
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク2：不適切な方法で入手が行われるリスク|improper_method
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク3：入手した特定個人情報が不正確であるリスク|inaccurate
      入手の際の本人確認の措置の内容|identity
      個人番号の真正性確認の措置の内容|authenticity
      特定個人情報の正確性確保の措置の内容|accuracy
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク4：入手の際に特定個人情報が漏えい・紛失するリスク|leak
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    特定個人情報の入手（情報提供ネットワークシステムを通じた入手を除く。）におけるその他のリスク及びそのリスクに対する措置|other
  ３．特定個人情報の使用|use
    リスク1：目的を超えた紐付け、事務に必要のない情報との紐付けが行われるリスク|linkage
      宛名システム等における措置の内容|address_system
      事務で使用するその他のシステムにおける措置の内容|other_systems
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク2：権限のない者（元職員、アクセス権限のない職員等）によって不正に使用されるリスク|unauthorized
      ユーザ認証の管理|user_auth|opt=doing
        具体的な管理方法|method
      アクセス権限の発効・失効の管理|grant_revoke|opt=doing
        具体的な管理方法|method
      アクセス権限の管理|access_rights|opt=doing
        具体的な管理方法|method
      特定個人情報の使用の記録|usage_log|opt=record
        具体的な方法|method
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク3：従業者が事務外で使用するリスク|outside_use
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク4：特定個人情報ファイルが不正に複製されるリスク|copying
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    特定個人情報の使用におけるその他のリスク及びそのリスクに対する措置|other
  ４．特定個人情報ファイルの取扱いの委託|entrust|box=委託しない
    情報保護管理体制の確認|management
    特定個人情報ファイルの閲覧者・更新者の制限|viewers|opt=restrict
      具体的な制限方法|method
    特定個人情報ファイルの取扱いの記録|handling_log|opt=record
      具体的な方法|method
    特定個人情報の提供ルール|provision_rules|opt=rules
      委託先から他者への提供に関するルールの内容及びルール遵守の確認方法|to_others
      委託元と委託先間の提供に関するルールの内容及びルール遵守の確認方法|between
    特定個人情報の消去ルール|erasure_rules|opt=rules
      ルールの内容及びルール遵守の確認方法|content
    委託契約書中の特定個人情報ファイルの取扱いに関する規定|misuse.contract_rules|opt=rules
      規定の内容|content
    再委託先による特定個人情報ファイルの適切な取扱いの確保|misuse.subcontract_assurance|opt=assurance
      具体的な方法|method
    その他の措置の内容|misuse.other_measures
    リスクへの対策は十分か|misuse.sufficient|opt=sufficiency
    特定個人情報ファイルの取扱いの委託におけるその他のリスク及びそのリスクに対する措置|other
  ５．特定個人情報の提供・移転（委託や情報提供ネットワークシステムを通じた提供を除く。）|provide|box=提供・移転しない
    リスク1：不正な提供・移転が行われるリスク|improper
      特定個人情報の提供・移転の記録|log|opt=record
        具体的な方法|method
      特定個人情報の提供・移転に関するルール|rules|opt=rules
        ルールの内容及びルール遵守の確認方法|content
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク2：不適切な方法で提供・移転が行われるリスク|improper_method
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク3：誤った情報を提供・移転してしまうリスク、誤った相手に提供・移転してしまうリスク|wrong
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    特定個人情報の提供・移転（委託や情報提供ネットワークシステムを通じた提供を除く。）におけるその他のリスク及びそのリスクに対する措置|other
  ６．情報提供ネットワークシステムとの接続|network
    リスク1：目的外の入手が行われるリスク|purpose
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク2：安全が保たれない方法によって入手が行われるリスク|insecure
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク3：入手した特定個人情報が不正確であるリスク|inaccurate
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク4：入手の際に特定個人情報が漏えい・紛失するリスク|leak
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク5：不正な提供が行われるリスク|improper_provision
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク6：不適切な方法で提供されるリスク|improper_method
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク7：誤った情報を提供してしまうリスク、誤った相手に提供してしまうリスク|wrong
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    情報提供ネットワークシステムとの接続に伴うその他のリスク及びそのリスクに対する措置|other
  ７．特定個人情報の保管・消去|storage
    リスク1：特定個人情報の漏えい・滅失・毀損リスク|leak
      ①NISC政府機関統一基準群|nisc|opt=nisc
      ②安全管理体制|management|opt=maintain
      ③安全管理規程|regulations|opt=maintain
      ④安全管理体制・規程の職員への周知|awareness|opt=inform
      ⑤物理的対策|physical|opt=measures
        具体的な対策の内容|detail
      ⑥技術的対策|technical|opt=measures
        具体的な対策の内容|detail
      ⑦バックアップ|backup|opt=measures
      ⑧事故発生時手順の策定・周知|incident_procedure|opt=rules
      ⑨過去3年以内に、評価実施機関において、個人情報に関する重大事故が発生したか|accident|opt=incident
        その内容|detail
        再発防止策の内容|prevention
      ⑩死者の個人番号|deceased|opt=hold
        具体的な保管方法|method
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク2：特定個人情報が古い情報のまま保管され続けるリスク|stale
      リスクに対する措置の内容|measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    リスク3：特定個人情報が消去されずいつまでも存在するリスク|not_erased
      消去手順|procedure|opt=rules
        手順の内容|detail
      その他の措置の内容|other_measures
      リスクへの対策は十分か|sufficient|opt=sufficiency
    特定個人情報の保管・消去におけるその他のリスク及びそのリスクに対する措置|other
Ⅳ その他のリスク対策|=risk.general
  １．監査|=risk.audit
    ①自己点検|self_check|opt=measures
      具体的なチェック方法|method
    ②監査|audit|opt=measures
      具体的な内容|detail
  ２．従業者に対する教育・啓発|=risk.training
    従業者に対する教育・啓発|level|opt=training
    具体的な方法|method
  ３．その他のリスク対策|=risk.other
Ⅴ 開示請求、問合せ|=disclosure_inquiry
  １．特定個人情報の開示・訂正・利用停止請求|=disclosure
    ①請求先|contact
    ②請求方法|method
      特記事項|notes
    ③手数料等|fees|opt=fees
    ④個人情報ファイル簿の公表|register|opt=doing
      個人情報ファイル名|file_name
      公表場所|place
    ⑤法令による特別の手続|special_procedure
    ⑥個人情報ファイル簿への不記載等|not_listed
  ２．特定個人情報ファイルの取扱いに関する問合せ|=inquiry
    ①連絡先|contact
    ②対応方法|handling
Ⅵ 評価実施手続|=procedure
  １．基礎項目評価|kiso
    ①実施日|date
    ②しきい値判断結果|=threshold.result|opt=threshold
  ２．国民・住民等からの意見の聴取|public_comment
    ①方法|method
    ②実施日・期間|period
    ③期間を短縮する特段の理由|shortening
    ④主な意見の内容|opinions
    ⑤評価書への反映|reflection
  ３．第三者点検|third_party
    ①実施日|date
    ②方法|method
    ③結果|result
  ４．個人情報保護委員会の承認【行政機関等のみ】|ppc_approval
    ①提出日|date
    ②個人情報保護委員会による審査|review
（別添3） 変更箇所|=changes
";

/// Tree text of a variant (cover included).
fn tree_text(v: Variant) -> String {
    let body: Vec<&str> = match v {
        Variant::KisoR6 | Variant::KisoH31 => vec![KISO],
        Variant::Juten => vec![
            JUTEN_1, SYSTEMS, JUTEN_2, FILE_HEAD, JUTEN_3, PROVIDE, JUTEN_4,
        ],
        Variant::Zenkomoku => vec![ZEN_1, SYSTEMS, ZEN_2, FILE_HEAD, ZEN_3, PROVIDE, ZEN_4],
    };
    let mut s = String::from(COVER);
    if matches!(v, Variant::Juten | Variant::Zenkomoku) {
        s.push_str("項目一覧|=toc\n");
    }
    for b in body {
        s.push_str(b);
    }
    s
}

/// Node kind from its label and depth.
fn kind_of(label: &str, depth: usize, cover: bool) -> Kind {
    if cover {
        return Kind::Cover;
    }
    let first = label.chars().next().unwrap_or(' ');
    if depth == 0 {
        Kind::Top
    } else if label.ends_with('N') {
        Kind::Block
    } else if label.starts_with("リスク") && label.contains('：') {
        Kind::Risk
    } else if ('０'..='９').contains(&first) {
        Kind::Numbered
    } else {
        Kind::Field
    }
}

/// Parses a tree text into nodes.
fn build(v: Variant) -> Schema {
    let text = tree_text(v);
    let mut nodes: Vec<Node> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut in_cover = false;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let depth = (line.len() - line.trim_start().len()) / 2;
        let mut parts = line.trim().split('|');
        let mut label = parts.next().unwrap_or("").to_string();
        let slug = parts.next().unwrap_or("");
        let flags = parts.next().unwrap_or("");
        if flags.split(',').any(|f| f == "R6") && v != Variant::KisoR6 {
            continue;
        }
        for f in flags.split(',') {
            if let Some(alt) = f.strip_prefix("H31=") {
                if v == Variant::KisoH31 {
                    label = alt.to_string();
                }
            }
        }
        if depth == 0 {
            in_cover = label == "表紙";
        }
        stack.truncate(depth);
        let parent = stack.last().copied();
        let key = match (slug.strip_prefix('='), parent) {
            (Some(abs), _) => abs.to_string(),
            (None, Some(p)) => format!("{}.{}", nodes[p].key, slug),
            (None, None) => slug.to_string(),
        };
        let kind = kind_of(&label, depth, in_cover);
        let fold = if kind == Kind::Block {
            lfold(label.trim_end_matches('N'))
        } else {
            lfold(&label)
        };
        let flag = |name: &str| flags.split(',').find_map(|f| f.strip_prefix(name));
        let options = flag("opt=").map_or(&[][..], option_set);
        let checkbox = flags.split(',').any(|f| f == "cb");
        nodes.push(Node {
            fold,
            depth,
            parent,
            key,
            kind,
            checkbox,
            org: flags.split(',').any(|f| f == "org"),
            group: flags.split(',').any(|f| f == "grp"),
            hints: hints_of(parent.map_or("", |p| nodes[p].label.as_str()), &label, kind),
            topic: if kind == Kind::Numbered {
                topic_of(&label)
            } else {
                &[]
            },
            choice: flags.split(',').any(|f| f == "ch") || (!options.is_empty() && !checkbox),
            options,
            boxes: flags
                .split(',')
                .filter_map(|f| f.strip_prefix("box="))
                .map(str::to_string)
                .collect(),
            label,
        });
        stack.push(nodes.len() - 1);
    }
    let longest_fold = nodes.iter().map(|n| n.fold.len()).max().unwrap_or(0);
    let mut by_first_char: BTreeMap<char, Vec<usize>> = BTreeMap::new();
    for (i, n) in nodes.iter().enumerate() {
        if n.kind == Kind::Block || n.kind == Kind::Cover {
            continue;
        }
        if let Some(c) = n.fold.chars().next() {
            by_first_char.entry(c).or_default().push(i);
        }
    }
    Schema {
        variant: v,
        nodes,
        longest_fold,
        by_first_char,
    }
}

static SCHEMAS: Lazy<[Schema; 4]> = Lazy::new(|| {
    [
        build(Variant::KisoR6),
        build(Variant::KisoH31),
        build(Variant::Juten),
        build(Variant::Zenkomoku),
    ]
});

/// The form tree of a variant.
pub fn schema(v: Variant) -> &'static Schema {
    let i = match v {
        Variant::KisoR6 => 0,
        Variant::KisoH31 => 1,
        Variant::Juten => 2,
        Variant::Zenkomoku => 3,
    };
    &SCHEMAS[i]
}

/// All variants, for cross-form listings.
pub const VARIANTS: [Variant; 4] = [
    Variant::KisoR6,
    Variant::KisoH31,
    Variant::Juten,
    Variant::Zenkomoku,
];

/// One comparable item for `pia compare --list`: a canonical key and a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparableItem {
    /// Canonical key (`N` = any block number).
    pub key: String,
    /// Human label (the label as printed in the first form that has it).
    pub label: String,
    /// Where the item stands in that form: its ancestors' labels below the
    /// top level, numbers stripped (`特定個人情報の入手 >
    /// リスク１：目的外の入手が行われるリスク`). Many items share a label
    /// (`リスクに対する措置の内容` under every risk); this tells them apart.
    pub context: String,
    /// Forms that have the item.
    pub forms: Vec<Variant>,
}

/// Every field key of every form, deduplicated, in form order, so a user
/// can pick an item to compare across documents.
pub fn comparable_items() -> Vec<ComparableItem> {
    let mut out: Vec<ComparableItem> = Vec::new();
    for v in VARIANTS {
        for n in &schema(v).nodes {
            if n.kind == Kind::Top || n.key == "toc" {
                continue;
            }
            if let Some(it) = out.iter_mut().find(|c| c.key == n.key) {
                if !it.forms.contains(&v) {
                    it.forms.push(v);
                }
                continue;
            }
            out.push(ComparableItem {
                key: n.key.clone(),
                label: strip_number(&n.label),
                context: context_of(&schema(v).nodes, n),
                forms: vec![v],
            });
        }
    }
    out
}

/// The labels of `node`'s ancestors below the top level, outermost first,
/// numbers stripped ([`ComparableItem::context`]).
fn context_of(nodes: &[Node], node: &Node) -> String {
    let mut chain = Vec::new();
    let mut at = node.parent;
    while let Some(i) = at {
        let n = &nodes[i];
        if n.kind != Kind::Top {
            chain.push(strip_number(&n.label));
        }
        at = n.parent;
    }
    chain.reverse();
    chain.join(" > ")
}

/// A label without its leading `１．`/`①` numbering.
pub fn strip_number(label: &str) -> String {
    let t = label.trim_start_matches(is_digit);
    let t = t.trim_start_matches(['．', '.']);
    let t = t.trim_start_matches(|c: char| ('①'..='⑳').contains(&c));
    t.to_string()
}

/// Keys of the nodes matching a user's label query, in every form. The query
/// may be a path (`個人番号の利用 > 法令上の根拠`: each part must be contained in
/// the label of a node on the chain, in order) and may carry a parenthesised
/// context (`目的外の入手が行われるリスク (２．特定個人情報の入手)`) that must
/// occur in some ancestor's label.
pub fn lookup_keys(query: &str) -> Vec<String> {
    let (main, ctx) = split_context(query);
    let parts: Vec<String> = main
        .split('>')
        .map(lfold_loose)
        .filter(|p| !p.is_empty())
        .collect();
    let ctx = ctx.map(|c| lfold_loose(&c));
    let mut keys: Vec<String> = Vec::new();
    for v in VARIANTS {
        let s = schema(v);
        for (i, n) in s.nodes.iter().enumerate() {
            if n.kind == Kind::Top {
                continue;
            }
            let chain = s.chain(i);
            let folds: Vec<String> = chain
                .iter()
                .map(|&a| lfold_loose(&s.nodes[a].label))
                .collect();
            if !chain_matches(&folds, &parts) {
                continue;
            }
            if let Some(c) = &ctx {
                if !folds.iter().any(|f| f.contains(c.as_str())) {
                    continue;
                }
            }
            if !keys.contains(&n.key) {
                keys.push(n.key.clone());
            }
        }
    }
    // Keep only the outermost keys: descendants are implied by prefix.
    let all = keys.clone();
    keys.retain(|k| !all.iter().any(|o| o != k && key_has_prefix(k, o)));
    keys
}

/// True if `parts` match the chain: the last part in the last label, the
/// others in ancestors, in order.
fn chain_matches(folds: &[String], parts: &[String]) -> bool {
    let Some((last, rest)) = parts.split_last() else {
        return false;
    };
    let Some((leaf, anc)) = folds.split_last() else {
        return false;
    };
    if !leaf.contains(last.as_str()) {
        return false;
    }
    let mut j = 0;
    for p in rest {
        while j < anc.len() && !anc[j].contains(p.as_str()) {
            j += 1;
        }
        if j == anc.len() {
            return false;
        }
        j += 1;
    }
    true
}

/// Splits a trailing `(…)`/`（…）` context off a compare query.
fn split_context(q: &str) -> (String, Option<String>) {
    let t = q.trim();
    for (open, close) in [(" (", ')'), (" （", '）')] {
        if t.ends_with(close) {
            if let Some(p) = t.rfind(open) {
                let inner = &t[p + open.len()..t.len() - close.len_utf8()];
                let inner = strip_number(inner.trim());
                return (t[..p].to_string(), Some(inner));
            }
        }
    }
    (t.to_string(), None)
}

/// Folding for label lookups: [`lfold`] without numbering marks.
fn lfold_loose(s: &str) -> String {
    let f = lfold(s.trim());
    let f = f.trim_start_matches(|c: char| c.is_ascii_digit());
    let f = f.strip_prefix('.').unwrap_or(f);
    f.trim_start_matches(|c: char| ('①'..='⑳').contains(&c))
        .to_string()
}

/// True if `key` equals `prefix` or lies under it (dot boundary); `N` in
/// `prefix` matches any block number.
pub fn key_has_prefix(key: &str, prefix: &str) -> bool {
    let mut ks = key.split('.');
    for p in prefix.split('.') {
        match ks.next() {
            Some(k) if k == p => {}
            Some(k) if p == "N" && !k.is_empty() && k.chars().all(|c| c.is_ascii_digit()) => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_build_and_keys_are_unique_per_form() {
        for v in VARIANTS {
            let s = schema(v);
            assert!(s.nodes.len() > 30);
            let mut seen = std::collections::HashSet::new();
            for n in &s.nodes {
                assert!(n.key.is_ascii(), "{}", n.key);
                // keys may repeat only for distinct blocks of the same item
                assert!(seen.insert(n.key.clone()), "dup key {} in {:?}", n.key, v);
            }
        }
    }

    #[test]
    fn option_lists_are_data_of_the_trees() {
        for v in VARIANTS {
            let text = tree_text(v);
            for line in text.lines() {
                for f in line.split('|').nth(2).unwrap_or("").split(',') {
                    if let Some(name) = f.strip_prefix("opt=") {
                        assert!(!option_set(name).is_empty(), "unknown option set {name}");
                    }
                }
            }
        }
        let s = schema(Variant::KisoR6);
        let q = s
            .nodes
            .iter()
            .find(|n| n.label == "評価対象の事務の対象人数は何人か")
            .unwrap();
        assert!(q.choice && q.has_option("1万人以上10万人未満"));
        // The document may leave out an option's parenthetical.
        assert!(q.has_option("1,000人未満"));
        assert!(!q.has_option("500人未満"));
        assert!(is_box_option("評価実施機関内の他部署") && !is_radio_option("紙"));
    }

    #[test]
    fn cross_walk_training_has_one_key() {
        let keys = lookup_keys("従業者に対する教育・啓発");
        assert_eq!(keys, vec!["risk.training".to_string()]);
        let k = lookup_keys("目的外の入手が行われるリスク (２．特定個人情報の入手)");
        assert_eq!(k, vec!["risk.acquire.purpose".to_string()]);
        assert!(key_has_prefix(
            "file.entrust.3.contractor",
            "file.entrust.N"
        ));
    }
}
