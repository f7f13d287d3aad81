//! # polarsh-core
//!
//! The sans-IO core of polar-rs, the Rust SDK for the [Polar](https://polar.sh) API.
//!
//! In scope, generated from the vendored spec by `cargo xtask generate`: typed [`models`] for
//! every schema, every operation in [`operations`] (its parameters, a pure request builder and
//! a pure response parser), and the group accessors of [`api`]. Hand-written: the JSON runtime
//! ([`json`], [`Patch`]), [`config`] (server, `Polar-Version`, credentials), the [`operation`]
//! runtime (request encoding, the one [`Error`] enum), the [`retry`] policy, and the
//! [`exchange`] state machines that own every protocol spanning several requests (a call with
//! its retries, a walk over [`paging`], an [`upload`]). [`client`] drives them over any
//! transport, blocking or async.
//!
//! Out of scope, by design: sockets, clocks, threads, randomness and async runtimes. Whatever
//! depends on time or chance (retry waits, jitter, `now`) is an argument. Transports
//! (`polarsh-blocking`, `polarsh-tokio`, `polarsh-wasm`, or your own: any function from
//! `http::Request<Vec<u8>>` to `http::Response<Vec<u8>>`) move the bytes.
//!
//! ```
//! use polarsh_core::models::{CustomerSessionCustomerIdCreate, Customer};
//! use polarsh_core::json::{from_slice, to_vec};
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
//!
//! ## Where to look
//!
//! - **Calling Polar**: a client from `polarsh-blocking`, `polarsh-tokio` or `polarsh-wasm`
//!   (or [`client`] over your own HTTP client), then the API groups of [`api::Api`], the way
//!   Polar's docs list them: `client.customers().get(id).send()`. Each operation's page in
//!   [`operations`] shows the call, its credentials and scopes.
//! - **Who calls**: [`Credential::from_token`] reads the kind from Polar's token prefix
//!   (`polar_oat_`, `polar_pat_`, `polar_at_u_`, `polar_cst_`, ...); a token whose prefix
//!   contradicts the kind it was declared as is refused before anything is sent. A
//!   client's `organization(id)` scopes a user token to an organization
//!   (`Polar-Organization`); `call.with_credential(c)` sends one call with another
//!   credential. Every request is pinned to the API version the models were generated
//!   from, [`SPEC_VERSION`] (`client.api_version()`).
//! - **Types**: [`models`], one module per API group ([`models::customers`],
//!   [`models::products`], ...), every type also at `models::Customer`. Unions have
//!   accessors for what all their variants share (`customer.email()`).
//! - **Errors**: one [`Error`] for every call and runtime.
//! - [`webhooks`] (verify deliveries), [`oauth`] (OAuth 2.0 with PKCE), [`upload`] (files),
//!   [`ingest`] (usage events in batches), [`retry`] and [`exchange`] (the state machines).
#![forbid(unsafe_code)]
#![deny(missing_docs)]
// docs.rs marks each item with the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use http;
pub use runtime::text::{Id, Str};

pub mod client;
mod generated;
pub mod ingest;
pub mod oauth;
// The runtime the generated code plugs into: its public parts are re-exported below
// (`json`, `config`, `operation`, ...); the module itself is plumbing.
#[doc(hidden)]
pub mod runtime;
pub mod upload;
pub mod webhooks;

pub use generated::{api, models, operations, SPEC_VERSION};
pub use runtime::config::{Config, Credential, CredentialKind, Secret, TokenError, TokenKind};
pub use runtime::exchange::Fault;
pub use runtime::operation::{BuildError, Csv, Error, Operation, Paginated};
pub use runtime::{call, config, exchange, json, operation, paging, redact, retry, Patch};
