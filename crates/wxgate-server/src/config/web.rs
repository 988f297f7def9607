//! The H5 side's configuration: `[accounts.oauth]` (WeChat login) and `[accounts.jssdk]`
//! (JS-SDK configs for pages without a backend).

use serde::{Deserialize, Serialize};

/// `[accounts.oauth]`: WeChat login through `GET /oauth/{account}/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OAuthConfig {
    /// The origins (`https://shop.example.com`, `http://127.0.0.1:8080`) a login may return
    /// to; any other `redirect` is refused, so the gateway is never an open redirect.
    pub allowed_redirects: Vec<String>,
    /// The public URL of `/oauth/{account}/callback` as WeChat must call it (its host is the
    /// account's web authorization domain). Unset: built from the request's `Host` (and
    /// `X-Forwarded-Proto`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Where the authorize page is: WeChat's `https://open.weixin.qq.com` with WeChat's own
    /// API; unset with another `api_base` (the sandbox), that `api_base`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorize_base: Option<String>,
    /// How long the one-time `wxgate_ticket` handed to the page can be redeemed (s, default 300).
    #[serde(default = "default_ticket_ttl")]
    pub ticket_ttl_secs: u64,
}

impl OAuthConfig {
    /// A login that may return to these origins.
    #[must_use]
    pub fn new(allowed_redirects: Vec<String>) -> Self {
        Self {
            allowed_redirects,
            callback_url: None,
            authorize_base: None,
            ticket_ttl_secs: default_ticket_ttl(),
        }
    }
}

fn default_ticket_ttl() -> u64 {
    300
}

/// `[accounts.jssdk]`: `GET /jssdk/{account}/config` for pages under these domains.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct JsSdkPages {
    /// The account's JS safe domains: `host` (any port) or `host:port`, as set on WeChat's
    /// platform. Only page URLs on them are signed, and only their origins get CORS.
    pub domains: Vec<String>,
}

impl JsSdkPages {
    /// Pages on these domains.
    #[must_use]
    pub fn new(domains: Vec<String>) -> Self {
        Self { domains }
    }

    /// Whether a page on `host` with `port` (the URL's, or its scheme's default) is under one
    /// of the domains. Hosts compare without case; an entry without a port matches any port.
    #[must_use]
    pub fn covers(&self, host: &str, port: u16) -> bool {
        self.domains.iter().any(|entry| {
            let entry = entry.trim();
            match entry.rsplit_once(':') {
                Some((h, p)) if !h.contains(']') || h.ends_with(']') => {
                    p.parse::<u16>().is_ok_and(|p| p == port) && h.eq_ignore_ascii_case(host)
                }
                _ => entry.eq_ignore_ascii_case(host),
            }
        })
    }
}

/// Whether `entry` is a JS safe domain as WeChat takes them: a host name, optionally `:port`.
pub(super) fn is_domain_entry(entry: &str) -> bool {
    let (host, port) = match entry.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (entry, None),
    };
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0))
}

/// Whether `origin` is `http(s)://host[:port]` with nothing after it (a trailing `/` allowed).
pub(super) fn is_origin(origin: &str) -> bool {
    reqwest::Url::parse(origin).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && origin.trim_end_matches('/').matches('/').count() == 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_with_and_without_ports() {
        let pages = JsSdkPages::new(vec!["shop.example.com".into(), "127.0.0.1:8080".into()]);
        assert!(pages.covers("shop.example.com", 443));
        assert!(pages.covers("SHOP.example.com", 8443));
        assert!(pages.covers("127.0.0.1", 8080));
        assert!(!pages.covers("127.0.0.1", 8081));
        assert!(!pages.covers("evil.example.com", 443));
        assert!(!pages.covers("sub.shop.example.com", 443));
    }

    #[test]
    fn entries_and_origins() {
        assert!(is_domain_entry("shop.example.com"));
        assert!(is_domain_entry("127.0.0.1:8080"));
        assert!(!is_domain_entry("https://shop.example.com"));
        assert!(!is_domain_entry("shop.example.com/path"));
        assert!(!is_domain_entry("host:0"));
        assert!(is_origin("https://shop.example.com"));
        assert!(is_origin("http://127.0.0.1:8080/"));
        assert!(!is_origin("https://shop.example.com/app"));
        assert!(!is_origin("javascript:alert(1)"));
        assert!(!is_origin("shop.example.com"));
    }
}
