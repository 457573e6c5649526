//! One error type for every call of every version: Intercom's error body when
//! there is one, the raw body when there is not, the rate-limit state on 429,
//! transport failures and undecodable payloads. Never the access token.

use std::fmt;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};

use crate::rate_limit::RateLimit;
use crate::retry::RetryableFailure;

/// Errors building a [`Client`](crate::Client).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No access token was given.
    #[error("no access token: call `ClientBuilder::access_token`")]
    MissingToken,
    /// The token cannot be sent in an HTTP header (the token itself is never shown).
    #[error("the access token contains characters not allowed in an HTTP header")]
    InvalidToken,
    /// The base URL is unusable.
    #[error("invalid base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The URL given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[source] reqwest::Error),
}

/// One entry of Intercom's `errors` array.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorItem {
    /// Machine-readable code, e.g. `not_found`, `unauthorized`.
    #[serde(default)]
    pub code: Option<String>,
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
    fn parse(raw: &[u8]) -> Option<Self> {
        let body: Self = serde_json::from_slice(raw).ok()?;
        (body.kind.is_some() || !body.errors.is_empty()).then_some(body)
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
                let code = e.code.as_deref().unwrap_or("error");
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

fn excerpt(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(&raw[..raw.len().min(EXCERPT_LIMIT)]).into_owned();
    if raw.len() > EXCERPT_LIMIT {
        format!("{text}…")
    } else {
        text
    }
}

/// Everything a call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Intercom answered with an error status.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The request (or reading its response) timed out, after any retries.
    #[error("request timed out: {0}")]
    Timeout(#[source] reqwest::Error),
    /// The connection failed or broke, after any retries.
    #[error("transport error: {0}")]
    Transport(#[source] reqwest::Error),
    /// A success response whose body does not match the generated type.
    #[error("cannot decode the response body ({source}); it starts {excerpt:?}")]
    Decode {
        /// The operation (`operationId`) whose response it was.
        operation: Option<String>,
        /// The first bytes of the body.
        excerpt: String,
        /// The deserialization error.
        #[source]
        source: serde_json::Error,
    },
    /// The request could not be built (e.g. a missing required parameter).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A paginated stream stopped because the API repeated a cursor or a
    /// page: following it would never end.
    #[error("{operation}: page {page} repeated {}; stopped to avoid an endless loop", cursor.as_deref().map_or("the previous page".to_owned(), |c| format!("cursor {c:?}")))]
    PaginationLoop {
        /// The list operation.
        operation: &'static str,
        /// 1-based index of the page that repeated.
        page: usize,
        /// The repeated cursor, when it was a cursor that repeated.
        cursor: Option<String>,
    },
    /// The client configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Result alias for calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status, if Intercom answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Timeout(e) | Error::Transport(e) => e.status(),
            _ => None,
        }
    }

    /// The API error, if Intercom answered with an error status.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
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

    /// 429: the rate limit was exceeded and waiting it out was not allowed.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// Whether trying again later may succeed (429, 500, 502, 503, 504,
    /// timeouts, connection failures and connections broken mid-exchange).
    /// The same classification the runtime retries by, before idempotency
    /// and budget are considered.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => RetryableFailure::of_status(e.status).is_some(),
            Error::Timeout(e) | Error::Transport(e) => RetryableFailure::of_error(e).is_some(),
            _ => false,
        }
    }

    fn transport(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Error::Timeout(e)
        } else {
            Error::Transport(e)
        }
    }

    pub(crate) fn api_from(
        status: StatusCode,
        headers: &reqwest::header::HeaderMap,
        raw: Option<&[u8]>,
    ) -> Self {
        let body = raw.and_then(ErrorBody::parse);
        Error::Api(Box::new(ApiError {
            status,
            raw: if body.is_none() {
                raw.map(excerpt)
            } else {
                None
            },
            body,
            rate_limit: RateLimit::from_headers(headers),
        }))
    }
}

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
                Error::api_from(status, &headers, raw.as_deref())
            }
            P::InvalidResponsePayload(raw, source) => Error::Decode {
                operation: intercom_client_core::decode_operation(&source),
                excerpt: excerpt(&raw),
                source,
            },
            P::UnexpectedResponse(resp) => {
                // The runtime read the body: it is kept with the response.
                let raw = intercom_client_core::body::buffered(&resp);
                Error::api_from(resp.status(), resp.headers(), raw.map(|b| &b[..]))
            }
        }
    }
}

impl<E: Serialize + fmt::Debug> From<intercom_client_core::pagination::PaginationError<E>>
    for Error
{
    fn from(e: intercom_client_core::pagination::PaginationError<E>) -> Self {
        use intercom_client_core::pagination::PaginationError as P;
        match e {
            P::Request(e) => e.into(),
            P::RepeatedCursor {
                operation,
                cursor,
                page,
            } => Error::PaginationLoop {
                operation,
                page,
                cursor: Some(cursor),
            },
            P::RepeatedPage { operation, page } => Error::PaginationLoop {
                operation,
                page,
                cursor: None,
            },
            // `PaginationError` is non-exhaustive; a future kind still ends
            // the stream, reported by its message.
            other => Error::InvalidRequest(format!("{other:?}")),
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Error::transport(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intercom_error_bodies_parse_and_display() {
        let raw = br#"{"type":"error.list","request_id":"abc","errors":[{"code":"parameter_invalid","message":"Email is invalid","field":"email"}]}"#;
        let e = Error::api_from(StatusCode::BAD_REQUEST, &Default::default(), Some(raw));
        assert_eq!(e.request_id(), Some("abc"));
        assert_eq!(
            e.api().unwrap().body.as_ref().unwrap().errors[0]
                .field
                .as_deref(),
            Some("email")
        );
        assert_eq!(
            e.to_string(),
            "Intercom returned 400 Bad Request; parameter_invalid: Email is invalid (field `email`) [request abc]"
        );
        assert!(!e.is_retryable());
    }

    #[test]
    fn other_bodies_are_kept_raw_and_bounded() {
        let html = vec![b'x'; 4000];
        let e = Error::api_from(StatusCode::BAD_GATEWAY, &Default::default(), Some(&html));
        let api = e.api().unwrap();
        assert!(api.body.is_none());
        assert_eq!(api.raw.as_ref().unwrap().chars().count(), EXCERPT_LIMIT + 1);
        assert!(e.is_retryable());
        let json = Error::api_from(
            StatusCode::NOT_FOUND,
            &Default::default(),
            Some(br#"{"hello":1}"#),
        );
        assert!(json.is_not_found());
        assert_eq!(json.api().unwrap().raw.as_deref(), Some(r#"{"hello":1}"#));
    }
}
