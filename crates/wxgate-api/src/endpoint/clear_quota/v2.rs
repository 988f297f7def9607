//! `POST /cgi-bin/clear_quota/v2`
//!
//! Clears every API call counter of the account with the AppSecret, without an access token
//! (works when the `cgi-bin/token` quota is used up); same monthly limit as `clear_quota`.
//!
//! See [WeChat Docs/使用AppSecret重置 API 调用次数](https://developers.weixin.qq.com/doc/offiaccount/openApi/clearQuotaByAppSecret.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::endpoint::{Ack, AuthKind, Endpoint, Method};
use crate::{AppId, AppSecret};

/// Body of `POST /cgi-bin/clear_quota/v2`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The account's `appid`.
    pub app_id: AppId,
    /// The AppSecret (sent as `appsecret`).
    pub app_secret: AppSecret,
}

impl Request {
    /// A request to clear `app_id`'s quotas.
    pub fn new(app_id: AppId, app_secret: AppSecret) -> Self {
        Self { app_id, app_secret }
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 2)?;
        s.serialize_field("appid", self.app_id.as_str())?;
        s.serialize_field("appsecret", self.app_secret.expose())?;
        s.end()
    }
}

/// `{"errcode":0,"errmsg":"ok"}`
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/clear_quota/v2";
    const AUTH: AuthKind = AuthKind::None;
    const IDEMPOTENT: bool = false;
    type Response = Response;
}
