//! A call: an operation bound to a client, to `send()` or to walk its `pages()`, with what
//! one call may set for itself (a credential of its own, retries after it reached Polar).
//!
//! The group accessors of [`crate::api`] make calls (`client.customer_sessions().create(body)`);
//! a client implements [`Dispatch`] to say what `send` does: the blocking client returns the
//! result, the async clients a future of it. Switching between them changes only the client
//! type and an `.await`.

use super::config::Credential;
use super::operation::{Operation, Paginated};
use std::ops::{Deref, DerefMut};

/// What a client does with an operation: send it, or walk its pages. Implemented by the
/// clients.
pub trait Dispatch {
    /// What `send` returns: a `Result` (blocking) or a future of one (async).
    type Sent<O: Operation>;
    /// What `pages` returns: an iterator (blocking) or an async pager.
    type Pages<'c, O: Paginated>
    where
        Self: 'c;

    /// Sends `operation` with the client's options, as `call` adjusts them for this call.
    fn send_operation<O: Operation>(&self, operation: O, call: CallOptions) -> Self::Sent<O>;

    /// Walks the pages of a paginated operation, starting with `operation`'s page, with the
    /// client's options as `call` adjusts them.
    fn pages<O: Paginated>(&self, operation: O, call: CallOptions) -> Self::Pages<'_, O>;
}

/// What one call sets for itself, over its client's options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// A POST or PATCH may be sent again after it reached the server (see
    /// [`Call::repeatable`]).
    pub repeatable: bool,
    /// The credential of this call, instead of the client's (see [`Call::with_credential`]).
    pub credential: Option<Credential>,
}

impl CallOptions {
    /// Nothing of its own: the client's options as they are.
    pub fn new() -> Self {
        CallOptions::default()
    }
}

/// An operation bound to a client, ready to send. Derefs to the operation, so optional
/// parameters can be set before sending: `call.limit = Some(100)`.
#[derive(Debug, Clone)]
pub struct Call<'c, C, O> {
    client: &'c C,
    operation: O,
    options: CallOptions,
}

impl<'c, C, O> Call<'c, C, O> {
    /// Binds `operation` to `client`.
    pub fn new(client: &'c C, operation: O) -> Self {
        Call {
            client,
            operation,
            options: CallOptions::new(),
        }
    }

    /// Sets parameters through a closure: `.with(|op| op.limit = Some(100))`.
    pub fn with(mut self, edit: impl FnOnce(&mut O)) -> Self {
        edit(&mut self.operation);
        self
    }

    /// Lets the client retry this call even if it is a POST or PATCH that reached the
    /// server: only for calls you know are safe to repeat (Polar has no idempotency keys).
    pub fn repeatable(mut self) -> Self {
        self.options.repeatable = true;
        self
    }

    /// Sends this call (or walks its pages) with `credential` instead of the client's: one
    /// client, its connections and settings, acting for many (a server passing each
    /// customer's session token to the customer portal operations).
    pub fn with_credential(mut self, credential: Credential) -> Self {
        self.options.credential = Some(credential);
        self
    }

    /// What this call sets for itself.
    pub fn call_options(&self) -> &CallOptions {
        &self.options
    }

    /// The operation itself.
    pub fn into_operation(self) -> O {
        self.operation
    }
}

impl<C: Dispatch, O: Operation> Call<'_, C, O> {
    /// Sends the operation.
    pub fn send(self) -> C::Sent<O> {
        self.client.send_operation(self.operation, self.options)
    }
}

impl<'c, C: Dispatch, O: Paginated> Call<'c, C, O> {
    /// Every page, fetched one at a time when needed.
    pub fn pages(self) -> C::Pages<'c, O> {
        self.client.pages(self.operation, self.options)
    }
}

impl<C, O> Deref for Call<'_, C, O> {
    type Target = O;
    fn deref(&self) -> &O {
        &self.operation
    }
}

impl<C, O> DerefMut for Call<'_, C, O> {
    fn deref_mut(&mut self) -> &mut O {
        &mut self.operation
    }
}
