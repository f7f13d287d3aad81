//! # polar-blocking
//!
//! The synchronous transport of polar-rs. Every decision (requests, parsing, retries,
//! pagination) lives in [`polar_core`]; this crate will move its bytes over `ureq`.
//!
//! Today it re-exports the core's models and JSON runtime; the ureq client lands with the
//! operations it drives.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use polar_core::{json, models, Patch, SPEC_VERSION};
