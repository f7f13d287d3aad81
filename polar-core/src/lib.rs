//! # polar-core
//!
//! The sans-IO core of polar-rs, the Rust SDK for the [Polar](https://polar.sh) API.
//!
//! In scope: typed models for every schema of Polar's OpenAPI spec ([`models`]), generated
//! from the vendored spec by `cargo xtask generate`, and the JSON runtime they plug into
//! ([`json`], [`Patch`]). Out of scope, by design: sockets, clocks, threads, randomness and
//! async runtimes. Transports (`polar-blocking`, `polar-wasm`, or your own) move the bytes.
//!
//! ```
//! use polar_core::models::{CustomerSessionCustomerIdCreate, Customer};
//! use polar_core::json::{from_slice, to_vec};
//!
//! // A request body: required fields in `new`, optional ones left out unless set.
//! let body = CustomerSessionCustomerIdCreate::new("00000000-0000-4000-8000-000000000000");
//! assert_eq!(
//!     String::from_utf8(to_vec(&body)).unwrap(),
//!     r#"{"customer_id":"00000000-0000-4000-8000-000000000000"}"#
//! );
//!
//! // A union Polar adds a variant to tomorrow still parses, keeping what was sent.
//! let c: Customer = from_slice(br#"{"type":"robot","id":"x"}"#).unwrap();
//! assert!(matches!(c, Customer::Unknown(_)));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use http;

mod generated;
pub mod retry;
pub mod runtime;

pub use generated::{api, models, operations, SPEC_VERSION};
pub use runtime::config::{Config, Credential, CredentialKind, Secret};
pub use runtime::operation::{BuildError, Error, Operation, Paginated};
pub use runtime::{call, config, json, operation, Patch};
