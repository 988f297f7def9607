//! `GET /sns/auth`
//!
//! Whether a web access token is still valid for a user: `{"errcode":0}` if so, 40003 for an
//! OpenID that is not the token's, 40001/42001 for a token that is not or no longer valid.
//!
//! See [WeChat Docs/网页授权 附：检验授权凭证（access_token）是否有效](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::OpenId;
use crate::Secret;
use crate::endpoint::{Ack, AuthKind, Endpoint, Method};

/// Query of `GET /sns/auth`. `Debug` redacts the web token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The web access token to check.
    pub access_token: Secret,
    /// The user it should belong to.
    pub openid: OpenId,
}

impl Request {
    /// A check of `access_token` for `openid`.
    pub fn new(access_token: Secret, openid: impl Into<OpenId>) -> Self {
        Self {
            access_token,
            openid: openid.into(),
        }
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 2)?;
        s.serialize_field("access_token", self.access_token.expose())?;
        s.serialize_field("openid", self.openid.as_str())?;
        s.end()
    }
}

/// `{"errcode":0,"errmsg":"ok"}`: the token is valid.
pub type Response = Ack;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/sns/auth";
    const AUTH: AuthKind = AuthKind::None;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}
