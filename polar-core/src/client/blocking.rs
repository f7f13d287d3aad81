//! The blocking client: one loop drives every exchange over a [`Transport`].

use super::{Builder, FromParts};
use crate::call::{CallOptions, Dispatch};
use crate::exchange::{Exchange, Fault, Limits, Options, RequestExchange, Step};
use crate::models::FileRead;
use crate::paging::{ItemExchange, PageExchange, PageSource};
use crate::upload::{FileSpec, UploadEvent, UploadExchange, UploadProgress};
use crate::{Credential, Error, Operation, Paginated};
use http::{HeaderName, HeaderValue, Request, Response};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What a blocking runtime supplies besides moving bytes: sleeping, the clock, jitter.
pub trait Runtime {
    /// Blocks for `wait`.
    fn sleep(&self, wait: Duration);
    /// The time since the Unix epoch.
    fn now(&self) -> Duration;
    /// A random number in `[0, 1)` (see [`super::Jitter`]).
    fn jitter(&self) -> f64;
}

/// A blocking transport: one attempt's bytes, over its runtime. Nothing here decides: the
/// exchange says what to send and how long to wait.
pub trait Transport {
    /// Its sleep, clock and jitter.
    type Runtime: Runtime;
    /// The runtime.
    fn runtime(&self) -> &Self::Runtime;
    /// Sends `request` and reads the whole response, within `limits` as far as the runtime
    /// can enforce them. Any status is a response; only a missing or broken response is a
    /// [`Fault`] (say as precisely as you can whether the request left: it decides retries).
    fn send(&self, request: Request<Vec<u8>>, limits: &Limits) -> Result<Response<Vec<u8>>, Fault>;
    /// Called once when a client is built with `options` (an agent's user agent, timeouts).
    fn prepare(&mut self, options: &Options) {
        let _ = options;
    }
}

/// Runs `exchange` over `transport` to its next output: sends what it says, sleeps what it
/// says. The one loop of every blocking client.
pub fn run<E: Exchange, T: Transport + ?Sized>(transport: &T, mut exchange: E) -> E::Output {
    let runtime = transport.runtime();
    loop {
        match exchange.poll(runtime.now(), runtime.jitter()) {
            Step::Send(out) => exchange.handle(transport.send(out.request, &out.limits)),
            Step::Wait(wait) => runtime.sleep(wait),
            Step::Done(output) => return output,
        }
    }
}

/// A blocking Polar client over transport `T`: every operation through the group accessors
/// of [`crate::api::Api`], with retries, pages and uploads. Cheap to clone; `Sync` when `T`
/// is, so one can be shared by reference across threads.
pub struct BlockingClient<T> {
    options: Arc<Options>,
    transport: Arc<T>,
}

impl<T> Clone for BlockingClient<T> {
    fn clone(&self) -> Self {
        BlockingClient {
            options: self.options.clone(),
            transport: self.transport.clone(),
        }
    }
}

impl<T> fmt::Debug for BlockingClient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingClient")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> FromParts for BlockingClient<T> {
    type Transport = T;
    fn from_parts(options: Options, mut transport: T) -> Self {
        transport.prepare(&options);
        BlockingClient {
            options: Arc::new(options),
            transport: Arc::new(transport),
        }
    }
}

impl<T: Transport + Default> BlockingClient<T> {
    /// Settings for a client over the default transport.
    pub fn builder() -> Builder<Self> {
        Builder::new(T::default())
    }
}

impl<T: Transport> BlockingClient<T> {
    /// Settings for a client over `transport`.
    pub fn builder_with(transport: T) -> Builder<Self> {
        Builder::new(transport)
    }

    /// The client's options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The client's transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The API version every request is pinned to (its `Polar-Version` header): the version
    /// of the spec the models were generated from, [`SPEC_VERSION`](crate::SPEC_VERSION),
    /// unless the config overrides it.
    pub fn api_version(&self) -> &str {
        self.options.api_version()
    }

    /// The same client (transport, connections, settings) acting with another credential:
    /// e.g. a customer session token for the customer portal operations.
    pub fn with_credential(&self, credential: Credential) -> Self {
        let mut options = (*self.options).clone();
        options.credential = Some(credential);
        self.with_options(options)
    }

    /// The same client sending one more header with every request to Polar.
    pub fn with_header(&self, name: HeaderName, value: HeaderValue) -> Self {
        let options = (*self.options).clone().with_header(name, value);
        self.with_options(options)
    }

    fn with_options(&self, options: Options) -> Self {
        BlockingClient {
            options: Arc::new(options),
            transport: self.transport.clone(),
        }
    }

    /// Sends an operation built by hand (the group accessors of [`crate::api::Api`] are the
    /// usual way).
    pub fn send<O: Operation>(&self, operation: &O) -> Result<O::Output, Error> {
        self.call(operation, &CallOptions::new())
    }

    fn call<O: Operation>(&self, operation: &O, call: &CallOptions) -> Result<O::Output, Error> {
        let credential = call
            .credential
            .as_ref()
            .or(self.options.credential.as_ref());
        let request = self.options.request_as(operation, credential);
        let response = self.exchange(request, call.repeatable)?;
        O::parse(&response)
    }

    /// Sends a request as it is (no credential or header added), retried as the policy
    /// allows; `repeatable` lets a POST or PATCH that reached the server be sent again.
    pub fn execute(
        &self,
        request: Request<Vec<u8>>,
        repeatable: bool,
    ) -> Result<Response<Vec<u8>>, Error> {
        self.exchange(Ok(request), repeatable)
    }

    // Not generic over the operation: one copy of the loop serves every call.
    fn exchange(
        &self,
        request: Result<Request<Vec<u8>>, Error>,
        repeatable: bool,
    ) -> Result<Response<Vec<u8>>, Error> {
        run(
            &*self.transport,
            RequestExchange::new(request, self.options.settings, repeatable),
        )
    }

    /// Uploads a file of any size the way Polar expects (see [`UploadExchange`]):
    /// `files:create` with the checksums, each part to its presigned URL (retried on its
    /// own), then `files:uploaded`. `progress` is called after each accepted step.
    pub fn upload_file(
        &self,
        file: &FileSpec,
        data: &[u8],
        mut progress: impl FnMut(UploadProgress),
    ) -> Result<FileRead, Error> {
        let mut upload = UploadExchange::new(file, data, self.options.clone());
        loop {
            match run(&*self.transport, &mut upload) {
                UploadEvent::Progress(p) => progress(p),
                UploadEvent::Finished(result) => return result,
            }
        }
    }
}

impl<T: Transport> Dispatch for BlockingClient<T> {
    type Sent<O: Operation> = Result<O::Output, Error>;
    type Pages<'c, O: Paginated>
        = BlockingPages<'c, T, O>
    where
        Self: 'c;

    fn send_operation<O: Operation>(&self, operation: O, call: CallOptions) -> Self::Sent<O> {
        self.call(&operation, &call)
    }

    fn pages<O: Paginated>(&self, operation: O, call: CallOptions) -> BlockingPages<'_, T, O> {
        BlockingPages {
            transport: &self.transport,
            exchange: PageExchange::new(operation, super::options_for(&self.options, call)),
        }
    }
}

/// The pages of a list, each fetched when the iterator reaches it. Ends after the last page,
/// an empty page, or the first error.
pub struct BlockingPages<'c, T, S> {
    transport: &'c T,
    exchange: PageExchange<S>,
}

impl<T, S> fmt::Debug for BlockingPages<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlockingPages")
    }
}

impl<T: Transport, S: PageSource> Iterator for BlockingPages<'_, T, S> {
    type Item = Result<S::Page, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        run(self.transport, &mut self.exchange)
    }
}

impl<'c, T: Transport, S: PageSource> BlockingPages<'c, T, S> {
    /// The items of every page, in order.
    pub fn items(self) -> BlockingItems<'c, T, S> {
        BlockingItems {
            transport: self.transport,
            exchange: ItemExchange::from_pages(self.exchange),
        }
    }
}

/// The items of every page of a list, fetched page by page when needed.
pub struct BlockingItems<'c, T, S: PageSource> {
    transport: &'c T,
    exchange: ItemExchange<S>,
}

impl<T, S: PageSource> fmt::Debug for BlockingItems<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlockingItems")
    }
}

impl<T: Transport, S: PageSource> Iterator for BlockingItems<'_, T, S> {
    type Item = Result<S::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        run(self.transport, &mut self.exchange)
    }
}
