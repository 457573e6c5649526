#![doc = include_str!("../README.md")]
//!
//! ## How every call shares one runtime
//!
//! progenitor generates each version's `Client` with an *inner type*,
//! [`intercom_client_core::Transport`], and a *hook* around request execution. Because of
//! the orphan rule the hook impl lives in each version's crate, beside its
//! generated code: it stamps the version's `Intercom-Version` header and hands
//! the request to the transport. This crate supplies the transport's executor, so every
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
//! - **time limits**: a whole-call timeout over every attempt and wait
//!   (120 s by default), a timeout per attempt and for connecting, and
//!   per-call overrides ([`Client::with_options`], [`CallOptions`]);
//! - **tracing**: a span per call (`intercom.call`: operation, method, path
//!   template, version, status, attempts) and per attempt; no secrets, no bodies.
//!
//! ## Regions
//!
//! A workspace's data lives in one region, and its tokens work only against
//! that region's host: [`Region::Us`] (`https://api.intercom.io`, the
//! default), [`Region::Eu`] (`https://api.eu.intercom.io`), [`Region::Au`]
//! (`https://api.au.intercom.io`), or [`Region::Custom`] /
//! [`ClientBuilder::base_url`] for a proxy or a mock. Custom URLs must be
//! `https://` unless the host is loopback, so a token never travels in clear.
//!
//! ```
//! use intercom_api::{Client, Region};
//!
//! let eu = Client::builder().access_token("token").region(Region::Eu).build()?;
//! assert_eq!(eu.base_url().as_str(), "https://api.eu.intercom.io/");
//! let proxy = Client::builder()
//!     .access_token("token")
//!     .base_url("https://intercom-proxy.example.com/v1")
//!     .build()?;
//! assert_eq!(proxy.base_url().host_str(), Some("intercom-proxy.example.com"));
//! assert!(Client::builder().access_token("token").base_url("http://10.0.0.7").build().is_err());
//! # Ok::<(), intercom_api::ConfigError>(())
//! ```
//!
//! ## Rate limits and retries
//!
//! Intercom counts requests per 10-second window ([`WINDOW`]) and reports the
//! budget in `X-RateLimit-*` headers. By default the client paces itself by
//! them, waits for the rate limit (pacing and 429s, until the reset or
//! `Retry-After`) for at most 60 s per call, and makes up to 4 attempts on 500/502/503/504, timeouts and
//! connection errors (POST and PATCH only when the request never reached the
//! server). Both policies are plain structs with public fields and a
//! `Default`, set on the builder:
//!
//! ```
//! use std::time::Duration;
//! use intercom_api::{Client, RateLimitConfig, RetryConfig};
//!
//! let client = Client::builder()
//!     .access_token("token")
//!     .rate_limit(RateLimitConfig {
//!         ceiling: Some(300), // our own cap per window, below Intercom's
//!         max_wait: Duration::from_secs(20),
//!         ..RateLimitConfig::default()
//!     })
//!     .retry(RetryConfig {
//!         max_attempts: 6,
//!         max_backoff: Duration::from_secs(5),
//!         ..RetryConfig::default()
//!     })
//!     .attempt_timeout(Some(Duration::from_secs(30)))
//!     .call_timeout(Some(Duration::from_secs(90)))
//!     .build()?;
//!
//! // A call known to be safe to repeat may retry its POST after a 5xx too;
//! // this view shares the original's connections, limiter and budget.
//! let retrying = client.with_retry(RetryConfig {
//!     retry_non_idempotent: true,
//!     ..RetryConfig::default()
//! });
//! # drop(retrying);
//! // One attempt per call and no pacing (a 429 is still waited out within `max_wait`):
//! let raw = Client::builder()
//!     .access_token("token")
//!     .retry(RetryConfig::disabled())
//!     .rate_limit(RateLimitConfig::disabled())
//!     .build()?;
//! assert_eq!(raw.rate_limit(), None); // filled in from each response's headers
//! # Ok::<(), intercom_api::ConfigError>(())
//! ```
//!
//! A 429 that cannot be waited out within `max_wait` surfaces as an
//! [`Error`] with [`Error::is_rate_limited`] and [`Error::rate_limit`].
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
//! let mut contacts = std::pin::pin!(client.v2_16().contacts().list().into_paginator().page_size(50).items());
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
//! Every generated operation's `send()` returns one error type, [`Error`],
//! and every paginator stream yields it: Intercom's error body when present
//! (`type`, `request_id`, `errors[{code, message, field}]`), the raw body
//! otherwise, the rate-limit state on 429, timeouts, transport failures,
//! undecodable payloads and pagination loops, with [`Error::is_retryable`],
//! [`Error::is_not_found`] and [`Error::is_rate_limited`]. Each entry's
//! `code` is an [`ErrorCode`], one variant per code Intercom's specs
//! document (an unknown code is kept as sent, in
//! [`ErrorCode::Unrecognized`]); [`Error::code`] is the first entry's, to
//! match on:
//!
//! ```no_run
//! # #[cfg(feature = "v2_16")]
//! # async fn run(client: intercom_api::Client) -> intercom_api::Result<()> {
//! use intercom_api::ErrorCode;
//!
//! match client.v2_16().tags().delete("17").send().await {
//!     Ok(_) => println!("deleted"),
//!     Err(e) if e.code() == Some(&ErrorCode::NotFound) => println!("already gone"),
//!     Err(e) => {
//!         for item in e.errors() {
//!             eprintln!("{:?}: {:?} (field {:?})", item.code, item.message, item.field);
//!         }
//!         return Err(e);
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! ## Tolerance
//!
//! Response enums are open (an `Unrecognized(String)` variant catches values
//! Intercom adds later) and response fields are optional, so a response that
//! omits a field the spec calls required still decodes.
//!
//! A value that does not fit its field's type never fails the call either
//! (Intercom sends ids as strings where its spec says integer, and the
//! reverse; a contact's `location` as a string where the spec says object). A body
//! that fits decodes strictly, at no extra cost; otherwise each misfit is
//! repaired where it is: a numeric string is read as a number (or a number as
//! a string) when its text round-trips exactly, and anything else is set
//! aside, leaving its field empty. Nothing is lost: each repair is a
//! [`Mismatch`] holding the original JSON value, logged as a `tracing`
//! warning (one per field, with a count), and any call wrapped in
//! [`CaptureRaw::with_raw`] also returns the raw body of every response it
//! decoded, with fields the spec does not know yet:
//!
//! ```no_run
//! # #[cfg(feature = "v2_16")]
//! # async fn run(client: intercom_api::Client) -> intercom_api::Result<()> {
//! use intercom_api::CaptureRaw;
//!
//! let (contact, raw) = client.v2_16().contacts().find("63a07ddf").send().with_raw().await;
//! let contact = contact?.into_inner();
//! for m in raw.mismatches() {
//!     // e.g. "location: kept aside, field left empty (invalid type: string …)"
//!     eprintln!("{m}: sent {}", m.value);
//! }
//! if let Some(Ok(body)) = raw.last().map(|r| r.json()) {
//!     println!("{:?} {}", contact.id, body["location"]);
//! }
//! # Ok(()) }
//! ```
//!
//! A body that is not JSON, or whose misfit cannot be left out (the document
//! itself, or a field the type cannot do without), still fails, with the raw
//! body in the error.
//!
//! ## Webhooks and OAuth
//!
//! [`webhook`] verifies `X-Hub-Signature` (HMAC-SHA1 of the raw body, keyed
//! by the app's client secret) in constant time and parses the notification
//! envelope; with the `axum` feature, the `webhook::axum` extractor does both
//! and answers a bad signature with 401:
//!
//! ```no_run
//! # fn handle(headers: &http::HeaderMap, raw_body: &[u8]) -> Result<(), intercom_api::webhook::WebhookError> {
//! use intercom_api::webhook::{self, Notification, Topic};
//!
//! let secret = std::env::var("INTERCOM_CLIENT_SECRET").unwrap_or_default();
//! webhook::verify_headers(secret.as_bytes(), headers, raw_body)?;
//! let notification = Notification::from_verified(raw_body)?;
//! if notification.topic_kind() == Topic::Conversation {
//!     println!("{}: {}", notification.topic, notification.data.item["id"]);
//! }
//! # Ok(()) }
//! ```
//!
//! Each version module also has typed events, one variant per topic:
//! `notification.event::<intercom_api::v2_16::webhooks::Event>()` (see
//! [`webhook`], "Typed events"; with `axum`, the `VerifiedEvent` extractor).
//!
//! [`oauth`] builds the authorize URL of a public app and exchanges the code
//! Intercom redirects back with for an [`oauth::AccessToken`] (redacted in
//! `Debug`):
//!
//! ```no_run
//! # async fn callback(code: &str) -> Result<(), Box<dyn std::error::Error>> {
//! use intercom_api::oauth::OAuthApp;
//!
//! let app = OAuthApp::new("client-id", std::env::var("INTERCOM_CLIENT_SECRET")?);
//! println!("{}", app.authorize_url("csrf-state", Some("https://example.com/intercom/callback")));
//! // … later, in the redirect handler, after checking `state`:
//! let token = app.exchange_code(&reqwest::Client::new(), code).await?;
//! let client = intercom_api::Client::builder().access_token(token.expose()).build()?;
//! # drop(client); Ok(()) }
//! ```
//!
//! The `webhook_receiver` and `oauth_exchange` examples run both flows end to
//! end against loopback servers.

#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[macro_use]
mod versions;

mod client;
pub mod clock;
pub mod error;
pub mod multipart;
pub mod oauth;
mod options;
mod rate_limit;
mod region;
mod retry;
mod runtime;
#[cfg(feature = "redis")]
mod shared;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;
pub mod webhook;

pub use client::{Client, ClientBuilder};
pub use error::{
    ApiError, ConfigError, EXCERPT_LIMIT, Error, ErrorBody, ErrorCode, ErrorItem, OutOfTime, Phase,
    Result, TimeLimit,
};
pub use intercom_client_core::lenient::{Mismatch, Repair};
pub use intercom_client_core::pagination;
pub use intercom_client_core::raw::{CaptureRaw, Raw, RawResponse, WithRaw};
pub use intercom_client_core::{Op, Operation, ResponseExample};
pub use options::CallOptions;
pub use rate_limit::{RateLimit, RateLimitConfig, WINDOW};
pub use region::Region;
pub use retry::RetryConfig;
pub use runtime::USER_AGENT_VALUE;
#[cfg(feature = "redis")]
pub use shared::RedisLimiter;

macro_rules! reexport_versions {
    ($($feature:ident = $name:literal => $krate:ident, $version:literal, $header:literal;)*) => {$(
        #[cfg(feature = $name)]
        #[doc = concat!("Intercom API ", $version, " (feature `", $name, "`): the generated client, request builders and types; reach it through [`Client::", $name, "`].")]
        pub use $krate as $feature;
    )*};
}

for_each_version!(reexport_versions);
