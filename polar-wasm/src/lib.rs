//! # polar-wasm
//!
//! The `wasm32-unknown-unknown` transport of polar-rs, over the global `fetch` (browser
//! pages, web and service workers, edge runtimes, Node). Every decision lives in
//! [`polar_core`]; this crate will move its bytes.
//!
//! Today it re-exports the core's models and JSON runtime; the fetch client lands with the
//! operations it drives.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use polar_core::{json, models, Patch, SPEC_VERSION};
