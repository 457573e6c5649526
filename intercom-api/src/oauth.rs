//! OAuth for public Intercom apps: the authorize URL to send users to, and
//! the exchange of the returned code for an access token.
//!
//! ```no_run
//! # async fn run() -> Result<(), intercom_api::oauth::OAuthError> {
//! use intercom_api::oauth::OAuthApp;
//!
//! let app = OAuthApp::new("my-client-id", "my-client-secret");
//! let url = app.authorize_url("csrf-state", Some("https://example.com/callback"));
//! // … the user approves, Intercom redirects back with `?code=…&state=csrf-state` …
//! let token = app.exchange_code(&reqwest::Client::new(), "the-code").await?;
//! let client = intercom_api::Client::builder().access_token(token.expose()).build();
//! # Ok(()) }
//! ```

use std::fmt;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Where users approve an app.
pub const AUTHORIZE_URL: &str = "https://app.intercom.com/oauth";
/// Where codes are exchanged for tokens.
pub const TOKEN_URL: &str = "https://api.intercom.io/auth/eagle/token";

/// Why a code exchange failed (never shows the secret, code or token).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// The request failed in transport.
    #[error("token exchange failed: {0}")]
    Transport(#[from] reqwest::Error),
    /// Intercom refused the exchange.
    #[error("token exchange refused with {status}: {error}")]
    Refused {
        /// HTTP status.
        status: reqwest::StatusCode,
        /// Intercom's error code or message, when given.
        error: String,
    },
    /// The answer carried no token.
    #[error("token exchange answered without a token")]
    NoToken,
    /// A URL override is invalid.
    #[error("invalid URL: {0}")]
    InvalidUrl(String),
}

/// A public app's OAuth credentials.
#[derive(Clone)]
pub struct OAuthApp {
    client_id: String,
    client_secret: SecretString,
    authorize_url: Url,
    token_url: Url,
}

impl fmt::Debug for OAuthApp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthApp")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("token_url", &self.token_url.as_str())
            .finish_non_exhaustive()
    }
}

/// An access token obtained through OAuth (redacted in `Debug`).
#[derive(Clone)]
pub struct AccessToken {
    token: SecretString,
    /// Usually `Bearer`.
    pub token_type: Option<String>,
}

impl AccessToken {
    /// The token, for [`ClientBuilder::access_token`](crate::ClientBuilder::access_token)
    /// or your own secure storage.
    pub fn expose(&self) -> &str {
        self.token.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"[redacted]")
            .field("token_type", &self.token_type)
            .finish()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    token_type: Option<String>,
}

impl OAuthApp {
    /// Credentials from the app's Developer Hub page.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            authorize_url: Url::parse(AUTHORIZE_URL)
                .unwrap_or_else(|_| unreachable!("constant URL")),
            token_url: Url::parse(TOKEN_URL).unwrap_or_else(|_| unreachable!("constant URL")),
        }
    }

    /// Overrides the token endpoint (tests, proxies). `http://` only for loopback.
    pub fn with_token_url(mut self, url: &str) -> Result<Self, OAuthError> {
        let base = crate::Region::Custom(url.to_owned())
            .base_url()
            .map_err(|e| OAuthError::InvalidUrl(e.to_string()))?;
        self.token_url = base;
        Ok(self)
    }

    /// The URL to send a user to; `state` comes back with the code (check it).
    pub fn authorize_url(&self, state: &str, redirect_uri: Option<&str>) -> Url {
        let mut url = self.authorize_url.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &self.client_id)
                .append_pair("state", state);
            if let Some(r) = redirect_uri {
                q.append_pair("redirect_uri", r);
            }
        }
        url
    }

    /// Exchanges the code from the redirect for an access token.
    pub async fn exchange_code(
        &self,
        http: &reqwest::Client,
        code: &str,
    ) -> Result<AccessToken, OAuthError> {
        let form = [
            ("code", code),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        let response = http
            .post(self.token_url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            )
            .send()
            .await
            .map_err(|e| OAuthError::Transport(e.without_url()))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| OAuthError::Transport(e.without_url()))?;
        if !status.is_success() {
            let error = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| {
                    v.pointer("/errors/0/code")
                        .or_else(|| v.get("error"))
                        .and_then(|e| e.as_str().map(str::to_owned))
                })
                .unwrap_or_else(|| "no error code".into());
            return Err(OAuthError::Refused { status, error });
        }
        let body: TokenResponse =
            serde_json::from_slice(&bytes).map_err(|_| OAuthError::NoToken)?;
        let token = body
            .access_token
            .or(body.token)
            .filter(|t| !t.is_empty())
            .ok_or(OAuthError::NoToken)?;
        Ok(AccessToken {
            token: SecretString::from(token),
            token_type: body.token_type,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorize_url_carries_the_parameters_encoded() {
        let app = OAuthApp::new("cid", "secret");
        let url = app.authorize_url("s t&x", Some("https://example.com/cb?a=1"));
        assert_eq!(url.host_str(), Some("app.intercom.com"));
        assert_eq!(url.path(), "/oauth");
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        assert_eq!(
            pairs,
            vec![
                ("client_id".into(), "cid".into()),
                ("state".into(), "s t&x".into()),
                ("redirect_uri".into(), "https://example.com/cb?a=1".into()),
            ]
        );
        assert!(!format!("{app:?}").contains("secret\""));
        assert!(
            OAuthApp::new("a", "b")
                .with_token_url("http://intercom.example.com")
                .is_err()
        );
    }
}
