//! Operations by API group, the way Polar's docs list them:
//! `client.customer_sessions().create(body).send()`.
//!
//! The group accessors are generated (see [`crate::api`]); they only build operations. A
//! client implements [`Dispatch`] to say what `send` does: the blocking client returns the
//! result, the async clients a future of it. Switching between them changes only the
//! client type and an `.await`.

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

    /// Sends `operation`, retrying as the client's policy allows; `repeatable` opts a POST
    /// or PATCH into retries after it reached the server.
    fn send_operation<O: Operation>(&self, operation: O, repeatable: bool) -> Self::Sent<O>;

    /// Walks the pages of a paginated operation, starting with `operation`'s page.
    fn pages<O: Paginated>(&self, operation: O) -> Self::Pages<'_, O>;
}

/// An operation bound to a client, ready to send. Derefs to the operation, so optional
/// parameters can be set before sending: `call.limit = Some(100)`.
#[derive(Debug, Clone)]
pub struct Call<'c, C, O> {
    client: &'c C,
    operation: O,
    repeatable: bool,
}

impl<'c, C, O> Call<'c, C, O> {
    /// Binds `operation` to `client`.
    pub fn new(client: &'c C, operation: O) -> Self {
        Call {
            client,
            operation,
            repeatable: false,
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
        self.repeatable = true;
        self
    }

    /// The operation itself.
    pub fn into_operation(self) -> O {
        self.operation
    }
}

impl<C: Dispatch, O: Operation> Call<'_, C, O> {
    /// Sends the operation.
    pub fn send(self) -> C::Sent<O> {
        self.client.send_operation(self.operation, self.repeatable)
    }
}

impl<'c, C: Dispatch, O: Paginated> Call<'c, C, O> {
    /// Every page, fetched one at a time when needed.
    pub fn pages(self) -> C::Pages<'c, O> {
        self.client.pages(self.operation)
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
