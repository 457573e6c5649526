//! Runtime of the generated `builder::dispatch` functions: every operation
//! callable by `operationId` with JSON arguments, decoded into the builder's
//! own Rust types. Used by the conformance tests to send the spec's request
//! examples through the typed client.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// Arguments by the spec's parameter name; `body` is the request body.
pub type Args = serde_json::Map<String, serde_json::Value>;

/// A started call.
pub type Call<'a> = Pin<Box<dyn Future<Output = Result<(), DispatchError>> + Send + 'a>>;

/// Why a dispatched call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchError {
    /// An argument does not decode into the setter's Rust type: the JSON
    /// contradicts the generated type (and usually the spec's own schema).
    Argument {
        /// Spec parameter name (or `body`).
        name: String,
        /// The serde error.
        message: String,
    },
    /// The request was sent and failed: an error status, a transport error
    /// or a response that did not decode.
    Failed {
        /// HTTP status, when there was a response.
        status: Option<u16>,
        /// The call's [`Error`](crate::Error), as text.
        message: String,
    },
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Argument { name, message } => write!(f, "argument `{name}`: {message}"),
            Self::Failed {
                status: Some(status),
                message,
            } => write!(f, "HTTP {status}: {message}"),
            Self::Failed {
                status: None,
                message,
            } => f.write_str(message),
        }
    }
}

impl std::error::Error for DispatchError {}

/// Decodes one argument into the type its setter takes.
pub fn argument<T: serde::de::DeserializeOwned>(
    name: &str,
    value: &serde_json::Value,
) -> Result<T, DispatchError> {
    T::deserialize(value).map_err(|e| DispatchError::Argument {
        name: name.to_owned(),
        message: e.to_string(),
    })
}

/// The outcome of a generated `send()`, with the payload dropped.
pub fn sent<T>(
    result: Result<progenitor_client::ResponseValue<T>, crate::Error>,
) -> Result<(), DispatchError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) => Err(DispatchError::Failed {
            status: e.status().map(|s| s.as_u16()),
            message: e.to_string(),
        }),
    }
}
