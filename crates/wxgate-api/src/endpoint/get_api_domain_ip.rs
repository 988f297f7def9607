//! `GET /cgi-bin/get_api_domain_ip`
//!
//! Lists the IP addresses of WeChat's API servers (`api.weixin.qq.com`), for an egress
//! firewall.
//!
//! See [WeChat Docs/获取微信API接口IP地址](https://developers.weixin.qq.com/doc/service/api/base/api_getapidomainip.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /cgi-bin/get_api_domain_ip` (only the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"ip_list": ["101.89.47.18", ...]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The API servers' addresses.
    #[serde(default)]
    pub ip_list: Vec<String>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/get_api_domain_ip";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
