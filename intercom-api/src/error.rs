//! One error type for every call of every version, and every paginator:
//! Intercom's error body when there is one (each entry's [`ErrorCode`]
//! included), the raw body when there is not, the rate-limit state on 429,
//! transport failures, undecodable payloads and pagination loops. Never the
//! access token.
//!
//! Every generated `send()` returns [`Error`] and every paginator stream
//! yields it; it lives in `intercom-client-core`, which the generated
//! version crates share, and is re-exported here.
//!
//! ```no_run
//! # #[cfg(feature = "v2_16")]
//! # async fn run(client: intercom_api::Client) -> intercom_api::Result<()> {
//! use intercom_api::ErrorCode;
//!
//! match client.v2_16().contacts().find("63a07ddf").send().await {
//!     Ok(contact) => println!("{:?}", contact.into_inner().email),
//!     Err(e) if e.code() == Some(&ErrorCode::NotFound) => println!("no such contact"),
//!     Err(e) => return Err(e),
//! }
//! # Ok(()) }
//! ```

pub use intercom_client_core::error::{
    ApiError, ConfigError, EXCERPT_LIMIT, Error, ErrorBody, ErrorCode, ErrorItem, OutOfTime, Phase,
    Result, TimeLimit,
};
