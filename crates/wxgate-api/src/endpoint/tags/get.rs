//! `GET /cgi-bin/tags/get`
//!
//! Every tag of the account with its follower count (the system tag 2 星标组 included).
//!
//! See [WeChat Docs/用户标签管理 获取公众号已创建的标签](https://developers.weixin.qq.com/doc/offiaccount/User_Management/User_Tag_Management.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// `GET /cgi-bin/tags/get` (no parameters besides the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"tags":[{"id":2,"name":"星标组","count":0},..]}`
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The tags.
    #[serde(default)]
    pub tags: Vec<TagCount>,
}

/// A tag and how many followers carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct TagCount {
    /// The tag's id.
    pub id: u32,
    /// The tag's name.
    #[serde(default)]
    pub name: String,
    /// How many followers carry it.
    #[serde(default)]
    pub count: u64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/tags/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
