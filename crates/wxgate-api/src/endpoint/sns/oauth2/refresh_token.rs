//! `GET /sns/oauth2/refresh_token`
//!
//! Renews a user's web access token with the refresh token (valid 30 days): 40030 unknown,
//! 42002 expired, 42007 invalidated (the user must authorize again).
//!
//! See [WeChat Docs/网页授权 第三步：刷新access_token](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::AppId;
use crate::Secret;
use crate::endpoint::sns::oauth2::WebToken;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /sns/oauth2/refresh_token`. `Debug` redacts the refresh token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The account's `appid`.
    pub app_id: AppId,
    /// The refresh token of [`WebToken::refresh_token`].
    pub refresh_token: Secret,
}

impl Request {
    /// A refresh of `refresh_token`.
    pub fn new(app_id: impl Into<AppId>, refresh_token: Secret) -> Self {
        Self {
            app_id: app_id.into(),
            refresh_token,
        }
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 3)?;
        s.serialize_field("appid", self.app_id.as_str())?;
        s.serialize_field("grant_type", "refresh_token")?;
        s.serialize_field("refresh_token", self.refresh_token.expose())?;
        s.end()
    }
}

/// The renewed web token.
pub type Response = WebToken;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/sns/oauth2/refresh_token";
    const AUTH: AuthKind = AuthKind::None;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
