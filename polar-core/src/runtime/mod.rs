//! The hand-written runtime the generated code plugs into.
//!
//! These files are self-contained (std, serde, serde_json, thiserror, time) because the
//! generator also copies them into the standalone crates it writes for other spec files.

pub mod json;
pub mod patch;

pub use patch::Patch;
