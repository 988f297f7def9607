//! `POST /cgi-bin/message/mass/speed/set`
//!
//! Sets the account's mass-send speed level, 0 (80 × 10 000 per minute) to 4 (10 × 10 000).
//!
//! See [WeChat Docs/设置群发速度](https://developers.weixin.qq.com/doc/service/api/notify/message/api_setspeed.html).

use serde::Serialize;

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/message/mass/speed/set` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The level, 0 (fastest) to 4.
    pub speed: u8,
}

impl Request {
    /// Sets level `speed` (0–4).
    pub fn new(speed: u8) -> Self {
        Self { speed }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/mass/speed/set";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
