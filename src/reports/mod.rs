//! Stage 5, reports: **takes** the index (through the query stage), **gives**
//! the answers that need more than a ranked list — every document naming a
//! contractor, one item compared across cities, accuracy against a gold set.
//!
//! - [`contractors`]: exhaustive contractor look-ups with aliases;
//! - [`compare`]: one form item across documents: answers tallied, wording
//!   grouped and diffed;
//! - [`wording`]: sentence splitting and near-duplicate clustering for compare;
//! - [`eval`]: gold-set evaluation shared by `pia eval` and the tests.

pub mod compare;
pub mod contractors;
pub mod eval;
pub mod wording;

use crate::model::Location;
use crate::parse::meta::place_order;

/// Sort key of a report's entries by place in the official order (north to
/// south, then municipality code), then file: the order readers scan a list
/// of cities in. Sorted stably, a file's entries keep their order.
fn by_place(l: &Location) -> ((usize, usize), String) {
    (
        place_order(l.prefecture.as_deref(), l.municipality.as_deref()),
        l.file.clone(),
    )
}
