//! `POST /cgi-bin/message/mass/speed/get`
//!
//! The account's mass-send speed level and what it means.
//!
//! See [WeChat Docs/获取群发速度](https://developers.weixin.qq.com/doc/service/api/notify/message/api_getspeed.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/message/mass/speed/get` (empty, plus the access token).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {}

impl Request {
    /// The request.
    pub fn new() -> Self {
        Self {}
    }
}

/// `{"speed":3,"realspeed":15}`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The level, 0 (fastest) to 4.
    pub speed: u8,
    /// The level's speed in 10 000 messages per minute.
    pub realspeed: u32,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/mass/speed/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
