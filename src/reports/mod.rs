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
