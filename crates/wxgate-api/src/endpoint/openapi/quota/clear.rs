//! `POST /cgi-bin/openapi/quota/clear`
//!
//! Clears one API's call counter (counts against the monthly clearing limit).
//!
//! See [WeChat Docs/重置指定API调用次数](https://developers.weixin.qq.com/doc/service/api/apimanage/api_clearapiquota.html).

use serde::Serialize;

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/openapi/quota/clear` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The API path, e.g. `/cgi-bin/message/custom/send`.
    pub cgi_path: String,
}

impl Request {
    /// A request to clear `cgi_path`'s counter.
    pub fn new(cgi_path: impl Into<String>) -> Self {
        Self {
            cgi_path: cgi_path.into(),
        }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/openapi/quota/clear";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
