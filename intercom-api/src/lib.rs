//! # intercom-api
//!
//! A Rust SDK for Intercom's REST API, generated from Intercom's published
//! OpenAPI descriptions: one module per API version, chosen by cargo feature
//! (`v2_7` … `v2_16`, `preview`; default `v2_16`).
//!
//! ```no_run
//! # async fn run() -> intercom_api::Result<()> {
//! use intercom_api::{Client, Region};
//!
//! let client = Client::builder()
//!     .access_token(std::env::var("INTERCOM_TOKEN").unwrap_or_default())
//!     .region(Region::Us)
//!     .build()?;
//! let admin = client.v2_16().identify_admin().send().await?.into_inner();
//! println!("{:?}", admin.email);
//! # Ok(()) }
//! ```
//!
//! ## How every call shares one runtime
//!
//! progenitor generates each version's `Client` with an *inner type*,
//! [`generated::Transport`], and a *hook* around request execution. Because of
//! the orphan rule the hook impl lives in the crate that holds the generated
//! code: it stamps the module's `Intercom-Version` header and hands the request
//! to the transport. This crate supplies the transport's executor, so every
//! operation of every enabled version goes through the same runtime:
//!
//! - **auth**: `Authorization: Bearer …`, the token held as a secret (redacted
//!   in `Debug`, marked sensitive for HTTP logging, never in errors);
//! - **regions**: [`Region::Us`], [`Region::Eu`], [`Region::Au`] or a custom
//!   base URL (plain `http://` only for loopback);
//! - **rate limiting** ([`RateLimitConfig`]): proactive pacing by Intercom's
//!   `X-RateLimit-*` headers, shared by every clone and task; 429s waited out
//!   until the reset (or `Retry-After`) within a maximum wait; an optional
//!   ceiling of your own; the last seen state in [`Client::rate_limit`];
//! - **retries** ([`RetryConfig`]): 429, 500, 502, 503, 504, connection
//!   errors and timeouts, with full-jitter exponential backoff and a shared
//!   retry budget; POST/PATCH only when the request never reached the server
//!   unless you opt in ([`Client::with_retry`]);
//! - **timeouts** per attempt and for connecting;
//! - **tracing**: a span per call (`intercom.call`: operation, method, path
//!   template, version, status, attempts) and per attempt; no secrets, no bodies.
//!
//! ## Pagination
//!
//! Every list operation whose shape codegen recognises (cursor,
//! page number, search body, scroll, next-cursor; the `cargo xtask regen`
//! report lists them per version, and those it could not handle, with the
//! reason) gets `into_paginator()` on its request builder, returning a
//! [`pagination::Paginator`] with lazy [`pages`](pagination::Paginator::pages)
//! and [`items`](pagination::Paginator::items) streams:
//!
//! ```no_run
//! # async fn run(client: intercom_api::Client) -> intercom_api::Result<()> {
//! use futures::TryStreamExt;
//!
//! let mut contacts = std::pin::pin!(client.v2_16().list_contacts().into_paginator().page_size(50).items());
//! while let Some(contact) = contacts.try_next().await? {
//!     println!("{:?}", contact.email);
//! }
//! # Ok(()) }
//! ```
//!
//! One page is in memory at a time, dropping the stream stops the requests,
//! each page request goes through the runtime (rate limits, retries), and a
//! repeated cursor or page ends the stream with [`Error::PaginationLoop`]
//! instead of looping.
//!
//! ## Errors
//!
//! Generated operations return progenitor's error type, which converts into
//! [`Error`] with `?`: Intercom's error body when present (`type`,
//! `request_id`, `errors[{code, message, field}]`), the raw body otherwise,
//! the rate-limit state on 429, timeouts, transport failures and undecodable
//! payloads, with [`Error::is_retryable`], [`Error::is_not_found`] and
//! [`Error::is_rate_limited`].
//!
//! ## Tolerance
//!
//! Response enums are open (an `Unrecognized(String)` variant catches values
//! Intercom adds later) and response fields are optional, so a response that
//! omits a field the spec calls required still decodes.

#![warn(missing_docs)]

mod client;
pub mod clock;
mod error;
pub mod handwritten;
pub mod oauth;
mod rate_limit;
mod region;
mod retry;
mod runtime;
pub mod webhook;

pub use client::{Client, ClientBuilder};
pub use error::{ApiError, ConfigError, EXCERPT_LIMIT, Error, ErrorBody, ErrorItem, Result};
pub use generated::Operation;
pub use generated::pagination;
pub use rate_limit::{RateLimit, RateLimitConfig, WINDOW};
pub use region::Region;
pub use retry::RetryConfig;
pub use runtime::USER_AGENT_VALUE;

#[cfg(feature = "preview")]
pub use generated::preview;
#[cfg(feature = "v2_7")]
pub use generated::v2_7;
#[cfg(feature = "v2_8")]
pub use generated::v2_8;
#[cfg(feature = "v2_9")]
pub use generated::v2_9;
#[cfg(feature = "v2_10")]
pub use generated::v2_10;
#[cfg(feature = "v2_11")]
pub use generated::v2_11;
#[cfg(feature = "v2_12")]
pub use generated::v2_12;
#[cfg(feature = "v2_13")]
pub use generated::v2_13;
#[cfg(feature = "v2_14")]
pub use generated::v2_14;
#[cfg(feature = "v2_15")]
pub use generated::v2_15;
#[cfg(feature = "v2_16")]
pub use generated::v2_16;
