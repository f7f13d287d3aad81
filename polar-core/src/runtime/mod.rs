//! The hand-written runtime the generated code plugs into.
//!
//! These files are self-contained (std, http, serde, serde_json, thiserror, time and the
//! generated `crate::generated` module) because the generator also copies them into the
//! standalone crates it writes for other spec files.

pub mod call;
pub mod config;
pub(crate) mod dates;
pub mod doc;
pub mod exchange;
pub mod json;
pub mod operation;
pub mod paging;
pub mod patch;
pub mod redact;
pub mod retry;
pub mod text;

pub use patch::Patch;
