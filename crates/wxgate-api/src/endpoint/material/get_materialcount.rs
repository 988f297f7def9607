//! `GET /cgi-bin/material/get_materialcount`
//!
//! How many permanent materials of each type the account has.
//!
//! See [WeChat Docs/获取素材总数](https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Get_the_total_of_all_materials.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /cgi-bin/material/get_materialcount` (only the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"voice_count": .., "video_count": .., "image_count": .., "news_count": ..}`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// Voice materials.
    #[serde(default)]
    pub voice_count: u64,
    /// Video materials.
    #[serde(default)]
    pub video_count: u64,
    /// Image materials.
    #[serde(default)]
    pub image_count: u64,
    /// News materials.
    #[serde(default)]
    pub news_count: u64,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/cgi-bin/material/get_materialcount";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
