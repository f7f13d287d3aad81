//! Walking the pages of a list, sans-IO: [`PageExchange`] yields every page, [`ItemExchange`]
//! every item, each page fetched (and retried) only when the walk reaches it.
//!
//! A walk ends after the last page the list announces, after the first error, or after a page
//! with no items, whatever the list says of a next one: a server that keeps answering empty
//! pages while announcing more (`max_page` = `i64::MAX`, `has_next_page: true` forever)
//! cannot make a walk loop.

use super::exchange::{Exchange, Fault, Options, RequestExchange, Step};
use super::operation::{Error, Paginated};
use http::{Request, Response};
use std::sync::Arc;
use std::time::Duration;

/// Where pages come from: the request of the current page, how to read its answer, how to
/// move on. Implemented for every [`Paginated`] operation; hosts that drive operations by id
/// implement it over JSON.
pub trait PageSource {
    /// A page as parsed.
    type Page;
    /// One listed item.
    type Item;
    /// The request of the current page.
    fn request(&self, options: &Options) -> Result<Request<Vec<u8>>, Error>;
    /// Parses the answer to it.
    fn parse(&self, response: &Response<Vec<u8>>) -> Result<Self::Page, Error>;
    /// Moves on to the page after `page`; false when `page` was the last.
    fn advance(&mut self, page: &Self::Page) -> bool;
    /// How many items `page` holds.
    fn count(page: &Self::Page) -> usize;
    /// The items of `page`, in order.
    fn into_items(page: Self::Page) -> Vec<Self::Item>;
}

impl<O: Paginated> PageSource for O {
    type Page = O::Output;
    type Item = O::Item;

    fn request(&self, options: &Options) -> Result<Request<Vec<u8>>, Error> {
        options.request(self)
    }

    fn parse(&self, response: &Response<Vec<u8>>) -> Result<O::Output, Error> {
        O::parse(response)
    }

    fn advance(&mut self, page: &O::Output) -> bool {
        if !self.has_next(page) {
            return false;
        }
        let next = self.page().saturating_add(1);
        self.set_page(next);
        true
    }

    fn count(page: &O::Output) -> usize {
        O::items(page).len()
    }

    fn into_items(page: O::Output) -> Vec<O::Item> {
        O::into_items(page)
    }
}

/// Every page of a list, in order: [`Step::Done`] carries `Some(page)` (or `Some(error)`,
/// which ends the walk), then `None` for ever.
#[derive(Debug)]
pub struct PageExchange<S> {
    source: S,
    options: Arc<Options>,
    current: Option<RequestExchange>,
    ended: bool,
}

impl<S: PageSource> PageExchange<S> {
    /// The walk starting at `source`'s current page.
    pub fn new(source: S, options: Arc<Options>) -> Self {
        PageExchange {
            source,
            options,
            current: None,
            ended: false,
        }
    }

    /// Whether the walk is over (the next poll says `None`).
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Where the walk stands (for an operation: its `page` parameter is the next page).
    pub fn source(&self) -> &S {
        &self.source
    }
}

impl<S: PageSource> Exchange for PageExchange<S> {
    type Output = Option<Result<S::Page, Error>>;

    fn poll(&mut self, now: Duration, jitter: f64) -> Step<Self::Output> {
        if self.ended {
            return Step::Done(None);
        }
        let current = self.current.get_or_insert_with(|| {
            let request = self.source.request(&self.options);
            // Page reads are GETs: always safe to repeat.
            RequestExchange::new(request, self.options.settings, false)
        });
        let response = match current.poll(now, jitter) {
            Step::Send(o) => return Step::Send(o),
            Step::Wait(d) => return Step::Wait(d),
            Step::Done(r) => r,
        };
        self.current = None;
        let page = response.and_then(|r| self.source.parse(&r));
        match &page {
            Ok(p) if S::count(p) > 0 && self.source.advance(p) => {}
            _ => self.ended = true,
        }
        Step::Done(Some(page))
    }

    fn handle(&mut self, outcome: Result<Response<Vec<u8>>, Fault>) {
        match &mut self.current {
            Some(current) => current.handle(outcome),
            None => self.fail_with(Error::Misuse(
                "a response was handed back with no request in flight",
            )),
        }
    }

    fn fail(&mut self, fault: Fault) {
        match &mut self.current {
            Some(current) => current.fail(fault),
            None => self.fail_with(Error::Transport { fault, attempts: 0 }),
        }
    }
}

impl<S: PageSource> PageExchange<S> {
    fn fail_with(&mut self, error: Error) {
        if !self.ended {
            self.current = Some(RequestExchange::new(
                Err(error),
                self.options.settings,
                false,
            ));
        }
    }
}

/// Every item of every page, in order: [`Step::Done`] carries `Some(item)` (or
/// `Some(error)`, which ends the walk), then `None` for ever.
#[derive(Debug)]
pub struct ItemExchange<S: PageSource> {
    pages: PageExchange<S>,
    buffered: std::vec::IntoIter<S::Item>,
}

impl<S: PageSource> ItemExchange<S> {
    /// The items of the walk starting at `source`'s current page.
    pub fn new(source: S, options: Arc<Options>) -> Self {
        ItemExchange::from_pages(PageExchange::new(source, options))
    }

    /// The items of a page walk, from where it stands.
    pub fn from_pages(pages: PageExchange<S>) -> Self {
        ItemExchange {
            pages,
            buffered: Vec::new().into_iter(),
        }
    }
}

impl<S: PageSource> Exchange for ItemExchange<S> {
    type Output = Option<Result<S::Item, Error>>;

    fn poll(&mut self, now: Duration, jitter: f64) -> Step<Self::Output> {
        // At most two rounds: an empty page ends the walk, so the next poll of the pages
        // is `None`.
        loop {
            if let Some(item) = self.buffered.next() {
                return Step::Done(Some(Ok(item)));
            }
            match self.pages.poll(now, jitter) {
                Step::Send(o) => return Step::Send(o),
                Step::Wait(d) => return Step::Wait(d),
                Step::Done(Some(Ok(page))) => self.buffered = S::into_items(page).into_iter(),
                Step::Done(Some(Err(e))) => return Step::Done(Some(Err(e))),
                Step::Done(None) => return Step::Done(None),
            }
        }
    }

    fn handle(&mut self, outcome: Result<Response<Vec<u8>>, Fault>) {
        self.pages.handle(outcome)
    }

    fn fail(&mut self, fault: Fault) {
        self.pages.fail(fault)
    }
}
