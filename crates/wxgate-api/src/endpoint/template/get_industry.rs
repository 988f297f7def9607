//! `GET /cgi-bin/template/get_industry`
//!
//! The account's primary and secondary industries.
//!
//! See [WeChat Docs/获取设置的行业信息](https://developers.weixin.qq.com/doc/service/api/notify/template/api_getindustry.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /cgi-bin/template/get_industry` (only the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"primary_industry":{"first_class":"运输与仓储","second_class":"快递"},"secondary_industry":{...}}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The primary industry (empty classes when none is set).
    #[serde(default)]
    pub primary_industry: Industry,
    /// The secondary industry.
    #[serde(default)]
    pub secondary_industry: Industry,
}

/// An industry by its two class names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Industry {
    /// The main class (`IT科技`).
    #[serde(default)]
    pub first_class: String,
    /// The sub-class (`互联网|电子商务`).
    #[serde(default)]
    pub second_class: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/template/get_industry";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
