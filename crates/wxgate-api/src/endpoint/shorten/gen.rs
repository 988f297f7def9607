//! `POST /cgi-bin/shorten/gen`
//!
//! Stores up to 4 KB under a new short key for up to 30 days (the default and the maximum).
//!
//! Not idempotent (each call makes a new key).
//!
//! See [WeChat Docs/生成短key](https://developers.weixin.qq.com/doc/service/api/qrcode/shorten/api_genshortkey.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/shorten/gen` (plus the access token).
///
/// ```
/// use wxgate_api::endpoint::shorten::r#gen::Request;
/// assert_eq!(
///     serde_json::to_string(&Request::new("order=42").expire_seconds(86_400)).unwrap(),
///     r#"{"long_data":"order=42","expire_seconds":86400}"#,
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The data (1–4096 bytes).
    pub long_data: String,
    /// Lifetime in seconds (default and maximum 2 592 000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expire_seconds: Option<u32>,
}

impl Request {
    /// Stores `long_data` for 30 days.
    pub fn new(long_data: impl Into<String>) -> Self {
        Self {
            long_data: long_data.into(),
            expire_seconds: None,
        }
    }

    /// Keeps it `seconds` instead.
    pub fn expire_seconds(mut self, seconds: u32) -> Self {
        self.expire_seconds = Some(seconds);
        self
    }
}

/// `{"errcode":0,"errmsg":"ok","short_key":"iTVY7Dl0VTSAiJd"}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The key.
    pub short_key: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/shorten/gen";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
