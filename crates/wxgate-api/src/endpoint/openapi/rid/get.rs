//! `POST /cgi-bin/openapi/rid/get`
//!
//! Looks up the request behind the `rid` of an error answer (`… rid: 61725984-6126f6f9-040f19c4`,
//! see [`ApiError::rid`](crate::ApiError::rid)): when it was made, how long it took, its query,
//! body and answer and the caller's IP. Only the account that made the call may look it up
//! (76003); rids live 7 days (76001 unknown or expired, 76002 empty or malformed).
//!
//! See [WeChat Docs/查询rid信息](https://developers.weixin.qq.com/doc/service/api/apimanage/api_getridinfo.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/openapi/rid/get` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The rid (`61725984-6126f6f9-040f19c4`).
    pub rid: String,
}

impl Request {
    /// Looks up `rid`.
    pub fn new(rid: impl Into<String>) -> Self {
        Self { rid: rid.into() }
    }
}

/// `{"errcode":0,"errmsg":"ok","request":{...}}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The recorded request.
    pub request: RequestInfo,
}

/// What WeChat recorded about one call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct RequestInfo {
    /// When it was made (Unix seconds).
    #[serde(default)]
    pub invoke_time: u64,
    /// How long it took, in milliseconds.
    #[serde(default)]
    pub cost_in_ms: u64,
    /// Its query string (WeChat shows the access token in it).
    #[serde(default)]
    pub request_url: String,
    /// Its body (POST).
    #[serde(default)]
    pub request_body: String,
    /// The answer, as text.
    #[serde(default)]
    pub response_body: String,
    /// The caller's IP.
    #[serde(default)]
    pub client_ip: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/openapi/rid/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
