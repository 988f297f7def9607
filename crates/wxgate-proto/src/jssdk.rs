//! JS-SDK signatures: the `wx.config` signature and the card signatures.
//!
//! See appendices 1 and 4 of [WeChat Docs/JS-SDK说明](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html).

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

/// The `wx.config` signature: SHA-1 of
/// `jsapi_ticket=…&noncestr=…&timestamp=…&url=…`, with `url` cut at `#`.
///
/// # Examples
///
/// ```
/// // The worked example of WeChat's JS-SDK documentation, appendix 1.
/// let sig = wxgate_proto::jssdk::config_signature(
///     "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
///     "Wm3WZYTPz0wzccnW",
///     1414587457,
///     "http://mp.weixin.qq.com?params=value#section",
/// );
/// assert_eq!(sig, "0f9de62fce790f9a083d5c99e95740ceb90c27ed");
/// ```
#[must_use]
pub fn config_signature(jsapi_ticket: &str, nonce_str: &str, timestamp: u64, url: &str) -> String {
    let url = page_url(url);
    let mut hasher = Sha1::new();
    hasher.update(b"jsapi_ticket=");
    hasher.update(jsapi_ticket.as_bytes());
    hasher.update(b"&noncestr=");
    hasher.update(nonce_str.as_bytes());
    hasher.update(b"&timestamp=");
    hasher.update(timestamp.to_string().as_bytes());
    hasher.update(b"&url=");
    hasher.update(url.as_bytes());
    hex::encode(hasher.finalize())
}

/// The page URL as signed: everything before the first `#`.
#[must_use]
pub fn page_url(url: &str) -> &str {
    url.split_once('#').map_or(url, |(page, _)| page)
}

/// The object a page passes to `wx.config`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// The AppID whose ticket signed.
    pub app_id: String,
    /// The signed timestamp.
    pub timestamp: u64,
    /// The signed nonce.
    pub nonce_str: String,
    /// [`config_signature`].
    pub signature: String,
    /// The JS APIs the page wants.
    pub js_api_list: Vec<String>,
}

impl Config {
    /// Signs a config for `url` with the account's jsapi_ticket.
    #[must_use]
    pub fn sign(
        app_id: &str,
        jsapi_ticket: &str,
        nonce_str: &str,
        timestamp: u64,
        url: &str,
        js_api_list: Vec<String>,
    ) -> Self {
        Self {
            app_id: app_id.to_owned(),
            timestamp,
            nonce_str: nonce_str.to_owned(),
            signature: config_signature(jsapi_ticket, nonce_str, timestamp, url),
            js_api_list,
        }
    }
}

/// Card signatures (`cardExt.signature`, `cardSign`): the values sorted, joined, SHA-1.
///
/// Pass the values that are present: for `cardExt`, `api_ticket`, `timestamp`, `card_id`,
/// `code`, `openid`, `nonce_str`; for `cardSign`, `api_ticket`, `appid`, `location_id`,
/// `timestamp`, `nonce_str`, `card_id`, `card_type`. The ticket is the `wx_card` one.
///
/// # Examples
///
/// ```
/// // The cardExt example of WeChat's JS-SDK documentation, appendix 4.
/// let sig = wxgate_proto::jssdk::card_signature(&[
///     "ojZ8YtyVyr30HheH3CM73y7h4jJE", "1404896688", "pjZ8Yt1XGILfi-FUsewpnnolGgZk", "1434008071", "123",
/// ]);
/// assert_eq!(sig, "f137ab68b7f8112d20ee528ab6074564e2796250");
/// ```
#[must_use]
pub fn card_signature(values: &[&str]) -> String {
    crate::signature::sign(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    const J_TICKET: &str =
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";

    #[test]
    fn j1_current_doc() {
        assert_eq!(
            config_signature(
                J_TICKET,
                "Wm3WZYTPz0wzccnW",
                1_414_587_457,
                "http://mp.weixin.qq.com?params=value"
            ),
            "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
        );
    }

    #[test]
    fn j2_older_doc() {
        assert_eq!(
            config_signature(
                J_TICKET,
                "Wm3WZYTPz0wzccnW",
                1_414_587_457,
                "http://mp.weixin.qq.com"
            ),
            "f4d90daf4b3bca3078ab155816175ba34c443a7b"
        );
    }

    #[test]
    fn j3_card_ext() {
        assert_eq!(
            card_signature(&[
                "123",
                "1404896688",
                "1434008071",
                "ojZ8YtyVyr30HheH3CM73y7h4jJE",
                "pjZ8Yt1XGILfi-FUsewpnnolGgZk"
            ]),
            "f137ab68b7f8112d20ee528ab6074564e2796250"
        );
    }

    #[test]
    fn fragment_is_not_signed() {
        let a = config_signature(J_TICKET, "n", 1, "https://h5.example.com/p?a=1#/route?x=2");
        let b = config_signature(J_TICKET, "n", 1, "https://h5.example.com/p?a=1");
        assert_eq!(a, b);
    }

    #[test]
    fn config_json_is_camel_case() {
        let config = Config::sign(
            "wx1",
            J_TICKET,
            "n",
            1,
            "http://a",
            vec!["updateAppMessageShareData".into()],
        );
        let json = serde_json::to_value(&config).unwrap();
        for key in ["appId", "timestamp", "nonceStr", "signature", "jsApiList"] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }
}
