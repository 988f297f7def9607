//! `POST /cgi-bin/shorten/fetch`
//!
//! The data stored under a short key, when it was stored and how long it still lives.
//!
//! See [WeChat Docs/获取短key对应的长信息](https://developers.weixin.qq.com/doc/service/api/qrcode/shorten/api_fetchshorten.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/shorten/fetch` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The key `shorten/gen` answered.
    pub short_key: String,
}

impl Request {
    /// Looks up `short_key`.
    pub fn new(short_key: impl Into<String>) -> Self {
        Self {
            short_key: short_key.into(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok","long_data":"...","create_time":1611047541,"expire_seconds":86300}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The data.
    pub long_data: String,
    /// When it was stored (Unix seconds).
    pub create_time: u64,
    /// Seconds it still lives.
    pub expire_seconds: u64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/shorten/fetch";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
