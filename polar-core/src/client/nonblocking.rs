//! The async client: one hand-written future drives every exchange over an
//! [`AsyncTransport`], with no async runtime of its own (sleeping is the transport's).

use super::{Builder, FromParts};
use crate::call::{CallOptions, Dispatch};
use crate::exchange::{Exchange, Fault, Limits, Options, Parse, ParseAs, RequestExchange, Step};
use crate::models::FileRead;
use crate::paging::{ItemExchange, PageExchange, PageSource};
use crate::upload::{FileSpec, UploadEvent, UploadExchange, UploadProgress};
use crate::{Credential, Error, Operation, Paginated};
use http::{HeaderName, HeaderValue, Request, Response};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// What an async runtime supplies besides moving bytes: waiting, the clock, jitter.
pub trait AsyncRuntime {
    /// The future of a wait; a runtime that cannot wait says why. `Unpin`: box it if need be.
    type Sleep: Future<Output = Result<(), Fault>> + Unpin;
    /// Waits for `wait`.
    fn sleep(&self, wait: Duration) -> Self::Sleep;
    /// The time since the Unix epoch.
    fn now(&self) -> Duration;
    /// A random number in `[0, 1)` (see [`super::Jitter`]).
    fn jitter(&self) -> f64;
}

/// An async transport: one attempt's bytes, over its runtime. Its futures own what they
/// need, so a client's futures can be spawned; they are `Send` when the transport's are.
pub trait AsyncTransport {
    /// Its waits, clock and jitter.
    type Runtime: AsyncRuntime;
    /// The future of one attempt. `Unpin`: box it if need be (the client does not box it
    /// again).
    type Send: Future<Output = Result<Response<Vec<u8>>, Fault>> + Unpin;
    /// The runtime.
    fn runtime(&self) -> &Self::Runtime;
    /// Sends `request` and reads the whole response, within `limits` as far as the runtime
    /// can enforce them. Any status is a response; only a missing or broken response is a
    /// [`Fault`].
    fn send(&self, request: Request<Vec<u8>>, limits: &Limits) -> Self::Send;
    /// Called once when a client is built with `options`.
    fn prepare(&mut self, options: &Options) {
        let _ = options;
    }
}

enum Pending<T: AsyncTransport> {
    Idle,
    Sending(T::Send),
    Sleeping(<T::Runtime as AsyncRuntime>::Sleep),
}

/// Drives an exchange over an async transport: polls what is in flight (a request or a
/// wait), then asks the exchange for the next step. The one loop of every async client.
pub struct Driver<T: AsyncTransport> {
    pending: Pending<T>,
}

impl<T: AsyncTransport> Default for Driver<T> {
    fn default() -> Self {
        Driver {
            pending: Pending::Idle,
        }
    }
}

impl<T: AsyncTransport> fmt::Debug for Driver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.pending {
            Pending::Idle => "Driver(idle)",
            Pending::Sending(_) => "Driver(sending)",
            Pending::Sleeping(_) => "Driver(sleeping)",
        })
    }
}

impl<T: AsyncTransport> Driver<T> {
    /// Runs `exchange` until its next output, or until the transport must be waited for.
    pub fn poll<E: Exchange + ?Sized>(
        &mut self,
        transport: &T,
        exchange: &mut E,
        cx: &mut Context<'_>,
    ) -> Poll<E::Output> {
        loop {
            match &mut self.pending {
                Pending::Sending(send) => {
                    let outcome = match Pin::new(send).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(outcome) => outcome,
                    };
                    self.pending = Pending::Idle;
                    exchange.handle(outcome);
                }
                Pending::Sleeping(sleep) => {
                    let slept = match Pin::new(sleep).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(slept) => slept,
                    };
                    self.pending = Pending::Idle;
                    if let Err(fault) = slept {
                        exchange.fail(fault);
                    }
                }
                Pending::Idle => {
                    let runtime = transport.runtime();
                    match exchange.poll(runtime.now(), runtime.jitter()) {
                        Step::Send(out) => {
                            self.pending =
                                Pending::Sending(transport.send(out.request, &out.limits))
                        }
                        Step::Wait(wait) => self.pending = Pending::Sleeping(runtime.sleep(wait)),
                        Step::Done(output) => return Poll::Ready(output),
                    }
                }
            }
        }
    }
}

/// An async Polar client over transport `T`: every operation through the group accessors
/// of [`crate::api::Api`] (`.send().await`), pages as streams, uploads. Cheap to clone; its
/// futures borrow nothing (they can be spawned) and are `Send` when the transport's are.
pub struct AsyncClient<T> {
    options: Arc<Options>,
    transport: Arc<T>,
}

impl<T> Clone for AsyncClient<T> {
    fn clone(&self) -> Self {
        AsyncClient {
            options: self.options.clone(),
            transport: self.transport.clone(),
        }
    }
}

impl<T> fmt::Debug for AsyncClient<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncClient")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl<T: AsyncTransport> FromParts for AsyncClient<T> {
    type Transport = T;
    fn from_parts(options: Options, mut transport: T) -> Self {
        transport.prepare(&options);
        AsyncClient {
            options: Arc::new(options),
            transport: Arc::new(transport),
        }
    }
}

impl<T: AsyncTransport + Default> AsyncClient<T> {
    /// Settings for a client over the default transport.
    pub fn builder() -> Builder<Self> {
        Builder::new(T::default())
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
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
        AsyncClient {
            options: Arc::new(options),
            transport: self.transport.clone(),
        }
    }

    /// Sends an operation built by hand (the group accessors of [`crate::api::Api`] are the
    /// usual way). The future owns what it needs.
    pub fn send<O: Operation>(&self, operation: &O) -> SendFuture<T, ParseAs<O>> {
        self.call(operation, &CallOptions::new())
    }

    fn call<O: Operation>(&self, operation: &O, call: &CallOptions) -> SendFuture<T, ParseAs<O>> {
        let credential = call
            .credential
            .as_ref()
            .or(self.options.credential.as_ref());
        SendFuture::new(
            self.transport.clone(),
            RequestExchange::new(
                self.options.request_as(operation, credential),
                self.options.settings,
                call.repeatable,
            ),
            ParseAs::new(),
        )
    }

    /// Sends a request as it is (no credential or header added), retried as the policy
    /// allows; `repeatable` lets a POST or PATCH that reached the server be sent again.
    pub fn execute(&self, request: Request<Vec<u8>>, repeatable: bool) -> SendFuture<T, Raw> {
        SendFuture::new(
            self.transport.clone(),
            RequestExchange::new(Ok(request), self.options.settings, repeatable),
            Raw,
        )
    }

    /// Uploads a file of any size the way Polar expects (see [`UploadExchange`]):
    /// `files:create` with the checksums, each part to its presigned URL (retried on its
    /// own), then `files:uploaded`. `progress` is called after each accepted step.
    pub fn upload_file<'d, F: FnMut(UploadProgress)>(
        &self,
        file: &FileSpec,
        data: &'d [u8],
        progress: F,
    ) -> UploadFuture<'d, T, F> {
        UploadFuture {
            transport: self.transport.clone(),
            exchange: UploadExchange::new(file, data, self.options.clone()),
            driver: Driver::default(),
            progress,
        }
    }

    /// The pages of a list, starting at `operation`'s page (usually through
    /// `client.products().list().pages()`).
    pub fn pages<S: PageSource>(&self, source: S) -> AsyncPages<T, S> {
        AsyncPages {
            transport: self.transport.clone(),
            exchange: PageExchange::new(source, self.options.clone()),
            driver: Driver::default(),
        }
    }
}

impl<T: AsyncTransport> Dispatch for AsyncClient<T> {
    type Sent<O: Operation> = SendFuture<T, ParseAs<O>>;
    type Pages<'c, O: Paginated>
        = AsyncPages<T, O>
    where
        Self: 'c;

    fn send_operation<O: Operation>(&self, operation: O, call: CallOptions) -> Self::Sent<O> {
        self.call(&operation, &call)
    }

    fn pages<O: Paginated>(&self, operation: O, call: CallOptions) -> AsyncPages<T, O> {
        AsyncPages {
            transport: self.transport.clone(),
            exchange: PageExchange::new(operation, super::options_for(&self.options, call)),
            driver: Driver::default(),
        }
    }
}

/// The raw response, unparsed ([`AsyncClient::execute`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Raw;

impl Parse for Raw {
    type Output = Response<Vec<u8>>;
    fn parse(&self, response: Response<Vec<u8>>) -> Result<Response<Vec<u8>>, Error> {
        Ok(response)
    }
}

/// The future of one call: its exchange (retries and waits included), then the parser.
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<T: AsyncTransport, P> {
    transport: Arc<T>,
    exchange: RequestExchange,
    driver: Driver<T>,
    parse: P,
}

impl<T: AsyncTransport, P> SendFuture<T, P> {
    fn new(transport: Arc<T>, exchange: RequestExchange, parse: P) -> Self {
        SendFuture {
            transport,
            exchange,
            driver: Driver::default(),
            parse,
        }
    }
}

impl<T: AsyncTransport, P> fmt::Debug for SendFuture<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("exchange", &self.exchange)
            .field("driver", &self.driver)
            .finish()
    }
}

impl<T: AsyncTransport, P: Parse> Future for SendFuture<T, P> {
    type Output = Result<P::Output, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        // The loop is not generic over the operation: only the parse below is.
        match this.driver.poll(&this.transport, &mut this.exchange, cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(response) => Poll::Ready(response.and_then(|r| this.parse.parse(r))),
        }
    }
}

/// The future of an upload ([`AsyncClient::upload_file`]).
#[must_use = "futures do nothing unless awaited"]
pub struct UploadFuture<'d, T: AsyncTransport, F> {
    transport: Arc<T>,
    exchange: UploadExchange<'d>,
    driver: Driver<T>,
    progress: F,
}

impl<T: AsyncTransport, F> fmt::Debug for UploadFuture<'_, T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadFuture")
            .field("exchange", &self.exchange)
            .finish_non_exhaustive()
    }
}

impl<T: AsyncTransport, F: FnMut(UploadProgress)> Future for UploadFuture<'_, T, F> {
    type Output = Result<FileRead, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match this.driver.poll(&this.transport, &mut this.exchange, cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(UploadEvent::Progress(p)) => (this.progress)(p),
                Poll::Ready(UploadEvent::Finished(result)) => return Poll::Ready(result),
            }
        }
    }
}

/// The pages of a list, each fetched when asked for: [`AsyncPages::next`], or a
/// `futures::Stream` with the `stream` feature. Ends after the last page, an empty page, or
/// the first error.
pub struct AsyncPages<T: AsyncTransport, S> {
    transport: Arc<T>,
    exchange: PageExchange<S>,
    driver: Driver<T>,
}

impl<T: AsyncTransport, S> fmt::Debug for AsyncPages<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AsyncPages")
    }
}

impl<T: AsyncTransport, S: PageSource> AsyncPages<T, S> {
    /// The next page; `None` after the last one or after an error.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Option<Result<S::Page, Error>> {
        std::future::poll_fn(|cx| self.poll_page(cx)).await
    }

    /// Polls for the next page (the `Stream` protocol, without the trait).
    pub fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<S::Page, Error>>> {
        self.driver.poll(&self.transport, &mut self.exchange, cx)
    }

    /// The items of every page, in order.
    pub fn items(self) -> AsyncItems<T, S> {
        AsyncItems {
            transport: self.transport,
            exchange: ItemExchange::from_pages(self.exchange),
            driver: self.driver,
        }
    }
}

/// The items of every page of a list, fetched page by page when needed:
/// [`AsyncItems::next`], or a `futures::Stream` with the `stream` feature.
pub struct AsyncItems<T: AsyncTransport, S: PageSource> {
    transport: Arc<T>,
    exchange: ItemExchange<S>,
    driver: Driver<T>,
}

impl<T: AsyncTransport, S: PageSource> fmt::Debug for AsyncItems<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AsyncItems")
    }
}

impl<T: AsyncTransport, S: PageSource> AsyncItems<T, S> {
    /// The next item; `None` after the last one or after an error.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Option<Result<S::Item, Error>> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    /// Polls for the next item (the `Stream` protocol, without the trait).
    pub fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<S::Item, Error>>> {
        self.driver.poll(&self.transport, &mut self.exchange, cx)
    }
}

#[cfg(feature = "stream")]
impl<T: AsyncTransport, S: PageSource> futures_core::Stream for AsyncPages<T, S> {
    type Item = Result<S::Page, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

#[cfg(feature = "stream")]
impl<T: AsyncTransport, S: PageSource> futures_core::Stream for AsyncItems<T, S> {
    type Item = Result<S::Item, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}

// The futures and streams never pin their fields (in-flight futures are `Unpin`), so they
// are `Unpin` whatever the operation, parser or callback: polling takes `&mut self`.
impl<T: AsyncTransport, P> Unpin for SendFuture<T, P> {}
impl<T: AsyncTransport, F> Unpin for UploadFuture<'_, T, F> {}
impl<T: AsyncTransport, S> Unpin for AsyncPages<T, S> {}
impl<T: AsyncTransport, S: PageSource> Unpin for AsyncItems<T, S> {}
