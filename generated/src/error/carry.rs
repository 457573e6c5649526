//! An [`Error`] handed through an executor's `reqwest::Result`.
//!
//! progenitor's hook (`ClientHooks::exec`) returns `reqwest::Result`, so an
//! executor that ends a call for a reason of its own (a deadline) can only
//! answer with a `reqwest::Error`, and reqwest offers no constructor. It does
//! keep the source of a failing body stream: [`carry`] wraps the error in
//! one, and [`Error`]'s conversion from `reqwest::Error` takes it back out
//! whole, so the caller of a generated `send()` gets the executor's error
//! itself.

use std::fmt;
use std::sync::Mutex;

use futures::FutureExt;

use super::Error;

/// The carried error, taken out once by the conversion.
struct Carried(Mutex<Option<Error>>);

impl fmt::Debug for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.lock() {
            Some(e) => fmt::Debug::fmt(e, f),
            None => f.write_str("Carried(taken)"),
        }
    }
}

impl fmt::Display for Carried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.lock() {
            Some(e) => fmt::Display::fmt(e, f),
            None => f.write_str("(taken)"),
        }
    }
}

impl std::error::Error for Carried {}

impl Carried {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Error>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `error` as a `reqwest::Error`, for an executor to return; converting it
/// back into [`Error`] (`Error::from`, which a generated `send()` does) gives
/// `error` again.
pub fn carry(error: Error) -> reqwest::Error {
    failing_body(Carried(Mutex::new(Some(error))))
}

/// A `reqwest::Error` whose source is `error`, as reqwest reports a body
/// that broke off: with an `io::Error` of kind `TimedOut` it `is_timeout()`.
/// (The test kit's faults are made this way.)
pub fn failing_body(error: impl std::error::Error + Send + Sync + 'static) -> reqwest::Error {
    let failing = futures::stream::once(async move { Err::<bytes::Bytes, _>(error) });
    let response =
        reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(failing)));
    // The stream fails on its first poll: reading the body is ready at once.
    match response.bytes().now_or_never() {
        Some(Err(e)) => e,
        _ => unreachable!("a body whose stream fails at once fails at once"),
    }
}

/// The [`Carried`] in `e`'s chain of sources, if any.
fn carried(e: &reqwest::Error) -> Option<&Carried> {
    std::iter::successors(std::error::Error::source(e), |s| s.source())
        .find_map(|s| s.downcast_ref::<Carried>())
}

/// Whether `e` carries an error of [`carry`] (taken out or not).
pub(super) fn carries(e: &reqwest::Error) -> bool {
    carried(e).is_some()
}

/// The error [`carry`] put in `e`, taken out; `None` for any other error.
pub(super) fn take(e: &reqwest::Error) -> Option<Error> {
    carried(e)?.lock().take()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_carried_error_comes_back_whole() {
        let e = carry(Error::InvalidRequest("no time left".into()));
        match Error::from(e) {
            Error::InvalidRequest(m) => assert_eq!(m, "no time left"),
            other => panic!("{other:?}"),
        }
        // Through progenitor's error, as a generated `send()` converts it.
        let e = carry(Error::InvalidRequest("again".into()));
        let e = Error::from(progenitor_client::Error::<()>::CommunicationError(e));
        assert!(matches!(e, Error::InvalidRequest(m) if m == "again"));
    }

    #[test]
    fn a_carried_error_is_never_retried() {
        let e = carry(Error::InvalidRequest("final".into()));
        assert!(carries(&e));
        assert_eq!(super::super::RetryableFailure::of_error(&e), None);
        assert!(!Error::Transport(e).is_retryable());
    }
}
