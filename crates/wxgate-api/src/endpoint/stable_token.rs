//! `POST /cgi-bin/stable_token`
//!
//! Gets the stable access token: repeated calls return the same token while it is valid (a
//! new one in its last 5 minutes); `force_refresh` invalidates it (20 a day, 30 s apart).
//! Isolated from `cgi-bin/token` tokens.
//!
//! See [WeChat Docs/获取稳定版接口调用凭据](https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken).

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::endpoint::{AuthKind, Endpoint, Method};
use crate::{AppId, AppSecret};

/// Body of `POST /cgi-bin/stable_token`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Request {
    /// The account's `appid`.
    pub app_id: AppId,
    /// The account's AppSecret (sent as `secret`).
    pub secret: AppSecret,
    /// Invalidate the current token and issue a new one.
    pub force_refresh: bool,
}

impl Request {
    /// A normal-mode request (`force_refresh: false`).
    pub fn new(app_id: AppId, secret: AppSecret) -> Self {
        Self {
            app_id,
            secret,
            force_refresh: false,
        }
    }

    /// Sets `force_refresh`.
    pub fn force_refresh(mut self, force: bool) -> Self {
        self.force_refresh = force;
        self
    }
}

impl Serialize for Request {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        let mut s = serializer.serialize_struct("Request", 4)?;
        s.serialize_field("grant_type", "client_credential")?;
        s.serialize_field("appid", self.app_id.as_str())?;
        s.serialize_field("secret", self.secret.expose())?;
        s.serialize_field("force_refresh", &self.force_refresh)?;
        s.end()
    }
}

/// The same shape as [`token::Response`](crate::endpoint::token::Response);
/// `expires_in` is the remaining lifetime.
pub type Response = crate::endpoint::token::Response;

impl Endpoint for Request {
    const METHOD: Method = Method::Post;
    const PATH: &'static str = "/cgi-bin/stable_token";
    const AUTH: AuthKind = AuthKind::None;
    const IDEMPOTENT: bool = true;
    type Response = Response;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_wire_names() {
        let request = Request::new(AppId::new("wx1"), AppSecret::new("S")).force_refresh(true);
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"grant_type":"client_credential","appid":"wx1","secret":"S","force_refresh":true})
        );
    }
}
