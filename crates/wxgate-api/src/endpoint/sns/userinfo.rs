//! `GET /sns/userinfo`
//!
//! The profile of the user a web token belongs to; needs the `snsapi_userinfo` scope (48001
//! otherwise) and that user's OpenID (40003). Since 2021-10-20 `sex` is 0 and the places are
//! empty.
//!
//! See [WeChat Docs/网页授权 第四步：拉取用户信息](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

use serde::Deserialize;
use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::OpenId;
use crate::Secret;
use crate::endpoint::{AuthKind, Endpoint, Method};

/// Query of `GET /sns/userinfo`. `Debug` redacts the web token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The user's web access token ([`WebToken::access_token`](super::oauth2::WebToken::access_token)).
    pub access_token: Secret,
    /// The user.
    pub openid: OpenId,
    /// `zh_CN` (default), `zh_TW` or `en`.
    pub lang: Option<String>,
}

impl Request {
    /// The profile of `openid`, read with its web token.
    pub fn new(access_token: Secret, openid: impl Into<OpenId>) -> Self {
        Self {
            access_token,
            openid: openid.into(),
            lang: None,
        }
    }

    /// Sets the language of the place names.
    #[must_use]
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = Some(lang.into());
        self
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 3)?;
        s.serialize_field("access_token", self.access_token.expose())?;
        s.serialize_field("openid", self.openid.as_str())?;
        if let Some(lang) = &self.lang {
            s.serialize_field("lang", lang)?;
        }
        s.end()
    }
}

/// A user's profile as web authorization sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct Response {
    /// The user.
    pub openid: OpenId,
    /// The nickname.
    pub nickname: String,
    /// Always 0 since the 2021 privacy change.
    pub sex: i64,
    /// Empty since the 2021 privacy change.
    pub province: String,
    /// Empty since the 2021 privacy change.
    pub city: String,
    /// Empty since the 2021 privacy change.
    pub country: String,
    /// The avatar URL (its last path segment is the size: 0, 46, 64, 96, 132); empty without.
    pub headimgurl: String,
    /// Privileges (WeChat card holders: `chinaunicom`).
    pub privilege: Vec<String>,
    /// The UnionID, when the account is bound to an Open Platform account.
    pub unionid: Option<String>,
}

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/sns/userinfo";
    const AUTH: AuthKind = AuthKind::None;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
