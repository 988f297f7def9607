//! `POST /cgi-bin/message/mass/get`
//!
//! The status of a mass send (`SEND_SUCCESS`, `SENDING`, `SEND_FAIL`, `DELETE`).
//!
//! See [WeChat Docs/查询群发消息发送状态](https://developers.weixin.qq.com/doc/service/api/notify/message/api_massmsgget.html).

use serde::{Deserialize, Serialize};

use crate::endpoint::{AuthKind, Endpoint, Method};

/// Body of `POST /cgi-bin/message/mass/get` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The send job.
    pub msg_id: u64,
}

impl Request {
    /// The status of `msg_id`.
    pub fn new(msg_id: u64) -> Self {
        Self { msg_id }
    }
}

/// `{"msg_id":201053012,"msg_status":"SEND_SUCCESS"}`
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The send job.
    pub msg_id: u64,
    /// `SEND_SUCCESS`, `SENDING`, `SEND_FAIL` or `DELETE`.
    pub msg_status: String,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/message/mass/get";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
