//! pia-search: full-text search over Japanese 特定個人情報保護評価書 (My Number
//! Act privacy impact assessments), section by section.
//!
//! The data flows through one module per stage: [`walk`] finds files,
//! [`decode`] and [`pdf`] turn them into text, [`parse`] recovers the official
//! form's sections and the cover metadata, [`normalize`] and [`analysis`]
//! prepare text for the index ([`schema`], [`store`], [`indexer`]), and
//! [`query`], [`filter`], [`search`] and [`snippet`] answer questions that
//! [`present`] prints.

pub mod analysis;
pub mod compare;
pub mod contractors;
pub mod count;
pub mod decode;
pub mod eval;
pub mod filter;
pub mod indexer;
pub mod model;
pub mod normalize;
pub mod parse;
pub mod pdf;
pub mod present;
pub mod query;
pub mod schema;
pub mod search;
pub mod serve;
pub mod snippet;
pub mod store;
pub mod walk;
