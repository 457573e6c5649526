//! Where requests go: Intercom's regional hosts or a validated custom URL.

use reqwest::Url;

use crate::error::ConfigError;

/// An Intercom data-hosting region, or a custom base URL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Region {
    /// United States: `https://api.intercom.io`.
    #[default]
    Us,
    /// Europe: `https://api.eu.intercom.io`.
    Eu,
    /// Australia: `https://api.au.intercom.io`.
    Au,
    /// A custom base URL (a proxy, a mock). Plain `http://` is accepted only
    /// for loopback hosts, so a token is never sent in clear over a network.
    Custom(String),
}

impl Region {
    /// The base URL of the region, validated.
    pub fn base_url(&self) -> Result<Url, ConfigError> {
        let raw = match self {
            Region::Us => "https://api.intercom.io",
            Region::Eu => "https://api.eu.intercom.io",
            Region::Au => "https://api.au.intercom.io",
            Region::Custom(url) => url.as_str(),
        };
        let url = Url::parse(raw).map_err(|e| ConfigError::InvalidBaseUrl {
            url: raw.to_owned(),
            reason: e.to_string(),
        })?;
        let invalid = |reason: &str| ConfigError::InvalidBaseUrl {
            url: raw.to_owned(),
            reason: reason.to_owned(),
        };
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(invalid(
                    "plain http is only allowed for loopback hosts; use https",
                ));
            }
            _ => return Err(invalid("scheme must be https")),
        }
        if url.host().is_none() {
            return Err(invalid("no host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("a base URL has no query or fragment"));
        }
        Ok(url)
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_their_hosts() {
        assert_eq!(
            Region::Us.base_url().unwrap().as_str(),
            "https://api.intercom.io/"
        );
        assert_eq!(
            Region::Eu.base_url().unwrap().as_str(),
            "https://api.eu.intercom.io/"
        );
        assert_eq!(
            Region::Au.base_url().unwrap().as_str(),
            "https://api.au.intercom.io/"
        );
    }

    #[test]
    fn custom_urls_are_validated() {
        let ok = |u: &str| Region::Custom(u.into()).base_url().is_ok();
        assert!(ok("https://proxy.example.com/intercom"));
        assert!(ok("http://127.0.0.1:8080"));
        assert!(ok("http://[::1]:8080"));
        assert!(ok("http://localhost:1234"));
        assert!(!ok("http://api.intercom.io"));
        assert!(!ok("http://10.0.0.1"));
        assert!(!ok("ftp://127.0.0.1"));
        assert!(!ok("not a url"));
        assert!(!ok("https://x.example.com/?q=1"));
        let err = Region::Custom("http://example.com".into())
            .base_url()
            .unwrap_err();
        assert!(err.to_string().contains("loopback"), "{err}");
    }
}
