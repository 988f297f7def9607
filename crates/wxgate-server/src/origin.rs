//! The gateway's own origin (`scheme://host[:port]`), from which it builds absolute URLs
//! pointing back at itself: a configured public URL when there is one, else the request's `Host`
//! and `X-Forwarded-Proto`. `Host` is the client's to choose (behind a proxy that passes it on
//! unchecked, an attacker's), so a configured public URL is always preferred.

use axum::http::{HeaderMap, header};

/// The origin for a URL back to this gateway: `configured` (its trailing `/` dropped), else
/// the request's `Host` with `X-Forwarded-Proto` (`http` unless it says `https`); `None` when
/// neither is usable.
pub(crate) fn origin(configured: Option<&str>, headers: &HeaderMap) -> Option<String> {
    if let Some(url) = configured {
        return Some(url.trim_end_matches('/').to_owned());
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !valid {
        return None;
    }
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    Some(format!("{scheme}://{host}"))
}

/// Whether `url` can be a public URL: `http(s)://host[:port]` with nothing after but an
/// optional `/` (no path, query or fragment, which would end up in the middle of the URLs
/// built from it).
pub(crate) fn is_public_url(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|h| !h.is_empty())
        && parsed.path() == "/"
        && parsed.query().is_none()
        && parsed.fragment().is_none()
        && parsed.username().is_empty()
        && parsed.password().is_none()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn a_configured_url_wins_over_the_host_header() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("evil.example"));
        assert_eq!(
            origin(Some("https://wx.example.com/"), &headers).as_deref(),
            Some("https://wx.example.com")
        );
        assert_eq!(
            origin(None, &headers).as_deref(),
            Some("http://evil.example")
        );
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(
            origin(None, &headers).as_deref(),
            Some("https://evil.example")
        );
        headers.insert(header::HOST, HeaderValue::from_static("a/b"));
        assert_eq!(origin(None, &headers), None);
        assert_eq!(origin(None, &HeaderMap::new()), None);
    }

    #[test]
    fn public_urls_are_bare_origins() {
        for good in [
            "https://wx.example.com",
            "https://wx.example.com/",
            "http://127.0.0.1:8080",
        ] {
            assert!(is_public_url(good), "{good}");
        }
        for bad in [
            "wx.example.com",
            "ftp://wx.example.com",
            "https://wx.example.com/gateway",
            "https://wx.example.com/?a=1",
            "https://user:pw@wx.example.com",
            "",
        ] {
            assert!(!is_public_url(bad), "{bad}");
        }
    }
}
