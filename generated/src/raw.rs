//! What Intercom sent, reachable from a typed call without a second request:
//! the raw body of each response the call decoded, and the values lenient
//! decoding kept aside ([`crate::lenient`]).
//!
//! Wrap any call (or any future that makes calls) in
//! [`CaptureRaw::with_raw`]; it resolves to the call's output and a [`Raw`]
//! record. Nothing is retained for calls that are not wrapped: the check is
//! one thread-local read per decoded response.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;

use crate::lenient::Mismatch;

/// One response a captured call decoded.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The generated method that decoded it, e.g. `list_tags`.
    pub operation: &'static str,
    /// Its HTTP status.
    pub status: reqwest::StatusCode,
    /// Its body, as sent.
    pub body: Bytes,
    /// The values that did not fit their Rust types, and what was done.
    pub mismatches: Vec<Mismatch>,
}

impl RawResponse {
    /// The body as a JSON document, fields the spec does not know included.
    pub fn json(&self) -> serde_json::Result<serde_json::Value> {
        serde_json::from_slice(&self.body)
    }
}

/// What a call wrapped in [`CaptureRaw::with_raw`] decoded, in order (a
/// paginated call decodes one response per page).
#[derive(Debug, Clone, Default)]
pub struct Raw {
    /// Each decoded response.
    pub responses: Vec<RawResponse>,
}

impl Raw {
    /// The last response decoded (for a single call, its response).
    pub fn last(&self) -> Option<&RawResponse> {
        self.responses.last()
    }

    /// Every value that did not fit, over all responses.
    pub fn mismatches(&self) -> impl Iterator<Item = &Mismatch> {
        self.responses.iter().flat_map(|r| &r.mismatches)
    }
}

thread_local! {
    /// The record of the capture being polled on this thread, if any.
    static CURRENT: RefCell<Option<Arc<Mutex<Raw>>>> = const { RefCell::new(None) };
}

/// Adds [`with_raw`](CaptureRaw::with_raw) to every future.
pub trait CaptureRaw: Future + Sized {
    /// Runs this future and also returns the raw responses it decoded
    /// (see `intercom-api`'s README, "Tolerance", for an example).
    fn with_raw(self) -> WithRaw<Self> {
        WithRaw {
            inner: Box::pin(self),
            raw: Arc::default(),
        }
    }
}

impl<F: Future> CaptureRaw for F {}

/// Future returned by [`CaptureRaw::with_raw`].
#[must_use = "futures do nothing unless awaited"]
pub struct WithRaw<F: Future> {
    inner: Pin<Box<F>>,
    raw: Arc<Mutex<Raw>>,
}

impl<F: Future> std::fmt::Debug for WithRaw<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithRaw").finish_non_exhaustive()
    }
}

/// Installs a record as this thread's current one, restoring the previous
/// one on drop (also when the inner poll panics).
struct Installed(Option<Arc<Mutex<Raw>>>);

impl Installed {
    fn new(raw: Arc<Mutex<Raw>>) -> Self {
        Installed(CURRENT.with(|c| c.replace(Some(raw))))
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

impl<F: Future> Future for WithRaw<F> {
    type Output = (F::Output, Raw);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let installed = Installed::new(self.raw.clone());
        let polled = self.inner.as_mut().poll(cx);
        drop(installed);
        polled.map(|output| {
            let mut raw = self.raw.lock().unwrap_or_else(PoisonError::into_inner);
            (output, std::mem::take(&mut *raw))
        })
    }
}

/// Hands a decoded response to the capture being polled, if there is one.
pub(crate) fn record(response: impl FnOnce() -> RawResponse) {
    let current = CURRENT.with(|c| c.borrow().clone());
    if let Some(raw) = current {
        let response = response();
        raw.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .responses
            .push(response);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn response(operation: &'static str) -> RawResponse {
        RawResponse {
            operation,
            status: reqwest::StatusCode::OK,
            body: Bytes::from_static(b"{\"a\":1}"),
            mismatches: Vec::new(),
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }

    #[test]
    fn captures_only_inside_the_wrapped_future_and_nests() {
        record(|| panic!("nothing is built when nothing captures"));
        let (inner, raw) = block_on(
            async {
                record(|| response("outer"));
                let ((), inner) = async { record(|| response("inner")) }.with_raw().await;
                inner
            }
            .with_raw(),
        );
        assert_eq!(inner.responses.len(), 1);
        assert_eq!(inner.responses[0].operation, "inner");
        assert_eq!(raw.responses.len(), 1);
        assert_eq!(raw.last().unwrap().operation, "outer");
        assert_eq!(raw.last().unwrap().json().unwrap()["a"], 1);
        record(|| panic!("the capture is uninstalled afterwards"));
    }

    #[test]
    fn a_dropped_capture_leaves_nothing_installed() {
        let mut capture = Box::pin(
            async {
                std::future::pending::<()>().await;
            }
            .with_raw(),
        );
        let mut cx = Context::from_waker(Waker::noop());
        assert!(capture.as_mut().poll(&mut cx).is_pending());
        drop(capture);
        record(|| panic!("nothing is installed after a cancelled capture"));
    }
}
