//! What every generated Intercom API version crate (`intercom-api-v2-11`, …)
//! shares: the [`Transport`] each generated `Client` holds, the [`Operation`]
//! table type, the one [`Error`] every generated call and paginator returns
//! (with Intercom's [`ErrorCode`]s), lazy [`pagination`] and decode-error
//! context.
//!
//! Users depend on `intercom-api`, which re-exports the version crates and
//! supplies the runtime (auth, regions, rate limiting, retries). Each version
//! crate owns its generated `Client`, so by the orphan rule its progenitor
//! `ClientHooks` impl lives there: it stamps the version's `Intercom-Version`
//! header and hands the request to a [`Transport`], the single point every
//! generated call passes through.

#![warn(missing_docs)]

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub mod body;
#[cfg(feature = "dispatch")]
pub mod dispatch;
pub mod error;
pub mod lenient;
pub mod op;
pub mod pagination;
pub mod rate_limit;
pub mod raw;
pub mod tagged;
pub mod webhook;

pub use error::{
    ApiError, ConfigError, Error, ErrorBody, ErrorCode, ErrorItem, OutOfTime, Phase, TimeLimit,
};
pub use op::{Op, ResponseExample};
pub use rate_limit::RateLimit;

/// One operation of one API version, as the generated client knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The spec's `operationId` (synthesised where the spec has none).
    pub id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template, e.g. `/contacts/{contact_id}`.
    pub path: &'static str,
    /// Name of the generated `Client` method.
    pub rust_name: &'static str,
    /// Where the resource-grouped client offers it, dotted:
    /// `help_centers.collections.list` is
    /// `client.help_centers().collections().list()`.
    pub call: &'static str,
    /// `Intercom-Version` header value of the module.
    pub version: &'static str,
    /// Its type in the version module's `ops` (`intercom_client_core::Op`),
    /// as `intercom-api` re-exports it: `v2_16::ops::TagsList`; empty for
    /// hand-written operations.
    pub op_type: &'static str,
}

impl Operation {
    /// Operation used when an id is not in the table (never for generated code).
    pub const UNKNOWN: Operation = Operation {
        id: "unknown",
        method: "",
        path: "",
        rust_name: "",
        call: "",
        version: "",
        op_type: "",
    };

    /// Finds the operation whose generated method is `rust_name` in a table
    /// sorted by that name (progenitor's hooks identify operations by it).
    pub fn find(table: &'static [Operation], rust_name: &str) -> &'static Operation {
        table
            .binary_search_by(|op| op.rust_name.cmp(rust_name))
            .map_or(&Self::UNKNOWN, |i| &table[i])
    }

    /// Whether the method is idempotent by HTTP semantics.
    pub fn is_idempotent(&self) -> bool {
        matches!(self.method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS")
    }
}

/// Boxed future returned by [`Execute::execute`].
pub type ResponseFuture<'a> =
    Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a>>;

/// Executes one request of a generated operation: the hook the façade
/// implements for auth, rate limiting, retries and tracing.
pub trait Execute: Send + Sync + 'static {
    /// Sends `request` (already carrying the `Intercom-Version` header).
    fn execute<'a>(
        &'a self,
        request: reqwest::Request,
        operation: &'static Operation,
    ) -> ResponseFuture<'a>;
}

/// A plain `reqwest::Client` sends requests as they are.
impl Execute for reqwest::Client {
    fn execute<'a>(
        &'a self,
        request: reqwest::Request,
        _: &'static Operation,
    ) -> ResponseFuture<'a> {
        Box::pin(reqwest::Client::execute(self, request))
    }
}

/// The inner value of every generated `Client`: a shared [`Execute`].
#[derive(Clone)]
pub struct Transport(Arc<dyn Execute>);

impl Transport {
    /// Wraps an executor.
    pub fn new(executor: impl Execute) -> Self {
        Self(Arc::new(executor))
    }

    /// Sends a request through the executor.
    pub fn execute(
        &self,
        request: reqwest::Request,
        operation: &'static Operation,
    ) -> ResponseFuture<'_> {
        self.0.execute(request, operation)
    }
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Transport")
    }
}

/// Start of a decode error's message that names its operation.
const DECODE_PREFIX: &str = "operation `";

/// Names the operation in a decode failure of a generated `send()` (codegen
/// wraps every one in this): progenitor decodes after the execution hook, so
/// only here is the operation still known.
#[allow(clippy::result_large_err)] // progenitor's error type, passed through as it is
pub fn with_operation<T, E>(
    result: Result<T, progenitor_client::Error<E>>,
    table: &'static [Operation],
    rust_name: &str,
) -> Result<T, progenitor_client::Error<E>> {
    match result {
        Err(progenitor_client::Error::InvalidResponsePayload(body, e)) => {
            let id = Operation::find(table, rust_name).id;
            let e = <serde_json::Error as serde::de::Error>::custom(format!(
                "{DECODE_PREFIX}{id}`: {e}"
            ));
            Err(progenitor_client::Error::InvalidResponsePayload(body, e))
        }
        other => other,
    }
}

/// Decodes a response body into an operation's type, as progenitor's
/// `ResponseValue::from_response` does but leniently ([`lenient`]): codegen
/// makes every generated `send()` call this instead. Mismatches are traced
/// and, with the raw body, handed to a capturing caller ([`raw`]).
#[allow(clippy::result_large_err)] // progenitor's error type, passed through as it is
pub async fn decode_response<T: serde::de::DeserializeOwned, E>(
    mut response: reqwest::Response,
    operation: &'static str,
) -> Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>> {
    let status = response.status();
    // The response is consumed here: its headers move, not copied.
    let headers = std::mem::take(response.headers_mut());
    let body = body::into_bytes(response)
        .await
        .map_err(progenitor_client::Error::ResponseBodyError)?;
    match lenient::decode::<T>(&body) {
        Ok((inner, mismatches)) => {
            lenient::trace(operation, &mismatches);
            raw::record(|| raw::RawResponse {
                operation,
                status,
                body,
                mismatches,
            });
            Ok(progenitor_client::ResponseValue::new(
                inner, status, headers,
            ))
        }
        Err(e) => {
            raw::record(|| raw::RawResponse {
                operation,
                status,
                body: body.clone(),
                mismatches: Vec::new(),
            });
            if status.is_client_error() || status.is_server_error() {
                // An error status whose body is not the documented error
                // (empty, HTML from a proxy…) is still that status, not a
                // decode failure: handed on with its body, it becomes an
                // `Error::Api` keeping the raw excerpt.
                return Err(progenitor_client::Error::UnexpectedResponse(
                    undecoded_error(status, headers, body),
                ));
            }
            Err(progenitor_client::Error::InvalidResponsePayload(body, e))
        }
    }
}

/// A response rebuilt around an error status, its headers and the body
/// already read (also left buffered, as an executor leaves it).
fn undecoded_error(
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    body: bytes::Bytes,
) -> reqwest::Response {
    let mut rebuilt = http::Response::new(reqwest::Body::from(body.clone()));
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    let mut response = reqwest::Response::from(rebuilt);
    body::buffer(&mut response, body);
    response
}

/// The operation (its `operationId`) a decode error of a generated call
/// names, if it names one.
pub fn decode_operation(e: &serde_json::Error) -> Option<String> {
    let message = e.to_string();
    let rest = message.strip_prefix(DECODE_PREFIX)?;
    Some(rest[..rest.find('`')?].to_owned())
}

/// Decodes a payload into an operation's generated type as a call does
/// ([`lenient::decode`]), discarding it: the lenient repairs it needed (none
/// when it fits strictly), or the error when even lenient decoding fails.
pub type Decoder = fn(&[u8]) -> Result<Vec<lenient::Mismatch>, serde_json::Error>;

/// Parses a JSON request body into an operation's generated body type and
/// writes it back out (checking that request types keep every field).
pub type RoundTrip = fn(&[u8]) -> Result<serde_json::Value, serde_json::Error>;

/// One operation's request body round trip.
#[derive(Debug, Clone, Copy)]
pub struct RequestRoundTrip {
    /// The operation.
    pub operation_id: &'static str,
    /// Its body's round trip.
    pub round_trip: RoundTrip,
}

/// Decoders for one operation's success and error payloads.
#[derive(Debug, Clone, Copy)]
pub struct ResponseDecoders {
    /// The operation.
    pub operation_id: &'static str,
    /// Decoder for 2xx payloads, if the operation has a typed one.
    pub success: Option<Decoder>,
    /// Decoder for error payloads, if the operation has a typed one.
    pub error: Option<Decoder>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &'static str) -> reqwest::Response {
        let mut r = http::Response::new(reqwest::Body::from(body));
        *r.status_mut() = reqwest::StatusCode::from_u16(status).unwrap();
        reqwest::Response::from(r)
    }

    type Payload = std::collections::BTreeMap<String, String>;

    #[tokio::test]
    async fn an_error_status_with_an_undecodable_body_stays_that_status() {
        let decoded = decode_response::<Payload, ()>(response(404, ""), "showContact").await;
        let Err(e @ progenitor_client::Error::UnexpectedResponse(_)) = decoded else {
            panic!("expected the response handed on, got {decoded:?}");
        };
        let e = Error::from(e);
        assert!(e.is_not_found(), "{e:?}");
        assert_eq!(e.api().and_then(|a| a.raw.as_deref()), Some(""));
        // A success whose body does not decode is a decode error.
        let decoded = decode_response::<Payload, ()>(response(200, ""), "showContact").await;
        assert!(matches!(
            Error::from(decoded.unwrap_err()),
            Error::Decode { .. }
        ));
    }
}
