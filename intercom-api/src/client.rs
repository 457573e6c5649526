//! The client users hold: one configured runtime, one generated client per
//! enabled API version, all sharing it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use intercom_client_core::Transport;
use reqwest::Url;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::clock::{Clock, SystemClock};
use crate::error::ConfigError;
use crate::options::CallOptions;
use crate::rate_limit::{Limiter, RateLimit, RateLimitConfig};
use crate::region::Region;
use crate::retry::{Budget, RetryConfig};
use crate::runtime::{Executor, Runtime, USER_AGENT_VALUE};

macro_rules! versions {
    ($($feature:ident = $name:literal => $krate:ident, $version:literal, $header:literal;)*) => {
        struct Versions {
            $(
                #[cfg(feature = $name)]
                $feature: $krate::Client,
            )*
        }

        impl Versions {
            #[allow(unused_variables)]
            fn new(base: &str, http: &reqwest::Client, transport: &Transport) -> Self {
                Self {
                    $(
                        #[cfg(feature = $name)]
                        $feature: $krate::Client::new_with_client(base, http.clone(), transport.clone()),
                    )*
                }
            }
        }

        impl Client {
            $(
                #[cfg(feature = $name)]
                #[doc = concat!("Operations of Intercom API ", $version, " (feature `", $name, "`): every request sends `Intercom-Version: ", $header, "` and goes through this client's runtime.")]
                pub fn $feature(&self) -> &$krate::Client {
                    &self.inner.versions.$feature
                }
            )*
        }
    };
}

for_each_version!(versions);

struct Inner {
    base_url: Url,
    runtime: Arc<Runtime>,
    /// This view's per-call settings over the runtime's.
    options: CallOptions,
    versions: Versions,
}

/// An Intercom client. Cheap to clone; clones share the connection pool, the
/// rate limiter and the retry budget.
///
/// Every call is cancellation-safe: dropping its future at any point (for
/// example with `tokio::time::timeout`, `select!`, or an aborted task) gives
/// back everything it held in the shared state, and the client carries on
/// as if the call had failed. Each call is bounded by itself too: a
/// whole-call timeout ([`ClientBuilder::call_timeout`], 120 s by default)
/// over every attempt, backoff and rate-limit wait, and a per-attempt
/// timeout. [`Client::with_options`] sets them for some calls.
///
/// ```no_run
/// # async fn run() -> intercom_api::Result<()> {
/// let client = intercom_api::Client::builder()
///     .access_token(std::env::var("INTERCOM_TOKEN").unwrap_or_default())
///     .region(intercom_api::Region::Eu)
///     .build()?;
/// let tags = client.v2_16().tags().list().send().await?.into_inner();
/// println!("{} tags", tags.data.len());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url.as_str())
            .field("access_token", &"[redacted]")
            .field("retry", &self.inner.runtime.retry)
            .field("rate_limit", &self.inner.runtime.limiter.config())
            .field("call_timeout", &self.inner.runtime.call_timeout)
            .field("attempt_timeout", &self.inner.runtime.attempt_timeout)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The rate-limit headers Intercom last sent to this client (or a clone).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.runtime.limiter.last_seen()
    }

    /// The tokens left in the shared retry budget (`None` when disabled).
    pub fn retry_budget(&self) -> Option<u32> {
        self.inner.runtime.budget.as_ref().map(|b| b.available())
    }

    /// Requests in flight and whether a first request is out probing the
    /// rate limits, across this client and its clones. For tests that check
    /// nothing leaks (e.g. after cancelled calls); not a stable API.
    #[doc(hidden)]
    pub fn in_flight_for_tests(&self) -> (u32, bool) {
        self.inner.runtime.limiter.in_flight()
    }

    /// A client with other retry settings that still shares this one's
    /// connections and rate limiter; e.g. to let one known-safe POST retry
    /// after a 5xx. Every field of `retry` applies, the budget included:
    ///
    /// - `budget` equal to this client's budget capacity (e.g. both the
    ///   default): the view shares this client's budget, so an outage is
    ///   still bounded across both;
    /// - another capacity: the view gets a fresh budget of its own, full,
    ///   with that capacity;
    /// - `None`: the view retries without a budget.
    pub fn with_retry(&self, retry: RetryConfig) -> Client {
        let r = &self.inner.runtime;
        let budget = match (retry.budget, &r.budget) {
            (Some(capacity), Some(shared)) if shared.capacity() == capacity => Some(shared.clone()),
            (Some(capacity), _) => Some(Arc::new(Budget::new(capacity))),
            (None, _) => None,
        };
        let runtime = Runtime {
            http: r.http.clone(),
            authorization: r.authorization.clone(),
            clock: r.clock.clone(),
            limiter: r.limiter.clone(),
            budget,
            retry,
            attempt_timeout: r.attempt_timeout,
            call_timeout: r.call_timeout,
            #[cfg(feature = "redis")]
            shared: r.shared.clone(),
            #[cfg(feature = "test-util")]
            mock: r.mock.clone(),
        };
        let base_url = self.inner.base_url.clone();
        Client::assemble(base_url, Arc::new(runtime), self.inner.options)
    }

    /// A view of this client whose calls use `options` over its settings: a
    /// whole-call timeout, the attempt timeout and count, retrying a POST.
    /// It shares everything else (connections, rate limiter, retry budget)
    /// and costs a few small allocations, no new connection pool; views of
    /// views combine their options, the later ones winning.
    ///
    /// ```no_run
    /// # #[cfg(feature = "v2_16")]
    /// # async fn run(client: intercom_api::Client) -> intercom_api::Result<()> {
    /// use std::time::Duration;
    /// use intercom_api::CallOptions;
    ///
    /// // Creating a tag by name twice gives the same tag: retry this POST
    /// // after a 5xx too, within 10 s in all.
    /// let safe = CallOptions::new()
    ///     .retry_non_idempotent(true)
    ///     .timeout(Duration::from_secs(10));
    /// let body = intercom_api::v2_16::types::CreateOrUpdateTagRequest::new("vip");
    /// client.with_options(safe).v2_16().tags().create().body(body).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn with_options(&self, options: CallOptions) -> Client {
        let inner = &self.inner;
        Client::assemble(
            inner.base_url.clone(),
            inner.runtime.clone(),
            inner.options.then(options),
        )
    }

    fn assemble(base_url: Url, runtime: Arc<Runtime>, options: CallOptions) -> Client {
        let transport = Transport::new(Executor(runtime.clone(), options));
        let base = base_url.as_str().trim_end_matches('/').to_owned();
        let versions = Versions::new(&base, &runtime.http, &transport);
        Client {
            inner: Arc::new(Inner {
                base_url,
                runtime,
                options,
                versions,
            }),
        }
    }

    #[cfg_attr(not(feature = "preview"), allow(dead_code))]
    /// Sends a hand-built request through the runtime (auth, rate limiting,
    /// retries, tracing), as the generated operations do.
    pub(crate) async fn send(
        &self,
        request: reqwest::Request,
        operation: &'static intercom_client_core::Operation,
    ) -> reqwest::Result<reqwest::Response> {
        let inner = &self.inner;
        inner.runtime.call(request, operation, &inner.options).await
    }

    #[cfg_attr(not(feature = "preview"), allow(dead_code))]
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.runtime.http
    }
}

/// Configures a [`Client`].
pub struct ClientBuilder {
    token: Option<SecretString>,
    region: Region,
    connect_timeout: Duration,
    attempt_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    http: Option<reqwest::Client>,
    retry: RetryConfig,
    rate_limit: RateLimitConfig,
    clock: Arc<dyn Clock>,
    #[cfg(feature = "redis")]
    shared: Option<crate::shared::RedisLimiter>,
    #[cfg(feature = "test-util")]
    mock: Option<Arc<crate::test_util::Wire>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            token: None,
            region: Region::Us,
            connect_timeout: Duration::from_secs(10),
            attempt_timeout: Some(Duration::from_secs(60)),
            call_timeout: Some(Duration::from_secs(120)),
            http: None,
            retry: RetryConfig::default(),
            rate_limit: RateLimitConfig::default(),
            clock: Arc::new(SystemClock),
            #[cfg(feature = "redis")]
            shared: None,
            #[cfg(feature = "test-util")]
            mock: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("access_token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("region", &self.region)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("call_timeout", &self.call_timeout)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The access token (an app's token or an OAuth token). Held as a secret:
    /// never shown by `Debug`, logs or errors.
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::from(token.into()));
        self
    }

    /// The region whose API host to use (default [`Region::Us`]).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// A custom base URL (shorthand for [`Region::Custom`]).
    pub fn base_url(self, url: impl Into<String>) -> Self {
        self.region(Region::Custom(url.into()))
    }

    /// Connect timeout of the built-in HTTP client (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Timeout of each attempt, from sending to the end of the body
    /// (default 60 s; `None` for none). An attempt that runs over is retried
    /// when the request may be repeated; the last one surfaces as
    /// [`Error::Timeout`](crate::Error::Timeout).
    pub fn attempt_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Timeout of a whole call: every attempt, backoff and rate-limit wait
    /// (default 120 s; `None` for none). Each attempt's timeout is cut to
    /// what is left, no wait that would cross it is begun, and a call that
    /// runs out ends with [`Error::OutOfTime`](crate::Error::OutOfTime)
    /// naming [`TimeLimit::Call`](crate::TimeLimit::Call).
    /// [`CallOptions::timeout`] sets it for some calls.
    pub fn call_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Use this `reqwest::Client` (its own connect timeout, proxy and TLS
    /// settings apply; the per-attempt timeout and user agent are still set).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Retry settings (default: 4 attempts, idempotent methods only).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Rate-limit settings (default: proactive pacing, 60 s maximum wait).
    pub fn rate_limit(mut self, rate_limit: RateLimitConfig) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Share the rate limit with every process (and client) using the same
    /// Redis keys (feature `redis`): see [`RedisLimiter`](crate::RedisLimiter).
    #[cfg(feature = "redis")]
    pub fn shared_limiter(mut self, limiter: crate::shared::RedisLimiter) -> Self {
        self.shared = Some(limiter);
        self
    }

    /// Answers from the test kit's in-process server instead of the network.
    #[cfg(feature = "test-util")]
    pub(crate) fn mock_wire(mut self, wire: Arc<crate::test_util::Wire>) -> Self {
        self.mock = Some(wire);
        self
    }

    /// The clock used for pacing and backoff (tests inject a virtual one).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let token = self.token.ok_or(ConfigError::MissingToken)?;
        if token.expose_secret().trim().is_empty() {
            return Err(ConfigError::MissingToken);
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| ConfigError::InvalidToken)?;
        authorization.set_sensitive(true);
        let base_url = self.region.base_url()?;
        // Without a TLS feature reqwest cannot speak https: say so now, not
        // at the first call (a client passed in brings its own TLS).
        if base_url.scheme() == "https"
            && self.http.is_none()
            && !cfg!(any(feature = "rustls", feature = "native-tls"))
        {
            return Err(ConfigError::NoTlsBackend {
                url: base_url.to_string(),
            });
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .user_agent(USER_AGENT_VALUE)
                .build()
                .map_err(ConfigError::Http)?,
        };
        let runtime = Runtime {
            http,
            authorization,
            clock: self.clock,
            limiter: Limiter::new(self.rate_limit),
            budget: self.retry.budget.map(|b| Arc::new(Budget::new(b))),
            retry: self.retry,
            attempt_timeout: self.attempt_timeout,
            call_timeout: self.call_timeout,
            #[cfg(feature = "redis")]
            shared: self.shared.map(crate::shared::Shared::new),
            #[cfg(feature = "test-util")]
            mock: self.mock,
        };
        Ok(Client::assemble(
            base_url,
            Arc::new(runtime),
            CallOptions::new(),
        ))
    }
}
