//! `POST /cgi-bin/clear_quota`
//!
//! Clears every API call counter of the account (10 clears per account per month, 48006
//! beyond). [`v2`] does the same with the AppSecret when the token quota itself is used up.
//!
//! See [WeChat Docs/公众号调用或第三方平台帮公众号调用对公众号的所有api调用（包括第三方帮其调用）次数进行清零](https://developers.weixin.qq.com/doc/offiaccount/openApi/clear_quota.html).

use serde::Serialize;

use crate::AppId;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

pub mod v2;

/// Body of `POST /cgi-bin/clear_quota` (plus the access token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Request {
    /// The account's `appid`.
    #[serde(rename = "appid")]
    pub app_id: AppId,
}

impl Request {
    /// A request to clear `app_id`'s quotas.
    pub fn new(app_id: AppId) -> Self {
        Self { app_id }
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/clear_quota";
    const AUTH: AuthKind = AuthKind::AccessToken;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
