//! `GET /sns/oauth2/access_token`
//!
//! Exchanges the `code` WeChat appended to the redirect for the user's web token. A code is
//! single-use and lives 5 minutes: 40029 unknown or expired, 40163 already used, 41008 missing.
//!
//! See [WeChat Docs/网页授权 第二步：通过code换取网页授权access_token](https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::endpoint::sns::oauth2::WebToken;
use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::{AppId, AppSecret};

/// Query of `GET /sns/oauth2/access_token`. `Debug` redacts the secret.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The account's `appid`.
    pub app_id: AppId,
    /// The account's AppSecret (sent as `secret`).
    pub secret: AppSecret,
    /// The code from the redirect.
    pub code: String,
}

impl Request {
    /// An `authorization_code` exchange.
    pub fn new(app_id: impl Into<AppId>, secret: AppSecret, code: impl Into<String>) -> Self {
        Self {
            app_id: app_id.into(),
            secret,
            code: code.into(),
        }
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 4)?;
        s.serialize_field("appid", self.app_id.as_str())?;
        s.serialize_field("secret", self.secret.expose())?;
        s.serialize_field("code", &self.code)?;
        s.serialize_field("grant_type", "authorization_code")?;
        s.end()
    }
}

/// The user's web token.
pub type Response = WebToken;

impl Endpoint for Request {
    const METHOD: Method = Method::Get;
    const PATH: &'static str = "/sns/oauth2/access_token";
    const AUTH: AuthKind = AuthKind::None;
    /// A code works once: a repeated exchange gets 40163, so a lost answer is not retried.
    const IDEMPOTENT: bool = false;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_has_the_wire_names_and_debug_hides_the_secret() {
        let request = Request::new("wx1", AppSecret::new("S3CRET"), "CODE");
        assert_eq!(
            serde_urlencoded::to_string(&request).unwrap(),
            "appid=wx1&secret=S3CRET&code=CODE&grant_type=authorization_code"
        );
        assert!(!format!("{request:?}").contains("S3CRET"));
    }
}
