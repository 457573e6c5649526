//! One error type for every call of every version, and every paginator:
//! Intercom's error body when there is one (its entries' [`ErrorCode`]s
//! included), the raw body when there is not, the rate-limit state on 429,
//! transport failures, undecodable payloads and pagination loops. Never the
//! access token.
//!
//! Every generated builder's `send()` returns it (codegen converts
//! progenitor's error inside `send()`), every [`Paginator`] stream yields it,
//! and `intercom-api` re-exports it as `intercom_api::Error`.
//!
//! [`Paginator`]: crate::pagination::Paginator

use std::fmt;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::rate_limit::RateLimit;

mod carry;
mod code;
mod time;

pub use carry::{carry, failing_body};
pub use code::ErrorCode;
pub use time::{OutOfTime, Phase, TimeLimit};

/// Errors building a client (`intercom_api::ClientBuilder::build`).
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// No access token was given.
    MissingToken,
    /// The token cannot be sent in an HTTP header (the token itself is never shown).
    InvalidToken,
    /// The base URL is unusable.
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The base URL is `https://` but `intercom-api` was built without a
    /// TLS backend (its `rustls` and `native-tls` features are both off).
    NoTlsBackend {
        /// The base URL.
        url: String,
    },
    /// The shared rate limiter is misconfigured (its Redis URL, which may
    /// hold a password, is never shown).
    SharedLimiter {
        /// What is wrong.
        reason: String,
    },
    /// The HTTP client could not be built.
    Http(reqwest::Error),
    /// A client of the test kit (`intercom-api`'s `test-util` feature) was
    /// called for an operation it has no reply for.
    NotMocked {
        /// The request: grouped call, `operationId`, method, path, version.
        request: String,
        /// Why no reply: none registered, or all registered ones were used.
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::MissingToken => {
                f.write_str("no access token: call `ClientBuilder::access_token`")
            }
            ConfigError::InvalidToken => {
                f.write_str("the access token contains characters not allowed in an HTTP header")
            }
            ConfigError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL {url:?}: {reason}")
            }
            ConfigError::NoTlsBackend { url } => write!(
                f,
                "{url} needs TLS, but intercom-api was built without a TLS backend: enable its \
                 `rustls` (default) or `native-tls` feature, or pass a reqwest::Client that has \
                 one (ClientBuilder::http_client)"
            ),
            ConfigError::SharedLimiter { reason } => {
                write!(f, "shared rate limiter: {reason}")
            }
            ConfigError::Http(e) => write!(f, "cannot build the HTTP client: {e}"),
            ConfigError::NotMocked { request, reason } => {
                write!(f, "test kit: no reply for {request}: {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Http(e) => Some(e),
            _ => None,
        }
    }
}

/// One entry of Intercom's `errors` array.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorItem {
    /// Machine-readable code, e.g. [`ErrorCode::NotFound`]; a code the specs
    /// do not document is kept as sent ([`ErrorCode::Unrecognized`]).
    #[serde(default)]
    pub code: Option<ErrorCode>,
    /// Human-readable message.
    #[serde(default)]
    pub message: Option<String>,
    /// The request field the error is about, if any.
    #[serde(default)]
    pub field: Option<String>,
}

/// Intercom's error body: `{"type": "error.list", "request_id": …, "errors": […]}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorBody {
    /// Usually `error.list`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Intercom's id of the request, for support tickets.
    #[serde(default)]
    pub request_id: Option<String>,
    /// The errors.
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
}

impl ErrorBody {
    /// Parses an Intercom error body: a JSON object whose `type` is an error
    /// type (`error.list`, `error`) or that lists `errors`. Any other body
    /// (a list, an HTML page) is `None`, and is kept raw instead.
    fn parse(raw: &[u8]) -> Option<Self> {
        let body: Self = serde_json::from_slice(raw).ok()?;
        let typed = body.kind.as_deref().is_some_and(|k| k.starts_with("error"));
        (typed || !body.errors.is_empty()).then_some(body)
    }
}

/// An HTTP error status from Intercom.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// Intercom's error body, when the response carried one.
    pub body: Option<ErrorBody>,
    /// The raw body (bounded), when it was not an Intercom error body.
    pub raw: Option<String>,
    /// The rate-limit headers of the response (always on a 429 from Intercom).
    pub rate_limit: Option<RateLimit>,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Intercom returned {}", self.status)?;
        if let Some(body) = &self.body {
            for e in &body.errors {
                let code = e.code.as_ref().map_or("error", ErrorCode::as_str);
                write!(f, "; {code}: {}", e.message.as_deref().unwrap_or(""))?;
                if let Some(field) = &e.field {
                    write!(f, " (field `{field}`)")?;
                }
            }
            if let Some(id) = &body.request_id {
                write!(f, " [request {id}]")?;
            }
        } else if let Some(raw) = &self.raw {
            write!(f, ": {raw:?}")?;
        }
        Ok(())
    }
}

/// Longest body excerpt an error keeps.
pub const EXCERPT_LIMIT: usize = 512;

/// The first [`EXCERPT_LIMIT`] bytes of `raw` as text, `…` marking a cut.
fn excerpt(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(&raw[..raw.len().min(EXCERPT_LIMIT)]).into_owned();
    if raw.len() > EXCERPT_LIMIT {
        format!("{text}…")
    } else {
        text
    }
}

/// Everything a call can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Intercom answered with an error status.
    Api(Box<ApiError>),
    /// An attempt (sending, or reading its response) took longer than the
    /// per-attempt timeout, and no retry followed.
    Timeout(reqwest::Error),
    /// The call ran out of time: its whole-call timeout, or the most it may
    /// wait for the rate limit ([`OutOfTime::limit`] says which).
    OutOfTime(Box<OutOfTime>),
    /// The connection failed or broke, after any retries.
    Transport(reqwest::Error),
    /// A success response whose body does not match the generated type.
    Decode {
        /// The operation (`operationId`) whose response it was.
        operation: Option<String>,
        /// The first bytes of the body.
        excerpt: String,
        /// The deserialization error.
        source: serde_json::Error,
    },
    /// The request could not be built (e.g. a missing required parameter).
    InvalidRequest(String),
    /// A paginated stream stopped because the API repeated a cursor or a
    /// page: following it would never end.
    PaginationLoop {
        /// The list operation.
        operation: &'static str,
        /// 1-based index of the page that repeated.
        page: usize,
        /// The repeated cursor, when it was a cursor that repeated.
        cursor: Option<String>,
    },
    /// The client configuration is invalid.
    Config(ConfigError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => fmt::Display::fmt(e, f),
            Error::Timeout(e) => write!(f, "attempt timed out: {e}"),
            Error::OutOfTime(e) => fmt::Display::fmt(e, f),
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::Decode {
                excerpt, source, ..
            } => write!(
                f,
                "cannot decode the response body ({source}); it starts {excerpt:?}"
            ),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::PaginationLoop {
                operation,
                page,
                cursor,
            } => {
                write!(f, "{operation}: page {page} repeated ")?;
                match cursor {
                    Some(c) => write!(f, "cursor {c:?}")?,
                    None => f.write_str("the previous page")?,
                }
                f.write_str("; stopped to avoid an endless loop")
            }
            Error::Config(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Timeout(e) | Error::Transport(e) => Some(e),
            Error::Decode { source, .. } => Some(source),
            Error::OutOfTime(e) => e.last.as_deref().map(|l| l as _),
            // Transparent: the configuration error's own source.
            Error::Config(e) => std::error::Error::source(e),
            _ => None,
        }
    }
}

/// Result alias for calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status, if Intercom answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Timeout(e) | Error::Transport(e) => e.status(),
            Error::OutOfTime(e) => e.last.as_ref()?.status(),
            _ => None,
        }
    }

    /// The API error, if Intercom answered with an error status (for a call
    /// out of time, its last attempt's).
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            Error::OutOfTime(e) => e.last.as_ref()?.api(),
            _ => None,
        }
    }

    /// Which time limit ended the call, when one did.
    pub fn out_of_time(&self) -> Option<&OutOfTime> {
        match self {
            Error::OutOfTime(e) => Some(e),
            _ => None,
        }
    }

    /// An attempt timed out ([`Error::Timeout`]) or the call ran out of
    /// time ([`Error::OutOfTime`]).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout(_) | Error::OutOfTime(_))
    }

    /// The entries of Intercom's `errors` array (empty when the response
    /// carried none, or there was no response).
    pub fn errors(&self) -> &[ErrorItem] {
        self.api()
            .and_then(|e| e.body.as_ref())
            .map_or(&[], |b| &b.errors)
    }

    /// The code of the first entry of Intercom's `errors` array, if any:
    /// what to match on to recover from a particular failure.
    ///
    /// ```
    /// # fn handle(e: intercom_client_core::Error) {
    /// use intercom_client_core::ErrorCode;
    ///
    /// match e.code() {
    ///     Some(ErrorCode::NotFound) => println!("gone already"),
    ///     Some(ErrorCode::ParameterInvalid) => println!("fix the request: {e}"),
    ///     Some(other) => println!("Intercom said {other}"),
    ///     None => println!("no error body: {e}"),
    /// }
    /// # }
    /// ```
    pub fn code(&self) -> Option<&ErrorCode> {
        self.errors().first()?.code.as_ref()
    }

    /// Intercom's request id, when the error body carried one.
    pub fn request_id(&self) -> Option<&str> {
        self.api()?.body.as_ref()?.request_id.as_deref()
    }

    /// The rate-limit state reported with the error.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.api()?.rate_limit
    }

    /// 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(StatusCode::NOT_FOUND)
    }

    /// 429: the rate limit was exceeded and waiting it out was not allowed
    /// (also for a call out of time whose last attempt got the 429).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether trying again later may succeed (429, 500, 502, 503, 504,
    /// timeouts, connection failures and connections broken mid-exchange).
    /// The same classification the runtime retries by ([`RetryableFailure`]),
    /// before idempotency and budget are considered.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => RetryableFailure::of_status(e.status).is_some(),
            Error::Timeout(e) | Error::Transport(e) => RetryableFailure::of_error(e).is_some(),
            Error::OutOfTime(_) => true,
            _ => false,
        }
    }

    /// A transport error, or the error an executor [`carry`]s through one.
    fn transport(e: reqwest::Error) -> Self {
        if let Some(carried) = carry::take(&e) {
            return carried;
        }
        if e.is_timeout() {
            Error::Timeout(e)
        } else {
            Error::Transport(e)
        }
    }

    /// The error of a response with an error status: its headers' rate-limit
    /// state, and its body (bounded), parsed when it is Intercom's error body
    /// and kept raw otherwise.
    pub fn from_response(
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        body: Option<&[u8]>,
    ) -> Self {
        let parsed = body.and_then(ErrorBody::parse);
        Error::Api(Box::new(ApiError {
            status,
            raw: if parsed.is_none() {
                body.map(excerpt)
            } else {
                None
            },
            body: parsed,
            rate_limit: RateLimit::from_headers(headers),
        }))
    }

    /// A success response of `operation` whose body does not decode.
    pub fn decode(operation: Option<String>, body: &[u8], source: serde_json::Error) -> Self {
        Error::Decode {
            operation,
            excerpt: excerpt(body),
            source,
        }
    }
}

/// What a generated `send()` converts progenitor's error with: the only
/// place that knows progenitor's error type.
impl<E: Serialize> From<progenitor_client::Error<E>> for Error {
    fn from(e: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match e {
            P::InvalidRequest(m) | P::Custom(m) => Error::InvalidRequest(m),
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
                Error::transport(e)
            }
            P::ErrorResponse(rv) => {
                let (status, headers) = (rv.status(), rv.headers().clone());
                let raw = serde_json::to_vec(&rv.into_inner()).ok();
                Error::from_response(status, &headers, raw.as_deref())
            }
            P::InvalidResponsePayload(raw, source) => {
                Error::decode(crate::decode_operation(&source), &raw, source)
            }
            P::UnexpectedResponse(resp) => {
                // The executor read the body: it is kept with the response.
                let raw = crate::body::buffered(&resp);
                Error::from_response(resp.status(), resp.headers(), raw.map(|b| &b[..]))
            }
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Error::transport(e)
    }
}

impl From<OutOfTime> for Error {
    fn from(e: OutOfTime) -> Self {
        Error::OutOfTime(Box::new(e))
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

/// Why an attempt failed, when trying again may help. The one classifier:
/// [`Error::is_retryable`] and `intercom-api`'s retry runtime both use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryableFailure {
    /// 429: the server refused the request without processing it.
    RateLimited,
    /// The connection was never established: the server saw nothing.
    Connect,
    /// The attempt timed out.
    Timeout,
    /// Another transport error after the request may have been sent
    /// (a reset connection, a truncated body).
    Transport,
    /// A retryable status (500, 502, 503, 504).
    Status(StatusCode),
}

impl RetryableFailure {
    /// Classifies a response status; `None` when it is not worth retrying.
    pub fn of_status(status: StatusCode) -> Option<Self> {
        match status.as_u16() {
            429 => Some(Self::RateLimited),
            500 | 502 | 503 | 504 => Some(Self::Status(status)),
            _ => None,
        }
    }

    /// Classifies a transport error; `None` when it is not worth retrying.
    pub fn of_error(e: &reqwest::Error) -> Option<Self> {
        if carry::carries(e) {
            // The executor's own decision (out of time, a test kit's miss):
            // final by definition.
            None
        } else if e.is_connect() {
            Some(Self::Connect)
        } else if e.is_timeout() {
            Some(Self::Timeout)
        } else if e.is_request() || e.is_body() || e.is_decode() {
            // `is_decode` from reqwest (not serde): the body broke off while
            // being read, e.g. shorter than its `Content-Length`.
            Some(Self::Transport)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intercom_error_bodies_parse_and_display() {
        let raw = br#"{"type":"error.list","request_id":"abc","errors":[{"code":"parameter_invalid","message":"Email is invalid","field":"email"}]}"#;
        let e = Error::from_response(StatusCode::BAD_REQUEST, &Default::default(), Some(raw));
        assert_eq!(e.request_id(), Some("abc"));
        assert_eq!(e.errors()[0].field.as_deref(), Some("email"));
        assert_eq!(e.code(), Some(&ErrorCode::ParameterInvalid));
        assert_eq!(
            e.to_string(),
            "Intercom returned 400 Bad Request; parameter_invalid: Email is invalid (field `email`) [request abc]"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn codes_no_spec_documents_are_kept_as_sent() {
        let raw = br#"{"type":"error.list","errors":[{"code":"brand_new","message":"m"},{"code":"not_found"}]}"#;
        let e = Error::from_response(StatusCode::CONFLICT, &Default::default(), Some(raw));
        assert_eq!(e.code(), Some(&ErrorCode::Unrecognized("brand_new".into())));
        assert_eq!(e.errors()[1].code, Some(ErrorCode::NotFound));
        assert!(e.to_string().contains("; brand_new: m"), "{e}");
        let body = serde_json::to_value(&e.api().unwrap().body).unwrap();
        assert_eq!(body["errors"][0]["code"], "brand_new", "round trips");
    }

    #[test]
    fn other_bodies_are_kept_raw_and_bounded() {
        let html = vec![b'x'; 4000];
        let e = Error::from_response(StatusCode::BAD_GATEWAY, &Default::default(), Some(&html));
        let api = e.api().unwrap();
        assert!(api.body.is_none());
        assert_eq!(api.raw.as_ref().unwrap().chars().count(), EXCERPT_LIMIT + 1);
        assert!(e.is_retryable());
        assert_eq!(e.code(), None);
        assert!(e.errors().is_empty());
        let json = Error::from_response(
            StatusCode::NOT_FOUND,
            &Default::default(),
            Some(br#"{"hello":1}"#),
        );
        assert!(json.is_not_found());
        assert_eq!(json.api().unwrap().raw.as_deref(), Some(r#"{"hello":1}"#));
        // A JSON object of another type (an undeclared success) is not an
        // error body either.
        let list = br#"{"type":"list","data":[]}"#;
        let e = Error::from_response(StatusCode::CREATED, &Default::default(), Some(list));
        assert_eq!(
            e.api().unwrap().raw.as_deref(),
            Some(r#"{"type":"list","data":[]}"#)
        );
    }

    #[test]
    fn progenitor_errors_convert() {
        let e: Error = progenitor_client::Error::<()>::InvalidRequest("no id".into()).into();
        assert!(matches!(&e, Error::InvalidRequest(m) if m == "no id"));
        let source = <serde_json::Error as serde::de::Error>::custom("operation `listTags`: bad");
        let e: Error =
            progenitor_client::Error::<()>::InvalidResponsePayload(b"[1]"[..].into(), source)
                .into();
        match e {
            Error::Decode {
                operation, excerpt, ..
            } => {
                assert_eq!(operation.as_deref(), Some("listTags"));
                assert_eq!(excerpt, "[1]");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pagination_loops_say_what_repeated() {
        let cursor = Error::PaginationLoop {
            operation: "listContacts",
            page: 3,
            cursor: Some("c2".into()),
        };
        assert_eq!(
            cursor.to_string(),
            "listContacts: page 3 repeated cursor \"c2\"; stopped to avoid an endless loop"
        );
        let page = Error::PaginationLoop {
            operation: "listTags",
            page: 2,
            cursor: None,
        };
        assert!(page.to_string().contains("repeated the previous page"));
    }

    #[test]
    fn the_classifier_lists_the_retryable_statuses() {
        for code in 100..600u16 {
            let s = StatusCode::from_u16(code).unwrap();
            assert_eq!(
                RetryableFailure::of_status(s).is_some(),
                matches!(code, 429 | 500 | 502 | 503 | 504),
                "{code}"
            );
        }
    }
}
