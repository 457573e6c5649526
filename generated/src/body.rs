//! Response bodies an executor has already read.
//!
//! The façade's runtime reads each JSON body before its call returns, so that a
//! truncated or stalled body is a failed attempt it can retry. Building a new
//! `reqwest::Response` around the bytes costs about seven allocations a call,
//! so it leaves them in the response's extensions instead, as a [`Buffered`]
//! body:
//! - [`into_bytes`] (and so [`crate::decode_response`]) takes them, or reads
//!   the body as usual when no executor buffered it;
//! - where generated code hands a response on with its body still to be read
//!   (progenitor's "unexpected response" error, a streamed success), codegen
//!   wraps it in [`restore`], which puts the bytes back into the body.

use bytes::Bytes;
use reqwest::ResponseBuilderExt;

/// A body read by the executor, kept in the response's extensions.
#[derive(Debug, Clone)]
pub struct Buffered(pub Bytes);

/// Leaves `body`, already read from `response`, in its extensions.
pub fn buffer(response: &mut reqwest::Response, body: Bytes) {
    response.extensions_mut().insert(Buffered(body));
}

/// The body the executor buffered, if it did.
pub fn buffered(response: &reqwest::Response) -> Option<&Bytes> {
    response.extensions().get::<Buffered>().map(|b| &b.0)
}

/// The whole body: the buffered one, or read now.
pub async fn into_bytes(mut response: reqwest::Response) -> reqwest::Result<Bytes> {
    match response.extensions_mut().remove::<Buffered>() {
        Some(Buffered(body)) => Ok(body),
        None => response.bytes().await,
    }
}

/// `response` with its buffered body (if any) readable again through the
/// response itself. Its extensions, the [`Buffered`] copy included, are kept.
pub fn restore(response: reqwest::Response) -> reqwest::Response {
    let Some(body) = buffered(&response).cloned() else {
        return response;
    };
    let url = response.url().clone();
    let (mut parts, _) = http::Response::<reqwest::Body>::from(response).into_parts();
    // reqwest keeps a response's URL in an extension only its builder can set.
    let mut carrier = http::Response::builder()
        .url(url)
        .body(())
        .expect("a builder with only a URL is valid");
    parts
        .extensions
        .extend(std::mem::take(carrier.extensions_mut()));
    reqwest::Response::from(http::Response::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &'static str) -> reqwest::Response {
        let r = http::Response::builder()
            .status(404)
            .header("x-request-id", "r1")
            .url("https://api.intercom.io/tags/1".parse().unwrap())
            .body(body)
            .unwrap();
        reqwest::Response::from(r)
    }

    #[tokio::test]
    async fn a_buffered_body_is_taken_instead_of_read() {
        let mut r = response("");
        buffer(&mut r, Bytes::from_static(b"{\"type\":\"error.list\"}"));
        assert_eq!(
            &into_bytes(r).await.unwrap()[..],
            b"{\"type\":\"error.list\"}"
        );
        // Without one, the body itself is read.
        assert_eq!(&into_bytes(response("plain")).await.unwrap()[..], b"plain");
    }

    #[tokio::test]
    async fn a_restored_response_reads_its_buffered_body() {
        let mut r = response("");
        buffer(&mut r, Bytes::from_static(b"not found"));
        let restored = restore(r);
        assert_eq!(restored.status(), 404);
        assert_eq!(restored.url().as_str(), "https://api.intercom.io/tags/1");
        assert_eq!(restored.headers()["x-request-id"], "r1");
        assert_eq!(buffered(&restored).map(|b| &b[..]), Some(&b"not found"[..]));
        assert_eq!(restored.text().await.unwrap(), "not found");
        // A response nobody buffered is handed on as it is.
        assert_eq!(
            restore(response("as sent")).text().await.unwrap(),
            "as sent"
        );
    }
}
