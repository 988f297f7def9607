//! OAuth2 web authorization URLs.
//!
//! See [WeChat Docs/网页授权](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Serialize};

/// Where WeChat's authorize page lives.
pub const AUTHORIZE_BASE: &str = "https://open.weixin.qq.com";

/// Characters left as they are in `redirect_uri` (RFC 3986 unreserved).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The scope asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// `snsapi_base`: silent, OpenID only.
    #[serde(rename = "snsapi_base")]
    Base,
    /// `snsapi_userinfo`: consent page, profile readable.
    #[serde(rename = "snsapi_userinfo")]
    UserInfo,
}

impl Scope {
    /// The wire value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Base => "snsapi_base",
            Self::UserInfo => "snsapi_userinfo",
        }
    }
}

/// Why an authorize URL could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// `state` must be `[a-zA-Z0-9]`, at most 128 bytes.
    #[error("state must be 1-128 characters of [a-zA-Z0-9]")]
    InvalidState,
    /// `redirect_uri` must be an absolute http(s) URL.
    #[error("redirect_uri must be an absolute http or https URL")]
    InvalidRedirect,
}

/// Builds the authorize URL, parameters in WeChat's required order, ending in `#wechat_redirect`.
///
/// `base` is [`AUTHORIZE_BASE`] in production or the sandbox's address.
///
/// # Errors
///
/// [`OAuthError`] for a bad `state` or `redirect_uri`.
///
/// # Examples
///
/// ```
/// use wxgate_proto::oauth::{authorize_url, Scope, AUTHORIZE_BASE};
/// let url = authorize_url(AUTHORIZE_BASE, "wx520c15f417810387", "https://chong.qq.com/a?x=1", Scope::Base, Some("123"), false).unwrap();
/// assert_eq!(url, "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx520c15f417810387&redirect_uri=https%3A%2F%2Fchong.qq.com%2Fa%3Fx%3D1&response_type=code&scope=snsapi_base&state=123#wechat_redirect");
/// ```
pub fn authorize_url(
    base: &str,
    app_id: &str,
    redirect_uri: &str,
    scope: Scope,
    state: Option<&str>,
    force_popup: bool,
) -> Result<String, OAuthError> {
    if !(redirect_uri.starts_with("https://") || redirect_uri.starts_with("http://")) {
        return Err(OAuthError::InvalidRedirect);
    }
    if let Some(state) = state
        && (state.is_empty()
            || state.len() > 128
            || !state.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(OAuthError::InvalidState);
    }
    let mut url = format!(
        "{}/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope={}",
        base.trim_end_matches('/'),
        utf8_percent_encode(app_id, COMPONENT),
        utf8_percent_encode(redirect_uri, COMPONENT),
        scope.as_str()
    );
    if let Some(state) = state {
        url.push_str("&state=");
        url.push_str(state);
    }
    if force_popup {
        url.push_str("&forcePopup=true");
    }
    url.push_str("#wechat_redirect");
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_fragment() {
        let url = authorize_url(
            AUTHORIZE_BASE,
            "wxA",
            "https://x.example/cb",
            Scope::UserInfo,
            None,
            true,
        )
        .unwrap();
        assert_eq!(
            url,
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxA&redirect_uri=https%3A%2F%2Fx.example%2Fcb&response_type=code&scope=snsapi_userinfo&forcePopup=true#wechat_redirect"
        );
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(
            authorize_url(AUTHORIZE_BASE, "wx", "/relative", Scope::Base, None, false),
            Err(OAuthError::InvalidRedirect)
        );
        for state in ["", "a-b", &"a".repeat(129), "中文"] {
            assert_eq!(
                authorize_url(
                    AUTHORIZE_BASE,
                    "wx",
                    "https://a",
                    Scope::Base,
                    Some(state),
                    false
                ),
                Err(OAuthError::InvalidState)
            );
        }
    }
}
