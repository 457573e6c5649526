//! Lazy streams over Intercom's paginated list operations.
//!
//! Codegen detects each list operation's shape (cursor, page number, search
//! body, scroll, next-cursor) and implements [`Paginate`] for its request
//! builder, with an inherent `into_paginator()`:
//!
//! ```ignore
//! use futures::TryStreamExt;
//! let contacts: Vec<_> = client
//!     .list_contacts()
//!     .into_paginator()
//!     .page_size(150)
//!     .items()
//!     .try_collect()
//!     .await?;
//! ```
//!
//! Streams are lazy: a page is requested when the previous one has been
//! consumed, one page is in memory at a time, and dropping the stream stops
//! the requests. Each page request is an ordinary call of the generated
//! client, so it passes through the same transport (rate limiting, retries).
//! Streams yield the one [`Error`] of every call: a failed page request's
//! error as its `send()` returned it, and, when the server repeats a cursor
//! (cursor, search and next-cursor shapes) or the previous page's items
//! (page-number and scroll shapes), [`Error::PaginationLoop`] instead of
//! looping forever.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::pin::Pin;

use futures::{Stream, TryStreamExt, stream};
use progenitor_client::ResponseValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;

/// How an operation pages (see the codegen report for each operation's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Shape {
    /// `starting_after` query parameter, next cursor at `pages.next.starting_after`.
    Cursor,
    /// `page` query parameter, bounded by `total_pages` (without it, by the
    /// first empty page).
    PageNumber,
    /// `pagination.starting_after` in a search request body.
    SearchBody,
    /// `scroll_param` query parameter, ends on an empty page.
    Scroll,
    /// `cursor` query parameter, next cursor at `next_cursor`.
    NextCursor,
}

impl Shape {
    /// Every shape, in declaration order (codegen's own list must name the
    /// same ones: a test compares them).
    pub const ALL: [Shape; 5] = [
        Shape::Cursor,
        Shape::PageNumber,
        Shape::SearchBody,
        Shape::Scroll,
        Shape::NextCursor,
    ];
}

/// Where the next request starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// The request as the builder was configured.
    Start,
    /// An opaque cursor from the previous page.
    Cursor(String),
    /// A 1-based page number.
    Page(u64),
}

impl Position {
    /// A cursor position, or `None` for an empty cursor (the end).
    pub fn cursor(value: &str) -> Option<Position> {
        (!value.is_empty()).then(|| Position::Cursor(value.to_owned()))
    }

    /// The page number, for page-number positions.
    pub fn page(&self) -> Option<u64> {
        match self {
            Position::Page(n) => Some(*n),
            _ => None,
        }
    }
}

/// The future of one page request: the operation's `send()`.
pub type PageFuture<'a, P> =
    Pin<Box<dyn Future<Output = Result<ResponseValue<P>, Error>> + Send + 'a>>;

/// A generated request builder that can fetch successive pages. Implemented
/// by codegen for every paginated operation; users call `into_paginator()`.
pub trait Paginate<'a>: Clone + Send + Sized + 'a {
    /// One response page.
    type Page: Send + 'a;
    /// One item of a page.
    type Item: Serialize + Send + 'a;
    /// The operation's `operationId`.
    const OPERATION: &'static str;
    /// How it pages.
    const SHAPE: Shape;
    /// Whether the operation takes a page size.
    const PAGE_SIZE: bool;
    /// Position of the first request (the builder's own `page`, if set).
    fn first(&self) -> Position;
    /// Sets the page size (`per_page`).
    fn with_page_size(self, size: u32) -> Self;
    /// Points the request at `position`.
    fn at(self, position: &Position) -> Self;
    /// Sends the request.
    fn fetch(self) -> PageFuture<'a, Self::Page>;
    /// Where the page after `page` (fetched at `current`) starts, if any.
    fn next(page: &Self::Page, current: &Position) -> Option<Position>;
    /// The page's items.
    fn items(page: &Self::Page) -> &[Self::Item];
    /// The page's items, by value.
    fn into_items(page: Self::Page) -> Vec<Self::Item>;
}

/// Pages through one list request. Build it with the operation builder's
/// `into_paginator()`; then stream [`pages`](Self::pages) or
/// [`items`](Self::items).
#[derive(Debug, Clone)]
#[must_use = "a paginator does nothing until its pages or items are streamed"]
pub struct Paginator<B> {
    builder: B,
    page_size: Option<u32>,
}

/// A page's fingerprint: its length and hashes of its first and last items.
type Fingerprint = (usize, u64, u64);

struct State<B> {
    builder: B,
    position: Position,
    seen: HashSet<String>,
    last: Option<Fingerprint>,
    fetched: usize,
    done: bool,
    /// An error to end the stream with after the page just yielded.
    failed: Option<Error>,
}

impl<'a, B: Paginate<'a>> Paginator<B> {
    /// Wraps a configured request builder.
    pub fn new(builder: B) -> Self {
        Self {
            builder,
            page_size: None,
        }
    }

    /// Items per page (`per_page`), where the operation takes one; otherwise
    /// the API's default applies.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// How the operation pages.
    pub fn shape(&self) -> Shape {
        B::SHAPE
    }

    /// A lazy stream of pages, one request per page as it is polled.
    pub fn pages(self) -> impl Stream<Item = Result<B::Page, Error>> + Send + 'a {
        let builder = match self.page_size {
            Some(size) if B::PAGE_SIZE => self.builder.with_page_size(size),
            _ => self.builder,
        };
        let state = State {
            position: builder.first(),
            builder,
            seen: HashSet::new(),
            last: None,
            fetched: 0,
            done: false,
            failed: None,
        };
        stream::try_unfold(state, |mut state| async move {
            if let Some(error) = state.failed.take() {
                return Err(error);
            }
            if state.done {
                return Ok(None);
            }
            let request = match &state.position {
                Position::Start => state.builder.clone(),
                position => state.builder.clone().at(position),
            };
            let page = request.fetch().await?.into_inner();
            state.fetched += 1;
            let items = B::items(&page);
            // Page numbers and scroll parameters (which Intercom may repeat
            // from page to page) cannot be checked for repeats: check that
            // the content moves on instead.
            let content_guard = matches!(B::SHAPE, Shape::PageNumber | Shape::Scroll);
            if content_guard && !items.is_empty() {
                let print = fingerprint(items);
                if state.last == Some(print) {
                    return Err(Error::PaginationLoop {
                        operation: B::OPERATION,
                        page: state.fetched,
                        cursor: None,
                    });
                }
                state.last = Some(print);
            }
            match B::next(&page, &state.position) {
                None => state.done = true,
                Some(Position::Cursor(cursor)) => {
                    if content_guard || state.seen.insert(cursor.clone()) {
                        state.position = Position::Cursor(cursor);
                    } else {
                        // This page is new; following its cursor would not be.
                        state.failed = Some(Error::PaginationLoop {
                            operation: B::OPERATION,
                            page: state.fetched,
                            cursor: Some(cursor),
                        });
                    }
                }
                Some(position) => state.position = position,
            }
            Ok(Some((page, state)))
        })
    }

    /// A lazy stream of the items of every page, in order.
    pub fn items(self) -> impl Stream<Item = Result<B::Item, Error>> + Send + 'a {
        self.pages()
            .map_ok(|page| stream::iter(B::into_items(page).into_iter().map(Ok)))
            .try_flatten()
    }
}

/// Hashes items through their JSON serialisation, without allocating it.
fn fingerprint<T: Serialize>(items: &[T]) -> Fingerprint {
    struct HashWriter<H>(H);
    impl<H: Hasher> std::io::Write for HashWriter<H> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // A fixed-key hasher: fingerprints only need to compare within one stream.
    let hash = |item: Option<&T>| {
        let mut w = HashWriter(
            std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
                .build_hasher(),
        );
        if let Some(item) = item {
            // Serialising a generated type into a hasher cannot fail; an
            // error would only weaken the loop guard, not the stream.
            let _ = serde_json::to_writer(&mut w, item);
        }
        w.0.finish()
    };
    (items.len(), hash(items.first()), hash(items.last()))
}

/// Sets `pagination.starting_after` / `pagination.per_page` in a search body,
/// whatever its generated type: through its JSON form, so the caller's other
/// pagination settings are kept.
pub fn set_body_pagination<T, B>(
    body: B,
    cursor: Option<&str>,
    per_page: Option<u32>,
) -> Result<B, String>
where
    T: TryFrom<B> + Serialize + DeserializeOwned,
    <T as TryFrom<B>>::Error: fmt::Display,
    B: From<T>,
{
    let typed = T::try_from(body).map_err(|e| e.to_string())?;
    let mut json = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let object = json
        .as_object_mut()
        .ok_or("the search body is not a JSON object")?;
    let pagination = object
        .entry("pagination")
        .or_insert_with(|| serde_json::Value::Object(Default::default()));
    if pagination.is_null() {
        *pagination = serde_json::Value::Object(Default::default());
    }
    let pagination = pagination
        .as_object_mut()
        .ok_or("`pagination` in the search body is not an object")?;
    if let Some(cursor) = cursor {
        pagination.insert("starting_after".into(), cursor.into());
    }
    if let Some(size) = per_page {
        pagination.insert("per_page".into(), size.into());
    }
    let typed: T = serde_json::from_value(json).map_err(|e| e.to_string())?;
    Ok(B::from(typed))
}
